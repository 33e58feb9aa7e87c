"""The `analogy` plugin (work in progress: registers nothing yet)."""
