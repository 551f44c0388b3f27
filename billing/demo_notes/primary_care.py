"""Primary-care scenarios: chronic disease follow-ups, acute visits with in-office tests, and vaccines.

Problem factories return `Problem`s carrying the MDM elements their text supports; chronic visits combine a
main problem with comorbidities so that MDM and diagnosis lists vary the way real panels do.
"""

from __future__ import annotations

from collections.abc import Callable

from .common import RTC, Coder, Ctx, Note, Problem, Scenario, Visit, add_em, history_lines, pick, render

Factory = Callable[[Ctx], Problem]

ROS_NEG = ("Denies chest pain, SOB or palpitations.", "No fevers, chills, or night sweats.",
           "Negative for headache, vision change, edema.", "Denies abdominal pain, N/V, melena.",
           "ROS otherwise negative x 10 systems.")
EXAM_BASE = ("Gen: NAD, well appearing.", "HEENT: normocephalic, TMs clear, oropharynx without exudate.",
             "Neck: supple, no lymphadenopathy, no thyromegaly.", "CV: RRR, no murmurs, rubs or gallops.",
             "Lungs: CTAB, no wheezes or crackles.", "Abd: soft, NT/ND, normal bowel sounds.",
             "Ext: no edema.", "Psych: normal mood and affect.")


def _vitals(ctx: Ctx, sbp: tuple[int, int] = (108, 128), bmi: float | None = None) -> str:
    rng = ctx.rng
    s = rng.randint(*sbp)
    b = bmi if bmi is not None else round(rng.uniform(20.5, 29.5), 1)
    parts = [f"BP {s}/{rng.randint(62, min(s - 30, 96))}", f"HR {rng.randint(58, 96)}",
             f"T {rng.choice((97.8, 98.1, 98.4, 98.6, 98.9))}", f"SpO2 {rng.randint(95, 99)}%"]
    if ctx.age >= 18:
        parts.append(f"BMI {b}")
    return "Vitals: " + ", ".join(parts) + "."


def htn(ctx: Ctx) -> Problem:
    rng = ctx.rng
    drug = pick(rng, ("lisinopril 20 mg", "amlodipine 5 mg", "losartan 50 mg", "HCTZ 25 mg"))
    if rng.random() < 0.6:
        return Problem(("I10",), "HTN, controlled", pick(rng, (f"At goal. Continue {drug} daily; refills sent.",
                       f"Continue {drug}. Home BP log reviewed, avg 124/78. Low-sodium diet."))
                       , 3, 4, "BP check", f"HTN on {drug}, adherent, no side effects.", "", chronic=True)
    return Problem(("I10",), "Hypertension, uncontrolled", pick(rng, (
        f"Above goal x2 visits. Increase {drug} (dose doubled); recheck BMP 2 wks; home BP log.",
        f"Not at goal on {drug}. Add chlorthalidone 12.5 mg daily. DASH diet reviewed.")),
        4, 4, "BP f/u", f"HTN on {drug}; home readings 140s-150s/90s. Denies headache or vision changes.",
        "", chronic=True)


def hld(ctx: Ctx) -> Problem:
    rng = ctx.rng
    code, label = pick(rng, (("E78.5", "Hyperlipidemia"), ("E78.2", "Mixed hyperlipidemia"),
                             ("E78.00", "Pure hypercholesterolemia")))
    ldl = rng.randint(88, 175)
    fam = rng.random() < 0.2
    plan = pick(rng, (f"LDL {ldl}. Continue atorvastatin 40 mg; refills.", f"LDL {ldl} on rosuvastatin 10 mg, "
                      "tolerating. Continue, repeat lipids 6 mo.", f"LDL {ldl}. Start atorvastatin 20 mg; "
                      "myalgia precautions.")) + (" Family hx of premature CAD (father MI at 48) raises ASCVD risk."
                                                   if fam else "")
    return Problem((code,), label, plan, 3, 4, "cholesterol f/u", f"{label} on statin, no myalgias.", "",
                   chronic=True, extra=("Z82.49",) if fam else ())


