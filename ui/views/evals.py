"""Evals: pick suites, run them with a progress bar, metrics and charts per check and per stage,
failing cases with their conversation and draft, and the comparison with the previous run."""

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

settings = require_sign_in()
st.title("🧪 评测 Evals")
folders = [PROJECT_ROOT / "evals", Path(settings.data_dir) / "evals"]
available = [
    p for folder in folders if folder.exists() and list(folder.glob("*.y*ml")) for p in suite_paths([folder])
]
labels = {str(p): p.stem for p in available}
chosen = st.multiselect(
    "套件 Suites", list(labels), default=list(labels)[:1], format_func=labels.get, key="suites"
)
concurrency = st.slider("并发 Concurrency", 1, 16, 4, key="concurrency")
previous = history(settings.data_dir)

if st.button("▶️ 运行 Run", type="primary", disabled=not chosen, key="run_evals"):
    try:
        suites = [load_suite(Path(p)) for p in chosen]
        bar = st.progress(0.0, text="running…")
        done = run_and_save(
            suites,
            settings,
            RunOptions(concurrency=concurrency),
            lambda done, total, name: bar.progress(done / total, text=name),
        )
        bar.empty()
        st.session_state.eval_run = done.results["run_id"]
        st.rerun()
    except AssistantError as exc:
        st.error(esc(exc))

runs = history(settings.data_dir)
if not runs:
    st.info("还没有评测记录 No runs yet: pick suites and press Run (or `assistant eval run evals/`).")
    st.stop()
run_ids = [r["run_id"] for r in runs]
current_id = st.selectbox(
    "运行 Run",
    run_ids,
    index=run_ids.index(st.session_state.get("eval_run", run_ids[0]))
    if st.session_state.get("eval_run") in run_ids
    else 0,
    format_func=lambda i: next(
        f"{r['run_id']} · {'passed' if r['passed'] else 'FAILED'} · {', '.join(r['suites'])}"
        for r in runs
        if r["run_id"] == i
    ),
    key="eval_run_pick",
)
results = load_run(current_id, settings.data_dir)
(st.success if results["passed"] else st.error)(
    f"{'✅ passed' if results['passed'] else '❌ failed'} · {results['metrics']['cases']} cases · {results['seconds']} s"
)

for suite in results["suites"]:
    st.text(threshold_line(suite))
    st.dataframe(pd.DataFrame(suite["thresholds"]), hide_index=True, use_container_width=True)

left, right = st.columns(2)
checks = failures_by_check(results["cases"])
left.caption("失败的检查 Failures by check")
left.bar_chart(pd.Series(checks, name="failures") if checks else pd.Series({"none": 0}, name="failures"))
right.caption("阶段准确率 Stage accuracy by stage")
right.bar_chart(pd.Series(stage_accuracy_by_stage(results), name="accuracy"))

failing = [c for c in results["cases"] if not c["passed"]]
st.subheader(f"失败用例 Failing cases ({len(failing)})")
for case in failing:
    with st.expander(
        esc(f"{case['suite']}/{case['case_id']} · expected {case['expected_stage']} · got {case['stage']}")
    ):
        for past in case["conversation"]:
            role, text = next(iter(past.items()))
            turn(role == "customer", text)
        st.caption("Draft")
        plain(case["reply"])
        for check in case["checks"]:
            if not check["passed"]:
                st.error(esc(f"{check['check']}: {check['detail']}"))
        for name, verdict in case["judge"].items():
            if verdict["verdict"] == "fail":
                st.warning(esc(f"judge {name}: {verdict['reason']}"))

older = [r["run_id"] for r in runs if r["run_id"] < current_id]
if older:
    st.subheader(f"对比上一次 Compared with {older[0]}")
    diff = compare(load_run(older[0], settings.data_dir), results)
    st.dataframe(pd.DataFrame(diff["metrics"]).T, use_container_width=True)
    st.write(f"回退 Regressed: {len(diff['regressed'])} · 改进 Improved: {len(diff['improved'])}")
    for entry in diff["regressed"]:
        st.error(esc(f"{entry['case']} ({entry['stage']}) {', '.join(entry['failed_checks'])}"))
    for entry in diff["improved"]:
        st.success(esc(f"{entry['case']} ({entry['stage']})"))
