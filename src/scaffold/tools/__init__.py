"""One adapter per outside tool, each on the one subprocess runner (:mod:`scaffold.tools.runner`):
uv, git, Docker and compose, the lock file, installed environments, Dockerfiles, Debian
packages, image references, Python requirements, and the machine's config file.

Nothing here knows about templates, validation or updates.
"""
