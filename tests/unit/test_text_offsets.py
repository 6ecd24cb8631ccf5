"""The mapped views of assistant.text read exactly like the plain ones, and point back at the
characters the operator sees (so the console can highlight a finding's words)."""

import random
from pathlib import Path

import pytest
import yaml

from assistant.text import (
    compact,
    compact_mapped,
    normalize,
    normalize_mapped,
    skeleton,
    skeleton_mapped,
    squash,
    squash_mapped,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [
    "",
    "根\u200b治",
    "你好！！！？？真的吗?!?!",
    "Ｈｅｌｌｏ　ｗｏｒｌｄ...",
    "e\u0301 cafe\u0301 ﬁne ㎖ ①",
    " a \n  b \r\n c\t ",
    "沐 研 净 颜 精 华",
    "c.u.r.e 1 0 0 %",
    "\ufeff开头的BOM和\u00ad软连字符\u2060",
    "ΟΔΟΣ İstanbul",
]


def eval_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "evals").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            texts.extend(str(v) for turn in case.get("conversation") or [] for v in turn.values())
            texts.append(case.get("chat") or "")
    return texts


def random_texts(n: int = 400) -> list[str]:
    rnd = random.Random(7)
    alphabet = list("ab 中文，。！？!?.…\u200b\u3000\t\n\r ＡＢ１２％¥e\u0301-~～*·")
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24))) for _ in range(n)]


@pytest.mark.parametrize(
    ("plain", "mapped"),
    [
        (normalize, normalize_mapped),
        (compact, compact_mapped),
        (squash, squash_mapped),
        (skeleton, skeleton_mapped),
    ],
)
def test_mapped_views_read_like_the_plain_ones(plain, mapped):
    for text in SAMPLES + eval_texts() + random_texts():
        view = mapped(text)
        assert view.text == plain(text), repr(text)
        assert len(view.spans) == len(view.text)
        assert all(0 <= s < e <= len(text) for s, e in view.spans)


@pytest.mark.parametrize(
    ("text", "word", "original"),
    [
        ("这个方法可以根\u200b治痘痘", "根治", "根\u200b治"),
        ("坚持用能根*治闭口", "根治", "根*治"),
        ("This will c.u.r.e acne", "cure", "c.u.r.e"),
        ("效果１ ０ ０ ％看得到", "100%", "１ ０ ０ ％"),
        ("推荐「沐研·B5修护精华」", "沐研b5修护精华", "沐研·B5修护精华"),
        ("ＢＯＧＯ deal", "bogo", "ＢＯＧＯ"),
    ],
)
def test_skeleton_words_point_back_at_the_original_characters(text, word, original):
    view = skeleton_mapped(text)
    start = view.text.index(word)
    assert view.source(start, start + len(word)) == original


def test_skeleton_drops_separators_but_keeps_meaningful_symbols():
    assert skeleton("１ ０ ０ ％ ¥99 SPF50+") == "100%¥99spf50+"
    assert skeleton("根 · 治，好！") == "根治好"
