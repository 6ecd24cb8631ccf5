"""Small view pieces shared by pages. Text from customers, catalogs, knowledge files and models is
data: it is shown with `plain` (no Markdown, no HTML), escaped with `esc` wherever Streamlit parses
Markdown (labels, captions, alerts), or escaped HTML; never interpolated into script."""

from __future__ import annotations

import html
import re

import streamlit as st
import streamlit.components.v2 as components_v2

from assistant.models import SCRIPT_STAGES, Draft, Finding, Stage
from ui.i18n import stage_name, t, term

# everything Markdown (CommonMark, GFM, Streamlit's :color[...] directives, $math$) gives a meaning to
_MARKDOWN = re.compile(r"[\\`*_{}\[\]()#+\-!|<>~$:.@]")
# GFM turns http://…, www.… and a@b.c in the text into links after parsing: a word joiner (invisible)
# keeps them text
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def esc(text: object) -> str:
    """Text for a place Streamlit renders as Markdown, shown literally (no image, link or style)."""
    plain_text = _AUTOLINK.sub("\u2060", str(text)).replace("&", "&amp;")
    return _MARKDOWN.sub(r"\\\g<0>", plain_text)


def plain(text: str) -> None:
    """A block of untrusted text, shown as it is."""
    st.text(text)


def turn(role_is_customer: bool, text: str) -> None:
    """One chat turn; the role comes from the thread, never from the text (`**我:**` stays text)."""
    with st.chat_message(
        "user" if role_is_customer else "assistant", avatar="🙋" if role_is_customer else "💬"
    ):
        st.text(text)


def stage_strip(draft: Draft) -> None:
    """The five steps on one line with the current one marked; its goal and the evidence below."""
    steps = [
        f"**:red[{stage_name(stage)}]**" if stage is draft.stage else f":gray[{stage_name(stage)}]"
        for stage in SCRIPT_STAGES
    ]
    if draft.stage is Stage.escalate:
        steps.append(f"**:red[{stage_name(Stage.escalate)}]**")
    st.markdown(" › ".join(steps))
    evidence = "; ".join(f"«{esc(e.text)}»" for e in draft.analysis.evidence[-4:])
    goal = t(f"goal.{draft.stage.value}")
    st.caption(
        t("reply.goal", goal=goal) + (" · " + t("reply.evidence", evidence=evidence) if evidence else "")
    )


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


def copy_button(text: str, key: str, *, source: str | None = None, auto: str | None = None) -> None:
    """A copy button for `text` (or the live content of the text area with key `source`); `auto`
    (a token naming one event, e.g. an approval) copies once as soon as it renders. The result
    (copied / failed) is shown next to the button."""
    _copy(
        key=key,
        data={
            "text": text,
            "source": source,
            "auto": auto,
            "label": t("reply.copy"),
            "copied": t("reply.copied"),
            "failed": t("reply.copy_failed"),
        },
        on_copied_change=lambda: None,
    )


def checks_badge(findings: list[Finding], text: str) -> None:
    """The guard's findings as one compact badge; expanding it lists them beside the marked reply."""
    if not findings:
        st.badge(t("checks.passed"), icon=":material/check_circle:", color="green")
        return
    hard = sum(f.severity.value == "hard" for f in findings)
    label = t("checks.found", hard=hard, soft=len(findings) - hard)
    with st.expander(f":{'red' if hard else 'orange'}[{label}]", expanded=False):
        for finding in findings:
            box = st.error if finding.severity.value == "hard" else st.warning
            words = f": «{esc(finding.text)}»" if finding.text else ""
            box(f"**{esc(rule_name(finding.rule))}** — {esc(finding.message)}{words}")
        highlighted(text, findings)


def rule_name(rule: str) -> str:
    """A guard or checker rule as the operator reads it (the id when the catalog has no name)."""
    return term(f"rule_{rule}")


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
