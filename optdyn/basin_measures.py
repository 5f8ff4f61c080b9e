"""How tangled are basin boundaries?  Basin entropy, uncertainty exponent.

Basin entropy (Daza, Wagemakers, Georgeot, Guery-Odelin and Sanjuan, Sci.
Rep. 6, 31416, 2016).  Cover the grid of labels with N boxes of
``box`` x ``box`` pixels; in box i let p_ij be the fraction of its pixels
in basin j.  Its Gibbs entropy is S_i = sum_j p_ij ln(1 / p_ij), and

    S_b  = (1 / N)   sum_i S_i        (basin entropy),
    S_bb = (1 / N_b) sum_i S_i        (boundary basin entropy),

the second over the N_b boxes that hold more than one basin.  Both are 0
for a single basin; a smooth boundary gives S_b -> 0 as the grid is
refined, and two basins give S_bb <= ln 2 for boxes cut by a smooth
boundary.  S_bb > ln 2 is a sufficient condition for a fractal boundary
(Daza et al.).

Uncertainty exponent (Grebogi, McDonald, Ott and Yorke, Phys. Lett. A 99,
415, 1983).  A start is eps-uncertain when a perturbation of size eps
changes the basin it ends in.  The uncertain fraction scales as
f(eps) ~ eps^alpha, and the boundary's box-counting dimension is
d = D - alpha in a D-dimensional plane of starts (D = 2 here).  A smooth
boundary has alpha = 1; alpha < 1 means a fractal boundary, alpha -> 0 a
riddled one.  On a grid the perturbations are whole pixels, eps = k pixels,
k = 1, 2, 4, ..., and alpha is the slope of ln f against ln eps.

Every label counts as its own basin, including ``DIVERGED`` (infinity is
an attractor) and ``UNRESOLVED``; pass ``exclude`` to drop boxes (or starts)
that touch labels you do not trust.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._validation import check_int

#: ln 2: S_bb above this proves a fractal boundary (Daza et al. 2016).
LN2 = math.log(2.0)


def _labels(basins):
    labels = getattr(basins, "labels", basins)
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(
            f"basins must be a BasinResult or a 2-D label array; got shape "
            f"{labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError("labels must be integers")
        labels = labels.astype(np.int64)
    return labels


def _spacing(basins):
    """Grid spacing (dx, dy) of a BasinResult, or (1, 1) for a plain array."""
    x, y = getattr(basins, "x", None), getattr(basins, "y", None)
    if x is None or y is None or len(x) < 2 or len(y) < 2:
        return 1.0, 1.0
    return float(x[1] - x[0]), float(y[1] - y[0])


# ------------------------------------------------------------ basin entropy


@dataclass(frozen=True)
class BasinEntropy:
    """Basin entropy and boundary basin entropy of a label grid.

    Attributes
    ----------
    S_b, S_bb : float
        Basin entropy and boundary basin entropy (natural logarithm).
    n_boxes, n_boundary_boxes : int
        N and N_b.
    box : int
        Box side in pixels.
    n_basins : int
        Distinct labels seen.
    fractal : bool
        S_bb > ln 2: the sufficient condition for a fractal boundary.
    """

    S_b: float
    S_bb: float
    n_boxes: int
    n_boundary_boxes: int
    box: int
    n_basins: int

    @property
    def fractal(self):
        return self.S_bb > LN2


def basin_entropies(basins, box=5, exclude=()):
    """S_b and S_bb of a basin picture (Daza et al. 2016).

    Parameters
    ----------
    basins : BasinResult or array_like of int, shape (n2, n1)
        Labels.  Rows and columns that do not fill a whole box at the far
        edges are left out.
    box : int, default 5
        Box side in pixels (Daza et al. use 5), >= 2.
    exclude : sequence of int, optional
        Labels whose boxes are left out entirely (e.g. ``UNRESOLVED``).

    Returns
    -------
    BasinEntropy

    Examples
    --------
    >>> import numpy as np
    >>> checker = np.indices((40, 40)).sum(axis=0) % 2
    >>> round(basin_entropies(checker, box=4).S_bb, 6)  # ln 2
    0.693147
    """
    labels = _labels(basins)
    box = check_int("box", box, 2)
    n2, n1 = labels.shape
    if n1 < box or n2 < box:
        raise ValueError(
            f"box must fit the grid: box={box} for a grid of shape {labels.shape}"
        )
    blocks = labels[: n2 // box * box, : n1 // box * box]
    blocks = blocks.reshape(n2 // box, box, n1 // box, box)

    keep = np.ones((n2 // box, n1 // box), dtype=bool)
    for lab in exclude:
        keep &= ~np.any(blocks == lab, axis=(1, 3))

    values = np.unique(blocks)
    entropy = np.zeros(keep.shape)
    present = np.zeros(keep.shape, dtype=np.int64)
    for v in values:
        p = np.count_nonzero(blocks == v, axis=(1, 3)) / float(box * box)
        nz = p > 0
        entropy[nz] -= p[nz] * np.log(p[nz])
        present += nz

    n_boxes = int(np.count_nonzero(keep))
    boundary = keep & (present > 1)
    n_boundary = int(np.count_nonzero(boundary))
    S_b = float(entropy[keep].sum() / n_boxes) if n_boxes else np.nan
    S_bb = float(entropy[boundary].sum() / n_boundary) if n_boundary else 0.0
    return BasinEntropy(S_b, S_bb, n_boxes, n_boundary, box, int(values.size))


def basin_entropy(basins, box=5, exclude=()):
    """The basin entropy S_b (see :func:`basin_entropies`)."""
    return basin_entropies(basins, box, exclude).S_b


def boundary_basin_entropy(basins, box=5, exclude=()):
    """The boundary basin entropy S_bb (see :func:`basin_entropies`)."""
    return basin_entropies(basins, box, exclude).S_bb


# ------------------------------------------------------ uncertainty exponent


@dataclass(frozen=True)
class UncertaintyExponent:
    """Uncertain fraction f(eps) and its scaling exponent.

    Attributes
    ----------
    alpha : float
        Slope of ln f against ln eps (least squares); NaN with fewer than
        two offsets where f > 0.
    alpha_stderr : float
        Its standard error from the fit (0 for an exact power law).
    dimension : float
        Box-counting dimension of the boundary, 2 - alpha.
    offsets : ndarray of int
        Perturbation sizes in pixels.
    eps : ndarray
        The same in theta units (pixels for a plain label array).
    fraction : ndarray
        f at each offset.
    """

    alpha: float
    alpha_stderr: float
    dimension: float
    offsets: np.ndarray
    eps: np.ndarray
    fraction: np.ndarray


def uncertain_fraction(labels, k, margin, exclude=()):
    """Fraction of interior starts whose label changes under a k-pixel shift.

    A start (i, j) is uncertain when any of its four neighbours k pixels
    away (left, right, down, up) has another label.  Only starts at least
    ``margin`` >= k pixels from every edge are counted, so that the same set
    of starts is used for every k.
    """
    labels = _labels(labels)
    n2, n1 = labels.shape
    c = labels[margin : n2 - margin, margin : n1 - margin]
    uncertain = np.zeros(c.shape, dtype=bool)
    for di, dj in ((0, k), (0, -k), (k, 0), (-k, 0)):
        other = labels[margin + di : n2 - margin + di, margin + dj : n1 - margin + dj]
        uncertain |= other != c
    keep = np.ones(c.shape, dtype=bool)
    for lab in exclude:
        keep &= c != lab
    n = np.count_nonzero(keep)
    return float(np.count_nonzero(uncertain & keep)) / n if n else np.nan


def uncertainty_exponent(basins, offsets=None, exclude=()):
    """The uncertainty exponent alpha of a basin picture (Grebogi et al. 1983).

    f(eps) ~ eps^alpha, with f the fraction of starts whose basin changes
    under a perturbation of eps = k pixels along either axis; the boundary
    dimension is 2 - alpha (alpha = 1 for a smooth boundary, < 1 fractal).

    Parameters
    ----------
    basins : BasinResult or array_like of int, shape (n2, n1)
    offsets : sequence of int, optional
        Perturbations in pixels; default 1, 2, 4, ... up to an eighth of the
        smaller grid side.
    exclude : sequence of int, optional
        Labels whose starts are not counted.

    Returns
    -------
    UncertaintyExponent
    """
    labels = _labels(basins)
    n_min = min(labels.shape)
    if offsets is None:
        offsets = [2**i for i in range(16) if 2**i <= max(1, n_min // 8)]
    offsets = np.array(sorted({int(k) for k in offsets}), dtype=np.int64)
    if offsets.size == 0 or offsets[0] < 1:
        raise ValueError(f"offsets must be integers >= 1; got {offsets.tolist()}")
    margin = int(offsets[-1])
    if 2 * margin >= n_min:
        raise ValueError(
            f"offsets must stay below half the grid side ({n_min // 2}); got {margin}"
        )

    f = np.array([uncertain_fraction(labels, int(k), margin, exclude) for k in offsets])
    dx, dy = _spacing(basins)
    eps = offsets * math.sqrt(abs(dx * dy))

    ok = np.isfinite(f) & (f > 0)
    if np.count_nonzero(ok) < 2:
        alpha = stderr = np.nan
    else:
        x, y = np.log(eps[ok]), np.log(f[ok])
        A = np.column_stack([x, np.ones_like(x)])
        coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
        alpha = float(coef[0])
        n = x.size
        if n > 2:
            resid = y - A @ coef
            s2 = float(resid @ resid) / (n - 2)
            stderr = math.sqrt(s2 / float(((x - x.mean()) ** 2).sum()))
        else:
            stderr = 0.0
    return UncertaintyExponent(alpha, stderr, 2.0 - alpha, offsets, eps, f)


# -------------------------------------------------------------- the verdict


@dataclass(frozen=True)
class FractalTest:
    """Is a basin boundary fractal?

    Attributes
    ----------
    fractal : bool
        ``by_entropy or by_exponent``.
    by_entropy : bool
        S_bb > ln 2 (sufficient, Daza et al. 2016).
    by_exponent : bool
        alpha < 1 - ``alpha_margin``: the boundary dimension 2 - alpha is
        clearly above 1.
    entropy : BasinEntropy
    exponent : UncertaintyExponent
    """

    fractal: bool
    by_entropy: bool
    by_exponent: bool
    entropy: BasinEntropy
    exponent: UncertaintyExponent


def fractal_boundary_test(basins, box=5, alpha_margin=0.2, exclude=()):
    """Decide whether the basin boundaries are fractal, two ways.

    The boundary is called fractal when S_bb > ln 2 (a sufficient
    condition) or when the uncertainty exponent falls below
    1 - ``alpha_margin`` (the margin absorbs the bias of a fit over the
    few octaves a finite grid resolves; 0.2 corresponds to a boundary
    dimension above 1.2).  A grid with a single basin is not fractal.

    Parameters
    ----------
    basins : BasinResult or array_like of int
    box : int, default 5
    alpha_margin : float, default 0.2
    exclude : sequence of int, optional

    Returns
    -------
    FractalTest
    """
    ent = basin_entropies(basins, box, exclude)
    exp = uncertainty_exponent(basins, exclude=exclude)
    by_entropy = bool(ent.fractal)
    by_exponent = bool(np.isfinite(exp.alpha) and exp.alpha < 1.0 - alpha_margin)
    return FractalTest(by_entropy or by_exponent, by_entropy, by_exponent, ent, exp)
