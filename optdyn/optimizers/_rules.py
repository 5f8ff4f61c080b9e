"""Numba kernels of the optimizer update rules.

Every optimizer evaluates one gradient per step, at a look-ahead point y
that depends on the state.  A rule is therefore three functions:

``name_lookahead(X, hp, D, b, Y)``
    Write y for column ``b`` of the state block X (shape (S, B)) into
    column ``b`` of Y (shape (D, B)).
``name_update(X, G, hp, D, b)``
    Given G[:, b] = grad L(y), advance column ``b`` of the block in place.
``name_jacobian(x, g, H, hp, D, J)``
    The Jacobian dF/dx (shape (S, S)) at one state x, given the gradient
    ``g`` and Hessian ``H`` of L at y.  ``J`` arrives zeroed.

``hp`` is the float64 vector of hyperparameters in the order of the
optimizer class's ``param_names``.  The state is (theta, m[, r]) with each
block of length D.

The per-column ("lane") functions are inlined into the kernels' loop over a
block's columns, with D a compile-time constant there, so that LLVM
vectorises one step across 32 points.  (Rules written per block, looping
over ``n`` columns themselves, are accepted too; see
:mod:`optdyn._codegen`.  They run correctly but are not vectorised.)
"""

import math

from numba import njit

lane = njit(cache=True, inline="always")

# ---------------------------------------------------------- gradient descent
# theta <- theta - eta grad L(theta);  hp = (eta,)


@lane
def gd_lookahead(X, hp, D, b, Y):
    for d in range(D):
        Y[d, b] = X[d, b]


@lane
def gd_update(X, G, hp, D, b):
    eta = hp[0]
    for d in range(D):
        X[d, b] = X[d, b] - eta * G[d, b]


@njit(cache=True)
def gd_jacobian(x, g, H, hp, D, J):
    eta = hp[0]
    for i in range(D):
        for j in range(D):
            J[i, j] = -eta * H[i, j]
        J[i, i] += 1.0


# ------------------------------------------------------- momentum, shared
# m <- g m - eta grad L(y);  theta <- theta + m, with y = theta + c m.


@lane
def _momentum_update(X, G, eta, g, D, b):
    for d in range(D):
        m = g * X[D + d, b] - eta * G[d, b]
        X[D + d, b] = m
        X[d, b] = X[d, b] + m


@njit(cache=True)
def _momentum_jacobian(H, eta, g, c, D, J):
    for i in range(D):
        for j in range(D):
            dm_dtheta = -eta * H[i, j]
            dm_dm = -eta * c * H[i, j]
            if i == j:
                dm_dm += g
            J[D + i, j] = dm_dtheta
            J[D + i, D + j] = dm_dm
            J[i, j] = dm_dtheta + (1.0 if i == j else 0.0)
            J[i, D + j] = dm_dm


# ------------------------------------------------------------- heavy ball
# y = theta;  hp = (eta, g)


@lane
def heavy_ball_lookahead(X, hp, D, b, Y):
    for d in range(D):
        Y[d, b] = X[d, b]


@lane
def heavy_ball_update(X, G, hp, D, b):
    _momentum_update(X, G, hp[0], hp[1], D, b)


@njit(cache=True)
def heavy_ball_jacobian(x, g, H, hp, D, J):
    _momentum_jacobian(H, hp[0], hp[1], 0.0, D, J)


# --------------------------------------------------------------- Nesterov
# y = theta + g m;  hp = (eta, g)


@lane
def nesterov_lookahead(X, hp, D, b, Y):
    g = hp[1]
    for d in range(D):
        Y[d, b] = X[d, b] + g * X[D + d, b]


@lane
def nesterov_update(X, G, hp, D, b):
    _momentum_update(X, G, hp[0], hp[1], D, b)


@njit(cache=True)
def nesterov_jacobian(x, g, H, hp, D, J):
    _momentum_jacobian(H, hp[0], hp[1], hp[1], D, J)


# ------------------------------------------------------ super-accelerated
# y = theta + sigma m;  hp = (eta, g, sigma)


@lane
def super_nesterov_lookahead(X, hp, D, b, Y):
    sigma = hp[2]
    for d in range(D):
        Y[d, b] = X[d, b] + sigma * X[D + d, b]


@lane
def super_nesterov_update(X, G, hp, D, b):
    _momentum_update(X, G, hp[0], hp[1], D, b)


@njit(cache=True)
def super_nesterov_jacobian(x, g, H, hp, D, J):
    _momentum_jacobian(H, hp[0], hp[1], hp[2], D, J)


# ------------------------------------------ RMSProp, momentum, look-ahead
# y = theta + sigma m
# r <- beta2 r + (1 - beta2) grad L(y)^2
# m <- g m - eta grad L(y) / sqrt(r + eps)
# theta <- theta + m
# hp = (eta, g, sigma, beta2, eps); state (theta, m, r)


@lane
def rmsprop_sa_lookahead(X, hp, D, b, Y):
    super_nesterov_lookahead(X, hp, D, b, Y)


@lane
def rmsprop_sa_update(X, G, hp, D, b):
    eta, g, beta2, eps = hp[0], hp[1], hp[3], hp[4]
    for d in range(D):
        gr = G[d, b]
        r = beta2 * X[2 * D + d, b] + (1.0 - beta2) * gr * gr
        m = g * X[D + d, b] - eta * gr / math.sqrt(r + eps)
        X[2 * D + d, b] = r
        X[D + d, b] = m
        X[d, b] = X[d, b] + m


@njit(cache=True)
def rmsprop_sa_jacobian(x, g, H, hp, D, J):
    eta, gm, sigma, beta2, eps = hp[0], hp[1], hp[2], hp[3], hp[4]
    for i in range(D):
        gi = g[i]
        r_new = beta2 * x[2 * D + i] + (1.0 - beta2) * gi * gi
        s = 1.0 / math.sqrt(r_new + eps)
        # d r'_i / d(theta_j, m_j, r_j), d G_i / d(theta_j, m_j)
        for j in range(D):
            dg_dtheta = H[i, j]
            dg_dm = sigma * H[i, j]
            dr_dtheta = 2.0 * (1.0 - beta2) * gi * dg_dtheta
            dr_dm = 2.0 * (1.0 - beta2) * gi * dg_dm
            dr_dr = beta2 if i == j else 0.0
            J[2 * D + i, j] = dr_dtheta
            J[2 * D + i, D + j] = dr_dm
            J[2 * D + i, 2 * D + j] = dr_dr
            # m'_i = g m_i - eta G_i s_i, with s_i = (r'_i + eps)^(-1/2)
            c = 0.5 * gi * s * s * s
            dm_dtheta = -eta * (s * dg_dtheta - c * dr_dtheta)
            dm_dm = -eta * (s * dg_dm - c * dr_dm)
            dm_dr = eta * c * dr_dr
            if i == j:
                dm_dm += gm
            J[D + i, j] = dm_dtheta
            J[D + i, D + j] = dm_dm
            J[D + i, 2 * D + j] = dm_dr
            J[i, j] = dm_dtheta + (1.0 if i == j else 0.0)
            J[i, D + j] = dm_dm
            J[i, 2 * D + j] = dm_dr
