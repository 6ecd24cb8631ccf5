"""Customers & history: every thread and every draft with its decision; metrics over a period;
CSV export; approved or edited drafts turned into eval cases."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import streamlit as st
import yaml

from assistant.errors import AssistantError
from assistant.reviewlog import DRAFT_COLUMNS
from ui.auth import require_sign_in
from ui.components import esc, turn
from ui.state import get_reviewlog

require_sign_in()
st.title("🗂️ 客户与记录 Customers & history")
log = get_reviewlog()

today = dt.date.today()
period = st.date_input("时间段 Period", value=(today - dt.timedelta(days=30), today), key="period")
start, end = (
    period if isinstance(period, tuple) and len(period) == 2 else (today - dt.timedelta(days=30), today)
)
since = time.mktime(start.timetuple())
until = time.mktime((end + dt.timedelta(days=1)).timetuple())
drafts = log.drafts(since=since, until=until)

overall = (
    log.metrics(drafts)[0]
    if drafts
    else {"drafts": 0, "approval_rate": None, "edit_ratio": None, "rejected": 0}
)
a, b, c, d = st.columns(4)
a.metric("草稿 Drafts", overall["drafts"])
b.metric(
    "通过率 Approval rate", f"{overall['approval_rate']:.0%}" if overall["approval_rate"] is not None else "–"
)
c.metric("修改比例 Edit ratio", f"{overall['edit_ratio']:.0%}" if overall["edit_ratio"] is not None else "–")
d.metric("驳回 Rejected", overall["rejected"])

if drafts:
    by_stage = pd.DataFrame(log.metrics(drafts, by="stage")).set_index("stage")
    by_engine = pd.DataFrame(log.metrics(drafts, by="engine")).set_index("engine")
    chart_left, chart_right = st.columns(2)
    chart_left.caption("按阶段 By stage: approval rate and edit ratio")
    chart_left.bar_chart(by_stage[["approval_rate", "edit_ratio"]].fillna(0))
    chart_right.caption("按阶段 Drafts by stage")
    chart_right.bar_chart(by_stage[["drafts"]])
    st.dataframe(
        pd.concat(
            [
                by_stage.reset_index().rename(columns={"stage": "group"}),
                by_engine.reset_index().rename(columns={"engine": "group"}),
            ]
        ),
        hide_index=True,
        use_container_width=True,
    )
    table = pd.DataFrame(drafts)[list(DRAFT_COLUMNS)]
    table["created"] = pd.to_datetime(table["created"], unit="s")
    st.subheader("草稿 Drafts")
    st.dataframe(table, hide_index=True, use_container_width=True)
    st.download_button(
        "⬇️ 导出 CSV Export", log.to_csv(drafts), file_name="drafts.csv", mime="text/csv", key="csv"
    )
else:
    st.info("这个时间段还没有草稿 No drafts in this period yet.")

st.subheader("客户 Customers")
customers = log.customers()
if customers:
    names = {c["id"]: f"{c['name']} · {c['drafts']} drafts" for c in customers}
    chosen = st.selectbox("客户 Customer", list(names), format_func=names.get, key="history_customer")
    for past in log.thread(chosen):
        turn(past.role.value == "customer", past.text)
else:
    st.caption("No customers yet: create one on the Draft page.")

st.subheader("转为评测用例 Turn a draft into an eval case")
sendable = [d for d in log.drafts() if d["decision"] in ("approved", "edited")]
if sendable:
    draft_id = st.selectbox(
        "草稿 Draft",
        [d["id"] for d in sendable],
        format_func=lambda i: (
            f"#{i} · "
            + next(
                f"{d['stage']} · {d['decision']} · {(d['final_text'] or '')[:30]}"
                for d in sendable
                if d["id"] == i
            )
        ),
        key="case_draft",
    )
    try:
        case = log.to_eval_case(draft_id)
        text = yaml.safe_dump({"suite": "from-review", "cases": [case]}, allow_unicode=True, sort_keys=False)
        st.code(text, language="yaml")
        st.download_button("⬇️ YAML", text, file_name=f"review-{draft_id}.yaml", key="case_yaml")
    except AssistantError as exc:
        st.error(esc(exc))
else:
    st.caption("Approve or edit a draft first.")
