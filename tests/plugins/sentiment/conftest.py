"""Fixtures for the sentiment tests; the helpers live in sentiment_support (importable by that unique name)."""

from sentiment_support import *  # noqa: F401,F403  (fixtures are registered from this module)
