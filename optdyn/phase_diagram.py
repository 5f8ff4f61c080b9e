"""Stability and damping phase diagrams in hyperparameter planes.

Three pictures:

- **One quadratic direction, the (k eta, sigma) plane.**  Every point is
  classified exactly by :func:`optdyn.quadratic.regime`; the optimal
  sigma* (exact, the paper's three ODE estimates, and optionally one
  fitted from trajectories) and the stability boundary are drawn on top.
- **Any loss, the (eta, sigma) plane.**  Near a minimum theta* the map
  splits into one quadratic block per Hessian eigenvalue h, with
  k eta = h eta; :func:`linear_phase_diagram` classifies every direction.
  :func:`attractor_fractions` turns a 2-D :func:`optdyn.scan` of basins
  into the fraction of starts that reach the minimum, another attractor,
  or diverge; :func:`plot_loss_phase_diagram` draws both together.
- **RMSProp with look-ahead on L = 1/2 k theta^2** (the paper's Figure 7):
  :func:`rmsprop_sigma_star` fits e^(-t/T) to |theta_i| and reports the
  sigma with the smallest T for each eta.

Plot functions take an ``ax`` (a new one when None) and return a dict of
the artists they drew; nothing is shown or saved.
"""

from dataclasses import dataclass

import numpy as np

from . import quadratic
from ._validation import check_finite, check_int, check_positive

#: Fill colours of the damping regimes (index = regime code).
REGIME_COLORS = {
    quadratic.UNDERDAMPED: "#9ecae1",
    quadratic.CRITICAL: "#08306b",
    quadratic.OVERDAMPED: "#fdd0a2",
    quadratic.OSCILLATING: "#c7e9c0",
    quadratic.UNSTABLE: "#d9d9d9",
}

ODE_STYLES = {
    "forward": ("(12) forward ODE", ":"),
    "backward": ("(13) backward ODE", "-."),
    "midpoint": ("(14) midpoint ODE", "--"),
}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _regime_cmap():
    from matplotlib.colors import BoundaryNorm, ListedColormap

    codes = sorted(REGIME_COLORS)
    cmap = ListedColormap([REGIME_COLORS[c] for c in codes])
    norm = BoundaryNorm(np.arange(len(codes) + 1) - 0.5, len(codes))
    return cmap, norm


def _regime_legend_handles(codes):
    from matplotlib.patches import Patch

    return [
        Patch(
            facecolor=REGIME_COLORS[c],
            edgecolor="none",
            label=quadratic.REGIME_NAMES[c],
        )
        for c in sorted(set(int(c) for c in codes))
    ]


# ------------------------------------------------------- quadratic (k eta, sigma)


@dataclass(frozen=True)
class QuadraticPhaseDiagram:
    """Regimes of the super-accelerated map on a (k eta, sigma) grid.

    Attributes
    ----------
    k_eta : ndarray of shape (n1,)
    sigma : ndarray of shape (n2,)
    g : float
    regime : ndarray of int8, shape (n2, n1)
        :func:`optdyn.quadratic.regime` at every point.
    rho : ndarray of shape (n2, n1)
        Spectral radius.
    """

    k_eta: np.ndarray
    sigma: np.ndarray
    g: float
    regime: np.ndarray
    rho: np.ndarray

    def fractions(self):
        """Share of the grid per regime name."""
        return {
            name: float(np.count_nonzero(self.regime == code)) / self.regime.size
            for code, name in quadratic.REGIME_NAMES.items()
        }


def quadratic_phase_diagram(k_eta, sigma, g=0.9):
    """Classify every (k eta, sigma) of a grid exactly.

    Parameters
    ----------
    k_eta : array_like of shape (n1,), > 0
    sigma : array_like of shape (n2,)
    g : float in [0, 1)

    Returns
    -------
    QuadraticPhaseDiagram
    """
    k_eta = np.atleast_1d(np.asarray(k_eta, dtype=np.float64))
    sigma = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if k_eta.ndim != 1 or k_eta.size == 0:
        raise ValueError(
            f"k_eta must be a non-empty 1-D array; got shape {k_eta.shape}"
        )
    if sigma.ndim != 1 or sigma.size == 0:
        raise ValueError(
            f"sigma must be a non-empty 1-D array; got shape {sigma.shape}"
        )
    g = float(quadratic._check_g(g))
    K, S = np.meshgrid(k_eta, sigma)
    return QuadraticPhaseDiagram(
        k_eta, sigma, g, quadratic.regime(K, g, S), quadratic.spectral_radius(K, g, S)
    )


