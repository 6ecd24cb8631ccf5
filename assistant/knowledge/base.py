"""The knowledge base: the store, its retriever and its ingestor, built once and handed to whoever
needs knowledge (the draft flow, the console's Knowledge page, `assistant kb`, the API)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.embedding import build_embedder
from assistant.knowledge.demo import ensure_demo_knowledge
from assistant.knowledge.ingest import Ingestor, IngestReport
from assistant.models import Chunk, Hit, Product
from assistant.query import SearchQuery
from assistant.retrieval import Filters, Retriever
from assistant.settings import Settings
from assistant.store import KnowledgeStore, open_client


@dataclass
class KnowledgeBase:
    settings: Settings
    store: KnowledgeStore
    retriever: Retriever

    @classmethod
    def open(cls, settings: Settings, store: KnowledgeStore | None = None) -> KnowledgeBase:
        store = store or KnowledgeStore(open_client(settings), build_embedder(settings), settings.collection)
        return cls(settings, store, Retriever(store, Path(settings.data_dir) / "index"))

    # -- reading ----------------------------------------------------------------------
    def search(
        self, query: str | SearchQuery, k: int = 5, filters: Filters | None = None, mode: str = "hybrid"
    ) -> list[Hit]:
        return self.retriever.search(query, k=k, filters=filters or Filters(), mode=mode)

    def products(self) -> list[Product]:
        return self.retriever.products()

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.retriever.chunk(chunk_id)

    def product_chunk_ids(self, product_ids: list[str]) -> dict[str, str]:
        return self.retriever.product_chunk_ids(product_ids)

    def stats(self) -> dict[str, Any]:
        """What `assistant kb stats` and the Knowledge page show."""
        records = self.store.source_records()
        rows = [
            {
                "source": r.source,
                "kind": r.kind,
                "title": r.title,
                "chunks": len(r.chunk_ids),
                "updated": time.strftime("%Y-%m-%d %H:%M", time.localtime(r.updated)),
            }
            for r in sorted(records.values(), key=lambda r: r.source)
        ]
        return {
            "store": self.settings.chroma_url or str(Path(self.settings.data_dir) / "chroma"),
            "collection": self.settings.collection,
            "embedder": self.store.embedder.name,
            "sources": len(records),
            "chunks": sum(len(r.chunk_ids) for r in records.values()),
            "products": len(self.products()),
            "by_kind": dict(Counter(r.kind for r in records.values())),
            "source_list": rows,
        }

    # -- writing ----------------------------------------------------------------------
    def ingestor(self) -> Ingestor:
        s = self.settings
        return Ingestor(self.store, s.chunk_size, s.chunk_overlap, s.usd_to_cny)

    def remove_source(self, source: str) -> bool:
        return self.store.remove_source(source)

    def ensure_demo(self) -> IngestReport | None:
        """On first use, ingest the demo knowledge so the app works out of the box."""
        return ensure_demo_knowledge(self.ingestor(), self.settings)
