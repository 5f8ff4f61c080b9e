"""The loss interface shared by built-in and user-supplied losses."""

import numpy as np

from .._validation import check_vector


class Loss:
    """A twice-differentiable loss L: R^dim -> R with Numba kernels.

    Subclasses set ``name``, ``dim``, ``params`` (float64 vector handed to the
    kernels), the kernels ``_value_kernel``, ``_grad_lane_kernel`` (or
    ``_grad_block_kernel``) and ``_hess_kernel`` following the conventions of
    :mod:`optdyn.losses._kernels`, and ``_binding`` (where
    :mod:`optdyn._codegen` finds them by name).  They may list approximate
    minima in ``_minima_guess``; :attr:`minima` polishes them by Newton's
    method.
    """

    name = "loss"
    dim: int
    params: np.ndarray
    _minima_guess = ()

    # -- evaluation --------------------------------------------------------

    def value(self, theta):
        """L(theta), a float."""
        theta = check_vector("theta", theta, self.dim)
        return float(self._value_kernel(theta, self.params))

    def grad(self, theta):
        """The gradient of L at theta, shape (dim,)."""
        theta = check_vector("theta", theta, self.dim)
        Y = theta.reshape(self.dim, 1).copy()
        G = np.empty_like(Y)
        lane = getattr(self, "_grad_lane_kernel", None)
        if lane is not None:
            lane(Y, self.params, G, 0)
        else:
            self._grad_block_kernel(Y, self.params, G, 1)
        return G[:, 0]

    def hessian(self, theta):
        """The Hessian of L at theta, shape (dim, dim)."""
        theta = check_vector("theta", theta, self.dim)
        H = np.empty((self.dim, self.dim))
        self._hess_kernel(theta, self.params, H)
        return H

    # -- critical points ---------------------------------------------------

    @property
    def minima(self):
        """Known minima, polished to machine precision, as a tuple of arrays."""
        if not hasattr(self, "_minima_cache"):
            polished = [self.newton_critical_point(m) for m in self._minima_guess]
            self._minima_cache = tuple(polished)
        return self._minima_cache

    def newton_critical_point(self, theta0, tol=1e-14, max_iter=50):
        """Solve grad L = 0 by Newton's method from ``theta0``."""
        theta = np.array(theta0, dtype=np.float64)
        for _ in range(max_iter):
            step = np.linalg.solve(self.hessian(theta), self.grad(theta))
            theta = theta - step
            if np.max(np.abs(step)) <= tol * (1.0 + np.max(np.abs(theta))):
                break
        return theta

    def classify_critical_point(self, theta, tol=1e-9):
        """'minimum', 'saddle', 'maximum' or 'degenerate', from the Hessian."""
        h = np.linalg.eigvalsh(0.5 * (self.hessian(theta) + self.hessian(theta).T))
        scale = tol * max(1.0, np.max(np.abs(h)))
        if np.all(h > scale):
            return "minimum"
        if np.all(h < -scale):
            return "maximum"
        if np.any(h > scale) and np.any(h < -scale):
            return "saddle"
        return "degenerate"

    # -- identity ----------------------------------------------------------

    def key(self):
        """A hashable description: equal keys mean the same function."""
        return (type(self).__name__, self.dim, tuple(self.params.tolist()))

    def __eq__(self, other):
        return isinstance(other, Loss) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())


def as_param_vector(name, values, length=None):
    """Validate loss parameters as a finite float64 vector."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if length is None:
        length = arr.shape[0]
    return check_vector(name, arr, length)
