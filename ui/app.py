"""The operator console: `streamlit run ui/app.py` (or `assistant ui`). Pages are thin; the work is in `assistant/`.

The pages live in `ui/views/` (not `pages/`, which Streamlit would serve on its own) and are registered
through `st.navigation` only after `require_sign_in()`: before that, no URL reaches a page and nothing
about the pages is shown."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

import streamlit as st  # noqa: E402

from ui.auth import require_sign_in  # noqa: E402
from ui.components import esc  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="私域转化助手 · Private-chat assistant", page_icon="💬", layout="wide")
settings = require_sign_in()
with st.sidebar:
    if "operator" not in st.session_state:
        st.session_state.operator = settings.operator or ""
    st.text_input("操作员 Operator", key="operator", help="Recorded with every decision in the review log")
    st.caption(
        f"Engine: {'LLM · ' + esc(settings.model) if settings.use_llm_engine else 'offline templates'}"
    )
pages = [
    st.Page(VIEWS / "draft.py", title="Draft 草拟回复", icon="✍️", default=True),
    st.Page(VIEWS / "history.py", title="Customers & history 客户与记录", icon="🗂️"),
    st.Page(VIEWS / "knowledge.py", title="Knowledge 知识库", icon="📚"),
    st.Page(VIEWS / "evals.py", title="Evals 评测", icon="🧪"),
    st.Page(VIEWS / "settings.py", title="Settings 设置", icon="⚙️"),
]
st.navigation(pages).run()
