"""The guard flags what SCRIPT.md forbids, for any engine's text."""

import pytest

from assistant.guard import Guard
from assistant.models import Product, Severity, Slots, Stage

SERUM = Product(
    id="P1",
    name="沐研水杨酸净颜精华",
    name_en="MUYAN Clear Serum",
    aliases=["小绿瓶"],
    category="serum",
    price=169,
    size="30ml",
    skin_types=["oily", "combination"],
    concerns=["acne"],
    key_ingredients=["水杨酸 2%"],
    cautions=["pregnancy", "acids"],
)
CREAM = Product(
    id="P2",
    name="沐研云朵霜",
    category="moisturizer",
    price=149,
    size="50g",
    skin_types=["dry"],
    concerns=["hydration"],
)
OILY_ACNE = Slots(skin_types=["oily"], concerns=["acne"], budget_max=200)


def rules(text, stage=Stage.match_product, slots=OILY_ACNE, products=(), language="zh"):
    findings = Guard([SERUM, CREAM]).check(
        text, stage=stage, slots=slots, product_ids=list(products), language=language
    )
    return {f.rule for f in findings if f.severity is Severity.hard}


@pytest.mark.parametrize(
    "text",
    ["可以试试我们的小绿瓶哦", "推荐沐研水杨酸净颜精华～", "try the MUYAN Clear Serum", "只要¥169", "才99元"],
)
@pytest.mark.parametrize(
    "stage", [Stage.ask, Stage.uncover_need, Stage.propose, Stage.confirm_expectation, Stage.escalate]
)
def test_early_pitch(text, stage):
    assert "early_pitch" in rules(text, stage=stage)


def test_no_pitch_in_a_clean_question():
    assert rules("出油主要在T区还是全脸呢？", stage=Stage.ask) == set()


def test_product_fit_and_unknown_product():
    assert "product_fit" in rules("推荐沐研云朵霜", products=["P2"])  # dry-skin cream for oily acne
    assert "product_fit" in rules(
        "推荐小绿瓶", slots=OILY_ACNE.model_copy(update={"constraints": ["pregnant"]}), products=["P1"]
    )
    assert "product_fit" in rules(
        "推荐小绿瓶", slots=OILY_ACNE.model_copy(update={"budget_max": 100}), products=["P1"]
    )
    assert "unknown_product" in rules("推荐这款", products=["NOPE"])
    assert rules("推荐沐研水杨酸净颜精华（¥169/30ml），含水杨酸 2%", products=["P1"]) == set()


@pytest.mark.parametrize(
    "text", ["沐研水杨酸净颜精华只要¥99", "沐研水杨酸净颜精华 50ml 大瓶装", "沐研水杨酸净颜精华含5%水杨酸"]
)
def test_ungrounded_facts(text):
    assert "ungrounded_fact" in rules(text, products=["P1"])


@pytest.mark.parametrize(
    "text",
    [
        "这款能治疗痘痘",
        "可以根治闭口",
        "消炎效果很好",
        "100%有效",
        "我们是行业第一",
        "7天美白",
        "保证见效",
        "it cures acne",
        "guaranteed results in 7 days",
    ],
)
def test_banned_claims(text):
    assert "banned_claim" in rules(text, stage=Stage.propose, language="en" if text.isascii() else "zh")


def test_promises_and_selling_during_escalation():
    assert "unsupported_promise" in rules("好的，给您打8折，您是什么肤质呢？", stage=Stage.ask)
    assert "escalation_selling" in rules("抱歉！顺便看看我们的限时活动价", stage=Stage.escalate)


def test_style_findings_are_soft_and_sanity_findings_hard():
    guard = Guard([SERUM])
    long_reply = "您好呀～" + "想先了解下您的情况😊😊😊" * 20 + "您是什么肤质呢？"
    findings = guard.check(long_reply, stage=Stage.ask, slots=Slots(), product_ids=[], language="zh")
    assert {f.rule: f.severity for f in findings} == {"length": Severity.soft, "emoji": Severity.soft}
    findings = guard.check("好的。", stage=Stage.ask, slots=Slots(), product_ids=[], language="en")
    assert {f.rule for f in findings} == {"missing_question", "language", "too_short"}
    assert all(f.severity is Severity.hard for f in findings)
