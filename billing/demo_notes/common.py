"""Shared pieces of the demo-note generator: data types, coding rules, site tables and the note renderer.

Kept free of heavy imports (no Django, no ICD package) so that seeding 100,000 encounters stays fast.
The coding helpers encode the practice's coding conventions once, so every scenario codes the same way
and the unit tests can pin the boundaries.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProcedureLine:
    """One charge line as a coder would key it."""

    code: str
    units: int
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Visit:
    """A generated encounter: the chart note plus the expected (gold) coding."""

    specialty: str
    kind: str
    text: str
    icd10: tuple[str, ...]
    procedures: tuple[ProcedureLine, ...]
    new_patient: bool
    scenario: str = ""


@dataclass
class Ctx:
    """Per-visit inputs handed to a scenario; `rng` is the only source of randomness."""

    rng: random.Random
    specialty: str
    age: int
    sex: str
    new_patient: bool


@dataclass(frozen=True)
class Scenario:
    """A scenario family with the demographics it fits, so that picks never mismatch age or sex."""

    name: str
    specialty: str
    build: Callable[[Ctx], Visit]
    weight: float = 1.0
    min_age: int = 0
    max_age: int = 120
    sexes: str = "FMU"


# ---------------------------------------------------------------- procedure rules
GLOBAL_PERIOD_CODES: tuple[str, ...] = (
    *(f"{c}" for c in range(11102, 11108)), *(str(c) for c in range(11300, 11314)),
    *(str(c) for c in range(11400, 11447)), *(str(c) for c in range(11600, 11647)),
    *(str(c) for c in range(12031, 12058)), "17000", "17003", "17004", "17110", "17111",
    "17311", "17312", "17313", "17314", "17315", "11900", "11901", "90471", "90472",
)
_GLOBAL = frozenset(GLOBAL_PERIOD_CODES)


def time_level(minutes: int | None, new_patient: bool) -> int:
    """E/M level (2-5) supported by total time on the date per the 2024 thresholds; 0 when time is too short."""
    if minutes is None:
        return 0
    cuts = (15, 30, 45, 60) if new_patient else (10, 20, 30, 40)
    level = 0
    for lvl, cut in zip((2, 3, 4, 5), cuts, strict=True):
        if minutes >= cut:
            level = lvl
    return level


def mdm_level(problems: int, data: int, risk: int) -> int:
    """2021 MDM: the level met or exceeded by two of the three elements is the middle value."""
    return sorted((problems, data, risk))[1]


def em_code(new_patient: bool, mdm: int, minutes: int | None = None) -> str:
    """The E/M code for the higher of MDM and time (levels 2-5)."""
    level = max(2, min(5, max(mdm, time_level(minutes, new_patient))))
    return f"992{0 if new_patient else 1}{level}"


def ak_destruction(n: int) -> list[tuple[str, int]]:
    """Premalignant destruction: 17000 + 17003 x (n-1) up to 14 lesions, 17004 alone for 15 or more."""
    if n >= 15:
        return [("17004", 1)]
    return [("17000", 1)] + ([("17003", n - 1)] if n > 1 else [])


def benign_destruction(n: int) -> str:
    """Benign destruction (SK, wart, molluscum): 17110 up to 14 lesions, 17111 for 15 or more."""
    return "17111" if n >= 15 else "17110"


BIOPSY_METHODS: tuple[str, ...] = ("incisional", "punch", "tangential")  # hierarchy, highest first
_BX_CODES = {"incisional": ("11106", "11107"), "punch": ("11104", "11105"), "tangential": ("11102", "11103")}


def biopsy_codes(methods: Sequence[str]) -> list[tuple[str, list[int]]]:
    """Codes for biopsies in order given: one primary by hierarchy, every other one the add-on of its method.

    Returns (code, lesion indexes) pairs; units = number of lesion indexes.
    """
    primary_method = next(m for m in BIOPSY_METHODS if m in methods)
    primary_idx = list(methods).index(primary_method)
    out: list[tuple[str, list[int]]] = [(_BX_CODES[primary_method][0], [primary_idx])]
    for method in BIOPSY_METHODS:
        idxs = [i for i, m in enumerate(methods) if m == method and i != primary_idx]
        if idxs:
            out.append((_BX_CODES[method][1], idxs))
    return out


def excised_diameter_cm(lesion_cm: float, margin_cm: float) -> float:
    """Greatest lesion diameter plus twice the narrowest margin, in cm (to 0.1 cm)."""
    return round(lesion_cm + 2 * margin_cm, 1)


_SIZE_SUFFIX = ((5, 0), (10, 1), (20, 2), (30, 3), (40, 4))
_EXC_BASE = {("benign", "T"): 11400, ("benign", "S"): 11420, ("benign", "F"): 11440,
             ("malignant", "T"): 11600, ("malignant", "S"): 11620, ("malignant", "F"): 11640}


def excision_code(group: str, diameter_cm: float, malignant: bool) -> str:
    """Excision code by site group (T trunk/arms/legs, S scalp/neck/hands/feet/genitalia, F face) and size."""
    tenths = round(diameter_cm * 10)
    suffix = next((s for cut, s in _SIZE_SUFFIX if tenths <= cut), 6)
    return str(_EXC_BASE[("malignant" if malignant else "benign", group)] + suffix)


_REPAIR_BANDS = {
    "12031": ((25, "12031"), (75, "12032"), (125, "12034"), (200, "12035"), (300, "12036"), (10**6, "12037")),
    "12041": ((25, "12041"), (75, "12042"), (125, "12044"), (200, "12045"), (300, "12046"), (10**6, "12047")),
    "12051": ((25, "12051"), (50, "12052"), (75, "12053"), (125, "12054"), (200, "12055"), (300, "12056"),
              (10**6, "12057")),
}


def repair_code(family: str, length_cm: float) -> str:
    """Intermediate repair code for a repair family (12031/12041/12051) and total length."""
    tenths = round(length_cm * 10)
    return next(code for cut, code in _REPAIR_BANDS[family] if tenths <= cut)


def mohs_codes(group: str, stages: int) -> list[tuple[str, int]]:
    """Mohs: first stage by site (H head/neck/hands/feet/genitalia, T trunk/limbs) plus add-on stages."""
    first, extra = ("17311", "17312") if group == "H" else ("17313", "17314")
    return [(first, 1)] + ([(extra, stages - 1)] if stages > 1 else [])


def intralesional_code(n: int) -> str:
    """Intralesional injection: 11900 up to 7 lesions, 11901 for more than 7."""
    return "11901" if n > 7 else "11900"


# ---------------------------------------------------------------- sites
@dataclass(frozen=True)
class Site:
    """An anatomic site with the groupings the coding rules need."""

    text: str
    region: str   # ICD region key (see DX_BY_REGION)
    exc: str      # excision group: T, S or F
    repair: str   # intermediate repair family: 12031, 12041 or 12051
    mohs: str     # H or T


def _sites(rows: str) -> tuple[Site, ...]:
    out = []
    for row in rows.strip().splitlines():
        text, region, exc, rep, mohs = (p.strip() for p in row.split("|"))
        out.append(Site(text, region, exc, rep, mohs))
    return tuple(out)


FACE_SITES = _sites("""
right cheek|face|F|12051|H
left cheek|face|F|12051|H
left malar cheek|face|F|12051|H
central forehead|face|F|12051|H
right forehead|face|F|12051|H
right temple|face|F|12051|H
left temple|face|F|12051|H
chin|face|F|12051|H
left jawline|face|F|12051|H
right preauricular cheek|face|F|12051|H
right nasal ala|nose|F|12051|H
left nasal ala|nose|F|12051|H
nasal tip|nose|F|12051|H
nasal dorsum|nose|F|12051|H
left nasal sidewall|nose|F|12051|H
left upper cutaneous lip|lip|F|12051|H
right helix|ear_r|F|12051|H
left antihelix|ear_l|F|12051|H
left helical rim|ear_l|F|12051|H
right posterior ear|ear_r|F|12051|H
""")
EYELID_SITES = _sites("""
right lower eyelid|eyelid_rl|F|12051|H
left lower eyelid|eyelid_ll|F|12051|H
right upper eyelid|eyelid_ru|F|12051|H
left upper eyelid|eyelid_lu|F|12051|H
""")
SCALP_NECK_SITES = _sites("""
vertex scalp|scalp_neck|S|12031|H
left parietal scalp|scalp_neck|S|12031|H
right frontal scalp|scalp_neck|S|12031|H
occipital scalp|scalp_neck|S|12031|H
right posterior neck|scalp_neck|S|12041|H
left lateral neck|scalp_neck|S|12041|H
anterior neck|scalp_neck|S|12041|H
""")
HAND_FOOT_SITES = _sites("""
right dorsal hand|ul_r|S|12041|H
left dorsal hand|ul_l|S|12041|H
right dorsal foot|ll_r|S|12041|H
left dorsal foot|ll_l|S|12041|H
""")
TRUNK_SITES = _sites("""
upper back|trunk|T|12031|T
left upper back|trunk|T|12031|T
right mid back|trunk|T|12031|T
right lower back|trunk|T|12031|T
central chest|trunk|T|12031|T
left upper chest|trunk|T|12031|T
right flank|trunk|T|12031|T
left abdomen|trunk|T|12031|T
right periumbilical abdomen|trunk|T|12031|T
left scapula|trunk|T|12031|T
""")
LIMB_SITES = _sites("""
right shoulder|ul_r|T|12031|T
left shoulder|ul_l|T|12031|T
left upper arm|ul_l|T|12031|T
right posterior upper arm|ul_r|T|12031|T
right forearm|ul_r|T|12031|T
left dorsal forearm|ul_l|T|12031|T
right anterior thigh|ll_r|T|12031|T
left thigh|ll_l|T|12031|T
right shin|ll_r|T|12031|T
left lower leg|ll_l|T|12031|T
left calf|ll_l|T|12031|T
right lateral knee|ll_r|T|12031|T
""")
ALL_SKIN_SITES = FACE_SITES + SCALP_NECK_SITES + HAND_FOOT_SITES + TRUNK_SITES + LIMB_SITES

_REGIONS = ("lip", "eyelid_ru", "eyelid_rl", "eyelid_lu", "eyelid_ll", "ear_r", "ear_l", "nose", "face",
            "scalp_neck", "trunk", "ul_r", "ul_l", "ll_r", "ll_l")


def _table(codes: str) -> dict[str, str]:
    return dict(zip(_REGIONS, codes.split(), strict=True))


DX_BY_REGION: dict[str, dict[str, str]] = {
    "bcc": _table("C44.01 C44.1121 C44.1122 C44.1191 C44.1192 C44.212 C44.219 C44.311 C44.319 C44.41 "
                  "C44.519 C44.612 C44.619 C44.712 C44.719"),
    "scc": _table("C44.02 C44.1221 C44.1222 C44.1291 C44.1292 C44.222 C44.229 C44.321 C44.329 C44.42 "
                  "C44.529 C44.622 C44.629 C44.722 C44.729"),
    "sccis": _table("D04.0 D04.111 D04.112 D04.121 D04.122 D04.21 D04.22 D04.39 D04.39 D04.4 "
                    "D04.5 D04.61 D04.62 D04.71 D04.72"),
    "mis": _table("D03.0 D03.111 D03.112 D03.121 D03.122 D03.21 D03.22 D03.39 D03.39 D03.4 "
                  "D03.59 D03.61 D03.62 D03.71 D03.72"),
    "nevus": _table("D22.0 D22.111 D22.112 D22.121 D22.122 D22.21 D22.22 D22.39 D22.39 D22.4 "
                    "D22.5 D22.61 D22.62 D22.71 D22.72"),
    "benign": _table("D23.0 D23.111 D23.112 D23.121 D23.122 D23.21 D23.22 D23.39 D23.39 D23.4 "
                     "D23.5 D23.61 D23.62 D23.71 D23.72"),
    "lipoma": _table("D17.0 D17.0 D17.0 D17.0 D17.0 D17.0 D17.0 D17.0 D17.0 D17.0 "
                     "D17.1 D17.21 D17.22 D17.23 D17.24"),
}


def site_dx(kind: str, site: Site) -> str:
    """ICD-10-CM code for a skin neoplasm kind at a site (most specific site/laterality)."""
    return DX_BY_REGION[kind][site.region]


# ---------------------------------------------------------------- coding collector
class Coder:
    """Collects diagnoses (first-listed first) and charge lines; puts the E/M first with 25 when needed."""

    def __init__(self) -> None:
        self.dx: list[str] = []
        self.lines: list[ProcedureLine] = []
        self._em: tuple[str, tuple[int, ...]] | None = None

    def ptr(self, *codes: str) -> tuple[int, ...]:
        """Add diagnoses as needed and return their 1-based pointers (at most 4)."""
        out: list[int] = []
        for code in codes:
            if code not in self.dx:
                self.dx.append(code)
            idx = self.dx.index(code) + 1
            if idx not in out:
                out.append(idx)
        return tuple(out[:4])

    def add(self, code: str, units: int, *dx: str) -> None:
        self.lines.append(ProcedureLine(code, units, (), self.ptr(*dx)))

    def em(self, code: str, *dx: str) -> None:
        self._em = (code, self.ptr(*dx))

    def also(self, *codes: str) -> None:
        """Secondary status/history codes listed after the problems; the E/M points at them when room allows."""
        ptrs = self.ptr(*codes)
        if self._em is not None:
            self._em = (self._em[0], tuple(dict.fromkeys(self._em[1] + ptrs))[:4])

    def visit(self, ctx: Ctx, scenario: str, text: str, kind: str = "progress") -> Visit:
        lines = list(self.lines)
        if self._em is not None:
            needs_25 = any(line.code in _GLOBAL for line in lines)
            lines.insert(0, ProcedureLine(self._em[0], 1, ("25",) if needs_25 else (), self._em[1]))
        return Visit(specialty=ctx.specialty, kind=kind, text=text, icd10=tuple(self.dx[:12]),
                     procedures=tuple(lines), new_patient=ctx.new_patient, scenario=scenario)


# ---------------------------------------------------------------- phrasing
def pick(rng: random.Random, options: Sequence[str]) -> str:
    """One phrasing out of several, so notes do not read like one repeated template."""
    return options[int(rng.random() * len(options))]


def size_text(rng: random.Random, mm: int) -> str:
    """A lesion size in cm or mm, both common in charts."""
    return f"{mm} mm" if mm < 10 and rng.random() < 0.5 else f"{mm / 10:.1f} cm"


def header(ctx: Ctx) -> str:
    """Note header carrying age, sex and new/established status."""
    rng, a = ctx.rng, ctx.age
    child = a < 13
    sx = {"M": ("M", "boy" if child else "male"), "F": ("F", "girl" if child else "female")}.get(ctx.sex, ("", "patient"))
    est = ("new pt", "NP", "new patient") if ctx.new_patient else ("est pt", "EST", "established patient")
    clinic = "Dermatology" if ctx.specialty == "dermatology" else pick(rng, ("Family Medicine", "Primary Care",
                                                                                "Internal Medicine"))
    forms = (f"{a} y/o {sx[0]}, {est[0]}".replace(" ,", ","),
             f"{a}-year-old {sx[1]}, {est[2]}",
             f"Pt: {a}yo {sx[0]} ({est[1]})".replace(" (", " (", 1),
             f"{clinic} office visit - {a} y/o {sx[1]} ({est[0]})")
    return pick(rng, forms)


PAST_HISTORY = ("hx of appendectomy", "s/p cholecystectomy", "remote hx of kidney stones",
                "s/p R knee arthroscopy", "hx of tonsillectomy as a child", "s/p L wrist ORIF",
                "hx of pneumonia, resolved", "s/p hernia repair", "hx of childhood asthma, resolved")
PAST_F = ("s/p C-section", "s/p hysterectomy for fibroids")
PAST_M = ("s/p vasectomy",)
FAMILY = ("FHx: mother with HTN, father with MI at 70.", "Family history: father with T2DM.",
          "FH: noncontributory.", "Family hx of colon cancer (maternal uncle).",
          "FHx of breast cancer in a maternal aunt.", "Family history of stroke (paternal grandfather).",
          "FH: sister with hypothyroidism.")
SOCIAL = ("Never smoker.", "Lifelong nonsmoker, drinks socially.", "No tobacco; 1-2 drinks/week.",
          "Works in construction, significant sun exposure.", "Retired teacher.", "Office worker, nonsmoker.")
ALLERGY = ("NKDA.", "Allergies: PCN (hives).", "Allergies: sulfa.", "No known drug allergies.")


def history_lines(ctx: Ctx, family: Sequence[str] = FAMILY) -> list[str]:
    """PMH/PSH, family, social and allergy lines; nothing here is meant to be coded."""
    rng = ctx.rng
    pool = PAST_HISTORY + (PAST_F if ctx.sex == "F" and ctx.age > 25 else ()) + (PAST_M if ctx.sex == "M" and ctx.age > 30 else ())
    past = pick(rng, pool) if ctx.age > 15 else "no significant PMH"
    out = [pick(rng, (f"PMH/PSH: {past}.", f"Past hx: {past}.", f"PSH: {past}."))]
    if rng.random() < 0.8:
        out.append(pick(rng, family))
    if ctx.age > 17 and rng.random() < 0.6:
        social = pick(rng, SOCIAL)
        out.append(social if ctx.age >= 55 or "Retired" not in social else "Works full time, nonsmoker.")
    if rng.random() < 0.5:
        out.append(pick(rng, ALLERGY))
    return out


def time_statement(rng: random.Random, minutes: int, procedure: bool = False) -> str:
    """An E/M total-time statement; excludes separately reported procedure time when there is one."""
    excl = pick(rng, (" Procedure time not included.", " Excludes time for the separately billed procedure.",
                      " Time for the procedure is not counted.")) if procedure else ""
    return pick(rng, (
        f"Total time on the date of the encounter: {minutes} minutes, including record review, exam, "
        f"counseling and documentation.{excl}",
        f"I spent {minutes} minutes total on the date of service (chart review, visit, orders, notes).{excl}",
        f"Time: {minutes} min total on DOS.{excl}",
        f"Total time spent today {minutes} minutes, >50% counseling/coordination.{excl}",
    ))


MDM_PROBLEMS = {2: ("1 self-limited/minor problem",), 3: ("1 stable chronic illness", "1 acute uncomplicated illness"),
                4: ("1 chronic illness with exacerbation/progression", "2 stable chronic illnesses"),
                5: ("1 chronic illness with severe exacerbation",)}
MDM_RISK = {2: ("minimal risk",), 3: ("low risk - OTC drugs",), 4: ("prescription drug management",),
            5: ("decision regarding hospitalization",)}
LEVEL_WORD = {2: "straightforward", 3: "low", 4: "moderate", 5: "high"}


def mdm_statement(rng: random.Random, problems: int, risk: int, data: int = 2, problem_text: str | None = None) -> str:
    """A summary MDM line consistent with the coded level."""
    level = mdm_level(problems, data, risk)
    prob = problem_text or pick(rng, MDM_PROBLEMS[problems])
    return pick(rng, (f"MDM: {LEVEL_WORD[level]} ({prob}; {pick(rng, MDM_RISK[risk])}).",
                      f"Medical decision making {LEVEL_WORD[level]}: {prob}, {pick(rng, MDM_RISK[risk])}."))


CONSENT = ("Risks (bleeding, infection, scarring, recurrence) and alternatives discussed; verbal and written consent obtained.",
           "Procedure, risks incl. scar, infection, bleeding, pigment change explained; pt consented.",
           "Informed consent obtained after discussing R/B/A. Time-out performed, site confirmed with pt.",
           "Consent: pt agrees to procedure after discussion of risks/benefits; questions answered.")
ANESTHESIA = ("1% lidocaine with epinephrine", "1% lidocaine w/ epi, buffered", "2% lidocaine with epinephrine",
              "lidocaine 1% with epi 1:100,000")
WOUND_CARE = ("Petrolatum and bandage daily; written wound care handout given.",
              "Wound care reviewed: keep dry 24 h, then vaseline and bandage daily.",
              "Post-care instructions given verbally and in writing. Call for signs of infection.",
              "Pressure dressing applied. Post-op instructions reviewed, pt verbalized understanding.")
RTC = ("RTC 6 months.", "RTC 1 year for skin check.", "f/u 3 months.", "Return in 4-6 weeks.", "RTC prn.",
       "F/u in 2-3 months or sooner prn.", "Follow up 12 months.")


@dataclass
class Note:
    """Note content by section; `render` lays it out in one of several house styles."""

    cc: str = ""
    hpi: list[str] = field(default_factory=list)
    hist: list[str] = field(default_factory=list)
    ros: list[str] = field(default_factory=list)
    exam: list[str] = field(default_factory=list)
    ap: list[tuple[str, str]] = field(default_factory=list)
    proc: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)


def _ap_block(rng: random.Random, items: list[tuple[str, str]]) -> str:
    style = int(rng.random() * 4)
    if style == 0:
        return "\n".join(f"{i}. {t}: {p}" for i, (t, p) in enumerate(items, 1))
    if style == 1:
        return "\n".join(f"# {t}\n  {p}" for t, p in items)
    if style == 2:
        return "\n".join(f"- {t} - {p}" for t, p in items)
    return "\n".join(f"{i}) {t.upper() if len(t) < 30 else t}\n   - {p}" for i, (t, p) in enumerate(items, 1))


def render(ctx: Ctx, note: Note) -> str:
    """Lay out a progress note in one of four header styles with a variable problem-list format."""
    rng = ctx.rng
    head, ap = header(ctx), _ap_block(rng, note.ap)
    hpi, hist, ros = " ".join(note.hpi), " ".join(note.hist), " ".join(note.ros)
    exam, proc, tail = " ".join(note.exam), "\n".join(note.proc), "\n".join(note.tail)
    style = int(rng.random() * 4)
    if style == 0:
        parts = [head, f"S: CC {note.cc}. {hpi} {hist}" + (f" ROS: {ros}" if ros else ""), f"O: {exam}", "A/P:", ap]
    elif style == 1:
        parts = [head, f"Chief complaint: {note.cc}", f"HPI: {hpi}", f"History: {hist}"]
        parts += [f"ROS: {ros}"] if ros else []
        parts += [f"Exam: {exam}", "Assessment and Plan:", ap]
    elif style == 2:
        parts = [head, f"CC: {note.cc}", f"Subjective: {hpi} {hist} {ros}".rstrip(), f"Objective: {exam}",
                 "Plan:", ap]
    else:
        parts = [head, f"CHIEF COMPLAINT: {note.cc.upper()}", f"HISTORY OF PRESENT ILLNESS: {hpi}",
                 f"PMH/FH/SH: {hist}"]
        parts += [f"REVIEW OF SYSTEMS: {ros}"] if ros else []
        parts += [f"PHYSICAL EXAM: {exam}", "ASSESSMENT/PLAN:", ap]
    if proc:
        parts.append(pick(rng, ("Procedure:", "PROCEDURE NOTE:", "Procedures performed today:")) + "\n" + proc)
    if tail:
        parts.append(tail)
    return "\n".join(parts)


def render_procedure(ctx: Ctx, fields: list[tuple[str, str]]) -> str:
    """Lay out a procedure-only note (Mohs, scheduled excision) as labeled fields."""
    rng = ctx.rng
    caps = rng.random() < 0.4
    title = pick(rng, ("PROCEDURE NOTE", "Operative note", "Procedure Note - Dermatology", "OP NOTE"))
    body = "\n".join(f"{k.upper() if caps else k}: {v}" for k, v in fields)
    return f"{title}\n{header(ctx)}\n{body}"


# ---------------------------------------------------------------- E/M assembly
@dataclass(frozen=True)
class Problem:
    """One addressed problem with the MDM elements its documentation supports."""

    dx: tuple[str, ...]
    title: str
    plan: str
    level: int          # problems element: 2 minor, 3 stable chronic/acute uncomplicated, 4 exacerbation, 5 severe
    risk: int           # 2 minimal, 3 OTC, 4 prescription drug management, 5 high
    cc: str = ""
    hpi: str = ""
    exam: str = ""
    chronic: bool = False  # two stable chronic illnesses together make a moderate problem element
    extra: tuple[str, ...] = ()  # status codes (Z79.-, Z68.-, Z87.-) listed after all problems


def problems_element(problems: Sequence[Problem]) -> int:
    """Problems element over all addressed problems (two stable chronic illnesses count as moderate)."""
    lvl = max(p.level for p in problems)
    if sum(1 for p in problems if p.chronic and p.level >= 3) >= 2:
        lvl = max(lvl, 4)
    return lvl


def _problem_text(problems: Sequence[Problem], level: int) -> str:
    """Describe the problems element the way the documentation supports it."""
    top = max(problems, key=lambda p: p.level)
    if level == 4 and top.level < 4:
        return "2 stable chronic illnesses"
    if level >= 4:
        return MDM_PROBLEMS[level][0] if top.chronic else "undiagnosed new problem with uncertain prognosis"
    if level == 3:
        return "1 stable chronic illness" if top.chronic else "1 acute uncomplicated illness"
    return "self-limited/minor problem"


def add_em(ctx: Ctx, coder: Coder, note: Note, problems: Sequence[Problem], *, data: int = 2,
           time_p: float = 0.35, procedure: bool = False) -> str:
    """Code the E/M for the addressed problems, write their A/P and maybe a time / MDM statement."""
    rng = ctx.rng
    prob, risk = problems_element(problems), max(p.risk for p in problems)
    mdm = mdm_level(prob, data, risk)
    minutes = None
    if rng.random() < time_p:
        minutes = rng.randint(18, 65) if ctx.new_patient else rng.randint(12, 45)
        note.tail.append(time_statement(rng, minutes, procedure))
    elif rng.random() < 0.3:
        note.tail.append(mdm_statement(rng, prob, risk, data, _problem_text(problems, prob)))
    code = em_code(ctx.new_patient, mdm, minutes)
    dx: list[str] = []
    for p in problems:
        dx.extend(c for c in p.dx if c not in dx)
        note.ap.append((p.title, p.plan))
    coder.em(code, *dx)
    for p in problems:
        coder.also(*p.extra)
    return code
