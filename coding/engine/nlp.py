"""Stage 1: sections and assertion context with medspaCy, over concepts the dictionary found.

The pipeline is a blank English spaCy model with the rule-based `sentencizer` (plus line breaks as
sentence boundaries), medspaCy's ConText (default rules and ours) and Sectionizer (our headings).
It needs no model download and is built once per process, on first use (about a second).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coding.engine.dictionary import Dictionary, Match

# Section categories our stages reason about.
ASSESSMENT, PATHOLOGY, PROCEDURE, PLAN = "assessment", "pathology", "procedure", "plan"
SUBJECTIVE, EXAM, DATA, PMH, FAMILY, SOCIAL, ROS = "subjective", "exam", "data", "pmh", "family_history", "social_history", "ros"
PREAMBLE = "preamble"
HISTORY_SECTIONS = frozenset({PMH, FAMILY, SOCIAL, ROS})
DIAGNOSTIC_SECTIONS = frozenset({ASSESSMENT, PATHOLOGY})

H = r"[^:\n]{0,40}:"  # an optional qualifier between the heading word and its colon: "Path (final):"
SECTION_RULES: list[tuple[str, str, str]] = [
    ("a/p", ASSESSMENT, r"\b(?:a\s*/\s*p|assessment\s*(?:and|&|/)\s*plan|impression\s*(?:and|&|/)\s*plan)\s*:"),
    ("a:", ASSESSMENT, r"\ba\s*:"),
    ("a&p", ASSESSMENT, r"\ba\s*&\s*p\s*:"),
    ("assessment", ASSESSMENT, r"\b(?:assessment|assess|imp|impression|impressions|dx|diagnosis|diagnoses|"
                               r"final diagnosis|clinical impression|pre-?op(?:erative)? diagnosis|"
                               r"post-?op(?:erative)? diagnosis)\b" + H),
    ("pathology", PATHOLOGY, r"\b(?:(?:addendum\W+)?(?:path|pathology)|path result|path results|dermatopathology|"
                             r"dermpath|pathology report|final pathology|path addendum)\b" + H),
    ("procedure", PROCEDURE, r"\b(?:proc|procedure|procedures|procedure note|operative note|op note|"
                             r"p\s*/\s*procedure|stage\s+(?:\d+|[ivx]+)|repair|anesthesia|closure|technique)\b" + H),
    ("p:", PLAN, r"\bp\s*:"),
    ("plan", PLAN, r"\b(?:plan|rx|f/u|follow[- ]?up|disposition|recommendations|treatment)\b" + H),
    ("s:", SUBJECTIVE, r"\b(?:s|s\s*/\s*o)\s*:"),
    ("subjective", SUBJECTIVE, r"\b(?:subjective|hpi|cc|chief complaint|history of present illness|interval|"
                               r"interval history|indication|indications|reason for visit|pt|patient|visit)\b" + H),
    ("o:", EXAM, r"\bo\s*:"),
    ("exam", EXAM, r"\b(?:objective|exam|examination|pe|physical exam|physical examination|vitals|vital signs|"
                   r"mse|skin exam|lesion|lesions)\b" + H),
    ("data", DATA, r"\b(?:labs|lab|labs reviewed|data|results|studies|imaging)\b" + H),
    ("pmh", PMH, r"\b(?:pmh|past medical history|psh|past surgical history|meds|medications|current medications|"
                 r"allergies|pmhx|past history)\b" + H),
    ("family", FAMILY, r"\b(?:fhx|fh|family history|family hx)\b" + H),
    ("social", SOCIAL, r"\b(?:shx|sh|social|social history|social hx)\b" + H),
    ("ros", ROS, r"\b(?:ros|review of systems)\b" + H),
    # The same headings alone on their line, without a colon ("A/P", "ASSESSMENT AND PLAN", "Impression").
    ("a/p (own line)", ASSESSMENT, r"(?im)^[ \t]*(?:a\s*/\s*p|a\s*&\s*p|assessment(?:\s*(?:and|&|/)\s*plan)?|impression"
                                  r"(?:\s*(?:and|&|/)\s*plan)?|diagnos[ie]s|dx)[ \t]*$"),
    ("plan (own line)", PLAN, r"(?im)^[ \t]*plan[ \t]*$"),
]

# ConText rules of ours, added to medspaCy's defaults: phrasings these notes use.
# (literal, category, direction[, max_scope in tokens]): "A, B vs C" makes only B and C uncertain.
CONTEXT_RULES: list[tuple] = [
    ("nothing", "NEGATED_EXISTENCE", "FORWARD"),
    ("w/o", "NEGATED_EXISTENCE", "FORWARD"),
    ("never", "NEGATED_EXISTENCE", "FORWARD"),
    ("non", "NEGATED_EXISTENCE", "FORWARD"),
    ("not suspected", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not supported", "NEGATED_EXISTENCE", "BACKWARD"),
    ("not suspicious for", "NEGATED_EXISTENCE", "FORWARD"),
    ("not consistent with", "NEGATED_EXISTENCE", "FORWARD"),
    ("ruled out", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("was ruled out", "NEGATED_EXISTENCE", "BACKWARD"),
    ("excluded", "NEGATED_EXISTENCE", "BACKWARD"),
    ("resolved", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("until resolved", "PSEUDO", "PSEUDO"),
    ("until resolution", "PSEUDO", "PSEUDO"),
    ("until it resolves", "PSEUDO", "PSEUDO"),
    ("not resolved", "PSEUDO", "PSEUDO"),
    ("not yet resolved", "PSEUDO", "PSEUDO"),
    ("has not resolved", "PSEUDO", "PSEUDO"),
    ("no longer", "NEGATED_EXISTENCE", "FORWARD"),
    ("negative", "NEGATED_EXISTENCE", "BACKWARD"),
    ("negative for", "NEGATED_EXISTENCE", "FORWARD"),
    ("absent", "NEGATED_EXISTENCE", "BACKWARD"),
    ("no signs of", "NEGATED_EXISTENCE", "FORWARD"),
    ("low suspicion for", "NEGATED_EXISTENCE", "FORWARD"),
    ("low suspicion of", "NEGATED_EXISTENCE", "FORWARD"),
    ("considered", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL"),
    ("suspected", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("is suspected", "POSSIBLE_EXISTENCE", "BACKWARD"),
    ("was suspected", "POSSIBLE_EXISTENCE", "BACKWARD"),
    ("suspect", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("suspicion for", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("concern for", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("concerning for", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("question of", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("questionable", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("presumed", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("probable", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("versus", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 3),
    ("vs", "POSSIBLE_EXISTENCE", "BIDIRECTIONAL", 3),
    ("ddx", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("differential", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("differential includes", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("unlikely", "NEGATED_EXISTENCE", "BIDIRECTIONAL"),
    ("less likely", "NEGATED_EXISTENCE", "BACKWARD"),
    ("cannot exclude", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("to screen for", "HYPOTHETICAL", "FORWARD"),
    ("screen for", "HYPOTHETICAL", "FORWARD"),
    ("to check for", "HYPOTHETICAL", "FORWARD"),
    ("to evaluate for", "HYPOTHETICAL", "FORWARD"),
    ("monitor for", "HYPOTHETICAL", "FORWARD"),
    ("watch for", "HYPOTHETICAL", "FORWARD"),
    ("prevention", "HYPOTHETICAL", "BIDIRECTIONAL"),
    ("risk of", "HYPOTHETICAL", "FORWARD"),
    ("risks", "HYPOTHETICAL", "FORWARD"),
    ("discussed", "HYPOTHETICAL", "FORWARD"),
    ("discussion of", "HYPOTHETICAL", "FORWARD"),
    ("counseled", "HYPOTHETICAL", "FORWARD"),
    ("counseled on", "HYPOTHETICAL", "FORWARD"),
    ("precautions", "HYPOTHETICAL", "BIDIRECTIONAL"),
    ("in case of", "HYPOTHETICAL", "FORWARD"),
    ("should", "HYPOTHETICAL", "FORWARD"),
    ("s/p", "HISTORICAL", "FORWARD"),
    ("status post", "HISTORICAL", "FORWARD"),
    ("h/o", "HISTORICAL", "FORWARD"),
    ("hx of", "HISTORICAL", "FORWARD"),
    ("prior", "HISTORICAL", "FORWARD"),
    ("previous", "HISTORICAL", "FORWARD"),
    ("years ago", "HISTORICAL", "BACKWARD"),
    ("in the past", "HISTORICAL", "BACKWARD"),
    ("childhood", "HISTORICAL", "FORWARD"),
    ("as a child", "HISTORICAL", "BACKWARD"),
    ("in her 20s", "HISTORICAL", "BACKWARD"),
    ("in his 20s", "HISTORICAL", "BACKWARD"),
    ("treated with", "TERMINATE", "TERMINATE"),
    ("father", "FAMILY", "BACKWARD"),
    ("mother", "FAMILY", "BACKWARD"),
    ("sister", "FAMILY", "BACKWARD"),
    ("brother", "FAMILY", "BACKWARD"),
    ("parents", "FAMILY", "BACKWARD"),
    ("sibling", "FAMILY", "BACKWARD"),
    ("favor", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("favour", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("favoring", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("favored to be", "POSSIBLE_EXISTENCE", "FORWARD"),
    ("most likely", "POSSIBLE_EXISTENCE", "FORWARD"),
]

# Cues written right after the term they qualify (ConText's own rules read "history" and "possible" forward):
# "BCC history", "tobacco use hx", "GERD possible", "URI most likely", "lung cancer screening". Only the next word
# (after an optional "is"/"most") counts, so "30 pack-year history" and "HTN, possible white-coat effect" do not.
POSTPOSED: dict[str, str] = {
    "history": "historical", "hx": "historical",
    "possible": "possible", "probable": "possible", "likely": "possible", "suspected": "possible",
    "favored": "possible", "favoured": "possible", "questionable": "possible",
    "screening": "hypothetical", "screen": "hypothetical", "teaching": "hypothetical", "education": "hypothetical",
    "precautions": "hypothetical", "prevention": "hypothetical",
}
QUERIED = re.compile(r"\?\s*$")
POSTPOSED_LINK = frozenset({"is", "was", "most", "more", "also", "very"})


@dataclass(frozen=True)
class Mention:
    """A dictionary concept found in the note, with where it is and how it is asserted."""

    concept: str
    start: int
    end: int
    text: str
    section: str
    sentence: int
    negated: bool = False
    possible: bool = False
    historical: bool = False
    family: bool = False
    hypothetical: bool = False
    generic: bool = False  # came from the ICD-10-CM descriptions rather than the curated list

    @property
    def assertion(self) -> str:
        for name in ("negated", "family", "possible", "hypothetical", "historical"):
            if getattr(self, name):
                return name
        return "affirmed"

    @property
    def affirmed(self) -> bool:
        return self.assertion == "affirmed"


@dataclass(frozen=True)
class SectionSpan:
    category: str
    start: int       # char offset of the heading (or 0 for the preamble)
    body_start: int  # char offset where its text begins
    end: int
    heading: str


@dataclass
class Analysis:
    text: str
    sections: list[SectionSpan]
    sentences: list[tuple[int, int]]
    mentions: list[Mention]

    def section_at(self, pos: int) -> str:
        for s in reversed(self.sections):
            if s.start <= pos:
                return s.category
        return PREAMBLE

    def sentence_of(self, pos: int) -> tuple[int, int]:
        for start, end in self.sentences:
            if start <= pos < end:
                return start, end
        return pos, pos

    def has_section(self, *categories: str) -> bool:
        return any(s.category in categories for s in self.sections)


class Pipeline:
    """spaCy + medspaCy components, built once."""

    def __init__(self) -> None:
        import medspacy
        import spacy
        from loguru import logger
        from medspacy.context import ConTextRule
        from medspacy.section_detection import SectionRule

        logger.disable("PyRuSH")
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "?", ";"]})
        self.context = nlp.add_pipe("medspacy_context", config={"rules": None, "prune_on_target_overlap": True})
        ours = {rule[0].lower() for rule in CONTEXT_RULES}
        defaults = ConTextRule.from_json(str(Path(medspacy.__file__).resolve().parents[1] / "resources" / "en"
                                             / "context_rules.json"))
        dropped = ours | {": no", ": none"}  # ": no" negates what precedes it, wrong for "screening: no lesions"
        self.context.add([r for r in defaults if r.literal.lower() not in dropped])  # ours replace same-named defaults
        self.context.add([ConTextRule(rule[0], rule[1], direction=rule[2], max_scope=rule[3] if len(rule) > 3 else None)
                          for rule in CONTEXT_RULES])
        self.sectionizer = nlp.add_pipe("medspacy_sectionizer", config={"rules": None, "require_start_line": True})
        self.sectionizer.add([SectionRule(literal=name, category=category, pattern=pattern)
                              for name, category, pattern in SECTION_RULES])
        self.nlp = nlp
        self.sentencizer = nlp.get_pipe("sentencizer")

    def analyze(self, text: str, dictionary: Dictionary) -> Analysis:
        from spacy.util import filter_spans

        doc = self.nlp.make_doc(text)
        doc = self.sentencizer(doc)
        for tok in doc[1:]:
            prev = doc[tok.i - 1]
            if "\n" in prev.text_with_ws or "\n" in prev.text:
                tok.is_sent_start = True
        matches = dictionary.match(text)
        spans = []
        by_span: dict[tuple[int, int], Match] = {}
        for m in matches:
            span = doc.char_span(m.start, m.end, label=m.concept, alignment_mode="expand")
            if span is not None:
                spans.append(span)
                by_span[(span.start, span.end)] = m
        doc.ents = filter_spans(spans)
        doc = self.context(doc)
        doc = self.sectionizer(doc)
        sections = self._sections(doc)
        sentences = [(s.start_char, s.end_char) for s in doc.sents]
        out = []
        for ent in doc.ents:
            m = by_span[(ent.start, ent.end)]
            sec = _section_for(sections, m.start)
            sent = next((i for i, (a, b) in enumerate(sentences) if a <= m.start < b), -1)
            family = bool(ent._.is_family) or sec == FAMILY
            after = _postposed(doc, ent.end)
            if QUERIED.search(text, max(0, m.start - 3), m.start) or text[m.end:m.end + 1] == "?":
                after = "possible"  # "?BCC", "BCC?": queried
            historical = bool(ent._.is_historical) or (sec == PMH and not m.concept.startswith("need")) or (
                after == "historical")
            out.append(Mention(concept=m.concept, start=m.start, end=m.end, text=text[m.start:m.end], section=sec,
                               sentence=sent, negated=bool(ent._.is_negated),
                               possible=bool(ent._.is_uncertain) or after == "possible", historical=historical,
                               family=family, hypothetical=bool(ent._.is_hypothetical) or after == "hypothetical",
                               generic=m.generic))
        return Analysis(text=text, sections=sections, sentences=sentences, mentions=out)

    @staticmethod
    def _sections(doc: Any) -> list[SectionSpan]:
        out = []
        for s in doc._.sections:
            cat = s.category or PREAMBLE
            title = doc[s.title_start:s.title_end]
            body = doc[s.body_start:s.body_end]
            start = title.start_char if len(title) else body.start_char if len(body) else 0
            out.append(SectionSpan(cat, start, body.start_char if len(body) else start,
                                   body.end_char if len(body) else start, title.text))
        if not out or out[0].start > 0:
            out.insert(0, SectionSpan(PREAMBLE, 0, 0, out[0].start if out else len(doc.text), ""))
        return _merge_specimen_labels(out)


def _postposed(doc: Any, i: int) -> str | None:
    """The assertion a cue written just after a concept gives it ("BCC history", "GERD possible"), if any."""
    if i < len(doc) and doc[i].lower_ in POSTPOSED_LINK and "\n" not in doc[i - 1].whitespace_:
        i += 1
    if i >= len(doc) or "\n" in doc[i - 1].text_with_ws[len(doc[i - 1].text):]:
        return None
    found = POSTPOSED.get(doc[i].lower_)
    if found and i + 1 < len(doc) and doc[i + 1].lower_ in ("of", "for"):
        return None  # "... history of X" / "screening for X" qualify what follows
    return found


SPECIMEN_LABEL = re.compile(r"^\s*[A-Z]\s*:\s*$")


def _merge_specimen_labels(sections: list[SectionSpan]) -> list[SectionSpan]:
    """Inside a pathology report "A:", "B:" … label specimens; "A:" there is not an assessment heading."""
    out: list[SectionSpan] = []
    for s in sections:
        if out and out[-1].category == PATHOLOGY and SPECIMEN_LABEL.match(s.heading):
            prev = out[-1]
            out[-1] = SectionSpan(prev.category, prev.start, prev.body_start, max(prev.end, s.end), prev.heading)
            continue
        out.append(s)
    return out


def _section_for(sections: list[SectionSpan], pos: int) -> str:
    for s in reversed(sections):
        if s.start <= pos:
            return s.category
    return PREAMBLE


_pipeline: Pipeline | None = None
_lock = threading.Lock()


def pipeline() -> Pipeline:
    global _pipeline
    with _lock:
        if _pipeline is None:
            _pipeline = Pipeline()
        return _pipeline
