"""The Eq. (15) bifurcation study runs and finds the paper's trapping."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optdyn.losses import Eq15

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "studies" / "bifurcation_eq15.py"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bifurcation_eq15")
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    return out, proc.stdout, summary


def test_outputs_written(quick_run):
    out, stdout, _ = quick_run
    for name in ("bifurcation_eq15.png", "bifurcation_eq15.npz", "summary.json"):
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".*"))  # no temporary files left behind
    data = np.load(out / "bifurcation_eq15.npz")
    assert data["samples_fixed"].shape == (61, 16, 4)
    assert "flip" in stdout and "supercritical" in stdout


def test_flip_of_the_minimum(quick_run):
    _, _, summary = quick_run
    loss = Eq15()
    h = np.linalg.eigvalsh(loss.hessian(loss.minima[0]))
    sigma_c = (1 + 0.9) / (0.01 * h[-1]) - 0.5
    assert summary["sigma_c_predicted"] == pytest.approx(sigma_c, rel=1e-12)
    first = summary["bifurcations"][0]
    assert first["kind"] == "flip" and first["period"] == 1
    assert first["criticality"] == "supercritical"
    assert abs(first["value"] - sigma_c) <= 1e-6 * sigma_c
    # the 2-cycle branch ends where it loses stability, by a second flip
    second = summary["bifurcations"][1]
    assert second["period"] == 2 and second["kind"] == "flip"
    assert second["value"] == pytest.approx(10.2598674, abs=1e-6)


def test_paper_start_is_trapped_on_the_cycle(quick_run):
    _, _, summary = quick_run
    fates = {f["sigma"]: f for f in summary["paper_start"]}
    assert fates[4.0]["fate"] == "minimum"
    for sigma in (5.0, 6.0, 7.0):
        assert fates[sigma]["fate"] == "2-cycle"
    cycle = np.array(summary["cycles"]["7.0"]["2"]["theta"])
    np.testing.assert_allclose(
        cycle[np.argsort(cycle[:, 0])], [[0.95683, 2.83710], [1.00048, 2.87594]],
        atol=1e-5,
    )


def test_docstring_numbers_match_the_computation(quick_run):
    _, _, summary = quick_run
    doc = SCRIPT.read_text()
    assert f"{summary['sigma_c_predicted']:.10f}" in doc
    assert f"{summary['bifurcations'][1]['value']:.7f}" in doc


# ------------------------------------------------ flags and figure, in-process


@pytest.fixture(scope="module")
def study():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bifurcation_eq15_study", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_keeps_explicitly_given_flags(study):
    # regression: --quick overwrote --depth and the other flags it shortens
    args = study.parse_args(["--quick", "--depth", "2", "--n-keep", "5"])
    assert (args.depth, args.n_keep, args.n_sigma, args.jobs) == (2, 5, 61, 1)
    args = study.parse_args(["--quick"])
    assert (args.depth, args.n_keep, args.n_sigma) == (1, 16, 61)
    assert args.n_transient == 1500
    args = study.parse_args([])
    assert (args.depth, args.n_keep, args.n_sigma, args.jobs) == (3, 48, 481, 2)


@pytest.mark.parametrize("argv, message", [
    (["--depth", "0"], "--depth: depth must be an integer >= 1; got 0"),
    (["--quick", "--depth", "-1"], "--depth: depth must be an integer >= 1"),
    (["--n-sigma", "1"], "--n-sigma: n_sigma must be an integer >= 2; got 1"),
    (["--n-transient", "-5"], "--n-transient: n_transient must be an integer >= 0"),
    (["--n-keep", "0"], "--n-keep: n_keep must be an integer >= 1; got 0"),
    (["--steps", "0"], "--steps: steps must be an integer >= 1; got 0"),
    (["--jobs", "0"], "--jobs: jobs must be an integer >= 1; got 0"),
    (["--eta", "-0.01"], "--eta: eta must be > 0"),
    (["--eta", "nan"], "--eta: eta must be a finite"),
    (["--g", "1.5"], "--g: g must lie in [0.0, 1.0); got 1.5"),
    (["--eta", "0.1"], "--eta/--g: no sigma makes the minimum"),
    (["--eta", "0.097"], "--eta/--g: the minimum is already unstable at sigma = 0"),
    (["--sigma-max", "nan"], "--sigma-max: sigma_max must be a finite"),
    (["--sigma-max", "4.0"], "--sigma-max must exceed the flip of the minimum"),
    (["--out", ""], "--out must name a folder"),
])
def test_bad_flags_are_refused_by_name_before_any_work(study, tmp_path, capsys,
                                                       argv, message):
    out = tmp_path / "never_written"
    if "--out" not in argv:
        argv = [*argv, "--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        study.main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.fixture(scope="module")
def small_figure(study):
    import optdyn
    from optdyn.optimizers import SuperNesterov

    F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=0.01, g=0.9, sigma=0.0))
    branch = optdyn.continuation(
        F, F.initial_state(Eq15().minima[0]), "sigma", param_range=(0.0, 11.5),
        ds=0.01, ds_max=0.05, switch_depth=3, max_points=4000,
    )
    values = np.linspace(0.0, 11.5, 24)
    common = {"n_transient": 300, "n_keep": 4}
    start = F.initial_state((-1.0, -3.8))
    fixed = optdyn.orbit_diagram(F, "sigma", values, start, **common)
    carry = optdyn.orbit_diagram(F, "sigma", values, start, start="carry",
                                 kick=study.KICK, **common)
    sigma_c = optdyn.critical_sigma(F)
    fig = study.make_figure(branch, fixed, carry, sigma_c, 4.7)
    yield branch, fig
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_branches_are_drawn_above_the_orbit_diagram(small_figure):
    from matplotlib.collections import PathCollection

    _, fig = small_figure
    ax = fig.axes[0]
    dots = [c.get_zorder() for c in ax.collections if isinstance(c, PathCollection)]
    lines = [ln.get_zorder() for ln in ax.get_lines()
             if len(ln.get_xdata()) > 2 and ln.get_linestyle() in ("-", "--")]
    assert dots and lines and min(lines) > max(dots)
    # the diagram's markers are small and see-through
    assert all(c.get_alpha() <= 0.5 and np.all(c.get_sizes() <= 3)
               for c in ax.collections if isinstance(c, PathCollection))
    assert any("rest on it" in t.get_text() and "4.70" in t.get_text()
               for t in ax.texts)


def test_spectral_radius_panel_shows_every_cycle(small_figure):
    branch, fig = small_figure
    axr = fig.axes[1]
    assert axr.get_ylabel() == r"spectral radius $\rho$"
    lo, hi = axr.get_ylim()
    periods = set()
    for br in branch.walk():
        rho = br.spectral_radius
        if br.period > 1 and rho.size:
            periods.add(br.period)
            assert lo <= rho.min() and rho.max() <= hi
    assert periods == {2, 4, 8}
    # the minimum's curve leaves the panel at the top, and says so
    assert branch.spectral_radius.max() > hi
    assert any("period 1" in t.get_text() for t in axr.texts)
