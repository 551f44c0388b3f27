"""Dermatology procedure rules: each computes its code from documented facts (method, count, site, size).

Biopsies (first lesion by the highest-ranked method, each further lesion by its own add-on),
shave removal and excision by site group and size (excision: lesion plus twice the narrowest
margin), repairs by type, site group and length, local flaps by area, destruction by lesion
class and count, Mohs by site group, stages and blocks, and intralesional injection by count.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from coding.engine.diagnoses import item_block
from coding.engine.procedures.common import ProcContext, count_in, sizes_in, suggestion
from coding.engine.sites import Site
from coding.engine.text import NUMBER, to_int
from coding.engine.types import Evidence, Suggestion

MALIGNANT_DX = ("C43", "C44", "C4A", "D03", "D04")
PREMALIGNANT_DX = ("L57.0", "L56.8")

# --- size bands -----------------------------------------------------------------------------------
EXCISION_BANDS = (0.5, 1.0, 2.0, 3.0, 4.0)  # cm; the sixth band is "over 4.0"
EXCISION_BASE = {("benign", "trunk_arms_legs"): 11400, ("benign", "scalp_neck_hands_feet"): 11420,
                 ("benign", "face"): 11440, ("malignant", "trunk_arms_legs"): 11600,
                 ("malignant", "scalp_neck_hands_feet"): 11620, ("malignant", "face"): 11640}
SHAVE_BASE = {"trunk_arms_legs": 11300, "scalp_neck_hands_feet": 11305, "face": 11310}
MALIGNANT_DESTRUCTION_BASE = {"trunk_arms_legs": 17260, "scalp_neck_hands_feet": 17270, "face": 17280}


def excision_code(kind: str, group: str, excised_cm: float) -> str:
    """Excision codes by lesion type, site group and excised diameter (bands 0.5, 1.0, 2.0, 3.0, 4.0, over)."""
    band = next((i for i, limit in enumerate(EXCISION_BANDS) if excised_cm <= limit + 1e-9), 5)
    base = EXCISION_BASE[(kind, group)]
    return str(base + (band if band < 5 else 6))


def shave_code(group: str, diameter_cm: float) -> str:
    band = next((i for i, limit in enumerate((0.5, 1.0, 2.0)) if diameter_cm <= limit + 1e-9), 3)
    return str(SHAVE_BASE[group] + band)


def malignant_destruction_code(group: str, diameter_cm: float) -> str:
    band = next((i for i, limit in enumerate(EXCISION_BANDS) if diameter_cm <= limit + 1e-9), 5)
    return str(MALIGNANT_DESTRUCTION_BASE[group] + (band if band < 5 else 6))


INTERMEDIATE = {"scalp_trunk_limbs": ("12031", "12032", "12034", "12035", "12036", "12037"),
                "neck_hands_feet": ("12041", "12042", "12044", "12045", "12046", "12047")}
INTERMEDIATE_BANDS = (2.5, 7.5, 12.5, 20.0, 30.0)
INTERMEDIATE_FACE = ("12051", "12052", "12053", "12054", "12055", "12056", "12057")
INTERMEDIATE_FACE_BANDS = (2.5, 5.0, 7.5, 12.5, 20.0, 30.0)
SIMPLE_BODY = ("12001", "12002", "12004", "12005", "12006", "12007")
SIMPLE_FACE = ("12011", "12013", "12014", "12015", "12016", "12017", "12018")
COMPLEX = {"trunk": ("13100", "13101", "13102"), "scalp_arms_legs": ("13120", "13121", "13122"),
           "forehead_cheek_chin_neck_hands_feet": ("13131", "13132", "13133"),
           "eyelid_nose_ear_lip": ("13151", "13152", "13153")}
FLAP = {"trunk": ("14000", "14001"), "scalp_arms_legs": ("14020", "14021"),
        "forehead_cheek_chin_neck_hands_feet": ("14040", "14041"), "eyelid_nose_ear_lip": ("14060", "14061")}


def _band(length: float, limits: tuple[float, ...], codes: tuple[str, ...]) -> str:
    return next((code for limit, code in zip(limits, codes, strict=False) if length <= limit + 1e-9), codes[-1])


def repair_codes(kind: str, site: Site, length_cm: float) -> list[tuple[str, int]]:
    """Repair code(s) and units for a repair type, site and total length."""
    if kind == "intermediate":
        group = site.intermediate_repair_group
        if group == "face":
            return [(_band(length_cm, INTERMEDIATE_FACE_BANDS, INTERMEDIATE_FACE), 1)]
        return [(_band(length_cm, INTERMEDIATE_BANDS, INTERMEDIATE[group]), 1)]
    if kind == "simple":
        if site.simple_repair_group == "face":
            return [(_band(length_cm, (2.5, 5.0, 7.5, 12.5, 20.0, 30.0), SIMPLE_FACE), 1)]
        return [(_band(length_cm, INTERMEDIATE_BANDS, SIMPLE_BODY), 1)]
    first, second, addon = COMPLEX[site.complex_repair_group]
    if length_cm <= 1.0:
        return []  # under 1.1 cm a complex repair is reported as simple or intermediate
    if length_cm <= 2.5:
        return [(first, 1)]
    out = [(second, 1)]
    if length_cm > 7.5:
        out.append((addon, math.ceil((length_cm - 7.5) / 5.0)))
    return out


def flap_codes(site: Site, area_sq_cm: float) -> list[tuple[str, int]]:
    if area_sq_cm > 30.0:
        out = [("14301", 1)]
        if area_sq_cm > 60.0:
            out.append(("14302", math.ceil((area_sq_cm - 60.0) / 30.0)))
        return out
    small, large = FLAP[site.complex_repair_group]
    return [(small if area_sq_cm <= 10.0 else large, 1)]


def destruction_codes(kind: str, count: int) -> list[tuple[str, int]]:
    """Premalignant: first, then each of 2-14, or one code for 15 or more. Benign: up to 14, or 15 or more."""
    if kind == "premalignant":
        if count >= 15:
            return [("17004", 1)]
        return [("17000", 1)] + ([("17003", count - 1)] if count > 1 else [])
    return [("17111", 1)] if count >= 15 else [("17110", 1)]


def biopsy_codes(tangential: int, punch: int, incisional: int) -> list[tuple[str, int]]:
    """One primary code for the highest-ranked method (incisional > punch > tangential); every other lesion
    takes its own method's add-on code."""
    out: list[tuple[str, int]] = []
    if incisional:
        out.append(("11106", 1))
        if incisional > 1:
            out.append(("11107", incisional - 1))
        if punch:
            out.append(("11105", punch))
        if tangential:
            out.append(("11103", tangential))
    elif punch:
        out.append(("11104", 1))
        if punch > 1:
            out.append(("11105", punch - 1))
        if tangential:
            out.append(("11103", tangential))
    elif tangential:
        out.append(("11102", 1))
        if tangential > 1:
            out.append(("11103", tangential - 1))
    return out


