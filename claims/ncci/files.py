"""Read CMS's NCCI practitioner files (PTP edits and MUEs) in their published layouts, and load them.

CMS publishes them quarterly as .xlsx and tab-delimited .txt (PTP) or .csv (MUE), each with a few lines
of notices above the column headings. A practice downloads them from CMS under the CPT licence; we ship
only a small sample of our own in the same layouts (`claims/data/ncci/`). Rows are parsed into pydantic
models at the edge, then loaded with PostgreSQL COPY into a staging table and upserted, so loading the
full practitioner table (about a million pairs) takes seconds and loading the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db import connection, transaction
from pydantic import BaseModel, field_validator

CODE_RE = re.compile(r"^[0-9A-Z]{4}[0-9A-Z]$")
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "ncci"
SAMPLE_PTP = SAMPLE_DIR / "ptp_practitioner_sample.txt"
SAMPLE_MUE = SAMPLE_DIR / "mue_practitioner_sample.csv"


class NcciFileError(ValueError):
    pass


def _date(value: str) -> dt.date | None:
    value = (value or "").strip()
    if not value or value == "*":
        return None
    if isinstance(value, dt.date):
        return value
    for fmt in ("%Y%m%d", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r}")


class PtpRow(BaseModel):
    column1: str
    column2: str
    prior_1996: bool
    effective_date: dt.date
    deletion_date: dt.date | None
    modifier_indicator: str
    rationale: str = ""

    @field_validator("modifier_indicator")
    @classmethod
    def _mi(cls, v: str) -> str:
        if v not in ("0", "1", "9"):
            raise ValueError("modifier indicator must be 0, 1 or 9")
        return v


class MueRow(BaseModel):
    code: str
    mue_value: int
    adjudication_indicator: str
    rationale: str = ""


def _rows(path: Path) -> Iterator[list[str]]:
    """Cells of every row of a .xlsx, .csv or tab-delimited .txt file."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                yield [("" if c is None else c.strftime("%Y%m%d") if isinstance(c, dt.date) else str(c)) for c in row]
        return
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        delimiter = "\t" if sample.count("\t") >= sample.count(",") else ","
        yield from csv.reader(fh, delimiter=delimiter)


def _data_rows(path: Path, min_cells: int) -> Iterator[tuple[int, list[str]]]:
    """Skip the notices and headings: data rows start with a 5-character code."""
    for n, cells in enumerate(_rows(path), start=1):
        cells = [c.strip() for c in cells]
        if len(cells) >= min_cells and CODE_RE.match(cells[0].upper()):
            yield n, cells


def read_ptp(path: Path) -> Iterator[PtpRow]:
    for n, c in _data_rows(path, 6):
        try:
            yield PtpRow(column1=c[0].upper(), column2=c[1].upper(), prior_1996=c[2] == "*",
                         effective_date=_date(c[3]), deletion_date=_date(c[4]), modifier_indicator=c[5],
                         rationale=(c[6] if len(c) > 6 else "")[:200])
        except ValueError as exc:
            raise NcciFileError(f"{path.name} line {n}: {exc}") from exc


def read_mue(path: Path) -> Iterator[MueRow]:
    for n, c in _data_rows(path, 3):
        try:
            yield MueRow(code=c[0].upper(), mue_value=int(float(c[1])), adjudication_indicator=c[2][:60],
                         rationale=(c[3] if len(c) > 3 else "")[:120])
        except ValueError as exc:
            raise NcciFileError(f"{path.name} line {n}: {exc}") from exc


def _copy(table: str, columns: list[str], rows: Iterable[tuple[object, ...]]) -> int:
    """COPY rows into `table` in chunks; returns the row count."""
    count = 0
    buf = io.StringIO()
    with connection.cursor() as cur:
        def flush() -> None:
            buf.seek(0)
            cur.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)", buf)
            buf.seek(0)
            buf.truncate()

        for row in rows:
            buf.write("\t".join("\\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ") for v in row))
            buf.write("\n")
            count += 1
            if count % 100_000 == 0:
                flush()
        flush()
    return count


