"""Every page of the Streamlit console through AppTest, pressing the real controls: no exception, and
what the operator sees (draft → edit → approve / regenerate / reject, a new customer, the customer
card, history counted by decision, knowledge delete with confirmation and hit test, an eval run,
settings), in Chinese (the default) and in English."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from assistant.reviewlog import ReviewLog
from tests.conftest import ROOT

pytest_plugins = ["tests.integration.console"]  # the `data_dir` fixture
APP = str(ROOT / "ui" / "app.py")
STRINGS = {lang: ROOT / "ui" / "strings" / f"{lang}.yaml" for lang in ("zh", "en")}
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
    parts += [t.value for t in at.text] + [e.label for e in at.expander]
    return shown("\n".join(str(p) for p in parts))


def shown(markdown: str) -> str:
    """Text as the operator sees it: Markdown escapes and character references resolved."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown)).replace("\u2060", "")


def draft(at: AppTest, message: str, chat: bool = False) -> AppTest:
    at.text_area(key="draft_input").input(message).run()
    if chat:  # the paste is a whole chat, not one customer message
        at.checkbox(key="replace_thread").check().run()
    at.button(key="make_draft").click().run()
    assert not at.exception, at.exception
    return at


def with_customer(data_dir: Path, name: str) -> tuple[AppTest, ReviewLog, str]:
    """The Draft page with a new customer selected."""
    log = ReviewLog.in_data_dir(data_dir)
    customer = log.create_customer(name)
    at = open_page()
    at.selectbox(key="customer_id").set_value(customer).run()
    return at, log, customer


def reply_box(at: AppTest):
    return next(t for t in at.text_area if t.key and t.key.startswith("reply_"))


def test_draft_page_first_message(data_dir):
    at = draft(open_page(), "你好，我脸上最近老出油还长痘，有什么推荐吗")
    assert "② 挖需求" in text_of(at)
    assert reply_box(at).value.endswith(("？", "?"))
    assert [b.label for b in at.button if b.key == "approve"] == ["✅ 通过并复制"]
    assert any(b.key == "regenerate" for b in at.button) and any(b.key == "reject" for b in at.button)


def test_new_customer_is_created_by_its_button_and_selected(data_dir):
    """Issue 12: ➕ New → Create crashed the page every time (the selectbox was already drawn)."""
    at = open_page()
    at.text_input(key="new_customer_name").input("小美")
    at.button(key="create_customer").click().run()
    assert not at.exception, at.exception
    log = ReviewLog.in_data_dir(data_dir)
    [customer] = log.customers()
    assert customer["name"] == "小美" and at.selectbox(key="customer_id").value == customer["id"]
    at.button(key="create_customer").click().run()  # no name: a message, not a crash
    assert not at.exception and at.error and len(log.customers()) == 1


def test_approve_logs_the_edited_text_and_continues_the_thread(data_dir):
    at, log, customer = with_customer(data_dir, "小美")
    draft(at, "你好，我脸上最近老出油还长痘")
    reply_box(at).input("您好～您主要是出油和长痘，对吧？平时是油皮还是混合皮呀？").run()
    at.button(key="approve").click().run()
    assert not at.exception, at.exception
    assert "已记录：修改后通过" in text_of(at)
    [row] = log.drafts()
    assert row["decision"] == "edited" and row["final_text"].startswith("您好～您主要是")
    assert 0 < row["edit_ratio"] < 1
    thread = log.thread(customer)
    assert [t.role.value for t in thread] == ["customer", "operator"] and thread[1].text == row["final_text"]
    assert at.text_area(key="draft_input").value == ""  # ready for the next message
    draft(at, "对的，我是油皮")  # continues from the thread: the restatement was confirmed
    assert "③ 给方案" in text_of(at)


def test_the_customer_card_shows_what_the_chat_gave_and_where_from(data_dir):
    at, log, customer = with_customer(data_dir, "阿青")
    draft(at, "我是油皮，两百以内，最近老长痘")
    at.button(key="approve").click().run()
    page = text_of(at)
    assert "肤质：**油皮**" in page and "来自聊天 «油皮»" in page
    assert "预算上限（元，0 = 未知）：**¥200 以内**" in page
    assert "阶段记录：" in page and "最近联系" in page


def test_regenerate_is_counted_apart_from_a_rejection(data_dir):
    log = ReviewLog.in_data_dir(data_dir)
    at = draft(open_page(), "你好，我脸上最近老出油还长痘")
    first = reply_box(at).key
    at.button(key="regenerate").click().run()
    assert not at.exception, at.exception
    assert reply_box(at).key != first  # a new draft in the box
    assert [d["decision"] for d in log.drafts()] == ["pending", "regenerated"]


