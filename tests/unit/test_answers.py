"""Answer first: which FAQ entry and which of its sentences answer the question, which article sentence
answers it, and the offline drafts that put that answer first (FAQ and articles of knowledge/)."""

import re
from pathlib import Path

import yaml

from assistant.drafting.answers import answer_facts, best_faq, faq_answer, faq_score
from assistant.drafting.checker import check_reply, duplicated_phrases
from assistant.drafting.known import open_question
from assistant.drafting.templates import phrase_bank
from assistant.models import Analysis, Chunk, Hit, Question, Slots, Stage
from assistant.transcript import conversation_from_turns
from tests.unit.test_offline_composer import CATALOG, ENGINE, GUARD, article

ROOT = Path(__file__).resolve().parents[2]


def faq_hits(name: str = "faq.md") -> list[Hit]:
    """Every entry of a shipped FAQ file as a hit, in the form the ingestor stores them."""
    text = (ROOT / "knowledge/faq" / name).read_text(encoding="utf-8").split("---", 2)[2]
    zh = name == "faq.md"
    hits = []
    for n, block in enumerate(re.split(r"\n## ", text)[1:]):
        asked, _, answer = block.partition("\n")
        body = (
            f"问：{asked.strip()}\n答：{answer.strip()}" if zh else f"Q: {asked.strip()}\nA: {answer.strip()}"
        )
        hits.append(Hit(chunk=Chunk(id=f"{name}#{n}", text=body, source=name, kind="faq"), score=1.0))
    return hits


FAQ_ZH, FAQ_EN = faq_hits(), faq_hits("faq-en.md")


def test_the_faq_entry_is_chosen_by_the_words_it_shares_with_the_question():
    chosen = best_faq("好的 我在新疆 寄过来要几天啊", FAQ_ZH, "zh", 0.5)
    assert chosen is not None and "偏远地区" in chosen.chunk.text
    chosen = best_faq("维C是不是容易坏 开封以后能放多久", FAQ_ZH, "zh", 2.0)
    assert chosen is not None and "保存" in chosen.chunk.text
    # a question about results shares only everyday words (多久) with 下单后多久发货: no entry
    assert best_faq("那要坚持多久才看得出来啊", FAQ_ZH, "zh", 2.0) is None
    assert faq_score("那要坚持多久才看得出来啊", FAQ_ZH[0].chunk.text, "zh") == 0


def test_faq_sentences_about_the_question_come_first_and_never_repeat_a_phrase():
    storage = next(h for h in FAQ_ZH if "保存" in h.chunk.text)
    text = faq_answer(storage.chunk.text, "维C是不是容易坏 开封以后能放多久", "zh")
    assert "3个月" in text and len(text) <= 95
    remote = next(h for h in FAQ_ZH if "偏远地区" in h.chunk.text)
    assert "5–7天" in faq_answer(remote.chunk.text, "我在新疆 寄过来要几天", "zh")
    member = next(h for h in FAQ_ZH if "会员等级" in h.chunk.text)
    text = faq_answer(member.chunk.text, "会员怎么升级", "zh")
    assert "500元" in text and not duplicated_phrases(text, "zh")  # 累计消费满… once, not twice
    assert "1.2倍" in text  # a decimal point does not end a sentence
    samples = next(h for h in FAQ_ZH if "小样" in h.chunk.text.split("\n")[0])
    assert faq_answer(samples.chunk.text, "能送点小样吗", "zh").startswith("每笔订单可以免费选择2份小样")
    store_en = next(h for h in FAQ_EN if "How should I store" in h.chunk.text)
    assert "3 months" in faq_answer(store_en.chunk.text, "how do i store it, does it go off?", "en")


