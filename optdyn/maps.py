"""Reference maps with known answers: the logistic map and the Henon map.

Both are :class:`optdyn.FunctionMap` instances built from Numba functions, so
every orbit, spectrum and continuation tool runs on them exactly as on an
optimizer map.  Their fixed points, period doublings and Lyapunov exponents
are known in closed form or to many digits, which makes them the test bed of
those tools.

Examples
--------
>>> from optdyn.maps import logistic
>>> F = logistic(r=3.2)
>>> F.step([0.5])
array([0.8])
"""

import numpy as np
from numba import njit

from ._map import FunctionMap

# ------------------------------------------------------------------ logistic
# x -> r x (1 - x);  p = (r,)


@njit(cache=True)
def logistic_step(x, p):
    r = p[0]
    out = np.empty(1)
    out[0] = r * x[0] * (1.0 - x[0])
    return out


@njit(cache=True)
def logistic_jacobian(x, p):
    r = p[0]
    out = np.empty((1, 1))
    out[0, 0] = r * (1.0 - 2.0 * x[0])
    return out


def logistic(r=3.2):
    """The logistic map x -> r x (1 - x) on R, with parameter ``r``.

    Fixed points 0 and 1 - 1/r; the second has multiplier 2 - r and
    period-doubles at r = 3, its 2-cycle at r = 1 + sqrt(6), and the cascade
    accumulates at r = 3.5699456...

    Parameters
    ----------
    r : float
        Growth parameter (any finite value).

    Returns
    -------
    FunctionMap
    """
    return FunctionMap(logistic_step, logistic_jacobian, 1, {"r": r}, "logistic")


# --------------------------------------------------------------------- Henon
# (x, y) -> (1 - a x^2 + y, b x);  p = (a, b)


@njit(cache=True)
def henon_step(x, p):
    a, b = p[0], p[1]
    out = np.empty(2)
    out[0] = 1.0 - a * x[0] * x[0] + x[1]
    out[1] = b * x[0]
    return out


@njit(cache=True)
def henon_jacobian(x, p):
    a, b = p[0], p[1]
    out = np.empty((2, 2))
    out[0, 0] = -2.0 * a * x[0]
    out[0, 1] = 1.0
    out[1, 0] = b
    out[1, 1] = 0.0
    return out


def henon(a=1.4, b=0.3):
    """The Henon map (x, y) -> (1 - a x^2 + y, b x), parameters ``a``, ``b``.

    Fixed points x = (b - 1 +- sqrt((1 - b)^2 + 4 a)) / (2 a), y = b x, with
    multipliers -a x +- sqrt(a^2 x^2 + b); det J = -b everywhere, so the
    Lyapunov exponents sum to log b.  At (1.4, 0.3) it has the classic
    strange attractor.

    Returns
    -------
    FunctionMap
    """
    return FunctionMap(henon_step, henon_jacobian, 2, {"a": a, "b": b}, "henon")
