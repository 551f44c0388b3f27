"""CMS ICD-10-CM "order" file (icd10cm_order_<year>.txt): one fixed-width line per code or header.

Columns (1-based): 1-5 order number, 7-13 code without the dot, 15 billable flag (1 = valid for
submission, 0 = header), 17-76 short description, 78- long description.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel


class OrderRecord(BaseModel):
    code: str  # with the dot
    billable: bool
    short_description: str
    long_description: str


class OrderFormatError(ValueError):
    pass


def parse(lines: Iterable[str]) -> list[OrderRecord]:
    out: list[OrderRecord] = []
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if len(line) < 17 or not line[:5].strip().isdigit() or line[14] not in "01":
            raise OrderFormatError(f"line {n}: not the ICD-10-CM order-file layout")
        code = line[6:13].strip().upper()
        dotted = code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"
        out.append(OrderRecord(code=dotted, billable=line[14] == "1", short_description=line[16:76].strip(),
                               long_description=line[77:].strip() or line[16:76].strip()))
    return out
