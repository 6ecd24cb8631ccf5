"""Eval runner throughput: 200 cases against a fake OpenAI-compatible LLM with a fixed 200 ms latency.

    python -m bench.eval_concurrency [--cases 200] [--latency 0.2] [--concurrency 8]

The fake LLM runs in its own process (tests/fake_openai.py), as a real server would. The LLM cache
is off, so every case makes its one LLM call (rule analyzer + LLM draft).
Ideal = cases × latency / concurrency. Baseline in the same run: 20 cases at concurrency 1
(ideal 20 × latency), which shows the per-case overhead. Target: within 1.3× of the ideal.
Results: bench/results/eval_concurrency.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.evals.runner import RunOptions, run_suites
from assistant.evals.suite import Suite, load_suite, suite_paths
from assistant.settings import Settings, load_settings
from bench.common import write

ROOT = Path(__file__).resolve().parent.parent
REPLY = json.dumps(
    {
        "variants": ["您好～想先多了解一下您的皮肤情况，平时是偏油还是偏干呢？"],
        "products": [],
        "citations": [],
    },
    ensure_ascii=False,
)


def cases(n: int) -> Suite:
    pool = [c for p in suite_paths([ROOT / "evals"]) for c in load_suite(p).cases]
    picked = [
        pool[i % len(pool)].model_copy(update={"id": f"{pool[i % len(pool)].id}-{i}"}) for i in range(n)
    ]
    return Suite(suite="bench", cases=picked)


def timed(suite: Suite, settings: Settings, concurrency: int) -> tuple[float, int]:
    started = time.perf_counter()
    _, runs, _ = run_suites([suite], settings, RunOptions(concurrency=concurrency, judge=False, cache=False))
    return time.perf_counter() - started, sum(r.llm_calls for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_openai", "--latency", str(args.latency), "--reply", REPLY],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().strip()  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory() as data_dir:
            settings = load_settings(
                ASSISTANT_DATA_DIR=data_dir,
                OPENAI_API_KEY="sk-bench",
                OPENAI_BASE_URL=base_url,
                ASSISTANT_ANALYZER="rules",
                ASSISTANT_LLM_MAX_RETRIES=0,
                ASSISTANT_ENV_FILE="/nonexistent",
            )
            timed(cases(2), settings, 1)  # warm-up: demo knowledge ingested, imports and jieba loaded
            serial_n = 20
            serial, serial_calls = timed(cases(serial_n), settings, 1)
            parallel, calls = timed(cases(args.cases), settings, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=10)
    ideal = args.cases * args.latency / args.concurrency
    data = {
        "cases": args.cases,
        "latency_s": args.latency,
        "concurrency": args.concurrency,
        "llm_calls": calls,
        "seconds": round(parallel, 2),
        "ideal_seconds": round(ideal, 2),
        "ratio_to_ideal": round(parallel / ideal, 3),
        "target_ratio": 1.3,
        "baseline_serial": {
            "cases": serial_n,
            "seconds": round(serial, 2),
            "ideal_seconds": round(serial_n * args.latency, 2),
            "ratio_to_ideal": round(serial / (serial_n * args.latency), 3),
            "llm_calls": serial_calls,
        },
    }
    path = write("eval_concurrency", data)
    print(json.dumps(data, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