def diabetes(ctx: Ctx) -> Problem:
    """T2DM: controlled (E11.9), uncontrolled (E11.65) or with CKD 3 (E11.22 + N18.3x), with drug-status codes."""
    rng = ctx.rng
    a1c = round(rng.uniform(6.2, 7.4), 1)
    v = rng.random()
    if v < 0.4:
        return Problem(("E11.9",), "T2DM without complications", f"A1c {a1c}. Continue metformin 1000 mg BID; "
                       "annual eye exam and foot exam up to date.", 3, 4, "diabetes f/u",
                       "T2DM on metformin, no hypoglycemia. Denies polyuria.", "Foot exam: monofilament intact.",
                       chronic=True, extra=("Z79.84",))
    if v < 0.75:
        a1c = round(rng.uniform(8.6, 11.5), 1)
        insulin = rng.random() < 0.5
        plan = (f"A1c {a1c}, poorly controlled. " + ("Increase glargine to 24 units qhs; continue metformin. "
                "Hypoglycemia teaching." if insulin else "Add empagliflozin 10 mg daily to metformin."))
        return Problem(("E11.65",), "Type 2 diabetes mellitus with hyperglycemia (uncontrolled)", plan, 4, 4,
                       "diabetes, high sugars", f"T2DM, home sugars 180-250, A1c {a1c}.", "",
                       chronic=True, extra=("Z79.4", "Z79.84") if insulin else ("Z79.84",))
    stage = pick(rng, ("3a", "3b"))
    egfr = rng.randint(46, 58) if stage == "3a" else rng.randint(31, 44)
    return Problem(("E11.22", {"3a": "N18.31", "3b": "N18.32"}[stage]), f"T2DM with diabetic CKD stage {stage}",
                   f"eGFR {egfr}, UACR elevated. Continue metformin (dose-adjusted) and empagliflozin; "
                   "avoid NSAIDs; nephrology referral discussed.", 4, 4, "diabetes/kidney f/u",
                   f"T2DM with CKD stage {stage}, eGFR {egfr}.", "", chronic=True, extra=("Z79.84",))


def htn_ckd(ctx: Ctx, stage_code: str) -> Problem:
    """Hypertension with CKD is coded I12.9 (plus the CKD stage), never I10."""
    return Problem(("I12.9", stage_code), "Hypertension with CKD", pick(ctx.rng, (
        "BP 128/76 on losartan 100 mg; continue, BMP in 3 mo.", "BP at goal on lisinopril; continue, refills.")),
        3, 4, "", "", "", chronic=True)


def obesity(ctx: Ctx) -> Problem:
    rng = ctx.rng
    bmi = round(rng.uniform(30.0, 49.9), 1)
    z = f"Z68.{int(bmi)}" if bmi < 40 else ("Z68.41" if bmi < 45 else "Z68.42")
    return Problem(("E66.9",), f"Obesity, BMI {bmi}", pick(rng, (
        "Diet/exercise counseling; discussed GLP-1 options, start semaglutide (Rx) if covered.",
        "Lifestyle modification, food log, 150 min/wk activity; nutrition referral.")), 3, 3,
        "weight", f"Weight gain over {rng.randint(1, 5)} years. BMI today {bmi}.", "", chronic=True, extra=(z,))


def prediabetes(ctx: Ctx) -> Problem:
    rng = ctx.rng
    a1c = round(rng.uniform(5.7, 6.4), 1)
    fam = rng.random() < 0.4
    return Problem(("R73.03",), "Prediabetes", f"A1c {a1c}. Diet, exercise, 5-7% weight loss goal; repeat A1c "
                   "6 mo." + (" Family hx of T2DM (mother) noted - higher risk." if fam else ""), 3, 2,
                   "lab f/u", f"Recent A1c {a1c}. No polyuria or polydipsia.", "", chronic=True,
                   extra=("Z83.3",) if fam else ())


