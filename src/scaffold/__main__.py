"""``python -m scaffold``, and the console scripts' entry point (:func:`run`).

Nothing but scaffold's bare ``errors`` module loads before the signal handlers are installed,
and that inside the ``try``: a signal while the CLI and its libraries load (the first quarter
of a second) is an interrupt like any other, one line and exit 128 + the signal (130 for
Ctrl-C), never a traceback and never the default action. Nothing has been written by then.
"""

import sys


def run() -> None:
    try:
        from scaffold.errors import signals  # noqa: PLC0415 - inside the try, see above

        signals.install()
        from scaffold.cli import main  # noqa: PLC0415
    except BaseException as exc:
        code = _interrupt_code(exc)
        if code is None:
            raise
        # Written by hand: the modules that would write it may be what was interrupted.
        if "--json" in sys.argv[1:]:
            sys.stdout.write(
                f'{{"schema_version": 1, "ok": false, "exit_code": {code}, '
                '"error": "interrupted", "hint": null}\n'
            )
        sys.stderr.write("error: interrupted\n")
        exec("None")  # noqa: S102 - see scaffold.errors.forget_caught_interrupt, not importable here
        sys.exit(code)
    main()


def _interrupt_code(exc: BaseException) -> int | None:
    """128 + the signal, when ``exc`` is an interrupt or what Python's import machinery made
    of one (an ``ImportError`` whose cause it is); None for anything else."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return 128 + int(getattr(cause, "signum", 2))  # a bare KeyboardInterrupt is Ctrl-C
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


if __name__ == "__main__":
    run()
