"""Tune the fusion weights of one embedder on bench/queries.yaml — and only there.

    python -m bench.tune_fusion [--embedder use] [--size 10000]

Builds the benchmark's store once (same corpus and embedding cache as bench/retrieval.py), then
scores a grid of `Fusion` settings (RRF k, vector weight, tag and skin boosts, whether the vector
side embeds the expanded query; the other fields keep the embedder's values in FUSION, and --grid
sets any axis, e.g. '{"faq": [0, 1, 2], "named": [0, 2]}') by hybrid recall@5, then MRR, on the
tuning queries, next to vector and BM25 alone. The held-out file (bench/queries-heldout.yaml) is refused: it only reports. Copy
the winner into FUSION in assistant/retrieval.py. Results: bench/results/tune_fusion-<embedder>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path
from typing import Any

import yaml

from assistant.retrieval import Fusion
from bench.common import write
from bench.retrieval import ROOT, built, quality, sentences

TUNING = ROOT / "bench" / "queries.yaml"
GRID: dict[str, list[Any]] = {
    "k": [10, 30],
    "vector": [0.5, 1.0, 2.0, 3.0],
    "tags": [0.0, 0.5, 1.0, 2.0],
    "skin": [0.0, 0.2],
    "expand_vector": [False, True],
    "per_source": [0, 2],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default=None, help="an ASSISTANT_EMBEDDER value (default: configured)")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--embedding-cache", type=Path, default=ROOT / "data" / "bench-embeddings")
    parser.add_argument(
        "--grid",
        type=json.loads,
        default={},
        help='JSON overriding grid axes, e.g. {"rescore": [false, true]}',
    )
    args = parser.parse_args()
    grid = {**GRID, **args.grid}
    queries = yaml.safe_load(TUNING.read_text(encoding="utf-8"))
    pool, _ = sentences(args.shared)
    rows = []
    with built(args.size, args.embedder, pool, args) as (assistant, stats):
        name = stats["embedder"]
        singles = quality(assistant, queries, ("vector", "bm25"))
        base = assistant.retriever.fusion  # the axes not in the grid keep the embedder's current values
        for values in itertools.product(*grid.values()):
            fusion = Fusion(**{**base.__dict__, **dict(zip(grid, values, strict=True))})  # type: ignore[arg-type]
            assistant.retriever.fusion_override = fusion
            q = quality(assistant, queries, ("hybrid",))["hybrid"]
            rows.append({**fusion.__dict__, "recall@5": q["recall@5"], "mrr": q["mrr"]})
    rows.sort(key=lambda r: (-r["recall@5"], -r["mrr"]))
    write(f"tune_fusion-{name}", {"embedder": name, "size": args.size, "singles": singles, "top": rows[:20]})
    print(f"{name} at {stats['chunks']} chunks, tuning queries only ({len(queries)})")
    v, b = singles["vector"], singles["bm25"]
    print(f"vector alone {v['recall@5']} / {v['mrr']}, BM25 alone {b['recall@5']} / {b['mrr']}")
    print("| " + " | ".join(grid) + " | recall@5 | MRR |")
    print("|" + "---|" * (len(grid) + 2))
    for r in rows[:15]:
        print("| " + " | ".join(str(r[name]) for name in grid) + f" | {r['recall@5']} | {r['mrr']} |")


if __name__ == "__main__":
    main()
