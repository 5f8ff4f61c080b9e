"""The reference maps: Numba kernels against NumPy twins, closed-form orbits."""

import math

import numpy as np
import pytest

import optdyn
from optdyn.maps import (
    henon,
    henon_jacobian,
    henon_step,
    logistic,
    logistic_jacobian,
    logistic_step,
)

RNG = np.random.default_rng(3)


# plain-NumPy twins of the kernels
def logistic_twin(x, r):
    return np.array([r * x[0] * (1 - x[0])]), np.array([[r * (1 - 2 * x[0])]])


def henon_twin(x, a, b):
    step = np.array([1 - a * x[0] ** 2 + x[1], b * x[0]])
    jac = np.array([[-2 * a * x[0], 1.0], [b, 0.0]])
    return step, jac


def test_logistic_kernels_match_twin():
    for _ in range(20):
        x, r = RNG.uniform(-1, 2, 1), RNG.uniform(0, 4)
        step, jac = logistic_twin(x, r)
        p = np.array([r])
        np.testing.assert_allclose(logistic_step(x, p), step, rtol=1e-15)
        np.testing.assert_allclose(logistic_jacobian(x, p), jac, rtol=1e-15)


def test_henon_kernels_match_twin():
    for _ in range(20):
        x, a, b = RNG.uniform(-2, 2, 2), RNG.uniform(0, 2), RNG.uniform(-1, 1)
        step, jac = henon_twin(x, a, b)
        p = np.array([a, b])
        np.testing.assert_allclose(henon_step(x, p), step, rtol=1e-15)
        np.testing.assert_allclose(henon_jacobian(x, p), jac, rtol=1e-15)


@pytest.mark.parametrize("F", [logistic(r=3.7), henon(a=1.2, b=0.4)])
def test_jacobian_matches_finite_differences(F):
    x = RNG.uniform(-0.5, 0.5, F.dim)
    h = 1e-6
    fd = np.column_stack(
        [(F.step(x + h * e) - F.step(x - h * e)) / (2 * h) for e in np.eye(F.dim)]
    )
    np.testing.assert_allclose(F.jacobian(x), fd, atol=1e-8)


def test_maps_are_function_maps_with_named_params():
    F = henon()
    assert isinstance(F, optdyn.FunctionMap)
    assert F.params == {"a": 1.4, "b": 0.3}
    assert F.with_params(a=1.0).params == {"a": 1.0, "b": 0.3}
    with pytest.raises(ValueError, match="'c'.*valid names: a, b"):
        F.with_params(c=1.0)


def test_logistic_fixed_points_and_multipliers():
    r = 2.7
    found = optdyn.fixed_points(logistic(r=r), [(-0.5, 1.5)])
    xs = [o.points[0, 0] for o in found]
    np.testing.assert_allclose(xs, [0.0, 1 - 1 / r], atol=1e-13)
    # multipliers r (at 0) and 2 - r (at 1 - 1/r)
    np.testing.assert_allclose(
        [o.multipliers[0].real for o in found], [r, 2 - r], rtol=1e-12
    )
    assert [o.stable for o in found] == [False, True]


def test_henon_fixed_points_in_closed_form():
    a, b = 1.4, 0.3
    found = optdyn.fixed_points(henon(a=a, b=b), [(-3, 3), (-3, 3)])
    disc = math.sqrt((1 - b) ** 2 + 4 * a)
    xs = sorted([(b - 1 - disc) / (2 * a), (b - 1 + disc) / (2 * a)])
    assert len(found) == 2
    for orbit, x in zip(found, xs):
        np.testing.assert_allclose(orbit.points[0], [x, b * x], atol=1e-13)
        lam = sorted([-a * x + math.sqrt(a * a * x * x + b),
                      -a * x - math.sqrt(a * a * x * x + b)])
        np.testing.assert_allclose(sorted(orbit.multipliers.real), lam, rtol=1e-12)
        assert np.all(orbit.multipliers.imag == 0)
        assert not orbit.stable  # both saddles at the classic parameters
    # the known values at (1.4, 0.3)
    np.testing.assert_allclose(xs, [-1.1313544770895, 0.6313544770895], atol=1e-12)


@pytest.mark.parametrize(
    "module",
    ["maps", "orbits", "spectra", "continuation", "orbit_diagram", "stability"],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"optdyn.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
