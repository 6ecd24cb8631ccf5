"""Drafting engines: the offline composer and the LLM engine share DraftContext and EngineResult."""

from assistant.drafting.base import DraftContext, EngineResult

__all__ = ["DraftContext", "EngineResult"]