def mohs_codes(group: str, stages: int, extra_blocks: int) -> list[tuple[str, int]]:
    first, add = ("17311", "17312") if group == "head_neck_hands_feet" else ("17313", "17314")
    out = [(first, 1)]
    if stages > 1:
        out.append((add, stages - 1))
    if extra_blocks > 0:
        out.append(("17315", extra_blocks))
    return out


# --- detection --------------------------------------------------------------------------------------
BIOPSY_RE = re.compile(
    r"\b(?P<method>(?:deep\s+)?shave|tangential|saucerization|saucerisation|punch|incisional|incision(?:al)?\s+wedge|"
    r"wedge)\b(?:\s*\([^)\n]{0,30}\))?(?:\s+[\w-]+){0,3}?\s+(?:biops(?:y|ies)|bx)\b"
    r"|\b(?:biops(?:y|ies)|bx)\b[^.\n;]{0,25}?\b(?:by|via|using|with)\s+(?:a\s+)?(?P<method2>shave|tangential|punch|"
    r"incisional|wedge)\b"
    r"|\b(?P<method3>punched)\b|\b\d+(?:\.\d+)?\s*-?\s*mm\s+(?P<method4>punch)\b(?=[^.\n;]{0,20}\b(?:was |were )?"
    r"(?:performed|done|taken|obtained|placed)\b)", re.IGNORECASE)
# After "Two lesions biopsied today:", labelled lines name each lesion's method: "A) L cheek, pearly papule - shave."
BIOPSY_INTRO = re.compile(r"\b(?:biopsied|biopsies (?:were )?(?:performed|taken|done|obtained))\b", re.IGNORECASE)
LISTED_METHOD = re.compile(r"^\s*(?:lesion\s+|specimen\s+|site\s+)?\(?(?:[A-H]|\d{1,2})\s*[).:]\s[^\n]*?\b(?P<method>shave|"
                           r"tangential|saucerization|punch|incisional|wedge)\b(?![^\n]*\bbiops)", re.IGNORECASE | re.MULTILINE)
BIOPSY_COUNT = re.compile(rf"\b(?:biopsies|bxs)\s*(?:x|\u00d7)\s*({NUMBER})\b|(?<![#(\w])({NUMBER})\s+(?:\w+\s+)?"
                          rf"(?:biopsies|bxs)\b", re.IGNORECASE)
# "... biopsy of (1) and (2)", "of lesions A, B and C", "of A-C", "of both lesions", "of all three sites".
_ONE_LABEL = r"(?:#\s*\d{1,2}|\(\s*(?:\d{1,2}|[A-Za-z])\s*\)|\b\d{1,2}\b|\b[A-H]\b)"
LABEL_LIST = re.compile(rf"^\W{{0,3}}(?:of|from|at|on)\s+(?:the\s+)?(?:lesions?\s+|sites?\s+|specimens?\s+|areas?\s+)?"
                        rf"({_ONE_LABEL}(?:\s*(?:,|and|&|\+)\s*(?:and\s+)?{_ONE_LABEL})+)")
LABEL_RANGE = re.compile(r"^\W{0,3}(?:of|from|at|on)\s+(?:the\s+)?(?:lesions?\s+|sites?\s+|specimens?\s+)?#?\s*"
                         r"(\d{1,2}|[A-H])\s*(?:-|\u2013|to|through)\s*#?\s*(\d{1,2}|[A-H])\b")
BOTH_ALL = re.compile(rf"^\W{{0,3}}(?:of|from|at|on|to)\s+(?:both|each of the two|(?:all|each)(?:\s+of)?\s+(?:the\s+)?({NUMBER}))\b",
                      re.IGNORECASE)


