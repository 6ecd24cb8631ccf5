"""Hybrid retrieval: vector search (chroma) + BM25 over jieba tokens (bm25s), fused by reciprocal rank.

Filtering (kind, skin type, concern, price) happens here in memory, not in chroma: a chroma
`where` query measured ~17x slower at 20k chunks. The in-memory view is rebuilt only when the
store's revision changes, so several app instances sharing a Chroma server stay in sync.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from assistant.lexicon import contains, lexicons
from assistant.models import VOCAB_ZH, Chunk, Hit, Product
from assistant.store import KnowledgeStore, chunk_from_record, products_from_chunks
from assistant.tokenize import tokenize

RRF_K = (
    10  # a small k lets a clear first place in one ranking count (k=60 flattened it; see bench/retrieval.py)
)
SNAPSHOT_MIN_CHUNKS = 2000  # below this, rebuilding is faster than reading a snapshot
VECTOR_WEIGHT = 0.5  # the weight-free embedder is the weaker signal; BM25 counts 1.0
logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass
class Filters:
    kind: str | None = None
    skin_type: str | None = None
    concern: str | None = None
    max_price: float | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.kind, self.skin_type, self.concern, self.max_price))

    def accepts(self, meta: dict[str, Any]) -> bool:
        if self.kind and meta.get("kind") != self.kind:
            return False
        if self.skin_type and meta.get("skin_types") and self.skin_type not in meta["skin_types"].split(";"):
            return False
        if self.concern and meta.get("concerns") and self.concern not in meta["concerns"].split(";"):
            return False
        return not (
            self.max_price is not None and meta.get("price") is not None and meta["price"] > self.max_price
        )


def expand_query(query: str) -> str:
    """Add the vocabulary a query implies, in both languages, so `dark circles` also finds 黑眼圈
    and 大油皮 also finds 控油: the lexicons double as a bilingual thesaurus."""
    extra: list[str] = []
    zh, en = lexicons()
    for lex in (zh, en):
        for group in ("skin_types", "concerns"):
            for ident, phrases in getattr(lex, group).items():
                if contains(query, phrases, lex):
                    extra.extend(
                        [
                            ident,
                            VOCAB_ZH.get(ident, ""),
                            *getattr(zh, group)[ident][:3],
                            *getattr(en, group)[ident][:2],
                        ]
                    )
    extra = [e for e in dict.fromkeys(extra) if e and e not in query]
    return f"{query} {' '.join(extra)}" if extra else query


@dataclass
class _Index:
    """One consistent view of the active chunks; replaced whole when the store changes."""

    revision: str | None = None
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[set[str]] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)
    bm25: bm25s.BM25 | None = None
    products: list[Product] = field(default_factory=list)
    masks: dict[tuple[object, ...], np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(cls, revision: str, rows: list[tuple[str, str, dict[str, Any]]]) -> _Index:
        token_lists = [r[2].get("tokens", "").split() for r in rows]
        bm25 = None
        if rows:
            bm25 = bm25s.BM25()
            bm25.index([t or ["_"] for t in token_lists], show_progress=False)
        return cls(
            revision,
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            [set(t) for t in token_lists],
            {r[0]: i for i, r in enumerate(rows)},
            bm25,
            products_from_chunks(rows),
        )

    def mask(self, filters: Filters) -> np.ndarray:
        key = (filters.kind, filters.skin_type, filters.concern, filters.max_price)
        if key not in self.masks:
            self.masks[key] = np.array([filters.accepts(m) for m in self.metas], dtype=np.float32)
        return self.masks[key]

    def hit(self, i: int, score: float, vrank: int | None, brank: int | None, terms: list[str]) -> Hit:
        return Hit(
            chunk=chunk_from_record(self.ids[i], self.texts[i], self.metas[i]),
            score=round(score, 6),
            vector_rank=vrank,
            bm25_rank=brank,
            matched_terms=[t for t in terms if t in self.tokens[i]],
        )


class Retriever:
    """Search over the active chunks of one store; `mode` is hybrid, vector or bm25. Thread-safe."""

    def __init__(self, store: KnowledgeStore, cache_dir: Path | None = None):
        self.store = store
        self.cache_dir = cache_dir  # snapshots of the index by store revision: a restart skips the rebuild
        self._index = _Index()
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> _Index:
        revision = self.store.revision()
        if force or revision != self._index.revision:
            with self._lock:  # several sessions or eval workers may ask at once
                if force or revision != self._index.revision:
                    self._index = (None if force else self._load_snapshot(revision)) or self._build(revision)
        return self._index

    def _snapshot_path(self, revision: str) -> Path | None:
        if self.cache_dir is None or not revision:
            return None
        return self.cache_dir / f"{self.store.name}-{revision}.pickle"

    def _load_snapshot(self, revision: str) -> _Index | None:
        path = self._snapshot_path(revision)
        if path is None or not path.exists():
            return None
        try:
            with path.open("rb") as handle:
                index = pickle.load(handle)  # noqa: S301 - our own file, in our own data directory
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # a damaged or outdated snapshot is rebuilt
        return index if isinstance(index, _Index) and index.revision == revision else None

    def _build(self, revision: str) -> _Index:
        index = _Index.build(revision, self.store.active_chunks())
        path = self._snapshot_path(revision)
        if path is not None and len(index.ids) >= SNAPSHOT_MIN_CHUNKS:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as handle:
                pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            for old in path.parent.glob(f"{self.store.name}-*.pickle"):
                if old != path:
                    old.unlink(missing_ok=True)
        return index

    @property
    def size(self) -> int:
        return len(self._index.ids)

    def products(self) -> list[Product]:
        return list(self.refresh().products)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products() if p.id == product_id), None)

    def product_chunk_ids(self, product_ids: list[str]) -> dict[str, str]:
        index = self.refresh()
        wanted = set(product_ids)
        return {
            m["product_id"]: cid
            for cid, m in zip(index.ids, index.metas, strict=True)
            if m.get("product_id") in wanted
        }

    def chunk(self, chunk_id: str) -> Chunk | None:
        index = self.refresh()
        i = index.position.get(chunk_id)
        return None if i is None else chunk_from_record(chunk_id, index.texts[i], index.metas[i])

    def _vector_ranks(self, index: _Index, query: str, n: int, filters: Filters) -> list[int]:
        fetch = n * (8 if filters.active() else 2)
        ranked = []
        for cid, _ in self.store.vector_search(self.store.embedder.embed_query(query), fetch):
            i = index.position.get(cid)
            if i is not None and filters.accepts(index.metas[i]):
                ranked.append(i)
        return ranked[:n]

    @staticmethod
    def _bm25_ranks(index: _Index, tokens: list[str], n: int, filters: Filters) -> list[int]:
        if index.bm25 is None or not tokens:
            return []
        mask = index.mask(filters) if filters.active() else None
        docs, scores = index.bm25.retrieve(
            [tokens], k=min(n, len(index.ids)), show_progress=False, weight_mask=mask, n_threads=0
        )
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def search(
        self, query: str, k: int = 4, filters: Filters | None = None, mode: str = "hybrid"
    ) -> list[Hit]:
        index = self.refresh()
        if not index.ids or not query.strip():
            return []
        filters = filters or Filters()
        expanded = expand_query(query)
        tokens = tokenize(expanded)
        depth = max(k * 5, 20)
        vector = self._vector_ranks(index, expanded, depth, filters) if mode in ("hybrid", "vector") else []
        keyword = self._bm25_ranks(index, tokens, depth, filters) if mode in ("hybrid", "bm25") else []
        scores: dict[int, float] = {}
        for ranking, weight in ((vector, VECTOR_WEIGHT), (keyword, 1.0)):
            for rank, i in enumerate(ranking):
                scores[i] = scores.get(i, 0.0) + weight / (RRF_K + rank + 1)
        vrank = {i: r + 1 for r, i in enumerate(vector)}
        brank = {i: r + 1 for r, i in enumerate(keyword)}
        best = sorted(scores, key=lambda i: (-scores[i], index.ids[i]))[:k]
        terms = list(dict.fromkeys(tokens))
        return [index.hit(i, scores[i], vrank.get(i), brank.get(i), terms) for i in best]
