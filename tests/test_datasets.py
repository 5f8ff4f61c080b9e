"""IDX reader on small generated files, and the scikit-learn digits loader."""

import gzip

import numpy as np
import pytest

from optdyn.datasets import load_digits, load_mnist, read_idx, write_idx


@pytest.mark.parametrize(
    "dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]
)
def test_idx_round_trip(tmp_path, dtype):
    a = (np.arange(2 * 3 * 4) - 7).astype(dtype).reshape(2, 3, 4)
    if dtype == np.uint8:
        a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.idx", a)
    b = read_idx(tmp_path / "a.idx")
    assert b.shape == (2, 3, 4) and b.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(b, a)


def test_idx_layout_is_big_endian(tmp_path):
    raw = bytes([0, 0, 0x0B, 1]) + (2).to_bytes(4, "big") + bytes([1, 2, 0xFF, 0xFE])
    (tmp_path / "s.idx").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "s.idx"), [258, -2])


def test_idx_gzip(tmp_path):
    a = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "a.idx", a)
    packed = gzip.compress((tmp_path / "a.idx").read_bytes())
    (tmp_path / "a.idx.gz").write_bytes(packed)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), a)


@pytest.mark.parametrize(
    "raw, message",
    [
        (bytes([0, 0]), "truncated IDX header"),
        (bytes([0x1F, 0x8B, 8, 0]) + bytes(8), "not an IDX file"),
        (bytes([0, 0, 0x07, 1]) + bytes(8), "not an IDX file"),
        (bytes([0, 0, 0x08, 3]) + (5).to_bytes(4, "big"), "truncated IDX header"),
        (bytes([0, 0, 0x08, 1]) + (5).to_bytes(4, "big") + bytes(4),
         "truncated IDX body: shape \\(5,\\) needs 5 bytes, the file holds 4"),
        (bytes([0, 0, 0x08, 1]) + (5).to_bytes(4, "big") + bytes(6),
         "1 unexpected bytes"),
    ],
    ids=["short-header", "gzip-magic", "bad-type", "short-dims", "short-body",
         "trailing"],
)
def test_idx_bad_files_raise_clear_errors(tmp_path, raw, message):
    p = tmp_path / "bad.idx"
    p.write_bytes(raw)
    with pytest.raises(ValueError, match=message):
        read_idx(p)


def test_truncated_real_sized_mnist_image_file(tmp_path):
    images = np.zeros((3, 28, 28), np.uint8)
    write_idx(tmp_path / "x", images)
    raw = (tmp_path / "x").read_bytes()
    (tmp_path / "x").write_bytes(raw[:-100])
    with pytest.raises(ValueError, match="needs 2352 bytes, the file holds 2252"):
        read_idx(tmp_path / "x")


def test_load_mnist_from_generated_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 4)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte",
                  rng.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte",
                  rng.integers(0, 10, n).astype(np.uint8))
    data = load_mnist(tmp_path)
    assert data.name == "mnist"
    assert data.X_train.shape == (6, 784) and data.X_test.shape == (4, 784)
    assert 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    # Label count mismatch is an error, not a silent truncation.
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels"):
        load_mnist(tmp_path)


def test_load_digits_split():
    pytest.importorskip("sklearn")
    d = load_digits(n_test=497, seed=0)
    assert d.name == "sklearn-digits" and d.n_inputs == 64
    assert d.X_train.shape == (1300, 64) and d.X_test.shape == (497, 64)
    assert d.X_train.max() == 1.0 and d.X_train.min() == 0.0
    assert set(np.unique(d.y_test)) == set(range(10))
    d2 = load_digits(n_test=497, seed=0)
    np.testing.assert_array_equal(d.y_train, d2.y_train)
    with pytest.raises(ValueError, match=r"n_test must lie in \[1, 1796\]"):
        load_digits(n_test=0)
