"""The LLM path end to end through the real langchain-openai ChatOpenAI client, against the
offline FakeOpenAI server (tests/fake_openai.py). No test touches the real network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.analysis.llm_analyzer import ExtractedSlots
from assistant.drafting.llm_engine import DraftOutput
from assistant.errors import LLMError
from assistant.llm import LLMClient
from assistant.models import Draft, Severity, Stage
from assistant.pipeline import MAX_LLM_CALLS, DraftFlow
from assistant.retrieval import Retriever
from assistant.services import build
from assistant.settings import Settings, load_settings
from assistant.store import KnowledgeStore
from assistant.transcript import parse_conversation
from tests.fake_openai import Delay, Error, FakeOpenAI, count_tokens, free_port

pytest_plugins = ["tests.llm_fixtures"]  # the `fake_llm` fixture

KEY = "sk-test-secret"
PROJECT = Path(__file__).resolve().parent.parent.parent

# -- conversations and scripted answers ---------------------------------------------------
FIRST_CONTACT = "你好，想买点护肤品"  # the rules say: stage ask (no concern known yet)
READY_TO_BUY = (
    "客户: 我是油皮，最近下巴一直长痘\n"
    "我: 明白，您主要是想改善油皮长痘的问题，对吗？\n"
    "客户: 对的，就是这个\n"
    "我: 建议温和清洁，再配合能疏通毛孔的成分，您觉得可以吗？\n"
    "客户: 可以，直接推荐吧"
)
ASK_VARIANTS = [
    "您好呀～想先了解一下，您平时是偏油还是偏干的肤质呢？最近最困扰您的是哪一点？",
    "欢迎来咨询～为了给您找到真正合适的护理方式，能说说您的肤质和最近的困扰吗？",
    "您好～方便说下您是什么肤质，现在皮肤哪里最让您头疼吗？",
]
PITCHED_NAME = "沐研水杨酸净颜精华"
PITCH_VARIANTS = [v[:-1] + f"，我们的{PITCHED_NAME}也很受欢迎哦？" for v in ASK_VARIANTS]
MATCH_ID, MATCH_NAME = "MY-SE-02", "沐研壬二酸焕净精华"  # the best fitting serum for oily + acne
MATCH_VARIANTS = [
    f"推荐您试试{MATCH_NAME}，适合油皮长痘的情况，晚上洁面后取适量薄涂在容易长痘的区域就好～",
    f"可以先从{MATCH_NAME}开始，它适合油性肌肤，帮助疏通毛孔，晚上洁面后使用，刚开始隔天一次哦。",
]
READY_SLOTS = {
    "skin_types": ["oily"],
    "concerns": ["acne"],
    "need_confirmed": True,
    "solution_proposed": True,
    "solution_accepted": True,
    "expectations_confirmed": True,
}


def reply(variants: list[str], products: list[str] | None = None, citations: list[str] | None = None) -> str:
    return json.dumps(
        {"variants": variants, "products": products or [], "citations": citations or []}, ensure_ascii=False
    )


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No OpenAI setting leaks in from the environment (conftest clears ASSISTANT_*); local traffic never
    goes through a proxy; the working dir holds no .env."""
    for name in list(os.environ):
        if name.startswith("OPENAI_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeStore, Path]:
    """The demo knowledge ingested once for the module (offline settings, local embedder)."""
    data_dir = tmp_path_factory.mktemp("kb")
    settings = load_settings(ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_ENGINE="offline")
    kb = build(settings).kb
    assert kb.products(), "the demo knowledge was not ingested"
    return kb.store, data_dir


def llm_settings(base_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": base_url,
        "ASSISTANT_DATA_DIR": str(tmp_path),
        "ASSISTANT_LLM_TIMEOUT": 5,
        "ASSISTANT_LLM_MAX_RETRIES": 0,
        "ASSISTANT_STRUCTURED_METHOD": "json_schema",
        "ASSISTANT_ENGINE": "llm",
    }
    values.update(overrides)
    return load_settings(**values)


def make_assistant(
    knowledge: tuple[KnowledgeStore, Path], base_url: str, tmp_path: Path, **overrides: object
) -> DraftFlow:
    """A fresh draft flow (and so a fresh LLMClient) on the module's store."""
    return build(llm_settings(base_url, tmp_path, **overrides), store=knowledge[0], demo=False).drafts


def hard(draft: Draft) -> list[str]:
    return [f.rule for f in draft.findings if f.severity is Severity.hard]


def assert_offline_fallback(draft: Draft, *needles: str) -> str:
    """The draft fell back to the offline engine and one notice explains why (mentioning every needle)."""
    assert draft.engine == "offline"
    assert draft.variants and draft.reply, "the offline engine must still give the operator a reply"
    failed = [n for n in draft.notices if "offline draft" in n]
    assert failed, draft.notices
    for needle in needles:
        assert any(needle.lower() in n.lower() for n in failed), (needle, draft.notices)
    assert not any("Traceback" in n or "Error(" in n for n in draft.notices)
    assert KEY not in json.dumps(draft.to_output(), ensure_ascii=False)
    return failed[0]


MESSAGES = [SystemMessage(content="Extract the slots."), HumanMessage(content="customer: 我是油皮，最近长痘")]


# -- LLMClient ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_structured_parses_each_method_and_sends_its_request_shape(
    fake_llm: FakeOpenAI, tmp_path: Path, method: str
) -> None:
    client = LLMClient(llm_settings(fake_llm.base_url, tmp_path, ASSISTANT_STRUCTURED_METHOD=method))
    answer = json.dumps({"skin_types": ["oily"], "concerns": ["acne"], "need_confirmed": True})
    fake_llm.queue(answer)
    partials: list[dict] = []

    slots = client.structured(MESSAGES, ExtractedSlots, name="customer_slots", on_partial=partials.append)

    assert slots == ExtractedSlots(skin_types=["oily"], concerns=["acne"], need_confirmed=True)
    assert client.calls == 1
    # the usage the server sent in its last chunk, counted once
    assert client.usage["output_tokens"] == count_tokens(answer) and client.usage["input_tokens"] > 0
    assert len(partials) > 3 and partials[-1]["concerns"] == ["acne"]  # the answer arrived in pieces

    (request,) = fake_llm.chat_requests
    body = request.body
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert body["model"] == "gpt-4o-mini" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    if method == "json_schema":
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["name"] == "customer_slots"
        assert "concerns" in fmt["json_schema"]["schema"]["properties"]
        assert "tools" not in body
    elif method == "function_calling":
        assert "response_format" not in body
        (tool,) = body["tools"]
        assert tool["type"] == "function" and tool["function"]["name"] == "customer_slots"
        assert "concerns" in tool["function"]["parameters"]["properties"]
        assert body["tool_choice"] == {"type": "function", "function": {"name": "customer_slots"}}
    else:
        assert body["response_format"] == {"type": "json_object"}
        assert "tools" not in body
        system = request.messages[0]["content"]
        assert system.startswith("Extract the slots.") and "JSON schema" in system and '"concerns"' in system


