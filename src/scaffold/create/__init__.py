"""Creating a project: names, the checked spec, answers and presets, the template, its render
and the all-or-nothing write, then the first steps (``uv lock``, ``git init``).

The entry point is :func:`scaffold.create.new.new_project`; teams' copier templates go through
:mod:`scaffold.create.copier`, and every template, built-in at a version or copier at a commit,
renders through :mod:`scaffold.create.source`.
"""