def hypothyroid(ctx: Ctx) -> Problem:
    rng = ctx.rng
    tsh = round(rng.uniform(0.8, 7.5), 2)
    return Problem(("E03.9",), "Hypothyroidism", f"TSH {tsh}. " + ("Increase levothyroxine to 100 mcg." if tsh > 4.5
                   else "Continue levothyroxine 75 mcg daily."), 4 if tsh > 4.5 else 3, 4, "thyroid f/u",
                   "Hypothyroidism on levothyroxine. Denies palpitations, heat/cold intolerance.", "", chronic=True)


def gerd(ctx: Ctx) -> Problem:
    rng = ctx.rng
    return Problem(("K21.9",), "GERD", pick(rng, ("Continue omeprazole 20 mg daily; diet/elevation of HOB.",
                   "Start famotidine 20 mg BID (Rx); avoid late meals.")), 3, 4, "heartburn",
                   "Heartburn after meals. Denies dysphagia, weight loss, melena.", "", chronic=True)


def copd(ctx: Ctx) -> Problem:
    rng = ctx.rng
    current = rng.random() < 0.45
    quit_year = rng.randint(1995, 2022)
    return Problem(("J44.9",) + (("F17.210",) if current else ()), "COPD, stable" + (
        "; current cigarette smoker, 1 ppd - advised to quit" if current else
        f"; former smoker (quit {quit_year}), hx of nicotine dependence"),
        "Continue tiotropium daily + albuterol prn; refills. Pneumococcal status reviewed.", 3, 4, "COPD f/u",
        "COPD, stable dyspnea on exertion, no recent exacerbation. Denies fever or sputum change.",
        "Lungs: diminished BS, no wheezes.", chronic=True, extra=() if current else ("Z87.891",))


def asthma(ctx: Ctx) -> Problem:
    rng = ctx.rng
    code, title, plan, lvl = pick(rng, (
        ("J45.20", "Mild intermittent asthma", "Albuterol prn, refill sent. Symptoms < 2 days/wk.", 3),
        ("J45.30", "Mild persistent asthma", "Continue fluticasone 44 mcg 2 puffs BID, albuterol prn.", 3),
        ("J45.31", "Mild persistent asthma with acute exacerbation", "Prednisone 40 mg x 5 d, albuterol q4h prn; "
         "return/ED if worsening.", 4),
        ("J45.40", "Moderate persistent asthma", "Continue budesonide-formoterol 160/4.5 BID; action plan.", 3),
        ("J45.909", "Asthma, uncomplicated", "Stable on albuterol prn; refill, spacer technique reviewed.", 3)))
    return Problem((code,), title, plan, lvl, 4, "asthma", "Asthma f/u; wheeze with exercise. No fever, "
                   "no nighttime awakenings." if lvl == 3 else "Wheezing and cough x 3 days after a cold.",
                   "Lungs: " + ("scattered expiratory wheezes, no retractions." if lvl == 4 else "clear."))


def sinusitis(ctx: Ctx) -> Problem:
    d = ctx.rng.randint(10, 16)
    return Problem(("J01.90",), "Acute sinusitis", "Amoxicillin-clavulanate 875 mg BID x 7 d (Rx), saline rinses.",
                   3, 4, "sinus congestion", f"Congestion, facial pressure x {d} days, worsening after initial "
                   "improvement. Denies vision change.", "HEENT: maxillary sinus tenderness, purulent nasal drainage.")


def cold(ctx: Ctx) -> Problem:
    return Problem(("J00",), "Common cold (viral URI)", "Supportive care: fluids, honey, OTC saline; no antibiotics "
                   "indicated.", 2, 3, "cold symptoms", f"Runny nose, sneezing, sore throat x {ctx.rng.randint(2, 5)} "
                   "days. Denies fever or SOB.", "HEENT: clear rhinorrhea, mild pharyngeal erythema. Lungs: clear.")


