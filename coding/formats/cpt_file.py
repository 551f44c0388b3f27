"""A licensed CPT descriptor file: one code per line, the code then a tab (or spaces) then its descriptor.

This is the shape of the AMA's plain-text data files (e.g. the long or medium descriptor files);
a header line, if any, is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

LINE = re.compile(r"^\s*([0-9]{4}[0-9FTU])[\t ,;|]+\"?(.+?)\"?\s*$")


class CptRecord(BaseModel):
    code: str
    descriptor: str


class CptFormatError(ValueError):
    pass


def parse(lines: Iterable[str]) -> list[CptRecord]:
    records: dict[str, CptRecord] = {}
    bad = 0
    for raw in lines:
        if not raw.strip():
            continue
        m = LINE.match(raw)
        if not m:
            bad += 1
            continue
        records.setdefault(m.group(1), CptRecord(code=m.group(1), descriptor=m.group(2)))
    if not records:
        raise CptFormatError("no 'code<TAB>descriptor' lines found")
    if bad > max(5, len(records) // 20):
        raise CptFormatError(f"{bad} lines are not 'code<TAB>descriptor'; is this a CPT descriptor file?")
    return list(records.values())
