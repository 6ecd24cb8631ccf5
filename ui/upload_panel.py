"""The Knowledge page's upload: files in, the guessed catalog column mapping shown for each catalog to
confirm (or correct) before anything is ingested, then the ingest with a progress bar and its report."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.knowledge.columns import FIELDS, REQUIRED, guess_mapping
from assistant.knowledge.ingest import CATALOG_SUFFIXES, SUPPORTED
from assistant.knowledge.rows import read_headers
from ui.components import esc
from ui.i18n import t

if TYPE_CHECKING:
    from assistant.knowledge.base import KnowledgeBase
    from assistant.knowledge.ingest import IngestReport

KINDS = [None, "product", "article", "faq"]
NONE = "—"  # a field without a column


def _headers(name: str, data: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return read_headers(path)


def _mapping_editor(name: str, data: bytes) -> dict[str, str] | None:
    """The guessed mapping of one catalog as an editable table; None while a required field has no column."""
    try:
        headers = _headers(name, data)
    except AssistantError as exc:
        st.error(esc(exc))
        return None
    guess = guess_mapping(headers)
    rows = pd.DataFrame(
        {
            "field": [t(f"catalog_field.{f}") for f in FIELDS],
            "column": [guess.fields.get(f, NONE) for f in FIELDS],
            "how": [t(f"upload.{guess.how[f]}") if f in guess.how else "" for f in FIELDS],
        },
        index=list(FIELDS),
    )
    st.markdown(t("upload.mapping_for", name=esc(name)))
    edited = st.data_editor(
        rows,
        key=f"mapping_{name}",
        disabled=["field", "how"],
        hide_index=True,
        width="stretch",
        height=250,
        column_config={
            "field": st.column_config.TextColumn(t("upload.field")),
            "column": st.column_config.SelectboxColumn(t("upload.column"), options=[NONE, *headers]),
            "how": st.column_config.TextColumn(t("upload.how")),
        },
    )
    chosen = {f: c for f, c in zip(FIELDS, edited["column"], strict=True) if c and c != NONE}
    found = " · ".join(f"{t(f'catalog_field.{f}')} ← {c}" for f, c in chosen.items())
    st.caption(t("upload.mapping_line", mapping=esc(found or "–")))
    if guess.unmapped:
        st.caption(t("upload.unmapped", columns=esc("、".join(guess.unmapped))))
    if missing := [f for f in REQUIRED if f not in chosen]:
        st.warning(t("upload.missing", fields="、".join(t(f"catalog_field.{f}") for f in missing)))
        return None
    return chosen


def _uploader_text() -> None:
    """Streamlit's uploader has fixed English words ("Upload", "200MB per file"): shown in the UI
    language instead (trusted catalog strings, as CSS strings)."""
    button, limit = json.dumps(t("upload.browse")), json.dumps(t("upload.limit"))
    st.html(
        "<style>"
        '[data-testid="stFileUploaderDropzone"] button p, [data-testid="stFileUploaderDropzoneInstructions"] span'
        "{font-size:0}"
        f'[data-testid="stFileUploaderDropzone"] button p::after{{content:{button};font-size:.875rem}}'
        f'[data-testid="stFileUploaderDropzoneInstructions"] span::after{{content:{limit};font-size:.8rem}}'
        "</style>"
    )


def upload_panel(kb: KnowledgeBase) -> None:
    _uploader_text()
    files = st.file_uploader(
        t("upload.files"), type=[s.lstrip(".") for s in SUPPORTED], accept_multiple_files=True, key="uploads"
    )
    kind = st.selectbox(
        t("upload.kind"),
        KINDS,
        format_func=lambda k: t(f"kind.{k or 'auto'}"),
        key="upload_kind",
        placeholder=t("app.choose"),
    )
    mappings: dict[str, dict[str, str] | None] = {}
    for file in files or []:
        if Path(file.name).suffix.lower() in CATALOG_SUFFIXES and kind in (None, "product"):
            mappings[file.name] = _mapping_editor(file.name, file.getvalue())
    ready = bool(files) and all(m is not None for m in mappings.values())
    label = t("upload.confirm_ingest") if mappings else t("upload.ingest")
    if st.button(label, disabled=not ready, key="ingest", type="primary"):
        bar = st.progress(0.0, text=t("upload.ingesting"))
        folder = Path(kb.settings.data_dir) / "uploads"

        def progress(done: int, total: int, source: str) -> None:
            bar.progress(done / max(total, 1), text=esc(source))

        for file in files or []:
            report = kb.ingestor().ingest_uploads(
                [(file.name, file.getvalue())],
                folder,
                kind=kind,
                mapping=mappings.get(file.name) or {},
                progress=progress,
            )
            show_report(file.name, report)
        bar.empty()


def show_report(name: str, report: IngestReport) -> None:
    summary = " · ".join(f"{t('upload.' + k)} {v}" for k, v in report.summary().items() if v)
    (st.warning if report.rejected or report.issues else st.success)(f"{esc(name)}: {summary}")
    for error in report.errors:
        st.error(esc(error))
    if report.issues:
        issues = [{"row": i.row, "field": i.field, "message": i.message} for i in report.issues]
        st.dataframe(issues, hide_index=True, width="stretch")
