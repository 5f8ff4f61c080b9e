"""Losses from a user's own Numba-jitted functions."""


import numpy as np
from numba import njit

from .._fingerprint import function_fingerprint
from .._validation import check_int, check_vector
from ._base import Loss

#: Relative step of the central-difference Hessian: cbrt(machine epsilon).
FD_STEP = np.finfo(np.float64).eps ** (1.0 / 3.0)


def _make_adapters(user_value, user_grad, user_hess):
    """Kernels in optdyn's block convention, wrapping pointwise user functions.

    Without ``user_hess`` the Hessian is a central difference of the
    gradient, column j with step h_j = FD_STEP * max(1, |theta_j|), then
    symmetrised: error O(h^2), about 1e-10 relative for smooth losses.
    """

    @njit
    def loss_value(theta, p):
        return user_value(theta)

    @njit
    def loss_grad_lane(Y, p, G, b):
        x = np.empty(Y.shape[0])
        for d in range(Y.shape[0]):
            x[d] = Y[d, b]
        g = user_grad(x)
        for d in range(Y.shape[0]):
            G[d, b] = g[d]

    if user_hess is not None:

        @njit
        def loss_hess(theta, p, H):
            h = user_hess(theta)
            for i in range(theta.shape[0]):
                for j in range(theta.shape[0]):
                    H[i, j] = h[i, j]

    else:

        @njit
        def loss_hess(theta, p, H):
            D = theta.shape[0]
            x = theta.copy()
            for j in range(D):
                h = FD_STEP * max(1.0, abs(theta[j]))
                x[j] = theta[j] + h
                gp = user_grad(x)
                x[j] = theta[j] - h
                gm = user_grad(x)
                x[j] = theta[j]
                for i in range(D):
                    H[i, j] = (gp[i] - gm[i]) / (2.0 * h)
            for i in range(D):
                for j in range(i + 1, D):
                    s = 0.5 * (H[i, j] + H[j, i])
                    H[i, j] = s
                    H[j, i] = s

    return loss_value, loss_grad_lane, loss_hess


class CustomLoss(Loss):
    """A loss from Numba-jitted ``value(theta)`` and ``grad(theta)``.

    Parameters
    ----------
    value : numba dispatcher
        ``value(theta) -> float`` for theta of shape (dim,).
    grad : numba dispatcher
        ``grad(theta) -> ndarray of shape (dim,)``.
    dim : int
        Number of parameters.
    hess : numba dispatcher, optional
        ``hess(theta) -> ndarray of shape (dim, dim)``.  Without it, a
        central-difference Hessian of ``grad`` is used (see
        :data:`FD_STEP`): accurate to about 1e-10 relative, enough for
        stability analysis but not for 'last digit' comparisons.
    minima : sequence of array_like, optional
        Approximate minima; :attr:`minima` polishes them by Newton's method.
    name : str, optional

    The functions are called once on a test point at construction, so that
    a gradient or Hessian of the wrong shape fails at once with a clear
    message.  Kernels built on user functions compile once per process; they
    are not
    cached on disk, because Numba cannot cache code that calls functions it
    did not see at import time.

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def value(t):
    ...     return (t[0] - 1.0) ** 2
    >>> @njit
    ... def grad(t):
    ...     return np.array([2.0 * (t[0] - 1.0)])
    >>> CustomLoss(value, grad, dim=1).grad([3.0])
    array([4.])
    """

    def __init__(self, value, grad, dim, hess=None, minima=(), name="custom"):
        for arg, f in (("value", value), ("grad", grad), ("hess", hess)):
            if f is not None and not hasattr(f, "py_func"):
                raise ValueError(
                    f"{arg} must be a Numba-jitted function (decorate it with "
                    f"@numba.njit); got {f!r}"
                )
        self.dim = check_int("dim", dim, 1)
        self.params = np.zeros(0)
        self.name = name
        self._user = (value, grad, hess)
        self._value_kernel, self._grad_lane_kernel, self._hess_kernel = (
            _make_adapters(value, grad, hess)
        )
        self._binding = {
            "inject": {
                "loss_value": self._value_kernel,
                "loss_grad_lane": self._grad_lane_kernel,
                "loss_hess": self._hess_kernel,
            }
        }
        self._minima_guess = tuple(
            check_vector("minima entry", m, self.dim) for m in minima
        )
        self._check_shapes()

    def _check_shapes(self):
        """Call the user functions once, so a wrong shape fails here, clearly.

        A gradient of the wrong length would otherwise make the compiled
        kernels read or write past the end of their arrays.
        """
        value, grad, hess = self._user
        theta = np.full(self.dim, 0.5)
        try:
            v = value(theta)
            g = grad(theta)
            h = None if hess is None else hess(theta)
        except Exception as exc:  # Numba typing errors are long; keep the gist
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ValueError(
                f"the loss functions of CustomLoss {self.name!r} failed on a test "
                f"point theta of shape ({self.dim},): {type(exc).__name__}: {first}"
            ) from exc
        if np.ndim(v) != 0:
            raise ValueError(
                f"value must return a scalar; got an array of shape {np.shape(v)}"
            )
        if np.shape(g) != (self.dim,):
            raise ValueError(
                f"grad must return an array of shape ({self.dim},); "
                f"got {np.shape(g)}"
            )
        if h is not None and np.shape(h) != (self.dim, self.dim):
            raise ValueError(
                f"hess must return an array of shape ({self.dim}, {self.dim}); "
                f"got {np.shape(h)}"
            )

    def key(self):
        """Identity by what the functions compute, the same in every process."""
        return (
            "CustomLoss",
            self.name,
            self.dim,
            tuple(None if f is None else function_fingerprint(f) for f in self._user),
        )

    def __repr__(self):
        return f"CustomLoss({self.name!r}, dim={self.dim})"


