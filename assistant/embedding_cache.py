"""Vectors cached by the hash of the text embedded, so a model embedder never embeds a text twice.

Documents: one SQLite file per embedder in `<data dir>/embeddings/` (WAL, several processes may share
it), read first from seed files shipped beside a knowledge folder (`<knowledge>/.embeddings/<name>.npz`,
written by `scripts/seed_embeddings.py`), so the demo knowledge is ingested without running the model.
Queries: an in-memory LRU, since an operator regenerating a draft asks the same query again.
A vector is keyed by sha256(text); the file is per embedder name, so two embedders never mix.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from assistant.embedding import Embedder
from assistant.errors import StoreError

QUERY_CACHE_SIZE = 2048


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def file_stem(embedder_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", embedder_name)


def read_seed(path: Path, embedder_name: str) -> dict[str, np.ndarray]:
    """The vectors of a seed file, or nothing if it is absent, damaged or for another embedder."""
    if not path.exists():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["embedder"]) != embedder_name:
                return {}
            vectors = data["vectors"].astype(np.float32)
            return dict(zip(data["keys"].tolist(), vectors, strict=True))
    except (OSError, KeyError, ValueError) as exc:  # a damaged seed only costs embedding time
        import logging

        logging.getLogger(__name__).warning("ignoring embedding seed %s: %s", path, exc)
        return {}


def write_seed(path: Path, embedder_name: str, vectors: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = sorted(vectors)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp,
        embedder=np.array(embedder_name),
        keys=np.array(keys),
        vectors=np.stack([vectors[k] for k in keys]).astype(np.float32),
    )
    tmp.replace(path)


class CachedEmbedder:
    """Wraps an embedder; same interface, same name (the store sees the model, not the cache)."""

    def __init__(self, inner: Embedder, folder: Path, seeds: list[Path] | None = None):
        self.inner = inner
        self.name = inner.name
        self.folder = folder
        self.seed_folders = seeds or []
        self._seeds: dict[str, np.ndarray] | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    # -- storage ------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                db = sqlite3.connect(
                    self.folder / f"{file_stem(self.name)}.sqlite", timeout=30, check_same_thread=False
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
                db.commit()
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the embedding cache in {self.folder}: {exc}") from exc
            self._db = db
        return self._db

    def _seed_vectors(self) -> dict[str, np.ndarray]:
        if self._seeds is None:
            self._seeds = {}
            for folder in self.seed_folders:
                self._seeds.update(read_seed(folder / f"{file_stem(self.name)}.npz", self.name))
        return self._seeds

    def lookup(self, keys: list[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        seeds = self._seed_vectors()
        for key in keys:
            if key in seeds:
                found[key] = seeds[key].tolist()
        rest = [k for k in dict.fromkeys(keys) if k not in found]
        db = self._connect()
        for i in range(0, len(rest), 500):
            part = rest[i : i + 500]
            rows = db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
            ).fetchall()
            found.update((key, np.frombuffer(blob, dtype=np.float32).tolist()) for key, blob in rows)
        return found

    def _save(self, pairs: list[tuple[str, list[float]]]) -> None:
        db = self._connect()
        db.executemany(
            "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
            [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in pairs],
        )
        db.commit()

    # -- the embedder interface ---------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [text_key(t) for t in texts]
        with self._lock:
            found = self.lookup(keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            vectors = self.inner.embed_documents([by_key[k] for k in missing])
            pairs = list(zip(missing, vectors, strict=True))
            with self._lock:
                self._save(pairs)
            found.update(pairs)
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector
        vector = self.inner.embed_query(text)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE_SIZE:
                self._queries.popitem(last=False)
        return vector

    def cached_query(self, text: str) -> bool:
        return text in self._queries