def sigma_star_curves(k_eta, g=0.9):
    """Exact sigma* and the paper's ODE estimates (12)-(14) along k eta.

    Returns
    -------
    dict of ndarray
        'exact', 'forward', 'backward', 'midpoint'.
    """
    out = {"exact": quadratic.optimal_sigma(k_eta, g)}
    for kind in quadratic.ODE_KINDS:
        out[kind] = quadratic.ode_sigma_star(k_eta, g, kind)
    return out


def plot_quadratic_phase_diagram(
    diagram, ax=None, ode=True, fitted=None, legend=True, sigma_star=True
):
    """Draw a :class:`QuadraticPhaseDiagram` with sigma* curves.

    Regimes are shaded pixel by pixel (nearest, no interpolation) on a log
    k eta axis; the stability limits, the exact sigma* (critical damping)
    and, with ``ode``, the paper's three ODE estimates are drawn as curves.

    Parameters
    ----------
    diagram : QuadraticPhaseDiagram
    ax : matplotlib Axes, optional
    ode : bool, default True
        Draw the ODE estimates (12)-(14).
    fitted : tuple (k_eta, sigma_star), optional
        Fitted sigma* values to mark.
    legend : bool, default True
    sigma_star : bool, default True
        Draw the exact sigma* curve.

    Returns
    -------
    dict of matplotlib artists
    """
    ax = _axes(ax)
    d = diagram
    cmap, norm = _regime_cmap()
    art = {}
    art["regimes"] = ax.pcolormesh(
        d.k_eta,
        d.sigma,
        d.regime,
        cmap=cmap,
        norm=norm,
        shading="nearest",
        rasterized=True,
    )
    ax.set_xscale("log")

    k = np.geomspace(d.k_eta.min(), d.k_eta.max(), 600)
    lo, hi = quadratic.stability_limits(k, d.g)
    (art["stability"],) = ax.plot(k, hi, color="k", lw=1.5, label="stability limit")
    ax.plot(k, lo, color="k", lw=1.5)
    curves = sigma_star_curves(k, d.g)
    if sigma_star:
        (art["exact"],) = ax.plot(
            k, curves["exact"], color="#cb181d", lw=2, label="exact σ*"
        )
    if ode:
        for kind, (label, ls) in ODE_STYLES.items():
            (art[kind],) = ax.plot(
                k, curves[kind], color="#3f007d", lw=1.2, ls=ls, label=label
            )
    if fitted is not None:
        fk, fs = fitted
        art["fitted"] = ax.scatter(
            fk,
            fs,
            s=22,
            marker="o",
            facecolor="white",
            edgecolor="#cb181d",
            zorder=5,
            label="fitted σ*",
        )
    ax.set_xlim(d.k_eta.min(), d.k_eta.max())
    ax.set_ylim(d.sigma.min(), d.sigma.max())
    ax.set_xlabel("kη")
    ax.set_ylabel("σ")
    ax.set_title(f"g = {d.g:g}")
    if legend:
        handles = _regime_legend_handles(np.unique(d.regime))
        lines, _ = ax.get_legend_handles_labels()
        art["legend"] = ax.legend(
            handles=handles + lines, fontsize=7, loc="upper right"
        )
    return art


# ------------------------------------------------------- any loss (eta, sigma)


@dataclass(frozen=True)
class LinearPhaseDiagram:
    """Linearised regimes at a minimum, per Hessian direction, over (eta, sigma).

    Attributes
    ----------
    eta, sigma : ndarray of shapes (n1,), (n2,)
    g : float
    curvatures : ndarray of shape (n_dir,)
        Hessian eigenvalues h at the minimum (ascending).
    regime : ndarray of int8, shape (n_dir, n2, n1)
        Regime of each direction (k eta = h eta).
    rho : ndarray of shape (n2, n1)
        Spectral radius of the linearised map: the largest over directions.
    theta_min : ndarray
        The minimum.
    """

    eta: np.ndarray
    sigma: np.ndarray
    g: float
    curvatures: np.ndarray
    regime: np.ndarray
    rho: np.ndarray
    theta_min: np.ndarray

    @property
    def stable(self):
        """Boolean (n2, n1): the minimum is linearly stable."""
        return self.rho < 1.0


