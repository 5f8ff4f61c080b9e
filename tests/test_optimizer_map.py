"""The optimizer maps: update rules, Jacobians, parameter changes, bad input."""

import numpy as np
import pytest

import optdyn
from optdyn import OptimizerMap
from optdyn.losses import Eq15, Himmelblau, Quadratic, Rosenbrock
from optdyn.optimizers import GD, HeavyBall, Nesterov, RMSPropSA, SuperNesterov

# Plain-NumPy transcriptions of the paper's update rules (paper_notes.md).


def gd_step(loss, x, eta):
    return x - eta * loss.grad(x)


def momentum_step(loss, x, eta, g, c):
    D = loss.dim
    theta, m = x[:D], x[D:]
    m = g * m - eta * loss.grad(theta + c * m)
    return np.concatenate([theta + m, m])


def rmsprop_step(loss, x, eta, g, sigma, beta2, eps):
    D = loss.dim
    theta, m, r = x[:D], x[D : 2 * D], x[2 * D :]
    gr = loss.grad(theta + sigma * m)
    r = beta2 * r + (1 - beta2) * gr * gr
    m = g * m - eta * gr / np.sqrt(r + eps)
    return np.concatenate([theta + m, m, r])


CASES = [
    (GD(eta=0.01), lambda L, x: gd_step(L, x, 0.01)),
    (HeavyBall(eta=0.01, g=0.9), lambda L, x: momentum_step(L, x, 0.01, 0.9, 0.0)),
    (Nesterov(eta=0.01, g=0.9), lambda L, x: momentum_step(L, x, 0.01, 0.9, 0.9)),
    (SuperNesterov(eta=0.01, g=0.9, sigma=4.0),
     lambda L, x: momentum_step(L, x, 0.01, 0.9, 4.0)),
    (RMSPropSA(eta=0.1, g=0.9, sigma=2.0),
     lambda L, x: rmsprop_step(L, x, 0.1, 0.9, 2.0, 0.999, 1e-7)),
]


def random_state(F, rng):
    x = rng.uniform(-2, 2, F.dim)
    if F.optimizer.n_slots == 3:
        x[2 * F.n_params :] = rng.uniform(0.01, 1.0, F.n_params)
    return x


