"""``apophenic style audio``: read two WAVs, transfer, write result.wav, spectrogram PNGs and run.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError, ConfigError
from apophenic.plugins.style.audio import (
    AudioStyleConfig,
    read_wav,
    spectrogram_png,
    transfer,
    write_wav,
)
from pydantic import ValidationError


def load_audio_config(preset: str, overrides: list[str] = ()) -> tuple[AudioStyleConfig, str]:
    """An audio config from a preset name (in the style plugin's presets) or a .toml path, with overrides."""
    from apophenic.plugins.style import PRESETS
    from apophenic.preset_loader import apply_override, read_toml

    path = Path(preset).expanduser()
    if not (preset.endswith(".toml") or "/" in preset):
        path = PRESETS / f"{preset}.toml"
        if not path.is_file() or preset in ("style-transfer", "style-random-net", "style-strokes"):
            raise ApophenicError(f"unknown audio preset {preset!r}; the style plugin ships 'style-audio'")
    data = read_toml(path) if path.is_file() else None
    if data is None:
        raise ApophenicError(f"{preset}: no such preset file")
    for assignment in overrides:
        data = apply_override(data, assignment)
    try:
        return AudioStyleConfig.model_validate(data), path.stem
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(path, key, msg) from None


def run_audio(content: Path, style: Path, config: AudioStyleConfig, out: Path, name: str = "style-audio") -> tuple[Path, dict[str, Any]]:
    """Transfer and write ``out/<name>-<hash>/`` atomically; inputs are checked before anything is written."""
    import hashlib

    from apophenic.output import ensure_writable, staged_folder, write_json
    from apophenic import pick_device
    from apophenic.run import versions

    c_rate, c = read_wav(content)
    s_rate, s = read_wav(style)
    if c_rate != s_rate:
        raise ApophenicError(f"{style}: sample rate {s_rate} Hz differs from the content's {c_rate} Hz ({content}); resample one of them")
    for path, samples in ((content, c), (style, s)):
        seconds = len(samples) / c_rate
        if seconds > config.max_seconds:
            raise ApophenicError(f"{path}: {seconds:.1f} s is longer than max_seconds = {config.max_seconds:g}; trim it or raise max_seconds")
        if len(samples) < config.n_fft:
            raise ApophenicError(f"{path}: {len(samples)} samples is shorter than one FFT window (n_fft = {config.n_fft})")
    device = pick_device(config.device)
    recipe = {"config": config.model_dump(mode="json"), "content": str(content), "style": str(style)}
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode() + c.tobytes() + s.tobytes()).hexdigest()[:10]
    ensure_writable(out)
    folder = out / f"{name}-{digest}"
    result = transfer(c, s, c_rate, config, device)
    with staged_folder(folder) as tmp:
        write_wav(tmp / "result.wav", result.rate, result.samples)
        top = float(max(result.content.max(), result.style.max(), result.result.max()))
        for label, spec in (("content", result.content), ("style", result.style), ("result", result.result)):
            spectrogram_png(spec, tmp / f"{label}.png", top)
        record = {**recipe, "sample_rate": c_rate, "seconds": len(c) / c_rate, "losses": result.losses,
                  "files": ["result.wav", "content.png", "style.png", "result.png"], "device": str(device),
                  "versions": versions(), "wall_seconds": result.seconds, "argv": sys.argv[1:]}
        write_json(record, tmp / "run.json")
    return folder, record
