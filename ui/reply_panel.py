"""The Draft page's reply side, built around the reply to send: the chosen variant in one editable
box, Approve & copy / Copy / Regenerate / Reject and the tone buttons right under it, the checks as a
compact badge; products and citations below."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant.errors import AssistantError
from ui.components import checks_badge, copy_button, esc, plain, stage_strip
from ui.i18n import stage_name, t, term
from ui.state import get_reviewlog, operator

if TYPE_CHECKING:
    from assistant.models import Chunk, Citation
    from assistant.services import CustomerDraft, Services

APPROVE_SHORTCUT = "Ctrl+Enter"
TONES = ("warmer", "shorter", "professional", "casual")
REJECT_REASONS = ("too_early", "wrong_stage", "tone", "too_long", "wrong_fact")


def reply_key(current: CustomerDraft, variant: int) -> str:
    return f"reply_{current.draft_id}_{variant}"


def _approve(current: CustomerDraft, variant: int) -> None:
    try:
        st.session_state.decided = get_reviewlog().decide(
            current.draft_id,
            "approved",
            final_text=st.session_state.get(reply_key(current, variant)),
            operator=operator(),
            variant=variant,
        )
        st.session_state.clear_input = bool(current.request.customer_id)
    except AssistantError as exc:
        st.session_state.reply_error = str(exc)


def _reject(current: CustomerDraft) -> None:
    chosen = [t(f"reject.{r}") for r in st.session_state.get("reject_presets") or []]
    typed = (st.session_state.get("reject_reason") or "").strip()
    try:
        st.session_state.decided = get_reviewlog().decide(
            current.draft_id,
            "rejected",
            reason="; ".join([*chosen, typed] if typed else chosen),
            operator=operator(),
        )
        st.session_state.clear_input = bool(current.request.customer_id)
    except AssistantError as exc:
        st.session_state.reply_error = str(exc)


def _tone(services: Services, current: CustomerDraft, variant: int, tone: str) -> None:
    from assistant.drafting.tone import rewrite  # loaded on first use

    draft, key = current.draft, reply_key(current, variant)
    names = {p.id for p in draft.products}
    try:
        result = rewrite(
            st.session_state.get(key) or draft.variants[variant],
            tone,  # type: ignore[arg-type]
            language=draft.analysis.language,
            prompts_dir=services.settings.prompts_dir,
            known=draft.analysis.answered,
            products=[p for p in services.kb.products() if p.id in names],
            stage=draft.stage,
            slots=draft.analysis.slots,
            llm=services.drafts.llm,
        )
        st.session_state[key] = result.text
    except AssistantError as exc:
        st.session_state.reply_error = str(exc)


def reply_panel(
    services: Services, current: CustomerDraft, run: Callable[[Callable[..., Any]], None]
) -> None:
    draft, decided = current.draft, st.session_state.get("decided")
    stage_strip(draft)
    for notice in draft.notices:
        st.caption(f":orange[{esc(notice)}]")
    n = len(draft.variants)
    variant = 0
    if n > 1 and not decided:
        variant = st.segmented_control(
            t("reply.variant"),
            list(range(n)),
            default=0,
            format_func=lambda i: t("reply.variant_n", n=i + 1),
            key=f"variant_{current.draft_id}",
            label_visibility="collapsed",
        )
        variant = variant or 0
    key = reply_key(current, variant)
    st.session_state.setdefault(key, draft.variants[variant])  # the box holds the variant as edited
    st.text_area(t("reply.box"), height=170, key=key, disabled=bool(decided))
    if decided:
        done = t(f"decision.{decided['decision']}")
        ratio = t("reply.edit_ratio", ratio=decided["edit_ratio"]) if decided.get("edit_ratio") else ""
        st.success(t("reply.logged", decision=done, id=decided["id"]) + ratio)
        if decided["decision"] in ("approved", "edited"):
            copy_button(decided["final_text"], key="copy_approved", auto=f"approved-{decided['id']}")
        return
    approve, copy = st.columns([3, 2], vertical_alignment="center")
    approve.button(
        t("reply.approve"),
        key="approve",
        type="primary",
        shortcut=APPROVE_SHORTCUT,
        on_click=_approve,
        args=(current, variant),
        width="stretch",
        help=t("reply.approve_help", keys=APPROVE_SHORTCUT),
    )
    with copy:
        copy_button(draft.variants[variant], key=f"copy_{current.draft_id}", source=key)
    cells = st.columns([1.2, 1, 0.9, 0.9, 0.9, 0.9], vertical_alignment="center")
    if cells[0].button(t("reply.regenerate"), key="regenerate", width="stretch"):
        from assistant.services import regenerate

        run(lambda on_token: regenerate(services, current, on_token))
        st.rerun()
    with cells[1].popover(t("reply.reject"), width="stretch"):
        st.pills(
            t("reject.presets"),
            REJECT_REASONS,
            selection_mode="multi",
            format_func=lambda r: t(f"reject.{r}"),
            key="reject_presets",
        )
        st.text_input(t("reject.reason"), key="reject_reason", placeholder=t("reject.placeholder"))
        st.button(t("reject.confirm"), key="reject", on_click=_reject, args=(current,), type="primary")
    for cell, tone in zip(cells[2:], TONES, strict=True):
        cell.button(
            t(f"tone.{tone}"),
            key=f"tone_{tone}",
            on_click=_tone,
            args=(services, current, variant, tone),
            width="stretch",
            help=t("reply.tone_help"),
        )
    if error := st.session_state.pop("reply_error", None):
        st.error(esc(error))
    checks_badge([f for f in draft.findings if f.variant == variant], draft.variants[variant])


def citation_label(citation: Citation, chunk: Chunk | None) -> str:
    """'沐研壬二酸焕净精华 · serum · catalog.csv': what was cited and from which file (no store ids)."""
    title, heading = (chunk.title, chunk.heading) if chunk else (citation.title, "")
    if title and heading.startswith(title):  # an article's section path repeats its title
        heading = heading[len(title) :].lstrip(" >›")
    parts = [title or heading, heading if heading and heading != title else "", Path(citation.source).name]
    return " · ".join(p for p in parts if p)


def evidence_panel(services: Services, current: CustomerDraft) -> None:
    """Below the fold: the products the reply recommends and the knowledge it cites."""
    draft = current.draft
    if draft.products:
        st.markdown(f"**{t('reply.products')}**")
        for column, product in zip(st.columns(len(draft.products)), draft.products, strict=True):
            with column.container(border=True):
                st.markdown(f"**{esc(product.name)}**  \n¥{product.price:g}")
                why = "、".join(term(w.strip()) for w in product.why.split(","))  # ids read as words
                st.caption(t("reply.why", why=esc(why)))
                st.caption(t("reply.usage", usage=esc(product.usage)))
    if draft.citations:
        st.markdown(f"**{t('reply.citations')}**")
        for n, citation in enumerate(draft.citations, 1):
            chunk = services.kb.chunk(citation.id)
            with st.expander(esc(f"{n}. {citation_label(citation, chunk)}")):
                plain(chunk.text if chunk else citation.snippet)
    model = f" · {draft.model}" if draft.model else ""
    st.caption(
        esc(
            f"{draft.engine}{model} · {draft.latency_ms:.0f} ms · {stage_name(draft.stage)} · #{current.draft_id}"
        )
    )
