"""The scrubber's building blocks: a finding, the rule registry, and the preloaded rule data.

A rule is a small named function `(claim, data) -> iterable of findings` registered with its code,
severity, the field it points at and a fix hint. It reads only its arguments: no queries, no clock
(`data.today` is the date), so scrubbing is a pure function of the claim and the rule data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from claims.snapshot import ClaimSnap

ERROR = "error"
WARNING = "warning"


class CodeInfoLike(Protocol):
    """What the scrubber needs from `coding.codesets.CodeInfo` (the code-set contract)."""

    system: str
    code: str
    label: str
    billable: bool
    sex: str | None
    age_min: int | None
    age_max: int | None
    excludes1: tuple[str, ...]
    requires_7th: bool
    manifestation: bool
    global_days: int | None


CodeIndex = Callable[[str, dt.date], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    field: str
    hint: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "message": self.message, "field": self.field,
                "hint": self.hint, "line": self.line}


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    effective: dt.date
    deletion: dt.date | None
    modifier_indicator: str
    rationale: str = ""

    def active_on(self, day: dt.date) -> bool:
        return self.effective <= day and (self.deletion is None or day <= self.deletion)


@dataclass(frozen=True, slots=True)
class MueLimit:
    code: str
    value: int
    per_day: bool
    rationale: str = ""


@dataclass(frozen=True, slots=True)
class PayerRuleData:
    kind: str
    value: str
    severity: str
    message: str = ""

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c.strip().upper() for c in self.value.split(",") if c.strip())


@dataclass(frozen=True, slots=True)
class EligibilityAnswer:
    active: bool | None
    plan_name: str
    asked_on: dt.date
    errors: tuple[str, ...] = ()


@dataclass
class RuleData:
    """Everything the rules consult besides the claim, loaded once per batch of claims."""

    today: dt.date
    code_index: CodeIndex | None = None
    ptp: Mapping[tuple[str, str], tuple[PtpEdit, ...]] = field(default_factory=dict)
    mue: Mapping[str, MueLimit] = field(default_factory=dict)
    payer_rules: Mapping[int, tuple[PayerRuleData, ...]] = field(default_factory=dict)
    # (patient, date of service, code, rendering provider, payer) -> ids of live claims billing it
    billed: Mapping[tuple[int, dt.date, str, int, int], frozenset[int]] = field(default_factory=dict)
    # claim id -> the newest answered 270/271 for its coverage on its date of service
    eligibility: Mapping[int, EligibilityAnswer] = field(default_factory=dict)
    _indexes: dict[tuple[str, dt.date], Mapping[str, Any] | None] = field(default_factory=dict, repr=False)

    def codes(self, system: str, on: dt.date) -> Mapping[str, Any] | None:
        """The code-set version in effect on `on` (memoized per batch; None when no code sets are loaded)."""
        if self.code_index is None:
            return None
        try:
            index = self._indexes[(system, on)]
        except KeyError:
            index = self._indexes[(system, on)] = self.code_index(system, on)
        return index or None  # an empty edition means "not loaded", not "every code is invalid"

    def lookup(self, system: str, code: str, on: dt.date) -> Any | None:
        index = self.codes(system, on)
        return None if index is None else index.get(code)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str
    field: str
    hint: str
    family: str
    fn: Callable[[ClaimSnap, RuleData, Rule], Iterable[Finding]]

    def check(self, claim: ClaimSnap, data: RuleData) -> Iterable[Finding]:
        return self.fn(claim, data, self)

    def finding(self, message: str, *, field: str | None = None, hint: str | None = None, line: int | None = None,
                severity: str | None = None) -> Finding:
        return Finding(self.code, severity or self.severity, message, field or self.field, hint or self.hint, line)


RULES: dict[str, Rule] = {}


def rule(*, code: str, severity: str, title: str, field: str, hint: str, family: str) -> Callable[[Callable[..., Any]], Rule]:
    """Register a rule. The decorated generator receives `(claim, data, r)` where `r` makes findings."""

    def register(fn: Callable[[ClaimSnap, RuleData, Rule], Iterator[Finding]]) -> Rule:
        r = Rule(code=code, severity=severity, title=title, field=field, hint=hint, family=family, fn=fn)
        if code in RULES:
            raise ValueError(f"duplicate scrub rule {code}")
        RULES[code] = r
        return r

    return register


def line_field(line_number: int, name: str) -> str:
    return f"lines.{line_number}.{name}"
