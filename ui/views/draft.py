"""Draft page: pick the customer, paste the message or chat, then work on the reply: edit, approve
(copied and logged), copy, regenerate, reject, change its tone. Nothing is ever sent automatically."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from assistant.errors import AssistantError
from assistant.models import SCRIPT_STAGES, Stage
from ui.auth import require_sign_in
from ui.components import esc
from ui.customer_panel import card, pick_customer, thread
from ui.i18n import stage_name, t
from ui.reply_panel import evidence_panel, reply_panel
from ui.state import get_reviewlog, operator, services_or_stop

settings = require_sign_in()
log = get_reviewlog()
STAGES = [None, *SCRIPT_STAGES, Stage.escalate]

if st.session_state.pop("clear_input", False):  # the last draft was decided: ready for the next message
    st.session_state.draft_input = ""
if "operator" not in st.session_state:
    st.session_state.operator = st.query_params.get("operator") or settings.operator or ""
left, right = st.columns([5, 7], gap="medium")
with left:
    customer_id = pick_customer(log)
    text = st.text_area(
        t("draft.paste"), key="draft_input", height=120, placeholder=t("draft.paste_placeholder")
    )
    whole = st.checkbox(t("draft.whole_chat"), key="replace_thread", help=t("draft.whole_chat_help"))
    override_col, go_col = st.columns([1, 1], vertical_alignment="bottom")
    override = override_col.selectbox(
        t("draft.stage"),
        STAGES,
        format_func=lambda s: t("draft.stage_auto") if s is None else stage_name(s),
        key="stage_override",
        help=t("draft.stage_help"),
        placeholder=t("app.choose"),
    )
    go = go_col.button(t("draft.go"), type="primary", key="make_draft", width="stretch")
    if customer_id:
        card(log, customer_id)
        thread(log, customer_id)
    st.text_input(  # in the address (?operator=…), so a reload or a bookmark keeps the name
        t("app.operator"),
        key="operator",
        help=t("app.operator_help"),
        bind="query-params",
        persist_state="session",
    )


def run(call: Callable[[Any], Any]) -> None:
    """Run a drafting call with the LLM's tokens streaming into the reply column, keep the result."""
    with right:
        box = st.empty()
        streamed: list[str] = []

        def on_token(piece: str) -> None:
            streamed.append(piece)
            box.text("".join(streamed) + " ▌")

        done = call(on_token if services.settings.use_llm_engine else None)
        box.empty()
    st.session_state.current, st.session_state.decided = done, None


services = services_or_stop()  # after the input widgets: the page is usable while the store opens
if go:
    from assistant.services import DraftRequest, draft_for_customer  # after the page has painted

    request = DraftRequest(
        text=text,
        customer_id=customer_id,
        chat=whole,
        replace_thread=whole and bool(customer_id),
        stage=override,
        operator=operator(),
    )
    try:
        run(lambda on_token: draft_for_customer(services, request, on_token))
        if customer_id:
            st.rerun()  # the customer card shows what this draft learned
    except AssistantError as exc:
        st.session_state.pop("current", None)
        left.error(esc(exc))

services.drafts.start_warm_up()  # the page is on screen: now load jieba and the index in the background
current = st.session_state.get("current")
if current is not None and current.request.customer_id != customer_id:
    current = None  # another customer was picked: their reply is not this one
with right:
    if current is None:
        st.info(t("draft.empty"))
    else:
        reply_panel(services, current, run)
if current is not None:
    with right:
        evidence_panel(services, current)
