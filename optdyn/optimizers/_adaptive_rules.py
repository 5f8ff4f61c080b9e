"""Numba rules of the adaptive optimizers and of the framework conventions.

Same calling convention as :mod:`optdyn.optimizers._rules`:
``name_lookahead(X, hp, D, n, Y)``, ``name_update(X, G, hp, D, n)`` and
``name_jacobian(x, g, H, hp, D, J)``.

Conventions (where eps sits, where the learning rate sits, whether the
gradient is taken at a look-ahead point or the state is written in the
shifted variable) are 0.0/1.0 flags at the end of ``hp``, after the
hyperparameters; they are runtime values like every hyperparameter, so no
convention recompiles anything.

All these optimizers act component by component: component i of the new
state depends on component i of the old state and on G_i = dL/dtheta_i at
the look-ahead point y.  With z_i = (z_{1,i}, ..., z_{k,i}) the k slots of
component i, the Jacobian is therefore

    dz'_{a,i} / dz_{b,j} = delta_ij P_i[a, b] + q_i[a] H_ij w_j[b],

with P_i = dz'_i/dz_i at fixed G, q_i = dz'_i/dG_i and w_j = dy_j/dz_j.
Each rule computes (P, q, w) per component and :func:`_assemble` builds J.
"""

import math

import numpy as np
from numba import njit

# ------------------------------------------------------------------ shared


@njit(cache=True)
def _assemble(P, q, w, H, D, k, J):
    """J[a D + i, b D + j] = delta_ij P[i, a, b] + q[i, a] H[i, j] w[j, b]."""
    for i in range(D):
        for a in range(k):
            qa = q[i, a]
            for j in range(D):
                hij = qa * H[i, j]
                for b in range(k):
                    v = hij * w[j, b]
                    if i == j:
                        v += P[i, a, b]
                    J[a * D + i, b * D + j] = v


@njit(cache=True)
def _inv_sqrt_scale(G, r_new, eps, eps_outside):
    """s(r') and h = G ds/dr' for s = (r' + eps)^(-1/2) or 1/(sqrt(r') + eps).

    With eps outside, ds/dr' = -1 / (2 sqrt(r') (sqrt(r') + eps)^2) is
    infinite at r' = 0.  Because r' = beta2 r + (1 - beta2) G^2 with r >= 0,
    r' = 0 forces G = 0, and the products the Jacobian needs,
    G ds/dr' and G^2 ds/dr' (bounded by |G| / sqrt(1 - beta2) times a
    finite factor), tend to 0 as r' -> 0+.  At r' = 0 the map is
    differentiable and these entries are exactly 0: that value is
    returned.  r < 0 is outside the state space (every orbit keeps r >= 0);
    there the map uses sqrt(max(r', 0)), so that a Newton step that lands a
    rounding error below 0 sees a continuous map rather than NaN, and the
    derivative is that of the clamped map (0), the one-sided limit at 0.
    """
    if eps_outside:
        sq = math.sqrt(max(r_new, 0.0))
        s = 1.0 / (sq + eps)
        if r_new > 0.0:
            h = -G / (2.0 * sq * (sq + eps) * (sq + eps))
        else:
            h = 0.0
    else:
        s = 1.0 / math.sqrt(r_new + eps)
        h = -0.5 * G * s * s * s
    return s, h


# ------------------------------------------------- momentum in conventions
# hp = (eta, g, sigma, lr_on_velocity, shifted); state (p, u).
#
# m = kappa u, with kappa = 1 (learning rate on the gradient: u is the step
# m) or kappa = -eta (learning rate on the velocity: u = b, theta moves by
# -eta b).  The look-ahead point is y = p + sigma m, or y = p in the shifted
# form, where p = theta + sigma m is itself the state variable.
#
#     m' = g m - eta G(y)
#     p' = p + m'                          (look-ahead form)
#     p' = p + (1 + sigma) m' - sigma m    (shifted form)


@njit(cache=True)
def _conv_lookahead(X, D, n, Y, eta, sigma, on_velocity, shifted):
    """y = state + c (second slot): c = 0 (shifted form), -sigma eta (the
    slot holds the velocity b = -m / eta) or sigma."""
    if shifted:
        c = 0.0
    elif on_velocity:
        c = -sigma * eta
    else:
        c = sigma
    for d in range(D):
        for b in range(n):
            Y[d, b] = X[d, b] + c * X[D + d, b]


