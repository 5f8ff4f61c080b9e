"""Parameter scans: one analysis at every point of a 1-D or 2-D grid of
hyperparameters, in parallel, cached on disk, resumable.

For a map F with hyperparameters p and a grid p_1, ..., p_n (or a product of
two axes), :func:`scan` evaluates ``analysis(F.with_params(**p_i), **kwargs)``
at every point with joblib and returns the results in grid order.

- **Caching.**  With ``cache_dir``, each point is stored by joblib.Memory
  under a key made of the map's identity (loss and optimizer with every
  hyperparameter value), the point, the analysis (a fingerprint of its code,
  the values its closure captures and the globals it reads; see
  :func:`optdyn._fingerprint.function_fingerprint`), every keyword argument
  (grid of starts, step budgets, tolerances) and a fingerprint of optdyn's
  own source code (its version and a hash of every module), so that neither
  a changed input nor an upgraded or edited library ever reuses a stale
  result. Because points are stored one by one as they finish, a scan
  interrupted by a crash or Ctrl-C resumes where it stopped: rerunning the
  same call computes only what is missing. Entries are written by joblib
  through a temporary file and a rename, so a killed worker never leaves a
  half-written result behind.
- **Reproducibility.**  The analyses are deterministic and independent of
  the Numba thread count, so the results do not depend on ``n_jobs`` or the
  backend.
- **No oversubscription.**  Each worker runs its Numba kernels with
  ``n_threads`` threads, by default ``cores // n_workers`` (at least 1), so
  workers x threads never exceeds the cores.
- **Scale-out.**  ``backend="dask"`` runs the points on the Dask cluster of
  the active ``dask.distributed.Client`` (see the README, "Scans on a
  cluster"); give ``cache_dir`` a path that every worker can reach.
- **Progress.**  A tqdm bar on stderr when it is a terminal (and tqdm is
  installed); silent otherwise.
"""

import functools
import hashlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np

from ._fingerprint import function_fingerprint
from ._map import Map
from ._validation import check_int
from .iterate import numba_threads

#: Names accepted for ``analysis`` besides a callable.
ANALYSES = ("basins", "census", "timescale", "periodic_orbits", "fixed_points")


# ---------------------------------------------------------- built-in analyses


def timescale_analysis(
    F, theta0, n_steps, coordinate=0, model="oscillatory", window=1e-2
):
    """Fit a relaxation time to one coordinate of the orbit from ``theta0``.

    Parameters
    ----------
    F : Map
        An :class:`optdyn.OptimizerMap` (the state starts at theta0 with
        zero momentum) or any map (``theta0`` is then the full state).
    theta0 : array_like
    n_steps : int
    coordinate : int, default 0
        The state component fitted.
    model, window
        As for :func:`optdyn.fit_timescale`.

    Returns
    -------
    TimescaleFit
    """
    from .fitting import fit_timescale
    from .iterate import trajectory

    x0 = F.initial_state(theta0) if hasattr(F, "initial_state") else theta0
    orbit = trajectory(F, x0, n_steps)
    return fit_timescale(orbit[:, coordinate], model=model, window=window)


def _resolve_analysis(analysis):
    if callable(analysis):
        return analysis
    if analysis == "timescale":
        return timescale_analysis
    if analysis in ANALYSES:
        import optdyn

        return getattr(optdyn, analysis)
    raise ValueError(
        f"analysis must be a callable or one of {', '.join(ANALYSES)}; got {analysis!r}"
    )


# ------------------------------------------------------------------ the grid


