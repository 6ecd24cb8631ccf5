"""Drafting: engines that write the reply for the derived stage, behind one interface."""

from assistant.drafting.base import DraftContext, DraftEngine, EngineResult

__all__ = ["DraftContext", "DraftEngine", "EngineResult"]
