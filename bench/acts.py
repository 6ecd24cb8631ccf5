"""Dialogue acts: per-act precision and recall by k-fold cross-validation on the labelled corpus.

    python -m bench.acts [--folds 5]

Three readers are compared on the same held-out folds: the lexicon rules alone (the baseline:
what the analyzer could do before it learned from data), the trained classifier alone, and the
two combined (what the analyzer uses). Writes bench/results/acts.json.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import numpy as np

from assistant.analysis.acts import CUSTOMER_FILES, OPERATOR_FILES, ActModel, Sample, load_corpus, train
from assistant.analysis.dialogue import ActReader
from assistant.models import ACTS, OPERATOR_ACTS
from bench.common import write

Reader = Callable[[str], set[str]]


def silent(labels: tuple[str, ...]) -> ActModel:
    """A model that never fires: the rules alone."""
    weights = np.zeros((1, len(labels)))
    weights[0, :] = -100.0
    return ActModel(labels, {}, weights)


def score(samples: list[Sample], read: Reader, labels: tuple[str, ...]) -> dict[str, dict[str, int]]:
    counts = {a: {"tp": 0, "fp": 0, "fn": 0} for a in labels}
    for s in samples:
        got, gold = read(s.text), set(s.acts)
        for a in labels:
            if a in got and a in gold:
                counts[a]["tp"] += 1
            elif a in got:
                counts[a]["fp"] += 1
            elif a in gold:
                counts[a]["fn"] += 1
    return counts


def summary(counts: dict[str, dict[str, int]]) -> dict[str, object]:
    def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
        }

    total = {k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn")}
    return {
        "micro": prf(total["tp"], total["fp"], total["fn"]),
        "per_act": {
            a: {**prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"]} for a, c in counts.items()
        },
    }


def merge(into: dict[str, dict[str, int]], more: dict[str, dict[str, int]]) -> None:
    for a, c in more.items():
        for k, v in c.items():
            into[a][k] += v


def fold_readers(kind: str, model: ActModel, labels: tuple[str, ...]) -> dict[str, Reader]:
    """The rules alone, the model alone, and both (the analyzer's reader), for one fold's model."""
    reader, rules_only = ActReader(), ActReader()
    if kind == "customer":
        reader._customer, rules_only._customer = model, silent(labels)
        return {
            "rules": lambda t: {a.value for a in rules_only.customer(t).acts},
            "model": lambda t: set(model.predict(t)),
            "combined": lambda t: {a.value for a in reader.customer(t).acts},
        }
    reader._operator, rules_only._operator = model, silent(labels)
    return {
        "rules": lambda t: {a.value for a in rules_only.operator(t)},
        "model": lambda t: set(model.predict(t)),
        "combined": lambda t: {a.value for a in reader.operator(t)},
    }


def cross_validate(kind: str, folds: int) -> dict[str, object]:
    files, labels = (CUSTOMER_FILES, ACTS) if kind == "customer" else (OPERATOR_FILES, OPERATOR_ACTS)
    samples = load_corpus(files)
    random.Random(0).shuffle(samples)
    totals = {
        name: {a: {"tp": 0, "fp": 0, "fn": 0} for a in labels} for name in ("rules", "model", "combined")
    }
    seconds = []
    for k in range(folds):
        test = samples[k::folds]
        training = [s for i, s in enumerate(samples) if i % folds != k]
        started = time.perf_counter()
        model = train(training, labels)
        seconds.append(time.perf_counter() - started)
        readers = fold_readers(kind, model, labels)
        for name, read in readers.items():
            merge(totals[name], score(test, read, labels))
    return {
        "utterances": len(samples),
        "folds": folds,
        "train_seconds_per_fold": round(sum(seconds) / len(seconds), 2),
        **{name: summary(counts) for name, counts in totals.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    results = {kind: cross_validate(kind, args.folds) for kind in ("customer", "operator")}
    path = write("acts", results)
    print(f"wrote {path}")
    for kind, r in results.items():
        print(
            f"\n{kind} acts: {r['utterances']} utterances, {r['folds']}-fold CV, training {r['train_seconds_per_fold']} s/fold"
        )
        print("| reader | micro P | micro R | micro F1 |\n|---|---|---|---|")
        for name in ("rules", "model", "combined"):
            m = r[name]["micro"]  # type: ignore[index]
            print(f"| {name} | {m['precision']} | {m['recall']} | {m['f1']} |")
        print("\n| act | P | R | n |\n|---|---|---|---|")
        for act, v in r["combined"]["per_act"].items():  # type: ignore[index]
            print(f"| {act} | {v['precision']} | {v['recall']} | {v['support']} |")


if __name__ == "__main__":
    main()
