"""The `strokes` plugin (work in progress: registers nothing yet)."""
