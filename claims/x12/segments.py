"""Split an X12 interchange into segments (whatever its delimiters) and tell what kind of file it is.

The readers for acknowledgements (TA1, 999, 277CA) walk these segments into pydantic models; the ISA
header fixes the delimiters (element at byte 3, repetition at 82, component at 104, terminator at 105).
A file that does not start with a well-formed ISA raises `X12SyntaxError` with the reason, and the
caller keeps the file and flags it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import NamedTuple

ISA_LENGTH = 106


@functools.lru_cache(maxsize=4096)
def ccyymmdd(text: str) -> dt.date | None:
    """A CCYYMMDD date (the first 8 characters), or None; ~10x faster than strptime, and cached: a large
    file repeats a few dates a hundred thousand times."""
    if len(text) < 8 or not text[:8].isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def ccyymmdd_exact(text: str) -> dt.date | None:
    """A date element that must be exactly CCYYMMDD (surrounding blanks ignored), or None."""
    text = text.strip()
    return ccyymmdd(text) if len(text) == 8 else None


class X12SyntaxError(ValueError):
    """The bytes are not a readable X12 interchange; `str(exc)` says why."""


class Segment(NamedTuple):
    """One segment, for callers that want names; the readers' hot loops index `Interchange.rows` instead."""

    position: int  # 1-based within the interchange (ISA is 1)
    id: str
    elements: list[str]  # elements[0] is the first element after the id (XX01)

    def get(self, n: int, default: str = "") -> str:
        """Element XXnn (1-based), '' when absent."""
        return self.elements[n - 1] if 0 < n <= len(self.elements) else default

    def component(self, n: int, k: int, sep: str) -> str:
        parts = self.get(n).split(sep)
        return parts[k - 1] if 0 < k <= len(parts) else ""


# `row + PAD` lets a reader index elements up to XX24 without a bounds check per element.
PAD = [""] * 24


@dataclass
class Interchange:
    element: str
    component: str
    segment_terminator: str
    repetition: str
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: str
    usage: str
    date: str
    time: str
    # The text of each segment (line breaks between segments dropped); `rows` splits them on demand.
    texts: list[str] = field(default_factory=list)

    @property
    def rows(self) -> Iterator[list[str]]:
        """Each segment split on the element separator: row[0] is the id, row[n] element XXnn; a segment's
        position is its index + 1. Plain lists made one at a time as a reader walks them: holding half a
        million of them (or objects with names) cost as much time and memory as reading them."""
        return map(str.split, self.texts, repeat(self.element))

    @functools.cached_property
    def segments(self) -> list[Segment]:
        rows = list(self.rows)
        return list(map(tuple.__new__, repeat(Segment, len(rows)),
                        zip(range(1, len(rows) + 1), map(itemgetter(0), rows), map(_ELEMENTS, rows), strict=True)))

    def first(self, seg_id: str) -> Segment | None:
        head = seg_id + self.element
        for n, text in enumerate(self.texts, start=1):
            if text.startswith(head) or text == seg_id:
                row = text.split(self.element)
                return Segment(n, row[0], row[1:])
        return None

    @property
    def functional_id(self) -> str:
        gs = self.first("GS")
        return gs.get(1) if gs else ""

    @property
    def group_control(self) -> str:
        gs = self.first("GS")
        return gs.get(6) if gs else ""

    @property
    def version(self) -> str:
        gs = self.first("GS")
        return gs.get(8) if gs else ""

    @property
    def transaction_type(self) -> str:
        st = self.first("ST")
        return st.get(1) if st else ""


_ELEMENTS = itemgetter(slice(1, None))


