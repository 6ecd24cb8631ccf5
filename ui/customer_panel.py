"""The Draft page's customer side: pick or create a customer, their card (profile slots and where each
came from, tags, tier, last contact, stage history), the profile editor and the thread."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import streamlit as st

from assistant.customer_card import CustomerCard, customer_card
from assistant.errors import AssistantError
from assistant.models import CONCERNS, CONSTRAINTS, SKIN_TYPES
from ui.components import esc, turn
from ui.i18n import stage_name, t, term

if TYPE_CHECKING:
    from assistant.reviewlog import ReviewLog

TIERS = ["", "ordinary", "junior", "core"]


def _create(log: ReviewLog) -> None:
    """The ➕ button's callback: runs before the widgets, so the new customer can be selected."""
    try:
        st.session_state.customer_id = log.create_customer(st.session_state.get("new_customer_name", ""))
        st.session_state.new_customer_name = ""
        st.session_state.new_customer = False  # close the popover
    except AssistantError as exc:
        st.session_state.customer_error = str(exc)


def pick_customer(log: ReviewLog) -> str | None:
    names = {c["id"]: c["name"] for c in log.customers()}
    if st.session_state.get("customer_id") not in (None, *names):
        st.session_state.customer_id = None  # deleted elsewhere
    pick, new = st.columns([3, 1], vertical_alignment="bottom")
    customer_id = pick.selectbox(
        t("customer.label"),
        [None, *names],
        format_func=lambda i: t("customer.none") if i is None else names[i],
        key="customer_id",
        placeholder=t("app.choose"),
    )
    # a form: the name and the button reach the server in one rerun (typing, then clicking, was two
    # reruns racing, and the second could reopen the popover); Enter in the name creates too
    popover = new.popover(t("customer.new"), width="stretch", key="new_customer", on_change="rerun")
    with popover, st.form("new_customer_form", border=False, enter_to_submit=True):
        st.text_input(t("customer.name"), key="new_customer_name", placeholder=t("customer.name_placeholder"))
        st.form_submit_button(
            t("customer.create"), key="create_customer", on_click=_create, args=(log,), type="primary"
        )
    if error := st.session_state.pop("customer_error", None):
        st.error(esc(error))
    return customer_id


def _value(field: str, value: object) -> str:
    if isinstance(value, list):
        return "、".join(term(v) for v in value)
    if field == "budget" and isinstance(value, float | int):
        return t("customer.budget_value", amount=f"{value:g}")
    return str(value)


def card(log: ReviewLog, customer_id: str) -> CustomerCard:
    info = customer_card(log, customer_id)
    with st.container(border=True):
        tier = f" · {term('tier_' + info.tier)}" if info.tier else ""
        st.markdown(f"**{esc(info.name)}**{tier}" + "".join(f" :blue-badge[{esc(tag)}]" for tag in info.tags))
        when = time.strftime("%m-%d %H:%M", time.localtime(info.last_contact)) if info.last_contact else "–"
        st.caption(t("customer.contact", when=when, turns=info.turns))
        for slot in info.slots:
            source = (
                t("customer.from_chat", quote=esc(slot.quote))
                if slot.quote
                else t("customer.from_chat_plain")
            )
            source = t("customer.from_operator") if slot.source == "operator" else source
            st.markdown(
                f"{t('field.' + slot.field)}：**{esc(_value(slot.field, slot.value))}** :gray[{source}]"
            )
        if not info.slots:
            st.caption(t("customer.nothing_known"))
        if info.stages:
            runs: list[list] = []  # consecutive drafts at the same stage shown once, with a count
            for step in info.stages:
                if runs and runs[-1][0] == step.stage:
                    runs[-1][1] += 1
                else:
                    runs.append([step.stage, 1])
            path = " › ".join(stage_name(s) + (f" ×{n}" if n > 1 else "") for s, n in runs[-6:])
            st.caption(t("customer.stages") + path)
        profile_editor(log, customer_id)
    return info


def profile_editor(log: ReviewLog, customer_id: str) -> None:
    saved = log.customer(customer_id)["profile"]
    with st.popover(t("customer.edit"), width="stretch"), st.form(f"profile_{customer_id}", border=False):
        lists = {
            field: st.multiselect(
                t(f"field.{field}"),
                options,
                saved.get(field) or [],
                format_func=term,
                placeholder=t("customer.choose"),
            )
            for field, options in (
                ("skin_types", SKIN_TYPES),
                ("concerns", CONCERNS),
                ("constraints", CONSTRAINTS),
            )
        }
        budget = st.number_input(t("field.budget"), 0, value=int(saved.get("budget") or 0), step=50)
        tags = st.text_input(t("field.tags"), ", ".join(saved.get("tags") or []))
        tier = st.selectbox(
            t("field.tier"),
            TIERS,
            TIERS.index(saved.get("tier") or ""),
            format_func=lambda v: term(f"tier_{v}"),
            placeholder=t("app.choose"),
        )
        if st.form_submit_button(t("customer.save"), type="primary"):
            fields = {
                **lists,
                "budget": budget or None,
                "tags": [x.strip() for x in tags.replace("，", ",").split(",") if x.strip()],
                "tier": tier or None,
            }
            log.save_profile(customer_id, {k: v for k, v in fields.items() if v})
            st.rerun()


def thread(log: ReviewLog, customer_id: str) -> None:
    turns = log.thread(customer_id)
    if turns:
        with st.expander(t("customer.thread", n=len(turns))):
            for past in turns[-12:]:
                turn(past.role.value == "customer", past.text)
