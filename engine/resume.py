"""Saving and loading the state between two steps, so an interrupted run can continue.

An interrupted run (see :mod:`apophenic.interrupt`) writes ``resume.pt`` into its folder:
the generator's tensors, the optimizer's state, and every random generator the steps draw
from — the views' generator, torch's global one and CUDA's — after the last finished step.
It is written with ``torch.save`` from plain tensors and containers and read with
``weights_only=True`` (:func:`apophenic.weights_file.load_weights`), so a resume file can
hold no code. Loading it into a freshly built run and taking the remaining steps gives the
pixels an uninterrupted run gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apophenic.errors import ApophenicError

if TYPE_CHECKING:
    from apophenic.build import RunParts

STATE_FILE = "resume.pt"
STATE_FORMAT = 1


def can_resume(parts: "RunParts") -> bool:
    """Whether this run's optimizer can save its state (one with a schedule of its own cannot)."""
    return parts.optimizer.state_dict() is not None


def save_state(parts: "RunParts", step: int, path: Path) -> Path:
    """Write the state after ``step`` to ``path``."""
    import torch

    state: dict[str, Any] = {
        "format": STATE_FORMAT,
        "step": step,
        "generator": {k: v.detach().cpu().clone() for k, v in parts.generator.state_dict().items()},
        "optimizer": parts.optimizer.state_dict(),
        "views": parts.rng.get_state(),
        "torch": torch.get_rng_state(),
    }
    if parts.ctx.device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(parts.ctx.device)
    torch.save(state, path)
    return path


def load_state(parts: "RunParts", path: Path) -> int:
    """Load the state in ``path`` into freshly built ``parts``; return the step it was saved after."""
    import torch

    from apophenic.weights_file import load_weights

    state = load_weights(path, "resume state")
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ApophenicError(f"{path}: not a resume state this version of apophenic wrote")
    try:
        parts.generator.load_state_dict(state["generator"])
        parts.optimizer.load_state_dict(state["optimizer"])  # torch.optim moves its state to the parameters' device
        parts.rng.set_state(state["views"])
        torch.set_rng_state(state["torch"])
        if "cuda" in state and parts.ctx.device.type == "cuda":
            torch.cuda.set_rng_state(state["cuda"], parts.ctx.device)
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        raise ApophenicError(f"{path}: does not fit this run ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
    return int(state["step"])


@dataclass
class Interrupted:
    """An interrupted run folder ready to resume: its record and where its relative paths resolve."""

    folder: Path
    record: dict[str, Any]
    source: Path | None

    @property
    def step(self) -> int:
        """The last step done (0 for a pipeline, which stops between or inside its stages)."""
        return int(self.record.get("stopped_at", 0))


def read_interrupted(folder: Path, kinds: tuple[str, ...] = ("run", "pipeline"), need_state: bool = True) -> Interrupted:
    """The interrupted run (or pipeline) in ``folder``, or a one-line error saying why it cannot be resumed.

    :param need_state: a run must hold its saved state (a pipeline's stage may instead start again).
    """
    from apophenic import __version__
    from apophenic.record import FORMAT

    folder = Path(folder)
    path = folder / "run.json"
    if not path.is_file():
        raise ApophenicError(f"{folder}: not a run folder (no run.json)")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ApophenicError(f"{path}: unreadable ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ApophenicError(f"{path}: format {record.get('format') if isinstance(record, dict) else '?'!r}, "
                             f"this apophenic reads format {FORMAT}")
    if record.get("status") != "interrupted":
        raise ApophenicError(f"{path}: status {record.get('status', 'finished')!r}: only an interrupted run can be resumed")
    kind = record.get("kind")
    if kind not in kinds:
        raise ApophenicError(f"{path}: a {kind!r} folder; only {' or '.join(repr(k) for k in kinds)} folders can be resumed")
    made_by = (record.get("versions") or {}).get("apophenic")
    if made_by != __version__:
        raise ApophenicError(f"{path}: written by apophenic {made_by}, this is {__version__}; "
                             "a run resumes only with the version that started it")
    if not isinstance(record.get("config"), dict):
        raise ApophenicError(f"{path}: has no `config`")
    if kind == "run":
        if need_state and not (folder / STATE_FILE).is_file():
            raise ApophenicError(f"{folder}: has no {STATE_FILE} (its optimizer cannot resume); rerun it instead")
        if not isinstance(record.get("stopped_at"), int):
            raise ApophenicError(f"{path}: has no `stopped_at` step")
    source = record.get("source")
    return Interrupted(folder, record, Path(source) if isinstance(source, str) else None)
