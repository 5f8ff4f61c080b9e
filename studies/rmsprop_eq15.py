"""RMSProp with look-ahead on Eq. (15): where each sigma ends up.

The paper's Figure 8 (Section 5.2): RMSProp with momentum and look-ahead,
its equation (16),

    y = theta + sigma m,  r' = beta2 r + (1 - beta2) grad L(y)^2,
    m' = g m - eta grad L(y) / sqrt(r' + eps),  theta' = theta + m',

on Eq. (15) from theta_0 = (-1, -3.8) (m = r = 0), eta = 0.1, g = 0.9,
beta2 = 0.999, eps = 1e-7, for sigma in {0, 0.9, 2, 3, 4, 6, 8}.  The
paper: minimisation gets faster as sigma grows beyond g, but for large
sigma the algorithm converges elsewhere.

Two time scales matter.  Early on (the paper's figure) r is large and
the run approaches the valley and the minimum.  Late, r forgets the large
early gradients at the slow rate beta2, and near the minimum the effective
learning rate eta / sqrt(r + eps) grows towards eta / sqrt(eps) = 316: the
minimum itself, with r -> 0, is linearly unstable (see
``studies/eps_attractors.py`` for the threshold).  So "converging to the
minimum" can only be a transient here.  The study reports both: the
distance to the minimum over the first ``--show`` steps, and the long-time
attractor, named by the census started after a ``--burn-in`` (r relaxes at
the rate beta2, so settling takes tens of thousands of steps; the burn-in
spends them with the cheap trajectory kernel); runs that never settle are
described by the region they wander in.

What it shows (default run, measured): over the first 300 steps sigma = 0
(heavy-ball RMSProp) gets closest (distance 4e-3 at step 180, 1e-5 at
300); sigma = 2 is faster than Nesterov (0.15 against 0.66 at step 300)
and sigma = 3 about as fast as Nesterov (0.71); sigma >= 4 stall in the
valley.  Long-time fates: sigma = 0, 0.9, 2 and 3 never settle; the
minimum being unstable, they wander around it (within 0.08, 0.55, 0.89,
0.87 of it; mean distance 0.05, 0.21, 0.37, 0.65).  sigma >= 4 are caught
by a stable 2-cycle in the valley (spectral radius 0.998) that moves up
the valley as sigma grows: (1.150, 2.640) <-> (1.202, 2.693) at sigma = 4,
(0.904, 2.869) <-> (0.957, 2.922) at 6, (0.683, 3.018) <-> (0.736, 3.070)
at 8; on it each component of m alternates between +-eta/(1 + g) =
+-0.0526, the sign-gradient limit of RMSProp.  So "converging elsewhere"
is a genuine attractor for sigma >= 4, as for plain super-acceleration
(``studies/trajectories_eq15.py``: sigma >= 6 at eta = 0.01).
Differences from the paper: the paper does not list its sigma values and
suggests sigma > g is faster throughout; from this start sigma = 0 is the
fastest and only sigma = 2 clearly beats Nesterov; the long-time
instability of the minimum (tiny eps) is not discussed in the paper.

Run ``python studies/rmsprop_eq15.py`` (a few seconds) or ``--quick``.
Writes under ``--out`` (default results/rmsprop_eq15/):
``rmsprop_eq15.png``, ``rmsprop_eq15.npz`` and ``summary.json``.
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
from optdyn._validation import (
    check_finite,
    check_in_range,
    check_int,
    check_positive,
)
from optdyn.losses import Eq15
from optdyn.optimizers import RMSPropSA

START = (-1.0, -3.8)
SIGMAS = (0.0, 0.9, 2.0, 3.0, 4.0, 6.0, 8.0)


QUICK = {"sigmas": [0.0, 2.0, 6.0], "window": 2000}
FULL = {"sigmas": list(SIGMAS), "window": 5000}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eta", type=float, default=0.1, help="learning rate eta")
    p.add_argument("--g", type=float, default=0.9, help="momentum coefficient g")
    p.add_argument("--beta2", type=float, default=0.999, help="decay of r")
    p.add_argument("--eps", type=float, default=1e-7, help="eps (inside sqrt)")
    p.add_argument("--sigmas", type=float, nargs="+",
                   help="look-ahead values sigma (default: 0 0.9 2 3 4 6 8)")
    p.add_argument("--show", type=int, default=300, help="steps shown")
    p.add_argument("--burn-in", type=int, default=50000,
                   help="steps before the census (r relaxes at rate beta2)")
    p.add_argument("--max-steps", type=int, default=20000, help="census budget")
    p.add_argument("--window", type=int,
                   help="steps describing runs that never settle (default 5000)")
    p.add_argument("--out", default="results/rmsprop_eq15", help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="sigma 0 2 6 and a shorter window (flags given explicitly "
                        "still apply)")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--eta", lambda: check_positive("eta", args.eta)),
        ("--g", lambda: check_in_range("g", args.g, 0.0, 1.0, hi_open=True)),
        ("--beta2",
         lambda: check_in_range("beta2", args.beta2, 0.0, 1.0, hi_open=True)),
        ("--eps", lambda: check_positive("eps", args.eps)),
        ("--sigmas", lambda: [check_finite("sigma", s) for s in args.sigmas]),
        ("--show", lambda: check_int("show", args.show, 1)),
        ("--burn-in", lambda: check_int("burn_in", args.burn_in, 0)),
        ("--max-steps", lambda: check_int("max_steps", args.max_steps, 1)),
        ("--window", lambda: check_int("window", args.window, 1)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def late_fate(F, x0, theta_star, args):
    """The census's attractor after the burn-in, or the wandering region."""
    x = optdyn.trajectory(F, x0, args.burn_in)[-1]
    if not np.all(np.isfinite(x)):
        return {"fate": "diverged"}
    res = optdyn.census(F, x[None, :], args.max_steps)
    att = res.attractor_of(0)
    if att is not None:
        d = np.linalg.norm(att.theta - theta_star, axis=1)
        return {
            "fate": "minimum" if att.is_minimum else f"{att.period}-cycle",
            "name": att.name,
            "theta": att.theta.tolist(),
            "m": F.theta(att.states[:, F.n_params :]).tolist(),
            "spectral_radius": att.spectral_radius,
            "distance_to_minimum": d.tolist(),
        }
    if res.labels[0] == optdyn.DIVERGED:
        return {"fate": "diverged"}
    late = optdyn.trajectory(F, x, args.window)
    d = np.linalg.norm(F.theta(late) - theta_star, axis=1)
    return {
        "fate": "wanders",
        "name": f"no attractor found; wanders within {d.max():.3g} of the minimum",
        "mean_distance": float(d.mean()),
        "max_distance": float(d.max()),
        "theta_range": [F.theta(late).min(axis=0).tolist(),
                        F.theta(late).max(axis=0).tolist()],
    }


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    loss = Eq15()
    theta_star = loss.minima[0]
    runs = {}
    for sigma in args.sigmas:
        opt = RMSPropSA(args.eta, args.g, sigma, beta2=args.beta2, eps=args.eps)
        F = optdyn.OptimizerMap(loss, opt)
        x0 = F.initial_state(START)
        xs = optdyn.trajectory(F, x0, args.show)
        theta = F.theta(xs)
        d = np.linalg.norm(theta - theta_star, axis=1)
        runs[sigma] = {"theta": theta, "distance": d,
                       "late": late_fate(F, x0, theta_star, args)}

    summary = {
        "figure": "paper Figure 8",
        "setup": {"eta": args.eta, "g": args.g, "beta2": args.beta2,
                  "eps": args.eps, "start": list(START), "show": args.show,
                  "burn_in": args.burn_in, "census_steps": args.max_steps},
        "minimum": theta_star.tolist(),
        "runs": [
            {"sigma": s,
             "distance_at_step": {str(i): float(r["distance"][i])
                                  for i in (50, 100, 180, args.show)
                                  if i <= args.show},
             "long_time": r["late"]}
            for s, r in runs.items()
        ],
    }
    summary["elapsed_s"] = round(time.perf_counter() - t0, 2)

    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "summary.json"), summary)
    write_npz(os.path.join(args.out, "rmsprop_eq15.npz"),
              sigmas=np.array(args.sigmas),
              theta=np.stack([r["theta"] for r in runs.values()]),
              distance=np.stack([r["distance"] for r in runs.values()]))
    fig = make_figure(args, loss, theta_star, runs)
    save_figure(fig, os.path.join(args.out, "rmsprop_eq15.png"), dpi=110)
    plt.close(fig)

    print(f"RMSProp (16) on Eq. (15) from {START}: eta = {args.eta:g}, "
          f"g = {args.g:g}, beta2 = {args.beta2:g}, eps = {args.eps:g}")
    print(f"{'sigma':>6} {'|d| at 100':>10} {'|d| at ' + str(args.show):>10}  "
          f"long-time fate (census after {args.burn_in} steps)")
    for s, r in runs.items():
        d = r["distance"]
        print(f"{s:6g} {d[min(100, args.show)]:10.3e} {d[-1]:10.3e}  "
              f"{r['late'].get('name', r['late']['fate'])}")
    print(f"wrote {args.out} in {summary['elapsed_s']} s")
    return summary


