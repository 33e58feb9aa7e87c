"""The public API that plugins code against, as text: what ``docs/plugins/API.txt`` must equal.

It lists ``apophenic.__all__``, every hook with its exact signature, and the
public methods and fields of the interface classes. A test compares this text
with the committed file, so the API cannot change without someone updating the
list on purpose (and thinking about the version number). Regenerate with::

    python -m apophenic.api > docs/plugins/API.txt
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from typing import Any

INTERFACES = (
    "apophenic.component.ComponentConfig",
    "apophenic.component.BuildContext",
    "apophenic.generator.Generator",
    "apophenic.generator.GeneratorConfig",
    "apophenic.perceiver.Perceiver",
    "apophenic.perceiver.PerceiverConfig",
    "apophenic.objective.Objective",
    "apophenic.objective.ObjectiveConfig",
    "apophenic.objective.Perception",
    "apophenic.transform.Transform",
    "apophenic.transform.TransformConfig",
    "apophenic.optimizer.Optimizer",
    "apophenic.optimizer.OptimizerConfig",
    "apophenic.optimizer.Loss",
    "apophenic.record.RunState",
    "apophenic.record.RunResult",
)
"""Classes whose public methods and fields are part of the API (the hooks hand out the last two)."""

MODULES = (
    "apophenic.build",
    "apophenic.image_file",
    "apophenic.imagenet",
    "apophenic.interrupt",
    "apophenic.loop",
    "apophenic.minilm",
    "apophenic.record",
    "apophenic.registry",
    "apophenic.runs",
    "apophenic.structured",
    "apophenic.testing",
    "apophenic.validation",
    "apophenic.weights_file",
)
"""Engine modules plugins may import whole: their public functions and classes are part of the API.

The import-linter contracts in ``pyproject.toml`` allow the built-in plugins exactly these,
the interface modules of :data:`INTERFACES`, ``apophenic.errors`` and ``apophenic.hookspecs``."""


def _annotation(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    if isinstance(annotation, str):
        return annotation.strip("'\"")
    return inspect.formatannotation(annotation)


def signature(fn: Any, name: str | None = None) -> str:
    """``name(param: type = default, ...) -> type`` with string annotations shown without quotes."""
    sig = inspect.signature(fn)
    params = []
    star_done = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star_done:
            params.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        text = prefix + p.name
        ann = _annotation(p.annotation)
        if ann:
            text += f": {ann}"
        if p.default is not inspect.Parameter.empty:
            text += f" = {p.default!r}" if ann else f"={p.default!r}"
        params.append(text)
    result = _annotation(sig.return_annotation)
    return f"{name or fn.__name__}({', '.join(params)})" + (f" -> {result}" if result else "")


def hook_signature(name: str) -> str:
    """The exact signature of hook ``name`` as it is declared in :mod:`apophenic.hookspecs`."""
    from apophenic import hookspecs

    return signature(getattr(hookspecs, name))


def hook_summary(name: str) -> str:
    """First line of the hook's docstring."""
    from apophenic import hookspecs

    return inspect.getdoc(getattr(hookspecs, name)).splitlines()[0]


def _import(dotted: str) -> Any:
    import importlib

    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _class_lines(cls: type) -> list[str]:
    bases = ", ".join(f"{b.__module__}.{b.__qualname__}" for b in cls.__bases__)
    lines = [f"class {cls.__module__}.{cls.__qualname__}({bases})"]
    fields = getattr(cls, "model_fields", None)
    if fields is not None:  # a pydantic config: its fields are preset keys
        for fname, info in fields.items():
            if fname in getattr(cls.__base__, "model_fields", {}) and cls.__base__ is not object:
                continue
            default = "required" if info.is_required() else repr(info.default)
            lines.append(f"    field {fname}: {_annotation(info.annotation)} = {default}")
    dataclass_fields = getattr(cls, "__dataclass_fields__", {})
    for fname, f in dataclass_fields.items():
        if f.default is not dataclasses.MISSING:
            default = f" = {f.default!r}"
        elif f.default_factory is not dataclasses.MISSING:
            default = " = <factory>"
        else:
            default = ""
        lines.append(f"    field {fname}: {_annotation(f.type)}{default}")
    for attr, value in sorted(vars(cls).items()):
        if attr.startswith("_") and attr not in ("__call__", "__init__"):
            continue
        if attr in dataclass_fields or (attr == "__init__" and dataclass_fields):
            continue
        if attr in ("model_config", "model_fields", "model_computed_fields"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            lines.append(f"    {type(value).__name__} {signature(value.__func__, attr)}")
        elif isinstance(value, property):
            lines.append(f"    property {attr}")
        elif inspect.isfunction(value):
            lines.append(f"    def {signature(value, attr)}")
        elif not callable(value) and not attr.startswith("_") and attr not in getattr(cls, "model_fields", {}):
            lines.append(f"    attribute {attr} = {value!r}")
    return lines


def describe() -> str:
    """The public API as stable, sorted text."""
    import apophenic
    from apophenic import hookspecs

    lines = [f"# apophenic public API (version {apophenic.__version__})", "", "## apophenic.__all__"]
    for name in sorted(apophenic.__all__):
        obj = getattr(apophenic, name)
        if inspect.isclass(obj):
            lines.append(f"{name}: class {obj.__module__}.{obj.__qualname__}")
        elif inspect.isfunction(obj):
            lines.append(f"{name}: def {signature(obj)}")
        elif callable(obj):
            lines.append(f"{name}: {type(obj).__name__}")
        else:
            lines.append(f"{name}: {type(obj).__name__}" + ("" if name == "__version__" else f" = {obj!r}"))
    lines += ["", "## hooks (apophenic.hookspecs)"]
    for name in hookspecs.hook_names():
        opts = getattr(getattr(hookspecs, name), "apophenic_spec")
        flags = [k for k in ("firstresult", "historic") if opts.get(k)]
        lines.append(f"def {hook_signature(name)}" + (f"  [{', '.join(flags)}]" if flags else ""))
    lines += ["", "## interfaces"]
    for dotted in INTERFACES:
        lines += _class_lines(_import(dotted))
    lines += ["", "## modules"]
    for dotted in MODULES:
        module = importlib.import_module(dotted)
        lines.append(f"module {dotted}")
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_") or getattr(obj, "__module__", None) != dotted:
                continue
            if inspect.isclass(obj):
                lines += ["    " + line for line in _class_lines(obj)]
            elif inspect.isfunction(obj):
                lines.append(f"    def {signature(obj)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(describe(), end="")
