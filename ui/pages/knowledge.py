"""Knowledge page: sources, hit test and stats (uploads and deletion grow here)."""

from __future__ import annotations

import streamlit as st

from assistant.knowledge.stats import store_stats
from assistant.retrieval import Filters
from ui.state import assistant_or_stop

st.title("📚 知识库 Knowledge")
assistant = assistant_or_stop()
stats = store_stats(assistant)
a, b, c, d = st.columns(4)
a.metric("Sources 来源", stats["sources"])
b.metric("Chunks 片段", stats["chunks"])
c.metric("Products 产品", stats["products"])
d.metric("Embedder", stats["embedder"])
st.dataframe(stats["source_list"], use_container_width=True, hide_index=True)

st.subheader("命中测试 Hit test")
query = st.text_input("查询 Query", key="hit_query", placeholder="油皮 闭口 水杨酸")
kind = st.selectbox("类型 Kind", ["(all)", "product", "article", "faq"], key="hit_kind")
if query:
    hits = assistant.retriever.search(query, k=8, filters=Filters(kind=None if kind == "(all)" else kind))
    for n, hit in enumerate(hits, start=1):
        with st.container(border=True):
            st.markdown(
                f"**{n}. {hit.chunk.heading or hit.chunk.title}** · `{hit.chunk.kind}` · score {hit.score:.4f} · "
                f"vector #{hit.vector_rank or '-'} · BM25 #{hit.bm25_rank or '-'}"
            )
            st.caption(
                f"terms: {', '.join(hit.matched_terms) or '-'} · {hit.chunk.source} · id {hit.chunk.id}"
            )
            st.text(hit.chunk.text[:300])
