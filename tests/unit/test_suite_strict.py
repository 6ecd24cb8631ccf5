"""Eval suites are strict (issue 9 item 6): unknown keys anywhere name the closest valid key, suites
are UTF-8, and `knowledge:` stays inside the suite's folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.evals.suite import SuiteError, load_suite

SUITE = """\
suite: strict
knowledge: kb
thresholds: {stage_accuracy: 0.9, early_pitch: 0}
cases:
  - id: c1
    conversation:
      - customer: 你好，我脸上老出油
    expect: {stage: ask, asks_question: true}
    kinds: [opening]
"""


def write_suite(folder: Path, text: str = SUITE, encoding: str = "utf-8") -> Path:
    (folder / "kb").mkdir(parents=True, exist_ok=True)
    (folder / "kb" / "catalog.csv").write_text("id,name,price\nT1,测试,99\n", encoding="utf-8")
    path = folder / "suite.yaml"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_valid_suite_loads(tmp_path):
    suite = load_suite(write_suite(tmp_path))
    assert suite.cases[0].kinds == ["opening"] and suite.knowledge_path() == (tmp_path / "kb").resolve()


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "knowledge: kb",
            "knowlege: kb",
            "field knowlege: unknown key 'knowlege' (did you mean 'knowledge'?)",
        ),
        (
            "thresholds: {",
            "tresholds: {",
            "field tresholds: unknown key 'tresholds' (did you mean 'thresholds'?)",
        ),
        ("cases:", "case:", "unknown key 'case' (did you mean 'cases'?)"),
        ("    expect:", "    expct:", "case c1, field expct: unknown key 'expct' (did you mean 'expect'?)"),
        (
            "{stage: ask,",
            "{stagee: ask,",
            "case c1, field expect.stagee: unknown key 'stagee' (did you mean 'stage'?)",
        ),
        (
            "stage_accuracy: 0.9",
            "stage_acuracy: 0.9",
            "unknown metric 'stage_acuracy' (did you mean 'stage_accuracy'?)",
        ),
        ("stage_accuracy: 0.9", "stage_accuracy: 1.5", "stage_accuracy is a rate: a number from 0 to 1"),
        ("early_pitch: 0", "early_pitch: .inf", "early_pitch is a count"),
        ("early_pitch: 0", "vibes: 3", "unknown metric 'vibes'; valid: "),
    ],
)
def test_unknown_keys_name_the_closest_valid_one(tmp_path, old, new, message):
    path = write_suite(tmp_path, SUITE.replace(old, new, 1))
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_suite_that_is_not_utf8_is_refused_with_the_line(tmp_path):
    path = write_suite(tmp_path, SUITE.replace("你好", "您好"), encoding="gbk")
    with pytest.raises(
        SuiteError, match=r"suite.yaml: line 7: byte 0x\w\w is not UTF-8; save the suite as UTF-8"
    ):
        load_suite(path)


def test_yaml_errors_are_one_line(tmp_path):
    path = write_suite(tmp_path, SUITE + "  - id: [broken\n")
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert "\n" not in str(caught.value) and "not valid YAML: line " in str(caught.value)


@pytest.mark.parametrize(
    "knowledge, message",
    [
        ("../../../../etc", "leads outside the suite's folder"),
        ("/etc", "is absolute"),
        ("kb/../../outside", "leads outside the suite's folder"),
        ("linked", "leads outside the suite's folder"),  # a link in the folder to a folder outside it
        ("kb", "is a link to"),  # a link inside the knowledge folder to a file outside
    ],
)
def test_knowledge_stays_inside_the_suite_folder(tmp_path, knowledge, message):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# secret\n不应被读取。\n", encoding="utf-8")
    folder = tmp_path / "suites"
    path = write_suite(folder, SUITE.replace("knowledge: kb", f"knowledge: {knowledge}"))
    os.symlink(outside, folder / "linked")
    if knowledge == "kb":
        os.symlink(outside / "secret.md", folder / "kb" / "secret.md")
    with pytest.raises(SuiteError, match=f"field knowledge: .*{message}"):
        load_suite(path)
