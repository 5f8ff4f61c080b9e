"""The (eta, sigma) phase diagram of super-accelerated momentum on Eq. (15).

Two views of the same plane, drawn together:

- **Linear theory at the minimum** theta* = (1.690, 1.963): the Hessian
  there has curvatures h = 0.218 and 40.47, and each direction is a
  quadratic with k eta = h eta (``optdyn.phase_diagram.linear_phase_diagram``).
  The minimum is linearly stable below sigma = (1 + g)/(h_max eta) - 1/2
  and each direction is critically damped on its own sigma*(h eta).
- **Scans**: for every (eta, sigma) of a grid, basins of a grid of starts
  (m = 0) with ``optdyn.scan`` (parallel, cached, resumable) and the
  fraction that reaches the minimum, another attractor, or diverges.

Then, at the paper's eta = 0.01, a finer sigma scan of basins measures how
tangled the boundaries are: basin entropy S_b, boundary basin entropy S_bb
(Daza et al. 2016) and the uncertainty exponent alpha (Grebogi et al. 1983,
boundary dimension 2 - alpha), with the fractal-boundary test.

What it reproduces (paper Section 3.1): trapping away from the minimum for
sigma >~ 4-5 at eta = 0.01: the scan shows the fraction reaching the
minimum dropping to zero where the stiff direction's flip line
sigma = 1.9/(40.47 eta) - 1/2 (4.2 at eta = 0.01) is crossed, and a 2-cycle
taking over.  It adds the whole eta dependence: the trapping threshold
moves as 1/eta, exactly along the linear flip line.

Where it differs: the paper speaks of trapping "for sigma >~ 4" from one
start; here the minimum loses stability at sigma = 4.20 for every start
(eta = 0.01).  For eta up to 0.026 the sigma at which fewer than half the
starts reach the minimum lies within one sigma step (0.25) of the linear
flip line; for eta >= 0.032 more than half the starts diverge already at
sigma = 0 (53% and 67%).  The basin measures at eta = 0.01 (400 x 400
starts): S_bb stays below ln 2 at every sigma (about 0.45-0.51), so the
entropy criterion proves nothing; the uncertainty exponent is about 0.7
(boundary dimension about 1.3) for every sigma >= 1.5, the same at 200 x 200
starts, and S_b falls by 2^-0.7 rather than 2^-1 when the grid is refined,
so the test calls the boundary between bounded and diverging starts
fractal.  For sigma <= 1 the few diverging starts lie at the corners,
outside the region the exponent is measured on (alpha is NaN).

Run ``python studies/phase_diagram_eq15.py`` (``--jobs 2`` is the default;
about 15 s on an idle 2-core machine, 40 s or more when it is busy) or
``--quick``.  Writes ``phase_diagram_eq15.png``, ``.npz`` and
``summary.json`` under ``--out``; ``--cache-dir`` keeps scan points between
runs.
"""

import argparse
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import optdyn
from optdyn import phase_diagram as pd
from optdyn._cli import check_flags
from optdyn._io import save_figure, write_json, write_npz
from optdyn._validation import check_finite, check_in_range, check_int, check_positive
from optdyn.basin_measures import fractal_boundary_test
from optdyn.losses import Eq15
from optdyn.optimizers import SuperNesterov

STUDY = "phase_diagram_eq15"


QUICK = {"n_eta": 4, "n_sigma": 6, "starts": 24, "measure_starts": 60,
         "measure_sigmas": 4, "max_steps": 2000}
FULL = {"n_eta": 12, "n_sigma": 41, "starts": 48, "measure_starts": 400,
        "measure_sigmas": 17, "max_steps": 5000}


