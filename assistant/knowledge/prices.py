"""Catalog prices, parsed strictly: one positive amount in CNY (¥199, ￥199, 199元, 199.00, 1,299).

Negative amounts, ranges (99-199), scientific notation (1e3) and foreign currencies ($19.99, USD,
€) are refused with the reason, so a row never gets a price it does not say. A column whose header
says USD (price_usd, Price ($)) is read as dollars and converted at ASSISTANT_USD_TO_CNY.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CNY = re.compile(rf"^(?:[¥]|rmb|cny)?\s*{_AMOUNT}\s*(?:元|块|rmb|cny)?$", re.I)
_USD = re.compile(rf"^(?:us\s*\$|\$|usd)?\s*{_AMOUNT}\s*(?:usd|dollars?)?$", re.I)
_RANGE = re.compile(r"\d\s*(?:-|~|～|—|–|至|到)\s*[¥$]?\s*\d")
_SCIENTIFIC = re.compile(r"\d\s*e\s*[+-]?\d", re.I)
_FOREIGN = re.compile(r"\$|usd|dollar|美元|美金|€|eur|£|gbp|hkd|港币|日元|円|jpy|₩|krw|欧元|英镑", re.I)
_CNY_MARK = re.compile(r"[¥]|rmb|cny|元|块", re.I)


def parse_price(value: Any, currency: str = "CNY", usd_to_cny: float = 7.2) -> float:
    """The price in CNY; ValueError saying why `value` is not one price."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a price")
    if isinstance(value, int | float):
        amount = float(value)
        if not math.isfinite(amount) or amount <= 0:
            raise ValueError(f"{value!r} is not a positive price")
        return round(amount * usd_to_cny, 2) if currency == "USD" else amount
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        raise ValueError("required value is missing")
    if text.startswith(("-", "−")) or re.match(r"^[¥$]\s*-", text):
        raise ValueError(f"{text!r} is negative; a price is a positive amount")
    if _RANGE.search(text):
        raise ValueError(f"{text!r} is a range; give one price")
    if _SCIENTIFIC.search(text):
        raise ValueError(f"{text!r} is in scientific notation; write the amount out (e.g. 1000)")
    if currency == "USD":
        if _CNY_MARK.search(text):
            raise ValueError(f"{text!r} is in CNY but the column is in USD")
        match = _USD.match(text)
    else:
        if _FOREIGN.search(text):
            raise ValueError(f"{text!r} is in a foreign currency; give the price in CNY (199, ¥199, 199元)")
        match = _CNY.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a price (e.g. 199, ¥199, 199元, 1,299)")
    amount = float(match.group("amount").replace(",", ""))
    if amount <= 0:
        raise ValueError(f"{text!r} is not a positive price")
    return round(amount * usd_to_cny, 2) if currency == "USD" else amount