def linear_phase_diagram(loss, eta, sigma, g=0.9, minimum=None):
    """Exact linear stability and damping of a minimum over (eta, sigma).

    Parameters
    ----------
    loss : Loss
    eta : array_like of shape (n1,), > 0
    sigma : array_like of shape (n2,)
    g : float in [0, 1)
    minimum : array_like, optional
        theta*; default the loss's first known minimum.

    Returns
    -------
    LinearPhaseDiagram

    Notes
    -----
    Only directions with h > 0 are analysed; a minimum with a zero
    curvature raises ValueError (its linearisation decides nothing there).
    """
    eta = np.atleast_1d(np.asarray(eta, dtype=np.float64))
    sigma = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if eta.ndim != 1 or eta.size == 0 or not np.all(eta > 0):
        raise ValueError(
            f"eta must be a non-empty 1-D array of values > 0; got {eta!r}"
        )
    if sigma.ndim != 1 or sigma.size == 0:
        raise ValueError(
            f"sigma must be a non-empty 1-D array; got shape {sigma.shape}"
        )
    g = float(quadratic._check_g(g))
    if minimum is None:
        if not loss.minima:
            raise ValueError(f"minimum must be given: {loss!r} lists no minima")
        minimum = loss.minima[0]
    theta = np.asarray(minimum, dtype=np.float64)
    H = loss.hessian(theta)
    h = np.linalg.eigvalsh(0.5 * (H + H.T))
    if np.any(h <= 0):
        raise ValueError(
            f"minimum must have a positive definite Hessian; eigenvalues {h.tolist()}"
        )

    E, S = np.meshgrid(eta, sigma)
    regimes = np.stack([quadratic.regime(hi * E, g, S) for hi in h])
    rho = np.max(np.stack([quadratic.spectral_radius(hi * E, g, S) for hi in h]), 0)
    return LinearPhaseDiagram(eta, sigma, g, h, regimes, rho, theta)


def sigma_star_from_scan(scan_result, param="sigma"):
    """The fitted sigma* along a 2-D scan of time-scale fits.

    For a :func:`optdyn.scan` of ``"timescale"`` (results are
    :class:`~optdyn.fitting.TimescaleFit`) over two hyperparameters, one of
    them ``param``, take for each value of the other one the grid value of
    ``param`` with the smallest fitted T.  The answer is only as fine as the
    grid: no refinement between grid points.

    Parameters
    ----------
    scan_result : ScanResult
    param : str, default 'sigma'

    Returns
    -------
    other : ndarray of shape (n,)
        Values of the other hyperparameter.
    sigma_star, T_star : ndarray of shape (n,)
        NaN where every fit along the row failed.
    at_edge : ndarray of bool, shape (n,)
        The minimum sits at an end of the ``param`` grid.
    """
    if len(scan_result.names) != 2 or param not in scan_result.names:
        raise ValueError(
            f"scan_result must scan two hyperparameters including {param!r}; "
            f"got {scan_result.names}"
        )
    axis = scan_result.names.index(param)
    T = scan_result.array(lambda f: f.T)
    if axis == 0:
        T = T.T
    grid = scan_result.values[axis]
    other = scan_result.values[1 - axis]
    star = np.full(other.shape, np.nan)
    T_star = np.full(other.shape, np.nan)
    edge = np.zeros(other.shape, dtype=bool)
    for i in range(other.size):
        row = T[i]
        if np.all(~np.isfinite(row)):
            continue
        j = int(np.nanargmin(np.where(np.isfinite(row), row, np.nan)))
        star[i], T_star[i] = grid[j], row[j]
        edge[i] = j in (0, grid.size - 1)
    return other, star, T_star, edge


