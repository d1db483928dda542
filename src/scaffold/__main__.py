"""``python -m scaffold``, and the console scripts' entry point (:func:`run`).

Nothing is imported here before the ``try``: Ctrl-C while the CLI and its libraries load (the
first tenth of a second) is an interrupt like any other, one line and exit 130, never a
traceback. SIGTERM and SIGHUP in that time end the process the default way, which a shell
reports as 128 + the signal's number; nothing has been written by then.
"""

import sys


def run() -> None:
    try:
        from scaffold.cli import main  # noqa: PLC0415 - inside the try, see above
    except BaseException as exc:
        if not _interrupted(exc):
            raise
        # Written by hand: the modules that would write it may be what was interrupted.
        if "--json" in sys.argv[1:]:
            sys.stdout.write(
                '{"schema_version": 1, "ok": false, "exit_code": 130, "error": "interrupted", '
                '"hint": null}\n'
            )
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    main()


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is Ctrl-C, or what Python's import machinery made of it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


if __name__ == "__main__":
    run()
