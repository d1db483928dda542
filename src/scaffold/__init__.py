"""scaffold: create Python service repositories from templates, and prove they work.

The public API is small: :func:`scaffold.create.new.new_project` creates a project and
:func:`scaffold.validate.validation.validate_project` proves one works. Neither prints
anything; the CLI in :mod:`scaffold.cli` turns their reports into output and exit codes.
"""

__version__ = "0.2.0"
# The name on the package index (the index's "scaffold" is an unrelated project).
DISTRIBUTION = "scaffold-proven"
