"""Every page of the Streamlit console through AppTest: no exception, and the visible results of
the main actions (draft → approve/reject, customers and history, knowledge upload and hit test,
an eval run, settings)."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from assistant.reviewlog import ReviewLog
from tests.conftest import ROOT

pytest_plugins = ["tests.integration.console"]  # the `data_dir` fixture
APP = str(ROOT / "ui" / "app.py")
CHAT = (
    "客户: 我是油皮，老长痘\n我: 您是油皮，主要困扰是长痘，对吧？\n客户: 对的\n我: 建议温和清洁，配合低浓度水杨酸。\n"
    "客户: 好的\n我: 质地喜欢清爽的吗？预算多少？\n客户: 清爽的，两百以内，没有备孕"
)


def open_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, at.exception
    return at


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.info] + [e.value for e in at.success]
    parts += [e.value for e in at.error] + [e.value for e in at.warning] + [c.value for c in at.caption]
    parts += [t.value for t in at.text]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))  # as shown: Markdown escapes resolved


def draft(at: AppTest, message: str, chat: bool = False) -> AppTest:
    at.text_area(key="draft_input").input(message).run()
    if chat:  # the paste is a whole chat, not one customer message
        at.checkbox(key="replace_thread").check().run()
    next(b for b in at.button if "Draft" in b.label).click().run()
    assert not at.exception, at.exception
    return at


def test_draft_page_first_message(data_dir):
    at = draft(open_page(), "你好，我脸上最近老出油还长痘，有什么推荐吗")
    assert "挖需求" in text_of(at)
    edit = [t for t in at.text_area if t.key and t.key.startswith("edit_")]
    assert edit and edit[0].value.endswith(("？", "?")) and len(at.tabs) >= 2
    assert "All checks passed" in text_of(at)


def test_approve_logs_the_edited_text_and_continues_the_thread(data_dir):
    at = open_page()
    log = ReviewLog.in_data_dir(data_dir)
    customer = log.create_customer("小美")
    at.run()
    at.selectbox(key="customer_id").set_value(customer).run()
    draft(at, "你好，我脸上最近老出油还长痘")
    edit = next(t for t in at.text_area if t.key and t.key.startswith("edit_") and t.key.endswith("_0"))
    edit.input("您好～您主要是出油和长痘，对吧？平时是油皮还是混合皮呀？").run()
    next(b for b in at.button if b.key == "approve_0").click().run()
    assert not at.exception
    assert "edited" in text_of(at)
    [row] = log.drafts()
    assert (
        row["decision"] == "edited"
        and row["final_text"].startswith("您好～您主要是")
        and 0 < row["edit_ratio"] < 1
    )
    thread = log.thread(customer)
    assert [t.role.value for t in thread] == ["customer", "operator"] and thread[1].text == row["final_text"]
    at.run()
    draft(at, "对的，我是油皮")  # continues from the thread: the restatement was confirmed
    assert "给方案" in text_of(at)


def test_match_product_shows_product_cards_and_citations(data_dir):
    at = draft(open_page(), CHAT, chat=True)
    page = text_of(at)
    assert "¥" in page and "Why it fits" in page and "Citations" in " ".join(h.value for h in at.subheader)


def test_reject_needs_a_reason(data_dir):
    at = draft(open_page(), "你好")
    at.button(key="reject").click().run()
    assert any("say why" in e.value for e in at.error)
    at.text_input(key="reject_reason").input("too generic").run()
    at.button(key="reject").click().run()
    assert "rejected" in text_of(at)
    assert ReviewLog.in_data_dir(data_dir).drafts()[0]["reason_text"] == "too generic"


def test_empty_input_shows_an_error_not_a_traceback(data_dir):
    at = open_page()
    next(b for b in at.button if "Draft" in b.label).click().run()
    assert not at.exception and any("empty" in e.value for e in at.error)


def test_history_page_metrics_export_and_eval_case(data_dir):
    log = ReviewLog.in_data_dir(data_dir)
    at = draft(open_page(), "你好，我是干皮")
    next(b for b in at.button if b.key == "approve_0").click().run()
    at.switch_page("views/history.py").run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["草稿 Drafts"] == "1" and labels["通过率 Approval rate"] == "100%"
    assert any(b.label.startswith("⬇️ 导出 CSV") for b in at.get("download_button"))
    assert any("suite: from-review" in c.value for c in at.code)
    assert log.drafts()[0]["decision"] == "approved"


def test_knowledge_page_stats_delete_and_hit_test(data_dir):
    at = open_page("knowledge")
    assert {m.label for m in at.metric} >= {"来源 Sources", "片段 Chunks", "产品 Products"}
    at.text_input(key="hit_query").input("孕期 水杨酸").run()
    assert not at.exception and "matched terms: 孕期" in text_of(at)
    before = int(next(m.value for m in at.metric if m.label == "来源 Sources"))
    at.selectbox(key="remove_source").set_value("knowledge/faq/faq-en.md").run()
    at.button(key="remove").click().run()
    assert not at.exception
    assert int(next(m.value for m in at.metric if m.label == "来源 Sources")) == before - 1


def test_evals_page_runs_a_suite_and_shows_results(data_dir):
    at = open_page("evals")
    suite = next(o for o in at.multiselect(key="suites").options if "escalation" in o)
    at.multiselect(key="suites").set_value([str(ROOT / "evals" / "escalation.yaml")] if suite else []).run()
    at.button(key="run_evals").click().run()
    assert not at.exception, at.exception
    assert "passed" in text_of(at) and any("escalation: passed" in t.value for t in at.text)


def test_settings_page_masks_the_key_and_reports_a_failed_connection(data_dir, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ASSISTANT_ENGINE", "offline")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "0")
    from ui import state

    state.reset_caches()
    at = open_page("settings")
    page = text_of(at) + " ".join(t.label for t in at.text_input)
    assert "sk-…cret" in page and "sk-test-very-secret" not in page
    next(b for b in at.button if "Test connection" in b.label).click().run()
    assert not at.exception and any("Connection failed" in e.value for e in at.error)


def test_password_gate(data_dir, monkeypatch):
    monkeypatch.setenv("ASSISTANT_PASSWORD", "s3cret")
    from ui import state

    state.reset_caches()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not [t for t in at.text_area if t.key == "draft_input"]
    at.text_input[0].input("wrong")
    at.button[0].click().run()  # a form: fields and the submit button go together
    assert any("Wrong password" in e.value for e in at.error)
    at.text_input[0].input("s3cret")
    at.button[0].click().run()
    assert [t for t in at.text_area if t.key == "draft_input"]
