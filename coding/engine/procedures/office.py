"""Primary-care office procedures: vaccines and their administration, in-office tests, injections,
ear-wax removal. Tests sent to a laboratory are not billed here (they only count as data in the visit)."""

from __future__ import annotations

import re

from coding.engine.procedures.common import ProcContext, suggestion
from coding.engine.types import Suggestion

# (pattern, CPT product code). Order matters: specific before generic.
VACCINES: list[tuple[str, str]] = [
    (r"\btdap\b|boostrix|adacel", "90715"),
    (r"\btd\b(?! ?ap)|tenivac|tetanus[- ]diphtheria(?! ?pertussis)", "90714"),
    (r"high[- ]dose (?:flu|influenza)|fluzone high|efluelda", "90662"),
    (r"fluad|adjuvanted (?:flu|influenza)", "90694"),
    (r"flumist|intranasal (?:flu|influenza)", "90672"),
    (r"(?:flu|influenza)[^.\n]{0,40}(?:multi-?dose)", "90688"),
    (r"(?:flu|influenza)[^.\n]{0,30}\btrivalent\b|\btrivalent\b[^.\n]{0,30}(?:flu|influenza)", "90656"),
    (r"\b(?:flu|influenza)\s+(?:vaccine|vaccination|shot|immunization)|\b(?:iiv4|quadrivalent)\b|fluzone|flucelvax|"
     r"fluarix|flulaval|afluria", "90686"),
    (r"pcv ?20|prevnar ?20|pneumococcal conjugate(?: vaccine)?,? 20", "90677"),
    (r"pcv ?15|vaxneuvance", "90671"),
    (r"ppsv ?23|pneumovax|pneumococcal polysaccharide", "90732"),
    (r"pneumococcal (?:vaccine|vaccination|shot)|pneumonia (?:vaccine|shot)", "90677"),
    (r"shingrix|(?:shingles|zoster|rzv) (?:vaccine|vaccination|shot)", "90750"),
    (r"gardasil|\bhpv\b (?:vaccine|vaccination|shot|#\d|dose)", "90651"),
    (r"heplisav|engerix|recombivax|hep(?:atitis)? ?b (?:vaccine|vaccination|shot|#\d|dose)", "90746"),
    (r"havrix|vaqta|hep(?:atitis)? ?a (?:vaccine|vaccination|shot|#\d|dose)", "90632"),
    (r"\bmmr\b", "90707"),
    (r"varivax|varicella (?:vaccine|vaccination)", "90716"),
    (r"menactra|menveo|menquadfi|meningococcal (?:acwy|conjugate)", "90734"),
    (r"arexvy", "90679"),
    (r"abrysvo|rsv (?:vaccine|vaccination)", "90678"),
]
FLU = ("90662", "90694", "90672", "90688", "90656", "90686")
PNEUMOCOCCAL = ("90671", "90732", "90677")
GIVEN = re.compile(r"\b(?:given|administered|administer|injected|received|gave|was given|were given|im\b|intramuscular|"
                   r"vis (?:reviewed|given|provided)|l deltoid|r deltoid|left deltoid|right deltoid|deltoid)\b",
                   re.IGNORECASE)
NOT_GIVEN = re.compile(r"\b(?:declined|refused|deferred|due|will|next visit|recommend\w*|up to date|utd|already|"
                       r"previously|last\b|ago|had (?:his|her)|at pharmacy|elsewhere|not given|discussed)\b", re.IGNORECASE)


