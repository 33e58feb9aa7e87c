"""Names neural-style-pt and lucent import at module level (their preprocess and normalize are not used by the benchmarks)."""

from . import functional  # noqa: F401


class _Unused:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("the torchvision shim has no transforms; the benchmark passes tensors")


Compose = Resize = ToTensor = ToPILImage = Normalize = Lambda = _Unused
