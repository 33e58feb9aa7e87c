"""Example for ``on_step``: log the loss of every step to ``loss.csv`` in the run folder."""

# --8<-- [start:example]
from apophenic import hookimpl


@hookimpl
def on_step(state):
    # state.folder is the run's folder while it is being written (it is renamed
    # into place when the run finishes), so files written here end up in the run.
    path = state.folder / "loss.csv"
    if state.step == 1:
        path.write_text("step,loss\n")
    with path.open("a") as f:
        f.write(f"{state.step},{state.loss:.6f}\n")
# --8<-- [end:example]
