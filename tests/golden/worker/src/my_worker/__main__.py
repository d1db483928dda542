"""The entry point of ``python -m``: run the worker until SIGTERM or SIGINT."""

import sys

from my_worker.worker import main

if __name__ == "__main__":
    sys.exit(main())
