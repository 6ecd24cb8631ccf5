"""Validate the labelled utterance corpus and print how many lines each act has.

    python scripts/corpus_check.py [FILE ...]     (default: assistant/analysis/corpus/*.jsonl)

Every line must be a JSON object with exactly `text`, `acts`, `after`, `lang` (see the corpus
README): non-empty text; acts non-empty, known and not repeated (customer acts in `customer-*.jsonl`,
operator acts in `operator.jsonl`); `after` is `none`, `any` or an act id; `lang` is `zh`/`en` and
matches a `customer-<lang>.jsonl` name. No text twice in a file once spaces, case, full-width forms
and punctuation are normalised ("…" is kept: "嗯…" hesitates, "嗯" agrees, and the brackets of
WeChat codes such as "[OK]" are kept), and no customer text labelled differently in two files.
Problems are printed one a line as `file:line: field: message`; the exit code is 1 if any.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from assistant.models import ACTS, OPERATOR_ACTS
from assistant.text import normalize

CORPUS = Path(__file__).resolve().parent.parent / "assistant" / "analysis" / "corpus"
_ELLIPSIS = re.compile(r"。{2,}|\.{2,}")


class CorpusLine(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str
    acts: list[str]
    after: str
    lang: Literal["zh", "en"]
    _number: int = PrivateAttr(default=0)  # its line in the file


@dataclass
class Report:
    lines: dict[str, list[CorpusLine]] = field(default_factory=dict)  # file name → valid lines
    problems: list[str] = field(default_factory=list)

    def counts(self, prefix: str = "customer") -> Counter[str]:
        """Lines per act over the files whose name starts with `prefix`."""
        return Counter(
            a for name, rows in self.lines.items() if name.startswith(prefix) for r in rows for a in r.acts
        )


def dedup_key(text: str) -> str:
    """What two texts share when they differ only in spacing, case, width or punctuation."""
    text = normalize(
        _ELLIPSIS.sub("…", text), simplify=False
    ).lower()  # a traditional variant is its own line
    return "".join(
        c
        for c in text
        if c in "…[]"
        or not (c.isspace() or unicodedata.category(c)[0] in "PZ" or unicodedata.category(c) in ("Sm", "Sk"))
    )


@dataclass(frozen=True)
class FileKind:
    acts: tuple[str, ...]  # the acts its lines may carry
    after: frozenset[str]  # what `after` may be: the other side's acts (an operator file may use both)
    lang: str | None  # the language every line must have, if the name says it


def file_kind(path: Path) -> FileKind | None:
    """What a corpus file may contain, from its name; None if the name is not a corpus file."""
    if path.suffix == ".jsonl" and path.stem in ("customer-zh", "customer-en"):
        return FileKind(ACTS, frozenset({"none", "any", *OPERATOR_ACTS}), path.stem.removeprefix("customer-"))
    if path.name == "operator.jsonl":
        return FileKind(OPERATOR_ACTS, frozenset({"none", "any", *ACTS, *OPERATOR_ACTS}), None)
    return None


def check_file(path: Path, report: Report) -> None:
    kind = file_kind(path)
    if kind is None:
        report.problems.append(
            f"{path.name}: file: not a corpus file (customer-zh.jsonl, customer-en.jsonl, operator.jsonl)"
        )
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.problems.append(f"{path.name}: file: cannot be read as UTF-8 ({exc})")
        return
    rows = report.lines.setdefault(path.name, [])
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{path.name}:{number}"
        if not raw.strip():
            report.problems.append(f"{where}: line: empty line")
            continue
        try:
            row = CorpusLine.model_validate(json.loads(raw))
        except json.JSONDecodeError as exc:
            report.problems.append(f"{where}: line: not JSON ({exc.msg})")
            continue
        except ValidationError as exc:
            for err in exc.errors():
                report.problems.append(f"{where}: {'.'.join(map(str, err['loc'])) or 'line'}: {err['msg']}")
            continue
        problems = []
        if not row.text.strip():
            problems.append("text: empty")
        if not row.acts:
            problems.append("acts: empty (every line performs at least one act)")
        problems += [f"acts: unknown act {a!r}" for a in row.acts if a not in kind.acts]
        problems += [f"acts: {a!r} listed twice" for a, n in Counter(row.acts).items() if n > 1]
        if row.after not in kind.after:
            problems.append(f"after: {row.after!r} is not none, any or an act id")
        if kind.lang and row.lang != kind.lang:
            problems.append(f"lang: {row.lang!r} in a {kind.lang} file")
        key = dedup_key(row.text)
        if key in seen:
            problems.append(f"text: duplicate of line {seen[key]} ({row.text!r})")
        seen.setdefault(key, number)
        report.problems += [f"{where}: {p}" for p in problems]
        if not problems:
            row._number = number
            rows.append(row)


def check_corpus(paths: list[Path]) -> Report:
    report = Report()
    for path in paths:
        check_file(path, report)
    labels: dict[str, tuple[str, frozenset[str]]] = {}  # text key → (where, acts) of its first line
    for name, rows in report.lines.items():
        if not name.startswith("customer"):
            continue
        for row in rows:
            key, acts = dedup_key(row.text), frozenset(row.acts)
            where = f"{name}:{row._number}"
            other = labels.setdefault(key, (where, acts))
            if other[1] != acts:
                report.problems.append(
                    f"{where}: acts: {row.text!r} is {sorted(acts)} here but {sorted(other[1])} in {other[0]}"
                )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="*", type=Path, help="corpus files (default: all in the corpus folder)"
    )
    args = parser.parse_args(argv)
    paths = args.files or sorted(CORPUS.glob("*.jsonl"))
    report = check_corpus(paths)
    for name, rows in report.lines.items():
        counts = Counter(a for r in rows for a in r.acts)
        order = OPERATOR_ACTS if name.startswith("operator") else ACTS
        print(f"{name}: {len(rows)} lines")
        print("  " + "  ".join(f"{a}={counts[a]}" for a in order))
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(f"{len(report.problems)} problem(s)", file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
