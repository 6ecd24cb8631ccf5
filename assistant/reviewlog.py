"""The review log: customers, their threads, every draft with its inputs and the operator's decision.

A SQLite file (WAL) in the data directory by default; PostgreSQL when `ASSISTANT_DATABASE_URL` names
one, so several app instances share one log. Safe for several operators at once: every write is one
transaction (SQLite queues writers, PostgreSQL locks the draft being decided). The tables are in
`assistant/db/tables.py`; opening a log runs the migrations."""

from __future__ import annotations

import csv
import difflib
import io
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from assistant.db.engine import SQLITE_FILE, WRITE, describe, is_sqlite, open_engine, parse_url, sqlite_url
from assistant.db.migrate import upgrade
from assistant.db.tables import customers, drafts, turns
from assistant.errors import ConflictError, DatabaseError, InputError, NotFoundError
from assistant.models import Conversation, Draft, Role, Turn
from assistant.settings import Settings

DECISIONS = ("approved", "edited", "rejected", "regenerated")  # what an operator can decide
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


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _customer(row: Any) -> dict[str, Any]:
    return dict(row) | {
        "profile": json.loads(row["profile_json"]),
        "learned": json.loads(row["learned_json"]),
    }


def edit_ratio(draft: str, final: str) -> float:
    """How much the operator changed the draft: 0 = sent as drafted, 1 = rewritten entirely."""
    if not draft and not final:
        return 0.0
    return round(1.0 - difflib.SequenceMatcher(None, draft, final, autojunk=False).ratio(), 4)


