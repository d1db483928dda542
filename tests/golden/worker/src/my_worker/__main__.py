"""Run the worker until SIGTERM or SIGINT: ``python -m`` with this package's name."""

import sys

from my_worker.worker import main

if __name__ == "__main__":
    sys.exit(main())
