"""Speed of the basin kernel against a straightforward NumPy implementation.

Workload (performance_notes.md): super-accelerated momentum on Eq. (15),
eta = 0.01, g = 0.9, a 512 x 512 grid of starts on [-4, 4]^2 with m = 0, a
3000-step budget, each point stopped when it settles (period <= 8) or
diverges.  Both implementations count only useful map steps (steps of
points still running), and both are timed in this process, so the ratio is
meaningful on a noisy machine even when the absolute figures are not.

    python benchmarks/bench_basins.py [--n 512] [--repeats 3]

Prints map steps per second for

- ``numpy``: vectorised over the grid, finished points compacted away,
  the same settling test every 32 steps;
- ``ensemble``: optdyn's lock-step Numba kernel alone;
- ``basins``: ``optdyn.basins``, attractor confirmation and naming included;

and the ratios to NumPy.  Target: ``basins`` >= 30x NumPy on 2 cores.
"""

import argparse
import statistics
import time

import numpy as np

import optdyn
from optdyn.losses import Eq15
from optdyn.optimizers import SuperNesterov

ETA, G = 0.01, 0.9
CHECK, PERIOD, ATOL, RTOL, BOUND = 32, 8, 1e-12, 1e-10, 1e10


def eq15_grad(x, y):
    a = x * x + 2.0 * y - 7.0
    c = 2.0 * x + y - 5.0
    x2 = x * x
    y2 = y * y
    return (4.0 * x * a + 4.0 * c + 6e-3 * (x2 * x2 * x),
            4.0 * a + 2.0 * c + 6e-3 * (y2 * y2 * y))


def numpy_basins(theta, sigma, max_steps):
    """Iterate all starts with NumPy; returns the number of useful steps."""
    th1, th2 = theta[:, 0].copy(), theta[:, 1].copy()
    m1, m2 = np.zeros_like(th1), np.zeros_like(th2)
    age = 0
    useful = 0
    hist = np.empty((PERIOD, 4, th1.size))
    with np.errstate(all="ignore"):
        while th1.size and age < max_steps:
            for j in range(1, CHECK + 1):
                g1, g2 = eq15_grad(th1 + sigma * m1, th2 + sigma * m2)
                m1 = G * m1 - ETA * g1
                m2 = G * m2 - ETA * g2
                th1 = th1 + m1
                th2 = th2 + m2
                p = CHECK - j
                if 1 <= p <= PERIOD:
                    hist[p - 1, 0] = th1
                    hist[p - 1, 1] = th2
                    hist[p - 1, 2] = m1
                    hist[p - 1, 3] = m2
            age += CHECK
            useful += CHECK * th1.size
            X = np.stack([th1, th2, m1, m2])
            absx = np.abs(X)
            diverged = ~np.all(absx <= BOUND, axis=0)
            tol = ATOL + RTOL * absx.max(axis=0)
            diff = np.abs(X[None, :, :] - hist).max(axis=1)
            settled = np.any(diff <= tol, axis=0)
            keep = ~(diverged | settled)
            th1, th2, m1, m2 = th1[keep], th2[keep], m1[keep], m2[keep]
            hist = hist[:, :, keep]
    return useful


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=512, help="grid points per side")
    p.add_argument("--steps", type=int, default=3000, help="step budget")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats (median)")
    args = p.parse_args()

    grid = optdyn.Grid((-4.0, 4.0, args.n), (-4.0, 4.0, args.n))
    theta = grid.thetas(2)
    F = optdyn.OptimizerMap(Eq15(), SuperNesterov(eta=ETA, g=G, sigma=2.0))
    X0 = np.zeros((theta.shape[0], 4))
    X0[:, :2] = theta
    # Compile (or load from cache) outside the timings.
    optdyn.basins(F, optdyn.Grid((-1, 1, 8), (-1, 1, 8)), 100)

    print(f"Eq15 super-accelerated momentum, {args.n}x{args.n} grid on [-4, 4]^2, "
          f"{args.steps}-step budget, eta={ETA}, g={G}")
    print(f"{'sigma':>5}  {'method':<9} {'time [s]':>9} {'steps/s':>10} {'x NumPy':>8}")
    for sigma in (2.0, 7.0):
        Fs = F.with_params(sigma=sigma)
        t_np, useful_np = timed(
            lambda s=sigma: numpy_basins(theta, s, args.steps), 1)
        t_en, ens = timed(lambda F=Fs: optdyn.ensemble(
            F, X0, args.steps, check_every=CHECK, max_period=PERIOD), args.repeats)
        t_ba, res = timed(lambda F=Fs: optdyn.basins(F, grid, args.steps),
                          args.repeats)
        useful = int(ens.steps.sum())
        base = useful_np / t_np
        for name, t, n_steps in (("numpy", t_np, useful_np),
                                 ("ensemble", t_en, useful),
                                 ("basins", t_ba, useful)):
            rate = n_steps / t
            print(f"{sigma:5.1f}  {name:<9} {t:9.3f} {rate:10.3g} {rate / base:8.1f}")
        names = ", ".join(f"{k} {100 * v:.1f}%" for k, v in res.fractions.items())
        print(f"{'':5}  basins: {names}")


if __name__ == "__main__":
    main()
