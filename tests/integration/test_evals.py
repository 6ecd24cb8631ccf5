"""Eval suites: loading, checks, the runner (offline and through the fake LLM), reports, comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evals.report import build_results, compare
from assistant.evals.runner import RunOptions, run_suites
from assistant.evals.suite import SuiteError, load_suite
from assistant.settings import load_settings
from tests.conftest import ROOT
from tests.support import run_cli

pytest_plugins = ["tests.llm_fixtures"]

ISSUE_SHAPE = """\
suite: oily-skin-basics
description: written by someone else
knowledge: kb
profile: {}
thresholds: {stage_accuracy: 0.9, early_pitch: 0, banned_claims: 0, product_fit: 1.0}
cases:
  - id: oily-ask-01
    conversation:
      - customer: 你好，我脸上老出油
      - operator: 您好～出油主要在T区还是全脸呢？
      - customer: 全脸
    profile: {skin_type: oily, budget: 200}
    expect:
      stage: uncover_need
      asks_question: true
      products_any_of: []
      products_none_of: []
      must_include: []
      must_not_include: []
      max_chars: 200
  - id: oily-match-01
    conversation:
      - customer: 我是油皮，老长痘
      - operator: 您是油皮，主要困扰是长痘，对吧？
      - customer: 对的
      - operator: 建议温和清洁，配合低浓度水杨酸。
      - customer: 好的
      - operator: 质地喜欢清爽的吗？预算多少？
      - customer: 清爽的，两百以内
    expect: {stage: match_product, products_any_of: [T-2], products_none_of: [T-3]}