def back_pain(ctx: Ctx) -> Problem:
    rx = ctx.rng.random() < 0.5
    return Problem(("M54.50",), "Low back pain, acute mechanical", ("Cyclobenzaprine 5 mg qhs prn (Rx), " if rx
                   else "OTC naproxen, ") + "heat, stay active; PT if not improving.", 3, 4 if rx else 3,
                   "low back pain", "Low back pain after lifting x 1 wk. Denies radiation, numbness, weakness, "
                   "bowel/bladder changes.", "Back: paraspinal tenderness L4-5, SLR negative bilaterally, strength 5/5.")


def mood(ctx: Ctx) -> Problem:
    rng = ctx.rng
    code, label, tool = pick(rng, (("F32.A", "Depression", "PHQ-9"), ("F41.1", "Generalized anxiety disorder", "GAD-7")))
    worse = rng.random() < 0.5
    return Problem((code,), label + (", worsening" if worse else ", stable on SSRI"), (
        "Increase sertraline to 100 mg daily; therapy referral; safety plan reviewed." if worse else
        "Continue sertraline 50 mg daily, refills."), 4 if worse else 3, 4, "mood f/u",
        f"{tool} {rng.randint(10, 18) if worse else rng.randint(3, 8)}. Denies SI/HI.", "", chronic=True)


def constipation(ctx: Ctx) -> Problem:
    fam = ctx.age >= 40 and ctx.rng.random() < 0.4
    return Problem(("K59.00",), "Constipation", "OTC polyethylene glycol daily, fiber, fluids." + (
        " Family history of colon cancer (father, age 60) - colonoscopy referral placed." if fam else ""), 3, 3,
        "constipation", "Hard infrequent stools x 3 wks. Denies blood in stool, weight loss.", "Abd: soft, mild LLQ "
        "fullness, no rebound.", extra=("Z80.0",) if fam else ())


CHRONIC_POOL: tuple[Factory, ...] = (hld, gerd, hypothyroid, obesity, prediabetes, mood)


def _chronic(name: str, main: Factory, pool: tuple[Factory, ...] = CHRONIC_POOL,
             labs_p: float = 0.3) -> Callable[[Ctx], Visit]:
    """A chronic-care visit: main problem plus 0-2 comorbidities; maybe labs drawn (36415) or a flu shot."""

    def build(ctx: Ctx) -> Visit:
        rng = ctx.rng
        problems = [main(ctx)]
        for _ in range(int(rng.random() * 3)):
            p = pool[int(rng.random() * len(pool))](ctx)
            if all(p.dx[0] != q.dx[0] and not (p.dx[0] == "R73.03" and q.dx[0].startswith("E11"))
                   for q in problems) and not (p.dx[0] == "E66.9" and ctx.age < 20):
                problems.append(p)
        if problems[0].dx[0] == "E11.22" and rng.random() < 0.6:
            problems.append(htn_ckd(ctx, problems[0].dx[1]))
        elif problems[0].dx[0].startswith("E11") and rng.random() < 0.5:
            problems.append(htn(ctx))
        return _build(ctx, name, problems, labs=rng.random() < labs_p)

    return build


