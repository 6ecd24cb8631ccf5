"""Query understanding: symptom words → concerns, the query of a draft built from the conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.glossary import load_glossary, related_terms
from assistant.models import CONCERNS, Slots
from assistant.query import SearchQuery, build_query, understand
from assistant.symptoms import load_symptoms, symptom_concerns
from assistant.tokenize import tokenize, with_subwords
from assistant.transcript import parse_conversation


@pytest.mark.parametrize(
    ("text", "concern"),
    [
        ("熬夜熬成熊猫眼了", "dark-circles"),
        ("脸黄黄的没气色", "brightening"),
        ("鼻子两边起皮 还卡粉", "hydration"),
        ("脸上刺刺的", "barrier-repair"),
        ("脸上刺刺的", "redness"),
        ("我是大油田", "oil-control"),
        ("草莓鼻好严重", "pores"),
        ("raccoon eyes after night shifts", "dark-circles"),
        ("my face looks sallow", "brightening"),
        ("flaky patches around my nose", "hydration"),
    ],
)
def test_symptom_words_map_to_concerns(text: str, concern: str) -> None:
    assert concern in symptom_concerns(text)


def test_a_negated_symptom_does_not_count() -> None:
    assert "hydration" not in symptom_concerns("我脸不起皮，就是油")
    assert "hydration" not in symptom_concerns("my skin is not flaky at all", "en")


def test_symptom_lexicon_is_a_clean_mapping_of_known_concerns() -> None:
    symptoms = load_symptoms()
    for language in ("zh", "en"):
        mapping = symptoms.phrases(language)
        assert set(mapping) <= set(CONCERNS) and mapping
        assert all(p.strip() for phrases in mapping.values() for p in phrases)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("zh:\n  glow-up: [x]\nen: {}\n", "unknown concern"),
        ("zh:\n  pores: []\nen: {}\n", "non-empty phrases"),
        ("zh:\n  pores: [黑头, 黑头]\nen: {}\n", "repeats"),
        ("zh: {}\nen: {}\nfr: {}\n", "fr"),
        ("- just a list\n", "mapping"),
    ],
)
def test_an_invalid_symptom_lexicon_is_refused_with_its_path(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "symptoms.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_symptoms(path)
    assert str(path) in str(info.value)


def test_understand_adds_the_concern_vocabulary_for_keyword_search() -> None:
    understood = understand("熬夜熊猫眼 有啥办法")
    assert understood.concerns == ["dark-circles"]
    assert understood.symptoms == {"dark-circles": ["熊猫眼"]}
    assert "黑眼圈" in understood.expanded and "dark circles" in understood.expanded
    english = understand("dark circles")
    assert "黑眼圈" in english.expanded


def test_understand_keeps_the_slots_tags() -> None:
    understood = understand(SearchQuery("有什么办法吗", concerns=("acne",), skin_types=("oily",)))
    assert understood.concerns == ["acne"] and understood.skin_types == ["oily"]
    assert "痘" in understood.expanded


def test_build_query_reads_the_customer_not_the_operator() -> None:
    conversation = parse_conversation(
        "客户: 我最近熬夜，眼睛下面发青，像熊猫眼一样\n我: 熬夜多久了呀？平时用眼霜吗？\n客户: 快一个月了，没用过"
    )
    query = build_query(conversation, Slots(concerns=["dark-circles"]))
    assert query.text.startswith("快一个月了，没用过")  # the newest first
    assert "熊猫眼" in query.text  # a short answer leans on what came before
    assert "眼霜" not in query.text  # the operator's words are not the customer's question
    assert query.concerns == ("dark-circles",)


def test_build_query_stops_at_a_message_that_stands_on_its_own() -> None:
    conversation = parse_conversation(
        "客户: 你好，我是油皮\n我: 您好～主要困扰是什么呢？\n客户: 下巴老是长闭口，一颗好了又冒一颗，怎么护理"
    )
    query = build_query(conversation, Slots(skin_types=["oily"]))
    assert query.text == "下巴老是长闭口，一颗好了又冒一颗，怎么护理"
    assert query.skin_types == ("oily",)


@pytest.mark.parametrize(
    ("text", "finds"),
    [
        ("can I use retinol with glycolic acid", ["A醇", "果酸"]),  # English question, Chinese knowledge
        ("维A和烟酰胺能一起用吗", ["视黄醇", "niacinamide"]),
        ("护肤品能放浴室里吗", ["保存"]),  # a topic by its everyday word
    ],
)
def test_the_glossary_adds_the_other_words_for_the_same_thing(text: str, finds: list[str]) -> None:
    expanded = understand(text).expanded
    assert all(word in expanded for word in finds)


def test_the_glossary_matches_english_on_word_boundaries() -> None:
    assert "早上" not in related_terms("I am pregnant")
    assert "顺序" not in related_terms("my order has not arrived")  # an order is not a routine's order
    assert "视黄醇" not in related_terms("the retinoic acid cream")
    assert "视黄醇" in related_terms("Retinol at night?")


@pytest.mark.parametrize(
    ("text", "logistics"),
    [
        ("能发顺丰吗", True),
        ("怎么辨别是不是正品", True),  # negated or not, it asks about authenticity
        ("how do I know it's not a fake", True),  # through the glossary: fake → authentic
        ("下巴冒了颗痘 有啥能救急的", False),
        ("is vitamin c ok for dry skin", False),
    ],
)
def test_logistics_questions_are_recognised(text: str, logistics: bool) -> None:
    assert bool(understand(text).logistics) is logistics


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("groups:\n  - [only-one]\n", "two or more"),
        ("groups:\n  - [a, '']\n", "non-empty"),
        ("- x\n", "mapping"),
    ],
)
def test_an_invalid_glossary_is_refused_with_its_path(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "glossary.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_glossary(path)
    assert str(path) in str(info.value)


def test_long_chinese_words_also_count_by_their_bigrams() -> None:
    assert "顺丰" in with_subwords(tokenize("能发顺丰吗"))  # jieba: 发顺丰
    assert "顺丰" in with_subwords(tokenize("如需顺丰可在下单时备注"))  # jieba: 需顺丰
    assert with_subwords(["油皮", "oily"]) == ["油皮", "oily"]
