"""Raw catalog rows: the headers, then (row number, {header: value}) from CSV/TSV, JSON, YAML and XLSX.

CSV and XLSX are streamed. A CSV record is checked on its own: a quote opened and never closed
would swallow the rows after it, so such a record is reported as a row error and the lines it
took are read again as rows of their own; a field over the size limit rejects only its row. A row
the reader cannot use is yielded as {"__error__": message}. Problems of the whole file (encoding,
binary data, unparseable JSON/YAML, an undecodable byte at any row) raise IngestError.
"""

from __future__ import annotations

import csv
import json
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import yaml

from assistant.errors import IngestError, InputError
from assistant.textio import (
    detect_encoding,
    open_text,
    read_text,
    undecodable_at,
    undecodable_message,
    yaml_error,
)

MAX_FIELD_CHARS = 20_000  # a longer catalog field rejects its row
_CSV_FIELD_LIMIT = 1 << 20  # how far an unclosed quote may run before the csv module gives up

Rows = Iterator[tuple[int, dict[str, Any]]]


class _Lines:
    """The physical lines of a text file, numbered, with the lines of the current record kept so
    they can be read again."""

    def __init__(self, handle: TextIO):
        self.handle = handle
        self.pushed: deque[str] = deque()
        self.number = 0  # of the last line handed out
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.pushed.popleft() if self.pushed else next(self.handle)
        self.number += 1
        self.taken.append(line)
        return line

    def start(self) -> int:
        """The number of the first line of the record read last."""
        return self.number - len(self.taken) + 1

    def reread_after_first(self) -> None:
        """Read the current record's lines again, except its first."""
        again = self.taken[1:]
        self.pushed.extendleft(reversed(again))
        self.number -= len(again)


def _swallowed(lines: list[str], width: int, delimiter: str) -> bool:
    """A multi-line record whose later lines look like rows of their own: an unclosed quote."""
    return any(
        len(cells) == width and cells[0].strip() for cells in csv.reader(lines[1:], delimiter=delimiter)
    )


def _csv_rows(path: Path, source: str, delimiter: str) -> tuple[list[str], Rows]:
    encoding = detect_encoding(path)
    handle = open_text(path, encoding)
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    lines = _Lines(handle)

    def decoded(text: str, row: int) -> None:
        index = undecodable_at(text)
        if index is not None:
            raise IngestError(undecodable_message(text, index, encoding), source=source, row=row)

    try:
        header = next(csv.reader(lines, delimiter=delimiter), None)
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise IngestError(f"cannot read the header: {exc}", source=source, row=1) from None
    header = [h.strip().lstrip("\ufeff") for h in header or []]
    decoded("".join(header), 1)

    def rows() -> Rows:
        reader = csv.reader(lines, delimiter=delimiter)
        with handle:
            while True:
                lines.taken = []
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except UnicodeDecodeError as exc:
                    raise IngestError(
                        f"{exc.reason} ({encoding}); save the file as UTF-8", source=source, row=lines.number
                    ) from None
                except csv.Error as exc:  # a field past the csv module's limit: an unclosed quote
                    row = lines.start()
                    decoded("".join(lines.taken[:1]), row)
                    yield row, {"__error__": f"unreadable record ({exc}); a quote may be left open"}
                    lines.reread_after_first()
                    reader = csv.reader(lines, delimiter=delimiter)
                    continue
                row = lines.start()
                decoded("".join(lines.taken), row)
                if not any(cell.strip() for cell in cells):
                    continue
                if len(lines.taken) > 1 and (
                    len(cells) != len(header) or _swallowed(lines.taken, len(header), delimiter)
                ):
                    yield (
                        row,
                        {
                            "__error__": f"a quote opened in this row is not closed (it runs to row {lines.number}); "
                            "the rows after it are read on their own"
                        },
                    )
                    lines.reread_after_first()
                    reader = csv.reader(lines, delimiter=delimiter)
                    continue
                if len(cells) > len(header):
                    extra = len(cells) - len(header)
                    yield row, {"__error__": f"{extra} more cells than the header has"}
                    continue
                yield row, dict(zip(header, cells, strict=False))

    return header, rows()


def _document_rows(path: Path, source: str) -> tuple[list[str], Rows]:
    try:
        text = read_text(path)
    except InputError as exc:
        raise IngestError(str(exc), source=source) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise IngestError(
            f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source
        ) from None
    except yaml.YAMLError as exc:
        raise IngestError(f"not valid YAML: {yaml_error(exc)}", source=source) from None
    if isinstance(data, dict):
        data = data.get("products", data.get("items"))
    if not isinstance(data, list):
        raise IngestError("expected a list of products (or {products: [...]})", source=source)
    headers = list(dict.fromkeys(str(k) for item in data if isinstance(item, dict) for k in item))

    def rows() -> Rows:
        for i, item in enumerate(data, start=1):
            if isinstance(item, dict):
                yield i, {str(k): v for k, v in item.items()}
            else:
                yield i, {"__error__": "not an object"}

    return headers, rows()


def _xlsx_rows(path: Path, source: str) -> tuple[list[str], Rows]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).active
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException on corrupt files
        raise IngestError(f"cannot open the workbook: {exc}", source=source) from exc
    values = sheet.iter_rows(values_only=True)
    header = [str(h if h is not None else "").strip() for h in next(values, [])]

    def rows() -> Rows:
        for i, cells in enumerate(values, start=2):
            if any(v is not None for v in cells):
                yield i, dict(zip(header, cells, strict=False))

    return header, rows()


def open_rows(path: Path, source: str) -> tuple[list[str], Rows]:
    """The headers and the rows of a catalog file; IngestError when the file cannot be read."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            return _csv_rows(path, source, "\t" if suffix == ".tsv" else ",")
        if suffix in (".json", ".yaml", ".yml"):
            return _document_rows(path, source)
    except InputError as exc:
        raise IngestError(str(exc), source=source) from None
    if suffix == ".xlsx":
        return _xlsx_rows(path, source)
    raise IngestError(f"unsupported catalog format {suffix!r}", source=source)


def read_headers(path: Path) -> list[str]:
    """The column headers of a catalog file (for the console's mapping screen)."""
    return open_rows(path, path.name)[0]
