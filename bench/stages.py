"""Where the analyzer puts a conversation in the five-step script, on suites written at different
distances from it (SCRIPT.md's stages; analysis only, no drafting).

    python -m bench.stages [--holdout]

Groups: the suites written alongside the analyzer (`evals/*.yaml` but dev), dev set A
(`evals/dev-*.yaml`, written for issue 10), dev set B (`evals/dev-b/`, written apart from both by
another author), dev set C (`evals/dev-c/`, a third author who read only SCRIPT.md, the catalog
and two suites), dev sets D and E (`evals/dev-d/`, `evals/dev-e/`, a fourth and a fifth, the same way) and, with `--holdout`, `evals/holdout/` (run it once per round, never tune on it).
Two readers on the same cases: the lexicon rules alone (the baseline: the act models silenced) and
the analyzer as shipped (rules + the act models trained on the corpus). An error is *ahead* when the
stage is later in the script than the right one (the risk: products named too early), *behind* when
earlier (one more question), *escalation* when an escalation is missed or invented.
Writes bench/results/stages.json.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant.analysis.dialogue import ActReader
from assistant.analysis.profile import parse_profile
from assistant.analysis.rules import RuleAnalyzer
from assistant.evals.suite import Suite, load_suite
from assistant.models import ACTS, OPERATOR_ACTS, Slots, Stage
from assistant.stage import derive_stage
from bench.acts import silent
from bench.common import write
from bench.guard_drafts import demo_products

ROOT = Path(__file__).resolve().parent.parent
EVALS = ROOT / "evals"
ORDER = [Stage.ask, Stage.uncover_need, Stage.propose, Stage.confirm_expectation, Stage.match_product]


def groups(holdout: bool) -> dict[str, list[Path]]:
    found = {
        "written with the analyzer": sorted(p for p in EVALS.glob("*.yaml") if not p.name.startswith("dev-")),
        "dev set A": sorted(EVALS.glob("dev-*.yaml")),
        "dev set B (another author)": sorted((EVALS / "dev-b").glob("*.yaml")),
        "dev set C (a third author)": sorted((EVALS / "dev-c").glob("*.yaml")),
        "dev set D (a fourth author)": sorted((EVALS / "dev-d").glob("*.yaml")),
        "dev set E (a fifth author)": sorted((EVALS / "dev-e").glob("*.yaml")),
    }
    if holdout:
        found["holdout"] = sorted((EVALS / "holdout").glob("*.yaml"))
    return {name: paths for name, paths in found.items() if paths}


def rules_only() -> RuleAnalyzer:
    analyzer = RuleAnalyzer()
    reader: ActReader = analyzer.acts
    reader._customer = silent(tuple(ACTS))
    reader._operator = silent(tuple(OPERATOR_ACTS))
    return analyzer


def product_names() -> list[str]:
    return [n for p in demo_products() for n in p.names()]


def score(analyzer: RuleAnalyzer, suites: list[Suite], names: list[str]) -> dict[str, object]:
    right = ahead = behind = escalation = 0
    times: list[float] = []
    misses: list[str] = []
    for suite in suites:
        for case in suite.cases:
            profile = parse_profile({**suite.profile, **case.profile})
            started = time.perf_counter()
            reading = analyzer.analyze(case.to_conversation(), profile.apply(Slots()), names)
            times.append((time.perf_counter() - started) * 1000)
            got, want = derive_stage(profile.apply(reading.slots))[0], case.expect.stage
            if got is want:
                right += 1
                continue
            misses.append(case.id)
            if Stage.escalate in (got, want):
                escalation += 1
            elif ORDER.index(got) > ORDER.index(want):
                ahead += 1
            else:
                behind += 1
    n = right + ahead + behind + escalation
    return {
        "cases": n,
        "stage_accuracy": round(right / n, 4),
        "ahead": ahead,
        "behind": behind,
        "escalation_errors": escalation,
        "analysis_ms_p50": round(statistics.median(times), 2),
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holdout", action="store_true", help="also score evals/holdout/ (once per round)")
    args = parser.parse_args()
    names = product_names()
    readers = {"rules alone (baseline)": rules_only(), "analyzer (rules + act models)": RuleAnalyzer()}
    results: dict[str, dict[str, object]] = {}
    print("| suites | cases | reader | stage accuracy | ahead | behind | escalation errors |")
    print("|---|---|---|---|---|---|---|")
    for group, paths in groups(args.holdout).items():
        suites = [load_suite(p) for p in paths]
        results[group] = {}
        for reader, analyzer in readers.items():
            r = score(analyzer, suites, names)
            results[group][reader] = r
            print(
                f"| {group} | {r['cases']} | {reader} | {r['stage_accuracy']} | {r['ahead']} | {r['behind']} "
                f"| {r['escalation_errors']} |"
            )
    write("stages", results)


if __name__ == "__main__":
    main()
