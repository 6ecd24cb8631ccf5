"""Settings: the UI language; engine, model, base URL, key (masked), structured-output method, saved in
the overlay every process reads (`load_settings`), with a connection test; the store as configured."""

from __future__ import annotations

import streamlit as st

from assistant.errors import AssistantError
from assistant.overlay import read_overlay, saved_values, url_changed, write_overlay
from assistant.settings import load_settings
from ui.auth import require_sign_in
from ui.components import esc
from ui.i18n import LANGUAGES, t
from ui.state import reset_caches

settings = require_sign_in()  # every change below needs a signed-in session
st.title(t("settings.title"))
key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
masked = (
    f"{key[:3]}…{key[-4:]}" if len(key) > 8 else (t("settings.key_set") if key else t("settings.key_unset"))
)
ENGINES, METHODS = ["auto", "offline", "llm"], ["json_schema", "function_calling", "json_mode"]

with st.form("llm_settings"):
    language = st.selectbox(
        t("settings.language"),
        LANGUAGES,
        LANGUAGES.index(settings.ui_language),
        format_func=lambda x: t(f"language.{x}"),
        placeholder=t("app.choose"),
    )
    st.subheader(t("settings.llm"))
    engine = st.selectbox(
        t("settings.engine"),
        ENGINES,
        ENGINES.index(settings.engine.value),
        format_func=lambda e: t(f"engine.{e}"),
        placeholder=t("app.choose"),
    )
    model = st.text_input(t("settings.model"), value=settings.model)
    base_url = st.text_input(
        t("settings.base_url"),
        value=settings.openai_base_url or "",
        placeholder="https://api.openai.com/v1",
        help=t("settings.base_url_help"),
    )
    new_key = st.text_input(
        t("settings.key", current=masked), type="password", placeholder=t("settings.key_placeholder")
    )
    method = st.selectbox(
        t("settings.method"),
        METHODS,
        METHODS.index(settings.structured_method.value),
        placeholder=t("app.choose"),
    )
    save, test = st.columns(2)
    saved = save.form_submit_button(t("settings.save"), type="primary")
    tested = test.form_submit_button(t("settings.test"))

new_url = url_changed(settings.openai_base_url, base_url)
if tested:
    if new_url and not new_key:
        st.error(t("settings.need_key"))
    else:
        try:
            from assistant.llm import LLMClient  # the LLM stack loads only for a test

            values = {"OPENAI_BASE_URL": base_url, "ASSISTANT_ENGINE": "llm", "ASSISTANT_MODEL": model}
            candidate = load_settings(**values, **({"OPENAI_API_KEY": new_key} if new_key else {}))
            st.success(t("settings.connected", answer=esc(LLMClient(candidate).ping())))
        except AssistantError as exc:
            st.error(t("settings.failed", error=esc(exc)))
if saved:
    try:
        values = saved_values(
            read_overlay(settings.data_dir),
            settings.openai_base_url,
            engine=engine,
            model=model,
            method=method,
            base_url=base_url,
            new_key=new_key,
            ui_language=language,
        )
        load_settings(**values)  # validate before writing
        write_overlay(settings.data_dir, values)
        reset_caches()
        st.session_state.settings_saved = "cleared" if new_url and not new_key else "saved"
        st.rerun()
    except AssistantError as exc:
        st.error(esc(exc))
if note := st.session_state.pop("settings_saved", None):
    st.success(t("settings.saved") + (t("settings.key_cleared") if note == "cleared" else ""))

st.subheader(t("settings.store"))
rows = {
    "ASSISTANT_EMBEDDER": settings.embedder.value,
    "ASSISTANT_EMBEDDING_MODEL": settings.embedding_model,
    "CHROMA_URL": settings.chroma_url or t("settings.embedded"),
    "ASSISTANT_COLLECTION": settings.collection,
    "ASSISTANT_DATA_DIR": str(settings.data_dir.resolve()),
    "ASSISTANT_CHUNK_SIZE / ASSISTANT_CHUNK_OVERLAP": f"{settings.chunk_size} / {settings.chunk_overlap}",
    "ASSISTANT_PASSWORD": t("settings.key_set") if settings.password else t("settings.key_unset"),
}
st.dataframe(
    [{"setting": t(f"settings.row_{i}"), "value": v, "variable": k} for i, (k, v) in enumerate(rows.items())],
    hide_index=True,
    width="stretch",
    column_config={c: t(f"settings.col_{c}") for c in ("setting", "value", "variable")},
)
st.caption(t("settings.store_note"))