def _build(ctx: Ctx, name: str, problems: list[Problem], *, labs: bool = False,
           test: tuple[str, str, str] | None = None) -> Visit:
    """Assemble note + codes; `test` = (code, dx, result text) for an in-office test (no modifier 25)."""
    rng = ctx.rng
    note, coder = Note(cc=problems[0].cc or "f/u"), Coder()
    note.hpi = [p.hpi for p in problems if p.hpi]
    note.hist = history_lines(ctx)
    note.ros = [pick(rng, ROS_NEG)]
    bmi = next((float(p.title.split()[-1]) for p in problems if p.dx[0] == "E66.9"), None)
    htn = [p for p in problems if p.dx[0] in ("I10", "I12.9")]
    sbp = (142, 162) if any("uncontrolled" in p.title for p in htn) else (116, 134) if htn else (104, 128)
    note.exam = [_vitals(ctx, sbp, bmi)]
    specific = " ".join(p.exam for p in problems if p.exam)
    base = [EXAM_BASE[i] for i in sorted(rng.sample(range(len(EXAM_BASE)), 4))]
    note.exam += [b for b in base if b.split(":")[0] + ":" not in specific] + ([specific] if specific else [])
    data = 2
    if labs:
        data = 3
        note.tail.append(pick(rng, ("Labs ordered today: CMP and lipid panel; drawn in office (venipuncture).",
                                    "Venipuncture in clinic for CMP, A1c and lipid panel.")))
    if test is not None:
        note.exam.append(test[2])
    add_em(ctx, coder, note, problems, data=data)
    if labs:
        coder.add("36415", 1, *problems[0].dx[:1])
    if test is not None:
        coder.add(test[0], 1, test[1])
    if ctx.age >= 19 and rng.random() < 0.12:
        _vaccines(ctx, coder, note, flu_only=True)
    note.tail.append(pick(rng, RTC))
    return coder.visit(ctx, name, render(ctx, note))


def _vaccines(ctx: Ctx, coder: Coder, note: Note, flu_only: bool = False) -> str:
    """Vaccine products with 90471 for the first administration and 90472 per additional one."""
    rng = ctx.rng
    shots = [("90686", "influenza vaccine, quadrivalent PF, 0.5 mL IM L deltoid")]
    if not flu_only and rng.random() < 0.5:
        shots = [("90715", "Tdap 0.5 mL IM R deltoid")] + (shots if rng.random() < 0.5 else [])
    for code, _ in shots:
        coder.add(code, 1, "Z23")
    coder.add("90471", 1, "Z23")
    if len(shots) > 1:
        coder.add("90472", len(shots) - 1, "Z23")
    note.ap.append(("Encounter for immunization", "; ".join(t for _, t in shots) + ". VIS given, no reaction "
                    "after 15 min observation."))
    return " and ".join("flu shot" if c == "90686" else "Tdap" for c, _ in shots)


def vaccine_visit(ctx: Ctx) -> Visit:
    """Nurse vaccine visit: no E/M, just products, administrations and Z23."""
    rng = ctx.rng
    note, coder = Note(cc="vaccines"), Coder()
    note.hist = ["Allergies: " + pick(rng, ("NKDA", "none to vaccine components", "latex (rash)"))]
    note.exam = [_vitals(ctx)]
    names = _vaccines(ctx, coder, note)
    note.hpi = [pick(rng, (f"Here for {names}.", f"Due for {names}; nurse visit.", f"Immunization visit only ({names}).")) +
                " Denies fever today, no prior reactions."]
    return coder.visit(ctx, "vaccine", render(ctx, note))


def pharyngitis(ctx: Ctx) -> Visit:
    rng = ctx.rng
    pos = rng.random() < 0.45
    kid = ctx.age < 12
    p = Problem(("J02.0",) if pos else ("J02.9",), "Strep pharyngitis" if pos else "Acute pharyngitis, likely viral",
                "Amoxicillin 50 mg/kg/day x 10 d (Rx)." if pos else "Supportive care, OTC analgesics, salt water "
                "gargles.", 3, 4 if pos else 3, "sore throat", f"Sore throat, fever x {rng.randint(1, 4)} days. "
                "Denies cough." + (" History from mother (independent historian)." if kid else ""),
                "HEENT: tonsillar erythema and exudate. Neck: tender anterior cervical nodes.")
    return _build(ctx, "pharyngitis", [p], test=("87880", p.dx[0], f"Rapid strep antigen: {'POSITIVE' if pos else 'negative'}."))


