"""Money is Decimal with two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial

from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

MoneyField = partial(models.DecimalField, max_digits=12, decimal_places=2)


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse a money value; floats are refused because they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal or a string")
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("$", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal) -> str:
    return f"{to_money(value):.2f}"
