"""Schemathesis against the API's own OpenAPI spec, over real HTTP: generated valid and invalid
requests for every operation; none may get a 500, and every error is JSON naming what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.integration.test_api import ANN, running

pytest_plugins = ["tests.integration.test_api"]  # data_dir
EXAMPLES = 25  # per operation and mode


def fuzz(http: httpx.Client, operation: Any, mode: GenerationMode, seen: dict[str, set[int]]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url=str(http.base_url))
        response = http.request(  # our token; generated headers are not the point here
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            content=kwargs.get("data"),
            json=kwargs.get("json"),
        )
        label = f"{case.method} {case.formatted_path} {kwargs.get('json', kwargs.get('data'))} {kwargs.get('params')}"
        seen.setdefault(f"{operation.label} {mode.value}", set()).add(response.status_code)
        assert response.status_code < 500, (label, response.text)
        if response.status_code >= 400:
            body = response.json()
            assert body["error"] and "Traceback" not in response.text, (label, body)
            if response.status_code in (400, 404, 409, 422):
                assert body["field"], (label, body)

    try:
        check()
    except Unsatisfiable:  # an operation without inputs has no invalid form
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_no_generated_request_gets_a_500_or_an_unnamed_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    with running(data_dir, monkeypatch) as api:
        api.post("/v1/customers", {"name": "fuzz"})
        api.post("/v1/drafts", {"message": "你好"})
        schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
        seen: dict[str, set[int]] = {}
        with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {ANN}"}, timeout=60) as http:
            for result in schema.get_all_operations():
                for mode in GenerationMode:
                    fuzz(http, result.ok(), mode, seen)
    assert len([k for k in seen if k.endswith("positive")]) >= 11, seen  # every operation
    assert any(422 in codes for codes in seen.values()) and any(200 in codes for codes in seen.values())
