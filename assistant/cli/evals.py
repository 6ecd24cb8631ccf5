"""`assistant eval …`: run eval suites, compare runs, export the schema."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from assistant.cli.app import friendly
from assistant.cli.terminal import echo_json
from assistant.evals.report import compare, history, load_run
from assistant.evals.runner import RunOptions
from assistant.evals.session import failure_line, run_and_save, threshold_line
from assistant.evals.suite import json_schema, load_suite, suite_paths
from assistant.settings import load_settings

app = typer.Typer(help="Run eval suites on script quality and compare runs.", no_args_is_help=True)


@app.command("run")
@friendly
def run(
    suites: list[Path] = typer.Argument(..., help="Suite files or folders of suites (evals/)."),
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, max=64),
    repeat: int = typer.Option(
        1, "--repeat", min=1, max=20, help="Run every case N times: pass^N and flaky cases."
    ),
    out: Path | None = typer.Option(None, "--out", help="Also write results.json and summary.md here."),
    judge: bool | None = typer.Option(
        None, "--judge/--no-judge", help="LLM judge (default: when an LLM is configured)."
    ),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse cached LLM answers of earlier runs."),
    as_json: bool = typer.Option(False, "--json", help="Print the results object."),
) -> None:
    """Run suites; exit 0 when every threshold holds, 1 when one does not, 2 when a suite is invalid."""
    settings = load_settings()
    loaded = [
        load_suite(path) for path in suite_paths(suites)
    ]  # every file is validated before anything runs
    with typer.progressbar(
        length=sum(len(s.cases) for s in loaded) * repeat,
        label="cases",
        file=None if not as_json else open("/dev/null", "w"),
    ) as bar:
        done = run_and_save(
            loaded,
            settings,
            RunOptions(concurrency, repeat, judge, cache),
            lambda done, total, _: bar.update(1),
            out,
        )
    results = done.results
    if as_json:
        echo_json(results)
    else:
        for suite in results["suites"]:
            typer.echo(threshold_line(suite))
        failing = [c for c in results["cases"] if not c["passed"]]
        for case in failing[:30]:
            typer.echo(f"  ✗ {failure_line(case)}")
        if len(failing) > 30:
            typer.echo(f"  … {len(failing) - 30} more in {done.folder / 'summary.md'}")
        typer.echo(f"{len(done.runs)} case runs in {results['seconds']:.1f}s · results {done.folder}")
    raise typer.Exit(0 if results["passed"] else 1)


@app.command("compare")
@friendly
def compare_runs(
    run_a: str = typer.Argument(..., help="run id, folder or results.json"),
    run_b: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Per-metric deltas from RUN_A to RUN_B and the cases that regressed or improved."""
    settings = load_settings()
    diff = compare(load_run(run_a, settings.data_dir), load_run(run_b, settings.data_dir))
    if as_json:
        echo_json(diff)
        return
    typer.echo(f"{diff['a']} → {diff['b']}")
    for name, d in diff["metrics"].items():
        if d["delta"]:
            typer.echo(f"  {name}: {d['a']} → {d['b']} ({d['delta']:+})")
    for label in ("regressed", "improved"):
        typer.echo(f"{label}: {len(diff[label])}")
        for entry in diff[label]:
            typer.echo(f"  {entry['case']} ({entry['stage']}) {', '.join(entry['failed_checks'])}")


@app.command("history")
@friendly
def run_history(as_json: bool = typer.Option(False, "--json")) -> None:
    """Past runs in the data directory, newest first."""
    rows = history(load_settings().data_dir)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        typer.echo(
            f"{row['run_id']}  {row['created']}  {'passed' if row['passed'] else 'FAILED'}  cases {row['cases']}  "
            f"pass {row['pass_rate']}  stage {row['stage_accuracy']}  {', '.join(row['suites'])}"
        )


@app.command("schema")
def schema(out: Path | None = typer.Option(None, "--out", help="Write here instead of printing.")) -> None:
    """The JSON schema of suite files, for editors (evals/suite.schema.json)."""
    text = json.dumps(json_schema(), ensure_ascii=False, indent=2)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@app.command("export")
@friendly
def export_cases(
    draft_ids: list[int] = typer.Argument(
        None, help="Draft ids from the review log (default: every approved or edited draft)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write a suite file here (appends cases when it exists)."
    ),
    suite_name: str = typer.Option("from-review", "--suite", help="Suite name for a new file."),
) -> None:
    """Turn approved or edited drafts of the review log into eval cases (the suite format)."""
    import yaml

    from assistant.reviewlog import ReviewLog

    log = ReviewLog.open(load_settings())
    ids = draft_ids or [d["id"] for d in log.drafts() if d["decision"] in ("approved", "edited")]
    cases = [log.to_eval_case(i) for i in ids]
    suite = {"suite": suite_name, "description": "Cases exported from the review log", "cases": cases}
    if out and out.exists():
        suite = yaml.safe_load(out.read_text(encoding="utf-8"))
        known = {c["id"] for c in suite.get("cases", [])}
        suite.setdefault("cases", []).extend(c for c in cases if c["id"] not in known)
    text = yaml.safe_dump(suite, allow_unicode=True, sort_keys=False)
    if out:
        out.write_text(text, encoding="utf-8")
        load_suite(out)  # what was written is a valid suite
        typer.echo(f"{len(cases)} case(s) → {out}")
    else:
        typer.echo(text)