def check_range(name, pair, positive=False):
    """(lo, hi) as floats, or ValueError unless both are finite and lo < hi."""
    check = check_positive if positive else check_finite
    lo, hi = check(name, pair[0]), check(name, pair[1])
    if not lo < hi:
        raise ValueError(f"{name} needs LO < HI; got {lo:g} {hi:g}")
    return lo, hi


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--g", type=float, default=0.9, help="momentum coefficient g")
    p.add_argument("--eta-range", type=float, nargs=2, default=(4e-3, 4e-2),
                   metavar=("LO", "HI"), help="eta range of the scan (log spaced)")
    p.add_argument("--n-eta", type=int, help="eta values of the scan (default 12)")
    p.add_argument("--sigma-range", type=float, nargs=2, default=(0.0, 10.0),
                   metavar=("LO", "HI"), help="sigma range of the scan")
    p.add_argument("--n-sigma", type=int,
                   help="sigma values of the scan (default 41)")
    p.add_argument("--starts", type=int,
                   help="grid of starts per side for the (eta, sigma) scan "
                        "(default 48)")
    p.add_argument("--measure-starts", type=int,
                   help="grid of starts per side for the basin measures "
                        "(default 400, at least 32)")
    p.add_argument("--measure-sigmas", type=int,
                   help="sigma values in [0, 8] of the basin-measure scan at "
                        "eta = 0.01 (default 17)")
    p.add_argument("--max-steps", type=int,
                   help="step budget per start (default 5000)")
    p.add_argument("--jobs", type=int, default=2, help="parallel joblib workers")
    p.add_argument("--cache-dir", default=None, help="joblib cache of scan points")
    p.add_argument(
        "--out", default=os.path.join("results", STUDY), help="output folder"
    )
    p.add_argument("--quick", action="store_true",
                   help="coarse, a few seconds (flags given explicitly still apply)")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--g", lambda: check_in_range("g", args.g, 0.0, 1.0, hi_open=True)),
        ("--eta-range", lambda: check_range("eta_range", args.eta_range, True)),
        ("--n-eta", lambda: check_int("n_eta", args.n_eta, 2)),
        ("--sigma-range", lambda: check_range("sigma_range", args.sigma_range)),
        ("--n-sigma", lambda: check_int("n_sigma", args.n_sigma, 2)),
        ("--starts", lambda: check_int("starts", args.starts, 2)),
        ("--measure-starts",
         lambda: check_int("measure_starts", args.measure_starts, 32)),
        ("--measure-sigmas",
         lambda: check_int("measure_sigmas", args.measure_sigmas, 1)),
        ("--max-steps", lambda: check_int("max_steps", args.max_steps, 1)),
        ("--jobs", lambda: check_int("jobs", args.jobs, 1)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    loss = Eq15()
    F = optdyn.OptimizerMap(loss, SuperNesterov(eta=0.01, g=args.g, sigma=0.0))
    etas = np.geomspace(*args.eta_range, args.n_eta)
    sigmas = np.linspace(*args.sigma_range, args.n_sigma)
    box = ((-4.0, 5.0), (-6.0, 6.0))

    # (eta, sigma) scan of basins
    grid = optdyn.Grid((*box[0], args.starts), (*box[1], args.starts))
    res = optdyn.scan(
        "basins",
        F,
        {"eta": etas, "sigma": sigmas},
        grid=grid,
        max_steps=args.max_steps,
        n_jobs=args.jobs,
        cache_dir=args.cache_dir,
    )
    fr = pd.attractor_fractions(res)
    linear = pd.linear_phase_diagram(
        loss,
        np.geomspace(etas[0], etas[-1], 200),
        np.linspace(sigmas[0], sigmas[-1], 200),
        args.g,
    )

    # basin measures along sigma at eta = 0.01
    m_sigmas = np.linspace(0.0, 8.0, args.measure_sigmas)
    m_grid = optdyn.Grid((*box[0], args.measure_starts), (*box[1], args.measure_starts))
    mres = optdyn.scan(
        "basins",
        F.with_params(eta=0.01),
        {"sigma": m_sigmas},
        grid=m_grid,
        max_steps=args.max_steps,
        n_jobs=args.jobs,
        cache_dir=args.cache_dir,
    )
    tests = [fractal_boundary_test(b) for b in mres.results]

    # ---- figure
    fig = make_figure(args, linear, etas, sigmas, fr, m_sigmas, tests)

    os.makedirs(args.out, exist_ok=True)
    save_figure(fig, os.path.join(args.out, f"{STUDY}.png"), dpi=110)
    plt.close(fig)
    write_npz(
        os.path.join(args.out, f"{STUDY}.npz"),
        eta=etas,
        sigma=sigmas,
        **{f"fraction_{k}": v for k, v in fr.items()},
        measure_sigma=m_sigmas,
        S_b=[t.entropy.S_b for t in tests],
        S_bb=[t.entropy.S_bb for t in tests],
        alpha=[t.exponent.alpha for t in tests],
    )
    h_max = float(linear.curvatures[-1])
    summary = {
        "g": args.g,
        "curvatures": linear.curvatures.tolist(),
        "flip_sigma_at_eta_0.01": (1 + args.g) / (h_max * 0.01) - 0.5,
        "eta": etas.tolist(),
        "sigma": sigmas.tolist(),
        "fractions": {k: np.asarray(v).tolist() for k, v in fr.items()},
        "basin_measures_eta_0.01": [
            {
                "sigma": float(s),
                "S_b": t.entropy.S_b,
                "S_bb": t.entropy.S_bb,
                "alpha": t.exponent.alpha,
                "fractal": t.fractal,
                "fractions": b.fractions,
            }
            for s, t, b in zip(m_sigmas, tests, mres.results)
        ],
        "elapsed_s": time.perf_counter() - t0,
    }
    write_json(os.path.join(args.out, "summary.json"), summary)

    print(
        f"Eq. (15), g = {args.g:g}; Hessian curvatures at the minimum: "
        + ", ".join(f"{h:.4g}" for h in linear.curvatures)
    )
    print(
        f"flip of the minimum at eta = 0.01: sigma = "
        f"{summary['flip_sigma_at_eta_0.01']:.3f}"
    )
    print(f"{'eta':>8} {'sigma where min. fraction < 1/2':>33}")
    for i, e in enumerate(etas):
        lost = sigmas[np.asarray(fr["minimum"])[i] < 0.5]
        lim = (1 + args.g) / (h_max * e) - 0.5
        print(
            f"{e:8.4g} {lost[0] if lost.size else np.nan:>20.3f}   "
            f"(linear flip {lim:.3f})"
        )
    print(f"{'sigma':>6} {'S_b':>7} {'S_bb':>7} {'alpha':>7} {'fractal':>8}  fractions")
    for row in summary["basin_measures_eta_0.01"]:
        fracs = ", ".join(f"{k} {v:.3f}" for k, v in row["fractions"].items() if v > 0)
        print(
            f"{row['sigma']:6.2f} {row['S_b']:7.4f} {row['S_bb']:7.4f} "
            f"{row['alpha']:7.3f} {row['fractal']!s:>8}  {fracs}"
        )
    print(f"wrote {args.out} ({summary['elapsed_s']:.1f} s)")
    return 0


def log_eta_axis(ax, lo, hi):
    """Log eta axis with plain-number labels that do not overlap."""
    from matplotlib.ticker import NullFormatter

    ticks = [t for t in (1e-3, 2e-3, 4e-3, 6e-3, 0.01, 0.02, 0.04, 0.06, 0.1,
                         0.2, 0.4) if lo <= t <= hi]
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    if len(ticks) >= 2:
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("η")


def make_figure(args, linear, etas, sigmas, fr, m_sigmas, tests):
    from matplotlib.patches import Patch

    fig, axs = plt.subplots(1, 3, figsize=(17, 6.2))
    # panels (a) and (b) share the eta axis and the scan's cells
    lo, hi = etas[0], etas[-1]

    ax = axs[0]
    pd.plot_loss_phase_diagram(linear, ax=ax, fractions=(etas, sigmas, fr),
                               legend=False)
    log_eta_axis(ax, lo, hi)
    ax.set_ylim(sigmas[0], sigmas[-1])
    ax.set_title("(a) fraction of starts reaching the minimum;\n"
                 "lines: linear theory at θ*, h = Hessian eigenvalue", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)

    ax = axs[1]
    minimum = np.asarray(fr["minimum"]).T
    other = np.asarray(fr["other"]).T
    div = np.asarray(fr["diverged"]).T
    ax.pcolormesh(etas, sigmas, np.stack([div, other, minimum], axis=-1),
                  shading="nearest", rasterized=True)
    log_eta_axis(ax, lo, hi)
    ax.set_ylim(sigmas[0], sigmas[-1])
    ax.set_ylabel("σ")
    ax.set_title("(b) where the starts go: colour = mix of the fractions",
                 fontsize=10)
    ax.legend(
        handles=[Patch(color=(0, 0, 1), label="minimum"),
                 Patch(color=(0, 1, 0), label="other attractor (2-cycle, ...)"),
                 Patch(color=(1, 0, 0), label="diverged"),
                 Patch(color=(0, 0, 0), label="unresolved")],
        fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2,
    )

    # Entropies (nats, left axis; S_bb > ln 2 would prove a fractal
    # boundary) and the uncertainty exponent (right axis; alpha < 1 means a
    # fractal boundary, 1 a smooth one) have different scales and criteria.
    ax = axs[2]
    lines = ax.plot(m_sigmas, [t.entropy.S_b for t in tests], "o-", color="C0",
                    label="basin entropy $S_b$")
    lines += ax.plot(m_sigmas, [t.entropy.S_bb for t in tests], "s-", color="C1",
                     label="boundary basin entropy $S_{bb}$")
    lines.append(ax.axhline(np.log(2), color="C1", ls=":",
                            label=r"$\ln 2$ ($S_{bb}$ above it: fractal)"))
    ax.set_ylim(0.0, 0.8)
    ax.set_xlabel("σ")
    ax.set_ylabel("entropy $S_b$, $S_{bb}$ (nats)")
    ax_alpha = ax.twinx()
    lines += ax_alpha.plot(m_sigmas, [t.exponent.alpha for t in tests], "^-",
                           color="C2", label="uncertainty exponent α")
    lines.append(ax_alpha.axhline(1.0, color="C2", ls=":",
                                  label="α = 1 (smooth boundary)"))
    ax_alpha.set_ylim(0.0, 1.1)
    ax_alpha.set_ylabel("uncertainty exponent α (below 1: fractal)", color="C2")
    ax.set_title(f"(c) η = 0.01, {args.measure_starts}² starts: "
                 "basin boundary measures", fontsize=10)
    ax.legend(handles=lines, fontsize=7, loc="upper center",
              bbox_to_anchor=(0.5, -0.13), ncol=2)
    fig.suptitle(f"Super-accelerated momentum on Eq. (15), g = {args.g:g}, "
                 f"{args.starts}² starts per (η, σ), m₀ = 0")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    sys.exit(main())
