"""Fixed points and cycles by multiple-shooting Newton."""

import math

import numpy as np
import pytest

import optdyn
from optdyn.losses import Eq15, Himmelblau
from optdyn.maps import henon, logistic
from optdyn.optimizers import GD, SuperNesterov

EQ15_MIN = np.array([1.690375531, 1.963395867])


def eq15_map(sigma):
    return optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=sigma))


def logistic_two_cycle(r):
    s = math.sqrt((r - 3) * (r + 1))
    return sorted([(r + 1 - s) / (2 * r), (r + 1 + s) / (2 * r)])


# ------------------------------------------------------------ no duplicates


def test_stable_two_cycle_found_once_and_no_fixed_points():
    r = 3.2
    found = optdyn.periodic_orbits(logistic(r=r), 2, [(-0.5, 1.5)])
    assert len(found) == 1
    cycle = found[0]
    assert cycle.period == 2 and cycle.converged and cycle.stable
    np.testing.assert_allclose(cycle.points[:, 0], logistic_two_cycle(r), atol=1e-14)
    # multiplier r^2 (1 - 2 x1)(1 - 2 x2) = 4 + 2 r - r^2
    np.testing.assert_allclose(cycle.multipliers[0].real, 4 + 2 * r - r * r,
                               rtol=1e-12)
    # the fixed points 0 and 1 - 1/r solve the 2-fold system too: they were
    # found and rejected, never returned
    assert found.n_lower_period > 0
    for orbit in found:
        assert abs(orbit.points[0, 0] - orbit.points[1, 0]) > 0.1


def test_phase_shifted_seeds_give_one_cycle():
    F = logistic(r=3.3)
    x1, x2 = logistic_two_cycle(3.3)
    seeds = np.array([[x1 + 1e-3], [x2 - 1e-3], [x2 + 2e-3]])
    found = optdyn.periodic_orbits(F, 2, [(0.0, 1.0)], n_grid=1, n_iterate=0,
                                   seeds=seeds)
    assert len(found) == 1
    assert found[0].points[0, 0] < found[0].points[1, 0]  # canonical phase


def test_henon_two_cycle():
    # the unstable 2-cycle of the Henon map: x solves a^2 x^2 - a (1 - b) x
    # + (1 - b)^2 - a = 0
    a, b = 1.4, 0.3
    found = optdyn.periodic_orbits(henon(a=a, b=b), 2, [(-3, 3), (-3, 3)])
    assert len(found) == 1
    disc = math.sqrt(a * a * (1 - b) ** 2 - 4 * a * a * ((1 - b) ** 2 - a))
    xs = sorted([(a * (1 - b) + sgn * disc) / (2 * a * a) for sgn in (-1, 1)])
    np.testing.assert_allclose(sorted(found[0].points[:, 0]), xs, atol=1e-13)
    assert not found[0].stable


# -------------------------------------------------------------- Eq15


@pytest.mark.parametrize(
    "box, n_grid, n_iterate",
    [
        ([(-4, 4), (-4, 4)], 7, 300),
        ([(-4, 2), (-4, 2.5)], 4, 300),
        ([(1, 4), (1, 4)], 5, 300),
        ([(-4, 4), (-4, 4)], 9, 0),  # Newton from the grid alone
    ],
)
def test_eq15_minimum_is_the_only_fixed_point(box, n_grid, n_iterate):
    F = eq15_map(2.0)
    found = optdyn.fixed_points(F, box, n_grid=n_grid, n_iterate=n_iterate)
    assert len(found) == 1
    fp = found[0]
    np.testing.assert_allclose(fp.theta[0], EQ15_MIN, atol=1e-8)
    np.testing.assert_allclose(fp.points[0, 2:], 0.0, atol=1e-14)  # m = 0
    assert fp.critical_point == "minimum"
    assert fp.stable
    np.testing.assert_allclose(fp.theta[0], Eq15().minima[0], atol=1e-12)
    assert found.n_starts == found.n_converged + found.n_failed


def test_eq15_minimum_found_from_grids_far_from_it():
    F = eq15_map(2.0)
    for box in ([(-4.0, -2.0), (-4.0, -2.0)], [(2.0, 4.0), (-4.0, -2.0)]):
        # the minimum lies outside these boxes: nothing may be returned ...
        inside = optdyn.fixed_points(F, box, n_grid=4)
        assert len(inside) == 0
        # ... yet the starts converge onto it (reported as outside the box)
        assert inside.n_outside > 0


def test_eq15_two_cycle_beyond_the_flip():
    # the paper: sigma = 7 ends on an orbit alternating between two nearby
    # points; it is a stable 2-cycle of the map
    F = eq15_map(7.0)
    found = optdyn.periodic_orbits(F, 2, [(-4, 4), (-4, 4)], n_grid=8)
    stable = [o for o in found if o.stable]
    assert len(stable) == 1
    cycle = stable[0]
    np.testing.assert_allclose(cycle.theta, [[0.95683, 2.83710], [1.00048, 2.87594]],
                               atol=1e-5)
    assert cycle.spectral_radius < 0.8
    # the same orbit the iteration from the paper's start settles on
    x = optdyn.trajectory(F, F.initial_state([-1.0, -3.8]), 3000)[-2:]
    np.testing.assert_allclose(np.sort(x[:, 0]), cycle.theta[:, 0], atol=1e-8)
    # the minimum is still the only fixed point, now unstable
    fps = optdyn.fixed_points(F, [(-4, 4), (-4, 4)], n_grid=6)
    assert len(fps) == 1 and not fps[0].stable
    assert fps[0].critical_point == "minimum"
    # it lost stability through a real multiplier beyond -1 (a flip)
    assert fps[0].multipliers[0].imag == 0 and fps[0].multipliers[0].real < -1.0


