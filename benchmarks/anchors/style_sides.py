"""The same Gatys style transfer three ways: apophenic, neural-style-pt 0.5.7 and pystiche 1.0.1.

Each ``build_*`` returns one L-BFGS step (``max_iter=1``: one forward and backward through
VGG-19 plus the L-BFGS update), already set up: targets captured, weights loaded, the image
initialised from the content photo. Work is the same on every side: VGG-19 with max pooling,
content at ``relu4_2``, style Gram matrices at ``relu1_1 … relu5_1``, no total variation,
``size``² images, style image at the output's size. The weights come from one
torchvision-format state dict (random init: no downloads here; time does not depend on the
values). The anchors need ``shim/`` on ``sys.path`` (see README.md); :func:`use_shim` does it.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
CONTENT_LAYER = "relu4_2"
SIDES = ("apophenic", "neural-style-pt", "pystiche")


def use_shim() -> None:
    """Put the torchvision stand-in on ``sys.path`` (only a real torchvision would shadow it)."""
    shim = str(HERE / "shim")
    if shim not in sys.path:
        sys.path.append(shim)


def random_vgg19(path: Path) -> Path:
    """A torchvision-format vgg19 state dict with PyTorch's default random init (seed 0)."""
    from apophenic.plugins.core.vgg import VGG19

    if not path.exists():
        torch.manual_seed(0)
        torch.save(VGG19(classifier=True).state_dict(), path)
    return path


def photos(size: int) -> tuple[Path, Path, torch.Tensor, torch.Tensor]:
    """Content (chelsea) and style (swirls) PNGs, and both as ``1×3×size×size`` tensors in [0, 1]."""
    from apophenic.image_file import read_image
    from apophenic.plugins.style import DATA

    content, style = DATA / "chelsea.png", DATA / "swirls.png"
    as_tensor = lambda p: F.interpolate(read_image(p), size=(size, size), mode="bilinear", antialias=True, align_corners=False)  # noqa: E731
    return content, style, as_tensor(content).clamp(0, 1), as_tensor(style).clamp(0, 1)


def build_apophenic(size: int, weights: Path, device: str) -> Callable[[], None]:
    """The engine's own pipeline (vgg19 perceiver, content and style objectives, L-BFGS)."""
    from apophenic.loop import build, make_loss
    from apophenic.runs import validate_run

    content, style, _, _ = photos(size)
    data = {
        "seed": 0, "size": size, "device": device,
        "generator": {"type": "style-image", "image": str(content)},
        "perceivers": [{"type": "vgg19", "weights": str(weights), "resize": "none", "pool": "max"}],
        "objectives": [
            {"type": "content", "image": str(content), "layers": [CONTENT_LAYER]},
            {"type": "style", "image": str(style), "layers": STYLE_LAYERS, "weight": 10.0, "scale": 1.0},
        ],
        "optimizer": {"type": "lbfgs", "steps": 1_000_000, "max_iter": 1},
    }
    pipeline = build(validate_run(data, None), None)
    loss_fn = make_loss(pipeline)

    def step() -> None:
        pipeline.optimizer.step(loss_fn)
        pipeline.generator.constrain()

    return step


def build_neural_style_pt(size: int, weights: Path, device: str) -> Callable[[], None]:
    """neural-style-pt's own modules and network surgery (its ``main`` set up without argparse)."""
    use_shim()
    argv, sys.argv = sys.argv, [sys.argv[0]]  # neural_style parses the command line at import
    try:
        from neural_style import neural_style as ns
        from neural_style.loader.CaffeLoader import loadCaffemodel
    finally:
        sys.argv = argv
    from torch import nn

    _, _, content, style = photos(size)
    gpu = "c" if device == "cpu" else device.split(":")[-1] if ":" in device else "0"
    # Its Caffe-converted VGG-19 has torchvision's key layout, so the same file loads.
    link = weights.parent / "vgg19-d01eb7cb.pth"
    if not link.exists():
        link.symlink_to(weights)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints every layer
        cnn, layer_list = loadCaffemodel(str(link), "max", gpu, False)
    # As its main(): BGR 0..255 minus the Caffe mean (preprocess without torchvision).
    caffe = lambda x: (x[:, [2, 1, 0]] * 255 - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)).to(device)  # noqa: E731
    content, style = caffe(content), caffe(style)
    import copy

    cnn = copy.deepcopy(cnn)
    content_losses, style_losses = [], []
    net = nn.Sequential()
    c = r = 0
    next_content, next_style = 1, 1
    for layer in list(cnn):
        if next_content <= 1 or next_style <= len(STYLE_LAYERS):
            if isinstance(layer, nn.Conv2d):
                net.add_module(str(len(net)), layer)
                c += 1
            if isinstance(layer, nn.ReLU):
                net.add_module(str(len(net)), layer)
                if layer_list["R"][r] == CONTENT_LAYER:
                    m = ns.ContentLoss(5e0)
                    net.add_module(str(len(net)), m)
                    content_losses.append(m)
                    next_content += 1
                if layer_list["R"][r] in STYLE_LAYERS:
                    m = ns.StyleLoss(1e2)
                    net.add_module(str(len(net)), m)
                    style_losses.append(m)
                    next_style += 1
                r += 1
            if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
                net.add_module(str(len(net)), layer)
    for m in content_losses:
        m.mode = "capture"
    net(content)
    for m in content_losses:
        m.mode = "None"
    for m in style_losses:
        m.mode, m.blend_weight = "capture", 1.0
    net(style)
    for m in [*content_losses, *style_losses]:
        m.mode = "loss"
    for p in net.parameters():
        p.requires_grad = False
    img = nn.Parameter(content.clone())
    optimizer = torch.optim.LBFGS([img], max_iter=1, tolerance_change=-1, tolerance_grad=-1)

    def feval():
        optimizer.zero_grad()
        net(img)
        loss = 0
        for m in [*content_losses, *style_losses]:
            loss += m.loss
        loss.backward()
        return loss

    return lambda: optimizer.step(feval)


def build_pystiche(size: int, weights: Path, device: str) -> Callable[[], None]:
    """pystiche's Gatys example: multi-layer encoder, FeatureReconstruction + Gram losses, its optimizer."""
    use_shim()
    from pystiche import enc, loss, optim

    _, _, content, style = photos(size)
    mle = enc.vgg19_multi_layer_encoder(pretrained=False)
    state = torch.load(weights, map_location="cpu", weights_only=True)
    mle.load_state_dict({k: v for k, v in state.items() if k.startswith("features.")})
    mle.requires_grad_(False)  # pystiche leaves them trainable; frozen as the other sides
    content_loss = loss.FeatureReconstructionLoss(mle.extract_encoder(CONTENT_LAYER), score_weight=1)
    style_loss = loss.MultiLayerEncodingLoss(mle, STYLE_LAYERS, lambda encoder, w: loss.GramLoss(encoder, score_weight=w),
                                             score_weight=1e3)
    criterion = loss.PerceptualLoss(content_loss, style_loss).to(device)
    criterion.set_content_image(content.to(device))
    criterion.set_style_image(style.to(device))
    image = content.clone().to(device).requires_grad_(True)
    optimizer = optim.default_image_optimizer(image)

    def closure() -> float:
        optimizer.zero_grad()
        value = criterion(image)
        value.backward()
        return float(value)

    return lambda: optimizer.step(closure)


BUILDERS = {"apophenic": build_apophenic, "neural-style-pt": build_neural_style_pt, "pystiche": build_pystiche}
