"""The one place that talks to the vector store (chromadb, embedded or a server).

Two collections: `<name>` holds the chunks (embedding; text and jieba tokens in the metadata: chroma's
full-text index on documents would halve the ingest rate, and search does not use it) and
`<name>-sources` holds one manifest record per source: its content hash and the ids of its
active chunks. A source is replaced by (1) adding its new chunks, (2) switching its manifest
record in one upsert, (3) deleting chunks no manifest lists. Readers only see chunks listed by
a manifest, so a crash at any point leaves the previous version visible and a rerun completes.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.embedding import Embedder
from assistant.errors import StoreError
from assistant.locks import file_lock
from assistant.models import Chunk, Product
from assistant.settings import Settings

_REVISION_ID = "__revision__"
_PLACEHOLDER = [1.0]


@dataclass
class SourceRecord:
    source: str
    hash: str
    kind: str
    title: str
    chunk_ids: list[str]
    updated: float
    clean: bool = True  # False between the switch and the removal of the previous chunks


def open_client(settings: Settings) -> Any:
    import chromadb  # imported when a store is opened: it is the slowest import of the project
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectError variants when unreachable
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    with file_lock(path.parent / "chroma.lock"):  # processes creating a new store at once race on its tables
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def chunk_metadata(
    chunk: Chunk, tokens: list[str], chunk_hash: str, product: Product | None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source": chunk.source,
        "title": chunk.title,
        "heading": chunk.heading,
        "kind": chunk.kind,
        "skin_types": ";".join(chunk.skin_types),
        "concerns": ";".join(chunk.concerns),
        "tokens": " ".join(tokens),
        "chunk_hash": chunk_hash,
    }
    if chunk.product_id:
        meta["product_id"] = chunk.product_id
    if chunk.price is not None:
        meta["price"] = float(chunk.price)
    if product is not None:
        meta["product_json"] = product.model_dump_json()
    return meta


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    return Chunk(
        id=chunk_id,
        text=text,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        heading=meta.get("heading", ""),
        kind=meta.get("kind", "article"),
        product_id=meta.get("product_id"),
        skin_types=[s for s in meta.get("skin_types", "").split(";") if s],
        concerns=[c for c in meta.get("concerns", "").split(";") if c],
        price=meta.get("price"),
    )


class KnowledgeStore:
    """Chunks and source manifests in chroma; everything else goes through this class."""

    def __init__(self, client: Any, embedder: Embedder, name: str = "knowledge"):
        self.client = client
        self.embedder = embedder
        self.name = name
        try:
            self.chunks = client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine", "embedder": embedder.name}
            )
            self.sources = client.get_or_create_collection(f"{name}-sources", embedding_function=None)
        except Exception as exc:
            raise StoreError(f"cannot open the knowledge store: {exc}") from exc
        built_with = (self.chunks.metadata or {}).get("embedder")
        if built_with and built_with != embedder.name:
            raise StoreError(
                f"the store '{name}' was built with embedder {built_with!r}, not {embedder.name!r}. "
                f"Rebuild it with `assistant kb reset --yes` then `assistant kb ingest knowledge/ …` (your "
                f"sources again; vectors already computed are reused), or set ASSISTANT_COLLECTION to a new "
                f"name, or set ASSISTANT_EMBEDDER back to the one it was built with."
            )
        self._batch = int(getattr(client, "get_max_batch_size", lambda: 5000)())
        self.local_change = uuid.uuid4().hex  # new on every change made through this object

    # -- manifests -----------------------------------------------------------------
    def revision(self) -> str:
        got = self.sources.get(ids=[_REVISION_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("token")) if got["ids"] else ""

    def _bump_revision(self) -> None:
        self.local_change = uuid.uuid4().hex
        self.sources.upsert(
            ids=[_REVISION_ID],
            embeddings=[_PLACEHOLDER],
            documents=["[]"],
            metadatas=[{"token": uuid.uuid4().hex}],
        )

    def source_records(self) -> dict[str, SourceRecord]:
        got = self.sources.get(include=["metadatas", "documents"])
        records = {}
        for sid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            if sid == _REVISION_ID:
                continue
            records[sid] = SourceRecord(
                sid,
                meta["hash"],
                meta.get("kind", ""),
                meta.get("title", ""),
                json.loads(doc),
                meta.get("updated", 0.0),
                bool(meta.get("clean", True)),
            )
        return records

    def existing_ids(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), self._batch):
            found.update(self.chunks.get(ids=ids[i : i + self._batch], include=[])["ids"])
        return found

    # -- writes ---------------------------------------------------------------------
    def add_chunks(
        self,
        ids: list[str],
        texts: list[str],
        metadatas: list[dict[str, Any]],
        embeddings: list[list[float]] | None = None,
    ) -> None:
        if not ids:
            return
        vectors = embeddings if embeddings is not None else self.embedder.embed_documents(texts)
        for i in range(0, len(ids), self._batch):
            sl = slice(i, i + self._batch)
            self.chunks.upsert(
                ids=ids[sl],
                embeddings=vectors[sl],
                metadatas=[{**m, "text": t} for m, t in zip(metadatas[sl], texts[sl], strict=True)],
            )

    def activate(self, record: SourceRecord) -> None:
        """Switch a source to its new chunk list in one upsert; then drop what nobody lists."""
        self._write_record(record, clean=False)
        self._bump_revision()
        self.finish(record)

    def finish(self, record: SourceRecord) -> None:
        """Delete the chunks of earlier versions, then mark the source clean (rerun after a crash)."""
        self.collect_garbage(record.source, set(record.chunk_ids))
        self._write_record(record, clean=True)

    def _write_record(self, record: SourceRecord, clean: bool) -> None:
        meta = {
            "hash": record.hash,
            "kind": record.kind,
            "title": record.title,
            "updated": record.updated or time.time(),
            "chunks": len(record.chunk_ids),
            "clean": clean,
        }
        self.sources.upsert(
            ids=[record.source],
            embeddings=[_PLACEHOLDER],
            documents=[json.dumps(record.chunk_ids)],
            metadatas=[meta],
        )

    def collect_garbage(self, source: str, keep: set[str]) -> int:
        stale = [
            cid for cid in self.chunks.get(where={"source": source}, include=[])["ids"] if cid not in keep
        ]
        for i in range(0, len(stale), self._batch):
            self.chunks.delete(ids=stale[i : i + self._batch])
        return len(stale)

    def remove_source(self, source: str) -> bool:
        if not self.sources.get(ids=[source], include=[])["ids"]:
            return False
        self.sources.delete(ids=[source])
        self._bump_revision()
        self.collect_garbage(source, set())
        return True

    def reset(self) -> None:
        for name in (self.name, f"{self.name}-sources"):
            with contextlib.suppress(Exception):  # an absent collection is fine on reset
                self.client.delete_collection(name)
        self.__init__(self.client, self.embedder, self.name)  # type: ignore[misc]

    # -- reads ----------------------------------------------------------------------
    def active_chunks(self, ids: list[str] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of active chunks: all of them, or those of `ids`."""
        if ids is None:
            ids = [cid for rec in self.source_records().values() for cid in rec.chunk_ids]
        out: list[tuple[str, str, dict[str, Any]]] = []
        for i in range(0, len(ids), self._batch):
            got = self.chunks.get(ids=ids[i : i + self._batch], include=["metadatas"])
            out.extend(
                (cid, meta.pop("text", ""), meta)
                for cid, meta in zip(got["ids"], got["metadatas"], strict=True)
            )
        return out

    def active_chunks_with_vectors(self) -> tuple[list[tuple[str, str, dict[str, Any]]], list[Any]]:
        """The active chunks as `active_chunks()` gives them, and their stored embeddings in the same
        order; no embeddings (an empty list) when chroma cannot give every one (after a kill -9
        mid-ingest, until the rerun)."""
        from chromadb.errors import ChromaError  # loaded already: the store is open

        ids = [cid for rec in self.source_records().values() for cid in rec.chunk_ids]
        rows: list[tuple[str, str, dict[str, Any]]] = []
        vectors: list[Any] = []
        try:
            for i in range(0, len(ids), self._batch):
                got = self.chunks.get(ids=ids[i : i + self._batch], include=["metadatas", "embeddings"])
                for cid, meta, vector in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True):
                    rows.append((cid, meta.pop("text", ""), meta))
                    vectors.append(vector)
        except ChromaError:
            return self.active_chunks(ids), []
        return rows, vectors

    def vector_search(self, embedding: list[float], n: int) -> list[tuple[str, float]]:
        """(id, similarity) best first, at most `n`; may include inactive chunks, the caller filters."""
        if n <= 0:
            return []
        got = self.chunks.query(query_embeddings=[embedding], n_results=n, include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(got["ids"][0], got["distances"][0], strict=True)]

    def vectors(self, ids: list[str]) -> dict[str, Any]:
        """id → stored embedding (a numpy array) of the chunks among `ids` that exist."""
        if not ids:
            return {}
        from chromadb.errors import ChromaError  # loaded already: the store is open

        try:
            got = self.chunks.get(ids=ids, include=["embeddings"])
        except ChromaError:  # after a kill -9 mid-ingest a chunk can lack its vector until the rerun
            found: dict[str, Any] = {}
            for cid in ids:
                with contextlib.suppress(ChromaError):
                    one = self.chunks.get(ids=[cid], include=["embeddings"])
                    found.update(zip(one["ids"], one["embeddings"], strict=True))
            return found
        return dict(zip(got["ids"], got["embeddings"], strict=True))

    def count(self) -> int:
        return self.chunks.count()


def products_from_chunks(rows: list[tuple[str, str, dict[str, Any]]]) -> list[Product]:
    seen: dict[str, Product] = {}
    for _, _, meta in rows:
        if meta.get("kind") == "product" and meta.get("product_json") and meta.get("product_id") not in seen:
            product = Product.model_validate_json(meta["product_json"])
            seen[product.id] = product
    return list(seen.values())