@njit(cache=True)
def momentum_conv_lookahead(X, hp, D, n, Y):
    _conv_lookahead(X, D, n, Y, hp[0], hp[2], hp[3] > 0.5, hp[4] > 0.5)


@njit(cache=True)
def momentum_conv_update(X, G, hp, D, n):
    eta, g, sigma = hp[0], hp[1], hp[2]
    velocity = hp[3] > 0.5
    shifted = hp[4] > 0.5
    for d in range(D):
        for b in range(n):
            u = X[D + d, b]
            if velocity:
                u_new = g * u + G[d, b]
                m = -eta * u
                m_new = -eta * u_new
            else:
                m = u
                m_new = g * u - eta * G[d, b]
                u_new = m_new
            if shifted:
                X[d, b] = X[d, b] + (1.0 + sigma) * m_new - sigma * m
            else:
                X[d, b] = X[d, b] + m_new
            X[D + d, b] = u_new


@njit(cache=True)
def momentum_conv_jacobian(x, g, H, hp, D, J):
    eta, gm, sigma = hp[0], hp[1], hp[2]
    kappa = -eta if hp[3] > 0.5 else 1.0
    shifted = hp[4] > 0.5
    P = np.zeros((D, 2, 2))
    q = np.zeros((D, 2))
    w = np.zeros((D, 2))
    for i in range(D):
        # u' = g u - (eta / kappa) G;  m' = kappa u'
        P[i, 1, 1] = gm
        q[i, 1] = -eta / kappa
        P[i, 0, 0] = 1.0
        if shifted:
            P[i, 0, 1] = (1.0 + sigma) * kappa * gm - sigma * kappa
            q[i, 0] = -(1.0 + sigma) * eta
            w[i, 0] = 1.0
        else:
            P[i, 0, 1] = kappa * gm
            q[i, 0] = -eta
            w[i, 0] = 1.0
            w[i, 1] = sigma * kappa
    _assemble(P, q, w, H, D, 2, J)


# -------------------------------------------------- RMSProp in conventions
# hp = (eta, g, sigma, beta2, eps, eps_outside, lr_on_velocity, shifted);
# state (p, u, r), with p, u, kappa and y as for the momentum above, and
#
#     r' = beta2 r + (1 - beta2) G^2
#     s  = 1 / sqrt(r' + eps)    or    1 / (sqrt(r') + eps)   (eps outside)
#     m' = g m - eta G s


@njit(cache=True)
def rmsprop_conv_lookahead(X, hp, D, n, Y):
    _conv_lookahead(X, D, n, Y, hp[0], hp[2], hp[6] > 0.5, hp[7] > 0.5)


@njit(cache=True)
def rmsprop_conv_update(X, G, hp, D, n):
    eta, g, sigma, beta2, eps = hp[0], hp[1], hp[2], hp[3], hp[4]
    eps_outside = hp[5] > 0.5
    velocity = hp[6] > 0.5
    shifted = hp[7] > 0.5
    for d in range(D):
        for b in range(n):
            gr = G[d, b]
            r = beta2 * X[2 * D + d, b] + (1.0 - beta2) * gr * gr
            if eps_outside:
                e = gr / (math.sqrt(max(r, 0.0)) + eps)
            else:
                e = gr / math.sqrt(r + eps)
            u = X[D + d, b]
            if velocity:
                u_new = g * u + e
                m = -eta * u
                m_new = -eta * u_new
            else:
                m = u
                m_new = g * u - eta * e
                u_new = m_new
            if shifted:
                X[d, b] = X[d, b] + (1.0 + sigma) * m_new - sigma * m
            else:
                X[d, b] = X[d, b] + m_new
            X[D + d, b] = u_new
            X[2 * D + d, b] = r