def _listed_count(text: str) -> tuple[int, list[str]] | None:
    """How many lesions a biopsy statement lists right after itself, and their labels."""
    m = LABEL_LIST.match(text)
    if m:
        labels = [re.sub(r"[#()\s]", "", lab).upper() for lab in re.findall(_ONE_LABEL, m.group(1))]
        return len(labels), labels
    m = LABEL_RANGE.match(text)
    if m:
        a, b = m.group(1), m.group(2)
        if a.isdigit() and b.isdigit() and int(a) < int(b) <= 20:
            return int(b) - int(a) + 1, [str(i) for i in range(int(a), int(b) + 1)]
        if a.isalpha() and b.isalpha() and a.upper() < b.upper():
            return ord(b.upper()) - ord(a.upper()) + 1, [chr(c) for c in range(ord(a.upper()), ord(b.upper()) + 1)]
    m = BOTH_ALL.match(text)
    if m:
        return (to_int(m.group(1)) or 0, []) if m.group(1) else (2, [])
    return None


LABEL_RE = re.compile(r"#\s*(\d+)|\((\d+|[A-Za-z])\)|^\s*(?:lesion|specimen|site)?\s*([A-Z]|\d+)\s*[:.)-]\s|"
                      r"\b(?:lesion|specimen|site)\s+#?([A-Z0-9]+)\b", re.IGNORECASE | re.MULTILINE)


def _method(word: str) -> str:
    word = word.lower()
    if "punch" in word:
        return "punch"
    if "incision" in word or "wedge" in word:
        return "incisional"
    return "tangential"


def _label(ctx: ProcContext, pos: int) -> str | None:
    l_start, _ = ctx.line(pos)
    found = None
    for m in LABEL_RE.finditer(ctx.text, l_start, pos + 1):
        found = next(g for g in m.groups() if g)
    return found.upper() if found else None


def biopsies(ctx: ProcContext) -> list[Suggestion]:
    counts = {"tangential": 0, "punch": 0, "incisional": 0}
    seen_labels: set[tuple[str, str]] = set()
    evidence: list[Evidence] = []
    found = list(BIOPSY_RE.finditer(ctx.text))
    if not found:
        intro = next((b for b in BIOPSY_INTRO.finditer(ctx.text) if ctx.performed(b.start(), b.end())), None)
        if intro is not None:
            found = [m for m in LISTED_METHOD.finditer(ctx.text, intro.end())
                     if ctx.a.section_at(m.start()) not in ("pathology", "assessment", "plan")]
    in_procedure = [m for m in found if ctx.a.section_at(m.start()) == "procedure"]
    if in_procedure:
        found = in_procedure  # the procedure section describes each biopsy; the assessment repeats them
    for m in found:
        if re.search(r"excisional", ctx.text[max(0, m.start() - 12):m.end()], re.IGNORECASE):
            continue
        if not ctx.performed(m.start(), m.end()):
            continue
        method = _method(next((m.group(g) for g in ("method", "method2", "method3", "method4") if m.group(g)), ""))
        if re.match(r"\s*(?:site|wound|specimen|defect)", ctx.text[m.end():m.end() + 10], re.IGNORECASE):
            continue
        label = _label(ctx, m.start())
        n = 1
        c = BIOPSY_COUNT.search(ctx.text, max(0, m.start() - 30), min(len(ctx.text), m.end() + 30))
        if c:
            n = to_int(c.group(1) or c.group(2)) or 1
        listed = _listed_count(ctx.text[m.end():ctx.a.sentence_of(m.start())[1]]) if n == 1 else None
        if listed and listed[0] > 1:
            n = listed[0]
            fresh = [lab for lab in listed[1] if (method, lab) not in seen_labels]
            seen_labels.update((method, lab) for lab in listed[1])
            if listed[1] and not fresh:
                continue
            label = None
        if label:
            if (method, label) in seen_labels:
                continue
            seen_labels.add((method, label))
        elif evidence and n == 1 and any(e.start <= m.start() <= e.end + 120 and method in e.text.lower()
                                          for e in evidence):
            continue  # a second mention of the same biopsy
        counts[method] += n
        evidence.append(ctx.evidence(m.start(), m.end()))
    codes = biopsy_codes(counts["tangential"], counts["punch"], counts["incisional"])
    pointers = biopsy_targets(ctx)[:4]
    rule = (f"skin biopsy: {counts['tangential']} tangential, {counts['punch']} punch, {counts['incisional']} "
            "incisional; one primary code for the highest-ranked method, add-ons for the rest")
    return [suggestion(ctx, code, rule=rule, evidence=evidence, units=units, pointers=pointers, key="biopsy")
            for code, units in codes]


BIOPSY_WORD = re.compile(r"\b(?:biops\w*|bx)\b", re.IGNORECASE)


def biopsy_targets(ctx: ProcContext) -> list[str]:
    """The diagnoses biopsied lesions carry: neoplasms and eruptions, pathology results, or a diagnosis
    written on the same line as the biopsy."""
    out = []
    for d in ctx.diagnoses:
        if d.code.startswith(("Z",)):
            continue
        findings = [e for e in d.evidence if e.role == "finding"]
        if (d.code.startswith(("C", "D0", "D1", "D2", "D3", "D4", "R21", "L98")) or any(e.section == "pathology" for e in findings)
                or any(BIOPSY_WORD.search(ctx.text, *ctx.line(e.start)) for e in findings)):
            out.append(d.code)
    return out or [c for c in ctx.dx_codes() if not c.startswith("Z")]


