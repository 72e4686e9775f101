"""Money and numbers as a treasurer reads them: £ with thousands separators, a real minus sign."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

MINUS = "\u2212"  # −, not a hyphen


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def gbp(value: Any, signed: bool = False) -> str:
    """£2,400,000 / −£10,000 / £1,234.50; `signed` puts + on positive amounts (differences)."""
    d = to_decimal(value)
    if d is None:
        return "\u2014" if value is None or value == "" else str(value)
    pence = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = pence == pence.to_integral_value()
    body = f"{abs(pence):,.0f}" if whole else f"{abs(pence):,.2f}"
    if pence < 0:
        return f"{MINUS}£{body}"
    if signed and pence > 0:
        return f"+£{body}"
    return f"£{body}"


def thousands(value: Any, dash_for_zero: bool = False) -> str:
    """Pounds in £'000s as in the reference report: 810, 1,733 (rounded half up)."""
    d = to_decimal(value)
    if d is None:
        return "\u2014"
    k = (d / 1000).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    if k == 0 and dash_for_zero:
        return "-"
    text = f"{abs(k):,.0f}"
    return f"{MINUS}{text}" if k < 0 else text


def count(value: Any, signed: bool = False) -> str:
    d = to_decimal(value)
    if d is None:
        return "\u2014" if value is None or value == "" else str(value)
    text = f"{abs(d):,f}" if d != d.to_integral_value() else f"{abs(int(d)):,}"
    if d < 0:
        return f"{MINUS}{text}"
    if signed and d > 0:
        return f"+{text}"
    return text


def amount(value: Any, unit: str | None, signed: bool = False) -> str:
    if unit == "GBP":
        return gbp(value, signed=signed)
    if unit == "rows":
        text = count(value, signed=signed)
        return text if text == "\u2014" else f"{text} rows" if text not in ("1", "+1", f"{MINUS}1") else f"{text} row"
    return count(value, signed=signed) if to_decimal(value) is not None else ("\u2014" if value is None else str(value))


def percent(fraction: Any) -> str:
    d = to_decimal(fraction)
    if d is None:
        return "\u2014"
    return f"{(d * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
