"""The vector cache: a model embedder never embeds the same text twice, across restarts too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embedding_cache import CachedEmbedder, read_seed, text_key, write_seed


class CountingEmbedder:
    """A deterministic fake model that records what it was asked to embed."""

    name = "fake-model-v1"

    def __init__(self) -> None:
        self.documents: list[str] = []
        self.queries: list[str] = []

    @staticmethod
    def vector(text: str) -> list[float]:
        rng = np.random.default_rng(sum(text.encode()))
        v = rng.normal(size=8).astype(np.float32)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.documents.extend(texts)
        return [self.vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.vector(text)


def test_documents_are_embedded_once_even_after_a_restart(tmp_path: Path) -> None:
    model = CountingEmbedder()
    cache = CachedEmbedder(model, tmp_path)
    first = cache.embed_documents(["油皮控油", "干皮保湿", "油皮控油"])
    assert model.documents == ["油皮控油", "干皮保湿"]  # a repeated text in one batch is embedded once
    assert first[0] == first[2] and np.allclose(first[1], model.vector("干皮保湿"))
    restarted = CachedEmbedder(model, tmp_path)  # a new process over the same data dir
    again = restarted.embed_documents(["干皮保湿", "敏感肌修护"])
    assert model.documents == ["油皮控油", "干皮保湿", "敏感肌修护"]
    assert np.allclose(again[0], first[1])
    assert restarted.name == "fake-model-v1"  # the store sees the model, not the cache


def test_each_embedder_has_its_own_file(tmp_path: Path) -> None:
    model = CountingEmbedder()
    CachedEmbedder(model, tmp_path).embed_documents(["同一句话"])
    other = CountingEmbedder()
    other.name = "another-model"
    CachedEmbedder(other, tmp_path).embed_documents(["同一句话"])
    assert other.documents == ["同一句话"]  # never a vector of another model
    assert sorted(p.name for p in tmp_path.glob("*.sqlite")) == [
        "another-model.sqlite",
        "fake-model-v1.sqlite",
    ]


def test_queries_are_cached_in_memory(tmp_path: Path) -> None:
    model = CountingEmbedder()
    cache = CachedEmbedder(model, tmp_path)
    assert cache.embed_query("熊猫眼") == cache.embed_query("熊猫眼")
    assert model.queries == ["熊猫眼"] and cache.cached_query("熊猫眼")


def test_a_seed_file_saves_the_model_run(tmp_path: Path) -> None:
    model = CountingEmbedder()
    seed = tmp_path / "seeds" / "fake-model-v1.npz"
    write_seed(seed, model.name, {text_key("黑眼圈"): np.array(model.vector("黑眼圈"), dtype=np.float32)})
    cache = CachedEmbedder(model, tmp_path / "cache", seeds=[tmp_path / "seeds"])
    assert np.allclose(cache.embed_documents(["黑眼圈"])[0], model.vector("黑眼圈"))
    assert model.documents == []


@pytest.mark.parametrize("damage", ["other-embedder", "garbage"])
def test_a_wrong_or_damaged_seed_is_ignored(tmp_path: Path, damage: str) -> None:
    seed = tmp_path / "fake-model-v1.npz"
    if damage == "garbage":
        seed.write_bytes(b"not a zip file")
    else:
        write_seed(seed, "another-model", {text_key("x"): np.ones(8, dtype=np.float32)})
    assert read_seed(seed, "fake-model-v1") == {}
    model = CountingEmbedder()
    CachedEmbedder(model, tmp_path / "cache", seeds=[tmp_path]).embed_documents(["x"])
    assert model.documents == ["x"]
