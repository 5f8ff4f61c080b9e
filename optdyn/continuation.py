"""Pseudo-arclength continuation of fixed points and cycles in one parameter.

A cycle of period p of the map F_mu is a zero of the shooting residual

    G(X, mu) = (F_mu(x_j) - x_{(j+1) mod p})_{j=0..p-1},   X = (x_0, ..., x_{p-1}),

(p = 1 for a fixed point).  Its zeros form curves in (X, mu).  Pseudo-
arclength continuation follows such a curve through turning points: from a
point Y_k = (X_k, mu_k) with unit tangent t_k (the null vector of
[dG/dX | dG/dmu]), it predicts Y_k + ds t_k and corrects with Newton's
method on

    G(Y) = 0,    t_k . (Y - Y_k) = ds,

adapting ds to how easily Newton converged.  dG/dX is exact (the map's
Jacobian); dG/dmu is a central finite difference with step
``fd_step * max(1, |mu|)`` (default 1e-6, truncation error of order 1e-12).

Along the branch the multipliers lambda_i (eigenvalues of the monodromy
matrix) are tracked through three test functions whose sign changes mark
where a multiplier crosses the unit circle:

    flip               prod_i (1 + lambda_i)                 (lambda = -1)
    fold               prod_i (lambda_i - 1)                 (lambda = +1)
    Neimark-Sacker     prod_{i<j} (lambda_i lambda_j - 1)    (|lambda| = 1, complex)

A sign change is located by Brent's method on the arclength, each trial
point corrected back onto the branch, so the parameter value is accurate to
the Newton tolerance (about 1e-10 relative), far below the 1e-6 the
applications need.  A +1 crossing is called a ``'fold'`` when the branch
turns back in mu there and a ``'branch point'`` (transcritical or pitchfork)
otherwise; a product crossing of a real pair lambda_i lambda_j = 1 (a
neutral saddle, no bifurcation) is not reported.

At a flip the branch of period-2p cycles is entered by a pseudo-arclength
step from the flip point along the period-doubled critical eigenvector
(x_j + a v_j, x_j - a v_j), and continued in turn.  The flip is
*supercritical* when that cycle exists on the side of the flip where the
parent is unstable (a stable cycle is born as the parent loses stability,
if the parent was otherwise stable) and *subcritical* when it exists on the
stable side.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._map import Map
from ._optimizer_map import OptimizerMap
from ._validation import (
    check_finite,
    check_int,
    check_positive,
    require_autonomous,
)
from .orbits import (
    _default_period,
    _initial_points,
    newton_cycle,
    newton_step,
    shooting_matrix,
)
from .spectra import IMAG_TOL, clean_eigenvalues, monodromy

#: Kinds of bifurcation points reported along a branch.
KINDS = ("flip", "fold", "branch point", "neimark-sacker")


@dataclass(eq=False)
class BifurcationPoint:
    """A point of a branch where a multiplier crosses the unit circle.

    Attributes
    ----------
    kind : str
        ``'flip'`` (multiplier -1), ``'fold'`` (+1 at a turning point in the
        parameter), ``'branch point'`` (+1 without turning back) or
        ``'neimark-sacker'`` (a complex pair on the unit circle).
    param : str
        The continuation parameter.
    value : float
        Its value at the bifurcation.
    state : ndarray of shape (period, dim)
        The fixed point or cycle there.
    multipliers : ndarray of complex128, shape (dim,)
        Its multipliers there.
    period : int
        Period of the orbit that bifurcates.
    index : int
        Position of this point in the branch's arrays.
    stability : str
        ``'lost'``, ``'gained'`` or ``'unchanged'``: what happens to the
        orbit's stability as the branch passes this point.
    criticality : str or None
        For a flip whose new branch was computed: ``'supercritical'``,
        ``'subcritical'`` or ``'undetermined'``; None otherwise.
    angle : float or None
        For a Neimark-Sacker point, the argument of the critical pair in
        (0, pi).
    located : bool
        True when the point was located to the Newton tolerance; False when
        the root search failed and ``value`` is only the linear
        interpolation of the test function between two branch points.
    child : Branch or None
        The period-doubled branch switched onto at a flip.
    """

    kind: str
    param: str
    value: float
    state: np.ndarray
    multipliers: np.ndarray
    period: int
    index: int
    stability: str
    criticality: str = None
    angle: float = None
    located: bool = True
    child: "Branch" = field(default=None, repr=False)

    def __repr__(self):
        text = f"{self.kind} of the period-{self.period} orbit at {self.param}="
        text += f"{self.value:.10g}"
        if not self.located:
            text += " (not located: interpolated)"
        if self.criticality:
            text += f", {self.criticality}"
        text += f", stability {self.stability}"
        if self.angle is not None:
            text += f", angle {self.angle:.6g}"
        if self.child is not None:
            text += f", child: period-{self.child.period} branch of "
            text += f"{len(self.child.values)} points"
        return f"BifurcationPoint({text})"

    def to_dict(self):
        """A JSON-ready summary (the child branch is not included)."""
        return {
            "kind": self.kind,
            "param": self.param,
            "value": self.value,
            "period": self.period,
            "state": self.state.tolist(),
            "multipliers_re": self.multipliers.real.tolist(),
            "multipliers_im": self.multipliers.imag.tolist(),
            "stability": self.stability,
            "criticality": self.criticality,
            "angle": self.angle,
            "located": self.located,
        }


@dataclass(eq=False)
class Branch:
    """A continued branch of fixed points or cycles, and what grew from it.

    Attributes
    ----------
    map : Map
        The map at its starting parameter value.
    param : str
        The continuation parameter.
    period : int
        Period of the orbits on the branch.
    values : ndarray of shape (n,)
        Parameter value at each point (bifurcation points included).
    states : ndarray of shape (n, period, dim)
        The orbit at each point.
    multipliers : ndarray of complex128, shape (n, dim)
        Multipliers at each point, by decreasing modulus.
    stable : ndarray of bool, shape (n,)
        Spectral radius < 1.
    bifurcations : list of BifurcationPoint
        In the order met along the branch.
    status : str
        Why the continuation stopped.
    n_failed_corrections : int
        Corrector solves that failed and made the step size shrink.
    origin : BifurcationPoint or None
        The flip of the parent branch this branch was switched from.
    """

    map: Map
    param: str
    period: int
    values: np.ndarray
    states: np.ndarray
    multipliers: np.ndarray
    stable: np.ndarray
    bifurcations: list
    status: str
    n_failed_corrections: int = 0
    origin: BifurcationPoint = field(default=None, repr=False)

    def __repr__(self):
        n = len(self.values)
        head = f"Branch(period {self.period} in {self.param}, "
        if n == 0:
            return head + f"no points; status: {self.status})"
        lo, hi = float(np.min(self.values)), float(np.max(self.values))
        head += f"{n} points, {self.param} in [{lo:.6g}, {hi:.6g}], "
        head += f"{int(np.count_nonzero(self.stable))} stable; "
        shown = [repr(b)[len("BifurcationPoint("):-1] for b in self.bifurcations[:4]]
        if len(self.bifurcations) > 4:
            shown.append(f"... {len(self.bifurcations) - 4} more")
        if shown:
            head += "bifurcations: " + "; ".join(shown) + "; "
        else:
            head += "no bifurcation; "
        return head + f"status: {self.status})"

    @property
    def spectral_radius(self):
        """Largest multiplier modulus at each point, shape (n,)."""
        return np.abs(self.multipliers[:, 0]) if len(self.values) else np.zeros(0)

    @property
    def theta(self):
        """theta at each point, shape (n, period, D) (optimizer maps only)."""
        if not isinstance(self.map, OptimizerMap):
            raise ValueError(
                f"theta is defined for optimizer maps only; this branch is of "
                f"{self.map!r}; use states"
            )
        return self.map.theta(self.states)

    @property
    def children(self):
        """Branches switched onto at this branch's flips."""
        return [b.child for b in self.bifurcations if b.child is not None]

    def walk(self):
        """This branch and all its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_dict(self):
        """A JSON-ready description of the branch and its descendants."""
        return {
            "param": self.param,
            "period": self.period,
            "status": self.status,
            "n_failed_corrections": self.n_failed_corrections,
            "values": self.values.tolist(),
            "states": self.states.tolist(),
            "spectral_radius": self.spectral_radius.tolist(),
            "stable": self.stable.tolist(),
            "bifurcations": [b.to_dict() for b in self.bifurcations],
            "children": [c.to_dict() for c in self.children],
        }

    def plot(self, ax=None, component=0, *, descendants=True, annotate=True,
             colors=None, label=True):
        """Draw the branch: component of each cycle point against the parameter.

        Stable parts are solid, unstable parts dashed; bifurcation points are
        marked and, with ``annotate``, labelled with their kind.  Each period
        gets its own colour.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Drawn on the current axes if omitted.
        component : int
            Which state component to draw (0 is theta_1 for optimizer maps).
        descendants : bool
            Also draw the branches switched onto at flips.
        annotate : bool
            Write each bifurcation's kind beside its marker.
        colors : dict, optional
            Colour per period, e.g. ``{1: 'k', 2: 'C3'}``.
        label : bool
            Add legend entries (one per period).

        Returns
        -------
        list of matplotlib artists
        """
        import matplotlib.pyplot as plt

        if ax is None:
            ax = plt.gca()
        component = check_int("component", component, 0)
        if component >= self.map.dim:
            raise ValueError(
                f"component must lie in [0, {self.map.dim - 1}]; got {component}"
            )
        colors = dict(colors or {})
        artists = []
        labelled = set()
        branches = list(self.walk()) if descendants else [self]
        for k, br in enumerate(branches):
            if len(br.values) == 0:
                continue
            col = colors.get(br.period, f"C{round(math.log2(br.period)) % 10}")
            # a segment is stable when its regular end points are (the
            # bifurcation points themselves sit on the unit circle)
            bif_idx = {b.index for b in br.bifurcations}
            if br.origin is not None:
                bif_idx.add(0)
            ok = [br.stable[i] or i in bif_idx for i in range(len(br.values))]
            seg = [
                ok[i] and ok[i + 1] and not (i in bif_idx and i + 1 in bif_idx)
                for i in range(len(br.values) - 1)
            ]
            # runs of equal stability, each drawn as one line
            runs, start = [], 0
            for i in range(1, len(seg) + 1):
                if i == len(seg) or seg[i] != seg[start]:
                    runs.append((start, i, seg[start]))
                    start = i
            for j in range(br.period):
                y = br.states[:, j, component]
                for a, b_end, stable in runs:
                    lab = None
                    if label and br.period not in labelled:
                        lab = f"period {br.period}"
                        labelled.add(br.period)
                    (line,) = ax.plot(
                        br.values[a : b_end + 1],
                        y[a : b_end + 1],
                        "-" if stable else "--",
                        color=col,
                        lw=1.6 if stable else 1.0,
                        label=lab,
                    )
                    artists.append(line)
            for b in br.bifurcations:
                ys = b.state[:, component]
                artists.append(
                    ax.plot([b.value] * len(ys), ys, "o", mfc="white", mec=col,
                            ms=6, zorder=5)[0]
                )
                if annotate:
                    text = b.kind
                    if b.criticality:
                        text += f" ({b.criticality[:3]}.)"
                    artists.append(
                        ax.annotate(
                            f"{text}\n{b.param}={b.value:.6g}",
                            (b.value, ys[0]),
                            textcoords="offset points",
                            xytext=(6, 6),
                            fontsize=7,
                        )
                    )
        ax.set_xlabel(self.param)
        if isinstance(self.map, OptimizerMap):
            ax.set_ylabel(self.map.state_names[component])
        else:
            ax.set_ylabel(f"x[{component}]")
        return artists


# ----------------------------------------------------------------- system


class _ParamDomainError(Exception):
    """The parameter left the range the map accepts."""


class _System:
    """The shooting residual of period-p cycles as a function of Y = (X, mu)."""

    def __init__(self, F, param, period, fd_step, imag_tol):
        self.F = F
        self.param = param
        self.p = period
        self.n = F.dim
        self.N = period * F.dim
        self.fd_step = fd_step
        self.imag_tol = imag_tol

    def map_at(self, mu):
        try:
            return self.F.with_params(**{self.param: float(mu)})
        except ValueError as exc:
            raise _ParamDomainError(str(exc)) from None

    def split(self, Y):
        return Y[:-1].reshape(self.p, self.n), Y[-1]

    def residual(self, Y):
        X, mu = self.split(Y)
        Fm = self.map_at(mu)
        FX = np.array([Fm.step(x) for x in X])
        return (FX - np.roll(X, -1, axis=0)).ravel()

    def matrix(self, Y):
        """[dG/dX | dG/dmu], shape (N, N + 1), and the Jacobians dF/dx."""
        X, mu = self.split(Y)
        A, jacs = shooting_matrix(self.map_at(mu), X)
        h = self.fd_step * max(1.0, abs(mu))
        Yp, Ym = Y.copy(), Y.copy()
        Yp[-1] += h
        Ym[-1] -= h
        try:
            gmu = (self.residual(Yp) - self.residual(Ym)) / (2.0 * h)
        except _ParamDomainError:
            try:
                gmu = (self.residual(Yp) - self.residual(Y)) / h
            except _ParamDomainError:
                gmu = (self.residual(Y) - self.residual(Ym)) / h
        return np.hstack([A, gmu[:, None]]), jacs

    def multipliers(self, Y):
        X, mu = self.split(Y)
        Fm = self.map_at(mu)
        return clean_eigenvalues(
            monodromy([Fm.jacobian(x) for x in X]), self.imag_tol
        )

    def tangent(self, Y, t_prev):
        A, _ = self.matrix(Y)
        M = np.vstack([A, t_prev[None, :]])
        rhs = np.zeros(self.N + 1)
        rhs[-1] = 1.0
        z = newton_step(M, rhs)
        if z is None:
            raise np.linalg.LinAlgError("singular or ill-conditioned tangent system")
        return z / np.linalg.norm(z)

    def correct(self, Y_pred, t, Y_base, s, tol, max_iter):
        """Newton on G(Y) = 0, t.(Y - Y_base) = s.  Returns (Y, ok, iterations)."""
        Y = Y_pred.copy()
        with np.errstate(all="ignore"):
            for it in range(max_iter + 1):
                g = self.residual(Y)
                c = t @ (Y - Y_base) - s
                scale = 1.0 + np.max(np.abs(Y))
                if not np.all(np.isfinite(g)):
                    return Y, False, it
                if np.max(np.abs(g)) <= tol * scale and abs(c) <= tol * scale:
                    return Y, True, it
                if it == max_iter:
                    break
                A, _ = self.matrix(Y)
                M = np.vstack([A, t[None, :]])
                dY = newton_step(M, -np.append(g, c))
                if dY is None:
                    return Y, False, it
                Y = Y + dY
        return Y, False, max_iter


def _tests(lam):
    """The flip, fold and Neimark-Sacker test functions of the multipliers."""
    flip = np.prod(1.0 + lam).real
    fold = np.prod(lam - 1.0).real
    ns = 1.0
    for i in range(len(lam)):
        for j in range(i + 1, len(lam)):
            ns *= lam[i] * lam[j] - 1.0
    return np.array([flip, fold, np.real(ns)])


# ------------------------------------------------------------ the driver


@dataclass
class _Settings:
    lo: float
    hi: float
    ds: float
    ds_min: float
    ds_max: float
    max_points: int
    tol: float
    max_newton: int
    state_bound: float
    switch_depth: int
    stop_children: bool


def continuation(
    F,
    x0,
    param,
    *,
    period=None,
    param_range=(-math.inf, math.inf),
    direction=1,
    ds=0.01,
    ds_min=1e-9,
    ds_max=0.1,
    max_points=2000,
    tol=1e-11,
    max_newton=10,
    switch_depth=0,
    stop_children_at_instability=True,
    state_bound=1e6,
    fd_step=1e-6,
    imag_tol=IMAG_TOL,
):
    """Continue a fixed point or cycle of F in the parameter ``param``.

    Follows the branch through (X, mu) by pseudo-arclength steps (see the
    module docstring), tracks the multipliers, locates flips, folds, branch
    points and Neimark-Sacker points, and, with ``switch_depth`` > 0, switches
    at each flip onto the period-doubled branch and continues it too.

    Parameters
    ----------
    F : Map
        The map at the starting parameter value (an OptimizerMap or any
        :class:`optdyn.FunctionMap`).
    x0 : array_like of shape (F.dim,) or (period, F.dim), or Orbit
        A guess of the orbit at the starting value; it is Newton-polished
        first.
    param : str
        One of ``F.param_names`` (``'sigma'``, ``'eta'``, ``'g'``, ``'r'``,
        ...).  Changing it never recompiles kernels.
    period : int, optional
        Period of the orbit (>= 1); default: from ``x0`` if it is an Orbit or
        a 2-D array, else 1.
    param_range : (float, float), optional
        The branch stops when the parameter leaves [low, high]; its last
        point is then placed exactly on the bound.  Where the map itself
        refuses a value first (eta > 0, 0 <= g < 1, ...), the step is
        bisected towards that edge down to ``ds_min`` and the branch stops
        within about ``ds_min`` of it, its ``status`` naming the edge.
    direction : {1, -1}, optional
        Start towards increasing (1) or decreasing (-1) parameter.
    ds, ds_min, ds_max : float, optional
        Initial, smallest and largest arclength step in (X, mu).  Bifurcations
        closer together than ds_max along the branch may be missed.
    max_points : int, optional
        Most steps per branch.
    tol : float, optional
        Newton tolerance on the residual, relative to 1 + max |Y|.
    max_newton : int, optional
        Corrector iterations before the step is halved.
    switch_depth : int, optional
        How many successive period doublings to follow (0: none).
    stop_children_at_instability : bool, optional
        End each switched-onto branch where it loses stability (after
        switching there, if the depth allows); otherwise continue it to the
        range or ``max_points``.
    state_bound : float, optional
        The branch stops as 'diverged' when a state component exceeds it.
    fd_step : float, optional
        Relative step of the central difference for dG/dmu.
    imag_tol : float, optional
        Imaginary parts of multipliers below imag_tol max(1, |lambda|) are
        noise (see :func:`optdyn.spectra.clean_eigenvalues`).

    Returns
    -------
    Branch
        If the starting Newton solve fails, the branch has no points and its
        ``status`` gives the residual reached.

    Examples
    --------
    >>> from optdyn.maps import logistic
    >>> br = continuation(logistic(r=2.5), [0.6], "r", param_range=(2.5, 3.2))
    >>> flip = br.bifurcations[0]
    >>> flip.kind, round(flip.value, 9)
    ('flip', 3.0)
    """
    if not isinstance(F, Map):
        raise ValueError(f"F must be an optdyn Map; got {F!r}")
    require_autonomous(F, "continuation")
    if not isinstance(param, str) or param not in F.param_names:
        raise ValueError(
            f"param must name a parameter of the map; got {param!r}; "
            f"valid names: {', '.join(F.param_names)}"
        )
    if hasattr(x0, "points") and hasattr(x0, "period"):
        period, x0 = x0.period, x0.points
    period = check_int("period", _default_period(x0, period), 1)
    lo, hi = _check_range(param_range)
    mu0 = F.params[param]
    if not lo <= mu0 <= hi:
        raise ValueError(
            f"the starting value {param}={mu0!r} must lie in param_range "
            f"[{lo}, {hi}]"
        )
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1; got {direction!r}")
    settings = _Settings(
        lo=lo,
        hi=hi,
        ds=check_positive("ds", ds),
        ds_min=check_positive("ds_min", ds_min),
        ds_max=check_positive("ds_max", ds_max),
        max_points=check_int("max_points", max_points, 2),
        tol=check_positive("tol", tol),
        max_newton=check_int("max_newton", max_newton, 1),
        state_bound=check_positive("state_bound", state_bound),
        switch_depth=check_int("switch_depth", switch_depth, 0),
        stop_children=bool(stop_children_at_instability),
    )
    if not settings.ds_min <= settings.ds <= settings.ds_max:
        raise ValueError(
            f"need ds_min <= ds <= ds_max; got ds_min={ds_min}, ds={ds}, "
            f"ds_max={ds_max}"
        )
    fd_step = check_positive("fd_step", fd_step)
    imag_tol = check_finite("imag_tol", imag_tol)
    system = _System(F, param, period, fd_step, imag_tol)

    # polish the start at fixed parameter
    X0 = _initial_points(F, x0, period)
    X, res, its, ok = newton_cycle(F, X0, tol=tol, max_iter=50)
    if not ok:
        return _empty_branch(
            system,
            f"initial Newton solve failed: residual {res:.3e} after {its} "
            f"iterations (tolerance {tol:g})",
        )
    Y0 = np.append(X.ravel(), mu0)
    e_mu = np.zeros(system.N + 1)
    e_mu[-1] = float(direction)
    t0 = system.tangent(Y0, e_mu)
    return _run(system, [Y0], t0, settings, settings.switch_depth, False, None)


def _check_range(param_range):
    try:
        lo, hi = (float(v) for v in param_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"param_range must be a pair (low, high); got {param_range!r}"
        ) from None
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise ValueError(
            f"param_range must satisfy low < high; got {param_range!r}"
        )
    return lo, hi


def _empty_branch(system, status, origin=None):
    n, p = system.n, system.p
    return Branch(
        map=system.F,
        param=system.param,
        period=p,
        values=np.zeros(0),
        states=np.zeros((0, p, n)),
        multipliers=np.zeros((0, n), dtype=np.complex128),
        stable=np.zeros(0, dtype=bool),
        bifurcations=[],
        status=status,
        origin=origin,
    )


def _run(system, start_points, t, st, depth, is_child, origin):
    """Continue from the last of ``start_points`` with tangent t."""
    pts = list(start_points)
    mults = [system.multipliers(Y) for Y in pts]
    bifs = []
    Y = pts[-1]
    lam = mults[-1]
    psi = _tests(lam)
    ds = st.ds
    n_failed = 0
    status = f"reached max_points={st.max_points}"
    edge = None  # the map's refusal, once a step has left its domain
    towards_edge = 0.0

    while len(pts) < st.max_points:
        # predictor and corrector
        try:
            Y_new, ok, its = system.correct(
                Y + ds * t, t, Y, ds, st.tol, st.max_newton
            )
            if ok:
                t_new = system.tangent(Y_new, t)
        except _ParamDomainError as exc:
            # the step left the map's domain: shorten it towards the edge
            ds, edge = _step_to_edge(system, Y, t, ds, st.ds_min, str(exc))
            towards_edge = np.sign(t[-1])
            if ds < st.ds_min:
                status = (
                    f"stopped at the edge of the map's domain, last point "
                    f"{system.param}={Y[-1]:.10g}: a step further is refused "
                    f"({edge})"
                )
                break
            continue
        except (np.linalg.LinAlgError, ValueError):
            ok = False
        if ok and t_new @ t < 0.9 and ds > st.ds_min * 2:
            ok = False  # the tangent turned too sharply: a smaller step
        if not ok:
            n_failed += 1
            ds *= 0.5
            if ds < st.ds_min:
                status = (
                    f"step size fell below ds_min={st.ds_min:g} at "
                    f"{system.param}={Y[-1]:.10g}"
                )
                break
            continue
        X_new, mu_new = system.split(Y_new)
        if np.max(np.abs(X_new)) > st.state_bound:
            status = (
                f"diverged: |x| > state_bound={st.state_bound:g} at "
                f"{system.param}={mu_new:.10g}"
            )
            break

        # bifurcations between Y and Y_new
        lam_new = system.multipliers(Y_new)
        psi_new = _tests(lam_new)
        found = []
        for which in range(3):
            if psi[which] * psi_new[which] <= 0 and psi[which] != 0:
                b = _locate(system, Y, t, ds, which, st, t_new,
                            psi[which], psi_new[which])
                if b is not None:
                    found.append(b)
        found.sort(key=lambda item: item[0])

        stop_here = False
        for s, Yb, lamb, kind, angle, located in found:
            mu_b = Yb[-1]
            if not st.lo <= mu_b <= st.hi:
                continue
            stab_before = bool(np.abs(lam[0]) < 1.0)
            stab_after = bool(np.abs(lam_new[0]) < 1.0)
            change = "unchanged"
            if stab_before and not stab_after:
                change = "lost"
            elif stab_after and not stab_before:
                change = "gained"
            point = BifurcationPoint(
                kind=kind,
                param=system.param,
                value=float(mu_b),
                state=system.split(Yb)[0].copy(),
                multipliers=lamb,
                period=system.p,
                index=len(pts),
                stability=change,
                angle=angle,
                located=located,
            )
            pts.append(Yb)
            mults.append(lamb)
            bifs.append(point)
            if kind == "flip" and depth > 0:
                _switch(system, point, Y, Y_new, lam_new, st, depth)
            if is_child and st.stop_children and change == "lost":
                stop_here = True
                status = f"lost stability at {kind} {system.param}={mu_b:.10g}"
                break
        if stop_here:
            break

        # leaving the parameter range: end exactly on the bound
        if not st.lo <= mu_new <= st.hi:
            bound = st.hi if mu_new > st.hi else st.lo
            Y_end = _point_at(system, Y, Y_new, bound, st.tol)
            if Y_end is not None:
                pts.append(Y_end)
                mults.append(system.multipliers(Y_end))
            status = f"reached {system.param}={bound:g}"
            break

        pts.append(Y_new)
        mults.append(lam_new)
        Y, t, psi, lam = Y_new, t_new, psi_new, lam_new
        if edge is not None and np.sign(t[-1]) != towards_edge:
            edge = None  # the branch turned away from the edge
        if edge is not None:
            pass  # near the domain's edge: no growth, the next step bisects
        elif its <= 3:
            ds = min(ds * 1.5, st.ds_max)
        elif its >= 6:
            ds = max(ds * 0.6, st.ds_min)

    P = np.array(pts)
    mult = np.array(mults)
    return Branch(
        map=system.F,
        param=system.param,
        period=system.p,
        values=P[:, -1].copy(),
        states=P[:, :-1].reshape(len(pts), system.p, system.n),
        multipliers=mult,
        stable=np.abs(mult[:, 0]) < 1.0,
        bifurcations=bifs,
        status=status,
        n_failed_corrections=n_failed,
        origin=origin,
    )


def _step_to_edge(system, Y, t, ds, ds_min, message):
    """A shorter step from Y along t that stays in the map's domain.

    When the predicted parameter Y[-1] + ds t[-1] is refused by the map,
    bisect on the arclength s in (0, ds) for the last predicted parameter
    the map accepts, to within ds_min.  When the prediction was accepted
    (a corrector iterate strayed out), halve ds.

    Returns
    -------
    ds : float
        The new step (below ds_min when Y is already at the edge).
    message : str
        The map's refusal of the closest refused parameter value.
    """

    def refusal(s):
        try:
            system.map_at(Y[-1] + s * t[-1])
        except _ParamDomainError as exc:
            return str(exc)
        return None

    first = refusal(ds)
    if first is None:
        return 0.5 * ds, message
    lo, hi, message = 0.0, ds, first
    while hi - lo > ds_min:
        mid = 0.5 * (lo + hi)
        why = refusal(mid)
        if why is None:
            lo = mid
        else:
            hi, message = mid, why
    return lo, message


def _locate(system, Y, t, ds, which, st, t_new, psi0, psi1):
    """Find where test function ``which`` vanishes between Y and Y + ds t.

    Returns (s, Y_b, multipliers, kind, angle, located); ``located`` is False
    when the root search failed and Y_b is the point at the linear
    interpolation of the test function (a rougher estimate, still reported).
    """

    def on_branch(s):
        Ys, ok, _ = system.correct(Y + s * t, t, Y, s, st.tol, 2 * st.max_newton)
        if not ok:
            raise _LocateError
        return Ys

    def f(s):
        return _tests(system.multipliers(on_branch(s)))[which]

    from scipy.optimize import brentq  # here: keeps `import optdyn` light

    located = True
    try:
        s = brentq(f, 0.0, ds, xtol=1e-14 * max(1.0, ds), rtol=1e-15, maxiter=200)
        Yb = on_branch(s)
    except (_LocateError, ValueError, RuntimeError, np.linalg.LinAlgError):
        located = False
        s = ds * psi0 / (psi0 - psi1) if psi0 != psi1 else ds
        try:
            Yb = on_branch(s)
        except (_LocateError, ValueError, np.linalg.LinAlgError):
            Yb = Y + s * t
    lam = system.multipliers(Yb)
    angle = None
    if which == 0:
        kind = "flip"
    elif which == 1:
        turned = np.sign(t[-1]) != np.sign(t_new[-1])
        kind = "fold" if turned else "branch point"
    else:
        cplx = lam[np.abs(lam.imag) > 0]
        if cplx.size == 0:
            return None  # a real pair with product 1: neutral saddle
        crit = cplx[np.argmin(np.abs(np.abs(cplx) - 1.0))]
        if located and abs(abs(crit) - 1.0) > 1e-6:
            return None
        kind = "neimark-sacker"
        angle = float(abs(np.angle(crit)))
    return s, Yb, lam, kind, angle, located


class _LocateError(Exception):
    pass


def _point_at(system, Y, Y_new, mu, tol):
    """The branch point at parameter ``mu`` between Y and Y_new (or None)."""
    w = (mu - Y[-1]) / (Y_new[-1] - Y[-1])
    X_guess, _ = system.split(Y + w * (Y_new - Y))
    Fm = system.map_at(mu)
    X, _, _, ok = newton_cycle(Fm, X_guess, tol=tol, max_iter=20)
    if not ok:
        return None
    return np.append(X.ravel(), mu)


def _switch(system, point, Y_before, Y_after, lam_after, st, depth):
    """Enter and continue the period-doubled branch at a flip ``point``."""
    X, mu = point.state, point.value
    Fm = system.map_at(mu)
    jacs = [Fm.jacobian(x) for x in X]
    w, V = np.linalg.eig(monodromy(jacs))
    v = np.real(V[:, np.argmin(np.abs(w + 1.0))])
    vs = [v / np.linalg.norm(v)]
    for j in range(system.p - 1):
        vs.append(jacs[j] @ vs[-1])
    vs = np.array(vs)
    child = _System(system.F, system.param, 2 * system.p, system.fd_step,
                    system.imag_tol)
    Y_star = np.append(np.concatenate([X, X]).ravel(), mu)
    t = np.append(np.concatenate([vs, -vs]).ravel(), 0.0)
    t /= np.linalg.norm(t)

    # first step off the flip: its component along t is fixed, which rules
    # out the (doubled) parent branch
    h = 1e-3 * (1.0 + np.max(np.abs(X)))
    try:
        Y1, ok, _ = child.correct(Y_star + h * t, t, Y_star, h, st.tol,
                                  4 * st.max_newton)
        if ok:
            t1 = child.tangent(Y1, (Y1 - Y_star) / np.linalg.norm(Y1 - Y_star))
    except (_ParamDomainError, np.linalg.LinAlgError, ValueError):
        ok = False
    if not ok:
        point.criticality = "undetermined"
        point.child = _empty_branch(
            child, "could not step onto the period-doubled branch", point
        )
        return
    branch = _run(child, [Y_star, Y1], t1, st, depth - 1, True, point)
    point.child = branch

    # criticality: on which side of the flip does the new cycle live?
    k = np.argmin(np.abs(lam_after + 1.0))
    after_unstable = abs(lam_after[k]) > 1.0
    step = np.sign(Y_after[-1] - Y_before[-1])
    unstable_side = step if after_unstable else -step
    thresh = 1e-9 * (1.0 + abs(mu))
    side = 0.0
    for value in branch.values[1:]:
        if abs(value - mu) > thresh:
            side = np.sign(value - mu)
            break
    if side == 0.0 or unstable_side == 0.0:
        point.criticality = "undetermined"
    elif side == unstable_side:
        point.criticality = "supercritical"
    else:
        point.criticality = "subcritical"
