"""Settings: engine, model, base URL, key (masked), structured-output method for this deployment;
embedder, store and data directory as configured; and a connection test."""

from __future__ import annotations

import json

import streamlit as st

from assistant.errors import AssistantError
from assistant.llm import LLMClient
from assistant.settings import load_settings
from ui.state import OVERRIDABLE, override_file, reset_caches, settings_or_stop

st.title("⚙️ 设置 Settings")
settings = settings_or_stop()
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

values = {
    "ASSISTANT_ENGINE": engine,
    "ASSISTANT_MODEL": model,
    "OPENAI_BASE_URL": base_url or None,
    "OPENAI_API_KEY": new_key or key or None,
    "ASSISTANT_STRUCTURED_METHOD": method,
}
if tested:
    try:
        candidate = load_settings(**({k: v for k, v in values.items() if v} | {"ASSISTANT_ENGINE": "llm"}))
        answer = LLMClient(candidate).ping()
        st.success(f"连接成功 Connected: the model answered «{answer}»")
    except AssistantError as exc:
        st.error(f"连接失败 Connection failed: {exc}")
if saved:
    try:
        load_settings(**{k: v for k, v in values.items() if v})  # validate before writing
        path = override_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({k: v for k, v in values.items() if k in OVERRIDABLE and v}, ensure_ascii=False),
            encoding="utf-8",
        )
        path.chmod(0o600)  # it may hold the API key
        reset_caches()
        st.success("已保存 Saved; the assistant restarts with these settings.")
        st.rerun()
    except AssistantError as exc:
        st.error(str(exc))

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
