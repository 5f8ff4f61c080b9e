"""Iterating a map: one trajectory, or an ensemble of initial states."""

import contextlib
from dataclasses import dataclass

import numba
import numpy as np

from ._map import Map
from ._optimizer_map import OptimizerMap
from ._validation import check_int, check_positive

#: Status codes of :func:`ensemble` (same values as the kernels').
MOVING, SETTLED, DIVERGED = 0, 1, 2
STATUS_NAMES = {MOVING: "moving", SETTLED: "settled", DIVERGED: "diverged"}


def trajectory(F, x0, n_steps):
    """The orbit x_0, F(x_0), ..., F^n(x_0).

    Parameters
    ----------
    F : Map
    x0 : array_like of shape (F.dim,)
        Initial state (use ``F.initial_state(theta0)`` for an optimizer).
    n_steps : int
        Number of steps, >= 0.

    Returns
    -------
    ndarray of shape (n_steps + 1, F.dim)
        A diverging orbit fills with inf or NaN; nothing is raised or warned.
    """
    _check_map(F)
    x0 = F._check_state(x0, "x0")
    n_steps = check_int("n_steps", n_steps, 0)
    if isinstance(F, OptimizerMap):
        return F.kernels.trajectory(
            x0, F._param_values, F.loss.params, F.n_params, n_steps
        )
    out = np.empty((n_steps + 1, F.dim))
    out[0] = x0
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            out[t + 1] = F.step(out[t])
    return out


@dataclass(frozen=True)
class EnsembleResult:
    """Where each initial state of an ensemble ended up.

    Attributes
    ----------
    final : ndarray of shape (N, dim)
        State when the point stopped.
    steps : ndarray of int64, shape (N,)
        Steps taken until it stopped (settling is tested every
        ``check_every`` steps, so this is a multiple of it, or the budget).
    status : ndarray of int8, shape (N,)
        ``SETTLED`` (on a fixed point or cycle), ``DIVERGED``, or ``MOVING``
        (still moving when the budget ran out).
    period : ndarray of int64, shape (N,)
        Smallest period p with |x_t - x_{t-p}| within tolerance, for settled
        points; 0 otherwise.
    """

    final: np.ndarray
    steps: np.ndarray
    status: np.ndarray
    period: np.ndarray

    def counts(self):
        """Number of points per status name."""
        return {
            name: int(np.count_nonzero(self.status == code))
            for code, name in STATUS_NAMES.items()
        }


@contextlib.contextmanager
def numba_threads(n_threads):
    """Run the enclosed code with ``n_threads`` Numba threads (None: leave)."""
    if n_threads is None:
        yield
        return
    n = check_int("n_threads", n_threads, 1)
    n = min(n, numba.config.NUMBA_NUM_THREADS)
    old = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def ensemble(
    F,
    X0,
    max_steps,
    *,
    check_every=32,
    max_period=8,
    atol=1e-12,
    rtol=1e-10,
    bound=1e10,
    n_threads=None,
):
    """Iterate many initial states in parallel until each stops.

    A point stops when it settles on a fixed point or a cycle of period up to
    ``max_period`` (|x_t - x_{t-p}| <= atol + rtol |x_t|), diverges
    (a non-finite component, or one beyond ``bound``), or uses up
    ``max_steps``.

    Parameters
    ----------
    F : OptimizerMap
    X0 : array_like of shape (N, F.dim)
        Initial states.
    max_steps : int
        Step budget per point.
    check_every, max_period : int
        Test interval and longest detected period.
    atol, rtol, bound : float
        Settling tolerances and divergence bound.
    n_threads : int, optional
        Numba threads to use (default: Numba's setting).  Results do not
        depend on it.

    Returns
    -------
    EnsembleResult
    """
    if not isinstance(F, OptimizerMap):
        raise ValueError(
            f"F must be an OptimizerMap for the ensemble kernel; got {F!r}"
        )
    X0 = np.ascontiguousarray(np.asarray(X0, dtype=np.float64))
    if X0.ndim != 2 or X0.shape[1] != F.dim:
        raise ValueError(
            f"X0 must have shape (N, {F.dim}) for this map; got {X0.shape}"
        )
    if X0.shape[0] == 0:
        raise ValueError("X0 must hold at least one initial state; got none")
    max_steps = check_int("max_steps", max_steps, 1)
    check_every = check_int("check_every", check_every, 1)
    max_period = check_int("max_period", max_period, 1)
    if check_every <= max_period:
        raise ValueError(
            f"check_every must exceed max_period={max_period}, so that every "
            f"period up to it can be tested; got check_every={check_every}"
        )
    atol = check_positive("atol", atol)
    rtol = check_positive("rtol", rtol)
    bound = check_positive("bound", bound)

    with numba_threads(n_threads):
        XF, steps, status, period = F.kernels.ensemble(
            X0,
            F._param_values,
            F.loss.params,
            F.n_params,
            max_steps,
            check_every,
            max_period,
            atol,
            rtol,
            bound,
            F.n_check,
            numba.get_num_threads(),
        )
    return EnsembleResult(XF, steps, status, period)


def _check_map(F):
    if not isinstance(F, Map):
        raise ValueError(f"F must be an optdyn Map; got {F!r}")
