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
