"""Data for the neural-network experiments: MNIST's IDX files, sklearn digits.

IDX (LeCun's format for MNIST) is

    bytes 0-1   zero
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    then d big-endian uint32 sizes, then the elements, big-endian, row-major.

:func:`read_idx` checks every part of that layout and raises ``ValueError``
naming the file and what is wrong (a bad magic number, a truncated header or
body, trailing bytes) instead of returning a short array.
"""

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            return fh.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"{path}: cannot read ({err})") from None


def read_idx(path):
    """Read one IDX file (optionally gzip-compressed, by a ``.gz`` suffix).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ndarray
        Shape from the header, native byte order, the header's element type.

    Raises
    ------
    ValueError
        Wrong magic number or element type, a header or body shorter than
        the header promises, or bytes left over after the body.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.idx")
    >>> write_idx(path, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(path)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(
            f"{path}: truncated IDX header ({len(raw)} bytes; at least 4 needed)"
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"{path}: not an IDX file (magic bytes {raw[:4].hex()}; expected "
            "00 00, a type code in {08, 09, 0b, 0c, 0d, 0e}, and the rank)"
        )
    dtype = _IDX_TYPES[raw[2]]
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated IDX header ({len(raw)} bytes; the {ndim} sizes "
            f"need {header})"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, ">u4", ndim, 4))
    n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    body = len(raw) - header
    if body < n_bytes:
        raise ValueError(
            f"{path}: truncated IDX body: shape {shape} needs {n_bytes} bytes, "
            f"the file holds {body}"
        )
    if body > n_bytes:
        raise ValueError(
            f"{path}: {body - n_bytes} unexpected bytes after the IDX body of "
            f"shape {shape}"
        )
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` as an IDX file (used by tests; uncompressed)."""
    array = np.asarray(array)
    codes = {v.newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(
            f"array dtype must be one of uint8, int8, int16, int32, float32, "
            f"float64; got {array.dtype}"
        )
    code = codes[native]
    head = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    body = array.astype(_IDX_TYPES[code]).tobytes()
    Path(path).write_bytes(head + body)


@dataclass(frozen=True)
class DigitData:
    """A classification data set split into training and held-out test parts.

    Attributes
    ----------
    X_train, X_test : ndarray of shape (N, n_inputs)
        Pixel values scaled to [0, 1].
    y_train, y_test : ndarray of int64
        Labels 0..9.
    name : str
        Where the data came from ('mnist' or 'sklearn-digits').
    description : str
        One line for reports.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    description: str

    @property
    def n_inputs(self):
        return self.X_train.shape[1]


def _find(directory, stems):
    for stem in stems:
        for suffix in ("", ".gz"):
            p = Path(directory) / f"{stem}{suffix}"
            if p.is_file():
                return p
    raise FileNotFoundError(
        f"none of {', '.join(stems)} (optionally .gz) found in {directory}"
    )


def _mnist_part(directory, prefix):
    images = read_idx(_find(directory, [f"{prefix}-images-idx3-ubyte",
                                        f"{prefix}-images.idx3-ubyte"]))
    labels = read_idx(_find(directory, [f"{prefix}-labels-idx1-ubyte",
                                        f"{prefix}-labels.idx1-ubyte"]))
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(
            f"MNIST {prefix} files must hold images of rank 3 and labels of "
            f"rank 1; got shapes {images.shape} and {labels.shape}"
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"MNIST {prefix}: {images.shape[0]} images but {labels.shape[0]} labels"
        )
    X = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    return X, labels.astype(np.int64)


def load_mnist(directory):
    """MNIST from its four standard IDX files in ``directory``.

    Looks for ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (or the
    ``.idx3-ubyte`` spellings), each optionally ``.gz``.

    Returns
    -------
    DigitData
        60000 training and 10000 test images of 784 pixels in [0, 1].
    """
    X_train, y_train = _mnist_part(directory, "train")
    X_test, y_test = _mnist_part(directory, "t10k")
    return DigitData(
        X_train, y_train, X_test, y_test, "mnist",
        f"MNIST from {directory}: {len(y_train)} training and {len(y_test)} "
        f"test images, {X_train.shape[1]} inputs",
    )


def load_digits(n_test=497, seed=0):
    """scikit-learn's bundled handwritten digits (8x8 images, 64 inputs).

    The 1797 images are shuffled with ``seed`` and split into
    1797 - n_test training and ``n_test`` held-out test images; pixel values
    0..16 are scaled to [0, 1].  Needs scikit-learn (``pip install
    optdyn[data]``).
    """
    try:
        from sklearn.datasets import load_digits as _sk_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn; install it with "
            "`pip install optdyn[data]`"
        ) from None
    bunch = _sk_digits()
    X = bunch.data.astype(np.float64) / 16.0
    y = bunch.target.astype(np.int64)
    if not 1 <= n_test < len(y):
        raise ValueError(
            f"n_test must lie in [1, {len(y) - 1}]; got {n_test!r}"
        )
    order = np.random.default_rng(seed).permutation(len(y))
    test, train = order[:n_test], order[n_test:]
    return DigitData(
        X[train], y[train], X[test], y[test], "sklearn-digits",
        f"scikit-learn digits (8x8): {len(train)} training and {len(test)} "
        "held-out test images, 64 inputs",
    )
