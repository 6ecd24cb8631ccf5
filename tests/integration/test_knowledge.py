"""The knowledge base: every source format, incremental and crash-safe updates, hybrid retrieval,
embedders, and the same store tests against a real Chroma server (CHROMA_URL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import pytest

from assistant.embedding import HashingEmbedder
from assistant.errors import StoreError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.catalog import read_catalog
from assistant.knowledge.chunking import chunk_text
from assistant.knowledge.ingest import Ingestor
from assistant.retrieval import Filters
from assistant.settings import load_settings
from assistant.store import KnowledgeStore, open_client
from tests.conftest import ROOT, shared_data

pytest_plugins = ["tests.llm_fixtures"]

CATALOG = """\
id,name,category,price,size,skin_types,concerns,key_ingredients,description,usage,cautions
A1,测试控油洁面,cleanser,89,150ml,油皮;混合皮,控油;毛孔,氨基酸,温和洁面,早晚使用,
A2,测试修护霜,moisturizer,199,50g,dry;sensitive,barrier-repair,神经酰胺,修护屏障,最后一步,
A3,坏价格,serum,abc,30ml,oily,acne,,,,
,没有编号,serum,99,30ml,oily,acne,,,,
A5,测试未知肤质,serum,120,30ml,alien-skin;oily,acne;sparkle,水杨酸,说明,晚上,pregnancy
"""


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def settings(request, tmp_path):
    extra = {}
    if request.param == "server":
        extra = {
            "CHROMA_URL": request.getfixturevalue("chroma"),
            "ASSISTANT_COLLECTION": f"t{time.time_ns()}",
        }
    return load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "data"), **extra)


@pytest.fixture
def kb(settings) -> KnowledgeBase:
    return KnowledgeBase.open(settings)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def kb_folder(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    write(root, "products/catalog.csv", CATALOG)
    write(
        root,
        "articles/oily.md",
        """\
        ---
        title: 油皮护理
        kind: article
        skin_types: [oily]
        concerns: [oil-control]
        ---
        # 油皮护理
        ## 清洁
        油皮要温和清洁。不要过度清洁！每天两次就够了。
        ## 保湿
        控油的同时也要补水；缺水会让皮肤更油。
        """,
    )
    write(
        root,
        "faq/faq.md",
        """\
        ---
        title: 常见问题
        kind: faq
        ---
        ## 多久发货？
        付款后48小时内发货。
        ## 可以退货吗？
        未拆封7天无理由退货。
        """,
    )
    return root


# -- formats --------------------------------------------------------------------------------
def test_bad_rows_are_reported_with_row_numbers_and_good_rows_kept(kb, tmp_path):
    path = write(tmp_path, "cat.csv", CATALOG)
    report = kb.ingestor().ingest([path])
    assert report.added == [f"{tmp_path.name}/cat.csv"]  # a file is keyed under its own folder
    products = {p.id: p for p in kb.products()}
    assert set(products) == {"A1", "A2", "A5"}
    errors = {(i.row, i.field) for i in report.issues if i.severity == "error"}
    assert errors == {(4, "price"), (5, "id")}
    warnings = [str(i) for i in report.issues if i.severity == "warning"]
    assert any("row 6" in w and "alien-skin" in w for w in warnings) and any("sparkle" in w for w in warnings)
    assert products["A5"].skin_types == ["oily"] and products["A5"].cautions == [
        "pregnancy"
    ]  # reported, not dropped
    assert products["A1"].skin_types == ["oily", "combination"] and products["A1"].concerns == [
        "oil-control",
        "pores",
    ]


def test_json_yaml_and_xlsx_catalogs(kb, tmp_path):
    item = {
        "id": "J1",
        "name": "JSON精华",
        "category": "serum",
        "price": "¥129",
        "skin_types": ["oily"],
        "concerns": "acne",
    }
    write(tmp_path, "a.json", json.dumps({"products": [item]}, ensure_ascii=False))
    write(
        tmp_path,
        "b.yaml",
        "- {id: Y1, name: YAML霜, category: moisturizer, price: 99, skin_types: dry, concerns: hydration}\n",
    )
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["id", "name", "category", "price", "skin_types", "concerns"])
    book.active.append(["X1", "XLSX水", "toner", 79, "all", "hydration"])
    book.save(tmp_path / "c.xlsx")
    report = kb.ingestor().ingest([tmp_path / "a.json", tmp_path / "b.yaml", tmp_path / "c.xlsx"])
    assert len(report.added) == 3 and not report.errors
    products = {p.id: p for p in kb.products()}
    assert products["J1"].price == 129 and products["X1"].skin_types == [
        "dry",
        "oily",
        "combination",
        "normal",
        "sensitive",
    ]


def test_articles_in_every_format(kb, tmp_path):
    import docx

    write(tmp_path, "a.txt", "防晒小知识\n防晒霜要足量涂抹。户外每两小时补涂一次。")
    write(
        tmp_path,
        "b.html",
        "<html><title>卸妆指南</title><body><h1>卸妆</h1><p>卸妆油适合浓妆。</p><h2>注意</h2><p>要乳化后再冲洗。</p></body></html>",
    )
    document = docx.Document()
    document.add_heading("眼霜用法", level=1)
    document.add_paragraph("用无名指轻轻点涂眼周。")
    document.save(tmp_path / "c.docx")
    (tmp_path / "d.pdf").write_bytes(minimal_pdf("Sunscreen should be reapplied every two hours outdoors."))
    report = kb.ingestor().ingest([tmp_path / n for n in ("a.txt", "b.html", "c.docx", "d.pdf")])
    assert len(report.added) == 4, report.errors
    for query, source in (
        ("补涂", "a.txt"),
        ("乳化", "b.html"),
        ("无名指", "c.docx"),
        ("reapplied", "d.pdf"),
    ):
        hits = kb.search(query, k=1)
        assert hits and hits[0].chunk.source == f"{tmp_path.name}/{source}", query
    html = kb.search("乳化", k=1)[0].chunk
    assert html.heading == "卸妆指南 > 卸妆 > 注意" and html.kind == "article"


def test_faq_pairs_and_chunk_metadata(kb, tmp_path):
    root = kb_folder(tmp_path)
    kb.ingestor().ingest([root])
    faq = kb.search("发货", k=1, filters=Filters(kind="faq"))[0]
    assert (
        faq.chunk.text.startswith("问：多久发货？\n答：付款后48小时内发货")
        and faq.chunk.source == "kb/faq/faq.md"
    )
    article = kb.search("缺水", k=1, filters=Filters(kind="article"))[0].chunk
    assert article.title == "油皮护理" and article.heading == "油皮护理 > 保湿"
    assert article.skin_types == ["oily"] and article.concerns == ["oil-control"]
    product = kb.search("控油洁面", k=1, filters=Filters(kind="product"))[0].chunk
    assert (
        product.product_id == "A1" and product.price == 89 and product.skin_types == ["oily", "combination"]
    )


def test_chunking_respects_chinese_sentences():
    text = "第一句话很短。" * 3 + "这是第二段的一句比较长的话，用来测试切分是否按句号进行！还有问句吗？"
    chunks = chunk_text(text, size=40, overlap=8)
    assert all(len(c) <= 40 for c in chunks) and len(chunks) >= 2
    assert all(c.endswith(("。", "！", "？")) for c in chunks)
    assert chunks[1].startswith("第一句话很短。")  # the overlap carries a whole sentence


# -- incremental, safe ------------------------------------------------------------------------
def test_incremental_updates(kb, tmp_path):
    root = kb_folder(tmp_path)
    first = kb.ingestor().ingest([root])
    assert len(first.added) == 3 and first.chunks_written > 0
    again = kb.ingestor().ingest([root])
    assert again.chunks_written == 0 and len(again.unchanged) == 3
    before = {s: r.chunk_ids for s, r in kb.store.source_records().items()}
    article = root / "articles" / "oily.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("每天两次就够了", "早晚各一次就够了"), encoding="utf-8"
    )
    changed = kb.ingestor().ingest([root])
    assert (
        changed.updated == ["kb/articles/oily.md"] and changed.chunks_written == 1
    )  # only the changed chunk is embedded
    after = {s: r.chunk_ids for s, r in kb.store.source_records().items()}
    assert after["kb/products/catalog.csv"] == before["kb/products/catalog.csv"]
    assert kb.search("早晚各一次", k=1)[0].chunk.text.find("早晚各一次") >= 0
    assert kb.store.count() == sum(len(ids) for ids in after.values())  # no leftovers
    (root / "faq" / "faq.md").unlink()
    pruned = kb.ingestor().ingest([root])
    assert pruned.removed == ["kb/faq/faq.md"] and not kb.search("发货", k=3, filters=Filters(kind="faq"))


def test_empty_corrupt_and_unsupported_files(kb, tmp_path):
    write(tmp_path, "empty.md", "")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (tmp_path / "broken.xlsx").write_bytes(b"garbage")
    write(tmp_path, "bad.json", "{not json")
    (tmp_path / "latin1.md").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    write(tmp_path, "tool.exe", "MZ")
    report = kb.ingestor().ingest(
        [
            tmp_path / n
            for n in (
                "empty.md",
                "broken.pdf",
                "broken.docx",
                "broken.xlsx",
                "bad.json",
                "latin1.md",
                "tool.exe",
            )
        ]
    )
    assert report.skipped == [f"{tmp_path.name}/empty.md"] and "empty" in report.errors[0]
    assert sorted(report.rejected) == sorted(
        f"{tmp_path.name}/{name}"
        for name in ("broken.pdf", "broken.docx", "broken.xlsx", "bad.json", "latin1.md", "tool.exe")
    )
    assert any("UTF-8" in e for e in report.errors) and any("unsupported" in e for e in report.errors)
    assert kb.store.count() == 0 and kb.store.source_records() == {}  # nothing half-written


def test_large_csv_is_streamed(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name,category,price,skin_types,concerns,description\n")
        for i in range(60_000):
            handle.write(f"P{i},产品{i},serum,{50 + i % 300},oily,acne,{'很长的描述' * 20}\n")
    assert path.stat().st_size > 18_000_000
    tracemalloc.start()
    count = sum(1 for product, _ in read_catalog(path, "big.csv") if product)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # never the whole file (20 MB) in memory: what grows is the id → first row table for duplicates
    assert count == 60_000 and peak < 10_000_000


def test_store_refuses_another_embedder(settings, tmp_path):
    store = KnowledgeStore(open_client(settings), HashingEmbedder(), settings.collection)
    Ingestor(store).ingest([write(tmp_path, "c.csv", CATALOG)])
    with pytest.raises(StoreError, match="built with embedder 'hashing-v2-1024'.*kb reset"):
        KnowledgeStore(open_client(settings), HashingEmbedder(dim=64), settings.collection)


KILLER = """
import os, signal, sys
from pathlib import Path
from assistant.knowledge.base import KnowledgeBase
from assistant.settings import load_settings
from assistant.store import KnowledgeStore

