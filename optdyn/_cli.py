"""Helpers shared by the command-line studies in ``studies/``."""

import os


def check_flags(parser, checks, out=None):
    """Run each ``(flag, check)``; a ValueError becomes ``parser.error``.

    The library's message (parameter, value, allowed range) is prefixed by
    the flag, so a bad value is reported by the name the user typed, before
    any work starts, with exit code 2 and no traceback.  With ``out``, the
    output folder is created (or found) and checked to be writable too.
    """
    for flag, check in checks:
        try:
            check()
        except ValueError as exc:
            parser.error(f"{flag}: {exc}")
    if out is not None:
        check_out(parser, out)


def check_out(parser, out):
    """Refuse an ``--out`` folder that cannot be created or written to."""
    if os.path.exists(out) and not os.path.isdir(out):
        parser.error(f"--out: {out!r} exists and is not a folder")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out: cannot create {out!r}: {exc.strerror}")
    if not os.access(out, os.W_OK | os.X_OK):
        parser.error(f"--out: cannot write to {out!r}")
