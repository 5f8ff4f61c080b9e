"""Optimizer conventions: framework presets, changes of variables, Adam/Nadam.

The framework rules are transcribed here in plain NumPy from each
framework's documented update rule (PyTorch's algorithm boxes for
``SGD``/``RMSprop``/``Adam``, optax's ``sgd``/``rmsprop`` chains of
``trace``, ``scale_by_rms`` and ``scale(-lr)``), independently of optdyn.
"""

import numpy as np
import pytest

from optdyn import OptimizerMap, trajectory
from optdyn._validation import require_autonomous
from optdyn.losses import Eq15, Quadratic
from optdyn.optimizers import (
    AdamSA,
    MomentumSA,
    NadamSA,
    Nesterov,
    RMSPropMomentum,
    RMSPropSA,
    SuperNesterov,
    change_of_variables,
    convert_state,
    optax_rmsprop,
    optax_sgd,
    torch_rmsprop,
    torch_sgd,
)

THETA0 = np.array([-1.0, -3.8])
N_STEPS = 60


def eq15_grad(t):
    """Gradient of the paper's equation (15), written out independently."""
    x, y = t
    a = x * x + 2 * y - 7
    c = 2 * x + y - 5
    return np.array([4 * x * a + 4 * c + 6e-3 * x**5, 4 * a + 2 * c + 6e-3 * y**5])


def run(opt, n=N_STEPS, theta0=THETA0, loss=None):
    F = OptimizerMap(loss or Eq15(), opt)
    return F, trajectory(F, F.initial_state(theta0), n)


def fd_jacobian(F, x, h=1e-6, one_sided=()):
    """Central differences (forward ones for the indices in one_sided)."""
    n = x.size
    J = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h * max(1.0, abs(x[j]))
        if j in one_sided:
            J[:, j] = (F.step(x + e) - F.step(x)) / e[j]
        else:
            J[:, j] = (F.step(x + e) - F.step(x - e)) / (2 * e[j])
    return J


# ------------------------------------------------- NumPy transcriptions


def torch_sgd_ref(lr, mu, nesterov, n):
    p, buf, out = THETA0.copy(), None, [THETA0.copy()]
    for _ in range(n):
        g = eq15_grad(p)
        buf = g.copy() if buf is None else mu * buf + g
        d = g + mu * buf if nesterov else buf
        p = p - lr * d
        out.append(p.copy())
    return np.array(out)


def optax_sgd_ref(lr, mu, nesterov, n):
    p, trace, out = THETA0.copy(), np.zeros(2), [THETA0.copy()]
    for _ in range(n):
        g = eq15_grad(p)
        trace = g + mu * trace
        u = g + mu * trace if nesterov else trace
        p = p + (-lr) * u
        out.append(p.copy())
    return np.array(out)


def torch_rmsprop_ref(lr, alpha, eps, mu, n):
    p, v, buf, out = THETA0.copy(), np.zeros(2), np.zeros(2), [THETA0.copy()]
    for _ in range(n):
        g = eq15_grad(p)
        v = alpha * v + (1 - alpha) * g * g
        avg = np.sqrt(v) + eps
        if mu > 0:
            buf = mu * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
        out.append(p.copy())
    return np.array(out)


def optax_rmsprop_ref(lr, decay, eps, mu, nesterov, eps_in_sqrt, n):
    p, nu, trace, out = THETA0.copy(), np.zeros(2), np.zeros(2), [THETA0.copy()]
    for _ in range(n):
        g = eq15_grad(p)
        nu = decay * nu + (1 - decay) * g * g
        u = g / np.sqrt(nu + eps) if eps_in_sqrt else g / (np.sqrt(nu) + eps)
        u = -lr * u
        if mu is not None:
            trace = u + mu * trace
            u = u + mu * trace if nesterov else trace
        p = p + u
        out.append(p.copy())
    return np.array(out)


