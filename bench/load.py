"""Load test of the HTTP API: N concurrent operators drafting against `assistant serve`.

    python -m bench.load [--clients 1 8 32] [--drafts 128] [--latency 0.2] [--backends sqlite postgres]
                         [--engines offline llm]

Set-up, all on 127.0.0.1: a `chroma run` server with the demo knowledge, the review log on SQLite or
on PostgreSQL (Debian's server started in a temporary folder, tests/servers.py), and for the LLM
engine a fake OpenAI-compatible server with a fixed latency in its own process (tests/fake_openai.py;
rule analyzer, so one LLM call per draft). For each backend and engine one `assistant serve` process
is started; each client is one operator with their own token and customers (a new one every 8
drafts, so threads stay the length of a chat), drafting then deciding (`edited` with a text naming
the client and round) as fast as the server answers. Every message differs, so no cache answers it.

Reported per level: throughput (drafts/s, decisions included, timed once every client has its
customers), p50/p95 draft latency (POST /v1/drafts), the decision's p50, errors, and the ratio of the
API's draft p50 to the in-process draft time (`draft_for_customer`: draft + log, same backend, same
knowledge, same kind of messages and customers) measured in the same run. The server makes one draft
before the clock starts (its first loads jieba and the index). Afterwards the log is read back: every
draft must be there once, with its operator, its customer and its final text in the thread in order
(`lost` and `mixed` must be 0).
Asyncio + httpx rather than locust: the requests per client are fixed, so nothing lost can be counted,
and no gevent monkey-patching shares the process with the clients. Results: bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from assistant.reviewlog import ReviewLog
from assistant.services import DraftRequest, build, draft_for_customer
from assistant.settings import load_settings
from bench.common import percentile, write
from bench.eval_concurrency import REPLY  # an ask-step draft, as the fake LLM's answer
from tests.servers import chroma_server, postgres_bin, postgres_server
from tests.support import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "你好，想买点护肤品"
PER_CUSTOMER = 8  # drafts per customer: an operator moves between customers, threads stay chat-sized


def message(who: object, n: int) -> str:
    """Every draft's message differs (no cache answers it), in the API runs and the baseline alike."""
    return f"{MESSAGE}（{who}-{n}）"


def token(i: int) -> str:
    return f"load-token-{i:03d}-0123456789abcdef"


@contextmanager
def fake_llm(latency: float) -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_openai", "--latency", str(latency), "--reply", REPLY],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield server.stdout.readline().strip()  # type: ignore[union-attr]
    finally:
        stop(server)


