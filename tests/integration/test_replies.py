"""Replies an operator would send as they are (issue 11), end to end: the demo knowledge, the real
draft flow, and the LLM engine against the fake OpenAI server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from assistant.drafting.checker import check_reply, question_topics, sentences
from assistant.drafting.tone import rewrite
from assistant.models import Severity, Stage
from assistant.services import build
from assistant.settings import load_settings
from assistant.transcript import parse_conversation
from tests.fake_openai import FakeOpenAI

pytest_plugins = ["tests.llm_fixtures"]

STUDENT = (
    "客户: 你好，我最近脸上老出油，还冒痘\n"
    "我: 您好呀～出油主要在T区还是全脸？\n"
    "客户: 全脸都油，下巴闭口多，我是油皮\n"
    "我: 明白啦，您是油皮，主要困扰是全脸出油和闭口，对吧？\n"
    "客户: 对的\n"
    "我: 建议分三步：温和洁面，再用控油精华疏通毛孔，最后清爽保湿。您看可以吗？质地喜欢清爽的吗？预算大概多少？最近有备孕吗？\n"
    "客户: 可以，清爽的，预算200左右，学生党，没有备孕"
)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("replies")
    return build(load_settings(ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_ENGINE="offline"))


def names(services) -> list[str]:
    return [n for p in services.kb.products() for n in p.names()]


def test_issue_student_budget_the_sum_stays_within_and_the_reply_says_the_total(services):
    draft = services.drafts.draft(parse_conversation(STUDENT))
    assert draft.stage is Stage.match_product, draft.analysis.reason
    total = sum(p.price for p in draft.products)
    assert draft.products and total <= 200
    catalog = {p.id: p for p in services.kb.products()}
    assert {catalog[p.id].category for p in draft.products} <= {
        "cleanser",
        "serum",
        "spot-treatment",
        "moisturizer",
    }
    for variant in draft.variants:
        assert f"¥{total:g}" in variant and "保湿" in variant  # the total, and the step left out
        assert check_reply(variant, language="zh", names=names(services)) == []
    assert not [f for f in draft.findings if f.severity is Severity.hard]


def test_a_skin_type_just_given_is_restated_not_asked(services):
    for text, language in (
        ("我是干皮，最近脸上一直起皮", "zh"),
        ("I have dry skin and it gets flaky around my nose", "en"),
    ):
        draft = services.drafts.draft(parse_conversation(text))
        assert draft.stage is Stage.uncover_need
        for variant in draft.variants:
            asked = {t for s in sentences(variant) if s.question for t in question_topics(s.text, language)}
            assert "skin_type" not in asked, variant


def test_regenerate_through_the_flow_shows_new_variants(services):
    conversation = parse_conversation("我是油皮，最近下巴老长闭口")
    first = services.drafts.draft(conversation)
    again = services.drafts.draft(conversation, attempt=1)
    assert again.variants and not set(first.variants) & set(again.variants)


# -- the LLM engine holds the same contract -------------------------------------------------
def llm_services(fake: FakeOpenAI, tmp_path: Path):
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            os.environ.pop(name)
    settings = load_settings(
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake.base_url,
        ASSISTANT_DATA_DIR=str(tmp_path / "d"),
        ASSISTANT_ANALYZER="rules",
        ASSISTANT_ENGINE="llm",
        ASSISTANT_LLM_MAX_RETRIES=0,
    )
    return build(settings)


def answer(variants: list[str]) -> str:
    return json.dumps({"variants": variants, "products": [], "citations": []}, ensure_ascii=False)


CONFIRM = (
    "客户: 我是干皮，两颊起皮\n我: 您是干皮，主要是两颊干到起皮，对吧？\n客户: 对的\n"
    "我: 建议先换温和洁面，再用补水精华，最后用面霜锁水。\n客户: 好的，那一套下来多少钱？"
)
REASK = ["好的～您平时皮肤是偏油、偏干，还是混合型呀？预算大概多少呢？"] * 2
CLEAN = [
    "价格要看最后定几步，我按您的预算来配，不会超出～预算大概多少呢？",
    "具体取决于选几步，都按您的预算来～整体预算大概在多少呀？",
]


def test_the_llm_prompt_carries_the_contract_and_a_reask_is_regenerated(fake_llm: FakeOpenAI, tmp_path: Path):
    flow = llm_services(fake_llm, tmp_path).drafts
    fake_llm.queue(answer(REASK), answer(CLEAN))
    draft = flow.draft(parse_conversation(CONFIRM))
    assert draft.engine == "llm" and draft.variants == CLEAN, draft.notices
    first, second = fake_llm.chat_requests
    assert "Already given by the customer (never ask again): " in first.text and "skin_type" in first.text
    assert "[price]" in first.text and "一套下来多少钱" in first.text
    assert "cleanser → serum → moisturizer" in first.text and "Attempt: 0" in first.text
    assert "reask" in second.text and any("reask" in n for n in draft.notices)


def test_a_repeated_phrase_twice_falls_back_to_the_offline_draft(fake_llm: FakeOpenAI, tmp_path: Path):
    flow = llm_services(fake_llm, tmp_path).drafts
    repeated = ["价格要看最后选几步，价格要看最后选几步，您预算大概多少呢？"]
    fake_llm.queue(answer(repeated), answer(repeated))
    draft = flow.draft(parse_conversation(CONFIRM))
    assert draft.engine == "offline" and any("still broke the rules" in n for n in draft.notices)
    assert all(check_reply(v, language="zh") == [] for v in draft.variants)
    assert "预算" in sentences(draft.reply)[0].text  # the offline draft answers the price question first


def test_a_budget_rule_for_the_whole_recommendation_reaches_the_prompt(fake_llm: FakeOpenAI, tmp_path: Path):
    flow = llm_services(fake_llm, tmp_path).drafts
    flow.draft(parse_conversation(STUDENT), attempt=1)
    request = fake_llm.chat_requests[0]
    # 200左右 is read as up to 220 by the analyzer
    assert (
        "the SUM of the recommended prices at most 220 CNY" in request.text and "Attempt: 1" in request.text
    )
    assert (
        re.search(r"total of these: \d+ CNY", request.text)
        and "left out: the moisturizer step" in request.text
    )


def test_the_tone_rewrite_uses_one_llm_call_and_falls_back_to_rules_on_a_violation(
    fake_llm: FakeOpenAI, tmp_path: Path
):
    s = llm_services(fake_llm, tmp_path)
    draft = "明白啦～您是干皮，最困扰的是两颊起皮，对吧？"
    kw = {
        "language": "zh",
        "prompts_dir": s.settings.prompts_dir,
        "products": s.kb.products(),
        "stage": Stage.uncover_need,
        "llm": s.drafts.llm,
    }
    from assistant.models import Slots

    slots = Slots(skin_types=["dry"], concerns=["hydration"])
    fake_llm.queue(
        json.dumps({"text": "亲爱的，明白啦～您是干皮，两颊起皮真的很难受，是这样吗？"}, ensure_ascii=False)
    )
    warm = rewrite(draft, "warmer", slots=slots, **kw)
    assert warm.engine == "llm" and "难受" in warm.text and len(fake_llm.chat_requests) == 1
    assert "Tone: warmer" in fake_llm.chat_requests[0].text
    fake_llm.queue(json.dumps({"text": "推荐沐研角鲨烷云朵霜，¥149，对吧？"}, ensure_ascii=False))
    safe = rewrite(draft, "casual", slots=slots, **kw)
    assert safe.engine == "rules" and "沐研" not in safe.text and "early_pitch" in safe.notices[0]
