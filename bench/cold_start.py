"""Cold start of the console: from `streamlit run ui/app.py` to an interactive Draft page in Chromium.

    python -m bench.cold_start [--n 5] [--poll health|goto] [--embedders local use]

"After install": the data dir already holds the ingested demo knowledge (ingested in-process first),
so the time is Streamlit's start-up + the first script run (imports, settings, opening the store and
the review log) + rendering. Chromium is launched before the server and is not counted; the clock
starts when the server process is spawned and stops when the Draft page's textarea "客户消息 / 聊天记录"
(the Chinese UI, the default) is visible and enabled. Each run is a fresh server process (and a fresh browser
context) on the same data dir. Baseline in the same run: a one-line `st.text_area("x")` app measured
the same way, so the project's own cost is the difference. The server is awaited by polling
/_stcore/health (cheap), then the page is opened; `--poll goto` polls page.goto instead, which on a
2-core machine steals CPU from the starting server (~0.5 s more for both apps).
With `--embedders`, the console is measured once per embedder in the same run (interleaved, each
over its own data dir ingested with that embedder); the first one is reported as "app".
Results: bench/results/cold_start.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import write
from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port, stop, streamlit_command

ROOT = Path(__file__).resolve().parent.parent
APP_LABEL = "客户消息 / 聊天记录"
TARGET_MEDIAN_S = 3.0
TIMEOUT_S = 120.0
POLL_INTERVAL_S = 0.02


def server_env(data_dir: Path, embedder: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    chosen = {"ASSISTANT_EMBEDDER": embedder} if embedder else {}
    return env | {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_ENV_FILE": "/nonexistent"} | chosen


def ingest(data_dir: Path, embedder: str | None = None) -> None:
    from assistant.knowledge.base import KnowledgeBase
    from assistant.settings import load_settings

    chosen = {"ASSISTANT_EMBEDDER": embedder} if embedder else {}
    KnowledgeBase.open(
        load_settings(ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_ENV_FILE="/nonexistent", **chosen)  # type: ignore[arg-type]
    ).ensure_demo()


def measure(
    browser: Any, script: Path, label: str, env: dict[str, str], log: Path, poll: str
) -> dict[str, float]:
    """One cold start: seconds until the server answered the page, and until `label` is interactive.

    poll="health": poll /_stcore/health with a plain HTTP GET, then open the page once;
    poll="goto": poll page.goto itself (each failed navigation costs Chromium CPU, which on a
    2-core machine slows the server's own start-up and inflates the result by ~0.5 s)."""
    from playwright.sync_api import Error

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    command = streamlit_command(script, port)
    with log.open("ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while True:  # poll until the server answers
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log}")
            if time.perf_counter() - start > TIMEOUT_S:
                raise TimeoutError(f"no answer from {url} in {TIMEOUT_S:.0f} s; see {log}")
            try:
                if poll == "health":
                    urllib.request.urlopen(url + "_stcore/health", timeout=2).read()
                page.goto(url, timeout=5_000, wait_until="commit")
                break
            except (Error, OSError):
                time.sleep(POLL_INTERVAL_S)
        served = time.perf_counter() - start
        box = page.get_by_label(label, exact=True)
        box.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
        while not box.is_enabled():
            time.sleep(0.01)
        ready = time.perf_counter() - start
    finally:
        stop(proc)
        context.close()
    return {"served_s": served, "interactive_s": ready}


def stats(values: list[float]) -> dict[str, float]:
    return {
        "min_s": round(min(values), 3),
        "median_s": round(statistics.median(values), 3),
        "max_s": round(max(values), 3),
    }


def summarize(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {
        "interactive": stats([r["interactive_s"] for r in runs]),
        "served": stats([r["served_s"] for r in runs]),
        "runs": [{k: round(v, 3) for k, v in r.items()} for r in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=5, help="cold starts per app")
    parser.add_argument(
        "--poll",
        choices=("health", "goto"),
        default="health",
        help="how to wait for the server: GET /_stcore/health (default, cheap) or page.goto in a loop",
    )
    parser.add_argument(
        "--embedders", nargs="+", default=None, help="ASSISTANT_EMBEDDER values (default: the configured one)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    embedders: list[str | None] = list(args.embedders or [None])
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        work = Path(tmp)
        envs = {}
        for n, embedder in enumerate(embedders):
            data_dir = work / f"data-{n}"
            ingest(data_dir, embedder)
            envs[embedder or "configured"] = server_env(data_dir, embedder)
        baseline = work / "baseline.py"
        baseline.write_text('import streamlit as st\n\nst.text_area("x")\n', encoding="utf-8")
        log = work / "streamlit.log"
        env = next(iter(envs.values()))
        results: dict[str, list[dict[str, float]]] = {"baseline": [], **{name: [] for name in envs}}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                for i in range(args.n):  # interleaved, so drift on the machine hits all alike
                    results["baseline"].append(measure(browser, baseline, "x", env, log, args.poll))
                    for name, app_env in envs.items():
                        results[name].append(
                            measure(browser, ROOT / "ui" / "app.py", APP_LABEL, app_env, log, args.poll)
                        )
                    print(
                        f"run {i + 1}/{args.n}: "
                        + " · ".join(
                            f"{name} {runs[-1]['interactive_s']:.2f} s" for name, runs in results.items()
                        ),
                        flush=True,
                    )
            finally:
                browser.close()

    first = next(iter(envs))
    by_embedder = {name: summarize(results[name]) for name in envs}
    app, base = by_embedder[first], summarize(results["baseline"])
    overhead = round(app["interactive"]["median_s"] - base["interactive"]["median_s"], 3)
    path = write(
        "cold_start",
        {
            "n": args.n,
            "poll": args.poll,
            "what": "spawn `streamlit run` → Draft textarea visible+enabled in Chromium (demo knowledge ingested)",
            "target_median_s": TARGET_MEDIAN_S,
            "meets_target": app["interactive"]["median_s"] <= TARGET_MEDIAN_S,
            "app": app,
            "app_by_embedder": by_embedder,
            "baseline_trivial_streamlit": base,
            "project_overhead_median_s": overhead,
        },
    )
    print()
    print(f"Cold start to an interactive page, n={args.n} fresh server processes each, poll={args.poll} (s):")
    print()
    print("| app | min | median | max | server answered (median) |")
    print("|---|---:|---:|---:|---:|")
    rows = [(f"console `ui/app.py` ({name})", summary) for name, summary in by_embedder.items()]
    for name, summary in [*rows, ("baseline `st.text_area`", base)]:
        s = summary["interactive"]
        print(
            f"| {name} | {s['min_s']:.2f} | {s['median_s']:.2f} | {s['max_s']:.2f} | "
            f"{summary['served']['median_s']:.2f} |"
        )
    verdict = "meets" if app["interactive"]["median_s"] <= TARGET_MEDIAN_S else "MISSES"
    print()
    print(f"Project overhead (median): {overhead:.2f} s · target ≤ {TARGET_MEDIAN_S:.0f} s median: {verdict}")
    print(f"Results: {path}")


if __name__ == "__main__":
    main()
