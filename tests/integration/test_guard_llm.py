"""Bad LLM drafts through an OpenAI-compatible server (the loopback fake, through the real client)
never reach the operator as LLM drafts: the pipeline regenerates once, then shows the offline draft
with a notice naming the rule and the words that broke it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import Severity, Stage
from assistant.pipeline import DraftFlow
from assistant.services import build
from assistant.settings import load_settings
from assistant.store import KnowledgeStore
from assistant.transcript import parse_conversation
from tests.fake_openai import FakeOpenAI

pytest_plugins = ["tests.llm_fixtures"]  # the `fake_llm` fixture

FIRST_CONTACT = "你好，想买点护肤品"  # stage ask


def reply(variants: list[str]) -> str:
    return json.dumps({"variants": variants, "products": [], "citations": []}, ensure_ascii=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    settings = load_settings(
        ASSISTANT_DATA_DIR=str(tmp_path_factory.mktemp("kb")), ASSISTANT_ENGINE="offline"
    )
    return build(settings).kb.store


def llm_flow(fake_llm: FakeOpenAI, store: KnowledgeStore, tmp_path: Path) -> DraftFlow:
    settings = load_settings(
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=fake_llm.base_url,
        ASSISTANT_DATA_DIR=str(tmp_path),
        ASSISTANT_LLM_TIMEOUT=5,
        ASSISTANT_LLM_MAX_RETRIES=0,
        ASSISTANT_ENGINE="llm",
        ASSISTANT_ANALYZER="rules",
    )
    return build(settings, store=store, demo=False).drafts


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("variants", "rule", "words"),
    [
        (["A1", "A2", "A3"], "not_a_reply", "A1"),
        (["skin_types", "concerns", "budget_max"], "not_a_reply", "skin_types"),
        (["dry", "skin_types"], "not_a_reply", "dry"),
        (["亲，今天下单给您打个八折哦～您平时是什么肤质呀？"] * 2, "unsupported_promise", "八折"),
        (["您好呀～净颜精华很适合油皮哦，您平时是什么肤质呀？"], "early_pitch", "净颜精华"),
        (["您好呀～这款只要九十九元，您平时是什么肤质呀？"], "early_pitch", "九十九元"),
        (["您好呀～坚持用能根\u200b治痘痘，您平时是什么肤质呀？"], "banned_claim", "根\u200b治"),
        (["   ", "\n"], "not_a_reply", ""),
    ],
)
def test_a_bad_llm_draft_falls_back_to_offline_naming_the_rule(
    fake_llm: FakeOpenAI, store: KnowledgeStore, tmp_path: Path, variants, rule, words
) -> None:
    flow = llm_flow(fake_llm, store, tmp_path)
    fake_llm.queue(reply(variants), reply(variants))

    draft = flow.draft(parse_conversation(FIRST_CONTACT))

    assert draft.stage is Stage.ask
    assert draft.engine == "offline" and draft.variants
    assert not [f for f in draft.findings if f.severity is Severity.hard]
    assert not set(draft.variants) & set(variants)
    regenerating, fallback = [n for n in draft.notices if "broke" in n]
    assert "regenerating" in regenerating and "offline draft" in fallback
    assert rule in fallback and words in fallback, fallback
    assert len(fake_llm.chat_requests) == 2 and rule in fake_llm.chat_requests[1].text  # the feedback


def test_near_duplicate_llm_variants_are_dropped_not_shown(
    fake_llm: FakeOpenAI, store: KnowledgeStore, tmp_path: Path
) -> None:
    flow = llm_flow(fake_llm, store, tmp_path)
    same = "您好呀～想先了解下您的肤质，是偏油还是偏干呢？"
    other = "亲～能说说您最近皮肤最困扰的是哪一点吗？"
    fake_llm.queue(reply([same, same.replace("您好呀", "您好"), other]))

    draft = flow.draft(parse_conversation(FIRST_CONTACT))

    assert draft.engine == "llm" and draft.variants == [same, other]
    assert any("dropped" in n and "near_duplicate" in n for n in draft.notices)
