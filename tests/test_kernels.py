"""The Numba kernels against plain-Python twins, threads, and vectorisation."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import optdyn
from optdyn import OptimizerMap
from optdyn.iterate import DIVERGED, MOVING, SETTLED
from optdyn.losses import Eq15, Quadratic
from optdyn.losses import _kernels as K
from optdyn.optimizers import GD, RMSPropSA, SuperNesterov

# ---------------------------------------------------------------- twins


def eq15_grad_py(x, y):
    """Eq. (15)'s gradient in plain Python, same operation order as the kernel."""
    a = x * x + 2.0 * y - 7.0
    c = 2.0 * x + y - 5.0
    x2 = x * x
    y2 = y * y
    return (4.0 * x * a + 4.0 * c + 6e-3 * (x2 * x2 * x),
            4.0 * a + 2.0 * c + 6e-3 * (y2 * y2 * y))


def sn_step_py(state, eta, g, sigma):
    t1, t2, m1, m2 = state
    g1, g2 = eq15_grad_py(t1 + sigma * m1, t2 + sigma * m2)
    m1 = g * m1 - eta * g1
    m2 = g * m2 - eta * g2
    return (t1 + m1, t2 + m2, m1, m2)


def ensemble_py(step, x0, max_steps, C, R, atol, rtol, bound, n_check):
    """The ensemble kernel's contract for one point, in plain Python.

    Test at every multiple of C: diverged if a component is non-finite or
    beyond bound; settled with the smallest p <= min(R, C - 1) such that
    max |x_t - x_{t-p}| <= atol + rtol max |x_t|.  Stop at max_steps.
    """
    x = tuple(float(v) for v in x0)  # Python floats: inf/NaN, no warnings
    recent = [x]
    for t in range(1, max_steps + 1):
        x = step(x)
        recent = (recent + [x])[-(R + 1):]
        if t % C == 0:
            if not all(abs(v) <= bound for v in x):
                return x, t, DIVERGED, 0
            scale = max(abs(v) for v in x[:n_check])
            tol = atol + rtol * scale
            for p in range(1, min(R, C - 1) + 1):
                prev = recent[-1 - p]
                if max(abs(a - b) for a, b in zip(x[:n_check], prev[:n_check])) <= tol:
                    return x, t, SETTLED, p
        if t == max_steps:
            if not all(abs(v) <= bound for v in x):
                return x, t, DIVERGED, 0
            return x, t, MOVING, 0


def test_loss_lane_kernel_equals_plain_python_bit_for_bit():
    rng = np.random.default_rng(3)
    Y = rng.uniform(-5, 5, (2, 17))
    G = np.empty_like(Y)
    for b in range(Y.shape[1]):
        K.eq15_grad_lane(Y, np.zeros(0), G, b)
        assert tuple(G[:, b]) == eq15_grad_py(Y[0, b], Y[1, b])


def test_trajectory_kernel_equals_plain_python_bit_for_bit():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=7.0))
    traj = optdyn.trajectory(F, F.initial_state([-1.0, -3.8]), 300)
    x = (-1.0, -3.8, 0.0, 0.0)
    for t in range(1, 301):
        x = sn_step_py(x, 0.01, 0.9, 7.0)
        assert tuple(traj[t]) == x


@pytest.mark.parametrize("sigma", [2.0, 7.0])
def test_ensemble_kernel_equals_plain_python_bit_for_bit(sigma):
    # Starts that settle on the minimum, on the 2-cycle, diverge, or run out.
    rng = np.random.default_rng(4)
    thetas = np.vstack([rng.uniform(-4, 5, (40, 2)), [[-1.0, -3.8], [4.9, -5.9]]])
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=sigma))
    X0 = np.zeros((len(thetas), 4))
    X0[:, :2] = thetas
    C, R, max_steps = 32, 8, 1000
    res = optdyn.ensemble(F, X0, max_steps, check_every=C, max_period=R)
    seen = set()
    for i, x0 in enumerate(X0):
        x, t, code, p = ensemble_py(
            lambda s: sn_step_py(s, 0.01, 0.9, sigma), x0, max_steps, C, R,
            1e-12, 1e-10, 1e10, 4,
        )
        assert res.status[i] == code
        assert res.steps[i] == t
        assert res.period[i] == p
        np.testing.assert_array_equal(res.final[i], x)
        seen.add((code, p))
    assert (SETTLED, 1 if sigma == 2.0 else 2) in seen
    assert (DIVERGED, 0) in seen


def test_ensemble_budget_not_a_multiple_of_check_interval():
    F = OptimizerMap(Quadratic([1.0]), GD(eta=1e-4))
    res = optdyn.ensemble(F, np.array([[1.0], [2.0]]), 45, check_every=32)
    # Slow contraction: still moving at the budget, stopped exactly there.
    assert list(res.status) == [MOVING, MOVING]
    assert list(res.steps) == [45, 45]
    np.testing.assert_allclose(res.final[:, 0], np.array([1.0, 2.0]) * (1 - 1e-4) ** 45,
                               rtol=1e-13)


def test_divergence_in_the_last_partial_check_window_is_reported():
    # From (5, -6) at sigma = 7 the orbit is NaN within 10 steps.
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=7.0))
    res = optdyn.ensemble(F, np.array([[5.0, -6.0, 0.0, 0.0]]), 10)
    assert res.status[0] == DIVERGED and res.steps[0] == 10
    out = optdyn.basins(F, optdyn.Grid((5, 5.1, 2), (-6, -5.9, 2)), 10)
    assert out.fractions["diverged"] == 1.0


