"""studies/basins_eq15.py runs end to end in --quick mode."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

STUDY = Path(__file__).resolve().parent.parent / "studies" / "basins_eq15.py"


def test_quick_run_writes_png_npz_json(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(STUDY), "--quick", "--jobs", "1", "--out", str(out)],
        capture_output=True, text=True, check=True, timeout=300,
    )
    assert "2-cycle" in proc.stdout and "minimum (1.690, 1.963)" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    by_sigma = {s["sigma"]: s for s in summary["sigmas"]}
    assert by_sigma[0.9]["attractors"][0]["is_minimum"]
    assert by_sigma[7.0]["attractors"][0]["period"] == 2
    assert by_sigma[7.0]["paper_start_reaches"].startswith("2-cycle")
    data = np.load(out / "basins_eq15.npz")
    assert data["labels"].shape == (3, 60, 60)
    assert data["theta1"][0] == -4.0 and data["theta2"][-1] == 6.0
    assert (out / "basins_eq15.png").stat().st_size > 20_000


@pytest.mark.parametrize("flags,message", [
    (["--jobs", "0"], "--jobs: jobs must be an integer >= 1; got 0"),
    (["--eta", "-1"], "--eta/--g: eta must be > 0"),
    (["--grid", "0", "10"], "axis1 n must be an integer >= 1; got 0"),
    (["--theta1", "5", "-4"], "axis1 needs lo < hi"),
    (["--max-steps", "0"], "--max-steps: max_steps must be an integer >= 1"),
    (["--sigmas", "nan"], "--sigmas: sigma must be a finite real number"),
])
def test_bad_flags_are_refused_by_name(tmp_path, flags, message):
    proc = subprocess.run(
        [sys.executable, str(STUDY), *flags, "--out", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_quick_keeps_explicit_flags():
    sys.path.insert(0, str(STUDY.parent))
    try:
        import basins_eq15
    finally:
        sys.path.pop(0)
    args = basins_eq15.parse_args(["--quick", "--grid", "3", "3", "--sigmas", "2"])
    assert args.grid == [3, 3] and args.sigmas == [2.0] and args.max_steps == 2000


@pytest.mark.slow
def test_default_run_matches_docstring_claims(tmp_path):
    """The full default run (about a minute): the numbers the docstring quotes."""
    out = tmp_path / "full"
    subprocess.run([sys.executable, str(STUDY), "--out", str(out)],
                   capture_output=True, text=True, check=True, timeout=600)
    summary = json.loads((out / "summary.json").read_text())
    by_sigma = {s["sigma"]: s for s in summary["sigmas"]}
    for sigma in (0.0, 0.9, 2.0, 3.0, 4.0):
        (att,) = by_sigma[sigma]["attractors"]
        assert att["is_minimum"] and att["name"] == "minimum (1.690, 1.963)"
    for sigma in (5.0, 6.0, 7.0, 8.0):
        (att,) = by_sigma[sigma]["attractors"]
        assert att["period"] == 2 and att["spectral_radius"] < 1
        assert by_sigma[sigma]["unresolved_fraction"] == 0.0
    assert by_sigma[7.0]["attractors"][0]["name"] == (
        "2-cycle (0.957, 2.837)\u2194(1.000, 2.876)")
    assert abs(by_sigma[0.0]["diverged_fraction"] - 0.005) < 0.002
    assert abs(by_sigma[8.0]["diverged_fraction"] - 0.70) < 0.01
    assert by_sigma[8.0]["paper_start_reaches"] == "diverged"


def test_an_unusable_out_folder_is_refused_before_any_work(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    proc = subprocess.run(
        [sys.executable, str(STUDY), "--quick", "--out", str(afile)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "--out:" in proc.stderr and "is not a folder" in proc.stderr
