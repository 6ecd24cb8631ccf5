"""The HTTP API over real HTTP (uvicorn on 127.0.0.1): tokens, the console's workflows, the same
answers as the CLI, errors as 4xx JSON naming the field, CORS, and server-sent events through the
fake OpenAI server. The main flow runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant import services as workflows
from assistant.api import create_app
from assistant.errors import ConfigError
from assistant.services import Services, build
from assistant.settings import load_settings
from tests.fake_openai import FakeOpenAI
from tests.servers import serving
from tests.support import run_cli

pytest_plugins = ["tests.llm_fixtures"]
ANN, BOB = "ann-0123456789abcdef", "bob-fedcba9876543210"
TOKENS = f"ann:{ANN}, bob:{BOB}"
ORIGIN = "https://sidebar.example.com"


@dataclass
class Api:
    url: str
    services: Services
    http: httpx.Client  # sends ann's token

    def post(self, path: str, body: object, **kwargs: object) -> httpx.Response:
        return self.http.post(path, json=body, **kwargs)  # type: ignore[arg-type]

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.get(path, **kwargs)  # type: ignore[arg-type]


@contextmanager
def running(data_dir: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[Api]:
    environment = {
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_ENGINE": "offline",
        "ASSISTANT_API_TOKENS": TOKENS,
        "ASSISTANT_CORS_ORIGINS": ORIGIN,
        **env,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    services = build(settings)
    with (
        serving(create_app(settings, services)) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ANN}"}, timeout=60) as http,
    ):
        yield Api(url, services, http)
    services.log.close()


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target)
    return target


@pytest.fixture
def api(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    with running(data_dir, monkeypatch) as served:
        yield served


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_api(request, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    env = (
        {}
        if request.param == "sqlite"
        else {"ASSISTANT_DATABASE_URL": request.getfixturevalue("postgres_url")}
    )
    with running(data_dir, monkeypatch, **env) as served:
        yield served


def test_a_sidebar_session_end_to_end(any_api: Api):
    api = any_api
    created = api.post("/v1/customers", {"name": "小美", "profile": {"skin_type": "油皮"}})
    assert created.status_code == 201, created.text
    customer = created.json()["id"]
    assert created.headers["location"] == f"/v1/customers/{customer}"

    first = api.post("/v1/drafts", {"customer_id": customer, "message": "你好，我脸上最近老出油还长痘"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["stage"] == "uncover_need" and body["reply"] == body["variants"][0] and body["draft_id"] >= 1
    edited = api.post(
        f"/v1/drafts/{body['draft_id']}/decision",
        {"decision": "edited", "final_text": "您好～您主要是出油和长痘，对吧？"},
    )
    assert (
        edited.status_code == 200
        and edited.json()["decision"] == "edited"
        and edited.json()["edit_ratio"] > 0
    )
    again = api.post(f"/v1/drafts/{body['draft_id']}/decision", {"decision": "approved"})
    assert again.status_code == 409 and again.json()["field"] == "draft_id"

    second = api.post("/v1/drafts", {"customer_id": customer, "message": "对的"}).json()
    assert second["stage"] == "propose"  # continued from the thread the decision wrote
    regenerated = api.post(f"/v1/drafts/{second['draft_id']}/regenerate", {})
    assert regenerated.status_code == 200 and regenerated.json()["draft_id"] != second["draft_id"]
    assert api.get(f"/v1/drafts/{second['draft_id']}").json()["decision"] == "regenerated"
    rejected = api.http.post(
        f"/v1/drafts/{regenerated.json()['draft_id']}/decision",
        json={"decision": "rejected", "reason": "太长了"},
        headers={"Authorization": f"Bearer {BOB}"},
    )
    assert rejected.status_code == 200

    view = api.get(f"/v1/customers/{customer}").json()
    assert view["name"] == "小美" and view["profile"] == {"skin_type": "油皮"}
    assert [t["role"] for t in view["thread"]] == ["customer", "operator", "customer"]
    assert view["stage"] in ("propose", "uncover_need")
    drafts = api.services.log.drafts(customer_id=customer)
    assert [(d["decision"], d["operator"]) for d in drafts] == [
        ("rejected", "bob"),
        ("regenerated", "ann"),
        ("edited", "ann"),
    ]
    listed = api.get("/v1/customers").json()
    assert [(c["id"], c["drafts"], c["turns"]) for c in listed] == [(customer, 3, 3)]

    added = api.post(f"/v1/customers/{customer}/messages", {"text": "在吗？", "speaker": "小美"})
    assert added.status_code == 200 and added.json()["thread"][-1] == {
        "role": "customer",
        "text": "在吗？",
        "speaker": "小美",
        "time": None,
    }
    due = api.get("/v1/followups").json()
    assert [(d["customer_id"], d["reason"]) for d in due] == [(customer, "reply")]

    hits = api.post("/v1/kb/search", {"query": "油皮 控油", "k": 3, "kind": "product"}).json()
    assert 0 < len(hits) <= 3 and all(h["chunk"]["kind"] == "product" for h in hits)


def test_the_draft_is_what_the_cli_prints_plus_its_id(api: Api, data_dir: Path):
    message = "你好，我是干皮，冬天脸上起皮"
    cli = run_cli("draft", message, "--json", data_dir=data_dir, env={"ASSISTANT_ENGINE": "offline"})
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    answer = api.post("/v1/drafts", {"message": message}).json()
    assert set(answer) == {"draft_id", *expected}
    for key in ("stage", "reply", "variants", "products", "slots", "language", "engine"):
        assert answer[key] == expected[key], key


def test_history_as_turns_or_pasted_text_replaces_the_thread_when_decided(api: Api):
    customer = api.post("/v1/customers", {"name": "Zoe"}).json()["id"]
    api.post(f"/v1/customers/{customer}/messages", {"text": "旧的话题"})
    turns = [
        {"role": "customer", "text": "我是油皮"},
        {"role": "operator", "text": "出油主要在T区吗？"},
        {"role": "customer", "text": "全脸都油，还长痘"},
        {"role": "operator", "text": "您是油皮，主要困扰是出油和长痘，对吧？"},
    ]
    as_turns = api.post("/v1/drafts", {"customer_id": customer, "message": "对的", "history": turns}).json()
    as_text = api.post(
        "/v1/drafts",
        {
            "message": "对的",
            "history": "客户: 我是油皮\n我: 出油主要在T区吗？\n客户: 全脸都油，还长痘\n我: 您是油皮，主要困扰是出油和长痘，对吧？",
        },
    ).json()
    assert (
        as_turns["stage"] == as_text["stage"] == "propose"
    )  # the confirmation only makes sense after the history
    api.post(f"/v1/drafts/{as_turns['draft_id']}/decision", {"decision": "approved"})
    thread = api.get(f"/v1/customers/{customer}").json()["thread"]
    assert [t["text"] for t in thread][:5] == [t["text"] for t in turns] + ["对的"]  # the old topic is gone
    assert len(thread) == 6 and thread[-1]["role"] == "operator"


# (method, path, body, status, field): every one is a JSON error naming what to fix
BAD = [
    ("POST", "/v1/drafts", {}, 422, "message"),
    ("POST", "/v1/drafts", {"message": ""}, 422, "message"),
    ("POST", "/v1/drafts", {"message": "a\x00b"}, 422, "message"),
    ("POST", "/v1/drafts", {"message": "x" * 20_001}, 422, "message"),
    ("POST", "/v1/drafts", {"message": 42}, 422, "message"),
    ("POST", "/v1/drafts", {"message": "hi", "engine": "gpt"}, 422, "engine"),
    ("POST", "/v1/drafts", {"message": "hi", "stage": "close_sale"}, 422, "stage"),
    ("POST", "/v1/drafts", {"message": "hi", "profile": {"skin": "oily"}}, 422, "profile"),
    ("POST", "/v1/drafts", {"message": "hi", "profile": {"budget": "很多"}}, 422, "profile"),
    ("POST", "/v1/drafts", {"message": "hi", "profile": {"skin_type": "alien"}}, 422, "profile"),
    (
        "POST",
        "/v1/drafts",
        {"message": "hi", "history": [{"role": "bot", "text": "x"}]},
        422,
        "history.0.role",
    ),
    (
        "POST",
        "/v1/drafts",
        {"message": "hi", "history": [{"role": "customer", "text": ""}]},
        422,
        "history.0.text",
    ),
    ("POST", "/v1/drafts", {"message": "hi", "history": "\x00\x01"}, 422, "history"),
    ("POST", "/v1/drafts", {"message": "hi", "customer_id": "nobody"}, 404, "customer_id"),
    ("POST", "/v1/drafts", {"message": "hi", "customer_id": "../etc"}, 422, "customer_id"),
    ("POST", "/v1/drafts", {"message": "hi", "colour": "red"}, 422, "colour"),
    ("POST", "/v1/drafts", "not an object", 422, "body"),
    ("POST", "/v1/drafts/999999/decision", {"decision": "approved"}, 404, "draft_id"),
    ("POST", "/v1/drafts/0/decision", {"decision": "approved"}, 422, "draft_id"),
    ("POST", "/v1/drafts/abc/decision", {"decision": "approved"}, 422, "draft_id"),
    ("POST", "/v1/drafts/1/decision", {"decision": "sent"}, 422, "decision"),
    ("POST", "/v1/drafts/1/decision", {"decision": "edited"}, 400, "final_text"),
    ("POST", "/v1/drafts/1/decision", {"decision": "rejected"}, 400, "reason"),
    ("POST", "/v1/drafts/1/decision", {"decision": "approved", "variant": 9}, 400, "variant"),
    ("POST", "/v1/drafts/1/decision", {"decision": "approved", "variant": -1}, 422, "variant"),
    ("POST", "/v1/drafts/999999/regenerate", {}, 404, "draft_id"),
    ("GET", "/v1/drafts/999999", None, 404, "draft_id"),
    ("POST", "/v1/customers", {"name": "  "}, 422, "name"),
    ("POST", "/v1/customers", {"name": "A", "profile": {"age": 3}}, 422, "profile"),
    ("GET", "/v1/customers/nobody", None, 404, "customer_id"),
    ("POST", "/v1/customers/nobody/messages", {"text": "hi"}, 404, "customer_id"),
    ("POST", "/v1/customers/CUSTOMER/messages", {"text": ""}, 422, "text"),
    ("POST", "/v1/customers/CUSTOMER/messages", {"text": "hi", "role": "bot"}, 422, "role"),
    ("GET", "/v1/followups?quiet_hours=-1", None, 422, "quiet_hours"),
    ("GET", "/v1/followups?quiet_hours=soon", None, 422, "quiet_hours"),
    ("POST", "/v1/kb/search", {"query": ""}, 422, "query"),
    ("POST", "/v1/kb/search", {"query": "x", "k": 0}, 422, "k"),
    ("POST", "/v1/kb/search", {"query": "x", "mode": "magic"}, 422, "mode"),
    ("POST", "/v1/kb/search", {"query": "x", "kind": "video"}, 422, "kind"),
]


def test_every_bad_input_is_a_4xx_json_error_naming_the_field(api: Api):
    customer = api.post("/v1/customers", {"name": "A"}).json()["id"]
    draft = api.post("/v1/drafts", {"message": "你好"}).json()["draft_id"]
    assert draft == 1
    for method, path, body, status, field in BAD:
        path = path.replace("CUSTOMER", customer)
        if isinstance(body, str):
            answer = api.http.request(
                method, path, content=body, headers={"Content-Type": "application/json"}
            )
        else:
            answer = api.http.request(method, path, json=body)
        assert answer.status_code == status, (method, path, body, answer.text)
        error = answer.json()
        assert error["field"] == field and error["error"], (path, body, error)
        assert "Traceback" not in answer.text
    broken = api.http.post("/v1/drafts", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["field"] == "body"
    huge = api.http.post("/v1/drafts", content=b"x" * 1_000_001, headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["field"] == "body"
    assert api.get("/v1/nothing-here").status_code == 404
    assert api.http.delete("/v1/drafts/1").status_code == 405


def test_a_fault_of_ours_is_a_500_without_a_traceback(api: Api, monkeypatch, caplog):
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(workflows, "followups", explode)
    answer = api.get("/v1/followups")
    assert answer.status_code == 500 and "incident" in answer.json()["error"]
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert any(
        "secret internals" in str(r.exc_info) for r in caplog.records if r.exc_info
    )  # in the server log


def test_every_route_but_health_needs_a_token_of_an_operator(api: Api, caplog):
    anonymous = httpx.Client(base_url=api.url)
    spec = anonymous.get("/openapi.json").json()
    routes = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p != "/v1/health"]
    assert len(routes) >= 10 and anonymous.get("/docs").status_code == 200
    for method, path in routes:
        path = path.replace("{draft_id}", "1").replace("{customer_id}", "x")
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-0123456789"},
            {"Authorization": f"Basic {ANN}"},
        ):
            answer = anonymous.request(method, path, json={"message": "hi"}, headers=headers)
            assert answer.status_code == 401, (method, path, headers)
            assert answer.headers["www-authenticate"].startswith("Bearer") and answer.json()["error"]
    assert anonymous.get("/v1/health").status_code == 200
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    bob = httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {BOB}"})
    draft_id = bob.post("/v1/drafts", json={"message": "hello"}).json()["draft_id"]
    assert api.services.log.draft(draft_id)["operator"] == "bob"
    assert ANN not in caplog.text and BOB not in caplog.text


def test_token_settings_are_checked_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSISTANT_ENGINE", "offline")
    for value, complaint in (
        ("", "needs tokens"),
        ("ann", "expected operator:token"),
        ("ann:short", "shorter than 16"),
        (f"ann:{ANN},bob:{ANN}", "share one token"),
    ):
        monkeypatch.setenv("ASSISTANT_API_TOKENS", value)
        with pytest.raises(ConfigError, match=complaint) as caught:
            create_app(load_settings())
        assert "ASSISTANT_API_TOKENS" in str(caught.value) or complaint == "share one token"
        assert ANN not in str(caught.value)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# operators\nann:{ANN}\n\nbob : {BOB}\n", encoding="utf-8")
    monkeypatch.delenv("ASSISTANT_API_TOKENS")
    monkeypatch.setenv("ASSISTANT_API_TOKENS_FILE", str(tokens))
    assert create_app(load_settings()).state.tokens.operators == ["ann", "bob"]
    tokens.write_text("ann:0123456789abcdef0123\ncarol\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tokens, entry 2: expected operator:token"):
        create_app(load_settings())
    monkeypatch.setenv("ASSISTANT_API_TOKENS_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="ASSISTANT_API_TOKENS_FILE: cannot read"):
        create_app(load_settings())


def test_cors_only_for_the_configured_origins(api: Api):
    allowed = api.http.options(
        "/v1/drafts",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    other = api.http.options(
        "/v1/drafts", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    simple = api.get("/v1/customers", headers={"Origin": "https://evil.example"})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
    assert (
        api.get("/v1/customers", headers={"Origin": ORIGIN}).headers["access-control-allow-origin"] == ORIGIN
    )


def events(response: httpx.Response) -> list[tuple[str, dict]]:
    found = []
    for block in response.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            found.append((lines["event"], json.loads(lines["data"])))
    return found


VARIANTS = [
    "您好呀～想先了解一下，您平时是偏油还是偏干的肤质呢？最近最困扰您的是哪一点？",
    "欢迎来咨询～能说说您的肤质和最近的困扰吗？",
]


def test_server_sent_events_with_the_llm_engine(data_dir: Path, monkeypatch, fake_llm: FakeOpenAI):
    env = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_llm.base_url,
        "ASSISTANT_ENGINE": "llm",
        "ASSISTANT_ANALYZER": "rules",
    }
    with running(data_dir, monkeypatch, **env) as api:
        customer = api.post("/v1/customers", {"name": "Lily"}).json()["id"]
        fake_llm.queue(
            json.dumps({"variants": VARIANTS, "products": [], "citations": []}, ensure_ascii=False)
        )
        with api.http.stream(
            "POST",
            "/v1/drafts",
            json={"customer_id": customer, "message": "你好，想买点护肤品"},
            headers={"Accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 200 and response.headers["content-type"].startswith(
                "text/event-stream"
            )
            response.read()
        got = events(response)
        names = [name for name, _ in got]
        assert names[-1] == "draft" and names.count("token") >= 5 and set(names) == {"token", "draft"}
        draft = got[-1][1]
        assert draft["engine"] == "llm" and draft["draft_id"] >= 1 and draft["variants"] == VARIANTS
        assert "".join(data["text"] for name, data in got if name == "token") == VARIANTS[0]  # token by token
        assert fake_llm.chat_requests and all(r.body.get("stream") for r in fake_llm.chat_requests[-1:])
        assert api.services.log.draft(draft["draft_id"])["engine"] == "llm"
        # an error during the stream is an `error` event with the reason, not a broken connection
        fake_llm.queue(500, 500, 500, 500, 500, 500)
        again = api.http.post(
            f"/v1/drafts/{draft['draft_id']}/regenerate", headers={"Accept": "text/event-stream"}
        )
        kinds = [name for name, _ in events(again)]
        assert again.status_code == 200 and kinds[-1] in ("draft", "error")
        health = httpx.get(f"{api.url}/v1/health").json()
        assert health["llm"]["ok"] and fake_llm.base_url in health["llm"]["detail"]


def test_health_reports_each_dependency(any_api: Api):
    report = httpx.get(f"{any_api.url}/v1/health")
    assert report.status_code == 200
    body = report.json()
    assert body["status"] == "ok" and body["store"]["ok"] and body["log"]["ok"] and body["llm"]["ok"]
    assert (
        "chunks" in body["store"]["detail"]
        and "***" in body["log"]["detail"]
        or "sqlite" in body["log"]["detail"]
    )


def test_health_is_503_when_the_log_is_gone(data_dir: Path, monkeypatch, postgres, postgres_url):
    with running(data_dir, monkeypatch, ASSISTANT_DATABASE_URL=postgres_url) as api:
        database = postgres_url.rsplit("/", 1)[1]
        postgres.admin(f'DROP DATABASE "{database}" WITH (FORCE)')
        report = httpx.get(f"{api.url}/v1/health")
        assert report.status_code == 503 and report.json()["status"] == "degraded"
        assert not report.json()["log"]["ok"] and postgres.password not in report.text
        failed = api.post("/v1/customers", {"name": "A"})
        assert failed.status_code == 503 and "review log" in failed.json()["error"]
        assert postgres.password not in failed.text
        postgres.admin(f'CREATE DATABASE "{database}"')  # for the fixture's clean-up