def test_ping_uses_a_plain_non_streaming_call(fake_llm: FakeOpenAI, tmp_path: Path) -> None:
    client = LLMClient(llm_settings(fake_llm.base_url, tmp_path))
    assert client.ping() == "pong"  # the server's default answer
    (request,) = fake_llm.chat_requests
    assert not request.body.get("stream") and "response_format" not in request.body


def test_structured_errors_are_llm_errors_without_the_key(fake_llm: FakeOpenAI, tmp_path: Path) -> None:
    client = LLMClient(llm_settings(fake_llm.base_url, tmp_path))
    fake_llm.queue(401, "this is not JSON", '{"variants": []}')
    kinds = []
    for _ in range(3):
        with pytest.raises(LLMError) as info:
            client.structured(MESSAGES, DraftOutput, name="draft_reply", on_partial=lambda _: None)
        assert KEY not in str(info.value)
        kinds.append(info.value.kind)
    assert kinds == ["auth", "parse", "parse"]


# -- the pipeline -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_on_token_streams_the_first_variant(
    fake_llm: FakeOpenAI, knowledge, tmp_path: Path, method: str
) -> None:
    assistant = make_assistant(
        knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="rules", ASSISTANT_STRUCTURED_METHOD=method
    )
    fake_llm.queue(reply(ASK_VARIANTS))
    pieces: list[str] = []

    draft = assistant.draft(parse_conversation(FIRST_CONTACT), on_token=pieces.append)

    assert draft.engine == "llm", draft.notices
    assert draft.variants == ASK_VARIANTS
    assert len(pieces) >= 5, pieces  # token by token, not one block at the end
    assert "".join(pieces) == draft.variants[0] == ASK_VARIANTS[0]
    assert draft.llm_calls == 1 and len(fake_llm.chat_requests) == 1


