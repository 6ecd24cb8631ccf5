"""What the pages share, built once per process (st.cache_resource): settings, the services
(knowledge base, draft flow, review log); plus the operator's name."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from assistant.errors import AssistantError
from assistant.settings import Settings, load_settings
from ui.components import esc
from ui.i18n import t

if TYPE_CHECKING:
    from assistant.reviewlog import ReviewLog
    from assistant.services import Services


@st.cache_resource(show_spinner=False)
def _settings() -> Settings:
    return load_settings()  # the environment, then the overlay saved on the Settings page


def settings_or_stop() -> Settings:
    try:
        return _settings()
    except AssistantError as exc:
        st.error(f"配置有误 Configuration problem: {esc(exc)}")  # the language is a setting too
        st.stop()
        raise


@st.cache_resource(show_spinner=False)  # services_or_stop shows a spinner in the UI language
def get_services() -> Services:
    from assistant.services import build  # the store and the models load here, not at import

    return build(_settings())


def services_or_stop() -> Services:
    try:
        with st.spinner(t("app.preparing")):
            return get_services()
    except AssistantError as exc:
        st.error(t("app.cannot_start", error=esc(exc)))
        st.stop()
        raise


@st.cache_resource
def get_reviewlog() -> ReviewLog:
    from assistant.reviewlog import ReviewLog  # SQLAlchemy loads here, only on the pages that need the log

    return ReviewLog.open(_settings())


def reset_caches() -> None:
    """After a settings change: rebuild settings, assistant and log on the next run."""
    _settings.clear()
    get_services.clear()
    get_reviewlog.clear()


def operator() -> str | None:
    return st.session_state.get("operator") or _settings().operator
