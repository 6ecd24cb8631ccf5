"""The guard: every draft of every engine is checked against the rules of SCRIPT.md.

Each reply is read once (`reading.py`: normalised with assistant.text, every character mapped back
to the reply), so full-width forms, zero-width characters, spaces or punctuation inside a word do
not hide it, and each finding quotes the offending words as the reply shows them.

Hard findings are rule violations the draft must not be sent with: early pitch (a product by name,
alias or distinctive fragment, or a price, before match_product: `names.py`, `prices.py`), unfit or
unknown product, ungrounded fact, banned claim (`claims.py`), unsupported promise (`promotions.py`),
selling during an escalation, and reply sanity (`sanity.py`: not a reply, too short, wrong language,
no question where the script needs one, a variant repeating another). Soft findings are style
(length, emoji).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from assistant.fit import misfits
from assistant.guard.claims import find_claims
from assistant.guard.names import Mention, name_index
from assistant.guard.prices import Amount, find_amounts
from assistant.guard.promotions import find_promises, find_selling
from assistant.guard.reading import Reading
from assistant.guard.sanity import QUESTION_STAGES, check_reply, near_duplicates
from assistant.models import Finding, Language, Product, Severity, Slots, Stage

__all__ = ["QUESTION_STAGES", "Guard", "text_length"]

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(ml|g|克|毫升|片|fl\.?\s?oz|oz)(?![a-z])")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
MAX_CHARS = {("zh", False): 200, ("zh", True): 320, ("en", False): 450, ("en", True): 750}
_MAX_TOTAL_OF = 6  # a total may add up to this many of the named products' prices

Add = Callable[[str, Severity, str, str], None]


def text_length(text: str) -> int:
    """Characters as a reader sees them: each CJK character and each other character count once."""
    return len(text.strip())


class Guard:
    def __init__(self, products: list[Product]):
        self.products = {p.id: p for p in products}
        self.names = name_index(products)

    def _resolve(self, mention: Mention, declared: list[str]) -> list[str]:
        """The product a mention names: one of the recommended ones when it is ambiguous."""
        if len(mention.ids) == 1:
            return list(mention.ids)
        return [pid for pid in mention.ids if pid in declared]

    def mentioned(self, text: str) -> list[str]:
        """Ids of the products named in the text (by name, English name, alias or fragment)."""
        found: list[str] = []
        for mention in self.names.find(Reading.of(text)):
            found.extend(pid for pid in self._resolve(mention, []) if pid not in found)
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
        return self._check(Reading.of(text), stage, slots, product_ids, language, variant)

    def _check(
        self,
        reading: Reading,
        stage: Stage,
        slots: Slots,
        product_ids: list[str],
        language: Language,
        variant: int | None,
    ) -> list[Finding]:
        findings: list[Finding] = []

        def add(rule: str, severity: Severity, offending: str, message: str) -> None:
            findings.append(
                Finding(rule=rule, severity=severity, text=offending, message=message, variant=variant)
            )

        mentions = self.names.find(reading)
        amounts = [a for a in find_amounts(reading) if not a.policy]
        if stage is not Stage.match_product:
            self._early_pitch(stage, product_ids, mentions, amounts, add)
        else:
            said = {pid: m.text for m in mentions for pid in self._resolve(m, product_ids)}
            chosen = list(dict.fromkeys([*product_ids, *said]))
            for pid in chosen:
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
                    words = said.get(pid, product.name)  # as the reply names it, when it does
                    add("product_fit", Severity.hard, words, f"{product.id} does not fit: {reason}")
            self._grounding(reading, amounts, [self.products[p] for p in chosen if p in self.products], add)
        for span, kind in find_claims(reading):
            message = (
                "a time-bound or guaranteed result"
                if kind == "time_bound"
                else "a medical or absolute claim banned for cosmetics"
            )
            add("banned_claim", Severity.hard, span.source, message)
        for span in find_promises(reading):
            add(
                "unsupported_promise",
                Severity.hard,
                span.source,
                "a discount, gift or promotion is promised that the knowledge base does not contain",
            )
        if stage is Stage.escalate:
            for span in find_selling(reading)[:1]:
                add("escalation_selling", Severity.hard, span.source, "the reply sells during an escalation")
        for problem in check_reply(reading, stage, language):
            add(problem.rule, Severity.hard, problem.text, problem.message)
        self._style(reading.text, stage, language, add)
        return findings

    def check_variants(
        self, texts: list[str], *, stage: Stage, slots: Slots, product_ids: list[str], language: Language
    ) -> list[list[Finding]]:
        """Every variant of a draft, and the draft as a list: a variant that repeats another is flagged."""
        readings = [Reading.of(text) for text in texts]
        findings = [
            self._check(reading, stage, slots, product_ids, language, i) for i, reading in enumerate(readings)
        ]
        for later, earlier, value in near_duplicates(readings):
            findings[later].append(
                Finding(
                    rule="near_duplicate",
                    severity=Severity.hard,
                    text=texts[later].strip()[:30],
                    message=f"repeats variant {earlier + 1} (similarity {value:.2f}); offer a different reply",
                    variant=later,
                )
            )
        return findings

    def _early_pitch(
        self, stage: Stage, product_ids: list[str], mentions: list[Mention], amounts: list[Amount], add: Add
    ) -> None:
        said = {pid for m in mentions for pid in m.ids}
        for pid in dict.fromkeys(product_ids):
            if pid not in said:
                product = self.products.get(pid)
                add(
                    "early_pitch",
                    Severity.hard,
                    product.name if product else pid,
                    f"a product is recommended at stage {stage.value}, before match_product",
                )
        for mention in mentions:
            add(
                "early_pitch",
                Severity.hard,
                mention.text,
                f"a product is named at stage {stage.value}, before match_product",
            )
        for amount in amounts:
            add(
                "early_pitch",
                Severity.hard,
                amount.span.source,
                f"a price is given at stage {stage.value}, before match_product",
            )

    @staticmethod
    def _grounding(reading: Reading, amounts: list[Amount], products: list[Product], add: Add) -> None:
        prices = [p.price for p in products]
        totals = {
            round(sum(c), 2)
            for n in range(1, min(len(prices), _MAX_TOTAL_OF) + 1)
            for c in itertools.combinations(prices, n)
        }
        for amount in amounts:
            if not amount.cny:
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    amount.span.source,
                    "a price in a foreign currency: the catalog's prices are in CNY",
                )
            elif round(amount.value, 2) not in totals:
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    amount.span.source,
                    "this price matches none of the products named (nor their total)",
                )
        text = reading.compact
        sizes = " ".join((p.size or "") for p in products).lower().replace(" ", "")
        for m in _SIZE.finditer(text):
            if m.group(0).replace(" ", "") not in sizes:
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    reading.in_compact(m.start(), m.end()).source,
                    "this size matches none of the products named",
                )
        ingredients = " ".join(i for p in products for i in p.key_ingredients).replace(" ", "")
        for m in _PERCENT.finditer(text):
            if f"{m.group(1)}%" not in ingredients:
                add(
                    "ungrounded_fact",
                    Severity.hard,
                    reading.in_compact(m.start(), m.end()).source,
                    "this concentration is not in the products' ingredients",
                )

    @staticmethod
    def _style(text: str, stage: Stage, language: Language, add: Add) -> None:
        limit = MAX_CHARS[(language, stage is Stage.match_product)]
        if text_length(text) > limit:
            add(
                "length",
                Severity.soft,
                f"{text_length(text)} characters",
                f"longer than {limit} characters; WeChat replies should be short",
            )
        emoji = _EMOJI.findall(text)
        if len(emoji) > 2:
            add("emoji", Severity.soft, "".join(emoji), "at most a couple of emoji")
