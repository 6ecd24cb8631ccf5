"""Draft page: pick the customer, paste the message or chat, review the script-following variants,
edit, then approve (copied and logged), regenerate, or reject with a reason."""

from __future__ import annotations

import streamlit as st

from assistant.errors import AssistantError
from assistant.models import CONCERNS, CONSTRAINTS, SCRIPT_STAGES, SKIN_TYPES, Stage
from ui.auth import require_sign_in
from ui.components import STAGE_LABELS, copy_button, esc, finding_box, highlighted, plain, stage_steps, turn
from ui.state import get_reviewlog, operator, services_or_stop

require_sign_in()
st.title("✍️ 草拟回复 Draft a reply")
st.caption(
    "选择客户，粘贴客户消息或最近的聊天记录；助手只起草，发送由您决定。Nothing is ever sent automatically."
)
log = get_reviewlog()
STAGE_OPTIONS = ["(auto)", *[s.value for s in (*SCRIPT_STAGES, Stage.escalate)]]

# -- the customer ---------------------------------------------------------------------------
customers = log.customers()
names = {c["id"]: f"{c['name']} · {c['turns']} turns" for c in customers}
left, right = st.columns([2, 3], gap="large")
with left:
    pick, new = st.columns([3, 2])
    customer_id = pick.selectbox(
        "客户 Customer",
        [None, *names],
        format_func=lambda i: "(no customer: one-off draft)" if i is None else names[i],
        key="customer_id",
    )
    with new.popover("➕ 新客户 New"):
        new_name = st.text_input("昵称 Name", key="new_customer_name")
        if st.button("创建 Create", key="create_customer"):
            try:
                st.session_state.pending_customer = log.create_customer(new_name)
                st.rerun()
            except AssistantError as exc:
                st.error(esc(exc))
    if st.session_state.get("pending_customer"):  # select the customer just created
        st.session_state.customer_id = st.session_state.pop("pending_customer")
        st.rerun()
    customer = log.customer(customer_id) if customer_id else None
    thread = log.thread(customer_id) if customer_id else []
    if thread:
        with st.expander(f"聊天记录 Thread ({len(thread)} turns)"):
            for past in thread[-12:]:
                turn(past.role.value == "customer", past.text)
    if st.session_state.pop("clear_input", False):  # the last reply was approved: ready for the next message
        st.session_state.draft_input = ""
    text = st.text_area(
        "客户消息 / 聊天记录 Customer message or chat",
        height=180,
        key="draft_input",
        placeholder="客户: 你好，我最近脸上老出油，还冒痘，有什么推荐吗？\n我: …",
    )
    replace = st.checkbox(
        "这是完整聊天记录（替换已保存的记录） The paste is the whole chat",
        key="replace_thread",
    )
    saved = customer["profile"] if customer else {}
    with st.expander("客户档案 Profile", expanded=bool(saved)):
        skin = st.multiselect(
            "肤质 Skin type", SKIN_TYPES, default=saved.get("skin_types") or [], key=f"p_skin_{customer_id}"
        )
        concerns = st.multiselect(
            "困扰 Concerns", CONCERNS, default=saved.get("concerns") or [], key=f"p_concerns_{customer_id}"
        )
        budget = st.number_input(
            "预算上限 Budget (¥, 0 = unknown)",
            min_value=0,
            value=int(saved.get("budget") or 0),
            step=50,
            key=f"p_budget_{customer_id}",
        )
        constraints = st.multiselect(
            "限制 Constraints",
            CONSTRAINTS,
            default=saved.get("constraints") or [],
            key=f"p_constraints_{customer_id}",
        )
        tags = st.text_input(
            "标签 Tags (comma-separated)",
            value=", ".join(saved.get("tags") or []),
            key=f"p_tags_{customer_id}",
        )
        tiers = ["", "ordinary", "junior", "core"]
        tier = st.selectbox(
            "会员等级 Member tier",
            tiers,
            index=tiers.index(saved.get("tier") or ""),
            key=f"p_tier_{customer_id}",
        )
    override = st.selectbox(
        "阶段 Stage override",
        STAGE_OPTIONS,
        key="p_stage",
        help="Leave on auto: the stage is derived from what is known.",
    )
    go = st.button("生成草稿 Draft", type="primary", use_container_width=True, key="make_draft")


def profile_fields() -> dict:
    return {
        "skin_types": skin,
        "concerns": concerns,
        "budget": budget or None,
        "constraints": constraints,
        "tags": [t.strip() for t in tags.split(",") if t.strip()],
        "tier": tier or None,
    }


def show_stream(run) -> None:  # type: ignore[no-untyped-def]
    """Run a drafting call with the LLM's tokens streaming into the right column."""
    with right:
        stream_box = st.empty()
        streamed: list[str] = []

        def on_token(piece: str) -> None:
            streamed.append(piece)
            stream_box.text("".join(streamed) + " ▌")

        done = run(on_token if services.settings.use_llm_engine else None)
        stream_box.empty()
    st.session_state.current, st.session_state.decided = done, None
    st.session_state.draft, st.session_state.draft_id = done.draft, done.draft_id


