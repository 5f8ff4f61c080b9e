"""Parameter scans: caching, resumption, parallel reproducibility, dask."""

import os
from pathlib import Path

import numba
import numpy as np
import pytest

import optdyn
from optdyn.losses import Eq15, Quadratic
from optdyn.optimizers import SuperNesterov
from optdyn.scan import clear_cache, timescale_analysis

GRID = optdyn.Grid((-4.0, 5.0, 24), (-6.0, 6.0, 24))
SIGMAS = [0.0, 2.0, 5.0, 7.0]


def eq15_map():
    return optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=0.0))


def basin_arrays(res):
    return [(b.labels, b.steps, [a.states for a in b.attractors]) for b in res.results]


def assert_same_basins(a, b):
    for (la, sa, aa), (lb, sb, ab) in zip(basin_arrays(a), basin_arrays(b)):
        np.testing.assert_array_equal(la, lb)
        np.testing.assert_array_equal(sa, sb)
        assert len(aa) == len(ab)
        for x, y in zip(aa, ab):
            np.testing.assert_array_equal(x, y)


# analyses used below: module level, so that worker processes can load them


def diverged_fraction(F, grid, max_steps):
    return optdyn.basins(F, grid, max_steps).fractions["diverged"]


def fail_once(F, flag, crash):
    """Fails at sigma = 5 the first time (the flag file records it)."""
    if F.params["sigma"] == 5.0 and not os.path.exists(flag):
        open(flag, "w").close()
        if crash:
            os._exit(3)  # the worker process dies
        raise RuntimeError("simulated failure at sigma = 5")
    return F.params["sigma"] ** 2 + F.params["eta"]


def numba_thread_count(F):
    return numba.get_num_threads()


# ----------------------------------------------------------------- results


def test_one_and_two_parameter_grids_in_c_order():
    F = eq15_map()
    res = optdyn.scan(
        fail_once,
        F,
        {"eta": [0.01, 0.02], "sigma": [1.0, 2.0, 3.0]},
        flag="unused",
        crash=False,
    )
    assert res.shape == (2, 3) and res.names == ("eta", "sigma")
    expected = np.array([[s**2 + e for s in (1.0, 2.0, 3.0)] for e in (0.01, 0.02)])
    np.testing.assert_array_equal(res.array(float), expected)
    assert res.points()[1] == {"eta": 0.01, "sigma": 2.0}


def test_scan_matches_direct_basins_and_a_factory():
    F = eq15_map()
    res = optdyn.scan("basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500)
    for s, b in zip(SIGMAS, res.results):
        direct = optdyn.basins(F.with_params(sigma=s), GRID, max_steps=1500)
        np.testing.assert_array_equal(b.labels, direct.labels)

    def factory(sigma):
        return optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=sigma))

    res2 = optdyn.scan("basins", factory, {"sigma": SIGMAS}, grid=GRID, max_steps=1500)
    assert_same_basins(res, res2)


def test_timescale_analysis_on_a_quadratic():
    F = optdyn.OptimizerMap(Quadratic([1.0]), SuperNesterov(eta=0.01, g=0.9, sigma=0.0))
    res = optdyn.scan(
        "timescale", F, {"sigma": [2.0, 4.0, 6.0]}, theta0=[1.0], n_steps=400
    )
    T = res.array(lambda f: f.T)
    np.testing.assert_allclose(
        T, optdyn.quadratic.timescale(0.01, 0.9, np.array([2.0, 4.0, 6.0])), rtol=1e-7
    )
    assert timescale_analysis(F.with_params(sigma=2.0), [1.0], 400).T == T[0]


# ----------------------------------------------------------------- caching


