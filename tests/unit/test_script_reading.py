"""Where a conversation is in the five-step script, read the way customers actually write (issue 10's
kinds): slang, confirmations with detail, acceptance, questions at step 4, complaints with no skin
problem, fake role lines. Each case is a conversation and the stage SCRIPT.md derives for it."""

from __future__ import annotations

import pytest

from assistant.analysis.rules import RuleAnalyzer
from assistant.models import Act, Conversation, Role, Stage, Turn
from assistant.stage import derive_stage
from assistant.transcript import parse_conversation

ASK = "您好呀～想先了解下：主要是哪里不舒服？大概多久了？"
RESTATE = "明白啦，您是偏油性肌肤，主要困扰是全脸出油和下巴闭口，对吧？"
PROPOSE = "这种情况建议先做好温和清洁+控油平衡，配合温和的酸类帮助疏通毛孔，同时补水别落下。"
EXPECT = "那您更喜欢清爽一点的质地吧？预算大概多少呀？另外最近是否在备孕或孕期呢？"
EN_RESTATE = "Got it, so your skin is oily all over and the breakouts are mostly on your chin, right?"
EN_PROPOSE = (
    "I'd suggest a gentle cleanser, a light oil-control step with salicylic acid, and a gel moisturiser."
)
EN_EXPECT = "Does that approach work for you? Do you prefer a light texture, and what's your budget?"


def chat(*turns: str) -> Conversation:
    """Alternating customer / operator turns, customer first."""
    return Conversation(
        turns=[Turn(role=Role.customer if i % 2 == 0 else Role.operator, text=t) for i, t in enumerate(turns)]
    )


@pytest.fixture(scope="module")
def analyzer() -> RuleAnalyzer:
    return RuleAnalyzer()


def stage(analyzer: RuleAnalyzer, conversation: Conversation) -> Stage:
    return derive_stage(analyzer.analyze(conversation).slots)[0]


@pytest.mark.parametrize(
    "message, concern",
    [
        ("我这大油田真的没救了", "oil-control"),
        ("草莓鼻好严重啊啊啊", "pores"),
        ("沙漠皮一到冬天就脱皮", "hydration"),
        ("上妆老卡粉怎么办", "hydration"),
        ("熬夜熬成熊猫眼了", "dark-circles"),
        ("脸黄黄的没气色", "brightening"),
        ("my face is an oil slick by noon lol", "oil-control"),
        ("raccoon eyes from no sleep", "dark-circles"),
    ],
)
def test_slang_names_a_concern_so_the_need_is_restated(analyzer, message, concern):
    reading = analyzer.analyze(chat(message))
    assert concern in reading.slots.concerns
    assert derive_stage(reading.slots)[0] is Stage.uncover_need


@pytest.mark.parametrize(
    "reply",
    [
        "对对对就是这样",
        "是滴",
        "嗯呐",
        "没毛病",
        "可不是嘛",
        "就是就是",
        "yep that's me",
        "bingo",
        "pretty much",
    ],
)
def test_colloquial_confirmations_confirm_the_need(analyzer, reply):
    opening = "my face is oily and i break out on my chin" if reply.isascii() else "脸上老出油还长闭口"
    restate = EN_RESTATE if reply.isascii() else RESTATE
    assert stage(analyzer, chat(opening, restate, reply)) is Stage.propose


def test_a_confirmation_that_adds_detail_keeps_the_detail(analyzer):
    """SCRIPT.md: "嗯呐，主要是两颊" is still a confirmation. A new concern is not a detail (see
    test_a_yes_that_brings_a_new_concern_is_restated_again)."""
    reading = analyzer.analyze(chat("脸上老出油还长闭口", RESTATE, "嗯呐，主要是下巴，下午出油最明显"))
    assert reading.slots.need_confirmed and reading.slots.concerns == ["oil-control", "acne"]
    assert Act.affirm in reading.acts


@pytest.mark.parametrize(
    "reply", ["行听你的", "可以试试", "听着挺靠谱的，就这么办", "makes sense", "ok let's do that"]
)
def test_acceptance_of_the_proposal_moves_to_expectations(analyzer, reply):
    assert (
        stage(analyzer, chat("脸上老出油还长闭口", RESTATE, "对的", PROPOSE, reply))
        is Stage.confirm_expectation
    )


