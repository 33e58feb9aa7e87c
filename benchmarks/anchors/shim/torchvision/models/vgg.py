"""torchvision's VGG (configurations A, B, D, E), without pretrained downloads."""

import torch
from torch import nn

_CFGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
model_urls = {f"{a}{bn}": f"https://download.pytorch.org/models/{a}{bn}.pth" for a in _CFGS for bn in ("", "_bn")}


class VGG(nn.Module):
    def __init__(self, features: nn.Module, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def _features(cfg, batch_norm: bool) -> nn.Sequential:
    layers, channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers.append(nn.Conv2d(channels, v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            channels = v
    return nn.Sequential(*layers)


def _builder(arch: str, batch_norm: bool):
    def build(pretrained: bool = False, progress: bool = True, num_classes: int = 1000, **kwargs) -> VGG:
        if pretrained:
            raise RuntimeError("the torchvision shim downloads nothing: load a state dict yourself")
        return VGG(_features(_CFGS[arch], batch_norm), num_classes=num_classes)

    return build


vgg11, vgg11_bn = _builder("vgg11", False), _builder("vgg11", True)
vgg13, vgg13_bn = _builder("vgg13", False), _builder("vgg13", True)
vgg16, vgg16_bn = _builder("vgg16", False), _builder("vgg16", True)
vgg19, vgg19_bn = _builder("vgg19", False), _builder("vgg19", True)
