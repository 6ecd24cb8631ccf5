"""What the composer takes as known and asked when the analyzer is silent; the tone rewrite."""

from pathlib import Path

import pytest

from assistant.drafting.checker import check_reply
from assistant.drafting.known import informal, known_fields, open_question
from assistant.drafting.tone import rewrite
from assistant.models import Analysis, Expectations, Intents, Question, Slots, Stage
from assistant.transcript import conversation_from_turns

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def analysis(slots=None, language="zh", **extra) -> Analysis:
    return Analysis(slots=slots or Slots(), stage=Stage.ask, language=language, **extra)


def chat(*customer: str):
    return conversation_from_turns([{"customer": t} for t in customer])


def test_filled_slots_order_numbers_and_photos_are_known_without_the_analyzer():
    slots = Slots(
        skin_types=["dry"],
        budget_max=200,
        expectations=Expectations(texture="light"),
        constraints_checked=True,
    )
    known = known_fields(analysis(slots), chat("我是干皮", "订单号是 SN20240518001，[图片]"))
    assert known == {"skin_type", "budget", "texture", "constraints", "order_number", "photo"}
    assert known_fields(analysis(answered=["age"]), chat("hi")) == {"age"}


@pytest.mark.parametrize(
    "text, language, kind",
    [
        ("下单以后多久发货呀？", "zh", "logistics"),
        ("听着挺专业的，大概多久能看到效果啊？", "zh", "time"),
        ("一套下来多少钱？", "zh", "price"),
        ("我怀孕了能用吗？", "zh", "safety"),
        ("那具体要买哪些呀？", "zh", "product"),
        ("How long until I'd actually see a difference?", "en", "time"),
        ("清爽的，两百以内，没有备孕。能给我打个八折吗？", "zh", None),  # a discount, not a safety question
        ("对的，就是这样", "zh", None),
    ],
)
def test_the_fallback_finds_the_open_question_in_the_asking_sentences(text, language, kind):
    a = analysis(language=language, intents=Intents(discount="八折" in text))
    question = open_question(a, chat(text))
    assert (question.kind if question else None) == kind


def test_the_analyzers_question_wins_and_informal_you_needs_a_clear_signal():
    given = Question(kind="usage", text="早晚都用吗")
    assert open_question(analysis(question=given), chat("多少钱？")) is given
    assert informal(chat("你好，你看看我这个", "你说呢")) and not informal(chat("你好，您看看"))


DRAFTS = {
    "zh": "明白啦～这种情况真的挺影响心情的，能理解～您是油皮，现在最困扰的是出油、长痘，对吧？",
    "en": "Got it! That sounds really frustrating, and you're definitely not alone. "
    "You have oily skin and what bothers you most is oiliness and breakouts, right?",
}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_tone_changes_the_draft_as_named_and_keeps_the_question(language):
    draft = DRAFTS[language]
    out = {
        tone: rewrite(draft, tone, language=language, prompts_dir=PROMPTS).text
        for tone in ("warmer", "shorter", "professional", "casual")
    }
    assert len(out["shorter"]) < len(draft) < len(out["warmer"])
    assert all(text.rstrip().endswith(("？", "?")) for text in out.values())
    assert all(
        not [f for f in check_reply(t, language=language) if f.rule != "too_short"] for t in out.values()
    )
    if language == "zh":
        assert "～" not in out["professional"] and "你" in out["casual"] and "您" not in out["casual"]
    else:
        assert "you are" in out["professional"] and "!" not in out["professional"]


def test_a_rewrite_never_asks_for_what_is_known():
    draft = "明白啦～您是油皮，最困扰的是出油，对吧？预算大概多少呢？"
    text = rewrite(draft, "warmer", language="zh", prompts_dir=PROMPTS, known={"budget"}).text
    assert "预算" not in text and text.endswith("对吧？")
