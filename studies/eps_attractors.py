"""Where eps sits decides whether RMSProp converges or settles on a 2-cycle.

RMSProp with momentum and look-ahead (the paper's (16)) on the quadratic
L = k theta^2 / 2, in its two published conventions:

    r' = beta2 r + (1 - beta2) G^2,    G = k y,  y = theta + sigma m
    m' = g m - eta G s(r'),            theta' = theta + m'
    s(r) = 1 / sqrt(r + eps)   (eps inside: the paper, optax)
    s(r) = 1 / (sqrt(r) + eps) (eps outside: PyTorch)

**The minimum.**  At theta = m = 0 the gradient vanishes and r decays to
0, so near the minimum the map is super-accelerated momentum with the
effective learning rate eta s(0): eta / sqrt(eps) inside, eta / eps
outside.  It loses stability through lambda = -1 (a flip) when
k eta_eff (1 + 2 sigma) = 2 (1 + g), i.e. when

    Q = k eta (1 + 2 sigma) / (2 (1 + g))

exceeds sqrt(eps) (inside) or eps (outside).

**The 2-cycle (closed form).**  Look for a symmetric cycle
(a, b, r*) -> (-a, -b, r*).  Both points have the same G^2, so r is
constant with r* = G^2 = k^2 y^2.  theta' = a + m' = -a needs m' = -b = -2a,
hence b = 2a and y = a (1 + 2 sigma).  The momentum equation
-b = g b - eta k y s(r*) then gives s(r*) = 2 (1 + g) / (eta k (1 + 2 sigma))
= 1 / Q, so

    eps inside:   k^2 y^2 + eps = Q^2,  a = sqrt(Q^2 - eps) / (k |1 + 2 sigma|)
    eps outside:  k |y| + eps = Q,      a = (Q - eps) / (k |1 + 2 sigma|)

The cycle exists exactly where the minimum has lost stability: it is born
at the flip (a = 0 at Q = sqrt(eps), resp. Q = eps).  For eps < 1 the two
thresholds differ: in eps < Q < sqrt(eps) the eps-inside map converges to
the minimum while the eps-outside map settles on the 2-cycle.  Far above
both thresholds a -> eta / (2 (1 + g)) for both, the sign-gradient limit
(|m| = eta / (1 + g)).

Whether the cycle attracts is not part of the closed form: its Floquet
multipliers (computed here) are beta2 and a pair that lies inside the unit
circle for sigma >~ 1 at g = 0.9 but outside it for sigma = 0 (|mu| about
1.2 at beta2 = 0.99): heavy-ball RMSProp has the cycle but does not settle
on it.  The study therefore uses sigma = 2.

What it shows (default run, k = 1, g = 0.9, sigma = 2, beta2 = 0.99,
eps = 1e-2, theta_0 = 1, eta scanned over [0.002, 0.5]; measured): the
minimum flips at eta = 0.0076 (eps outside) and 0.076 (eps inside).  The
census (after a 20000-step burn-in, see below) finds the minimum for every
eta below 0.0076 in both conventions; from eta = 0.0080 to 0.072 the
eps-outside map ends on a stable 2-cycle (|multipliers| 0.990, 0.990,
0.384 at Q = 3 eps) while the eps-inside map converges; above 0.076 both
cycle.  All 45 measured cycle amplitudes agree with the closed form to
3e-14 relative.  The right panel shows why the long-time attractor
needs a long run: at eta = 0.024 the eps-outside orbit first converges to
|theta| < 1e-12, then, as r decays and the effective learning rate
eta/(sqrt(r) + eps) grows past the flip, it leaves the minimum near step
600 and settles on the cycle.  (The census's settling test watches r as
well as theta and m, so it never takes that transient for an attractor;
the burn-in only spends the slow relaxation of r with the cheap trajectory
kernel, so that the census budget can stay moderate.)  The paper uses
only eps inside and does not discuss this; it is an addition.

Run ``python studies/eps_attractors.py`` (a few seconds) or ``--quick``.
Writes under ``--out`` (default results/eps_attractors/):
``eps_attractors.png``, ``eps_attractors.npz`` and ``summary.json``.
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
from optdyn.losses import Quadratic
from optdyn.optimizers import RMSPropMomentum
from optdyn.spectra import monodromy

CONVENTIONS = {"inside": True, "outside": False}


QUICK = {"n_eta": 9, "burn_in": 5000, "max_steps": 5000}
FULL = {"n_eta": 41, "burn_in": 20000, "max_steps": 20000}


def check_range(name, pair, positive=False):
    """(lo, hi) as floats, or ValueError unless both are finite and lo < hi."""
    check = check_positive if positive else check_finite
    lo, hi = check(name, pair[0]), check(name, pair[1])
    if not lo < hi:
        raise ValueError(f"{name} needs LO < HI; got {lo:g} {hi:g}")
    return lo, hi


def check_sigma(sigma):
    """sigma as a float, or ValueError unless 1 + 2 sigma > 0 (Q > 0)."""
    sigma = check_finite("sigma", sigma)
    if not 1.0 + 2.0 * sigma > 0.0:
        raise ValueError(
            f"sigma must be > -0.5 (Q = k eta (1 + 2 sigma)/(2 (1 + g)) must be "
            f"positive); got {sigma!r}"
        )
    return sigma


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--k", type=float, default=1.0, help="curvature k")
    p.add_argument("--g", type=float, default=0.9, help="momentum coefficient g")
    p.add_argument("--sigma", type=float, default=2.0, help="look-ahead sigma")
    p.add_argument("--beta2", type=float, default=0.99, help="decay of r")
    p.add_argument("--eps", type=float, default=1e-2, help="regulariser eps")
    p.add_argument("--eta", type=float, nargs=2, default=(0.002, 0.5),
                   metavar=("LO", "HI"), help="eta range (log-spaced)")
    p.add_argument("--n-eta", type=int, help="number of eta values (default 41)")
    p.add_argument("--theta0", type=float, default=1.0, help="start theta_0")
    p.add_argument("--burn-in", type=int,
                   help="steps iterated before the census (r must relax first; "
                        "default 20000)")
    p.add_argument("--max-steps", type=int, help="census budget (default 20000)")
    p.add_argument("--out", default="results/eps_attractors", help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="9 eta values, 5000-step burn-in and census (flags given "
                        "explicitly still apply)")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    checks = [
        ("--k", lambda: check_positive("k", args.k)),
        ("--g", lambda: check_in_range("g", args.g, 0.0, 1.0, hi_open=True)),
        ("--sigma", lambda: check_sigma(args.sigma)),
        ("--beta2",
         lambda: check_in_range("beta2", args.beta2, 0.0, 1.0, hi_open=True)),
        ("--eps", lambda: check_positive("eps", args.eps)),
        ("--eta", lambda: check_range("eta", args.eta, positive=True)),
        ("--n-eta", lambda: check_int("n_eta", args.n_eta, 2)),
        ("--theta0", lambda: check_finite("theta0", args.theta0)),
        ("--burn-in", lambda: check_int("burn_in", args.burn_in, 0)),
        ("--max-steps", lambda: check_int("max_steps", args.max_steps, 1)),
    ]
    check_flags(p, checks, out=args.out)
    return args


def q_value(k, eta, g, sigma):
    """Q = k eta (1 + 2 sigma) / (2 (1 + g))."""
    return k * eta * (1.0 + 2.0 * sigma) / (2.0 * (1.0 + g))


def cycle_amplitude(k, eta, g, sigma, eps, eps_inside):
    """Closed-form theta amplitude a of the symmetric 2-cycle (nan if none)."""
    Q = q_value(k, eta, g, sigma)
    denom = k * abs(1.0 + 2.0 * sigma)
    if eps_inside:
        return np.sqrt(Q * Q - eps) / denom if Q * Q > eps else np.nan
    return (Q - eps) / denom if Q > eps else np.nan


def eta_threshold(k, g, sigma, eps, eps_inside):
    """The eta at which the minimum flips (Q = sqrt(eps) or eps)."""
    q_star = np.sqrt(eps) if eps_inside else eps
    return q_star * 2.0 * (1.0 + g) / (k * (1.0 + 2.0 * sigma))


def classify(F, x0, burn_in, max_steps):
    """(kind, amplitude, spectral radius, attractor name) for one start.

    r relaxes slowly (rate beta2), and a point is settled only once r is
    too, so the orbit is first iterated ``burn_in`` steps with the plain
    trajectory kernel and the census, which checks every state component,
    starts from there with a moderate budget.
    """
    x = optdyn.trajectory(F, x0, burn_in)[-1]
    if not np.all(np.isfinite(x)):
        return "diverged", np.nan, np.nan, "diverged"
    res = optdyn.census(F, x[None, :], max_steps)
    att = res.attractor_of(0)
    if att is None:
        kind = "diverged" if res.labels[0] == optdyn.DIVERGED else "unresolved"
        return kind, np.nan, np.nan, kind
    amp = float(np.max(np.abs(att.theta)))
    kind = "minimum" if att.is_minimum else f"{att.period}-cycle"
    return kind, amp, att.spectral_radius, att.name


def cycle_stability(args):
    """|Floquet multipliers| of the closed-form eps-outside 2-cycle at
    Q = 3 eps, for the chosen sigma and for sigma = 0 (heavy-ball RMSProp)."""
    out = {}
    for sigma in (args.sigma, 0.0):
        eta = 3.0 * args.eps * 2.0 * (1.0 + args.g) / (args.k * (1.0 + 2.0 * sigma))
        a = cycle_amplitude(args.k, eta, args.g, sigma, args.eps, False)
        y = a * (1.0 + 2.0 * sigma)
        F = optdyn.OptimizerMap(Quadratic([args.k]), RMSPropMomentum(
            eta, args.g, sigma, beta2=args.beta2, eps=args.eps, eps_in_sqrt=False))
        x = np.array([a, 2.0 * a, (args.k * y) ** 2])
        mult = np.linalg.eigvals(monodromy([F.jacobian(x), F.jacobian(F.step(x))]))
        out[f"sigma={sigma:g}, eta={eta:.4g}"] = sorted(np.abs(mult).tolist(),
                                                       reverse=True)
    return out


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    loss = Quadratic([args.k])
    etas = np.geomspace(args.eta[0], args.eta[1], args.n_eta)
    results = {}
    for conv, inside in CONVENTIONS.items():
        rows = []
        for eta in etas:
            opt = RMSPropMomentum(eta, args.g, args.sigma, beta2=args.beta2,
                                  eps=args.eps, eps_in_sqrt=inside)
            F = optdyn.OptimizerMap(loss, opt)
            kind, amp, rho, name = classify(F, F.initial_state([args.theta0]),
                                            args.burn_in, args.max_steps)
            pred = cycle_amplitude(args.k, eta, args.g, args.sigma, args.eps, inside)
            rows.append({"eta": float(eta), "attractor": kind, "name": name,
                         "amplitude": amp, "amplitude_closed_form": float(pred),
                         "spectral_radius": rho})
        results[conv] = rows

    # Agreement of measured 2-cycle amplitudes with the closed form.
    rel = [abs(r["amplitude"] / r["amplitude_closed_form"] - 1.0)
           for rows in results.values() for r in rows
           if r["attractor"] == "2-cycle" and np.isfinite(r["amplitude_closed_form"])]
    window = [float(eta) for eta, a, b in zip(etas, results["inside"],
                                               results["outside"])
              if a["attractor"] == "minimum" and b["attractor"] == "2-cycle"]
    thresholds = {c: eta_threshold(args.k, args.g, args.sigma, args.eps, i)
                  for c, i in CONVENTIONS.items()}

    # Example orbits in the window: one converges, the other cycles.
    eta_demo = float(np.sqrt(thresholds["inside"] * thresholds["outside"]))
    demo = {}
    for conv, inside in CONVENTIONS.items():
        F = optdyn.OptimizerMap(loss, RMSPropMomentum(
            eta_demo, args.g, args.sigma, beta2=args.beta2, eps=args.eps,
            eps_in_sqrt=inside))
        xs = optdyn.trajectory(F, F.initial_state([args.theta0]), 3000)
        demo[conv] = xs[:, 0]

    summary = {
        "setup": {"k": args.k, "g": args.g, "sigma": args.sigma,
                  "beta2": args.beta2, "eps": args.eps, "theta0": args.theta0,
                  "burn_in": args.burn_in, "max_steps": args.max_steps},
        "cycle_multipliers_abs_at_Q_3eps": cycle_stability(args),
        "eta_flip_threshold": thresholds,
        "eta_window_inside_converges_outside_cycles_measured": (
            [min(window), max(window)] if window else None),
        "max_rel_error_amplitude_vs_closed_form": max(rel) if rel else None,
        "n_cycles_checked": len(rel),
        "scan": results,
        "demo_eta": eta_demo,
    }
    summary["elapsed_s"] = round(time.perf_counter() - t0, 2)

    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "summary.json"), summary)
    write_npz(os.path.join(args.out, "eps_attractors.npz"), eta=etas,
              **{f"amplitude_{c}": np.array([r["amplitude"] for r in rows])
                 for c, rows in results.items()},
              **{f"closed_form_{c}": np.array([r["amplitude_closed_form"]
                                               for r in rows])
                 for c, rows in results.items()},
              **{f"demo_theta_{c}": v for c, v in demo.items()})
    fig = make_figure(args, etas, results, thresholds, eta_demo, demo)
    save_figure(fig, os.path.join(args.out, "eps_attractors.png"), dpi=110)
    plt.close(fig)

    print(f"RMSProp on L = {args.k:g} theta^2/2: g = {args.g:g}, sigma = "
          f"{args.sigma:g}, beta2 = {args.beta2:g}, eps = {args.eps:g}")
    print(f"flip of the minimum at eta = {thresholds['inside']:.4g} (eps inside), "
          f"{thresholds['outside']:.4g} (eps outside)")
    print(f"{'eta':>9}  {'eps inside':<22} {'eps outside':<22}")
    for a, b in zip(results["inside"], results["outside"]):
        fa = a["attractor"] + (f" a={a['amplitude']:.4g}"
                               if a["attractor"] == "2-cycle" else "")
        fb = b["attractor"] + (f" a={b['amplitude']:.4g}"
                               if b["attractor"] == "2-cycle" else "")
        print(f"{a['eta']:9.4g}  {fa:<22} {fb:<22}")
    for key, mult in summary["cycle_multipliers_abs_at_Q_3eps"].items():
        print(f"closed-form 2-cycle (eps outside) at {key}: |multipliers| "
              + ", ".join(f"{m:.4f}" for m in mult))
    if rel:
        print(f"2-cycle amplitudes vs closed form: max rel error {max(rel):.1e} "
              f"over {len(rel)} cycles")
    print(f"wrote {args.out} in {summary['elapsed_s']} s")
    return summary


def make_figure(args, etas, results, thresholds, eta_demo, demo):
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 5.2))
    fine = np.geomspace(etas[0], etas[-1], 400)
    colours = {"inside": "tab:blue", "outside": "tab:red"}
    for conv, inside in CONVENTIONS.items():
        pred = [cycle_amplitude(args.k, e, args.g, args.sigma, args.eps, inside)
                for e in fine]
        ax.plot(fine, pred, color=colours[conv], lw=1,
                label=f"closed form, ε {conv}")
        amp = np.array([r["amplitude"] if r["attractor"] == "2-cycle" else np.nan
                        for r in results[conv]])
        conv_min = [r["attractor"] == "minimum" for r in results[conv]]
        ax.plot(etas, amp, "o", mfc="none", color=colours[conv],
                label=f"census 2-cycle, ε {conv}")
        ax.plot(etas[conv_min], np.zeros(int(np.sum(conv_min))),
                "s" if inside else "x", color=colours[conv], ms=4,
                label=f"census: minimum, ε {conv}")
        ax.axvline(thresholds[conv], color=colours[conv], ls=":", lw=0.8,
                   label=f"flip of the minimum, ε {conv}")
    ax.axvspan(thresholds["outside"], thresholds["inside"], color="0.9",
               label="ε inside converges, ε outside cycles")
    ax.set(xscale="log", xlabel="η", ylabel="2-cycle amplitude a = |θ| on the cycle",
           title="(a) attractor against η (census after the burn-in)")
    ax.legend(fontsize=7, loc="upper left")
    for conv in CONVENTIONS:
        ax2.semilogy(np.abs(demo[conv]) + 1e-300, color=colours[conv], lw=0.8,
                     label=f"ε {conv}")
    ax2.set(xlabel="step i", ylabel="|θᵢ|", ylim=(1e-12, 10),
            title=f"(b) η = {eta_demo:.3g} (in the shaded window), "
                  f"θ₀ = {args.theta0:g}")
    ax2.legend(fontsize=8)
    fig.suptitle(f"RMSProp with momentum and look-ahead on L = kθ²/2: k = {args.k:g}, "
                 f"g = {args.g:g}, σ = {args.sigma:g}, β₂ = {args.beta2:g}, "
                 f"ε = {args.eps:g}")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
