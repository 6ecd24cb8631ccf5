"""`assistant kb …`: build and maintain the knowledge base."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.app import friendly
from assistant.cli.terminal import echo_json
from assistant.errors import InputError
from assistant.knowledge.base import KnowledgeBase
from assistant.retrieval import Filters
from assistant.settings import load_settings

app = typer.Typer(
    help="Build and maintain the knowledge base (catalogs, articles, FAQs).", no_args_is_help=True
)
KINDS = ("product", "article", "faq")


def _kb() -> KnowledgeBase:
    return KnowledgeBase.open(load_settings(ASSISTANT_ENGINE="offline", ASSISTANT_ANALYZER="rules"))


def _mapping(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InputError(f"--map {item!r} must look like field=column, e.g. name=product_name")
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
@friendly
def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders: CSV/JSON/YAML/XLSX catalogs, MD/TXT/HTML/PDF/DOCX articles and FAQs."
    ),
    kind: str | None = typer.Option(None, help="product, article or faq (default: from the file)."),
    map_: list[str] = typer.Option(
        [],
        "--map",
        help="Catalog column mapping field=column, e.g. --map name=product_name --map price=price_usd.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Add or update sources; unchanged files are skipped, changed ones replace only their own chunks."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"--kind must be one of {', '.join(KINDS)}")
    mapping = _mapping(map_)
    kb = _kb()
    with typer.progressbar(
        length=1, label="ingesting", file=None if not as_json else open("/dev/null", "w")
    ) as bar:

        def progress(done: int, total: int, source: str) -> None:
            bar.length = total
            bar.label = source[-50:]
            bar.update(done - bar.pos)

        report = kb.ingestor().ingest(paths, kind=kind, mapping=mapping, progress=progress)
    if as_json:
        echo_json(report.to_dict())
    else:
        summary = report.summary()
        typer.echo(" · ".join(f"{k} {v}" for k, v in summary.items()) + f" · {report.seconds:.1f}s")
        for source, columns in report.mappings.items():
            typer.echo(f"  columns of {source}: {columns.describe()}")
        for line in report.migrated:
            typer.echo(f"  re-keyed by its path: {line}")
        for error in report.errors:
            typer.echo(f"  {error}", err=True)
        for issue in report.issues[:50]:
            typer.echo(f"  {issue.severity}: {issue}", err=True)
        if len(report.issues) > 50:
            typer.echo(f"  … and {len(report.issues) - 50} more row issues (use --json for all)", err=True)
    if report.rejected:
        raise typer.Exit(1)


@app.command()
@friendly
def search(
    query: str = typer.Argument(...),
    k: int = typer.Option(5, "--k", min=1, max=50),
    kind: str | None = typer.Option(None, help="product, article or faq"),
    mode: str = typer.Option("hybrid", help="hybrid, vector or bm25"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hit test: the chunks a query retrieves and why: fused score, vector rank and similarity, BM25 rank,
    score and matched terms, and the concern/skin-type tags that boosted it."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"--kind must be one of {', '.join(KINDS)}")
    if mode not in ("hybrid", "vector", "bm25"):
        raise InputError("--mode must be hybrid, vector or bm25")
    kb = _kb()
    kb.ensure_demo()
    hits = kb.search(query, k=k, filters=Filters(kind=kind), mode=mode)
    if as_json:
        echo_json([h.model_dump() for h in hits])
        return
    if not hits:
        typer.echo("no hits")
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        vec = f"vec#{hit.vector_rank} {hit.vector_score:.3f}" if hit.vector_rank else "vec#-"
        bm25 = f"bm25#{hit.bm25_rank} {hit.bm25_score:.2f}" if hit.bm25_rank else "bm25#-"
        typer.echo(f"{n}. {hit.score:.4f} {vec} {bm25} [{c.kind}] {c.source} · {c.heading or c.title}")
        tags = f"  tags: {', '.join(hit.tags)} (+{hit.tag_boost:.4f})" if hit.tags else ""
        typer.echo(f"   terms: {', '.join(hit.matched_terms) or '-'}{tags}  id: {c.id}")
        typer.echo("   " + c.text[:120].replace("\n", " "))


@app.command()
@friendly
def stats(as_json: bool = typer.Option(False, "--json")) -> None:
    """What is in the store: sources by kind, chunks, products, embedder."""
    data = _kb().stats()
    if as_json:
        echo_json(data)
        return
    typer.echo(f"store: {data['store']} · collection {data['collection']} · embedder {data['embedder']}")
    typer.echo(f"sources {data['sources']} · chunks {data['chunks']} · products {data['products']}")
    for kind, count in data["by_kind"].items():
        typer.echo(f"  {kind}: {count} sources")
    for row in data["source_list"]:
        typer.echo(f"  {row['source']}  [{row['kind']}] {row['chunks']} chunks · updated {row['updated']}")


@app.command()
@friendly
def remove(source: str = typer.Argument(..., help="The source as `kb stats` lists it.")) -> None:
    """Delete one source and its chunks."""
    if not _kb().remove_source(source):
        raise InputError(f"no source {source!r}; see `assistant kb stats` for the list")
    typer.echo(f"removed {source}")


@app.command()
@friendly
def reset(yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")) -> None:
    """Delete everything in the knowledge store."""
    if not yes and not typer.confirm("Delete every source and chunk of the knowledge store?"):
        raise typer.Exit(1)
    from assistant.knowledge.demo import forget_demo_knowledge

    kb = _kb()
    kb.store.reset()
    forget_demo_knowledge(kb.settings)
    typer.echo("knowledge store reset")
