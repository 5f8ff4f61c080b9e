"""Basins of attraction of super-accelerated momentum on the paper's Eq. (15).

For each look-ahead sigma, which starts theta_0 (with m_0 = 0) reach the
minimum of

    L(theta) = (theta_1^2 + 2 theta_2 - 7)^2 + (2 theta_1 + theta_2 - 5)^2
               + 1e-3 (theta_1^6 + theta_2^6),

which settle on another attractor, and which diverge?  Defaults: eta = 0.01,
g = 0.9, sigma in {0, 0.9, 2, 3, 4, 5, 6, 7, 8}, a 400 x 400 grid over
theta_1 in [-4, 5], theta_2 in [-6, 6], 3000 steps per start.

What it reproduces and explains (paper Section 3.1, Figure 3): the paper saw
the run from (-1, -3.8) at sigma = 7 "trapped" on an orbit alternating
between two nearby points, and similar trapping for sigma >~ 4.  The census
here finds, for every sigma up to 4, a single attractor, the minimum
(1.690, 1.963); from sigma = 5 on the minimum is no longer an attractor at
all (its stiff multiplier has passed -1: the flip bifurcation at
sigma_c = 4.1951 that ``studies/bifurcation_eq15.py`` locates), and every
start that does not diverge lands on one 2-cycle born there, which moves
away from the minimum as sigma grows (at sigma = 7: (0.957, 2.837) <->
(1.000, 2.876)).  Trapping is therefore not bad luck of the start: beyond
the flip the 2-cycle is the only bounded attractor.  The diverged fraction
of this grid grows with sigma, from 0.5% at sigma = 0 to about 70% at
sigma = 8; at sigma = 8 the paper's start itself diverges, although the
2-cycle is still stable there: the start has left its basin.

Run ``python studies/basins_eq15.py`` (about 1 minute on 2 cores, Numba
compilation included; later runs reuse the on-disk kernel cache) or with
``--quick`` for a coarse check.  Writes under ``--out``:

- ``basins_eq15.png``: one panel per sigma, each attractor in one colour
  across panels, the paper's start marked with a star;
- ``basins_eq15.npz``: label and step grids per sigma, with coordinates;
- ``summary.json``: per sigma, the attractors (theta, period, loss,
  spectral radius, basin fraction) and the diverged/unresolved fractions.
"""

import argparse
import logging
import os
import sys
import time

import numpy as np
from joblib import Parallel, delayed

import optdyn
from optdyn._cli import check_flags
from optdyn._io import save_figure, write_json, write_npz
from optdyn._validation import check_int
from optdyn.losses import Eq15
from optdyn.optimizers import SuperNesterov

log = logging.getLogger("basins_eq15")

PAPER_START = (-1.0, -3.8)
DEFAULT_SIGMAS = (0.0, 0.9, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)


