"""Incremental ingest: hash each source, skip what is unchanged, replace what changed, safely.

A source's hash covers its bytes and everything that shapes its chunks (kind, mapping, chunk
size), so re-ingesting unchanged files writes nothing. Chunks are identified by their own hash,
so a changed file only embeds the chunks that actually changed.

All or nothing per file, never stopping a folder: a file that fails (encoding, binary data, bad
front matter, missing columns, an undecodable byte at row 2,400) is a rejected line in the report,
the chunks it had written are deleted (its previous version stays), and the next file goes on;
pruning of a folder's vanished files still happens.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.knowledge.catalog import RowIssue, product_text, read_catalog
from assistant.knowledge.chunking import chunk_text
from assistant.knowledge.columns import ColumnMapping, check_given
from assistant.knowledge.documents import DOCUMENT_SUFFIXES, read_document
from assistant.knowledge.sources import Target, discover, legacy_key, save_upload
from assistant.models import Chunk, Product
from assistant.store import KnowledgeStore, SourceRecord, chunk_metadata
from assistant.tokenize import tokenize

CATALOG_SUFFIXES = (".csv", ".tsv", ".json", ".yaml", ".yml", ".xlsx")
SUPPORTED = CATALOG_SUFFIXES + DOCUMENT_SUFFIXES
_BATCH = 1000

Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)  # "faq.md → shop/faq.md": old bare-name keys
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    mappings: dict[str, ColumnMapping] = field(default_factory=dict)  # catalog source → columns used
    chunks_written: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in ("added", "updated", "unchanged", "removed", "migrated", "rejected", "skipped")
        } | {"chunks_written": self.chunks_written, "row_issues": len(self.issues)}

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("issues", "mappings")}
        data["issues"] = [issue.__dict__ for issue in self.issues]
        data["mappings"] = {source: m.model_dump() for source, m in self.mappings.items()}
        return data


def file_hash(path: Path, salt: str) -> str:
    digest = hashlib.sha256(salt.encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Ingestor:
    _tick: Callable[[int], None] | None = None

    def __init__(
        self, store: KnowledgeStore, chunk_size: int = 400, chunk_overlap: int = 60, usd_to_cny: float = 7.2
    ):
        self.store = store
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.usd_to_cny = usd_to_cny  # for catalogs whose price column is in USD

    def ingest(
        self,
        paths: list[Path],
        *,
        kind: str | None = None,
        mapping: dict[str, str] | None = None,
        progress: Progress | None = None,
        prune: bool = True,
    ) -> IngestReport:
        """Files and folders; a folder's sources that are gone are removed (`prune`)."""
        targets, missing = discover(paths, SUPPORTED)
        report = IngestReport()
        for path in missing:
            report.rejected.append(str(path))
            report.errors.append(f"{path}: no such file or folder")
        return self._run(targets, report, kind, mapping or {}, progress, prune)

    def ingest_uploads(
        self,
        uploads: list[tuple[str, bytes]],
        folder: Path,
        *,
        kind: str | None = None,
        mapping: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Uploaded (original name, content) pairs, saved under `folder`, keyed `uploads/NAME#HASH`."""
        targets = [save_upload(folder, name, data) for name, data in uploads]
        return self._run(targets, IngestReport(), kind, mapping or {}, progress, prune=False)

    def _run(
        self,
        targets: list[Target],
        report: IngestReport,
        kind: str | None,
        mapping: dict[str, str],
        progress: Progress | None,
        prune: bool,
    ) -> IngestReport:
        started = time.perf_counter()
        check_given(mapping)
        known = self.store.source_records()
        seen: set[str] = set()
        prefixes = {t.prefix for t in targets if t.prefix}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer") as self._writer:
            for done, target in enumerate(targets, start=1):
                source = target.source
                seen.add(source)
                self._tick = (
                    (lambda chunks, d=done - 1, s=source: progress(d, len(targets), f"{s} · {chunks} chunks"))
                    if progress
                    else None
                )
                try:
                    self._ingest_file(target.path, source, kind, mapping, known.get(source), report)
                except IngestError as exc:
                    report.rejected.append(source)
                    report.errors.append(f"{source}: {exc}" if source not in str(exc) else str(exc))
                else:
                    self._migrate(target, kind, mapping, known, report)
                if progress:
                    progress(done, len(targets), source)
        if prune:
            for source in sorted(known):
                if source.split("/", 1)[0] in prefixes and "/" in source and source not in seen:
                    self.store.remove_source(source)
                    report.removed.append(source)
        report.seconds = time.perf_counter() - started
        return report

    def _salt(self, kind: str | None, mapping: dict[str, str], version: str = "v2") -> str:
        parts = f"{kind}|{sorted(mapping.items())}|{self.chunk_size}|{self.chunk_overlap}"
        return f"{parts}|{version}" if version == "v1" else f"{parts}|{self.usd_to_cny}|{version}"

    def _migrate(
        self,
        target: Target,
        kind: str | None,
        mapping: dict[str, str],
        known: dict[str, SourceRecord],
        report: IngestReport,
    ) -> None:
        """Drop the record an older version keyed by the bare file name, now that the file has its
        path key: when it holds this file's content, or the file was named on its own."""
        old = legacy_key(target, known)
        if old is None:
            return
        same = known[old].hash == file_hash(target.path, self._salt(kind, mapping, "v1"))
        if same or target.prefix is None:
            self.store.remove_source(old)
            del known[old]
            report.migrated.append(f"{old} → {target.source}")

    def _ingest_file(
        self,
        path: Path,
        source: str,
        kind: str | None,
        mapping: dict[str, str],
        previous: SourceRecord | None,
        report: IngestReport,
    ) -> None:
        try:
            with path.open("rb") as handle:
                head = handle.read(4096)
            digest = file_hash(path, self._salt(kind, mapping))
        except OSError as exc:
            raise IngestError(f"cannot read the file: {exc.strerror}", source=source) from None
        if not head.strip():
            report.skipped.append(source)
            report.errors.append(f"{source}: empty file, skipped")
            return
        if previous is not None and previous.hash == digest:
            if not previous.clean:  # an earlier run stopped between the switch and the clean-up
                self.store.finish(previous)
            report.unchanged.append(source)
            report.chunks_total += len(previous.chunk_ids)
            return
        self._pending: list[Future[None]] = []
        try:
            title, doc_kind, ids, issues = self._write_file(path, source, kind, mapping, report)
        except IngestError:
            self._discard(source, previous)
            raise
        report.issues.extend(issues)
        unique_ids = list(dict.fromkeys(ids))
        self.store.activate(SourceRecord(source, digest, doc_kind, title, unique_ids, time.time()))
        (report.updated if previous else report.added).append(source)
        report.chunks_total += len(unique_ids)

    def _write_file(
        self, path: Path, source: str, kind: str | None, mapping: dict[str, str], report: IngestReport
    ) -> tuple[str, str, list[str], list[RowIssue]]:
        """Store every chunk of one file (not yet visible); its title, kind, chunk ids and row issues."""
        issues: list[RowIssue] = []
        ids: list[str] = []
        title, doc_kind = path.stem, kind or "article"
        batch: list[tuple[Chunk, Product | None]] = []
        try:
            for item in self._chunks(path, source, kind, mapping, issues, report):
                if isinstance(item, tuple) and isinstance(item[0], str):  # (title, kind) header
                    title, doc_kind = item  # type: ignore[misc]
                    continue
                batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= _BATCH:
                    ids.extend(self._write(batch, report))
                    batch = []
                    if self._tick:  # a long file reports as it goes
                        self._tick(len(ids))
            ids.extend(self._write(batch, report))
        except OSError as exc:  # the file vanished or became unreadable half-way
            raise IngestError(f"cannot read the file: {exc.strerror}", source=source) from None
        finally:
            for future in self._pending:  # every chunk is stored before the source switches to them
                future.result()
        if not ids:
            errors = [i for i in issues if i.severity == "error"]
            if errors:
                report.issues.extend(errors)
            raise IngestError(
                f"nothing to ingest ({len(errors)} rejected rows)" if errors else "no content found",
                source=source,
            )
        return title, doc_kind, ids, issues

    def _discard(self, source: str, previous: SourceRecord | None) -> None:
        """Delete what a failed attempt wrote: every chunk of `source` its previous version does not list."""
        self.store.collect_garbage(source, set(previous.chunk_ids) if previous else set())

    def _chunks(
        self,
        path: Path,
        source: str,
        kind: str | None,
        mapping: dict[str, str],
        issues: list[RowIssue],
        report: IngestReport,
    ) -> Iterator[tuple[str, str] | tuple[Chunk, Product | None]]:
        suffix = path.suffix.lower()
        if suffix in CATALOG_SUFFIXES and kind in (None, "product"):
            yield path.stem, "product"
            catalog = read_catalog(path, source, mapping, self.usd_to_cny)
            report.mappings[source] = catalog.mapping
            if catalog.mapping.currency == "USD":
                issues.append(
                    RowIssue(
                        source,
                        None,
                        "price",
                        f"the column {catalog.mapping.fields['price']!r} is in USD: prices converted at "
                        f"{self.usd_to_cny} CNY per USD (ASSISTANT_USD_TO_CNY)",
                        "warning",
                    )
                )
            for product, row_issues in catalog:
                issues.extend(row_issues)
                if product is None:
                    continue
                chunk = Chunk(
                    id="",
                    text=product_text(product),
                    source=source,
                    title=product.name,
                    heading=product.category,
                    kind="product",
                    product_id=product.id,
                    skin_types=product.skin_types,
                    concerns=product.concerns,
                    price=product.price,
                )
                yield chunk, product
            return
        if suffix not in DOCUMENT_SUFFIXES:
            raise IngestError(f"unsupported file type {suffix!r} for kind {kind!r}", source=source)
        try:
            document = read_document(path, kind)
        except IngestError as exc:
            raise IngestError(str(exc), source=source) from None
        yield document.title, document.kind
        issues.extend(RowIssue(source, None, name, problem, "warning") for name, problem in document.warnings)
        for section in document.sections:
            pieces = (
                [section.text]
                if document.kind == "faq"
                else chunk_text(section.text, self.chunk_size, self.chunk_overlap)
            )
            for piece in pieces:
                yield (
                    Chunk(
                        id="",
                        text=piece,
                        source=source,
                        title=document.title,
                        heading=section.heading,
                        kind=document.kind,
                        skin_types=document.skin_types,
                        concerns=document.concerns,
                    ),
                    None,
                )  # type: ignore[arg-type]

    def _write(self, batch: list[tuple[Chunk, Product | None]], report: IngestReport) -> list[str]:
        if not batch:
            return []
        source_key = hashlib.sha1(batch[0][0].source.encode()).hexdigest()[:8]
        ids, texts, metas = [], [], []
        for chunk, product in batch:
            body = f"{chunk.heading}\n{chunk.text}\n{product.model_dump_json() if product else ''}"
            chunk_hash = hashlib.sha1(body.encode()).hexdigest()[:16]
            chunk_id = f"{source_key}-{chunk_hash}"
            ids.append(chunk_id)
            texts.append(chunk.text)
            metas.append((chunk, product, chunk_hash))
        existing = self.store.existing_ids(ids)
        new = [(i, t, m) for i, t, m in zip(ids, texts, metas, strict=True) if i not in existing]
        new = list({i: (i, t, m) for i, t, m in new}.values())
        if new:
            search_texts = [f"{m[0].title} {m[0].heading}\n{t}" for _, t, m in new]
            metadatas = [
                chunk_metadata(m[0], tokenize(st), m[2], m[1])
                for (_, _, m), st in zip(new, search_texts, strict=True)
            ]
            vectors = self.store.embedder.embed_documents(search_texts)
            while len(self._pending) >= 2:  # bounded: at most two batches wait for the store
                self._pending.pop(0).result()
            # the store writes this batch while the next one is tokenized and embedded
            self._pending.append(
                self._writer.submit(
                    self.store.add_chunks, [i for i, _, _ in new], [t for _, t, _ in new], metadatas, vectors
                )
            )
            report.chunks_written += len(new)
        return ids
