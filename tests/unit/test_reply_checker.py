"""The reply checker finds what operators said they would rewrite (issue 11), and passes a clean reply."""

import pytest

from assistant.drafting.checker import check_reply, duplicated_phrases, question_topics


def rules(text: str, language: str = "zh", **kw) -> list[str]:
    return [f.rule for f in check_reply(text, language=language, **kw)]


@pytest.mark.parametrize(
    "text, language, rule",
    [
        (
            "想帮您挑到真正合适的，先确认一两个小问题～明白啦，您现在主要困扰是出油、长痘，对吧？",
            "zh",
            "openers",
        ),
        (
            "您这种出油、长痘的出油、长痘，关键是温和清洁，控油和补水一起做，不用一下子用很多东西哦。",
            "zh",
            "duplicated_phrase",
        ),
        (
            "Got it — dry skin with fine lines, right? Also, Would you say your skin is oily?",
            "en",
            "capitalisation",
        ),
        (
            "好的,我帮您看看。您平时用什么洗面奶呢？您的皮肤状态最近怎么样呀，有没有特别干？",
            "zh",
            "punctuation",
        ),
        (
            "您好～预算大概多少呢？整体预算大概在多少呀？我好按这个给您挑适合的东西哦。",
            "zh",
            "question_topics",
        ),
        ("好的～", "zh", "too_short"),
        ("您好～{questions}", "zh", "template_leak"),
    ],
)
def test_issue_examples_are_found(text, language, rule):
    assert rule in rules(text, language)


def test_a_question_about_a_known_field_is_a_reask_and_a_restatement_is_not():
    asks = "明白啦～您平时皮肤是偏油、偏干，还是T区油两颊干的混合型呀？我好给您更准确的建议哦。"
    restates = "明白啦～您是干皮，现在最困扰的是干燥起皮，对吧？确认清楚了，后面的方案才能对症。"
    assert "reask" in rules(asks, known=["skin_type"])
    assert "reask" not in rules(asks, known=["budget"])
    assert rules(restates, known=["skin_type", "concerns"]) == []
    assert "reask" in rules("I'm sorry! Could you send your order number?", "en", known=["order_number"])
    assert question_topics("You have dry skin and what bothers you most is dryness, right?", "en") == set()


def test_product_names_are_masked_so_one_line_of_products_is_no_repetition():
    text = "1. 沐研水杨酸净透洁面啫喱（¥99）：温和洁面\n2. 沐研水杨酸净颜精华（¥169）：疏通毛孔"
    assert duplicated_phrases(text, "zh") == ["沐研水杨酸净"]
    assert duplicated_phrases(text, "zh", names=["沐研水杨酸净透洁面啫喱", "沐研水杨酸净颜精华"]) == []


def test_a_reply_that_reads_as_one_voice_has_no_findings():
    zh = "明白啦～您是油皮，现在最困扰的是出油和闭口，对吧？想先确认清楚，后面的建议才不会跑偏。"
    en = "Thanks, that helps! So it's oily skin, and you mainly want to sort out breakouts, is that right?"
    assert rules(zh) == [] and rules(en, "en") == []
