"""Each rule of the guard, table by table, on the demo catalog: what it must catch, what it must let
through, and that a finding quotes the reply's own words."""

import pytest

from assistant.analysis.budget import english_number
from assistant.guard import Guard
from assistant.models import Product, Severity, Slots, Stage
from bench.guard_drafts import demo_products


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard(demo_products())


def hard(
    guard: Guard, text: str, stage: Stage = Stage.ask, language: str = "zh", **kw
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in guard.check(
        text, stage=stage, slots=kw.get("slots", Slots()), product_ids=kw.get("ids", []), language=language
    ):  # type: ignore[arg-type]
        if f.severity is Severity.hard:
            found.setdefault(f.rule, []).append(f.text)
    return found


# -- prices ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twenty", 20),
        ("ninety-nine", 99),
        ("a hundred and twenty", 120),
        ("thirteen", 13),
        ("two thousand", 2000),
    ],
)
def test_english_number_words(words, value):
    assert english_number(words) == value
    assert english_number("twenty bottles") is None


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("这款只要九十九元，您是什么肤质呀？", "九十九元"),
        ("一百二十八块就够啦，您是什么肤质呀？", "一百二十八块"),
        ("两百块钱搞定，您是什么肤质呀？", "两百块钱"),
        ("价格是99块9，您是什么肤质呀？", "99块9"),
        ("只要169，您是什么肤质呀？", "只要169"),
        ("It's only 13 dollars! What's your skin type?", "13 dollars"),
        ("It is USD 20. What's your skin type?", "USD 20"),
        ("Just twenty bucks! What's your skin type?", "twenty bucks"),
        ("￥１９９就能带走，您是什么肤质呀？", "￥１９９"),
    ],
)
def test_a_price_in_any_form_is_an_early_pitch(guard, text, price):
    language = "en" if text.isascii() else "zh"
    assert price in hard(guard, text, language=language).get("early_pitch", [])


@pytest.mark.parametrize(
    "text",
    [
        "单笔订单实付满99元包邮，您是什么肤质呀？",
        "防晒用量大概一元硬币大小，户外记得两三个小时补涂一次。",
        "您的预算200元以内对吧？更喜欢清爽还是滋润的质地呢？",
        "脸上一块一块的泛红，是换季才这样吗？",
        "只要坚持3天就会舒服些，您平时用什么洁面呀？",
        "每次两三滴就够，您平时几点睡呀？",
        "Got it, under $30 in total, right? Which texture do you prefer?",
    ],
)
def test_policies_budgets_and_counts_are_not_prices(guard, text):
    stage = Stage.propose if "一元硬币" in text else Stage.ask
    language = "en" if text.isascii() else "zh"
    assert "early_pitch" not in hard(guard, text, stage=stage, language=language)


def test_prices_at_match_product_must_be_a_named_products_or_their_total(guard):
    slots = Slots(skin_types=["oily"], concerns=["acne"], budget_max=400)
    ok = "推荐沐研水杨酸净颜精华（¥169/30ml）和沐研烟酰胺控油凝露（¥129/50g），合计298元。"
    assert hard(guard, ok, Stage.match_product, slots=slots, ids=["MY-SE-01", "MY-MO-02"]) == {}
    bad = "推荐沐研水杨酸净颜精华，现在一百二十九元。"
    assert hard(guard, bad, Stage.match_product, slots=slots, ids=["MY-SE-01"])["ungrounded_fact"] == [
        "一百二十九元"
    ]
    foreign = "I'd pick the MUYAN Salicylic Clear Serum, just 23 dollars."
    assert "ungrounded_fact" in hard(guard, foreign, Stage.match_product, "en", slots=slots, ids=["MY-SE-01"])


# -- promotions ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "promised"),
    [
        ("给您打个八折，您是什么肤质呀？", True),
        ("第二件半价哦，您是什么肤质呀？", True),
        ("买一送一，您是什么肤质呀？", True),
        ("满199减30，您是什么肤质呀？", True),
        ("送您一张优惠券，您是什么肤质呀？", True),
        ("这单给您包邮，您是什么肤质呀？", True),
        ("打八折不能再低了，您是什么肤质呀？", True),
        ("We have a 50% discount this week! What's your skin type?", True),
        ("It's BOGO today! What's your skin type?", True),
        ("Use promo code GLOW! What's your skin type?", True),
        ("我这边没法私下给您打折，还请理解～您是什么肤质呀？", False),
        ("您说的八折活动我这边没有哦～您是什么肤质呀？", False),
        ("单笔订单实付满99元包邮，您是什么肤质呀？", False),
        ("限时秒杀和赠品不在价格保护范围内，您是什么肤质呀？", False),
        ("会员每单多送1份小样，以会员中心为准。您是什么肤质呀？", False),
        ("Prices and offers follow our store page, so I can't promise a discount. Skin type?", False),
        ("折叠好放进化妆包里就行，您平时出差多吗？", False),
    ],
)
def test_promotions_are_promises_unless_denied_or_store_policy(guard, text, promised):
    language = "en" if text.isascii() else "zh"
    assert ("unsupported_promise" in hard(guard, text, language=language)) is promised


