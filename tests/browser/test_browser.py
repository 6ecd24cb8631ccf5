"""The console in a real Chromium (playwright): paste → draft → edit → approve, and upload → hit test.

Runs `streamlit run ui/app.py` on a free port over a copy of the demo data dir and drives it like an
operator would. Skips without /usr/bin/chromium, except in CI (CI=true), where it must run.
Screenshots of each step go to test-output/browser/ (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.reviewlog import ReviewLog
from tests.browser.conftest import idle, new_page
from tests.browser.conftest import shot as shot_in

pytestmark = pytest.mark.browser

CUSTOMER_MESSAGE = "你好，我最近脸上老出油，还冒痘，有什么推荐吗？"
EDITED_REPLY = "您好～出油和冒痘确实很困扰呢，主要是T区出油还是全脸呀？（浏览器测试）"
CATALOG = (
    "id,name,category,price,skin_types,concerns,key_ingredients,description,usage,cautions\n"
    "BT-SE-01,浏览器测试精华,serum,158,oily;combination,oil-control;acne,"
    "雪绒花提取物;烟酰胺,含雪绒花提取物的清爽精华，帮助控油和舒缓痘痘肌。,早晚洁面后取两滴按压至吸收。,\n"
)


@pytest.fixture
def page(browser, data_dir: Path, start_console) -> Iterator:
    page, _ = new_page(browser, start_console(data_dir), height=1000)
    yield page
    page.context.close()


def shot(page, name: str) -> None:
    shot_in(page, "browser", name)


def test_paste_draft_edit_approve_then_upload_and_hit_test(page, data_dir: Path, tmp_path: Path):
    from playwright.sync_api import expect

    # -- Flow 1: paste → draft → edit → approve ---------------------------------------------------
    message = page.get_by_label("客户消息 / 聊天记录 Customer message or chat")
    expect(message).to_be_editable()
    message.fill(CUSTOMER_MESSAGE)
    page.get_by_role("button", name="生成草稿 Draft").click()
    expect(page.get_by_text("当前阶段 Current step")).to_be_visible()
    idle(page)
    shot(page, "01-draft.png")

    edit = page.get_by_label("编辑后发送 Edit before sending").first
    expect(edit).to_be_editable()
    edit.fill(EDITED_REPLY)
    edit.press("Control+Enter")  # Streamlit commits a text area on Ctrl+Enter (or blur)
    idle(page)
    page.get_by_role("button", name="✅ 通过 Approve").first.click()
    logged = page.get_by_text("已记录 Logged")
    expect(logged).to_be_visible()
    expect(logged).to_contain_text("edited")
    expect(page.get_by_role("button", name="✅ 通过 Approve").first).to_be_disabled()
    idle(page)
    shot(page, "02-approved.png")

    [row] = ReviewLog.in_data_dir(data_dir).drafts()
    assert row["decision"] == "edited", row
    assert row["final_text"] == EDITED_REPLY, row

    # -- Flow 2: upload a catalog → ingest → hit test ---------------------------------------------
    page.get_by_role("link", name="Knowledge 知识库").click()
    expect(page.get_by_role("heading", name="知识库 Knowledge")).to_be_visible()
    idle(page)
    page.get_by_text("⬆️ 上传 Upload").click()
    catalog = tmp_path / "browser-test.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(catalog))
    expect(page.get_by_text("browser-test.csv")).to_be_visible()
    ingest = page.get_by_role("button", name="导入 Ingest")
    expect(ingest).to_be_enabled()
    ingest.click()
    expect(page.get_by_text("added 1")).to_be_visible()
    idle(page)
    shot(page, "03-upload.png")

    query = page.get_by_label("查询 Query")
    query.fill("雪绒花 控油 精华")
    query.press("Enter")
    expect(page.get_by_text("浏览器测试精华").first).to_be_visible()
    expect(page.get_by_text("matched terms:").first).to_be_visible()
    idle(page)
    top_hit = page.get_by_text("matched terms:").first  # hits are ranked: the upload comes first
    assert "browser-test.csv" in top_hit.inner_text(), top_hit.inner_text()
    shot(page, "04-hit-test.png")
