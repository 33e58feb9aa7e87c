"""``apophenic plugins new``: write a ready plugin package that passes its own test out of the box.

The package is a folder named after the plugin with a short ``pyproject.toml``
(entry point in the ``apophenic`` group), a module with a small working
component of the chosen kind, a preset that uses it, and a test. The newcomer
path is three commands::

    apophenic plugins new demo
    pip install -e demo
    apophenic run demo
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from apophenic.errors import ApophenicError

SCAFFOLD_KINDS = ("generator", "perceiver", "objective")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

PYPROJECT = """\
[project]
name = "apophenic-__NAME__"
version = "0.1.0"
description = "An apophenic plugin: the __NAME__ __KIND__."
dependencies = ["apophenic"]

[project.entry-points.apophenic]
__NAME__ = "__MODULE__"

[tool.setuptools.package-data]
__MODULE__ = ["presets/*.toml"]
"""

README = """\
# apophenic-__NAME__

An [apophenic](https://pypi.org/project/apophenic/) plugin that adds the
`__NAME__` __KIND__ and a preset of the same name.

```console
pip install -e .
apophenic plugins          # __NAME__ is listed, status ok
apophenic run __NAME__     # writes apophenic-out/__NAME__-<hash>/final.png
python -m pytest tests     # the plugin's own tests
```

Edit `__MODULE__/__KIND__.py` (the __KIND__; `__init__.py` registers it); the plugin authors' guide is `docs/plugins/`
in the apophenic repository (tutorial, one page per hook, testing).
"""

PACKAGE = '''\
"""The __NAME__ plugin: registers the __NAME__ __KIND__ (in `__KIND__.py`) and its preset.

The hook imports the __KIND__ inside its body: apophenic calls it only when a run needs
components, so `apophenic --help` and `apophenic presets` stay quick (no torch) with this
plugin installed.
"""

from __future__ import annotations

from pathlib import Path

from apophenic import hookimpl


@hookimpl
def register___KIND__s(register):
    from __MODULE__.__KIND__ import __CLASS__Config

    register(__CLASS__Config)


@hookimpl
def register_presets(register):
    register(Path(__file__).parent / "presets")
'''

MODULES = {
    "generator": '''\
"""The __NAME__ generator: a coarse grid of colours, upsampled smoothly (replace it with your own)."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from apophenic import BuildContext, Generator, GeneratorConfig


class __CLASS__(Generator):
    """Learnable colour cells; ``render`` upsamples them to the run's size."""

    def __init__(self, cells: torch.Tensor, size: tuple[int, int]) -> None:
        super().__init__()
        self.cells = nn.Parameter(cells)  # B×3×rows×cols, logits of RGB
        self.size = size

    def render(self) -> torch.Tensor:
        """A batch ``B×3×H×W`` in ``[0, 1]``, differentiable with respect to ``self.cells``."""
        up = F.interpolate(self.cells, size=self.size, mode="bicubic", align_corners=False)
        return torch.sigmoid(up)


class __CLASS__Config(GeneratorConfig):
    """A coarse grid of colours, upsampled smoothly (the __NAME__ plugin)."""

    type: Literal["__NAME__"] = "__NAME__"
    batch: int = Field(1, ge=1, le=64, description="Number of images optimized together.")
    cells: int = Field(16, ge=1, le=512, description="Cells along the longer side; fewer cells, smoother images.")

    def build(self, ctx: BuildContext) -> Generator:
        h, w = ctx.size
        rows = max(1, round(self.cells * h / max(h, w)))
        cols = max(1, round(self.cells * w / max(h, w)))
        noise = 0.1 * torch.randn(self.batch, 3, rows, cols, generator=ctx.random(salt=1))
        return __CLASS__(noise, ctx.size).to(ctx.device)

''',
    "perceiver": '''\
"""The __NAME__ perceiver: a small frozen CNN with seeded random weights (replace it with your own network)."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field
from torch import nn

from apophenic import BuildContext, Perceiver, PerceiverConfig


def network(channels: int, seed: int) -> nn.Sequential:
    """Three conv layers and a pool; the named children are the layers objectives can read."""
    torch_rng = torch.Generator().manual_seed(seed)
    net = nn.Sequential()
    net.add_module("conv1", nn.Conv2d(3, channels, 5, stride=2, padding=2))
    net.add_module("relu1", nn.ReLU())
    net.add_module("conv2", nn.Conv2d(channels, channels, 3, stride=2, padding=1))
    net.add_module("relu2", nn.ReLU())
    net.add_module("conv3", nn.Conv2d(channels, channels, 3, stride=2, padding=1))
    net.add_module("pool", nn.AdaptiveAvgPool2d(1))
    for module in net.modules():
        if isinstance(module, nn.Conv2d):
            fan_in = module.weight[0].numel()
            module.weight.data = torch.randn(module.weight.shape, generator=torch_rng) * (2 / fan_in) ** 0.5
            module.bias.data.zero_()
    return net


class __CLASS__(Perceiver):
    """A frozen random CNN: layers ``conv1`` ... ``pool``; aliases shallow, mid, deep."""

    def __init__(self, channels: int, seed: int) -> None:
        super().__init__(network(channels, seed))  # the base class freezes it and taps its layers
        self.aliases = {"shallow": "relu1", "mid": "relu2", "deep": "conv3"}

    def normalize(self, images: torch.Tensor) -> torch.Tensor:
        return images - 0.5


class __CLASS__Config(PerceiverConfig):
    """A small frozen CNN with seeded random weights (the __NAME__ plugin)."""

    type: Literal["__NAME__"] = "__NAME__"
    channels: int = Field(32, ge=1, le=1024, description="Filters per layer.")
    seed: int = Field(0, ge=0, description="Seed of the random weights (independent of the run's seed).")

    def build(self, ctx: BuildContext) -> Perceiver:
        return __CLASS__(self.channels, self.seed).to(ctx.device)

''',
    "objective": '''\
"""The __NAME__ objective: make classifiers see any of several ImageNet classes (replace it with your own score)."""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from apophenic import LOGITS, BuildContext, Objective, ObjectiveConfig


class __CLASS__Config(ObjectiveConfig):
    """Log of the total probability of a set of ImageNet classes (the __NAME__ plugin)."""

    type: Literal["__NAME__"] = "__NAME__"
    targets: list[str] = Field(["goldfish", "tench", "coho"], min_length=1,
                               description="ImageNet class names; any of them counts.")

    def class_targets(self) -> list[int]:
        """The classes run.json scores on every classifier, held-out ones included."""
        from apophenic.imagenet import match_class

        return [match_class(name) for name in self.targets]  # unknown names: an error with suggestions

    def build(self, ctx: BuildContext) -> Objective:
        indices = self.class_targets()
        # The optimized classifiers to read; an unknown or held-out name in `perceivers` is a one-line error.
        names = self.read_perceivers(ctx, classifiers_only=True)

        def score(perception) -> torch.Tensor:
            return perception.mean(lambda f: f[LOGITS].log_softmax(-1)[:, indices].logsumexp(-1).mean(), names)

        # Returned unweighted: the engine multiplies by `weight`.
        return Objective(score, f"any of {', '.join(self.targets)}", needs={(n, LOGITS) for n in names})

''',
}

PRESETS = {
    "generator": """\
description = "The __NAME__ generator, seen as a goldfish by EfficientNet-Lite0"
seed = 0
size = 128
augmentations = 2

[generator]
type = "__NAME__"

[[perceivers]]
type = "efficientnet-lite0"

[[objectives]]
type = "class"
target = "goldfish"

[[transforms]]
type = "jitter"
pixels = 8

[optimizer]
type = "adam"
lr = 0.05
steps = 40
""",
    "perceiver": """\
description = "A Fourier image that excites the deep layer of the __NAME__ perceiver"
seed = 0
size = 128

[generator]
type = "fourier"

[[perceivers]]
type = "__NAME__"

[[objectives]]
type = "layer"
layer = "deep"

[[transforms]]
type = "jitter"
pixels = 4

[optimizer]
type = "adam"
lr = 0.05
steps = 40
""",
    "objective": """\
description = "A Fourier image that EfficientNet-Lite0 sees as some fish (the __NAME__ objective)"
seed = 0
size = 128
augmentations = 2

[generator]
type = "fourier"

[[perceivers]]
type = "efficientnet-lite0"

[[objectives]]
type = "__NAME__"

[[transforms]]
type = "jitter"
pixels = 8

[optimizer]
type = "adam"
lr = 0.05
steps = 40
""",
}

TEST_COMMON = '''\
"""Tests of the __NAME__ plugin: it loads like any plugin, its __KIND__ works, its preset runs."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
import torch

import __MODULE__
from apophenic import BuildContext
from apophenic.testing import plugin_registry


@pytest.fixture
def registry():
    """The built-in core plugin plus this one, loaded as apophenic loads any plugin (an installed copy stays out)."""
    return plugin_registry("__NAME__", __MODULE__)


def test_preset_runs(registry, tmp_path):
    from apophenic.runs import apply_overrides, read_preset, run_data

    preset = registry.preset_path("__NAME__")
    data = apply_overrides(read_preset(preset), ["size=48", "optimizer.steps=2", "augmentations=1"])
    result = run_data(data, preset, tmp_path, registry=registry)
    assert (result.folder / "final.png").is_file()
    assert result.images.shape == (1, 3, 48, 48)
'''

TESTS = {
    "generator": '''

def test_renders_images_in_range_with_gradients(registry):
    generator = registry.config("generator", "__NAME__")(batch=2).build(BuildContext(size=(32, 48)))
    images = generator.render()
    assert images.shape == (2, 3, 32, 48)
    assert 0 <= float(images.min().detach()) and float(images.max().detach()) <= 1
    images.mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in generator.parameters())


