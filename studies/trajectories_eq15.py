"""Trajectories of gradient descent and super-accelerated momentum on Eq. (15).

The paper's Figure 3 (Section 3.1): minimise

    L(theta) = (theta_1^2 + 2 theta_2 - 7)^2 + (2 theta_1 + theta_2 - 5)^2
               + 1e-3 (theta_1^6 + theta_2^6)

from theta_0 = (-1, -3.8), m_0 = 0, with eta = 0.01, g = 0.9, by plain
gradient descent and by the super-accelerated map (4) for
sigma in {0, 0.9, 2, 3, 4, 6, 7}; show the first 180 steps on the contour
plot and the distance |theta_i - theta*| to the minimum
theta* = (1.690, 1.963) against i.

Beyond the figure, the library's census (:func:`optdyn.census`, Newton-
polished cycles with their multipliers) names the attractor each run ends
on, instead of judging it by eye.

What it reproduces (default run, measured): after 180 steps gradient
descent, the heavy ball (sigma = 0) and Nesterov (sigma = 0.9) are still
0.61, 0.65 and 0.99 from the minimum; sigma = 2 reaches 0.027 and sigma = 3
and 4 are fastest (0.0024 each; sigma = 3 dips below 0.01 at step 54,
sigma = 4 stays below it from step 126).
sigma = 6 and 7 shoot into the valley and stall near 0.83 and 1.14.  The
census confirms what the paper describes by eye: every sigma <= 4 ends at
the minimum, while sigma = 6 ends on the 2-cycle (1.186, 2.623) <->
(1.222, 2.650) and sigma = 7 on (0.957, 2.837) <-> (1.000, 2.876), both
with spectral radius below 1: attractors of the map, not slow transients.
The paper shows sigma = 6 only "approaching a similar state" within 180
steps; the census adds that it ends on a 2-cycle too.  As in the paper,
sigma = 0 is slower than plain gradient descent over the first 180 steps.

Run ``python studies/trajectories_eq15.py`` (a few seconds once the Numba
kernels are cached) or ``--quick``.  Writes under ``--out``
(default results/trajectories_eq15/): ``trajectories_eq15.png``,
``trajectories_eq15.npz`` (the trajectories and distances) and
``summary.json``.
"""

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import optdyn
from optdyn._cli import check_flags
from optdyn._io import save_figure, write_json, write_npz
from optdyn._validation import check_in_range, check_int, check_positive
from optdyn.losses import Eq15
from optdyn.optimizers import GD, SuperNesterov

