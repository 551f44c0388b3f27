"""Stage 2b: from concept mentions to ICD-10-CM codes.

Only affirmed, current conditions become diagnoses. When the note has an assessment (or a final
pathology report) only what those sections state is coded, because outpatient coders code the
assessment and never a diagnosis the history merely mentions. The most specific billable code
the note supports is chosen (site, laterality, type, with/without complication); when a detail is
missing the unspecified code is suggested with a note of what to document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coding.engine import lexicon
from coding.engine.dictionary import GENERIC_PREFIX
from coding.engine.lexicon import Concept
from coding.engine.nlp import (
    ASSESSMENT,
    DIAGNOSTIC_SECTIONS,
    HISTORY_SECTIONS,
    PATHOLOGY,
    PLAN,
    PROCEDURE,
    Analysis,
    Mention,
)
from coding.engine.sites import Site, find_sites
from coding.engine.text import line_span
from coding.engine.types import Evidence, Patient, Suggestion

if TYPE_CHECKING:
    from coding.engine.procedures.common import ProcContext

SYMPTOM_CONCEPTS = frozenset({"pruritus", "telangiectasia", "xerosis", "fever", "fatigue", "edema", "nausea",
                              "dysuria", "hematuria", "cough", "headache", "dizziness", "palpitations", "weight_loss",
                              "abdominal_pain", "diarrhea", "chest_pain", "hyperglycemia"})
NEGATION_CUE = re.compile(r"\b(?:no|not|without|w/o|denies|denied|negative for|free of|absence of|rules? out|ruled out)\b",
                          re.IGNORECASE)
TAUGHT_ABOUT = re.compile(r"\s*(?:teaching|education|precautions|counseling|counselling|prevention|screening)\b",
                          re.IGNORECASE)
NEGATION_END = re.compile(r"\b(?:but|however|although|though|except)\b|[;:]", re.IGNORECASE)
LABEL_BEFORE = re.compile(r"#\s*(\d+)|\((\d+|[A-Za-z])\)|^\s*([A-Z])\s*[:.)]|\b(?:lesion|specimen|site)\s+#?([A-Z0-9]+)\b|"
                          r"\b(?:pathology|path|biopsy|bx)\s+#?([A-Z]|\d+)\s*[:)-]", re.IGNORECASE | re.MULTILINE)
PATH_NUMBER_LABEL = re.compile(r"^\s*(\d{1,2})\s*[:.)]\s", re.MULTILINE)
NEXT_LABEL = re.compile(r"(?:^|(?<=[\s.;:]))(?:[A-Z]|\d{1,2})\)\s|#\s*\d+\b|\(\d+\)", re.MULTILINE)
PATH_CUE = re.compile(r"\b(?:path(?:ology)?|dermpath|histology)\b[^:\n]{0,25}:|\bpath(?:ology)? (?:showed|shows|revealed|"
                      r"confirmed|final|result)", re.IGNORECASE)
HYPERGLYCEMIA = re.compile(r"\b(?:poorly|inadequately|sub-?optimally|not well|suboptimal(?:ly)?)\s+controlled|"
                           r"\buncontrolled\b|\bout of control\b|\bhyperglyc[a]?emia\b|\bnot controlled\b", re.IGNORECASE)
BMI_RE = re.compile(r"\bBMI\W{0,3}(?:of\s+|is\s+|=\s*)?(\d{2}(?:\.\d)?)", re.IGNORECASE)


@dataclass
class Dx:
    """A resolved diagnosis before it becomes a suggestion."""

    code: str
    concept: str
    mentions: list[Mention]
    rule: str
    confidence: float
    extra_evidence: list[Evidence] = field(default_factory=list)
    missing: str = ""
    order: float = 0.0


@dataclass
class Problem:
    """An assessment item, for medical decision making (which problems were addressed, and how)."""

    code: str
    concept: str
    kind: str               # chronic | acute | minor | neoplasm | none
    item: tuple[int, int]   # the char span of its assessment item
    text: str


@dataclass
class DiagnosisResult:
    suggestions: list[Suggestion]
    problems: list[Problem]
    sources: frozenset[str]


def negated_at(text: str, sentence_start: int, pos: int) -> bool:
    before = text[sentence_start:pos]
    cues = list(NEGATION_CUE.finditer(before))
    if not cues:
        return False
    return not NEGATION_END.search(before, cues[-1].end())


class Context:
    """The note, its analysis and the patient: what the resolvers consult."""

    def __init__(self, analysis: Analysis, patient: Patient, concepts: dict[str, Concept]) -> None:
        self.a = analysis
        self.text = analysis.text
        self.patient = patient
        self.concepts = concepts
        self.sites = [s for s in find_sites(self.text) if self.a.section_at(s.start) not in HISTORY_SECTIONS]
        self._procedure_view: ProcContext | None = None

    def performed(self, start: int, end: int) -> bool:
        """Whether the procedure named at text[start:end] was done at this visit (the procedure stage's test)."""
        if self._procedure_view is None:
            from coding.engine.procedures.common import ProcContext  # the procedure stage imports this module

            self._procedure_view = ProcContext(self.a, self.patient, [])
        return self._procedure_view.performed(start, end)

    def line(self, pos: int) -> tuple[int, int]:
        return line_span(self.text, pos)

    def sentence(self, pos: int) -> tuple[int, int]:
        return self.a.sentence_of(pos)

    def affirmed_word(self, pattern: re.Pattern[str], start: int, end: int) -> re.Match[str] | None:
        """First match of `pattern` in text[start:end] outside the scope of a negation cue earlier in its sentence
        (ConText's forward scope, ended by 'but', 'however', ';' or ':')."""
        for m in pattern.finditer(self.text, start, end):
            if TAUGHT_ABOUT.match(self.text, m.end()):
                continue  # "hypoglycemia teaching": a topic, not a finding
            if not negated_at(self.text, self.sentence(m.start())[0], m.start()):
                return m
        return None


# --- entry point --------------------------------------------------------------------------------
def diagnose(analysis: Analysis, patient: Patient, concepts: dict[str, Concept]) -> DiagnosisResult:
    ctx = Context(analysis, patient, concepts)
    mentions = [m for m in analysis.mentions if m.concept in concepts or m.concept.startswith(GENERIC_PREFIX)]
    sources = _sources(analysis, mentions)
    chosen = _without_restatements(analysis.text, [m for m in mentions if m.section in sources])
    chosen = [m for m in chosen if not _left_for_later(ctx, m, mentions)]
    dxs: list[Dx] = []
    for m in chosen:
        if m.affirmed:
            dxs.extend(_resolve(ctx, m))
        elif m.historical and not (m.negated or m.possible or m.family or m.hypothetical):
            dxs.extend(_history(ctx, m, sources))
        elif m.possible and not (m.negated or m.family or m.historical or m.hypothetical):
            dxs.extend(_suspected_and_biopsied(ctx, m, mentions))
        elif m.family and not m.negated and m.section in sources:
            concept = concepts.get(m.concept)
            if concept and concept.family_code:
                dxs.append(Dx(concept.family_code, m.concept, [m], "family history stated in the assessment", 0.85,
                              order=m.start))
    if NOTHING_ELSE.search(ctx.text):
        dxs = [d for d in dxs if any(_addressed(ctx, m) for m in d.mentions)]
    dxs = _combine(ctx, dxs, chosen)
    dxs = _drop_less_specific(ctx, dxs)
    dxs.extend(_additional(ctx, dxs, sources))
    suggestions = _merge(ctx, dxs)
    problems = _problems(ctx, suggestions, dxs)
    return DiagnosisResult(suggestions, problems, frozenset(sources))


def _sources(analysis: Analysis, mentions: list[Mention]) -> set[str]:
    """What the coder codes from: the assessment (or, in notes without one, the plan that lists the problems) and
    the pathology report. Only a note with neither is read whole, history sections excepted."""
    present = {s.category for s in analysis.sections}
    if ASSESSMENT in present:
        return {ASSESSMENT, PATHOLOGY}
    if PLAN in present and any(m.section == PLAN for m in mentions):
        return {PLAN, PATHOLOGY}
    if PATHOLOGY in present and any(m.section == PATHOLOGY and m.affirmed for m in mentions):
        return {PATHOLOGY}
    return {m.section for m in mentions} - set(HISTORY_SECTIONS)


# A problem the note says it leaves for another day is not coded: "knee pain - not addressed today",
# "moles on her back; deferred to her full skin exam", "will address the rash at the next visit".
NOT_ADDRESSED = re.compile(
    r"\bnot (?:addressed|discussed|evaluated|assessed|examined)\b|\b(?:will|to) be (?:addressed|discussed|evaluated)\b|"
    r"\b(?:discuss|address|evaluate|look at|examine)\w*\b(?:\s+\w+){0,4}\s+(?:at|during|on)\s+(?:the\s+|her\s+|his\s+|a\s+|"
    r"their\s+)?(?:next|future|follow-?up|separate|upcoming)\b|\bdeferred to\s+(?:the\s+|her\s+|his\s+|a\s+|their\s+)?"
    r"(?:next|future|follow-?up|separate|upcoming|full|annual)\b|\bnot today\b", re.IGNORECASE)
# The note says nothing beyond what it treats or assesses was addressed.
NOTHING_ELSE = re.compile(
    r"\b(?:no other|nothing else|no additional|no further|no other skin)\b(?:\s+\w+){0,3}?\s+(?:was\s+|were\s+)?"
    r"(?:addressed|discussed|evaluated|managed)\b|\bvisit\b[^.\n]{0,30}\b(?:limited|restricted) to\b|"
    r"\bvisit\b[^.\n]{0,50}\bonly\b", re.IGNORECASE)
MANAGED = re.compile(r"\b(?:reassur\w*|continu\w*|start\w*|monitor\w*|observ\w*|recheck|treat\w*|cryo\w*|ln2|"
                     r"liquid nitrogen|biops\w*|bx|excis\w*|destr\w*|inject\w*|referr?\w*|counsel\w*|rx|prescri\w*|"
                     r"refill\w*|advised|discussed|benign)\b", re.IGNORECASE)


def _left_for_later(ctx: Context, m: Mention, mentions: list[Mention]) -> bool:
    """A cue on the mention's line, with no other diagnosis between them, that leaves the problem for later."""
    l_start, l_end = ctx.line(m.start)
    cue = NOT_ADDRESSED.search(ctx.text, m.end, l_end)
    if cue and not any(m.end <= o.start < cue.start() for o in mentions if o is not m and o.concept != m.concept):
        return True
    s_start, _ = ctx.sentence(m.start)
    cue = NOT_ADDRESSED.search(ctx.text, max(l_start, s_start), m.start)
    return bool(cue) and not any(cue.end() <= o.start < m.start for o in mentions if o.concept != m.concept)


def _addressed(ctx: Context, m: Mention) -> bool:
    """Whether a mention belongs to what the visit assessed or managed (used when the note says nothing else was)."""
    if m.section in (ASSESSMENT, PLAN, PATHOLOGY, PROCEDURE):
        return True
    return bool(MANAGED.search(ctx.text, *ctx.sentence(m.start)))


DESCRIPTOR_AFTER = re.compile(r"[\s-]*(?:type|subtype|variant|pattern|features|like)\b", re.IGNORECASE)


def _without_restatements(text: str, mentions: list[Mention]) -> list[Mention]:
    """'Common cold (viral URI)', 'history of skin cancer (SCC in situ, 2007)': a term in parentheses right after
    another restates it and is not a second diagnosis. 'SCC, keratoacanthoma type' describes the SCC."""
    out: list[Mention] = []
    for m in mentions:
        if DESCRIPTOR_AFTER.match(text, m.end):
            continue
        prev = out[-1] if out else None
        if prev is not None and prev.start < m.start:
            between = text[prev.end:m.start]
            if re.fullmatch(r"[\s,]*\((?:[^()\n]{0,25}\s)?", between) and "(" in between:
                continue
        out.append(m)
    return out


# --- resolution -------------------------------------------------------------------------------------
def _resolve(ctx: Context, m: Mention) -> list[Dx]:
    if m.concept.startswith(GENERIC_PREFIX):
        code = m.concept[len(GENERIC_PREFIX):]
        return [Dx(code, m.concept, [m], "ICD-10-CM description or inclusion term", 0.6, order=m.start)]
    concept = ctx.concepts[m.concept]
    base = 0.9 if m.section in DIAGNOSTIC_SECTIONS else 0.75
    if concept.code:
        return [Dx(concept.code, concept.key, [m], "dictionary term", base, order=m.start)]
    if concept.family in lexicon.SITE_FAMILIES:
        return _by_site(ctx, m, concept, base)
    if concept.family in lexicon.LATERAL_FAMILIES:
        return [_by_laterality(ctx, m, concept, base)]
    if concept.resolver:
        resolver = RESOLVERS[concept.resolver]
        return resolver(ctx, m, concept, base)
    return []


def _sites_for(ctx: Context, m: Mention) -> tuple[list[Site], str]:
    """Sites of the lesion a mention is about: its own sentence, its line, its lesion label, else the first lesion
    site the exam, procedure or assessment describes."""
    s_start, s_end = ctx.sentence(m.start)
    l_start, l_end = ctx.line(m.start)
    own = [s for s in ctx.sites if m.end <= s.start < s_end] or [s for s in ctx.sites if s_start <= s.start < m.start]
    if own:
        return own, "site stated with the diagnosis"
    labels = list(LABEL_BEFORE.finditer(ctx.text, l_start, m.start))
    if not labels and m.section == PATHOLOGY:  # "3. Keratoacanthoma-type SCC": numbered specimens in a path report
        labels = list(PATH_NUMBER_LABEL.finditer(ctx.text, l_start, m.start))
    lm = labels[-1] if labels else None
    if lm:
        label = re.escape(next(g for g in lm.groups() if g))
        labelled = re.compile(rf"#\s*{label}\b|\({label}\)|(?:^|(?<=[\s.;:]))\s*{label}\s*[:.)-]\s|"
                              rf"\b(?:lesion|specimen|site)\s+#?{label}\b", re.IGNORECASE | re.MULTILINE)
        for lab in labelled.finditer(ctx.text):
            if ctx.a.section_at(lab.start()) == PATHOLOGY or (lab.start() <= m.start <= lab.end() + 80):
                continue
            _, lend = ctx.line(lab.end())
            nxt = NEXT_LABEL.search(ctx.text, lab.end(), lend)
            stop = nxt.start() if nxt else lend
            found = [s for s in ctx.sites if lab.start() <= s.start < stop]
            if found:
                return found[:1], f"site of lesion {lm.group(0).strip()}"
    b_start, b_end = item_span(ctx.text, m.start)
    line_sites = [s for s in ctx.sites if l_start <= s.start < l_end] or [s for s in ctx.sites if b_start <= s.start < b_end]
    if line_sites:
        return line_sites[:1], "site stated in the same assessment item"
    usable = [s for s in ctx.sites if not negated_at(ctx.text, ctx.sentence(s.start)[0], s.start)]
    same_concept = [o for o in ctx.a.mentions if o.concept == m.concept and o is not m and not o.negated]
    for o in same_concept:
        o_start, o_end = ctx.sentence(o.start)
        found = [s for s in usable if o_start <= s.start < o_end]
        if found:
            return found[:1], "site where the note first names this diagnosis"
    for s in usable:
        sent = ctx.text[slice(*ctx.sentence(s.start))]
        if LESION_WORDS.search(sent) and ctx.a.section_at(s.start) not in (PATHOLOGY, PLAN):
            return [s], "site of the lesion described in the note"
    return usable[:1], "first site in the note" if usable else ""


def _by_site(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    table = lexicon.SITE_FAMILIES[concept.family or ""]
    sites, how = _sites_for(ctx, m)
    if not sites:
        return [Dx(_pick(table.get(None), None), concept.key, [m], "site family: no site documented", 0.6,
                   missing=concept.missing or "site", order=m.start)]
    out: list[Dx] = []
    seen: set[str] = set()
    for site in sites:
        region = site.icd_region
        override = lexicon.SITE_DETAIL_OVERRIDES.get(concept.family or "", {}).get(site.region)
        if region == "trunk":
            override = next((code for words, code in lexicon.TRUNK_PARTS.get(concept.family or "", [])
                             if re.search(words, site.text, re.IGNORECASE)), override)
        entry = override or table.get(region) or table.get(None)
        key = _lat_key(site)
        code = _pick(entry, key)
        missing = ""
        if isinstance(entry, dict) and (key is None or key not in entry):
            missing = "side (right/left)" + (" and upper/lower eyelid" if region == "eyelid" else "")
        if code in seen:
            continue
        seen.add(code)
        ev = Evidence(site.start, site.end, site.text, ctx.a.section_at(site.start), role="site")
        out.append(Dx(code, concept.key, [m], f"site family ({how})", base if not missing else 0.7, [ev],
                      missing=missing, order=m.start))
    return out


def _lat_key(site: Site) -> str | None:
    if site.region == "eyelid" and site.laterality in ("R", "L") and site.lid:
        return f"{site.laterality} {site.lid}"
    return site.laterality if site.laterality in ("R", "L") else None


def _pick(entry: object, key: str | None) -> str:
    if isinstance(entry, dict):
        return str(entry.get(key) or entry.get(None))
    return str(entry)


def _by_laterality(ctx: Context, m: Mention, concept: Concept, base: float, family: str | None = None) -> Dx:
    table = lexicon.LATERAL_FAMILIES[family or concept.family or ""]
    s_start, s_end = ctx.sentence(m.start)
    window = ctx.text[max(s_start, m.start - 40):min(s_end, m.end + 40)]
    lat = None
    if re.search(r"\b(?:bilateral|bilat|both|b/l)\b", window, re.IGNORECASE):
        lat = "B"
    elif re.search(r"\b(?:right|rt|r)\b", window, re.IGNORECASE) and not re.search(r"\b(?:left|lt|l)\b", window,
                                                                                     re.IGNORECASE):
        lat = "R"
    elif re.search(r"\b(?:left|lt|l)\b", window, re.IGNORECASE) and not re.search(r"\b(?:right|rt|r)\b", window,
                                                                                    re.IGNORECASE):
        lat = "L"
    code = table.get(lat) or table[None]
    missing = concept.missing if lat is None and table[None] != table.get("R") else ""
    return Dx(code, concept.key, [m], f"laterality family ({(family or concept.family or '').replace('_', ' ')})",
              base if not missing else 0.7, missing=missing, order=m.start)


def _item(ctx: Context, m: Mention) -> tuple[int, int]:
    return ctx.line(m.start)


def _res_sk(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    hit = ctx.affirmed_word(re.compile(r"\b(?:inflamed|irritated|inflammed)\b", re.IGNORECASE), s, e)
    code = "L82.0" if hit else "L82.1"
    return [Dx(code, concept.key, [m], "seborrheic keratosis: inflamed or not", base, order=m.start)]


def _res_wart(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    window = ctx.text[s:e].lower()
    if re.search(r"plantar|sole", window):
        return [Dx("B07.0", concept.key, [m], "wart: plantar", base, order=m.start)]
    if re.search(r"vulgaris|common|flat|plana|filiform|periungual|verucca|verruca", window):
        return [Dx("B07.8", concept.key, [m], "wart: common or flat", base, order=m.start)]
    return [Dx("B07.9", concept.key, [m], "wart: type not stated", 0.7, missing="type of wart (common, plantar, flat)",
               order=m.start)]


def _res_eczema(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.line(m.start)
    atopic = re.search(r"\batopic\b", ctx.text[s:e], re.IGNORECASE)
    return [Dx("L20.9" if atopic else "L30.9", concept.key, [m], "eczema: atopic or not", base, order=m.start)]


def _res_diabetes(ctx: Context, m: Mention, concept: Concept, base: float, type1: bool = False) -> list[Dx]:
    root = "E10" if type1 or re.search(r"\btype\s*(?:1|i)\b|\bt1\s*dm\b|\biddm\b", ctx.text[m.start:m.end + 3],
                                       re.IGNORECASE) else "E11"
    s, e = _item(ctx, m)
    out: list[Dx] = []
    if ctx.affirmed_word(HYPERGLYCEMIA, s, e):
        out.append(Dx(f"{root}.65", concept.key, [m], "diabetes, poorly controlled = with hyperglycemia", base,
                      order=m.start))
    if ctx.affirmed_word(re.compile(r"\bhypoglyc[a]?emia\b", re.IGNORECASE), s, e):
        out.append(Dx(f"{root}.649", concept.key, [m], "diabetes with hypoglycemia", base, order=m.start))
    complications = [
        (r"\b(?:diabetic\s+)?(?:ckd|chronic kidney disease|kidney disease|nephropathy)\b", ".22",
         "diabetes with chronic kidney disease"),
        (r"\b(?:diabetic\s+)?(?:peripheral\s+)?(?:poly)?neuropathy\b", ".42", "diabetes with polyneuropathy"),
        (r"\b(?:diabetic\s+)?retinopathy\b", ".319", "diabetes with retinopathy"),
        (r"\bgastroparesis\b", ".43", "diabetes with gastroparesis"),
        (r"\b(?:peripheral (?:arterial|artery|vascular) disease|pad|pvd|angiopathy)\b", ".51",
         "diabetes with peripheral angiopathy"),
        (r"\bfoot ulcer\b", ".621", "diabetes with foot ulcer"),
    ]
    for pattern, suffix, rule in complications:
        if ctx.affirmed_word(re.compile(pattern, re.IGNORECASE), s, e):
            out.append(Dx(f"{root}{suffix}", concept.key, [m], rule, base, order=m.start))
    if not out:
        out.append(Dx(f"{root}.9", concept.key, [m], "diabetes without documented complication", base, order=m.start))
    return out


def _res_diabetes_type1(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    return _res_diabetes(ctx, m, concept, base, type1=True)


ASTHMA_SEVERITY = [("mild intermittent", "J45.2"), ("mild persistent", "J45.3"), ("moderate persistent", "J45.4"),
                   ("severe persistent", "J45.5"), ("intermittent", "J45.2")]


def _res_asthma(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = _item(ctx, m)
    window = ctx.text[s:e].lower()
    root = next((code for words, code in ASTHMA_SEVERITY if words in window), None)
    if ctx.affirmed_word(re.compile(r"status asthmaticus", re.IGNORECASE), s, e):
        state = "2"
    elif ctx.affirmed_word(re.compile(r"\b(?:exacerbation|flare|acute attack|attack)\b", re.IGNORECASE), s, e):
        state = "1"
    else:
        state = "0"
    if root:
        return [Dx(f"{root}{state}", concept.key, [m], "asthma by severity and exacerbation", base, order=m.start)]
    code = {"0": "J45.909", "1": "J45.901", "2": "J45.902"}[state]
    return [Dx(code, concept.key, [m], "asthma, severity not documented", 0.7, missing=concept.missing,
               order=m.start)]


def _res_copd(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = _item(ctx, m)
    if ctx.affirmed_word(re.compile(r"\b(?:exacerbation|flare|aecopd)\b", re.IGNORECASE), s, e):
        return [Dx("J44.1", concept.key, [m], "COPD with acute exacerbation", base, order=m.start)]
    if ctx.affirmed_word(re.compile(r"\b(?:lower respiratory infection|bronchitis|pneumonia)\b", re.IGNORECASE), s, e):
        return [Dx("J44.0", concept.key, [m], "COPD with acute lower respiratory infection", base, order=m.start)]
    return [Dx("J44.9", concept.key, [m], "COPD", base, order=m.start)]


CKD_STAGE = re.compile(r"\b(?:stage|stg|g)\s*(1|2|3a|3b|3|4|5|i{1,3}a|i{1,3}b|iv|v|i{1,3})\b|\bckd\s*(1|2|3a|3b|3|4|5)\b|"
                       r"\b(esrd|end[- ]stage)\b", re.IGNORECASE)
CKD_CODES = {"1": "N18.1", "2": "N18.2", "3": "N18.30", "3a": "N18.31", "3b": "N18.32", "4": "N18.4", "5": "N18.5",
             "i": "N18.1", "ii": "N18.2", "iii": "N18.30", "iiia": "N18.31", "iiib": "N18.32", "iv": "N18.4", "v": "N18.5",
             "esrd": "N18.6", "end-stage": "N18.6", "end stage": "N18.6"}


def _ckd_stage(ctx: Context, start: int, end: int) -> str | None:
    m = CKD_STAGE.search(ctx.text, start, end)
    if not m:
        return None
    raw = next(g for g in m.groups() if g).lower()
    return CKD_CODES.get(raw)


def _res_ckd(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    _, e = _item(ctx, m)
    code = _ckd_stage(ctx, m.start, e) or (CKD_CODES["esrd"] if re.search(r"esrd|end.stage", m.text, re.I) else None)
    if code:
        return [Dx(code, concept.key, [m], "chronic kidney disease by stage", base, order=m.start)]
    return [Dx("N18.9", concept.key, [m], "chronic kidney disease, stage not documented", 0.7,
               missing=concept.missing, order=m.start)]


def _res_htn_ckd(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    return [Dx("I12.9", concept.key, [m], "hypertension with chronic kidney disease", base, order=m.start)]


def _res_obesity(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = _item(ctx, m)
    window = ctx.text[s:e].lower()
    for words, code in (("class 1", "E66.811"), ("class i ", "E66.811"), ("class 2", "E66.812"), ("class ii ", "E66.812"),
                        ("class 3", "E66.813"), ("class iii", "E66.813")):
        if words in window:
            return [Dx(code, concept.key, [m], "obesity by class", base, order=m.start)]
    if re.search(r"\b(?:morbid|severe)\b", window):
        return [Dx("E66.01", concept.key, [m], "morbid (severe) obesity", base, order=m.start)]
    return [Dx("E66.9", concept.key, [m], "obesity", base, order=m.start)]


def _res_sinusitis(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    window = ctx.text[s:e].lower()
    if "chronic" in window:
        return [Dx("J32.9", concept.key, [m], "chronic sinusitis", base, order=m.start)]
    if "recurrent" in window:
        return [Dx("J01.91", concept.key, [m], "acute recurrent sinusitis", base, order=m.start)]
    return [Dx("J01.90", concept.key, [m], "acute sinusitis", base, order=m.start)]


def _res_influenza(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    confirmed = re.search(r"\b(?:flu|influenza)\s*(?:a|b)\b[^.\n]{0,30}\b(?:positive|\+)|\b(?:positive|\+)[^.\n]{0,30}"
                          r"(?:flu|influenza)", ctx.text, re.IGNORECASE)
    code = "J10.1" if confirmed else "J11.1"
    return [Dx(code, concept.key, [m], "influenza (confirmed by test: J10)", base, order=m.start)]


def _res_cough(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    window = ctx.text[s:e].lower()
    code = "R05.3" if "chronic" in window else "R05.2" if "subacute" in window else "R05.1" if "acute" in window else "R05.9"
    return [Dx(code, concept.key, [m], "cough by duration", base, order=m.start)]


def _res_gerd(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    hit = ctx.affirmed_word(re.compile(r"\b(?:with|and)\s+esophagitis\b|\berosive\b", re.IGNORECASE), s, e)
    return [Dx("K21.00" if hit else "K21.9", concept.key, [m], "GERD with or without esophagitis", base,
               order=m.start)]


def _res_low_back_pain(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    if ctx.affirmed_word(re.compile(r"\b(?:sciatica|radiculopathy)\b", re.IGNORECASE), s, e):
        window = ctx.text[s:e].lower()
        lat = "R" if re.search(r"\bright\b", window) and "left" not in window else (
            "L" if re.search(r"\bleft\b", window) and "right" not in window else None)
        code = lexicon.LATERAL_FAMILIES["sciatica_lbp"][lat]
        return [Dx(code, concept.key, [m], "low back pain with sciatica", base, order=m.start)]
    if re.search(r"vertebrogenic", ctx.text[s:e], re.IGNORECASE):
        return [Dx("M54.51", concept.key, [m], "vertebrogenic low back pain", base, order=m.start)]
    return [Dx("M54.50", concept.key, [m], "low back pain", base, order=m.start)]


def _res_depression(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    return [Dx("F32.A", concept.key, [m], "depression, unspecified", base, order=m.start)]


def _res_mdd(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    window = ctx.text[s:e].lower()
    recurrent = "recurrent" in window
    root = "F33" if recurrent else "F32"
    if "full remission" in window:
        code = f"{root}.42" if recurrent else "F32.5"
    elif "partial remission" in window:
        code = f"{root}.41" if recurrent else "F32.4"
    elif "severe" in window:
        code = f"{root}.3" if "psychotic" in window and "without psychotic" not in window else f"{root}.2"
    elif "moderate" in window:
        code = f"{root}.1"
    elif "mild" in window:
        code = f"{root}.0"
    else:
        code = f"{root}.9"
    return [Dx(code, concept.key, [m], "major depressive disorder by episode and severity", base, order=m.start)]


def _res_bph(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.sentence(m.start)
    luts = ctx.affirmed_word(re.compile(r"\b(?:luts|lower urinary tract symptoms|nocturia|frequency|urgency|"
                                        r"weak stream|hesitancy|retention)\b", re.IGNORECASE), s, e)
    return [Dx("N40.1" if luts else "N40.0", concept.key, [m], "BPH with or without urinary symptoms", base,
               order=m.start)]


LESION_WORDS = re.compile(r"\b(?:lesions?|papules?|macules?|nodules?|plaques?|scar|tumou?r|cyst|mole|nevus|growth|"
                          r"spot|patch|bump|mass)\b", re.IGNORECASE)
BIOPSIED = re.compile(r"\b(?:biops(?:y|ied|ies)|bx|punched)\b|\b\d+(?:\.\d+)?\s*-?\s*mm\s+punch\b", re.IGNORECASE)


def _res_skin_lesion(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """A lesion biopsied with the result pending is a neoplasm of unspecified behavior (D49.2)."""
    l_start, l_end = ctx.line(m.start)
    if re.search(r"(?:\d|\bx)\s*$", ctx.text[max(l_start, m.start - 8):m.start]) or any(
            o is not m and l_start <= o.start < l_end and o.concept != m.concept and o.affirmed
            for o in ctx.a.mentions):
        return []  # "16 lesions" of a named diagnosis, or a line that names what the lesion is
    biopsy = _biopsy_of(ctx, m)
    if biopsy is not None:
        ev = Evidence(biopsy.start(), biopsy.end(), biopsy.group(0), ctx.a.section_at(biopsy.start()), role="procedure")
        return [Dx("D49.2", concept.key, [m], "lesion biopsied, pathology pending: neoplasm of unspecified behavior",
                   0.8, [ev], order=m.start)]
    return []  # an unbiopsied, unnamed "lesion" is not coded: the assessment names what it is, or nothing


def _suspected_and_biopsied(ctx: Context, m: Mention, mentions: list[Mention]) -> list[Dx]:
    """"?BCC, L cheek" or "r/o melanoma" with a biopsy done today and no result: the uncertain cancer is not coded,
    the biopsied lesion is a neoplasm of unspecified behavior (D49.2) - unless the item names what it is."""
    concept = ctx.concepts.get(m.concept)
    if concept is None or concept.lesion != "malignant":
        return []
    l_start, l_end = ctx.line(m.start)
    if any(o is not m and l_start <= o.start < l_end and o.affirmed and o.concept != m.concept for o in mentions):
        return []
    biopsy = _biopsy_of(ctx, m)
    if biopsy is None:
        return []
    ev = Evidence(biopsy.start(), biopsy.end(), biopsy.group(0), ctx.a.section_at(biopsy.start()), role="procedure")
    return [Dx("D49.2", "d49_skin", [m], "suspected skin cancer biopsied, pathology pending: neoplasm of unspecified "
               "behavior", 0.75, [ev], order=m.start)]


def _biopsy_of(ctx: Context, m: Mention) -> re.Match[str] | None:
    """A biopsy done today of the lesion `m` names: in its own assessment item, or elsewhere in the note (the
    procedure section, the plan) when it names no other site than the lesion's."""
    item = item_span(ctx.text, m.start)
    own = [s for s in ctx.sites if item[0] <= s.start < item[1]]
    others = [o for o in ctx.a.mentions if o.affirmed and o.concept != m.concept and o.section == m.section
              and not (item[0] <= o.start < item[1])]
    left_alone = UNTREATED.search(ctx.text, *item)
    for b in BIOPSIED.finditer(ctx.text):
        if ctx.a.section_at(b.start()) in HISTORY_SECTIONS or ctx.a.section_at(b.start()) == PATHOLOGY:
            continue
        if not ctx.performed(b.start(), b.end()):
            continue
        if item[0] <= b.start() < item[1]:
            return b
        if left_alone:
            continue  # "benign appearing, reassurance, no tx": this lesion was not the one biopsied
        b_item = item_span(ctx.text, b.start())
        if any(b_item[0] <= o.start < b_item[1] for o in others):
            continue  # the biopsy belongs to another assessment item
        s_start, s_end = ctx.sentence(b.start())
        there = [s for s in ctx.sites if s_start <= s.start < s_end]
        if own and there and not any(_same_place(a, b2) for a in own for b2 in there):
            continue  # a biopsy of another lesion
        if there and not own and any(_same_place(s, t) for o in others for s in ctx.sites
                                     if item_span(ctx.text, o.start)[0] <= s.start < item_span(ctx.text, o.start)[1]
                                     for t in there):
            continue  # the biopsy's site is another diagnosis's
        return b
    return None


UNTREATED = re.compile(r"\b(?:no (?:tx|treatment|bx|biopsy)|reassur\w*|observ\w*|monitor\w*|benign[- ]appearing|"
                       r"not biopsied|watch)\b", re.IGNORECASE)


def _same_place(a: Site, b: Site) -> bool:
    return a.icd_region == b.icd_region and (a.laterality == b.laterality or None in (a.laterality, b.laterality))


def _res_osteoarthritis(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Osteoarthritis by joint (knee, hip, hand, shoulder) and side; elsewhere the unspecified code."""
    s, e = ctx.sentence(m.start)
    window = ctx.text[s:e].lower()
    for joint, family in (("knee", "knee_oa"), ("hip", "hip_oa"), ("hand|finger|thumb", "hand_oa"),
                          ("shoulder", "shoulder_oa")):
        if re.search(rf"\b(?:{joint})s?\b", window):
            table = lexicon.LATERAL_FAMILIES[family]
            both = re.search(r"\b(?:bilateral|bilat|both)\b", window)
            lat = "B" if both else ("R" if re.search(r"\b(?:right|rt|r)\b", window) else
                                    "L" if re.search(r"\b(?:left|lt|l)\b", window) else None)
            return [Dx(table[lat], concept.key, [m], f"osteoarthritis of the {joint.split('|')[0]} by side", base,
                       missing="" if lat else "which side", order=m.start)]
    return [Dx("M19.90", concept.key, [m], "osteoarthritis, joint not documented", 0.7, missing="which joint",
               order=m.start)]


def _res_general_exam(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    age = ctx.patient.age
    if age is not None and age < 18:
        return [Dx("Z00.129", concept.key, [m], "routine child health exam", base, order=-1)]
    return [Dx("Z00.00", concept.key, [m], "general adult exam", base, order=-1)]


def _res_otitis_media(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Otitis media by type (acute suppurative, with or without a ruptured drum; acute serous) and ear."""
    s, e = ctx.line(m.start)
    window = ctx.text[max(s, m.start - 40):min(e, m.end + 60)]
    acute = re.search(r"\b(?:acute|aom)\b", window, re.IGNORECASE) or m.text.lower() == "aom"
    suppurative = ctx.affirmed_word(re.compile(r"\b(?:suppurative|purulent)\b", re.IGNORECASE), s, e)
    ruptured = ctx.affirmed_word(re.compile(r"\b(?:ruptur\w*|perforat\w*)\b", re.IGNORECASE), s, e)
    serous = ctx.affirmed_word(re.compile(r"\bserous\b", re.IGNORECASE), s, e)
    if suppurative and acute:
        family = "otitis_media_acute_suppurative" + ("_ruptured" if ruptured else "")
    elif suppurative:
        family = "otitis_media_suppurative"
    elif serous and acute:
        family = "otitis_media_acute_serous"
    else:
        family = "otitis_media"
    return [_by_laterality(ctx, m, concept, base, family)]


def _res_cystitis(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.line(m.start)
    blood = ctx.affirmed_word(re.compile(r"\b(?:hematuria|haematuria|hemorrhagic|blood in (?:the )?urine)\b",
                                         re.IGNORECASE), s, e)
    acute = re.search(r"\bacute\b", ctx.text[max(s, m.start - 20):m.end], re.IGNORECASE)
    code = ("N30.01" if blood else "N30.00") if acute else ("N30.91" if blood else "N30.90")
    return [Dx(code, concept.key, [m], "cystitis, acute or not, with or without hematuria", base, order=m.start)]


def _res_migraine(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Migraine by type (chronic, without aura, with aura) and whether intractable (status migrainosus not coded)."""
    s, e = ctx.line(m.start)
    window = ctx.text[s:e]
    if re.search(r"\bchronic migraines?\b", window, re.IGNORECASE):
        root = "G43.7"
    elif re.search(r"\bwithout aura\b|\bcommon migraine", window, re.IGNORECASE):
        root = "G43.0"
    elif ctx.affirmed_word(re.compile(r"\bwith (?:typical |visual )?aura\b|\bclassic migraine", re.IGNORECASE), s, e):
        root = "G43.1"
    else:
        root = "G43.9"
    intractable = ctx.affirmed_word(re.compile(r"\b(?:intractable|refractory|pharmacoresistant)\b", re.IGNORECASE), s, e)
    return [Dx(f"{root}{'1' if intractable else '0'}9", concept.key, [m], "migraine by type and intractability", base,
               order=m.start)]


GOUT_JOINTS = (("foot", r"toes?|hallux|mtp|metatarsophalangeal|bunion|foot|feet|ankles?|heel|instep|podagra|midfoot"),
               ("knee", r"knees?"), ("hand", r"hands?|fingers?|thumbs?|mcp|knuckles?"), ("wrist", r"wrists?"),
               ("elbow", r"elbows?|olecranon"), ("shoulder", r"shoulders?"), ("hip", r"hips?"))


def _res_gout(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Gout (idiopathic) by joint and side; without a joint, gout unspecified."""
    s, e = ctx.line(m.start)
    window = ctx.text[s:e]
    joints = [name for name, words in GOUT_JOINTS if re.search(rf"\b(?:{words})\b", window, re.IGNORECASE)]
    if len(joints) > 1:
        return [Dx("M10.09", concept.key, [m], "gout of more than one joint", base, order=m.start)]
    if not joints:
        return [Dx("M10.9", concept.key, [m], "gout, joint not documented", 0.75, missing="which joint and side",
                   order=m.start)]
    return [_by_laterality(ctx, m, concept, base, f"gout_{joints[0]}")]


AF_TYPES = ((r"long-?\s?standing persistent", "I48.11"), (r"persistent", "I48.19"), (r"paroxysmal|pafib|paf", "I48.0"),
            (r"permanent", "I48.21"), (r"chronic", "I48.20"))


def _res_afib(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, _ = ctx.line(m.start)
    before = ctx.text[max(s, m.start - 30):m.start]
    code = next((code for words, code in AF_TYPES if re.search(rf"\b(?:{words})\W*(?:\w+\W+)?$", before, re.IGNORECASE)),
                "I48.91")
    return [Dx(code, concept.key, [m], "atrial fibrillation by type", base if code != "I48.91" else 0.75,
               missing="" if code != "I48.91" else "type of atrial fibrillation", order=m.start)]


def _res_iron_deficiency_anemia(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    s, e = ctx.line(m.start)
    loss = ctx.affirmed_word(re.compile(r"\b(?:blood loss|bleed\w*|menorrhagia|heavy (?:menses|periods|menstrual))\b",
                                        re.IGNORECASE), m.end, e)
    code = "D50.0" if loss and not re.search(r"\bacute blood loss\b", ctx.text[s:e], re.IGNORECASE) else "D50.9"
    return [Dx(code, concept.key, [m], "iron deficiency anemia, from chronic blood loss or not", base, order=m.start)]


def _res_paronychia(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Paronychia is cellulitis of a finger or a toe (by side)."""
    s, e = ctx.line(m.start)
    window = ctx.text[s:e]
    if re.search(r"\b(?:toes?|toenails?|hallux|halluces)\b", window, re.IGNORECASE):
        return [_by_laterality(ctx, m, concept, base, "paronychia_toe")]
    if re.search(r"\b(?:fingers?|fingernails?|thumbs?|digit)\b", window, re.IGNORECASE):
        return [_by_laterality(ctx, m, concept, base, "paronychia_finger")]
    return [Dx("L03.019", concept.key, [m], "paronychia, digit not documented", 0.7, missing=concept.missing,
               order=m.start)]


HYPERHIDROSIS_SITES = ((r"axillae|axillary|axilla|underarms?|armpits?", "L74.510"),
                       (r"face|facial|craniofacial|forehead|scalp", "L74.511"),
                       (r"palms?|palmar|hands?", "L74.512"), (r"soles?|plantar|feet|foot", "L74.513"))


def _res_hyperhidrosis(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Focal hyperhidrosis by site (a site makes it focal), secondary focal, or generalized."""
    s, e = ctx.line(m.start)
    window = ctx.text[s:e]
    if re.search(r"\bgeneralized\b", window, re.IGNORECASE):
        return [Dx("R61", concept.key, [m], "generalized hyperhidrosis", base, order=m.start)]
    if re.search(r"\bsecondary\b", window, re.IGNORECASE):
        return [Dx("L74.52", concept.key, [m], "secondary focal hyperhidrosis", base, order=m.start)]
    codes = [code for words, code in HYPERHIDROSIS_SITES if re.search(rf"\b(?:{words})\b", window, re.IGNORECASE)]
    if codes:
        return [Dx(code, concept.key, [m], "primary focal hyperhidrosis by site", base, order=m.start) for code in codes]
    if re.search(r"\b(?:primary|focal)\b", window, re.IGNORECASE):
        return [Dx("L74.519", concept.key, [m], "primary focal hyperhidrosis, site not documented", 0.7,
                   missing="site (axillae, face, palms, soles)", order=m.start)]
    return [Dx("R61", concept.key, [m], "hyperhidrosis, not described as focal", 0.7, order=m.start)]


def _res_psoriasis(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """"Psoriasis ... (plaque type)", "psoriasis vulgaris of the scalp": the type written anywhere in the item."""
    s, e = ctx.line(m.start)
    if re.search(r"\b(?:plaque|vulgaris)\b", ctx.text[s:e], re.IGNORECASE):
        return [Dx("L40.0", concept.key, [m], "psoriasis, plaque type", base, order=m.start)]
    if re.search(r"\bguttate\b", ctx.text[s:e], re.IGNORECASE):
        return [Dx("L40.4", concept.key, [m], "guttate psoriasis", base, order=m.start)]
    return [Dx("L40.9", concept.key, [m], "psoriasis, type not documented", 0.75, missing=concept.missing, order=m.start)]


def _res_heart_failure(ctx: Context, m: Mention, concept: Concept, base: float) -> list[Dx]:
    """Heart failure by type (systolic = reduced EF, diastolic = preserved EF, combined) and acuity."""
    s, e = ctx.line(m.start)
    window = ctx.text[s:e]
    systolic = re.search(r"\b(?:systolic|hfref|reduced (?:ef|ejection fraction))\b", window, re.IGNORECASE)
    diastolic = re.search(r"\b(?:diastolic|hfpef|preserved (?:ef|ejection fraction))\b", window, re.IGNORECASE)
    if re.search(r"\bcombined\b", window, re.IGNORECASE) or (systolic and diastolic):
        root = "I50.4"
    elif systolic:
        root = "I50.2"
    elif diastolic:
        root = "I50.3"
    else:
        return [Dx("I50.9", concept.key, [m], "heart failure, type not documented", 0.75,
                   missing="type (systolic/reduced or diastolic/preserved EF) and acuity", order=m.start)]
    if re.search(r"\bacute on chronic\b", window, re.IGNORECASE):
        acuity = "3"
    elif ctx.affirmed_word(re.compile(r"\b(?:acute|decompensated)\b", re.IGNORECASE), s, e):
        acuity = "1"
    elif re.search(r"\b(?:chronic|stable|compensated)\b", window, re.IGNORECASE):
        acuity = "2"
    else:
        acuity = "0"
    return [Dx(f"{root}{acuity}", concept.key, [m], "heart failure by type and acuity", base, order=m.start)]


RESOLVERS = {
    "seborrheic_keratosis": _res_sk, "wart": _res_wart, "eczema": _res_eczema, "diabetes": _res_diabetes,
    "diabetes_type1": _res_diabetes_type1, "asthma": _res_asthma, "copd": _res_copd, "ckd": _res_ckd,
    "htn_ckd": _res_htn_ckd, "obesity": _res_obesity, "sinusitis": _res_sinusitis, "influenza": _res_influenza,
    "cough": _res_cough, "gerd": _res_gerd, "low_back_pain": _res_low_back_pain, "depression": _res_depression,
    "mdd": _res_mdd, "bph": _res_bph, "general_exam": _res_general_exam, "skin_lesion": _res_skin_lesion,
    "osteoarthritis": _res_osteoarthritis, "otitis_media": _res_otitis_media, "cystitis": _res_cystitis,
    "paronychia": _res_paronychia, "hyperhidrosis": _res_hyperhidrosis, "psoriasis": _res_psoriasis,
    "migraine": _res_migraine, "gout": _res_gout, "afib": _res_afib, "heart_failure": _res_heart_failure,
    "iron_deficiency_anemia": _res_iron_deficiency_anemia,
}

CHRONIC_CONTINUING = re.compile(r"\b(?:on|continue|continues|controlled|stable|managed|taking|refill)\b", re.IGNORECASE)


def _history(ctx: Context, m: Mention, sources: set[str]) -> list[Dx]:
    """A condition stated as past: a personal-history code when one exists (cancers, tobacco)."""
    if m.section not in sources:
        return []
    concept = ctx.concepts.get(m.concept)
    if concept is None:
        return []
    if concept.history_code:
        return [Dx(concept.history_code, concept.key, [m], "personal history stated in the assessment", 0.85,
                   order=m.start)]
    _, e = ctx.sentence(m.start)
    if concept.problem == "chronic" and CHRONIC_CONTINUING.search(ctx.text, m.end, e):
        return _resolve(ctx, Mention(**{**m.__dict__, "historical": False}))
    return []


# --- combination and specificity -------------------------------------------------------------------
def _combine(ctx: Context, dxs: list[Dx], chosen: list[Mention]) -> list[Dx]:
    """ICD-10-CM's presumed links: hypertension with CKD is I12; diabetes with CKD is E1x.22."""
    codes = {d.code for d in dxs}
    ckd = [d for d in dxs if d.code.startswith("N18")]
    if ckd:
        stage5 = any(d.code in ("N18.5", "N18.6") for d in ckd)
        for d in dxs:
            if d.code == "I10" or (d.code == "I12.9" and stage5):
                d.code = "I12.0" if stage5 else "I12.9"
                d.rule = "hypertension with chronic kidney disease (presumed linked)"
        diabetic = [d for d in dxs if d.code[:3] in ("E10", "E11")]
        if diabetic and not any(d.code.endswith(".22") for d in diabetic):
            root = diabetic[0].code[:3]
            diabetic[0].code = f"{root}.22"
            diabetic[0].rule = "diabetes with chronic kidney disease (presumed linked)"
    elif "I12.9" in codes:
        pass
    # A diabetes code "without complications" gives way to any complicated diabetes code of the same type.
    for root in ("E10", "E11"):
        if any(d.code.startswith(root) and d.code != f"{root}.9" for d in dxs):
            dxs = [d for d in dxs if d.code != f"{root}.9"]
    # "Diabetic polyneuropathy", "diabetic PAD": the diabetes combination code says it all; the complication's own
    # code from the same assessment item is not added (CKD and foot ulcers keep theirs: the tabular asks for them).
    consumed = []
    for d in dxs:
        if d.code[:3] in ("E10", "E11", "E13"):
            extra = next((codes for suffix, codes in DIABETIC_INCLUDES if d.code[3:].startswith(suffix)), ())
            if extra:
                consumed.append((item_span(ctx.text, d.mentions[0].start), extra))
    if consumed:
        dxs = [d for d in dxs if not any(d.code.startswith(extra) and span[0] <= d.mentions[0].start < span[1]
                                         for span, extra in consumed)]
    return dxs


# Complication codes a diabetes combination code includes (by the digits after the category).
DIABETIC_INCLUDES = ((".4", ("G56", "G57", "G58", "G59", "G60", "G62", "G63", "G90", "G99")), (".51", ("I73.9",)),
                     (".52", ("I73.9",)), (".3", ("H35.0", "H35.3", "H36")), (".43", ("K31.84",)),
                     (".64", ("E16",)), (".65", ("R73",)))


def _drop_less_specific(ctx: Context, dxs: list[Dx]) -> list[Dx]:
    codes = {d.code for d in dxs}
    keep: list[Dx] = []
    path_skin = any(_from_pathology(ctx, d.mentions[0]) and d.code[:3] in (
        "C43", "C44", "C4A", "D03", "D04", "D22", "D23", "L82", "L57", "L72", "D17", "L91", "L94", "L98", "L85")
        for d in dxs)
    for d in dxs:
        cat = d.code[:3]
        siblings = {c for c in codes if c != d.code and c[:3] == cat}
        unspecified = d.code.endswith(".9") or d.code.endswith(".90") or d.code.endswith(".30") or d.concept in (
            "cyst", "psoriasis", "dermatitis", "skin_cancer", "rash")
        if siblings and unspecified and d.code not in ("L82.1",):
            continue
        if d.code in ("D48.5", "D49.2") and path_skin:
            continue
        if d.code.startswith("M54.3") and any(c.startswith("M54.4") for c in codes):
            continue  # lumbago with sciatica is one combination code
        if (d.concept in SYMPTOM_CONCEPTS or d.code.startswith("R")) and _shares_item_with_diagnosis(ctx, d, dxs):
            continue
        keep.append(d)
    return keep


def _from_pathology(ctx: Context, m: Mention) -> bool:
    l_start, _ = ctx.line(m.start)
    return m.section == PATHOLOGY or bool(PATH_CUE.search(ctx.text, l_start, m.start))


def _shares_item_with_diagnosis(ctx: Context, d: Dx, dxs: list[Dx]) -> bool:
    item = ctx.line(d.mentions[0].start)
    for other in dxs:
        if other is d or other.code.startswith(("R", "Z")) or other.concept in SYMPTOM_CONCEPTS:
            continue
        if item[0] <= other.mentions[0].start < item[1]:
            return True
    return False


# --- codes that go with others ---------------------------------------------------------------------
def _additional(ctx: Context, dxs: list[Dx], sources: set[str]) -> list[Dx]:
    out: list[Dx] = []
    codes = {d.code for d in dxs}
    text_lower = ctx.text.lower()
    words = set(re.findall(r"[a-z][a-z-]+", text_lower))
    diabetic = [d for d in dxs if d.code[:3] in ("E11", "E10", "E13")]
    if diabetic:
        first = diabetic[0]
        current = _current_drugs(ctx)
        on_insulin = bool(current & lexicon.INSULINS)
        oral = sorted(current & lexicon.ORAL_HYPOGLYCEMICS)
        injectable = sorted(current & lexicon.INJECTABLE_NON_INSULIN)
        for drugs, code, rule in ((oral, "Z79.84", "long-term oral hypoglycemic drug"),
                                  (injectable, "Z79.85", "long-term injectable non-insulin antidiabetic drug")):
            if drugs and code not in codes:
                ev = _word_evidence(ctx, drugs[0])
                out.append(Dx(code, "drug_use", first.mentions, rule, 0.85, [ev] if ev else [], order=first.order + 0.5))
        if on_insulin and first.code.startswith("E11") and "Z79.4" not in codes:
            ev = _word_evidence(ctx, next(w for w in lexicon.INSULINS if w in words))
            out.append(Dx("Z79.4", "drug_use", first.mentions, "long-term insulin use", 0.8, [ev] if ev else [],
                          order=first.order + 0.6))
    weight = [d for d in dxs if d.code.startswith(("E66", "R63.6"))]
    if weight and (ctx.patient.age is None or ctx.patient.age >= 20):
        bmi = BMI_RE.search(ctx.text)
        if bmi:
            value = float(bmi.group(1))
            code = _bmi_code(value)
            if code and code not in codes:
                ev = Evidence(bmi.start(), bmi.end(), bmi.group(0), ctx.a.section_at(bmi.start()), role="measurement")
                out.append(Dx(code, "bmi", weight[0].mentions, "BMI with a documented weight diagnosis", 0.85, [ev],
                              order=weight[0].order + 0.5))
    # Tabular "use additional code" notes (e.g. chapter 10: history of tobacco dependence) pick up a documented
    # former-smoker status for respiratory diagnoses.
    respiratory = [d for d in dxs if d.code.startswith("J")]
    if respiratory and "Z87.891" not in codes and not any(d.code.startswith("F17") for d in dxs):
        former = ctx.affirmed_word(re.compile(r"\b(?:former|ex-?)\s*smoker\b|\bquit (?:smoking|tobacco)\b|"
                                              r"\bhistory of (?:tobacco|smoking|nicotine)", re.IGNORECASE),
                                   0, len(ctx.text))
        if former and ctx.a.section_at(former.start()) not in sources:
            former = None  # history Z codes come from the assessment, not from the HPI or social history
        if former:
            ev = Evidence(former.start(), former.end(), former.group(0), ctx.a.section_at(former.start()))
            out.append(Dx("Z87.891", "former_smoker", respiratory[0].mentions,
                          "use-additional-code note: history of tobacco dependence", 0.75, [ev],
                          order=respiratory[0].order + 0.5))
    return out


HYPOTHETICAL_DRUG = re.compile(r"\b(?:if|consider\w*|discuss\w*|options?|may|could|would|candidate|allerg\w*|"
                               r"declin\w*|intoleran\w*|stopped|discontinu\w*|previously|prior|failed|no longer)\b",
                               re.IGNORECASE)


def _current_drugs(ctx: Context) -> set[str]:
    """Drug names the patient takes or starts: any mention not in a hypothetical or past sentence."""
    out = set()
    for m in re.finditer(r"[a-z][a-z-]+", ctx.text.lower()):
        word = m.group(0)
        if word not in lexicon.ORAL_HYPOGLYCEMICS | lexicon.INJECTABLE_NON_INSULIN | lexicon.INSULINS:
            continue
        s_start, s_end = ctx.sentence(m.start())
        if HYPOTHETICAL_DRUG.search(ctx.text, s_start, s_end) or ctx.a.section_at(m.start()) in ("family_history",):
            continue
        out.add(word)
    return out


def _word_evidence(ctx: Context, word: str) -> Evidence | None:
    m = re.search(rf"\b{re.escape(word)}\b", ctx.text, re.IGNORECASE)
    if not m:
        return None
    return Evidence(m.start(), m.end(), m.group(0), ctx.a.section_at(m.start()), role="drug")


def _bmi_code(value: float) -> str | None:
    if value < 20:
        return "Z68.1"
    if value < 40:
        return f"Z68.{int(value)}"
    for upper, code in ((45, "Z68.41"), (50, "Z68.42"), (60, "Z68.43"), (70, "Z68.44")):
        if value < upper:
            return code
    return "Z68.45"


# --- output ------------------------------------------------------------------------------------
def _merge(ctx: Context, dxs: Iterable[Dx]) -> list[Suggestion]:
    by_code: dict[str, Suggestion] = {}
    order: dict[str, float] = {}
    for d in dxs:
        evidence = [Evidence(m.start, m.end, m.text, m.section, m.assertion) for m in d.mentions] + d.extra_evidence
        s = by_code.get(d.code)
        if s is None:
            by_code[d.code] = Suggestion(system="ICD10CM", code=d.code, label="", confidence=d.confidence, rule=d.rule,
                                         evidence=evidence, missing=d.missing, family=d.code[:3], key=d.concept)
            order[d.code] = d.order
        else:
            known = {(e.start, e.end) for e in s.evidence}
            s.evidence.extend(e for e in evidence if (e.start, e.end) not in known)
            s.confidence = max(s.confidence, d.confidence)
            order[d.code] = min(order[d.code], d.order)
    screening = [c for c in by_code if c.startswith(("Z00", "Z12"))]
    return sorted(by_code.values(), key=lambda s: (s.code not in screening, order[s.code]))


def _problems(ctx: Context, suggestions: list[Suggestion], dxs: list[Dx]) -> list[Problem]:
    out = []
    for s in suggestions:
        concept = ctx.concepts.get(s.key)
        kind = concept.problem if concept else ("none" if s.code.startswith("Z") else "acute")
        if s.code.startswith("Z"):
            kind = "none"
        finding = next((e for e in s.evidence if e.role == "finding"), None)
        if finding is None:
            continue
        item = item_block(ctx.text, finding.start)
        out.append(Problem(s.code, s.key, kind, item, ctx.text[item[0]:item[1]]))
    return out


ITEM_START = re.compile(r"\s*(?:\d{1,2}\s*[.)]|#|\(?\d{1,2}\)|[A-Z][A-Za-z /&]{0,30}:)")


def item_span(text: str, pos: int) -> tuple[int, int]:
    """The whole assessment item around `pos`: back up from a continuation line to its item line, then forward."""
    start = text.rfind("\n", 0, pos) + 1
    for _ in range(3):
        line_end = text.find("\n", start)
        line = text[start:line_end if line_end >= 0 else len(text)]
        if start == 0 or not re.match(r"\s+\S|\s*[-\u2013•]\s", line):
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start, item_block(text, start)[1]


def item_block(text: str, pos: int) -> tuple[int, int]:
    """An assessment item: its line plus the indented or dashed lines that continue it (up to three)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    for _ in range(3):
        if end >= len(text):
            break
        nxt_end = text.find("\n", end + 1)
        nxt_end = len(text) if nxt_end < 0 else nxt_end
        line = text[end + 1:nxt_end]
        if not line.strip() or not re.match(r"\s+\S|\s*[-\u2013•]\s", line) or ITEM_START.match(line.lstrip("-\u2013• ")):
            break
        end = nxt_end
    return start, end


__all__ = ["DiagnosisResult", "Problem", "diagnose", "item_block", "item_span"]
