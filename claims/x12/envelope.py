"""ISA/GS/ST envelopes for the small transactions we write (270, 276) and the sandbox writes (TA1, 999, 277CA,
277, 271): one place that pads ISA fields, counts SE01 and cleans delimiter characters out of values."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from claims.x12.writer_837p import Delimiters

_SPACES = re.compile(r"\s+")


@dataclass
class Builder:
    """Collects the segments of one transaction (ST..SE), cleaning values the way the 837P writer does."""

    delimiters: Delimiters = field(default_factory=Delimiters)
    segments: list[str] = field(default_factory=list)

    def clean(self, value: object, max_len: int | None = None) -> str:
        text = str(value)
        if not text.isascii():
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        d = self.delimiters
        for ch in (d.element, d.component, d.segment, d.repetition, "\r", "\n", "\t"):
            text = text.replace(ch, " ")
        text = _SPACES.sub(" ", text).strip().upper()
        return text[:max_len].rstrip() if max_len else text

    def seg(self, *elements: object) -> None:
        parts = ["" if e is None else str(e) for e in elements]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        self.segments.append(self.delimiters.element.join(parts))

    def comp(self, *parts: object) -> str:
        items = [str(p) for p in parts]
        while items and items[-1] == "":
            items.pop()
        return self.delimiters.component.join(items)


def amount(value: object) -> str:
    """X12 R type for money: 160.50 -> 160.5, 100.00 -> 100."""
    from decimal import Decimal

    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def interchange(transactions: Sequence[list[str]], *, functional_id: str, version: str, sender_id: str,
                receiver_id: str, control_number: int, created: dt.datetime, usage: str = "T",
                delimiters: Delimiters | None = None, sender_qualifier: str = "ZZ", receiver_qualifier: str = "ZZ",
                extra_before_groups: Sequence[str] = ()) -> str:
    """One ISA/IEA with one GS/GE around transactions given as segment lists from ST to SE (SE01 counted here).

    `transactions` may be empty only when `extra_before_groups` holds segments (a TA1-only interchange)."""
    d = delimiters or Delimiters()
    ctrl = f"{control_number:09d}"
    out = [d.element.join(["ISA", "00", " " * 10, "00", " " * 10, sender_qualifier, f"{sender_id[:15]:<15}",
                           receiver_qualifier, f"{receiver_id[:15]:<15}", created.strftime("%y%m%d"),
                           created.strftime("%H%M"), d.repetition, "00501", ctrl, "0", usage, d.component])]
    out += list(extra_before_groups)
    if transactions:
        out.append(d.element.join(["GS", functional_id, sender_id[:15], receiver_id[:15], created.strftime("%Y%m%d"),
                                   created.strftime("%H%M"), str(control_number), "X", version]))
        for segs in transactions:
            st = segs[0].split(d.element)
            out += segs
            out.append(d.element.join(["SE", str(len(segs) + 1), st[2]]))
        out.append(d.element.join(["GE", str(len(transactions)), str(control_number)]))
    out.append(d.element.join(["IEA", "1" if transactions else "0", ctrl]))
    return d.segment.join(out) + d.segment
