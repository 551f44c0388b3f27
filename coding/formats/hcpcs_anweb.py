"""CMS HCPCS Level II quarterly file, fixed-width "ANWEB" layout (HCPC<year>_<month>_ANWEB.txt).

Columns used (1-based): 1-5 code, 6-10 sequence, 11 record id (3 first line of a code, 4 its
continuation, 7 first line of a modifier, 8 its continuation), 12-91 long description,
92-119 short description, 269-276 date added, 277-284 action effective date, 285-292 termination
date, 293 action code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel


class HcpcsRecord(BaseModel):
    code: str
    short_description: str
    long_description: str
    is_modifier: bool = False
    added: dt.date | None = None
    effective: dt.date | None = None
    terminated: dt.date | None = None
    action: str = ""


class HcpcsFormatError(ValueError):
    pass


def _date(raw: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, "%Y%m%d").date()
    except ValueError as exc:
        raise HcpcsFormatError(f"bad date {raw!r}") from exc


def parse(lines: Iterable[str]) -> list[HcpcsRecord]:
    """Records in file order; continuation lines are joined onto their code's long description."""
    records: dict[tuple[bool, str], HcpcsRecord] = {}
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if len(line) < 91:
            raise HcpcsFormatError(f"line {n}: {len(line)} characters; not the ANWEB fixed-width layout")
        rid = line[10]
        if rid not in "3478":
            raise HcpcsFormatError(f"line {n}: unknown record id {rid!r}")
        is_modifier = rid in "78"
        code = line[:5].strip().upper()
        if (is_modifier and len(code) != 2) or (not is_modifier and len(code) != 5):
            raise HcpcsFormatError(f"line {n}: {code!r} is not a {'modifier' if is_modifier else 'HCPCS code'}")
        key = (is_modifier, code)
        long_part = line[11:91].strip()
        if rid in "37":
            if key in records:
                raise HcpcsFormatError(f"line {n}: {code} appears twice")
            padded = line.ljust(293)
            records[key] = HcpcsRecord(code=code, short_description=padded[91:119].strip(), long_description=long_part,
                                       is_modifier=is_modifier, added=_date(padded[268:276]),
                                       effective=_date(padded[276:284]), terminated=_date(padded[284:292]),
                                       action=padded[292:293].strip())
        else:
            record = records.get(key)
            if record is None:
                raise HcpcsFormatError(f"line {n}: continuation of {code} before its first line")
            record.long_description = f"{record.long_description} {long_part}".strip()
    return list(records.values())
