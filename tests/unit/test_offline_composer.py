"""The offline composer with analyses built by hand (the analyzer is not involved): answer first, never
ask what is known, variants that differ in approach, Regenerate, register."""

from pathlib import Path

import pytest
import yaml

from assistant.drafting.base import DraftContext
from assistant.drafting.checker import check_reply, question_topics, sentences
from assistant.drafting.offline import EXHAUSTED, OfflineEngine
from assistant.evals.checks import similar_variants
from assistant.guard import Guard
from assistant.knowledge.catalog import read_catalog
from assistant.models import Analysis, Chunk, Hit, Intents, Question, Slots, Stage
from assistant.transcript import conversation_from_turns

ROOT = Path(__file__).resolve().parents[2]
ENGINE = OfflineEngine(ROOT / "prompts")
CATALOG = [p for p, _ in read_catalog(ROOT / "knowledge/products/catalog.csv", "catalog.csv") if p]
GUARD = Guard(CATALOG)
NAMES = [n for p in CATALOG for n in p.names()]


def article(name: str, heading: str) -> Hit:
    text = (ROOT / "knowledge/articles" / name).read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    chunk = Chunk(
        id=f"{name}#{heading}",
        text=section.strip(),
        source=name,
        heading=heading,
        concerns=front.get("concerns", []),
    )
    return Hit(chunk=chunk, score=1.0)


def context(
    turns, stage, slots=None, language="zh", question=None, answered=(), hits=(), attempt=0, **intents
):
    analysis = Analysis(
        slots=slots or Slots(),
        stage=stage,
        language=language,
        question=question,
        answered=list(answered),
        intents=Intents(**intents),
    )
    conversation = conversation_from_turns([{role: text} for role, text in turns])
    return DraftContext(conversation, analysis, list(hits), [], [], CATALOG, 3, attempt=attempt)


def asked(variants, language="zh"):
    return {
        t for v in variants for s in sentences(v) if s.question for t in question_topics(s.text, language)
    }


OILY = Slots(
    skin_types=["oily"],
    concerns=["oil-control", "acne"],
    need_confirmed=True,
    solution_proposed=True,
    solution_accepted=True,
)
PROPOSAL = ("operator", "建议先做好温和清洁+控油平衡，配合温和的酸类帮助疏通毛孔，同时补水别落下。")


def test_a_field_the_analyzer_lists_as_answered_is_never_asked():
    ctx = context(
        [("customer", "我是干皮，最近起皮")],
        Stage.uncover_need,
        Slots(concerns=["hydration"]),
        answered=["skin_type", "concerns"],
    )
    result = ENGINE.draft(ctx)
    assert len(result.variants) == 3 and "skin_type" not in asked(result.variants)
    without = ENGINE.draft(
        context([("customer", "最近老长痘")], Stage.uncover_need, Slots(concerns=["acne"]))
    )
    assert "skin_type" in asked(without.variants)  # the same reply asks it when it is not known
    # "my skin is dry and flaky" read as dryness only: asking "oily or dry?" next would re-ask it
    implied = ENGINE.draft(
        context(
            [("customer", "my skin is dry and flaky")],
            Stage.uncover_need,
            Slots(concerns=["hydration"]),
            "en",
        )
    )
    assert "skin_type" not in asked(implied.variants, "en")


def test_a_filled_slot_is_known_even_when_the_analyzer_lists_nothing():
    slots = OILY.model_copy(
        update={"budget_max": 200, "constraints_checked": True, "solution_accepted": False}
    )
    result = ENGINE.draft(context([PROPOSAL, ("customer", "嗯")], Stage.confirm_expectation, slots))
    assert not asked(result.variants) & {"budget", "constraints", "skin_type"}
    assert all(v.rstrip().endswith("？") for v in result.variants)


def test_an_escalation_never_asks_again_for_the_order_number_or_the_photo():
    turns = [
        ("customer", "用了你们的精华脸上起红疹了，订单号：202405180012345"),
        ("operator", "非常抱歉！"),
        ("customer", "[图片] 就是这样，很痒"),
    ]
    result = ENGINE.draft(context(turns, Stage.escalate, Slots(escalation="reaction: 红疹")))
    assert not asked(result.variants) & {"order_number", "photo"}
    assert all("202405180012345" in v and "售后" in v for v in result.variants)


def test_at_step_4_a_price_question_is_answered_without_any_price():
    q = Question(kind="price", text="一套下来多少钱？")
    result = ENGINE.draft(
        context([PROPOSAL, ("customer", "一套下来多少钱？")], Stage.confirm_expectation, OILY, question=q)
    )
    for v in result.variants:
        assert "预算" in sentences(v)[0].text and "budget" in asked([v])
        assert not GUARD.check(v, stage=Stage.confirm_expectation, slots=OILY, product_ids=[], language="zh")