def vaccines(ctx: ProcContext) -> list[Suggestion]:
    found: dict[str, tuple[int, int]] = {}
    for pattern, code in VACCINES:
        for m in re.finditer(pattern, ctx.text, re.IGNORECASE):
            if code in found or any(a <= m.start() < b for a, b in found.values()):
                continue
            s_start, s_end = ctx.a.sentence_of(m.start())
            sentence = ctx.text[s_start:s_end] if s_end > s_start else ctx.text[slice(*ctx.line(m.start()))]
            if ctx.a.section_at(m.start()) in ("pmh", "family_history", "social_history"):
                continue
            aside = re.sub(r"\([^()]*\)", " ", sentence)  # "(last tetanus 2013)" is about the previous dose
            if GIVEN.search(sentence) and not NOT_GIVEN.search(aside):
                found[code] = (m.start(), m.end())
    if not found:
        return []
    for family in (FLU, PNEUMOCOCCAL):  # one product per family: the specific name wins over "flu vaccine"
        named = [code for code in family if code in found]
        for code in named[1:]:
            del found[code]
    out: list[Suggestion] = []
    pointers = ["Z23"]
    for code, (start, end) in found.items():
        out.append(suggestion(ctx, code, rule="vaccine product given in the office", key="vaccine",
                              evidence=[ctx.evidence(start, end)], pointers=pointers))
    injected = [c for c in found if c != "90672"]
    nasal = [c for c in found if c == "90672"]
    first_ev = [ctx.evidence(*next(iter(found.values())))]
    if injected:
        out.append(suggestion(ctx, "90471", rule="vaccine administration, first injection", key="vaccine_admin",
                              evidence=first_ev, pointers=pointers))
        if len(injected) > 1:
            out.append(suggestion(ctx, "90472", rule="vaccine administration, each further injection",
                                  units=len(injected) - 1, key="vaccine_admin", evidence=first_ev, pointers=pointers))
    if nasal:
        out.append(suggestion(ctx, "90473" if not injected else "90474", rule="vaccine administration by nose",
                              key="vaccine_admin", evidence=first_ev, pointers=pointers))
    return out


PERFORMED_HERE = re.compile(r"\b(?:in[- ]office|in clinic|point[- ]of[- ]care|poc|performed|done (?:today|in office)|"
                            r"obtained today|today in office|manual(?:ly)?|non-?automated|automated|dipstick|rapid)\b",
                            re.IGNORECASE)
SENT_OUT = re.compile(r"\b(?:sent|send|ordered|order|lab\)|to lab|outside lab|reference lab|will check|recheck|repeat|"
                      r"pending|deferred|no rapid|not performed|not done|declined)\b", re.IGNORECASE)

TESTS: list[tuple[str, str, str]] = [
    # (pattern, code, rule)
    (r"\b(?:ua|urinalysis|urine)\s*(?:dip(?:stick)?|dipstick)\b|\bdipstick (?:ua|urinalysis)\b|\burine dip\b|"
     r"\b(?:ua|urinalysis)\b(?=[^.\n]{0,40}\bdip(?:stick)?\b)", "UA", ""),
    (r"\brapid strep\b|\bstrep (?:test|screen)\b|\brads\b", "87880", "rapid strep test in the office"),
    (r"\brapid (?:flu|influenza)\b|\b(?:flu|influenza) (?:swab|antigen|rapid test)\b", "87804", "rapid flu test in the office"),
    (r"\b(?:rapid )?covid(?:-19)? (?:antigen|rapid test)\b|\brapid covid\b", "87811", "rapid COVID-19 antigen test"),
    (r"\burine (?:pregnancy|hcg)\b|\bupt\b|\burine preg\b", "81025", "urine pregnancy test"),
    (r"\b(?:fingerstick|finger[- ]stick|poc|point[- ]of[- ]care|capillary) (?:blood )?glucose\b|\bglucometer\b",
     "82962", "blood glucose by meter"),
    (r"\b(?:poc|point[- ]of[- ]care|in[- ]office) (?:hba1c|a1c)\b|\b(?:a1c|hba1c) \((?:poc|point of care|in office)\)",
     "83036", "hemoglobin A1c in the office"),
    (r"\bkoh\b(?: (?:prep|preparation|scraping|exam|test))?", "87220", "KOH preparation read in the office"),
]