def adam_ref(lr, b1, b2, eps, n, nadam=False):
    """Adam (Kingma and Ba) and Nadam in Ruder's constant-momentum form."""
    p, m, v, out = THETA0.copy(), np.zeros(2), np.zeros(2), [THETA0.copy()]
    for t in range(1, n + 1):
        g = eq15_grad(p)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        vhat = v / (1 - b2**t)
        if nadam:
            num = b1 * mhat + (1 - b1) * g / (1 - b1**t)
        else:
            num = mhat
        p = p - lr * num / (np.sqrt(vhat) + eps)
        out.append(p.copy())
    return np.array(out)


# ---------------------------------------------------------------- presets


@pytest.mark.parametrize("nesterov", [True, False])
def test_torch_and_optax_sgd_match_their_documented_rules(nesterov):
    lr, mu = 0.01, 0.9
    F, xs = run(torch_sgd(lr, mu, nesterov))
    ref = torch_sgd_ref(lr, mu, nesterov, N_STEPS)
    np.testing.assert_allclose(F.theta(xs), ref, rtol=1e-12, atol=1e-12)

    F, xs = run(optax_sgd(lr, mu, nesterov))
    ref = optax_sgd_ref(lr, mu, nesterov, N_STEPS)
    np.testing.assert_allclose(F.theta(xs), ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mu", [0.0, 0.9])
def test_torch_rmsprop_matches_its_documented_rule(mu):
    F, xs = run(torch_rmsprop(lr=0.01, alpha=0.99, eps=1e-8, momentum=mu))
    ref = torch_rmsprop_ref(0.01, 0.99, 1e-8, mu, N_STEPS)
    np.testing.assert_allclose(F.theta(xs), ref, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize(
    "mu, nesterov, eps_in_sqrt",
    [(None, False, True), (0.9, False, True), (0.9, True, True), (0.9, True, False)],
)
def test_optax_rmsprop_matches_its_documented_rule(mu, nesterov, eps_in_sqrt):
    opt = optax_rmsprop(0.01, decay=0.9, eps=1e-8, momentum=mu, nesterov=nesterov,
                        eps_in_sqrt=eps_in_sqrt)
    F, xs = run(opt)
    ref = optax_rmsprop_ref(0.01, 0.9, 1e-8, mu, nesterov, eps_in_sqrt, N_STEPS)
    np.testing.assert_allclose(F.theta(xs), ref, rtol=1e-11, atol=1e-12)


def test_adam_and_nadam_with_bias_correction_match_references():
    F, xs = run(AdamSA(0.05, 0.9, 0.999, sigma=0.0, eps=1e-8, bias_correction=True))
    np.testing.assert_allclose(F.theta(xs), adam_ref(0.05, 0.9, 0.999, 1e-8, N_STEPS),
                               rtol=1e-11, atol=1e-12)
    # The step count rides in the last slot.
    np.testing.assert_array_equal(xs[-1, 6:], [N_STEPS, N_STEPS])

    F, xs = run(NadamSA(0.05, 0.9, 0.999, sigma=0.9, eps=1e-8, bias_correction=True))
    ref = adam_ref(0.05, 0.9, 0.999, 1e-8, N_STEPS, nadam=True)
    np.testing.assert_allclose(F.theta(xs), ref, rtol=1e-11, atol=1e-12)


def test_adam_lookahead_uses_the_last_step():
    """AdamSA's y = theta + sigma (theta_i - theta_{i-1})."""
    opt = AdamSA(0.05, sigma=3.0)
    _, xs = run(opt, n=5)
    x = xs[3]
    step = xs[3, :2] - xs[2, :2]
    y = x[:2] + 3.0 * step
    g = eq15_grad(y)
    m = 0.9 * x[2:4] + 0.1 * g
    v = 0.999 * x[4:6] + 0.001 * g * g
    theta = x[:2] - 0.05 * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(xs[4, :2], theta, rtol=1e-12)


# ------------------------------------------------------------ equivalences


def test_default_conventions_are_the_paper_maps():
    _, a = run(MomentumSA(0.01, 0.9, 4.0))
    _, b = run(SuperNesterov(0.01, 0.9, 4.0))
    np.testing.assert_array_equal(a, b)
    _, a = run(RMSPropMomentum(0.1, 0.9, 2.0))
    _, b = run(RMSPropSA(0.1, 0.9, 2.0))
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_pytorch_nesterov_is_the_paper_nesterov_in_theta_plus_g_m():
    """PyTorch's parameter is theta + g m of the paper's Nesterov, b = -m/eta."""
    eta, g = 0.01, 0.9
    _, paper = run(Nesterov(eta, g))
    torch_params = torch_sgd_ref(eta, g, True, N_STEPS)
    theta, m = paper[:, :2], paper[:, 2:]
    np.testing.assert_allclose(theta + g * m, torch_params, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("sigma", [0.9, 3.0])
@pytest.mark.parametrize(
    "family",
    [
        lambda s, **kw: MomentumSA(0.01, 0.9, s, **kw),
        lambda s, **kw: RMSPropMomentum(0.05, 0.9, s, eps=1e-6, **kw),
    ],
    ids=["momentum", "rmsprop"],
)
def test_change_of_variables_maps_trajectories_and_spectra(family, sigma):
    src = family(sigma)
    loss = Eq15()
    F_src, xs = run(src, n=80, loss=loss)
    for lr_on in ("gradient", "velocity"):
        tgt = family(sigma, lr_on=lr_on, form="shifted")
        F_tgt = OptimizerMap(loss, tgt)
        P = change_of_variables(src, tgt, 2)
        ys = trajectory(F_tgt, P @ xs[0], 80)
        np.testing.assert_allclose(ys, convert_state(xs, src, tgt), rtol=1e-9,
                                   atol=1e-11)
        for t in (5, 40, 80):
            Js = F_src.jacobian(xs[t])
            Jt = F_tgt.jacobian(ys[t])
            np.testing.assert_allclose(Jt @ P, P @ Js, rtol=1e-8, atol=1e-9)
            ev_s = np.sort_complex(np.linalg.eigvals(Js))
            ev_t = np.sort_complex(np.linalg.eigvals(Jt))
            np.testing.assert_allclose(ev_t, ev_s, rtol=1e-7, atol=1e-9)


def test_change_of_variables_refuses_different_algorithms():
    with pytest.raises(ValueError, match="same algorithm"):
        change_of_variables(MomentumSA(0.01, 0.9, 2.0), MomentumSA(0.02, 0.9, 2.0), 2)


# -------------------------------------------------------------- Jacobians


CONVENTIONS = [
    MomentumSA(0.01, 0.9, 3.0, lr_on="velocity"),
    MomentumSA(0.01, 0.9, 3.0, form="shifted"),
    RMSPropMomentum(0.02, 0.9, 2.0, eps=1e-6),
    RMSPropMomentum(0.02, 0.9, 2.0, eps=1e-6, eps_in_sqrt=False),
    RMSPropMomentum(0.02, 0.9, 2.0, eps=1e-6, eps_in_sqrt=False, lr_on="velocity",
                    form="shifted"),
    AdamSA(0.02, sigma=2.0),
    AdamSA(0.02, sigma=2.0, bias_correction=True),
    NadamSA(0.02, sigma=4.0),
    NadamSA(0.02, sigma=4.0, bias_correction=True),
]


@pytest.mark.parametrize("opt", CONVENTIONS, ids=repr)
def test_jacobian_matches_finite_differences(opt):
    F, xs = run(opt, n=30)
    x = xs[-1]
    J = F.jacobian(x)
    Jfd = fd_jacobian(F, x)
    assert np.max(np.abs(J - Jfd)) <= 1e-6 * np.max(np.abs(J))


def test_eps_outside_jacobian_at_the_minimum_is_finite_and_exact():
    """At (theta*, 0, 0) the 0/0 entries take their one-sided limit 0.

    For L = k theta^2 / 2 the (theta, m) block is the super-accelerated
    momentum matrix with learning rate eta/eps, and r decays at beta2.
    """
    k, eta, g, sigma, beta2, eps = 2.0, 1e-3, 0.9, 2.0, 0.99, 1e-2
    for eps_in_sqrt, eta_eff in ((False, eta / eps), (True, eta / np.sqrt(eps))):
        opt = RMSPropMomentum(eta, g, sigma, beta2=beta2, eps=eps,
                              eps_in_sqrt=eps_in_sqrt)
        F = OptimizerMap(Quadratic([k]), opt)
        J = F.jacobian(np.zeros(3))
        assert np.all(np.isfinite(J))
        a = k * eta_eff
        expected = np.array(
            [[1 - a, g - a * sigma, 0.0], [-a, g - a * sigma, 0.0], [0, 0, beta2]]
        )
        np.testing.assert_allclose(J, expected, rtol=1e-13, atol=1e-15)
        # Characteristic polynomial of the momentum block (the paper's (5)).
        lam = np.sort_complex(np.linalg.eigvals(J[:2, :2]))
        ref = np.sort_complex(np.roots([1, -(1 + g - a * (1 + sigma)), g - a * sigma]))
        np.testing.assert_allclose(lam, ref, rtol=1e-12)


@pytest.mark.parametrize("r", [1e-6, 1e-9])
def test_eps_outside_jacobian_near_r_zero_matches_finite_differences(r):
    opt = RMSPropMomentum(0.01, 0.9, 2.0, beta2=0.99, eps=1e-3, eps_in_sqrt=False)
    F = OptimizerMap(Eq15(), opt)
    theta_star = Eq15().minima[0]
    for dtheta in (0.0, 1e-4):
        x = np.concatenate([theta_star + dtheta, [1e-4, -2e-4], [r, r]])
        J = F.jacobian(x)
        # Steps much smaller than r keep r > 0 (one-sided in r).
        Jfd = fd_jacobian(F, x, h=1e-3 * r)
        assert np.all(np.isfinite(J))
        assert np.max(np.abs(J - Jfd)) <= 1e-4 * np.max(np.abs(J))


# --------------------------------------------------- autonomy, bad input


def test_bias_correction_makes_the_map_non_autonomous():
    F = OptimizerMap(Eq15(), AdamSA(0.01, bias_correction=True))
    assert F.autonomous is False and F.dim == 8
    with pytest.raises(ValueError, match="basins needs an autonomous map"):
        require_autonomous(F, "basins")
    G = OptimizerMap(Eq15(), AdamSA(0.01))
    assert require_autonomous(G, "basins") is G and G.dim == 6


def test_with_params_keeps_conventions_and_bad_options_are_named():
    opt = RMSPropMomentum(0.1, 0.9, 2.0, eps_in_sqrt=False, lr_on="velocity")
    new = opt.with_params(sigma=4.0)
    assert new.options == opt.options and new.params["sigma"] == 4.0
    assert new.hp.size == 8 and list(new.params) == list(opt.param_names)
    with pytest.raises(ValueError, match="lr_on must be one of"):
        MomentumSA(0.1, 0.9, 1.0, lr_on="weights")
    with pytest.raises(ValueError, match="form must be one of"):
        MomentumSA(0.1, 0.9, 1.0, form="nesterov")
    with pytest.raises(ValueError, match="eps_in_sqrt must be True or False"):
        RMSPropMomentum(0.1, 0.9, 1.0, eps_in_sqrt="yes")
    with pytest.raises(ValueError, match=r"beta1 must lie in \[0.0, 1.0\)"):
        AdamSA(0.1, beta1=1.0)
    with pytest.raises(ValueError, match="unknown hyperparameter 'lr'"):
        opt.with_params(lr=0.1)


@pytest.mark.parametrize(
    "module",
    ["optdyn.optimizers._adaptive", "optdyn.losses._network", "optdyn.datasets"],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module),
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
