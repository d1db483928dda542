"""Keeping a project in step with its template: the answers file as the project's memory
(:mod:`~scaffold.lifecycle.memory`), ``check`` and ``update``, and the three-way merges
(:mod:`~scaffold.lifecycle.merge`)."""
