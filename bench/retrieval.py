"""Knowledge-base benchmark: ingest rate, unchanged re-ingest, hybrid query latency and quality at
10k and 100k chunks, each against vector-only and BM25-only in the same run.

    python -m bench.retrieval [--sizes 10000 100000] [--queries bench/queries.yaml]
                              [--embedders local use e5] [--embedding-cache data/bench-embeddings]
                              [--repeat 1]

Search latency excludes the query embedding, which is timed apart (uncached, first time each query
is seen) and printed under each table. Model embedders keep their document vectors in
--embedding-cache across runs (keyed by text), so only the first run at a size pays for embedding.

Corpus: the demo knowledge (which the labeled queries point at) + ../shared/data (Sephora and
Taobao catalogs through a column mapping, Reddit questions as articles) when present + generated
filler text (sentences of the demo articles and the Reddit titles shuffled into sections) up to
the size. Results: bench/results/retrieval.json (retrieval-<query file>.json for another --queries).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from assistant.embedding import SEED_FOLDER, base_embedder
from assistant.embedding_cache import CachedEmbedder
from assistant.knowledge.base import KnowledgeBase
from assistant.settings import Settings, load_settings
from assistant.store import KnowledgeStore, open_client
from bench.common import summary_ms, write

ROOT = Path(__file__).resolve().parent.parent
MODES = ("hybrid", "vector", "bm25")


def sentences(shared: Path) -> tuple[list[str], str]:
    """Filler text that is NOT the demo knowledge: other brands' Taobao titles, Reddit posts, INCI
    functions (skincare-flavoured noise in both languages). Without ../shared, shuffled demo sentences."""
    data = shared / "data"
    pool: list[str] = []
    if (data / "products" / "taobao_beauty_titles_3497.csv").exists():
        with (data / "products" / "taobao_beauty_titles_3497.csv").open(encoding="utf-8") as handle:
            pool += [row["title"].strip() + "。" for row in csv.DictReader(handle) if row.get("title")]
        for name in ("SkincareAddiction.csv", "acne.csv"):
            with (data / "questions" / name).open(encoding="utf-8", errors="replace") as handle:
                for row in csv.DictReader(handle):
                    text = f"{row.get('title') or ''}. {row.get('selftext') or ''}"
                    pool += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 10 < len(s.strip()) < 200]
        with (data / "regulatory" / "eu_cosing_inci_functions.csv").open(
            encoding="utf-8", errors="replace"
        ) as handle:
            for n, row in enumerate(csv.DictReader(handle)):
                if n > 20000:
                    break
                pool.append(" ".join(v for v in row.values() if v)[:160] + ".")
        return pool, "shared data (Taobao titles, Reddit posts, CosIng INCI functions)"
    for path in (ROOT / "knowledge" / "articles").glob("*.md"):
        pool += [
            s.strip()
            for s in re.split(r"(?<=[。！？])", path.read_text(encoding="utf-8"))
            if 8 < len(s.strip()) < 120 and "---" not in s
        ]
    return pool, "shuffled demo-article sentences (../shared absent)"


def filler(folder: Path, chunks: int, pool: list[str], seed: int = 7) -> None:
    """Markdown files of `chunks` sections; each section (3–6 shuffled sentences) becomes one chunk."""
    rng = random.Random(seed)
    per_file = 1000
    for f in range((chunks + per_file - 1) // per_file):
        lines = [f"# 生成文章 {f}"]
        for s in range(min(per_file, chunks - f * per_file)):
            lines.append(f"## 段落 {f}-{s}")
            lines.append("".join(rng.sample(pool, rng.randint(3, 6)))[:380])
        (folder / f"filler-{f:04d}.md").write_text("\n".join(lines), encoding="utf-8")


def embedding_times(assistant: KnowledgeBase, queries: list[dict[str, Any]]) -> dict[str, float]:
    """The query embedding, timed apart: each query embedded once, before any search sees it."""
    embedder = assistant.store.embedder
    times = []
    for q in queries:
        text = assistant.retriever.vector_text(q["query"])
        start = time.perf_counter()
        embedder.embed_query(text)  # a CachedEmbedder keeps it: the searches below do not embed again
        times.append(time.perf_counter() - start)
    return summary_ms(times)


def quality(
    assistant: KnowledgeBase, queries: list[dict[str, Any]], modes: tuple[str, ...] = MODES, repeat: int = 1
) -> dict[str, dict[str, float]]:
    """Recall@5, MRR and search latency per mode; with `repeat` > 1 each query is timed that many times
    and its median kept (on a shared machine a neighbour's burst otherwise lands in the tail)."""
    out = {}
    for mode in modes:
        recall, rr, times = 0.0, 0.0, []
        for q in queries:
            runs = []
            for _ in range(max(1, repeat)):
                start = time.perf_counter()
                hits = assistant.retriever.search(q["query"], k=5, mode=mode)
                runs.append(time.perf_counter() - start)
            times.append(statistics.median(runs))
            keys = [h.chunk.product_id or h.chunk.source for h in hits]
            relevant = set(q["relevant"])
            recall += len(relevant & set(keys)) / min(len(relevant), 5)
            rank = next((i for i, k in enumerate(keys, start=1) if k in relevant), None)
            rr += 1 / rank if rank else 0.0
        out[mode] = {
            "recall@5": round(recall / len(queries), 4),
            "mrr": round(rr / len(queries), 4),
            **summary_ms(times),
        }
    return out


def open_assistant(settings: Settings, cache: Path) -> KnowledgeBase:
    """The assistant over a fresh store; a model embedder keeps its vectors in `cache` across runs."""
    embedder = base_embedder(settings)
    if embedder.name.startswith("hashing"):
        return KnowledgeBase.open(settings)
    cached = CachedEmbedder(embedder, cache, seeds=[settings.knowledge_dir / SEED_FOLDER])
    return KnowledgeBase.open(settings, KnowledgeStore(open_client(settings), cached, settings.collection))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=Path, default=ROOT / "bench" / "queries.yaml")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument(
        "--embedders", nargs="+", default=None, help="ASSISTANT_EMBEDDER values (default: the configured one)"
    )
    parser.add_argument("--embedding-cache", type=Path, default=ROOT / "data" / "bench-embeddings")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time each search this many times and keep its median (default 1)",
    )
    args = parser.parse_args()
    queries = yaml.safe_load(args.queries.read_text(encoding="utf-8"))
    pool, source = sentences(args.shared)
    results: dict[str, Any] = {
        "queries": len(queries),
        "query_file": str(args.queries),
        "repeat": args.repeat,
        "filler": source,
        "sizes": {},
        "embedders": {},
    }
    for size in args.sizes:
        for embedder in args.embedders or [None]:
            run = build_and_measure(size, embedder, queries, pool, args)
            results["embedders"].setdefault(run["embedder"], {})[str(size)] = run
            if str(size) not in results["sizes"]:  # the first embedder keeps the historical layout
                results["sizes"][str(size)] = run
            print(size, run)
    default = args.queries.resolve() == (ROOT / "bench" / "queries.yaml").resolve()
    path = write("retrieval" if default else f"retrieval-{args.queries.stem}", results)
    print(f"wrote {path}")
    for name, sizes in results["embedders"].items():
        for size, r in sizes.items():
            print(
                f"\n{size} chunks ({r['chunks']}), embedder {name}: cold ingest {r['cold_ingest']['chunks_per_s']}/s, unchanged re-ingest {r['unchanged_reingest_seconds']} s"
            )
            print("| mode | recall@5 | MRR | p50 ms | p95 ms |\n|---|---|---|---|---|")
            for mode, q in r["quality_and_latency"].items():
                print(f"| {mode} | {q['recall@5']} | {q['mrr']} | {q['p50_ms']} | {q['p95_ms']} |")
            e = r["query_embedding"]
            print(f"query embedding (apart, uncached): p50 {e['p50_ms']} ms, p95 {e['p95_ms']} ms")


