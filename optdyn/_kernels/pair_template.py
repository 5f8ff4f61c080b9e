"""Iteration kernels for one (loss, optimizer) pair.

This file is a template.  :mod:`optdyn._codegen` copies it into optdyn's
kernel cache with the binding block below replaced by imports of the chosen
loss and optimizer kernels, so that every call is to a module-level function:
Numba can then inline the gradient into the step and cache the compiled
kernels on disk, which it cannot do for functions passed as arguments.  As it
stands (bound to Eq15 and super-accelerated momentum) the file is a valid
module, which keeps it readable and testable.

State layout: a state is the flat vector (theta, m[, r]) of length S = k D.
The block kernels hold B states as the columns of an (S, B) array and advance
them in lock-step; the loops over columns are the ones LLVM vectorises.
No kernel uses fastmath: divergence detection relies on NaN comparisons.
"""

import numpy as np
from numba import njit, prange

# >>> bindings
from optdyn.losses._kernels import eq15_grad_lane as loss_grad_lane
from optdyn.losses._kernels import eq15_hess as loss_hess
from optdyn.losses._kernels import eq15_value as loss_value
from optdyn.optimizers._rules import super_nesterov_jacobian as opt_jacobian
from optdyn.optimizers._rules import super_nesterov_lookahead as opt_lookahead
from optdyn.optimizers._rules import super_nesterov_update as opt_update

#: Number of loss parameters, a compile-time constant of the generated module.
DIM = 2
CACHE = True
# <<< bindings

#: Points advanced in lock-step by one thread (the SIMD width to aim for).
BLOCK = 32

#: Status codes of :func:`ensemble`.
MOVING = 0
SETTLED = 1
DIVERGED = 2


@njit(cache=CACHE)
def step_block(X, hp, lp, D, n, Y, G):
    """Advance the first n columns of X by one step, in place.

    One loop over columns with the rule and the gradient inlined and D a
    constant: the loop LLVM vectorises across points.
    """
    for b in range(n):
        opt_lookahead(X, hp, DIM, b, Y)
        loss_grad_lane(Y, lp, G, b)
        opt_update(X, G, hp, DIM, b)


@njit(cache=CACHE)
def step(x, hp, lp, D):
    """F(x) for one state x of shape (S,)."""
    X = x.copy().reshape(x.shape[0], 1)
    Y = np.empty((D, 1))
    G = np.empty((D, 1))
    step_block(X, hp, lp, D, 1, Y, G)
    return X[:, 0].copy()


@njit(cache=CACHE)
def jacobian(x, hp, lp, D):
    """dF/dx at x, shape (S, S), from the loss Hessian at the look-ahead."""
    S = x.shape[0]
    X = x.copy().reshape(S, 1)
    Y = np.empty((D, 1))
    G = np.empty((D, 1))
    opt_lookahead(X, hp, DIM, 0, Y)
    loss_grad_lane(Y, lp, G, 0)
    H = np.empty((D, D))
    loss_hess(Y[:, 0].copy(), lp, H)
    J = np.zeros((S, S))
    opt_jacobian(x, G[:, 0].copy(), H, hp, D, J)
    return J


@njit(cache=CACHE)
def value(theta, lp):
    """The loss at theta (exposed for generated adapters and tests)."""
    return loss_value(theta, lp)


@njit(cache=CACHE)
def trajectory(x0, hp, lp, D, n_steps):
    """States x_0 .. x_n_steps, shape (n_steps + 1, S).

    A diverging orbit simply fills with inf/NaN: no exception, no warning.
    """
    S = x0.shape[0]
    out = np.empty((n_steps + 1, S))
    X = x0.copy().reshape(S, 1)
    Y = np.empty((D, 1))
    G = np.empty((D, 1))
    out[0] = x0
    for t in range(n_steps):
        step_block(X, hp, lp, D, 1, Y, G)
        for s in range(S):
            out[t + 1, s] = X[s, 0]
    return out