def office_tests(ctx: ProcContext) -> list[Suggestion]:
    out: list[Suggestion] = []
    for pattern, code, rule in TESTS:
        m = next((m for m in re.finditer(pattern, ctx.text, re.IGNORECASE)
                  if ctx.a.section_at(m.start()) not in ("pmh", "family_history", "social_history", "plan")), None)
        if m is None:
            continue
        l_start, l_end = ctx.line(m.start())
        line = ctx.text[l_start:l_end]
        s_start, s_end = ctx.a.sentence_of(m.start())
        own = re.sub(r"\([^()]*\)", " ", ctx.text[max(l_start, s_start):min(l_end, s_end) if s_end > s_start else l_end])
        if SENT_OUT.search(ctx.text[max(l_start, m.start() - 30):min(l_end, m.end() + 40)]) or re.search(
                r"\b(?:prior|previous|last visit|ago|reviewed)\b", own, re.IGNORECASE):
            continue  # "(prior 7.4)" beside today's result is a comparison, not an old test
        if code == "87220" and not re.search(r"\b(?:performed|today|positive|negative|showed|revealed|hyphae)\b", line,
                                             re.IGNORECASE):
            continue
        if code == "87220" and not m.group(0).lower().startswith("koh ") and not re.search(
                r"\b(?:performed|done|today|in[- ]office|in clinic|obtained)\b", line, re.IGNORECASE):
            continue  # a bare "KOH" read today, not one reviewed or argued from
        if code == "UA":
            micro = re.search(r"\bwith micro(?:scopy)?\b", line, re.IGNORECASE) and not re.search(
                r"\b(?:no|without) micro", line, re.IGNORECASE)
            automated = re.search(r"\bautomated\b", line, re.IGNORECASE) and not re.search(
                r"\bnon-?automated\b", line, re.IGNORECASE)
            code = ("81001" if micro else "81003") if automated else ("81000" if micro else "81002")
            rule = f"urine dipstick, {'automated' if automated else 'read by hand'}, {'with' if micro else 'without'} microscopy"
        elif not PERFORMED_HERE.search(line) and not re.search(r"\b(?:positive|negative|neg|pos)\b", line, re.IGNORECASE):
            continue
        pointers = [c for c in ctx.dx_codes() if not c.startswith("Z")][:4]
        out.append(suggestion(ctx, code, rule=rule, evidence=[ctx.evidence(m.start(), m.end())], key="lab",
                              pointers=pointers))
    return out


ECG_RE = re.compile(r"\b(?:ecg|ekg|electrocardiogram)\b", re.IGNORECASE)


def ecg(ctx: ProcContext) -> list[Suggestion]:
    for m in ECG_RE.finditer(ctx.text):
        l_start, l_end = ctx.line(m.start())
        line = ctx.text[l_start:l_end]
        if ctx.a.section_at(m.start()) in ("pmh", "family_history", "social_history"):
            continue
        if not re.search(r"\b(?:performed|obtained|done|interpreted|12-lead|12 lead|in office|today|shows|showed|"
                         r"reveals|revealed|nsr|sinus rhythm)\b", line, re.IGNORECASE):
            continue
        if re.search(r"\b(?:no ecg|ecg not|not indicated|prior|previous|outside|from \d{4}|ago|ordered|will)\b",
                     ctx.text[max(l_start, m.start() - 40):min(l_end, m.end() + 40)], re.IGNORECASE):
            continue
        tracing_only = re.search(r"\btracing only\b", line, re.IGNORECASE)
        interp_only = re.search(r"\binterpretation only\b|\bread only\b", line, re.IGNORECASE)
        code = "93005" if tracing_only else "93010" if interp_only else "93000"
        pointers = [c for c in ctx.dx_codes() if not c.startswith("Z")][:4]
        return [suggestion(ctx, code, rule="12-lead ECG with interpretation and report in the office", key="ecg",
                           evidence=[ctx.evidence(m.start(), m.end())], pointers=pointers)]
    return []


INJECTION_RE = re.compile(r"\b(?:ceftriaxone|rocephin|ketorolac|toradol|depo-?medrol|methylprednisolone|kenalog|"
                          r"triamcinolone|dexamethasone|decadron|b-?12|cyanocobalamin|depo-?provera|medroxyprogesterone|"
                          r"testosterone|bicillin|penicillin g|promethazine|phenergan|ondansetron)\b[^.\n]{0,60}"
                          r"\b(?:im|intramuscular(?:ly)?|subcutaneous(?:ly)?|sq|subq)\b|\b(?:im|intramuscular) (?:injection|"
                          r"dose) of\b", re.IGNORECASE)
