"""Template helpers for the dashboard: drill-down links that carry the page's filters, and number formats."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from reports.links import drill_url

register = template.Library()


@register.simple_tag(takes_context=True)
def drill(context: Any, kind: str, **params: Any) -> str:
    """`{% drill "ar" age=b.key bucket="ins" payer=row.id %}`: the list behind a number, under the page's filters.

    `payer`, `provider` and `location` narrow the page's filters (a row of a by-payer table); everything else
    is the list's own parameter (`reports.selectors.ListParams`)."""
    return drill_url(context["filters"], kind, **params)


@register.filter
def pct(value: Any, places: int = 1) -> str:
    """A ratio as a percentage ("—" when there is nothing to divide by)."""
    if value is None:
        return "—"
    return f"{Decimal(value) * 100:.{places}f}%"


@register.filter
def money(value: Any) -> str:
    if value is None:
        return "—"
    return f"${Decimal(value):,.2f}"


@register.filter
def num1(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.1f}"


@register.filter
def at(seq: Any, index: int) -> Any:
    try:
        return seq[index]
    except (IndexError, KeyError, TypeError):
        return None


@register.simple_tag(takes_context=True)
def drill_from(context: Any, spec: dict[str, Any] | None) -> str:
    """A link from a KPI's `drill` / `den_drill` dict (`{"kind": ..., **params}`)."""
    if not spec:
        return ""
    params = dict(spec)
    return drill_url(context["filters"], params.pop("kind"), **params)


@register.filter
def urlencode_dict(value: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(value)
