"""The conversions pystiche imports; the benchmark hands it tensors, so only these few are real."""

import enum

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


def to_tensor(pic) -> torch.Tensor:
    return torch.from_numpy(np.asarray(pic.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous()


def to_pil_image(tensor: torch.Tensor) -> Image.Image:
    array = (tensor.detach().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array)


def resize(image: torch.Tensor, size, interpolation=InterpolationMode.BILINEAR, **kwargs) -> torch.Tensor:
    mode = interpolation.value if isinstance(interpolation, InterpolationMode) else "bilinear"
    batched = image.dim() == 4
    out = F.interpolate(image if batched else image[None], size=size, mode=mode, align_corners=False if mode != "nearest" else None)
    return out if batched else out[0]


def affine(*args, **kwargs):
    raise NotImplementedError("the torchvision shim has no affine")