# --- excision, shave removal, repair, flaps ------------------------------------------------------
EXCISION_RE = re.compile(r"\b(?:(?:elliptical|fusiform|full[- ]thickness|wide local|simple|standard|complete)\s+)?"
                         r"(?:excision|excised|ellipse|re-?excision|wle)\b", re.IGNORECASE)
SHAVE_REMOVAL_RE = re.compile(r"\bshave (?:removal|excision)\b|\bremoved by (?:deep )?shave\b|\bsnip (?:removal|excision)\b",
                              re.IGNORECASE)
MARGIN_RE = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:-|to)\s*\d+(?:\.\d+)?)?\s*(cm|mm)\s+(?:\w+\s+){0,2}margins?|"
                       r"margins?\s+(?:of\s+)?(?:\w+\s+){0,2}?(\d+(?:\.\d+)?)\s*(cm|mm)", re.IGNORECASE)
NOT_LESION_SIZE = re.compile(r"(?:defect|repair|length|margin|depth|deep|ellipse|incision|wound|closure|closed|"
                             r"above|below|from|away|lateral to|medial to|sutures?|flap|scar length|final|total|"
                             r"specimen|clear|closest|breslow|thickness)\W*(?:\w+\W+){0,2}$", re.IGNORECASE)
LESION_WORDS = re.compile(r"\b(?:lesion|papule|nodule|macule|plaque|cyst|tumor|mass|growth|nevus|mole|scar|lipoma|"
                          r"measured|measuring|diameter|size|bcc|scc|carcinoma|melanoma)\b", re.IGNORECASE)
REPAIR_LENGTH_RE = re.compile(r"\b(?:repair|closure|wound|incision|final|total|closed|sutured|linear)?[ \t]*(?:\w+[ \t]+){0,2}"
                              r"length\W{0,4}(?:of[ \t]+)?(\d+(?:\.\d+)?)[ \t]*(cm|mm)|(\d+(?:\.\d+)?)[ \t]*(cm|mm)[ \t]+"
                              r"(?:linear[ \t]+|layered[ \t]+|intermediate[ \t]+|complex[ \t]+)?(?:repair|closure)\b"
                              r"|\b(?:repair|closure)\)?[ \t]+(\d+(?:\.\d+)?)[ \t]*(cm|mm)\b"
                              r"|(?<![\w.])(\d+(?:\.\d+)?)[ \t]*(cm|mm)[ \t]+in[ \t]+(?:total[ \t]+)?length\b"
                              r"|\b(?:repair|closure|wound)\b[^.\n\d]{0,40}?(?<![\w.])(\d+(?:\.\d+)?)[ \t]*(cm|mm)\b(?![ \t]*(?:x|\u00d7))",
                              re.IGNORECASE)
REPAIR_LENGTH_GROUPS = (1, 3, 5, 7, 9)
EXCISED_DIAMETER = re.compile(r"\bexcised (?:diameter|size)\W{0,4}(?:of[ \t]+)?(\d+(?:\.\d+)?)[ \t]*(cm|mm)", re.IGNORECASE)
INTERMEDIATE_RE = re.compile(r"\b(?:intermediate|layered|layer(?:s)?\s+closure|(?:closed|closure|repair(?:ed)?|"
                             r"approximated|sutured) in (?:two |2 |multiple )?layers|(?:two|2)[- ]layers?|"
                             r"multi[- ]?layer|deep dermal|buried|subcutaneous sutures|deep sutures|"
                             r"dermal sutures)\b", re.IGNORECASE)
SINGLE_LAYER_RE = re.compile(r"\b(?:single[- ]layer|one layer|simple interrupted|simple running|primary closure|"
                             r"closed primarily|staples?|steri-?strips?|no undermining)\b", re.IGNORECASE)
COMPLEX_RE = re.compile(r"\bcomplex (?:repair|closure|layered)\b|\bextensive undermining\b|\bretention sutures\b",
                        re.IGNORECASE)
FLAP_RE = re.compile(r"\b(?:advancement|rotation|transposition|rhombic|rhomboid|bilobed?|island pedicle|v-?y|"
                     r"o-to-z|o to z|a-to-t|a to t|burow'?s?|keystone|banner|nasolabial)\s+(?:flap|advancement|plasty)|"
                     r"\b(?:z-?plasty|adjacent tissue transfer|tissue rearrangement|local flap)\b", re.IGNORECASE)
AREA_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:sq\.?\s*cm|cm2|cm\^2|square\s+cm|square\s+centimet(?:er|re)s?)",
                     re.IGNORECASE)
DEFECT_RE = re.compile(r"\bdefect\b[^.\n]{0,30}?(\d+(?:\.\d+)?)\s*(?:x|\u00d7)\s*(\d+(?:\.\d+)?)\s*cm", re.IGNORECASE)


def _to_cm(value: str, unit: str) -> float:
    v = float(value)
    return v / 10 if unit.lower() == "mm" else v


