"""Incremental ingest: hash each source, skip what is unchanged, replace what changed, safely.

A source's hash covers its bytes and everything that shapes its chunks (kind, mapping, chunk
size), so re-ingesting unchanged files writes nothing. Chunks are identified by their own hash,
so a changed file only embeds the chunks that actually changed.
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
from assistant.knowledge.documents import DOCUMENT_SUFFIXES, read_document
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
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    chunks_written: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in ("added", "updated", "unchanged", "removed", "rejected", "skipped")
        } | {"chunks_written": self.chunks_written, "row_issues": len(self.issues)}

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "issues"}
        data["issues"] = [issue.__dict__ for issue in self.issues]
        return data


def file_hash(path: Path, salt: str) -> str:
    digest = hashlib.sha256(salt.encode())
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(paths: list[Path]) -> list[tuple[Path, str, str | None]]:
    """(file, source key, directory prefix it syncs) for every supported file under `paths`."""
    found: list[tuple[Path, str, str | None]] = []
    for root in paths:
        if not root.exists():
            raise IngestError("no such file or folder", source=str(root))
        if root.is_file():
            found.append((root, root.name, None))
            continue
        prefix = root.resolve().name
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if (
                not path.is_file()
                or any(p.startswith(".") for p in rel.parts)
                or path.stem.upper() == "README"
            ):
                continue
            if path.suffix.lower() in SUPPORTED:
                found.append((path, f"{prefix}/{rel.as_posix()}", prefix))
    return found


class Ingestor:
    _tick: Callable[[int], None] | None = None

    def __init__(self, store: KnowledgeStore, chunk_size: int = 400, chunk_overlap: int = 60):
        self.store = store
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap

    def ingest(
        self,
        paths: list[Path],
        *,
        kind: str | None = None,
        mapping: dict[str, str] | None = None,
        progress: Progress | None = None,
        prune: bool = True,
    ) -> IngestReport:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer") as self._writer:
            return self._ingest(paths, kind, mapping, progress, prune)

    def _ingest(
        self,
        paths: list[Path],
        kind: str | None,
        mapping: dict[str, str] | None,
        progress: Progress | None,
        prune: bool,
    ) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        files = discover(paths)
        known = self.store.source_records()
        seen: set[str] = set()
        prefixes = {prefix for _, _, prefix in files if prefix}
        for done, (path, source, _) in enumerate(files, start=1):
            seen.add(source)
            self._tick = (
                (lambda chunks, d=done - 1, s=source: progress(d, len(files), f"{s} · {chunks} chunks"))
                if progress
                else None
            )
            try:
                self._ingest_file(path, source, kind, mapping or {}, known.get(source), report)
            except IngestError as exc:
                report.rejected.append(source)
                report.errors.append(f"{source}: {exc}" if source not in str(exc) else str(exc))
            if progress:
                progress(done, len(files), source)
        if prune:
            for source in sorted(known):
                if source.split("/", 1)[0] in prefixes and "/" in source and source not in seen:
                    self.store.remove_source(source)
                    report.removed.append(source)
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_file(
        self,
        path: Path,
        source: str,
        kind: str | None,
        mapping: dict[str, str],
        previous: SourceRecord | None,
        report: IngestReport,
    ) -> None:
        with path.open("rb") as handle:
            head = handle.read(4096)
        if not head.strip():
            report.skipped.append(source)
            report.errors.append(f"{source}: empty file, skipped")
            return
        salt = f"{kind}|{sorted(mapping.items())}|{self.chunk_size}|{self.chunk_overlap}|v1"
        digest = file_hash(path, salt)
        if previous is not None and previous.hash == digest:
            if not previous.clean:  # an earlier run stopped between the switch and the clean-up
                self.store.finish(previous)
            report.unchanged.append(source)
            report.chunks_total += len(previous.chunk_ids)
            return
        issues: list[RowIssue] = []
        ids: list[str] = []
        title, doc_kind = path.stem, kind or "article"
        batch: list[tuple[Chunk, Product | None]] = []
        self._pending: list[Future[None]] = []
        for item in self._chunks(path, source, kind, mapping, issues):
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
        for future in self._pending:  # every chunk is stored before the source switches to them
            future.result()
        report.issues.extend(issues)
        if not ids:
            errors = [i for i in issues if i.severity == "error"]
            raise IngestError(
                f"nothing to ingest ({len(errors)} rejected rows)" if errors else "no content found",
                source=source,
            )
        unique_ids = list(dict.fromkeys(ids))
        self.store.activate(SourceRecord(source, digest, doc_kind, title, unique_ids, time.time()))
        (report.updated if previous else report.added).append(source)
        report.chunks_total += len(unique_ids)

    def _chunks(
        self, path: Path, source: str, kind: str | None, mapping: dict[str, str], issues: list[RowIssue]
    ) -> Iterator[tuple[str, str] | tuple[Chunk, Product | None]]:
        suffix = path.suffix.lower()
        if suffix in CATALOG_SUFFIXES and kind in (None, "product"):
            yield path.stem, "product"
            for product, row_issues in read_catalog(path, source, mapping):
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