def test_full_llm_draft_uses_the_analyzer_slots_and_the_servers_variants(
    fake_llm: FakeOpenAI, knowledge, tmp_path: Path
) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="llm")
    product_chunk = Retriever(knowledge[0]).product_chunk_ids([MATCH_ID])[MATCH_ID]
    fake_llm.queue(
        json.dumps(READY_SLOTS), reply(MATCH_VARIANTS, [MATCH_ID], [product_chunk, "made-up-chunk"])
    )

    draft = assistant.draft(parse_conversation(READY_TO_BUY))

    assert draft.engine == "llm" and draft.model == "gpt-4o-mini", draft.notices
    assert draft.analysis.analyzer == "llm"
    assert draft.stage is Stage.match_product, draft.analysis.reason
    assert draft.analysis.slots.skin_types == ["oily"] and draft.analysis.slots.concerns == ["acne"]
    assert draft.variants == MATCH_VARIANTS and draft.reply == MATCH_VARIANTS[0]
    assert [p.id for p in draft.products] == [MATCH_ID]
    assert draft.products[0].name == MATCH_NAME and "acne" in draft.products[0].why
    assert [c.id for c in draft.citations] == [product_chunk]  # the invented chunk id is dropped
    assert hard(draft) == []
    assert draft.llm_calls == 2 <= MAX_LLM_CALLS
    analyze_request, draft_request = fake_llm.chat_requests
    assert analyze_request.body["response_format"]["json_schema"]["name"] == "customer_slots"
    assert draft_request.body["response_format"]["json_schema"]["name"] == "draft_reply"
    assert MATCH_ID in draft_request.text  # the fitting product was offered to the model
    assert "match_product" in draft_request.text


@pytest.mark.parametrize(
    "answer",
    ['{"variants": ["您好，请问', "Sorry, I can't answer in JSON.", '{"variants": []}'],
    ids=["truncated-json", "prose", "wrong-shape"],
)
def test_malformed_answer_falls_back_to_offline(
    fake_llm: FakeOpenAI, knowledge, tmp_path: Path, answer: str
) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="rules")
    fake_llm.queue(answer)
    pieces: list[str] = []

    draft = assistant.draft(parse_conversation(FIRST_CONTACT), on_token=pieces.append)

    notice = assert_offline_fallback(draft, "LLM draft failed", "expected format")
    assert "Showing the offline draft instead" in notice
    assert draft.stage is Stage.ask and draft.llm_calls == 1


@pytest.mark.parametrize(
    ("status", "needle"), [(500, "HTTP 500"), (429, "rate"), (401, "API key"), (503, "HTTP 503")]
)
def test_http_errors_fall_back_to_offline_with_a_clear_notice(
    fake_llm: FakeOpenAI, knowledge, tmp_path: Path, status: int, needle: str
) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="rules")
    fake_llm.queue(Error(status))

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert_offline_fallback(draft, needle)
    assert len(fake_llm.chat_requests) == 1  # ASSISTANT_LLM_MAX_RETRIES=0: no retry


def test_timeout_falls_back_to_offline(fake_llm: FakeOpenAI, knowledge, tmp_path: Path) -> None:
    assistant = make_assistant(
        knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="rules", ASSISTANT_LLM_TIMEOUT=0.5
    )
    fake_llm.queue(Delay(5.0, then=reply(ASK_VARIANTS)))
    started = time.perf_counter()

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert time.perf_counter() - started < 3
    assert_offline_fallback(draft, "in time")


def test_endpoint_down_falls_back_to_offline(knowledge, tmp_path: Path) -> None:
    assistant = make_assistant(
        knowledge, f"http://127.0.0.1:{free_port()}/v1", tmp_path, ASSISTANT_ANALYZER="llm"
    )

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert_offline_fallback(draft, "connect", "OPENAI_BASE_URL")
    assert any("used the rule analyzer" in n for n in draft.notices)  # the analyzer also could not connect
    assert draft.analysis.analyzer == "rules" and draft.stage is Stage.ask


def test_early_pitch_is_regenerated_with_feedback(fake_llm: FakeOpenAI, knowledge, tmp_path: Path) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="rules")
    fake_llm.queue(reply(PITCH_VARIANTS, ["MY-SE-01"]), reply(ASK_VARIANTS))

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert draft.stage is Stage.ask
    assert draft.engine == "llm" and draft.variants == ASK_VARIANTS
    assert PITCHED_NAME not in draft.reply and draft.products == []
    assert hard(draft) == []
    assert draft.llm_calls == 2 <= MAX_LLM_CALLS
    assert any("regenerating" in n and "early_pitch" in n for n in draft.notices)
    first, second = fake_llm.chat_requests
    assert "early_pitch" not in first.text
    assert "early_pitch" in second.text and "Your previous draft broke these rules" in second.text
    assert PITCHED_NAME in second.text  # the offending text is quoted back to the model


