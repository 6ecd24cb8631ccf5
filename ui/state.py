"""What the pages share: settings, the assistant (built once per process), the password gate."""

from __future__ import annotations

import hmac

import streamlit as st

from assistant.errors import AssistantError
from assistant.pipeline import Assistant, build_assistant
from assistant.settings import Settings, load_settings


@st.cache_resource(show_spinner="Loading settings…")
def _settings() -> Settings:
    return load_settings()


def settings_or_stop() -> Settings:
    try:
        return _settings()
    except AssistantError as exc:
        st.error(f"Configuration problem: {exc}")
        st.stop()
        raise


@st.cache_resource(show_spinner="Preparing the knowledge base (first start ingests the demo knowledge)…")
def get_assistant() -> Assistant:
    return build_assistant(_settings())


def assistant_or_stop() -> Assistant:
    try:
        return get_assistant()
    except AssistantError as exc:
        st.error(f"Cannot start the assistant: {exc}")
        st.stop()
        raise


def check_password(settings: Settings) -> bool:
    """Shared deployments set ASSISTANT_PASSWORD; everyone then signs in once per session."""
    if settings.password is None or st.session_state.get("signed_in"):
        return True
    with st.form("sign_in"):
        st.subheader("私域转化助手 · Sign in")
        password = st.text_input("Password 密码", type="password")
        operator = st.text_input("Your name 你的名字 (optional)")
        if st.form_submit_button("Sign in 登录"):
            if hmac.compare_digest(password, settings.password.get_secret_value()):
                st.session_state.signed_in = True
                st.session_state.operator = operator.strip() or None
                st.rerun()
            st.error("Wrong password 密码错误")
    return False
