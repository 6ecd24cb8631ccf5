"""The guard: every draft of every engine is checked against the rules of SCRIPT.md.

Hard findings are rule violations the draft must not be sent with (early pitch, unfit or unknown
product, ungrounded fact, banned claim, unsupported promise, selling during an escalation).
Soft findings are style (a missing question, length, language, emoji).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from assistant.analysis.language import detect_language
from assistant.fit import misfits
from assistant.lexicon import LEXICON_DIR
from assistant.models import Finding, Language, Product, Severity, Slots, Stage

_PRICE = re.compile(r"(?:[¥￥$]\s*(\d+(?:\.\d+)?))|(?:(\d+(?:\.\d+)?)\s*(?:元|块|rmb|RMB|yuan))")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(ml|mL|ML|g|克|毫升|片)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_PROMISE = re.compile(
    r"(?:给您|帮您|可以|能)(?:打|申请)?\s*[一二三四五六七八九\d.]+\s*折|(?:送|赠)(?:您|你)|免单|优惠券|返现|红包|内部价|"
    r"给您(?:优惠|便宜|减)|(?i:\d+\s*%\s*off\b|\bfree gift\b|\bcoupon\b|\bi can (?:give|offer) you\b)"
)
_SELLING = re.compile(r"下单|链接|活动价|限时|抢购|回购|囤货|(?i:\border now\b|\bbuy now\b|\blimited time\b)")
MAX_CHARS = {("zh", False): 200, ("zh", True): 320, ("en", False): 450, ("en", True): 750}
QUESTION_STAGES = (Stage.ask, Stage.uncover_need, Stage.confirm_expectation)


@dataclass(frozen=True)
class BannedTerms:
    zh: tuple[str, ...]
    en: re.Pattern[str]
    time_bound: tuple[re.Pattern[str], ...]


@cache
def banned_terms(path: Path = LEXICON_DIR / "banned_claims.yaml") -> BannedTerms:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    zh = tuple(sorted({*data["medical"], *data["absolute"], *data["ad_law"]}, key=len, reverse=True))
    en = re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(t) for t in data["en"]) + r")(?![a-z])", re.I)
    return BannedTerms(zh, en, tuple(re.compile(p) for p in data["time_bound"]))


def _is_policy_amount(text: str, match: re.Match[str]) -> bool:
    """满99元包邮 / free shipping over ¥99 / 累计消费满500元: a store policy, not a product price."""
    around = text[max(0, match.start() - 8) : match.end() + 8].lower()
    return any(word in around for word in ("包邮", "满", "运费", "累计", "消费", "shipping", "over", "spend"))


def text_length(text: str) -> int:
    """Characters as a reader sees them: each CJK character and each other character count once."""
    return len(text.strip())


class Guard:
    def __init__(self, products: list[Product]):
        self.products = {p.id: p for p in products}
        self._names = sorted(
            ((name, p.id) for p in products for name in p.names() if len(name) >= 2),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    def mentioned(self, text: str) -> list[str]:
        """Ids of products named (by name, English name or alias) in the text."""
        lowered = text.lower()
        found: list[str] = []
        for name, pid in self._names:
            if name.lower() in lowered and pid not in found:
                found.append(pid)
        return found

    def check(
        self,
        text: str,
        *,
        stage: Stage,
        slots: Slots,
        product_ids: list[str],
        language: Language,
        variant: int | None = None,
    ) -> list[Finding]:
        findings: list[Finding] = []

        def add(rule: str, severity: Severity, offending: str, message: str) -> None:
            findings.append(
                Finding(rule=rule, severity=severity, text=offending, message=message, variant=variant)
            )

        named = self.mentioned(text)
        prices = [m.group(0) for m in _PRICE.finditer(text) if not _is_policy_amount(text, m)]
        if stage is not Stage.match_product:
            for pid in dict.fromkeys([*product_ids, *named]):
                product = self.products.get(pid)
                add(
                    "early_pitch",
                    Severity.hard,
                    product.name if product else pid,
                    f"a product is named at stage {stage.value}, before match_product",
                )
            for price in prices:
                add(
                    "early_pitch",
                    Severity.hard,
                    price,
                    f"a price is given at stage {stage.value}, before match_product",
                )
        else:
            for pid in dict.fromkeys([*product_ids, *named]):
                product = self.products.get(pid)
                if product is None:
                    add(
                        "unknown_product",
                        Severity.hard,
                        pid,
                        "the recommended product is not in the knowledge base",
                    )
                    continue
                for reason in misfits(product, slots):
                    add("product_fit", Severity.hard, product.name, f"{product.id} does not fit: {reason}")
            findings.extend(
                self._grounding(
                    text,
                    [self.products[p] for p in dict.fromkeys([*product_ids, *named]) if p in self.products],
                    add,
                )
            )
        self._claims(text, add)
        promise = _PROMISE.search(text)
        if promise:
            add(
                "unsupported_promise",
                Severity.hard,
                promise.group(0),
                "a discount or gift is promised that the knowledge base does not contain",
            )
        if stage is Stage.escalate:
            selling = _SELLING.search(text)
            if selling:
                add(
                    "escalation_selling",
                    Severity.hard,
                    selling.group(0),
                    "the reply sells during an escalation",
                )
        self._style(text, stage, language, add)
        return findings

    def _grounding(self, text: str, products: list[Product], add) -> list[Finding]:  # type: ignore[no-untyped-def]
        known_prices = {p.price for p in products}
        for m in _PRICE.finditer(text):
            value = float(m.group(1) or m.group(2))
            if value not in known_prices:
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    m.group(0),
                    "this price matches none of the products named",
                )
        sizes = " ".join((p.size or "") for p in products).lower().replace(" ", "")
        for m in _SIZE.finditer(text):
            if m.group(0).lower().replace(" ", "") not in sizes:
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    m.group(0),
                    "this size matches none of the products named",
                )
        ingredients = " ".join(i for p in products for i in p.key_ingredients)
        for m in _PERCENT.finditer(text):
            if f"{m.group(1)}%" not in ingredients.replace(" ", ""):
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    m.group(0),
                    "this concentration is not in the products' ingredients",
                )
        return []

    @staticmethod
    def _claims(text: str, add) -> None:  # type: ignore[no-untyped-def]
        terms = banned_terms()
        for term in terms.zh:
            if term in text:
                add("banned_claim", Severity.hard, term, "a medical or absolute claim banned for cosmetics")
        for m in terms.en.finditer(text):
            add("banned_claim", Severity.hard, m.group(0), "a medical or absolute claim banned for cosmetics")
        for pattern in terms.time_bound:
            found = pattern.search(text)
            if found:
                add("banned_claim", Severity.hard, found.group(0), "a time-bound or guaranteed result")

    @staticmethod
    def _style(text: str, stage: Stage, language: Language, add) -> None:  # type: ignore[no-untyped-def]
        if stage in QUESTION_STAGES and not re.search(r"[？?][\s～~😊🙂]*$", text.strip()):
            add(
                "missing_question",
                Severity.soft,
                text.strip()[-20:],
                f"stage {stage.value} should end with a question to the customer",
            )
        limit = MAX_CHARS[(language, stage is Stage.match_product)]
        if text_length(text) > limit:
            add(
                "length",
                Severity.soft,
                f"{text_length(text)} characters",
                f"longer than {limit} characters; WeChat replies should be short",
            )
        reply_language = detect_language(text)
        if reply_language != language:
            add(
                "language",
                Severity.soft,
                text[:20],
                f"the customer wrote in {language}, the reply is in {reply_language}",
            )
        emoji = _EMOJI.findall(text)
        if len(emoji) > 2:
            add("emoji", Severity.soft, "".join(emoji), "at most a couple of emoji")