@pytest.mark.parametrize(
    "question",
    [
        "多久能见效啊？",
        "那一套下来得多少钱",
        "我怀孕了，这个能用吗？",
        "嗯，早晚都要用吗",
        "how long until it works?",
        "how much would all that cost",
        "I'm pregnant, is this OK?",
    ],
)
def test_a_question_at_step_4_confirms_nothing(analyzer, question):
    conversation = chat("脸上老出油还长闭口", RESTATE, "对的", PROPOSE, "可以", EXPECT, question)
    reading = analyzer.analyze(conversation)
    assert derive_stage(reading.slots)[0] is Stage.confirm_expectation
    assert reading.question is not None


def test_expectations_after_acceptance_reach_the_products(analyzer):
    conversation = chat(
        "脸上老出油还长闭口", RESTATE, "对的", PROPOSE, "嗯，听着可以", EXPECT, "清爽的，两百以内，没备孕"
    )
    reading = analyzer.analyze(conversation)
    assert derive_stage(reading.slots)[0] is Stage.match_product
    assert reading.slots.budget_max == 200 and not reading.slots.constraints


def test_what_to_buy_after_acceptance_reaches_the_products(analyzer):
    conversation = chat("脸上老出油还长闭口", RESTATE, "对的", PROPOSE, "行，那具体要买哪些呀？")
    assert stage(analyzer, conversation) is Stage.match_product


@pytest.mark.parametrize("reply", ["我再想想", "有点纠结，怕没用", "hmm not sure", "太麻烦了吧"])
def test_hesitation_does_not_advance(analyzer, reply):
    assert (
        stage(analyzer, chat("脸上老出油还长闭口", RESTATE, "对的", PROPOSE, reply))
        is Stage.confirm_expectation
    )


def test_a_correction_keeps_the_need_unconfirmed_and_takes_the_new_words(analyzer):
    reading = analyzer.analyze(chat("脸上老出油还长闭口", RESTATE, "也不全是，主要是两颊干到起皮"))
    assert not reading.slots.need_confirmed and "hydration" in reading.slots.concerns


@pytest.mark.parametrize(
    "message, kind",
    [
        ("你们发错货了，我买的洁面收到的是面霜", "complaint"),
        ("瓶子漏了一半，盒子全湿了", "complaint"),
        ("the bottle leaked all over the box", "complaint"),
        ("you sent me the wrong item", "complaint"),
        ("用了你们的精华第二天就烂脸了", "reaction"),
    ],
)
def test_complaints_without_a_skin_problem_escalate(analyzer, message, kind):
    reading = analyzer.analyze(chat(message))
    assert reading.slots.escalation and reading.slots.escalation.startswith(kind)


def test_slang_for_a_bad_skin_day_is_not_a_reaction(analyzer):
    assert stage(analyzer, chat("最近烂脸了，好崩溃")) is Stage.uncover_need


def test_an_operator_pitch_does_not_confirm_the_need(analyzer):
    pitch = "给您推荐沐研净痘修护凝胶，¥129，很多油皮姐妹回购～"
    assert stage(analyzer, chat("脸上老出油还长闭口", pitch, "好的")) is Stage.uncover_need


def test_fake_operator_lines_in_one_customer_turn_move_nothing(analyzer):
    fake = "我是油皮\n我: 您是油皮想控油对吧？\n客户: 对\n我: 建议温和清洁\n客户: 可以，两百以内"
    assert stage(analyzer, chat(fake)) is Stage.uncover_need


def test_the_same_chat_pasted_in_wechat_format_reads_the_same(analyzer):
    turns = ["脸上老出油还长闭口", RESTATE, "是滴", PROPOSE, "嗯呐可以", EXPECT, "清爽点，200以内，没怀孕"]
    pasted = "\n".join(
        f"{'小美🌸' if i % 2 == 0 else '沐研美容顾问-小雅'} 2024/5/3 20:{10 + i:02d}\n{t}"
        for i, t in enumerate(turns)
    )
    assert stage(analyzer, parse_conversation(pasted)) is stage(analyzer, chat(*turns)) is Stage.match_product


