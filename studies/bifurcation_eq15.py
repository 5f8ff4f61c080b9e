"""The bifurcation that traps super-accelerated momentum on the paper's Eq. (15).

L(theta) = (theta_1^2 + 2 theta_2 - 7)^2 + (2 theta_1 + theta_2 - 5)^2
           + 1e-3 (theta_1^6 + theta_2^6),   eta = 0.01, g = 0.9.

The study continues the minimum theta* = (1.690, 1.963) (with m = 0) in the
look-ahead sigma from 0 upwards, locates where it loses stability, names the
bifurcation and its criticality, switches onto the cycle born there and
continues it (and, with ``--depth`` > 1, the cycles born from it) until it
loses stability, and overlays these branches on the orbit diagram theta_1
against sigma.

What it reproduces and explains (paper Section 3.1): the paper saw the run
from (-1, -3.8) at sigma = 7 end on an orbit alternating between two nearby
points away from the minimum, sigma = 6 approach a similar state, and such
"trapping" for sigma >~ 4; it suspected attractors of the nonlinear map.
The numbers this study computes (default settings) account for it:

1. The minimum is the map's only fixed point.  Its Hessian eigenvalues are
   0.2182 and 40.468; the stiff one sets the closed-form stability limit
   sigma_c = (1 + g) / (eta h_max) - 1/2 = 4.1950536800.
2. Continuation finds the minimum losing stability at sigma = 4.1950536800
   (agreeing with the closed form to ~1e-12) through one real multiplier
   crossing -1: a **flip** (period doubling), **supercritical**.  The other
   multipliers there are 0.975, 0.914 and 0.798, so the 2-cycle born there
   is stable: it replaces the minimum as the attractor.
3. Below the flip the minimum attracts.  At sigma = 4 the stiff multiplier
   is -0.912 (an alternation that decays by e every 11 steps) and the slowest
   one is the soft direction's 0.974 (39 steps); as sigma -> sigma_c the
   stiff one tends to -1 (-0.957 at 4.1, -0.998 at 4.19): the alternation
   decays ever more slowly ("critical slowing down") before it stops
   decaying at all.
4. The 2-cycle grows out of the minimum like sqrt(sigma - sigma_c) and
   drifts up the valley.  From the paper's start the run ends on it for
   every sigma tested in (4.2, 7.5]: at sigma = 5 on (1.4676, 2.3302) <->
   (1.4433, 2.3142), at 6 on (1.2220, 2.6505) <-> (1.1858, 2.6227) (the
   paper's "similar state"), at 7 on (1.0005, 2.8759) <-> (0.9568, 2.8371),
   spectral radius 0.794: the two points the paper's sigma = 7 run
   alternates between.  On the cycle the loss is 0.64-0.75 at sigma = 7
   against 0.2456 at the minimum.
5. The 2-cycle stays stable up to sigma = 10.2598674, where it flips again
   (supercritical), the 4-cycle at 10.8653778, the 8-cycle at 11.0249953:
   a Feigenbaum cascade (gap ratio 3.8, on the way to 4.67).  Beyond it the
   carried-start orbit is chaotic (largest Lyapunov exponent +0.11 per step
   at sigma = 11.2, +0.08 at 11.4) with periodic windows (a 4-cycle at
   11.8); at sigma = 12 it diverges.

So the trapping is the supercritical flip of the minimum at sigma_c =
4.195: beyond it no orbit converges to the minimum, and the stable 2-cycle
born there attracts the run.  Where this differs from the paper's wording:
below 4.195 nothing is trapped, only slow; the paper's start diverges for
sigma >= 7.8 although the 2-cycle is still stable up to 10.26 (the start
has left the cycle's basin; ``studies/basins_eq15.py`` maps the basins).
Carried over exactly from sigma to sigma, a start that has converged to
the minimum stays on it past sigma_c, up to sigma = 4.70 (default grid),
although it is unstable there: the carried state is a fixed point of the
map in floating point too (theta equals theta* to the last bit and the
momentum, ~1e-17, is below half an ulp of theta, so theta + m rounds back
to theta), which leaves the instability nothing to amplify.  The figure's
carried-start diagram therefore kicks each carried state by 1e-9 (relative;
``optdyn.orbit_diagram(..., kick=...)``), which shows the true attractor,
the 2-cycle, from sigma_c on; the summary records how far the exact carry
rests on the minimum.

Run ``python studies/bifurcation_eq15.py`` (about 10 s on 2 cores) or with
``--quick`` (a few seconds; it only changes the defaults of the flags not
given).  Every flag is checked before any work starts.  Writes under
``--out``:

- ``bifurcation_eq15.png``: (a) orbit diagram theta_1 vs sigma from the
  paper's start (fixed) and with the start carried over from the previous
  sigma (kicked), with the continued branches drawn on top (solid stable,
  dashed unstable, circles at bifurcations); (b) spectral radius rho along
  each branch;
- ``bifurcation_eq15.npz``: orbit-diagram samples for both starts;
- ``summary.json``: the branches (sigma, states, spectral radius, stability),
  the bifurcation points (kind, sigma, criticality, state, multipliers), the
  Hessian prediction, and the fate of the paper's start per sigma.
"""

