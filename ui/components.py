"""Small view pieces shared by pages. Text from customers, catalogs, knowledge files and models is
data: it is shown with `plain` (no Markdown, no HTML), escaped with `esc` wherever Streamlit parses
Markdown (labels, captions, alerts), or escaped HTML; never interpolated into script."""

from __future__ import annotations

import html
import re

import streamlit as st
import streamlit.components.v2 as components_v2

from assistant.models import SCRIPT_STAGES, Draft, Finding, Stage
from assistant.stage import STAGE_GOALS_ZH

STAGE_LABELS = {
    Stage.ask: "① 提问 Ask",
    Stage.uncover_need: "② 挖需求 Uncover need",
    Stage.propose: "③ 给方案 Propose",
    Stage.confirm_expectation: "④ 确认期望 Confirm",
    Stage.match_product: "⑤ 匹配产品 Match",
    Stage.escalate: "⚠️ 转售后 Escalate",
}
# everything Markdown (CommonMark, GFM, Streamlit's :color[...] directives, $math$) gives a meaning to
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def esc(text: object) -> str:
    """Text for a place Streamlit renders as Markdown, shown literally (no image, link or style)."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def plain(text: str) -> None:
    """A block of untrusted text, shown as it is."""
    st.text(text)


def turn(role_is_customer: bool, text: str) -> None:
    """One chat turn; the role comes from the thread, never from the text (`**我:**` stays text)."""
    with st.chat_message(
        "user" if role_is_customer else "assistant", avatar="🙋" if role_is_customer else "💬"
    ):
        st.text(text)


def stage_steps(draft: Draft) -> None:
    """The five steps with the current one highlighted, and the evidence for it."""
    columns = st.columns(len(SCRIPT_STAGES))
    for column, stage in zip(columns, SCRIPT_STAGES, strict=True):
        label = STAGE_LABELS[stage]
        column.markdown(f"**:red[{label}]**" if stage is draft.stage else f":gray[{label}]")
    goal = f"{STAGE_LABELS[draft.stage]} — {STAGE_GOALS_ZH[draft.stage]}"
    (st.error if draft.stage is Stage.escalate else st.info)(f"当前阶段 Current step: **{goal}**")
    why = f"Why: {esc(draft.analysis.reason)}"
    evidence = "; ".join(f"{esc(e.slot)}: «{esc(e.text)}»" for e in draft.analysis.evidence[-6:])
    st.caption(why + (f" · evidence: {evidence}" if evidence else ""))


# The copy button: fixed markup and script; the text arrives as data and only ever goes to the
# clipboard API or `textContent`. It runs in the page (not an iframe), so a copy right after a click
# still has the click's user activation. `source` names a text area (by its widget key) whose current
# content is copied, so what is copied is what the operator sees, even before Streamlit has it.
_COPY_JS = """
const done = new Set();
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const button = parentElement.querySelector("button");
  const status = parentElement.querySelector("span");
  button.textContent = data.label;
  const current = () => {
    const box = data.source ? document.querySelector(`.st-key-${CSS.escape(data.source)} textarea`) : null;
    return box ? box.value : data.text;
  };
  const copy = async () => {
    const text = current();
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = data.copied;
      status.dataset.state = "copied";
      setTriggerValue("copied", text);
    } catch (error) {
      status.textContent = data.failed;
      status.dataset.state = "failed";
    }
  };
  button.onclick = copy;
  if (data.auto && !done.has(data.auto)) {
    done.add(data.auto);
    copy();
  }
}
"""
_COPY_CSS = """
button { padding: 6px 14px; border-radius: 8px; border: 1px solid rgba(49,51,63,.2); background: #fff;
         cursor: pointer; font: inherit; }
span { margin-left: 8px; font: inherit; }
span[data-state="copied"] { color: #0a7d32; font-weight: 600; }
span[data-state="failed"] { color: #b3261e; }
"""
_copy = components_v2.component(
    "assistant.copy_button", html="<button type='button'></button><span></span>", css=_COPY_CSS, js=_COPY_JS
)


def copy_button(
    text: str, key: str, *, source: str | None = None, auto: str | None = None, label: str = "📋 复制 Copy"
) -> None:
    """A copy button for `text` (or the live content of the text area with key `source`); `auto`
    (a token naming one event, e.g. an approval) copies once as soon as it renders."""
    _copy(
        key=key,
        data={
            "text": text,
            "source": source,
            "auto": auto,
            "label": label,
            "copied": "✅ 已复制 Copied",
            "failed": "⚠️ 复制失败，请手动复制 Copy failed: select the text and copy",
        },
        on_copied_change=lambda: None,
    )


def finding_box(finding: Finding) -> None:
    box = st.error if finding.severity.value == "hard" else st.warning
    box(
        f"**{esc(finding.rule)}** — {esc(finding.message)}"
        + (f": «{esc(finding.text)}»" if finding.text else "")
    )


def highlighted(text: str, findings: list[Finding]) -> None:
    """The reply with each offending phrase marked, so a finding sits next to the words it concerns;
    every piece escaped, so the reply is shown exactly as it would be sent."""
    marks: dict[int, str] = {}  # character index → the colour of the finding covering it
    for finding in findings:
        phrase = finding.text or ""
        colour = "#fde2e1" if finding.severity.value == "hard" else "#fff1d6"
        start = text.find(phrase) if 0 < len(phrase) < 40 else -1
        while start >= 0:
            for i in range(start, start + len(phrase)):
                marks.setdefault(i, colour)
            start = text.find(phrase, start + len(phrase))
    pieces, i = [], 0
    while i < len(text):
        j, colour = i, marks.get(i)
        while j < len(text) and marks.get(j) == colour:
            j += 1
        chunk = html.escape(text[i:j])
        pieces.append(f'<mark style="background:{colour}">{chunk}</mark>' if colour else chunk)
        i = j
    st.html(f'<div style="white-space:pre-wrap;line-height:1.6">{"".join(pieces)}</div>')
