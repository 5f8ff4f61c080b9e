"""Kernel modules generated per (loss, optimizer) pair.

Numba caches a compiled function on disk only when everything it calls is a
module-level function, never a function passed as an argument.  To give every
pair of loss and optimizer cached, inlinable kernels, this module copies the
template :mod:`optdyn._kernels.pair_template` with its binding block replaced
by imports of the pair's kernels, writes it (atomically) to the kernel cache
directory, and imports it.  Numba's cache then lives beside the generated
file, so a second process, a joblib worker or a later run reuses the compiled
code.

The cache directory is ``$OPTDYN_CACHE_DIR`` if set, otherwise
``$XDG_CACHE_HOME/optdyn/kernels`` (``~/.cache/optdyn/kernels``).  The file
name hashes the template's text and the bindings, so an edited template or
kernel module never meets stale code.

Losses built from user functions that cannot be imported by name (defined in
``__main__`` or a notebook) are bound by injecting the functions into the
module namespace; such kernels compile in each process and are not cached.
"""

import hashlib
import importlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

from . import _io

_TEMPLATE = Path(__file__).parent / "_kernels" / "pair_template.py"
_START = "# >>> bindings"
_END = "# <<< bindings"
_MODULES = {}
_LOCK = threading.Lock()


def cache_dir():
    """The directory holding generated kernel modules and Numba's cache."""
    root = os.environ.get("OPTDYN_CACHE_DIR")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return Path(base) / "optdyn" / "kernels"


def _source_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _binding_text(loss_binding, opt_binding, dim, cache):
    """The import block binding the template's names to one pair's kernels.

    Lane-style kernels (one column of a block per call) are imported under
    the template's names.  Block-style ones (looping over ``n`` columns
    themselves) are wrapped in lane adapters that pass one-column views.
    """
    lines = []
    adapters = []
    if "module" in loss_binding:
        mod = loss_binding["module"]
        lines.append(f"from {mod} import {loss_binding['hess']} as loss_hess")
        lines.append(f"from {mod} import {loss_binding['value']} as loss_value")
        if "grad_lane" in loss_binding:
            lines.append(
                f"from {mod} import {loss_binding['grad_lane']} as loss_grad_lane"
            )
        else:
            lines.append(
                f"from {mod} import {loss_binding['grad_block']} as _loss_grad_block"
            )
            adapters.append(_LOSS_ADAPTER)
    ob = opt_binding
    lines.append(f"from {ob['module']} import {ob['jacobian']} as opt_jacobian")
    if ob.get("style") == "lane":
        lines.append(f"from {ob['module']} import {ob['lookahead']} as opt_lookahead")
        lines.append(f"from {ob['module']} import {ob['update']} as opt_update")
    else:
        lines.append(f"from {ob['module']} import {ob['lookahead']} as _opt_lookahead")
        lines.append(f"from {ob['module']} import {ob['update']} as _opt_update")
        adapters.append(_OPT_ADAPTER)
    lines.append("")
    lines.append(f"DIM = {int(dim)}")
    lines.append(f"CACHE = {bool(cache)}")
    lines.extend(adapters)
    return "\n".join(lines)


_LOSS_ADAPTER = """

@njit(cache=CACHE, inline="always")
def loss_grad_lane(Y, lp, G, b):
    _loss_grad_block(Y[:, b : b + 1], lp, G[:, b : b + 1], 1)
"""

_OPT_ADAPTER = """

@njit(cache=CACHE, inline="always")
def opt_lookahead(X, hp, D, b, Y):
    _opt_lookahead(X[:, b : b + 1], hp, D, 1, Y[:, b : b + 1])


@njit(cache=CACHE, inline="always")
def opt_update(X, G, hp, D, b):
    _opt_update(X[:, b : b + 1], G[:, b : b + 1], hp, D, 1)
"""


def _render(template, binding_text):
    head, rest = template.split(_START, 1)
    _, tail = rest.split(_END, 1)
    return f"{head}{_START}\n{binding_text}\n{_END}{tail}"


def _write_atomic(path, text):
    _io._atomic(path, lambda tmp: Path(tmp).write_text(text), ".py")


def _dependency_hashes(*bindings):
    """Hashes of the source files the bindings import (stale-code guard)."""
    out = []
    for b in bindings:
        mod = b.get("module")
        if mod is None:
            continue
        spec = importlib.util.find_spec(mod)
        if spec is not None and spec.origin:
            out.append(_source_hash(spec.origin))
    return out


def load_pair(loss_binding, opt_binding, dim):
    """Import (generating if needed) the kernel module of one pair.

    ``loss_binding`` is ``{"module", "value", "grad_lane" (or "grad_block"),
    "hess"}`` naming importable Numba functions, or ``{"inject":
    {"loss_value": f, "loss_grad_lane": f, "loss_hess": f}}`` carrying the
    functions themselves.  ``opt_binding`` is ``{"module", "lookahead",
    "update", "jacobian"[, "style": "lane"]}``.  ``dim`` is the number of
    loss parameters, compiled in as a constant.
    """
    inject = loss_binding.get("inject")
    key = (
        int(dim),
        tuple(sorted((k, v) for k, v in loss_binding.items() if k != "inject")),
        tuple(sorted(opt_binding.items())),
        None if inject is None else tuple(id(f) for f in inject.values()),
    )
    with _LOCK:
        module = _MODULES.get(key)
        if module is None:
            module = _generate(loss_binding, opt_binding, dim, inject)
            _MODULES[key] = module
    return module


def _generate(loss_binding, opt_binding, dim, inject):
    template = _TEMPLATE.read_text()
    cache = inject is None
    text = _render(template, _binding_text(loss_binding, opt_binding, dim, cache))
    digest = hashlib.sha256(
        "\n".join([text, *_dependency_hashes(loss_binding, opt_binding)]).encode()
    ).hexdigest()[:20]
    name = f"optdyn_kernels_{digest}"
    if inject is not None:
        name += f"_{os.getpid()}_{len(_MODULES)}"
        directory = Path(tempfile.gettempdir()) / "optdyn-uncached"
    else:
        directory = cache_dir()
    path = directory / f"{name}.py"
    if not path.exists():
        try:
            _write_atomic(path, text)
        except OSError:
            # A read-only cache location: fall back to a private directory.
            directory = Path(tempfile.gettempdir()) / "optdyn-kernels"
            path = directory / f"{name}.py"
            if not path.exists():
                _write_atomic(path, text)

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    if inject is not None:
        module.__dict__.update(inject)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
