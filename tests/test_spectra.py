"""Jacobian spectra and Lyapunov exponents against closed forms."""

import math

import numpy as np
import pytest

import optdyn
from optdyn.losses import Quadratic
from optdyn.maps import henon, logistic
from optdyn.optimizers import GD, HeavyBall, Nesterov, SuperNesterov
from optdyn.spectra import clean_eigenvalues

G = 0.9


def quad_map(k_eta, sigma, g=G):
    return optdyn.OptimizerMap(Quadratic([1.0]),
                               SuperNesterov(eta=k_eta, g=g, sigma=sigma))


def char_roots(k_eta, sigma, g=G):
    """Roots of lambda^2 - (1 + g - k eta (1 + sigma)) lambda + g - k eta sigma."""
    b = 1 + g - k_eta * (1 + sigma)
    c = g - k_eta * sigma
    return np.roots([1.0, -b, c])


def by_modulus(z):
    z = np.asarray(z, dtype=complex)
    return z[np.lexsort((-z.imag, -z.real, -np.abs(z)))]


@pytest.mark.parametrize("k_eta", [0.01, 0.1, 0.5, 1.5])
@pytest.mark.parametrize("sigma", [-0.5, 0.0, 0.9, 3.0, 8.0])
def test_multipliers_are_characteristic_roots(k_eta, sigma):
    F = quad_map(k_eta, sigma)
    lam = optdyn.jacobian_spectrum(F, F.initial_state([0.3]))
    np.testing.assert_allclose(lam, by_modulus(char_roots(k_eta, sigma)),
                               atol=1e-7)


@pytest.mark.parametrize(
    "opt, roots",
    [
        (GD(eta=0.3), lambda a: [1 - a]),
        (HeavyBall(eta=0.3, g=G), lambda a: np.roots([1, -(1 + G - a), G])),
        (Nesterov(eta=0.3, g=G),
         lambda a: np.roots([1, -(1 + G - a * (1 + G)), G - a * G])),
    ],
)
def test_other_methods_match_their_polynomials(opt, roots):
    k = 2.5
    F = optdyn.OptimizerMap(Quadratic([k]), opt)
    lam = optdyn.jacobian_spectrum(F, np.zeros(F.dim))
    np.testing.assert_allclose(lam, by_modulus(roots(0.3 * k)), atol=1e-12)


@pytest.mark.parametrize("k_eta", [0.01, 0.2, 0.7])
def test_critical_damping_is_a_real_double_root(k_eta):
    # b^2 = 4c at c = (1 - sqrt(k eta))^2: the defective double root
    # 1 - sqrt(k eta).  Rounding splits it by ~1e-8; that must not read as a
    # complex pair.
    s = math.sqrt(k_eta)
    sigma_star = (G - (1 - s) ** 2) / k_eta
    F = quad_map(k_eta, sigma_star)
    lam = optdyn.jacobian_spectrum(F, np.zeros(2))
    assert np.all(lam.imag == 0.0)
    np.testing.assert_allclose(lam.real, 1 - s, atol=1e-7)
    # a visible step into the oscillating side is complex, and not snapped
    lam_c = optdyn.jacobian_spectrum(quad_map(k_eta, sigma_star * (1 - 1e-3)),
                                     np.zeros(2))
    assert np.all(np.abs(lam_c.imag) > 1e-5)
    # a step into the overdamped side is two distinct reals
    lam_r = optdyn.jacobian_spectrum(quad_map(k_eta, sigma_star * (1 + 1e-3)),
                                     np.zeros(2))
    assert np.all(lam_r.imag == 0) and lam_r[0].real - lam_r[1].real > 1e-5


def test_clean_eigenvalues_sorting_and_tolerance():
    M = np.diag([0.5, -2.0, 1.0])
    np.testing.assert_array_equal(clean_eigenvalues(M), [-2.0, 1.0, 0.5])
    rot = np.array([[0.0, -1e-9], [1e-9, 0.0]])  # +- 1e-9 i: noise
    assert np.all(clean_eigenvalues(rot).imag == 0)
    assert np.all(clean_eigenvalues(rot, imag_tol=0.0).imag != 0)


