"""One eval run as the CLI and the console both do it: run the suites, build the results, save
them in the run history, and the summary both show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evals.report import build_results, save
from assistant.evals.runner import CaseRun, Progress, RunOptions, run_suites
from assistant.evals.suite import Suite
from assistant.settings import Settings


@dataclass
class EvalRun:
    results: dict[str, Any]  # what results.json holds
    runs: list[CaseRun]
    folder: Path  # where results.json and summary.md were written

    @property
    def passed(self) -> bool:
        return bool(self.results["passed"])


def configuration(settings: Settings) -> dict[str, Any]:
    """What the run used, recorded with its results."""
    return {
        "engine": "llm" if settings.use_llm_engine else "offline",
        "model": settings.model if settings.has_llm else None,
        "analyzer": "llm" if settings.use_llm_analyzer else "rules",
        "embedder": settings.embedder.value,
    }


def run_and_save(
    suites: list[Suite],
    settings: Settings,
    options: RunOptions,
    progress: Progress | None = None,
    out: Path | None = None,
) -> EvalRun:
    run_id, runs, seconds = run_suites(suites, settings, options, progress)
    results = build_results(
        run_id, suites, runs, seconds, configuration(settings), options.repeat, options.concurrency
    )
    return EvalRun(results, runs, save(results, settings.data_dir, out))


def threshold_line(suite: dict[str, Any]) -> str:
    """'suite: passed · stage_accuracy 0.97 (≥0.95) · early_pitch 0 (≤0) …'"""
    status = "passed" if suite["passed"] else "FAILED"
    parts = [
        f"{t['metric']} {t['value']} ({'≥' if t.get('kind') == 'min' else '≤'}{t['threshold']})"
        + ("" if t["passed"] else " ✗")
        for t in suite["thresholds"]
    ]
    return f"{suite['suite']}: {status} · " + " · ".join(parts)


def failure_line(case: dict[str, Any]) -> str:
    """'suite/case: check: detail; …' for a failing case of results.json."""
    failed = [c for c in case["checks"] if not c["passed"]]
    reasons = "; ".join(f"{c['check']}: {c['detail']}" for c in failed) or case.get("error") or "judge"
    return f"{case['suite']}/{case['case_id']}: {reasons}"


def stage_accuracy_by_stage(results: dict[str, Any]) -> dict[str, float]:
    """Accuracy per expected stage, from the confusion matrices the results already hold."""
    totals: dict[str, list[int]] = {}
    for suite in results["suites"]:
        for expected, row in suite["confusion"].items():
            cases = sum(row.values())
            if cases:
                total = totals.setdefault(expected, [0, 0])
                total[0] += row.get(expected, 0)
                total[1] += cases
    return {stage: round(correct / cases, 4) for stage, (correct, cases) in totals.items()}
