"""Exact linear theory of the momentum family on L = 1/2 k theta^2."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

import optdyn
from optdyn import quadratic as q
from optdyn.losses import Quadratic
from optdyn.optimizers import GD, HeavyBall, Nesterov, SuperNesterov


@pytest.mark.parametrize(
    "opt, method, sigma",
    [
        (GD(eta=0.05), "gd", None),
        (HeavyBall(eta=0.05, g=0.9), "heavy_ball", None),
        (Nesterov(eta=0.05, g=0.9), "nesterov", None),
        (SuperNesterov(eta=0.05, g=0.9, sigma=3.0), "super_nesterov", 3.0),
        (SuperNesterov(eta=0.05, g=0.9, sigma=40.0), "super_nesterov", 40.0),
    ],
)
def test_eigenvalues_match_the_jacobian_of_the_optimizer_map(opt, method, sigma):
    k = 2.0
    F = optdyn.OptimizerMap(Quadratic([k]), opt)
    J = F.jacobian(np.full(F.dim, 0.3))
    expected = np.sort_complex(np.linalg.eigvals(J))
    got = np.sort_complex(q.eigenvalues(k * 0.05, 0.9, sigma, method))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13)
    np.testing.assert_allclose(
        q.linear_map(k * 0.05, 0.9, sigma, method), J, atol=1e-15
    )


def test_iterate_matches_the_compiled_trajectory():
    F = optdyn.OptimizerMap(Quadratic([0.5]), SuperNesterov(eta=0.04, g=0.9, sigma=5.0))
    traj = optdyn.trajectory(F, F.initial_state([1.0]), 200)[:, 0]
    np.testing.assert_allclose(q.iterate(0.02, 0.9, 5.0, 200), traj, rtol=0, atol=1e-14)


def test_vectorised_over_k_eta_and_sigma():
    k = np.geomspace(1e-3, 3, 7)[:, None]
    s = np.linspace(-2, 12, 5)[None, :]
    lam = q.eigenvalues(k, 0.9, s)
    assert lam.shape == (7, 5, 2)
    b, c = q.characteristic(k, 0.9, s)
    np.testing.assert_allclose(lam.sum(-1).real, b, atol=1e-14)
    np.testing.assert_allclose((lam[..., 0] * lam[..., 1]).real, c, atol=1e-14)
    assert q.regime(k, 0.9, s).shape == (7, 5)
    rho = q.spectral_radius(k, 0.9, s)
    np.testing.assert_allclose(
        q.timescale(k, 0.9, s)[rho < 1], -1 / np.log(rho[rho < 1])
    )


@pytest.mark.parametrize("g", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("k_eta", [0.005, 0.01, 0.05, 0.3, 0.9, 2.0])
def test_exact_sigma_star_is_the_numerical_minimiser_of_rho(k_eta, g):
    exact = float(q.optimal_sigma(k_eta, g))
    lo, hi = q.stability_limits(k_eta, g)
    grid = np.linspace(lo, hi, 20001)
    i = int(np.argmin(q.spectral_radius(k_eta, g, grid)))
    res = minimize_scalar(
        lambda s: float(q.spectral_radius(k_eta, g, s)),
        bracket=(grid[i - 1], grid[i], grid[i + 1]),
        method="golden",
        tol=1e-14,
    )
    assert abs(res.x - exact) <= 1e-8 * max(1.0, abs(exact))
    # a double root moves by sqrt(rounding) ~ 1e-8 under perturbation
    assert float(q.spectral_radius(k_eta, g, exact)) == pytest.approx(
        abs(1 - np.sqrt(k_eta)), abs=1e-7
    )


def test_sigma_star_closed_form_values():
    # (0.9 - 0.81) / 0.01 = 9, and sigma* = (12) - 1 everywhere
    assert float(q.optimal_sigma(0.01, 0.9)) == pytest.approx(9.0, abs=1e-12)
    k = np.geomspace(1e-3, 3, 50)
    np.testing.assert_allclose(
        q.optimal_sigma(k), q.ode_sigma_star(k, 0.9, 12) - 1, atol=1e-9
    )


def test_k_eta_threshold_reproduces_the_paper_within_5_percent():
    thr = float(q.k_eta_threshold(0.9))
    assert abs(thr - 0.0027) / 0.0027 < 0.05
    assert thr == pytest.approx((1 - np.sqrt(0.9)) ** 2, rel=1e-14)
    assert abs(float(q.optimal_sigma(thr, 0.9))) < 1e-9
    assert q.optimal_sigma(0.9 * thr, 0.9) < 0 < q.optimal_sigma(1.1 * thr, 0.9)
    # below the threshold every sigma > 0 is overdamped
    s = np.linspace(0.01, 50, 200)
    assert np.all(q.regime(0.9 * thr, 0.9, s) == q.OVERDAMPED)


def test_midpoint_ode_is_closest_to_the_exact_sigma_star():
    k = np.geomspace(0.01, 0.3, 60)
    exact = q.optimal_sigma(k, 0.9)
    err = {kind: np.abs(q.ode_sigma_star(k, 0.9, kind) - exact) for kind in q.ODE_KINDS}
    assert np.all(err["midpoint"] < err["backward"])
    assert np.all(err["midpoint"] < err["forward"])
    np.testing.assert_allclose(err["forward"], 1.0, atol=1e-9)
    assert np.max(err["midpoint"]) < 0.14


@pytest.mark.parametrize("kind", ["forward", "backward", "midpoint"])
def test_ode_sigma_star_is_critical_damping_of_its_ode(kind):
    k = np.geomspace(0.005, 0.5, 9)
    s = q.ode_sigma_star(k, 0.9, kind)
    A, B = q.ode_coefficients(k, 0.9, s, kind)
    np.testing.assert_allclose(A**2, 4 * B, rtol=1e-9)


def test_ode_solution_solves_its_ode():
    t = np.linspace(0, 50, 5001)
    x = q.ode_solution(t, 0.01, 0.9, 1.0, "midpoint")
    A, B = (float(v) for v in q.ode_coefficients(0.01, 0.9, 1.0, "midpoint"))
    dt = t[1] - t[0]
    xd = np.gradient(x, dt)
    xdd = np.gradient(xd, dt)
    assert np.max(np.abs(xdd + A * xd + B * x)[5:-5]) < 1e-5
    h = 1e-5
    xm, xp = q.ode_solution([-h, h], 0.01, 0.9, 1.0, "midpoint")
    assert x[0] == pytest.approx(1.0, abs=1e-14)
    assert (xp - xm) / (2 * h) == pytest.approx(-0.01, abs=1e-8)
    crit = q.ode_sigma_star(0.01, 0.9, "midpoint")
    xc = q.ode_solution([0.0, 1.0], 0.01, 0.9, crit, "midpoint")
    assert np.all(np.isfinite(xc))


def test_regime_codes_at_known_points():
    a, g = 0.01, 0.9
    s_star = float(q.optimal_sigma(a, g))
    lo, hi = q.stability_limits(a, g)
    assert q.regime(a, g, s_star - 1) == q.UNDERDAMPED
    assert q.regime(a, g, s_star) == q.CRITICAL
    assert q.regime(a, g, s_star + 1) == q.OVERDAMPED
    assert q.regime(a, g, g / a + 1) == q.OSCILLATING  # c < 0: a negative root
    assert q.regime(a, g, hi + 1e-6) == q.UNSTABLE
    assert q.regime(a, g, lo - 1e-6) == q.UNSTABLE
    assert q.regime_name(a, g, s_star) == "critical"
    assert q.regime(0.5, method="gd") == q.OVERDAMPED
    assert q.regime(1.5, method="gd") == q.OSCILLATING
    assert q.regime(2.5, method="gd") == q.UNSTABLE
    assert q.regime(0.01, 0.9, method="heavy_ball") == q.UNDERDAMPED


def test_regime_at_critical_damping_is_stable_under_rounding():
    for a in np.geomspace(0.003, 3.0, 40):
        for g in (0.5, 0.9, 0.99):
            s = float(q.optimal_sigma(a, g))
            nearby = [s]
            for _ in range(50):
                nearby.append(np.nextafter(nearby[-1], np.inf))
            x = s
            for _ in range(50):
                x = np.nextafter(x, -np.inf)
                nearby.append(x)
            nearby += [s * (1 + 1e-13), s * (1 - 1e-13)]
            codes = q.regime(a, g, np.array(nearby))
            assert np.all(codes == q.CRITICAL), (a, g)
            # recomputing from a rounded k eta keeps the verdict
            assert q.regime(a * (1 + 4e-16), g, s) == q.CRITICAL
            # a clear step away is not critical
            step = 1e-3 * max(1.0, abs(s))
            assert q.regime(a, g, s - step) != q.CRITICAL
            assert q.regime(a, g, s + step) != q.CRITICAL


@pytest.mark.parametrize("k_eta", [0.01, 0.3, 1.5, 3.5])
def test_stability_limits(k_eta):
    g = 0.9
    lo, hi = (float(v) for v in q.stability_limits(k_eta, g))
    assert lo == pytest.approx(-(1 - g) / k_eta)
    assert hi == pytest.approx((1 + g) / k_eta - 0.5)
    d = 1e-7 * max(1, abs(hi))
    assert (
        q.spectral_radius(k_eta, g, hi - d) < 1 <= q.spectral_radius(k_eta, g, hi + d)
    )
    assert (
        q.spectral_radius(k_eta, g, lo + d) < 1 <= q.spectral_radius(k_eta, g, lo + -d)
    )
    # flip at the upper end: -1 is a root
    lam = q.eigenvalues(k_eta, g, hi)
    assert np.min(np.abs(lam + 1)) < 1e-9
    # optdyn.critical_sigma (from the Hessian of a loss) agrees
    if k_eta < 4:
        F = optdyn.OptimizerMap(
            Quadratic([k_eta]), SuperNesterov(eta=1.0, g=g, sigma=0)
        )
        assert optdyn.critical_sigma(F) == pytest.approx(hi, rel=1e-12)
    assert np.all(np.isnan(q.stability_limits(4.5, g)))


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: q.eigenvalues(0.0, 0.9, 1.0), "k_eta"),
        (lambda: q.eigenvalues(-1.0, 0.9, 1.0), "k_eta"),
        (lambda: q.optimal_sigma([0.1, -0.2], 0.9), "k_eta"),
        (lambda: q.eigenvalues(0.1, 1.0, 1.0), "g"),
        (lambda: q.regime(0.1, -0.1, 1.0), "g"),
        (lambda: q.k_eta_threshold(1.2), "g"),
        (lambda: q.eigenvalues(0.1, 0.9, np.nan), "sigma"),
        (lambda: q.eigenvalues(0.1, 0.9, None), "sigma"),
        (lambda: q.eigenvalues(0.1, 0.9, 1.0, method="adam"), "method"),
        (lambda: q.eigenvalues(0.1, 0.9, 1.0, method="heavy_ball"), "sigma"),
        (lambda: q.ode_sigma_star(0.1, 0.9, "central"), "kind"),
        (lambda: q.regime(0.1, 0.9, 1.0, rtol=-1), "rtol"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_iterate_refuses_bad_step_counts_and_starts():
    from optdyn import quadratic as q

    with pytest.raises(ValueError, match="n_steps must be an integer >= 0; got -3"):
        q.iterate(0.1, 0.9, 1.0, -3)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 0; got 2.7"):
        q.iterate(0.1, 0.9, 1.0, 2.7)
    with pytest.raises(ValueError, match="theta0 must be a finite real number"):
        q.iterate(0.1, 0.9, 1.0, 3, theta0=float("nan"))
    # theta_1 = theta_0 + m_1 with m_1 = -k eta theta_0: 0.9 for k eta = 0.1.
    assert q.iterate(0.1, 0.9, 1.0, 1)[1] == pytest.approx(0.9)
