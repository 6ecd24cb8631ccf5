"""The labelled utterance corpus (assistant/analysis/corpus/*.jsonl) the act classifier is trained on.

Every file present in the folder is checked line by line, so a typo in an act id, a missing field
or a duplicated utterance fails CI with the file, line and field in the message."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.models import ACTS, OPERATOR_ACTS
from assistant.text import normalize

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")

CORPUS_DIR = Path(__file__).resolve().parents[2] / "assistant" / "analysis" / "corpus"
FILES = sorted(CORPUS_DIR.glob("*.jsonl"))
CUSTOMER_FILES = [f for f in FILES if f.name.startswith("customer-")]
OPERATOR_FILE = CORPUS_DIR / "operator.jsonl"
FIELDS = {"text", "acts", "after", "lang"}
AFTER = ("none", "any", *OPERATOR_ACTS)
# every act needs enough examples to be learnt and cross-validated (README: each act ≥ 20)
MIN_PER_CUSTOMER_ACT = 20
MIN_PER_OPERATOR_ACT = 40
MIN_PER_OPERATOR_ACT_PER_LANG = 15
MIN_LINES = {"customer-en.jsonl": 500, "customer-zh.jsonl": 500, "operator.jsonl": 700}


def allowed_acts(path: Path) -> tuple[str, ...]:
    return OPERATOR_ACTS if path.name == "operator.jsonl" else ACTS


def load(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{number}"
        assert line.strip(), f"{where}: empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{where}: not valid JSON ({exc.msg})")
        assert isinstance(row, dict), f"{where}: not a JSON object"
        assert set(row) == FIELDS, f"{where}: fields {sorted(row)}, expected {sorted(FIELDS)}"
        rows.append({**row, "where": where})
    return rows


def key(text: str) -> str:
    """What counts as the same utterance: the analyzer's normalisation, case ignored."""
    return normalize(text).casefold()


def test_corpus_files_are_there():
    assert {"customer-en.jsonl", "operator.jsonl"} <= {f.name for f in FILES}
    assert all(f.name == "operator.jsonl" or f in CUSTOMER_FILES for f in FILES), FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_line_is_well_formed(path: Path):
    acts = allowed_acts(path)
    expected_lang = path.stem.removeprefix("customer-") if path in CUSTOMER_FILES else None
    rows = load(path)
    assert len(rows) >= MIN_LINES.get(path.name, 1), f"{path.name}: only {len(rows)} lines"
    for row in rows:
        where = row["where"]
        assert isinstance(row["text"], str) and row["text"].strip(), f"{where}: text is empty"
        assert normalize(row["text"]), f"{where}: text is empty once normalised"
        assert isinstance(row["acts"], list) and row["acts"], f"{where}: acts is empty"
        unknown = [a for a in row["acts"] if a not in acts]
        assert not unknown, f"{where}: acts {unknown} not in {path.name}'s act list"
        assert len(set(row["acts"])) == len(row["acts"]), f"{where}: an act is repeated"
        assert row["after"] in AFTER, f"{where}: after {row['after']!r} not in {AFTER}"
        assert row["lang"] in ("zh", "en"), f"{where}: lang {row['lang']!r} is not zh/en"
        if expected_lang:
            assert row["lang"] == expected_lang, f"{where}: lang {row['lang']} in {path.name}"
        # mixed utterances take the main language: it must not be the minority script
        cjk, latin = len(CJK.findall(row["text"])), len(LATIN.findall(row["text"]))
        minority = cjk < latin if row["lang"] == "zh" else latin < cjk
        assert not minority, f"{where}: lang {row['lang']} but the text is mostly the other script"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_duplicate_utterances(path: Path):
    seen: dict[str, str] = {}
    for row in load(path):
        k = key(row["text"])
        assert k not in seen, f"{row['where']}: same text as {seen[k]}"
        seen[k] = row["where"]


def test_customer_files_never_label_one_utterance_two_ways():
    labels: dict[str, tuple[str, set[str]]] = {}
    for path in CUSTOMER_FILES:
        for row in load(path):
            k, acts = key(row["text"]), set(row["acts"])
            if k in labels:
                where, other = labels[k]
                assert acts == other, f"{row['where']}: acts {sorted(acts)} but {where} says {sorted(other)}"
            labels[k] = (row["where"], acts)


@pytest.mark.parametrize("path", CUSTOMER_FILES, ids=lambda p: p.name)
def test_every_customer_act_has_enough_examples(path: Path):
    counts = Counter(act for row in load(path) for act in row["acts"])
    thin = {act: counts[act] for act in ACTS if counts[act] < MIN_PER_CUSTOMER_ACT}
    assert not thin, f"{path.name}: fewer than {MIN_PER_CUSTOMER_ACT} examples for {thin}"


def test_every_operator_act_has_enough_examples_in_both_languages():
    rows = load(OPERATOR_FILE)
    counts = Counter(act for row in rows for act in row["acts"])
    thin = {act: counts[act] for act in OPERATOR_ACTS if counts[act] < MIN_PER_OPERATOR_ACT}
    assert not thin, f"operator.jsonl: fewer than {MIN_PER_OPERATOR_ACT} examples for {thin}"
    for lang in ("zh", "en"):
        per_lang = Counter(act for row in rows if row["lang"] == lang for act in row["acts"])
        thin = {act: per_lang[act] for act in OPERATOR_ACTS if per_lang[act] < MIN_PER_OPERATOR_ACT_PER_LANG}
        assert not thin, (
            f"operator.jsonl: fewer than {MIN_PER_OPERATOR_ACT_PER_LANG} {lang} examples for {thin}"
        )
    zh_share = sum(row["lang"] == "zh" for row in rows) / len(rows)
    assert 0.5 <= zh_share <= 0.7, f"operator.jsonl: {zh_share:.0%} Chinese, expected about 60%"


def test_operator_lines_carry_no_context():
    rows = load(OPERATOR_FILE)
    assert all(row["after"] == "any" for row in rows), [r["where"] for r in rows if r["after"] != "any"][:5]
