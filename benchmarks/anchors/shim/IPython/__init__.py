"""A stand-in for IPython, which torch-lucent 0.1.8 imports at module level and the benchmark never calls.

``lucent.optvis.render`` (where ``hook_model`` lives) imports ``lucent.misc.io.showing``, which
does ``import IPython.display`` to show images in a notebook. IPython and its dependencies are
large and have nothing to do with the work measured, so this folder stands in. Only the
benchmark puts it on ``sys.path`` (appended: a real IPython, if installed, wins).
"""

from . import display  # noqa: F401

__version__ = "0.0-shim"
