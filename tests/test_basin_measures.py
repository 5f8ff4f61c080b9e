"""Basin entropy, boundary basin entropy, uncertainty exponent, fractal test."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from optdyn import (
    basin_entropies,
    basin_entropy,
    boundary_basin_entropy,
    fractal_boundary_test,
    uncertainty_exponent,
)
from optdyn.basin_measures import LN2, uncertain_fraction

N = 512
ROW, COL = np.indices((N, N))


def weierstrass_basins(D, n=1024, b=3.0):
    """Two basins split by the graph of a Weierstrass function of box
    dimension D (so the boundary's uncertainty exponent is 2 - D)."""
    x = np.linspace(0.0, 1.0, n)
    W = sum(b ** (-k * (2 - D)) * np.cos(2 * np.pi * b**k * x) for k in range(20))
    W = W / (W.max() - W.min())
    y = np.linspace(-0.7, 0.7, n)
    return (y[:, None] > W[None, :]).astype(int)


def test_single_basin_has_zero_entropy():
    ent = basin_entropies(np.zeros((50, 50), dtype=int))
    assert ent.S_b == 0 and ent.S_bb == 0 and ent.n_boundary_boxes == 0
    assert not fractal_boundary_test(np.zeros((64, 64), dtype=int)).fractal


def test_straight_boundary():
    straight = (COL >= 200).astype(int)  # a boundary between columns 199 and 200
    ent = basin_entropies(straight)
    assert ent.S_b == 0.0 and ent.n_boundary_boxes == 0  # aligned with the boxes
    shifted = (COL >= 202).astype(int)  # cuts one column of boxes 2 : 3
    ent = basin_entropies(shifted)
    p = np.array([2 / 5, 3 / 5])
    assert ent.S_bb == pytest.approx(-(p * np.log(p)).sum(), rel=1e-14)
    assert ent.S_b == pytest.approx(ent.S_bb / (N // 5), rel=1e-14)
    # f(k) = 2k / (interior width): exactly linear, alpha = 1
    u = uncertainty_exponent(straight)
    assert u.alpha == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(u.fraction, 2 * u.offsets / (N - 2 * u.offsets[-1]))
    assert not fractal_boundary_test(straight).fractal


def test_tilted_smooth_boundary_is_not_fractal():
    tilted = (ROW + 0.37 * COL > 300).astype(int)
    ent = basin_entropies(tilted)
    assert ent.S_bb < LN2 and ent.S_b < 0.01
    assert uncertainty_exponent(tilted).alpha == pytest.approx(1.0, abs=0.02)
    assert not fractal_boundary_test(tilted).fractal


def test_checkerboard_entropies():
    checker = (ROW + COL) % 2
    ent = basin_entropies(checker, box=4)  # 8 of each colour per box
    assert ent.S_b == pytest.approx(math.log(2), rel=1e-15)
    assert ent.S_bb == pytest.approx(math.log(2), rel=1e-15)
    p = np.array([12 / 25, 13 / 25])  # odd boxes: 12 : 13
    assert basin_entropy(checker) == pytest.approx(-(p * np.log(p)).sum(), rel=1e-14)
    assert boundary_basin_entropy(checker) == basin_entropy(checker)


def test_random_basins_are_riddled():
    labels = np.random.default_rng(0).integers(0, 3, (N, N))
    ent = basin_entropies(labels)
    assert ent.S_b == pytest.approx(math.log(3), abs=0.06)  # 25-sample bias
    assert ent.fractal  # S_bb > ln 2
    u = uncertainty_exponent(labels)
    assert abs(u.alpha) < 0.01  # every start is uncertain at every scale
    assert fractal_boundary_test(labels).by_entropy


def test_weierstrass_boundary_dimension():
    labels = weierstrass_basins(1.5)
    u = uncertainty_exponent(labels)
    # 2 - D = 0.5; the grid resolves eight octaves, 0.1 absorbs the bias
    assert u.alpha == pytest.approx(0.5, abs=0.1)
    assert u.dimension == pytest.approx(1.5, abs=0.1)
    t = fractal_boundary_test(labels)
    assert t.fractal and t.by_exponent and not t.by_entropy


def test_accepts_a_basin_result_and_uses_its_spacing():
    labels = (COL >= 200).astype(int)
    res = SimpleNamespace(
        labels=labels, x=np.linspace(0, 5.11, N), y=np.linspace(0, 5.11, N)
    )
    u = uncertainty_exponent(res)
    np.testing.assert_allclose(u.eps, u.offsets * 0.01)
    assert u.alpha == pytest.approx(1.0, abs=1e-12)
    assert basin_entropy(res) == basin_entropy(labels)


def test_exclude_drops_boxes_and_starts():
    labels = (COL >= 202).astype(int)
    labels[:, :5] = -2  # a strip of unresolved starts
    full = basin_entropies(labels)
    excl = basin_entropies(labels, exclude=(-2,))
    assert excl.n_boxes == full.n_boxes - N // 5
    f = uncertain_fraction(labels, 1, 8, exclude=(-2,))
    assert f == pytest.approx(2 / (N - 16))


def test_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        basin_entropy(np.zeros(10, dtype=int))
    with pytest.raises(ValueError, match="box"):
        basin_entropy(np.zeros((4, 4), dtype=int), box=5)
    with pytest.raises(ValueError, match="box"):
        basin_entropy(np.zeros((40, 40), dtype=int), box=1)
    with pytest.raises(ValueError, match="offsets"):
        uncertainty_exponent(np.zeros((40, 40), dtype=int), offsets=[0])
    with pytest.raises(ValueError, match="offsets"):
        uncertainty_exponent(np.zeros((40, 40), dtype=int), offsets=[25])
    with pytest.raises(ValueError, match="integers"):
        basin_entropy(np.full((10, 10), 0.5))
