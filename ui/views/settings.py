"""Settings: engine, model, base URL, key (masked), structured-output method for this deployment;
embedder, store and data directory as configured; and a connection test."""

from __future__ import annotations

import streamlit as st

from assistant.errors import AssistantError
from assistant.llm import LLMClient
from assistant.overlay import read_overlay, saved_values, url_changed, write_overlay
from assistant.settings import load_settings
from ui.auth import require_sign_in
from ui.components import esc
from ui.state import reset_caches

settings = require_sign_in()  # every change below needs a signed-in session
st.title("⚙️ 设置 Settings")
key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
masked = f"{key[:3]}…{key[-4:]}" if len(key) > 8 else ("set" if key else "not set")

with st.form("llm_settings"):
    st.subheader("模型 LLM")
    engine = st.selectbox(
        "引擎 Engine",
        ["auto", "offline", "llm"],
        index=["auto", "offline", "llm"].index(settings.engine.value),
    )
    model = st.text_input("模型 Model", value=settings.model)
    base_url = st.text_input(
        "Base URL (OpenAI-compatible)",
        value=settings.openai_base_url or "",
        placeholder="https://api.openai.com/v1",
        help="The stored key is only sent to the stored URL: a new URL needs its key entered with it.",
    )
    new_key = st.text_input(
        f"API key (current: {masked})", type="password", placeholder="leave empty to keep the current key"
    )
    method = st.selectbox(
        "Structured output",
        ["json_schema", "function_calling", "json_mode"],
        index=["json_schema", "function_calling", "json_mode"].index(settings.structured_method.value),
    )
    save, test = st.columns(2)
    saved = save.form_submit_button("保存 Save", type="primary")
    tested = test.form_submit_button("测试连接 Test connection")

new_url = url_changed(settings.openai_base_url, base_url)
if tested:
    if new_url and not new_key:
        st.error("输入新地址的 API key 才能测试 Enter the API key for this new base URL to test it.")
    else:
        try:
            values = {"OPENAI_BASE_URL": base_url, "ASSISTANT_ENGINE": "llm", "ASSISTANT_MODEL": model}
            candidate = load_settings(**values, **({"OPENAI_API_KEY": new_key} if new_key else {}))
            answer = LLMClient(candidate).ping()
            st.success(f"连接成功 Connected: the model answered «{esc(answer)}»")
        except AssistantError as exc:
            st.error(f"连接失败 Connection failed: {esc(exc)}")
if saved:
    try:
        overlay = read_overlay(settings.data_dir)
        values = saved_values(
            overlay,
            settings.openai_base_url,
            engine=engine,
            model=model,
            method=method,
            base_url=base_url,
            new_key=new_key,
        )
        load_settings(**values)  # validate before writing
        write_overlay(settings.data_dir, values)
        reset_caches()
        note = " The stored key was cleared: it stays with the old URL." if new_url and not new_key else ""
        st.session_state.settings_saved = "已保存 Saved; the assistant restarts with these settings." + note
        st.rerun()
    except AssistantError as exc:
        st.error(esc(exc))
if st.session_state.get("settings_saved"):
    st.success(st.session_state.pop("settings_saved"))

st.subheader("知识库与存储 Knowledge store")
st.table(
    {
        "setting": [
            "Embedder",
            "Embedding model",
            "Store",
            "Collection",
            "Data directory",
            "Chunk size / overlap",
            "Password",
        ],
        "value": [
            settings.embedder.value,
            settings.embedding_model,
            settings.chroma_url or "embedded (data directory)",
            settings.collection,
            str(settings.data_dir.resolve()),
            f"{settings.chunk_size} / {settings.chunk_overlap}",
            "set" if settings.password else "not set",
        ],
        "variable": [
            "ASSISTANT_EMBEDDER",
            "ASSISTANT_EMBEDDING_MODEL",
            "CHROMA_URL",
            "ASSISTANT_COLLECTION",
            "ASSISTANT_DATA_DIR",
            "ASSISTANT_CHUNK_SIZE / ASSISTANT_CHUNK_OVERLAP",
            "ASSISTANT_PASSWORD",
        ],
    }
)
st.caption(
    "These change where the knowledge lives, so they are set in the environment or `.env` (see `.env.example`) and need a restart. "
    "Changing the embedder needs `assistant kb reset` and a new ingest."
)