def make_draft() -> None:
    from assistant.services import DraftRequest, draft_for_customer  # after the page has painted

    request = DraftRequest(
        text=text,
        customer_id=customer_id,
        chat=replace,
        replace_thread=replace and bool(thread),
        profile=profile_fields(),
        stage=None if override == "(auto)" else Stage(override),
        operator=operator(),
    )
    show_stream(lambda on_token: draft_for_customer(services, request, on_token))


services = services_or_stop()  # after the input widgets: the page is usable while the store opens
if go:
    try:
        make_draft()
    except AssistantError as exc:
        st.session_state.pop("draft", None)
        left.error(esc(exc))

services.drafts.start_warm_up()  # the page is on screen: now load jieba and the index in the background
draft = st.session_state.get("draft")
with right:
    if draft is None:
        st.info("草稿会显示在这里 The draft appears here.")
        st.stop()
    stage_steps(draft)
    for notice in draft.notices:
        st.warning(esc(notice))
    decided = st.session_state.get("decided")
    if decided:
        done = decided["decision"]
        st.success(
            f"已记录 Logged: **{done}** (draft #{decided['id']})"
            + (f" · edit ratio {decided['edit_ratio']:.0%}" if decided.get("edit_ratio") else "")
        )
        if done in ("approved", "edited"):
            copy_button(decided["final_text"], key="approved", auto=f"approved-{decided['id']}")
            plain(decided["final_text"])
    tabs = st.tabs([f"方案 {i + 1}" for i in range(len(draft.variants))])
    for i, (tab, variant) in enumerate(zip(tabs, draft.variants, strict=True)):
        with tab:
            findings = [f for f in draft.findings if f.variant == i]
            text_col, finding_col = st.columns([3, 2])
            with text_col:
                highlighted(variant, findings)
                edited = st.text_area(
                    "编辑后发送 Edit before sending",
                    value=variant,
                    height=150,
                    key=f"edit_{st.session_state.draft_id}_{i}",
                )
                approve_col, regen_col = st.columns(2)
                if approve_col.button(
                    "✅ 通过 Approve",
                    key=f"approve_{i}",
                    type="primary",
                    disabled=bool(decided),
                    use_container_width=True,
                ):
                    try:
                        st.session_state.decided = log.decide(
                            st.session_state.draft_id,
                            "approved",
                            final_text=edited,
                            operator=operator(),
                            variant=i,
                        )
                        st.session_state.clear_input = bool(customer_id)
                        st.rerun()
                    except AssistantError as exc:
                        st.error(esc(exc))
                if regen_col.button(
                    "🔄 重新生成 Regenerate",
                    key=f"regen_{i}",
                    disabled=bool(decided),
                    use_container_width=True,
                ):
                    from assistant.services import regenerate

                    try:
                        show_stream(lambda on_token: regenerate(services, st.session_state.current, on_token))
                        st.rerun()
                    except AssistantError as exc:
                        st.error(esc(exc))
                copy_button(edited, key=f"c{i}", source=f"edit_{st.session_state.draft_id}_{i}")
            with finding_col:
                if findings:
                    for finding in findings:
                        finding_box(finding)
                else:
                    st.success("检查通过 All checks passed")
    with st.expander("❌ 驳回 Reject with a reason", expanded=False):
        reason = st.text_input(
            "原因 Reason", key="reject_reason", placeholder="e.g. pitched too early / wrong stage / tone"
        )
        if st.button("驳回 Reject", key="reject", disabled=bool(decided)):
            try:
                st.session_state.decided = log.decide(
                    st.session_state.draft_id, "rejected", reason=reason, operator=operator()
                )
                st.rerun()
            except AssistantError as exc:
                st.error(esc(exc))
    if draft.products:
        st.subheader("推荐产品 Products")
        for column, product in zip(st.columns(len(draft.products)), draft.products, strict=True):
            with column.container(border=True):
                st.markdown(f"**{esc(product.name)}**  \n¥{product.price:g} · {esc(product.id)}")
                st.caption(f"适合原因 Why it fits: {esc(product.why)}")
                st.caption(f"用法 How to use: {esc(product.usage)}")
    if draft.citations:
        st.subheader("引用 Citations")
        for citation in draft.citations:
            with st.expander(esc(f"[{citation.id}] {citation.title} · {citation.source}")):
                chunk = services.kb.chunk(citation.id)
                st.text(chunk.text if chunk else citation.snippet)
    st.caption(
        f"engine {draft.engine}{' · ' + draft.model if draft.model else ''} · {draft.latency_ms:.0f} ms · "
        f"{STAGE_LABELS[draft.stage]} · draft #{st.session_state.draft_id}"
    )
