"""Draft page: paste a message or a chat, get script-following reply variants to review and edit."""

from __future__ import annotations

import streamlit as st

from assistant.analysis.profile import Profile
from assistant.errors import AssistantError
from assistant.models import CONCERNS, CONSTRAINTS, SCRIPT_STAGES, SKIN_TYPES, Stage
from assistant.transcript import parse_conversation
from ui.components import STAGE_LABELS, copy_button, findings_list, stage_steps
from ui.state import assistant_or_stop

st.title("✍️ 草拟回复 Draft a reply")
st.caption(
    "粘贴客户消息或最近的聊天记录；助手只起草，发送由您决定。Paste the message or the recent chat — nothing is sent automatically."
)
assistant = assistant_or_stop()

left, right = st.columns([2, 3], gap="large")
with left:
    text = st.text_area(
        "客户消息 / 聊天记录 Customer message or chat",
        height=220,
        key="draft_input",
        placeholder="客户: 你好，我最近脸上老出油，还冒痘，有什么推荐吗？\n我: …",
    )
    with st.expander("客户档案 Profile (optional)"):
        skin = st.multiselect("肤质 Skin type", SKIN_TYPES, key="p_skin")
        concerns = st.multiselect("困扰 Concerns", CONCERNS, key="p_concerns")
        budget = st.number_input("预算上限 Budget (¥)", min_value=0, value=0, step=50, key="p_budget")
        constraints = st.multiselect("限制 Constraints", CONSTRAINTS, key="p_constraints")
        override = st.selectbox(
            "阶段 Stage override",
            ["(auto)", *[s.value for s in (*SCRIPT_STAGES, Stage.escalate)]],
            key="p_stage",
        )
    go = st.button("生成草稿 Draft", type="primary", use_container_width=True)

if go:
    try:
        conversation = parse_conversation(text, max_chars=assistant.settings.max_input_chars)
        profile = Profile(
            skin_types=skin or None,
            concerns=concerns or None,
            budget=budget or None,
            constraints=constraints or None,
            stage=None if override == "(auto)" else Stage(override),
        )
        with right, st.spinner("Drafting…"):
            st.session_state.draft = assistant.draft(conversation, profile)
    except AssistantError as exc:
        st.session_state.pop("draft", None)
        left.error(str(exc))

draft = st.session_state.get("draft")
with right:
    if draft is None:
        st.info("草稿会显示在这里 The draft appears here.")
    else:
        stage_steps(draft)
        for notice in draft.notices:
            st.warning(notice)
        tabs = st.tabs([f"方案 {i + 1}" for i in range(len(draft.variants))])
        for i, (tab, variant) in enumerate(zip(tabs, draft.variants, strict=True)):
            with tab:
                edited = st.text_area(
                    "编辑后发送 Edit before sending",
                    value=variant,
                    height=160,
                    key=f"edit_{i}_{hash(variant)}",
                )
                copy_button(edited, key=f"c{i}")
                findings_list(draft, i)
        if draft.products:
            st.subheader("推荐产品 Products")
            for product in draft.products:
                with st.container(border=True):
                    st.markdown(f"**{product.name}** · ¥{product.price:g} · `{product.id}`")
                    st.caption(f"适合原因 why: {product.why} · 用法 usage: {product.usage}")
        if draft.citations:
            with st.expander(f"引用 Citations ({len(draft.citations)})"):
                for citation in draft.citations:
                    st.markdown(f"**[{citation.id}]** {citation.source} · {citation.title}")
                    st.caption(citation.snippet)
        st.caption(
            f"engine {draft.engine}{' · ' + draft.model if draft.model else ''} · {draft.latency_ms:.0f} ms · {STAGE_LABELS[draft.stage]}"
        )