class ReviewLog:
    def __init__(self, target: Path | str | URL):
        """`target`: a SQLite file path, or a database URL (see `assistant.db.engine.parse_url`)."""
        if isinstance(target, URL):
            url = target
        elif isinstance(target, str) and "://" in target:
            url = parse_url(target)
        else:
            url = sqlite_url(Path(target))
        self.url = url
        self.path = Path(str(url.database)) if is_sqlite(url) else None
        self.engine = open_engine(url)
        with self._errors():
            self.revision = upgrade(self.engine)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ReviewLog:
        return cls(Path(data_dir) / SQLITE_FILE)

    @classmethod
    def open(cls, settings: Settings) -> ReviewLog:
        """The log the settings name: `ASSISTANT_DATABASE_URL`, else review.db in the data dir."""
        if settings.database_url is not None:
            return cls(parse_url(settings.database_url.get_secret_value()))
        return cls.in_data_dir(settings.data_dir)

    def describe(self) -> str:
        return describe(self.url)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:  # unreachable server, locked too long, disk full
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise DatabaseError(f"the review log at {self.describe()} cannot be used: {reason}") from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.begin() as db:
            yield db

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._errors(), self.engine.execution_options(**{WRITE: True}).begin() as db:
            yield db

    def ping(self) -> None:
        """Raise DatabaseError unless the database answers."""
        with self._read() as db:
            db.execute(select(1))

    # -- customers and threads -----------------------------------------------------------
    def create_customer(self, name: str, profile: dict[str, Any] | None = None) -> str:
        name = name.strip()
        if not name:
            raise InputError("a customer needs a name (a WeChat nickname is fine)", field="name")
        customer_id = uuid.uuid4().hex[:12]
        now = time.time()
        with self._write() as db:
            db.execute(
                insert(customers).values(
                    id=customer_id, name=name, profile_json=_dump(profile or {}), created=now, updated=now
                )
            )
        return customer_id

    def customers(self) -> list[dict[str, Any]]:
        counts = [
            select(func.count()).where(t.c.customer_id == customers.c.id).scalar_subquery().label(t.name)
            for t in (drafts, turns)
        ]
        with self._read() as db:
            rows = db.execute(select(customers, *counts).order_by(customers.c.updated.desc())).all()
        return [_customer(row._mapping) for row in rows]

    def customer(self, customer_id: str) -> dict[str, Any]:
        with self._read() as db:
            row = db.execute(select(customers).where(customers.c.id == customer_id)).first()
        if row is None:
            raise NotFoundError(f"no customer {customer_id!r}", field="customer_id")
        return _customer(row._mapping)

    def save_profile(self, customer_id: str, profile: dict[str, Any]) -> None:
        with self._write() as db:
            db.execute(
                update(customers)
                .where(customers.c.id == customer_id)
                .values(profile_json=_dump(profile), updated=time.time())
            )

    def save_learned(self, customer_id: str, learned: dict[str, Any]) -> None:
        """What the analysis read from the customer's thread (slots, what was answered, where each
        came from): the next message continues from it, across restarts."""
        with self._write() as db:
            db.execute(
                update(customers).where(customers.c.id == customer_id).values(learned_json=_dump(learned))
            )

    def thread(self, customer_id: str) -> list[Turn]:
        with self._read() as db:
            rows = db.execute(
                select(turns.c.role, turns.c.text, turns.c.speaker)
                .where(turns.c.customer_id == customer_id)
                .order_by(turns.c.id)
            ).all()
        return [Turn(role=Role(r.role), text=r.text, speaker=r.speaker) for r in rows]

    def add_turns(
        self, customer_id: str, new: list[Turn], *, draft_id: int | None = None, replace: bool = False
    ) -> None:
        """Messages that joined the customer's thread outside a draft (the chat tool reports them)."""
        with self._write() as db:
            self._require_customer(db, customer_id)
            if replace:
                db.execute(delete(turns).where(turns.c.customer_id == customer_id))
            self._append(db, customer_id, [(t.role.value, t.text, t.speaker) for t in new], draft_id)

    def last_turns(self) -> list[dict[str, Any]]:
        """Each customer with a thread, with its last turn (role, text, created) and pending drafts:
        what a follow-up list is made from."""
        last = select(turns.c.customer_id, func.max(turns.c.id).label("last_id")).group_by(
            turns.c.customer_id
        )
        last_sq = last.subquery()
        pending = (
            select(func.count())
            .where(drafts.c.customer_id == customers.c.id, drafts.c.decision == "pending")
            .scalar_subquery()
            .label("pending_drafts")
        )
        query = (
            select(
                customers.c.id,
                customers.c.name,
                customers.c.learned_json,
                turns.c.role,
                turns.c.text,
                turns.c.created.label("last_turn_at"),
                pending,
            )
            .select_from(customers.join(last_sq, last_sq.c.customer_id == customers.c.id))
            .join(turns, turns.c.id == last_sq.c.last_id)
            .order_by(turns.c.created)
        )
        with self._read() as db:
            rows = db.execute(query).all()
        return [dict(r._mapping) for r in rows]

    @staticmethod
    def _require_customer(db: Connection, customer_id: str) -> None:
        if db.execute(select(customers.c.id).where(customers.c.id == customer_id)).first() is None:
            raise NotFoundError(f"no customer {customer_id!r}", field="customer_id")

    @staticmethod
    def _append(
        db: Connection, customer_id: str, rows: list[tuple[str, str, str | None]], draft_id: int | None
    ) -> None:
        now = time.time()
        if rows:
            db.execute(
                insert(turns),
                [
                    {
                        "customer_id": customer_id,
                        "role": role,
                        "text": text,
                        "speaker": speaker,
                        "draft_id": draft_id,
                        "created": now,
                    }
                    for role, text, speaker in rows
                ],
            )
        db.execute(update(customers).where(customers.c.id == customer_id).values(updated=now))

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
        request: dict[str, Any] | None = None,
    ) -> int:
        """Log a draft as pending; `new_turns` (the pasted messages) join the thread when the draft is
        decided (replacing it when the paste was the whole chat). `request` is what the operator
        asked for, kept so the draft can be made again (regenerate by id)."""
        record = {
            "replace": replace_thread,
            "turns": [{"role": t.role.value, "text": t.text} for t in conversation.turns],
            "new_turns": [{"role": t.role.value, "text": t.text, "speaker": t.speaker} for t in new_turns],
            "request": request or {},
        }
        with self._write() as db:
            result = db.execute(
                insert(drafts)
                .values(
                    customer_id=customer_id,
                    operator=operator,
                    created=time.time(),
                    input_text=input_text,
                    conversation_json=_dump(record),
                    profile_json=_dump(profile or {}),
                    slots_json=draft.analysis.slots.model_dump_json(),
                    stage=draft.stage.value,
                    reason=draft.analysis.reason,
                    variants_json=_dump(draft.variants),
                    products_json=_dump([p.model_dump() for p in draft.products]),
                    findings_json=_dump([f.model_dump(mode="json") for f in draft.findings]),
                    citations_json=_dump([c.model_dump() for c in draft.citations]),
                    engine=draft.engine,
                    model=draft.model,
                    latency_ms=draft.latency_ms,
                )
                .returning(drafts.c.id)
            )
            return int(result.scalar_one())

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
        """Record approved / edited / rejected / regenerated (the operator asked for another draft).
        Approving with a changed text records `edited` and the edit ratio (`edited` needs the text
        sent). Unless regenerated, the customer's new turns join the thread (replacing it when the
        paste was the whole chat), followed by the sent reply when approved."""
        if decision not in DECISIONS:
            raise InputError(f"decision must be one of {', '.join(DECISIONS)}", field="decision")
        if decision == "rejected" and not (reason or "").strip():
            raise InputError("say why the draft is rejected (it helps improve the prompts)", field="reason")
        if decision == "edited" and not (final_text or "").strip():
            raise InputError("an edited draft needs the text that was sent", field="final_text")
        with self._write() as db:
            row = db.execute(select(drafts).where(drafts.c.id == draft_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no draft {draft_id}", field="draft_id")
            if row.decision != "pending":
                raise ConflictError(f"draft {draft_id} was already {row.decision}", field="draft_id")
            variants = json.loads(row.variants_json)
            if not 0 <= variant < max(len(variants), 1):
                raise InputError(f"draft {draft_id} has {len(variants)} variants", field="variant")
            drafted = variants[variant] if variants else ""
            sent = decision in ("approved", "edited")
            final = (final_text if final_text is not None else drafted).strip()
            ratio = edit_ratio(drafted, final) if sent else None
            if sent:
                if not final:
                    raise InputError("the reply to send is empty", field="final_text")
                decision = "edited" if ratio else "approved"
            db.execute(
                update(drafts)
                .where(drafts.c.id == draft_id)
                .values(
                    decision=decision,
                    final_text=final if sent else None,
                    reason_text=reason,
                    decided_at=time.time(),
                    edit_ratio=ratio,
                    operator=func.coalesce(operator, drafts.c.operator),
                )
            )
            if decision != "regenerated" and row.customer_id:
                # the customer's messages join the thread whatever happens to the draft (a new
                # draft for the same paste carries them again, so a regenerated one does not)
                record = json.loads(row.conversation_json)
                if record.get("replace"):
                    db.execute(delete(turns).where(turns.c.customer_id == row.customer_id))
                added = [(t["role"], t["text"], t.get("speaker")) for t in record.get("new_turns", [])]
                self._append(
                    db, row.customer_id, added + ([("operator", final, None)] if sent else []), draft_id
                )
        return {
            "id": draft_id,
            "decision": decision,
            "final_text": final if sent else None,
            "edit_ratio": ratio,
        }

    def _drafts_query(self) -> Select[Any]:
        return select(drafts, customers.c.name.label("customer")).select_from(
            drafts.outerjoin(customers, customers.c.id == drafts.c.customer_id)
        )

    def drafts(
        self, *, since: float | None = None, until: float | None = None, customer_id: str | None = None
    ) -> list[dict[str, Any]]:
        query = self._drafts_query()
        if since is not None:
            query = query.where(drafts.c.created >= since)
        if until is not None:
            query = query.where(drafts.c.created < until)
        if customer_id is not None:
            query = query.where(drafts.c.customer_id == customer_id)
        with self._read() as db:
            rows = db.execute(query.order_by(drafts.c.id.desc())).all()
        return [dict(r._mapping) for r in rows]

    def draft(self, draft_id: int) -> dict[str, Any]:
        with self._read() as db:
            row = db.execute(self._drafts_query().where(drafts.c.id == draft_id)).first()
        if row is None:
            raise NotFoundError(f"no draft {draft_id}", field="draft_id")
        return dict(row._mapping)

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
                    "approved": sum(r["decision"] == "approved" for r in rows),
                    "edited": sum(r["decision"] == "edited" for r in rows),
                    "rejected": sum(r["decision"] == "rejected" for r in rows),
                    "regenerated": sum(r["decision"] == "regenerated" for r in rows),
                    "pending": sum(r["decision"] == "pending" for r in rows),
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
