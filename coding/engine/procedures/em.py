"""Office E/M level by the 2021 rules (time thresholds as revised for 2024): the higher of total time
and medical decision making (two of three: problems, data, risk), new or established patient.

Beside a same-day procedure with a global period only a significant, separately identifiable
service is billed: the problems the procedure treats, and the drugs used in it, do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coding.engine import lexicon
from coding.engine.diagnoses import Problem
from coding.engine.nlp import ASSESSMENT, HISTORY_SECTIONS, PLAN, PREAMBLE, PROCEDURE
from coding.engine.procedures.common import ProcContext, suggestion
from coding.engine.types import Evidence, Suggestion

LEVELS = ("straightforward", "low", "moderate", "high")
NEW_BY_MDM = ("99202", "99203", "99204", "99205")
EST_BY_MDM = ("99212", "99213", "99214", "99215")
NEW_BY_TIME = ((60, "99205"), (45, "99204"), (30, "99203"), (15, "99202"))
EST_BY_TIME = ((40, "99215"), (30, "99214"), (20, "99213"), (10, "99212"))

_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}
MINUTES_RE = re.compile(
    r"(?<![\w.])(\d{1,3}|(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS) + r"))?|" + "|".join(_TEENS) +
    r")\s*-?\s*(?:min|mins|minutes?)\b", re.IGNORECASE)
# A visit-time statement names the time as the visit's (total, spent, visit, encounter, date of service ...);
# words right beside the number that make it something else (an observation period, an anaesthetic applied
# 45 min prior, 30 min of walking, 8 minutes of quit-smoking counseling) rule it out.
TIME_CONTEXT = re.compile(r"\b(?:total|time|spent|spend|visit|encounter|face[- ]to[- ]face|date of (?:service|the "
                          r"encounter|visit)|dos|counsel\w*|documentation|duration)\b", re.IGNORECASE)
NOT_VISIT_TIME = re.compile(r"\b(?:prior|before|observ\w*|every|each|per|apart|cycles?|sec\w*|freez\w*|thaw\w*|hold|held|"
                            r"pressure|soak\w*|appl(?:y|ied)|lasting|lasts?|ago|within|walk\w*|exercis\w*|activity|"
                            r"cessation|smoking|tobacco|nicotine|wait\w*|infus\w*|x\s*\d|\d+x)\b|/\s*(?:wk|week|day|d)\b",
                            re.IGNORECASE)
PROGRESSING = re.compile(r"\b(?:worsen\w*|worse|flar\w+|exacerbat\w+|progress\w*|not at goal|above goal|below goal|"
                         r"uncontrolled|poorly controlled|not (?:well )?controlled|inadequately controlled|suboptimal\w*|"
                         r"not responding|failed|failing|refractory|rising|increasing|enlarging|spreading|side effects?|"
                         r"intoleran\w+|not improving|persistent despite|uptitrat\w*|titrate up|dose escalation|"
                         r"hypoglyc\w*|frequent lows|more frequent|undertreated|under-treated|untreated|"
                         r"above (?:range|target|normal)|dose (?:reduction|decrease|adjustment)|over-?treated|"
                         r"under-?replaced|over-?replaced|supratherapeutic|subtherapeutic)\b"
                         r"|\bincreased\s+(?:frequency|severity|symptoms|pain|attacks|episodes|flares)\b"
                         r"|\b(?:reduc|decreas|lower)\w*\s+(?:the\s+)?(?:\w+\s+){0,2}(?:to|dose|rate|basal|insulin)\b"
                         r"|\bincreas(?:e|ed|ing)\s+(?:\w+\s+){0,2}(?:to|dose)\b|\b(?:abnormal|elevated|high|low)\s+(?:tsh|a1c|ldl|"
                         r"bp|blood pressure)\b", re.IGNORECASE)
MDM_STATED = re.compile(r"\b(?:mdm|medical decision[- ]making)\b\W{0,3}(?:is\s+|of\s+|was\s+)?(straightforward|low|moderate|"
                        r"high)\b", re.IGNORECASE)
LOW_RISK_CARE = re.compile(r"\b(?:referr\w*|refer(?:red)?\b|diet\w*|exercise|lifestyle|physical therapy|nutrition\w*|"
                           r"counsel\w*|supportive care|program|home exercise|heat|ice|stretch\w*|compression|weight loss|"
                           r"sun protection|sunscreen|spf|activity|sleep hygiene|follow[- ]?up labs?|self-exam)\b",
                           re.IGNORECASE)
TOBACCO_CODES = ("F17", "Z72.0", "Z87.891")
SEVERE = re.compile(r"\b(?:severe exacerbation|threat to life|life[- ]threatening|hospitaliz\w+|admit\w*|sepsis|"
                    r"emergency)\b", re.IGNORECASE)
SYSTEMIC = frozenset({"pneumonia", "influenza", "pyelonephritis", "covid", "cellulitis", "herpes_zoster"})
# Of those, the ones that are an acute illness with systemic symptoms only when such symptoms are documented.
SYSTEMIC_IF_SYMPTOMS = frozenset({"cellulitis", "herpes_zoster"})
SYSTEMIC_SYMPTOMS = re.compile(r"\b(?:fevers?|febrile|chills|rigors|myalgias?|body aches|malaise|sepsis|lymphangitis|"
                               r"T\s*(?:10[0-5]|3[89])(?:\.\d)?)\b", re.IGNORECASE)
TOBACCO_DRUG = re.compile(r"\b(?:varenicline|chantix|bupropion|wellbutrin|zyban|nicotine (?:patch|patches|gum|lozenges?|"
                          r"inhaler|replacement)|nrt)\b", re.IGNORECASE)
RX_GENERIC = re.compile(r"\b(?:rx sent|prescription|prescribed|e-?prescribed|refills? (?:sent|given|x\s*\d)|refilled|"
                        r"sent to pharmacy|start(?:ed)? on|continue (?:all |the |her |his )?(?:current|home|same|present) "
                        r"(?:meds|medications|regimen|therapy|treatment))\b|\(\s*rx\s*\)|\brx\b(?=\s*(?:sent|given|written|called))",
                        re.IGNORECASE)
# A drug not in our lists, written the way prescriptions are: name, dose in mg or mcg, then how often.
DOSED = re.compile(r"\b([a-z][a-z-]{3,})\s+\d+(?:\.\d+)?\s*(?:mg|mcg)\b(?:/kg(?:/day)?)?[^.;\n]{0,25}?\b(?:daily|bid|tid|qid|"
                   r"qd|qhs|qam|qpm|q\s*\d+\s*h|q\d+h|weekly|nightly|every|twice|once|prn|x\s*\d+\s*(?:d|days?|wks?|weeks?))\b",
                   re.IGNORECASE)
# Prescription drugs named by their class: "continue ASA, statin, beta blocker".
DRUG_CLASS = re.compile(r"\b(?:statins?|beta[- ]?blockers?|ace[- ]?inhibitors?|acei|arbs?|ssris?|snris?|ppis?|"
                        r"diuretics?|anticoagula(?:nt|nts|tion)|doacs?|antibiotics?|antivirals?|oral antifungals?|"
                        r"(?:oral |systemic |topical )?(?:cortico)?steroids?|inhaled steroids?|ics|biologics?|"
                        r"antihypertensives?|calcium channel blockers?|ccbs?|sglt2 inhibitors?|glp-?1 (?:agonists?|ras?)|"
                        r"controller inhalers?|maintenance inhalers?|bronchodilators?|antidepressants?)\b", re.IGNORECASE)
DRUG_CLASS_NEGATED = re.compile(r"\b(?:no|not|without|avoid\w*|stop\w*|hold\w*|declin\w*|contraindicat\w*|"
                                r"unnecessary)\b", re.IGNORECASE)
OTC_SAID = re.compile(r"\b(?:otc|over[- ]the[- ]counter|non-?prescription)\b", re.IGNORECASE)
HOSPITAL = re.compile(r"\b(?:admit(?:ted)? to (?:the )?hospital|hospital admission|decision (?:regarding|for) "
                      r"hospitalization|sent to (?:the )?(?:ed|er|emergency))\b", re.IGNORECASE)
PROCEDURE_WORDS = re.compile(r"\b(?:cryo\w*|ln2|liquid nitrogen|biops\w+|bx|excis\w+|destruct\w+|curett\w+|ilk|"
                             r"intralesional|inject\w*|mohs|shave|punch|suture\w*|lidocaine|anesthe\w+|consent|"
                             r"tdap|vaccin\w+|vis\b|im\b|deltoid|freeze|freeze-thaw|debulk|closure|repair)\b", re.IGNORECASE)
EXTERNAL = re.compile(r"\b(?:outside|external|prior|previous|old|transferred|referring)\s+(?:\w+\s+){0,3}?"
                      r"(?:records?|notes?|reports?|charts?)\b|\brecords? from\b", re.IGNORECASE)
HISTORIAN = re.compile(r"\b(?:(?:history|hx) (?:was )?(?:obtained|provided|given) (?:by|from)|per (?:his |her )?(?:mom|mother|"
                       r"dad|father|parents?|wife|husband|daughter|son|caregiver|spouse)|(?:mom|mother|dad|father|"
                       r"parents?|caregiver|wife|husband|spouse|daughter|son)(?:,? who)? (?:reports?|states?|says|notes?|"
                       r"provides?|gives|describes?)|brought by (?:mom|mother|dad|father|parents?)[^.\n]{0,40}(?:who|reports))\b",
                       re.IGNORECASE)
INTERPRETATION = re.compile(r"\b(?:independently (?:reviewed|interpreted|viewed)|personally (?:reviewed|interpreted|"
                            r"viewed) the (?:images?|x-?rays?|films?|radiographs?|ct|mri|tracing))\b", re.IGNORECASE)
DISCUSSION = re.compile(r"\b(?:discussed|spoke|conferred) with (?:dr\.?\s*\w+|the (?:patient's )?\w+ (?:physician|"
                        r"specialist|surgeon|cardiologist|nephrologist|oncologist|dermatologist)|(?:his|her) "
                        r"(?:cardiologist|nephrologist|oncologist|pcp|surgeon|endocrinologist))\b", re.IGNORECASE)
ORDER_WORDS = re.compile(r"\b(?:order\w*|check|obtain\w*|draw|drawn|send|sent|repeat|recheck|baseline|get|will get|"
                         r"request\w*|schedule\w*)\b", re.IGNORECASE)
REVIEW_WORDS = re.compile(r"\b(?:review\w*|results?|labs?|showed|shows|normal|nl|wnl|unremarkable|recent)\b|\d",
                          re.IGNORECASE)


@dataclass
class Mdm:
    problems: str
    data: str
    risk: str
    why: list[str]

    @property
    def level(self) -> str:
        ranked = sorted((LEVELS.index(self.problems), LEVELS.index(self.data), LEVELS.index(self.risk)))
        return LEVELS[ranked[1]]  # two of three elements must meet or exceed the level


def _minutes_value(raw: str) -> int | None:
    raw = raw.lower()
    if raw.isdigit():
        return int(raw)
    if raw in _TEENS:
        return _TEENS[raw]
    tens, _, units = raw.replace("-", " ").partition(" ")
    return _TENS.get(tens, 0) + _UNITS.get(units, 0) or None


def total_minutes(ctx: ProcContext) -> tuple[int, Evidence] | None:
    """The visit's total time: a number of minutes in a sentence that speaks of the visit's time. A statement with
    "total" wins over others."""
    found: list[tuple[bool, int, int, int]] = []
    for m in MINUTES_RE.finditer(ctx.text):
        value = _minutes_value(m.group(1))
        if value is None or not 5 <= value <= 300 or ctx.a.section_at(m.start()) in HISTORY_SECTIONS:
            continue
        s_start, s_end = ctx.a.sentence_of(m.start())
        l_start, l_end = ctx.line(m.start())
        s_start, s_end = max(s_start, l_start), min(s_end, l_end) if s_end > s_start else l_end
        if not TIME_CONTEXT.search(ctx.text, s_start, s_end):
            continue
        near = ctx.text[max(s_start, m.start() - 25):min(s_end, m.end() + 20)]
        if NOT_VISIT_TIME.search(near):
            continue
        found.append((not re.search(r"\btotal\b", ctx.text[s_start:s_end], re.IGNORECASE), m.start(), m.end(), value))
    if not found:
        return None
    _, start, _end, value = min(found)
    s_start, s_end = ctx.a.sentence_of(start)
    return value, ctx.evidence(max(s_start, ctx.line(start)[0]), min(s_end, ctx.line(start)[1]), "time")


def level_by_time(minutes: int, new: bool) -> str | None:
    for threshold, code in NEW_BY_TIME if new else EST_BY_TIME:
        if minutes >= threshold:
            return code
    return None


def level_by_mdm(level: str, new: bool) -> str:
    return (NEW_BY_MDM if new else EST_BY_MDM)[LEVELS.index(level)]


def problems_level(problems: list[Problem], ctx: ProcContext) -> tuple[str, list[str]]:
    chronic_stable = chronic_worse = acute = acute_systemic = minor = neoplasm = severe = undiagnosed = 0
    notes = []
    seen: set[str] = set()
    plan = _plan_text(ctx, problems)
    for p in problems:
        text = f"{p.text}\n{plan}" if p.kind != "none" and plan else p.text  # a lone problem owns the plan
        if p.kind == "none" or p.code[:3] in seen:
            continue
        if p.code.startswith(TOBACCO_CODES) and not (p.code.startswith("F17") and TOBACCO_DRUG.search(text)):
            continue  # tobacco use counts as a problem addressed when it is treated with a drug
        seen.add(p.code[:3])
        if SEVERE.search(text) and not re.search(r"\bno\b[^.]{0,20}" + r"(?:hospitaliz|admi)", text, re.IGNORECASE):
            severe += 1
        elif p.kind == "chronic":
            if _affirmed(PROGRESSING, text) or _untreated_for_new_patient(ctx, text):
                chronic_worse += 1
            else:
                chronic_stable += 1
        elif p.kind == "neoplasm":
            neoplasm += 1
        elif p.kind == "minor":
            minor += 1
        elif p.concept in SYSTEMIC and (p.concept not in SYSTEMIC_IF_SYMPTOMS or _systemic_symptoms(ctx)):
            acute_systemic += 1
        elif p.code.startswith("R") or re.search(r"\b(?:vs\.?|versus|r/o|rule out|ddx|differential|etiology (?:unclear|"
                                                 r"uncertain|unknown|not (?:yet )?established))\b", text, re.IGNORECASE):
            undiagnosed += 1
        else:
            acute += 1
    if severe:
        notes.append("illness posing a threat or severe exacerbation")
        return "high", notes
    if chronic_worse or chronic_stable >= 2 or acute_systemic or neoplasm or undiagnosed:
        notes.append(f"{chronic_worse} chronic illness(es) worsening, {chronic_stable} stable, "
                     f"{acute_systemic} acute with systemic symptoms, {neoplasm} neoplasm(s), "
                     f"{undiagnosed} undiagnosed new problem(s)")
        return "moderate", notes
    if chronic_stable or acute or minor >= 2:
        notes.append(f"{chronic_stable} stable chronic, {acute} acute uncomplicated, {minor} minor problem(s)")
        return "low", notes
    notes.append(f"{minor} minor problem(s)")
    return "straightforward", notes


SEVERITY = re.compile(r"\b(?:moderate|severe|moderately severe|moderate[- ]to[- ]severe)\b(?!\s+(?:persistent|intermittent))",
                      re.IGNORECASE)
AT_GOAL = re.compile(r"\b(?:stable|controlled|well[- ]controlled|at goal|improv\w*|resolv\w*|quiescent|remission|"
                     r"clear(?:ed)?|doing well)\b", re.IGNORECASE)
STARTED = re.compile(r"\b(?:start\w*|begin|began|initiat\w*|prescrib\w*|trial of)\b", re.IGNORECASE)


def _plan_text(ctx: ProcContext, problems: list[Problem]) -> str:
    """The plan section, when the note has one problem and its plan is written apart from the assessment."""
    managed = [p for p in problems if p.kind != "none"]
    if len(managed) != 1 or len([d for d in ctx.diagnoses if not d.code.startswith("Z")]) != 1:
        return ""
    plans = [sec for sec in ctx.a.sections if sec.category == PLAN]
    if any(sec.start <= managed[0].item[0] < max(sec.end, sec.body_start + 1) for sec in plans):
        return ""  # the plan is where the problem is listed: its item already says everything
    return "\n".join(ctx.text[sec.body_start:sec.end] for sec in plans)


def _untreated_for_new_patient(ctx: ProcContext, item: str) -> bool:
    """A new patient's chronic illness of stated moderate or severe degree, now starting treatment, is not at its
    treatment goal (not a stable chronic illness): the examiner meets it untreated or uncontrolled."""
    if not ctx.patient.new_patient or not _affirmed(SEVERITY, item) or _affirmed(AT_GOAL, item):
        return False
    return any(STARTED.search(ctx.text, start, end) for start, end in _management_lines(ctx, separate=False))


def _systemic_symptoms(ctx: ProcContext) -> bool:
    """Fever, chills, body aches ... documented (and not denied) outside the history sections."""
    for m in SYSTEMIC_SYMPTOMS.finditer(ctx.text):
        if ctx.a.section_at(m.start()) in HISTORY_SECTIONS:
            continue
        before = ctx.text[max(ctx.line(m.start())[0], m.start() - 40):m.start()]
        if re.search(r"\b(?:no|not|denies|denied|without|afebrile|negative for)\b(?:(?!\b(?:but|however)\b)[^.;])*$", before,
                     re.IGNORECASE):
            continue
        return True
    return False


def _affirmed(pattern: re.Pattern[str], text: str) -> bool:
    """A status word that is asserted: not negated ('no flare') and not a contingency ('prn flares')."""
    for m in pattern.finditer(text):
        before = re.split(r"\s[-\u2013]\s|[;:.,]\s", text[max(0, m.start() - 30):m.start()])[-1]  # "without aura, worse"
        if re.search(r"\b(?:no|not|without|denies)\W+(?:\w+\W+){0,2}$", before, re.IGNORECASE):
            continue
        if re.search(r"\b(?:prn|for|if|in case of|during|future|to prevent|prevent)\W+(?:\w+\W+){0,1}$", before, re.IGNORECASE):
            continue
        return True
    return False


MANAGEMENT_VERB = re.compile(r"\b(?:continue[sd]?|refill\w*|start(?:ed)?|increase[sd]?|decrease[sd]?|switch(?:ed)?|"
                             r"stop(?:ped)?|add(?:ed)?|change[sd]?|prescribed)\b", re.IGNORECASE)


def _management_lines(ctx: ProcContext, *, separate: bool) -> list[tuple[int, int]]:
    """Sentences where management is documented: assessment and plan (everything outside history, if neither
    exists). Beside a procedure, sentences about the procedure itself are left out."""
    spans = []
    has_ap = ctx.a.has_section(ASSESSMENT, PLAN)
    for start, end in ctx.a.sentences:
        section = ctx.a.section_at(start)
        if section in HISTORY_SECTIONS:
            continue
        if has_ap and section not in (ASSESSMENT, PLAN) and not (
                section == PREAMBLE and MANAGEMENT_VERB.search(ctx.text, start, end)):
            continue  # a loose note may manage a problem before its assessment: "on amlodipine - continue; refill"
        if separate and (section == PROCEDURE or PROCEDURE_WORDS.search(ctx.text, start, end)):
            continue
        spans.append((start, end))
    return spans


def risk_level(ctx: ProcContext, *, separate: bool) -> tuple[str, list[str]]:
    words_rx, words_otc, words_high = set(), set(), set()
    generic_rx = False
    hospital = False
    care = set()
    for start, end in _management_lines(ctx, separate=separate):
        line = ctx.text[start:end]
        if re.match(r"\s*(?:allergies|meds|medications)\s*:", line, re.IGNORECASE):
            continue
        tokens = set(re.findall(r"[a-z][a-z0-9-]+", line.lower()))
        tokens |= {part for t in tokens if "-" in t for part in t.split("-") if part}  # "lisinopril-hctz"
        words_high |= tokens & lexicon.HIGH_RISK_DRUGS
        words_rx |= tokens & lexicon.RX_DRUGS
        words_otc |= tokens & lexicon.OTC_DRUGS
        if not OTC_SAID.search(line):
            words_rx |= {m.group(1).lower() for m in DOSED.finditer(line)
                         if m.group(1).lower() not in lexicon.OTC_DRUGS | lexicon.NOT_DRUGS}
        generic_rx = generic_rx or bool(RX_GENERIC.search(line))
        for m in DRUG_CLASS.finditer(line):
            clause = re.split(r"[;,.]|\s-\s", line[:m.start()])[-1] + line[m.end():m.end() + 20].split(";")[0]
            if not DRUG_CLASS_NEGATED.search(clause):
                words_rx.add(m.group(0).lower())
        hospital = hospital or bool(HOSPITAL.search(line))
        care |= {m.group(0).lower() for m in LOW_RISK_CARE.finditer(line)}
    if words_high or hospital:
        return "high", [f"drug therapy requiring intensive monitoring: {', '.join(sorted(words_high))}" if words_high
                        else "decision about hospitalization"]
    if words_rx or generic_rx:
        return "moderate", [f"prescription drug management: {', '.join(sorted(words_rx)) or 'prescription'}"]
    if words_otc:
        return "low", [f"over-the-counter drugs: {', '.join(sorted(words_otc))}"]
    if care:
        return "low", [f"low-risk management: {', '.join(sorted(care))}"]
    return "straightforward", ["no drug management"]


# Short test names that are no English word, so they count in lower case too ("bmp", "tsh"); "k", "cr", "alt" do not.
PLAIN_TEST_NAMES = frozenset("bmp cmp cbc tsh a1c ldl hdl psa koh hiv ana ecg ekg cxr lft lfts ft4".split())


def _test_pattern() -> re.Pattern[str]:
    names = sorted(lexicon.TESTS, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


TEST_RE = _test_pattern()


def data_level(ctx: ProcContext, billed_keys: set[str], *, separate: bool) -> tuple[str, list[str]]:
    tests: set[str] = set()
    for m in TEST_RE.finditer(ctx.text):
        name = m.group(1)
        test = lexicon.TESTS[name.lower()]
        if len(name) <= 3 and name.lower() not in PLAIN_TEST_NAMES and not (
                name.isupper() or re.match(r"\s*\d", ctx.text[m.end():m.end() + 3])):
            continue
        section = ctx.a.section_at(m.start())
        if section in HISTORY_SECTIONS or (separate and section == PROCEDURE):
            continue
        if test in ("ecg",) and "ecg" in billed_keys:
            continue
        if test == "urinalysis" and "lab" in billed_keys and re.search(r"dip", ctx.text[m.start():m.end() + 20], re.I):
            continue
        l_start, l_end = ctx.line(m.start())
        line = ctx.text[l_start:l_end]
        if "lab" in billed_keys and re.search(r"\bdip(?:stick)?\b|\brapid\b|\bpoc\b", line, re.IGNORECASE):
            continue
        if ORDER_WORDS.search(line) or REVIEW_WORDS.search(ctx.text[m.end():m.end() + 25]):
            tests.add(test)
    external = set()
    for m in EXTERNAL.finditer(ctx.text):
        if ctx.a.section_at(m.start()) in HISTORY_SECTIONS:
            continue
        l_start, l_end = ctx.line(m.start())
        if re.search(r"\breview\w*\b", ctx.text[l_start:l_end], re.IGNORECASE):
            external.add(m.group(0).lower())
    historian = bool(HISTORIAN.search(ctx.text))
    category1 = len(tests) + len(external) + (1 if historian else 0)
    category2 = bool(INTERPRETATION.search(ctx.text))
    category3 = bool(DISCUSSION.search(ctx.text))
    why = [f"{len(tests)} unique test(s) ordered or reviewed ({', '.join(sorted(tests)) or 'none'}), "
           f"{len(external)} external record source(s){', independent historian' if historian else ''}"]
    met = sum((category1 >= 3, category2, category3))
    if met >= 2:
        return "high", why
    if met >= 1:
        return "moderate", why
    if category1 >= 2 or historian:
        return "low", why
    return "straightforward", why


def mdm(ctx: ProcContext, problems: list[Problem], billed_keys: set[str], *, separate: bool) -> Mdm:
    stated = MDM_STATED.search(ctx.text)
    if stated:
        level = stated.group(1).lower()
        return Mdm(level, level, level, [f"MDM documented as {level}: \"{stated.group(0)}\""])
    p, p_why = problems_level(problems, ctx)
    d, d_why = data_level(ctx, billed_keys, separate=separate)
    r, r_why = risk_level(ctx, separate=separate)
    return Mdm(p, d, r, [*p_why, *d_why, *r_why])


def office_visit(ctx: ProcContext, problems: list[Problem], procedures: list[Suggestion],
                 global_procedure_codes: set[str], targets: set[str]) -> list[Suggestion]:
    """The E/M line, or nothing when a procedure visit has no separately identifiable problem."""
    new = ctx.patient.new_patient
    with_global = [p for p in procedures if p.code in global_procedure_codes]
    billed_keys = {p.key for p in procedures}
    if with_global:
        separate = [p for p in problems if p.kind != "none" and p.code not in targets]
        if not separate:
            return []
        m = mdm(ctx, separate, billed_keys, separate=True)
        timed = total_minutes(ctx)
        time_code = level_by_time(timed[0], new) if timed else None
        if LEVELS.index(m.level) < LEVELS.index("low") and time_code is None:
            return []
        table = NEW_BY_MDM if new else EST_BY_MDM
        code = level_by_mdm(m.level, new)
        evidence = [Evidence(p.item[0], p.item[1], p.text, ctx.a.section_at(p.item[0]), role="problem") for p in separate]
        rule = (f"separately identifiable E/M beside a procedure: MDM {m.level} "
                f"(problems {m.problems}, data {m.data}, risk {m.risk}: {'; '.join(m.why)})")
        if time_code and table.index(time_code) > table.index(code):
            code = time_code
            rule = f"separately identifiable E/M beside a procedure: total time {timed[0]} minutes (excluding the procedure)"  # type: ignore[index]
            evidence.insert(0, timed[1])  # type: ignore[index]
        pointers = [p.code for p in separate][:4]
        return [suggestion(ctx, code, rule=rule, evidence=evidence, pointers=pointers, key="em", modifiers=["25"])]
    if not problems and procedures:
        return []
    m = mdm(ctx, problems, billed_keys, separate=False)
    mdm_code = level_by_mdm(m.level, new)
    timed = total_minutes(ctx)
    time_code = level_by_time(timed[0], new) if timed else None
    table = NEW_BY_MDM if new else EST_BY_MDM
    evidence = [Evidence(p.item[0], p.item[1], p.text, ctx.a.section_at(p.item[0]), role="problem") for p in problems
                if p.kind != "none"]
    if time_code and table.index(time_code) >= table.index(mdm_code):
        code = time_code
        rule = f"total time {timed[0]} minutes ({'new' if new else 'established'} patient) ≥ MDM {m.level}"  # type: ignore[index]
        evidence.insert(0, timed[1])  # type: ignore[index]
    else:
        code = mdm_code
        rule = (f"MDM {m.level}: problems {m.problems}, data {m.data}, risk {m.risk} ({'; '.join(m.why)})"
                + (f"; time {timed[0]} min gives less" if timed else ""))
    pointers = [p.code for p in problems if not p.code.startswith("Z")][:4] or [p.code for p in problems][:4]
    out = [suggestion(ctx, code, rule=rule, evidence=evidence, pointers=pointers, key="em")]
    if timed and code in ("99205", "99215"):
        over = timed[0] - (60 if new else 40)
        if over >= 15:
            out.append(suggestion(ctx, "99417", rule=f"prolonged visit: {timed[0]} minutes, {over // 15} x 15 min beyond",
                                  evidence=[timed[1]], units=over // 15, pointers=pointers, key="em"))
    return out


PREVENTIVE_NEW = ((1, "99381"), (5, "99382"), (12, "99383"), (18, "99384"), (40, "99385"), (65, "99386"), (200, "99387"))
PREVENTIVE_EST = ((1, "99391"), (5, "99392"), (12, "99393"), (18, "99394"), (40, "99395"), (65, "99396"), (200, "99397"))


AWV = re.compile(r"\b(?:annual wellness visit|awv)\b", re.IGNORECASE)


def preventive_visit(ctx: ProcContext) -> list[Suggestion]:
    """A preventive visit by age and new/established; a Medicare annual wellness visit is G0438 (first) or G0439."""
    exams = [d for d in ctx.diagnoses if d.code.startswith("Z00.0") or d.code.startswith("Z00.12")]
    if not exams or ctx.patient.age is None:
        return []
    awv = AWV.search(ctx.text)
    if awv:
        first = re.search(r"\b(?:initial|first)\s+(?:annual wellness visit|awv)\b", ctx.text, re.IGNORECASE)
        return [suggestion(ctx, "G0438" if first else "G0439", key="preventive", evidence=[ctx.evidence(awv.start(), awv.end())],
                           rule=f"Medicare annual wellness visit, {'initial' if first else 'subsequent'}",
                           pointers=[exams[0].code])]
    table = PREVENTIVE_NEW if ctx.patient.new_patient else PREVENTIVE_EST
    code = next(c for upper, c in table if ctx.patient.age < upper)
    return [suggestion(ctx, code, rule=f"preventive visit, age {ctx.patient.age}, "
                       f"{'new' if ctx.patient.new_patient else 'established'} patient", key="preventive",
                       evidence=exams[0].evidence[:1], pointers=[exams[0].code])]
