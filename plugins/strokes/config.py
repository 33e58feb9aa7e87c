"""The ``strokes`` generator config: the drawing discipline a scene must keep."""

from __future__ import annotations

from pathlib import Path

from typing import Literal

from pydantic import Field, field_validator, model_validator

from apophenic.errors import ApophenicError
from apophenic.generator import Generator, GeneratorConfig
from apophenic.renderers.colors import PRIMARY_COLOURS, parse_color

Style = Literal["free", "line-only", "blob-only", "mondrian"]
#: Primitive counts a style draws when the config leaves them unset: (strokes, blobs, rectangles).
STYLE_COUNTS: dict[str, tuple[int, int, int]] = {
    "free": (32, 0, 0),
    "line-only": (32, 0, 0),
    "blob-only": (0, 16, 0),
    "mondrian": (0, 0, 12),
}
#: Which kinds a style allows.
STYLE_KINDS: dict[str, tuple[bool, bool, bool]] = {
    "free": (True, True, True),
    "line-only": (True, False, False),
    "blob-only": (False, True, False),
    "mondrian": (False, False, True),
}


def _range(value: tuple[float, float], name: str) -> tuple[float, float]:
    lo, hi = value
    if lo > hi:
        raise ValueError(f"{name} range [{lo}, {hi}] has min > max")
    return value


