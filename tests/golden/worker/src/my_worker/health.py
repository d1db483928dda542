"""The heartbeat: the loop touches a file on every turn. The container's HEALTHCHECK runs this
module, which exits 0 while the file is fresh and 1 when it is not."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

# A turn of the loop takes at most about a second while idle, or as long as one job: a job
# that may run longer than this needs a higher value, or must be split.
STALE_AFTER = 30.0
# The heartbeat file: this variable, or a file in the temporary folder (/tmp in the container).
HEARTBEAT_VARIABLE = "MY_WORKER_HEARTBEAT"
HEARTBEAT_NAME = "my-worker.heartbeat"


def heartbeat_file() -> Path:
    default = Path(tempfile.gettempdir()) / HEARTBEAT_NAME
    return Path(os.environ.get(HEARTBEAT_VARIABLE, default))


def beat(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def is_fresh(path: Path, stale_after: float = STALE_AFTER) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < stale_after


def main() -> int:
    path = heartbeat_file()
    if is_fresh(path):
        return 0
    print(f"no heartbeat in {path} for {STALE_AFTER:.0f} s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
