"""Fixtures for the batch tests; the helpers live in batch_support (importable by that unique name)."""

from batch_support import *  # noqa: F401,F403  (fixtures are registered from this module)
