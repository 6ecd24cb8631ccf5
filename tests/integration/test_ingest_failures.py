"""Ingest never half-fails (issue 9 item 4): each bad file is one rejected line, the rest of the
folder goes on, pruning still happens, a failed file leaves no chunk behind; sources are keyed by
their path; catalogs with Chinese headers need no --map."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.ingest import Ingestor, IngestReport
from assistant.knowledge.sources import Target
from assistant.retrieval import Filters
from assistant.settings import load_settings
from tests.support import run_cli

HEADER = "id,name,category,price,skin_types,concerns\n"


@pytest.fixture
def kb(tmp_path) -> KnowledgeBase:
    return KnowledgeBase.open(load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "data")))


def no_orphans(kb: KnowledgeBase) -> bool:
    """Every chunk in the store is listed by a source's manifest."""
    records = kb.store.source_records()
    return kb.store.count() == sum(len(r.chunk_ids) for r in records.values())


def big_catalog(rows: int = 3000, bad_row: int | None = None, price_offset: int = 50) -> bytes:
    lines = [HEADER.rstrip("\n").encode()] + [
        f"B{i},产品{i},serum,{price_offset + i},oily,acne".encode() for i in range(1, rows)
    ]
    if bad_row:
        lines[bad_row - 1] = lines[bad_row - 1].replace("产品".encode(), b"\xff\xfe")
    return b"\n".join(lines) + b"\n"


