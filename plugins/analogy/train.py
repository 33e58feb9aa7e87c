"""Training CBOW word vectors (Mikolov et al. 2013) on a user's corpus with gensim."""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apophenic.errors import ApophenicError


@dataclass(frozen=True)
class TrainSettings:
    """CBOW hyper-parameters; the defaults are word2vec's own (100-d, window 5, min count 5, 5 epochs)."""

    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    seed: int = 0
    workers: int = 1


def check_corpus(path: Path) -> None:
    """Fail with one line unless ``path`` is a readable UTF-8 text file (plain or gzip) with words in it."""
    if not path.is_file():
        raise ApophenicError(f"{path}: no such corpus file")
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            head = f.read(65536)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ApophenicError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    if not head.split():
        raise ApophenicError(f"{path}: the corpus is empty; expected text, one sentence per line")


def train_cbow(
    corpus: Path,
    settings: TrainSettings = TrainSettings(),
    on_epoch: Callable[[int, int], None] | None = None,
):
    """A gensim ``Word2Vec`` CBOW model trained on ``corpus`` (text, one sentence per line; ``.gz`` is fine).

    :param on_epoch: called as ``on_epoch(done, total)`` after each epoch (for progress bars).
    """
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec
    from gensim.models.word2vec import LineSentence

    check_corpus(corpus)

    class _Progress(CallbackAny2Vec):
        def __init__(self) -> None:
            self.done = 0

        def on_epoch_end(self, model) -> None:
            self.done += 1
            if on_epoch is not None:
                on_epoch(self.done, settings.epochs)

    model = Word2Vec(
        vector_size=settings.dim,
        window=settings.window,
        min_count=settings.min_count,
        sg=0,  # CBOW, the seed's mechanism
        seed=settings.seed,
        workers=settings.workers,
    )
    sentences = LineSentence(str(corpus))
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise ApophenicError(
            f"{corpus}: no word occurs at least {settings.min_count} times; lower --min-count or use a larger corpus"
        )
    model.train(
        sentences,
        total_examples=model.corpus_count,
        epochs=settings.epochs,
        callbacks=[_Progress()],
    )
    return model


def save_model(model, out: Path) -> list[Path]:
    """Save a gensim model atomically: written in a temporary folder beside ``out``, then renamed.

    gensim may write companion ``.npy`` files next to the model; they are moved too.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".apophenic-") as tmp:
        staged = Path(tmp) / out.name
        model.save(str(staged))
        written = []
        for f in sorted(Path(tmp).iterdir()):
            target = out.parent / f.name
            os.replace(f, target)
            written.append(target)
    return written
