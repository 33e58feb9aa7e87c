"""Pydantic models for the sentiment presets (train, probe, generate, card).

Every field carries a description: the same text feeds ``--help``-style docs
and the error messages. Unknown keys are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CorpusSource(Strict):
    """One file of reviews."""

    path: Path = Field(description="The file: plain text (one document per line), CSV, TSV or JSONL; relative paths are relative to the preset file.")
    format: Literal["auto", "text", "csv", "tsv", "jsonl"] = Field("auto", description="File format; 'auto' guesses from the extension (.txt is plain text).")
    text: str = Field("text", description="The CSV/TSV column or JSONL key holding the review text.")
    label: str | None = Field(None, description="The column or key holding the label (probing only; two classes).")
    positive: str | None = Field(None, description="Which label value is the positive class (default: one that reads as positive, e.g. 1 or 'positive').")
    columns: list[str] | None = Field(None, description="Column names for a CSV/TSV file without a header row.")
    strip_html: bool = Field(False, description="Turn <br /> tags into newlines (IMDB).")
    limit: int | None = Field(None, ge=1, description="Keep only the first N documents.")
    repeat: int = Field(1, ge=1, le=100, description="How many times this file's training documents appear per epoch (oversample short, sentiment-dense data).")
    name: str | None = Field(None, description="A short name for reports (default: the file stem).")


class ModelConfig(Strict):
    architecture: Literal["lstm", "mlstm"] = Field("lstm", description="'lstm' (torch's fused kernel: fastest) or 'mlstm' (multiplicative LSTM, as Radford et al. 2017).")
    hidden: int = Field(512, ge=2, le=8192, description="Units per recurrent layer; the probe reads the last layer's cell state.")
    layers: int = Field(1, ge=1, le=8, description="Stacked recurrent layers.")
    embed: int = Field(64, ge=2, le=1024, description="Size of the byte embedding.")


class TrainConfig(Strict):
    """``apophenic sentiment train``: a byte-level language model on reviews."""

    data_root: Path | None = Field(None, description="Folder that relative corpus paths are read from (itself relative to the working directory); default: the preset file's folder.")
    corpus: list[CorpusSource] = Field(min_length=1, description="The review files to train on (only their training split).")
    model: ModelConfig = Field(default_factory=ModelConfig, description="The network.")
    held_out: float = Field(0.2, ge=0.0, lt=1.0, description="Share of each file's documents kept out of training (bits per character, probing).")
    split_seed: int = Field(0, description="Seed of the per-document train / held-out split (the probe reuses it).")
    seq_len: int = Field(128, ge=2, le=4096, description="Truncated-BPTT length: characters back-propagated through per update.")
    carry_state: bool = Field(True, description="Carry the recurrent state across consecutive windows of the same stream (truncated BPTT) instead of restarting from zero.")
    batch_size: int = Field(64, ge=1, le=65536, description="Parallel streams per update, in total over all training processes (each of N processes reads batch_size / N).")
    steps: int = Field(1000, ge=1, description="Optimizer updates in total.")
    lr: float = Field(2e-3, gt=0, description="Peak learning rate (Adam).")
    lr_schedule: Literal["constant", "linear", "cosine"] = Field("linear", description="Decay from the peak to zero over the run (after warmup).")
    warmup: int = Field(50, ge=0, description="Steps of linear warmup from zero to the peak learning rate.")
    clip: float = Field(1.0, gt=0, description="Clip the gradient's global L2 norm to this.")
    eval_every: int = Field(100, ge=1, description="Measure held-out bits per character every N steps.")
    eval_chars: int = Field(32768, ge=64, description="Held-out characters read per measurement.")
    checkpoint_every: int = Field(100, ge=1, description="Write a resumable checkpoint every N steps (and at the end).")
    seed: int = Field(0, description="Seed for weights and data order.")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field("auto", description="Autocast precision of the forward pass: 'auto' is bf16 on GPUs that have it (else fp16 with loss scaling) and fp32 on CPU.")
    shuffle_buffer: int = Field(10000, ge=1, description="Documents held in the shuffle buffer that mixes the streamed corpus.")
    device: str = Field("auto", description="'auto' (a GPU when there is one), 'cpu', 'cuda' or 'cuda:N'; under torchrun each process takes cuda:LOCAL_RANK.")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch per process (default: torch's choice).")


class ProbeSet(CorpusSource):
    label: str = Field(description="The column or key holding the label (two classes).")  # type: ignore[assignment]


class ProbeConfig(Strict):
    """``apophenic sentiment probe``: find the sentiment unit with an L1 logistic probe."""

    data_root: Path | None = Field(None, description="Folder that relative data paths are read from (itself relative to the working directory); default: the preset file's folder.")
    data: list[ProbeSet] = Field(min_length=1, description="Labeled review files; each is split train / test and reported on its own.")
    held_out: float = Field(0.2, gt=0.0, lt=1.0, description="Share of each file's documents used as the test split (never fitted on).")
    split_seed: int = Field(0, description="Seed of the split; the same seed and share as training keep test reviews out of the language model too.")
    max_train: int | None = Field(None, ge=10, description="Fit on at most N reviews of each training split (a seeded sample, to save time); the test split is unchanged.")
    features: Literal["last", "mean"] = Field("last", description="The cell state after the last character, or its mean over positions.")
    max_chars: int = Field(2000, ge=16, description="Read at most this many characters of each review (the last ones).")
    cs: list[float] = Field(default_factory=lambda: [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], min_length=1, description="Inverse regularization strengths C tried; chosen by 3-fold cross-validation on the training split.")
    unit_choice: Literal["weight", "accuracy"] = Field("weight", description="Report as 'the sentiment unit' the largest-weight unit, or the unit whose threshold is most accurate on the training split.")
    fit_on: str | None = Field(None, description="Name of the data file whose unit is saved as the model's sentiment unit (default: the first).")
    batch_size: int = Field(32, ge=1, description="Reviews read in parallel.")
    seed: int = Field(0, description="Seed for the logistic regression.")
    device: str = Field("auto", description="'auto', 'cpu', 'cuda' or 'cuda:N'.")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch.")


class GenerateConfig(Strict):
    """``apophenic sentiment generate``: sample reviews, optionally with a unit clamped."""

    sentiment: str | None = Field(None, description="'positive', 'negative', a number (the clamp value), or empty for no clamp.")
    method: Literal["auto", "clamp", "direction", "fudge", "words"] = Field("auto", description="How positive/negative steer: 'auto' (the method stored with the model as measuring best), 'clamp' (hold the sentiment unit), 'direction' (add the sentiment direction to the cell state), 'fudge' (re-rank bytes by a discriminator), 'words' (choose among whole words the model proposes by the review classifier's reading of the text).")
    unit: int | None = Field(None, ge=0, description="The cell unit to clamp (default: the model's found sentiment unit).")
    strength: float = Field(1.0, gt=0, le=1000, allow_inf_nan=False, description="Multiplier on the model's stored steering strength (clamp value, direction alpha, discriminator weight, word-classifier exponent).")
    prime: str = Field("", description="Text the sample starts with (fed to the model first).")
    length: int = Field(300, ge=1, le=100000, description="Characters (bytes) to generate after the prime.")
    temperature: float = Field(0.8, gt=0, description="Softmax temperature: lower is safer, higher is wilder.")
    top_k: int = Field(0, ge=0, le=256, description="Sample only among the k most likely bytes (0: all).")
    samples: int = Field(1, ge=1, le=10000, description="How many reviews to write.")
    printable: bool = Field(True, description="Sample only printable ASCII and newlines (no control bytes or broken UTF-8).")
    seed: int = Field(0, description="Seed; the same seed, model and settings reproduce the text.")
    device: str = Field("cpu", description="'auto', 'cpu', 'cuda' or 'cuda:N'.")


class CardConfig(Strict):
    """``apophenic sentiment card``: a review typeset as an image, coloured by the unit."""

    width: int = Field(1200, ge=200, le=8000, description="Card width in pixels.")
    font_size: float = Field(30.0, gt=4, le=400, description="Text size in pixels.")
    margin: int = Field(70, ge=0, le=2000, description="Margin around the text, pixels.")
    font: str = Field("Georgia", description="Font family (falls back to the system serif when missing).")
    background: str = Field("#f6f1e7", description="Background colour (#rrggbb).")
    negative_color: str = Field("#c0392b", description="Colour of the most negative unit value (#rrggbb).")
    positive_color: str = Field("#1f7a4d", description="Colour of the most positive unit value (#rrggbb).")
    neutral_color: str = Field("#6b6b6b", description="Colour at the unit's neutral value (#rrggbb).")
    title: str | None = Field(None, description="A heading above the text (default: the sentiment and seed).")
