"""Spectra of a map: Jacobian eigenvalues and Lyapunov exponents.

The eigenvalues of dF/dx at a state (or of the product of Jacobians around a
cycle, its multipliers) decide local stability.  The Lyapunov spectrum of a
trajectory measures the average exponential growth of perturbations along it
and tells converging, periodic, quasi-periodic and chaotic orbits apart.
"""

from dataclasses import dataclass

import numpy as np

from ._map import Map
from ._validation import check_finite, check_int, check_positive
from .iterate import trajectory

#: Default tolerance below which an imaginary part counts as noise, relative to
#: max(1, |lambda|).  A defective double eigenvalue (critical damping) splits
#: under rounding into a pair a +- i delta with delta ~ sqrt(machine eps) ~ 1e-8,
#: so the default sits one decade above that.
IMAG_TOL = 1e-7


def clean_eigenvalues(M, imag_tol=IMAG_TOL):
    """Eigenvalues of a square matrix, sorted by decreasing modulus.

    Imaginary parts with |Im lambda| <= imag_tol max(1, |lambda|) are set to
    zero, so that rounding noise around a repeated real root never turns it
    into a complex pair.

    Parameters
    ----------
    M : array_like of shape (n, n)
    imag_tol : float
        Relative tolerance on imaginary parts (>= 0).

    Returns
    -------
    ndarray of complex128, shape (n,)
    """
    M = np.asarray(M, dtype=np.float64)
    if not np.all(np.isfinite(M)):
        return np.full(M.shape[0], np.nan + 0j)
    lam = np.linalg.eigvals(M).astype(np.complex128)
    small = np.abs(lam.imag) <= imag_tol * np.maximum(1.0, np.abs(lam))
    lam[small] = lam[small].real
    # decreasing modulus; ties broken by real part, then imaginary part
    order = np.lexsort((-lam.imag, -lam.real, -np.abs(lam)))
    return lam[order]


def monodromy(jacobians):
    """The product J_{p-1} ... J_1 J_0 of the Jacobians along a cycle."""
    M = np.array(jacobians[0], dtype=np.float64)
    for J in jacobians[1:]:
        M = J @ M
    return M


