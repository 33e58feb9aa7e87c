from . import folder, utils  # noqa: F401
