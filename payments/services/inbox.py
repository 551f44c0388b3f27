"""ERAs from a folder: the clearinghouse drops 835 files, we post each once and move it aside.

`PAYMENTS_ERA_INBOX` names the folder (environment or settings). Files directly in it are for the practice
whose group NPI is the payee (N1*PE*XX); files in `<inbox>/<practice id>/` are for that practice. A posted
file moves to `done/`, a rejected one to `rejected/` (its reasons are on the remittance page).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

from billing.models import Practice
from payments.models import Remittance
from payments.services.era import ImportResult, era_import
from payments.x12.reader_835 import read_835

PATTERNS = ("*.835", "*.x12", "*.edi", "*.txt", "*.era")


def practice_for_file(content: bytes, default: int | None = None) -> int | None:
    """The practice an 835 is for: its payee NPI, else `default`, else the only practice there is."""
    read = read_835(content)
    npis = {t.payee_npi for t in (read.remit.transactions if read.remit else []) if t.payee_npi}
    if npis:
        hits = list(Practice.objects.filter(npi__in=npis).values_list("pk", flat=True))
        if len(hits) == 1:
            return hits[0]
    if default is not None:
        return default
    only = list(Practice.objects.values_list("pk", flat=True)[:2])
    return only[0] if len(only) == 1 else None


def files_in(folder: Path) -> list[Path]:
    return sorted({p for pattern in PATTERNS for p in folder.glob(pattern) if p.is_file()})


def inbox_scan(folder: str | None = None) -> dict[str, Any]:
    root = folder or os.environ.get("PAYMENTS_ERA_INBOX") or getattr(settings, "PAYMENTS_ERA_INBOX", "")
    if not root:
        return {"skipped": "PAYMENTS_ERA_INBOX is not set"}
    base = Path(root)
    total = ImportResult()
    unknown = 0
    places = [(base, None)] + [(p, int(p.name)) for p in base.iterdir() if p.is_dir() and p.name.isdigit()]
    for place, practice_id in places:
        for path in files_in(place):
            content = path.read_bytes()
            target = practice_for_file(content, practice_id)
            if target is None:
                unknown += 1
                continue
            result = era_import(practice_id=target, content=content, filename=path.name, source="folder")
            total.add(result)
            status = Remittance.objects.filter(pk__in=result.remittance_ids).values_list("status", flat=True).first()
            dest = place / ("rejected" if status == Remittance.Status.REJECTED else "done")
            dest.mkdir(exist_ok=True)
            path.rename(dest / path.name)
    return {**total.as_dict(), "unknown_practice": unknown}