# -- product names ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("推荐沐研水杨酸净颜精华", "MY-SE-01"),  # full name
        ("水杨酸净颜精华很好用", "MY-SE-01"),  # without the brand
        ("可以试试小绿瓶", "MY-SE-01"),  # alias
        ("可以试试小\u200b绿\u200b瓶", "MY-SE-01"),  # zero-width spaces
        ("可以试试小 绿 瓶", "MY-SE-01"),  # spaces
        ("晚上用焕颜精华", "MY-SE-08"),  # coined word + category
        ("亮眼精华不错", "MY-EY-01"),
        ("淡印的那支不错", "MY-SP-03"),  # coined word + counter
        ("清透水感防晒露很清爽", "MY-SU-02"),  # without brand and SPF
        ("try the MUYAN Salicylic Clear Serum", "MY-SE-01"),
        ("our Retinol Eye Cream", "MY-EY-03"),  # title case: written as a name
        ("the Bounce Serum at night", "MY-SE-06"),
    ],
)
def test_products_are_named_by_name_alias_and_distinctive_fragment(guard, text, named):
    assert guard.mentioned(text) == [named]


@pytest.mark.parametrize(
    "text",
    [
        "用温和的氨基酸洁面，配合保湿面霜",  # category and generic words only
        "肤色焕亮水润",  # 焕亮 without a category; 水 belongs to 水润
        "云朵般轻盈的质地",  # an everyday word
        "隐形痘痘贴可以遮一下",  # a kind of product
        "a retinol eye cream at night",  # generic words, not written as a name
        "rinse with cool water and a gentle cleanser",
        "精华、面霜、防晒都要有",
    ],
)
def test_generic_words_name_no_product(guard, text):
    assert guard.mentioned(text) == []
    assert "early_pitch" not in hard(guard, text + "，您觉得呢？", Stage.propose)


def test_the_brand_with_a_category_is_a_pitch_before_match_product(guard):
    assert hard(guard, "沐研的精华都很温和，您是敏感肌对吗？", Stage.uncover_need)["early_pitch"] == [
        "沐研的精华"
    ]
    assert "early_pitch" not in hard(guard, "我是沐研的护肤顾问，您是什么肤质呀？")


# -- banned claims ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("能根\u200b治痘痘，坚持用就好。", "根\u200b治"),
        ("能根*治闭口，坚持用就好。", "根*治"),
        ("效果1 0 0 %看得到，坚持就好。", "1 0 0 %"),
        ("消-炎效果很好，坚持用就好。", "消-炎"),
        ("七天就能美白，坚持用就好。", "七天就能美白"),
        ("This routine will c.u.r.e your acne, trust me.", "c.u.r.e"),
        ("It has n o side effects at all, so layer freely.", "n o side effects"),
        ("This is a miracle for dull skin, use it daily.", "miracle"),
    ],
)
def test_banned_claims_survive_interleaving(guard, text, words):
    language = "en" if text.isascii() else "zh"
    assert words in hard(guard, text, Stage.propose, language).get("banned_claim", [])


@pytest.mark.parametrize(
    "text",
    [
        "我们的产品很安全，温和不刺激，放心用。",
        "It keeps your skin secure and healthy with daily use.",
        "第1步洁面，第2步保湿。",
    ],
)
def test_no_claim_in_plain_advice(guard, text):
    language = "en" if text.isascii() else "zh"
    assert "banned_claim" not in hard(guard, text, Stage.propose, language)


# -- reply sanity ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "A1",
        '["A1","A2","A3"]',
        '["skin_types","concerns","budget_max"]',
        '["dry","skin_types"]',
        '{"variants": ["您好"]}',
        "skin_types, concerns, budget_max",
        "MY-SE-01",
        'variants: ["您好呀"]',
        "您的skin_types是油皮，对吗？",
        "您好呀～{stage_instruction}",
        "Ask 1–2 open, easy questions that surface the pain point (skin type, what bothers them)?",
    ],
)
def test_identifiers_fields_json_and_prompt_echoes_are_not_replies(guard, text):
    assert "not_a_reply" in hard(guard, text, language="en" if text.isascii() else "zh")


@pytest.mark.parametrize(
    "text",
    [
        "您好呀～请问您是什么肤质呢？",
        "Hi! What bothers you most about your skin lately?",
        "您平时用的是A醇还是B5类的精华呀？",
        "Is it mostly on your T-zone, or all over?",
    ],
)
def test_ordinary_replies_are_replies(guard, text):
    assert "not_a_reply" not in hard(guard, text, language="en" if text.isascii() else "zh")