def attractor_fractions(scan_result):
    """Fractions of starts reaching the minimum, another attractor, diverging.

    Parameters
    ----------
    scan_result : ScanResult
        A scan of ``"basins"`` (any grid of one or two hyperparameters).

    Returns
    -------
    dict of ndarray, the scan's shape
        'minimum' (all minima of L together), 'other' (other fixed points
        and cycles), 'diverged', 'unresolved'.
    """
    from .basins import DIVERGED, UNRESOLVED

    def frac(pred):
        def f(b):
            lab = b.labels
            if pred == "diverged":
                return np.count_nonzero(lab == DIVERGED) / lab.size
            if pred == "unresolved":
                return np.count_nonzero(lab == UNRESOLVED) / lab.size
            want = [
                a.label for a in b.attractors if a.is_minimum == (pred == "minimum")
            ]
            return np.count_nonzero(np.isin(lab, want)) / lab.size

        return f

    return {
        name: scan_result.array(frac(name))
        for name in ("minimum", "other", "diverged", "unresolved")
    }


def plot_loss_phase_diagram(linear, ax=None, fractions=None, legend=True):
    """The (eta, sigma) diagram of a loss: scan fractions and linear theory.

    The background is the fraction of starts that reach the minimum (from
    :func:`attractor_fractions`, on the scan's own (eta, sigma) grid) or,
    without scan data, the spectral radius of the linearised map.  On top,
    for each Hessian direction h: its stability limit
    sigma = (1 + g)/(h eta) - 1/2 (solid), its critical damping sigma*
    (dashed: underdamped below, overdamped above) and sigma = g/(h eta)
    (dotted: beyond it one root is negative, steps alternate).

    Parameters
    ----------
    linear : LinearPhaseDiagram
    ax : matplotlib Axes, optional
    fractions : tuple (eta, sigma, dict), optional
        Scan axes and the dict from :func:`attractor_fractions`; the arrays
        have shape (n_eta, n_sigma) (scan order: eta first).
    legend : bool, default True

    Returns
    -------
    dict of matplotlib artists
    """
    ax = _axes(ax)
    art = {}
    if fractions is not None:
        f_eta, f_sigma, fr = fractions
        art["fraction"] = ax.pcolormesh(
            f_eta,
            f_sigma,
            np.asarray(fr["minimum"]).T,
            cmap="viridis",
            vmin=0,
            vmax=1,
            shading="nearest",
            rasterized=True,
        )
        art["colorbar"] = ax.figure.colorbar(
            art["fraction"], ax=ax, label="fraction of starts reaching the minimum"
        )
    else:
        art["rho"] = ax.pcolormesh(
            linear.eta,
            linear.sigma,
            np.minimum(linear.rho, 1.0),
            cmap="magma",
            vmin=0,
            vmax=1,
            shading="nearest",
            rasterized=True,
        )
        art["colorbar"] = ax.figure.colorbar(art["rho"], ax=ax, label="ρ (linearised)")

    e = np.geomspace(linear.eta.min(), linear.eta.max(), 400)
    colors = ["#e41a1c", "#ff7f00", "#4daf4a", "#984ea3"]
    for i, h in enumerate(linear.curvatures):
        c = colors[i % len(colors)]
        _, hi = quadratic.stability_limits(h * e, linear.g)
        (art[f"stability_{i}"],) = ax.plot(
            e, hi, color=c, lw=1.5, label=f"stability limit, h = {h:.3g}"
        )
        (art[f"critical_{i}"],) = ax.plot(
            e,
            quadratic.optimal_sigma(h * e, linear.g),
            color=c,
            lw=1.2,
            ls="--",
            label=f"critical damping σ*, h = {h:.3g}",
        )
        (art[f"oscillating_{i}"],) = ax.plot(
            e,
            quadratic.overdamped_limit(h * e, linear.g),
            color=c,
            lw=1.0,
            ls=":",
            label=f"negative root beyond, h = {h:.3g}",
        )
    ax.set_xscale("log")
    ax.set_xlim(linear.eta.min(), linear.eta.max())
    ax.set_ylim(linear.sigma.min(), linear.sigma.max())
    ax.set_xlabel("η")
    ax.set_ylabel("σ")
    # A curve that lies wholly outside the axes gets no legend entry.
    lo, hi = linear.sigma.min(), linear.sigma.max()
    for key, line in art.items():
        if key.startswith(("stability_", "critical_", "oscillating_")):
            y = np.asarray(line.get_ydata(), dtype=float)
            if not np.any((y >= lo) & (y <= hi)):
                line.set_label("_" + line.get_label())
    if legend:
        art["legend"] = ax.legend(fontsize=7, loc="upper right")
    return art


# --------------------------------------------------------- RMSProp, Figure 7