def test_ensemble_results_do_not_depend_on_threads():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=7.0))
    grid = optdyn.Grid((-4, 5, 45), (-6, 6, 37))
    one = optdyn.basins(F, grid, 2000, n_threads=1)
    two = optdyn.basins(F, grid, 2000, n_threads=2)
    np.testing.assert_array_equal(one.labels, two.labels)
    np.testing.assert_array_equal(one.steps, two.steps)
    assert [a.name for a in one.attractors] == [a.name for a in two.attractors]


def test_rmsprop_ensemble_matches_trajectory():
    F = OptimizerMap(Eq15(), RMSPropSA(eta=0.1, g=0.9, sigma=2.0))
    X0 = np.array([F.initial_state([-1.0, -3.8]), F.initial_state([3.0, 0.5])])
    res = optdyn.ensemble(F, X0, 200, check_every=40)
    for i in range(2):
        traj = optdyn.trajectory(F, X0[i], int(res.steps[i]))
        np.testing.assert_array_equal(res.final[i], traj[-1])


def test_kernels_compile_lazily_and_are_vectorised(tmp_path):
    """Import compiles nothing; the compiled ensemble uses packed SIMD."""
    code = textwrap.dedent(
        """
        import re, numpy as np, numba
        import optdyn
        from optdyn.losses import Eq15
        from optdyn.optimizers import SuperNesterov
        F = optdyn.OptimizerMap(Eq15(), SuperNesterov(0.01, 0.9, 2.0))
        assert F._kernels_module is None          # nothing generated yet
        X0 = np.zeros((64, 4)); X0[:, 0] = np.linspace(-1, 1, 64)
        optdyn.ensemble(F, X0, 64)
        asm = "".join(F.kernels.ensemble.inspect_asm().values())
        print(len(re.findall(r"\\bv?mulpd\\b", asm)))
        """
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    packed = int(out.stdout.strip().splitlines()[-1])
    # Packed double multiplies (SSE2 mulpd or AVX vmulpd) in the step loop.
    assert packed >= 4, out.stdout + out.stderr


def test_ensemble_bad_input():
    F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    with pytest.raises(ValueError, match=r"X0 must have shape \(N, 4\)"):
        optdyn.ensemble(F, np.zeros((3, 2)), 10)
    with pytest.raises(ValueError, match="at least one initial state"):
        optdyn.ensemble(F, np.zeros((0, 4)), 10)
    with pytest.raises(ValueError, match="max_steps must be an integer >= 1"):
        optdyn.ensemble(F, np.zeros((1, 4)), 0)
    with pytest.raises(ValueError, match="check_every must exceed max_period=8"):
        optdyn.ensemble(F, np.zeros((1, 4)), 5, check_every=8)
    with pytest.raises(ValueError, match="n_threads must be an integer >= 1"):
        optdyn.ensemble(F, np.zeros((1, 4)), 5, n_threads=0)


def test_result_files_are_written_atomically_with_the_usual_mode(tmp_path):
    from optdyn._io import default_mode, write_json, write_npz

    p = write_json(tmp_path / "a" / "s.json", {"x": np.float64(1.5)})
    q = write_npz(tmp_path / "a" / "d.npz", labels=np.arange(3))
    assert p.read_text().strip().startswith("{")
    assert np.load(q)["labels"].tolist() == [0, 1, 2]
    for f in (p, q):
        assert (os.stat(f).st_mode & 0o777) == default_mode()
    assert sorted(x.name for x in (tmp_path / "a").iterdir()) == ["d.npz", "s.json"]


LOSS_TWINS = {
    "quadratic": (lambda t, p: [p[0] * t[0], p[1] * t[1]], np.array([0.7, 13.0])),
    "rosenbrock": (lambda t, p: [-2.0 * (p[0] - t[0]) - 4.0 * p[1] * t[0]
                                 * (t[1] - t[0] * t[0]),
                                 2.0 * p[1] * (t[1] - t[0] * t[0])],
                   np.array([1.0, 100.0])),
    "himmelblau": (lambda t, p: [4.0 * t[0] * (t[0] * t[0] + t[1] - 11.0)
                                 + 2.0 * (t[0] + t[1] * t[1] - 7.0),
                                 2.0 * (t[0] * t[0] + t[1] - 11.0)
                                 + 4.0 * t[1] * (t[0] + t[1] * t[1] - 7.0)],
                   np.zeros(0)),
}


@pytest.mark.parametrize("name", sorted(LOSS_TWINS))
def test_other_loss_lane_kernels_against_plain_python(name):
    twin, p = LOSS_TWINS[name]
    lane = getattr(K, f"{name}_grad_lane")
    rng = np.random.default_rng(5)
    Y = rng.uniform(-3, 3, (2, 9))
    G = np.zeros_like(Y)
    for b in range(Y.shape[1]):
        lane(Y, p, G, b)
        np.testing.assert_allclose(G[:, b], twin(Y[:, b], p), rtol=1e-14, atol=1e-12)


def test_census_matching_kernel_against_plain_python():
    from optdyn.basins import _near_any

    rng = np.random.default_rng(6)
    final = rng.normal(size=(200, 4))
    states = np.vstack([final[17] + 1e-7, final[123] - 3e-6, [9.0, 9, 9, 9]])
    got = _near_any(final, states, 1e-5)
    want = np.array([
        any(np.max(np.abs(f - s)) <= 1e-5 * (1 + np.max(np.abs(s))) for s in states)
        for f in final
    ])
    np.testing.assert_array_equal(got, want)
    assert got[17] and got[123] and got.sum() == 2