JOINT_RE = re.compile(r"\b(?:intra-?articular|joint injection|injected (?:the|into the) (?:right |left |r |l )?(?:knee|"
                      r"shoulder|hip|elbow|wrist|ankle|subacromial)|(?:knee|shoulder|hip|subacromial|trochanteric) "
                      r"(?:joint |bursa )?(?:injection|aspiration|arthrocentesis))\b", re.IGNORECASE)


def injections(ctx: ProcContext) -> list[Suggestion]:
    out: list[Suggestion] = []
    m = next((m for m in INJECTION_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())
              and not re.search(r"vaccin|intralesional|ilk", ctx.text[max(0, m.start() - 40):m.end() + 20], re.I)), None)
    if m:
        out.append(suggestion(ctx, "96372", rule="therapeutic injection under the skin or into a muscle",
                              evidence=[ctx.evidence(m.start(), m.end())], key="injection",
                              pointers=[c for c in ctx.dx_codes() if not c.startswith("Z")][:4]))
    joints = [m for m in JOINT_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())]
    j = next((m for m in joints if ctx.a.section_at(m.start()) == "procedure"), joints[0] if joints else None)
    if j:
        line = ctx.text[slice(*ctx.line(j.start()))].lower()
        us = bool(re.search(r"\bultrasound|\bus[- ]guid", line)) and not re.search(
            r"\b(?:no|without|not)\s+(?:\w+\s+)?(?:ultrasound|us\b)", line)
        if re.search(r"knee|shoulder|hip|subacromial|trochanter", line):
            code = "20611" if us else "20610"
        elif re.search(r"wrist|elbow|ankle|olecranon", line):
            code = "20606" if us else "20605"
        else:
            code = "20604" if us else "20600"
        side = ("RT" if re.search(r"\b(?:right|rt|r)\b", line) else "LT" if re.search(r"\b(?:left|lt|l)\b", line) else "")
        out.append(suggestion(ctx, code, rule="joint injection or aspiration" + (" with ultrasound" if us else ""),
                              evidence=[ctx.evidence(j.start(), j.end())], key="joint_injection",
                              modifiers=[side] if side else [], pointers=[c for c in ctx.dx_codes()
                                                                          if not c.startswith("Z")][:4]))
    return out


CERUMEN_RE = re.compile(r"\b(?:cerumen|ear ?wax)\b[^.\n]{0,60}\b(?:removed|removal|disimpact\w*|extracted|cleared)\b|"
                        r"\b(?:removed|removal of|disimpaction of)\b[^.\n]{0,30}\b(?:cerumen|ear ?wax)\b", re.IGNORECASE)


