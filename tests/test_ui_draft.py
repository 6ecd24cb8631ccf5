"""The Streamlit app through AppTest: the Draft page works on the embedded defaults."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "ui" / "app.py")


@pytest.fixture
def app(demo_data_dir, monkeypatch) -> AppTest:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(demo_data_dir))
    from ui import state

    state._settings.clear()
    state.get_assistant.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_draft_page_drafts_a_reply(app):
    app.text_area(key="draft_input").input("你好，我脸上最近老出油还长痘，有什么推荐吗").run()
    app.button[0].click().run()
    assert not app.exception
    page = " ".join(m.value for m in app.markdown) + " ".join(i.value for i in app.info)
    assert "挖需求" in page
    edit = [t for t in app.text_area if t.key and t.key.startswith("edit_0")]
    assert edit and edit[0].value.endswith(("？", "?"))
    assert len(app.tabs) >= 2


def test_draft_page_shows_products_at_match_product(app):
    chat = (
        "客户: 我是油皮，老长痘\n我: 您是油皮，主要困扰是长痘，对吧？\n客户: 对的\n我: 建议温和清洁，配合低浓度水杨酸。\n"
        "客户: 好的\n我: 质地喜欢清爽的吗？预算多少？\n客户: 清爽的，两百以内，没有备孕"
    )
    app.text_area(key="draft_input").input(chat).run()
    app.button[0].click().run()
    assert not app.exception
    assert any("¥" in m.value for m in app.markdown)


def test_empty_input_shows_an_error_not_a_traceback(app):
    app.button[0].click().run()
    assert not app.exception
    assert any("empty" in e.value for e in app.error)


def test_password_gate(demo_data_dir, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(demo_data_dir))
    monkeypatch.setenv("ASSISTANT_PASSWORD", "s3cret")
    from ui import state

    state._settings.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not [t for t in at.text_area if t.key == "draft_input"]
    at.text_input[0].input("wrong").run()
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    state._settings.clear()