def _lesion_diameter(ctx: ProcContext, around: int) -> tuple[float, Evidence] | None:
    """The lesion's largest diameter: the size stated with a lesion word, nearest the procedure."""
    candidates, unnamed = [], []
    own_line = ctx.line(around)
    for size in sizes_in(ctx.text, 0, len(ctx.text)):
        if ctx.a.section_at(size.start) in ("pathology", "plan", "pmh", "family_history", "social_history"):
            continue
        sent_start = max(ctx.a.sentence_of(size.start)[0], ctx.line(size.start)[0])
        before = ctx.text[max(sent_start, size.start - 40):size.start]
        if NOT_LESION_SIZE.search(before) or re.match(r"\s*(?:margins?|depth|deep|long|length|in length|defect|repair|"
                                                      r"closure|intermediate|layered|complex)", ctx.text[size.end:],
                                                      re.IGNORECASE):
            continue
        l_start, l_end = ctx.line(size.start)
        s_start = max(l_start, ctx.text.rfind(".", 0, size.start) + 1)
        if not LESION_WORDS.search(ctx.text, s_start, min(l_end, size.end + 60)):
            if own_line[0] <= size.start < own_line[1]:
                unnamed.append((abs(size.start - around), size))  # "Excision: EIC L back 2.0 cm with 2 mm margins"
            continue
        candidates.append((abs(size.start - around), size))
    candidates = candidates or unnamed
    if not candidates:
        return None
    size = min(candidates, key=lambda c: (c[1].start > around, c[0]))[1]
    return size.cm, ctx.evidence(size.start, size.end, "size")


def _margin(ctx: ProcContext) -> tuple[float, Evidence] | None:
    found = []
    for m in MARGIN_RE.finditer(ctx.text):
        section = ctx.a.section_at(m.start())
        if section in ("pathology", "plan"):
            continue
        context = ctx.text[max(0, m.start() - 30):m.end() + 15].lower()
        if re.search(r"clear|closest|free|involved|negative|positive|advised|recommend|>=|≥", context):
            continue
        value = _to_cm(m.group(1), m.group(2)) if m.group(1) else _to_cm(m.group(3), m.group(4))
        found.append((value, m))
    if not found:
        return None
    value, m = min(found, key=lambda f: f[0])
    return value, ctx.evidence(m.start(), m.end(), "margin")


def _repair(ctx: ProcContext, site: Site | None, *, with_mohs: bool) -> list[Suggestion]:
    if site is None:
        return []
    lengths = [(m, _to_cm(*next((m.group(i), m.group(i + 1)) for i in REPAIR_LENGTH_GROUPS if m.group(i))))
               for m in REPAIR_LENGTH_RE.finditer(ctx.text) if ctx.a.section_at(m.start()) not in ("pathology", "pmh")]
    if not lengths:
        return []
    m, length = lengths[-1]
    window_start = max(0, m.start() - 400)
    region = ctx.text[window_start:m.end() + 200]
    if COMPLEX_RE.search(region):
        kind = "complex"
    elif INTERMEDIATE_RE.search(region) and not re.search(r"\bsingle[- ]layer\b", region, re.IGNORECASE):
        kind = "intermediate"
    elif with_mohs:
        kind = "simple"
    else:
        return []  # a simple repair is included in an excision
    if re.search(r"second(?:ary)?[- ]intention|granulate|left open", ctx.text, re.IGNORECASE) and not re.search(
            r"\b(?:closed|sutured|approximated|sutures?|staples?)\b", region, re.IGNORECASE):
        return []
    ev = [ctx.evidence(m.start(), m.end(), "length"), ctx.evidence(site.start, site.end, "site")]
    kind_ev = (COMPLEX_RE if kind == "complex" else INTERMEDIATE_RE).search(region)
    if kind_ev:
        ev.append(ctx.evidence(window_start + kind_ev.start(), window_start + kind_ev.end(), "repair type"))
    return [suggestion(ctx, code, rule=f"{kind} repair, {length:g} cm, {site.text}", evidence=ev, units=units,
                       key="repair") for code, units in repair_codes(kind, site, length)]


