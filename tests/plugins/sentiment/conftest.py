"""Fixtures for the sentiment tests; the helpers live in sentiment_support (importable by that unique name)."""

from sentiment_support import *