def test_same_seed_same_image(registry):
    config = registry.config("generator", "__NAME__")()
    a, b, c = (config.build(BuildContext(seed=s, size=(16, 16))).render() for s in (1, 1, 2))
    assert torch.equal(a, b) and not torch.equal(a, c)
''',
    "perceiver": '''

def test_exposes_layers_and_passes_gradients(registry):
    perceiver = registry.config("perceiver", "__NAME__")(channels=8).build(BuildContext())
    assert perceiver.layer_names()[:2] == ["conv1", "relu1"]
    images = torch.rand(2, 3, 32, 32, requires_grad=True)
    features = perceiver.perceive(images, ["deep", "pool"])
    assert features["deep"].shape == (2, 8, 4, 4) and features["pool"].shape == (2, 8, 1, 1)
    features["deep"].pow(2).mean().backward()
    assert images.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in perceiver.parameters())  # frozen: only images are optimized


def test_same_seed_same_weights(registry):
    config = registry.config("perceiver", "__NAME__")
    images = torch.rand(1, 3, 16, 16)
    a, b = (config(seed=3).build(BuildContext()).perceive(images, ["pool"])["pool"] for _ in range(2))
    assert torch.equal(a, b)
''',
    "objective": '''

def _with_a_classifier() -> BuildContext:
    """A build context whose run has one optimized classifier, "p" (1000 labelled outputs)."""
    from apophenic import Perceiver

    classifier = Perceiver(torch.nn.Flatten())
    classifier.labels = [str(i) for i in range(1000)]
    return BuildContext(perceivers={"p": classifier})


