"""The one guard every page calls first: with ASSISTANT_PASSWORD set, nothing of the console is drawn
(no page, no navigation) until this browser session has signed in. It also sets the UI language."""

from __future__ import annotations

import hmac
import time

import streamlit as st

from assistant.settings import Settings
from ui.i18n import t, use
from ui.state import settings_or_stop

FAILED_SIGN_IN_DELAY_S = 1.0  # slows password guessing down


def signed_in(settings: Settings) -> bool:
    return settings.password is None or st.session_state.get("signed_in") is True


def require_sign_in() -> Settings:
    """Return the settings for a signed-in session; otherwise draw only the sign-in form and stop."""
    settings = settings_or_stop()
    use(settings.ui_language)
    if signed_in(settings):
        return settings
    _sign_in_form(settings)
    st.stop()
    raise AssertionError("unreachable: st.stop() ends the run")


def _sign_in_form(settings: Settings) -> None:
    assert settings.password is not None
    with st.form("sign_in"):
        st.subheader(t("auth.title"))
        password = st.text_input(t("auth.password"), type="password")
        name = st.text_input(t("auth.name"), value=st.query_params.get("operator", ""))
        if st.form_submit_button(t("auth.submit")):
            expected = settings.password.get_secret_value().encode("utf-8")
            if hmac.compare_digest(password.encode("utf-8"), expected):
                st.session_state.signed_in = True
                st.session_state.operator = name.strip() or settings.operator or ""
                st.rerun()
            time.sleep(FAILED_SIGN_IN_DELAY_S)
            st.error(t("auth.wrong"))
