"""Continuation, bifurcation location, branch switching, orbit diagrams."""

import json
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

import optdyn
from optdyn import FunctionMap
from optdyn.losses import Eq15, Quadratic
from optdyn.maps import logistic
from optdyn.optimizers import GD, HeavyBall, Nesterov, SuperNesterov

G = 0.9
# period doublings of the logistic map (Feigenbaum's cascade)
R_FLIPS = [3.0, 1 + math.sqrt(6), 3.5440903595519228, 3.5644072660954325]


def eq15_map(sigma=0.0):
    return optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=G, sigma=sigma))


@pytest.fixture(scope="module")
def logistic_cascade():
    return optdyn.continuation(logistic(r=2.5), [0.6], "r",
                               param_range=(2.5, 3.57), ds_max=0.01,
                               switch_depth=3)


@pytest.fixture(scope="module")
def eq15_branch():
    F = eq15_map(0.0)
    return optdyn.continuation(F, F.initial_state(Eq15().minima[0]), "sigma",
                               param_range=(0.0, 8.0), ds_max=0.05,
                               switch_depth=1)


# -------------------------------------------------------------- logistic


def test_logistic_period_doublings(logistic_cascade):
    found = []
    for br in logistic_cascade.walk():
        found += [(br.period, b) for b in br.bifurcations]
    assert [p for p, _ in found] == [1, 2, 4, 8]
    for (p, b), r in zip(found, R_FLIPS):
        assert b.kind == "flip" and b.stability == "lost" and b.located
        assert abs(b.value - r) <= 1e-6 * r
        np.testing.assert_allclose(b.multipliers[0], -1.0, atol=1e-8)
    # switched at the first three: supercritical, each child born stable
    for p, b in found[:3]:
        assert b.criticality == "supercritical"
        assert b.child.period == 2 * p and b.child.stable[1:-1].all()
    # the 2-cycle on its branch matches the closed form
    two = found[0][1].child
    i = len(two.values) // 2
    r = two.values[i]
    s = math.sqrt((r - 3) * (r + 1))
    np.testing.assert_allclose(np.sort(two.states[i, :, 0]),
                               [(r + 1 - s) / (2 * r), (r + 1 + s) / (2 * r)],
                               atol=1e-10)


def test_failed_location_is_reported_not_dropped(monkeypatch):
    import scipy.optimize

    def no_root(*args, **kwargs):
        raise RuntimeError("failed to converge")

    monkeypatch.setattr(scipy.optimize, "brentq", no_root)
    br = optdyn.continuation(logistic(r=2.5), [0.6], "r", param_range=(2.5, 3.2),
                             ds_max=0.01)
    (b,) = br.bifurcations
    assert b.kind == "flip" and b.located is False
    assert abs(b.value - 3.0) < 0.01  # linear interpolation inside one step
    assert b.to_dict()["located"] is False


def test_logistic_transcritical_is_a_branch_point():
    br = optdyn.continuation(logistic(r=0.5), [0.0], "r", param_range=(0.5, 1.5))
    (b,) = br.bifurcations
    assert b.kind == "branch point" and abs(b.value - 1.0) < 1e-9
    assert b.stability == "lost"
    assert br.status == "reached r=1.5" and br.values[-1] == 1.5


def test_fold_of_a_saddle_node():
    # x -> x + mu - x^2: fixed points +-sqrt(mu) meet at a fold at mu = 0
    F = FunctionMap(lambda x, p: np.array([x[0] + p[0] - x[0] ** 2]),
                    lambda x, p: np.array([[1.0 - 2.0 * x[0]]]),
                    1, {"mu": 0.5}, "saddle-node")
    br = optdyn.continuation(F, [math.sqrt(0.5)], "mu", direction=-1,
                             param_range=(-1.0, 1.0), max_points=200)
    (b,) = br.bifurcations
    assert b.kind == "fold"
    assert abs(b.value) < 1e-9 and abs(b.state[0, 0]) < 1e-4
    # after the turn the branch comes back along -sqrt(mu), unstable
    assert br.values[-1] == 1.0 and br.states[-1, 0, 0] == pytest.approx(-1.0)


@pytest.mark.parametrize("c, criticality", [(1.0, "supercritical"),
                                             (-1.0, "subcritical")])