def test_cached_scan_equals_uncached_and_reruns_from_cache(tmp_path):
    F = eq15_map()
    plain = optdyn.scan("basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500)
    first = optdyn.scan(
        "basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500, cache_dir=tmp_path
    )
    again = optdyn.scan(
        "basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500, cache_dir=tmp_path
    )
    assert (first.n_computed, first.n_cached) == (4, 0)
    assert (again.n_computed, again.n_cached) == (4 - 4, 4)
    assert_same_basins(plain, first)
    assert_same_basins(plain, again)

    # any changed input is a new entry: budget, grid, fixed hyperparameter
    more = optdyn.scan(
        "basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1600, cache_dir=tmp_path
    )
    assert more.n_cached == 0
    other_grid = optdyn.Grid((-4.0, 5.0, 24), (-6.0, 6.0, 25))
    assert (
        optdyn.scan(
            "basins",
            F,
            {"sigma": SIGMAS[:1]},
            grid=other_grid,
            max_steps=1500,
            cache_dir=tmp_path,
        ).n_cached
        == 0
    )
    assert (
        optdyn.scan(
            "basins",
            F.with_params(eta=0.011),
            {"sigma": SIGMAS[:1]},
            grid=GRID,
            max_steps=1500,
            cache_dir=tmp_path,
        ).n_cached
        == 0
    )
    assert (
        optdyn.scan(
            diverged_fraction,
            F,
            {"sigma": SIGMAS[:1]},
            grid=GRID,
            max_steps=1500,
            cache_dir=tmp_path,
        ).n_cached
        == 0
    )
    clear_cache(tmp_path)
    assert (
        optdyn.scan(
            "basins",
            F,
            {"sigma": SIGMAS[:1]},
            grid=GRID,
            max_steps=1500,
            cache_dir=tmp_path,
        ).n_cached
        == 0
    )


def test_interrupted_scan_resumes_with_identical_results(tmp_path):
    F = eq15_map()
    grid = {"sigma": SIGMAS}
    flag = str(tmp_path / "flag")
    with pytest.raises(RuntimeError, match="simulated failure"):
        optdyn.scan(
            fail_once, F, grid, cache_dir=tmp_path / "c", flag=flag, crash=False
        )
    resumed = optdyn.scan(
        fail_once, F, grid, cache_dir=tmp_path / "c", flag=flag, crash=False
    )
    # sigma = 0 and 2 were stored before the failure; 5 and 7 run now
    assert (resumed.n_cached, resumed.n_computed) == (2, 2)
    np.testing.assert_array_equal(resumed.array(float), np.square(SIGMAS) + 0.01)


def test_worker_crash_then_resume_in_parallel(tmp_path):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    F = eq15_map()
    grid = {"sigma": [0.0, 1.0, 2.0, 5.0, 6.0, 7.0]}
    flag = str(tmp_path / "flag")
    with pytest.raises(TerminatedWorkerError):
        optdyn.scan(
            fail_once,
            F,
            grid,
            n_jobs=2,
            cache_dir=tmp_path / "c",
            flag=flag,
            crash=True,
        )
    resumed = optdyn.scan(
        fail_once, F, grid, n_jobs=2, cache_dir=tmp_path / "c", flag=flag, crash=True
    )
    assert resumed.n_computed >= 1 and resumed.n_cached >= 1
    assert resumed.n_computed + resumed.n_cached == 6
    np.testing.assert_array_equal(resumed.array(float), np.square(grid["sigma"]) + 0.01)


# --------------------------------------------------------- reproducibility


def test_n_jobs_1_and_2_are_bit_identical_and_threads_are_budgeted():
    F = eq15_map()
    one = optdyn.scan(
        "basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500, n_jobs=1
    )
    two = optdyn.scan(
        "basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500, n_jobs=2
    )
    assert_same_basins(one, two)

    cores = len(os.sched_getaffinity(0))
    threads = optdyn.scan(numba_thread_count, F, {"sigma": [0.0, 1.0]}, n_jobs=2)
    assert np.all(threads.array(int) * 2 <= max(cores, 2))
    threads = optdyn.scan(
        numba_thread_count, F, {"sigma": [0.0, 1.0]}, n_jobs=2, n_threads=1
    )
    assert np.all(threads.array(int) == 1)


def test_threading_backend_gives_the_same_results_and_fork_is_refused():
    F = eq15_map()
    ref = optdyn.scan("basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500)
    other = optdyn.scan("basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500,
                        n_jobs=2, backend="threading")
    assert_same_basins(ref, other)
    with pytest.raises(ValueError, match="backend 'multiprocessing' is not supported"):
        optdyn.scan("basins", F, {"sigma": SIGMAS}, grid=GRID, n_jobs=2,
                    backend="multiprocessing")


def test_dask_backend_gives_the_same_results():
    distributed = pytest.importorskip("dask.distributed")
    F = eq15_map()
    ref = optdyn.scan("basins", F, {"sigma": SIGMAS}, grid=GRID, max_steps=1500)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster):
            res = optdyn.scan(
                "basins",
                F,
                {"sigma": SIGMAS},
                grid=GRID,
                max_steps=1500,
                n_jobs=2,
                backend="dask",
            )
    assert_same_basins(ref, res)


# -------------------------------------------------------------- interface


def test_no_progress_bar_off_a_terminal(capsys):
    optdyn.scan(fail_once, eq15_map(), {"sigma": [1.0]}, flag="x", crash=False)
    assert capsys.readouterr().err == ""


def test_progress_bar_on_request(capsys):
    pytest.importorskip("tqdm")
    res = optdyn.scan(
        fail_once,
        eq15_map(),
        {"sigma": [1.0, 2.0]},
        flag="x",
        crash=False,
        progress=True,
    )
    assert res.shape == (2,)
    assert "scan" in capsys.readouterr().err


def test_save_is_atomic_and_loadable(tmp_path):
    import joblib

    res = optdyn.scan(
        fail_once, eq15_map(), {"sigma": [1.0, 2.0]}, flag="x", crash=False
    )
    path = tmp_path / "sub" / "scan.pkl"
    res.save(path)
    back = joblib.load(path)
    np.testing.assert_array_equal(back.array(float), res.array(float))
    assert sorted(os.listdir(path.parent)) == ["scan.pkl"]


@pytest.mark.parametrize(
    "params, kwargs, match",
    [
        ({"sigma": []}, {}, "non-empty"),
        ({}, {}, "1 or 2"),
        ({"a": [1], "b": [1], "c": [1]}, {}, "1 or 2"),
        ({"beta": [1.0]}, {}, "unknown parameter 'beta'"),
        ({"sigma": [np.nan]}, {}, "finite"),
        ({"sigma": [1.0]}, {"n_jobs": 0}, "n_jobs"),
        ({"sigma": [1.0]}, {"n_threads": 0}, "n_threads"),
        ([1.0, 2.0], {}, "dict"),
    ],
)
def test_bad_input_is_refused(params, kwargs, match):
    with pytest.raises(ValueError, match=match):
        optdyn.scan("basins", eq15_map(), params, grid=GRID, **kwargs)


def test_unknown_analysis_name():
    with pytest.raises(ValueError, match="analysis"):
        optdyn.scan("lyapunov", eq15_map(), {"sigma": [1.0]})


def test_cache_key_changes_with_the_library_source(monkeypatch):
    import importlib

    # optdyn.scan is also the name of the function the package exports.
    scan_module = importlib.import_module("optdyn.scan")

    key = scan_module.library_fingerprint()
    assert key.startswith(optdyn.__version__ + "+")
    # An edited module gives another fingerprint, hence other cache keys.
    scan_module.library_fingerprint.cache_clear()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: real(self) + (b"#" if self.name == "basins.py"
                                                   else b""))
    try:
        assert scan_module.library_fingerprint() != key
    finally:
        monkeypatch.undo()
        scan_module.library_fingerprint.cache_clear()
    assert scan_module.library_fingerprint() == key


