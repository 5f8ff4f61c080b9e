"""Phase diagrams: exact quadratic regimes, linearised losses, scan fractions."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import optdyn
from optdyn import phase_diagram as pd
from optdyn import quadratic as q
from optdyn.losses import Eq15, Quadratic
from optdyn.optimizers import SuperNesterov


def test_quadratic_diagram_is_the_pointwise_regime():
    k = np.geomspace(1e-4, 4, 60)
    s = np.linspace(-5, 30, 50)
    d = pd.quadratic_phase_diagram(k, s, 0.9)
    assert d.regime.shape == (50, 60)
    for i in (0, 17, 49):
        for j in (0, 30, 59):
            assert d.regime[i, j] == q.regime(k[j], 0.9, s[i])
    # underdamped exactly between the lower stability limit and sigma*
    K, S = np.meshgrid(k, s)
    lo, _ = q.stability_limits(K, 0.9)
    under = (S > lo) & (S < q.optimal_sigma(K, 0.9))
    np.testing.assert_array_equal(d.regime == q.UNDERDAMPED, under)
    assert sum(d.fractions().values()) == pytest.approx(1.0)


def test_quadratic_plot_returns_artists_and_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = pd.quadratic_phase_diagram(np.geomspace(1e-3, 3, 40), np.linspace(-5, 20, 30))
    fig, ax = plt.subplots()
    art = pd.plot_quadratic_phase_diagram(d, ax=ax, fitted=([0.01], [9.0]))
    assert {
        "regimes",
        "stability",
        "exact",
        "forward",
        "backward",
        "midpoint",
        "fitted",
        "legend",
    } <= set(art)
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "kη"
    np.testing.assert_allclose(
        art["exact"].get_ydata(), q.optimal_sigma(art["exact"].get_xdata(), 0.9)
    )
    plt.close(fig)
    assert list(tmp_path.iterdir()) == []


def test_sigma_star_curves():
    c = pd.sigma_star_curves(np.array([0.01, 0.1]), 0.9)
    np.testing.assert_allclose(c["exact"], q.optimal_sigma([0.01, 0.1], 0.9))
    np.testing.assert_allclose(c["midpoint"], q.ode_sigma_star([0.01, 0.1], 0.9, 14))


def test_linear_diagram_of_a_two_curvature_quadratic():
    loss = Quadratic([1.0, 10.0])
    eta = np.geomspace(1e-3, 0.5, 30)
    sigma = np.linspace(0, 20, 25)
    d = pd.linear_phase_diagram(loss, eta, sigma, 0.9)
    np.testing.assert_allclose(d.curvatures, [1.0, 10.0])
    E, S = np.meshgrid(eta, sigma)
    np.testing.assert_array_equal(d.regime[1], q.regime(10 * E, 0.9, S))
    # stable exactly below the stiff direction's flip line
    np.testing.assert_array_equal(d.stable, S < 1.9 / (10 * E) - 0.5)


def test_linear_diagram_of_eq15_matches_critical_sigma():
    F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=0.0))
    d = pd.linear_phase_diagram(Eq15(), [0.01], np.array([4.19, 4.20]), 0.9)
    assert d.curvatures[-1] == pytest.approx(40.468, abs=1e-3)
    sc = optdyn.critical_sigma(F)
    assert bool(d.stable[0, 0]) == (4.19 < sc) and bool(d.stable[1, 0]) == (4.20 < sc)


def test_linear_diagram_bad_input():
    with pytest.raises(ValueError, match="eta"):
        pd.linear_phase_diagram(Eq15(), [-0.01], [1.0])
    with pytest.raises(ValueError, match="minimum"):
        pd.linear_phase_diagram(
            Quadratic([1.0, -1.0]), [0.01], [1.0], minimum=[0.0, 0.0]
        )
    with pytest.raises(ValueError, match="k_eta"):
        pd.quadratic_phase_diagram([0.0, 1.0], [1.0])


def test_attractor_fractions_and_the_combined_plot():
    F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=0.0))
    grid = optdyn.Grid((-4, 5, 16), (-6, 6, 16))
    etas, sigmas = [0.008, 0.012], [1.0, 7.0]
    res = optdyn.scan(
        "basins", F, {"eta": etas, "sigma": sigmas}, grid=grid, max_steps=3000
    )
    fr = pd.attractor_fractions(res)
    total = fr["minimum"] + fr["other"] + fr["diverged"] + fr["unresolved"]
    np.testing.assert_allclose(total, 1.0)
    # sigma = 7 is past the flip at both eta: nobody reaches the minimum
    assert np.all(fr["minimum"][:, 1] == 0) and np.all(fr["other"][:, 1] > 0)
    assert np.all(fr["minimum"][:, 0] > 0.9)
    lin = pd.linear_phase_diagram(
        Eq15(), np.geomspace(0.005, 0.02, 20), np.linspace(0, 8, 20)
    )
    fig, ax = plt.subplots()
    art = pd.plot_loss_phase_diagram(lin, ax=ax, fractions=(etas, sigmas, fr))
    assert "fraction" in art and "stability_1" in art and "critical_0" in art
    plt.close(fig)
    fig, ax = plt.subplots()
    assert "rho" in pd.plot_loss_phase_diagram(lin, ax=ax)
    plt.close(fig)


def test_rmsprop_sigma_star_is_above_g_at_moderate_eta():
    res = pd.rmsprop_sigma_star([0.003], np.linspace(0, 10, 11), n_steps=3000)
    assert res.T.shape == (1, 11) and np.all(np.isfinite(res.T))
    assert not res.at_edge[0]
    assert res.sigma_star[0] > 0.9 * 2  # well above g, as the paper reports
    # the trajectory helper is the compiled RMSProp map
    th = pd.rmsprop_trajectory(0.003, 2.0, n_steps=5)
    r = 0.001 * 1.0**2
    m = -0.003 * 1.0 / np.sqrt(r + 1e-7)
    assert th[1] == pytest.approx(1.0 + m, rel=1e-12)
    fig, ax = plt.subplots()
    assert "sigma_star" in pd.plot_rmsprop_sigma_star(res, ax=ax)
    plt.close(fig)


def test_sigma_star_from_a_timescale_scan():
    F = optdyn.OptimizerMap(Quadratic([1.0]), SuperNesterov(eta=0.01, g=0.9, sigma=0))
    sig = np.linspace(3.0, 12.0, 37)
    res = optdyn.scan(
        "timescale",
        F,
        {"eta": [0.01, 0.05], "sigma": sig},
        theta0=[1.0],
        n_steps=2000,
    )
    eta, star, T_star, edge = pd.sigma_star_from_scan(res)
    np.testing.assert_array_equal(eta, [0.01, 0.05])
    exact = q.optimal_sigma(eta, 0.9)
    assert np.all(np.abs(star - exact) <= sig[1] - sig[0])
    assert list(edge) == [False, False]
    with pytest.raises(ValueError, match="sigma"):
        pd.sigma_star_from_scan(
            optdyn.scan("timescale", F, {"eta": [0.01]}, theta0=[1.0], n_steps=50)
        )
