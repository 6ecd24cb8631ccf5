"""The drafts the guard is measured on: the adversarial suite (tests/data/guard_drafts.yaml) and the
shipped good drafts (every variant the offline engine writes for every case in evals/*.yaml, and the
operator example replies in SCRIPT.md). Shared by `python -m bench.guard` and the guard's tests."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from assistant.analysis.language import detect_language
from assistant.analysis.profile import parse_profile
from assistant.evals.runner import RunOptions, SuiteRunner
from assistant.evals.suite import load_suite
from assistant.knowledge.catalog import read_catalog
from assistant.models import Language, Product, Slots, Stage
from assistant.pipeline import DraftFlow
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "data" / "guard_drafts.yaml"
DEMO_CATALOG = ROOT / "knowledge" / "products" / "catalog.csv"


class SuiteDraft(BaseModel):
    """One draft of the adversarial suite: what it is, the rule it must trip (none for a good one)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    text: str = ""
    variants: list[str] = Field(default_factory=list, description="a whole draft, for list-level rules")
    stage: Stage
    rule: str | None = None
    language: Language | None = None
    products: list[str] = Field(default_factory=list, description="the ids the engine recommends")
    slots: dict[str, object] = Field(default_factory=dict)
    note: str = ""

    @property
    def lang(self) -> Language:
        return self.language or detect_language(self.text or " ".join(self.variants))

    def slot_values(self) -> Slots:
        return Slots(**self.slots)  # type: ignore[arg-type]


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = ""
    products: list[Product] = Field(default_factory=list, description="added to the demo catalog")
    bad: list[SuiteDraft]
    good: list[SuiteDraft]


@dataclass
class GoodDraft:
    source: str  # "evals/<suite>.yaml#<case> v<n>" or "SCRIPT.md"
    variants: list[str]
    stage: Stage
    language: Language
    slots: Slots = field(default_factory=Slots)
    products: list[str] = field(default_factory=list)


def demo_products() -> list[Product]:
    return [p for p, _ in read_catalog(DEMO_CATALOG, DEMO_CATALOG.name) if p is not None]


def load_adversarial(path: Path = SUITE) -> Suite:
    return Suite.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def offline_drafts(evals_dir: Path = ROOT / "evals") -> Iterator[GoodDraft]:
    """Every variant the offline engine writes for every case of the shipped suites (through the real
    pipeline: analysis, retrieval over the suite's knowledge, offline drafting), before the guard."""
    with tempfile.TemporaryDirectory(prefix="guard-drafts-") as data_dir:
        settings = load_settings(
            ASSISTANT_DATA_DIR=data_dir,
            ASSISTANT_ENGINE="offline",
            ASSISTANT_ANALYZER="rules",
            ASSISTANT_ENV_FILE="/nonexistent",
        )
        runner = SuiteRunner(settings, RunOptions())
        flows: dict[str, DraftFlow] = {}
        for path in sorted(evals_dir.glob("*.yaml")):
            suite = load_suite(path)
            key = str(suite.knowledge_path() or "demo")
            flow = flows[key] = flows.get(key) or runner.flow_for(suite)
            for case in suite.cases:
                conversation = case.to_conversation()
                analysis = flow.analyze(conversation, parse_profile({**suite.profile, **case.profile}))
                ctx = flow.context(conversation, analysis)
                result = flow.offline.draft(ctx)
                yield GoodDraft(
                    f"evals/{path.name}#{case.id}",
                    result.variants,
                    analysis.stage,
                    analysis.language,
                    analysis.slots,
                    result.product_ids,
                )


_EXAMPLE = re.compile(r"^- (ask|uncover_need|propose|confirm_expectation) → \"(.+)\"$", re.M)


def script_examples(script: Path = ROOT.parent / "shared" / "SCRIPT.md") -> list[GoodDraft]:
    """The operator's example replies in SCRIPT.md (absent outside this workspace: none)."""
    if not script.exists():
        return []
    return [
        GoodDraft("SCRIPT.md", [m.group(2)], Stage(m.group(1)), "zh")
        for m in _EXAMPLE.finditer(script.read_text(encoding="utf-8"))
    ]