def test_flip_criticality_of_the_cubic_normal_form(c, criticality):
    # x -> -(1 + mu) x + c x^3: the fixed point 0 has multiplier -(1 + mu)
    # and flips at mu = 0; the 2-cycle solves f(x) = -x, x = +-sqrt(mu / c),
    # with multiplier (1 - 2 mu)^2.  c > 0: it lives on the unstable side
    # (mu > 0) and is stable; c < 0: on the stable side, unstable.
    F = FunctionMap(lambda x, p: np.array([-(1 + p[0]) * x[0] + p[1] * x[0] ** 3]),
                    lambda x, p: np.array([[-(1 + p[0]) + 3 * p[1] * x[0] ** 2]]),
                    1, {"mu": -0.3, "c": c}, "cubic flip")
    br = optdyn.continuation(F, [0.0], "mu", param_range=(-0.3, 0.3),
                             switch_depth=1)
    (b,) = br.bifurcations
    assert b.kind == "flip" and abs(b.value) < 1e-9
    assert b.criticality == criticality
    child = b.child
    assert child.period == 2 and len(child.values) > 5
    mu = child.values[1:]
    assert np.all(np.sign(mu) == np.sign(c))
    # near the flip the 2-cycle system is nearly singular, so a residual of
    # 1e-11 allows errors of ~1e-11 / mu in x: absolute tolerances
    np.testing.assert_allclose(np.abs(child.states[1:, 0, 0]), np.sqrt(mu / c),
                               atol=1e-7)
    np.testing.assert_allclose(child.multipliers[1:, 0].real, (1 - 2 * mu) ** 2,
                               atol=1e-6)
    assert child.stable[1:].all() == (c > 0)


# -------------------------------------------------- quadratic closed forms


@pytest.mark.parametrize("k_eta", [0.05, 0.3, 1.0, 2.5])
def test_super_nesterov_flip_sigma(k_eta):
    k = 2.0
    F = optdyn.OptimizerMap(Quadratic([k]),
                            SuperNesterov(eta=k_eta / k, g=G, sigma=0.0))
    sigma_c = (1 + G) / k_eta - 0.5
    br = optdyn.continuation(F, np.zeros(2), "sigma",
                             param_range=(-0.2, sigma_c + 1.0), ds_max=0.5)
    flips = [b for b in br.bifurcations if b.kind == "flip"]
    assert len(flips) == 1
    assert abs(flips[0].value - sigma_c) <= 1e-6 * abs(sigma_c)
    # the closed form of the boundary, and the Hessian prediction
    at = SuperNesterov(eta=k_eta / k, g=G, sigma=flips[0].value)
    assert abs(optdyn.flip_boundary(at) - k_eta) <= 1e-6 * k_eta
    assert abs(optdyn.critical_sigma(F, [0.0]) - sigma_c) <= 1e-12 * abs(sigma_c)
    # multipliers along the branch are the characteristic roots
    for i in range(0, len(br.values), 7):
        sigma = br.values[i]
        roots = np.roots([1, -(1 + G - k_eta * (1 + sigma)), G - k_eta * sigma])
        np.testing.assert_allclose(np.sort_complex(br.multipliers[i]),
                                   np.sort_complex(roots), atol=1e-7)


@pytest.mark.parametrize(
    "opt, eta_h_flip",
    [
        (GD(eta=0.1), 2.0),
        (HeavyBall(eta=0.1, g=G), 2 + 2 * G),
        (Nesterov(eta=0.1, g=G), (2 + 2 * G) / (1 + 2 * G)),
        (HeavyBall(eta=0.1, g=0.5), 3.0),
    ],
)
def test_flip_eta_of_gd_heavy_ball_nesterov(opt, eta_h_flip):
    ks = [1.5, 4.0]  # two Hessian eigenvalues: two flips, in order
    F = optdyn.OptimizerMap(Quadratic(ks), opt)
    assert optdyn.flip_boundary(opt) == pytest.approx(eta_h_flip, rel=1e-15)
    br = optdyn.continuation(F, np.zeros(F.dim), "eta",
                             param_range=(0.05, 1.1 * eta_h_flip / ks[0]),
                             ds_max=0.05)
    flips = [b.value for b in br.bifurcations if b.kind == "flip"]
    expected = [eta_h_flip / ks[1], eta_h_flip / ks[0]]
    np.testing.assert_allclose(flips, expected, rtol=1e-6)


def test_flip_in_g_and_the_domain_edge():
    # heavy ball flips at eta h = 2 + 2 g: with eta h = 3, at g = 0.5
    F = optdyn.OptimizerMap(Quadratic([3.0]), HeavyBall(eta=1.0, g=0.9))
    br = optdyn.continuation(F, np.zeros(2), "g", direction=-1, ds_max=0.05)
    (b,) = br.bifurcations
    assert b.kind == "flip" and abs(b.value - 0.5) <= 1e-6 * 0.5
    assert b.stability == "lost"  # stable at g = 0.9 (3 < 2 + 2g), not below 0.5
    # g must stay in [0, 1): the branch ends at the edge, with a reason
    assert "stopped at the edge of the map's domain" in br.status
    assert "g must lie in" in br.status
    assert 0.0 <= br.values.min() <= 1e-8