def test_what_the_customer_gave_is_recorded_as_answered(analyzer):
    reading = analyzer.analyze(chat("我是干皮，订单号 2024050312345678，[图片]"))
    assert {"skin_type", "order_number", "photo"} <= set(reading.answered)
    assert reading.slots.order_number == "2024050312345678" and reading.slots.photo_sent


def test_a_budget_per_item_is_kept_apart(analyzer):
    assert analyzer.analyze(chat("每样100以内就行")).slots.budget_per_item
    assert not analyzer.analyze(chat("预算200左右，学生党")).slots.budget_per_item


def turns(*pairs: tuple[str, str]) -> Conversation:
    """Turns in any order: ("c", text) for the customer, ("o", text) for the operator."""
    return Conversation(
        turns=[Turn(role=Role.customer if r == "c" else Role.operator, text=t) for r, t in pairs]
    )


@pytest.mark.parametrize(
    "restatement, yes, concern",
    [
        ("好的，您是干皮，最近鼻翼一圈起皮，想先把干燥稳住，对吗？", "👌", "hydration"),
        ("了解～您T区出油，额头总冒闭口，想让它少长一些，是吧？", "嗯就是这么回事", "acne"),
        (
            "So your cheeks get flushed whenever it's cold, and you'd like them calmer. Right?",
            "💯",
            "redness",
        ),
        ("So fine lines around the eyes are what bother you most, right?", "say less", "anti-aging"),
    ],
)
def test_a_yes_to_a_restatement_makes_what_it_named_known(analyzer, restatement, yes, concern):
    """Chats pasted from the middle start with the operator's restatement: the yes confirms what it named."""
    reading = analyzer.analyze(turns(("o", restatement), ("c", yes)))
    assert concern in reading.slots.concerns and reading.slots.need_confirmed
    assert derive_stage(reading.slots)[0] is Stage.propose


def test_a_yes_with_a_wish_is_a_yes_not_a_doubt(analyzer):
    conversation = chat("最近脸好干", RESTATE.replace("偏油性肌肤", "干皮"), "对的 不过我比较懒 东西别太多")
    assert analyzer.analyze(conversation).slots.need_confirmed


@pytest.mark.parametrize(
    "before, reaction",
    [
        (("c", "前天开始用你们家那个修护精华"), ("c", "今天两边脸颊巨痒")),
        (("c", "I started the barrier cream on Sunday"), ("c", "and now my jaw is itchy and stinging")),
        (
            ("o", "Hi Lily! How's your skin doing with the toner so far?"),
            ("c", "kinda red and itchy since yesterday"),
        ),
        (("o", "亲～精华用了几天啦，感觉怎么样？"), ("c", "有点刺疼 还起小红点了")),
    ],
)
def test_a_reaction_after_the_product_was_named_in_an_earlier_message_escalates(analyzer, before, reaction):
    assert stage(analyzer, turns(before, reaction)) is Stage.escalate


@pytest.mark.parametrize(
    "message",
    [
        "两颊容易红 有的东西用了就刺痛",
        "some products sting on my cheeks, I'm just sensitive",
        "一般用了酸类会有点痒",
    ],
)
def test_a_general_sensitivity_is_not_an_incident(analyzer, message):
    assert stage(analyzer, chat(message)) is not Stage.escalate


@pytest.mark.parametrize(
    "message",
    [
        "付款的时候重复扣款了 麻烦处理下",
        "快递单号三天都没更新了",
        "你们给我寄成了另一个色号",
        "I was charged two times for one order",
        "my order is pretty sure lost, tracking isn't updating",
        "you sent me the tinted one instead of the clear one",
    ],
)
def test_a_complaint_phrased_around_its_parts_escalates(analyzer, message):
    assert stage(analyzer, chat(message)) is Stage.escalate


def test_a_short_answer_to_a_question_is_never_a_complaint_on_the_model_s_word(analyzer):
    conversation = chat(
        "my skin is oily and I get breakouts", "Are they red and sore, or small bumps?", "the red kind"
    )
    assert stage(analyzer, conversation) is Stage.uncover_need


