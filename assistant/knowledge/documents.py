"""Articles and FAQs from Markdown, TXT, HTML, PDF and DOCX, as titled sections with heading paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from assistant.errors import IngestError, InputError
from assistant.knowledge.catalog import normalize_vocab, split_list
from assistant.textio import read_text, yaml_error

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class Section:
    heading: str  # "Title > Section > Sub"
    text: str


@dataclass
class Document:
    title: str
    kind: Literal["article", "faq"]
    sections: list[Section]
    skin_types: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (front-matter field, message)


def _sections_from_headings(lines: list[tuple[int, str] | str], title: str) -> list[Section]:
    """Lines are text, or (level, heading) tuples; returns text grouped under heading paths."""
    path: list[tuple[int, str]] = []
    sections: list[Section] = []
    buffer: list[str] = []

    def flush() -> None:
        text = "\n".join(buffer).strip()
        if text:
            sections.append(Section(" > ".join([title, *[h for _, h in path if h != title]]), text))
        buffer.clear()

    for line in lines:
        if isinstance(line, tuple):
            flush()
            level, heading = line
            path = [p for p in path if p[0] < level] + [(level, heading)]
        else:
            buffer.append(line)
    flush()
    return sections


def _markdown(text: str, default_title: str) -> tuple[dict, str, list[tuple[int, str] | str]]:
    meta: dict = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise IngestError(f"front matter is not valid YAML: {yaml_error(exc)}") from None
        if not isinstance(meta, dict):
            raise IngestError(
                f"front matter must be `key: value` lines (title, kind, skin_types, concerns), "
                f"not {'a list' if isinstance(meta, list) else 'a single value'}"
            )
        text = text[match.end() :]
    lines: list[tuple[int, str] | str] = []
    title = str(meta.get("title") or "")
    for raw in text.splitlines():
        heading = _MD_HEADING.match(raw)
        if heading:
            level, name = len(heading.group(1)), heading.group(2).strip()
            if level == 1 and not title:
                title = name
            lines.append((level, name))
        else:
            lines.append(raw)
    return meta, title or default_title, lines


def _html(text: str) -> tuple[str, list[tuple[int, str] | str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "footer"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    lines: list[tuple[int, str] | str] = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "pre"]):
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        lines.append((int(el.name[1]), text) if el.name.startswith("h") else text)
    return title, lines


def _pdf(path: Path) -> list[tuple[int, str] | str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        return [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise IngestError(f"cannot read the PDF: {exc}") from exc


def _docx(path: Path) -> list[tuple[int, str] | str]:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise IngestError(f"cannot read the DOCX: {exc}") from exc
    lines: list[tuple[int, str] | str] = []
    for para in document.paragraphs:
        style = (para.style.name or "") if para.style is not None else ""
        level = re.match(r"Heading (\d)", style)
        if level and para.text.strip():
            lines.append((int(level.group(1)), para.text.strip()))
        else:
            lines.append(para.text)
    return lines


def _qa(question: str, answer: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", question):
        return f"问：{question}\n答：{answer}"
    return f"Q: {question}\nA: {answer}"


def read_document(path: Path, kind: str | None = None) -> Document:
    """Read one article or FAQ file. Raises IngestError for corrupt or unsupported files."""
    suffix = path.suffix.lower()
    default_title = path.stem
    meta: dict = {}
    try:
        if suffix in (".md", ".markdown"):
            meta, title, lines = _markdown(read_text(path), default_title)
        elif suffix == ".txt":
            text = read_text(path)
            first = text.strip().splitlines()[0] if text.strip() else default_title
            title = first[:60]
            lines = [*text.splitlines()]
        elif suffix in (".html", ".htm"):
            title, lines = _html(read_text(path))
            title = title or default_title
        elif suffix == ".pdf":
            title, lines = default_title, _pdf(path)
        elif suffix == ".docx":
            title, lines = default_title, _docx(path)
        else:
            raise IngestError(
                f"unsupported file type {suffix!r}; use {', '.join(DOCUMENT_SUFFIXES)} or a catalog"
            )
    except InputError as exc:  # not text, or in no encoding we know
        raise IngestError(str(exc)) from None
    doc_kind = kind or str(meta.get("kind") or ("faq" if "faq" in path.stem.lower() else "article"))
    if doc_kind not in ("article", "faq"):
        raise IngestError(f"kind must be article or faq, not {doc_kind!r}")
    sections = _sections_from_headings(lines, title)
    if doc_kind == "faq":  # every question heading with its answer is one section
        sections = [
            Section(s.heading, _qa(s.heading.split(" > ")[-1], s.text))
            for s in sections
            if " > " in s.heading
        ]
    lists: dict[str, list[str]] = {}
    warnings: list[tuple[str, str]] = []
    for name in ("skin_types", "concerns"):  # `skin_types: oily` is a list of one
        problems: list[str] = []
        lists[name] = normalize_vocab(split_list(meta.get(name)), name, problems)
        warnings.extend((name, problem) for problem in problems)
    return Document(
        title=title,
        kind="faq" if doc_kind == "faq" else "article",
        sections=sections,
        skin_types=lists["skin_types"],
        concerns=lists["concerns"],
        warnings=warnings,
    )
