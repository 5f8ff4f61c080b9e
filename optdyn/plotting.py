"""Figures for people: basin maps with named attractors and stable colours.

Every function takes an ``ax`` (a new figure's axes if None) and returns what
it drew; none of them shows or saves a figure.
"""

import numpy as np

#: Colour of diverged starts (dark grey) and unresolved ones (light grey).
DIVERGED_COLOR = "#3a3a3a"
UNRESOLVED_COLOR = "#d0d0d0"

# Colour-blind-friendly qualitative colours (Okabe-Ito), minima first.
_COLORS = (
    "#0072b2",  # blue
    "#e69f00",  # orange
    "#009e73",  # green
    "#cc79a7",  # pink
    "#d55e00",  # vermillion
    "#56b4e9",  # sky blue
    "#f0e442",  # yellow
    "#8c564b",  # brown
    "#7f7f7f",
    "#17becf",
)


class AttractorPalette:
    """Assigns each attractor one colour, the same in every panel.

    Attractors are matched by period and position: a new attractor takes
    the colour of the nearest registered one with the same period whose
    cycle points all lie within ``tol`` (theta units) of its own, so an
    attractor that drifts a little from panel to panel (a cycle followed
    in sigma) keeps its colour; otherwise it gets the next free colour.
    Pass one palette to all panels of a figure.

    Parameters
    ----------
    tol : float, default 1.0
        Matching distance in theta.
    """

    def __init__(self, tol=1.0):
        self.tol = float(tol)
        self.entries = []  # (period, theta, color, first name)

    def color(self, attractor):
        """The colour of ``attractor``, registering it if new."""
        best, best_d = None, self.tol
        for period, theta, color, _ in self.entries:
            if period == attractor.period:
                d = _cycle_distance(theta, attractor.theta)
                if d <= best_d:
                    best, best_d = color, d
        if best is not None:
            return best
        color = _COLORS[len(self.entries) % len(_COLORS)]
        self.entries.append(
            (attractor.period, attractor.theta.copy(), color, attractor.name)
        )
        return color


def _cycle_distance(a, b):
    """Largest distance from a point of one cycle to the nearest of the other."""
    d = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=-1)
    return max(d.min(axis=1).max(), d.min(axis=0).max())


def plot_basins(result, ax=None, palette=None, legend=True, start=None):
    """Draw a :class:`~optdyn.basins.BasinResult` as a categorical image.

    Parameters
    ----------
    result : BasinResult
    ax : matplotlib Axes, optional
    palette : AttractorPalette, optional
        Share one across panels for consistent colours.
    legend : bool
        Add a legend naming each attractor present.
    start : array_like of shape (2,), optional
        A start to mark with a white star (e.g. the paper's (-1, -3.8)).

    Returns
    -------
    image : matplotlib AxesImage
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from .basins import DIVERGED, UNRESOLVED

    if ax is None:
        _, ax = plt.subplots()
    if palette is None:
        palette = AttractorPalette()

    # Categories: 0 diverged, 1 unresolved, 2 + k attractor k.
    colors = [DIVERGED_COLOR, UNRESOLVED_COLOR]
    colors += [palette.color(a) for a in result.attractors]
    codes = result.labels + 2
    codes[result.labels == DIVERGED] = 0
    codes[result.labels == UNRESOLVED] = 1
    image = ax.imshow(
        codes,
        origin="lower",
        extent=result.grid.extent,
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=len(colors) - 0.5,
        interpolation="nearest",
        aspect="auto",
    )
    d0, d1 = result.grid.dims
    ax.set_xlabel(rf"$\theta_{{{d0 + 1}}}$")
    ax.set_ylabel(rf"$\theta_{{{d1 + 1}}}$")

    for a in result.attractors:
        ax.plot(
            a.theta[:, d0], a.theta[:, d1], "o", ms=4, mfc="white",
            mec="black", mew=0.8,
        )
    if start is not None:
        start = np.asarray(start, dtype=np.float64)
        if start.shape != (2,) or not np.all(np.isfinite(start)):
            raise ValueError(
                f"start must be a finite point (theta_{d0 + 1}, theta_{d1 + 1}); "
                f"got {start!r}"
            )
        ax.plot(start[0], start[1], "*", ms=11, mfc="white", mec="black", mew=0.8)

    if legend:
        handles = [
            Patch(color=palette.color(a), label=f"{a.name}: {100 * a.fraction:.1f}%")
            for a in result.attractors
        ]
        fr = result.fractions
        for key, color in (("diverged", DIVERGED_COLOR),
                           ("unresolved", UNRESOLVED_COLOR)):
            if fr[key] > 0:
                handles.append(Patch(color=color, label=f"{key}: {100 * fr[key]:.1f}%"))
        ax.legend(handles=handles, loc="upper left", fontsize="x-small",
                  framealpha=0.85)
    return image
