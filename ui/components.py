"""Small view pieces shared by pages."""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

from assistant.models import SCRIPT_STAGES, Draft, Stage
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
    """The five steps with the current one highlighted, and why."""
    columns = st.columns(len(SCRIPT_STAGES))
    for column, stage in zip(columns, SCRIPT_STAGES, strict=True):
        current = stage is draft.stage
        column.markdown(
            f"**:{'red' if current else 'gray'}[{STAGE_LABELS[stage]}]**"
            if current
            else f":gray[{STAGE_LABELS[stage]}]"
        )
    if draft.stage is Stage.escalate:
        st.error(f"{STAGE_LABELS[Stage.escalate]} — {STAGE_GOALS_ZH[Stage.escalate]}")
    else:
        st.info(f"当前阶段 Current step: **{STAGE_LABELS[draft.stage]}** — {STAGE_GOALS_ZH[draft.stage]}")
    evidence = "; ".join(f"{e.slot}: {e.text}" for e in draft.analysis.evidence[-6:])
    st.caption(f"Why: {draft.analysis.reason}" + (f" · evidence: {evidence}" if evidence else ""))


def copy_button(text: str, key: str, label: str = "📋 Copy 复制") -> None:
    """A real clipboard button (the browser's clipboard API)."""
    payload = json.dumps(text)
    components.html(
        f"""<button id="b{key}" style="padding:6px 14px;border-radius:6px;border:1px solid #ccc;background:#fff;cursor:pointer"
        onclick='navigator.clipboard.writeText({payload}).then(()=>{{this.innerText="✅ Copied 已复制"}})'>{label}</button>""",
        height=44,
    )


def findings_list(draft: Draft, variant: int) -> None:
    for finding in [f for f in draft.findings if f.variant == variant]:
        box = st.error if finding.severity.value == "hard" else st.warning
        box(f"**{finding.rule}** — {finding.message}: «{finding.text}»")
