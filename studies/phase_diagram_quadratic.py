"""The (k eta, sigma) phase diagram of super-accelerated momentum on a quadratic.

For L = 1/2 k theta^2 every point of the (k eta, sigma) plane is classified
exactly from the two eigenvalues of the linear map (``optdyn.quadratic``):
underdamped (complex pair), critical (repeated root), overdamped (two
positive roots), oscillating (a negative root) or unstable (rho >= 1).
Drawn on top: the stability limits
-(1 - g)/(k eta) < sigma < (1 + g)/(k eta) - 1/2, the exact sigma* (the
critical-damping curve that separates underdamped from overdamped), the
paper's ODE estimates (12)-(14) and sigma* fitted from trajectories by the
paper's method: a parallel ``optdyn.scan`` of time-scale fits over
(eta, sigma) at k = 1 gives the grid value with the smallest fitted T,
which a bounded search between its grid neighbours then polishes.  One
panel for g = 0.9 (the paper's value) and one per extra ``--g``.

What it reproduces: the paper's picture of Section 2 - optimal sigma at
critical damping, sigma* > 1 over a wide middle range of k eta, and every
sigma > 0 overdamped below k eta = (1 - sqrt g)^2 (0.002633 at g = 0.9; the
paper: about 0.0027).  It adds what the paper did not draw: the exact
stability region, which closes at k eta = 4, and the oscillating wedge
beyond sigma = g/(k eta) where one root is negative.

Run ``python studies/phase_diagram_quadratic.py`` (``--jobs 2`` is the
default; about 7 s) or ``--quick --jobs 1`` (seconds).  Writes
``phase_diagram_quadratic.png``, ``.npz`` and ``summary.json`` under
``--out``.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import optdyn
from optdyn import phase_diagram as pd
from optdyn import quadratic
from optdyn._cli import check_flags
from optdyn._io import save_figure, write_json, write_npz
from optdyn._validation import check_in_range, check_int
from optdyn.fitting import quadratic_fitted_sigma_star
from optdyn.losses import Quadratic
from optdyn.optimizers import SuperNesterov

STUDY = "phase_diagram_quadratic"


QUICK = {"resolution": [120, 100], "n_fit": 4, "n_sigma_fit": 25}
FULL = {"resolution": [600, 500], "n_fit": 12, "n_sigma_fit": 49}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--g",
        type=float,
        nargs="+",
        default=[0.9, 0.5],
        help="momentum coefficients, one panel each",
    )
    p.add_argument(
        "--resolution",
        type=int,
        nargs=2,
        metavar=("N_KETA", "N_SIGMA"),
        help="grid of the shading (default 600 500)",
    )
    p.add_argument(
        "--n-fit", type=int, help="fitted sigma* points per panel (default 12)"
    )
    p.add_argument(
        "--n-sigma-fit", type=int, help="sigma grid of the fit scan (default 49)"
    )
    p.add_argument("--jobs", type=int, default=2, help="joblib workers of the scan")
    p.add_argument(
        "--out", default=os.path.join("results", STUDY), help="output folder"
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="coarse grid, a few seconds (flags given explicitly still apply)",
    )
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--g", lambda: [check_in_range("g", g, 0.0, 1.0, hi_open=True)
                         for g in args.g]),
        ("--resolution", lambda: [check_int(name, n, 2) for name, n in
                                  zip(("N_KETA", "N_SIGMA"), args.resolution)]),
        ("--n-fit", lambda: check_int("n_fit", args.n_fit, 1)),
        ("--n-sigma-fit", lambda: check_int("n_sigma_fit", args.n_sigma_fit, 3)),
        ("--jobs", lambda: check_int("jobs", args.jobs, 1)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def main(argv=None):
    args = parse_args(argv)
    n_k, n_s = args.resolution
    k_eta = np.geomspace(1e-4, 4.0, n_k)
    sigma = np.linspace(-6.0, 30.0, n_s)

    fig, axs = plt.subplots(
        1, len(args.g), figsize=(6.5 * len(args.g), 5.2), squeeze=False
    )
    summary, arrays = {"panels": []}, {"k_eta": k_eta, "sigma": sigma}
    for ax, g in zip(axs[0], args.g):
        diagram = pd.quadratic_phase_diagram(k_eta, sigma, g)
        k_fit = np.geomspace(
            max(1.5 * float(quadratic.k_eta_threshold(g)), 0.004), 0.3, args.n_fit
        )
        # fitted sigma*: a scan of time-scale fits over (eta, sigma) at k = 1
        top = 1.25 * float(np.max(quadratic.optimal_sigma(k_fit, g))) + 0.5
        sig_grid = np.linspace(0.0, top, args.n_sigma_fit)
        F = optdyn.OptimizerMap(Quadratic([1.0]), SuperNesterov(eta=0.01, g=g, sigma=0))
        res = optdyn.scan(
            "timescale",
            F,
            {"eta": k_fit, "sigma": sig_grid},
            theta0=[1.0],
            n_steps=3000,
            n_jobs=args.jobs,
        )
        _, s_grid, _, _ = pd.sigma_star_from_scan(res)
        # polish each grid minimum between its neighbours (bounded search)
        step = sig_grid[1] - sig_grid[0]
        s_fit = np.array(
            [
                quadratic_fitted_sigma_star(
                    k, g, sigmas=[max(s0 - step, 0.0), s0, s0 + step]
                ).sigma_star
                if s0 > 0
                else s0
                for k, s0 in zip(k_fit, s_grid)
            ]
        )
        pd.plot_quadratic_phase_diagram(diagram, ax=ax, fitted=(k_fit, s_fit))
        arrays[f"regime_g{g:g}"] = diagram.regime
        arrays[f"rho_g{g:g}"] = diagram.rho
        arrays[f"fitted_k_eta_g{g:g}"] = k_fit
        arrays[f"fitted_sigma_star_g{g:g}"] = s_fit
        arrays[f"scan_sigma_star_g{g:g}"] = s_grid
        exact = quadratic.optimal_sigma(k_fit, g)
        peak = k_eta[np.argmax(quadratic.optimal_sigma(k_eta, g))]
        summary["panels"].append(
            {
                "g": g,
                "regime_fractions": diagram.fractions(),
                "k_eta_threshold": float(quadratic.k_eta_threshold(g)),
                "k_eta_of_largest_sigma_star": float(peak),
                "largest_sigma_star": float(quadratic.optimal_sigma(peak, g)),
                "max_abs_fitted_error": float(np.max(np.abs(s_fit - exact))),
                "max_abs_scan_grid_error": float(np.max(np.abs(s_grid - exact))),
                "sigma_grid_step": float(sig_grid[1] - sig_grid[0]),
            }
        )
    fig.suptitle(
        "Super-accelerated momentum on L = kθ²/2: regimes of the (kη, σ) plane"
    )
    fig.tight_layout()
    os.makedirs(args.out, exist_ok=True)
    save_figure(fig, os.path.join(args.out, f"{STUDY}.png"), dpi=120)
    plt.close(fig)
    write_npz(os.path.join(args.out, f"{STUDY}.npz"), **arrays)
    write_json(os.path.join(args.out, "summary.json"), summary)

    print(
        f"{'g':>5} {'threshold':>10} {'peak k eta':>11} {'max sigma*':>11} "
        f"{'under':>7} {'over':>7} {'osc':>7} {'unstable':>9} {'fit err':>9}"
    )
    for s in summary["panels"]:
        fr = s["regime_fractions"]
        print(
            f"{s['g']:5.2f} {s['k_eta_threshold']:10.6f} "
            f"{s['k_eta_of_largest_sigma_star']:11.4g} "
            f"{s['largest_sigma_star']:11.3f} "
            f"{fr['underdamped']:7.3f} {fr['overdamped']:7.3f} "
            f"{fr['oscillating']:7.3f} "
            f"{fr['unstable']:9.3f} {s['max_abs_fitted_error']:9.1e}"
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