@pytest.mark.parametrize(
    ("text", "stage", "language", "short"),
    [
        ("好的？", Stage.ask, "zh", True),
        ("您是什么肤质呀？", Stage.ask, "zh", False),
        ("嗯嗯，多保湿。", Stage.propose, "zh", True),
        ("先温和清洁，再好好保湿，别刷酸。", Stage.propose, "zh", False),
        ("Skin type?", Stage.ask, "en", True),
        ("What's your skin type, oily or dry?", Stage.ask, "en", False),
    ],
)
def test_minimum_length_per_stage(guard, text, stage, language, short):
    assert ("too_short" in hard(guard, text, stage, language)) is short


@pytest.mark.parametrize(
    ("text", "language", "wrong"),
    [
        ("Hi! What's your skin type, oily or dry?", "zh", True),
        ("您好呀～请问您是什么肤质呢？", "en", True),
        ("您好呀～请问您是什么肤质呢？T区容易出油吗？", "zh", False),
        ("Hi! What's your skin type, oily or dry?", "en", False),
    ],
)
def test_the_reply_is_in_the_customers_language(guard, text, language, wrong):
    assert ("language" in hard(guard, text, language=language)) is wrong


@pytest.mark.parametrize(
    ("text", "stage", "missing"),
    [
        ("您好呀～您平时是什么肤质呢？", Stage.ask, False),
        ("您是油皮，主要困扰是闭口，对吧？😊", Stage.uncover_need, False),
        ("这个思路您觉得可以吗？～", Stage.confirm_expectation, False),
        ("您好呀～有问题随时找我。", Stage.ask, True),
        ("您是油皮，主要困扰是闭口。", Stage.uncover_need, True),
        ("这个思路您觉得可以吗？有问题随时跟我说～", Stage.confirm_expectation, True),
        ("先温和清洁，再好好保湿，别刷酸。", Stage.propose, False),  # stage 3 needs no question
    ],
)
def test_stages_one_two_and_four_end_with_a_question(guard, text, stage, missing):
    assert ("missing_question" in hard(guard, text, stage)) is missing


@pytest.mark.parametrize(
    ("variants", "repeated"),
    [
        (
            [
                "您好呀～想先了解下您的肤质，是偏油还是偏干呢？",
                "您好～想先了解下您的肤质，是偏油还是偏干呢？",
            ],
            [1],
        ),
        (["您是油皮，主要困扰是闭口，对吧？", "您是油皮，主要困扰是闭口，对吗？"], [1]),
        (["您好～请问您是什么肤质呢？"] * 3, [1, 2]),
        (["Hi! What's your skin type?", "Hi! What's your skin type?!", "Hello! What bothers you most?"], [1]),
        (
            [
                "您好呀～想先了解下：出油主要在T区还是全脸？",
                "哈喽～为了给您更准确的建议，先问问：最近皮肤最让您困扰的是哪一点呢？",
                "亲～可以先跟我说说：您平时是偏油、偏干，还是混合型呀？",
            ],
            [],
        ),
        (
            [
                "质地上您更喜欢清爽一点还是滋润一点的？预算大概在多少呢？",
                "按这个方向来的话，质地上您更喜欢清爽一点还是滋润一点的？预算大概在多少呢？",
            ],
            [],
        ),
    ],
)
def test_a_variant_that_repeats_another_is_flagged(guard, variants, repeated):
    findings = guard.check_variants(
        variants,
        stage=Stage.ask,
        slots=Slots(),
        product_ids=[],
        language="zh" if not variants[0].isascii() else "en",
    )
    flagged = [i for i, f in enumerate(findings) if any(x.rule == "near_duplicate" for x in f)]
    assert flagged == repeated
    assert all(x.severity is Severity.hard for f in findings for x in f if x.rule == "near_duplicate")


# -- what a finding quotes -------------------------------------------------------------------
def test_each_finding_quotes_the_words_as_the_reply_shows_them(guard):
    reply = "亲～今天给您打个８折，小\u200b绿瓶只要九十九元，还能根 治痘痘哦！您是什么肤质呀？"
    found = hard(guard, reply)
    quoted = [text for texts in found.values() for text in texts]
    assert set(found) == {"unsupported_promise", "early_pitch", "banned_claim"}
    assert "８折" in quoted and "小\u200b绿瓶" in quoted and "九十九元" in quoted and "根 治" in quoted
    assert all(text in reply for text in quoted)


def test_a_full_name_of_known_words_counts_when_written_as_the_catalog_writes_it():
    # the catalog's key ingredients (saffron, turmeric) are known words, so this name has no coined word
    name = "Brightening Dark Spot and Anti-Aging Facial Serum with Saffron and Turmeric"
    products = [
        Product(
            id="S-1",
            name=name,
            category="serum",
            price=135,
            skin_types=[],
            concerns=[],
            key_ingredients=["Saffron", "Turmeric"],
        ),
        Product(id="S-2", name="Lip Mask", category="mask", price=20, skin_types=[], concerns=[]),
    ]
    guard = Guard(products)
    assert guard.mentioned(f"可以试试{name}，您觉得呢？") == ["S-1"]
    assert guard.mentioned(f"Try the {name}.") == ["S-1"]
    assert guard.mentioned(f"a {name.lower()} is one choice, a lip mask another") == []