import argparse
import math
import os
import sys
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import optdyn
from optdyn._cli import check_out
from optdyn._io import save_figure, write_json, write_npz
from optdyn._validation import check_int, check_positive
from optdyn.losses import Eq15
from optdyn.optimizers import SuperNesterov

PAPER_START = (-1.0, -3.8)
PAPER_SIGMAS = (0.0, 0.9, 2.0, 3.0, 4.0, 6.0, 7.0)


#: Settings of the full run and of ``--quick``; a flag given explicitly wins.
FULL = {"n_sigma": 481, "n_transient": 4000, "n_keep": 48, "depth": 3, "jobs": 2}
QUICK = {"n_sigma": 61, "n_transient": 1500, "n_keep": 16, "depth": 1, "jobs": 1}

#: Relative kick given to the carried-over state at each sigma (see
#: optdyn.orbit_diagram): without it the chain rests on the minimum, exactly
#: and unstably, up to sigma = 4.7.
KICK = 1e-9


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Continuation and bifurcations of the minimum of Eq. (15) "
        "in sigma, with the orbit diagram."
    )
    p.add_argument("--eta", type=float, default=0.01, help="learning rate eta")
    p.add_argument("--g", type=float, default=0.9, help="momentum coefficient g")
    p.add_argument("--sigma-max", type=float, default=12.0,
                   help="largest sigma; must exceed the flip sigma_c "
                        "(default: %(default)s)")
    p.add_argument("--depth", type=int,
                   help="period doublings to follow (default: 3, quick: 1)")
    p.add_argument("--n-sigma", type=int,
                   help="sigma values of the orbit diagram (default: 481, quick: 61)")
    p.add_argument("--n-transient", type=int,
                   help="steps discarded per sigma in the orbit diagram "
                        "(default: 4000, quick: 1500)")
    p.add_argument("--n-keep", type=int,
                   help="states kept per sigma in the orbit diagram "
                        "(default: 48, quick: 16)")
    p.add_argument("--steps", type=int, default=3000,
                   help="steps from the paper's start for its fate per sigma "
                        "(default: %(default)s)")
    p.add_argument("--jobs", type=int,
                   help="joblib workers for the fixed-start orbit diagram "
                        "(default: 2, quick: 1)")
    p.add_argument("--out", default="results/bifurcation_eq15",
                   help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="defaults for a run in seconds: coarse diagram, one "
                        "doubling (flags given explicitly still apply)")
    args = p.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)

    # Check every flag here, so that a bad value is reported by its flag
    # name before any work starts.
    def flip_sigma():
        F = optdyn.OptimizerMap(Eq15(), SuperNesterov(args.eta, args.g, 0.0))
        sigma_c = optdyn.critical_sigma(F)
        if sigma_c <= 0.0:
            raise ValueError(
                f"the minimum is already unstable at sigma = 0 (sigma_c = "
                f"{sigma_c:.6g}); lower eta"
            )
        return sigma_c

    checks = [
        ("--eta", lambda: SuperNesterov(eta=args.eta, g=0.9, sigma=0.0)),
        ("--g", lambda: SuperNesterov(eta=0.01, g=args.g, sigma=0.0)),
        ("--eta/--g", flip_sigma),
        ("--sigma-max", lambda: check_positive("sigma_max", args.sigma_max)),
        ("--depth", lambda: check_int("depth", args.depth, 1)),
        ("--n-sigma", lambda: check_int("n_sigma", args.n_sigma, 2)),
        ("--n-transient", lambda: check_int("n_transient", args.n_transient, 0)),
        ("--n-keep", lambda: check_int("n_keep", args.n_keep, 1)),
        ("--steps", lambda: check_int("steps", args.steps, 1)),
        ("--jobs", lambda: check_int("jobs", args.jobs, 1)),
    ]
    sigma_c = None
    for flag, check in checks:
        try:
            value = check()
        except ValueError as exc:
            p.error(f"{flag}: {exc}")
        if check is flip_sigma:
            sigma_c = value
    if not args.sigma_max > sigma_c + 0.1:
        p.error(
            f"--sigma-max must exceed the flip of the minimum, sigma_c = "
            f"{sigma_c:.6g}, by more than 0.1; got {args.sigma_max}"
        )
    if not args.out.strip():
        p.error("--out must name a folder; got an empty string")
    check_out(p, args.out)
    return args


