"""Closed-form stability limits of a minimum under the momentum family.

Near a minimum theta* of L with Hessian H, the map linearises; in the
eigenbasis of H it splits into one 2x2 block per Hessian eigenvalue h, the
map of the quadratic L = 1/2 h theta^2 (see :mod:`optdyn.quadratic`).  For the
super-accelerated method (4) that block has characteristic polynomial

    P(lambda) = lambda^2 - (1 + g - eta h (1 + sigma)) lambda + g - eta h sigma,

and P(-1) = 2 + 2 g - eta h (1 + 2 sigma).  A multiplier therefore crosses -1
(a flip) exactly when

    eta h = (2 + 2 g) / (1 + 2 sigma),

which gives gradient descent eta h = 2 (its 1x1 map is lambda = 1 - eta h),
the heavy ball (sigma = 0) eta h = 2 + 2 g and Nesterov (sigma = g)
eta h = (2 + 2 g) / (1 + 2 g).  As sigma grows, the minimum first loses
stability in the stiffest direction h_max, at

    sigma_c = (1 + g) / (eta h_max) - 1/2.

The full linear theory of one quadratic direction (eigenvalues, damping
regimes, optimal sigma) lives in :mod:`optdyn.quadratic`; this module only
turns the flip condition into the two numbers the bifurcation analysis
checks against.
"""

import math

import numpy as np

from ._optimizer_map import OptimizerMap
from ._validation import check_vector
from .optimizers import GD, HeavyBall, Nesterov, RMSPropSA, SuperNesterov


def flip_boundary(optimizer):
    """The product eta h at which a quadratic's minimum period-doubles.

    For L = 1/2 h theta^2 the minimum is stable for 0 < eta h below this
    value and loses stability through a multiplier -1 at it:

    ==================  ==============================
    GD                  2
    HeavyBall           2 + 2 g
    Nesterov            (2 + 2 g) / (1 + 2 g)
    SuperNesterov       (2 + 2 g) / (1 + 2 sigma)
    ==================  ==============================

    For SuperNesterov with sigma <= -1/2 no flip exists and ``inf`` is
    returned (that side loses stability through a complex pair instead; see
    :func:`sigma_stability_interval`).

    Parameters
    ----------
    optimizer : GD, HeavyBall, Nesterov or SuperNesterov
        Its g and sigma are used; eta is not (the answer is a bound on eta h).

    Returns
    -------
    float

    Examples
    --------
    >>> from optdyn.optimizers import SuperNesterov
    >>> round(flip_boundary(SuperNesterov(eta=0.01, g=0.9, sigma=4.0)), 6)
    0.422222
    """
    p = optimizer.params if hasattr(optimizer, "params") else None
    if isinstance(optimizer, SuperNesterov):
        sigma = p["sigma"]
    elif isinstance(optimizer, Nesterov):
        sigma = p["g"]
    elif isinstance(optimizer, HeavyBall):
        sigma = 0.0
    elif isinstance(optimizer, GD):
        return 2.0
    else:
        raise ValueError(
            "optimizer must be a GD, HeavyBall, Nesterov or SuperNesterov "
            f"instance; got {optimizer!r}"
        )
    if 1.0 + 2.0 * sigma <= 0.0:
        return math.inf
    return (2.0 + 2.0 * p["g"]) / (1.0 + 2.0 * sigma)


def _effective_eta(F):
    """eta, or for RMSPropSA eta / sqrt(eps) (its r is 0 at a fixed point)."""
    p = F.params
    if isinstance(F.optimizer, RMSPropSA):
        return p["eta"] / math.sqrt(p["eps"])
    return p["eta"]


def _hessian_spectrum(F, theta):
    if not isinstance(F, OptimizerMap) or not isinstance(
        F.optimizer, (SuperNesterov, RMSPropSA)
    ):
        raise ValueError(
            "F must be an OptimizerMap with a SuperNesterov or RMSPropSA "
            f"optimizer; got {F!r}"
        )
    if theta is None:
        if not F.loss.minima:
            raise ValueError(
                f"theta is required: the loss {F.loss!r} lists no known minimum"
            )
        theta = F.loss.minima[0]
    theta = check_vector("theta", theta, F.n_params)
    H = F.loss.hessian(theta)
    h = np.linalg.eigvalsh(0.5 * (H + H.T))
    if h[0] <= 0.0:
        raise ValueError(
            f"theta must be a minimum (positive definite Hessian); the Hessian "
            f"at theta={theta.tolist()} has eigenvalues {h.tolist()}"
        )
    return h


