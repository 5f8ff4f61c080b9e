"""Stable digests of Python functions, for cache keys that must not go stale."""

import hashlib
import inspect


def function_fingerprint(func):
    """A hex digest that changes whenever what ``func`` computes may change.

    It covers the function's qualified name, its source text when available,
    and its cloudpickle serialisation, which for functions defined in
    ``__main__``, a notebook or another function holds the code itself, the
    values captured in closures and the globals it reads.  Functions of an
    importable module pickle by reference, so for them the source text is
    what changes; helpers they call elsewhere in their module are not
    followed.  The digest is the same in every process for the same code.

    A Numba dispatcher is fingerprinted through its Python function.

    Raises
    ------
    ValueError
        If the function has neither readable source nor a serialisation
        (nothing would tell two versions apart).
    """
    import cloudpickle

    f = getattr(func, "py_func", func)
    name = f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', repr(f))}"
    try:
        source = inspect.getsource(f)
    except (OSError, TypeError):
        source = ""
    try:
        data = cloudpickle.dumps(f)
    except Exception:  # unpicklable closure cells and the like
        data = b""
    if not source and not data:
        raise ValueError(
            f"cannot fingerprint {name}: it has no readable source and cannot be "
            "serialised, so a cache could not tell its versions apart"
        )
    digest = hashlib.sha256()
    for part in (name.encode(), source.encode(), data):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()
