"""What every procedure rule needs: was it done today, how many, how big, where."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coding.engine.nlp import HISTORY_SECTIONS, PATHOLOGY, Analysis
from coding.engine.sites import Site, find_sites
from coding.engine.text import NUMBER, Size, line_span, sizes, to_int
from coding.engine.types import Evidence, Patient, Suggestion

PAST = re.compile(
    r"\b(?:ago|prior|previous(?:ly)?|last (?:visit|time|year|month|week|spring|summer|fall|winter)|in (?:19|20)\d\d|"
    r"proven|confirmed (?:on|by)|s/p|status post|history of|hx of|done elsewhere|performed elsewhere|elsewhere|earlier|"
    r"at (?:his|her|the) (?:prior|previous|last) visit|was done|were done|before today|series of)\b", re.IGNORECASE)
FUTURE = re.compile(
    r"\b(?:will|plan(?:ned|s)? (?:to|for)|schedul\w*|next (?:visit|time|appointment)|if\b|consider\w*|recommend\w*|"
    r"referr\w*|refer\b|advised|options?|offered|declined|defer(?:red)?|return for|rtc|pending|would|could|may|"
    r"candidate|follow[- ]up for|due for|in \d+ (?:weeks?|wks?|months?|mos?)|to be)\b", re.IGNORECASE)
LATER = re.compile(r"\b(?:advised|recommended|planned|to be scheduled|scheduled|at (?:the )?next visit|next visit|"
                   r"will be|to follow|if needed|prn|when|once|later|at a later date|if|offered|declined|refused|"
                   r"deferred|considered|not (?:done|performed|indicated|needed))\b", re.IGNORECASE)
ALTERNATIVE = re.compile(r"\b(?:over|instead of|rather than|vs\.?|versus|or)\s*$", re.IGNORECASE)
NEGATED_AFTER = re.compile(r"^\W*(?:was |were |is )?(?:not|deferred|declined|held|refused)\b", re.IGNORECASE)
NEGATED = re.compile(r"\b(?:no|not|without|declined|deferred|refused|held|canceled|cancelled)\b", re.IGNORECASE)
CLAUSE_BREAK = re.compile(r"[.;\n]|,\s+(?:and|but|then)\b|\s+-\s+")


@dataclass
class ProcContext:
    a: Analysis
    patient: Patient
    diagnoses: list[Suggestion]
    text: str = ""
    sites: list[Site] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text = self.a.text
        self.sites = [s for s in find_sites(self.text) if self.a.section_at(s.start) not in HISTORY_SECTIONS]

    def clause(self, pos: int) -> tuple[int, int]:
        """The clause around `pos`: bounded by sentence ends, semicolons, line breaks and ' - '."""
        start = 0
        for m in CLAUSE_BREAK.finditer(self.text, 0, pos):
            start = m.end()
        m = CLAUSE_BREAK.search(self.text, pos)
        return start, m.start() if m else len(self.text)

    def line(self, pos: int) -> tuple[int, int]:
        return line_span(self.text, pos)

    def performed(self, start: int, end: int) -> bool:
        """Done at this visit: not in a history section or the pathology report, not past, planned or negated."""
        section = self.a.section_at(start)
        if section in HISTORY_SECTIONS or section == PATHOLOGY:
            return False
        c_start, c_end = self.clause(start)
        before = self.text[c_start:start]
        after = self.text[end:c_end]
        if PAST.search(before) or PAST.search(after[:40]):
            return False
        if FUTURE.search(before) or ALTERNATIVE.search(before) or re.match(
                r"\W*(?:referral|vs|versus|options?|candidate|pending|at next|was discussed|discussed)\b", after,
                re.IGNORECASE) or LATER.search(after):
            return False
        return not NEGATED.search(before[-25:]) and not NEGATED_AFTER.match(after)

    def evidence(self, start: int, end: int, role: str = "procedure") -> Evidence:
        return Evidence(start, end, self.text[start:end], self.a.section_at(start), role=role)

    def site_near(self, pos: int, *, window: int = 300) -> Site | None:
        """The lesion site for a procedure: in its line, else the closest before it, else the first in the note."""
        l_start, l_end = self.line(pos)
        same = [s for s in self.sites if l_start <= s.start < l_end]
        if same:
            return same[0]
        before = [s for s in self.sites if pos - window <= s.start < pos and self.a.section_at(s.start) != PATHOLOGY]
        if before:
            return before[-1]
        return self.sites[0] if self.sites else None

    def dx_codes(self, *prefixes: str) -> list[str]:
        return [d.code for d in self.diagnoses if d.code.startswith(prefixes)] if prefixes else [
            d.code for d in self.diagnoses]


COUNT_PATTERNS = [
    re.compile(rf"\ball\s+(?:of\s+the\s+)?({NUMBER})\b", re.IGNORECASE),
    re.compile(rf"\b(?:x|\u00d7)\s*({NUMBER})\b(?!\s*(?:days?|d\b|weeks?|wks?|months?|mos?|min|sec|cycles?))", re.IGNORECASE),
    re.compile(rf"\b({NUMBER})\s+(?:separate\s+|individual\s+|total\s+)?(?:lesions?|sites?|spots?|areas?|patches|"
               rf"keloids?|warts?|aks?|sks?|papules?|plaques?|macules?|nodules?|keratoses|verrucae|tags?|"
               rf"molluscum|actinic keratoses|seborrheic keratoses|growths?|cysts?)\b", re.IGNORECASE),
    re.compile(rf"\b({NUMBER})\s+(?:\w+\s+){{1,3}}(?:lesions?|papules?|macules?|keratoses|warts?|patches)\b",
               re.IGNORECASE),
    re.compile(r"\(\s*n\s*=\s*(\d{1,2})\s*\)", re.IGNORECASE),
    re.compile(r"\b(?:keratoses|aks|sks|warts|verrucae|lesions|papules|tags|acrochordons|angiomas|molluscum|nevi|keloids)"
               r"\s*(?:[,:\-\u2013]\s*|\(\s*)(\d{1,2})\b(?!\s*(?:mm|cm|%|mg|y|yr|yo|wks?|weeks?|mos?|months?|days?))",
               re.IGNORECASE),
    re.compile(rf"\b({NUMBER})\s+(?:in\s+)?total\b|\btotal\s+(?:of\s+)?({NUMBER})\b(?!\s*(?:mg|ml|cc|mcg|min|cm|mm))",
               re.IGNORECASE),
]


def count_in(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """The first lesion count in text[start:end], with its span."""
    best: tuple[int, int, int] | None = None
    for pattern in COUNT_PATTERNS:
        for m in pattern.finditer(text, start, end):
            n = to_int(next((g for g in m.groups() if g), ""))
            if n is None or n <= 0 or n > 60:
                continue
            if best is None or m.start() < best[1]:
                best = (n, m.start(), m.end())
            break
    return best


def sizes_in(text: str, start: int, end: int) -> list[Size]:
    return sizes(text[start:end], offset=start)


def suggestion(ctx: ProcContext, code: str, *, rule: str, evidence: list[Evidence], units: int = 1,
               confidence: float = 0.85, pointers: list[str] | None = None, key: str = "",
               modifiers: list[str] | None = None, missing: str = "") -> Suggestion:
    return Suggestion(system="HCPCS" if code[0].isalpha() else "CPT", code=code, label="", confidence=confidence,
                      rule=rule, evidence=evidence, units=units, modifiers=list(modifiers or []),
                      pointers=list(pointers or []), key=key, missing=missing)
