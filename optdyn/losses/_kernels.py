"""Numba kernels of the built-in losses.

Each loss ``name`` provides three functions with a common calling convention,
so that the iteration kernels can be generated for any loss:

``name_value(theta, p) -> float``
    L at one point; ``theta`` has shape (D,).
``name_grad_lane(Y, p, G, b)``
    The gradient at column ``b`` of ``Y`` (shape (D, B)), written into
    column ``b`` of ``G``.  The iteration kernels call it for every column
    of a block in one loop, inlined, so LLVM can vectorise across points.
``name_hess(theta, p, H)``
    The Hessian at one point, written into ``H`` of shape (D, D).

``p`` is the float64 vector of the loss's own parameters (curvatures, the
Rosenbrock constants), a runtime value like every hyperparameter.
Powers are written as products: ``x**5`` calls ``pow`` and stops
vectorisation.
"""

from numba import njit

#: Lane functions are inlined into the kernels' loop over points.
lane = njit(cache=True, inline="always")

# ----------------------------------------------------------------- quadratic
# L = 1/2 sum_i k_i theta_i^2, p = k


@njit(cache=True)
def quadratic_value(theta, p):
    s = 0.0
    for i in range(theta.shape[0]):
        s += 0.5 * p[i] * theta[i] * theta[i]
    return s


@lane
def quadratic_grad_lane(Y, p, G, b):
    for d in range(Y.shape[0]):
        G[d, b] = p[d] * Y[d, b]


@njit(cache=True)
def quadratic_hess(theta, p, H):
    D = theta.shape[0]
    for i in range(D):
        for j in range(D):
            H[i, j] = 0.0
        H[i, i] = p[i]


# --------------------------------------------------------------- equation 15
# L = (x^2 + 2y - 7)^2 + (2x + y - 5)^2 + 1e-3 (x^6 + y^6)


@njit(cache=True)
def eq15_value(theta, p):
    x = theta[0]
    y = theta[1]
    a = x * x + 2.0 * y - 7.0
    c = 2.0 * x + y - 5.0
    x2 = x * x
    y2 = y * y
    return a * a + c * c + 1e-3 * (x2 * x2 * x2 + y2 * y2 * y2)


@lane
def eq15_grad_lane(Y, p, G, b):
    x = Y[0, b]
    y = Y[1, b]
    a = x * x + 2.0 * y - 7.0
    c = 2.0 * x + y - 5.0
    x2 = x * x
    y2 = y * y
    G[0, b] = 4.0 * x * a + 4.0 * c + 6e-3 * (x2 * x2 * x)
    G[1, b] = 4.0 * a + 2.0 * c + 6e-3 * (y2 * y2 * y)


@njit(cache=True)
def eq15_hess(theta, p, H):
    x = theta[0]
    y = theta[1]
    a = x * x + 2.0 * y - 7.0
    H[0, 0] = 4.0 * a + 8.0 * x * x + 8.0 + 0.03 * (x * x) * (x * x)
    H[0, 1] = 8.0 * x + 4.0
    H[1, 0] = 8.0 * x + 4.0
    H[1, 1] = 10.0 + 0.03 * (y * y) * (y * y)


# ---------------------------------------------------------------- Rosenbrock
# L = (a - x)^2 + b (y - x^2)^2, p = (a, b)


@njit(cache=True)
def rosenbrock_value(theta, p):
    x = theta[0]
    y = theta[1]
    u = p[0] - x
    v = y - x * x
    return u * u + p[1] * v * v


@lane
def rosenbrock_grad_lane(Y, p, G, b):
    a = p[0]
    bb = p[1]
    x = Y[0, b]
    y = Y[1, b]
    v = y - x * x
    G[0, b] = -2.0 * (a - x) - 4.0 * bb * x * v
    G[1, b] = 2.0 * bb * v


@njit(cache=True)
def rosenbrock_hess(theta, p, H):
    x = theta[0]
    y = theta[1]
    bb = p[1]
    H[0, 0] = 2.0 - 4.0 * bb * y + 12.0 * bb * x * x
    H[0, 1] = -4.0 * bb * x
    H[1, 0] = -4.0 * bb * x
    H[1, 1] = 2.0 * bb


# ---------------------------------------------------------------- Himmelblau
# L = (x^2 + y - 11)^2 + (x + y^2 - 7)^2


@njit(cache=True)
def himmelblau_value(theta, p):
    x = theta[0]
    y = theta[1]
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v


@lane
def himmelblau_grad_lane(Y, p, G, b):
    x = Y[0, b]
    y = Y[1, b]
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    G[0, b] = 4.0 * x * u + 2.0 * v
    G[1, b] = 2.0 * u + 4.0 * y * v


@njit(cache=True)
def himmelblau_hess(theta, p, H):
    x = theta[0]
    y = theta[1]
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    H[0, 0] = 4.0 * u + 8.0 * x * x + 2.0
    H[0, 1] = 4.0 * x + 4.0 * y
    H[1, 0] = 4.0 * x + 4.0 * y
    H[1, 1] = 2.0 + 4.0 * v + 8.0 * y * y
