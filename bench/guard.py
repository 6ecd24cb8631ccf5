"""The guard against paraphrase: catch rate per rule on the adversarial suite, false positives on
the good drafts, and the guard's time per draft; the guard as it was at the start of this round is
the baseline measured in the same run.

    python -m bench.guard [--baseline COMMIT | --baseline none]

Bad drafts: tests/data/guard_drafts.yaml (each labelled with the rule it must trip). Good drafts:
every variant the offline engine writes for every case in evals/*.yaml (through the real pipeline),
the operator example replies in ../shared/SCRIPT.md, and the suite's crafted good drafts. A bad
draft is caught when its rule is among the hard findings; a good variant is a false positive when it
has any hard finding.

The baseline is the exact code of that commit, not a copy kept in the bench: `git show
COMMIT:assistant/guard.py` (and the banned-claims lexicon of that commit) loaded as a module over
today's library, so it can never drift from what shipped. It needs the repository's history (not a
shallow clone); `--baseline none` skips it. Results: bench/results/guard.json.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.guard import Guard
from assistant.models import Finding, Severity
from bench.common import summary_ms, write
from bench.guard_drafts import (
    ROOT,
    GoodDraft,
    demo_products,
    load_adversarial,
    offline_drafts,
    script_examples,
)

ROUND_START = "b30abe7"  # main when this round began: the guard before the paraphrase work


def load_baseline(commit: str) -> Any:
    """The guard module at `commit`, reading the banned-claims lexicon of that commit."""

    def show(path: str) -> str:
        return subprocess.run(
            ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    try:
        source, lexicon = show("assistant/guard.py"), show("assistant/lexicons/banned_claims.yaml")
    except (OSError, subprocess.CalledProcessError) as exc:
        sys.exit(f"error: cannot read the baseline guard at {commit} from git ({exc}); use --baseline none")
    module = types.ModuleType("baseline_guard")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{commit}:assistant/guard.py", "exec"), module.__dict__)
    folder = Path(tempfile.mkdtemp(prefix="guard-baseline-"))
    (folder / "banned_claims.yaml").write_text(lexicon, encoding="utf-8")
    module.banned_terms = functools.partial(module.banned_terms, folder / "banned_claims.yaml")
    return module


def hard_rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.severity is Severity.hard}


def run_current(guard: Guard, texts: list[str], **kw: Any) -> list[list[Finding]]:
    return guard.check_variants(texts, **kw)


def run_baseline(guard: Any, texts: list[str], **kw: Any) -> list[list[Finding]]:
    return [guard.check(text, variant=i, **kw) for i, text in enumerate(texts)]


def measure(name: str, guard: Any, run: Any, suite: Any, good: list[GoodDraft]) -> dict[str, Any]:
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed: list[str] = []
    for draft in suite.bad:
        texts = draft.variants or [draft.text]
        findings = run(
            guard,
            texts,
            stage=draft.stage,
            slots=draft.slot_values(),
            product_ids=draft.products,
            language=draft.lang,
        )
        total[draft.rule] += 1
        if draft.rule in hard_rules([f for v in findings for f in v]):
            caught[draft.rule] += 1
        else:
            missed.append(draft.id)
    false_positives: list[str] = []
    duplicates: list[str] = []
    variants = 0
    for draft in good:
        findings = run(
            guard,
            draft.variants,
            stage=draft.stage,
            slots=draft.slots,
            product_ids=draft.products,
            language=draft.language,
        )
        for i, variant in enumerate(findings):
            variants += 1
            per_variant = hard_rules([f for f in variant if f.rule != "near_duplicate"])
            if per_variant:
                false_positives.append(f"{draft.source} v{i}: {', '.join(sorted(per_variant))}")
            if any(f.rule == "near_duplicate" for f in variant):
                duplicates.append(f"{draft.source} v{i}")
    # a second pass, warm (the catalog's name index is built once per process), in CPU time so that
    # the other processes on a shared machine do not count
    times: list[float] = []
    for _ in range(3):
        for draft in good:
            started = time.process_time()
            run(
                guard,
                draft.variants,
                stage=draft.stage,
                slots=draft.slots,
                product_ids=draft.products,
                language=draft.language,
            )
            times.append(time.process_time() - started)
    return {
        "guard": name,
        "per_rule": {rule: {"drafts": total[rule], "caught": caught[rule]} for rule in sorted(total)},
        "catch_rate": round(sum(caught.values()) / max(1, sum(total.values())), 3),
        "missed": missed,
        "good_variants": variants,
        "false_positives": false_positives,
        "false_positive_rate": round(len(false_positives) / max(1, variants), 4),
        "near_duplicate_variants_in_good_drafts": duplicates,
        "time_per_draft": summary_ms(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=ROUND_START, help="commit of the baseline guard, or 'none'")
    args = parser.parse_args()
    suite = load_adversarial()
    products = demo_products() + suite.products
    good = list(offline_drafts()) + script_examples()
    shipped = len(good)
    good += [
        GoodDraft(f"suite#{d.id}", d.variants or [d.text], d.stage, d.lang, d.slot_values(), d.products)
        for d in suite.good
    ]
    current = Guard(products)
    runs = [measure("current", current, run_current, suite, good)]
    if args.baseline != "none":
        baseline = load_baseline(args.baseline)
        runs.insert(
            0, measure(f"baseline ({args.baseline})", baseline.Guard(products), run_baseline, suite, good)
        )
    data = {
        "bad_drafts": len(suite.bad),
        "bad_by_language": dict(Counter(d.lang for d in suite.bad)),
        "good_drafts": {"shipped": shipped, "crafted": len(suite.good)},
        "runs": runs,
    }
    path = write("guard", data)
    print(f"wrote {path}")
    names = [r["guard"] for r in runs]
    print("| rule | drafts | " + " | ".join(f"caught: {n}" for n in names) + " |")
    print("|---|---|" + "---|" * len(runs))
    for rule, counts in runs[-1]["per_rule"].items():
        cells = " | ".join(f"{r['per_rule'][rule]['caught']}" for r in runs)
        print(f"| {rule} | {counts['drafts']} | {cells} |")
    print(
        f"| **catch rate** | {len(suite.bad)} | "
        + " | ".join(f"**{r['catch_rate']:.3f}**" for r in runs)
        + " |"
    )
    print(
        "| false positives on good variants | "
        + str(runs[-1]["good_variants"])
        + " | "
        + " | ".join(f"{len(r['false_positives'])} ({r['false_positive_rate']:.3f})" for r in runs)
        + " |"
    )
    print(
        "| guard CPU time per draft, p50 / p95 ms | | "
        + " | ".join(f"{r['time_per_draft']['p50_ms']} / {r['time_per_draft']['p95_ms']}" for r in runs)
        + " |"
    )
    for r in runs:
        if r["missed"]:
            print(f"{r['guard']} missed: {', '.join(r['missed'])}")
        if r["near_duplicate_variants_in_good_drafts"]:
            print(
                f"{r['guard']}: near-duplicate variants in good drafts: {len(r['near_duplicate_variants_in_good_drafts'])}"
            )


if __name__ == "__main__":
    main()