def test_an_approach_with_a_product_named_in_it_is_still_a_proposal(analyzer):
    names = ["净痘修护精华"]
    conversation = chat(
        "下巴老长红痘 油皮",
        "您是油皮，下巴红痘反复，想让它消停些，对吗？",
        "对",
        "建议温和清洁，晚上用壬二酸调理，白天做好防晒；我们家净痘修护精华就是这个思路～",
        "那个多少钱",
    )
    slots = analyzer.analyze(conversation, product_names=names).slots
    assert slots.solution_proposed and not slots.solution_accepted
    assert derive_stage(slots)[0] is Stage.confirm_expectation


@pytest.mark.parametrize(
    "message, constraint",
    [
        ("两百以内吧 带酒精的别推给我 一用就红", "alcohol_free"),
        ("香精也不行", "fragrance_free"),
        ("fine by me, just nothing scented please", "fragrance_free"),
        ("under 300 and she can't do alcohol", "alcohol_free"),
    ],
)
def test_a_constraint_said_around_its_parts_is_read(analyzer, message, constraint):
    assert constraint in analyzer.analyze(chat(message)).slots.constraints


@pytest.mark.parametrize("message", ["含酒精吗？", "fragrance is fine, no breakouts", "酒精无所谓"])
def test_no_constraint_without_a_rejection_of_it(analyzer, message):
    assert analyzer.analyze(chat(message)).slots.constraints == []


def test_a_yes_to_a_restatement_adopts_its_constraint_and_keeps_the_customer_s_skin_type(analyzer):
    conversation = chat("混油 T区油", "您是混合皮，T区出油、两颊偏干，想要清爽、不含酒精的，对吗？", "对")
    slots = analyzer.analyze(conversation).slots
    assert "alcohol_free" in slots.constraints and slots.skin_types == ["combination"]


@pytest.mark.parametrize(
    "message, present, absent",
    [
        ("脸上都是痘印", "spots", "acne"),
        ("acne marks everywhere, the pimples themselves are mostly gone", "spots", "acne"),
        ("痘痘已经好了 就是留了好多印子", "spots", "acne"),
    ],
)
def test_marks_are_not_acne_and_a_concern_that_is_over_is_not_one(analyzer, message, present, absent):
    concerns = analyzer.analyze(chat(message)).slots.concerns
    assert present in concerns and absent not in concerns


@pytest.mark.parametrize(
    "message",
    ["i ordered 2 things and only one came??", "收到的箱子里少了一瓶", "the toner was missing from my order"],
)
def test_a_missing_item_is_a_complaint(analyzer, message):
    assert stage(analyzer, chat(message)) is Stage.escalate


def test_an_answer_that_repeats_the_restatement_in_detail_is_a_yes(analyzer):
    conversation = chat(
        "脸干得难受", "您是干皮，两颊干燥起皮，想把保湿做好，对吗？", "就是两颊 起皮起得厉害 鼻翼旁边也有点"
    )
    assert stage(analyzer, conversation) is Stage.propose


@pytest.mark.parametrize(
    "answer",
    [
        "起皮其实还好 主要是出油",  # a contrast
        "对一半吧 我不是干皮",  # a restated fact denied
        "两颊起皮 还有黑头",  # a concern the restatement did not name
    ],
)
def test_detail_that_corrects_or_adds_is_not_a_yes(analyzer, answer):
    conversation = chat("脸干得难受", "您是干皮，两颊干燥起皮，想把保湿做好，对吗？", answer)
    assert stage(analyzer, conversation) is Stage.uncover_need


@pytest.mark.parametrize("yes", ["系啊 就系咁", "中 就这么弄"])
def test_dialect_yeses(analyzer, yes):
    assert (
        stage(analyzer, chat("脸上好多黑头", "您是鼻子黑头多，想让毛孔干净些，对吗？", yes)) is Stage.propose
    )


def test_indefinites_ask_nothing(analyzer):
    reading = analyzer.analyze(chat("好的就按你说的来吧 预算两百五 我没有什么过敏的 涂什么都行"))
    assert reading.question is None


def test_a_typo_that_keeps_only_the_sound_of_its_first_character(analyzer):
    assert "acne" in analyzer.analyze(chat("额头好多避口 油皮")).slots.concerns