def test_continuation_approaches_the_domain_edge():
    # regression: a step that left the map's domain ended the branch at once
    # (eta: after one point; g: at 0.98125); it is now bisected to the edge
    F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.001, g=G, sigma=1.0))
    x0 = F.initial_state(Eq15().minima[0])
    br = optdyn.continuation(F, x0, "eta", direction=-1)
    assert len(br.values) >= 2 and 0.0 < br.values[-1] <= 1e-8
    assert br.status.startswith("stopped at the edge of the map's domain")
    assert "eta must be > 0" in br.status
    # the minimum is a fixed point for every eta
    assert np.max(np.abs(br.theta[:, 0] - Eq15().minima[0])) <= 1e-12

    F = F.with_params(eta=0.01)
    br = optdyn.continuation(F, x0, "g", param_range=(0.9, 1.5))
    assert 1.0 - 1e-8 <= br.values[-1] < 1.0
    assert np.all(np.diff(br.values) > 0)
    assert "g must lie in [0.0, 1.0)" in br.status
    # all of it inside the interval of g where the minimum is stable
    assert br.stable.all() and not br.bifurcations


def test_rmsprop_flip_uses_eta_over_sqrt_eps():
    # at the fixed point r = 0, so the step is eta / sqrt(eps) times the gradient
    from optdyn.optimizers import RMSPropSA

    F = optdyn.OptimizerMap(Quadratic([1.0]), RMSPropSA(eta=1e-5, g=G, sigma=0.0))
    sigma_c = optdyn.critical_sigma(F, [0.0])
    assert sigma_c == pytest.approx((1 + G) / (1e-5 / math.sqrt(1e-7)) - 0.5,
                                    rel=1e-14)
    br = optdyn.continuation(F, np.zeros(3), "sigma", param_range=(0.0, 100.0),
                             ds_max=1.0)
    (b,) = br.bifurcations
    assert b.kind == "flip" and abs(b.value - sigma_c) <= 1e-6 * sigma_c
    # the paper's RMSProp setting on Eq15 (eta = 0.1): never stable
    F = optdyn.OptimizerMap(Eq15(), RMSPropSA(eta=0.1, g=G, sigma=0.0))
    assert all(math.isnan(v) for v in optdyn.sigma_stability_interval(F))


def test_critical_sigma_without_a_stable_sigma_says_why():
    # regression: a bare NaN came back where a float was documented
    from optdyn.optimizers import RMSPropSA

    h_max = np.linalg.eigvalsh(Eq15().hessian(Eq15().minima[0]))[-1]
    F = optdyn.OptimizerMap(Eq15(), RMSPropSA(eta=0.1, g=G, sigma=1.0))
    a = 0.1 / math.sqrt(1e-7) * h_max
    with pytest.raises(ValueError, match=(
        r"no sigma makes the minimum .* stable: eta h_max / sqrt\(eps\) = "
        f"{a:.6g} >= 4 .*one exists for eta < {4 * math.sqrt(1e-7) / h_max:.6g}"
    )):
        optdyn.critical_sigma(F)
    # SuperNesterov: eta h_max >= 4, here with h = 4 / eta exactly
    F = optdyn.OptimizerMap(Quadratic([1.0]), SuperNesterov(eta=4.0, g=G, sigma=0.0))
    with pytest.raises(ValueError, match=r"eta h_max = 4 >= 4 .*eta < 4$"):
        optdyn.critical_sigma(F, [0.0])
    # just inside the bound the interval is a single point's neighbourhood
    F = F.with_params(eta=3.99)
    lower, upper = optdyn.sigma_stability_interval(F, [0.0])
    assert optdyn.critical_sigma(F, [0.0]) == upper
    assert upper == pytest.approx(1.9 / 3.99 - 0.5, rel=1e-14) and lower < upper


def test_neimark_sacker_below_the_stability_interval():
    k_eta = 0.2
    F = optdyn.OptimizerMap(Quadratic([1.0]),
                            SuperNesterov(eta=k_eta, g=G, sigma=0.0))
    br = optdyn.continuation(F, np.zeros(2), "sigma", direction=-1,
                             param_range=(-2.0, 0.0))
    (b,) = br.bifurcations
    lower, _ = optdyn.sigma_stability_interval(F, [0.0])
    assert b.kind == "neimark-sacker" and b.stability == "lost"
    assert abs(b.value - lower) <= 1e-6 * abs(lower)
    assert lower == pytest.approx(-(1 - G) / k_eta, rel=1e-14)
    # the critical pair: modulus 1, angle from 2 cos(angle) = trace
    trace = 1 + G - k_eta * (1 + lower)
    assert b.angle == pytest.approx(math.acos(trace / 2), abs=1e-6)


