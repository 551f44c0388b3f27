"""The code-set API: look codes up as of a date of service, in bulk from process memory, or by search.

Coding owns it; the claims scrubber relies on `CodeInfo`, `code_lookup` and `code_index`
exactly as named here. Versions are chosen by date (ICD-10-CM fiscal years start
October 1); a version with no end date stays in effect until a newer one is loaded.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Length

from coding.models import Code, CodeSetVersion, CodeSystem

SYSTEMS = tuple(CodeSystem.values)
_VERSIONS_TTL = 60.0  # seconds a process trusts its list of versions before re-reading it


@dataclass(frozen=True)
class CodeInfo:
    system: str                 # "ICD10CM" | "CPT" | "HCPCS" | "MODIFIER"
    code: str                   # ICD with the dot ("L57.0"); CPT/HCPCS 5 chars; modifier 2 chars
    label: str                  # ICD/HCPCS official short text; CPT: OUR OWN plain-language label (never AMA text)
    billable: bool              # ICD leaf codes; CPT/HCPCS/modifiers True unless deleted
    sex: str | None = None      # "M"/"F" when the code applies to one sex only, else None
    age_min: int | None = None  # age edits (years), e.g. pediatric / newborn / maternity codes; None = no edit
    age_max: int | None = None
    excludes1: tuple[str, ...] = ()   # ICD Excludes1 code prefixes
    requires_7th: bool = False        # ICD category needs a 7th character and this code lacks it
    manifestation: bool = False       # ICD "code first" manifestation code (never first-listed)
    global_days: int | None = None    # CPT/HCPCS global period (0, 10, 90) where known, None otherwise


@dataclass(frozen=True)
class VersionInfo:
    id: int
    system: str
    label: str
    effective_from: datetime.date
    effective_to: datetime.date | None

    def covers(self, on: datetime.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


_lock = threading.Lock()
_versions: dict[str, list[VersionInfo]] = {}
_versions_read_at = 0.0
_indexes: dict[int, Mapping[str, CodeInfo]] = {}


def normalize_code(system: str, code: str) -> str:
    """The stored spelling: ICD upper case with its dot after the category, others upper case."""
    raw = (code or "").strip().upper()
    if system == CodeSystem.ICD10CM:
        raw = raw.replace(".", "")
        return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"
    return raw


def codesets_cache_clear(*, indexes: bool = True) -> None:
    """Forget cached versions (and indexes) — loaders call this; other processes re-read within a minute.

    Version ids are never reused, so an index cached for an id stays right while that version exists.
    """
    global _versions_read_at
    with _lock:
        _versions.clear()
        if indexes:
            _indexes.clear()
        _versions_read_at = 0.0


def _all_versions() -> dict[str, list[VersionInfo]]:
    global _versions_read_at
    now = time.monotonic()
    with _lock:
        if _versions and now - _versions_read_at < _VERSIONS_TTL:
            return _versions
    fresh: dict[str, list[VersionInfo]] = {}
    for v in CodeSetVersion.objects.order_by("system", "-effective_from", "-id"):
        fresh.setdefault(v.system, []).append(VersionInfo(v.pk, v.system, v.label, v.effective_from, v.effective_to))
    with _lock:
        stale = {vid for vs in _versions.values() for vid in (x.id for x in vs)} - {
            x.id for vs in fresh.values() for x in vs}
        for vid in stale:
            _indexes.pop(vid, None)
        _versions.clear()
        _versions.update(fresh)
        _versions_read_at = now
        return _versions


def version_for(*, system: str, on: datetime.date) -> VersionInfo | None:
    """The version of `system` in effect on `on` (the latest-starting one if several cover the date)."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown code system {system!r}")
    for version in _all_versions().get(system, []):
        if version.covers(on):
            return version
    return None


def _info(row: Code | dict[str, Any]) -> CodeInfo:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return CodeInfo(system=get("system"), code=get("code"), label=get("label"), billable=get("billable"),
                    sex=get("sex") or None, age_min=get("age_min"), age_max=get("age_max"),
                    excludes1=tuple(get("excludes1") or ()), requires_7th=get("requires_7th"),
                    manifestation=get("manifestation"), global_days=get("global_days"))


