"""Fixed points and periodic orbits of a map, by multiple-shooting Newton.

A cycle of period p is a solution x_0, ..., x_{p-1} of the p-fold system

    R_j = F(x_j) - x_{(j+1) mod p} = 0,    j = 0, ..., p - 1,

solved by Newton's method on all p points at once (multiple shooting).  Its
Jacobian is block-bidiagonal with blocks dF/dx (x_j) and -I, so it stays well
conditioned for unstable and long cycles, where Newton on F^p(x) - x would
face a product of p Jacobians.  A fixed point is the case p = 1.

The multipliers of a cycle are the eigenvalues of the monodromy matrix
M = J(x_{p-1}) ... J(x_0); the cycle is stable when all lie inside the unit
circle.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np

from ._map import Map
from ._optimizer_map import OptimizerMap
from ._validation import check_int, check_positive, require_autonomous
from .iterate import trajectory
from .spectra import IMAG_TOL, clean_eigenvalues, monodromy


@dataclass(frozen=True, eq=False)
class Orbit:
    """A fixed point or cycle of a map, with its stability.

    Attributes
    ----------
    points : ndarray of shape (period, dim)
        The states x_0, ..., x_{p-1}, with x_{j+1} = F(x_j).
    period : int
        The period p (1 for a fixed point).
    multipliers : ndarray of complex128, shape (dim,)
        Eigenvalues of the monodromy matrix, by decreasing modulus.  The
        matrix is the explicit product of the p Jacobians, so for long,
        strongly unstable cycles the smallest multipliers lose relative
        accuracy (the largest, which decide stability, do not).
    spectral_radius : float
        Largest modulus of the multipliers.
    stable : bool
        Whether spectral_radius < 1 (converged orbits only).
    residual : float
        max_j |F(x_j) - x_{j+1}| at the returned points.
    converged : bool
        Whether Newton reached the tolerance.  An orbit with
        ``converged=False`` is the last iterate of a failed solve, reported
        so that the failure is visible; it is not an orbit of F.
    iterations : int
        Newton iterations used.
    params : dict
        The map's parameter values.
    theta : ndarray of shape (period, D) or None
        The parameters theta at each point (optimizer maps only).
    loss_values : ndarray of shape (period,) or None
        L(theta) at each point (optimizer maps only).
    critical_point : str or None
        For a fixed point of an optimizer map, the kind of critical point of
        the loss it sits on: 'minimum', 'saddle', 'maximum' or 'degenerate'
        (from the Hessian).  None otherwise.
    """

    points: np.ndarray
    period: int
    multipliers: np.ndarray
    spectral_radius: float
    stable: bool
    residual: float
    converged: bool
    iterations: int
    params: dict
    theta: np.ndarray = None
    loss_values: np.ndarray = None
    critical_point: str = None

    def __repr__(self):
        where = self.theta if self.theta is not None else self.points
        first = np.array2string(where[0], precision=6)
        status = "stable" if self.stable else "unstable"
        if not self.converged:
            status = f"NOT CONVERGED (residual {self.residual:.2e})"
        return (
            f"Orbit(period={self.period}, first point={first}, "
            f"spectral_radius={self.spectral_radius:.6g}, {status})"
        )


@dataclass(frozen=True, eq=False)
class OrbitSearch:
    """The orbits found by :func:`fixed_points` or :func:`periodic_orbits`.

    Iterating over it, ``len`` and indexing act on ``orbits``.

    Attributes
    ----------
    orbits : list of Orbit
        Converged, distinct orbits of exact period inside the box, ordered by
        their first point.
    period : int
        The period searched for.
    n_starts : int
        Newton solves attempted.
    n_converged : int
        Solves that converged (before removing duplicates, lower periods and
        orbits outside the box).
    n_failed : int
        Solves that did not converge: the iteration budget ran out, the
        residual stopped decreasing, an iterate became non-finite, or a
        Newton step met a singular or ill-conditioned shooting matrix
        (reported here, never as a warning).
    n_lower_period : int
        Converged solves rejected because the cycle has a smaller period.
    n_outside : int
        Converged solves rejected because a point lies outside the box.
    worst_failure : Orbit or None
        The failed solve with the largest final residual, for inspection.
    """

    orbits: list
    period: int
    n_starts: int
    n_converged: int
    n_failed: int
    n_lower_period: int
    n_outside: int
    worst_failure: Orbit = field(default=None, repr=False)

    def __repr__(self):
        shown = ", ".join(repr(o) for o in self.orbits[:3])
        if len(self.orbits) > 3:
            shown += f", ... {len(self.orbits) - 3} more"
        return (
            f"OrbitSearch(period {self.period}: {len(self.orbits)} found [{shown}]; "
            f"{self.n_starts} starts, {self.n_converged} converged, "
            f"{self.n_failed} failed, {self.n_lower_period} of lower period, "
            f"{self.n_outside} outside the box)"
        )

    def __iter__(self):
        return iter(self.orbits)

    def __len__(self):
        return len(self.orbits)

    def __getitem__(self, i):
        return self.orbits[i]


# --------------------------------------------------------- shooting system


def shooting_residual(F, X):
    """R_j = F(x_j) - x_{(j+1) mod p}, shape (p, dim)."""
    FX = np.array([F.step(xj) for xj in X])
    return FX - np.roll(X, -1, axis=0)


def shooting_matrix(F, X):
    """The Jacobian of the shooting residual, and the blocks dF/dx (x_j).

    Returns
    -------
    A : ndarray of shape (p dim, p dim)
        dR/dX with X flattened point by point.
    jacobians : list of p arrays of shape (dim, dim)
    """
    p, n = X.shape
    jacobians = [np.asarray(F.jacobian(xj), dtype=np.float64) for xj in X]
    A = np.zeros((p * n, p * n))
    for j in range(p):
        rows = slice(j * n, (j + 1) * n)
        A[rows, j * n : (j + 1) * n] += jacobians[j]
        k = (j + 1) % p
        A[rows, k * n : (k + 1) * n] -= np.eye(n)
    return A, jacobians


def _scale(X):
    return 1.0 + np.max(np.abs(X))


def newton_step(A, rhs):
    """The solution d of A d = rhs, or None when it cannot be trusted.

    None when A is singular, when its reciprocal condition number is below
    machine epsilon (scipy's ill-conditioning test: the step would carry no
    correct digit) or when d is not finite.  The caller counts this as a
    failed Newton solve; no :class:`scipy.linalg.LinAlgWarning` reaches the
    user.
    """
    with warnings.catch_warnings():
        # Imported here: scipy.linalg costs a noticeable share of import time.
        import scipy.linalg

        warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
        try:
            d = scipy.linalg.solve(A, rhs, check_finite=False)
        except (scipy.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError):
            return None
    if not np.all(np.isfinite(d)):
        return None
    return d


def newton_cycle(F, X0, *, tol=1e-11, max_iter=50):
    """Solve the shooting system by damped Newton from the points X0.

    Each step solves A dX = -R (scipy.linalg.solve) and halves the step
    (up to 20 times) while the max-norm residual does not decrease.  A
    singular or ill-conditioned A (see :func:`newton_step`) ends the solve
    as a failure, with the residual reached so far; it never warns.

    Returns
    -------
    X : ndarray of shape (p, dim)
    residual : float
    iterations : int
    converged : bool
        residual <= tol * (1 + max |X|).
    """
    X = np.array(X0, dtype=np.float64)
    p, n = X.shape
    with np.errstate(all="ignore"):
        R = shooting_residual(F, X)
        res = np.max(np.abs(R))
        for it in range(max_iter + 1):
            if not np.isfinite(res):
                return X, float(res), it, False
            if res <= tol * _scale(X):
                # one more full step polishes to rounding level (quadratic
                # convergence); kept only if it does not make things worse
                X_pol, res_pol = _polish(F, X, R)
                if res_pol <= res:
                    X, res = X_pol, res_pol
                return X, float(res), it, True
            if it == max_iter:
                break
            A, _ = shooting_matrix(F, X)
            dX = newton_step(A, -R.ravel())
            if dX is None:
                return X, float(res), it, False
            dX = dX.reshape(p, n)
            lam = 1.0
            for _ in range(20):
                X_new = X + lam * dX
                R_new = shooting_residual(F, X_new)
                res_new = np.max(np.abs(R_new))
                if np.isfinite(res_new) and res_new < res:
                    break
                lam *= 0.5
            else:
                return X, float(res), it + 1, False
            X, R, res = X_new, R_new, res_new
    return X, float(res), max_iter, False


def _polish(F, X, R):
    A, _ = shooting_matrix(F, X)
    dX = newton_step(A, -R.ravel())
    if dX is None:
        return X, np.inf
    X_new = X + dX.reshape(X.shape)
    res_new = np.max(np.abs(shooting_residual(F, X_new)))
    return X_new, (res_new if np.isfinite(res_new) else np.inf)


def make_orbit(F, X, residual, iterations, converged, imag_tol=IMAG_TOL):
    """Assemble an :class:`Orbit` from solved points X (p, dim)."""
    X = np.array(X, dtype=np.float64)
    p = X.shape[0]
    with np.errstate(all="ignore"):
        if np.all(np.isfinite(X)):
            mult = clean_eigenvalues(monodromy([F.jacobian(x) for x in X]), imag_tol)
        else:
            mult = np.full(F.dim, np.nan + 0j)
    rho = float(np.max(np.abs(mult))) if np.all(np.isfinite(mult)) else np.nan
    theta = loss_values = kind = None
    if isinstance(F, OptimizerMap):
        theta = F.theta(X).copy()
        if np.all(np.isfinite(theta)):
            loss_values = np.array([F.loss.value(t) for t in theta])
            if p == 1 and converged:
                kind = F.loss.classify_critical_point(theta[0])
    return Orbit(
        points=X,
        period=p,
        multipliers=mult,
        spectral_radius=rho,
        stable=bool(converged and rho < 1.0),
        residual=float(residual),
        converged=bool(converged),
        iterations=int(iterations),
        params=F.params,
        theta=theta,
        loss_values=loss_values,
        critical_point=kind,
    )


def refine_orbit(F, x0, period=None, *, tol=1e-11, max_iter=50):
    """Newton-polish a guess of a fixed point or cycle into an :class:`Orbit`.

    Parameters
    ----------
    F : Map
    x0 : array_like of shape (F.dim,) or (period, F.dim)
        A guess of one point (the others are generated by iterating F) or of
        all points of the cycle.
    period : int, optional
        The period p >= 1; default: the number of rows of a 2-D ``x0``, else 1.
    tol : float
        Convergence when max_j |F(x_j) - x_{j+1}| <= tol (1 + max |x|).
    max_iter : int
        Newton iteration budget.

    Returns
    -------
    Orbit
        Check ``converged``: a failed solve is returned with
        ``converged=False`` and its residual, never silently.
    """
    _check_map(F)
    period = check_int("period", _default_period(x0, period), 1)
    X0 = _initial_points(F, x0, period)
    X, res, its, ok = newton_cycle(F, X0, tol=tol, max_iter=max_iter)
    return make_orbit(F, X, res, its, ok)


def _default_period(x0, period):
    if period is not None:
        return period
    shape = np.shape(x0)
    return shape[0] if len(shape) == 2 else 1


def _initial_points(F, x0, period):
    arr = np.asarray(x0, dtype=np.float64)
    if arr.ndim == 1:
        x = F._check_state(arr, "x0")
        with np.errstate(all="ignore"):
            return trajectory(F, x, period - 1)
    if arr.shape != (period, F.dim):
        raise ValueError(
            f"x0 must have shape ({F.dim},) or (period, {F.dim}) = "
            f"({period}, {F.dim}); got {arr.shape}"
        )
    return arr.copy()


# ------------------------------------------------------------------ search


def _check_map(F, analysis="orbit search"):
    if not isinstance(F, Map):
        raise ValueError(f"F must be an optdyn Map; got {F!r}")
    require_autonomous(F, analysis)


def _check_box(F, box):
    """The box as an array (k, 2) over theta (optimizer maps) or the state."""
    k = F.n_params if isinstance(F, OptimizerMap) else F.dim
    what = "theta" if isinstance(F, OptimizerMap) else "the state"
    arr = np.asarray(box, dtype=np.float64)
    if arr.shape == (2,) and k == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape != (k, 2):
        raise ValueError(
            f"box must give one (low, high) pair per component of {what}, "
            f"shape ({k}, 2) for this map; got an array of shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)) or np.any(arr[:, 0] >= arr[:, 1]):
        raise ValueError(
            f"box must hold finite pairs with low < high; got {arr.tolist()}"
        )
    return arr


def _seed_states(F, box, n_grid):
    """Grid states: theta on the grid and other slots zero (optimizer maps)."""
    k = box.shape[0]
    axes = [np.linspace(lo, hi, n_grid) for lo, hi in box]
    pts = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, k)
    if isinstance(F, OptimizerMap):
        states = np.zeros((pts.shape[0], F.dim))
        states[:, :k] = pts
        return states
    return pts


def _in_box(F, X, box, slack):
    T = F.theta(X) if isinstance(F, OptimizerMap) else X
    width = box[:, 1] - box[:, 0]
    lo = box[:, 0] - slack * width
    hi = box[:, 1] + slack * width
    return bool(np.all((T >= lo) & (T <= hi)))


def _minimal_period(X, tol):
    p = X.shape[0]
    for d in range(1, p):
        if p % d == 0 and np.max(np.abs(np.roll(X, -d, axis=0) - X)) <= tol:
            return d
    return p


def _same_cycle(X, Y, tol):
    for s in range(X.shape[0]):
        if np.max(np.abs(np.roll(Y, -s, axis=0) - X)) <= tol:
            return True
    return False


def _canonical_phase(X):
    """Rotate a cycle to start at its lexicographically smallest point."""
    first = min(range(X.shape[0]), key=lambda j: tuple(X[j]))
    return np.roll(X, -first, axis=0)


def periodic_orbits(
    F,
    period,
    box,
    *,
    n_grid=None,
    n_iterate=300,
    seeds=None,
    tol=1e-11,
    max_iter=50,
    dedup_tol=1e-7,
):
    """All cycles of exact period ``period`` found inside a box.

    Newton on the multiple-shooting system (see the module docstring) is
    started from

    - every point x of a grid over the box, with guess x, F(x), ...,
      F^{p-1}(x) (for an optimizer map the grid is over theta, with the
      momentum and other slots zero);
    - the same after ``n_iterate`` steps of F from each grid point, which
      finds the attracting cycles;
    - the user's ``seeds``, if given.

    Converged solutions are kept when every point's theta (optimizer maps)
    or state (other maps) lies in the box, when their smallest period is
    exactly ``period`` (so a fixed point is never returned as a 2-cycle), and
    once per cycle whatever its phase.

    Parameters
    ----------
    F : Map
    period : int
        The period p >= 1.
    box : array_like of shape (k, 2)
        (low, high) per component of theta (optimizer maps, k = D) or of the
        state (other maps, k = dim).
    n_grid : int, optional
        Grid points per box dimension; default: about 400 starts in all.
    n_iterate : int, optional
        Steps iterated from each grid point for the second set of starts
        (0 disables them).
    seeds : array_like of shape (N, dim), optional
        Extra starting states.
    tol : float, optional
        Newton tolerance: max_j |F(x_j) - x_{j+1}| <= tol (1 + max |x|).
    max_iter : int, optional
        Newton iterations per start.
    dedup_tol : float, optional
        Points closer than dedup_tol (1 + max |x|) (max norm) are the same;
        used for duplicates and for the smaller-period test.

    Returns
    -------
    OrbitSearch
        The orbits, and counts of starts, failures and rejections.

    Examples
    --------
    >>> from optdyn.maps import logistic
    >>> found = periodic_orbits(logistic(r=3.2), 2, [(0.0, 1.0)])
    >>> len(found), found[0].stable
    (1, True)
    """
    _check_map(F)
    period = check_int("period", period, 1)
    box = _check_box(F, box)
    n_iterate = check_int("n_iterate", n_iterate, 0)
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, 1)
    dedup_tol = check_positive("dedup_tol", dedup_tol)
    if n_grid is None:
        n_grid = max(2, round(400 ** (1.0 / box.shape[0])))
    n_grid = check_int("n_grid", n_grid, 1)

    # starts: grid, iterated grid, user seeds
    grid = _seed_states(F, box, n_grid)
    starts = [grid]
    if n_iterate > 0:
        with np.errstate(all="ignore"):
            ends = np.array([trajectory(F, x, n_iterate)[-1] for x in grid])
        ends = ends[np.all(np.isfinite(ends), axis=1)]
        starts.append(ends)
    if seeds is not None:
        s = np.asarray(seeds, dtype=np.float64)
        if s.ndim != 2 or s.shape[1] != F.dim:
            raise ValueError(
                f"seeds must have shape (N, {F.dim}) for this map; got {s.shape}"
            )
        starts.append(s)
    starts = np.concatenate(starts, axis=0)

    found = []
    n_conv = n_fail = n_lower = n_out = 0
    worst = None
    for x in starts:
        X0 = _initial_points(F, x, period)
        if not np.all(np.isfinite(X0)):
            n_fail += 1
            continue
        X, res, its, ok = newton_cycle(F, X0, tol=tol, max_iter=max_iter)
        if not ok:
            n_fail += 1
            if worst is None or not (res <= worst.residual):
                worst = make_orbit(F, X, res, its, False)
            continue
        n_conv += 1
        tol_x = dedup_tol * _scale(X)
        if _minimal_period(X, tol_x) < period:
            n_lower += 1
            continue
        if not _in_box(F, X, box, 1e-12):
            n_out += 1
            continue
        if any(_same_cycle(X, o[0], tol_x) for o in found):
            continue
        found.append((X, res, its))

    orbits = [
        make_orbit(F, _canonical_phase(X), res, its, True) for X, res, its in found
    ]
    orbits.sort(key=lambda o: tuple(o.points[0]))
    return OrbitSearch(
        orbits=orbits,
        period=period,
        n_starts=int(starts.shape[0]),
        n_converged=n_conv,
        n_failed=n_fail,
        n_lower_period=n_lower,
        n_outside=n_out,
        worst_failure=worst,
    )


def fixed_points(F, box, **kwargs):
    """All fixed points x = F(x) found with theta (or the state) in a box.

    This is :func:`periodic_orbits` with period 1; it takes the same keyword
    arguments.  For an optimizer map a fixed point is a critical point of
    the loss with zero momentum; each :class:`Orbit` reports, in
    ``critical_point``, whether it is a minimum, saddle or maximum of L
    (from the Hessian), beside its stability for the map.

    Parameters
    ----------
    F : Map
    box : array_like of shape (k, 2)
        (low, high) per component of theta (optimizer maps) or of the state.
    **kwargs
        ``n_grid``, ``n_iterate``, ``seeds``, ``tol``, ``max_iter``,
        ``dedup_tol``, as in :func:`periodic_orbits`.

    Returns
    -------
    OrbitSearch

    Examples
    --------
    >>> from optdyn.maps import henon
    >>> found = fixed_points(henon(), [(-3.0, 3.0), (-3.0, 3.0)])
    >>> [round(float(o.points[0, 0]), 6) for o in found]
    [-1.131354, 0.631354]
    """
    return periodic_orbits(F, 1, box, **kwargs)