def test_an_article_sentence_answers_only_when_it_shares_the_questions_words():
    pairing = article("ingredient-pairing.md", "维C和烟酰胺真的“相克”吗")
    sun = article("sun-protection.md", "补涂：防晒不是涂一次管一天")
    facts = answer_facts([sun, pairing], "zh", "听说维C和烟酰胺不能一起用？", cues=["早", "涂"], concerns=[])
    assert facts and facts[0].chunk == pairing.chunk.id  # the section whose heading names them
    assert all(f.chunk != sun.chunk.id for f in facts)  # cue words alone (涂, 补涂) are not an answer


def test_a_time_question_prefers_a_span_of_time_in_the_article_about_the_concern():
    aging = article("anti-aging-lines.md", "保持合理的期待")
    spots = article("spots-hyperpigmentation.md", "合理的期待")
    facts = answer_facts(
        [spots, aging],
        "zh",
        "那要坚持多久才看得出来啊",
        cues=["个月", "坚持"],
        concerns=["anti-aging"],
        duration=True,
        outcomes=["变化", "效果"],
    )
    assert "3–6个月" in facts[0].text
    adding = article("oily-acne.md", "疏通与调理：成分选对，节奏放慢")  # 观察2–4周再决定是否加量: no outcome
    facts = answer_facts(
        [adding], "zh", "那大概多久能淡一点啊", cues=[], concerns=[], duration=True, outcomes=["变化"]
    )
    assert all("加量" not in f.text for f in facts)


def test_the_analyzers_other_question_is_a_store_question_when_its_words_say_so():
    conversation = conversation_from_turns([{"customer": "好的 我在新疆 寄过来要几天啊"}])
    analysis = Analysis(
        slots=Slots(), stage=Stage.ask, language="zh", question=Question(kind="other", text="寄过来要几天啊")
    )
    question = open_question(analysis, conversation)
    assert question is not None and question.kind == "logistics" and question.text == "寄过来要几天啊"
    # without the analyzer: a WeChat space ends the asking sentence (没拆封的东西可以退吗 买多了)
    conversation = conversation_from_turns([{"customer": "问下 没拆封的东西可以退吗 买多了"}])
    bare = Analysis(slots=Slots(), stage=Stage.ask, language="zh")
    question = open_question(bare, conversation)
    assert question is not None and question.kind == "logistics"


def test_a_store_question_at_the_first_step_is_answered_from_the_faq_before_the_first_question():
    from assistant.drafting.base import DraftContext

    conversation = conversation_from_turns([{"customer": "问下 没拆封的东西可以退吗 买多了"}])
    analysis = Analysis(
        slots=Slots(),
        stage=Stage.ask,
        language="zh",
        question=Question(kind="logistics", text="没拆封的东西可以退吗"),
    )
    ctx = DraftContext(conversation, analysis, [], FAQ_ZH, [], CATALOG, 3)
    result = ENGINE.draft(ctx)
    for text in result.variants:
        assert "7天" in text.split("？")[0] and "未拆封" in text  # the answer, before any question
        assert [f for f in check_reply(text, language="zh") if f.severity.value == "hard"] == []
    assert any(c.startswith("faq.md#") for c in result.citation_ids)


def test_no_step_label_or_concern_label_names_a_product():
    """A label such as 淡印精华 is a product's name (沐研传明酸淡印精华): the guard would count it as a
    recommendation, and a budget total would include a product the reply never meant."""
    for language in ("zh", "en"):
        bank = phrase_bank(ROOT / "prompts", language)
        for label in [*bank.step_labels.values(), *bank.serum_labels.values(), *bank.concern_labels.values()]:
            assert GUARD.mentioned(f"1. 某款（¥100）：{label}，针对出油") == [], label


def test_reply_examples_file_is_ten_multi_turn_chats_in_both_languages():
    chats = yaml.safe_load((ROOT / "bench/reply_examples.yaml").read_text(encoding="utf-8"))["chats"]
    assert len(chats) == 10 and len({c["id"] for c in chats}) == 10
    assert all(c["chat"].count("\n") >= 2 for c in chats)  # multi-turn
    assert {c["id"][:2] for c in chats} == {"zh", "en"}