@contextmanager
def api_server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_", "CHROMA_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        env=clean | env | {"ASSISTANT_ENV_FILE": "/nonexistent"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                if httpx.get(f"{url}/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError("assistant serve stopped while starting")
            time.sleep(0.25)
        else:
            raise RuntimeError("assistant serve did not start")
        warm_up(url, env)
        yield url
    finally:
        stop(process)


def warm_up(url: str, env: dict[str, str]) -> None:
    """One draft before the clock starts: the server loads jieba and the index on its first draft, a
    one-off cost of a start, not of a request (the baseline skips its first two drafts for the same
    reason). Its customer is not one of the clients', so the read-back does not count it."""
    operator, secret = env["ASSISTANT_API_TOKENS"].split(",")[0].split(":", 1)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=300) as http:
        customer = http.post("/v1/customers", json={"name": f"warm-up-{operator}"}).json()["id"]
        http.post("/v1/drafts", json={"customer_id": customer, "message": MESSAGE}).raise_for_status()


def in_process_ms(env: dict[str, str], n: int) -> float:
    """The baseline: p50 of draft_for_customer (draft + log, what POST /v1/drafts runs) in this process,
    same backend and knowledge; each draft is then decided, outside the timing, as the clients do."""
    services = build(load_settings(**env, ASSISTANT_ENV_FILE="/nonexistent"))  # type: ignore[arg-type]
    customer = ""
    times = []
    for i in range(n + 2):
        started = time.perf_counter()
        if i % PER_CUSTOMER == 0:
            customer = services.log.create_customer(f"baseline-{i}")
        request = DraftRequest(message("baseline", i), customer_id=customer, operator="baseline")
        done = draft_for_customer(services, request)
        if i >= 2:  # the first two warm up imports, jieba and the index
            times.append((time.perf_counter() - started) * 1000)
        services.log.decide(done.draft_id, "approved", final_text=f"baseline {i}")  # as the clients do
    services.log.close()
    return percentile(times, 50)


async def customers_for(
    http: httpx.AsyncClient, level: int, i: int, rounds: int, results: dict[str, Any]
) -> list[str] | None:
    """The client's customers, one per PER_CUSTOMER rounds."""
    made = []
    try:
        for c in range(-(-rounds // PER_CUSTOMER)):
            answer = await http.post("/v1/customers", json={"name": f"load-{level}-{i}-{c}"})
            made.append(str(answer.json()["id"]))
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        results["errors"].append(f"op{i} customer: {exc!r}")
        return None
    return made


async def operator(
    http: httpx.AsyncClient, customers: list[str], level: int, i: int, rounds: int, results: dict[str, Any]
) -> None:
    """One operator's rounds: draft, then decide (edited, with a text naming the client and round)."""
    for n in range(rounds):
        customer = customers[n // PER_CUSTOMER]
        started = time.perf_counter()
        try:
            answer = await http.post("/v1/drafts", json={"customer_id": customer, "message": message(i, n)})
            elapsed = time.perf_counter() - started
            if answer.status_code != 200:
                results["errors"].append(f"op{i} draft {n}: HTTP {answer.status_code} {answer.text[:200]}")
                continue
            results["latencies"].append(elapsed)
            draft_id = answer.json()["draft_id"]
            started = time.perf_counter()
            decided = await http.post(
                f"/v1/drafts/{draft_id}/decision",
                json={"decision": "edited", "final_text": f"sent {level}-{i}-{n}"},
            )
            results["decision_latencies"].append(time.perf_counter() - started)
            if decided.status_code != 200:
                results["errors"].append(f"op{i} decision {n}: HTTP {decided.status_code}")
                continue
            results["sent"][customer].append(draft_id)
        except httpx.HTTPError as exc:
            results["errors"].append(f"op{i} round {n}: {exc!r}")


async def level_run(url: str, clients: int, rounds: int) -> dict[str, Any]:
    """Every client connects and gets its customers first; the clock runs over the rounds only."""
    results: dict[str, Any] = {
        "latencies": [],
        "decision_latencies": [],
        "errors": [],
        "customers": {},
        "sent": defaultdict(list),
    }
    async with AsyncExitStack() as stack:
        https = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token(i)}"}, timeout=300)
            )
            for i in range(clients)
        ]
        made = await asyncio.gather(
            *(customers_for(http, clients, i, rounds, results) for i, http in enumerate(https))
        )
        started = time.perf_counter()
        await asyncio.gather(
            *(
                operator(http, mine, clients, i, rounds, results)
                for i, (http, mine) in enumerate(zip(https, made, strict=True))
                if mine is not None
            )
        )
        results["seconds"] = time.perf_counter() - started
    for i, mine in enumerate(made):
        for c, customer in enumerate(mine or []):
            results["customers"][customer] = (
                i,
                list(range(rounds))[c * PER_CUSTOMER : (c + 1) * PER_CUSTOMER],
            )
    return results


def verify(log: ReviewLog, level: int, results: dict[str, Any]) -> dict[str, int]:
    """Read the log back: each client's drafts, operator, final texts and thread, in order."""
    lost = mixed = 0
    for customer, (i, ns) in results["customers"].items():
        rows = sorted(log.drafts(customer_id=customer), key=lambda d: d["id"])
        expected = [f"sent {level}-{i}-{n}" for n in ns]
        lost += max(0, len(ns) - len(rows))
        mixed += sum(1 for d in rows if d["operator"] != f"op{i}" or d["final_text"] not in expected)
        thread = [t.text for t in log.thread(customer)]
        wanted = [x for n in ns for x in (message(i, n), f"sent {level}-{i}-{n}")]
        mixed += 0 if thread == wanted else 1
    return {"lost": lost, "mixed": mixed, "logged": sum(len(v) for v in results["sent"].values())}


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"args": vars(args), "runs": []}
    tokens = ",".join(f"op{i}:{token(i)}" for i in range(max(args.clients)))
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
        chroma = stack.enter_context(chroma_server(folder / "chroma"))
        postgres = None
        if "postgres" in args.backends:
            binaries = postgres_bin()
            if binaries is None:
                raise SystemExit(
                    "PostgreSQL is not installed (apt-get install postgresql), or drop --backends postgres"
                )
            postgres = stack.enter_context(postgres_server(binaries))
        llm_url = stack.enter_context(fake_llm(args.latency)) if "llm" in args.engines else ""
        for backend in args.backends:
            for engine in args.engines:
                with ExitStack() as run_stack:
                    env = {
                        "ASSISTANT_DATA_DIR": str(folder / f"{backend}-{engine}"),
                        "CHROMA_URL": chroma,
                        "ASSISTANT_COLLECTION": "load",
                        "ASSISTANT_ENGINE": engine,
                        "ASSISTANT_ANALYZER": "rules",
                        "ASSISTANT_API_TOKENS": tokens,
                    }
                    if engine == "llm":
                        env |= {
                            "OPENAI_API_KEY": "sk-bench",
                            "OPENAI_BASE_URL": llm_url,
                            "ASSISTANT_LLM_MAX_RETRIES": "0",
                        }
                    baseline_env = dict(env, ASSISTANT_DATA_DIR=env["ASSISTANT_DATA_DIR"] + "-baseline")
                    if postgres is not None and backend == "postgres":
                        env["ASSISTANT_DATABASE_URL"] = run_stack.enter_context(postgres.database())
                        baseline_env["ASSISTANT_DATABASE_URL"] = run_stack.enter_context(postgres.database())
                    baseline = in_process_ms(baseline_env, args.baseline)
                    url = run_stack.enter_context(api_server(env))
                    log = ReviewLog(
                        env.get("ASSISTANT_DATABASE_URL") or Path(env["ASSISTANT_DATA_DIR"]) / "review.db"
                    )
                    for clients in args.clients:
                        rounds = max(4, args.drafts // clients)
                        results = asyncio.run(level_run(url, clients, rounds))
                        checked = verify(log, clients, results)
                        ms = [s * 1000 for s in results["latencies"]]
                        entry = {
                            "backend": backend,
                            "engine": engine,
                            "clients": clients,
                            "drafts": clients * rounds,
                            "ok": len(ms),
                            "errors": len(results["errors"]),
                            "throughput_per_s": round(len(ms) / results["seconds"], 2),
                            "p50_ms": round(percentile(ms, 50), 1),
                            "p95_ms": round(percentile(ms, 95), 1),
                            "decision_p50_ms": round(
                                percentile([s * 1000 for s in results["decision_latencies"]], 50), 1
                            ),
                            "in_process_p50_ms": round(baseline, 1),
                            "p50_ratio_to_in_process": round(percentile(ms, 50) / baseline, 2),
                            **checked,
                            "error_samples": results["errors"][:3],
                        }
                        report["runs"].append(entry)
                        print(json.dumps(entry, ensure_ascii=False), flush=True)
                    log.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--drafts", type=int, default=128, help="drafts per level (each client makes drafts/clients, ≥ 4)"
    )
    parser.add_argument("--latency", type=float, default=0.2, help="the fake LLM's seconds per call")
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--engines", nargs="+", choices=["offline", "llm"], default=["offline", "llm"])
    parser.add_argument("--baseline", type=int, default=20, help="in-process drafts for the baseline")
    parser.add_argument("--out", default="load", help="bench/results/<out>.json")
    args = parser.parse_args()
    report = run(args)
    bad = [r for r in report["runs"] if r["errors"] or r["lost"] or r["mixed"]]
    report["ok"] = not bad
    print(f"wrote {write(args.out, report)}")
    if bad:
        raise SystemExit(f"{len(bad)} level(s) with errors, lost or mixed records")


if __name__ == "__main__":
    main()