def write(root: Path, name: str, data: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", "hello" * 100)
    return buffer.getvalue()


def test_a_folder_goes_on_past_every_bad_file_and_still_prunes(kb, tmp_path):
    root = tmp_path / "kb"
    write(root, "a/big.csv", big_catalog())
    write(root, "gone.md", "# 将被删除\n这篇文章稍后会被删除。\n")
    first = kb.ingestor().ingest([root])
    assert sorted(first.added) == ["kb/a/big.csv", "kb/gone.md"] and no_orphans(kb)
    before = kb.store.count()

    (root / "gone.md").unlink()
    write(root, "a/big.csv", big_catalog(bad_row=2400, price_offset=60))  # changed, and broken at row 2,400
    write(root, "b/gbk.csv", (HEADER + "G1,国货面霜,moisturizer,99,油皮,控油\n").encode("gbk"))
    write(root, "b/utf16.json", json.dumps([{"id": "U1", "name": "面霜", "price": "¥88"}]).encode("utf-16"))
    write(root, "c/zip.csv", zipped())
    write(root, "c/list.md", "---\n- a\n- b\n---\n# T\n正文。\n")
    write(root, "c/scalar.md", "---\njust words\n---\n# T\n正文。\n")
    write(root, "d/oily.md", "---\nskin_types: oily\n---\n# 油皮\n油皮要温和清洁。\n")
    report = kb.ingestor().ingest([root])

    assert sorted(report.added) == ["kb/b/gbk.csv", "kb/b/utf16.json", "kb/d/oily.md"]
    assert sorted(report.rejected) == ["kb/a/big.csv", "kb/c/list.md", "kb/c/scalar.md", "kb/c/zip.csv"]
    assert report.removed == ["kb/gone.md"]  # pruning happened despite the failures
    errors = "\n".join(report.errors)
    assert "kb/a/big.csv, row 2400: byte 0xff is not valid UTF-8" in errors
    assert "kb/c/zip.csv: this is a ZIP archive" in errors and "kb/c/list.md: front matter" in errors
    # the failed update left nothing: the previous version of big.csv is still whole, no orphan chunk
    assert no_orphans(kb)
    products = {p.id: p for p in kb.products()}
    assert products["B1"].price == 51 and products["G1"].skin_types == ["oily"] and products["U1"].price == 88
    assert kb.store.count() == before - 1 + 3  # - gone.md + gbk.csv, utf16.json, oily.md
    oily = kb.search("油皮 温和清洁", k=1, filters=Filters(kind="article"))[0].chunk
    assert oily.source == "kb/d/oily.md" and oily.skin_types == ["oily"]


def test_a_new_file_that_fails_half_way_leaves_no_chunk(kb, tmp_path):
    before = kb.store.count()
    path = write(
        tmp_path, "big.csv", big_catalog(bad_row=2400)
    )  # 2 batches of 1,000 written before row 2,400
    report = kb.ingestor().ingest([path])
    assert report.rejected == [f"{tmp_path.name}/big.csv"] and "row 2400" in report.errors[0]
    assert kb.store.count() == before == 0 and kb.store.source_records() == {}


def test_two_files_with_the_same_name_are_two_sources(kb, tmp_path):
    a = write(tmp_path, "shop-a/faq.md", "---\nkind: faq\n---\n# A\n## 多久发货？\n付款后24小时内发货。\n")
    b = write(tmp_path, "shop-b/faq.md", "---\nkind: faq\n---\n# B\n## 可以退货吗？\n七天无理由退货。\n")
    report = kb.ingestor().ingest([a, b])
    assert report.added == ["shop-a/faq.md", "shop-b/faq.md"]
    assert set(kb.store.source_records()) == {"shop-a/faq.md", "shop-b/faq.md"}
    assert kb.search("发货", k=1)[0].chunk.source == "shop-a/faq.md"
    assert kb.search("退货", k=1)[0].chunk.source == "shop-b/faq.md"


def test_a_store_keyed_by_bare_file_names_is_migrated_without_duplicates(kb, tmp_path, monkeypatch):
    catalog = write(tmp_path, "shop/catalog.csv", HEADER + "M1,面霜,moisturizer,99,oily,acne\n")
    faq = write(tmp_path, "shop/faq.md", "---\nkind: faq\n---\n# F\n## 多久发货？\n48小时内。\n")
    with monkeypatch.context() as patch:  # what the previous version wrote: bare names, its own hash salt
        patch.setattr(
            Ingestor,
            "_salt",
            lambda self, kind, mapping, version="v1": f"{kind}|{sorted(mapping.items())}|400|60|v1",
        )
        targets = [Target(catalog, "catalog.csv"), Target(faq, "faq.md")]
        Ingestor(kb.store)._run(targets, IngestReport(), None, {}, None, prune=False)
    assert set(kb.store.source_records()) == {"catalog.csv", "faq.md"}
    faq.write_text(
        faq.read_text(encoding="utf-8") + "## 可以退货吗？\n可以。\n", encoding="utf-8"
    )  # changed since
    report = kb.ingestor().ingest([catalog, faq])
    assert sorted(report.migrated) == ["catalog.csv → shop/catalog.csv", "faq.md → shop/faq.md"]
    assert set(kb.store.source_records()) == {"shop/catalog.csv", "shop/faq.md"} and no_orphans(kb)
    assert [p.id for p in kb.products()] == ["M1"]
    again = kb.ingestor().ingest([catalog, faq])
    assert again.chunks_written == 0 and not again.migrated and len(again.unchanged) == 2


def test_uploads_are_keyed_by_name_and_content(kb, tmp_path):
    first = HEADER + "U1,面霜,moisturizer,99,oily,acne\n"
    second = HEADER + "U2,精华,serum,199,oily,acne\n"
    report = kb.ingestor().ingest_uploads(
        [("catalog.csv", first.encode()), ("catalog.csv", second.encode())], tmp_path / "uploads"
    )
    assert len(report.added) == 2 and all(s.startswith("uploads/catalog.csv#") for s in report.added)
    assert {p.id for p in kb.products()} == {"U1", "U2"}
    again = kb.ingestor().ingest_uploads([("catalog.csv", first.encode())], tmp_path / "uploads")
    assert again.unchanged == report.added[:1]


def test_cli_guesses_chinese_headers_prints_the_mapping_and_explains_missing_columns(tmp_path):
    catalog = write(tmp_path, "zh.csv", "名称,价格,肤质,功效,备注\n清透防晒,¥129,油皮,防晒,新品\n")
    out = run_cli("kb", "ingest", str(catalog), data_dir=tmp_path / "d")
    assert out.returncode == 0, out.stderr
    assert "name ← 名称 · price ← 价格 · skin_types ← 肤质 · concerns ← 功效 (unmapped: 备注)" in out.stdout
    report = json.loads(run_cli("kb", "ingest", str(catalog), "--json", data_dir=tmp_path / "d2").stdout)
    assert report["mappings"][f"{tmp_path.name}/zh.csv"]["fields"]["price"] == "价格"
    write(tmp_path, "zh.csv", "货品,金额\n清透防晒,129\n")
    out = run_cli("kb", "ingest", str(catalog), data_dir=tmp_path / "d")
    assert out.returncode == 1
    assert "cannot find a column for name, price; the columns are: 货品, 金额" in out.stderr
    assert "--map name=COLUMN --map price=COLUMN" in out.stderr
    out = run_cli(
        "kb", "ingest", str(catalog), "--map", "name=货品", "--map", "price=金额", data_dir=tmp_path / "d"
    )
    assert out.returncode == 0 and "name ← 货品 · price ← 金额" in out.stdout