@njit(cache=True)
def rmsprop_conv_jacobian(x, g, H, hp, D, J):
    eta, gm, sigma, beta2, eps = hp[0], hp[1], hp[2], hp[3], hp[4]
    eps_outside = hp[5] > 0.5
    kappa = -eta if hp[6] > 0.5 else 1.0
    shifted = hp[7] > 0.5
    P = np.zeros((D, 3, 3))
    q = np.zeros((D, 3))
    w = np.zeros((D, 3))
    for i in range(D):
        gi = g[i]
        r_new = beta2 * x[2 * D + i] + (1.0 - beta2) * gi * gi
        s, h = _inv_sqrt_scale(gi, r_new, eps, eps_outside)
        # e = G s(r'):  de/dG and de/dr at fixed (p, u)
        de_dg = s + 2.0 * (1.0 - beta2) * gi * h
        de_dr = beta2 * h
        # m' = kappa g u - eta e
        dm_du = kappa * gm
        dm_dr = -eta * de_dr
        dm_dg = -eta * de_dg
        # u' = m' / kappa
        P[i, 1, 1] = gm
        P[i, 1, 2] = dm_dr / kappa
        q[i, 1] = dm_dg / kappa
        # r'
        P[i, 2, 2] = beta2
        q[i, 2] = 2.0 * (1.0 - beta2) * gi
        # p'
        P[i, 0, 0] = 1.0
        w[i, 0] = 1.0
        if shifted:
            P[i, 0, 1] = (1.0 + sigma) * dm_du - sigma * kappa
            P[i, 0, 2] = (1.0 + sigma) * dm_dr
            q[i, 0] = (1.0 + sigma) * dm_dg
        else:
            P[i, 0, 1] = dm_du
            P[i, 0, 2] = dm_dr
            q[i, 0] = dm_dg
            w[i, 1] = sigma * kappa
    _assemble(P, q, w, H, D, 3, J)


# ------------------------------------------------------- Adam and Nadam
# hp = (eta, beta1, beta2, sigma, eps, bias_correction, nadam);
# state (theta, m, v) or, with bias correction, (theta, m, v, t): t holds
# the number of steps taken, one copy per component (t_i = t for all i).
#
#     c1(t) = 1 / (1 - beta1^t),  c2(t) = 1 / (1 - beta2^t)   (1 without bias
#                                                              correction)
#     Adam:  y = theta + sigma d,  d = -eta c1(t) m / (sqrt(c2(t) v) + eps)
#            (d = theta_i - theta_{i-1}, the last step; d = 0 at t = 0)
#     Nadam: y = theta
#     m' = beta1 m + (1 - beta1) G
#     v' = beta2 v + (1 - beta2) G^2
#     t' = t + 1
#     N  = m' (Adam)   or   (1 + sigma) m' - sigma m (Nadam)
#     theta' = theta - eta c1(t') N / (sqrt(c2(t') v') + eps)


@njit(cache=True)
def _bias(beta, t, on):
    """(c, dc/dt) of c(t) = 1 / (1 - beta^t); (1, 0) when ``on`` is False."""
    if not on:
        return 1.0, 0.0
    bt = math.pow(beta, t)
    c = 1.0 / (1.0 - bt)
    if beta > 0.0:
        dc = bt * math.log(beta) * c * c
    else:
        dc = 0.0
    return c, dc


@njit(cache=True)
def _adam_lookahead_point(theta, m, v, t, hp):
    """(y, dy/dm, dy/dv, dy/dt) of the Adam look-ahead for one component."""
    eta, beta1, beta2, sigma, eps = hp[0], hp[1], hp[2], hp[3], hp[4]
    bc = hp[5] > 0.5
    if hp[6] > 0.5 or sigma == 0.0 or (bc and t < 0.5):
        return theta, 0.0, 0.0, 0.0
    c1, dc1 = _bias(beta1, t, bc)
    c2, dc2 = _bias(beta2, t, bc)
    sv = math.sqrt(c2 * v)
    B = sv + eps
    d = -eta * c1 * m / B
    dd_dm = -eta * c1 / B
    if sv > 0.0:
        dsv_dv = c2 / (2.0 * sv)
        dsv_dt = v * dc2 / (2.0 * sv)
    else:
        dsv_dv = 0.0
        dsv_dt = 0.0
    # A v = 0 with m != 0 is not reachable (|m| <= sqrt(v) up to factors);
    # at m = v = 0 the one-sided limit of m dsv/dv is 0.
    dd_dv = eta * c1 * m * dsv_dv / (B * B)
    dd_dt = -eta * (dc1 * m / B - c1 * m * dsv_dt / (B * B))
    return theta + sigma * d, sigma * dd_dm, sigma * dd_dv, sigma * dd_dt


