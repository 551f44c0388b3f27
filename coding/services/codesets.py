"""Loading code sets: what ships with the project, and the official files a practice may import.

Every loader is idempotent (a version whose source checksum is unchanged is skipped) and
fast: rows go in with PostgreSQL COPY and the search vectors are built in one UPDATE.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from coding.codesets import codesets_cache_clear
from coding.formats import cpt_file, hcpcs_anweb, icd10cm_order, icd10cm_tabular
from coding.formats.icd10cm_edits import ages_for, sex_for
from coding.models import Code, CodeSetVersion, CodeSystem

DATA = Path(__file__).resolve().parent.parent / "data"
LOADER_VERSION = "3"  # bump when the way rows are derived changes, so shipped sets reload once
SHIPPED_FROM = dt.date(2020, 1, 1)  # our CPT labels and modifier list apply to any date of service

COLUMNS = ("version_id", "system", "code", "label", "billable", "sex", "age_min", "age_max", "excludes1",
           "requires_7th", "manifestation", "global_days", "chapter", "block", "terms", "code_first",
           "use_additional", "family")


# Codes and words, without stemming: the typeahead matches word prefixes ("kerat" finds keratosis and keratoses).
SEARCH_VECTOR = ("setweight(to_tsvector('simple', code || ' ' || replace(code, '.', '')), 'A') || "
                 "setweight(to_tsvector('simple', label), 'B') || setweight(to_tsvector('simple', terms), 'C')")


@dataclass(frozen=True)
class LoadResult:
    system: str
    label: str
    codes: int
    skipped: bool

    def __str__(self) -> str:
        what = "unchanged" if self.skipped else f"{self.codes} codes loaded"
        return f"{self.system} {self.label}: {what}"


def _pg_array(values: Iterable[str]) -> str:
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _copy_rows(version: CodeSetVersion, rows: Iterable[dict[str, Any]]) -> int:
    buf = io.StringIO()
    writer = csv.writer(buf)
    n = 0
    for r in rows:
        writer.writerow([
            version.pk, version.system, r["code"], r["label"][:400], "t" if r.get("billable", True) else "f",
            r.get("sex") or "", _null(r.get("age_min")), _null(r.get("age_max")), _pg_array(r.get("excludes1", ())),
            "t" if r.get("requires_7th") else "f", "t" if r.get("manifestation") else "f", _null(r.get("global_days")),
            r.get("chapter", ""), r.get("block", ""), "\n".join(r.get("terms", ())), r.get("code_first", ""),
            r.get("use_additional", ""), r.get("family", ""),
        ])
        n += 1
    buf.seek(0)
    table, cols = Code._meta.db_table, ", ".join(COLUMNS)
    with connection.cursor() as cur:
        # COPY into a scratch table, then one INSERT … SELECT that builds the search vector on the way in
        # (cheaper than COPY + UPDATE, which would write every row twice).
        cur.execute("DROP TABLE IF EXISTS coding_code_load")
        cur.execute(f"CREATE TEMP TABLE coding_code_load ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA")  # noqa: S608 - constant identifiers
        cur.cursor.copy_expert(f"COPY coding_code_load ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)
        cur.execute(f"INSERT INTO {table} ({cols}, search) SELECT {cols}, {SEARCH_VECTOR} FROM coding_code_load")  # noqa: S608
        cur.execute("DROP TABLE coding_code_load")
    return n


def _null(value: Any) -> Any:
    return "\\N" if value is None else value


@transaction.atomic
def codeset_version_replace(*, system: str, label: str, effective_from: dt.date, effective_to: dt.date | None,
                            source: str, checksum: str, rows: Iterable[dict[str, Any]] | Any) -> LoadResult:
    """Create or refresh one version. `rows` may be a callable, so an unchanged version costs one query.

    A newer open-ended version closes the previous open-ended one of the same system the day before it starts.
    """
    existing = CodeSetVersion.objects.select_for_update().filter(system=system, label=label).first()
    if existing and existing.checksum == checksum and existing.code_count:
        return LoadResult(system, label, existing.code_count, skipped=True)
    if existing:
        existing.codes.all().delete()
        version = existing
        version.effective_from, version.effective_to, version.source = effective_from, effective_to, source
    else:
        version = CodeSetVersion(system=system, label=label, effective_from=effective_from, effective_to=effective_to,
                                 source=source)
    version.checksum = ""
    version.full_clean()
    version.save()
    count = _copy_rows(version, rows() if callable(rows) else rows)
    version.checksum, version.code_count = checksum, count
    version.save(update_fields=["checksum", "code_count", "loaded_at"])
    (CodeSetVersion.objects.filter(system=system, effective_to__isnull=True, effective_from__lt=effective_from)
     .exclude(pk=version.pk).update(effective_to=effective_from - dt.timedelta(days=1)))
    transaction.on_commit(codesets_cache_clear)
    return LoadResult(system, label, count, skipped=False)


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256(LOADER_VERSION.encode())
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
    return h.hexdigest()


def fiscal_year_start(fiscal_year: int) -> dt.date:
    """ICD-10-CM fiscal year N runs from October 1 of N-1 to September 30 of N."""
    return dt.date(fiscal_year - 1, 10, 1)


# --- ICD-10-CM ---------------------------------------------------------------------------------
def _icd_row(row: icd10cm_tabular.IcdRow) -> dict[str, Any]:
    lo, hi = ages_for(row.code)
    return {"code": row.code, "label": row.label, "billable": row.billable, "sex": sex_for(row.code),
            "age_min": lo, "age_max": hi, "excludes1": row.excludes1, "requires_7th": row.requires_7th,
            "manifestation": row.manifestation, "chapter": row.chapter, "block": row.block, "terms": row.terms,
            "code_first": row.code_first, "use_additional": row.use_additional, "family": row.code[:3]}


def codeset_load_icd10cm_package() -> LoadResult:
    """The release simple-icd-10-cm ships, dated from the start of its fiscal year and open-ended until replaced.

    (An April update only adds codes to its fiscal year's October release, so the whole fiscal year is covered.)
    """
    release = icd10cm_tabular.package_release()
    fiscal_year = release.year + 1 if release.month >= 10 else release.year
    return codeset_version_replace(
        system=CodeSystem.ICD10CM, label=release.label, effective_from=fiscal_year_start(fiscal_year),
        effective_to=None, source=f"simple-icd-10-cm package ({release.folder.name})",
        checksum=_digest(release.checksum),
        rows=lambda: (_icd_row(r) for r in icd10cm_tabular.read_package()))


def codeset_import_icd10cm_order(*, path: Path, fiscal_year: int) -> LoadResult:
    """A CMS order file for another fiscal year. Tabular notes are carried over from the newest
    loaded version for codes present in both (the order file has descriptions only)."""
    data = path.read_bytes()
    records = icd10cm_order.parse(data.decode("latin-1").splitlines())
    donor = (CodeSetVersion.objects.filter(system=CodeSystem.ICD10CM).exclude(label=f"FY{fiscal_year} (CMS order file)")
             .order_by("-effective_from").first())
    notes: dict[str, dict[str, Any]] = {}
    if donor:
        notes = {c["code"]: c for c in Code.objects.filter(version=donor).values(
            "code", "excludes1", "requires_7th", "manifestation", "chapter", "block", "terms", "code_first",
            "use_additional")}

    def rows() -> Iterable[dict[str, Any]]:
        for rec in records:
            lo, hi = ages_for(rec.code)
            carried = notes.get(rec.code, {})
            yield {**carried, "code": rec.code, "label": rec.long_description, "billable": rec.billable,
                   "sex": sex_for(rec.code), "age_min": lo, "age_max": hi, "family": rec.code[:3],
                   "terms": (carried.get("terms") or "").split("\n") if carried.get("terms") else []}

    start = fiscal_year_start(fiscal_year)
    return codeset_version_replace(system=CodeSystem.ICD10CM, label=f"FY{fiscal_year} (CMS order file)",
                                   effective_from=start, effective_to=dt.date(fiscal_year, 9, 30),
                                   source=path.name, checksum=_digest(data), rows=rows)


# --- CPT -------------------------------------------------------------------------------------------
def _read_tsv(path: Path) -> list[list[str]]:
    return [line.rstrip("\n").split("\t") for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def cpt_shipped() -> dict[str, dict[str, Any]]:
    """Our CPT list: code -> family, global days, whether a same-day E/M needs modifier 25, our label."""
    out = {}
    for code, family, glob, mod25, label in _read_tsv(DATA / "cpt.tsv"):
        out[code] = {"code": code, "family": family, "global_days": int(glob) if glob else None,
                     "mod25": mod25 == "1", "label": label}
    return out


def codeset_load_cpt_shipped() -> LoadResult:
    path = DATA / "cpt.tsv"
    rows = [{"code": r["code"], "label": r["label"], "global_days": r["global_days"], "family": r["family"]}
            for r in cpt_shipped().values()]
    return codeset_version_replace(system=CodeSystem.CPT, label="RCM plain-language labels", effective_from=SHIPPED_FROM,
                                   effective_to=None, source=f"coding/data/{path.name}",
                                   checksum=_digest(path.read_bytes()), rows=rows)


def codeset_import_cpt(*, path: Path, label: str, effective_from: dt.date) -> LoadResult:
    """A licensed CPT descriptor file; global days and families are kept from our list where codes match."""
    data = path.read_bytes()
    records = cpt_file.parse(data.decode("utf-8", errors="replace").splitlines())
    ours = cpt_shipped()
    rows = [{"code": r.code, "label": r.descriptor, "global_days": ours.get(r.code, {}).get("global_days"),
             "family": ours.get(r.code, {}).get("family", "")} for r in records]
    return codeset_version_replace(system=CodeSystem.CPT, label=label, effective_from=effective_from, effective_to=None,
                                   source=path.name, checksum=_digest(data), rows=rows)


# --- HCPCS and modifiers --------------------------------------------------------------------------
def _modifier_rows(extra: Iterable[hcpcs_anweb.HcpcsRecord] = ()) -> list[dict[str, Any]]:
    rows = {code: {"code": code, "label": label, "family": "Modifier"} for code, label in _read_tsv(DATA / "modifiers.tsv")}
    for rec in extra:
        if rec.terminated is None:
            rows[rec.code] = {"code": rec.code, "label": rec.long_description or rec.short_description,
                              "family": "Modifier"}
    return list(rows.values())


def codeset_load_modifiers_shipped() -> LoadResult:
    path = DATA / "modifiers.tsv"
    return codeset_version_replace(system=CodeSystem.MODIFIER, label="RCM modifier list", effective_from=SHIPPED_FROM,
                                   effective_to=None, source=f"coding/data/{path.name}",
                                   checksum=_digest(path.read_bytes()), rows=_modifier_rows())


def _hcpcs_rows(records: list[hcpcs_anweb.HcpcsRecord]) -> list[dict[str, Any]]:
    return [{"code": r.code, "label": r.short_description or r.long_description[:60], "billable": r.terminated is None,
             "terms": [r.long_description], "family": f"HCPCS {r.code[0]}"} for r in records if not r.is_modifier]


def codeset_import_hcpcs(*, path: Path, label: str, effective_from: dt.date) -> list[LoadResult]:
    """A CMS quarterly HCPCS file; its Level II modifiers (record ids 7/8) become a modifier version too."""
    data = path.read_bytes()
    records = hcpcs_anweb.parse(data.decode("latin-1").splitlines())
    results = [codeset_version_replace(system=CodeSystem.HCPCS, label=label, effective_from=effective_from,
                                       effective_to=None, source=path.name, checksum=_digest(data),
                                       rows=_hcpcs_rows(records))]
    modifiers = [r for r in records if r.is_modifier]
    if modifiers:
        results.append(codeset_version_replace(system=CodeSystem.MODIFIER, label=label, effective_from=effective_from,
                                               effective_to=None, source=path.name, checksum=_digest(data),
                                               rows=_modifier_rows(modifiers)))
    return results


def codeset_load_hcpcs_shipped() -> LoadResult:
    path = DATA / "hcpcs_subset_anweb.txt"
    data = path.read_bytes()
    records = hcpcs_anweb.parse(data.decode("latin-1").splitlines())
    return codeset_version_replace(system=CodeSystem.HCPCS, label="Subset shipped with RCM", effective_from=SHIPPED_FROM,
                                   effective_to=None, source=f"coding/data/{path.name}", checksum=_digest(data),
                                   rows=_hcpcs_rows(records))


def codesets_load_shipped() -> list[LoadResult]:
    """Everything that ships with the project (what `manage.py load_codesets` runs)."""
    return [codeset_load_icd10cm_package(), codeset_load_cpt_shipped(), codeset_load_hcpcs_shipped(),
            codeset_load_modifiers_shipped()]