def die(*args, **kwargs):  # SIGKILL the moment the ingest reaches this step
    os.kill(os.getpid(), signal.SIGKILL)

setattr(KnowledgeStore, sys.argv[2], die)  # activate: before the switch; collect_garbage: after it
KnowledgeBase.open(load_settings()).ingestor().ingest([Path(sys.argv[1])])
"""


@pytest.mark.parametrize("step", ["activate", "collect_garbage"])
def test_kill_9_mid_ingest_leaves_a_consistent_store_and_a_rerun_completes(settings, tmp_path, step):
    root = kb_folder(tmp_path)
    kb = KnowledgeBase.open(settings)
    kb.ingestor().ingest([root])
    article = root / "articles" / "oily.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("每天两次就够了", "新版本的内容"), encoding="utf-8"
    )
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_COLLECTION": settings.collection,
        "CHROMA_URL": settings.chroma_url or "",
    }
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(root), step], env=env, cwd=ROOT, capture_output=True, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL
    view = KnowledgeBase.open(
        load_settings(
            ASSISTANT_DATA_DIR=str(settings.data_dir),
            ASSISTANT_COLLECTION=settings.collection,
            CHROMA_URL=settings.chroma_url or "",
        )
    )
    texts = " ".join(h.chunk.text for h in view.search("油皮 清洁", k=10))
    if step == "activate":  # died before the switch: the old version, complete, and nothing of the new
        assert "每天两次就够了" in texts and "新版本的内容" not in texts
    else:  # died after the switch: the new version, and no old chunk visible
        assert "新版本的内容" in texts and "每天两次就够了" not in texts
    rerun = view.ingestor().ingest([root])
    assert rerun.errors == []
    records = view.store.source_records()
    assert view.store.count() == sum(len(r.chunk_ids) for r in records.values())  # leftovers collected
    assert all(r.clean for r in records.values())
    assert "新版本的内容" in " ".join(h.chunk.text for h in view.search("油皮 清洁", k=10))


# -- retrieval -----------------------------------------------------------------------------
def test_hybrid_hits_explain_themselves(demo):
    hits = demo.kb.search("孕期能用水杨酸吗", k=5)
    assert hits and all(h.score > 0 for h in hits)
    assert hits[0].bm25_rank is not None and "水杨酸" in hits[0].matched_terms
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.chunk.kind == "faq" for h in demo.kb.search("发货", k=3, filters=Filters(kind="faq")))
    cheap = demo.kb.search("精华", k=10, filters=Filters(kind="product", max_price=150))
    assert cheap and all(h.chunk.price <= 150 for h in cheap)


def test_english_query_finds_chinese_knowledge(demo):
    hits = demo.kb.search("what helps with dark circles", k=5)
    assert any("黑眼圈" in h.chunk.text or "dark-circles" in h.chunk.concerns for h in hits)


def test_mapped_catalogs_from_shared_data(tmp_path):
    sephora = shared_data("products/sephora_skincare_445.csv")
    taobao = shared_data("products/taobao_beauty_titles_3497.csv")
    kb = KnowledgeBase.open(load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "d")))
    report = kb.ingestor().ingest(
        [sephora],
        mapping={
            "skin_types": "skin_type",
            "concerns": "skincare_concerns",
            "key_ingredients": "highlighted_ingredients",
            "description": "what_it_is",
        },
    )
    products = kb.products()
    assert len(products) > 400 and not report.rejected
    assert any(i.severity == "warning" and "Uneven Texture" in i.message for i in report.issues)
    assert sum("anti-aging" in p.concerns for p in products) > 50
    report = kb.ingestor().ingest([taobao], mapping={"name": "title", "price": "price_cny"})
    assert len(kb.products()) > 3400
    assert kb.search("补水保湿 面膜", k=3, filters=Filters(kind="product"))


def test_openai_compatible_embeddings(fake_llm, tmp_path):
    settings = load_settings(
        ASSISTANT_DATA_DIR=str(tmp_path / "d"),
        ASSISTANT_EMBEDDER="openai",
        OPENAI_API_KEY="sk-x",
        OPENAI_BASE_URL=fake_llm.base_url,
        ASSISTANT_ENGINE="offline",
    )
    kb = KnowledgeBase.open(settings)
    kb.ingestor().ingest([write(tmp_path, "c.csv", CATALOG)])
    assert kb.store.embedder.name == "openai:text-embedding-3-small"
    assert kb.search("修护霜", k=1)[0].chunk.product_id == "A2"
    assert any(r.path.endswith("/embeddings") for r in fake_llm.requests)


def test_sentence_transformer_embedder_is_optional(tmp_path):
    pytest.importorskip("sentence_transformers", reason="the optional extra `st` is not installed")
    model = os.environ.get("ASSISTANT_TEST_ST_MODEL")
    if not model:
        pytest.skip("set ASSISTANT_TEST_ST_MODEL to a local sentence-transformers folder to run this")
    settings = load_settings(
        ASSISTANT_DATA_DIR=str(tmp_path),
        ASSISTANT_EMBEDDER="sentence-transformers",
        ASSISTANT_EMBEDDING_MODEL=model,
    )
    assert KnowledgeBase.open(settings).store.embedder.name.startswith("st:")


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of Helvetica text (hand-built, so no PDF library is needed)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_index_snapshot_survives_a_restart_and_a_damaged_one_is_rebuilt(tmp_path, monkeypatch):
    import assistant.retrieval as retrieval

    monkeypatch.setattr(retrieval, "SNAPSHOT_MIN_CHUNKS", 0)
    settings = load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "d"))
    first = KnowledgeBase.open(settings)
    first.ingestor().ingest([kb_folder(tmp_path)])
    expected = [h.chunk.id for h in first.search("油皮 清洁", k=3)]
    [snapshot] = (tmp_path / "d" / "index").glob("*.pickle")
    restarted = KnowledgeBase.open(settings)
    assert [h.chunk.id for h in restarted.search("油皮 清洁", k=3)] == expected
    snapshot.write_bytes(b"damaged")
    again = KnowledgeBase.open(settings)
    assert [h.chunk.id for h in again.search("油皮 清洁", k=3)] == expected
