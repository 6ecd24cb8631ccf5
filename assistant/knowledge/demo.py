"""The demo knowledge on first use: ingested once when several processes start together, and
completed on the next start when a run was interrupted (a kill, a crash, a closed laptop).

The ingest runs under an exclusive lock (`fcntl.flock` on a file in the data dir), and a marker
written only after it completes says it is done. Without the marker the ingest runs (again): it is
incremental, so an interrupted one is finished and a complete one costs a hash per file. A store
that already holds other knowledge and none of the demo is left as it is (the operator's own).
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from assistant.knowledge.ingest import Ingestor, IngestReport
from assistant.locks import file_lock
from assistant.settings import Settings

LOCK_NAME = "demo-knowledge.lock"


def demo_marker(settings: Settings) -> Path:
    """The marker of this store (server and collection): another store has its own first use."""
    store = f"{settings.chroma_url or 'embedded'}|{settings.collection}"
    return Path(settings.data_dir) / f"demo-knowledge-{hashlib.sha1(store.encode()).hexdigest()[:10]}.done"


def ensure_demo_knowledge(ingestor: Ingestor, settings: Settings) -> IngestReport | None:
    """Ingest the demo knowledge unless this store has it complete (or holds other knowledge).

    Returns the ingest report when an ingest ran, None otherwise."""
    knowledge = Path(settings.knowledge_dir)
    marker = demo_marker(settings)
    if marker.exists() or not knowledge.is_dir():
        return None
    with file_lock(marker.parent / LOCK_NAME):  # the others wait here, then find the marker
        if marker.exists():
            return None
        records = ingestor.store.source_records()
        prefix = knowledge.resolve().name + "/"
        if records and not any(source.startswith(prefix) for source in records):
            _write_marker(marker, {"skipped": "the store already held other knowledge"})
            return None
        report = ingestor.ingest([knowledge])
        if not report.rejected:  # a rejected demo file is retried on the next start
            _write_marker(marker, {"sources": len(report.added + report.updated + report.unchanged)})
        return report


def forget_demo_knowledge(settings: Settings) -> None:
    """After a reset of the store: the next start sets the demo knowledge up again."""
    demo_marker(settings).unlink(missing_ok=True)


def _write_marker(marker: Path, data: dict[str, object]) -> None:
    partial = marker.with_suffix(".partial")
    partial.write_text(json.dumps({**data, "completed": time.time()}), encoding="utf-8")
    partial.replace(marker)  # atomic: the marker is never half-written
