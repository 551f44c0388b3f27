"""Drill-down links: the list behind a number, carrying the page's filters, for the page and the API alike."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from reports.selectors import NO_PAYER, ReportFilters

DIMENSIONS = {"payer": "payer_id", "provider": "provider_id", "location": "location_id"}
_UNSET = object()


def narrowed(filters: ReportFilters, **dims: Any) -> ReportFilters:
    """The filters narrowed to one payer / provider / location (a row of a "by ..." table).

    `payer=None` means "no payer" (self-pay lines), so the row's id can be passed as it is."""
    changes: dict[str, Any] = {}
    for name, attr in DIMENSIONS.items():
        value = dims.get(name, _UNSET)
        if value is _UNSET or value == "":
            continue
        changes[attr] = NO_PAYER if (name == "payer" and value in (None, "none")) else int(value)
    return replace(filters, **changes) if changes else filters


def drill_query(filters: ReportFilters, **params: Any) -> dict[str, str]:
    dims = {k: params.pop(k) for k in list(params) if k in DIMENSIONS}
    query = narrowed(filters, **dims).query()
    for key, value in params.items():
        if value in (None, "", False):
            continue
        query[key] = "1" if value is True else str(value)
    return query


def drill_url(filters: ReportFilters, kind: str, *, api: bool = False, **params: Any) -> str:
    """URL of the drill-down list `kind` (ar, claims, denials, money, coding) under `filters` + `params`."""
    name = "api-reports-list" if api else "reports:list"
    return f"{reverse(name, args=[kind])}?{urlencode(drill_query(filters, **params))}"
