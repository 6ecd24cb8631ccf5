"""Product catalogs (CSV, JSON, YAML, XLSX) read row by row into Products, through a column mapping.

Canonical columns: id, name, category, price, skin_types, concerns, key_ingredients, description,
usage, cautions (plus optional name_en, aliases, size), found by `columns.guess_mapping` or given.
Lists are `;`-separated. A bad field rejects its row (reported with the row number and field), a
duplicate id rejects the later row naming the first; unknown vocabulary is reported and the rest
kept. Problems of the whole file raise IngestError before or while rows are read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.analysis.profile import normalize_term
from assistant.errors import IngestError
from assistant.knowledge.columns import FIELDS, ColumnMapping, guess_mapping
from assistant.knowledge.prices import parse_price
from assistant.knowledge.rows import MAX_FIELD_CHARS, open_rows
from assistant.lexicon import contains, lexicons
from assistant.models import CAUTIONS, VOCAB_ZH, Product

REQUIRED = ("id", "name", "price")
_BULLET = re.compile(r"(?:^|(?<=\s))[-•·*▪]+\s*(?=\S)")  # "-Niacinamide: …" starts an item
_LABEL = re.compile(r"([^:：]{1,80}?)\s*[:：]\s*\S")  # "Niacinamide: Reduces …" → Niacinamide
LIST_FIELDS = ("aliases", "skin_types", "concerns", "key_ingredients", "cautions")
_CAUTION_SYNONYMS = {
    "孕期慎用": "pregnancy",
    "孕妇慎用": "pregnancy",
    "孕期": "pregnancy",
    "含香精": "fragrance",
    "香精": "fragrance",
    "含酒精": "alcohol",
    "酒精": "alcohol",
    "含酸": "acids",
    "刷酸": "acids",
    "视黄醇": "retinoid",
    "a醇": "retinoid",
}
_PARTS = re.compile(r"\s+and\s+|/|&|\.\s*|\+", re.I)
_SKIN_WORDS = {
    "all": ["dry", "oily", "combination", "normal", "sensitive"],
    "所有肤质": ["dry", "oily", "combination", "normal", "sensitive"],
}


@dataclass
class RowIssue:
    source: str
    row: int | None  # None: the file's front matter or header, not a row
    field: str
    message: str
    severity: str = "error"  # error: row rejected; warning: row kept

    def __str__(self) -> str:
        row = f", row {self.row}" if self.row is not None else ""
        return f"{self.source}{row}, field {self.field!r}: {self.message}"


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"[;；|]|,\s*(?:and\s+)?|、|，", str(value)) if p.strip()]


def split_ingredients(value: Any) -> list[str]:
    """Key ingredients: a plain list, or a highlight list whose items are 'name: what it does'
    ("-Niacinamide: Reduces the look of dark spots. -Kojic Acid: …", 「烟酰胺：提亮；积雪草：舒缓」)
    → the names alone (the explanations, commas and all, are not ingredients)."""
    if value is None or isinstance(value, list):
        return split_list(value)
    text = str(value).strip()
    if _BULLET.match(text):  # a dash inside an explanation ("C12 -14 Olefin") starts no item
        items: list[str] = []
        for piece in (p.strip() for p in _BULLET.split(text) if p.strip()):
            if items and not _LABEL.match(piece):
                items[-1] += f" -{piece}"
            else:
                items.append(piece)
    else:
        items = [p.strip() for p in re.split(r"[;；|\n]", text) if p.strip()]
    labels = [_LABEL.match(item) for item in items]
    if items and all(labels):
        return [m.group(1).strip() for m in labels if m]
    return split_list(value)


def normalize_vocab(values: list[str], kind: str, issues: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        low = value.strip().lower()
        if kind == "skin_types" and low in _SKIN_WORDS:
            out.extend(_SKIN_WORDS[low])
            continue
        if kind == "cautions":
            term = _CAUTION_SYNONYMS.get(low, low)
            if term in CAUTIONS:
                out.append(term)
            else:
                issues.append(f"unknown caution {value!r} (known: {', '.join(CAUTIONS)})")
            continue
        found = _normalize_loosely(value, kind)
        if found:
            out.extend(found)
        else:
            issues.append(f"unknown {kind[:-1].replace('_', ' ')} {value!r}; kept the product without it")
    return list(dict.fromkeys(out))


def _normalize_loosely(value: str, kind: str) -> list[str]:
    """`Fine Lines and Wrinkles` → anti-aging, `Normal and Dry` → normal, dry, `大油皮` → oily."""
    for candidate in ([value], [p for p in _PARTS.split(value) if p.strip()]):
        try:
            return [normalize_term(part, kind) for part in candidate]
        except ValueError:
            continue
    found: list[str] = []
    for lex in lexicons():
        for ident, phrases in getattr(lex, kind).items():
            if (
                contains(value, phrases, lex) or re.search(rf"\b{re.escape(ident)}\b", value, re.I)
            ) and ident not in found:
                found.append(ident)
    return found


def product_from_row(
    row: dict[str, Any], source: str, line: int, currency: str = "CNY", usd_to_cny: float = 7.2
) -> tuple[Product | None, list[RowIssue]]:
    """A Product from one mapped row, or None with the reasons; warnings for unknown vocabulary."""
    issues: list[RowIssue] = []
    long = [f for f in FIELDS if isinstance(row.get(f), str) and len(row[f]) > MAX_FIELD_CHARS]
    if long:
        return None, [
            RowIssue(source, line, f, f"{len(row[f]):,} characters, over the limit of {MAX_FIELD_CHARS:,}")
            for f in long
        ]
    if "id" not in row and str(row.get("name") or "").strip():  # a catalog without ids: derive stable ones
        row = {**row, "id": "P-" + hashlib.sha1(str(row["name"]).strip().encode()).hexdigest()[:10]}
    missing = [f for f in REQUIRED if not str(row.get(f) if row.get(f) is not None else "").strip()]
    if missing:
        return None, [RowIssue(source, line, f, "required value is missing") for f in missing]
    try:
        price = parse_price(row["price"], currency, usd_to_cny)
    except ValueError as exc:
        return None, [RowIssue(source, line, "price", str(exc))]
    data: dict[str, Any] = {f: str(row.get(f) or "").strip() for f in FIELDS if f not in LIST_FIELDS}
    data["price"] = price
    data["category"] = data.get("category") or "other"
    for field in LIST_FIELDS:
        values = (
            split_ingredients(row.get(field)) if field == "key_ingredients" else split_list(row.get(field))
        )
        if field in ("skin_types", "concerns", "cautions"):
            problems: list[str] = []
            values = normalize_vocab(values, field, problems)
            issues.extend(RowIssue(source, line, field, p, "warning") for p in problems)
        data[field] = values
    for optional in ("name_en", "size"):
        data[optional] = data.get(optional) or None
    return Product(**data), issues


class Catalog:
    """One catalog file: its column mapping, known before any row is read, and its products.

    IngestError when the required columns cannot be found (naming them and the columns seen)."""

    def __init__(self, path: Path, source: str, given: dict[str, str] | None = None, usd_to_cny: float = 7.2):
        self.source = source
        self.usd_to_cny = usd_to_cny
        self.headers, self._rows = open_rows(path, source)
        self.mapping: ColumnMapping = guess_mapping(self.headers, given)
        if self.mapping.missing:
            raise IngestError(self.mapping.missing_message(self.headers), source=source)

    def __iter__(self) -> Iterator[tuple[Product | None, list[RowIssue]]]:
        first_row: dict[str, int] = {}
        for line, raw in self._rows:
            if "__error__" in raw:
                yield None, [RowIssue(self.source, line, "*", raw["__error__"])]
                continue
            row = self.mapping.apply(raw)
            product, issues = product_from_row(row, self.source, line, self.mapping.currency, self.usd_to_cny)
            if product is not None and first_row.setdefault(product.id, line) != line:
                first = first_row[product.id]
                if "id" in row:
                    message = f"duplicate id {product.id!r}: row {first} has it too; this row is rejected"
                else:  # ids derived from names
                    message = f"duplicate product: row {first} has the same name; this row is rejected"
                yield None, [RowIssue(self.source, line, "id" if "id" in row else "name", message)]
                continue
            yield product, issues


def read_catalog(
    path: Path, source: str, mapping: dict[str, str] | None = None, usd_to_cny: float = 7.2
) -> Catalog:
    return Catalog(path, source, mapping, usd_to_cny)


def product_text(product: Product) -> str:
    """The product as one searchable chunk."""
    parts = [product.name + (f"（{product.name_en}）" if product.name_en else "")]
    if product.aliases:
        parts.append("别名：" + "、".join(product.aliases))
    parts.append(
        f"品类：{product.category}；价格：¥{product.price:g}" + (f"/{product.size}" if product.size else "")
    )
    parts.append("适合肤质：" + "、".join(f"{VOCAB_ZH.get(s, s)}({s})" for s in product.skin_types))
    parts.append("针对：" + "、".join(f"{VOCAB_ZH.get(c, c)}({c})" for c in product.concerns))
    if product.key_ingredients:
        parts.append("核心成分：" + "、".join(product.key_ingredients))
    for label, value in (("介绍", product.description), ("用法", product.usage)):
        if value:
            parts.append(f"{label}：{value}")
    if product.cautions:
        parts.append("注意：" + "、".join(VOCAB_ZH.get(c, c) for c in product.cautions))
    return "\n".join(parts)