def test_a_time_question_is_answered_first_from_the_articles_with_a_citation():
    hit = article("oily-acne.md", "疏通与调理：成分选对，节奏放慢")
    q = Question(kind="time", text="多久能见效啊？")
    result = ENGINE.draft(
        context(
            [PROPOSAL, ("customer", "多久能见效啊？")],
            Stage.confirm_expectation,
            OILY,
            question=q,
            hits=[hit],
        )
    )
    first = sentences(result.variants[0])[0].text.rstrip("。")
    assert first in hit.chunk.text and hit.chunk.id in result.citation_ids
    assert not [
        f
        for v in result.variants
        for f in GUARD.check(v, stage=Stage.confirm_expectation, slots=OILY, product_ids=[], language="zh")
    ]


def test_a_pregnancy_question_is_answered_by_the_constraint_rules():
    q = Question(kind="safety", text="我怀孕了能用吗？")
    result = ENGINE.draft(
        context(
            [PROPOSAL, ("customer", "我怀孕了能用吗？")],
            Stage.confirm_expectation,
            OILY.model_copy(update={"constraints": ["pregnant"]}),
            question=q,
        )
    )
    assert all("A醇" in sentences(v)[0].text for v in result.variants)
    assert "constraints" not in asked(result.variants)


def test_what_to_buy_at_step_4_names_the_routine_steps_and_no_product():
    q = Question(kind="product", text="那具体要买哪些呀？")
    result = ENGINE.draft(
        context([PROPOSAL, ("customer", "那具体要买哪些呀？")], Stage.confirm_expectation, OILY, question=q)
    )
    for v in result.variants:
        assert "洁面" in v and "保湿" in v and not GUARD.mentioned(v) and "¥" not in v


@pytest.mark.parametrize(
    "stage, slots, language, text",
    [
        (Stage.ask, Slots(), "zh", "你好"),
        (Stage.uncover_need, Slots(skin_types=["oily"], concerns=["acne"]), "zh", "我是油皮，老长痘"),
        (Stage.propose, OILY.model_copy(update={"solution_proposed": False}), "zh", "对的"),
        (Stage.confirm_expectation, OILY, "zh", "好的"),
        (
            Stage.match_product,
            OILY.model_copy(update={"budget_max": 200, "expectations_confirmed": True}),
            "zh",
            "清爽的，200以内",
        ),
        (Stage.escalate, Slots(escalation="complaint: 投诉"), "zh", "我要投诉"),
        (Stage.ask, Slots(), "en", "hello"),
        (
            Stage.uncover_need,
            Slots(skin_types=["dry"], concerns=["anti-aging"]),
            "en",
            "dry skin and fine lines",
        ),
        (Stage.propose, Slots(skin_types=["dry"], concerns=["hydration"], need_confirmed=True), "en", "yes"),
        (Stage.match_product, OILY.model_copy(update={"budget_max": 300}), "en", "under 300 yuan"),
        (Stage.escalate, Slots(escalation="reaction: rash"), "en", "I got a rash"),
    ],
)
def test_every_variant_reads_as_one_voice_and_they_differ_beyond_the_first_clause(
    stage, slots, language, text
):
    ctx = context([("customer", text)], stage, slots, language=language)
    result = ENGINE.draft(ctx)
    assert len(result.variants) == 3 and not similar_variants(result.variants)
    for v in result.variants:
        assert check_reply(v, language=language, names=NAMES) == [], v
        assert not [
            f
            for f in GUARD.check(
                v, stage=stage, slots=slots, product_ids=result.product_ids, language=language
            )
            if f.severity.value == "hard"
        ], v
    if stage is Stage.match_product:
        assert sum(p.price for p in CATALOG if p.id in result.product_ids) <= slots.budget_max
        assert all("¥" in v for v in result.variants)


def test_regenerate_gives_new_variants_until_the_options_run_out_and_says_so():
    def make(attempt):
        return ENGINE.draft(
            context(
                [("customer", "我是油皮，老长痘")],
                Stage.uncover_need,
                Slots(skin_types=["oily"], concerns=["acne"]),
                attempt=attempt,
            )
        )

    shown: set[str] = set()
    for attempt in range(3):
        result = make(attempt)
        assert result.variants and not set(result.variants) & shown and not result.notices
        shown |= set(result.variants)
    late = make(40)
    assert late.notices == [EXHAUSTED] and late.variants


def test_the_customers_informal_you_is_mirrored():
    turns = [("customer", "你看我这个油皮该怎么办，你说说")]
    result = ENGINE.draft(
        context(turns, Stage.uncover_need, Slots(skin_types=["oily"], concerns=["oil-control"]))
    )
    assert all("您" not in v and "你" in v for v in result.variants)
