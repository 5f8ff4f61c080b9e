"""The studies' command lines: bad values are refused by flag name, --quick
fills only the defaults the user did not give.

Every bad-flag case is one run of ``python studies/NAME.py FLAGS``.  Starting
a fresh interpreter per case costs seconds on the shared 2-core machine, so
all cases run in one child process that executes each script as
``__main__`` (``runpy``) with its own ``sys.argv`` and records the exit code
and stderr; one case also runs as a plain subprocess.  ``--quick`` is passed
with every case, so a flag that slipped through would cost a quick run, not a
full one.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

STUDIES = Path(__file__).resolve().parent.parent / "studies"

#: (study, bad flags, text the error must contain).
BAD_FLAGS = [
    ("sigma_star_quadratic", ["--g", "1"], "--g: g must lie in [0.0, 1.0); got 1.0"),
    ("sigma_star_quadratic", ["--g", "nan"], "--g: g must be a finite real number"),
    ("sigma_star_quadratic", ["--n-keta", "0"], "--n-keta: n_keta must be an integer"),
    ("phase_diagram_quadratic", ["--g", "0.5", "-0.1"], "--g: g must lie in [0.0"),
    ("phase_diagram_quadratic", ["--resolution", "0", "10"],
     "--resolution: N_KETA must be an integer >= 2; got 0"),
    ("phase_diagram_quadratic", ["--jobs", "0"], "--jobs: jobs must be an integer"),
    ("phase_diagram_eq15", ["--eta-range", "0.04", "0.004"],
     "--eta-range: eta_range needs LO < HI"),
    ("phase_diagram_eq15", ["--sigma-range", "0", "inf"],
     "--sigma-range: sigma_range must be a finite real number"),
    ("phase_diagram_eq15", ["--n-sigma", "0"], "--n-sigma: n_sigma must be an"),
    ("phase_diagram_eq15", ["--measure-starts", "8"],
     "--measure-starts: measure_starts must be an integer >= 32"),
    ("rmsprop_quadratic", ["--eta-range", "-1", "0.1"],
     "--eta-range: eta_range must be > 0"),
    ("rmsprop_quadratic", ["--k", "0"], "--k: k must be > 0"),
    ("rmsprop_quadratic", ["--n-sigma", "2"], "--n-sigma: n_sigma must be an"),
    ("trajectories_eq15", ["--eta", "-0.01"], "--eta: eta must be > 0"),
    ("trajectories_eq15", ["--g", "1.5"], "--g: g must lie in [0.0, 1.0)"),
    ("trajectories_eq15", ["--steps", "0"], "--steps: steps must be an integer"),
    ("regression51", ["--eta", "0"], "--eta: eta must be > 0"),
    ("regression51", ["--n-data", "10"], "--n-data: n_data must be an integer >= 51"),
    ("regression51", ["--steps", "-5"], "--steps: steps must be an integer >= 1"),
    ("nn_digits", ["--eta", "0"], "--eta: eta must be > 0"),
    ("nn_digits", ["--sigmas", "1", "nan"], "--sigmas: sigma must be a finite"),
    ("nn_digits", ["--batch-size", "100000"],
     "--batch-size: batch_size must be at most the 1300 training images"),
    ("nn_digits", ["--mnist-dir", "/no/such/folder"],
     "--mnist-dir: none of train-images-idx3-ubyte"),
    ("rmsprop_eq15", ["--beta2", "1"], "--beta2: beta2 must lie in [0.0, 1.0)"),
    ("rmsprop_eq15", ["--eps", "-1"], "--eps: eps must be > 0"),
    ("rmsprop_eq15", ["--sigmas", "0", "inf"], "--sigmas: sigma must be a finite"),
    ("rmsprop_eq15", ["--window", "0"], "--window: window must be an integer"),
    ("eps_attractors", ["--eta", "0.5", "0.002"], "--eta: eta needs LO < HI"),
    ("eps_attractors", ["--sigma", "-0.5"], "--sigma: sigma must be > -0.5"),
    ("eps_attractors", ["--n-eta", "0"], "--n-eta: n_eta must be an integer >= 2"),
]

DRIVER = r"""
import contextlib, io, json, runpy, sys, traceback

