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
(eta = 0.01), and at every eta the scan's threshold sits on the linear flip
line to within the sigma grid step.  The basin measures at eta = 0.01 (400 x
400 starts): S_bb stays below ln 2 at every sigma (about 0.45-0.50), so the
entropy criterion proves nothing; the uncertainty exponent is about 0.7
(boundary dimension about 1.3) for every sigma >= 1.5, the same at 200 x 200
starts, and S_b falls by 2^-0.7 rather than 2^-1 when the grid is refined,
so the test calls the boundary between bounded and diverging starts
fractal.  For sigma <= 1 the few diverging starts lie at the corners,
outside the region the exponent is measured on (alpha is NaN).

Run ``python studies/phase_diagram_eq15.py --jobs 2`` (about a minute) or
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
from optdyn._io import save_figure, write_json, write_npz
from optdyn.basin_measures import fractal_boundary_test
from optdyn.losses import Eq15
from optdyn.optimizers import SuperNesterov

STUDY = "phase_diagram_eq15"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--g", type=float, default=0.9)
    p.add_argument("--eta-range", type=float, nargs=2, default=(4e-3, 4e-2))
    p.add_argument("--n-eta", type=int, default=12)
    p.add_argument("--sigma-range", type=float, nargs=2, default=(0.0, 10.0))
    p.add_argument("--n-sigma", type=int, default=41)
    p.add_argument(
        "--starts",
        type=int,
        default=48,
        help="grid of starts per side for the (eta, sigma) scan",
    )
    p.add_argument(
        "--measure-starts",
        type=int,
        default=400,
        help="grid of starts per side for the basin measures",
    )
    p.add_argument(
        "--measure-sigmas",
        type=int,
        default=17,
        help="sigma values of the basin-measure scan at eta = 0.01",
    )
    p.add_argument("--max-steps", type=int, default=5000)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--cache-dir", default=None, help="joblib cache of scan points")
    p.add_argument(
        "--out", default=os.path.join("results", STUDY), help="output folder"
    )
    p.add_argument("--quick", action="store_true", help="coarse, a few seconds")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f"--jobs must be >= 1; got {args.jobs}")
    if not 0 <= args.g < 1:
        p.error(f"--g must lie in [0, 1); got {args.g}")
    if args.quick:
        args.n_eta, args.n_sigma, args.starts = 4, 6, 24
        args.measure_starts, args.measure_sigmas, args.max_steps = 60, 4, 2000
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
    fig, axs = plt.subplots(1, 3, figsize=(17, 5))
    pd.plot_loss_phase_diagram(linear, ax=axs[0], fractions=(etas, sigmas, fr))
    axs[0].set_title(f"(a) Eq. (15), g = {args.g:g}: starts reaching the minimum")
    ax = axs[1]
    other = np.asarray(fr["other"]).T
    div = np.asarray(fr["diverged"]).T
    rgb = np.stack([div, other, np.asarray(fr["minimum"]).T], axis=-1)
    ax.imshow(
        rgb,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        extent=(0, len(etas), sigmas[0], sigmas[-1]),
    )
    ticks = np.arange(len(etas)) + 0.5
    step = max(1, len(etas) // 6)
    ax.set_xticks(ticks[::step], [f"{e:.3g}" for e in etas[::step]])
    ax.set_xlabel("η")
    ax.set_ylabel("σ")
    ax.set_title(
        "(b) red: diverged, green: other attractor, blue: minimum,\nblack: unresolved",
        fontsize=9,
    )
    ax = axs[2]
    ax.plot(m_sigmas, [t.entropy.S_b for t in tests], "o-", label="basin entropy S_b")
    ax.plot(
        m_sigmas,
        [t.entropy.S_bb for t in tests],
        "s-",
        label="boundary basin entropy S_bb",
    )
    ax.plot(
        m_sigmas,
        [t.exponent.alpha for t in tests],
        "^-",
        label="uncertainty exponent α",
    )
    ax.axhline(np.log(2), color="0.5", ls=":", label="ln 2")
    ax.set_xlabel("σ")
    ax.set_ylabel("measure")
    ax.set_title("(c) η = 0.01: basin boundary measures")
    ax.legend(fontsize=8)
    fig.tight_layout()

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


if __name__ == "__main__":
    sys.exit(main())
