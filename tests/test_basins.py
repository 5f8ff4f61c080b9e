"""Basins and the attractor census: known answers, the paper's trap, bad input."""

import json

import numpy as np
import pytest

import optdyn
from optdyn import DIVERGED, UNRESOLVED, Grid, OptimizerMap
from optdyn.losses import Eq15, Himmelblau, Quadratic
from optdyn.optimizers import GD, HeavyBall, SuperNesterov


def sn_roots(keta, g, sigma):
    return np.roots([1.0, -(1 + g - keta * (1 + sigma)), g - keta * sigma])


def test_quadratic_inside_stability_limit_every_point_reaches_zero():
    # Limit for SuperNesterov: eta h < (2 + 2g) / (1 + 2 sigma) = 0.76 here.
    eta, g, sigma = 0.1, 0.9, 2.0
    F = OptimizerMap(Quadratic([1.0, 7.0]), SuperNesterov(eta=eta, g=g, sigma=sigma))
    res = optdyn.basins(F, Grid((-1, 1, 20), (-1, 1, 20)), 4000)
    assert np.all(res.labels == 0)
    (att,) = res.attractors
    assert att.is_minimum and att.period == 1
    np.testing.assert_allclose(att.theta[0], [0.0, 0.0], atol=1e-12)
    assert att.name == "minimum (0.000, 0.000)"
    # Spectral radius: the slower of the two directions' closed forms.
    rho = max(np.abs(sn_roots(eta * k, g, sigma)).max() for k in (1.0, 7.0))
    assert att.spectral_radius == pytest.approx(rho, rel=1e-10)
    assert res.fractions[att.name] == 1.0


def test_quadratic_beyond_stability_limit_every_point_diverges():
    F = OptimizerMap(Quadratic([1.0, 10.0]), SuperNesterov(eta=0.1, g=0.9, sigma=2.0))
    res = optdyn.basins(F, Grid((-1, 1, 20), (-1, 1, 20)), 4000)
    assert np.all(res.labels == DIVERGED)
    assert res.attractors == []
    assert res.fractions["diverged"] == 1.0


def test_eq15_sigma7_from_paper_start_is_trapped_on_a_two_cycle():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=7.0))
    res = optdyn.census(F, F.initial_state([-1.0, -3.8])[None, :], 3000)
    att = res.attractor_of(0)
    assert att is not None and att.period == 2 and not att.is_minimum
    np.testing.assert_allclose(att.theta, [[0.957, 2.837], [1.000, 2.876]],
                               atol=1e-3)
    assert att.spectral_radius < 1
    assert att.residual < 1e-12
    # Away from the minimum: the loss on the cycle is well above L_min.
    assert att.loss.min() > Eq15().value(Eq15().minima[0]) + 0.3
    # The same start at sigma = 3 reaches the minimum.
    res3 = optdyn.census(F.with_params(sigma=3.0),
                         F.initial_state([-1.0, -3.8])[None, :], 3000)
    assert res3.attractor_of(0).is_minimum


def test_himmelblau_four_minima_are_named_and_cover_the_grid():
    F = OptimizerMap(Himmelblau(), HeavyBall(eta=0.005, g=0.5))
    res = optdyn.basins(F, Grid((-5, 5, 41), (-5, 5, 41)), 3000)
    assert len(res.attractors) == 4
    assert all(a.is_minimum and a.period == 1 for a in res.attractors)
    got = sorted(tuple(np.round(a.theta[0], 6)) for a in res.attractors)
    want = sorted(tuple(np.round(m, 6)) for m in Himmelblau().minima)
    assert got == want
    fr = res.fractions
    assert sum(fr.values()) == pytest.approx(1.0)
    assert min(fr[a.name] for a in res.attractors) > 0.1


def test_a_saddle_is_never_reported_as_an_attractor():
    # Himmelblau's saddles, reached by Newton from nearby guesses.
    loss = Himmelblau()
    saddle = loss.newton_critical_point([0.09, 2.88])
    assert loss.classify_critical_point(saddle) == "saddle"
    F = OptimizerMap(loss, GD(eta=0.005))
    # Starting on the saddle, GD "settles" at once: the census must refuse it.
    res = optdyn.census(F, saddle[None, :], 500)
    assert res.labels[0] == UNRESOLVED
    assert res.attractors == []


def test_too_small_budget_gives_unresolved_not_a_wrong_label():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    res = optdyn.basins(F, Grid((-4, 5, 15), (-6, 6, 15)), 40)
    assert set(np.unique(res.labels)) <= {DIVERGED, UNRESOLVED}
    assert np.any(res.labels == UNRESOLVED)


def test_grid_orientation_and_result_api():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=5.0))
    grid = Grid((-4, 5, 31), (-6, 6, 23))
    res = optdyn.basins(F, grid, 3000)
    assert res.labels.shape == (23, 31) and res.steps.shape == (23, 31)
    np.testing.assert_array_equal(res.x, np.linspace(-4, 5, 31))
    np.testing.assert_array_equal(res.y, np.linspace(-6, 6, 23))
    # Row i is theta_2 = y[i]: check one pixel against its own census.
    i, j = 5, 20
    one = optdyn.census(F, F.initial_state([res.x[j], res.y[i]])[None, :], 3000)
    assert one.labels[0] == res.labels[i, j]
    text = repr(res)
    assert "2-cycle" in text and "diverged" in text
    json.dumps(res.summary())
    # Pixels are centred on grid points: half a spacing beyond each end.
    np.testing.assert_allclose(grid.extent, (-4.15, 5.15, -6 - 6 / 22, 6 + 6 / 22),
                               rtol=1e-15)