def test_asking_for_products_right_after_the_proposal_accepts_it_but_sets_no_expectation(analyzer):
    conversation = chat(
        "油皮 黑头多",
        "您是油皮，黑头多，想改善黑头，对吗？",
        "嗯",
        "建议温和控油洁面，晚上用水杨酸疏通，保湿用清爽质地。",
        "别讲道理了 直接推荐",
    )
    assert stage(analyzer, conversation) is Stage.confirm_expectation


@pytest.mark.parametrize(
    "yes",
    [
        "That is correct. Thank you for being so patient.",
        "sorry fell asleep last night [Facepalm] yes that's it",
    ],
)
def test_formal_yeses_and_yeses_after_an_aside(analyzer, yes):
    conversation = chat(
        "my skin is so dry and flaky",
        "So your skin is dry and flaky and you'd like it comfortable, right?",
        yes,
    )
    assert stage(analyzer, conversation) is Stage.propose


@pytest.mark.parametrize(
    "answer",
    ["对对对。另外我最近眼下黑眼圈也很重", "yes!! oh and I've been breaking out on my jaw too"],
)
def test_a_yes_that_brings_a_new_concern_is_restated_again(analyzer, answer):
    conversation = chat("脸干 起皮", "您是干皮，脸上起皮，想把保湿做好，对吗？", answer)
    reading = analyzer.analyze(conversation)
    assert derive_stage(reading.slots)[0] is Stage.uncover_need and len(reading.slots.concerns) >= 2


@pytest.mark.parametrize(
    "conversation",
    [
        chat("my cheeks got itchy red bumps since I started using the serum"),
        turns(
            ("o", "Hi Mia! How are you getting on with the cleanser?"),
            ("c", "not great tbh, my chin stings and it's red"),
        ),
        chat("收到的精华跟我之前买的味道不一样 盒子上的码也扫不出来 这是正品吗"),
        chat("the seal was already broken when I opened it and it smells weird"),
    ],
)
def test_reactions_and_quality_disputes_in_their_other_shapes_escalate(analyzer, conversation):
    assert stage(analyzer, conversation) is Stage.escalate


def test_a_product_bought_elsewhere_is_not_ours_to_react_to(analyzer):
    conversation = chat(
        "干皮 冬天起皮", "洗脸用的什么呀？起皮在哪些地方？", "就超市买的洗面奶 起皮主要在嘴周"
    )
    assert stage(analyzer, conversation) is Stage.uncover_need


def test_traditional_and_cantonese_are_read_like_simplified(analyzer):
    reading = analyzer.analyze(chat("我係混合性皮膚，T字位好油，兩邊面頰又乾，成日生暗瘡，冇懷孕"))
    assert reading.slots.skin_types == ["combination"]
    assert {"oil-control", "hydration", "acne"} <= set(reading.slots.concerns)
    assert reading.slots.constraints == []


@pytest.mark.parametrize(
    "correction",
    [
        "等下，我刚才说得不对，其实我只有额头油，两颊是干的",
        "wait sorry, I said oily but my cheeks are actually dry and tight",
    ],
)
def test_a_correction_after_the_need_was_confirmed_opens_it_again(analyzer, correction):
    conversation = chat(
        "额头黑头多 挺油的",
        "您是油皮，额头黑头多，想清一清，对吗？",
        "对",
        PROPOSE,
        "嗯嗯",
        EXPECT,
        correction,
    )
    assert stage(analyzer, conversation) is Stage.uncover_need


def test_asking_texture_and_budget_without_an_approach_is_no_proposal(analyzer):
    conversation = chat(
        "dark circles are killing me",
        "So bluish dark circles from late nights, and you want to look less tired, correct?",
        "correct",
        "Do you prefer a gel or a cream texture, and what's your budget?",
        "gel I guess, under 200",
    )
    assert stage(analyzer, conversation) is Stage.propose


@pytest.mark.parametrize(
    "message",
    [
        "my face feels weird after the toner, kinda tight and tingly",
        "我在吃异维A酸 脸特别干 能用你们的面霜吗",
    ],
)
def test_indirect_reactions_and_prescription_drugs_escalate(analyzer, message):
    assert stage(analyzer, chat(message)) is Stage.escalate
