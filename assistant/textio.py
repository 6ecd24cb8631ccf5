"""Text files from outside the program: which encoding (UTF-8, GB18030/GBK, UTF-16 with or without
a BOM), whether it is text at all (a ZIP renamed .csv), and decode or YAML errors said in one line.

`detect_encoding` decides from the start of the file (and, for an ASCII start, from the first
non-ASCII bytes); `open_text` then streams with that encoding, turning any later undecodable byte
into a lone surrogate that `undecodable_at` finds, so a reader can name the exact row.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TextIO

import yaml

from assistant.errors import InputError

_SAMPLE = 1 << 16
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx file renamed?)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls/.doc)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3", "an SQLite database"),
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SURROGATE = re.compile("[\udc80-\udcff]")
_UTF8_EVIDENCE = 8  # non-ASCII characters decoded as UTF-8 before a bad byte: a damaged UTF-8 file


def binary_kind(head: bytes) -> str | None:
    """What a non-text file is ("a ZIP archive …"), or None when it may be text."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return "binary data" if b"\x00" in head else None


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a BOM: the zero high bytes of ASCII characters all fall on one parity."""
    head = head[: len(head) // 2 * 2]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if even + odd < 2 or min(even, odd) > (even + odd) // 20:
        return None
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError:
        try:  # the sample may end inside a surrogate pair
            text = head[:-2].decode(encoding)
        except UnicodeDecodeError:
            return None
    return encoding if "\x00" not in text else None


def _first_non_ascii(path: Path, head: bytes) -> bytes:
    """From the first non-ASCII byte on, up to the sample size (b'' for an all-ASCII file)."""
    offset = next((i for i, b in enumerate(head) if b > 0x7F), None)
    if offset is not None:
        return head[offset:]
    if len(head) < _SAMPLE:
        return b""
    with path.open("rb") as handle:
        handle.seek(len(head))
        while block := handle.read(1 << 20):
            offset = next((i for i, b in enumerate(block) if b > 0x7F), None)
            if offset is not None:
                return block[offset:] + handle.read(_SAMPLE)
    return b""


def _decodes(sample: bytes, encoding: str) -> tuple[bool, str]:
    """(decodes cleanly, what decoded before the first error); the sample may end mid-character."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        return True, decoder.decode(sample, final=False)
    except UnicodeDecodeError as exc:
        return False, sample[: exc.start].decode(encoding, errors="ignore")


def detect_encoding(path: Path) -> str:
    """The encoding to read `path` with; InputError for binary data or text in no known encoding."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}") from None
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    utf16 = _utf16_without_bom(head[:4096])
    if utf16:
        return utf16
    kind = binary_kind(head)
    if kind:
        raise InputError(f"this is {kind}, not a text file")
    sample = _first_non_ascii(path, head)
    ok, before = _decodes(sample, "utf-8")
    if ok or sum(1 for ch in before if ord(ch) > 0x7F) >= _UTF8_EVIDENCE:
        return "utf-8"  # a UTF-8 file with a damaged byte further on: the reader names its row
    if _decodes(sample, "gb18030")[0]:
        return "gb18030"
    raise InputError("the text is not UTF-8, GB18030/GBK or UTF-16; save the file as UTF-8")


def open_text(path: Path, encoding: str | None = None) -> TextIO:
    """The file as text for streaming (newline='' for csv); undecodable bytes become surrogates."""
    encoding = encoding or detect_encoding(path)
    return path.open(encoding=encoding, errors="surrogateescape", newline="")


def undecodable_at(text: str) -> int | None:
    """The index of the first undecodable byte `open_text` let through, or None."""
    match = _SURROGATE.search(text)
    return match.start() if match else None


def undecodable_message(text: str, index: int, encoding: str) -> str:
    byte = ord(text[index]) - 0xDC00
    return f"byte 0x{byte:02x} is not valid {encoding.upper()} text; save the file as UTF-8"


def read_text(path: Path) -> str:
    """The whole file decoded; InputError naming the line of the first undecodable byte."""
    encoding = detect_encoding(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"line {line}: byte 0x{data[exc.start]:02x} is not valid {encoding.upper()} text; "
            "save the file as UTF-8"
        ) from None


def yaml_error(exc: yaml.YAMLError) -> str:
    """A YAML error in one line: 'line 3, column 7: mapping values are not allowed here'."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())