@transaction.atomic
def ptp_load(rows: Iterable[PtpRow], *, replace: bool = False) -> dict[str, int]:
    """Upsert PTP edits (key: column 1, column 2, effective date). `replace` empties the table first."""
    with connection.cursor() as cur:
        if replace:
            cur.execute("TRUNCATE claims_ncciptpedit RESTART IDENTITY")
        cur.execute("DROP TABLE IF EXISTS ncci_ptp_stage")
        cur.execute("CREATE TEMP TABLE ncci_ptp_stage (LIKE claims_ncciptpedit INCLUDING DEFAULTS) ON COMMIT DROP")
        cur.execute("ALTER TABLE ncci_ptp_stage DROP COLUMN id")
    cols = ["column1", "column2", "prior_1996", "effective_date", "deletion_date", "modifier_indicator", "rationale"]
    read = _copy("ncci_ptp_stage", cols, ((r.column1, r.column2, "t" if r.prior_1996 else "f", r.effective_date,
                                            r.deletion_date, r.modifier_indicator, r.rationale) for r in rows))
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO claims_ncciptpedit AS e ({', '.join(cols)}) "  # noqa: S608 - fixed column names
            f"SELECT DISTINCT ON (column1, column2, effective_date) {', '.join(cols)} FROM ncci_ptp_stage "
            "ORDER BY column1, column2, effective_date "
            "ON CONFLICT (column1, column2, effective_date) DO UPDATE SET prior_1996 = EXCLUDED.prior_1996, "
            "deletion_date = EXCLUDED.deletion_date, modifier_indicator = EXCLUDED.modifier_indicator, "
            "rationale = EXCLUDED.rationale WHERE (e.deletion_date, e.modifier_indicator, e.rationale, e.prior_1996) "
            "IS DISTINCT FROM (EXCLUDED.deletion_date, EXCLUDED.modifier_indicator, EXCLUDED.rationale, "
            "EXCLUDED.prior_1996)")
        changed = cur.rowcount
        cur.execute("ANALYZE claims_ncciptpedit")  # fresh statistics for the planner after a bulk load
    return {"read": read, "changed": changed}


@transaction.atomic
def mue_load(rows: Iterable[MueRow], *, replace: bool = False) -> dict[str, int]:
    with connection.cursor() as cur:
        if replace:
            cur.execute("TRUNCATE claims_mueedit RESTART IDENTITY")
        cur.execute("DROP TABLE IF EXISTS ncci_mue_stage")
        cur.execute("CREATE TEMP TABLE ncci_mue_stage (LIKE claims_mueedit INCLUDING DEFAULTS) ON COMMIT DROP")
        cur.execute("ALTER TABLE ncci_mue_stage DROP COLUMN id")
    cols = ["code", "mue_value", "adjudication_indicator", "rationale"]
    read = _copy("ncci_mue_stage", cols, ((r.code, r.mue_value, r.adjudication_indicator, r.rationale) for r in rows))
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO claims_mueedit AS e ({', '.join(cols)}) SELECT DISTINCT ON (code) {', '.join(cols)} "  # noqa: S608
            "FROM ncci_mue_stage ORDER BY code ON CONFLICT (code) DO UPDATE SET mue_value = EXCLUDED.mue_value, "
            "adjudication_indicator = EXCLUDED.adjudication_indicator, rationale = EXCLUDED.rationale "
            "WHERE (e.mue_value, e.adjudication_indicator, e.rationale) "
            "IS DISTINCT FROM (EXCLUDED.mue_value, EXCLUDED.adjudication_indicator, EXCLUDED.rationale)")
        changed = cur.rowcount
    return {"read": read, "changed": changed}


def load_sample() -> dict[str, int]:
    """Our own small sample in CMS's layouts (for tests and the demo)."""
    ptp = ptp_load(read_ptp(SAMPLE_PTP))
    mue = mue_load(read_mue(SAMPLE_MUE))
    return {"ptp": ptp["read"], "mue": mue["read"]}
