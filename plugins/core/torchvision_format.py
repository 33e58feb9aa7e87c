"""Torchvision-format models: find the checkpoint the user already has, and normalize as they were trained."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from apophenic.errors import ApophenicError
from apophenic.weights_file import load_weights


def torch_cache_folder() -> Path:
    """Torch's checkpoint cache: ``$TORCH_HOME/hub/checkpoints`` (default ``~/.cache/torch/hub/checkpoints``)."""
    # torch.hub.get_dir honours TORCH_HOME and XDG_CACHE_HOME without touching the network.
    return Path(torch.hub.get_dir()) / "checkpoints"


def find_checkpoint(stem: str, weights: str | Path | None, what: str) -> Path:
    """The state-dict file for ``what``: ``weights`` if given, else ``<cache>/<stem>-*.pth``.

    :param stem: torchvision's file prefix, e.g. ``"vgg19"`` (matches ``vgg19-dcbb9e9d.pth``).
    :param weights: a path the user named, or ``None`` to look in torch's cache.
    :param what: the model's name for the error message.
    """
    if weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise ApophenicError(f"{what} weights file {str(path)!r} does not exist (expected a torchvision-format .pth state dict)")
        return path
    folder = torch_cache_folder()
    # Exact torchvision names sort before variants like vgg19_bn-*.pth, which have another architecture.
    found = sorted(p for p in folder.glob(f"{stem}-*.pth") if p.is_file())
    if not found:
        raise ApophenicError(
            f"{what} weights not found: put torchvision's {stem}-<hash>.pth in {folder}/ "
            f"or name the file with weights = \"path\" in the perceiver config"
        )
    return found[0]


def load_state_dict(path: Path, what: str, mmap: bool = False) -> dict[str, torch.Tensor]:
    """A plain state dict from ``path`` (``weights_only=True``), or a one-line error.

    :param mmap: map the file instead of reading it, so tensors never touched cost no memory.
    """
    state = load_weights(path, f"{what} weights file", mmap=mmap)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ApophenicError(f"{what} weights file {str(path)!r} holds a {type(state).__name__}, expected a state dict")
    return state


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def fill_model(make: "Callable[[], torch.nn.Module]", state: dict[str, torch.Tensor], path: Path, what: str, arch: str) -> torch.nn.Module:
    """Build ``make()`` on the meta device and fill it from ``state`` (no random init that is overwritten).

    A state dict of another architecture is a one-line error naming the file.
    """
    with torch.device("meta"):
        model = make()
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise ApophenicError(f"{what} weights file {str(path)!r} is not a torchvision {arch} state dict ({first})") from None
    return model.eval()


def imagenet_normalize(images: torch.Tensor) -> torch.Tensor:
    """``[0, 1]`` RGB to the ImageNet mean/std normalization torchvision models were trained with."""
    mean = images.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = images.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (images - mean) / std
