"""The orbit diagram: asymptotic states of a map against one parameter.

For each value mu_i of the parameter the map F_{mu_i} is iterated from a
start x_0 for ``n_transient`` steps, and the next ``n_keep`` states
x_{T+1}, ..., x_{T+K} are kept (T = n_transient, K = n_keep).
Plotted against mu, they draw the classical bifurcation diagram: one point
per value where the orbit converges, p points on a p-cycle, a band where it
is chaotic.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._map import Map
from ._optimizer_map import OptimizerMap
from ._validation import check_int, check_positive, check_vector
from .iterate import trajectory

STARTS = ("fixed", "carry")


@dataclass(frozen=True, eq=False)
class OrbitDiagram:
    """Asymptotic samples of the orbit at each parameter value.

    Attributes
    ----------
    param : str
        The swept parameter.
    values : ndarray of shape (n_values,)
        Its values, in the order swept.
    samples : ndarray of shape (n_values, n_keep, dim)
        The states after the transient; NaN where the orbit diverged.
    diverged : ndarray of bool, shape (n_values,)
        Whether the orbit left the bound (or became non-finite).
    start : str
        ``'fixed'`` or ``'carry'``.
    state_names : tuple of str
        Component names (theta1, theta2, m1, ... for optimizer maps).
    """

    param: str
    values: np.ndarray
    samples: np.ndarray
    diverged: np.ndarray
    start: str
    state_names: tuple

    def __repr__(self):
        n_values, n_keep, dim = self.samples.shape
        lo, hi = float(np.min(self.values)), float(np.max(self.values))
        return (
            f"OrbitDiagram({self.param} in [{lo:.6g}, {hi:.6g}], {n_values} "
            f"values, {n_keep} samples of {dim}-component states each, "
            f"{self.start} start, {int(np.count_nonzero(self.diverged))} diverged)"
        )

    def plot(self, ax=None, component=0, *, s=0.3, color="k", alpha=0.5,
             label=None, **scatter_kw):
        """Scatter the samples of one component against the parameter.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        component : int
            State component (0 is theta_1 for optimizer maps).
        s, color, alpha : matplotlib scatter options.
        label : str, optional
            Legend entry; default "orbit diagram (<start> start)".
        **scatter_kw
            Passed on to ``ax.scatter`` (e.g. ``zorder``, ``marker``).

        Returns
        -------
        matplotlib PathCollection
        """
        import matplotlib.pyplot as plt

        if ax is None:
            ax = plt.gca()
        component = check_int("component", component, 0)
        if component >= self.samples.shape[2]:
            raise ValueError(
                f"component must lie in [0, {self.samples.shape[2] - 1}]; "
                f"got {component}"
            )
        n_keep = self.samples.shape[1]
        x = np.repeat(self.values, n_keep)
        y = self.samples[:, :, component].ravel()
        if label is None:
            label = f"orbit diagram ({self.start} start)"
        kw = {"lw": 0, "rasterized": True}
        kw.update(scatter_kw)
        art = ax.scatter(x, y, s=s, c=color, alpha=alpha, label=label, **kw)
        ax.set_xlabel(self.param)
        ax.set_ylabel(self.state_names[component])
        return art


def _sweep(F, param, values, x0, n_transient, n_keep, bound, carry, kick=0.0):
    """Iterate at each value in turn; returns (samples, diverged)."""
    dim = F.dim
    # a fixed sign pattern, so that the sweep is reproducible
    signs = np.where(np.arange(dim) % 2 == 0, 1.0, -1.0)
    samples = np.full((len(values), n_keep, dim), np.nan)
    diverged = np.zeros(len(values), dtype=bool)
    x = x0
    for i, mu in enumerate(values):
        Fm = F.with_params(**{param: float(mu)})
        with np.errstate(all="ignore"):
            X = trajectory(Fm, x, n_transient + n_keep)
            tail = X[-n_keep:]
            bad = not np.all(np.isfinite(X)) or np.max(np.abs(X)) > bound
        if bad:
            diverged[i] = True
            if carry:
                x = x0  # a diverged orbit cannot be carried: restart
            continue
        samples[i] = tail
        if carry:
            x = tail[-1] + kick * signs * (1.0 + np.abs(tail[-1]))
    return samples, diverged


def orbit_diagram(
    F,
    param,
    values,
    x0,
    *,
    n_transient=1000,
    n_keep=64,
    start="fixed",
    n_jobs=1,
    bound=1e8,
    kick=0.0,
):
    """Asymptotic states of F against the parameter ``param``.

    Parameters
    ----------
    F : Map
        Any optdyn map; ``param`` is changed with ``F.with_params`` (never a
        recompile).
    param : str
        One of ``F.param_names``.
    values : array_like of shape (n_values,)
        Parameter values, in sweep order.
    x0 : array_like of shape (F.dim,)
        Start state (``F.initial_state(theta0)`` for an optimizer).
    n_transient : int
        Steps discarded at each value.
    n_keep : int
        States kept after the transient (>= 1).
    start : {'fixed', 'carry'}
        ``'fixed'``: every value starts from x0, independently, so the
        values are spread over ``n_jobs`` joblib workers.  ``'carry'``: each
        value starts from the previous value's last kept state, which
        follows an attractor as the parameter moves and reveals hysteresis
        (sweep ``values`` in both orders to see it); this chain is
        sequential, so ``n_jobs`` is not used.  After a divergence the chain
        restarts from x0.
    n_jobs : int
        joblib workers for ``start='fixed'`` (1: in this process).  The
        result does not depend on it.
    bound : float
        A component beyond ``bound`` (or non-finite) marks divergence.
    kick : float
        With ``start='carry'``, each carried state x is displaced by
        ``kick * (1 + |x_i|)`` in each component i (signs alternating +, -,
        +, ...) before the next value.  An exactly carried state can sit on
        a fixed point that has just become unstable: in floating point it
        is often still a fixed point (theta + m rounds back to theta), so
        there is no perturbation to amplify and it stays for many steps.  A
        small kick (1e-9) lets the attractor appear and keeps the
        hysteresis between coexisting attractors.  Default 0: exact carry.

    Returns
    -------
    OrbitDiagram

    Examples
    --------
    >>> import numpy as np
    >>> from optdyn.maps import logistic
    >>> d = orbit_diagram(logistic(), "r", np.linspace(2.8, 3.2, 5), [0.3],
    ...                   n_transient=2000, n_keep=4)
    >>> np.round(np.sort(d.samples[-1, :2, 0]), 4)
    array([0.513 , 0.7995])
    """
    if not isinstance(F, Map):
        raise ValueError(f"F must be an optdyn Map; got {F!r}")
    if not isinstance(param, str) or param not in F.param_names:
        raise ValueError(
            f"param must name a parameter of the map; got {param!r}; "
            f"valid names: {', '.join(F.param_names)}"
        )
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"values must be a non-empty 1-D array; got shape {values.shape}"
        )
    check_vector("values", values, values.size)
    x0 = check_vector("x0", x0, F.dim)
    n_transient = check_int("n_transient", n_transient, 0)
    n_keep = check_int("n_keep", n_keep, 1)
    n_jobs = check_int("n_jobs", n_jobs, 1)
    bound = check_positive("bound", bound)
    kick = float(kick)
    if not (math.isfinite(kick) and kick >= 0.0):
        raise ValueError(f"kick must be a finite number >= 0; got {kick!r}")
    if start not in STARTS:
        raise ValueError(f"start must be one of {STARTS}; got {start!r}")
    for mu in (values[0], values[-1]):
        F.with_params(**{param: float(mu)})  # validates the range early

    args = (n_transient, n_keep, bound)
    if start == "carry" or n_jobs == 1:
        samples, diverged = _sweep(F, param, values, x0, *args, start == "carry",
                                   kick)
    else:
        from joblib import Parallel, delayed

        chunks = np.array_split(np.arange(values.size), min(values.size, 4 * n_jobs))
        parts = Parallel(n_jobs=n_jobs)(
            delayed(_sweep)(F, param, values[idx], x0, *args, False)
            for idx in chunks
            if idx.size
        )
        samples = np.concatenate([p[0] for p in parts], axis=0)
        diverged = np.concatenate([p[1] for p in parts], axis=0)

    if isinstance(F, OptimizerMap):
        names = F.state_names
    else:
        names = tuple(f"x{i + 1}" for i in range(F.dim))
    return OrbitDiagram(param, values, samples, diverged, start, names)
