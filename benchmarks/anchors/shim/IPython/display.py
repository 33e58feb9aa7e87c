"""``IPython.display`` names lucent's notebook helpers use; they raise if called (the benchmark never shows images)."""


def _unused(*args, **kwargs):
    raise NotImplementedError("the IPython shim cannot display; the benchmark does not show images")


display = HTML = Image = _unused