def test_himmelblau_critical_points_classified():
    F = optdyn.OptimizerMap(Himmelblau(), GD(eta=0.01))
    found = optdyn.fixed_points(F, [(-5, 5), (-5, 5)], n_grid=12)
    kinds = sorted(o.critical_point for o in found)
    assert kinds == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    # under GD with small eta, exactly the minima are stable
    assert all(o.stable == (o.critical_point == "minimum") for o in found)
    values = [o.loss_values[0] for o in found if o.critical_point == "minimum"]
    np.testing.assert_allclose(values, 0.0, atol=1e-20)


# ----------------------------------------------------- failures, bad input


def test_newton_failure_is_reported():
    F = eq15_map(2.0)
    orbit = optdyn.refine_orbit(F, F.initial_state([-3.0, -3.0]), max_iter=1)
    assert not orbit.converged and not orbit.stable
    assert orbit.iterations == 1
    assert orbit.residual > 1e-6
    assert "NOT CONVERGED" in repr(orbit)
    good = optdyn.refine_orbit(F, F.initial_state([1.6, 2.0]))
    assert good.converged and good.residual < 1e-12 and good.iterations > 0


def test_search_reports_failures():
    # from the grid, some 2-fold Newton solves on Eq15 at sigma = 7 fail
    found = optdyn.periodic_orbits(eq15_map(7.0), 2, [(-4, 4), (-4, 4)],
                                   n_grid=6, max_iter=8)
    assert found.n_failed > 0
    assert found.worst_failure is not None
    assert not found.worst_failure.converged
    assert found.n_starts == found.n_converged + found.n_failed


def test_ill_conditioned_newton_steps_fail_silently():
    # regression: at sigma = 11.2 many 8-fold shooting matrices are singular
    # to working precision; scipy used to flood the user with LinAlgWarning
    import warnings

    F = eq15_map(11.2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = optdyn.periodic_orbits(F, 8, [(-4, 4), (-4, 4)])
    assert [str(w.message) for w in caught] == []
    # the failed solves are counted and the worst one is reported, with its
    # residual; the cycles that did converge are still found
    assert found.n_failed > 0
    assert found.n_starts == found.n_converged + found.n_failed
    assert not found.worst_failure.converged
    assert not found.worst_failure.residual <= 1e-11
    assert len(found) >= 1 and all(o.period == 8 for o in found)
    assert repr(found).startswith(f"OrbitSearch(period 8: {len(found)} found [Orbit(")
    assert f"{found.n_failed} failed" in repr(found) and len(repr(found)) < 600


def test_newton_step_refuses_singular_and_ill_conditioned_matrices():
    from optdyn.orbits import newton_step

    rhs = np.array([1.0, 1.0])
    assert newton_step(np.zeros((2, 2)), rhs) is None
    assert newton_step(np.array([[1.0, 1.0], [1.0, 1.0 + 1e-17]]), rhs) is None
    assert newton_step(np.array([[1.0, np.inf], [0.0, 1.0]]), rhs) is None
    np.testing.assert_allclose(newton_step(np.diag([2.0, 4.0]), rhs), [0.5, 0.25],
                               rtol=1e-15)


def test_non_autonomous_map_is_refused():
    from optdyn.optimizers import AdamSA

    F = optdyn.OptimizerMap(Eq15(), AdamSA(0.01, bias_correction=True))
    with pytest.raises(ValueError, match="orbit search needs an autonomous map"):
        optdyn.fixed_points(F, [(-1, 1), (-1, 1)])
    with pytest.raises(ValueError, match="continuation needs an autonomous map"):
        optdyn.continuation(F, np.zeros(F.dim), "eta")


def test_bad_input_messages():
    F = eq15_map(2.0)
    with pytest.raises(ValueError, match=r"box .*shape \(2, 2\).*got .*\(3, 2\)"):
        optdyn.fixed_points(F, [(-1, 1)] * 3)
    with pytest.raises(ValueError, match=r"box .*low < high"):
        optdyn.fixed_points(F, [(1, -1), (0, 1)])
    with pytest.raises(ValueError, match=r"period must be an integer >= 1; got 0"):
        optdyn.periodic_orbits(F, 0, [(-1, 1), (-1, 1)])
    with pytest.raises(ValueError, match=r"period"):
        optdyn.periodic_orbits(F, 1.5, [(-1, 1), (-1, 1)])
    with pytest.raises(ValueError, match=r"box .*shape \(1, 2\)"):
        optdyn.fixed_points(logistic(), [(0, 1), (0, 1)])
    with pytest.raises(ValueError, match=r"x0 must have shape"):
        optdyn.refine_orbit(logistic(), np.zeros((3, 1)), period=2)
