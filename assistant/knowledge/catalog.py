"""Product catalogs (CSV, JSON, YAML, XLSX) read row by row into Products, with a column mapping.

Canonical columns: id, name, category, price, skin_types, concerns, key_ingredients, description,
usage, cautions (plus optional name_en, aliases, size). Lists are `;`-separated. Bad rows are
reported with their row number and skipped; unknown vocabulary is reported and the rest kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.analysis.profile import normalize_term
from assistant.errors import IngestError
from assistant.lexicon import contains, lexicons
from assistant.models import CAUTIONS, VOCAB_ZH, Product

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
REQUIRED = ("id", "name", "price")
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
    row: int
    field: str
    message: str
    severity: str = "error"  # error: row rejected; warning: row kept

    def __str__(self) -> str:
        return f"{self.source}, row {self.row}, field {self.field!r}: {self.message}"


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"[;；|]|,\s*(?:and\s+)?|、|，", str(value)) if p.strip()]


def parse_price(value: Any) -> float:
    text = (
        str(value)
        .replace(",", "")
        .replace("¥", "")
        .replace("￥", "")
        .replace("$", "")
        .replace("元", "")
        .strip()
    )
    match = re.search(r"\d+(?:\.\d+)?", text)
    if not match:
        raise ValueError(f"not a price: {value!r}")
    return float(match.group(0))


def _vocab(values: list[str], kind: str, issues: list[str]) -> list[str]:
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


def product_from_row(row: dict[str, Any], source: str, line: int) -> tuple[Product | None, list[RowIssue]]:
    """A Product from one mapped row, or None with the reasons; warnings for unknown vocabulary."""
    issues: list[RowIssue] = []
    if "id" not in row and str(row.get("name") or "").strip():  # a catalog without ids: derive stable ones
        row = {**row, "id": "P-" + hashlib.sha1(str(row["name"]).strip().encode()).hexdigest()[:10]}
    missing = [f for f in REQUIRED if not str(row.get(f) or "").strip()]
    if missing:
        return None, [RowIssue(source, line, f, "required value is missing") for f in missing]
    try:
        price = parse_price(row["price"])
    except ValueError as exc:
        return None, [RowIssue(source, line, "price", str(exc))]
    data: dict[str, Any] = {f: str(row.get(f) or "").strip() for f in FIELDS if f not in LIST_FIELDS}
    data["price"] = price
    data["category"] = data.get("category") or "other"
    for field in LIST_FIELDS:
        values = split_list(row.get(field))
        if field in ("skin_types", "concerns", "cautions"):
            problems: list[str] = []
            values = _vocab(values, field, problems)
            issues.extend(RowIssue(source, line, field, p, "warning") for p in problems)
        data[field] = values
    for optional in ("name_en", "size"):
        data[optional] = data.get(optional) or None
    return Product(**data), issues


def _mapped(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Canonical field -> value, through `mapping` (field=column) then same-named columns."""
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    out = {}
    for field in FIELDS:
        column = mapping.get(field, field).strip().lower()
        if column in lowered:
            out[field] = lowered[column]
    return out


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw row) from a catalog file, streaming for CSV and XLSX."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ",")
            if not reader.fieldnames:
                return
            try:
                for row in reader:
                    if None in row:  # more cells than headers
                        yield (
                            reader.line_num,
                            {"__error__": f"{len(row[None])} more cells than the header has"},
                        )
                        continue
                    yield reader.line_num, row
            except csv.Error as exc:
                raise IngestError(f"malformed CSV: {exc}", source=path.name, row=reader.line_num) from exc
    elif suffix in (".json", ".yaml", ".yml"):
        text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise IngestError(f"cannot parse: {exc}", source=path.name) from exc
        if isinstance(data, dict):
            data = data.get("products", data.get("items"))
        if not isinstance(data, list):
            raise IngestError("expected a list of products (or {products: [...]})", source=path.name)
        for i, item in enumerate(data, start=1):
            yield i, item if isinstance(item, dict) else {"__error__": "not an object"}
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException on corrupt files
            raise IngestError(f"cannot open the workbook: {exc}", source=path.name) from exc
        rows = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, [])]
        for i, values in enumerate(rows, start=2):
            if any(v is not None for v in values):
                yield i, dict(zip(header, values, strict=False))
    else:
        raise IngestError(f"unsupported catalog format {suffix!r}", source=path.name)


def read_catalog(
    path: Path, source: str, mapping: dict[str, str] | None = None
) -> Iterator[tuple[Product | None, list[RowIssue]]]:
    mapping = mapping or {}
    for line, raw in iter_rows(path):
        if "__error__" in raw:
            yield None, [RowIssue(source, line, "*", raw["__error__"])]
            continue
        yield product_from_row(_mapped(raw, mapping), source, line)


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
