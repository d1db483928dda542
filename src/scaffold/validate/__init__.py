"""Proving a project works: the step list, the step graph and each step's checks.

The entry point is :func:`scaffold.validate.validation.validate_project`. This package's own
module stays empty so that :mod:`scaffold.validate.steplist` imports nothing else.
"""
