"""Relaxation time scales fitted to trajectories, as the paper measures them.

The paper identifies the iteration count i with time t and fits

    theta_i ~ A e^(-t/T) cos(omega t + delta)

to the iterates; the σ minimising the fitted T is its "fitted σ*".  Here
the same family is written as

    theta(t) = e^(-t/T) (P cos(omega t) + R sin(omega t) / omega),

which equals A e^(-t/T) cos(omega t + delta) for omega > 0 and stays
smooth as omega -> 0, where it becomes (P + R t) e^(-t/T), the critically
damped solution.  Fits therefore converge at and across critical damping.

In the underdamped regime the model is exact for a linear map.  In the
overdamped regime (two real decay rates) it is not: omega sits at its
bound 0 and T measures the *initial relaxation* over the fitted window, as
the paper used in its Figure 1.  The window runs from the start until the
envelope of |theta| first stays below ``window`` times its initial value
(1e-2 by default), so least squares weighs the early decay, as a fit on a
linear scale does.

For RMSProp, whose iterates are not of this form, the paper fits
A e^(-t/T) to |theta_i| (``model="exponential"``).
"""

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._validation import check_in_range

logger = logging.getLogger(__name__)

MODELS = ("oscillatory", "exponential")


@dataclass(frozen=True)
class TimescaleFit:
    """The outcome of :func:`fit_timescale`.

    Attributes
    ----------
    T : float
        Fitted relaxation time (steps); NaN when the fit failed.
    omega : float
        Angular frequency per step (0 for the exponential model, and at or
        beyond critical damping).
    delta : float
        Phase, where defined (omega > 0); NaN otherwise.
    amplitude : float
        A in A e^(-t/T) cos(omega t + delta) (or P when omega = 0).
    model : str
        'oscillatory' or 'exponential'.
    success : bool
        False when the fit could not be carried out; ``message`` says why.
    message : str
    n_points : int
        Number of points fitted (the window).
    rms : float
        Root-mean-square residual over the window, relative to |theta_0|.
    params : ndarray
        Raw parameters: (P, R, T, omega) or (A, T).
    """

    T: float
    omega: float
    delta: float
    amplitude: float
    model: str
    success: bool
    message: str
    n_points: int
    rms: float
    params: np.ndarray = field(repr=False)

    def predict(self, t):
        """The fitted curve at times ``t`` (NaN everywhere for a failed fit)."""
        t = np.asarray(t, dtype=np.float64)
        if not self.success:
            return np.full(t.shape, np.nan)
        if self.model == "exponential":
            return _exp_model(t, *self.params)
        return _osc_model(t, *self.params)


def _sinc_t(omega, t):
    # sin(omega t) / omega, continued to t at omega = 0
    if abs(omega) < 1e-8:
        x = omega * t
        return t * (1.0 - x * x / 6.0)
    return np.sin(omega * t) / omega


def _osc_model(t, P, R, T, omega):
    return np.exp(-t / T) * (P * np.cos(omega * t) + R * _sinc_t(omega, t))


def _exp_model(t, A, T):
    return A * np.exp(-t / T)


def _window_end(y, window):
    """Index one past the last point before the envelope falls below window."""
    envelope = np.maximum.accumulate(np.abs(y)[::-1])[::-1]
    below = np.flatnonzero(envelope < window * abs(y[0]))
    return int(below[0]) if below.size else y.shape[0]


def _prony_guess(y):
    """T and omega from the best two-term linear recurrence through y."""
    M = np.column_stack([y[1:-1], y[:-2]])
    coef = np.linalg.lstsq(M, y[2:], rcond=None)[0]
    lam = np.roots([1.0, -coef[0], -coef[1]])
    if np.iscomplexobj(lam) and abs(lam[0].imag) > 0:
        rho, omega = abs(lam[0]), abs(np.angle(lam[0]))
    else:
        lam = np.real(lam)
        rho, omega = np.sqrt(abs(lam[0] * lam[1])), 1e-3
    rho = min(max(rho, 1e-12), 1.0 - 1e-9)
    T = min(max(-1.0 / np.log(rho), 1e-3), 1e6)
    return T, min(omega, np.pi - 1e-6)


def _failed(model, message, n):
    logger.info("fit_timescale failed: %s", message)
    return TimescaleFit(
        np.nan,
        np.nan,
        np.nan,
        np.nan,
        model,
        False,
        message,
        n,
        np.nan,
        np.full(4 if model == "oscillatory" else 2, np.nan),
    )