def cerumen(ctx: ProcContext) -> list[Suggestion]:
    m = next((m for m in CERUMEN_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
    if m is None:
        return []
    line = ctx.text[slice(*ctx.line(m.start()))].lower()
    instrument = re.search(r"curette|forceps|loop|suction|instrument", line)
    code = "69210" if instrument else "69209"
    bilateral = re.search(r"\b(?:bilateral|bilat|both ears|b/l)\b", line)
    return [suggestion(ctx, code, rule="impacted ear wax removed " + ("with instruments" if instrument else "by irrigation"),
                       evidence=[ctx.evidence(m.start(), m.end())], key="cerumen", modifiers=["50"] if bilateral else [],
                       pointers=ctx.dx_codes("H61.2") or ctx.dx_codes()[:1])]


TOBACCO_COUNSEL = re.compile(r"(?:smoking|tobacco|nicotine) cessation[^.\n]{0,80}?(\d{1,2})\s*(?:min|minutes)|"
                             r"(\d{1,2})\s*(?:min|minutes)[^.\n]{0,60}(?:smoking|tobacco|nicotine) cessation|"
                             r"\b(?:cessation|quitting)\b[^.\n]{0,40}?(\d{1,2})\s*(?:min|minutes)", re.IGNORECASE)
TOBACCO_WORDS = re.compile(r"\b(?:smok\w*|tobacco|nicotine|cigarettes?|vap\w*|chew\w*)\b", re.IGNORECASE)


def tobacco_counseling(ctx: ProcContext) -> list[Suggestion]:
    m = next((m for m in TOBACCO_COUNSEL.finditer(ctx.text) if m.group(1) or m.group(2)
              or TOBACCO_WORDS.search(ctx.text, *ctx.line(m.start()))), None)
    if not m:
        return []
    minutes = int(m.group(1) or m.group(2) or m.group(3))
    if minutes < 3:
        return []
    code = "99407" if minutes > 10 else "99406"
    return [suggestion(ctx, code, rule=f"quit-smoking counseling, {minutes} minutes", key="counseling",
                       evidence=[ctx.evidence(m.start(), m.end())], pointers=ctx.dx_codes("F17", "Z72")[:4])]


VENIPUNCTURE_RE = re.compile(r"\bvenipuncture\b|\b(?:labs?|blood|specimens?)\s+(?:was\s+|were\s+)?(?:drawn|collected|obtained)\s+"
                             r"(?:today\s+)?(?:in|at)\s+(?:the\s+)?(?:office|clinic)\b|\bdrawn in (?:the )?(?:office|clinic)\b|"
                             r"\bin-?office (?:blood )?draw\b", re.IGNORECASE)


def venipuncture(ctx: ProcContext) -> list[Suggestion]:
    m = next((m for m in VENIPUNCTURE_RE.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
    if m is None:
        return []
    return [suggestion(ctx, "36415", rule="blood drawn from a vein in the office", key="venipuncture",
                       evidence=[ctx.evidence(m.start(), m.end())],
                       pointers=[c for c in ctx.dx_codes() if not c.startswith("Z")][:4])]


SIMPLE_PROCEDURES: list[tuple[re.Pattern[str], str, str, str]] = [
    (re.compile(r"\b(?:albuterol|duoneb|ipratropium)?\s*neb(?:ulizer|ulized)?\s+(?:treatment|tx)\b[^.\n]{0,40}\b(?:given|"
                r"administered|in (?:the )?office|in clinic)\b|\bnebulizer treatment\b", re.IGNORECASE), "94640",
     "inhaled treatment given in the office", "nebulizer"),
    (re.compile(r"\b(?:ppd|tb skin test|tuberculin skin test|mantoux)\b[^.\n]{0,30}\b(?:placed|planted|administered)\b",
                re.IGNORECASE), "86580", "tuberculosis skin test placed", "ppd"),
    (re.compile(r"\b(?:comedone|comedonal)\s+extraction\b|\bextraction of (?:open |closed )?comedones\b|\bacne surgery\b",
                re.IGNORECASE), "10040", "acne surgery (comedone extraction)", "acne_surgery"),
    (re.compile(r"\bspirometry\b[^.\n]{0,40}\b(?:performed|done|obtained|shows|showed|reveals)\b", re.IGNORECASE),
     "94010", "spirometry performed in the office", "spirometry"),
]


def simple_procedures(ctx: ProcContext) -> list[Suggestion]:
    out = []
    for pattern, code, rule, key in SIMPLE_PROCEDURES:
        m = next((m for m in pattern.finditer(ctx.text) if ctx.performed(m.start(), m.end())), None)
        if m:
            out.append(suggestion(ctx, code, rule=rule, key=key, evidence=[ctx.evidence(m.start(), m.end())],
                                  pointers=[c for c in ctx.dx_codes() if not c.startswith("Z")][:4]))
    return out


def all_rules(ctx: ProcContext) -> list[Suggestion]:
    return [*vaccines(ctx), *office_tests(ctx), *ecg(ctx), *injections(ctx), *cerumen(ctx), *tobacco_counseling(ctx),
            *venipuncture(ctx), *simple_procedures(ctx)]