"""
CATALOG = """\
id,name,category,price,skin_types,concerns,key_ingredients,usage,cautions
T-1,测试洁面,cleanser,300,oily,acne,水杨酸,早晚使用,
T-2,测试净痘精华,serum,150,油皮;混合皮,痘痘,壬二酸 10%,晚上使用,
T-3,测试滋润霜,moisturizer,120,dry,hydration,角鲨烷,最后一步,
"""


def write_suite(folder: Path, text: str = ISSUE_SHAPE) -> Path:
    (folder / "kb").mkdir(parents=True, exist_ok=True)
    (folder / "kb" / "catalog.csv").write_text(CATALOG, encoding="utf-8")
    path = folder / "suite.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_issue_shape_runs_against_the_knowledge_it_names(tmp_path):
    path = write_suite(tmp_path)
    suite = load_suite(path)
    run_id, runs, _ = run_suites(
        [suite], load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "d")), RunOptions(concurrency=2)
    )
    by_id = {r.case_id: r for r in runs}
    assert by_id["oily-ask-01"].stage == "uncover_need" and by_id["oily-ask-01"].passed
    assert (
        by_id["oily-match-01"].products == ["T-2"] and by_id["oily-match-01"].passed
    )  # from the suite's own catalog
    results = build_results(run_id, [suite], runs, 1.0, {"engine": "offline"}, 1, 2)
    assert results["passed"] and results["suites"][0]["metrics"]["stage_accuracy"] == 1.0


def test_report_says_which_case_failed_which_check_and_why(tmp_path):
    text = ISSUE_SHAPE.replace("stage: uncover_need", "stage: propose").replace(
        "products_none_of: [T-3]", "products_none_of: [T-2]"
    )
    path = write_suite(tmp_path, text)
    out = run_cli("eval", "run", str(path), "--out", str(tmp_path / "out"), data_dir=tmp_path / "d")
    assert out.returncode == 1, out.stderr
    assert "oily-ask-01: stage: expected propose, got uncover_need" in out.stdout
    assert "oily-match-01: products_expected: recommended ['T-2'], which must not be" in out.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["suites"][0]["confusion"]["propose"]["uncover_need"] == 1
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "stage_accuracy" in summary and "oily-ask-01" in summary


@pytest.mark.parametrize(
    "mutation, where",
    [
        (("stage: uncover_need", "stage: nowhere"), "case oily-ask-01, field expect.stage"),
        (("- customer: 全脸\n", "- operator: 全脸\n"), "case oily-ask-01, field conversation"),
        (("max_chars: 200", "max_chars: -5"), "case oily-ask-01, field expect.max_chars"),
        (("product_fit: 1.0}", "product_fit: 1.0, vibes: 3}"), "field thresholds"),
        (("knowledge: kb", "knowledge: missing"), "field knowledge"),
        (
            ("profile: {skin_type: oily, budget: 200}", "profile: {skin_type: greasy}"),
            "case oily-ask-01, field profile",
        ),
    ],
)
def test_invalid_suites_exit_2_naming_file_case_and_field(tmp_path, mutation, where):
    path = write_suite(tmp_path, ISSUE_SHAPE.replace(*mutation))
    with pytest.raises(SuiteError, match=where):
        load_suite(path)
    out = run_cli("eval", "run", str(path), data_dir=tmp_path / "d")
    assert (
        out.returncode == 2
        and str(path) in out.stderr
        and where in out.stderr
        and "Traceback" not in out.stderr
    )


def test_shipped_suites_meet_their_thresholds_offline(tmp_path):
    """Every suite in evals/ (the original five and the dev suites written independently of the
    analyzer) holds its thresholds; evals/holdout/ is measured at the end of a round, not here."""
    out = run_cli("eval", "run", str(ROOT / "evals"), "--concurrency", "4", "--json", data_dir=tmp_path)
    results = json.loads(out.stdout)
    assert out.returncode == 0, [s["thresholds"] for s in results["suites"] if not s["passed"]]
    assert results["metrics"]["cases"] >= 300
    stages = {c["expected_stage"] for c in results["cases"]}
    assert stages == {"ask", "uncover_need", "propose", "confirm_expectation", "match_product", "escalate"}


def test_compare_lists_regressions_and_improvements(tmp_path):
    path = write_suite(tmp_path)
    settings = load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "d"))
    suite = load_suite(path)
    good = build_results("a", [suite], run_suites([suite], settings, RunOptions())[1], 1, {}, 1, 1)
    broken = load_suite(write_suite(tmp_path, ISSUE_SHAPE.replace("stage: uncover_need", "stage: ask")))
    bad = build_results("b", [broken], run_suites([broken], settings, RunOptions())[1], 1, {}, 1, 1)
    diff = compare(good, bad)
    assert [r["case"] for r in diff["regressed"]] == ["oily-skin-basics/oily-ask-01"]
    assert diff["metrics"]["stage_accuracy"]["delta"] == -0.5
    assert compare(bad, good)["improved"][0]["case"] == "oily-skin-basics/oily-ask-01"


DRAFT_OK = json.dumps(
    {"variants": ["您好～想先了解一下，出油主要在哪些部位呢？"], "products": [], "citations": []},
    ensure_ascii=False,
)


def llm_settings(fake, tmp_path, **extra):
    return load_settings(
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake.base_url,
        ASSISTANT_DATA_DIR=str(tmp_path / "d"),
        ASSISTANT_ANALYZER="rules",
        ASSISTANT_LLM_MAX_RETRIES=0,
        **extra,
    )


def test_llm_answers_are_cached_by_prompt_and_repeat(fake_llm, tmp_path):
    fake_llm.default_reply = DRAFT_OK
    suite = load_suite(write_suite(tmp_path))
    settings = llm_settings(fake_llm, tmp_path)
    _, first, _ = run_suites([suite], settings, RunOptions(concurrency=2, judge=False))
    calls = len(fake_llm.chat_requests)
    # each case is drafted twice: the draft and its Regenerate (attempt 1, a different prompt)
    assert calls == 4 and all(r.engine == "llm" for r in first)
    assert sum("Attempt: 1" in r.text for r in fake_llm.chat_requests) == 2
    _, second, _ = run_suites([suite], settings, RunOptions(concurrency=2, judge=False))
    assert len(fake_llm.chat_requests) == calls  # every answer came from the cache
    assert all(r.cache_hits == 2 for r in second) and [r.reply for r in second] == [r.reply for r in first]
    run_suites([suite], settings, RunOptions(concurrency=2, repeat=2, judge=False))
    assert len(fake_llm.chat_requests) == calls + 4  # repeat 1 is a new key; repeat 0 is cached


def test_repeat_reports_pass_hat_k_and_flaky_cases(fake_llm, tmp_path):
    pitch = json.dumps(
        {"variants": ["推荐测试净痘精华"], "products": [], "citations": []}, ensure_ascii=False
    )
    text = ISSUE_SHAPE.split("  - id: oily-match-01")[0]
    suite = load_suite(write_suite(tmp_path, text))
    # repeat 0: the draft and its Regenerate are clean; repeat 1: the draft pitches twice → offline draft
    fake_llm.queue(DRAFT_OK, DRAFT_OK, pitch, pitch)
    settings = llm_settings(fake_llm, tmp_path)
    run_id, runs, _ = run_suites([suite], settings, RunOptions(concurrency=1, repeat=2, judge=False))
    assert [r.engine for r in runs] == ["llm", "offline"]
    results = build_results(run_id, [suite], runs, 1, {}, 2, 1)
    assert "pass^2" in results["metrics"]


def test_judge_verdicts_and_unscored(fake_llm, tmp_path):
    suite = load_suite(write_suite(tmp_path, ISSUE_SHAPE.split("  - id: oily-match-01")[0]))
    fake_llm.queue(
        DRAFT_OK,
        DRAFT_OK,  # the Regenerate draft (attempt 1)
        json.dumps({"reason": "asks well", "verdict": "pass"}),
        "I think it is fine",  # not JSON: unscored
        json.dumps({"reason": "too long", "verdict": "fail"}),
    )
    settings = llm_settings(fake_llm, tmp_path)
    _, runs, _ = run_suites([suite], settings, RunOptions(judge=True))
    verdicts = sorted(v["verdict"] for v in runs[0].judge.values())
    assert verdicts == ["fail", "pass", "unscored"]
    assert not runs[0].passed  # a failed criterion fails the case; unscored alone would not
    assert runs[0].input_tokens > 0 and runs[0].llm_calls == 5