@njit(cache=True)
def adam_sa_lookahead(X, hp, D, n, Y):
    bc = hp[5] > 0.5
    for d in range(D):
        for b in range(n):
            t = X[3 * D + d, b] if bc else 0.0
            y, _, _, _ = _adam_lookahead_point(
                X[d, b], X[D + d, b], X[2 * D + d, b], t, hp
            )
            Y[d, b] = y


@njit(cache=True)
def adam_sa_update(X, G, hp, D, n):
    eta, beta1, beta2, sigma, eps = hp[0], hp[1], hp[2], hp[3], hp[4]
    bc = hp[5] > 0.5
    nadam = hp[6] > 0.5
    for d in range(D):
        for b in range(n):
            gr = G[d, b]
            m = X[D + d, b]
            m_new = beta1 * m + (1.0 - beta1) * gr
            v_new = beta2 * X[2 * D + d, b] + (1.0 - beta2) * gr * gr
            if nadam:
                N = (1.0 + sigma) * m_new - sigma * m
            else:
                N = m_new
            if bc:
                t_new = X[3 * D + d, b] + 1.0
                c1 = 1.0 / (1.0 - math.pow(beta1, t_new))
                c2 = 1.0 / (1.0 - math.pow(beta2, t_new))
                X[3 * D + d, b] = t_new
            else:
                c1 = 1.0
                c2 = 1.0
            X[d, b] = X[d, b] - eta * c1 * N / (math.sqrt(c2 * v_new) + eps)
            X[D + d, b] = m_new
            X[2 * D + d, b] = v_new


@njit(cache=True)
def adam_sa_jacobian(x, g, H, hp, D, J):
    eta, beta1, beta2, sigma, eps = hp[0], hp[1], hp[2], hp[3], hp[4]
    bc = hp[5] > 0.5
    nadam = hp[6] > 0.5
    k = 4 if bc else 3
    P = np.zeros((D, k, k))
    q = np.zeros((D, k))
    w = np.zeros((D, k))
    for i in range(D):
        gi = g[i]
        theta, m, v = x[i], x[D + i], x[2 * D + i]
        t = x[3 * D + i] if bc else 0.0

        # The look-ahead point y_i(theta, m, v, t).
        _, dy_dm, dy_dv, dy_dt = _adam_lookahead_point(theta, m, v, t, hp)
        w[i, 0] = 1.0
        w[i, 1] = dy_dm
        w[i, 2] = dy_dv
        if bc:
            w[i, 3] = dy_dt

        # The moments and the step count.
        m_new = beta1 * m + (1.0 - beta1) * gi
        v_new = beta2 * v + (1.0 - beta2) * gi * gi
        P[i, 1, 1] = beta1
        q[i, 1] = 1.0 - beta1
        P[i, 2, 2] = beta2
        q[i, 2] = 2.0 * (1.0 - beta2) * gi
        if bc:
            P[i, 3, 3] = 1.0

        # theta' = theta - eta A / B, A = c1' N, B = sqrt(c2' v') + eps.
        if nadam:
            N = (1.0 + sigma) * m_new - sigma * m
            dN_dm = (1.0 + sigma) * beta1 - sigma
            dN_dg = (1.0 + sigma) * (1.0 - beta1)
        else:
            N = m_new
            dN_dm = beta1
            dN_dg = 1.0 - beta1
        c1, dc1 = _bias(beta1, t + 1.0, bc)
        c2, dc2 = _bias(beta2, t + 1.0, bc)
        A = c1 * N
        sB = math.sqrt(c2 * v_new)
        B = sB + eps
        if sB > 0.0:
            # A dsB/dv': N / sqrt(v') stays bounded on reachable states and
            # its one-sided limit at N = v' = 0 is 0 (see _inv_sqrt_scale).
            A_dsB_dv = A * c2 / (2.0 * sB)
            dsB_dt = v_new * dc2 / (2.0 * sB)
        else:
            A_dsB_dv = 0.0
            dsB_dt = 0.0
        P[i, 0, 0] = 1.0
        P[i, 0, 1] = -eta * c1 * dN_dm / B
        P[i, 0, 2] = eta * A_dsB_dv * beta2 / (B * B)
        if bc:
            P[i, 0, 3] = -eta * (dc1 * N / B - A * dsB_dt / (B * B))
        q[i, 0] = -eta * (
            c1 * dN_dg / B - A_dsB_dv * 2.0 * (1.0 - beta2) * gi / (B * B)
        )
    _assemble(P, q, w, H, D, k, J)