def _check_params(grid):
    if not isinstance(grid, dict):
        raise ValueError(
            f"params must be a dict {{name: values}} with 1 or 2 entries; got {grid!r}"
        )
    if not 1 <= len(grid) <= 2:
        raise ValueError(
            f"params must name 1 or 2 hyperparameters; got {len(grid)} "
            f"({', '.join(map(str, grid))})"
        )
    out = {}
    for name, values in grid.items():
        try:
            arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError):
            raise ValueError(
                f"params[{name!r}] must be a list of real numbers; got {values!r}"
            ) from None
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(
                f"params[{name!r}] must be a non-empty 1-D list of values; "
                f"got {values!r}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"params[{name!r}] must be finite; got {values!r}")
        out[str(name)] = arr
    return out


def _points(axes):
    """Grid points in C order over the axes, as dicts."""
    names = list(axes)
    shape = tuple(axes[n].size for n in names)
    pts = []
    for idx in np.ndindex(*shape):
        pts.append({n: float(axes[n][i]) for n, i in zip(names, idx)})
    return shape, pts


def _map_at(F, point):
    if isinstance(F, Map):
        return F.with_params(**point)
    return F(**point)


# --------------------------------------------------------------- cache keys


def _map_key(F):
    if hasattr(F, "key"):
        return ("key", F.key())
    if hasattr(F, "_step"):
        # FunctionMap: its name, size, parameters and the step's code
        return (
            "function_map",
            getattr(F, "name", ""),
            F.dim,
            tuple(F.params.items()),
            _code_id(getattr(F._step, "py_func", F._step)),
            _code_id(getattr(F._jacobian, "py_func", F._jacobian)),
        )
    return ("hash", joblib.hash(F))


def _code_id(func):
    """The analysis's identity: its code, closure values and globals read."""
    return function_fingerprint(func)


@functools.cache
def library_fingerprint():
    """optdyn's version and a hash of all its source files (a cache key part)."""
    from . import __version__

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


def _point_key(F, analysis, kwargs):
    return (
        library_fingerprint(),
        _map_key(F),
        _code_id(analysis),
        joblib.hash(kwargs),
    )


# ------------------------------------------------------------------ workers


def _evaluate(F, analysis, kwargs, n_threads, key):
    """One grid point (``key`` only identifies it for the cache)."""
    with numba_threads(n_threads):
        return analysis(F, **kwargs)


def _evaluate_chunk(task, items, analysis, kwargs, n_threads):
    """Several grid points in one worker call, each through ``task``."""
    return [task(F, analysis, kwargs, n_threads, key) for F, key in items]


def _cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ------------------------------------------------------------------ results


@dataclass
class ScanResult:
    """The results of :func:`scan`, in grid order.

    Attributes
    ----------
    names : tuple of str
        The scanned hyperparameters (one or two).
    values : tuple of ndarray
        Their grid values.
    results : ndarray of object, shape (n1,) or (n1, n2)
        What the analysis returned at each point; ``results[i, j]`` is at
        ``names[0] = values[0][i]``, ``names[1] = values[1][j]``.
    n_computed, n_cached : int
        Points computed in this call and points loaded from the cache.
    elapsed : float
        Wall time of the call in seconds.
    """

    names: tuple
    values: tuple
    results: np.ndarray
    n_computed: int
    n_cached: int
    elapsed: float

    @property
    def shape(self):
        return self.results.shape

    def array(self, fn, dtype=np.float64):
        """``fn(result)`` at every point, as an array of the grid's shape.

        Examples
        --------
        ``res.array(lambda b: b.fractions["diverged"])`` for a basin scan.
        """
        out = np.empty(self.shape, dtype=dtype)
        for idx in np.ndindex(*self.shape):
            out[idx] = fn(self.results[idx])
        return out

    def points(self):
        """The grid points as a list of dicts, in C order."""
        return _points(dict(zip(self.names, self.values)))[1]

    def save(self, path):
        """Pickle the result to ``path`` atomically (temp file, then rename)."""
        save_atomic(self, path)


def save_atomic(obj, path):
    """joblib-pickle ``obj`` to ``path`` through a temp file and os.replace."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pkl")
    os.close(fd)
    try:
        joblib.dump(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------- scan


def scan(
    analysis,
    F,
    params,
    *,
    n_jobs=1,
    backend=None,
    cache_dir=None,
    n_threads=None,
    progress=None,
    **kwargs,
):
    """Run ``analysis`` at every point of a grid of one or two hyperparameters.

    At each point p of the grid the map is ``F.with_params(**p)`` (or
    ``F(**p)`` for a factory) and the result is ``analysis(map, **kwargs)``.

    Parameters
    ----------
    analysis : callable or str
        ``analysis(F, **kwargs) -> result`` (must be picklable for process
        backends: a module-level function), or one of 'basins', 'census',
        'timescale' (:func:`timescale_analysis`), 'periodic_orbits',
        'fixed_points'.
    F : Map or callable
        The map whose hyperparameters are scanned, or a factory
        ``F(**point) -> Map``.
    params : dict
        ``{name: values}`` with one or two entries, e.g.
        ``{"sigma": np.linspace(0, 8, 33)}``; the names must be
        hyperparameters of F.
    n_jobs : int, default 1
        joblib workers (-1: one per core).
    backend : str, optional
        joblib backend: None (loky processes), 'threading' or 'dask' (needs
        an active ``dask.distributed.Client``).  'multiprocessing' is refused:
        it forks the parent, whose OpenMP threads then hang in the workers.
    cache_dir : str or path, optional
        joblib.Memory location; None disables caching.
    n_threads : int, optional
        Numba threads per worker; default ``max(1, cores // n_workers)``
        (``cores`` for n_jobs = 1; 1 for the dask backend).
    progress : bool, optional
        Show a tqdm bar; default: only when stderr is a terminal.
    **kwargs
        Passed to ``analysis`` at every point (grid of starts, budgets...).

    Returns
    -------
    ScanResult

    Examples
    --------
    >>> import numpy as np, optdyn
    >>> from optdyn.losses import Eq15
    >>> from optdyn.optimizers import SuperNesterov
    >>> F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=0))
    >>> res = scan("basins", F, {"sigma": [1.0, 7.0]},
    ...            grid=optdyn.Grid((-4, 5, 8), (-6, 6, 8)), max_steps=1000)
    >>> res.shape
    (2,)
    """
    t_start = time.perf_counter()
    analysis = _resolve_analysis(analysis)
    axes = _check_params(params)
    if isinstance(F, Map):
        F._check_param_names(axes)
    elif not callable(F):
        raise ValueError(f"F must be an optdyn Map or a map factory; got {F!r}")
    if not (isinstance(n_jobs, (int, np.integer)) and (n_jobs >= 1 or n_jobs == -1)):
        raise ValueError(f"n_jobs must be an integer >= 1 or -1; got {n_jobs!r}")
    if n_threads is not None:
        n_threads = check_int("n_threads", n_threads, 1)
    if backend == "multiprocessing":
        # It forks the parent, whose OpenMP thread pool (Numba's parallel
        # kernels) does not survive a fork: the workers would hang.
        raise ValueError(
            "backend 'multiprocessing' is not supported: it forks a process "
            "whose Numba/OpenMP threads cannot be used again; use None (loky "
            "processes, the default), 'threading' or 'dask'"
        )

    shape, pts = _points(axes)
    maps = [_map_at(F, p) for p in pts]
    keys = [_point_key(m, analysis, kwargs) for m in maps]

    # Workers and threads: never more Numba threads in all than cores.
    cores = _cores()
    workers = cores if n_jobs == -1 else n_jobs
    workers = max(1, min(workers, len(pts)))
    if n_threads is None:
        n_threads = 1 if backend == "dask" else max(1, cores // workers)

    # Cached points are loaded here; only the missing ones go to workers.
    if cache_dir is not None:
        memory = joblib.Memory(os.fspath(cache_dir), verbose=0)
        task = memory.cache(_evaluate, ignore=["F", "analysis", "kwargs", "n_threads"])
        cached = [
            task.check_call_in_cache(m, analysis, kwargs, n_threads, k)
            for m, k in zip(maps, keys)
        ]
    else:
        task = _evaluate
        cached = [False] * len(pts)

    results = [None] * len(pts)
    todo = [i for i, c in enumerate(cached) if not c]
    for i, c in enumerate(cached):
        if c:
            results[i] = task(maps[i], analysis, kwargs, n_threads, keys[i])

    show = sys.stderr.isatty() if progress is None else bool(progress)
    if todo and workers == 1 and backend is None:
        outputs = (task(maps[i], analysis, kwargs, n_threads, keys[i]) for i in todo)
        for i, out in zip(todo, _with_progress(outputs, len(todo), show)):
            results[i] = out
    elif todo:
        # A few interleaved chunks per worker: little dispatch overhead, and
        # neighbouring (similarly expensive) points go to different workers.
        # Inside a chunk every point is still cached on its own.
        n_chunks = min(len(todo), 4 * workers)
        chunks = [todo[c::n_chunks] for c in range(n_chunks)]
        calls = (
            joblib.delayed(_evaluate_chunk)(
                task, [(maps[i], keys[i]) for i in chunk], analysis, kwargs, n_threads
            )
            for chunk in chunks
        )
        # parallel_config (not Parallel's argument) registers 'dask'
        config = {} if backend is None else {"backend": backend}
        with joblib.parallel_config(n_jobs=workers, **config):
            par = joblib.Parallel(return_as="generator")
            for chunk, outs in zip(chunks, _with_progress(par(calls), n_chunks, show)):
                for i, out in zip(chunk, outs):
                    results[i] = out

    arr = np.empty(len(pts), dtype=object)
    arr[:] = results
    return ScanResult(
        names=tuple(axes),
        values=tuple(axes.values()),
        results=arr.reshape(shape),
        n_computed=len(todo),
        n_cached=len(pts) - len(todo),
        elapsed=time.perf_counter() - t_start,
    )


def _with_progress(iterable, total, show):
    if not show:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc="scan", file=sys.stderr)


def clear_cache(cache_dir):
    """Remove every cached scan point under ``cache_dir``."""
    joblib.Memory(os.fspath(cache_dir), verbose=0).clear(warn=False)
