"""Knowledge: upload sources (the catalog column mapping confirmed first), the sources table, delete a
source after a confirmation, hit test, stats."""

from __future__ import annotations

import streamlit as st

from assistant.retrieval import Filters
from ui.auth import require_sign_in
from ui.components import esc, plain
from ui.i18n import t
from ui.state import services_or_stop
from ui.upload_panel import upload_panel

require_sign_in()
st.title(t("knowledge.title"))
kb = services_or_stop().kb

with st.expander(t("knowledge.upload"), expanded=False):
    upload_panel(kb)

stats = kb.stats()
a, b, c, d = st.columns(4)
a.metric(t("knowledge.sources"), stats["sources"])
b.metric(t("knowledge.chunks"), stats["chunks"])
c.metric(t("knowledge.products"), stats["products"])
d.metric(t("knowledge.embedder"), stats["embedder"])
st.caption(t("knowledge.store", store=esc(stats["store"]), collection=esc(stats["collection"])))
st.dataframe(
    stats["source_list"],
    width="stretch",
    hide_index=True,
    column_config={k: t(f"knowledge.col_{k}") for k in ("source", "kind", "title", "chunks", "updated")},
)


def _cancel() -> None:
    st.session_state.pop("confirming", None)


@st.dialog(t("knowledge.confirm_title"), on_dismiss=_cancel)
def confirm_delete(source: str, chunks: int) -> None:
    st.markdown(t("knowledge.confirm_text", source=esc(source), chunks=chunks))
    yes, no = st.columns(2)
    if yes.button(t("knowledge.delete_yes"), type="primary", key="delete_yes", width="stretch"):
        kb.remove_source(source)
        st.session_state.deleted = st.session_state.pop("confirming", source)
        st.rerun()
    if no.button(t("knowledge.delete_no"), key="delete_no", width="stretch", on_click=_cancel):
        st.rerun()


if deleted := st.session_state.pop("deleted", None):
    st.session_state.remove_source = None  # nothing stays selected for the next delete
    st.success(t("knowledge.deleted", source=esc(deleted)))
chunks = {row["source"]: row["chunks"] for row in stats["source_list"]}
if chunks:
    pick, act = st.columns([4, 1], vertical_alignment="bottom")
    doomed = pick.selectbox(
        t("knowledge.delete"),
        list(chunks),
        index=None,
        placeholder=t("knowledge.delete_placeholder"),
        key="remove_source",
    )
    if act.button(t("knowledge.delete_button"), key="remove", disabled=doomed is None, width="stretch"):
        st.session_state.confirming = doomed
    if st.session_state.get("confirming") in chunks:  # open until confirmed, cancelled or dismissed
        confirm_delete(st.session_state.confirming, chunks[st.session_state.confirming])

st.subheader(t("knowledge.hit_test"))
query = st.text_input(t("knowledge.query"), key="hit_query", placeholder=t("knowledge.query_placeholder"))
kinds = [None, "product", "article", "faq"]
left, right = st.columns(2)
hit_kind = left.selectbox(
    t("knowledge.kind"),
    kinds,
    format_func=lambda k: t(f"kind.{k or 'all'}"),
    key="hit_kind",
    placeholder=t("app.choose"),
)
mode = right.radio(
    t("knowledge.mode"),
    ["hybrid", "vector", "bm25"],
    format_func=lambda m: t(f"knowledge.mode_{m}"),
    horizontal=True,
    key="hit_mode",
)
if query:
    hits = kb.search(query, k=8, filters=Filters(kind=hit_kind), mode=mode)
    if not hits:
        st.info(t("knowledge.no_hits"))
    for n, hit in enumerate(hits, start=1):
        with st.container(border=True):
            title = esc(hit.chunk.heading or hit.chunk.title)
            st.markdown(
                f"**{n}. {title}** · {t('kind.' + hit.chunk.kind)} · "
                + t(
                    "knowledge.score",
                    score=f"{hit.score:.4f}",
                    vector=hit.vector_rank or "-",
                    bm25=hit.bm25_rank or "-",
                )
            )
            terms = "、".join(hit.matched_terms) or "-"
            st.caption(
                t("knowledge.matched", terms=esc(terms), source=esc(hit.chunk.source), id=esc(hit.chunk.id))
            )
            plain(hit.chunk.text[:400])
