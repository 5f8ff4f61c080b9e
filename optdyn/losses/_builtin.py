"""The built-in losses: a quadratic bowl, the paper's equation (15), and two
classic test functions."""

import numpy as np

from .._validation import check_finite
from . import _kernels as K
from ._base import Loss, as_param_vector

_MODULE = "optdyn.losses._kernels"


def _bind(prefix):
    return {
        "module": _MODULE,
        "value": f"{prefix}_value",
        "grad_lane": f"{prefix}_grad_lane",
        "hess": f"{prefix}_hess",
    }


class Quadratic(Loss):
    """L(theta) = 1/2 sum_i k_i theta_i^2.

    Parameters
    ----------
    k : float or array_like of shape (dim,)
        The curvatures (Hessian eigenvalues).  Any sign is accepted; the
        minimum at 0 exists only when every k_i > 0.

    Examples
    --------
    >>> Quadratic([1.0, 10.0]).grad([1.0, 1.0])
    array([ 1., 10.])
    """

    name = "quadratic"
    _binding = _bind("quadratic")
    _value_kernel = staticmethod(K.quadratic_value)
    _grad_lane_kernel = staticmethod(K.quadratic_grad_lane)
    _hess_kernel = staticmethod(K.quadratic_hess)

    def __init__(self, k):
        self.params = as_param_vector("k", k)
        self.dim = self.params.shape[0]
        if self.dim == 0:
            raise ValueError("k must hold at least one curvature; got an empty array")

    @property
    def k(self):
        return self.params.copy()

    @property
    def minima(self):
        if np.all(self.params > 0):
            return (np.zeros(self.dim),)
        return ()

    def __repr__(self):
        return f"Quadratic(k={self.params.tolist()})"


class Eq15(Loss):
    """The paper's equation (15), a non-convex valley in two dimensions.

    L(theta_1, theta_2) = (theta_1^2 + 2 theta_2 - 7)^2
    + (2 theta_1 + theta_2 - 5)^2 + 1e-3 (theta_1^6 + theta_2^6).

    Its only critical point is the minimum near (1.690, 1.963).
    """

    name = "eq15"
    dim = 2
    params = np.zeros(0)
    _binding = _bind("eq15")
    _value_kernel = staticmethod(K.eq15_value)
    _grad_lane_kernel = staticmethod(K.eq15_grad_lane)
    _hess_kernel = staticmethod(K.eq15_hess)
    _minima_guess = (np.array([1.690, 1.963]),)

    def __repr__(self):
        return "Eq15()"


class Rosenbrock(Loss):
    """L(x, y) = (a - x)^2 + b (y - x^2)^2, minimum at (a, a^2)."""

    name = "rosenbrock"
    dim = 2
    _binding = _bind("rosenbrock")
    _value_kernel = staticmethod(K.rosenbrock_value)
    _grad_lane_kernel = staticmethod(K.rosenbrock_grad_lane)
    _hess_kernel = staticmethod(K.rosenbrock_hess)

    def __init__(self, a=1.0, b=100.0):
        a = check_finite("a", a)
        b = check_finite("b", b)
        if b <= 0:
            raise ValueError(f"b must be > 0 (allowed range (0, inf)); got {b!r}")
        self.params = np.array([a, b])
        self._minima_guess = (np.array([a, a * a]),)

    def __repr__(self):
        a, b = self.params
        return f"Rosenbrock(a={a:g}, b={b:g})"


class Himmelblau(Loss):
    """L(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.

    Four minima with L = 0, one of them at (3, 2); also a local maximum and
    four saddles.
    """

    name = "himmelblau"
    dim = 2
    params = np.zeros(0)
    _binding = _bind("himmelblau")
    _value_kernel = staticmethod(K.himmelblau_value)
    _grad_lane_kernel = staticmethod(K.himmelblau_grad_lane)
    _hess_kernel = staticmethod(K.himmelblau_hess)
    _minima_guess = (
        np.array([3.0, 2.0]),
        np.array([-2.805118, 3.131312]),
        np.array([-3.779310, -3.283186]),
        np.array([3.584428, -1.848126]),
    )

    def __repr__(self):
        return "Himmelblau()"
