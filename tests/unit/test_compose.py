"""Composition rules: one opener, questions last and never about what is known, no repeated phrase,
length by short forms and optional parts, English capitalised and punctuated."""

from assistant.drafting.compose import Part, compose


def test_one_opener_at_the_start_only():
    parts = [Part("opener", "您好呀～"), Part("answer", "付款后48小时内发货"), Part("opener", "明白啦～")]
    assert compose(parts, "zh").text == "您好呀～付款后48小时内发货。"
    assert (
        compose([Part("answer", "付款后48小时内发货"), Part("opener", "明白啦～")], "zh").text
        == "付款后48小时内发货。"
    )


def test_questions_last_one_per_topic_and_never_about_a_known_field():
    parts = [
        Part("question", "预算大概多少呢？", topic="budget"),
        Part("question", "质地喜欢清爽的还是滋润的？", topic="texture"),
        Part("approach", "建议先把清洁和保湿做好"),
        Part("question", "整体预算大概在多少呀？", topic="budget"),
        Part("question", "方便发一下订单号和照片吗？", topic="order_number+photo"),
    ]
    text = compose(parts, "zh", known={"texture", "photo"}).text
    assert text == "建议先把清洁和保湿做好。预算大概多少呢？"


def test_a_repeated_phrase_takes_the_short_form_or_an_optional_part_goes():
    parts = [
        Part("question", "您是油皮，最困扰的是出油、长痘，对吧？", topic="confirm"),
        Part("empathy", "出油、长痘真的挺烦心的", optional=2),
        Part("approach", "针对出油、长痘，建议温和清洁", short="建议温和清洁，控油补水一起做"),
    ]
    text = compose(parts, "zh").text
    assert text.count("出油、长痘") == 1 and "烦心" not in text and "建议温和清洁，控油补水一起做" in text


def test_too_long_drops_optional_parts_highest_first_and_pads_a_short_reply():
    parts = [
        Part("empathy", "这种情况真的挺影响心情的，能理解" * 3, optional=2),
        Part("fact", "补充一点：油皮也会缺水，外油内干时更容易出油", optional=3),
        Part("question", "您是油皮，对吧？", topic="confirm"),
    ]
    text = compose(parts, "zh", max_chars=60).text
    assert "影响心情" not in text and "外油内干" in text
    short = compose(
        [Part("question", "您是油皮，对吧？", topic="confirm")],
        "zh",
        min_chars=20,
        pads=[Part("fact", "确认清楚了，后面的方案才能对症", optional=3)],
    ).text
    assert short == "确认清楚了，后面的方案才能对症。您是油皮，对吧？"


def test_english_sentences_are_capitalised_and_punctuated():
    parts = [
        Part("opener", "Got it!"),
        Part("approach", "for dryness, use a gentle cleanser"),
        Part("question", "does this approach sound good to you?", topic="agree"),
    ]
    assert (
        compose(parts, "en").text
        == "Got it! For dryness, use a gentle cleanser. Does this approach sound good to you?"
    )


def test_items_on_their_own_lines_and_marks_limited():
    parts = [
        Part("intro", "给您配了这几样："),
        Part("item", "1. 洁面（¥99）", line=True),
        Part("item", "2. 精华（¥59）", line=True),
        Part("total", "一共¥158～"),
        Part("closing", "有问题随时找我～😊😊😊"),
    ]
    text = compose(parts, "zh").text
    assert text.split("\n")[1:3] == ["1. 洁面（¥99）", "2. 精华（¥59）"]
    assert text.count("😊") == 2 and text.count("～") <= 2