@dataclass(frozen=True)
class RMSPropSigmaStar:
    """Fitted sigma* of RMSProp with look-ahead on L = 1/2 k theta^2.

    Attributes
    ----------
    eta : ndarray of shape (n_eta,)
    sigma_star, T_star : ndarray of shape (n_eta,)
    sigmas : ndarray of shape (n_sigma,)
    T : ndarray of shape (n_eta, n_sigma)
        Fitted T of e^(-t/T) to |theta_i| (NaN where the fit failed).
    at_edge : ndarray of bool, shape (n_eta,)
        The minimum lies at an end of the sigma grid.
    k, g : float
    """

    eta: np.ndarray
    sigma_star: np.ndarray
    T_star: np.ndarray
    sigmas: np.ndarray
    T: np.ndarray
    at_edge: np.ndarray
    k: float
    g: float


def rmsprop_trajectory(eta, sigma, g=0.9, k=1.0, n_steps=2000, theta0=1.0, **kw):
    """theta_0..theta_n of RMSProp with look-ahead (16) on 1/2 k theta^2."""
    from ._optimizer_map import OptimizerMap
    from .iterate import trajectory
    from .losses import Quadratic
    from .optimizers import RMSPropSA

    F = OptimizerMap(Quadratic([k]), RMSPropSA(eta, g, sigma, **kw))
    return trajectory(F, F.initial_state([theta0]), n_steps)[:, 0]


def rmsprop_sigma_star(
    etas, sigmas, g=0.9, k=1.0, n_steps=2000, window=1e-6, refine=False
):
    """The paper's Figure 7b: fitted sigma* of RMSProp against eta, k = 1.

    For each eta and sigma the orbit from theta = 1 (m = r = 0) is fitted
    by A e^(-t/T) on |theta_i| (:func:`optdyn.fit_timescale` with
    ``model="exponential"``), and sigma* minimises the fitted T.

    Parameters
    ----------
    etas : array_like of shape (n_eta,), > 0
    sigmas : array_like of shape (n_sigma,), increasing, >= 3 values
    g : float, default 0.9
    k : float, default 1
    n_steps : int, default 2000
    window : float, default 1e-6
        Fit |theta| until it falls below ``window`` (log-scale fit).
    refine : bool, default False
        Polish each minimum between grid neighbours.

    Returns
    -------
    RMSPropSigmaStar
    """
    from .fitting import fitted_sigma_star

    etas = np.atleast_1d(np.asarray(etas, dtype=np.float64))
    for e in etas:
        check_positive("eta", e)
    k = check_positive("k", k)
    g = float(quadratic._check_g(g))
    n_steps = check_int("n_steps", n_steps, 10)
    check_finite("window", window)

    rows = []
    for eta in etas:

        def theta_of_sigma(s, eta=eta):
            return rmsprop_trajectory(eta, s, g, k, n_steps)

        rows.append(
            fitted_sigma_star(theta_of_sigma, sigmas, "exponential", window, refine)
        )
    return RMSPropSigmaStar(
        etas,
        np.array([r.sigma_star for r in rows]),
        np.array([r.T_star for r in rows]),
        np.asarray(sigmas, dtype=np.float64),
        np.stack([r.T for r in rows]),
        np.array([r.at_edge for r in rows]),
        k,
        g,
    )


def plot_rmsprop_sigma_star(result, ax=None, legend=True):
    """Fitted sigma* against eta (log axis), as the paper's Figure 7b."""
    ax = _axes(ax)
    art = {}
    ok = ~result.at_edge
    (art["sigma_star"],) = ax.plot(
        result.eta[ok],
        result.sigma_star[ok],
        "o-",
        color="#cb181d",
        label=f"fitted σ*, RMSProp (k = {result.k:g}, g = {result.g:g})",
    )
    if np.any(~ok):
        (art["edge"],) = ax.plot(
            result.eta[~ok],
            result.sigma_star[~ok],
            "x",
            color="#cb181d",
            label="minimum at the edge of the σ grid",
        )
    art["g_line"] = ax.axhline(
        result.g, color="0.4", lw=1, ls=":", label="σ = g (Nesterov)"
    )
    ax.set_xscale("log")
    ax.set_xlabel("η")
    ax.set_ylabel("σ*")
    if legend:
        art["legend"] = ax.legend(fontsize=8)
    return art