def sigma_stability_interval(F, theta=None):
    """The open interval of sigma on which the minimum theta is stable.

    From the largest Hessian eigenvalue h_max at theta (all must be > 0):

        -(1 - g) / (eta h_max) < sigma < (1 + g) / (eta h_max) - 1/2.

    Above the interval a multiplier crosses -1 (flip); below it a complex
    pair leaves the unit circle (Neimark-Sacker).  Empty, returned as
    (NaN, NaN), when eta h_max >= 4; :func:`critical_sigma` raises a
    ValueError saying why in that case.

    For :class:`~optdyn.optimizers.RMSPropSA` the same holds with eta
    replaced by eta / sqrt(eps): at a fixed point the gradient vanishes, so
    r = 0 and the step is divided by sqrt(0 + eps); the r block only adds
    the multiplier beta2 < 1.  Because sqrt(eps) is tiny, this interval is
    often empty (eta h_max / sqrt(eps) >= 4): the minimum is then never a
    stable fixed point of RMSProp.

    Parameters
    ----------
    F : OptimizerMap
        With a :class:`~optdyn.optimizers.SuperNesterov` (or RMSPropSA)
        optimizer; its eta and g (and eps) are used, its sigma is not.
    theta : array_like of shape (F.n_params,), optional
        The minimum; default: the loss's first known minimum.

    Returns
    -------
    (float, float)
    """
    h = _hessian_spectrum(F, theta)
    p = F.params
    a = _effective_eta(F) * h[-1]
    if a >= 4.0:
        return math.nan, math.nan
    return float(-(1.0 - p["g"]) / a), float((1.0 + p["g"]) / a - 0.5)


def critical_sigma(F, theta=None):
    """The sigma at which the minimum theta loses stability as sigma grows.

    sigma_c = (1 + g) / (eta h_max) - 1/2, with h_max the largest eigenvalue
    of the Hessian of the loss at theta; the loss of stability is a flip.
    Continuation in sigma must find the same value.

    Parameters
    ----------
    F : OptimizerMap
        With a :class:`~optdyn.optimizers.SuperNesterov` optimizer (or
        RMSPropSA, see :func:`sigma_stability_interval`).
    theta : array_like of shape (F.n_params,), optional
        The minimum; default: the loss's first known minimum.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When no sigma makes the minimum stable: the interval of
        :func:`sigma_stability_interval` is empty because eta h_max >= 4
        (eta / sqrt(eps) h_max >= 4 for RMSPropSA), so there is no loss of
        stability to locate.  The message gives eta h_max and the largest
        eta for which a critical sigma exists, 4 / h_max (4 sqrt(eps) /
        h_max for RMSPropSA).  Also when theta is not a minimum.

    Examples
    --------
    >>> from optdyn import OptimizerMap
    >>> from optdyn.losses import Eq15
    >>> from optdyn.optimizers import RMSPropSA, SuperNesterov
    >>> F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=0.0))
    >>> round(critical_sigma(F), 6)
    4.195054
    >>> critical_sigma(F.with_params(eta=0.1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: no sigma makes the minimum ... stable: ...
    """
    h = _hessian_spectrum(F, theta)
    a = _effective_eta(F) * h[-1]
    if a < 4.0:
        return sigma_stability_interval(F, theta)[1]

    where = "the loss's first known minimum" if theta is None else "theta"
    if isinstance(F.optimizer, RMSPropSA):
        eps = F.params["eps"]
        lhs, bound = "eta h_max / sqrt(eps)", 4.0 * math.sqrt(eps) / h[-1]
    else:
        lhs, bound = "eta h_max", 4.0 / h[-1]
    raise ValueError(
        f"no sigma makes the minimum ({where}) stable: {lhs} = {a:.6g} >= 4 "
        f"with eta={F.params['eta']!r} and h_max={h[-1]:.6g}, the largest "
        f"Hessian eigenvalue there, so there is no critical sigma; one exists "
        f"for eta < {bound:.6g}"
    )
