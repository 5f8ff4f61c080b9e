"""Time-scale fits and the fitted sigma*."""

import numpy as np
import pytest

from optdyn import fit_timescale, fitted_sigma_star
from optdyn import quadratic as q
from optdyn.fitting import quadratic_fitted_sigma_star


def test_recovers_an_exact_damped_cosine():
    t = np.arange(300)
    fit = fit_timescale(2.0 * np.exp(-t / 17.0) * np.cos(0.21 * t - 0.7))
    assert fit.success
    assert fit.T == pytest.approx(17.0, rel=1e-8)
    assert fit.omega == pytest.approx(0.21, rel=1e-8)
    assert fit.delta == pytest.approx(-0.7, abs=1e-7)
    assert fit.amplitude == pytest.approx(2.0, rel=1e-7)
    assert fit.rms < 1e-10
    np.testing.assert_allclose(
        fit.predict(t[:50]),
        2.0 * np.exp(-t[:50] / 17.0) * np.cos(0.21 * t[:50] - 0.7),
        atol=1e-9,
    )


def test_fits_a_critically_damped_orbit_exactly():
    # (1 + t/5) e^(-t/5): omega = 0 in the model's smooth continuation
    t = np.arange(200.0)
    fit = fit_timescale((1 + t / 5) * np.exp(-t / 5))
    assert fit.success and fit.T == pytest.approx(5.0, rel=1e-6)
    assert fit.omega < 1e-4


def test_window_covers_the_initial_relaxation():
    t = np.arange(400)
    y = np.exp(-t / 10.0)
    fit = fit_timescale(y, window=1e-2)
    # the envelope first drops below 1e-2 at t = ceil(10 ln 100) = 47
    assert fit.n_points == 47


def test_exponential_model_averages_over_oscillations():
    t = np.arange(600)
    y = np.exp(-t / 30.0) * np.cos(0.5 * t)
    fit = fit_timescale(y, model="exponential")
    assert fit.success and fit.model == "exponential"
    # the upper envelope decays at the same rate; its peaks sit on e^(-t/T)
    assert fit.T == pytest.approx(30.0, rel=0.02)


def test_linear_map_orbits_give_the_exact_timescale_when_underdamped():
    for k_eta, sigma in [(0.01, 4.0), (0.05, 2.0), (0.2, 1.0)]:
        y = q.iterate(k_eta, 0.9, sigma, 400)
        fit = fit_timescale(y)
        assert fit.T == pytest.approx(float(q.timescale(k_eta, 0.9, sigma)), rel=1e-7)


@pytest.mark.parametrize(
    "data, reason",
    [
        ([1.0, 0.5, 0.2], "at least 4"),
        ([1.0, np.nan, 0.1, 0.0, 0.1], "diverged"),
        (np.exp(np.arange(100) / 10.0), "does not decay"),
        (np.zeros(10), "theta_0 = 0"),
    ],
)
def test_failures_are_reported_not_raised(data, reason):
    fit = fit_timescale(data)
    assert not fit.success and reason in fit.message
    assert np.isnan(fit.T)
    assert np.all(np.isnan(fit.predict(np.arange(3))))


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="model"):
        fit_timescale(np.ones(10), model="gaussian")
    with pytest.raises(ValueError, match="window"):
        fit_timescale(np.ones(10), window=2.0)
    with pytest.raises(ValueError, match="theta"):
        fit_timescale(np.ones((3, 3)))
    with pytest.raises(ValueError, match="sigmas"):
        fitted_sigma_star(lambda s: np.ones(5), [1.0, 2.0])


@pytest.mark.parametrize("k_eta", [0.01, 0.02, 0.05, 0.1, 0.2, 0.3])
def test_fitted_sigma_star_matches_the_exact_one(k_eta):
    # The fitted model is exact for underdamped and critically damped orbits
    # of a linear map, so left of sigma* the fitted T is the exact T, which
    # falls; right of it the initial-relaxation T rises.  The minimiser is
    # therefore sigma* itself, up to the bounded search's xatol (1e-6 sigma*)
    # and the fit's convergence: 1e-4 relative leaves a wide margin.
    exact = float(q.optimal_sigma(k_eta, 0.9))
    res = quadratic_fitted_sigma_star(k_eta, 0.9, n_sigma=21)
    assert not res.at_edge and res.n_failed == 0
    assert res.sigma_star == pytest.approx(exact, rel=1e-4)
    assert res.T_star == pytest.approx(float(q.timescale(k_eta, 0.9, exact)), rel=1e-4)


def test_fitted_sigma_star_flags_a_minimum_at_the_grid_edge():
    res = quadratic_fitted_sigma_star(0.05, 0.9, sigmas=np.linspace(0, 3, 7))
    assert res.at_edge and res.sigma_star == 3.0
