"""The review log (SQLite, WAL) in the data directory: customers, their threads, every draft with
its inputs and the operator's decision. Safe for several operators at once: each call opens its own
connection, writes are single transactions, and SQLite serialises them."""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.models import Conversation, Draft, Role, Turn

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, profile_json TEXT NOT NULL DEFAULT '{}',
    created REAL NOT NULL, updated REAL NOT NULL, learned_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL REFERENCES customers(id),
    role TEXT NOT NULL, text TEXT NOT NULL, draft_id INTEGER, created REAL NOT NULL, speaker TEXT
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
# columns added after the first release: (table, column, definition); added on open when missing
MIGRATIONS = (
    ("customers", "learned_json", "TEXT NOT NULL DEFAULT '{}'"),
    ("turns", "speaker", "TEXT"),
)
DECISIONS = ("approved", "edited", "rejected", "regenerated")
# the columns people read (the CSV export and the console's drafts table)
DRAFT_COLUMNS = (
    "id",
    "created",
    "customer",
    "operator",
    "stage",
    "engine",
    "model",
    "decision",
    "edit_ratio",
    "latency_ms",
    "input_text",
    "final_text",
    "reason_text",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: object) -> object:
    """A spreadsheet cell that cannot run: text a formula could start with is prefixed with '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def edit_ratio(draft: str, final: str) -> float:
    """How much the operator changed the draft: 0 = sent as drafted, 1 = rewritten entirely."""
    if not draft and not final:
        return 0.0
    return round(1.0 - difflib.SequenceMatcher(None, draft, final, autojunk=False).ratio(), 4)


class ReviewLog:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # customers' chats: 0600 from the first byte; SQLite gives -wal/-shm the database file's mode
        os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        if self.path.stat().st_mode & 0o077:
            self.path.chmod(0o600)  # a log created by an older version
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            for table, column, definition in MIGRATIONS:
                columns = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ReviewLog:
        return cls(Path(data_dir) / "review.db")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA foreign_keys=ON")
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- customers and threads -----------------------------------------------------------
    def create_customer(self, name: str, profile: dict[str, Any] | None = None) -> str:
        name = name.strip()
        if not name:
            raise InputError("a customer needs a name (a WeChat nickname is fine)")
        customer_id = uuid.uuid4().hex[:12]
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO customers (id, name, profile_json, created, updated) VALUES (?, ?, ?, ?, ?)",
                (customer_id, name, json.dumps(profile or {}, ensure_ascii=False), now, now),
            )
        return customer_id

    def customers(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("""SELECT c.*, (SELECT COUNT(*) FROM drafts d WHERE d.customer_id = c.id) AS drafts,
                                 (SELECT COUNT(*) FROM turns t WHERE t.customer_id = c.id) AS turns
                                 FROM customers c ORDER BY c.updated DESC""").fetchall()
        return [
            dict(r) | {"profile": json.loads(r["profile_json"]), "learned": json.loads(r["learned_json"])}
            for r in rows
        ]

    def customer(self, customer_id: str) -> dict[str, Any]:
        with self._connect() as db:
            row = db.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            raise InputError(f"no customer {customer_id!r}")
        return dict(row) | {
            "profile": json.loads(row["profile_json"]),
            "learned": json.loads(row["learned_json"]),
        }

    def save_profile(self, customer_id: str, profile: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE customers SET profile_json = ?, updated = ? WHERE id = ?",
                (json.dumps(profile, ensure_ascii=False), time.time(), customer_id),
            )

    def save_learned(self, customer_id: str, learned: dict[str, Any]) -> None:
        """What the analysis read from the customer's thread (slots, what was answered, where each
        came from): the next message continues from it, across restarts."""
        with self._transaction() as db:
            db.execute(
                "UPDATE customers SET learned_json = ? WHERE id = ?",
                (json.dumps(learned, ensure_ascii=False), customer_id),
            )

    def thread(self, customer_id: str) -> list[Turn]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT role, text, speaker FROM turns WHERE customer_id = ? ORDER BY id", (customer_id,)
            ).fetchall()
        return [Turn(role=Role(r["role"]), text=r["text"], speaker=r["speaker"]) for r in rows]

    # -- drafts and decisions ----------------------------------------------------------------
    def log_draft(
        self,
        draft: Draft,
        *,
        conversation: Conversation,
        new_turns: list[Turn],
        input_text: str,
        customer_id: str | None,
        operator: str | None,
        profile: dict[str, Any] | None = None,
        replace_thread: bool = False,
    ) -> int:
        """Log a draft as pending; `new_turns` (the pasted messages) join the thread when the draft is
        decided (replacing it when the paste was the whole chat)."""
        record = {
            "replace": replace_thread,
            "turns": [{"role": t.role.value, "text": t.text} for t in conversation.turns],
            "new_turns": [{"role": t.role.value, "text": t.text, "speaker": t.speaker} for t in new_turns],
        }
        with self._transaction() as db:
            cursor = db.execute(
                """INSERT INTO drafts (customer_id, operator, created, input_text, conversation_json, profile_json, slots_json,
                   stage, reason, variants_json, products_json, findings_json, citations_json, engine, model, latency_ms)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    customer_id,
                    operator,
                    time.time(),
                    input_text,
                    json.dumps(record, ensure_ascii=False),
                    json.dumps(profile or {}, ensure_ascii=False),
                    draft.analysis.slots.model_dump_json(),
                    draft.stage.value,
                    draft.analysis.reason,
                    json.dumps(draft.variants, ensure_ascii=False),
                    json.dumps([p.model_dump() for p in draft.products], ensure_ascii=False),
                    json.dumps([f.model_dump(mode="json") for f in draft.findings], ensure_ascii=False),
                    json.dumps([c.model_dump() for c in draft.citations], ensure_ascii=False),
                    draft.engine,
                    draft.model,
                    draft.latency_ms,
                ),
            )
            return int(cursor.lastrowid or 0)

    def decide(
        self,
        draft_id: int,
        decision: str,
        *,
        final_text: str | None = None,
        reason: str | None = None,
        operator: str | None = None,
        variant: int = 0,
    ) -> dict[str, Any]:
        """Record approve / reject / regenerated (the operator asked for another draft instead).
        Approving with a changed text records `edited` and the edit ratio; approving appends the
        customer's new turns and the sent reply to the customer's thread."""
        if decision not in ("approved", "rejected", "regenerated"):
            raise InputError("decision must be approved, rejected or regenerated")
        if decision == "rejected" and not (reason or "").strip():
            raise InputError("say why the draft is rejected (it helps improve the prompts)")
        with self._transaction() as db:
            row = db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            if row is None:
                raise InputError(f"no draft {draft_id}")
            if row["decision"] != "pending":
                raise InputError(f"draft {draft_id} was already {row['decision']}")
            variants = json.loads(row["variants_json"])
            drafted = variants[variant] if variant < len(variants) else (variants[0] if variants else "")
            final = (final_text if final_text is not None else drafted).strip()
            ratio = edit_ratio(drafted, final) if decision == "approved" else None
            if decision == "approved":
                if not final:
                    raise InputError("the reply to send is empty")
                decision = "edited" if ratio else "approved"
            db.execute(
                "UPDATE drafts SET decision = ?, final_text = ?, reason_text = ?, decided_at = ?, edit_ratio = ?, "
                "operator = COALESCE(?, operator) WHERE id = ?",
                (
                    decision,
                    final if decision in ("approved", "edited") else None,
                    reason,
                    time.time(),
                    ratio,
                    operator,
                    draft_id,
                ),
            )
            if decision != "regenerated" and row["customer_id"]:
                # the customer's messages join the thread whatever happens to the draft (a new
                # draft for the same paste carries them again, so a regenerated one does not)
                now = time.time()
                record = json.loads(row["conversation_json"])
                new_turns = record.get("new_turns", [])
                if record.get("replace"):
                    db.execute("DELETE FROM turns WHERE customer_id = ?", (row["customer_id"],))
                sent = [("operator", final, None)] if decision in ("approved", "edited") else []
                db.executemany(
                    "INSERT INTO turns (customer_id, role, text, draft_id, created, speaker) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (row["customer_id"], role, text, draft_id, now, speaker)
                        for role, text, speaker in [
                            *((t["role"], t["text"], t.get("speaker")) for t in new_turns),
                            *sent,
                        ]
                    ],
                )
                db.execute("UPDATE customers SET updated = ? WHERE id = ?", (now, row["customer_id"]))
        return {"id": draft_id, "decision": decision, "final_text": final, "edit_ratio": ratio}

    def drafts(
        self, *, since: float | None = None, until: float | None = None, customer_id: str | None = None
    ) -> list[dict[str, Any]]:
        query, args = (
            "SELECT d.*, c.name AS customer FROM drafts d LEFT JOIN customers c ON c.id = d.customer_id WHERE 1=1",
            [],
        )
        for clause, value in (
            ("d.created >= ?", since),
            ("d.created < ?", until),
            ("d.customer_id = ?", customer_id),
        ):
            if value is not None:
                query += f" AND {clause}"
                args.append(value)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY d.id DESC", args).fetchall()
        return [dict(r) for r in rows]

    def draft(self, draft_id: int) -> dict[str, Any]:
        rows = [d for d in self.drafts() if d["id"] == draft_id]
        if not rows:
            raise InputError(f"no draft {draft_id}")
        return rows[0]

    # -- analytics and exports ---------------------------------------------------------------
    @staticmethod
    def metrics(drafts: list[dict[str, Any]], by: str | None = None) -> list[dict[str, Any]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for d in drafts:
            groups.setdefault(str(d[by]) if by else "all", []).append(d)
        out = []
        for key, rows in sorted(groups.items()):
            decided = [r for r in rows if r["decision"] not in ("pending", "regenerated")]
            sent = [r for r in decided if r["decision"] in ("approved", "edited")]
            ratios = [r["edit_ratio"] for r in sent if r["edit_ratio"] is not None]
            out.append(
                {
                    by or "group": key,
                    "drafts": len(rows),
                    "decided": len(decided),
                    "approval_rate": round(len(sent) / len(decided), 3) if decided else None,
                    "edited": sum(r["decision"] == "edited" for r in rows),
                    "rejected": sum(r["decision"] == "rejected" for r in rows),
                    "regenerated": sum(r["decision"] == "regenerated" for r in rows),
                    "edit_ratio": round(sum(ratios) / len(ratios), 3) if ratios else None,
                    "latency_ms": round(sum(r["latency_ms"] for r in rows) / len(rows), 1),
                }
            )
        return out

    @staticmethod
    def to_csv(drafts: list[dict[str, Any]]) -> str:
        """The drafts as CSV for Excel/WPS: starts with a UTF-8 byte-order mark (Chinese shows right on
        Windows) and no cell can run as a formula (text starting with = + - @, a tab or CR gets a ')."""
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.DictWriter(buffer, fieldnames=DRAFT_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for d in drafts:
            row = d | {"created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(d["created"]))}
            writer.writerow({k: inert_cell(v) for k, v in row.items() if k in DRAFT_COLUMNS})
        return buffer.getvalue()

    def to_eval_case(self, draft_id: int) -> dict[str, Any]:
        """An approved or edited draft as an eval case (the eval-suite format): the operator's
        final text is the reference, its stage the expectation."""
        d = self.draft(draft_id)
        if d["decision"] not in ("approved", "edited"):
            raise InputError(
                f"draft {draft_id} is {d['decision']}: only approved or edited drafts become eval cases"
            )
        conversation = json.loads(d["conversation_json"])
        turns = [{t["role"]: t["text"]} for t in conversation.get("turns", [])]
        if not turns or "customer" not in turns[-1]:
            raise InputError(f"draft {draft_id} has no customer message to answer")
        products = [p["id"] for p in json.loads(d["products_json"])]
        expect: dict[str, Any] = {
            "stage": d["stage"],
            "asks_question": d["stage"] in ("ask", "uncover_need", "confirm_expectation"),
        }
        if products:
            expect["products_any_of"] = products
        case: dict[str, Any] = {
            "id": f"review-{draft_id}",
            "conversation": turns,
            "expect": expect,
            "reference_reply": d["final_text"],
            "source": f"review log draft {draft_id} ({d['decision']})",
        }
        profile = json.loads(d["profile_json"])
        if profile:
            case["profile"] = profile
        return case
