"""Knowledge: upload sources (with a progress bar), the sources table, delete a source, hit test, stats."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.knowledge.ingest import SUPPORTED
from assistant.retrieval import Filters
from ui.auth import require_sign_in
from ui.components import esc
from ui.state import services_or_stop

require_sign_in()
st.title("📚 知识库 Knowledge")
kb = services_or_stop().kb

with st.expander("⬆️ 上传 Upload catalogs, articles, FAQs", expanded=False):
    files = st.file_uploader(
        "Files", type=[s.lstrip(".") for s in SUPPORTED], accept_multiple_files=True, key="uploads"
    )
    kind = st.selectbox("类型 Kind", ["(from the file)", "product", "article", "faq"], key="upload_kind")
    mapping_text = st.text_input(
        "列映射 Column mapping (catalogs)", placeholder="name=product_name, price=price_usd", key="upload_map"
    )
    if st.button("导入 Ingest", disabled=not files, key="ingest"):
        folder = Path(kb.settings.data_dir) / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for file in files:
            path = folder / Path(file.name).name
            path.write_bytes(file.getvalue())
            paths.append(path)
        mapping = dict(p.split("=", 1) for p in (m.strip() for m in mapping_text.split(",")) if "=" in p)
        bar = st.progress(0.0, text="ingesting…")
        report = kb.ingestor().ingest(
            paths,
            kind=None if kind.startswith("(") else kind,
            mapping=mapping,
            progress=lambda done, total, source: bar.progress(done / total, text=esc(source)),
        )
        bar.empty()
        summary = report.summary()
        (st.warning if report.rejected or report.issues else st.success)(
            " · ".join(f"{esc(k)} {esc(v)}" for k, v in summary.items())
        )
        for error in report.errors:
            st.error(esc(error))
        if report.issues:
            st.dataframe(
                [
                    {
                        "row": i.row,
                        "field": i.field,
                        "severity": i.severity,
                        "message": i.message,
                        "source": i.source,
                    }
                    for i in report.issues
                ],
                hide_index=True,
                use_container_width=True,
            )

stats = kb.stats()
a, b, c, d = st.columns(4)
a.metric("来源 Sources", stats["sources"])
b.metric("片段 Chunks", stats["chunks"])
c.metric("产品 Products", stats["products"])
d.metric("Embedder", stats["embedder"])
st.caption(esc(f"Store: {stats['store']} · collection {stats['collection']}"))
st.dataframe(stats["source_list"], use_container_width=True, hide_index=True)

sources = [row["source"] for row in stats["source_list"]]
if sources:
    remove_col, button_col = st.columns([4, 1])
    doomed = remove_col.selectbox("删除来源 Delete a source", sources, key="remove_source")
    if button_col.button("🗑️ 删除 Delete", key="remove"):
        kb.remove_source(doomed)
        st.success(f"removed {esc(doomed)}")
        st.rerun()

st.subheader("命中测试 Hit test")
query = st.text_input("查询 Query", key="hit_query", placeholder="油皮 闭口 水杨酸")
hit_kind = st.selectbox("类型 Kind", ["(all)", "product", "article", "faq"], key="hit_kind")
mode = st.radio("方式 Mode", ["hybrid", "vector", "bm25"], horizontal=True, key="hit_mode")
if query:
    hits = kb.search(query, k=8, filters=Filters(kind=None if hit_kind == "(all)" else hit_kind), mode=mode)
    if not hits:
        st.info("没有命中 No hits")
    for n, hit in enumerate(hits, start=1):
        with st.container(border=True):
            st.markdown(
                f"**{n}. {esc(hit.chunk.heading or hit.chunk.title)}** · {esc(hit.chunk.kind)} · "
                f"score {hit.score:.4f} · vector #{hit.vector_rank or '-'} · BM25 #{hit.bm25_rank or '-'}"
            )
            st.caption(
                esc(
                    f"matched terms: {', '.join(hit.matched_terms) or '-'} · {hit.chunk.source} · id {hit.chunk.id}"
                )
            )
            st.text(hit.chunk.text[:400])