def test_score_is_a_log_probability_that_rises_with_the_targets(registry):
    from apophenic.objective import Perception

    objective = registry.config("objective", "__NAME__")(targets=["goldfish"]).build(_with_a_classifier())
    logits = torch.zeros(1, 1000)
    flat = objective(Perception(torch.zeros(1, 3, 8, 8), {"p": {"logits": logits}}, {"p": 1.0}))
    logits[0, 1] = 5.0  # index 1 is goldfish
    fish = objective(Perception(torch.zeros(1, 3, 8, 8), {"p": {"logits": logits}}, {"p": 1.0}))
    assert float(flat) < float(fish) <= 0


def test_unknown_class_is_an_error(registry):
    from apophenic.errors import ApophenicError

    with pytest.raises(ApophenicError):
        registry.config("objective", "__NAME__")(targets=["not a class at all"]).build(BuildContext())
''',
}


def module_name(name: str) -> str:
    """The import name of plugin ``name``: ``apophenic_<name>`` with hyphens as underscores."""
    return "apophenic_" + name.replace("-", "_")


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", name))


def _fill(template: str, name: str, kind: str) -> str:
    for key, value in (("__MODULE__", module_name(name)), ("__CLASS__", _class_name(name)),
                       ("__NAME__", name), ("__KIND__", kind)):
        template = template.replace(key, value)
    return template


def files(name: str, kind: str) -> dict[str, str]:
    """Relative path -> content of every file of a new plugin package."""
    module = module_name(name)
    return {
        "pyproject.toml": _fill(PYPROJECT, name, kind),
        "README.md": _fill(README, name, kind),
        f"{module}/__init__.py": _fill(PACKAGE, name, kind),
        f"{module}/{kind}.py": _fill(MODULES[kind], name, kind),
        f"{module}/presets/{name}.toml": _fill(PRESETS[kind], name, kind),
        f"tests/test_{module}.py": _fill(TEST_COMMON + TESTS[kind], name, kind),
    }


def check_name(name: str, kind: str, registry=None) -> None:
    """An :class:`ApophenicError` unless ``name`` is a fresh, valid plugin name for ``kind``."""
    if kind not in SCAFFOLD_KINDS:
        raise ApophenicError(f"--kind {kind!r}: expected one of {', '.join(SCAFFOLD_KINDS)}")
    if not NAME.match(name) or len(name) > 40:
        raise ApophenicError(f"plugin name {name!r}: expected lowercase letters and digits, words joined by '-' "
                             "(e.g. 'demo' or 'soft-blobs'), starting with a letter, at most 40 characters")
    if registry is None:
        return
    if name in registry.plugins:
        raise ApophenicError(f"plugin name {name!r} is taken by an installed plugin (see: apophenic plugins)")
    taken = registry.components[kind].get(name)
    if taken is not None:
        raise ApophenicError(f"{kind} {name!r} is already registered by plugin {taken.plugin!r}; choose another name")
    if name in registry.presets:
        raise ApophenicError(f"preset {name!r} is already registered by plugin {registry.presets[name][1]!r}; "
                             "choose another name")


def scaffold(name: str, kind: str = "generator", parent: Path = Path("."), registry=None) -> Path:
    """Write the package ``parent/name/`` and return its folder; nothing is written if anything is wrong.

    :param registry: when given, names already taken by installed plugins are refused.
    """
    check_name(name, kind, registry)
    parent = Path(parent)
    folder = parent / name
    if folder.exists():
        raise ApophenicError(f"{folder}: already exists; choose another name or --dir")
    if not parent.is_dir():
        raise ApophenicError(f"{parent}: no such folder")
    # Write into a hidden temporary folder beside the target, then rename: all or nothing.
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=parent))
    try:
        for rel, text in files(name, kind).items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; the package is an ordinary folder
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder
