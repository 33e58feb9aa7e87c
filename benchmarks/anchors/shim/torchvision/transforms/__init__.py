"""Names neural-style-pt imports at module level (its preprocess is not used by the benchmark)."""

from . import functional  # noqa: F401


class _Unused:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("the torchvision shim has no transforms; the benchmark passes tensors")


Compose = Resize = ToTensor = ToPILImage = Normalize = Lambda = _Unused