def parse_interchange(raw: bytes | str) -> Interchange:
    """Segments of the first interchange in `raw` (bytes are read as Latin-1: every byte kept)."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    text = text.lstrip("\ufeff\r\n\t ")
    if not text.startswith("ISA"):
        raise X12SyntaxError("not an X12 interchange: the file does not start with an ISA segment")
    if len(text) < ISA_LENGTH:
        raise X12SyntaxError(f"the ISA segment is cut short ({len(text)} of {ISA_LENGTH} characters)")
    element = text[3]
    isa_parts = text[:ISA_LENGTH].split(element)
    if len(isa_parts) != 17:
        raise X12SyntaxError(f"the ISA segment has {len(isa_parts) - 1} elements, not 16 "
                             "(it must be exactly 106 characters with fixed-width fields)")
    repetition, component, terminator = text[82], text[104], text[105]
    if terminator.isalnum() or terminator == element or component == element:
        raise X12SyntaxError("the ISA segment's delimiters are not valid (element, component and segment "
                             "terminator must be distinct non-alphanumeric characters)")
    texts = checked_texts(text, element, terminator)
    first, last = texts[0].split(element), texts[-1].split(element)
    isa = Segment(1, first[0], first[1:])
    if last[0] != "IEA":
        raise X12SyntaxError("the interchange has no closing IEA segment (the file is cut short)")
    iea = Segment(len(texts), "IEA", last[1:])
    if iea.get(2).strip() != isa.get(13).strip():
        raise X12SyntaxError(f"IEA02 {iea.get(2)!r} does not match ISA13 {isa.get(13)!r}")
    return Interchange(
        element=element, component=component, segment_terminator=terminator,
        repetition=repetition if repetition != "U" else "",
        sender_qualifier=isa.get(5).strip(), sender_id=isa.get(6).strip(), receiver_qualifier=isa.get(7).strip(),
        receiver_id=isa.get(8).strip(), control_number=isa.get(13).strip(), usage=isa.get(15).strip(),
        date=isa.get(9), time=isa.get(10), texts=texts)


def checked_texts(text: str, element: str, terminator: str) -> list[str]:
    """`segment_texts`, with every segment identifier checked (once per distinct identifier) and blanks
    around identifiers dropped."""
    texts = segment_texts(text, terminator)
    distinct = set(map(itemgetter(0), map(str.split, texts, repeat(element), repeat(1))))
    if any(i != i.strip() for i in distinct):
        texts = [_strip_id(t, element) for t in texts]
        distinct = {i.strip() for i in distinct}
    if not all(len(i) <= 3 and i.isalnum() for i in distinct):
        _bad_identifier(texts, element)
    return texts


def _strip_id(text: str, element: str) -> str:
    seg_id, sep, rest = text.partition(element)
    return seg_id.strip() + sep + rest


def segment_texts(text: str, terminator: str) -> list[str]:
    """The segments of `text` as text, without the line breaks some senders put between them."""
    if terminator in "\r\n":
        chunks = [c.strip("\r\n") for c in text.split(terminator)]
    else:
        chunks = text.replace("\r\n", "").replace("\n", "").replace("\r", "").split(terminator)
    if any(map(str.isspace, chunks)):
        chunks = [c for c in chunks if not c.isspace()]
    return list(filter(None, chunks))


def _bad_identifier(chunks: list[str], element: str) -> None:
    for n, chunk in enumerate(chunks, start=1):
        seg_id = chunk.split(element)[0].strip()
        if not seg_id.isalnum() or len(seg_id) > 3:
            raise X12SyntaxError(f"segment {n} has no valid segment identifier ({chunk[:20]!r})")


KINDS = ("ta1", "999", "277ca", "277", "271", "835", "unknown")


def detect_kind(ix: Interchange) -> str:
    """ta1 / 999 / 277ca / 277 / 271 / 835, or unknown (a file we keep and flag, but do not read)."""
    st = ix.transaction_type
    version = ix.version
    if not st:
        return "ta1" if ix.first("TA1") else "unknown"
    if st == "999":
        return "999"
    if st == "277":
        return "277ca" if "X214" in version else "277"
    if st in ("271", "835"):
        return st
    return "unknown"
