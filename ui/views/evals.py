"""Evals: pick suites, run them with a progress bar (the CLI's `run_and_save`), the summary, failures
by check and accuracy by stage, failing cases with their conversation and draft, and the comparison
with the previous run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.evals.report import compare, failures_by_check, history, load_run
from assistant.evals.runner import RunOptions
from assistant.evals.session import run_and_save, stage_accuracy_by_stage, threshold_line
from assistant.evals.suite import load_suite, suite_paths
from assistant.settings import PROJECT_ROOT
from ui.auth import require_sign_in
from ui.components import esc, plain, turn
from ui.i18n import stage_name, t

settings = require_sign_in()
st.title(t("evals.title"))
folders = [PROJECT_ROOT / "evals", Path(settings.data_dir) / "evals"]
available = [p for f in folders if f.exists() and list(f.glob("*.y*ml")) for p in suite_paths([f])]
labels = {str(p): p.stem for p in available}
pick, slider = st.columns([3, 1])
chosen = pick.multiselect(
    t("evals.suites"),
    list(labels),
    list(labels)[:1],
    format_func=labels.get,
    key="suites",
    placeholder=t("evals.choose"),
)
concurrency = slider.slider(t("evals.concurrency"), 1, 16, 4, key="concurrency")

if st.button(t("evals.run"), type="primary", disabled=not chosen, key="run_evals"):
    try:
        bar = st.progress(0.0, text=t("evals.running"))
        done = run_and_save(
            [load_suite(Path(p)) for p in chosen],
            settings,
            RunOptions(concurrency=concurrency),
            lambda n, total, name: bar.progress(n / total, text=esc(name)),
        )
        st.session_state.eval_run = done.results["run_id"]
        st.rerun()
    except AssistantError as exc:
        st.error(esc(exc))

runs = {r["run_id"]: r for r in history(settings.data_dir)}
if not runs:
    st.info(t("evals.no_runs"))
    st.stop()
ids = list(runs)
current_id = st.selectbox(
    t("evals.pick_run"),
    ids,
    index=ids.index(st.session_state["eval_run"]) if st.session_state.get("eval_run") in ids else 0,
    format_func=lambda i: t(
        "evals.run_label",
        id=i,
        status=t(f"evals.{'passed' if runs[i]['passed'] else 'failed'}"),
        suites=", ".join(runs[i]["suites"]),
    ),
    key="eval_run_pick",
    placeholder=t("app.choose"),
)
results = load_run(current_id, settings.data_dir)
status = t("evals.passed" if results["passed"] else "evals.failed")
(st.success if results["passed"] else st.error)(
    t("evals.summary", status=status, cases=results["metrics"]["cases"], seconds=results["seconds"])
)
for suite in results["suites"]:
    plain(threshold_line(suite))

left, right = st.columns(2)
checks = failures_by_check(results["cases"])
left.caption(t("evals.by_check"))
if checks:
    left.bar_chart(pd.Series(checks, name=t("evals.failures")), height=240, horizontal=True)
else:
    left.success(t("evals.none"))
right.caption(t("evals.by_stage"))
accuracy = {stage_name(s): v for s, v in stage_accuracy_by_stage(results).items()}
right.bar_chart(pd.Series(accuracy, name=t("evals.accuracy")), height=240, horizontal=True)

failing = [c for c in results["cases"] if not c["passed"]]
st.subheader(t("evals.failing", n=len(failing)))
for case in failing:
    expected, got = stage_name(case["expected_stage"]), stage_name(case["stage"])
    with st.expander(
        esc(f"{case['suite']}/{case['case_id']} · ") + t("evals.expected", expected=expected, got=got)
    ):
        for past in case["conversation"]:
            role, text = next(iter(past.items()))
            turn(role == "customer", text)
        st.caption(t("evals.draft"))
        plain(case["reply"])
        for check in case["checks"]:
            if not check["passed"]:
                st.error(esc(f"{check['check']}: {check['detail']}"))
        for name, verdict in case["judge"].items():
            if verdict["verdict"] == "fail":
                st.warning(esc(f"judge {name}: {verdict['reason']}"))

older = [i for i in ids if i < current_id]
if older:
    st.subheader(t("evals.compared", run=older[0]))
    diff = compare(load_run(older[0], settings.data_dir), results)
    st.dataframe(pd.DataFrame(diff["metrics"]).T, width="stretch")
    st.caption(t("evals.regressed", regressed=len(diff["regressed"]), improved=len(diff["improved"])))
    for entry in diff["regressed"]:
        st.error(esc(f"{entry['case']} ({entry['stage']}) {', '.join(entry['failed_checks'])}"))
    for entry in diff["improved"]:
        st.success(esc(f"{entry['case']} ({entry['stage']})"))