def test_reject_with_a_preset_reason_adds_the_customer_message_to_the_thread(data_dir):
    at, log, customer = with_customer(data_dir, "小美")
    draft(at, "你好")
    at.button(key="reject").click().run()
    assert any("say why" in e.value for e in at.error)  # no reason: nothing logged
    at.get("button_group")[-1].set_value(["wrong_stage"]).run()  # the preset reasons (pills)
    at.text_input(key="reject_reason").input("客户已经说过肤质").run()
    at.button(key="reject").click().run()
    assert not at.exception, at.exception
    assert "已记录：驳回" in text_of(at)
    assert log.drafts()[0]["reason_text"] == "阶段不对; 客户已经说过肤质"
    assert [(t.role.value, t.text) for t in log.thread(customer)] == [("customer", "你好")]


def test_a_tone_button_rewrites_the_box_as_edited(data_dir):
    at = draft(open_page(), "你好，我脸上最近老出油还长痘，有什么推荐吗")
    box = reply_box(at)
    box.input(box.value + "有任何问题随时问我哦").run()
    before = reply_box(at).value
    at.button(key="tone_shorter").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    after = reply_box(at).value
    assert after and after != before and len(after) < len(before)  # the edited text, made shorter
    at.button(key="approve").click().run()  # what is approved is what the box shows
    [row] = ReviewLog.in_data_dir(data_dir).drafts()
    assert row["final_text"] == after


def test_match_product_shows_products_and_citations(data_dir):
    at = draft(open_page(), CHAT, chat=True)
    page = text_of(at)
    assert "⑤ 匹配产品" in page and "¥" in page and "适合原因" in page and "推荐产品" in page
    cited = [shown(e.label) for e in at.expander if "catalog.csv" in shown(e.label)]
    assert "引用的知识" in page and cited and cited[0].startswith("1. "), cited
    assert not re.search(r"[0-9a-f]{8}-", " ".join(cited)), (
        cited
    )  # named by product and file, not by store id


def test_empty_input_shows_an_error_not_a_traceback(data_dir):
    at = open_page()
    at.button(key="make_draft").click().run()
    assert not at.exception and any("empty" in e.value for e in at.error)


def test_history_counts_each_decision_apart_with_translated_stages(data_dir):
    log = ReviewLog.in_data_dir(data_dir)
    at = draft(open_page(), "你好，我是干皮")
    at.button(key="approve").click().run()
    at = draft(at, "你好")
    at.button(key="regenerate").click().run()
    at.switch_page("views/history.py").run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["草稿"] == "3" and labels["直接通过"] == "1" and labels["重新生成"] == "1"
    assert labels["驳回"] == "0" and labels["通过率"] == "100%"
    table = at.dataframe[0].value
    assert "阶段" in table.columns and set(table["阶段"]) <= {"① 提问", "② 挖需求", "③ 给方案"}
    assert any(b.label.startswith("⬇️ 导出 CSV") for b in at.get("download_button"))
    assert any("suite: from-review" in c.value for c in at.code)
    assert log.drafts()[-1]["decision"] == "approved"


def test_knowledge_delete_needs_a_choice_and_a_confirmation(data_dir):
    at = open_page("knowledge")
    assert at.selectbox(key="remove_source").value is None  # nothing preselected
    assert at.button(key="remove").disabled
    before = int(next(m.value for m in at.metric if m.label == "来源"))
    doomed = next(o for o in at.selectbox(key="remove_source").options if "faq-en" in o)
    at.selectbox(key="remove_source").set_value(doomed).run()
    at.button(key="remove").click().run()
    assert not at.exception, at.exception
    assert int(next(m.value for m in at.metric if m.label == "来源")) == before  # only asked
    assert "确定删除" in text_of(at)
    at.button(key="delete_yes").click().run()
    assert not at.exception, at.exception
    assert int(next(m.value for m in at.metric if m.label == "来源")) == before - 1
    assert at.selectbox(key="remove_source").value is None


