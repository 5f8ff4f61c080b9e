"""RMSProp with momentum and look-ahead on a quadratic: the paper's Figure 7.

The map (17): RMSProp with momentum g = 0.9, look-ahead sigma, beta2 = 0.999,
eps = 1e-7 (inside the square root), on L = 1/2 k theta^2 with k = 1, from
theta = 1, m = r = 0.  k no longer folds into k eta, so the paper fixes
k = 1.  As the paper does, the time scale T is fitted as e^(-t/T) to
|theta_i| (here: to the upper envelope of |theta_i| on a log scale, from
its last peak until |theta| first falls below 1e-6), and sigma* minimises
T over a sigma grid, for each eta (Figure 7b).  Figure 7a's |theta_i|
against i is drawn for one eta and a few sigma.

What it reproduces: T(sigma) has one minimum, and the fitted sigma* lies
above g = 0.9 for every eta but the smallest, as the paper reports; at
the smallest eta (3e-4) the minimum sits at sigma = 0, the grid's edge,
like the quadratic's sigma* <= 0 at small k eta.

Where it differs or adds: sigma* peaks at small eta and then falls (about
8 near eta = 6e-4, about 1.5-2 for eta >= 0.02).  RMSProp's first steps have an
effective curvature k eta / sqrt(r) ~ k eta / sqrt(1 - beta2) ~ 32 k eta,
and the quadratic theory's sigma*(k eta) peaks at k eta ~ 0.01 and then
falls, which is the trend seen here.  The orbit also regrows late, once
r has decayed and eta / sqrt(r + eps) exceeds the stability limit; the
fit window stops before that.

Run ``python studies/rmsprop_quadratic.py`` (a few seconds) or ``--quick``.
Writes ``rmsprop_quadratic.png``, ``.npz`` and ``summary.json`` under
``--out``.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from optdyn import phase_diagram as pd
from optdyn._cli import check_flags
from optdyn._io import save_figure, write_json, write_npz
from optdyn._validation import check_finite, check_in_range, check_int, check_positive
from optdyn.fitting import fit_timescale

STUDY = "rmsprop_quadratic"


QUICK = {"n_eta": 4, "n_sigma": 16, "n_steps": 3000, "eta_range": [1e-3, 0.1]}
FULL = {"n_eta": 12, "n_sigma": 41, "n_steps": 6000, "eta_range": [3e-4, 0.3]}


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
    p.add_argument("--k", type=float, default=1.0, help="curvature k")
    p.add_argument("--n-eta", type=int, help="eta values (log spaced; default 12)")
    p.add_argument("--eta-range", type=float, nargs=2, metavar=("LO", "HI"),
                   help="eta range (default 3e-4 0.3)")
    p.add_argument("--sigma-max", type=float, default=20.0,
                   help="largest sigma of the grid (default 20)")
    p.add_argument("--n-sigma", type=int,
                   help="sigma values in [0, sigma-max] (default 41)")
    p.add_argument("--n-steps", type=int,
                   help="steps per orbit (default 6000)")
    p.add_argument(
        "--out", default=os.path.join("results", STUDY), help="output folder"
    )
    p.add_argument("--quick", action="store_true",
                   help="few points, a few seconds (flags given explicitly still "
                        "apply)")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--g", lambda: check_in_range("g", args.g, 0.0, 1.0, hi_open=True)),
        ("--k", lambda: check_positive("k", args.k)),
        ("--n-eta", lambda: check_int("n_eta", args.n_eta, 1)),
        ("--eta-range", lambda: check_range("eta_range", args.eta_range, True)),
        ("--sigma-max", lambda: check_positive("sigma_max", args.sigma_max)),
        ("--n-sigma", lambda: check_int("n_sigma", args.n_sigma, 3)),
        ("--n-steps", lambda: check_int("n_steps", args.n_steps, 10)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def main(argv=None):
    args = parse_args(argv)
    etas = np.geomspace(*args.eta_range, args.n_eta)
    sigmas = np.linspace(0.0, args.sigma_max, args.n_sigma)
    res = pd.rmsprop_sigma_star(
        etas, sigmas, args.g, args.k, args.n_steps, refine=not args.quick
    )

    eta_a = 0.003
    sig_a = (0.0, args.g, 3.0, 8.0)
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.5))
    ax = axs[0]
    for s in sig_a:
        y = np.abs(pd.rmsprop_trajectory(eta_a, s, args.g, args.k, 600))
        f = fit_timescale(y, model="exponential")
        (line,) = ax.semilogy(y, lw=1, label=f"σ = {s:g} (T = {f.T:.1f})")
        t = np.arange(y.size)
        ax.semilogy(t, f.predict(t), "--", color=line.get_color(), lw=0.8)
    ax.set_ylim(1e-12, 10)
    ax.set_xlabel("step i")
    ax.set_ylabel("|θ(i)|")
    ax.set_title(rf"(a) RMSProp, k = {args.k:g}, η = {eta_a:g}: "
                 rf"|θ(i)| and fits $e^{{-t/T}}$ (dashed)")
    ax.legend(fontsize=8)
    pd.plot_rmsprop_sigma_star(res, ax=axs[1])
    axs[1].set_title(f"(b) fitted σ* against η (σ grid 0 to {args.sigma_max:g})")
    fig.suptitle(f"RMSProp with momentum and look-ahead (17) on L = kθ²/2, "
                 f"g = {args.g:g}, β₂ = 0.999, ε = 1e-7")
    fig.tight_layout()

    os.makedirs(args.out, exist_ok=True)
    save_figure(fig, os.path.join(args.out, f"{STUDY}.png"), dpi=120)
    plt.close(fig)
    write_npz(
        os.path.join(args.out, f"{STUDY}.npz"),
        eta=res.eta,
        sigma_star=res.sigma_star,
        T_star=res.T_star,
        sigmas=res.sigmas,
        T=res.T,
        at_edge=res.at_edge,
    )
    write_json(
        os.path.join(args.out, "summary.json"),
        {
            "k": args.k,
            "g": args.g,
            "beta2": 0.999,
            "eps": 1e-7,
            "table": [
                {
                    "eta": float(e),
                    "sigma_star": float(s),
                    "T_star": float(t),
                    "at_edge": bool(a),
                }
                for e, s, t, a in zip(res.eta, res.sigma_star, res.T_star, res.at_edge)
            ],
        },
    )
    print(f"RMSProp with look-ahead on 1/2 k theta^2, k = {args.k:g}, g = {args.g:g}")
    print(f"{'eta':>10} {'sigma*':>8} {'T*':>8} {'edge':>5}")
    for e, s, t, a in zip(res.eta, res.sigma_star, res.T_star, res.at_edge):
        print(f"{e:10.4g} {s:8.3f} {t:8.3f} {'yes' if a else '':>5}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
