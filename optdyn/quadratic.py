"""Exact linear theory of the momentum family on a quadratic direction.

On L(theta) = 1/2 k theta^2 every method of the paper is a linear map of
its state, and it depends on k and eta only through their product
``k_eta`` = k eta.  For the super-accelerated method (4), with
y = theta + sigma m,

    m'     = (g - k eta sigma) m - k eta theta
    theta' = theta + m',

whose 2x2 matrix has trace b = 1 + g - k eta (1 + sigma) and determinant
c = g - k eta sigma.  Its eigenvalues solve the characteristic equation

    lambda^2 - b lambda + c = 0.

The heavy ball is sigma = 0, Nesterov sigma = g, and gradient descent the
1x1 map lambda = 1 - k eta.  Everything here follows from these roots:

- the spectral radius rho = max |lambda| and the time scale T = -1 / ln rho
  (the number of steps over which the distance to the minimum shrinks by e);
- the damping regime (see :func:`regime`);
- the optimal look-ahead sigma*, which minimises rho.  The discriminant
  factorises as b^2 - 4c = (c - (1 - sqrt(k eta))^2) (c - (1 + sqrt(k eta))^2),
  so the roots are complex exactly for (1 - sqrt(k eta))^2 < c <
  (1 + sqrt(k eta))^2.  There rho = sqrt(c) falls as sigma grows; past the
  lower end the larger real root grows again.  Hence critical damping is
  optimal:

      sigma* = (g - (1 - sqrt(k eta))^2) / (k eta)
             = 2 / sqrt(k eta) - 1 - (1 - g) / (k eta),
      rho*   = |1 - sqrt(k eta)|,

  which is the paper's forward-ODE estimate (12) minus exactly 1;
- sigma* <= 0 for k eta <= (1 - sqrt g)^2 (0.002633 at g = 0.9; the paper
  found about 0.0027 numerically): there the roots are real for every
  sigma > 0 up to g / (k eta) (overdamped; beyond it one root turns
  negative, and later the map goes unstable), so look-ahead cannot help.
  sigma* is negative again for k eta > (1 + sqrt g)^2 (3.797 at g = 0.9),
  close to the stability limit k eta = 4;
- the stability interval in sigma (Jury's conditions): for k eta < 4,

      -(1 - g) / (k eta) < sigma < (1 + g) / (k eta) - 1/2,

  lost through a complex pair on the unit circle (c = 1) at the lower end
  and through lambda = -1 (a flip) at the upper end.

The paper's three ODE approximations x'' + A x' + B x = 0 (its equations
9-11) and their critical-damping estimates of sigma* (12-14) are provided
beside the exact answer by :func:`ode_coefficients`,
:func:`ode_sigma_star` and :func:`ode_solution`.

All functions broadcast over arrays of ``k_eta``, ``g`` and ``sigma``.
"""

import numpy as np

from ._validation import check_finite, check_in_range, check_int

#: Regime codes returned by :func:`regime`.
UNDERDAMPED, CRITICAL, OVERDAMPED, OSCILLATING, UNSTABLE = 0, 1, 2, 3, 4
REGIME_NAMES = {
    UNDERDAMPED: "underdamped",
    CRITICAL: "critical",
    OVERDAMPED: "overdamped",
    OSCILLATING: "oscillating",
    UNSTABLE: "unstable",
}

#: Default relative tolerance on the discriminant for "critical" damping.
CRITICAL_RTOL = 1e-9

METHODS = ("gd", "heavy_ball", "nesterov", "super_nesterov")
_METHOD_ALIASES = {
    "gd": "gd",
    "GD": "gd",
    "heavy_ball": "heavy_ball",
    "HeavyBall": "heavy_ball",
    "nesterov": "nesterov",
    "Nesterov": "nesterov",
    "super_nesterov": "super_nesterov",
    "SuperNesterov": "super_nesterov",
}

#: The paper's ODE approximations, by equation number.
ODE_KINDS = ("forward", "backward", "midpoint")
_ODE_ALIASES = {
    "forward": "forward",
    9: "forward",
    12: "forward",
    "backward": "backward",
    10: "backward",
    13: "backward",
    "midpoint": "midpoint",
    11: "midpoint",
    14: "midpoint",
}