# -------------------------------------------------------------- Eq15


def test_eq15_flip_matches_hessian_prediction(eq15_branch):
    F = eq15_map()
    sigma_c = optdyn.critical_sigma(F)
    h = np.linalg.eigvalsh(Eq15().hessian(Eq15().minima[0]))
    assert sigma_c == pytest.approx((1 + G) / (0.01 * h[-1]) - 0.5, rel=1e-14)
    flip = eq15_branch.bifurcations[0]
    assert flip.kind == "flip" and flip.stability == "lost"
    assert abs(flip.value - sigma_c) <= 1e-6 * sigma_c
    assert flip.criticality == "supercritical"
    assert eq15_branch.stable[eq15_branch.values < sigma_c - 1e-6].all()
    assert not eq15_branch.stable[eq15_branch.values > sigma_c + 1e-6].any()


def test_eq15_two_cycle_is_stable_beyond_the_flip(eq15_branch):
    child = eq15_branch.bifurcations[0].child
    assert child.period == 2
    beyond = child.values > optdyn.critical_sigma(eq15_map()) + 1e-3
    assert beyond.sum() > 10 and child.stable[beyond].all()
    # the branch passes through the orbit the paper saw at sigma = 7
    i = np.argmin(np.abs(child.values - 7.0))
    cyc = optdyn.refine_orbit(eq15_map(7.0), child.states[i])
    assert cyc.converged and cyc.stable
    np.testing.assert_allclose(np.sort(cyc.theta[:, 0]), [0.95683, 1.00048],
                               atol=1e-5)


def test_short_reprs(eq15_branch):
    # regression: repr(Branch) printed ~20,000 characters of arrays
    text = repr(eq15_branch)
    assert len(text) < 400
    n = len(eq15_branch.values)
    assert text.startswith(f"Branch(period 1 in sigma, {n} points, sigma in [0, 8], ")
    assert ("flip of the period-1 orbit at sigma=4.19505368, supercritical, "
            "stability lost, child: period-2 branch of") in text
    assert text.endswith("status: reached sigma=8)")
    flip = eq15_branch.bifurcations[0]
    assert repr(flip).startswith("BifurcationPoint(flip of the period-1 orbit")
    assert len(repr(flip)) < 200
    child = repr(flip.child)
    assert child.startswith("Branch(period 2 in sigma, ") and len(child) < 400
    assert "status: lost stability at flip sigma=10.2598674" in child or (
        "status: reached sigma=8" in child)
    empty = optdyn.continuation(eq15_map(), [9.0, 9.0, 0.0, 0.0], "sigma",
                                tol=1e-300)
    assert repr(empty).startswith("Branch(period 1 in sigma, no points; status: ")
    d = optdyn.orbit_diagram(logistic(), "r", [2.8, 3.0, 3.2], [0.3],
                             n_transient=10, n_keep=4, start="carry")
    assert repr(d) == ("OrbitDiagram(r in [2.8, 3.2], 3 values, 4 samples of "
                       "1-component states each, carry start, 0 diverged)")


def test_branch_plot_and_json(eq15_branch):
    fig, ax = plt.subplots()
    artists = eq15_branch.plot(ax)
    lines = [a for a in artists if isinstance(a, plt.Line2D) and len(a.get_xdata()) > 1]
    # the minimum: solid (stable) up to the flip, dashed beyond; the 2-cycle:
    # one solid line per point of the cycle
    styles = [(line.get_color(), line.get_linestyle()) for line in lines]
    assert styles[:2] == [("C0", "-"), ("C0", "--")]
    assert [s for _, s in styles[2:]] == ["-", "-"]
    assert lines[0].get_xdata()[-1] == eq15_branch.bifurcations[0].value
    assert ax.get_xlabel() == "sigma" and ax.get_ylabel() == "theta1"
    plt.close(fig)
    text = json.dumps(eq15_branch.to_dict())
    back = json.loads(text)
    assert back["bifurcations"][0]["kind"] == "flip"
    assert back["children"][0]["period"] == 2


# ----------------------------------------------- failures and bad input


