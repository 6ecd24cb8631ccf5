"""Run results: metrics named as in the suites' thresholds, a JSON file and a Markdown summary per run,
kept in a run history in the data directory; and the comparison of two runs."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evals.runner import CaseRun
from assistant.evals.suite import RATE_METRICS, Suite
from assistant.models import SCRIPT_STAGES, Stage

COUNT_METRICS = {
    "early_pitch": "early_pitch",
    "banned_claims": "banned_claims",
    "ungrounded_facts": "grounded_facts",
    "errors": None,
    "reask": "reask",
    "duplicated_phrase": "duplicated_phrase",
}
RATE_CHECKS = {
    "asks_question": "asks_question",
    "products_expected": "products_expected",
    "must_include": "must_include",
    "length": "length",
    "escalation_handled": "escalation_handled",
    "budget_total": "budget_total",
    "answers_question": "answers_question",
    "variant_diversity": "variant_diversity",
    "regenerate_differs": "regenerate_differs",
    "composition": "composition",
}
REPLY_METRICS = (
    "reask",
    "duplicated_phrase",
    "answers_question",
    "budget_total",
    "variant_diversity",
    "regenerate_differs",
    "composition",
)
STAGES = [s.value for s in (*SCRIPT_STAGES, Stage.escalate)]


def _check(run: CaseRun, name: str) -> bool | None:
    return next((c["passed"] for c in run.checks if c["check"] == name), None)


def metrics(runs: list[CaseRun]) -> dict[str, Any]:
    scored = [r for r in runs if r.error is None]
    n = len(runs) or 1
    out: dict[str, Any] = {"cases": len(runs)}
    out["stage_accuracy"] = round(sum(r.stage == r.expected_stage for r in scored) / n, 4)
    for metric, check in COUNT_METRICS.items():
        out[metric] = (
            sum(1 for r in runs if r.error)
            if check is None
            else sum(1 for r in scored if _check(r, check) is False)
        )
    with_products = [
        r
        for r in scored
        if _check(r, "product_fit") is not None and (r.products or _check(r, "product_fit") is False)
    ]
    out["product_fit"] = (
        round(sum(bool(_check(r, "product_fit")) for r in with_products) / len(with_products), 4)
        if with_products
        else 1.0
    )
    for metric, check in RATE_CHECKS.items():
        results = [v for v in (_check(r, check) for r in scored) if v is not None]
        out[metric] = round(sum(results) / len(results), 4) if results else None
    out["pass_rate"] = round(sum(r.passed for r in runs) / n, 4)
    verdicts = [v["verdict"] for r in scored for v in r.judge.values()]
    scored_verdicts = [v for v in verdicts if v != "unscored"]
    out["judge_pass_rate"] = (
        round(scored_verdicts.count("pass") / len(scored_verdicts), 4) if scored_verdicts else None
    )
    out["judge_unscored"] = verdicts.count("unscored")
    latencies = sorted(r.latency_ms for r in runs)
    out["latency_p50_ms"] = round(latencies[len(latencies) // 2], 1) if latencies else None
    out["latency_p95_ms"] = (
        round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 1) if latencies else None
    )
    out["input_tokens"] = sum(r.input_tokens for r in runs)
    out["output_tokens"] = sum(r.output_tokens for r in runs)
    costs = [r.cost for r in runs if r.cost is not None]
    out["cost"] = round(sum(costs), 6) if costs else None
    return out


def confusion(runs: list[CaseRun]) -> dict[str, dict[str, int]]:
    matrix: dict[str, dict[str, int]] = {e: dict.fromkeys([*STAGES, "error"], 0) for e in STAGES}
    for r in runs:
        matrix[r.expected_stage][r.stage or "error"] += 1
    return matrix


def threshold_results(suite: Suite, values: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, limit in suite.thresholds.model_dump(exclude_none=True).items():
        value = values.get(name)
        if value is None:
            out.append(
                {"metric": name, "threshold": limit, "value": None, "passed": False, "note": "unknown metric"}
            )
            continue
        passed = value >= limit if name in RATE_METRICS else value <= limit
        out.append(
            {
                "metric": name,
                "threshold": limit,
                "value": value,
                "passed": passed,
                "kind": "min" if name in RATE_METRICS else "max",
            }
        )
    return out


def build_results(
    run_id: str,
    suites: list[Suite],
    runs: list[CaseRun],
    seconds: float,
    settings_summary: dict[str, Any],
    repeat: int,
    concurrency: int,
) -> dict[str, Any]:
    by_suite: dict[str, list[CaseRun]] = defaultdict(list)
    for r in runs:
        by_suite[r.suite].append(r)
    suite_results = []
    for suite in suites:
        values = metrics(by_suite[suite.suite])
        thresholds = threshold_results(suite, values)
        suite_results.append(
            {
                "suite": suite.suite,
                "path": str(suite.path) if suite.path else None,
                "metrics": values,
                "thresholds": thresholds,
                "passed": all(t["passed"] for t in thresholds),
                "confusion": confusion(by_suite[suite.suite]),
            }
        )
    outcomes: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in runs:
        outcomes[(r.suite, r.case_id)].append(r.passed)
    flaky = [f"{s}/{c}" for (s, c), v in outcomes.items() if any(v) and not all(v)]
    overall = metrics(runs)
    overall[f"pass^{repeat}"] = (
        round(sum(all(v) for v in outcomes.values()) / len(outcomes), 4) if outcomes else None
    )
    return {
        "run_id": run_id,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": round(seconds, 2),
        "settings": settings_summary,
        "repeat": repeat,
        "concurrency": concurrency,
        "passed": all(s["passed"] for s in suite_results),
        "metrics": overall,
        "flaky": flaky,
        "suites": suite_results,
        "cases": [r.model_dump() for r in runs],
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"# Eval run {results['run_id']}",
        "",
        f"{results['created']} · {results['seconds']} s · engine {results['settings'].get('engine')} · "
        f"model {results['settings'].get('model') or '-'} · repeat {results['repeat']} · "
        f"**{'PASSED' if results['passed'] else 'FAILED'}**",
        "",
    ]
    for suite in results["suites"]:
        lines += [
            f"## {suite['suite']} — {'passed' if suite['passed'] else 'FAILED'}",
            "",
            "| metric | value | threshold | ok |",
            "|---|---|---|---|",
        ]
        for t in suite["thresholds"]:
            sign = "≥" if t.get("kind") == "min" else "≤"
            lines.append(
                f"| {t['metric']} | {t['value']} | {sign} {t['threshold']} | {'✅' if t['passed'] else '❌'} |"
            )
        m = suite["metrics"]
        lines += [
            "",
            f"cases {m['cases']} · pass rate {m['pass_rate']} · stage accuracy {m['stage_accuracy']} · "
            f"p50 {m['latency_p50_ms']} ms",
            "",
            "replies: " + " · ".join(f"{name} {m.get(name)}" for name in REPLY_METRICS),
            "",
        ]
    failing = [c for c in results["cases"] if not c["passed"]]
    lines += [f"## Failing cases ({len(failing)})", ""]
    for case in failing:
        lines.append(
            f"- **{case['suite']}/{case['case_id']}** (repeat {case['repeat']}): expected `{case['expected_stage']}`, got `{case['stage']}`"
        )
        if case["error"]:
            lines.append(f"  - error: {case['error']}")
        for check in case["checks"]:
            if not check["passed"]:
                lines.append(f"  - {check['check']}: {check['detail']}")
        for name, verdict in case["judge"].items():
            if verdict["verdict"] == "fail":
                lines.append(f"  - judge {name}: {verdict['reason']}")
        lines.append(f"  - reply: {case['reply'][:160].replace(chr(10), ' ')}")
    if results["flaky"]:
        lines += ["", f"## Flaky cases ({len(results['flaky'])})", "", *[f"- {c}" for c in results["flaky"]]]
    return "\n".join(lines) + "\n"


def runs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "evals" / "runs"


def save(results: dict[str, Any], data_dir: Path, out: Path | None = None) -> Path:
    folder = runs_dir(data_dir) / results["run_id"]
    for target in [folder, *([out] if out else [])]:
        target.mkdir(parents=True, exist_ok=True)
        (target / "results.json").write_text(
            json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (target / "summary.md").write_text(markdown(results), encoding="utf-8")
    return folder


def history(data_dir: Path) -> list[dict[str, Any]]:
    """Past runs, newest first: id, date, passed, suites and headline metrics."""
    rows = []
    for path in sorted(runs_dir(data_dir).glob("*/results.json"), reverse=True):
        data = json.loads(path.read_text(encoding="utf-8"))
        rows.append(
            {
                "run_id": data["run_id"],
                "created": data["created"],
                "passed": data["passed"],
                "suites": [s["suite"] for s in data["suites"]],
                **{k: data["metrics"].get(k) for k in ("cases", "pass_rate", "stage_accuracy")},
            }
        )
    return rows


def load_run(ref: str, data_dir: Path) -> dict[str, Any]:
    """A run by id (from the history), by folder, or by results.json path."""
    candidates = [Path(ref), Path(ref) / "results.json", runs_dir(data_dir) / ref / "results.json"]
    for path in candidates:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise InputError(
        f"no eval run {ref!r} (give a run id from `assistant eval history`, a folder or a results.json)"
    )


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    deltas = {}
    for name, before in a["metrics"].items():
        after = b["metrics"].get(name)
        if (
            isinstance(before, int | float)
            and isinstance(after, int | float)
            and not isinstance(before, bool)
        ):
            deltas[name] = {"a": before, "b": after, "delta": round(after - before, 4)}
    outcome_a = {(c["suite"], c["case_id"]): c for c in a["cases"] if c["repeat"] == 0}
    outcome_b = {(c["suite"], c["case_id"]): c for c in b["cases"] if c["repeat"] == 0}
    regressed, improved = [], []
    for key in sorted(set(outcome_a) & set(outcome_b)):
        was, now = outcome_a[key]["passed"], outcome_b[key]["passed"]
        entry = {
            "case": f"{key[0]}/{key[1]}",
            "failed_checks": [c["check"] for c in outcome_b[key]["checks"] if not c["passed"]],
            "stage": f"{outcome_a[key]['stage']} → {outcome_b[key]['stage']}",
        }
        if was and not now:
            regressed.append(entry)
        elif now and not was:
            improved.append(entry)
    return {
        "a": a["run_id"],
        "b": b["run_id"],
        "metrics": deltas,
        "regressed": regressed,
        "improved": improved,
        "only_in_a": sorted(f"{s}/{c}" for s, c in set(outcome_a) - set(outcome_b)),
        "only_in_b": sorted(f"{s}/{c}" for s, c in set(outcome_b) - set(outcome_a)),
    }


def failures_by_check(runs: list[dict[str, Any]]) -> Counter[str]:
    return Counter(c["check"] for r in runs for c in r["checks"] if not c["passed"])