# ------------------------------------------------------------------ analysis


def find_minimum(F):
    """The fixed points of the map at sigma = 0 (the minimum must be alone)."""
    found = optdyn.fixed_points(F, [(-4.0, 4.0), (-4.0, 4.0)], n_grid=9)
    if len(found) != 1 or found[0].critical_point != "minimum":
        raise RuntimeError(f"expected a single fixed point, the minimum; got {found}")
    return found[0]


def fate_of_paper_start(F, sigma, steps, cycles):
    """Where the run from the paper's start is after ``steps`` steps."""
    Fs = F.with_params(sigma=sigma)
    X = optdyn.trajectory(Fs, Fs.initial_state(PAPER_START), steps)
    end = X[-2:]
    theta_min = Eq15().minima[0]
    if not np.all(np.isfinite(end)) or np.max(np.abs(end)) > 1e6:
        return {"sigma": sigma, "fate": "diverged"}
    rec = {
        "sigma": sigma,
        "theta_end": end[-1, :2].tolist(),
        "distance_to_minimum": float(np.linalg.norm(end[-1, :2] - theta_min)),
        "alternation": float(np.linalg.norm(end[1, :2] - end[0, :2])),
        "loss_end": Eq15().value(end[-1, :2]),
    }
    rec["fate"] = "minimum" if rec["distance_to_minimum"] < 1e-6 else "other"
    for period, cycle in cycles.get(sigma, {}).items():
        # every end state must sit on a point of the cycle
        d = max(np.min(np.max(np.abs(cycle.points - x), axis=1)) for x in end)
        if d < 1e-6:
            rec["fate"] = f"{period}-cycle"
    lam = optdyn.jacobian_spectrum(Fs, Fs.initial_state(theta_min))
    rec["minimum_spectral_radius"] = float(np.abs(lam[0]))
    # the multiplier of the stiff direction, the one that reaches -1
    stiff = lam[np.argmin(lam.real)]
    rec["minimum_stiff_multiplier"] = float(stiff.real) if stiff.imag == 0 else None
    return rec