def test_initial_newton_failure_is_reported():
    F = eq15_map(2.0)
    br = optdyn.continuation(F, F.initial_state([1.6, 2.0]), "sigma",
                             param_range=(0.0, 4.0), tol=1e-300)
    assert len(br.values) == 0
    assert "initial Newton solve failed" in br.status
    assert "residual" in br.status


def test_continuation_bad_input():
    F = eq15_map(2.0)
    x0 = F.initial_state([1.69, 1.96])
    with pytest.raises(ValueError, match=r"'beta'.*valid names: eta, g, sigma"):
        optdyn.continuation(F, x0, "beta")
    with pytest.raises(ValueError, match=r"period must be an integer >= 1; got 0"):
        optdyn.continuation(F, x0, "sigma", period=0)
    with pytest.raises(ValueError, match=r"sigma=2.0 must lie in param_range"):
        optdyn.continuation(F, x0, "sigma", param_range=(3.0, 4.0))
    with pytest.raises(ValueError, match=r"x0 must be a state vector of length 4"):
        optdyn.continuation(F, [1.0, 2.0], "sigma")
    with pytest.raises(ValueError, match=r"direction must be 1 or -1"):
        optdyn.continuation(F, x0, "sigma", direction=0)


# --------------------------------------------------------- orbit diagram


def test_orbit_diagram_logistic():
    values = np.array([2.8, 3.2, 3.5])
    d = optdyn.orbit_diagram(logistic(), "r", values, [0.3], n_transient=3000,
                             n_keep=8)
    assert d.samples.shape == (3, 8, 1) and not d.diverged.any()
    np.testing.assert_allclose(d.samples[0, :, 0], 1 - 1 / 2.8, atol=1e-12)
    r = 3.2
    s = math.sqrt((r - 3) * (r + 1))
    np.testing.assert_allclose(np.unique(np.round(d.samples[1, :, 0], 10)),
                               np.round([(r + 1 - s) / (2 * r),
                                         (r + 1 + s) / (2 * r)], 10))
    assert len(np.unique(np.round(d.samples[2, :, 0], 8))) == 4  # a 4-cycle
    # joblib workers give the same numbers
    d2 = optdyn.orbit_diagram(logistic(), "r", values, [0.3], n_transient=3000,
                              n_keep=8, n_jobs=2)
    np.testing.assert_array_equal(d.samples, d2.samples)


def test_orbit_diagram_carry_and_divergence():
    F = logistic()
    d = optdyn.orbit_diagram(F, "r", [3.2, 3.3, 5.0, 3.1], [0.3], n_transient=0,
                             n_keep=30, start="carry")
    # carried over: each value starts from the previous value's last state
    step = F.with_params(r=3.3).step(np.array([d.samples[0, -1, 0]]))
    assert d.samples[1, 0, 0] == step[0]
    # r = 5 leaves [0, 1] and diverges; the chain restarts from x0
    assert d.diverged.tolist() == [False, False, True, False]
    assert np.isnan(d.samples[2]).all()
    assert d.samples[3, 0, 0] == F.with_params(r=3.1).step([0.3])[0]
    fig, ax = plt.subplots()
    d.plot(ax)
    assert ax.get_xlabel() == "r"
    plt.close(fig)
    with pytest.raises(ValueError, match=r"start must be one of"):
        optdyn.orbit_diagram(F, "r", [3.0], [0.3], start="warm")
    with pytest.raises(ValueError, match=r"kick must be a finite number >= 0; got -1"):
        optdyn.orbit_diagram(F, "r", [3.0], [0.3], kick=-1.0)


def test_orbit_diagram_kick_pushes_off_an_unstable_fixed_point():
    # x = 0 is a fixed point of the logistic map for every r, unstable for
    # r > 1; carried exactly onto it, the orbit never leaves
    F = logistic()
    args = (F, "r", [0.5, 3.2], [0.0])
    exact = optdyn.orbit_diagram(*args, n_transient=2000, n_keep=2, start="carry")
    assert np.all(exact.samples[1] == 0.0)
    kicked = optdyn.orbit_diagram(*args, n_transient=2000, n_keep=2, start="carry",
                                  kick=1e-9)
    r = 3.2
    s = math.sqrt((r - 3) * (r + 1))
    np.testing.assert_allclose(np.sort(kicked.samples[1, :, 0]),
                               [(r + 1 - s) / (2 * r), (r + 1 + s) / (2 * r)],
                               atol=1e-12)
    # the kick only moves carried states: the first value starts at x0
    assert np.all(kicked.samples[0] == 0.0)
    with pytest.raises(ValueError, match=r"'a'.*valid names: r"):
        optdyn.orbit_diagram(F, "a", [3.0], [0.3])
