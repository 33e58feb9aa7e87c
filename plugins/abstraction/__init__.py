"""The `abstraction` plugin (work in progress: registers nothing yet)."""