results = []
for path, flags in json.loads(sys.argv[1]):
    err = io.StringIO()
    sys.argv = [path, *flags]
    code = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            traceback.print_exc()
            code = 1
    results.append({"code": code, "stderr": err.getvalue()})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def bad_flag_runs(tmp_path_factory):
    """Exit code and stderr of every BAD_FLAGS case, from one child process."""
    out = str(tmp_path_factory.mktemp("bad_flags"))
    cases = [(str(STUDIES / f"{name}.py"), ["--quick", "--out", out, *flags])
             for name, flags, _ in BAD_FLAGS]
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(cases)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "case", range(len(BAD_FLAGS)),
    ids=[f"{n}{''.join(f)}" for n, f, _ in BAD_FLAGS],
)
def test_bad_flag_is_refused_by_name(bad_flag_runs, case):
    _, _, message = BAD_FLAGS[case]
    run = bad_flag_runs[case]
    assert run["code"] == 2, run["stderr"][-2000:]
    assert message in run["stderr"]
    assert "Traceback" not in run["stderr"]


def test_bad_flag_as_a_plain_subprocess(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(STUDIES / "phase_diagram_eq15.py"), "--jobs", "0",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 2
    assert "--jobs: jobs must be an integer >= 1; got 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())  # refused before any work


def load(name):
    spec = importlib.util.spec_from_file_location(f"flags_{name}",
                                                  STUDIES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: (study, argv, attributes expected after parsing).
QUICK_KEEPS = [
    ("sigma_star_quadratic", ["--quick", "--n-keta", "7"], {"n_keta": 7}),
    ("sigma_star_quadratic", [], {"n_keta": 25}),
    ("phase_diagram_quadratic", ["--quick", "--n-fit", "3"],
     {"n_fit": 3, "resolution": [120, 100], "n_sigma_fit": 25}),
    ("phase_diagram_quadratic", ["--n-fit", "3"],
     {"n_fit": 3, "resolution": [600, 500]}),
    ("phase_diagram_eq15", ["--quick", "--starts", "30", "--max-steps", "100"],
     {"starts": 30, "max_steps": 100, "n_eta": 4, "measure_starts": 60}),
    ("phase_diagram_eq15", [], {"starts": 48, "max_steps": 5000, "n_eta": 12}),
    ("rmsprop_quadratic", ["--quick", "--eta-range", "0.01", "0.2"],
     {"eta_range": [0.01, 0.2], "n_eta": 4, "n_steps": 3000}),
    ("regression51", ["--quick", "--steps", "500"], {"steps": 500}),
    ("regression51", ["--quick"], {"steps": 4000}),
    ("trajectories_eq15", ["--quick", "--steps", "50"], {"steps": 50}),
    ("nn_digits", ["--quick", "--sigmas", "2", "--epochs", "3"],
     {"sigmas": [2.0], "epochs": 3, "mb_epochs": 2, "seeds": [0]}),
    ("nn_digits", ["--epochs", "3"],
     {"epochs": 3, "mb_epochs": 30, "sigmas": [0.0, 0.9, 2.0, 4.0, 20.0]}),
    ("rmsprop_eq15", ["--quick", "--sigmas", "4"], {"sigmas": [4.0], "window": 2000}),
    ("eps_attractors", ["--quick", "--n-eta", "5"],
     {"n_eta": 5, "burn_in": 5000, "max_steps": 5000}),
    ("eps_attractors", ["--burn-in", "7"], {"n_eta": 41, "burn_in": 7}),
]


@pytest.mark.parametrize("name,argv,expected", QUICK_KEEPS,
                         ids=[f"{n}{''.join(a)}" for n, a, _ in QUICK_KEEPS])
def test_quick_fills_only_missing_flags(name, argv, expected):
    args = load(name).parse_args(argv)
    for key, value in expected.items():
        got = getattr(args, key)
        assert (list(got) if isinstance(value, list) else got) == value, key
