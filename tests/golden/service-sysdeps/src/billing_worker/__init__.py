"""billing-worker: Bills customers, nightly."""

__version__ = "0.1.0"
