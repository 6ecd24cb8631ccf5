"""The operator console: `streamlit run ui/app.py` (or `assistant ui`). Pages are thin; the work is in `assistant/`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

import streamlit as st  # noqa: E402

from ui.state import check_password, settings_or_stop  # noqa: E402

st.set_page_config(page_title="私域转化助手 · Private-chat assistant", page_icon="💬", layout="wide")
settings = settings_or_stop()
if check_password(settings):
    with st.sidebar:
        if "operator" not in st.session_state:
            st.session_state.operator = settings.operator or ""
        st.text_input(
            "操作员 Operator", key="operator", help="Recorded with every decision in the review log"
        )
        st.caption(f"Engine: {'LLM · ' + settings.model if settings.use_llm_engine else 'offline templates'}")
    pages = [
        st.Page("pages/draft.py", title="Draft 草拟回复", icon="✍️", default=True),
        st.Page("pages/history.py", title="Customers & history 客户与记录", icon="🗂️"),
        st.Page("pages/knowledge.py", title="Knowledge 知识库", icon="📚"),
        st.Page("pages/evals.py", title="Evals 评测", icon="🧪"),
        st.Page("pages/settings.py", title="Settings 设置", icon="⚙️"),
    ]
    st.navigation(pages).run()
