model_urls = {"alexnet": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"}


def alexnet(*args, **kwargs):
    raise NotImplementedError("the torchvision shim provides VGG only")