def uti(ctx: Ctx) -> Visit:
    rng = ctx.rng
    auto = rng.random() < 0.5
    p = Problem(("N39.0",), "Acute UTI, uncomplicated", "Nitrofurantoin 100 mg BID x 5 d (Rx); fluids; culture sent.",
                3, 4, "burning with urination", f"Dysuria and frequency x {rng.randint(2, 5)} days. Denies fever, "
                "flank pain or vaginal discharge.", "Abd: mild suprapubic tenderness, no CVA tenderness.")
    ua = ("Urine dipstick (automated analyzer): " if auto else "Manual urine dipstick: ") + "+LE, +nitrite, trace blood."
    return _build(ctx, "uti", [p], test=("81003" if auto else "81002", "N39.0", ua))


def chest_wall(ctx: Ctx) -> Visit:
    rng = ctx.rng
    rx = rng.random() < 0.5
    p = Problem(("R07.89",), "Chest wall pain, probable costochondritis", ("Meloxicam 15 mg daily x 10 d (Rx). "
                if rx else "OTC ibuprofen, heat. ") + "ED precautions for exertional pain or SOB.", 4, 4 if rx else 3,
                "chest pain", f"Sharp L chest pain x {rng.randint(2, 10)} days, worse with movement and deep breath. "
                "Denies exertional pain, diaphoresis, SOB.", "Reproducible tenderness at L 3rd-4th costochondral "
                "junctions. No rash.")
    return _build(ctx, "chest_wall_pain", [p], test=("93000", "R07.89", "12-lead ECG (interpreted by me): NSR, "
                                                     "rate 72, no acute ST-T changes."))


def _acute(name: str, factory: Factory) -> Callable[[Ctx], Visit]:
    def build(ctx: Ctx) -> Visit:
        return _build(ctx, name, [factory(ctx)])

    return build


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("hypertension", "primary_care", _chronic("hypertension", htn), 2.0, 25),
    Scenario("hyperlipidemia", "primary_care", _chronic("hyperlipidemia", hld, (htn, gerd, prediabetes, obesity)), 1.2, 25),
    Scenario("diabetes", "primary_care", _chronic("diabetes", diabetes, (hld, obesity, gerd, mood), 0.4), 1.8, 25),
    Scenario("obesity", "primary_care", _chronic("obesity", obesity, (prediabetes, hld, htn)), 0.6, 20),
    Scenario("prediabetes", "primary_care", _chronic("prediabetes", prediabetes, (obesity, hld)), 0.5, 18),
    Scenario("hypothyroidism", "primary_care", _chronic("hypothyroidism", hypothyroid), 0.6, 18),
    Scenario("gerd", "primary_care", _chronic("gerd", gerd, (obesity, mood)), 0.5, 18),
    Scenario("copd", "primary_care", _chronic("copd", copd, (htn, hld, gerd)), 0.6, 45),
    Scenario("asthma", "primary_care", _acute("asthma", asthma), 0.7, 5),
    Scenario("sinusitis", "primary_care", _acute("sinusitis", sinusitis), 0.7, 5),
    Scenario("common_cold", "primary_care", _acute("common_cold", cold), 0.7),
    Scenario("pharyngitis", "primary_care", pharyngitis, 0.8, 3),
    Scenario("uti", "primary_care", uti, 0.7, 12, sexes="F"),
    Scenario("low_back_pain", "primary_care", _acute("low_back_pain", back_pain), 0.7, 18),
    Scenario("depression_anxiety", "primary_care", _chronic("depression_anxiety", mood, (htn, hld, gerd)), 0.8, 16),
    Scenario("constipation", "primary_care", _acute("constipation", constipation), 0.5, 2),
    Scenario("chest_wall_pain", "primary_care", chest_wall, 0.5, 18),
    Scenario("vaccine", "primary_care", vaccine_visit, 0.6, 19),
)