QUICK = {"sigmas": [0.9, 4.0, 7.0], "grid": [60, 60], "max_steps": 2000}
FULL = {"sigmas": list(DEFAULT_SIGMAS), "grid": [400, 400], "max_steps": 3000}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Basins of attraction of super-accelerated momentum on Eq. (15)."
    )
    p.add_argument("--sigmas", type=float, nargs="+",
                   help="look-ahead values sigma (default: 0 0.9 2 3 4 5 6 7 8)")
    p.add_argument("--eta", type=float, default=0.01, help="learning rate eta")
    p.add_argument("--g", type=float, default=0.9, help="momentum coefficient g")
    p.add_argument("--grid", type=int, nargs=2, metavar=("N1", "N2"),
                   help="grid points along theta_1, theta_2 (default: 400 400)")
    p.add_argument("--theta1", type=float, nargs=2, default=(-4.0, 5.0),
                   metavar=("LO", "HI"), help="theta_1 range (default: -4 5)")
    p.add_argument("--theta2", type=float, nargs=2, default=(-6.0, 6.0),
                   metavar=("LO", "HI"), help="theta_2 range (default: -6 6)")
    p.add_argument("--max-steps", type=int,
                   help="step budget per start (default: 3000)")
    p.add_argument("--max-period", type=int, default=8, help="longest cycle detected")
    p.add_argument("--jobs", type=int, default=2,
                   help="parallel joblib workers over sigma (default 2)")
    p.add_argument("--out", default="results/basins_eq15", help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="defaults for a check in seconds: sigma 0.9 4 7, a 60x60 "
                        "grid, 2000 steps (flags given explicitly still apply)")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--eta/--g", lambda: SuperNesterov(eta=args.eta, g=args.g, sigma=0.0)),
        ("--sigmas", lambda: [SuperNesterov(0.01, 0.9, s) for s in args.sigmas]),
        ("--grid/--theta1/--theta2", lambda: optdyn.Grid(
            (*args.theta1, args.grid[0]), (*args.theta2, args.grid[1]))),
        ("--max-steps", lambda: check_int("max_steps", args.max_steps, 1)),
        ("--max-period", lambda: check_int("max_period", args.max_period, 1)),
        ("--jobs", lambda: check_int("jobs", args.jobs, 1)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def run_sigma(sigma, args, n_threads):
    """Basins and the fate of the paper's start for one sigma (a joblib task)."""
    F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=args.eta, g=args.g, sigma=sigma))
    grid = optdyn.Grid((*args.theta1, args.grid[0]), (*args.theta2, args.grid[1]))
    res = optdyn.basins(F, grid, args.max_steps, max_period=args.max_period,
                        n_threads=n_threads)
    start = optdyn.census(F, F.initial_state(PAPER_START)[None, :], args.max_steps,
                          max_period=args.max_period, n_threads=1)
    att = start.attractor_of(0)
    fate = att.name if att is not None else (
        "diverged" if start.labels[0] == optdyn.DIVERGED else "unresolved")
    return res, fate


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t0 = time.perf_counter()

    n_jobs = min(args.jobs, len(args.sigmas))
    # Numba threads per worker, so that workers x threads <= cores.
    n_threads = max(1, (os.cpu_count() or 1) // n_jobs)
    results = Parallel(n_jobs=n_jobs)(
        delayed(run_sigma)(s, args, n_threads) for s in args.sigmas
    )
    elapsed = time.perf_counter() - t0

    summary = {
        "loss": "Eq15",
        "eta": args.eta,
        "g": args.g,
        "grid": {"theta1": list(args.theta1), "theta2": list(args.theta2),
                 "n": list(args.grid)},
        "max_steps": args.max_steps,
        "paper_start": list(PAPER_START),
        "elapsed_s": round(elapsed, 2),
        "sigmas": [],
    }
    for sigma, (res, fate) in zip(args.sigmas, results):
        fr = res.fractions
        summary["sigmas"].append({
            "sigma": sigma,
            "attractors": [a.to_dict() for a in res.attractors],
            "diverged_fraction": fr["diverged"],
            "unresolved_fraction": fr["unresolved"],
            "paper_start_reaches": fate,
        })

    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "summary.json"), summary)
    write_npz(
        os.path.join(args.out, "basins_eq15.npz"),
        sigmas=np.array(args.sigmas),
        theta1=results[0][0].x,
        theta2=results[0][0].y,
        labels=np.stack([r.labels for r, _ in results]),
        steps=np.stack([r.steps for r, _ in results]),
    )
    fig = make_figure(args, results)
    save_figure(fig, os.path.join(args.out, "basins_eq15.png"), dpi=110)

    print(format_table(args, results))
    print(f"\n{len(args.sigmas)} sigma values, {args.grid[0]}x{args.grid[1]} grid, "
          f"{elapsed:.1f} s; results in {args.out}/")
    return summary


def format_table(args, results):
    lines = [
        f"Eq15, eta={args.eta:g}, g={args.g:g}: attractors and basin fractions",
        f"{'sigma':>6}  {'attractor':<42} {'rho':>7} {'L':>9} {'basin':>7}"
        f"  {'diverged':>8}  start (-1,-3.8) reaches",
    ]
    for sigma, (res, fate) in zip(args.sigmas, results):
        fr = res.fractions
        rows = res.attractors or [None]
        for k, a in enumerate(rows):
            head = f"{sigma:6.2f}" if k == 0 else " " * 6
            tail = f"  {100 * fr['diverged']:7.1f}%  {fate}" if k == 0 else ""
            if a is None:
                lines.append(f"{head}  {'(no attractor)':<42} {'':>7} {'':>9} "
                             f"{'':>7}{tail}")
            else:
                lines.append(
                    f"{head}  {a.name:<42} {a.spectral_radius:7.4f} "
                    f"{a.loss.mean():9.3g} {100 * a.fraction:6.1f}%{tail}"
                )
        if fr["unresolved"] > 0:
            lines.append(f"{'':6}  {'unresolved':<42} {'':>7} {'':>9} "
                         f"{100 * fr['unresolved']:6.1f}%")
    return "\n".join(lines)


def make_figure(args, results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(results)
    ncol = min(3, n)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 4.4 * nrow),
                             squeeze=False, sharex=True, sharey=True)
    palette = optdyn.AttractorPalette()
    for ax, sigma, (res, _) in zip(axes.flat, args.sigmas, results):
        res.plot(ax=ax, palette=palette, start=PAPER_START)
        ax.set_title(rf"$\sigma = {sigma:g}$")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[:-1].flat:
        ax.set_xlabel("")
    for ax in axes[:, 1:].flat:
        ax.set_ylabel("")
    fig.suptitle(
        rf"Basins of super-accelerated momentum on Eq. (15), $\eta = {args.eta:g}$, "
        rf"$g = {args.g:g}$ (star: start $(-1, -3.8)$; "
        "dark grey: diverged; light grey: unresolved)"
    )
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main(sys.argv[1:])
