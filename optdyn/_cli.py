"""Helpers shared by the command-line studies in ``studies/``."""


def check_flags(parser, checks):
    """Run each ``(flag, check)``; a ValueError becomes ``parser.error``.

    The library's message (parameter, value, allowed range) is prefixed by
    the flag, so a bad value is reported by the name the user typed, before
    any work starts, with exit code 2 and no traceback.
    """
    for flag, check in checks:
        try:
            check()
        except ValueError as exc:
            parser.error(f"{flag}: {exc}")