def fit_timescale(theta, model="oscillatory", window=None, maxfev=2000):
    """Fit a relaxation time T to the iterates theta_0, theta_1, ... .

    ``model="oscillatory"``: theta_i = e^(-i/T) (P cos(omega i)
    + R sin(omega i)/omega), i.e. A e^(-i/T) cos(omega i + delta), with
    0 <= omega <= pi.  ``model="exponential"``: |theta_i| = A e^(-i/T)
    (the paper's fit for RMSProp).  The initial guess comes from the best
    two-term linear recurrence through the data (Prony's method), which is
    exact for a linear two-dimensional map.

    Parameters
    ----------
    theta : array_like of shape (n,)
        One coordinate along an orbit, theta_0 first; at least 4 finite
        points before the window ends.
    model : {'oscillatory', 'exponential'}
    window : float, optional
        Fit the points until the envelope of |theta| falls below
        ``window * |theta_0|`` (0 < window < 1): the initial relaxation.
        Default 1e-2 for the oscillatory model (a linear-scale fit sees
        little below that), 1e-6 for the exponential one (a log-scale fit).
    maxfev : int, default 2000
        Evaluation budget of scipy's ``curve_fit``.

    Returns
    -------
    TimescaleFit
        ``success`` is False (and ``message`` says why) when the data are
        too short, not finite, not decaying, or the optimiser failed;
        nothing is raised for such data.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(200)
    >>> fit = fit_timescale(np.exp(-t / 12.5) * np.cos(0.3 * t + 0.2))
    >>> round(fit.T, 6), round(fit.omega, 6)
    (12.5, 0.3)
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    if window is None:
        window = 1e-2 if model == "oscillatory" else 1e-6
    window = check_in_range("window", window, 0.0, 1.0, lo_open=True, hi_open=True)
    y = np.asarray(theta, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"theta must be a 1-D array; got shape {y.shape}")

    # data checks: failures are results, not exceptions
    if y.shape[0] < 4:
        return _failed(model, f"need at least 4 points; got {y.shape[0]}", y.shape[0])
    finite = np.isfinite(y)
    if not finite.all():
        y = y[: int(np.argmin(finite))]
        if y.shape[0] < 4:
            return _failed(model, "orbit not finite (diverged) within 4 steps", 0)
    if y[0] == 0.0:
        return _failed(model, "theta_0 = 0: nothing to relax", y.shape[0])
    if model == "exponential":
        # stop at the first drop below the window: adaptive methods may
        # relax and later grow again (RMSProp once r has decayed)
        below = np.flatnonzero(np.abs(y) < window * abs(y[0]))
        if below.size:
            y = y[: int(below[0]) + 1]
    end = max(_window_end(y, window), 4)
    if end == y.shape[0] and abs(y[-1]) >= abs(y[0]):
        return _failed(
            model,
            f"orbit does not decay: |theta| {abs(y[0]):.3g} -> "
            f"{abs(y[-1]):.3g} over {end} steps",
            end,
        )
    t = np.arange(end, dtype=np.float64)
    y = y[:end]

    with warnings.catch_warnings():
        from scipy.optimize import OptimizeWarning

        warnings.simplefilter("ignore", OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            if model == "exponential":
                return _fit_exponential(t, y, maxfev)
            return _fit_oscillatory(t, y, maxfev)
        except (RuntimeError, ValueError, np.linalg.LinAlgError) as exc:
            return _failed(model, f"curve_fit: {exc}", end)


def _fit_oscillatory(t, y, maxfev):
    T0, omega0 = _prony_guess(y)
    decay = np.exp(-1.0 / T0)
    P0 = y[0]
    R0 = (y[1] / decay - P0 * np.cos(omega0)) / _sinc_t(omega0, 1.0)
    from scipy.optimize import curve_fit

    p, _ = curve_fit(
        _osc_model,
        t,
        y,
        p0=[P0, R0, T0, omega0],
        bounds=([-np.inf, -np.inf, 1e-6, 0.0], [np.inf, np.inf, np.inf, np.pi]),
        maxfev=maxfev,
    )
    P, R, T, omega = (float(v) for v in p)
    if omega > 1e-8:
        amplitude = float(np.hypot(P, R / omega))
        delta = float(np.arctan2(-R / omega, P))
    else:
        amplitude, delta = P, np.nan
    rms = float(np.sqrt(np.mean((_osc_model(t, *p) - y) ** 2)) / abs(y[0]))
    return TimescaleFit(
        T, omega, delta, amplitude, "oscillatory", True, "ok", t.shape[0], rms, p
    )


def _fit_exponential(t, y, maxfev):
    # upper envelope of |theta| (max over the future): averages out the
    # oscillations; fitted on a log scale from its last peak onwards
    env = np.maximum.accumulate(np.abs(y)[::-1])[::-1]
    start = int(np.flatnonzero(env == env[0])[-1])
    t, env = t[start:], env[start:]
    if t.shape[0] < 3 or env[-1] <= 0:
        return _failed("exponential", "envelope too short to fit", t.shape[0])
    slope, intercept = np.polyfit(t, np.log(env), 1)
    from scipy.optimize import curve_fit

    p, _ = curve_fit(
        _log_exp_model, t, np.log(env), p0=[intercept, slope], maxfev=maxfev
    )
    if p[1] >= 0:
        return _failed(
            "exponential", f"|theta| does not decay (rate {p[1]:.3g})", t.shape[0]
        )
    A, T = float(np.exp(p[0])), float(-1.0 / p[1])
    fitted = _exp_model(t, A, T)
    rms = float(np.sqrt(np.mean((fitted - env) ** 2)) / abs(y[0]))
    return TimescaleFit(
        T,
        0.0,
        np.nan,
        A,
        "exponential",
        True,
        "ok",
        t.shape[0],
        rms,
        np.array([A, T]),
    )


def _log_exp_model(t, log_A, rate):
    return log_A + rate * t


# ------------------------------------------------------------ fitted sigma*


@dataclass(frozen=True)
class SigmaStarFit:
    """The sigma minimising a fitted time scale (the paper's "fitted σ*").

    Attributes
    ----------
    sigma_star : float
        Minimiser of the fitted T (refined between grid neighbours when
        ``refine``); NaN when no fit on the grid succeeded.
    T_star : float
        Fitted T there.
    sigmas, T : ndarray of shape (n,)
        The grid and the fitted T on it (NaN where the fit failed).
    n_failed : int
        Grid points whose fit failed.
    at_edge : bool
        True when the minimum sits at an end of the grid: the true minimiser
        may lie outside it.
    """

    sigma_star: float
    T_star: float
    sigmas: np.ndarray
    T: np.ndarray
    n_failed: int
    at_edge: bool


def fitted_sigma_star(
    theta_of_sigma, sigmas, model="oscillatory", window=None, refine=True
):
    """The sigma whose trajectory has the smallest fitted time scale.

    Parameters
    ----------
    theta_of_sigma : callable
        ``theta_of_sigma(sigma) -> ndarray of shape (n,)``, the coordinate
        to fit along the orbit for that sigma.
    sigmas : array_like of shape (n_sigma,)
        Grid to search, at least 3 increasing values.
    model, window
        As for :func:`fit_timescale`.
    refine : bool, default True
        Polish the grid minimum by a bounded scalar minimisation between its
        neighbours (the fitted T has a kink at critical damping, which
        bounded Brent handles).

    Returns
    -------
    SigmaStarFit
    """
    sigmas = np.asarray(sigmas, dtype=np.float64)
    if sigmas.ndim != 1 or sigmas.shape[0] < 3:
        raise ValueError(
            f"sigmas must be a 1-D grid of at least 3 values; got shape {sigmas.shape}"
        )
    if not np.all(np.diff(sigmas) > 0):
        raise ValueError("sigmas must be strictly increasing")

    def T_of(s):
        return fit_timescale(theta_of_sigma(float(s)), model, window).T

    T = np.array([T_of(s) for s in sigmas])
    n_failed = int(np.count_nonzero(~np.isfinite(T)))
    if n_failed == T.shape[0]:
        return SigmaStarFit(np.nan, np.nan, sigmas, T, n_failed, False)
    i = int(np.nanargmin(T))
    at_edge = i in (0, sigmas.shape[0] - 1)
    s_best, T_best = float(sigmas[i]), float(T[i])
    if refine and not at_edge:
        from scipy.optimize import minimize_scalar

        res = minimize_scalar(
            lambda s: np.inf if not np.isfinite(v := T_of(s)) else v,
            bounds=(sigmas[i - 1], sigmas[i + 1]),
            method="bounded",
            options={"xatol": 1e-6 * max(1.0, abs(s_best))},
        )
        if np.isfinite(res.fun) and res.fun <= T_best:
            s_best, T_best = float(res.x), float(res.fun)
    return SigmaStarFit(s_best, T_best, sigmas, T, n_failed, at_edge)


def quadratic_fitted_sigma_star(k_eta, g=0.9, sigmas=None, n_sigma=41, window=1e-2):
    """Fitted sigma* of the super-accelerated map on L = 1/2 k theta^2.

    Trajectories start at theta = 1, m = 0 and are iterated in NumPy (see
    :func:`optdyn.quadratic.iterate`) long enough to pass the fit window.

    Parameters
    ----------
    k_eta : float, > 0
    g : float in [0, 1)
    sigmas : array_like, optional
        Grid; default ``n_sigma`` points over [0.5, 1.5] x the exact sigma*
        (or [0, 2] when sigma* < 1).

    Returns
    -------
    SigmaStarFit
    """
    from . import quadratic

    exact = float(quadratic.optimal_sigma(k_eta, g))
    if sigmas is None:
        lo, hi = (0.5 * exact, 1.5 * exact) if exact >= 1 else (0.0, 2.0)
        sigmas = np.linspace(lo, hi, n_sigma)

    def theta_of_sigma(s):
        T = float(quadratic.timescale(k_eta, g, s))
        n = int(min(max(60.0, 3.0 * T * np.log(1.0 / window)), 20000.0))
        return quadratic.iterate(k_eta, g, s, n)

    return fitted_sigma_star(theta_of_sigma, sigmas, "oscillatory", window)