def test_early_pitch_twice_falls_back_to_offline(fake_llm: FakeOpenAI, knowledge, tmp_path: Path) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="rules")
    fake_llm.queue(reply(PITCH_VARIANTS), reply(PITCH_VARIANTS), reply(PITCH_VARIANTS))

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert_offline_fallback(draft, "still broke the rules")
    assert PITCHED_NAME not in " ".join(draft.variants)
    assert hard(draft) == []
    assert draft.llm_calls == 2 and len(fake_llm.chat_requests) == 2  # the budget is never exceeded
    assert fake_llm.pending == 1


def test_no_regeneration_when_the_analyzer_used_the_budget(
    fake_llm: FakeOpenAI, knowledge, tmp_path: Path
) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="llm")
    fake_llm.queue(json.dumps({}), reply(PITCH_VARIANTS), reply(ASK_VARIANTS))

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert draft.stage is Stage.ask
    assert_offline_fallback(draft, "still broke the rules")
    assert draft.llm_calls == 2 and len(fake_llm.chat_requests) == 2


def test_malformed_analyzer_answer_falls_back_to_rules_and_still_drafts(
    fake_llm: FakeOpenAI, knowledge, tmp_path: Path
) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="llm")
    confirm = "明白啦，您是油皮，最近主要被长痘困扰，对吗？"
    fake_llm.queue('{"skin_types": "oily"', reply([confirm]))

    draft = assistant.draft(parse_conversation("我是油皮，最近一直长痘"))

    assert any("LLM analysis failed" in n and "rule analyzer" in n for n in draft.notices), draft.notices
    assert draft.engine == "llm" and draft.variants == [confirm] and hard(draft) == []
    assert draft.stage is Stage.uncover_need and draft.analysis.analyzer == "rules"


def test_the_api_key_never_leaks_into_the_draft(fake_llm: FakeOpenAI, knowledge, tmp_path: Path) -> None:
    assistant = make_assistant(knowledge, fake_llm.base_url, tmp_path, ASSISTANT_ANALYZER="llm")
    fake_llm.queue(401, Error(500, f"upstream said: bad key {KEY}"))

    draft = assistant.draft(parse_conversation(FIRST_CONTACT))

    assert draft.engine == "offline" and len(draft.notices) == 2
    assert KEY not in " ".join(draft.notices)
    assert KEY not in json.dumps(draft.to_output(), ensure_ascii=False)
    assert KEY not in draft.model_dump_json()
    assert all(
        r.headers["authorization"] == f"Bearer {KEY}" for r in fake_llm.chat_requests
    )  # it was sent, though


def test_cli_draft_json_never_shows_the_key(fake_llm: FakeOpenAI, knowledge, tmp_path: Path) -> None:
    _, kb_dir = knowledge
    fake_llm.queue(500, 500)
    env = dict(os.environ)
    env.update(
        OPENAI_API_KEY=KEY,
        OPENAI_BASE_URL=fake_llm.base_url,
        ASSISTANT_DATA_DIR=str(kb_dir),
        ASSISTANT_LLM_MAX_RETRIES="0",
        ASSISTANT_LLM_TIMEOUT="5",
        NO_PROXY="127.0.0.1,localhost",
        PYTHONPATH=str(PROJECT),
    )

    done = subprocess.run(
        [sys.executable, "-m", "assistant", "draft", "我是油皮，最近一直长痘", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 0, done.stderr
    assert KEY not in done.stdout and KEY not in done.stderr
    assert "Traceback" not in done.stderr
    output = json.loads(done.stdout)
    assert output["engine"] == "offline" and output["stage"] == "uncover_need" and output["reply"]
    assert any("HTTP 500" in n for n in output["notices"])
    assert len(fake_llm.chat_requests) == 2  # the LLM analyzer, then the LLM draft
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in fake_llm.chat_requests)


# -- the fake server itself ---------------------------------------------------------------
def test_fake_server_embeddings_and_models(fake_llm: FakeOpenAI) -> None:
    import openai

    client = openai.OpenAI(api_key=KEY, base_url=fake_llm.base_url, max_retries=0)
    first = client.embeddings.create(model="text-embedding-3-small", input=["油皮", "干皮"]).data
    again = client.embeddings.create(
        model="text-embedding-3-small", input="油皮", encoding_format="float"
    ).data
    assert len(first) == 2 and len(first[0].embedding) == 16
    assert first[0].embedding == pytest.approx(again[0].embedding, abs=1e-6)
    assert first[0].embedding != pytest.approx(first[1].embedding, abs=1e-6)
    assert "gpt-4o-mini" in [m.id for m in client.models.list()]