def test_cycle_spectrum_is_monodromy():
    r = 3.2
    F = logistic(r=r)
    cycle = optdyn.periodic_orbits(F, 2, [(0, 1)])[0]
    lam = optdyn.jacobian_spectrum(F, cycle.points)
    np.testing.assert_allclose(lam.real, [4 + 2 * r - r * r], rtol=1e-12)
    with pytest.raises(ValueError, match=r"x must have shape \(1,\) or \(p, 1\)"):
        optdyn.jacobian_spectrum(F, np.zeros((2, 3)))


# ------------------------------------------------------------ Lyapunov


def test_lyapunov_logistic_fully_chaotic():
    res = optdyn.lyapunov_spectrum(logistic(r=4.0), [0.3], 40000, n_transient=100)
    assert res.kind == "chaotic"
    assert abs(res.max_exponent - math.log(2)) < 0.01


def test_lyapunov_henon():
    res = optdyn.lyapunov_spectrum(henon(), [0.1, 0.1], 30000, n_transient=500)
    assert res.kind == "chaotic"
    # det J = -b everywhere, so the sum is log b to rounding
    assert abs(res.exponents.sum() - math.log(0.3)) < 1e-10
    assert abs(res.exponents[0] - 0.4192) < 0.01  # the literature's 0.419


@pytest.mark.parametrize("k_eta, sigma", [(0.1, 0.0), (0.1, 2.0), (0.1, 6.0)])
def test_lyapunov_of_linear_map_is_log_eigenvalue_moduli(k_eta, sigma):
    F = quad_map(k_eta, sigma)
    res = optdyn.lyapunov_spectrum(F, F.initial_state([1.0]), 400, n_transient=0)
    expected = np.sort(np.log(np.abs(char_roots(k_eta, sigma))))[::-1]
    np.testing.assert_allclose(res.exponents, expected, atol=0.02)
    # converging to the minimum: named by the repeat test or the sign
    assert res.kind in ("fixed point", "converging")


def test_lyapunov_names_orbits():
    # periodic: the logistic 2-cycle
    res = optdyn.lyapunov_spectrum(logistic(r=3.2), [0.3], 2000)
    assert res.kind == "periodic" and res.period == 2
    assert abs(res.max_exponent - 0.5 * math.log(abs(4 + 6.4 - 3.2 ** 2))) < 1e-6
    # fixed point
    res = optdyn.lyapunov_spectrum(logistic(r=2.5), [0.3], 2000)
    assert res.kind == "fixed point" and res.period == 1
    assert abs(res.max_exponent - math.log(0.5)) < 1e-6
    # quasi-periodic: the quadratic map on its Neimark-Sacker boundary,
    # sigma = -(1 - g) / (k eta), where both multipliers have modulus 1
    k_eta = 0.1
    F = quad_map(k_eta, -(1 - G) / k_eta)
    res = optdyn.lyapunov_spectrum(F, F.initial_state([1.0]), 5000, n_transient=0)
    assert res.kind == "quasi-periodic"
    np.testing.assert_allclose(res.exponents, 0.0, atol=1e-3)
    # diverged: gradient descent beyond eta k = 2
    F = optdyn.OptimizerMap(Quadratic([1.0]), GD(eta=2.5))
    res = optdyn.lyapunov_spectrum(F, [1.0], 200, n_transient=0)
    assert res.kind == "diverged" and np.all(np.isnan(res.exponents))


def test_lyapunov_repr_is_short():
    res = optdyn.lyapunov_spectrum(logistic(r=3.2), [0.3], 2000)
    assert repr(res) == (
        f"LyapunovResult(periodic, period 2, exponents per step "
        f"[{res.exponents[0]:.4f}], over 2000 steps after 1000)"
    )
    F = optdyn.OptimizerMap(Quadratic([1.0, 2.0, 3.0]), SuperNesterov(0.1, G, 1.0))
    res = optdyn.lyapunov_spectrum(F, F.initial_state([1.0, 1.0, 1.0]), 50,
                                   n_transient=0)
    assert len(repr(res)) < 150 and "... 2 more]" in repr(res)


def test_lyapunov_bad_input():
    with pytest.raises(ValueError, match="n_steps must be an integer >= 1; got 0"):
        optdyn.lyapunov_spectrum(logistic(), [0.3], 0)
    with pytest.raises(ValueError, match="x0 must be a state vector of length 1"):
        optdyn.lyapunov_spectrum(logistic(), [0.3, 0.2], 10)
