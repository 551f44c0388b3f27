"""Small template helpers for the claims pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from claims.scrub import RULES

register = template.Library()

STATUS_BADGE = {"draft": "muted", "scrubbed_errors": "err", "clean": "ok", "queued": "", "submitted": "",
                "accepted": "ok", "rejected": "err", "paid": "ok", "partially_paid": "warn", "denied": "err",
                "closed": "muted", "void": "muted", "replaced": "muted"}


@register.filter
def rule_title(code: str) -> str:
    r = RULES.get(code)
    return r.title if r else code


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "")


@register.filter
def days_until(day: dt.date | None, today: dt.date) -> int | None:
    return (day - today).days if day else None


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)