@contextmanager
def built(
    size: int, embedder: str | None, pool: list[str], args: argparse.Namespace
) -> Iterator[tuple[KnowledgeBase, dict[str, Any]]]:
    """A store of `size` chunks in a temporary data dir, and what building it took."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        overrides = {"ASSISTANT_EMBEDDER": embedder} if embedder else {}
        settings = load_settings(
            ASSISTANT_DATA_DIR=str(tmp_path / "data"),
            ASSISTANT_ENGINE="offline",
            ASSISTANT_ENV_FILE="/nonexistent",
            **overrides,
        )
        assistant = open_assistant(settings, args.embedding_cache)
        ingestor = assistant.ingestor()
        started = time.perf_counter()
        ingestor.ingest([ROOT / "knowledge"])
        data = args.shared / "data" / "products"
        if (data / "sephora_skincare_445.csv").exists():
            ingestor.ingest(
                [data / "sephora_skincare_445.csv"],
                mapping={
                    "skin_types": "skin_type",
                    "concerns": "skincare_concerns",
                    "description": "what_it_is",
                },
            )
            ingestor.ingest(
                [data / "taobao_beauty_titles_3497.csv"], mapping={"name": "title", "price": "price_cny"}
            )
        base = assistant.store.count()
        corpus = tmp_path / "filler"
        corpus.mkdir()
        filler(corpus, max(0, size - base), pool)
        cache = assistant.store.embedder
        hits_before = getattr(cache, "hits", 0)
        gen_started = time.perf_counter()
        report = ingestor.ingest([corpus])
        cold_seconds = time.perf_counter() - gen_started
        total = assistant.store.count()
        again = ingestor.ingest([ROOT / "knowledge", corpus])
        index_started = time.perf_counter()
        assistant.retriever.refresh(force=True)
        index_seconds = time.perf_counter() - index_started
        restarted = KnowledgeBase.open(assistant.settings)  # a new process would do this: load the snapshot
        snapshot_started = time.perf_counter()
        restarted.retriever.refresh()
        snapshot_seconds = time.perf_counter() - snapshot_started
        stats = {
            "embedder": assistant.store.embedder.name,
            "chunks": total,
            "cold_ingest": {
                "chunks": report.chunks_written,
                "seconds": round(cold_seconds, 2),
                "chunks_per_s": round(report.chunks_written / max(cold_seconds, 1e-9), 1),
                "vectors_from_cache": getattr(cache, "hits", 0) - hits_before,
            },
            "unchanged_reingest_seconds": round(again.seconds, 3),
            "unchanged_written": again.chunks_written,
            "index_build_seconds": round(index_seconds, 2),
            "index_snapshot_load_seconds": round(snapshot_seconds, 2),
            "total_build_seconds": round(time.perf_counter() - started, 1),
        }
        yield assistant, stats


def build_and_measure(
    size: int, embedder: str | None, queries: list[dict[str, Any]], pool: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    with built(size, embedder, pool, args) as (assistant, stats):
        for q in queries[:5]:  # warm-up
            assistant.retriever.search(q["query"], k=5)
        embedding = embedding_times(assistant, queries)
        return {
            **stats,
            "query_embedding": embedding,
            "quality_and_latency": quality(assistant, queries, repeat=getattr(args, "repeat", 1)),
        }


if __name__ == "__main__":
    main()