# ------------------------------------------------------------------ checks


def _check_k_eta(k_eta):
    arr = np.asarray(k_eta, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr > 0))
    if np.any(bad):
        first = arr[bad].ravel()[0] if arr.ndim else float(arr)
        raise ValueError(
            f"k_eta must be > 0 and finite (allowed range (0, inf)); got {first!r}"
        )
    return arr


def _check_g(g):
    arr = np.asarray(g, dtype=np.float64)
    bad = ~(np.isfinite(arr) & (arr >= 0) & (arr < 1))
    if np.any(bad):
        first = arr[bad].ravel()[0] if arr.ndim else float(arr)
        raise ValueError(f"g must lie in [0, 1); got {first!r}")
    return arr


def _check_sigma(sigma):
    arr = np.asarray(sigma, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        first = arr[~np.isfinite(arr)].ravel()[0] if arr.ndim else float(arr)
        raise ValueError(f"sigma must be a finite real number; got {first!r}")
    return arr


def _method(method):
    name = getattr(method, "__name__", method)
    if not isinstance(name, str) and method is not None:
        name = type(method).__name__
    if name not in _METHOD_ALIASES:
        raise ValueError(
            f"method must be one of {', '.join(METHODS)} (or the optimizer "
            f"class); got {method!r}"
        )
    return _METHOD_ALIASES[name]


def _effective_sigma(method, g, sigma):
    """The look-ahead the method uses: 0, g, or the given sigma."""
    method = _method(method)
    if method == "super_nesterov":
        if sigma is None:
            raise ValueError("sigma is required for method 'super_nesterov'; got None")
        return method, _check_sigma(sigma)
    if sigma is not None:
        raise ValueError(
            f"sigma applies only to method 'super_nesterov'; got sigma={sigma!r} "
            f"for method {method!r} (heavy_ball uses 0, nesterov uses g)"
        )
    if method == "heavy_ball":
        return method, np.zeros_like(g)
    if method == "nesterov":
        return method, g
    return method, None


def _ode_kind(kind):
    if kind not in _ODE_ALIASES:
        raise ValueError(
            f"kind must be one of {', '.join(ODE_KINDS)} (or the paper's equation "
            f"number 9-14); got {kind!r}"
        )
    return _ODE_ALIASES[kind]


# ------------------------------------------------------------- the map


def characteristic(k_eta, g, sigma):
    """Trace b and determinant c of the super-accelerated map.

    lambda^2 - b lambda + c = 0 with b = 1 + g - k eta (1 + sigma) and
    c = g - k eta sigma.

    Parameters
    ----------
    k_eta, g, sigma : float or array_like
        Broadcast together.

    Returns
    -------
    b, c : ndarray
    """
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    sigma = _check_sigma(sigma)
    c = g - a * sigma
    return 1.0 + c - a, c


def _discriminant(a, c):
    # b^2 - 4c, factorised so that its sign near critical damping is the
    # sign of a difference of nearby c values, not of two large squares.
    s = np.sqrt(a)
    return (c - (1.0 - s) ** 2) * (c - (1.0 + s) ** 2)


def linear_map(k_eta, g=0.9, sigma=None, method="super_nesterov"):
    """The matrix of the method's map on (theta, m) for L = 1/2 k theta^2.

    Parameters
    ----------
    k_eta : float
    g : float, default 0.9
    sigma : float, optional
        Required for ``super_nesterov`` only.
    method : {'gd', 'heavy_ball', 'nesterov', 'super_nesterov'}

    Returns
    -------
    ndarray of shape (2, 2), or (1, 1) for gradient descent
    """
    a = float(_check_k_eta(k_eta))
    method, s = _effective_sigma(method, _check_g(g), sigma)
    if method == "gd":
        return np.array([[1.0 - a]])
    c = float(g) - a * float(s)
    return np.array([[1.0 - a, c], [-a, c]])


def eigenvalues(k_eta, g=0.9, sigma=None, method="super_nesterov"):
    """Exact eigenvalues of the linear map.

    Parameters
    ----------
    k_eta : float or array_like
        k eta > 0.
    g : float or array_like, default 0.9
        Momentum coefficient in [0, 1).
    sigma : float or array_like, optional
        Look-ahead; required for ``super_nesterov`` only.
    method : {'gd', 'heavy_ball', 'nesterov', 'super_nesterov'}
        Or the optimizer class.

    Returns
    -------
    ndarray of complex, shape (..., 2), or (..., 1) for gradient descent
        The roots, the larger modulus first.

    Examples
    --------
    >>> lam = eigenvalues(0.01, 0.9, 2.0)
    >>> bool(abs(lam[0] * lam[1] - (0.9 - 0.02)) < 1e-12)
    True
    """
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    method, s = _effective_sigma(method, g, sigma)
    if method == "gd":
        return (1.0 - a)[..., None].astype(np.complex128)
    a, g, s = np.broadcast_arrays(a, g, s)
    c = g - a * s
    b = 1.0 + c - a
    disc = _discriminant(a, c)
    root = np.sqrt(disc.astype(np.complex128))
    # the larger root without cancellation, the other from the product c
    sign = np.where(b >= 0, 1.0, -1.0)
    big = 0.5 * (b + sign * root)
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.where(big != 0, c / big, 0.0)
    complex_pair = disc < 0
    small = np.where(complex_pair, np.conj(big), small)
    return np.stack([big, small], axis=-1)


def spectral_radius(k_eta, g=0.9, sigma=None, method="super_nesterov"):
    """rho = max |lambda|: the asymptotic contraction factor per step.

    Same arguments as :func:`eigenvalues`; returns an ndarray of float.
    """
    lam = eigenvalues(k_eta, g, sigma, method)
    return np.max(np.abs(lam), axis=-1)


def timescale(k_eta, g=0.9, sigma=None, method="super_nesterov"):
    """T = -1 / ln rho, in steps; 0 when rho = 0 and inf when rho >= 1.

    Same arguments as :func:`eigenvalues`.
    """
    return _timescale_from_rho(spectral_radius(k_eta, g, sigma, method))


def _timescale_from_rho(rho):
    rho = np.asarray(rho, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = -1.0 / np.log(rho)
    T = np.where(rho >= 1.0, np.inf, T)
    return np.where(rho == 0.0, 0.0, T)


def regime(k_eta, g=0.9, sigma=None, method="super_nesterov", rtol=CRITICAL_RTOL):
    """Damping regime of the linear map, as integer codes.

    - ``UNSTABLE`` (4): rho >= 1;
    - ``CRITICAL`` (1): a repeated root, within tolerance: the discriminant
      b^2 - 4c (evaluated in factorised form) satisfies
      |b^2 - 4c| <= rtol (b^2 + 4|c|), i.e. the two roots differ by less than
      about sqrt(rtol) of their size (3e-5 for the default 1e-9);
    - ``UNDERDAMPED`` (0): a complex pair, theta_i ~ rho^i cos(omega i + delta);
    - ``OSCILLATING`` (3): real roots, at least one negative, so steps
      alternate in sign;
    - ``OVERDAMPED`` (2): real roots, both >= 0, monotone relaxation.

    For gradient descent (one root 1 - k eta) only overdamped, oscillating
    and unstable occur.

    Parameters
    ----------
    k_eta, g, sigma, method
        As for :func:`eigenvalues`.
    rtol : float, default CRITICAL_RTOL
        Relative width of the critical band, >= 0.

    Returns
    -------
    ndarray of int8
        Look names up in ``REGIME_NAMES``.
    """
    rtol = check_in_range("rtol", rtol, 0.0, 1.0)
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    method, s = _effective_sigma(method, g, sigma)
    if method == "gd":
        lam = 1.0 - a
        out = np.where(lam < 0, OSCILLATING, OVERDAMPED)
        return np.where(np.abs(lam) >= 1.0, UNSTABLE, out).astype(np.int8)
    a, g, s = np.broadcast_arrays(a, g, s)
    c = g - a * s
    b = 1.0 + c - a
    disc = _discriminant(a, c)
    lam = eigenvalues(a, g, s)
    rho = np.max(np.abs(lam), axis=-1)

    out = np.full(a.shape, OVERDAMPED, dtype=np.int8)
    real_negative = np.any((lam.real < 0) & (disc[..., None] >= 0), axis=-1)
    out[real_negative] = OSCILLATING
    out[disc < 0] = UNDERDAMPED
    out[np.abs(disc) <= rtol * (b * b + 4.0 * np.abs(c))] = CRITICAL
    out[rho >= 1.0] = UNSTABLE
    return out


def regime_name(k_eta, g=0.9, sigma=None, method="super_nesterov", rtol=CRITICAL_RTOL):
    """The regime as a string (scalar input) or an object array of strings."""
    codes = regime(k_eta, g, sigma, method, rtol)
    names = np.vectorize(REGIME_NAMES.get, otypes=[object])(codes)
    return names.item() if names.ndim == 0 else names


# ------------------------------------------------------- optimal sigma


def optimal_sigma(k_eta, g=0.9):
    """The exact look-ahead sigma* minimising rho, at critical damping.

    sigma* = (g - (1 - sqrt(k eta))^2) / (k eta), the global minimiser of
    rho over all real sigma (see the module docstring for the argument), with
    rho* = |1 - sqrt(k eta)|.  For k eta >= 4 even rho* >= 1: no sigma is
    stable there, and sigma* is still returned as the least unstable value.

    Parameters
    ----------
    k_eta : float or array_like, > 0
    g : float or array_like in [0, 1), default 0.9

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> round(float(optimal_sigma(0.01, 0.9)), 12)
    9.0
    """
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    return (g - (1.0 - np.sqrt(a)) ** 2) / a


def optimal_rho(k_eta):
    """rho at sigma*: |1 - sqrt(k eta)| (independent of g)."""
    return np.abs(1.0 - np.sqrt(_check_k_eta(k_eta)))


def critical_sigmas(k_eta, g=0.9):
    """The two sigma at which the roots coincide (b^2 = 4c).

    Returns
    -------
    lower, upper : ndarray
        The roots are complex for lower < sigma < upper; ``upper`` is sigma*.
        ``lower`` = (g - (1 + sqrt(k eta))^2) / (k eta) lies below the
        stability interval.
    """
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    s = np.sqrt(a)
    return (g - (1.0 + s) ** 2) / a, (g - (1.0 - s) ** 2) / a


def k_eta_threshold(g=0.9):
    """The k eta at which sigma* = 0: (1 - sqrt g)^2.

    Below it sigma* < 0: every sigma in (0, g / (k eta)) is overdamped (the
    roots are real and positive) and look-ahead brings no speed-up; larger
    sigma only adds a negative root and, later, instability.  0.0026334 at
    g = 0.9 (the paper: about 0.0027).
    """
    g = _check_g(g)
    return (1.0 - np.sqrt(g)) ** 2


def stability_limits(k_eta, g=0.9):
    """The open interval of sigma on which the map is stable (rho < 1).

    -(1 - g) / (k eta) < sigma < (1 + g) / (k eta) - 1/2, non-empty for
    k eta < 4; NaN for both ends otherwise.  At the lower end a complex
    pair crosses the unit circle, at the upper end a root crosses -1.

    Returns
    -------
    lower, upper : ndarray
    """
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    lower = -(1.0 - g) / a
    upper = (1.0 + g) / a - 0.5
    empty = a >= 4.0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def overdamped_limit(k_eta, g=0.9):
    """The sigma = g / (k eta) where the determinant c vanishes.

    For k eta < 1 the map is overdamped for sigma* < sigma < g / (k eta)
    and oscillating (one negative root) beyond.
    """
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    return g / a


# ------------------------------------------------ ODE approximations


def ode_coefficients(k_eta, g, sigma, kind="midpoint"):
    """A and B of the paper's ODE x'' + A x' + B x = 0 (equations 9-11).

    With alpha = g - k eta sigma - 1:

    - forward (9):  A = -alpha,                B = k eta;
    - backward (10): A = -alpha / (1 + alpha),  B = k eta / (1 + alpha);
    - midpoint (11): A = -alpha / (1 + alpha/2), B = k eta / (1 + alpha/2).

    Parameters
    ----------
    k_eta, g, sigma : float or array_like
    kind : {'forward', 'backward', 'midpoint'} or the equation number

    Returns
    -------
    A, B : ndarray
        NaN where the denominator vanishes.
    """
    kind = _ode_kind(kind)
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    sigma = _check_sigma(sigma)
    alpha = g - a * sigma - 1.0
    if kind == "forward":
        denom = np.ones_like(alpha)
    elif kind == "backward":
        denom = 1.0 + alpha
    else:
        denom = 1.0 + 0.5 * alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.where(denom == 0, np.nan, denom)
        return -alpha / denom, a / denom


def ode_sigma_star(k_eta, g=0.9, kind="midpoint"):
    """The paper's critical-damping estimates of sigma* (equations 12-14).

    - forward (12):  2 / sqrt(k eta) - (1 - g) / (k eta);
    - backward (13): -2 + 2 sqrt(1 + 1/(k eta)) - (1 - g) / (k eta);
    - midpoint (14): -1 + sqrt(1 + 4/(k eta)) - (1 - g) / (k eta).

    The exact value (:func:`optimal_sigma`) is (12) minus 1; (14) exceeds it
    by about sqrt(k eta) / 4, the smallest error of the three for
    k eta < 1.
    """
    kind = _ode_kind(kind)
    a = _check_k_eta(k_eta)
    g = _check_g(g)
    drift = (1.0 - g) / a
    if kind == "forward":
        return 2.0 / np.sqrt(a) - drift
    if kind == "backward":
        return -2.0 + 2.0 * np.sqrt(1.0 + 1.0 / a) - drift
    return -1.0 + np.sqrt(1.0 + 4.0 / a) - drift


def ode_solution(t, k_eta, g, sigma, kind="midpoint", x0=1.0, v0=None):
    """The exact solution x(t) of the paper's ODE (9), (10) or (11).

    x'' + A x' + B x = 0 with x(0) = x0 and x'(0) = v0.

    Parameters
    ----------
    t : array_like
        Times (the iteration count i plays the role of t).
    k_eta, g, sigma : float
    kind : {'forward', 'backward', 'midpoint'} or the equation number
    x0 : float, default 1
        theta_0.
    v0 : float, optional
        Initial velocity; default the first step of the map from rest,
        m_0 = -k eta x0 (so theta_1 - theta_0 = v0).

    Returns
    -------
    ndarray of float, the shape of ``t``
    """
    A, B = ode_coefficients(k_eta, g, sigma, kind)
    A, B = float(A), float(B)
    x0 = check_finite("x0", x0)
    v0 = -float(k_eta) * x0 if v0 is None else check_finite("v0", v0)
    t = np.asarray(t, dtype=np.float64)

    disc = complex(A * A - 4.0 * B)
    root = np.sqrt(disc)
    r1, r2 = (-A + root) / 2.0, (-A - root) / 2.0
    if abs(r1 - r2) <= 1e-12 * max(1.0, abs(r1)):
        r = -A / 2.0
        return (x0 + (v0 - r * x0) * t) * np.exp(r * t)
    c1 = (v0 - r2 * x0) / (r1 - r2)
    c2 = x0 - c1
    with np.errstate(over="ignore", invalid="ignore"):
        x = c1 * np.exp(r1 * t) + c2 * np.exp(r2 * t)
    return x.real


def iterate(k_eta, g, sigma, n_steps, theta0=1.0, m0=0.0):
    """theta_0 .. theta_n of the super-accelerated map on the quadratic.

    Plain NumPy (no compilation); ``sigma`` may be an array, giving one
    trajectory per value along the last axis.

    Returns
    -------
    ndarray of shape (n_steps + 1,) + broadcast shape of the inputs
    """
    n_steps = check_int("n_steps", n_steps, 0)
    theta0 = check_finite("theta0", theta0)
    m0 = check_finite("m0", m0)
    b, c = characteristic(k_eta, g, sigma)
    a = np.broadcast_to(_check_k_eta(k_eta), np.shape(b))
    c = np.broadcast_to(c, np.shape(b))
    theta = np.full(np.shape(b), theta0)
    m = np.full(np.shape(b), m0)
    out = np.empty((n_steps + 1,) + np.shape(b))
    out[0] = theta
    with np.errstate(all="ignore"):
        for i in range(n_steps):
            m = c * m - a * theta
            theta = theta + m
            out[i + 1] = theta
    return out
