"""Example for ``register_presets``: ship TOML presets inside the plugin."""

# --8<-- [start:example]
from pathlib import Path

from apophenic import hookimpl


@hookimpl
def register_presets(register):
    # A folder registers every *.toml in it; the file stem is the preset's name.
    register(Path(__file__).parent / "presets")
# --8<-- [end:example]