def _flap(ctx: ProcContext, site: Site | None) -> tuple[list[Suggestion], bool]:
    m = next((m for m in FLAP_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
    if m is None or site is None:
        return [], False
    area_m = AREA_RE.search(ctx.text, m.start())
    if area_m:
        area = float(area_m.group(1))
        ev = ctx.evidence(area_m.start(), area_m.end(), "area")
    else:
        d = DEFECT_RE.search(ctx.text)
        if not d:
            return [suggestion(ctx, FLAP[site.complex_repair_group][0], rule="local flap, area not documented",
                               evidence=[ctx.evidence(m.start(), m.end())], confidence=0.5, key="flap",
                               missing="total flap area in sq cm (defect plus flap)")], True
        area = float(d.group(1)) * float(d.group(2))
        ev = ctx.evidence(d.start(), d.end(), "defect")
    return [suggestion(ctx, code, rule=f"adjacent tissue transfer, {area:g} sq cm, {site.text}",
                       evidence=[ctx.evidence(m.start(), m.end()), ev], units=units, key="flap")
            for code, units in flap_codes(site, area)], True


def excisions(ctx: ProcContext) -> list[Suggestion]:
    out: list[Suggestion] = []
    shave = next((m for m in SHAVE_REMOVAL_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
    if shave:
        site = ctx.site_near(shave.start())
        diameter = _lesion_diameter(ctx, shave.start())
        if site and diameter:
            out.append(suggestion(ctx, shave_code(site.excision_group, diameter[0]),
                                  rule=f"shave removal, {site.excision_group.replace('_', '/')}, {diameter[0]:g} cm",
                                  evidence=[ctx.evidence(shave.start(), shave.end()), diameter[1],
                                            ctx.evidence(site.start, site.end, "site")], key="shave_removal",
                                  pointers=_lesion_pointers(ctx)))
    exc = next((m for m in EXCISION_RE.finditer(ctx.text)
                if ctx.performed(m.start(), m.end()) and not re.search(r"shave|snip|biops", ctx.text[max(0, m.start() - 15):
                                                                                                  m.end() + 10], re.I)
                and not re.search(r"\bmohs\b", ctx.text[max(0, m.start() - 40):m.end() + 40], re.IGNORECASE)), None)
    if exc is None or (re.search(r"\bmohs\b", ctx.text, re.IGNORECASE) and re.search(r"\bstage\s+(?:1|i)\b", ctx.text,
                                                                                     re.IGNORECASE)):
        return out
    site = ctx.site_near(exc.start())
    flap, has_flap = _flap(ctx, site)
    if has_flap:
        return out + flap  # adjacent tissue transfer includes the excision
    diameter = _lesion_diameter(ctx, exc.start())
    margin = _margin(ctx)
    if site is None or diameter is None:
        return out
    kind = "malignant" if ctx.dx_codes(*MALIGNANT_DX) else "benign"
    excised = diameter[0] + 2 * (margin[0] if margin else 0.0)
    stated = EXCISED_DIAMETER.search(ctx.text)
    if stated:
        excised = _to_cm(stated.group(1), stated.group(2))
        margin = (round((excised - diameter[0]) / 2, 2), ctx.evidence(stated.start(), stated.end(), "excised size"))
    evidence = [ctx.evidence(exc.start(), exc.end()), diameter[1], ctx.evidence(site.start, site.end, "site")]
    if margin:
        evidence.append(margin[1])
    rule = (f"excision of a {kind} lesion, {site.excision_group.replace('_', '/')}: "
            f"{diameter[0]:g} cm + 2 x {margin[0] if margin else 0:g} cm margin = {excised:g} cm")
    pointers = ctx.dx_codes(*MALIGNANT_DX) if kind == "malignant" else _lesion_pointers(ctx)
    out.append(suggestion(ctx, excision_code(kind, site.excision_group, excised), rule=rule, evidence=evidence,
                          key="excision", pointers=pointers[:4], confidence=0.85 if margin else 0.7,
                          missing="" if margin else "the narrowest margin excised"))
    for s in _repair(ctx, site, with_mohs=False):
        s.pointers = pointers[:4]
        out.append(s)
    return out


def _lesion_pointers(ctx: ProcContext) -> list[str]:
    return [c for c in ctx.dx_codes() if not c.startswith(("Z", "R"))][:4] or ctx.dx_codes()[:4]


# --- destruction ------------------------------------------------------------------------------------
DESTRUCTION_RE = re.compile(
    r"\b(?:cryo(?:therapy|surgery|destruction|theraphy|ablation)?|ln2|liquid nitrogen|destruction|destroyed|"
    r"curettage|curetted|electrodesiccation|electrodessication|ed\s*&\s*c|ed and c|electrofulguration|hyfrecat\w*|"
    r"cantharidin|chemical destruction|trichloroacetic acid|pulsed dye laser|laser destruction)\b", re.IGNORECASE)
HEMOSTASIS = re.compile(r"hemostasis|bleeding|cautery for|debulk", re.IGNORECASE)


@dataclass
class _Target:
    kind: str          # premalignant | benign | malignant
    codes: list[str]
    count: int
    evidence: list[Evidence]


def _destruction_target(ctx: ProcContext, pos: int) -> tuple[str, list[str]] | None:
    """Which diagnosis a destruction treats: one named in its line, else the assessment's destroyable lesion."""
    l_start, l_end = ctx.line(pos)
    s_start = max(l_start, ctx.text.rfind(".", 0, pos) + 1)
    candidates = []
    for d in ctx.diagnoses:
        kind = _lesion_kind(d.code)
        if kind is None:
            continue
        near = any(s_start - 200 <= e.start <= l_end and e.role == "finding" for e in d.evidence)
        candidates.append((not near, kind != "premalignant", d, kind))
    if not candidates:
        return None
    on_line = {d.code for d in ctx.diagnoses if any(l_start <= e.start < l_end and e.role == "finding" for e in d.evidence)}
    candidates.sort(key=lambda c: (c[2].code not in on_line, c[0], c[1]))  # a diagnosis named on its line comes first
    _, _, best, kind = candidates[0]
    same_kind = [c[2].code for c in candidates if c[3] == kind and not c[0]] or [best.code]
    return kind, same_kind


def _lesion_kind(code: str) -> str | None:
    if code.startswith(PREMALIGNANT_DX):
        return "premalignant"
    if code.startswith(("C44", "C43", "D04", "D03")):
        return "malignant"
    if code.startswith(("L82", "B07", "B08", "A63.0", "L91.8", "D18.01", "L98.0", "L81.4", "D22", "D23", "L72.0",
                        "L73.8", "L85.8")):
        return "benign"
    return None


def destructions(ctx: ProcContext) -> list[Suggestion]:
    """Destruction by lesion class. Counts come from the destruction statement (else its diagnosis); statements on
    separate lines add up, a stated total wins, and the procedure section, when it has counts, replaces the A/P."""
    out: list[Suggestion] = []
    by_kind: dict[str, list[tuple[tuple[int, int], int | None, list[Evidence], list[str], bool]]] = {}
    for m in DESTRUCTION_RE.finditer(ctx.text):
        if HEMOSTASIS.search(ctx.text[max(0, m.start() - 25):m.end() + 10]):
            continue
        if not ctx.performed(m.start(), m.end()):
            continue
        target = _destruction_target(ctx, m.start())
        if target is None:
            continue
        kind, pointers = target
        line = ctx.line(m.start())
        entries = by_kind.setdefault(kind, [])
        if any(e[0] == line for e in entries):
            continue
        count = count_in(ctx.text, *line)
        borrowed = count is None
        if count is None:
            count = _count_from_diagnosis(ctx, pointers)
        evidence = [ctx.evidence(m.start(), m.end())] + ([ctx.evidence(count[1], count[2], "count")] if count else [])
        is_total = bool(re.search(r"\btotal\b", ctx.text[slice(*line)], re.IGNORECASE))
        entries.append((line, count[0] if count else None, evidence, pointers, is_total, borrowed))
    for kind, entries in by_kind.items():
        in_proc = [e for e in entries if ctx.a.section_at(e[0][0]) == "procedure" and e[1] is not None]
        use = in_proc or entries
        own = {p for e in use if not e[5] and e[1] is not None for p in e[3]}
        # A line without its own count ("Biopsy + cryo" as a title) repeats a counted line about the same lesions.
        use = [e for e in use if not (e[5] and set(e[3]) <= own)] or use
        totals = [e for e in use if e[4] and e[1] is not None]
        counted = [e for e in use if e[1] is not None]
        n = max(e[1] for e in totals) if totals else sum(e[1] for e in counted) if counted else 1  # type: ignore[misc]
        evidence = [ev for e in use for ev in e[2]]
        pointers = list(dict.fromkeys(p for e in entries for p in e[3]))
        if kind == "malignant":
            site = ctx.site_near(use[0][0][0])
            diameter = _lesion_diameter(ctx, use[0][0][0])
            if site and diameter:
                out.append(suggestion(ctx, malignant_destruction_code(site.excision_group, diameter[0]),
                                      rule=f"destruction of a malignant lesion, {diameter[0]:g} cm", evidence=evidence,
                                      pointers=pointers[:4], key="destruction_malignant"))
            continue
        for code, units in destruction_codes(kind, n):
            out.append(suggestion(ctx, code, rule=f"destruction of {n} {kind} lesion{'s' if n != 1 else ''}",
                                  evidence=evidence, units=units, pointers=pointers[:4], key=f"destruction_{kind}",
                                  confidence=0.9 if counted else 0.7,
                                  missing="" if counted else "the number of lesions treated"))
    return out


def _count_from_diagnosis(ctx: ProcContext, codes: list[str]) -> tuple[int, int, int] | None:
    for d in ctx.diagnoses:
        if d.code in codes:
            for e in d.evidence:
                if e.role == "finding":
                    count = count_in(ctx.text, e.start, ctx.line(e.start)[1])
                    if count:
                        return count
    return None


# --- Mohs ---------------------------------------------------------------------------------------------
STAGE_RE = re.compile(r"(?:^|\n|[;,:.]\s*)\s*(?:stage|layer)\s+(\d+|[ivx]+)\b", re.IGNORECASE)
STAGES_TOTAL = re.compile(rf"\b(?:cleared|clear)\s+(?:in|after)\s+({NUMBER})\s+(?:stages?|layers?)|\b({NUMBER})\s+"
                          rf"(?:mohs\s+)?stages?\b|\b({NUMBER})\s+mohs\s+layers?\b", re.IGNORECASE)
BLOCKS_RE = re.compile(rf"\b({NUMBER})\s+(?:tissue\s+)?(?:blocks?|sections)\b", re.IGNORECASE)


def mohs(ctx: ProcContext) -> list[Suggestion]:
    if not any(ctx.performed(m.start(), m.end()) for m in re.finditer(r"\bmohs\b|micrographic", ctx.text, re.IGNORECASE)):
        return []
    stage_lines = [m for m in STAGE_RE.finditer(ctx.text)]
    stages = len({m.group(1).lower() for m in stage_lines})
    total = STAGES_TOTAL.search(ctx.text)
    if total:
        stages = max(stages, to_int(total.group(1) or total.group(2) or total.group(3)) or 0)
    if stages == 0:
        return []
    extra = 0
    for m in stage_lines:
        l_start = m.start(1)  # the match begins at the punctuation or line break before "Stage"
        nxt = STAGE_RE.search(ctx.text, m.end())
        l_end = min(ctx.line(m.start(1))[1], nxt.start(1) if nxt else len(ctx.text))
        b = BLOCKS_RE.search(ctx.text, l_start, l_end)
        if b:
            extra += max(0, (to_int(b.group(1)) or 0) - 5)
    tumor = [d for d in ctx.diagnoses if d.code.startswith(MALIGNANT_DX)]
    site = None
    for d in tumor:
        site = next((ctx.site_near(e.start) for e in d.evidence if e.role == "site"), None) or site
    site = site or ctx.site_near(stage_lines[0].start() if stage_lines else 0)
    if site is None:
        return []
    ev = [ctx.evidence(m.start(), m.end(), "stage") for m in stage_lines] + [ctx.evidence(site.start, site.end, "site")]
    pointers = [d.code for d in tumor][:4]
    out = [suggestion(ctx, code, rule=f"Mohs surgery, {site.mohs_group.replace('_', '/')}, {stages} stage(s)"
                      f"{f', {extra} block(s) beyond 5' if extra else ''}", evidence=ev, units=units, pointers=pointers,
                      key="mohs") for code, units in mohs_codes(site.mohs_group, stages, extra)]
    flap, has_flap = _flap(ctx, site)
    for s in flap if has_flap else _repair(ctx, site, with_mohs=True):
        s.pointers = pointers
        out.append(s)
    return out


# --- injections, tags, drainage, nails ---------------------------------------------------------------
ILK_RE = re.compile(r"\b(?:intralesional(?:ly)?|ilk|il\s+(?:kenalog|triamcinolone|steroid)|injected (?:into|in)\s+(?:the\s+|each\s+|all\s+)?"
                    r"(?:\w+\s+)?(?:lesions?|keloids?|patch(?:es)?|cysts?|scars?|plaques?))\b", re.IGNORECASE)


ILK_TREATABLE = frozenset({"keloid", "alopecia_areata", "alopecia_totalis", "alopecia_universalis", "psoriasis",
                           "psoriasis_vulgaris", "scalp_psoriasis", "granuloma_annulare", "lichen_planus",
                           "lichen_simplex", "prurigo_nodularis", "discoid_lupus", "cyst", "epidermal_cyst", "acne",
                           "hidradenitis", "morphea", "alopecia", "lichen_sclerosus", "necrobiosis"})


def intralesional(ctx: ProcContext) -> list[Suggestion]:
    m = next((m for m in ILK_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
    if m is None:
        return []
    s_start, s_end = ctx.line(m.start())
    count = count_in(ctx.text, s_start, s_end)
    targets = [d for d in ctx.diagnoses if not d.code.startswith(("Z", "R"))]
    item = ([d for d in targets if any(ILK_RE.search(ctx.text, *item_block(ctx.text, e.start)) for e in d.evidence
                                       if e.role == "finding")]
            or [d for d in targets if d.key in ILK_TREATABLE]
            or [d for d in targets if any(s_start - 200 <= e.start <= s_end for e in d.evidence)] or targets[:1])
    if count is None:
        for d in item:
            for e in d.evidence:
                _, le = ctx.line(e.start)
                count = count or count_in(ctx.text, e.start, le)
    n = count[0] if count else 1
    code = "11901" if n > 7 else "11900"
    ev = [ctx.evidence(m.start(), m.end())] + ([ctx.evidence(count[1], count[2], "count")] if count else [])
    return [suggestion(ctx, code, rule=f"intralesional injection of {n} lesion{'s' if n != 1 else ''} "
                       f"({'more than 7' if n > 7 else 'up to 7'})", evidence=ev, key="intralesional",
                       pointers=[d.code for d in item][:4], confidence=0.85 if count else 0.7)]


SKIN_TAG_RE = re.compile(r"\b(?:skin tags?|acrochordons?)\b[^.\n]{0,60}\b(?:removed|snip\w*|excis\w*|clipped|"
                         r"removal|destroyed|cryo\w*|trimmed)|\b(?:snip\w*|removal|removed|clipped)\b[^.\n]{0,40}"
                         r"\b(?:skin tags?|acrochordons?|tags)\b", re.IGNORECASE)


def skin_tags(ctx: ProcContext) -> list[Suggestion]:
    found = [m for m in SKIN_TAG_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())]
    if not found:
        return []
    m = found[0]
    count = next((c for c in (count_in(ctx.text, *ctx.line(f.start())) for f in found) if c), None)
    if count is None:
        count = _count_from_diagnosis(ctx, ctx.dx_codes("L91.8"))
    n = count[0] if count else 1
    out = [suggestion(ctx, "11200", rule=f"removal of {n} skin tag(s), first 15", evidence=[ctx.evidence(m.start(), m.end())],
                      key="skin_tags", pointers=ctx.dx_codes("L91.8") or ctx.dx_codes()[:1])]
    if n > 15:
        out.append(suggestion(ctx, "11201", rule="each further 10 skin tags", units=math.ceil((n - 15) / 10),
                              evidence=[ctx.evidence(m.start(), m.end())], key="skin_tags",
                              pointers=ctx.dx_codes("L91.8")))
    return out


ID_RE = re.compile(r"\b(?:incision and drainage|i\s*&\s*d|i and d|incised and drained)\b", re.IGNORECASE)


def drainage(ctx: ProcContext) -> list[Suggestion]:
    m = next((m for m in ID_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
    if m is None:
        return []
    complicated = re.search(r"\b(?:complicated|multiple|loculat\w+|packing|packed)\b", ctx.text, re.IGNORECASE)
    code = "10061" if complicated else "10060"
    return [suggestion(ctx, code, rule="incision and drainage of an abscess" + (", complicated" if complicated else ""),
                       evidence=[ctx.evidence(m.start(), m.end())], key="drainage",
                       pointers=ctx.dx_codes("L02", "L72", "L05", "L08") or ctx.dx_codes()[:1])]


def all_rules(ctx: ProcContext) -> list[Suggestion]:
    return [*mohs(ctx), *biopsies(ctx), *excisions(ctx), *destructions(ctx), *intralesional(ctx), *skin_tags(ctx),
            *drainage(ctx)]
