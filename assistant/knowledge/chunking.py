"""Chunking that respects Chinese: sections first, then sentence ends (。！？；), then size."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def chunk_text(text: str, size: int = 400, overlap: int = 60) -> list[str]:
    """Pack whole sentences into chunks of at most `size` characters; carry `overlap` characters
    of trailing sentences into the next chunk. A sentence longer than `size` is cut by size."""
    sentences: list[str] = []
    for sentence in split_sentences(text):
        while len(sentence) > size:
            sentences.append(sentence[:size])
            sentence = sentence[size - overlap :] if overlap else sentence[size:]
        sentences.append(sentence)
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for sentence in sentences:
        if current and length + len(sentence) > size:
            chunks.append("".join(_join(current)))
            carry: list[str] = []
            carried = 0
            for prev in reversed(current):
                if carried + len(prev) > overlap:
                    break
                carry.insert(0, prev)
                carried += len(prev)
            while carry and carried + len(sentence) > size:  # the overlap never pushes a chunk over size
                carried -= len(carry.pop(0))
            current, length = carry, carried
        current.append(sentence)
        length += len(sentence)
    if current:
        chunks.append("".join(_join(current)))
    return chunks


def _join(sentences: list[str]) -> list[str]:
    """Chinese sentences join directly; Latin sentences get a space."""
    out: list[str] = []
    for i, s in enumerate(sentences):
        if i and s[:1].isascii() and out[-1][-1:].isascii():
            out.append(" ")
        out.append(s)
    return out