def test_plot_names_attractors_in_legend():
    import matplotlib.pyplot as plt

    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    res = optdyn.basins(F, Grid((-4, 5, 20), (-6, 6, 20)), 2000)
    fig, ax = plt.subplots()
    image = res.plot(ax=ax, start=(-1.0, -3.8))
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0].startswith("minimum (1.690, 1.963)")
    assert ax.get_xlabel() == r"$\theta_{1}$" and ax.get_ylabel() == r"$\theta_{2}$"
    assert image.get_extent() == list(res.grid.extent)
    plt.close(fig)


def test_palette_keeps_colours_across_panels():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=6.0))
    palette = optdyn.AttractorPalette()
    grid = Grid((-2, 3, 12), (0, 4, 12))
    a6 = optdyn.basins(F, grid, 3000).attractors[0]
    a7 = optdyn.basins(F.with_params(sigma=7.0), grid, 3000).attractors[0]
    m = optdyn.basins(F.with_params(sigma=2.0), grid, 3000).attractors[0]
    assert palette.color(a6) == palette.color(a7) != palette.color(m)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: Grid((-1, 1, 0), (-1, 1, 5)),
         r"axis1 n must be an integer >= 1; got 0"),
        (lambda: Grid((1, -1, 5), (-1, 1, 5)), r"axis1 needs lo < hi; got lo=1.0"),
        (lambda: Grid((-1, 1), (-1, 1, 5)), r"axis1 must be a tuple \(lo, hi, n\)"),
        (lambda: Grid((-1, np.inf, 5), (-1, 1, 5)), r"axis1 hi must be a finite"),
        (lambda: Grid((-1, 1, 5), (-1, 1, 5), dims=(1, 1)), r"dims must be two"),
        (lambda: Grid((-1, 1, 5), (-1, 1, 5), fixed={2: 1.0}),
         r"fixed must be a theta vector"),
    ],
)
def test_bad_grid(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_grid_that_does_not_fit_the_loss():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    with pytest.raises(ValueError, match=r"grid dims \(0, 2\) do not fit a loss "
                                          r"with 2 parameters"):
        optdyn.basins(F, Grid((-1, 1, 5), (-1, 1, 5), dims=(0, 2)), 10)
    G = OptimizerMap(Quadratic([1.0, 2.0, 3.0]), GD(eta=0.1))
    with pytest.raises(ValueError, match="fixed must be a finite theta vector of "
                                         "length 3"):
        optdyn.basins(G, Grid((-1, 1, 5), (-1, 1, 5), fixed=[0.0, 1.0]), 10)
    with pytest.raises(ValueError, match="grid must be an optdyn.Grid"):
        optdyn.basins(F, ((-1, 1, 5), (-1, 1, 5)), 10)


def test_other_theta_coordinates_are_held_fixed():
    F = OptimizerMap(Quadratic([1.0, 2.0, 3.0]), GD(eta=0.1))
    grid = Grid((-1, 1, 4), (-1, 1, 4), dims=(0, 2), fixed=[9.0, 0.5, 9.0])
    thetas = grid.thetas(3)
    assert np.all(thetas[:, 1] == 0.5)
    res = optdyn.basins(F, grid, 2000)
    assert np.all(res.labels == 0) and res.attractors[0].is_minimum


def test_census_repr_and_index_errors():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=7.0))
    res = optdyn.census(F, np.array([F.initial_state([-1.0, -3.8]),
                                     F.initial_state([4.9, -5.9])]), 3000)
    text = repr(res)
    assert "CensusResult: 2 initial states" in text
    assert "2-cycle (0.957, 2.837)" in text and "diverged" in text
    with pytest.raises(IndexError, match="point index 5 out of range for 2 points"):
        res.attractor_of(5)
    basins = optdyn.basins(F, Grid((-1, 1, 4), (-4, -3, 4)), 3000)
    with pytest.raises(ValueError, match=r"start must be a finite point"):
        basins.plot(start=(1.0, 2.0, 3.0))


def test_never_settling_orbits_are_told_apart_by_lyapunov_spectrum():
    # Past the period-doubling cascade (sigma ~ 11.2) bounded orbits are
    # chaotic: unresolved, and classified so, never given an attractor.
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=11.2))
    res = optdyn.basins(F, Grid((-1, 2, 12), (1, 4, 12)), 3000, n_lyapunov=4)
    assert res.attractors == []
    orbits = res.unresolved_orbits
    assert orbits.n_unresolved == np.count_nonzero(res.labels == UNRESOLVED) > 0
    assert orbits.kinds == ["chaotic"] * 4
    assert np.all(orbits.max_exponents > 0.05)
    assert "chaotic 4" in repr(res)
    assert res.summary()["unresolved_orbits"]["kinds"] == {"chaotic": 4}
    # A slow but converging orbit, stopped early, is named as such.
    G = OptimizerMap(Quadratic([1.0]), GD(eta=1e-3))
    slow = optdyn.census(G, np.array([[1.0]]), 64, n_lyapunov=1)
    assert slow.labels[0] == UNRESOLVED
    assert slow.unresolved_orbits.kinds == ["converging"]
    np.testing.assert_allclose(slow.unresolved_orbits.max_exponents,
                               [np.log(1 - 1e-3)], rtol=1e-9)
