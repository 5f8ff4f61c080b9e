"""Attractors and their basins: where does each initial state end up?

:func:`census` iterates a set of initial states with the ensemble kernel and
names the attractor each one reaches; :func:`basins` does it for a grid of
starts in a plane of two theta coordinates.  An attractor is accepted only
after confirmation: the settled state is polished by Newton's method on the
p-cycle equations x_{j+1} = F(x_j) (multiple shooting), and the cycle's
multipliers must lie inside the unit circle.  A point that merely slowed
down near a saddle, or that never settled, is labelled ``UNRESOLVED``,
never given a wrong attractor.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from . import iterate
from ._optimizer_map import OptimizerMap
from ._validation import check_finite, check_int, check_positive
from .orbits import _canonical_phase, _minimal_period, refine_orbit
from .spectra import lyapunov_spectrum

log = logging.getLogger(__name__)

#: Most settled places examined as attractor candidates in one census; the
#: rest stay unresolved (bounds the cost when settling places form a
#: continuum instead of a few attractors).
MAX_CANDIDATES = 256

#: Label of points that diverged.
DIVERGED = -1
#: Label of points that neither settled on a confirmed attractor nor diverged.
UNRESOLVED = -2


# ----------------------------------------------------------------- the grid


class Grid:
    """A rectangular grid of starts over two theta coordinates.

    Parameters
    ----------
    axis1, axis2 : tuple (lo, hi, n)
        Range and number of points along the horizontal (theta_{dims[0]})
        and vertical (theta_{dims[1]}) axes; points include both ends.
    dims : tuple of two ints, default (0, 1)
        Which theta coordinates the axes set.
    fixed : array_like, optional
        Values of the other theta coordinates (a full theta vector whose
        ``dims`` entries are ignored); zero by default.

    Examples
    --------
    >>> g = Grid((-4.0, 5.0, 10), (-6.0, 6.0, 13))
    >>> g.shape
    (13, 10)
    """

    def __init__(self, axis1, axis2, dims=(0, 1), fixed=None):
        self.x = _axis("axis1", axis1)
        self.y = _axis("axis2", axis2)
        self.axis1 = (float(self.x[0]), float(self.x[-1]), self.x.size)
        self.axis2 = (float(self.y[0]), float(self.y[-1]), self.y.size)
        dims = tuple(dims)
        if len(dims) != 2 or dims[0] == dims[1] or min(dims) < 0:
            raise ValueError(
                f"dims must be two different theta indices >= 0; got {dims!r}"
            )
        self.dims = (int(dims[0]), int(dims[1]))
        if fixed is not None:
            try:
                fixed = np.asarray(fixed, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    "fixed must be a theta vector (the values of the theta "
                    f"coordinates the grid does not set); got {fixed!r}"
                ) from None
            if fixed.ndim != 1:
                raise ValueError(
                    f"fixed must be a theta vector; got an array of shape {fixed.shape}"
                )
        self.fixed = fixed

    @property
    def shape(self):
        """(n2, n1): rows follow the vertical axis, as an image does."""
        return (self.y.size, self.x.size)

    @property
    def extent(self):
        """(left, right, bottom, top) for ``imshow(origin='lower')``.

        Each pixel is centred on its grid point.
        """
        dx = (self.x[-1] - self.x[0]) / max(self.x.size - 1, 1)
        dy = (self.y[-1] - self.y[0]) / max(self.y.size - 1, 1)
        return (
            self.x[0] - dx / 2,
            self.x[-1] + dx / 2,
            self.y[0] - dy / 2,
            self.y[-1] + dy / 2,
        )

    def thetas(self, n_params):
        """The starts as theta vectors, shape (n2 * n1, n_params), row-major."""
        if max(self.dims) >= n_params:
            raise ValueError(
                f"grid dims {self.dims} do not fit a loss with {n_params} "
                f"parameters (allowed indices 0..{n_params - 1})"
            )
        base = np.zeros(n_params)
        if self.fixed is not None:
            if self.fixed.shape != (n_params,) or not np.all(
                np.isfinite(self.fixed)
            ):
                raise ValueError(
                    f"fixed must be a finite theta vector of length {n_params}; "
                    f"got {self.fixed!r}"
                )
            base = self.fixed.copy()
        X, Y = np.meshgrid(self.x, self.y)
        out = np.tile(base, (X.size, 1))
        out[:, self.dims[0]] = X.ravel()
        out[:, self.dims[1]] = Y.ravel()
        return out

    def __repr__(self):
        return f"Grid({self.axis1}, {self.axis2}, dims={self.dims})"


def _axis(name, spec):
    try:
        lo, hi, n = spec
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a tuple (lo, hi, n); got {spec!r}") from None
    lo = check_finite(f"{name} lo", lo)
    hi = check_finite(f"{name} hi", hi)
    n = check_int(f"{name} n", n, 1)
    if n > 1 and not hi > lo:
        raise ValueError(f"{name} needs lo < hi; got lo={lo!r}, hi={hi!r}")
    return np.linspace(lo, hi, n)


# -------------------------------------------------------------- attractors


@dataclass
class Attractor:
    """A confirmed attracting fixed point or cycle of an optimizer map.

    Attributes
    ----------
    period : int
        1 for a fixed point, p for a p-cycle.
    states : ndarray of shape (period, dim)
        The full states around the cycle, starting from the point with the
        smallest theta (lexicographically), so the phase is canonical.
    theta : ndarray of shape (period, n_params)
        Their theta parts.
    loss : ndarray of shape (period,)
        L at each theta.
    multipliers : ndarray of complex
        Eigenvalues of the product of the Jacobians around the cycle.
    spectral_radius : float
        max |multiplier|, below 1 for every attractor reported.
    residual : float
        max |x_{j+1} - F(x_j)| after polishing.
    is_minimum : bool
        A fixed point whose theta is a minimum of L (positive definite
        Hessian).
    """

    period: int
    states: np.ndarray
    theta: np.ndarray
    loss: np.ndarray
    multipliers: np.ndarray
    spectral_radius: float
    residual: float
    is_minimum: bool
    critical_point: str = ""
    label: int = -1
    fraction: float = field(default=np.nan)

    @property
    def kind(self):
        """'fixed point' or 'cycle'."""
        return "fixed point" if self.period == 1 else "cycle"

    @property
    def name(self):
        """A human label such as 'minimum (1.690, 1.963)' or '2-cycle ...'."""
        if self.period == 1:
            what = "minimum" if self.is_minimum else "fixed point"
            return f"{what} {_fmt_point(self.theta[0])}"
        if self.period == 2:
            a, b = self.theta
            return f"2-cycle {_fmt_point(a)}\u2194{_fmt_point(b)}"
        centre = self.theta.mean(axis=0)
        return f"{self.period}-cycle around {_fmt_point(centre)}"

    def to_dict(self):
        """A JSON-ready summary."""
        return {
            "name": self.name,
            "kind": self.kind,
            "period": int(self.period),
            "theta": self.theta.tolist(),
            "loss": self.loss.tolist(),
            "spectral_radius": float(self.spectral_radius),
            "multipliers_abs": np.abs(self.multipliers).tolist(),
            "is_minimum": bool(self.is_minimum),
            "residual": float(self.residual),
            "basin_fraction": float(self.fraction),
        }


def _fmt_point(p):
    # round(.) + 0.0 turns -0.0 into 0.0, so -1e-17 prints as 0.000.
    return "(" + ", ".join(f"{round(float(v), 3) + 0.0:.3f}" for v in p) + ")"


def _confirm(F, x0, period):
    """An Attractor through x0, or None if it is not a stable cycle.

    The settled state is polished by :func:`optdyn.refine_orbit` (Newton on
    the shooting equations), reduced to its minimal period (a point seen to
    repeat after p steps may be a fixed point with a multiplier near -1),
    and accepted only if every multiplier lies inside the unit circle.
    """
    orbit = refine_orbit(F, x0, period)
    if orbit.converged and orbit.period > 1:
        q = _minimal_period(orbit.points, 1e-9 * (1.0 + np.max(np.abs(orbit.points))))
        if q < orbit.period:
            orbit = refine_orbit(F, orbit.points[:q], q)
    if not (orbit.converged and orbit.stable):
        return None
    states = _canonical_phase(orbit.points)
    theta = F.theta(states).copy()
    kind = ""
    if orbit.period == 1:
        kind = F.loss.classify_critical_point(theta[0])
    return Attractor(
        period=orbit.period,
        states=states,
        theta=theta,
        loss=np.array([F.loss.value(t) for t in theta]),
        multipliers=orbit.multipliers,
        spectral_radius=orbit.spectral_radius,
        residual=orbit.residual,
        is_minimum=kind == "minimum",
        critical_point=kind,
    )


def _sort_key(att):
    return (not att.is_minimum, att.period, tuple(np.round(att.theta[0], 9)))


# ------------------------------------------------------------------ census


def _fractions(labels, attractors):
    """Share of points per attractor name, plus 'diverged' and 'unresolved'."""
    n = labels.size
    out = {a.name: a.fraction for a in attractors}
    out["diverged"] = float(np.count_nonzero(labels == DIVERGED)) / n
    out["unresolved"] = float(np.count_nonzero(labels == UNRESOLVED)) / n
    return out


@dataclass
class UnresolvedOrbits:
    """Lyapunov classification of a sample of never-settling points.

    A point still moving when its budget ran out is labelled
    ``UNRESOLVED``; to tell a slow convergence from a chaotic or
    quasi-periodic orbit, the census follows up to ``n_lyapunov`` of them
    (evenly spaced in index order, so the sample is reproducible) with
    :func:`optdyn.lyapunov_spectrum` from where they stopped.

    Attributes
    ----------
    indices : ndarray of int
        The sampled points.
    kinds : list of str
        Their orbit kind: 'converging', 'periodic' (longer than the census's
        ``max_period``), 'fixed point', 'quasi-periodic', 'chaotic' or
        'diverged' (see :class:`optdyn.LyapunovResult`).
    max_exponents : ndarray
        Their largest Lyapunov exponent per step.
    n_unresolved : int
        All points that never settled (sampled or not).
    """

    indices: np.ndarray
    kinds: list
    max_exponents: np.ndarray
    n_unresolved: int

    @property
    def n_sampled(self):
        return len(self.kinds)

    def counts(self):
        """Number of sampled points per kind."""
        out = {}
        for k in self.kinds:
            out[k] = out.get(k, 0) + 1
        return out

    def to_dict(self):
        return {
            "n_unresolved": int(self.n_unresolved),
            "n_sampled": self.n_sampled,
            "kinds": self.counts(),
            "max_exponents": self.max_exponents.tolist(),
        }

    def __str__(self):
        if not self.n_sampled:
            return "none sampled"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.counts().items()))
        return f"{self.n_sampled} of {self.n_unresolved} sampled: {kinds}"


def _classify_unresolved(F, ens, labels, n_lyapunov, n_steps):
    moving = np.flatnonzero((labels == UNRESOLVED) & (ens.status == iterate.MOVING))
    if n_lyapunov == 0 or moving.size == 0:
        return UnresolvedOrbits(np.zeros(0, np.int64), [], np.zeros(0),
                                int(moving.size))
    pick = moving[np.unique(np.linspace(0, moving.size - 1, n_lyapunov).astype(int))]
    kinds, tops = [], []
    for i in pick:
        res = lyapunov_spectrum(F, ens.final[i], n_steps, n_transient=0)
        kinds.append(res.kind)
        tops.append(res.max_exponent)
    return UnresolvedOrbits(pick, kinds, np.array(tops), int(moving.size))



@dataclass
class CensusResult:
    """Which attractor each initial state reached.

    Attributes
    ----------
    labels : ndarray of int, shape (N,)
        Index into ``attractors``, or ``DIVERGED`` / ``UNRESOLVED``.
    steps : ndarray of int64, shape (N,)
        Steps until the point was seen to settle or diverge (a multiple of
        ``check_every``), or the budget.
    attractors : list of Attractor
        Sorted: minima first, then by period and position.
    final : ndarray of shape (N, dim)
        States when iteration stopped.
    status : ndarray of int8, shape (N,)
        The ensemble kernel's status (see :mod:`optdyn.iterate`).
    unresolved_orbits : UnresolvedOrbits
        What the Lyapunov spectrum says about a sample of the points that
        never settled.
    """

    labels: np.ndarray
    steps: np.ndarray
    attractors: list
    final: np.ndarray
    status: np.ndarray
    unresolved_orbits: "UnresolvedOrbits" = None

    @property
    def fractions(self):
        """Fraction of points per attractor name, plus 'diverged' and
        'unresolved'."""
        return _fractions(self.labels, self.attractors)

    def attractor_of(self, i):
        """The Attractor reached by point i, or None (diverged, unresolved)."""
        n = self.labels.size
        if not -n <= i < n:
            raise IndexError(f"point index {i} out of range for {n} points")
        lab = int(self.labels.flat[i])
        return self.attractors[lab] if lab >= 0 else None

    def __repr__(self):
        n = self.labels.size
        lines = [f"CensusResult: {n} initial states"]
        for a in self.attractors:
            lines.append(f"  {a.label:>3}  {a.name:<44} {a.fraction:8.4f}")
        fr = self.fractions
        for code, key in ((DIVERGED, "diverged"), (UNRESOLVED, "unresolved")):
            lines.append(f"  {code:>3}  {key:<44} {fr[key]:8.4f}")
        if self.unresolved_orbits is not None and self.unresolved_orbits.n_sampled:
            lines.append(f"  unresolved orbits: {self.unresolved_orbits}")
        return "\n".join(lines)


def census(
    F,
    X0,
    max_steps=3000,
    *,
    max_period=8,
    check_every=None,
    atol=1e-12,
    rtol=1e-10,
    bound=1e10,
    match_tol=1e-5,
    n_lyapunov=8,
    lyapunov_steps=2000,
    n_threads=None,
):
    """Iterate initial states and name the attractor each one reaches.

    Parameters
    ----------
    F : OptimizerMap
        An autonomous optimizer map.
    X0 : array_like of shape (N, F.dim)
        Initial states.
    max_steps : int
        Step budget per point.
    max_period : int, default 8
        Longest cycle period detected.
    check_every : int, optional
        Settling-test interval; default max(32, max_period + 1).
    atol, rtol, bound : float
        Settling tolerances and divergence bound (see :func:`optdyn.ensemble`).
    match_tol : float
        A settled point belongs to an attractor when its state lies within
        ``match_tol * (1 + |x|)`` of one of the cycle's states.
    n_lyapunov : int, default 8
        How many never-settling points to classify by their Lyapunov
        spectrum (0: none); see :class:`UnresolvedOrbits`.
    lyapunov_steps : int, default 2000
        Steps averaged for each of those spectra.
    n_threads : int, optional
        Numba threads; labels do not depend on it.

    Returns
    -------
    CensusResult
    """
    if not isinstance(F, OptimizerMap):
        raise ValueError(f"F must be an OptimizerMap; got {F!r}")
    if not getattr(F, "autonomous", True):
        raise ValueError(
            f"census needs an autonomous map; {F.optimizer!r} depends on the "
            "step count (switch off its bias correction)"
        )
    max_period = check_int("max_period", max_period, 1)
    if check_every is None:
        check_every = max(32, max_period + 1)
    check_every = check_int("check_every", check_every, 2)
    if check_every <= max_period:
        raise ValueError(
            f"check_every must exceed max_period={max_period} so that every "
            f"period can be tested; got {check_every}"
        )
    match_tol = check_positive("match_tol", match_tol)
    n_lyapunov = check_int("n_lyapunov", n_lyapunov, 0)
    lyapunov_steps = check_int("lyapunov_steps", lyapunov_steps, 1)

    ens = iterate.ensemble(
        F,
        X0,
        max_steps,
        check_every=check_every,
        max_period=max_period,
        atol=atol,
        rtol=rtol,
        bound=bound,
        n_threads=n_threads,
    )
    labels = np.full(ens.status.shape, UNRESOLVED, dtype=np.int64)
    labels[ens.status == iterate.DIVERGED] = DIVERGED

    attractors = _identify(F, ens, labels, match_tol)
    attractors.sort(key=_sort_key)
    remap = np.full(len(attractors), -1, dtype=np.int64)
    for new, att in enumerate(attractors):
        remap[att.label] = new
    found = labels >= 0
    labels[found] = remap[labels[found]]
    for new, att in enumerate(attractors):
        att.label = new
        att.fraction = float(np.count_nonzero(labels == new)) / labels.size
    unresolved = _classify_unresolved(F, ens, labels, n_lyapunov, lyapunov_steps)
    return CensusResult(labels, ens.steps, attractors, ens.final, ens.status,
                        unresolved)


def _identify(F, ens, labels, match_tol):
    """Confirm attractors from settled points and label the points.

    Candidates are taken in index order (the lowest unlabelled settled
    point first), so the outcome depends on the inputs alone.
    """
    nc = F.n_check
    settled = np.flatnonzero(ens.status == iterate.SETTLED)
    pending = np.ones(settled.size, dtype=bool)
    final = np.ascontiguousarray(ens.final[settled, :nc])
    attractors = []

    def near(states):
        return _near_any(final, np.ascontiguousarray(states[:, :nc]), match_tol)

    n_candidates = 0
    while pending.any():
        if n_candidates == MAX_CANDIDATES:
            log.info(
                "census: %d settled points left unresolved after %d attractor "
                "candidates (many distinct settling places: a continuum of "
                "fixed points, or settling tolerances too loose)",
                int(pending.sum()), MAX_CANDIDATES,
            )
            break
        n_candidates += 1
        k = int(np.argmax(pending))
        i = settled[k]
        att = _confirm(F, ens.final[i], int(ens.period[i]))
        if att is not None:
            # Newton may land on an attractor already known.
            for known in attractors:
                if known.period == att.period and _same_cycle(
                    known.states[:, :nc], att.states[0, :nc], match_tol
                ):
                    att = known
                    break
            else:
                att.label = len(attractors)
                attractors.append(att)
            hit = near(att.states) & pending
            labels[settled[hit]] = att.label
            pending &= ~hit
        if pending[k]:
            # Not confirmed (a saddle, a slow pass, a failed polish): leave
            # this point, and those settled at the same place, unresolved.
            pending &= ~near(ens.final[i : i + 1])
            pending[k] = False
    return attractors


@njit(cache=True)
def _near_any(final, states, match_tol):
    """For each row of ``final``: is it within tolerance of a row of ``states``?

    Tolerance: match_tol * (1 + max |state|), in the max norm.
    """
    hit = np.zeros(final.shape[0], dtype=np.bool_)
    for j in range(states.shape[0]):
        tol = 0.0
        for s in range(states.shape[1]):
            tol = max(tol, abs(states[j, s]))
        tol = match_tol * (1.0 + tol)
        for i in range(final.shape[0]):
            d = 0.0
            for s in range(states.shape[1]):
                d = max(d, abs(final[i, s] - states[j, s]))
            if d <= tol:
                hit[i] = True
    return hit


def _same_cycle(states, x, match_tol):
    tol = match_tol * (1.0 + np.max(np.abs(x)))
    return bool(np.any(np.max(np.abs(states - x), axis=1) <= tol))


# ------------------------------------------------------------------ basins


@dataclass
class BasinResult:
    """Basins of attraction on a grid of starts.

    Attributes
    ----------
    labels : ndarray of int, shape (n2, n1)
        Attractor index per start, ``DIVERGED`` or ``UNRESOLVED``; row i is
        theta_{dims[1]} = y[i], column j is theta_{dims[0]} = x[j].
    steps : ndarray of int64, shape (n2, n1)
        Steps until settling or divergence was detected.
    x, y : ndarray
        Grid coordinates.
    attractors : list of Attractor
    grid : Grid
    map : OptimizerMap
    max_steps : int
    """

    labels: np.ndarray
    steps: np.ndarray
    x: np.ndarray
    y: np.ndarray
    attractors: list
    grid: Grid
    map: OptimizerMap
    max_steps: int
    unresolved_orbits: UnresolvedOrbits = None

    @property
    def fractions(self):
        """Fraction of the grid per attractor name, 'diverged', 'unresolved'."""
        return _fractions(self.labels, self.attractors)

    def summary(self):
        """A JSON-ready dict: map, grid, attractors and fractions."""
        return {
            "loss": repr(self.map.loss),
            "optimizer": repr(self.map.optimizer),
            "params": self.map.params,
            "grid": {"axis1": list(self.grid.axis1), "axis2": list(self.grid.axis2),
                     "dims": list(self.grid.dims)},
            "max_steps": int(self.max_steps),
            "attractors": [a.to_dict() for a in self.attractors],
            "diverged_fraction": self.fractions["diverged"],
            "unresolved_fraction": self.fractions["unresolved"],
            "unresolved_orbits": (None if self.unresolved_orbits is None
                                  else self.unresolved_orbits.to_dict()),
        }

    def __repr__(self):
        p = ", ".join(f"{k}={v:g}" for k, v in self.map.params.items())
        lines = [
            f"BasinResult: {self.map.loss!r} with "
            f"{type(self.map.optimizer).__name__}({p}), "
            f"{self.labels.shape[1]}x{self.labels.shape[0]} grid, "
            f"max_steps={self.max_steps}",
            f"  {'label':>5}  {'attractor':<44} {'rho':>7} {'fraction':>9}",
        ]
        for a in self.attractors:
            lines.append(
                f"  {a.label:>5}  {a.name:<44} {a.spectral_radius:7.4f} "
                f"{a.fraction:9.4f}"
            )
        fr = self.fractions
        lines.append(f"  {DIVERGED:>5}  {'diverged':<44} {'':>7} {fr['diverged']:9.4f}")
        lines.append(
            f"  {UNRESOLVED:>5}  {'unresolved':<44} {'':>7} {fr['unresolved']:9.4f}"
        )
        if self.unresolved_orbits is not None and self.unresolved_orbits.n_sampled:
            lines.append(f"  unresolved orbits: {self.unresolved_orbits}")
        return "\n".join(lines)

    def plot(self, ax=None, palette=None, legend=True, start=None):
        """Draw the basins; see :func:`optdyn.plotting.plot_basins`."""
        from .plotting import plot_basins

        return plot_basins(self, ax=ax, palette=palette, legend=legend, start=start)


def basins(
    F,
    grid,
    max_steps=3000,
    *,
    max_period=8,
    check_every=None,
    atol=1e-12,
    rtol=1e-10,
    bound=1e10,
    match_tol=1e-5,
    n_lyapunov=8,
    lyapunov_steps=2000,
    n_threads=None,
):
    """Basins of attraction of an optimizer map on a grid of starts.

    Each start is theta (grid values on ``grid.dims``, ``grid.fixed`` or 0
    elsewhere) with m and r zero.  It is iterated until it settles, diverges
    or exhausts ``max_steps``; settled points are then grouped into
    confirmed attractors (see :func:`census`, which takes the same keyword
    arguments).

    Returns
    -------
    BasinResult

    Examples
    --------
    >>> from optdyn.losses import Eq15
    >>> from optdyn.optimizers import SuperNesterov
    >>> F = OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=2.0))
    >>> res = basins(F, Grid((-4, 5, 20), (-6, 6, 20)), max_steps=2000)
    >>> res.attractors[0].name
    'minimum (1.690, 1.963)'
    """
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be an optdyn.Grid; got {grid!r}")
    if not isinstance(F, OptimizerMap):
        raise ValueError(f"F must be an OptimizerMap; got {F!r}")
    thetas = grid.thetas(F.n_params)
    X0 = np.zeros((thetas.shape[0], F.dim))
    X0[:, : F.n_params] = thetas
    res = census(
        F,
        X0,
        max_steps,
        max_period=max_period,
        check_every=check_every,
        atol=atol,
        rtol=rtol,
        bound=bound,
        match_tol=match_tol,
        n_lyapunov=n_lyapunov,
        lyapunov_steps=lyapunov_steps,
        n_threads=n_threads,
    )
    return BasinResult(
        labels=res.labels.reshape(grid.shape),
        steps=res.steps.reshape(grid.shape),
        x=grid.x,
        y=grid.y,
        attractors=res.attractors,
        grid=grid,
        map=F,
        max_steps=int(max_steps),
        unresolved_orbits=res.unresolved_orbits,
    )
