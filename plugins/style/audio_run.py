"""``apophenic style audio``: read two WAVs, transfer, write result.wav, spectrogram PNGs and run.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apophenic.errors import ApophenicError
from apophenic.plugins.style.audio import (
    AudioStyleConfig,
    read_wav,
    spectrogram_png,
    transfer,
    write_wav,
)


def load_audio_config(preset: str, overrides: list[str] = ()) -> tuple[AudioStyleConfig, str]:
    """An audio config from a preset name (in the style plugin's presets) or a .toml path, with overrides."""
    from apophenic.plugins.style import PRESETS
    from apophenic.runs import load_settings

    if preset in ("style-transfer", "style-random-net", "style-strokes"):
        raise ApophenicError(f"unknown audio preset {preset!r}; the style plugin ships 'style-audio'")
    config, path = load_settings(AudioStyleConfig, preset, overrides, folders=[PRESETS], kind="audio preset")
    return config, path.stem


def run_audio(content: Path, style: Path, config: AudioStyleConfig, out: Path, name: str = "style-audio") -> tuple[Path, dict[str, Any]]:
    """Transfer and write ``out/<name>-<hash>/`` atomically; inputs are checked before anything is written."""

    from apophenic import pick_device
    from apophenic.record import RunRecord, check_out, folder_name, run_folder

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
    check_out(out)
    result = transfer(c, s, c_rate, config, device)
    with run_folder(out, folder_name(name, recipe, c.tobytes() + s.tobytes())) as folder:
        write_wav(folder.add("result.wav"), result.rate, result.samples)
        top = float(max(result.content.max(), result.style.max(), result.result.max()))
        for label, spec in (("content", result.content), ("style", result.style), ("result", result.result)):
            spectrogram_png(spec, folder.add(f"{label}.png"), top)
        record = folder.write(RunRecord(kind="audio", **recipe, sample_rate=c_rate, seconds=len(c) / c_rate,
                                        losses=result.losses, device=str(device), wall_seconds=result.seconds))
    return folder.final, record.to_json()