START = (-1.0, -3.8)
SIGMAS = (0.0, 0.9, 2.0, 3.0, 4.0, 6.0, 7.0)
#: The paper's panels (a)-(c): which runs share a contour plot.
PANELS = (("gd", 0.0), (0.9, 2.0), (4.0, 7.0))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eta", type=float, default=0.01, help="learning rate eta")
    p.add_argument("--g", type=float, default=0.9, help="momentum coefficient g")
    p.add_argument("--steps", type=int, default=180, help="steps shown (paper: 180)")
    p.add_argument("--census-steps", type=int, default=20000,
                   help="step budget of the census that names the attractor")
    p.add_argument("--out", default="results/trajectories_eq15", help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="accepted for uniformity: the default run is already quick")
    args = p.parse_args(argv)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--eta", lambda: check_positive("eta", args.eta)),
        ("--g", lambda: check_in_range("g", args.g, 0.0, 1.0, hi_open=True)),
        ("--steps", lambda: check_int("steps", args.steps, 1)),
        ("--census-steps", lambda: check_int("census_steps", args.census_steps, 1)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def run_label(key):
    return "GD" if key == "gd" else f"\u03c3 = {key:g}"


def make_maps(args):
    loss = Eq15()
    maps = {"gd": optdyn.OptimizerMap(loss, GD(args.eta))}
    for s in SIGMAS:
        maps[s] = optdyn.OptimizerMap(loss, SuperNesterov(args.eta, args.g, s))
    return maps


def fate(F, x0, max_steps):
    """The census's verdict for one start: (name, attractor dict or None)."""
    res = optdyn.census(F, x0[None, :], max_steps)
    att = res.attractor_of(0)
    if att is not None:
        return att.name, att.to_dict()
    if res.labels[0] == optdyn.DIVERGED:
        return "diverged", None
    return "unresolved", None


def first_below(d, level):
    hit = np.flatnonzero(d < level)
    return int(hit[0]) if hit.size else None


#: One colour per run, the same in every panel.
COLOURS = {"gd": "0.35", 0.0: "tab:orange", 0.9: "tab:purple", 2.0: "tab:blue",
           3.0: "tab:cyan", 4.0: "tab:red", 6.0: "tab:olive", 7.0: "tab:green"}
MARKERS = {"gd": "o", 0.0: "*", 0.9: "o", 2.0: "*", 4.0: "o", 7.0: "*"}


def make_figure(args, loss, theta_star, runs):
    fig = plt.figure(figsize=(13, 9))
    gs = fig.add_gridspec(2, 6, height_ratios=(1.15, 1))
    # 150 x 150 loss evaluations (one Python call each) draw smooth contours
    t1 = np.linspace(-3.5, 4.0, 150)
    t2 = np.linspace(-5.0, 5.0, 150)
    T1, T2 = np.meshgrid(t1, t2)
    Z = np.vectorize(lambda a, b: loss.value([a, b]))(T1, T2)
    for k, pair in enumerate(PANELS):
        ax = fig.add_subplot(gs[0, 2 * k : 2 * k + 2])
        ax.contour(T1, T2, np.log10(Z + 1e-3), levels=18, colors="0.75",
                   linewidths=0.6)
        for key in pair:
            th = runs[key]["theta"]
            filled = MARKERS[key] == "*"
            ax.plot(th[:, 0], th[:, 1], marker=MARKERS[key], ms=4 if filled else 6,
                    mfc=COLOURS[key] if filled else "none", color=COLOURS[key],
                    lw=0.8, label=run_label(key))
        ax.plot(*START, "k^", ms=7, label="start θ₀")
        ax.plot(*theta_star, "o", color="k", ms=11, mfc="none", mew=2,
                label="minimum θ*")
        ax.set(xlabel="θ₁", ylabel="θ₂", xlim=(-3.5, 4.0), ylim=(-5.0, 5.0),
               title=f"({'abc'[k]}) first {args.steps} steps")
        ax.legend(fontsize=8, loc="lower right")

    ax_d = fig.add_subplot(gs[1, :3])
    ax_e = fig.add_subplot(gs[1, 3:], sharey=ax_d)
    for ax, keys in ((ax_d, ("gd", 0.0, 0.9, 2.0)), (ax_e, (3.0, 4.0, 6.0, 7.0))):
        for key in keys:
            ax.semilogy(runs[key]["distance"], color=COLOURS[key],
                        label=run_label(key))
        ax.set(xlabel="step i", ylabel="|θᵢ − θ*|")
        ax.legend(fontsize=8, loc="lower left")
    ax_d.set_title("(d) distance to the minimum θ*: GD and σ ≤ 2")
    ax_e.set_title("(e) distance to the minimum θ*: σ ≥ 3")
    # inset: sigma = 6 settling on its 2-cycle, in the empty middle of (e)
    inset = ax_e.inset_axes([0.5, 0.38, 0.46, 0.26])
    d6 = runs[6.0]["distance"]
    i6 = np.arange(len(d6))
    inset.plot(i6[100:], d6[100:], color=COLOURS[6.0], lw=0.8)
    inset.set_title("σ = 6, steps 100+: |θᵢ − θ*| (linear scale)", fontsize=7)
    inset.tick_params(labelsize=7)
    fig.suptitle(
        f"Eq. (15) from θ₀ = (−1, −3.8), m₀ = 0, η = {args.eta:g}, g = {args.g:g} "
        "(grey: contours of log L)"
    )
    fig.tight_layout()
    return fig


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    loss = Eq15()
    theta_star = loss.minima[0]
    maps = make_maps(args)

    runs = {}
    for key, F in maps.items():
        x0 = F.initial_state(START)
        xs = optdyn.trajectory(F, x0, args.steps)
        theta = F.theta(xs)
        d = np.linalg.norm(theta - theta_star, axis=1)
        name, att = fate(F, x0, args.census_steps)
        runs[key] = {"theta": theta, "distance": d, "fate": name, "attractor": att}

    summary = {
        "figure": "paper Figure 3",
        "loss": "Eq15",
        "start": list(START),
        "eta": args.eta,
        "g": args.g,
        "steps_shown": args.steps,
        "census_steps": args.census_steps,
        "minimum": theta_star.tolist(),
        "runs": [
            {
                "method": "GD" if key == "gd" else "SuperNesterov",
                "sigma": None if key == "gd" else key,
                "distance_at_step": {str(i): float(r["distance"][i])
                                     for i in (50, 100, args.steps)
                                     if i <= args.steps},
                "first_step_below_0.01": first_below(r["distance"], 1e-2),
                "attractor": r["fate"],
                "attractor_detail": r["attractor"],
            }
            for key, r in runs.items()
        ],
    }
    summary["elapsed_s"] = round(time.perf_counter() - t0, 2)

    os.makedirs(args.out, exist_ok=True)
    keys = list(runs)
    write_npz(
        os.path.join(args.out, "trajectories_eq15.npz"),
        labels=np.array([run_label(k) for k in keys]),
        theta=np.stack([runs[k]["theta"] for k in keys]),
        distance=np.stack([runs[k]["distance"] for k in keys]),
        minimum=theta_star,
    )
    write_json(os.path.join(args.out, "summary.json"), summary)
    fig = make_figure(args, loss, theta_star, runs)
    save_figure(fig, os.path.join(args.out, "trajectories_eq15.png"), dpi=110)
    plt.close(fig)

    print(f"Eq. (15) from {START}, eta = {args.eta:g}, g = {args.g:g}")
    print(f"{'run':>10} {'|d| at 100':>11} {'|d| at ' + str(args.steps):>11} "
          f"{'first<0.01':>10}  attractor (census, {args.census_steps} steps)")
    for key, r in runs.items():
        first = first_below(r["distance"], 1e-2)
        print(f"{run_label(key):>10} {r['distance'][min(100, args.steps)]:11.3e} "
              f"{r['distance'][-1]:11.3e} {first!s:>10}  {r['fate']}")
    print(f"wrote {args.out} in {summary['elapsed_s']} s")
    return summary


if __name__ == "__main__":
    main()
