"""Precompute the vectors of a knowledge folder for a model embedder and ship them beside it.

    python scripts/seed_embeddings.py [--knowledge knowledge/] [--embedder use]

Writes `<knowledge>/.embeddings/<embedder name>.npz` (text hash → float32 vector): the embedding
cache reads it first, so ingesting that folder (the console's first start) runs no model. Rerun it
after editing the demo knowledge; tests/unit/test_embedding_cache.py fails while it is stale.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from assistant.embedding import SEED_FOLDER, base_embedder
from assistant.embedding_cache import CachedEmbedder, file_stem, write_seed
from assistant.knowledge.ingest import Ingestor
from assistant.settings import PROJECT_ROOT, load_settings
from assistant.store import KnowledgeStore, open_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=PROJECT_ROOT / "knowledge")
    parser.add_argument("--embedder", default="use", help="an ASSISTANT_EMBEDDER value (a model embedder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            ASSISTANT_DATA_DIR=tmp, ASSISTANT_EMBEDDER=args.embedder, ASSISTANT_ENV_FILE="/nonexistent"
        )
        inner = base_embedder(settings)
        cache = CachedEmbedder(inner, Path(tmp) / "embeddings")  # no seeds: every chunk is embedded
        store = KnowledgeStore(open_client(settings), cache, settings.collection)
        report = Ingestor(store, settings.chunk_size, settings.chunk_overlap).ingest([args.knowledge])
        db = sqlite3.connect(Path(tmp) / "embeddings" / f"{file_stem(inner.name)}.sqlite")
        vectors = {
            key: np.frombuffer(blob, dtype=np.float32)
            for key, blob in db.execute("SELECT key, vector FROM vectors")
        }
        db.close()
    path = args.knowledge / SEED_FOLDER / f"{file_stem(inner.name)}.npz"
    write_seed(path, inner.name, vectors)
    print(f"wrote {path}: {len(vectors)} vectors of {report.chunks_total} chunks ({inner.name})")


if __name__ == "__main__":
    main()