def jacobian_spectrum(F, x, *, imag_tol=IMAG_TOL):
    """Eigenvalues of the Jacobian of F at a state, or multipliers of a cycle.

    For a single state x the result is the spectrum of J = dF/dx (x).  For a
    cycle x_0, ..., x_{p-1} it is the spectrum of the monodromy matrix
    M = J(x_{p-1}) ... J(x_0), whose eigenvalues are the cycle's multipliers.

    Parameters
    ----------
    F : Map
    x : array_like of shape (F.dim,) or (p, F.dim)
        A state, or the points of a cycle in order.
    imag_tol : float, optional
        Imaginary parts below ``imag_tol * max(1, |lambda|)`` are set to zero
        (see :func:`clean_eigenvalues`).

    Returns
    -------
    ndarray of complex128, shape (F.dim,)
        Sorted by decreasing modulus; the first entry's modulus is the
        spectral radius.

    Examples
    --------
    >>> from optdyn.maps import henon
    >>> lam = jacobian_spectrum(henon(a=1.4, b=0.3), [0.0, 0.0])
    >>> bool(abs(abs(lam[0] * lam[1]) - 0.3) < 1e-12)
    True
    """
    if not isinstance(F, Map):
        raise ValueError(f"F must be an optdyn Map; got {F!r}")
    imag_tol = _check_nonneg("imag_tol", imag_tol)
    X = np.asarray(x, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != F.dim:
        raise ValueError(
            f"x must have shape ({F.dim},) or (p, {F.dim}) for this map; "
            f"got {np.shape(x)}"
        )
    return clean_eigenvalues(monodromy([F.jacobian(xj) for xj in X]), imag_tol)


@dataclass(frozen=True, eq=False)
class LyapunovResult:
    """Lyapunov spectrum of one trajectory and what it says about the orbit.

    Attributes
    ----------
    exponents : ndarray of shape (dim,)
        Lyapunov exponents per step (natural log), in decreasing order; NaN
        if the orbit diverged.
    kind : str
        ``'fixed point'`` or ``'periodic'`` (the orbit repeats after the
        averaging window), ``'converging'`` (largest exponent < -zero_tol but
        not yet repeating), ``'quasi-periodic'`` (largest exponent within
        zero_tol of 0), ``'chaotic'`` (largest exponent > zero_tol) or
        ``'diverged'``.
    period : int
        Period found at the end of the trajectory (1 for a fixed point), 0 if
        it does not repeat.
    n_steps, n_transient : int
        Steps averaged over, and steps discarded before.
    final : ndarray of shape (dim,)
        The last state.
    """

    exponents: np.ndarray
    kind: str
    period: int
    n_steps: int
    n_transient: int
    final: np.ndarray

    def __repr__(self):
        ex = np.array2string(self.exponents[:4], precision=4, separator=", ")
        if self.exponents.size > 4:
            ex = ex[:-1] + f", ... {self.exponents.size - 4} more]"
        period = f", period {self.period}" if self.period else ""
        return (
            f"LyapunovResult({self.kind}{period}, exponents per step {ex}, "
            f"over {self.n_steps} steps after {self.n_transient})"
        )

    @property
    def max_exponent(self):
        """The largest exponent."""
        return float(self.exponents[0])


def lyapunov_spectrum(
    F,
    x0,
    n_steps,
    *,
    n_transient=1000,
    zero_tol=1e-3,
    max_period=16,
    repeat_tol=1e-9,
    bound=1e10,
):
    """Lyapunov spectrum of the orbit of x0, by QR re-orthonormalisation.

    With x_{t+1} = F(x_t) and J_t = dF/dx (x_t), the tangent frame is carried
    as J_t Q_t = Q_{t+1} R_t (QR factorisation each step) and the exponents
    are lambda_i = (1/n) sum_t log |(R_t)_ii|, averaged over ``n_steps``
    steps after discarding ``n_transient``.  For a linear map they are the
    logs of the eigenvalue moduli; their sum is the mean log |det J|.

    Parameters
    ----------
    F : Map
    x0 : array_like of shape (F.dim,)
        Initial state.
    n_steps : int
        Steps to average over (>= 1).
    n_transient : int, optional
        Steps discarded first (>= 0).
    zero_tol : float, optional
        Exponents with |lambda| <= zero_tol count as zero when naming the
        orbit.  Finite-time estimates carry errors of order 1/n_steps.
    max_period : int, optional
        Longest period looked for at the end of the orbit.
    repeat_tol : float, optional
        |x_n - x_{n-p}| <= repeat_tol (1 + |x_n|) means period p.
    bound : float, optional
        A component beyond ``bound`` (or non-finite) means divergence.

    Returns
    -------
    LyapunovResult

    Examples
    --------
    >>> import math
    >>> from optdyn.maps import logistic
    >>> res = lyapunov_spectrum(logistic(r=4.0), [0.3], 20000, n_transient=100)
    >>> bool(abs(res.max_exponent - math.log(2.0)) < 0.02), res.kind
    (True, 'chaotic')
    """
    if not isinstance(F, Map):
        raise ValueError(f"F must be an optdyn Map; got {F!r}")
    x0 = F._check_state(x0, "x0")
    n_steps = check_int("n_steps", n_steps, 1)
    n_transient = check_int("n_transient", n_transient, 0)
    zero_tol = check_positive("zero_tol", zero_tol)
    max_period = check_int("max_period", max_period, 1)
    repeat_tol = check_positive("repeat_tol", repeat_tol)
    bound = check_positive("bound", bound)

    X = trajectory(F, x0, n_transient + n_steps)
    n = F.dim
    final = X[-1].copy()
    with np.errstate(all="ignore"):
        diverged = not np.all(np.isfinite(X)) or np.max(np.abs(X)) > bound
    if diverged:
        return LyapunovResult(
            np.full(n, np.nan), "diverged", 0, n_steps, n_transient, final
        )

    # tangent dynamics: J_t Q_t = Q_{t+1} R_t
    Q = np.eye(n)
    sums = np.zeros(n)
    with np.errstate(divide="ignore"):
        for t in range(n_transient, n_transient + n_steps):
            Q, R = np.linalg.qr(F.jacobian(X[t]) @ Q)
            sums += np.log(np.abs(np.diag(R)))
    exponents = np.sort(sums / n_steps)[::-1]

    # name the orbit: repetition first, then the sign of the top exponent
    period = 0
    scale = 1.0 + np.max(np.abs(final))
    for p in range(1, min(max_period, n_transient + n_steps) + 1):
        if np.max(np.abs(final - X[-1 - p])) <= repeat_tol * scale:
            period = p
            break
    top = exponents[0]
    if period == 1:
        kind = "fixed point"
    elif period > 1:
        kind = "periodic"
    elif top > zero_tol:
        kind = "chaotic"
    elif top >= -zero_tol:
        kind = "quasi-periodic"
    else:
        kind = "converging"
    return LyapunovResult(exponents, kind, period, n_steps, n_transient, final)


def _check_nonneg(name, value):
    x = check_finite(name, value)
    if x < 0:
        raise ValueError(f"{name} must be >= 0 (allowed range [0, inf)); got {x!r}")
    return x
