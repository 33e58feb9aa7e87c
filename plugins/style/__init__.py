"""The `style` plugin (work in progress: registers nothing yet)."""