def make_figure(args, loss, theta_star, runs):
    from matplotlib.lines import Line2D

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5.6))
    # 150 x 150 loss evaluations (one Python call each) draw smooth contours
    t1 = np.linspace(-3.5, 4.0, 150)
    t2 = np.linspace(-5.0, 5.0, 150)
    T1, T2 = np.meshgrid(t1, t2)
    Z = np.vectorize(lambda a, b: loss.value([a, b]))(T1, T2)
    ax.contour(T1, T2, np.log10(Z + 1e-3), levels=18, colors="0.8", linewidths=0.6)
    # distinct colours (neighbouring sigmas must be told apart), the same
    # sigma in the same colour in both panels
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (s, r) in enumerate(runs.items()):
        colour = cycle[k % len(cycle)]
        ax.plot(r["theta"][:, 0], r["theta"][:, 1], lw=0.8, color=colour,
                label=f"σ = {s:g}")
        late = r["late"]
        if late["fate"].endswith("cycle"):
            th = np.array(late["theta"])
            ax.plot(th[:, 0], th[:, 1], "D", color=colour, ms=6, mec="k")
        ax2.semilogy(r["distance"], color=colour, lw=0.9,
                     label=f"σ = {s:g}: {late['fate']}")
    ax.plot(*START, "k^", ms=7)
    ax.plot(*theta_star, "o", color="k", ms=10, mfc="none", mew=2)
    handles, _ = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="k", marker="^", ls="none", label="start θ₀"),
        Line2D([], [], color="k", marker="o", mfc="none", mew=2, ls="none",
               label="minimum θ*"),
        Line2D([], [], color="0.5", marker="D", mec="k", ls="none",
               label="long-time 2-cycle"),
    ]
    ax.set(xlabel="θ₁", ylabel="θ₂", xlim=(-3.5, 4.0), ylim=(-5.0, 5.0),
           title=f"(a) first {args.show} steps (grey: contours of log L)")
    ax.legend(handles=handles, fontsize=7, loc="lower right", ncol=2)
    ax2.set(xlabel="step i", ylabel="|θᵢ − θ*|",
            title=f"(b) distance to the minimum θ*; legend: fate after "
                  f"{args.burn_in} steps")
    ax2.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"RMSProp with look-ahead (16) on Eq. (15) from θ₀ = (−1, −3.8): "
                 f"η = {args.eta:g}, g = {args.g:g}, β₂ = {args.beta2:g}, "
                 f"ε = {args.eps:g}")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