def test_cache_tells_apart_closures_and_edited_functions(tmp_path):
    """Two analyses with the same source but other captured values, or the
    same name with other code, never share cached results."""
    F = optdyn.OptimizerMap(Quadratic([1.0]), SuperNesterov(eta=0.1, g=0.9, sigma=0.0))

    def make(c):
        return lambda F: c * F.params["sigma"]

    grid = {"sigma": [1.0, 2.0]}
    one = optdyn.scan(make(1.0), F, grid, cache_dir=tmp_path)
    hundred = optdyn.scan(make(100.0), F, grid, cache_dir=tmp_path)
    assert one.results.tolist() == [1.0, 2.0]
    assert hundred.results.tolist() == [100.0, 200.0] and hundred.n_cached == 0
    again = optdyn.scan(make(100.0), F, grid, cache_dir=tmp_path)
    assert again.n_cached == 2

    # The same script text run twice from stdin, edited in between.
    import subprocess
    import sys

    script = (
        "import optdyn\n"
        "from optdyn.losses import Quadratic\n"
        "from optdyn.optimizers import SuperNesterov\n"
        "F = optdyn.OptimizerMap(Quadratic([1.0]), SuperNesterov(0.1, 0.9, 0.0))\n"
        "r = optdyn.scan(lambda F: C * F.params['sigma'], F, {'sigma': [1.0, 2.0]},\n"
        f"                cache_dir={str(tmp_path / 'stdin')!r})\n"
        "print(r.results.tolist(), r.n_cached)\n"
    )
    out = [
        subprocess.run([sys.executable, "-"], input=f"C = {c}\n" + script,
                       capture_output=True, text=True, check=True).stdout.strip()
        for c in (1, 1000, 1000)
    ]
    assert out == ["[1.0, 2.0] 0", "[1000.0, 2000.0] 0", "[1000.0, 2000.0] 2"]
