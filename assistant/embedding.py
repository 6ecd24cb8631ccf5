"""Embedders behind one interface. The default is weight-free and local, so the product works offline."""

from __future__ import annotations

import re
import zlib
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError, StoreError
from assistant.settings import EmbedderChoice, Settings
from assistant.tokenize import tokenize

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")


class Embedder(Protocol):
    name: str  # recorded in the store; a store built by one embedder refuses another

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class HashingEmbedder:
    """Feature hashing of CJK characters and character bigrams, jieba words and Latin words into a
    fixed-size vector. No weights, no download, deterministic across processes (crc32).

    1024 dimensions: at 512, bucket collisions cost recall on bench/queries.yaml.
    """

    def __init__(self, dim: int = 1024):
        self.dim = dim
        self.name = f"hashing-v2-{dim}"

    def _features(self, text: str) -> list[str]:
        words = tokenize(text)  # cached: ingest has just tokenized the same text for BM25
        text = text.lower()
        features: list[str] = []
        for run in _CJK_RUN.findall(text):
            features.extend(run)
            features.extend(run[i : i + 2] for i in range(len(run) - 1))
        features.extend(f"w:{token}" for token in words if not token.isascii())
        features.extend(_LATIN_WORD.findall(text))
        return features

    def _vector(self, text: str) -> list[float]:
        hashes = np.fromiter((zlib.crc32(f.encode("utf-8")) for f in self._features(text)), dtype=np.uint32)
        signs = np.where((hashes >> 16) & 1, 1.0, -1.0)
        vec = np.bincount(hashes % self.dim, weights=signs, minlength=self.dim).astype(np.float32)
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            norm = 1.0
        return (vec / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint through langchain-openai."""

    def __init__(self, settings: Settings):
        from langchain_openai import OpenAIEmbeddings

        settings.require_llm()
        self.name = f"openai:{settings.embedding_model}"
        self._client = OpenAIEmbeddings(
            model=settings.embedding_model,
            openai_api_key=settings.openai_api_key,
            openai_api_base=settings.openai_base_url,
            check_embedding_ctx_length=False,  # tiktoken cannot download its encodings offline
            request_timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        try:
            return self._client.embed_documents(texts)
        except Exception as exc:  # the vendor client raises many types; we name the failure
            raise StoreError(f"embedding endpoint failed: {type(exc).__name__}: {exc}") from exc

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class SentenceTransformerEmbedder:
    """A local sentence-transformers model folder (optional extra `st`)."""

    def __init__(self, path: str):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError("ASSISTANT_EMBEDDER=sentence-transformers needs: pip install '.[st]'") from exc
        self.name = f"st:{path}"
        self._model = SentenceTransformer(path, local_files_only=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(texts, normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedder is EmbedderChoice.openai:
        return OpenAIEmbedder(settings)
    if settings.embedder is EmbedderChoice.sentence_transformers:
        return SentenceTransformerEmbedder(settings.embedding_model)
    return HashingEmbedder()
