"""Which catalog column feeds each canonical field: given with `--map field=column`, or guessed from
common Chinese and English headers (名称/商品名/品名, 价格/售价/单价, 肤质, 功效, name/title,
price/price_usd …; `assistant/lexicons/catalog_columns.yaml`).

`guess_mapping(headers)` is what the console shows for confirmation before an ingest and what
`assistant kb ingest` prints: the columns used, the ones left out, the required ones not found.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from assistant.errors import InputError
from assistant.lexicon import LEXICON_DIR

FIELDS = (
    "id",
    "name",
    "name_en",
    "aliases",
    "category",
    "price",
    "size",
    "skin_types",
    "concerns",
    "key_ingredients",
    "description",
    "usage",
    "cautions",
)
REQUIRED = ("name", "price")  # an id is derived from the name when a catalog has none
_UNIT = re.compile(r"\s*[(\[（【][^)\]）】]*[)\]）】]\s*$")
_SEPARATORS = re.compile(r"[\s_\-./:：、*]+")
_USD = re.compile(r"usd|us\$|\$|dollar|美元|美金", re.I)


class ColumnMapping(BaseModel):
    """The column behind each canonical field, in canonical order, and how it was found."""

    fields: dict[str, str] = Field(default_factory=dict, description="canonical field → header")
    how: dict[str, Literal["given", "guessed"]] = Field(default_factory=dict)
    unmapped: list[str] = Field(default_factory=list, description="headers no field uses")
    missing: list[str] = Field(default_factory=list, description="required fields with no column")
    currency: Literal["CNY", "USD"] = Field("CNY", description="USD when the price header says so")
    notes: list[str] = Field(default_factory=list)

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        """A raw row keyed by header → the same row keyed by canonical field."""
        return {field: row[header] for field, header in self.fields.items() if header in row}

    def describe(self) -> str:
        """'name ← 名称 · price ← 价格 · … (unmapped: 备注)', for the CLI and logs."""
        used = " · ".join(
            f"{field} ← {header}" if field != header else field for field, header in self.fields.items()
        )
        extra = f" (unmapped: {', '.join(self.unmapped)})" if self.unmapped else ""
        return used + extra

    def missing_message(self, headers: Sequence[str]) -> str:
        hint = " ".join(f"--map {field}=COLUMN" for field in self.missing)
        return (
            f"cannot find a column for {', '.join(self.missing)}; the columns are: "
            f"{', '.join(headers) or '(none)'}; name them with {hint}"
        )


@cache
def _synonyms() -> dict[str, list[str]]:
    data = yaml.safe_load((LEXICON_DIR / "catalog_columns.yaml").read_text(encoding="utf-8"))
    return {field: [normalize_header(p) for p in data.get(field, [])] for field in FIELDS}


def normalize_header(header: Any) -> str:
    """'价格(元)' → '价格', 'Price_USD' → 'price usd', ' Skin-Type* ' → 'skin type'."""
    text = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    text = _UNIT.sub("", text) or text
    return " ".join(p for p in _SEPARATORS.split(text) if p)


def _contains(header: str, phrase: str) -> bool:
    if phrase.isascii():
        return f" {phrase} " in f" {header} "
    return phrase.replace(" ", "") in header.replace(" ", "")


def _score(header: str, field: str) -> tuple[int, int] | None:
    """(kind, -rank): 3 the field's own name, 2 an exact phrase, 1 a contained phrase; None."""
    if header == normalize_header(field):
        return 3, 0
    phrases = _synonyms()[field]
    for rank, phrase in enumerate(phrases):
        if header == phrase:
            return 2, -rank
    contained = [(len(p), -rank) for rank, p in enumerate(phrases) if _contains(header, p)]
    return (1, max(contained)[0]) if contained else None


def check_given(given: dict[str, str]) -> dict[str, str]:
    """`given` itself; InputError naming a field that does not exist and the closest one that does."""
    for field in given:
        if field not in FIELDS:
            close = difflib.get_close_matches(field, FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"--map {field}=…: unknown field {field!r}{hint}; fields: {', '.join(FIELDS)}")
    return given


def guess_mapping(headers: Sequence[str], given: dict[str, str] | None = None) -> ColumnMapping:
    """The column for each canonical field: `given` first (field → column), then the best guess.

    Each header feeds at most one field. InputError when `given` names a field that does not exist."""
    given = check_given(given or {})
    mapping = ColumnMapping()
    present = [str(h) for h in headers if str(h or "").strip()]
    by_norm = {normalize_header(h): h for h in reversed(present)}  # the first of equal headers wins
    taken: set[str] = set()
    chosen: dict[str, str] = {}
    for field, column in given.items():
        header = column if column in present else by_norm.get(normalize_header(column))
        if header is None:
            mapping.notes.append(f"--map {field}={column}: no such column here; guessed instead")
            continue
        chosen[field] = header
        mapping.how[field] = "given"
        taken.add(header)
    candidates = sorted(
        (
            (score, field, header)
            for header in present
            if header not in taken
            for field in FIELDS
            if field not in chosen and (score := _score(normalize_header(header), field))
        ),
        key=lambda c: (c[0], -FIELDS.index(c[1])),
        reverse=True,
    )
    for _, field, header in candidates:
        if field in chosen or header in taken:
            continue
        chosen[field] = header
        mapping.how[field] = "guessed"
        taken.add(header)
    mapping.fields = {field: chosen[field] for field in FIELDS if field in chosen}
    mapping.unmapped = [h for h in present if h not in taken]
    mapping.missing = [field for field in REQUIRED if field not in chosen]
    if "price" in chosen and _USD.search(chosen["price"]):
        mapping.currency = "USD"
    return mapping
