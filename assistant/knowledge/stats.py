"""Store statistics for `assistant kb stats` and the Knowledge page."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from assistant.pipeline import Assistant


def store_stats(assistant: Assistant) -> dict[str, Any]:
    settings = assistant.settings
    records = assistant.store.source_records()
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
        "store": settings.chroma_url or str(settings.data_dir / "chroma"),
        "collection": settings.collection,
        "embedder": assistant.store.embedder.name,
        "sources": len(records),
        "chunks": sum(len(r.chunk_ids) for r in records.values()),
        "products": len(assistant.retriever.products()),
        "by_kind": dict(Counter(r.kind for r in records.values())),
        "source_list": rows,
    }
