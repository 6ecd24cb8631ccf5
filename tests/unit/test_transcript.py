import pytest

from assistant.errors import InputError
from assistant.models import Role
from assistant.transcript import decode_text, parse_conversation


def roles(text: str) -> list[tuple[str, str]]:
    return [(t.role.value, t.text) for t in parse_conversation(text).turns]


def test_single_message_is_one_customer_turn():
    assert roles("你好，我脸上老出油") == [("customer", "你好，我脸上老出油")]


@pytest.mark.parametrize(
    "text",
    [
        "客户: 你好\n我: 您好～\n客户: 我是油皮",
        "客户：你好\n我：您好～\n客户：我是油皮",
        "Customer: 你好\nMe: 您好～\nCustomer: 我是油皮",
    ],
)
def test_prefixed_chat(text):
    assert roles(text) == [("customer", "你好"), ("operator", "您好～"), ("customer", "我是油皮")]


def test_prefixed_chat_joins_continuation_lines():
    turns = parse_conversation("客户: 你好\n我脸上老出油\n我: 出油在哪里呢？").turns
    assert turns[0].text == "你好\n我脸上老出油" and turns[1].role is Role.operator


def test_wechat_copied_format():
    text = "小美 2024-05-01 10:23\n你好，我脸上老出油\n\n美容顾问小林 2024-05-01 10:24\n您好～出油主要在T区吗？\n小美 2024/5/1 10:25:31\n全脸"
    turns = parse_conversation(text).turns
    assert [(t.role.value, t.speaker) for t in turns] == [
        ("customer", "小美"),
        ("operator", "美容顾问小林"),
        ("customer", "小美"),
    ]
    assert turns[-1].text == "全脸"


def test_wechat_without_operator_hint_uses_last_speaker_as_customer():
    text = "Lily 10:23\nhi there\nAnna 10:24\nhello, how can I help?\nLily 10:25\nmy skin is oily"
    assert [t.role.value for t in parse_conversation(text).turns] == ["customer", "operator", "customer"]


def test_unparseable_text_is_one_customer_message():
    text = "问题：我的脸 \n 很干：怎么办"
    assert roles(text) == [("customer", text.strip())]


@pytest.mark.parametrize("bad", ["", "   \n ", "\x00\x01binary\x00"])
def test_empty_or_binary_input_is_refused(bad):
    with pytest.raises(InputError):
        parse_conversation(bad)


def test_wrong_encoding_is_refused_clearly():
    with pytest.raises(InputError, match="decode|garbled|binary"):
        decode_text(bytes(range(128, 256)) * 4)


def test_gb18030_is_decoded():
    assert decode_text("你好，油皮".encode("gb18030")) == "你好，油皮"


def test_huge_paste_is_trimmed_to_recent_turns_with_notice():
    lines = []
    for i in range(4000):
        lines.append(f"客户: 第{i}条消息，我的脸很油")
        lines.append(f"我: 收到第{i}条")
    conversation = parse_conversation("\n".join(lines), max_chars=2000)
    assert conversation.turns[-1].text.startswith("收到第3999条")
    assert sum(len(t.text) for t in conversation.turns) <= 2000
    assert conversation.notices and "dropped" in conversation.notices[0]


def test_huge_single_message_keeps_its_end():
    text = "脸很干。" * 30000 + "最近还长痘"
    conversation = parse_conversation(text, max_chars=1000)
    assert conversation.turns[0].text.endswith("最近还长痘") and len(conversation.turns[0].text) == 1000
