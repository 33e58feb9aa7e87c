"""torchvision.models.VGG and the vgg builders, layer for layer as torchvision defines them."""

from .alexnet import alexnet  # noqa: F401
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn  # noqa: F401
