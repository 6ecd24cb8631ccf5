"""What the pages share, built once per process (st.cache_resource): settings, the services
(knowledge base, draft flow, review log); plus the password gate and the operator's name."""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from assistant.errors import AssistantError
from assistant.reviewlog import ReviewLog
from assistant.settings import Settings, load_settings

if TYPE_CHECKING:
    from assistant.services import Services

OVERRIDABLE = (
    "ASSISTANT_ENGINE",
    "ASSISTANT_MODEL",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "ASSISTANT_STRUCTURED_METHOD",
)


def override_file(settings: Settings) -> Path:
    return Path(settings.data_dir) / "ui-settings.json"


@st.cache_resource(show_spinner="Loading settings…")
def _settings() -> Settings:
    base = load_settings()
    path = override_file(base)
    overrides: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return (
        load_settings(**{k: v for k, v in overrides.items() if k in OVERRIDABLE and v not in (None, "")})
        if overrides
        else base
    )


def settings_or_stop() -> Settings:
    try:
        return _settings()
    except AssistantError as exc:
        st.error(f"Configuration problem: {exc}")
        st.stop()
        raise


@st.cache_resource(show_spinner="Preparing the knowledge base (the first start ingests the demo knowledge)…")
def get_services() -> Services:
    from assistant.services import build  # the store and the models load here, not at import

    return build(_settings())


def services_or_stop() -> Services:
    try:
        return get_services()
    except AssistantError as exc:
        st.error(f"Cannot start the assistant: {exc}")
        st.stop()
        raise


@st.cache_resource
def get_reviewlog() -> ReviewLog:
    return ReviewLog.in_data_dir(_settings().data_dir)


def reset_caches() -> None:
    """After a settings change: rebuild settings, assistant and log on the next run."""
    _settings.clear()
    get_services.clear()
    get_reviewlog.clear()


def operator() -> str | None:
    return st.session_state.get("operator") or _settings().operator


def check_password(settings: Settings) -> bool:
    """Shared deployments set ASSISTANT_PASSWORD; everyone then signs in once per session."""
    if settings.password is None or st.session_state.get("signed_in"):
        return True
    with st.form("sign_in"):
        st.subheader("私域转化助手 · Sign in")
        password = st.text_input("Password 密码", type="password")
        name = st.text_input("Your name 你的名字 (optional)")
        if st.form_submit_button("Sign in 登录"):
            if hmac.compare_digest(password, settings.password.get_secret_value()):
                st.session_state.signed_in = True
                st.session_state.operator = name.strip() or None
                st.rerun()
            st.error("Wrong password 密码错误")
    return False