def lyapunov_along(F, diag, sigmas, n_steps):
    """Lyapunov spectrum from the carried-start orbit at each sigma."""
    out = []
    for s in sigmas:
        i = int(np.argmin(np.abs(diag.values - s)))
        if diag.diverged[i]:
            out.append({"sigma": float(diag.values[i]), "kind": "diverged"})
            continue
        res = optdyn.lyapunov_spectrum(F.with_params(sigma=float(diag.values[i])),
                                       diag.samples[i, -1], n_steps,
                                       n_transient=n_steps // 10, max_period=32)
        out.append({"sigma": float(diag.values[i]), "kind": res.kind,
                    "period": res.period, "exponents": res.exponents.tolist()})
    return out


def cycles_at(branch, sigmas):
    """Newton-refined cycles of each branch at the given sigma values."""
    out = {}
    F0 = branch.map
    for br in branch.walk():
        if br.period == 1 or len(br.values) < 2:
            continue
        for s in sigmas:
            lo, hi = br.values.min(), br.values.max()
            if not lo < s < hi:
                continue
            i = int(np.argmin(np.abs(br.values - s)))
            orb = optdyn.refine_orbit(F0.with_params(sigma=s), br.states[i])
            if orb.converged:
                out.setdefault(s, {})[br.period] = orb
    return out


# ------------------------------------------------------------------ output


COLORS = {1: "k", 2: "tab:red", 4: "tab:green", 8: "tab:purple", 16: "tab:orange"}


def _draw(ax, branch, diag_fixed, diag_carry, legend):
    # the orbit diagrams underneath, small and light; the continued branches
    # on top of them, so that the diagram never hides a branch
    diag_carry.plot(ax, 0, color="tab:blue", s=2, alpha=0.35, zorder=1,
                    label=f"orbit diagram, start carried over (kick {KICK:g})")
    diag_fixed.plot(ax, 0, color="tab:orange", s=2, alpha=0.5, zorder=1.5,
                    label="orbit diagram, start (-1, -3.8)")
    artists = branch.plot(ax, 0, colors=COLORS, annotate=False, label=legend)
    for art in artists:
        art.set_zorder(max(art.get_zorder(), 4))
    return artists


def spectral_ylim(branch):
    """y-limits of the spectral-radius panel: every cycle's curve in full.

    The minimum's own curve grows linearly past its flip and may leave the
    panel at the top (it is then labelled there); the cycles' curves never.
    """
    cycles = [br.spectral_radius for br in branch.walk()
              if br.period > 1 and len(br.values)]
    rho = np.concatenate(cycles + [branch.spectral_radius])
    lo = max(0.0, min(0.6, float(np.min(rho)) - 0.05))
    hi = 1.6
    if cycles:
        hi = max(hi, float(np.max(np.concatenate(cycles))) + 0.1)
    return lo, hi


def make_figure(branch, diag_fixed, diag_carry, sigma_pred, exact_until=None):
    fig, (ax, axr) = plt.subplots(
        2, 1, figsize=(9, 9), sharex=True, gridspec_kw={"height_ratios": [3, 1.2]}
    )
    _draw(ax, branch, diag_fixed, diag_carry, True)
    text = ["bifurcations found by continuation:"]
    for br in branch.walk():
        for b in br.bifurcations:
            crit = f", {b.criticality}" if b.criticality else ""
            text.append(f"{b.kind} of the period-{b.period} orbit at "
                        f"$\\sigma$ = {b.value:.8f}{crit}")
    ax.text(0.02, 0.55, "\n".join(text), transform=ax.transAxes, fontsize=8,
            va="top", bbox={"fc": "white", "ec": "0.7", "alpha": 0.9})
    if exact_until is not None:
        # why the carried start is kicked: see KICK and the docstring
        theta_min = branch.states[0, 0, 0]
        ax.annotate(
            "the minimum is unstable past $\\sigma_c$; carried over exactly,\n"
            "the start would rest on it (a fixed point in floating point)\n"
            f"up to $\\sigma$ = {exact_until:.2f}; a {KICK:g} kick shows the 2-cycle",
            xy=(0.5 * (sigma_pred + exact_until), theta_min), xytext=(0.03, 0.84),
            textcoords="axes fraction", fontsize=7.5, zorder=6,
            arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 0.8},
            bbox={"fc": "white", "ec": "0.7", "alpha": 0.9},
        )
    ax.axvline(sigma_pred, color="0.5", lw=0.8, ls=":",
               label=r"Hessian prediction $\sigma_c$")
    ax.set_xlabel("")
    ax.set_ylabel(r"$\theta_1$")
    ax.set_title(r"Eq. (15), $\eta$ = 0.01, $g$ = 0.9: minimum and cycles "
                 r"continued in $\sigma$ (solid: stable, dashed: unstable)",
                 fontsize=10)
    ax.legend(loc="lower left", fontsize=8, markerscale=3)

    # the cascade, magnified
    late = [b.value for br in branch.walk() for b in br.bifurcations
            if br.period >= 2]
    if late:
        ins = ax.inset_axes([0.62, 0.52, 0.36, 0.4])
        _draw(ins, branch, diag_fixed, diag_carry, False)
        lo, hi = min(late) - 0.3, min(max(late) + 0.4, branch.values.max())
        ins.set_xlim(lo, hi)
        ys = [br.states[(br.values >= lo) & (br.values <= hi), :, 0]
              for br in branch.walk() if br.period >= 2]
        ys = np.concatenate([y.ravel() for y in ys if y.size])
        ins.set_ylim(ys.min() - 0.08, ys.max() + 0.08)
        ins.set_xlabel(r"$\sigma$", fontsize=8)
        ins.set_ylabel(r"$\theta_1$", fontsize=8)
        ins.tick_params(labelsize=7)
        ins.set_title("period-doubling cascade", fontsize=8)

    for br in branch.walk():
        if len(br.values):
            axr.plot(br.values, br.spectral_radius, lw=1.2,
                     color=COLORS.get(br.period), label=f"period {br.period}")
    axr.axhline(1.0, color="0.5", lw=0.8)
    lo, hi = spectral_ylim(branch)
    axr.set_ylim(lo, hi)
    top = float(np.max(branch.spectral_radius))
    if top > hi:
        axr.annotate(
            f"period 1: $\\rho$ = {top:.2f} at $\\sigma$ = {branch.values[-1]:g}",
            xy=(0.01, 0.93), xycoords="axes fraction", fontsize=7.5, va="top",
        )
    axr.set_xlabel(r"$\sigma$")
    axr.set_ylabel(r"spectral radius $\rho$")
    axr.legend(fontsize=8, ncol=4, loc="lower left")
    fig.tight_layout()
    return fig


