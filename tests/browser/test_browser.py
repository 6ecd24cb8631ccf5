"""A working day in a real Chromium (playwright), pressing the real controls: new customer → paste →
draft → edit → approve (keyboard shortcut, copied) → regenerate → reject → the reply on screen at
1440×900 and 1280×720 → history → CSV export → knowledge upload with Chinese headers (mapping
confirmed) → delete with confirmation → evals run → settings; a reload keeps the operator's name.

Runs `streamlit run ui/app.py` on a free port over a copy of the demo data dir. A screenshot of each
step goes to test-output/workday/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from assistant.reviewlog import ReviewLog
from tests.browser.conftest import SHOTS, idle, new_page, shot

pytestmark = pytest.mark.browser

FIRST = "你好，我脸上最近老出油，还冒痘，有什么推荐吗？"
EDITED = "您好～出油和冒痘确实很困扰呢，主要是T区出油还是全脸呀？（浏览器测试）"
CHAT = (
    "客户: 我是油皮，老长痘\n我: 您是油皮，主要困扰是长痘，对吧？\n客户: 对的\n我: 建议温和清洁，配合低浓度水杨酸。\n"
    "客户: 好的\n我: 质地喜欢清爽的吗？预算多少？\n客户: 清爽的，两百以内，没有备孕"
)
CATALOG_ZH = (  # Chinese headers only: 名称, 售价, 适用肤质, 功效, 成分, 用法 …
    "商品名,售价,品类,适用肤质,功效,主要成分,商品描述,使用方法,注意事项\n"
    "浏览器测试精华,158,serum,油皮;混合皮,控油;痘痘,雪绒花提取物;烟酰胺,"
    "含雪绒花提取物的清爽精华，帮助控油和舒缓痘痘肌。,早晚洁面后取两滴按压至吸收。,\n"
)
DRAFTING_MS = 180_000  # the first draft loads the analysis models on a loaded 2-core machine


def step(page, name: str) -> None:
    idle(page)
    shot(page, "workday", name)


def cut_labels(page) -> list[str]:
    """Button and checkbox labels the page shows cut off (…)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid^="stBaseButton"] p, [data-testid="stCheckbox"] p, [data-testid="stWidgetLabel"] p,' +
            '[data-testid="stTopNavLink"] span')]
            .filter(e => e.offsetParent && /[\u4e00-\u9fffA-Za-z]/.test(e.innerText) && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.innerText)"""
    )


def above_the_fold(page, *selectors: str) -> None:
    height = page.viewport_size["height"]
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box, height)


def draft(page, text: str, chat: bool = False) -> None:
    page.locator(".st-key-draft_input textarea").fill(text)
    checkbox = page.locator(".st-key-replace_thread input")
    if checkbox.is_checked() != chat:
        page.locator(".st-key-replace_thread label").click()
        idle(page)
    before = page.locator("[class*='st-key-reply_'] textarea").count()
    page.locator(".st-key-make_draft button").click()
    page.locator(".st-key-approve button").first.wait_for(timeout=DRAFTING_MS)
    idle(page)
    assert before <= 1


@pytest.fixture
def workday(browser, data_dir: Path, start_console):
    page, outside = new_page(browser, start_console(data_dir))
    yield page
    assert not outside.requests, outside.requests
    page.context.close()


def test_a_working_day(workday, data_dir: Path, tmp_path: Path):
    from playwright.sync_api import expect  # the browser fixture has checked that playwright is there

    page = workday
    log = ReviewLog.in_data_dir(data_dir)
    assert page.get_by_role("button", name="Deploy").count() == 0  # client.toolbarMode = minimal

    # the operator's name survives a reload (it lives in the address)
    page.locator(".st-key-operator input").fill("阿青")
    page.locator(".st-key-operator input").press("Enter")
    idle(page)
    page.reload()
    page.locator(".st-key-operator input").wait_for()
    assert page.locator(".st-key-operator input").input_value() == "阿青"

    # ➕ New customer → Create (it crashed the page before)
    page.get_by_role("button", name="➕ 新客户").click()
    page.locator(".st-key-new_customer_name input").fill("小美")
    page.locator(".st-key-create_customer button").click()
    expect(page.locator(".st-key-customer_id input")).to_have_value("小美")  # created and selected
    page.locator(".st-key-new_customer_name input").wait_for(state="hidden")  # the popover closed
    assert not page.locator('[data-testid="stException"]').count()
    step(page, "01-new-customer.png")

    # paste → draft → edit → Approve & copy by the keyboard shortcut
    draft(page, FIRST)
    above_the_fold(
        page, "[class*='st-key-reply_'] textarea", ".st-key-approve button", ".st-key-regenerate button"
    )
    assert not cut_labels(page), cut_labels(page)
    step(page, "02-draft.png")
    box = page.locator("[class*='st-key-reply_'] textarea")
    box.fill(EDITED)
    box.press("Control+Enter")  # Approve & copy, straight from the box
    page.get_by_text("已记录：修改后通过").wait_for()
    page.get_by_text("已复制到剪贴板").wait_for()  # the copy is confirmed on screen
    assert page.evaluate("navigator.clipboard.readText()") == EDITED
    [row] = log.drafts()
    assert (row["decision"], row["final_text"], row["operator"]) == ("edited", EDITED, "阿青")
    step(page, "03-approved-and-copied.png")

    # the next message continues the thread; Regenerate gives a new draft, counted apart
    draft(page, "T区出油，我是油皮")
    first_box = page.locator("[class*='st-key-reply_']").first.get_attribute("class")
    page.locator(".st-key-regenerate button").click()
    page.wait_for_function(
        "k => !document.querySelector('[class*=\"st-key-reply_\"]').className.includes(k)",
        arg=re.search(r"st-key-reply_\d+", first_box or "").group(0),
        timeout=DRAFTING_MS,
    )
    idle(page)
    assert [d["decision"] for d in log.drafts()][:2] == ["pending", "regenerated"]
    step(page, "04-regenerated.png")

    # Reject with a preset reason: the customer's message still joins the thread
    page.get_by_role("button", name="❌ 驳回").click()
    page.get_by_role("button", name="阶段不对").click()
    page.locator(".st-key-reject button").click()
    page.get_by_text("已记录：驳回").wait_for()
    assert log.drafts()[0]["decision"] == "rejected"
    customer = log.customers()[0]["id"]
    assert log.thread(customer)[-1].text == "T区出油，我是油皮"
    step(page, "05-rejected.png")

    # a product draft: the reply and its buttons on screen at 1440×900 and at 1280×720
    draft(page, CHAT, chat=True)
    page.get_by_text("推荐产品").wait_for()
    controls = ("[class*='st-key-reply_'] textarea", ".st-key-approve button", ".st-key-regenerate button")
    above_the_fold(page, *controls)
    step(page, "06-products-1440x900.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    idle(page)
    above_the_fold(page, *controls)
    assert not cut_labels(page), cut_labels(page)
    page.screenshot(path=str(SHOTS / "workday" / "07-products-1280x720.png"))  # the viewport itself
    page.set_viewport_size({"width": 1440, "height": 900})
    # a tone button rewrites what the box shows, in place
    box = page.locator("[class*='st-key-reply_'] textarea")
    before = box.input_value()
    page.locator(".st-key-tone_shorter button").first.click()
    page.wait_for_function(
        "b => document.querySelector(\"[class*='st-key-reply_'] textarea\").value !== b", arg=before
    )
    assert 0 < len(box.input_value()) < len(before)
    assert not page.locator('[data-testid="stException"]').count()
    step(page, "07b-shorter.png")

    # history: decisions counted apart, CSV with a BOM
    page.locator('[data-testid="stTopNavLink"][href$="/history"]').click()
    page.get_by_text("各阶段的处理结果").wait_for()
    idle(page)
    page.locator('[data-testid="stMetric"]').nth(6).wait_for()
    metrics = [" ".join(m.split()) for m in page.locator('[data-testid="stMetric"]').all_inner_texts()]
    assert any(m.startswith("修改后通过") and m.endswith("1") for m in metrics), metrics
    assert any(m.startswith("重新生成") and m.endswith("1") for m in metrics), metrics
    assert any(m.startswith("驳回") and m.endswith("1") for m in metrics), metrics
    step(page, "08-history.png")
    with page.expect_download() as download:
        page.locator(".st-key-csv button").click()
    exported = Path(download.value.path()).read_bytes()
    assert exported.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert EDITED in {r["final_text"] for r in rows} and {r["decision"] for r in rows} >= {
        "edited",
        "rejected",
    }

    # knowledge: a catalog with Chinese headers, the mapping confirmed before the ingest
    page.locator('[data-testid="stTopNavLink"][href$="/knowledge"]').click()
    page.get_by_text("⬆️ 上传商品目录、文章、常见问题").click()
    catalog = tmp_path / "中文表头.csv"
    catalog.write_text(CATALOG_ZH, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(catalog))
    page.get_by_text("识别结果：").wait_for()
    found = page.get_by_text("识别结果：").inner_text()
    assert "名称 ← 商品名" in found and "价格 ← 售价" in found and "适用肤质 ← 适用肤质" in found, found
    step(page, "09-mapping.png")
    page.locator(".st-key-ingest button").click()
    page.get_by_text("新增 1").wait_for(timeout=DRAFTING_MS)
    step(page, "10-ingested.png")

    # delete a source: nothing preselected, and only after a confirmation
    delete = page.locator(".st-key-remove button")
    assert delete.is_disabled()
    page.locator(".st-key-remove_source input").click()
    page.keyboard.type("中文表头")  # the list filters as you type
    page.get_by_text(re.compile(r"中文表头\.csv")).last.click()  # the option, at the end of the page
    idle(page)
    delete.click()
    page.get_by_text("确定删除").wait_for()
    step(page, "11-confirm-delete.png")
    page.locator(".st-key-delete_yes button").click()
    page.get_by_text("已删除").wait_for()
    idle(page)  # the message is drawn before the chooser below it
    chooser = page.locator(".st-key-remove_source input")
    expect(chooser).to_have_value("")
    expect(chooser).to_have_attribute("placeholder", "选择要删除的来源")
    step(page, "12-deleted.png")

    # evals: one suite run from the page
    page.locator('[data-testid="stTopNavLink"][href$="/evals"]').click()
    page.locator(".st-key-suites").wait_for()
    idle(page)
    page.locator(".st-key-suites input").click()
    page.keyboard.press("Backspace")  # drop the suite chosen by default
    page.get_by_role("option", name="escalation", exact=True).click()
    page.keyboard.press("Escape")
    page.locator(".st-key-run_evals button").click()
    page.get_by_text("escalation: passed").wait_for(timeout=DRAFTING_MS)
    step(page, "13-evals.png")

    # settings, in Chinese, without a Deploy button or a cut label
    page.locator('[data-testid="stTopNavLink"][href$="/settings"]').click()
    page.get_by_text("接口地址（兼容 OpenAI）").wait_for()
    assert not cut_labels(page), cut_labels(page)
    step(page, "14-settings.png")
    assert page.get_by_role("button", name="Deploy").count() == 0
