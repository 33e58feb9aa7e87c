"""A third-party plugin with one component of every kind, written against the public API only.

Its imports are the proof: ``apophenic`` (``__all__``), the interface modules and the
public modules listed in ``docs/plugins/API.txt`` — nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
import typer
from pydantic import Field

from apophenic import (
    LOGITS,
    Generator,
    GeneratorConfig,
    Objective,
    ObjectiveConfig,
    Optimizer,
    OptimizerConfig,
    Perceiver,
    PerceiverConfig,
    Transform,
    TransformConfig,
    hookimpl,
    read_image,
    run_preset,
)
from apophenic.imagenet import class_names, match_class
from apophenic.record import RunRecord, folder_name, run_folder


class SoftPixels(Generator):
    """Pixels through a sigmoid whose sharpness follows the run's progress."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = torch.nn.Parameter(logits)
        self.sharpness = 1.0
        self.progress_seen: list[float] = []

    def render(self) -> torch.Tensor:
        return torch.sigmoid(self.sharpness * self.logits)

    def set_progress(self, fraction: float) -> None:
        self.progress_seen.append(fraction)
        self.sharpness = 1.0 + fraction


class SoftPixelsConfig(GeneratorConfig):
    """Soft pixels, optionally starting from a picture."""

    type: Literal["soft-pixels"] = "soft-pixels"
    start: str | None = Field(None, description="A PNG to start from (set by pipelines).")
    batch: int = Field(1, ge=1, le=4, description="Pictures optimized together.")

    def build(self, ctx) -> Generator:
        if self.start is not None:
            picture = read_image(ctx.resolve(self.start)).clamp(0.02, 0.98)
            picture = torch.nn.functional.interpolate(picture, size=ctx.size, mode="bilinear", align_corners=False)
            logits = torch.log(picture / (1 - picture)).repeat(self.batch, 1, 1, 1)
        else:
            logits = 0.1 * torch.randn(self.batch, 3, *ctx.size, generator=ctx.random(1))
        return SoftPixels(logits).to(ctx.device)

    def continue_from(self, folder: Path) -> "SoftPixelsConfig":
        return self.model_copy(update={"start": str(folder / "final.png")})


class PooledClassifier(Perceiver):
    """A seeded random classifier over pooled colour statistics: 1000 ImageNet logits."""

    labels = class_names()

    def __init__(self, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        network = torch.nn.Sequential()
        network.add_module("pool", torch.nn.AdaptiveAvgPool2d(4))
        network.add_module("flat", torch.nn.Flatten())
        head = torch.nn.Linear(48, 1000)
        head.weight.data = torch.randn(1000, 48, generator=g)
        head.bias.data.zero_()
        network.add_module("head", head)
        super().__init__(network)
        self.aliases = {"deep": "pool"}


class PooledClassifierConfig(PerceiverConfig):
    """A random pooled-colour classifier with ImageNet labels."""

    type: Literal["pooled-classifier"] = "pooled-classifier"
    seed: int = Field(0, ge=0, description="Seed of its random head.")

    def build(self, ctx) -> Perceiver:
        return PooledClassifier(self.seed).to(ctx.device)


class ClassByMeanConfig(ObjectiveConfig):
    """The target's logit minus the mean logit."""

    type: Literal["class-by-mean"] = "class-by-mean"
    target: str = Field(description="An ImageNet class.")

    def class_targets(self) -> list[int]:
        return [match_class(self.target)]

    def build(self, ctx) -> Objective:
        names = self.read_perceivers(ctx, classifiers_only=True)
        self.check_layer(ctx, names, "deep")
        index = match_class(self.target)

        def score(perception) -> torch.Tensor:
            return perception.mean(lambda f: (f[LOGITS][:, index] - f[LOGITS].mean(1)).mean(), names)

        return Objective(score, f"{self.target} over the mean", needs={(n, LOGITS) for n in names})


class Mirror(Transform):
    description = "mirror"

    def __call__(self, images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        flip = (torch.rand(images.shape[0], generator=rng) < 0.5).to(images.device)
        return torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)


class MirrorConfig(TransformConfig):
    """Mirror half the views."""

    type: Literal["mirror"] = "mirror"

    def build(self, ctx) -> Transform:
        return Mirror()


class TwoPhase(Optimizer):
    """Adam at ``lr`` for the first half of the run, ``lr / 10`` after: its own schedule over the default loop."""

    def __init__(self, params, lr: float) -> None:
        self.adam = torch.optim.Adam(params, lr=lr)
        self.lr = lr

    def step(self, loss_fn) -> float:
        self.adam.zero_grad()
        loss = loss_fn()
        loss.backward()
        self.adam.step()
        return float(loss)

    def run_steps(self, parts, loss_fn, after_step, first=1, last=None) -> None:
        half = parts.steps // 2
        end = parts.steps if last is None else last
        if first <= half:
            super().run_steps(parts, loss_fn, after_step, first, min(half, end))
        for group in self.adam.param_groups:
            group["lr"] = self.lr / 10
        if end > half:
            super().run_steps(parts, loss_fn, after_step, max(first, half + 1), end)


class TwoPhaseConfig(OptimizerConfig):
    """Adam with a learning-rate drop halfway."""

    type: Literal["two-phase"] = "two-phase"
    lr: float = Field(0.1, gt=0, le=10, description="Learning rate of the first half.")

    def build(self, params, ctx) -> Optimizer:
        return TwoPhase(params, self.lr)


@hookimpl
def register_generators(register):
    register(SoftPixelsConfig)


@hookimpl
def register_perceivers(register):
    register(PooledClassifierConfig)


@hookimpl
def register_objectives(register):
    register(ClassByMeanConfig)


@hookimpl
def register_transforms(register):
    register(MirrorConfig)


@hookimpl
def register_optimizers(register):
    register(TwoPhaseConfig)


@hookimpl
def register_presets(register):
    register(Path(__file__).parent / "presets")


every_kind = typer.Typer(help="The every-kind plugin's commands.")


@every_kind.command("draw")
def draw(target: str = typer.Argument(..., help="An ImageNet class."),
         out: Path = typer.Option(Path("apophenic-out"), "--out", help="Output folder.")) -> None:
    """Run the demo preset for TARGET from code, then write a summary folder of our own."""
    result = run_preset("every-kind-demo", overrides=[f'objectives[0].target="{target}"'], out=out)
    held = [s for s in result.record["scores"] if s["held_out"]]
    with run_folder(out, folder_name("every-kind-summary", {"from": result.folder.name})) as folder:
        folder.save_png(result.images, "final.png")
        folder.write(RunRecord(kind="every-kind-summary", config={"target": target}, scores=held))
    typer.echo(f"{result.folder} {folder.final}")


@hookimpl
def register_commands(cli):
    cli.add_typer(every_kind, name="every-kind")