def exact_carry_until(F, values, sigma_c, common):
    """The largest sigma > sigma_c up to which an exactly carried start rests
    on the minimum (all kept theta within 1e-9 of it); None if it leaves at
    once."""
    upto = values[values <= sigma_c + 2.0]
    diag = optdyn.orbit_diagram(F, "sigma", upto, F.initial_state(PAPER_START),
                                start="carry", **common)
    theta_min = Eq15().minima[0]
    on = np.all(np.abs(diag.samples[:, :, :2] - theta_min) <= 1e-9, axis=(1, 2))
    last = None
    for value, rests in zip(upto, on):
        if value <= sigma_c:
            continue
        if not rests:
            break
        last = float(value)
    return last


def format_tables(summary):
    lines = []
    lines.append(
        f"Hessian at the minimum: eigenvalues {summary['hessian_eigenvalues'][0]:.6g}, "
        f"{summary['hessian_eigenvalues'][1]:.6g}; predicted flip sigma_c = "
        f"{summary['sigma_c_predicted']:.10f}"
    )
    lines.append("")
    lines.append(f"{'period':>6} {'kind':<15} {'sigma':>14} {'criticality':<14} "
                 f"{'stability':<9} theta at the point")
    for b in summary["bifurcations"]:
        th = "  ".join(f"({p[0]:.4f}, {p[1]:.4f})" for p in b["theta"][:2])
        if len(b["theta"]) > 2:
            th += "  ..."
        lines.append(
            f"{b['period']:>6} {b['kind']:<15} {b['value']:>14.10f} "
            f"{b['criticality'] or '-':<14} {b['stability']:<9} {th}"
        )
    lines.append("")
    lines.append(f"{'sigma':>6} {'rho(min)':>9} {'lam_stiff':>9} "
                 f"{'paper start ends on':<20} {'theta at the end':<22} "
                 f"{'alternation':>11} {'loss':>10}")
    for f in summary["paper_start"]:
        if f["fate"] == "diverged":
            lines.append(f"{f['sigma']:>6.2f} {'':>9} {'':>9} diverged")
            continue
        th = f"({f['theta_end'][0]:.4f}, {f['theta_end'][1]:.4f})"
        stiff = f["minimum_stiff_multiplier"]
        stiff = "complex" if stiff is None else f"{stiff:.5f}"
        lines.append(
            f"{f['sigma']:>6.2f} {f['minimum_spectral_radius']:>9.5f} {stiff:>9} "
            f"{f['fate']:<20} {th:<22} {f['alternation']:>11.2e} "
            f"{f['loss_end']:>10.4g}"
        )
    lines.append("")
    lines.append("carried-start orbit beyond the cascade: largest Lyapunov exponent")
    for rec in summary["lyapunov_carried_start"]:
        if rec["kind"] == "diverged":
            lines.append(f"  sigma {rec['sigma']:6.2f}: diverged")
            continue
        per = f", period {rec['period']}" if rec["period"] else ""
        lines.append(f"  sigma {rec['sigma']:6.2f}: {rec['exponents'][0]:+.4f} "
                     f"per step ({rec['kind']}{per})")
    lines.append("")
    for br in summary["branch_list"]:
        lines.append(f"branch of period {br['period']}: sigma "
                     f"{br['sigma_min']:.4f} .. {br['sigma_max']:.4f}, "
                     f"{br['n_points']} points; stopped: {br['status']}")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    loss = Eq15()
    F = optdyn.OptimizerMap(loss, SuperNesterov(eta=args.eta, g=args.g, sigma=0.0))

    # the minimum, its Hessian and the closed-form prediction
    minimum = find_minimum(F)
    h = np.linalg.eigvalsh(loss.hessian(minimum.theta[0]))
    sigma_pred = optdyn.critical_sigma(F, minimum.theta[0])

    # continuation of the minimum, switching at flips
    branch = optdyn.continuation(
        F, minimum, "sigma", param_range=(0.0, args.sigma_max), ds=0.01,
        ds_max=0.05, switch_depth=args.depth, max_points=4000,
    )

    # orbit diagrams: fixed start (parallel) and carried start (sequential)
    values = np.linspace(0.0, args.sigma_max, args.n_sigma)
    common = {"n_transient": args.n_transient, "n_keep": args.n_keep}
    diag_fixed = optdyn.orbit_diagram(F, "sigma", values,
                                      F.initial_state(PAPER_START),
                                      n_jobs=args.jobs, **common)
    diag_carry = optdyn.orbit_diagram(F, "sigma", values,
                                      F.initial_state(PAPER_START),
                                      start="carry", kick=KICK, **common)
    exact_until = exact_carry_until(F, values, sigma_pred, common)

    # the paper's runs
    sigmas = sorted(set(PAPER_SIGMAS) | {5.0, 7.5, 8.0, 10.5})
    sigmas = [s for s in sigmas if s <= args.sigma_max]
    cycles = cycles_at(branch, sigmas)
    fates = [fate_of_paper_start(F, s, args.steps, cycles) for s in sigmas]
    lyap_sigmas = [s for s in (10.5, 11.05, 11.2, 11.4, 11.8) if s <= args.sigma_max]
    if args.quick:
        lyap_sigmas = lyap_sigmas[::2]
    lyap = lyapunov_along(F, diag_carry, lyap_sigmas, 2000 if args.quick else 20000)
    elapsed = time.perf_counter() - t0

    bifs = []
    for br in branch.walk():
        for b in br.bifurcations:
            d = b.to_dict()
            d["theta"] = F.theta(b.state).tolist()
            bifs.append(d)
    summary = {
        "loss": "Eq15",
        "eta": args.eta,
        "g": args.g,
        "minimum": minimum.theta[0].tolist(),
        "hessian_eigenvalues": h.tolist(),
        "sigma_c_predicted": sigma_pred,
        "bifurcations": bifs,
        "paper_start": fates,
        "lyapunov_carried_start": lyap,
        "cycles": {
            str(s): {str(p): {"theta": o.theta.tolist(),
                              "spectral_radius": o.spectral_radius,
                              "loss": o.loss_values.tolist()}
                     for p, o in per.items()}
            for s, per in cycles.items()
        },
        "branch_list": [
            {"period": br.period, "n_points": len(br.values),
             "sigma_min": float(br.values.min()) if len(br.values) else math.nan,
             "sigma_max": float(br.values.max()) if len(br.values) else math.nan,
             "status": br.status}
            for br in branch.walk()
        ],
        "branch": branch.to_dict(),
        "orbit_diagram": {"n_sigma": args.n_sigma, "n_transient": args.n_transient,
                          "n_keep": args.n_keep, "carry_kick": KICK,
                          "exact_carry_on_unstable_minimum_until": exact_until,
                          "diverged_fixed_start": values[diag_fixed.diverged].tolist(),
                          "diverged_carried_start":
                              values[diag_carry.diverged].tolist()},
        "elapsed_s": round(elapsed, 2),
    }

    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "summary.json"), summary)
    write_npz(os.path.join(args.out, "bifurcation_eq15.npz"), sigma=values,
              samples_fixed=diag_fixed.samples, samples_carry=diag_carry.samples,
              diverged_fixed=diag_fixed.diverged, diverged_carry=diag_carry.diverged)
    fig = make_figure(branch, diag_fixed, diag_carry, sigma_pred, exact_until)
    save_figure(fig, os.path.join(args.out, "bifurcation_eq15.png"), dpi=120)
    plt.close(fig)

    print(format_tables(summary))
    print(f"\nwrote {args.out}/ (bifurcation_eq15.png, bifurcation_eq15.npz, "
          f"summary.json) in {elapsed:.1f} s")
    return summary


if __name__ == "__main__":
    main()
    sys.exit(0)
