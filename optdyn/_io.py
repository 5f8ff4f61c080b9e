"""Atomic writes: a result file is either complete or absent, never partial."""

import functools
import json
import os
import tempfile
from pathlib import Path

import numpy as np


@functools.cache
def default_mode():
    """File mode of a newly created file under the process's umask.

    ``tempfile.mkstemp`` creates files readable by their owner only; results
    and generated kernels are given the usual mode instead, so that others
    sharing a results folder or a kernel cache can read them.  (Reading the
    umask means setting it for an instant, so it is read once.)
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _atomic(path, write, suffix):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, default_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def write_json(path, obj):
    """Write ``obj`` as indented JSON to ``path`` atomically."""

    def write(tmp):
        with open(tmp, "w") as fh:
            json.dump(obj, fh, indent=2, default=_json_default)
            fh.write("\n")

    return _atomic(path, write, ".json")


def write_npz(path, **arrays):
    """``np.savez_compressed`` to ``path`` atomically."""

    def write(tmp):
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    return _atomic(path, write, ".npz")


def save_figure(fig, path, **kwargs):
    """``fig.savefig`` to ``path`` atomically (format from the suffix)."""
    fmt = Path(path).suffix.lstrip(".") or "png"
    return _atomic(path, lambda tmp: fig.savefig(tmp, format=fmt, **kwargs),
                   Path(path).suffix)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")