_INFO_FIELDS = ("system", "code", "label", "billable", "sex", "age_min", "age_max", "excludes1", "requires_7th",
                "manifestation", "global_days")


def code_index(*, system: str, on: datetime.date) -> Mapping[str, CodeInfo]:
    """All codes of that version, cached in process memory (for bulk scrubbing at thousands of claims/s)."""
    version = version_for(system=system, on=on)
    if version is None:
        return MappingProxyType({})
    cached = _indexes.get(version.id)
    if cached is not None:
        return cached
    rows = Code.objects.filter(version_id=version.id).values(*_INFO_FIELDS).iterator(chunk_size=20000)
    index = MappingProxyType({r["code"]: _info(r) for r in rows})
    with _lock:
        _indexes[version.id] = index
    return index



def code_lookup(*, system: str, code: str, on: datetime.date) -> CodeInfo | None:
    """The code as of the code-set version in effect on `on` (ICD-10-CM fiscal year starts Oct 1); None if absent."""
    version = version_for(system=system, on=on)
    if version is None:
        return None
    key = normalize_code(system, code)
    cached = _indexes.get(version.id)
    if cached is not None:
        return cached.get(key)
    row = Code.objects.filter(version_id=version.id, code=key).values(*_INFO_FIELDS).first()
    return _info(row) if row else None


# --- search -----------------------------------------------------------------------------------
CODE_LIKE = re.compile(r"^(?:[A-Z]\d[0-9A-Z]?\.?[0-9A-Z]{0,4}|\d{1,4}[0-9FTU]?|[A-V]\d{1,4})$")
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class SearchHit:
    system: str
    code: str
    label: str
    billable: bool


def code_search(*, query: str, on: datetime.date, systems: tuple[str, ...] = SYSTEMS, limit: int = 20,
                billable_only: bool = False) -> list[SearchHit]:
    """Typeahead over codes and words, ranked: exact code, code prefix, then word matches by rank.

    Abbreviations coders type (BCC, AK, HTN, T2DM …) are expanded with the engine's synonym list.
    """
    query = (query or "").strip()
    if not query:
        return []
    version_ids = [v.id for s in systems if (v := version_for(system=s, on=on)) is not None]
    if not version_ids:
        return []
    base = Code.objects.filter(version_id__in=version_ids)
    if billable_only:
        base = base.filter(billable=True)
    hits: list[SearchHit] = []
    seen: set[tuple[str, str]] = set()

    def take(rows: Any) -> None:
        for r in rows:
            key = (r.system, r.code)
            if key not in seen and len(hits) < limit:
                seen.add(key)
                hits.append(SearchHit(r.system, r.code, r.label, r.billable))

    upper = query.upper()
    if CODE_LIKE.match(upper.replace(" ", "")):
        icd = normalize_code(CodeSystem.ICD10CM, upper)
        prefixes = {upper, icd}
        cond = Q()
        for p in prefixes:
            cond |= Q(code__startswith=p)
        rows = (base.filter(cond)
                .annotate(exact=Case(When(code__in=list(prefixes), then=Value(0)), default=Value(1),
                                     output_field=IntegerField()), n=Length("code"))
                .order_by("exact", "n", "code")[:limit])
        take(rows)
    if len(hits) < limit:
        words = WORD.findall(_expand_abbreviations(query.lower()))
        if words:
            tsquery = " & ".join(f"{w}:*" for w in words)
            sq = SearchQuery(tsquery, search_type="raw", config="simple")
            rows = (base.filter(search=sq)
                    .annotate(rank=SearchRank(F("search"), sq), n=Length("label"))
                    .order_by("-billable", "-rank", "n", "code")[: limit * 2])
            take(rows)
    return hits


def _expand_abbreviations(text: str) -> str:
    from coding.engine.lexicon import ABBREVIATIONS

    return " ".join(ABBREVIATIONS.get(w, w) for w in text.split())
