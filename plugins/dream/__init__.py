"""The `dream` plugin (work in progress: registers nothing yet)."""