def test_a_catalog_with_chinese_headers_is_mapped_shown_and_ingested_after_confirmation(data_dir):
    """Issue 12: 名称,价格,肤质,功效 was rejected as 'required value is missing'; now the guessed
    mapping is shown first and nothing is ingested until it is confirmed."""
    catalog = "名称,价格,肤质,功效,成分,用法\n测试精华,158,油皮;混合皮,控油;痘痘,烟酰胺,早晚两滴\n"
    at = open_page("knowledge")
    before = int(next(m.value for m in at.metric if m.label == "来源"))
    at.file_uploader(key="uploads").upload("中文表头.csv", catalog.encode("utf-8"), "text/csv").run()
    assert not at.exception, at.exception
    found = next(c.value for c in at.caption if c.value.startswith("识别结果："))
    found = shown(found)
    assert "名称 ← 名称" in found and "价格 ← 价格" in found and "适用肤质 ← 肤质" in found, found
    assert int(next(m.value for m in at.metric if m.label == "来源")) == before  # nothing yet
    at.button(key="ingest").click().run()
    assert not at.exception, at.exception
    assert any("新增 1" in s.value for s in at.success), [s.value for s in at.success]
    assert int(next(m.value for m in at.metric if m.label == "来源")) == before + 1


def test_knowledge_hit_test(data_dir):
    at = open_page("knowledge")
    at.text_input(key="hit_query").input("孕期 水杨酸").run()
    assert not at.exception and "命中词：孕期" in text_of(at)


def test_evals_page_runs_a_suite_and_shows_results(data_dir):
    at = open_page("evals")
    at.multiselect(key="suites").set_value([str(ROOT / "evals" / "escalation.yaml")]).run()
    at.button(key="run_evals").click().run()
    assert not at.exception, at.exception
    assert "通过 ·" in text_of(at) and any("escalation: passed" in t.value for t in at.text)


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
    next(b for b in at.button if b.label == "测试连接").click().run()
    assert not at.exception and any("连接失败" in e.value for e in at.error)


def test_settings_switch_the_language_for_everyone(data_dir):
    at = open_page("settings")
    next(s for s in at.selectbox if s.label == "界面语言").set_value("en")  # a form: sent with Save
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "⚙️ Settings"
    assert yaml.safe_load((data_dir / "ui-settings.json").read_text())["ASSISTANT_UI_LANGUAGE"] == "en"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_in_one_language(data_dir, monkeypatch, language: str):
    """One language at a time: every page draws in it, stage names included, nothing of the other."""
    monkeypatch.setenv("ASSISTANT_UI_LANGUAGE", language)
    at = draft(open_page(), CHAT, chat=True)
    stage = "⑤ 匹配产品" if language == "zh" else "⑤ Match a product"
    assert stage in text_of(at)
    for page in ("history", "knowledge", "evals", "settings"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, at.exception)
        shown = text_of(at) + " ".join(w.label for w in [*at.text_input, *at.selectbox, *at.button])
        if language == "zh":  # no English label or placeholder (ids like ASSISTANT_DATA_DIR aside)
            words = re.findall(
                r"\b[A-Z]?[a-z]{4,}\b", re.sub(r"[A-Z_]{3,}|https?://\S+|/\S+|`[^`]*`", "", shown)
            )
            assert not set(words) - {"json", "schema", "function", "calling", "mode", "local", "knowledge"}, (
                page,
                words,
            )
        else:
            assert not re.search(r"[\u4e00-\u9fff]{2,}", re.sub("中文", "", shown)), page


def test_the_catalogs_have_the_same_keys_and_every_key_used_exists():
    from ui.i18n import _flatten

    catalogs = {
        lang: _flatten(yaml.safe_load(path.read_text(encoding="utf-8"))) for lang, path in STRINGS.items()
    }
    assert set(catalogs["zh"]) == set(catalogs["en"])
    used = set()
    for source in (ROOT / "ui").rglob("*.py"):
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z_0-9]+)\"", source.read_text(encoding="utf-8")))
    assert used and used <= set(catalogs["zh"]), used - set(catalogs["zh"])
    for key, text in catalogs["zh"].items():  # the same fields in both languages
        assert set(re.findall(r"\{(\w+)", text)) == set(re.findall(r"\{(\w+)", catalogs["en"][key])), key


def test_the_operator_name_comes_from_the_address(data_dir):
    """The name input is bound to ?operator=…; the browser test reloads the page to show it is kept."""
    again = AppTest.from_file(APP, default_timeout=90)
    again.query_params["operator"] = "阿青"  # a reload keeps the address
    again.run()
    assert again.text_input(key="operator").value == "阿青"


def test_password_gate(data_dir, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("ASSISTANT_PASSWORD", "s3cret")
    from ui import state

    state.reset_caches()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not [t for t in at.text_area if t.key == "draft_input"]
    at.text_input[0].input("wrong")
    at.button[0].click().run()  # a form: fields and the submit button go together
    assert any("密码错误" in e.value for e in at.error)
    at.text_input[0].input("s3cret")
    at.button[0].click().run()
    assert [t for t in at.text_area if t.key == "draft_input"]
