"""Small view pieces shared by pages."""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

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


def stage_steps(draft: Draft) -> None:
    """The five steps with the current one highlighted, and the evidence for it."""
    columns = st.columns(len(SCRIPT_STAGES))
    for column, stage in zip(columns, SCRIPT_STAGES, strict=True):
        label = STAGE_LABELS[stage]
        column.markdown(f"**:red[{label}]**" if stage is draft.stage else f":gray[{label}]")
    goal = f"{STAGE_LABELS[draft.stage]} — {STAGE_GOALS_ZH[draft.stage]}"
    (st.error if draft.stage is Stage.escalate else st.info)(f"当前阶段 Current step: **{goal}**")
    why = f"Why: {draft.analysis.reason}"
    evidence = "; ".join(f"{e.slot}: «{e.text}»" for e in draft.analysis.evidence[-6:])
    st.caption(why + (f" · evidence: {evidence}" if evidence else ""))


def copy_to_clipboard(text: str, key: str, auto: bool = False, label: str = "📋 复制 Copy") -> None:
    """The browser's clipboard API; `auto` copies as soon as it renders (after Approve)."""
    payload = json.dumps(text)
    script = f"navigator.clipboard.writeText({payload}).then(()=>{{document.getElementById('b{key}').innerText='✅ 已复制 Copied'}})"
    components.html(
        f"""<button id="b{key}" style="padding:6px 14px;border-radius:6px;border:1px solid #ccc;background:#fff;cursor:pointer"
        onclick="{script.replace('"', "&quot;")}">{label}</button>{f"<script>{script}</script>" if auto else ""}""",
        height=44,
    )


def finding_box(finding: Finding) -> None:
    box = st.error if finding.severity.value == "hard" else st.warning
    box(f"**{finding.rule}** — {finding.message}" + (f": «{finding.text}»" if finding.text else ""))


def highlight(text: str, findings: list[Finding]) -> str:
    """The reply with each offending phrase marked, so a finding sits next to the words it concerns."""
    marked = text
    for finding in findings:
        if finding.text and finding.text in marked and len(finding.text) < 40:
            marked = marked.replace(
                finding.text,
                f":{'red' if finding.severity.value == 'hard' else 'orange'}-background[{finding.text}]",
            )
    return marked