@pytest.mark.parametrize("opt,twin", CASES, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("loss", [Eq15(), Quadratic([0.3, 3.0, 30.0])], ids=repr)
def test_step_matches_transcription_and_trajectory(opt, twin, loss):
    F = OptimizerMap(loss, opt)
    rng = np.random.default_rng(1)
    x = random_state(F, rng)
    np.testing.assert_allclose(F.step(x), twin(loss, x), rtol=1e-14, atol=1e-14)
    traj = optdyn.trajectory(F, x, 5)
    assert traj.shape == (6, F.dim)
    y = x
    for t in range(1, 6):
        y = twin(loss, y)
        np.testing.assert_allclose(traj[t], y, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("opt,twin", CASES, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("loss", [Eq15(), Rosenbrock(), Himmelblau()], ids=repr)
def test_jacobian_matches_finite_differences(opt, twin, loss):
    F = OptimizerMap(loss, opt)
    rng = np.random.default_rng(2)
    x = random_state(F, rng) * 0.5
    J = F.jacobian(x)
    Jfd = np.empty_like(J)
    for j in range(F.dim):
        h = 1e-6 * max(1.0, abs(x[j]))
        e = np.zeros(F.dim)
        e[j] = h
        Jfd[:, j] = (F.step(x + e) - F.step(x - e)) / (2 * h)
    np.testing.assert_allclose(J, Jfd, rtol=1e-6, atol=1e-6)


def test_sigma_zero_is_heavy_ball_and_sigma_g_is_nesterov_bit_for_bit():
    loss = Eq15()
    x0 = OptimizerMap(loss, GD(0.01)).initial_state([-1.0, -3.8])
    x0 = np.concatenate([x0, [0.0, 0.0]])
    sn = OptimizerMap(loss, SuperNesterov(eta=0.01, g=0.9, sigma=0.0))
    hb = OptimizerMap(loss, HeavyBall(eta=0.01, g=0.9))
    np.testing.assert_array_equal(
        optdyn.trajectory(sn, x0, 500), optdyn.trajectory(hb, x0, 500)
    )
    ne = OptimizerMap(loss, Nesterov(eta=0.01, g=0.9))
    np.testing.assert_array_equal(
        optdyn.trajectory(sn.with_params(sigma=0.9), x0, 500),
        optdyn.trajectory(ne, x0, 500),
    )


@pytest.mark.parametrize("keta,sigma", [(0.01, 0.0), (0.01, 5.0), (0.3, 2.0),
                                        (1.5, 0.9), (3.9, 0.0)])
def test_quadratic_jacobian_eigenvalues_are_characteristic_roots(keta, sigma):
    # One parameter, L = k theta^2 / 2: the map is linear with
    # lambda^2 - (1 + g - k eta (1 + sigma)) lambda + (g - k eta sigma) = 0.
    g, eta = 0.9, 0.1
    F = OptimizerMap(Quadratic([keta / eta]), SuperNesterov(eta=eta, g=g, sigma=sigma))
    ev = np.sort_complex(np.linalg.eigvals(F.jacobian([0.3, -0.2])))
    roots = np.sort_complex(
        np.roots([1.0, -(1 + g - keta * (1 + sigma)), g - keta * sigma]).astype(complex)
    )
    np.testing.assert_allclose(ev, roots, rtol=1e-10, atol=1e-12)


def test_with_params_reuses_kernels_and_never_recompiles():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    x = F.initial_state([-1.0, -3.8])
    F.step(x)
    kernels = F.kernels
    n_sigs = len(kernels.step.signatures)
    for sigma in (0.0, 3.5, 7.0, -1.0):
        G = F.with_params(sigma=sigma)
        assert G.kernels is kernels
        assert G.params["sigma"] == sigma
        G.step(x)
    assert len(kernels.step.signatures) == n_sigs
    # The same pair built afresh finds the same generated module.
    again = OptimizerMap(Eq15(), SuperNesterov(eta=0.5, g=0.1, sigma=1.0))
    assert again.kernels is kernels


def test_initial_state_and_state_names():
    F = OptimizerMap(Rosenbrock(), RMSPropSA(eta=0.1, g=0.9, sigma=2.0))
    assert F.dim == 6
    np.testing.assert_array_equal(F.initial_state([1, 2]), [1, 2, 0, 0, 0, 0])
    assert F.state_names == ("theta1", "theta2", "m1", "m2", "r1", "r2")


def test_diverging_orbit_is_a_result_not_an_error(recwarn):
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.5, g=0.9, sigma=8.0))
    traj = optdyn.trajectory(F, F.initial_state([4.0, 5.0]), 200)
    assert not np.all(np.isfinite(traj[-1]))
    assert len(recwarn) == 0


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: GD(eta=0.0), r"eta must be > 0 .*got 0\.0"),
        (lambda: GD(eta=-1), r"eta must be > 0"),
        (lambda: GD(eta=float("nan")), r"eta must be a finite real number; got nan"),
        (lambda: GD(eta="0.1"), r"eta must be a finite real number; got '0.1' of "
                                r"type str"),
        (lambda: GD(eta=True), r"eta must be a finite real number; got True"),
        (lambda: HeavyBall(eta=0.1, g=1.0), r"g must lie in \[0\.0, 1\.0\); got 1\.0"),
        (lambda: SuperNesterov(0.1, 0.9, float("inf")), r"sigma must be a finite"),
        (lambda: RMSPropSA(0.1, 0.9, 1.0, eps=0.0), r"eps must be > 0"),
        (lambda: RMSPropSA(0.1, 0.9, 1.0, beta2=1.5), r"beta2 must lie in"),
    ],
)
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_state_and_parameter_names():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    with pytest.raises(ValueError, match=r"x must be a state vector of length 4"):
        F.step([1.0, 2.0])
    with pytest.raises(ValueError, match=r"theta0 must be a vector of length 2"):
        F.initial_state([1.0])
    with pytest.raises(ValueError, match=r"unknown parameter 'beta'.*eta, g, sigma"):
        F.with_params(beta=0.3)
    with pytest.raises(ValueError, match=r"eta must be > 0"):
        F.with_params(eta=-0.1)
    with pytest.raises(ValueError, match=r"n_steps must be an integer >= 0"):
        optdyn.trajectory(F, F.initial_state([0, 0]), -3)
