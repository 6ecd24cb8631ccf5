"""Customers & history: what happened to every draft (approved, edited, rejected, regenerated counted
apart) over a period, by stage, with a CSV export; every customer's thread; a draft as an eval case."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import streamlit as st
import yaml

from assistant.errors import AssistantError
from assistant.models import SCRIPT_STAGES, Stage
from assistant.reviewlog import DECISIONS, DRAFT_COLUMNS
from ui.auth import require_sign_in
from ui.components import esc, turn
from ui.i18n import stage_name, t
from ui.state import get_reviewlog

require_sign_in()
st.title(t("history.title"))
log = get_reviewlog()
ORDER = [stage_name(s) for s in (*SCRIPT_STAGES, Stage.escalate)]

today = dt.date.today()
period = st.date_input(t("history.period"), value=(today - dt.timedelta(days=30), today), key="period")
start, end = (
    period if isinstance(period, tuple) and len(period) == 2 else (today - dt.timedelta(days=30), today)
)
drafts = log.drafts(
    since=time.mktime(start.timetuple()), until=time.mktime((end + dt.timedelta(days=1)).timetuple())
)
overall = log.metrics(drafts)[0] if drafts else {}
percent = lambda v: f"{v:.0%}" if v is not None else "–"  # noqa: E731
cells = st.columns(7)
cells[0].metric(t("history.drafts"), overall.get("drafts", 0))
for cell, decision in zip(cells[1:5], DECISIONS, strict=True):
    cell.metric(t(f"decision.{decision}"), overall.get(decision, 0))
cells[5].metric(
    t("history.approval_rate"), percent(overall.get("approval_rate")), help=t("history.rate_help")
)
cells[6].metric(t("history.edit_ratio"), percent(overall.get("edit_ratio")), help=t("history.edit_help"))

if drafts:
    by_stage = pd.DataFrame(log.metrics(drafts, by="stage"))
    by_stage["stage"] = pd.Categorical(
        [stage_name(s) for s in by_stage["stage"]], categories=ORDER, ordered=True
    )
    by_stage = by_stage.sort_values("stage").set_index("stage")
    counts = by_stage[list(DECISIONS)].rename(columns=lambda d: t(f"decision.{d}"))
    rates = (by_stage[["approval_rate", "edit_ratio"]].astype(float) * 100).round(1)
    rates.columns = [t("history.approval_rate"), t("history.edit_ratio")]
    left, right = st.columns(2)
    left.caption(t("history.chart_decisions"))
    left.bar_chart(counts, stack=True, height=240, horizontal=True, x_label=t("history.count"), y_label="")
    right.caption(t("history.chart_rates"))
    right.bar_chart(rates, stack=False, height=240, horizontal=True, x_label="%", y_label="")
    table = pd.DataFrame(drafts)[list(DRAFT_COLUMNS)]
    table["created"] = pd.to_datetime(table["created"], unit="s").dt.strftime("%m-%d %H:%M")
    table["stage"] = [stage_name(s) for s in table["stage"]]
    table["decision"] = [t(f"decision.{d}") for d in table["decision"]]
    table["latency_ms"] = table["latency_ms"].round()
    table = table.astype(object).where(table.notna(), "")  # an empty cell, not "None"
    st.subheader(t("history.table"))
    st.dataframe(
        table.rename(columns=lambda c: t(f"column.{c}")), hide_index=True, width="stretch", height=280
    )
    st.download_button(
        t("history.csv"), log.to_csv(drafts), file_name="drafts.csv", mime="text/csv", key="csv"
    )
else:
    st.info(t("history.no_drafts"))

st.subheader(t("history.customers"))
customers = log.customers()
if customers:
    names = {c["id"]: c["name"] for c in customers}
    chosen = st.selectbox(
        t("customer.label"),
        list(names),
        format_func=names.get,
        key="history_customer",
        placeholder=t("app.choose"),
    )
    for past in log.thread(chosen):
        turn(past.role.value == "customer", past.text)
else:
    st.caption(t("history.no_customers"))

st.subheader(t("history.eval_case"))
sendable = {d["id"]: d for d in log.drafts() if d["decision"] in ("approved", "edited")}
if sendable:
    draft_id = st.selectbox(
        t("history.draft"),
        list(sendable),
        format_func=lambda i: (
            f"#{i} · {stage_name(sendable[i]['stage'])} · {(sendable[i]['final_text'] or '')[:30]}"
        ),
        key="case_draft",
        placeholder=t("app.choose"),
    )
    try:
        case = log.to_eval_case(draft_id)
        text = yaml.safe_dump({"suite": "from-review", "cases": [case]}, allow_unicode=True, sort_keys=False)
        st.code(text, language="yaml")
        st.download_button(t("history.yaml"), text, file_name=f"review-{draft_id}.yaml", key="case_yaml")
    except AssistantError as exc:
        st.error(esc(exc))
else:
    st.caption(t("history.no_sendable"))
