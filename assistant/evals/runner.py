"""Run suites: every case drafted through the real pipeline, checked, optionally judged.

Cases run in a thread pool of `concurrency` workers driven by asyncio (the pipeline is
synchronous; LLM calls spend their time waiting on the network). LLM answers are cached on disk,
keyed by model, prompt, parameters and repeat index, so a rerun costs nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from assistant.analysis.profile import parse_profile
from assistant.errors import AssistantError
from assistant.evals.checks import run_checks
from assistant.evals.suite import Case, Suite
from assistant.knowledge.base import KnowledgeBase
from assistant.pipeline import DraftFlow
from assistant.settings import Settings
from assistant.usage import call_scope

if TYPE_CHECKING:
    from assistant.llm import LLMClient

Progress = Callable[[int, int, str], None]


class CaseRun(BaseModel):
    suite: str
    case_id: str
    repeat: int = 0
    conversation: list[dict[str, str]]
    expected_stage: str
    stage: str | None = None
    reply: str = ""
    variants: list[str] = Field(default_factory=list)
    regenerated: list[str] = Field(default_factory=list, description="the variants of Regenerate (attempt 1)")
    products: list[str] = Field(default_factory=list)
    checks: list[dict[str, Any]] = Field(default_factory=list)
    judge: dict[str, dict[str, str]] = Field(default_factory=dict)
    passed: bool = False
    error: str | None = None
    engine: str | None = None
    latency_ms: float = 0.0
    llm_calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float | None = None

    def failed_checks(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c["passed"]]


@dataclass
class RunOptions:
    concurrency: int = 4
    repeat: int = 1
    judge: bool | None = None  # None: judge when an LLM is configured
    cache: bool = True  # reuse LLM answers from earlier runs (same model, prompt, parameters, repeat)


def _context_text(draft: Any) -> str:
    lines = [f"[{c.id}] {c.title}: {c.snippet}" for c in draft.citations]
    lines += [f"[product {p.id}] {p.name} ¥{p.price:g}: {p.why}; {p.usage}" for p in draft.products]
    return "\n".join(lines)


class SuiteRunner:
    def __init__(self, settings: Settings, options: RunOptions, progress: Progress | None = None):
        self.settings = settings
        self.options = options
        self.progress = progress
        self._llm: LLMClient | None = None
        if settings.has_llm and (settings.use_llm_engine or settings.use_llm_analyzer or options.judge):
            from assistant.llm import LLMClient, ResponseCache

            cache = ResponseCache(Path(settings.data_dir) / "evals" / "llm-cache") if options.cache else None
            self._llm = LLMClient(settings, cache=cache)
        self._temp_dirs: list[tempfile.TemporaryDirectory[str]] = []

    def flow_for(self, suite: Suite) -> DraftFlow:
        """A draft flow over the demo store, or over a temporary store holding the knowledge the suite names."""
        knowledge = suite.knowledge_path()
        if knowledge is None:
            kb = KnowledgeBase.open(self.settings)
            kb.ensure_demo()
            return DraftFlow(self.settings, kb, self._llm)
        temp = tempfile.TemporaryDirectory(prefix="eval-kb-")
        self._temp_dirs.append(temp)
        settings = self.settings.model_copy(
            update={"data_dir": Path(temp.name), "chroma_url": None, "collection": "eval"}
        )
        kb = KnowledgeBase.open(settings)
        report = kb.ingestor().ingest([knowledge])
        if report.rejected and not report.chunks_total:
            raise AssistantError(
                f"{suite.path}: the knowledge {knowledge} could not be ingested: {'; '.join(report.errors)}"
            )
        return DraftFlow(settings, kb, self._llm)

    def run_case(self, flow: DraftFlow, suite: Suite, case: Case, repeat: int) -> CaseRun:
        run = CaseRun(
            suite=suite.suite,
            case_id=case.id,
            repeat=repeat,
            conversation=case.conversation,
            expected_stage=case.expect.stage.value,
        )
        started = time.perf_counter()
        with call_scope(repeat=repeat) as scope:
            try:
                conversation = case.to_conversation()
                run.conversation = [{t.role.value: t.text} for t in conversation.turns]
                profile = parse_profile({**suite.profile, **case.profile})
                draft = flow.draft(conversation, profile)
                run.latency_ms = (
                    time.perf_counter() - started
                ) * 1000  # the first draft: what an operator waits
                again = flow.draft(conversation, profile, attempt=1)  # what Regenerate shows
            except AssistantError as exc:
                run.error = str(exc)
                run.latency_ms = run.latency_ms or (time.perf_counter() - started) * 1000
                return run
            checks = run_checks(case, draft, flow.kb.products(), regenerated=again)
            judge_wanted = self.options.judge if self.options.judge is not None else self._llm is not None
            if judge_wanted and self._llm is not None:
                from assistant.evals.judge import judge

                transcript = "\n".join(f"{next(iter(t))}: {next(iter(t.values()))}" for t in run.conversation)
                run.judge = judge(self._llm, transcript, draft, _context_text(draft))
        run.stage = draft.stage.value
        run.reply, run.variants, run.engine = draft.reply, draft.variants, draft.engine
        run.regenerated = again.variants
        run.products = [p.id for p in draft.products]
        run.checks = [{"check": c.check, "passed": c.passed, "detail": c.detail} for c in checks]
        run.passed = all(c.passed for c in checks) and all(v["verdict"] != "fail" for v in run.judge.values())
        run.llm_calls, run.cache_hits = scope.calls, scope.cache_hits
        run.input_tokens, run.output_tokens = scope.usage["input_tokens"], scope.usage["output_tokens"]
        s = self.settings
        if s.price_input_per_m is not None and s.price_output_per_m is not None:
            run.cost = round(
                run.input_tokens * s.price_input_per_m / 1e6 + run.output_tokens * s.price_output_per_m / 1e6,
                6,
            )
        return run

    async def run(self, suites: list[Suite]) -> list[CaseRun]:
        jobs: list[tuple[DraftFlow, Suite, Case, int]] = []
        for suite in suites:
            flow = self.flow_for(suite)
            for repeat in range(self.options.repeat):
                jobs.extend((flow, suite, case, repeat) for case in suite.cases)
        loop = asyncio.get_running_loop()
        done = 0
        results: list[CaseRun] = []
        with ThreadPoolExecutor(
            max_workers=max(1, self.options.concurrency), thread_name_prefix="eval"
        ) as pool:
            futures = [loop.run_in_executor(pool, self.run_case, *job) for job in jobs]
            for future in asyncio.as_completed(futures):
                run = await future
                results.append(run)
                done += 1
                if self.progress:
                    self.progress(done, len(jobs), f"{run.suite}/{run.case_id}")
        order = {(s.suite, c.id): n for n, (_, s, c, _) in enumerate(jobs)}
        results.sort(key=lambda r: (r.repeat, order[(r.suite, r.case_id)]))
        for temp in self._temp_dirs:
            temp.cleanup()
        return results


def run_suites(
    suites: list[Suite], settings: Settings, options: RunOptions, progress: Progress | None = None
) -> tuple[str, list[CaseRun], float]:
    """Run and return (run id, case runs, seconds)."""
    started = time.perf_counter()
    runs = asyncio.run(SuiteRunner(settings, options, progress).run(suites))
    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    return run_id, runs, time.perf_counter() - started
