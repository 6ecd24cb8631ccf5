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
from ui.i18n import t, use  # noqa: E402
from ui.state import settings_or_stop  # noqa: E402

VIEWS = Path(__file__).resolve().parent / "views"
# a tighter page: the reply to send has to fit above the fold at 1280×720
STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; padding-bottom: 2rem; }
</style>"""

use(settings_or_stop().ui_language)
st.set_page_config(page_title=t("app.title"), page_icon="💬", layout="wide")
settings = require_sign_in()
st.html(STYLE)
pages = [
    st.Page(VIEWS / "draft.py", title=t("nav.draft"), icon="✍️", default=True),
    st.Page(VIEWS / "history.py", title=t("nav.history"), icon="🗂️", url_path="history"),
    st.Page(VIEWS / "knowledge.py", title=t("nav.knowledge"), icon="📚", url_path="knowledge"),
    st.Page(VIEWS / "evals.py", title=t("nav.evals"), icon="🧪", url_path="evals"),
    st.Page(VIEWS / "settings.py", title=t("nav.settings"), icon="⚙️", url_path="settings"),
]
st.navigation(pages, position="top").run()  # the whole width stays for the work
