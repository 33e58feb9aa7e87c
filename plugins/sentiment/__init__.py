"""The `sentiment` plugin (work in progress: registers nothing yet)."""
