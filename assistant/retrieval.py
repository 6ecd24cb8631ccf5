"""Hybrid retrieval: vector search (chroma) + BM25 over jieba tokens (bm25s), fused by reciprocal rank.

Filtering (kind, skin type, concern, price) happens here in memory, not in chroma: a chroma
`where` query measured ~17x slower at 20k chunks. The in-memory view is rebuilt only when the
store's revision changes, so several app instances sharing a Chroma server stay in sync.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from threadpoolctl import ThreadpoolController

from assistant.models import Chunk, Hit, Product
from assistant.query import SearchQuery, Understood, understand
from assistant.store import KnowledgeStore, chunk_from_record, products_from_chunks
from assistant.tokenize import tokenize, with_subwords

SNAPSHOT_MIN_CHUNKS = 2000  # below this, rebuilding is faster than reading a snapshot
INDEX_FORMAT = 2  # in the snapshot's name: a snapshot of another format is rebuilt (2: subwords, vectors)
REVISION_CHECK_SECONDS = 1.0  # how stale another instance's view may be (see Retriever.refresh)
EXACT_MAX_CHUNKS = 20_000  # up to this size the vector search is exact, in memory (20k × 512 floats: 40 MB)


@dataclass(frozen=True)
class Fusion:
    """How the rankings are fused, per embedder (tuned on bench/queries.yaml only; see bench/retrieval.py).

    score = vector / (k + vector rank) + 1 / (k + BM25 rank) + boosts, where the tag boost is
    `tags / (k + 1)` times the share of the query's concerns the chunk is tagged with (plus `skin`
    for a skin type match), given only to chunks one of the rankings found; `faq / (k + 1)` for the
    FAQ answers of a logistics question and `named / (k + 1)` for a product the query names, both of
    which join the candidates whatever the rankings found."""

    k: int = 10  # a small k lets a clear first place in one ranking count (k=60 flattened it)
    vector: float = 1.0  # weight of the vector ranking; BM25 counts 1.0
    tags: float = 0.5
    skin: float = 0.1
    expand_vector: bool = False  # embed the query with its lexicon expansion, or as said
    per_source: int = 0  # at most this many hits from one article or product (0: no limit)
    rescore: bool = False  # rerank: BM25's candidates the vector search missed get their exact similarity
    tag_candidates: int = 0  # with rescore: up to this many articles tagged with the query's concerns join
    coverage: float = 0.0  # rerank: share of the words as said (not the expansion) that a candidate holds
    faq: float = 0.0  # logistics questions (shipping, returns, authenticity …): FAQ answers join and move up
    named: float = 0.0  # a product named in the query (its name or nickname: 小绿瓶) joins and moves up


# python -m bench.tune_fusion --embedder NAME (bench/results/tune_fusion-*.json): best recall@5, then MRR,
# on bench/queries.yaml at 10k chunks; never on the held-out file.
FUSION: dict[str, Fusion] = {
    "use-multilingual": Fusion(
        k=20,
        vector=2.0,
        tags=1.0,
        skin=0.2,
        per_source=2,
        rescore=True,
        tag_candidates=40,
        coverage=0.0,  # with the exact in-memory vector search the word coverage no longer pays
        faq=1.0,
        named=2.0,
    ),
    "hashing": Fusion(
        k=10, vector=0.5, tags=1.0, skin=0.0, expand_vector=True, per_source=2, faq=1.0, named=2.0
    ),  # weak vectors
}
DEFAULT_FUSION = Fusion()


def fusion_for(embedder_name: str) -> Fusion:
    return next((f for prefix, f in FUSION.items() if embedder_name.startswith(prefix)), DEFAULT_FUSION)


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
    vectors: np.ndarray | None = None  # the stored embeddings, unit length (see _unit_rows)
    _names: tuple[re.Pattern[str] | None, dict[str, list[int]]] | None = None  # built on first use

    @classmethod
    def build(
        cls, revision: str, rows: list[tuple[str, str, dict[str, Any]]], vectors: list[Any] | None = None
    ) -> _Index:
        token_lists = [with_subwords(r[2].get("tokens", "").split()) for r in rows]
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
            vectors=_unit_rows(vectors) if vectors and len(vectors) == len(rows) else None,
        )

    def tagged_articles(self, concerns: list[str], limit: int) -> list[int]:
        """Article chunks tagged with any of `concerns` (front matter), the first `limit`."""
        found: list[int] = []
        for concern in concerns:
            key = ("article-concern", concern)
            if key not in self.masks:  # computed once per index and concern
                self.masks[key] = np.array(
                    [
                        i
                        for i, m in enumerate(self.metas)
                        if m.get("kind") == "article" and concern in m.get("concerns", "").split(";")
                    ],
                    dtype=np.int64,
                )
            found.extend(int(i) for i in self.masks[key])
        return list(dict.fromkeys(found))[:limit]

    def named_products(self, text: str) -> list[int]:
        """The chunks of the products whose name, English name or nickname (小绿瓶, 白盾) `text` says."""
        if self._names is None:
            chunks: dict[str, list[int]] = {}
            for i, meta in enumerate(self.metas):
                if meta.get("kind") == "product" and meta.get("product_id"):
                    chunks.setdefault(meta["product_id"], []).append(i)
            owners: dict[str, list[int]] = {}
            for product in self.products:
                for name in product.names():
                    key = name.strip().lower()
                    if len(key) >= (2 if not key.isascii() else 4) and product.id in chunks:
                        owners.setdefault(key, []).extend(chunks[product.id])
            parts = [
                re.escape(n) if not n.isascii() else rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])"
                for n in sorted(owners, key=len, reverse=True)
            ]
            self._names = (re.compile("|".join(parts)) if parts else None, owners)
        pattern, owners = self._names
        if pattern is None:
            return []
        return list(dict.fromkeys(i for m in pattern.finditer(text.lower()) for i in owners[m.group(0)]))

    def of_kind(self, kind: str) -> list[int]:
        key = ("kind", kind)
        if key not in self.masks:
            self.masks[key] = np.array(
                [i for i, m in enumerate(self.metas) if m.get("kind") == kind], dtype=np.int64
            )
        return [int(i) for i in self.masks[key]]

    def mask(self, filters: Filters) -> np.ndarray:
        key = (filters.kind, filters.skin_type, filters.concern, filters.max_price)
        if key not in self.masks:
            self.masks[key] = np.array([filters.accepts(m) for m in self.metas], dtype=np.float32)
        return self.masks[key]

    def hit(self, i: int, score: float, why: _Why, terms: list[str]) -> Hit:
        return Hit(
            chunk=chunk_from_record(self.ids[i], self.texts[i], self.metas[i]),
            score=round(score, 6),
            vector_rank=why.vrank,
            bm25_rank=why.brank,
            vector_score=None if why.vscore is None else round(why.vscore, 4),
            bm25_score=None if why.bscore is None else round(why.bscore, 4),
            matched_terms=[t for t in terms if t in self.tokens[i]],
            tags=why.tags,
            tag_boost=round(why.boost, 6),
        )


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def _unit_rows(vectors: list[Any]) -> np.ndarray:
    """Unit-length rows: float32 up to EXACT_MAX_CHUNKS (the vector search runs on them, exactly),
    float16 beyond (half the memory; only the rerank reads them, chroma's HNSW index searches)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms == 0, 1.0, norms)
    return matrix if len(matrix) <= EXACT_MAX_CHUNKS else matrix.astype(np.float16)


@dataclass
class _Why:
    """What one candidate got from each signal (shown by the hit test)."""

    vrank: int | None = None
    vscore: float | None = None
    brank: int | None = None
    bscore: float | None = None
    tags: list[str] = field(default_factory=list)
    boost: float = 0.0


class Retriever:
    """Search over the active chunks of one store; `mode` is hybrid, vector or bm25. Thread-safe."""

    def __init__(self, store: KnowledgeStore, cache_dir: Path | None = None):
        self.store = store
        self.cache_dir = cache_dir  # snapshots of the index by store revision: a restart skips the rebuild
        self._index = _Index()
        self._lock = threading.Lock()
        self.fusion_override: Fusion | None = None  # bench/tune_fusion.py tries other weights
        self._checked: tuple[tuple[str, str | None], float] = (("", None), 0.0)  # what and when refresh() saw

    def refresh(self, force: bool = False) -> _Index:
        """The index of the store's current revision. Changes made through this store show at once;
        those of another process or app instance within REVISION_CHECK_SECONDS (reading the revision
        costs a round trip to chroma: a third of a search)."""
        seen = (self.store.local_change, self._index.revision)
        if (
            not force
            and self._checked[0] == seen
            and time.monotonic() - self._checked[1] < REVISION_CHECK_SECONDS
        ):
            return self._index
        revision = self.store.revision()
        if force or revision != self._index.revision:
            with self._lock:  # several sessions or eval workers may ask at once
                if force or revision != self._index.revision:
                    self._index = (None if force else self._load_snapshot(revision)) or self._build(revision)
        self._checked = ((self.store.local_change, self._index.revision), time.monotonic())
        return self._index

    def _snapshot_path(self, revision: str) -> Path | None:
        if self.cache_dir is None or not revision:
            return None
        return self.cache_dir / f"{self.store.name}-{revision}-v{INDEX_FORMAT}.pickle"

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
        index = _Index.build(revision, *self.store.active_chunks_with_vectors())
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

    @property
    def fusion(self) -> Fusion:
        return self.fusion_override or fusion_for(self.store.embedder.name)

    def vector_text(self, query: str | SearchQuery | Understood) -> str:
        """The text the vector side embeds for `query` (benchmarks time its embedding apart)."""
        understood = query if isinstance(query, Understood) else understand(query)
        return understood.expanded if self.fusion.expand_vector else understood.text

    def _vector_ranks(self, index: _Index, text: str, n: int, filters: Filters) -> list[tuple[int, float]]:
        embedding = self.store.embedder.embed_query(text)
        if index.vectors is not None and index.vectors.dtype == np.float32:  # exact, no call to chroma
            query = np.asarray(embedding, dtype=np.float32)
            with _blas().limit(limits=1, user_api="blas"):  # BLAS threads on a busy machine: 10x slower
                similarities = index.vectors @ (query / (float(np.linalg.norm(query)) or 1.0))
            if filters.active():
                similarities = np.where(index.mask(filters) > 0, similarities, -np.inf)
            n = min(n, len(similarities))
            top = np.argpartition(-similarities, n - 1)[:n]
            top = top[np.argsort(-similarities[top], kind="stable")]
            return [(int(i), float(similarities[i])) for i in top if np.isfinite(similarities[i])]
        fetch = min(n * (8 if filters.active() else 2), len(index.ids))
        ranked = []
        for cid, similarity in self.store.vector_search(embedding, fetch):
            i = index.position.get(cid)
            if i is not None and filters.accepts(index.metas[i]):
                ranked.append((i, similarity))
        return ranked[:n]

    @staticmethod
    def _bm25_ranks(index: _Index, tokens: list[str], n: int, filters: Filters) -> list[tuple[int, float]]:
        if index.bm25 is None or not tokens:
            return []
        mask = index.mask(filters) if filters.active() else None
        docs, scores = index.bm25.retrieve(
            [tokens], k=min(n, len(index.ids)), show_progress=False, weight_mask=mask, n_threads=0
        )
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def search(
        self,
        query: str | SearchQuery,
        k: int = 4,
        filters: Filters | None = None,
        mode: str = "hybrid",
    ) -> list[Hit]:
        """The best `k` chunks for `query` (a text, or a SearchQuery from `build_query` carrying the
        slots' concerns and skin types); `mode` is hybrid, vector or bm25."""
        index = self.refresh()
        text = query if isinstance(query, str) else query.text
        if not index.ids or not text.strip():
            return []
        filters = filters or Filters()
        fusion = self.fusion
        understood = understand(query)
        tokens = with_subwords(tokenize(understood.expanded))
        depth = max(k * 5, 20)
        vector = (
            self._vector_ranks(index, self.vector_text(understood), depth, filters)
            if mode in ("hybrid", "vector")
            else []
        )
        keyword = self._bm25_ranks(index, tokens, depth, filters) if mode in ("hybrid", "bm25") else []
        faq = index.of_kind("faq") if mode == "hybrid" and fusion.faq and understood.logistics else []
        named = index.named_products(text) if mode == "hybrid" and fusion.named else []
        routed = [i for i in dict.fromkeys([*named, *faq]) if filters.accepts(index.metas[i])]
        if mode == "hybrid" and fusion.rescore and vector:
            tagged = list(routed)
            if fusion.tag_candidates and understood.concerns:
                tagged = [
                    i
                    for i in index.tagged_articles(understood.concerns, fusion.tag_candidates)
                    if filters.accepts(index.metas[i])
                ]
            vector = self._rescore(
                index, self.vector_text(understood), vector, [i for i, _ in keyword] + tagged
            )
        why: dict[int, _Why] = {}
        scores: dict[int, float] = {}
        for rank, (i, sim) in enumerate(vector, start=1):
            why.setdefault(i, _Why()).vrank, why[i].vscore = rank, sim
            scores[i] = scores.get(i, 0.0) + fusion.vector / (fusion.k + rank)
        for rank, (i, score) in enumerate(keyword, start=1):
            why.setdefault(i, _Why()).brank, why[i].bscore = rank, score
            scores[i] = scores.get(i, 0.0) + 1.0 / (fusion.k + rank)
        if mode == "hybrid":
            for i in routed:  # the FAQ of a logistics question and the products it names are candidates
                scores.setdefault(i, 0.0)
                why.setdefault(i, _Why())
            self._boost(index, understood, fusion, scores, why, set(named))
            if fusion.coverage:
                said = set(tokenize(understood.text))
                for i in scores if said else ():
                    scores[i] += fusion.coverage * len(said & index.tokens[i]) / len(said) / (fusion.k + 1)
        best = self._select(index, sorted(scores, key=lambda i: (-scores[i], index.ids[i])), k, fusion)
        terms = list(dict.fromkeys(tokens))
        return [index.hit(i, scores[i], why[i], terms) for i in best]

    def _rescore(
        self, index: _Index, text: str, vector: list[tuple[int, float]], candidates: list[int]
    ) -> list[tuple[int, float]]:
        """The vector ranking over every candidate: what the keyword side (and the concern tags) found
        but the approximate vector search did not return gets its exact cosine similarity."""
        found = {i for i, _ in vector}
        missing = list(dict.fromkeys(i for i in candidates if i not in found))
        if not missing:
            return vector
        query = np.asarray(self.store.embedder.embed_query(text), dtype=np.float32)  # cached
        query /= float(np.linalg.norm(query)) or 1.0
        if index.vectors is not None:
            similarities = index.vectors[missing].astype(np.float32) @ query
            extra = [(i, float(s)) for i, s in zip(missing, similarities, strict=True)]
        else:  # the index has no vectors (chroma could not give them all): ask for these
            vectors = self.store.vectors([index.ids[i] for i in missing])
            extra = []
            for i in missing:
                v = vectors.get(index.ids[i])
                if v is not None:
                    extra.append((i, float(v @ query / (np.linalg.norm(v) or 1.0))))
        return sorted([*vector, *extra], key=lambda pair: -pair[1])

    @staticmethod
    def _select(index: _Index, ranked: list[int], k: int, fusion: Fusion) -> list[int]:
        """The top `k`, with at most `per_source` chunks of one source while others are left."""
        if not fusion.per_source:
            return ranked[:k]
        chosen: list[int] = []
        counts: dict[str, int] = {}
        for i in ranked:
            key = index.metas[i].get("product_id") or index.metas[i].get("source", "")
            if counts.get(key, 0) < fusion.per_source:
                chosen.append(i)
                counts[key] = counts.get(key, 0) + 1
            if len(chosen) == k:
                return chosen
        rest = [i for i in ranked if i not in chosen]
        return chosen + rest[: k - len(chosen)]

    @staticmethod
    def _boost(
        index: _Index,
        understood: Understood,
        fusion: Fusion,
        scores: dict[int, float],
        why: dict[int, _Why],
        named: set[int],
    ) -> None:
        """Candidates tagged with the query's concerns or skin types (front matter, catalog), the FAQ
        answers of a logistics question and the products the query names move up."""
        faq = fusion.faq if understood.logistics else 0.0
        if not understood.concerns and not understood.skin_types and not faq and not named:
            return
        wanted = set(understood.concerns)
        skins = set(understood.skin_types)
        for i in scores:
            meta = index.metas[i]
            concerns = [c for c in meta.get("concerns", "").split(";") if c in wanted]
            skin = [s for s in meta.get("skin_types", "").split(";") if s in skins]
            boost = 0.0
            if concerns:
                boost += fusion.tags * len(concerns) / len(wanted) / (fusion.k + 1)
            if skin:
                boost += fusion.skin / (fusion.k + 1)
            routes = []
            if faq and meta.get("kind") == "faq":
                boost += faq / (fusion.k + 1)
                routes.append("faq")
            if i in named:
                boost += fusion.named / (fusion.k + 1)
                routes.append("named")
            if boost:
                scores[i] += boost
                why[i].tags = concerns + skin + routes
                why[i].boost = boost