class StrokesConfig(GeneratorConfig):
    """A drawing of Bézier strokes, blobs and rectangles under a style's constraints; exports SVG."""

    type: Literal["strokes"] = "strokes"
    style: Style = Field("free", description="Drawing discipline: free, line-only (strokes), blob-only (filled shapes), mondrian (axis-aligned rectangles, primary colours unless a palette is given).")
    batch: int = Field(1, ge=1, le=64, description="Number of drawings optimized together.")
    strokes: int | None = Field(None, ge=0, le=4096, description="Number of strokes (default: 32 for free and line-only, else 0).")
    blobs: int | None = Field(None, ge=0, le=1024, description="Number of filled blobs (default: 16 for blob-only, else 0).")
    rectangles: int | None = Field(None, ge=0, le=1024, description="Number of filled rectangles (default: 12 for mondrian, else 0).")
    segments: int = Field(2, ge=1, le=16, description="Cubic Bézier segments per stroke: the most bends a stroke can make.")
    blob_segments: int = Field(4, ge=2, le=16, description="Cubic Bézier segments around each blob.")
    max_segment_length: float | None = Field(
        0.35, gt=0, le=2, description="Longest stroke segment as a fraction of the canvas's short side (bounds length and curvature); none: unbounded."
    )
    width: tuple[float, float] = Field((1.5, 8.0), description="Stroke width range [min, max] in pixels at the run's size.")
    blob_size: tuple[float, float] = Field((0.05, 0.2), description="Blob radius range [min, max] as a fraction of the canvas's short side.")
    rect_start_size: tuple[float, float] | None = Field(
        None, description="Half-size range [min, max] of the random starting rectangles as a fraction of the short side; none: corners anywhere (large, overlapping rectangles)."
    )
    rect_min_size: float = Field(
        0.0, ge=0, le=256, description="Shortest rectangle side in pixels at the run's size; a narrower rectangle widens about its centre (no hairline slivers). 0: no minimum."
    )
    softness: tuple[float, float] = Field((0.0, 0.0), description="Blob edge blur range [min, max] in pixels (Gaussian deviation; 0 is a hard edge).")
    opacity: tuple[float, float] = Field((0.5, 1.0), description="Opacity range [min, max] of every primitive, within [0, 1].")
    palette: list[str] | None = Field(None, description="Colours every primitive must pick from ('#rrggbb', 'rgb(...)' or CSS names); none: free colour.")
    temperature: float = Field(1.0, gt=0, le=100, description="Starting softmax temperature of the palette choice; it anneals towards hard choices.")
    harden_at: float = Field(0.75, ge=0, le=1, description="Run progress after which each primitive shows exactly one palette colour (straight-through gradients).")
    cap: Literal["round", "butt"] = Field("round", description="Stroke end caps.")
    background: str = Field("white", description="Background colour.")
    init_svg: str | None = Field(None, description="Start from this SVG file (relative to the preset) instead of a random drawing; it sets the counts.")

    @field_validator("style", mode="before")
    @classmethod
    def _style_spelling(cls, value):
        return value.replace("_", "-") if isinstance(value, str) else value

    @field_validator("width", "softness", "blob_size", "opacity", "rect_start_size")
    @classmethod
    def _ranges(cls, value: tuple[float, float] | None, info) -> tuple[float, float] | None:
        if value is None:
            return value
        _range(value, info.field_name)
        if value[0] < 0:
            raise ValueError(f"{info.field_name} range [{value[0]}, {value[1]}] must not be negative")
        if info.field_name == "width" and value[0] <= 0:
            raise ValueError(f"width range [{value[0]}, {value[1]}] must be above 0")
        if info.field_name == "width" and value[1] > 512:
            raise ValueError(f"width range [{value[0]}, {value[1]}] goes past 512 pixels")
        if info.field_name == "opacity" and value[1] > 1:
            raise ValueError(f"opacity range [{value[0]}, {value[1]}] must lie within [0, 1]")
        if info.field_name == "blob_size" and (value[0] <= 0 or value[1] > 2):
            raise ValueError(f"blob_size range [{value[0]}, {value[1]}] must lie within (0, 2]")
        if info.field_name == "rect_start_size" and (value[0] <= 0 or value[1] > 0.5):
            raise ValueError(f"rect_start_size range [{value[0]}, {value[1]}] must lie within (0, 0.5]")
        return value

    @field_validator("palette")
    @classmethod
    def _colours(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("palette is empty; give at least one colour or leave it unset for free colour")
        for i, colour in enumerate(value):
            try:
                parse_color(colour, f"palette[{i}]")
            except ApophenicError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("background")
    @classmethod
    def _background(cls, value: str) -> str:
        try:
            parse_color(value, "background")
        except ApophenicError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _counts_fit_style(self) -> "StrokesConfig":
        given = (self.strokes, self.blobs, self.rectangles)
        if self.init_svg is not None:
            if any(c is not None for c in given):
                raise ValueError("init_svg sets the numbers of strokes, blobs and rectangles; leave strokes/blobs/rectangles unset")
            return self
        allowed = STYLE_KINDS[self.style]
        for name, count, ok in zip(("strokes", "blobs", "rectangles"), given, allowed):
            if count and not ok:
                raise ValueError(f"style {self.style!r} draws no {name}, but {name} = {count}")
        if sum(self.counts()) == 0:
            raise ValueError("nothing to draw: strokes, blobs and rectangles are all 0")
        return self

    def counts(self) -> tuple[int, int, int]:
        """(strokes, blobs, rectangles) after the style's defaults."""
        defaults = STYLE_COUNTS[self.style]
        return tuple(d if c is None else c for c, d in zip((self.strokes, self.blobs, self.rectangles), defaults))  # type: ignore[return-value]

    def colours(self) -> list[tuple[float, float, float]] | None:
        """The palette as RGB floats (mondrian's primaries when unset), or None for free colour."""
        if self.palette is not None:
            return [parse_color(c) for c in self.palette]
        if self.style == "mondrian":
            return [parse_color(c) for c in PRIMARY_COLOURS]
        return None

    def continue_from(self, folder: Path) -> "StrokesConfig":
        """The same drawing discipline starting from a previous run's ``final.svg`` (pipeline stages)."""
        svg = folder / "final.svg"
        if not svg.is_file():
            raise ApophenicError(f"{folder}: the previous stage wrote no final.svg, so a strokes stage cannot continue its scene; use init = 'image'")
        return self.model_copy(update={"init_svg": str(svg), "strokes": None, "blobs": None, "rectangles": None})

    def build(self, ctx) -> Generator:
        from apophenic.plugins.strokes.generator import StrokesGenerator

        return StrokesGenerator.from_config(self, ctx)