@njit(cache=CACHE)
def _thread_point(tid, j, n_threads, N):
    """Index of thread ``tid``'s j-th point, or -1 when it has no more.

    Threads own chunks of BLOCK consecutive points dealt round-robin, so that
    expensive regions of a grid are shared between threads.
    """
    i = (tid + (j // BLOCK) * n_threads) * BLOCK + j % BLOCK
    return i if i < N else -1


@njit(cache=CACHE)
def _settle_test(X, hist, b, n_hist, n_check, S, atol, rtol, bound):
    """(status, period) of lane b of X; hist[p - 1] holds x_{t-p}."""
    scale = 0.0
    for s in range(S):
        a = abs(X[s, b])
        if not (a <= bound):
            return DIVERGED, 0
        if s < n_check and a > scale:
            scale = a
    tol = atol + rtol * scale
    for p in range(1, n_hist + 1):
        ok = True
        for s in range(n_check):
            if abs(X[s, b] - hist[p - 1, s, b]) > tol:
                ok = False
                break
        if ok:
            return SETTLED, p
    return MOVING, 0


@njit(cache=CACHE, parallel=True)
def ensemble(
    X0,
    hp,
    lp,
    D,
    max_steps,
    check_every,
    max_period,
    atol,
    rtol,
    bound,
    n_check,
    n_threads,
):
    """Iterate many initial states until each settles, diverges or runs out.

    Parameters
    ----------
    X0 : ndarray of shape (N, S)
        Initial states, one per row.
    hp, lp : ndarray
        Optimizer hyperparameters and loss parameters.
    D : int
        Number of loss parameters (theta's length).
    max_steps : int
        Step budget per point.
    check_every : int
        Each point is tested for settling and divergence when its step count
        is a multiple of ``check_every`` (C), comparing x_t with x_{t-p} for
        p = 1 .. min(max_period, C - 1).  A point that reaches
        ``max_steps`` between tests stops there, DIVERGED if it has (the
        divergence test runs at the last step too), else MOVING.  The schedule depends
        on the point alone, which keeps results independent of threading.
    max_period : int
        Longest cycle period detected.
    atol, rtol : float
        A point has settled on a p-cycle at step t when
        max_s |x_t[s] - x_{t-p}[s]| <= atol + rtol * max_s |x_t[s]| over the
        first ``n_check`` components; the smallest such p is reported.
    bound : float
        A point has diverged when a component is non-finite or exceeds
        ``bound`` in magnitude.
    n_check : int
        Components used in the settling test (theta and m; a slowly decaying
        second-moment buffer r is left out).
    n_threads : int
        Number of interleaved work queues (one per Numba thread).

    Returns
    -------
    XF : ndarray of shape (N, S)
        The state when the point stopped.
    steps : ndarray of int64, shape (N,)
        Steps taken when the point stopped.
    status : ndarray of int8, shape (N,)
        MOVING (budget exhausted), SETTLED or DIVERGED.
    period : ndarray of int64, shape (N,)
        Detected period for settled points, 0 otherwise.

    Each point's arithmetic is independent of the others and of the thread
    that runs it, so results are bit-identical for any number of threads.
    A lane whose point has stopped is refilled at once with the thread's
    next point, so no lane idles while work remains.
    """
    N, S = X0.shape
    B = BLOCK
    R = max_period
    XF = np.empty((N, S))
    steps = np.zeros(N, np.int64)
    status = np.zeros(N, np.int8)
    period = np.zeros(N, np.int64)

    for tid in prange(n_threads):
        X = np.zeros((S, B))
        Y = np.empty((D, B))
        G = np.empty((D, B))
        hist = np.zeros((R, S, B))
        lane_point = np.full(B, -1, np.int64)
        lane_age = np.zeros(B, np.int64)
        taken = 0
        busy = 0

        # Fill the lanes with the thread's first points.
        for b in range(B):
            i = _thread_point(tid, taken, n_threads, N)
            if i >= 0:
                taken += 1
                busy += 1
                lane_point[b] = i
                for s in range(S):
                    X[s, b] = X0[i, s]

        C = check_every
        n_hist = min(R, C - 1)
        while busy > 0:
            # The first step at which some lane reaches its budget inside
            # this chunk (lanes' ages are multiples of C here).
            first_end = C + 1
            for b in range(B):
                if lane_point[b] >= 0:
                    first_end = min(first_end, max_steps - lane_age[b])

            # Advance every lane C steps, keeping x_{t-1} .. x_{t-R} of the
            # chunk's last step t, and snapshot lanes at their budget.
            for j in range(1, C + 1):
                step_block(X, hp, lp, D, B, Y, G)
                p = C - j
                if 1 <= p <= R:
                    for s in range(S):
                        for b in range(B):
                            hist[p - 1, s, b] = X[s, b]
                if j >= first_end and j < C:
                    for b in range(B):
                        i = lane_point[b]
                        if i >= 0 and lane_age[b] + j == max_steps:
                            code = MOVING
                            for s in range(S):
                                XF[i, s] = X[s, b]
                                if not (abs(X[s, b]) <= bound):
                                    code = DIVERGED
                            steps[i] = max_steps
                            status[i] = code
                            period[i] = 0

            # Test every lane; record and refill the ones that stopped.
            for b in range(B):
                i = lane_point[b]
                if i < 0:
                    continue
                lane_age[b] += C
                age = lane_age[b]
                # (A lane past its budget was recorded inside the chunk.)
                if age <= max_steps:
                    code, per = _settle_test(
                        X, hist, b, n_hist, n_check, S, atol, rtol, bound
                    )
                    if code == MOVING and age < max_steps:
                        continue
                    for s in range(S):
                        XF[i, s] = X[s, b]
                    steps[i] = age
                    status[i] = code
                    period[i] = per
                j = _thread_point(tid, taken, n_threads, N)
                lane_point[b] = j
                lane_age[b] = 0
                if j >= 0:
                    taken += 1
                    for s in range(S):
                        X[s, b] = X0[j, s]
                else:
                    busy -= 1
                    for s in range(S):
                        X[s, b] = 0.0
    return XF, steps, status, period
