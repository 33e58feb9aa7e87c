"""A tiny stand-in for the parts of torchvision that pystiche 1.0.1, neural-style-pt and torch-lucent 0.1.8 import.

torchvision cannot be installed beside torch 2.13 here (its wheels pull another torch), and the
anchors only need: the VGG architecture (weights come from a state-dict file we load ourselves),
a few image conversions, and names imported at module level that the benchmark never calls.
Only the benchmark puts this folder on ``sys.path``; nothing in apophenic sees it.
"""

from . import datasets, models, transforms  # noqa: F401

__version__ = "0.0-shim"
