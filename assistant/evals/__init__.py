"""Eval suites on script quality: suite files, deterministic checks, an optional LLM judge, a runner, reports."""
