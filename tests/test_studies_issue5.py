"""The issue-5 studies in --quick mode: outputs written, findings hold."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

STUDIES = Path(__file__).resolve().parent.parent / "studies"


def load(name):
    path = STUDIES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"study_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name, tmp_path, *extra):
    out = tmp_path / name
    summary = load(name).main(["--quick", "--out", str(out), *extra])
    assert (out / "summary.json").is_file()
    assert json.loads((out / "summary.json").read_text())
    assert any(out.glob("*.png")) and any(out.glob("*.npz"))
    return summary


def test_trajectories_eq15_names_the_attractors(tmp_path):
    s = run("trajectories_eq15", tmp_path)
    fates = {r["sigma"]: r["attractor"] for r in s["runs"]}
    for sigma in (0.0, 0.9, 2.0, 3.0, 4.0):
        assert fates[sigma].startswith("minimum (1.690, 1.963)")
    assert fates[None].startswith("minimum")  # gradient descent
    assert fates[7.0] == "2-cycle (0.957, 2.837)\u2194(1.000, 2.876)"
    assert fates[6.0].startswith("2-cycle")
    d180 = {r["sigma"]: r["distance_at_step"]["180"] for r in s["runs"]}
    assert d180[4.0] < 0.01 < d180[2.0] < d180[None]


def test_regression51_late_rates_follow_the_shallowest_direction(tmp_path):
    s = run("regression51", tmp_path)
    assert s["eigenbasis_vs_direct_max_rel_diff"] < 1e-10
    assert s["k_eta"]["min"] < s["k_eta"]["overdamped_threshold"]
    for label, late in s["late_time"].items():
        if label == "GD":  # its next direction still shows in a quick run
            continue
        measured = late["measured_efold_of_L_minus_Lstar"]
        assert measured == pytest.approx(late["predicted_T_over_2"], rel=0.02), label
    # Momentum runs share one late rate; gradient descent is much slower.
    momentum = [v["measured_efold_of_L_minus_Lstar"]
                for k, v in s["late_time"].items() if k != "GD"]
    assert max(momentum) / min(momentum) < 1.01
    assert s["late_time"]["GD"]["measured_efold_of_L_minus_Lstar"] > 5 * max(momentum)
    assert s["late_time"]["GD"]["predicted_T_over_2"] > 9 * max(momentum)


def test_eps_attractors_cycle_amplitude_matches_closed_form(tmp_path):
    s = run("eps_attractors", tmp_path)
    assert s["n_cycles_checked"] >= 5
    assert s["max_rel_error_amplitude_vs_closed_form"] < 1e-9
    lo, hi = s["eta_window_inside_converges_outside_cycles_measured"]
    th = s["eta_flip_threshold"]
    assert th["outside"] <= lo and hi <= th["inside"]
    assert th["inside"] == pytest.approx(10 * th["outside"])  # sqrt(eps)/eps


def test_eps_attractors_closed_forms():
    m = load("eps_attractors")
    # Q = k eta (1 + 2 sigma) / (2 (1 + g)); a = (Q - eps)/(k (1 + 2 sigma)).
    assert m.cycle_amplitude(1.0, 0.38, 0.9, 0.0, 0.01, False) == pytest.approx(0.09)
    assert m.cycle_amplitude(2.0, 0.38, 0.9, 0.0, 0.01, True) == pytest.approx(
        np.sqrt(0.2**2 - 0.01) / 2.0)
    assert np.isnan(m.cycle_amplitude(1.0, 0.01, 0.9, 0.0, 0.01, False))


def test_rmsprop_eq15_large_sigma_is_caught_by_a_sign_gradient_cycle(tmp_path):
    s = run("rmsprop_eq15", tmp_path)
    late = {r["sigma"]: r["long_time"] for r in s["runs"]}
    cycle = late[6.0]
    assert cycle["fate"] == "2-cycle" and cycle["spectral_radius"] < 1.0
    # Each component of m alternates between +-eta/(1 + g).
    np.testing.assert_allclose(np.abs(cycle["m"]), 0.1 / 1.9, rtol=1e-6)
    assert min(cycle["distance_to_minimum"]) > 1.0
    assert late[0.0]["fate"] == "wanders" and late[0.0]["max_distance"] < 0.2


def test_nn_digits_quick_reports_its_data(tmp_path):
    pytest.importorskip("sklearn")
    s = run("nn_digits", tmp_path)
    assert s["data"] == "sklearn-digits"
    assert "1300 training and 497 held-out" in s["data_description"]
    for row in s["full_batch"]:
        acc = list(row["test_accuracy_at_epoch"].values())
        assert all(0.0 <= a <= 1.0 for a in acc)
    first = {r["sigma"]: r["test_accuracy_epoch1"][0] for r in s["mini_batch"]}
    assert first[4.0] > first[0.9]


def test_nn_digits_reads_mnist_idx_files(tmp_path):
    """--mnist-dir with small generated IDX files (784 inputs)."""
    from optdyn.datasets import write_idx

    rng = np.random.default_rng(0)
    data = tmp_path / "mnist"
    data.mkdir()
    for prefix, n in (("train", 60), ("t10k", 20)):
        write_idx(data / f"{prefix}-images-idx3-ubyte",
                  rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(data / f"{prefix}-labels-idx1-ubyte",
                  rng.integers(0, 10, n).astype(np.uint8))
    s = run("nn_digits", tmp_path, "--mnist-dir", str(data), "--batch-size", "20")
    assert s["data"] == "mnist"
    assert s["mini_batch_size"] == 20 and s["mini_batch_steps_per_epoch"] == 3
    assert {r["network"] for r in s["full_batch"]} == {"784-30-10"}
