"""Dermatology procedure scenarios: destructions, biopsies, excisions, Mohs and intralesional injections.

Each scenario writes the note and codes it with the shared rule helpers, so a note's sizes, counts and
sites always match its codes. A separately identifiable problem sometimes gets an E/M (modifier 25).
"""

from __future__ import annotations

from .common import (
    ALL_SKIN_SITES,
    ANESTHESIA,
    CONSENT,
    EYELID_SITES,
    FACE_SITES,
    HAND_FOOT_SITES,
    LIMB_SITES,
    RTC,
    SCALP_NECK_SITES,
    TRUNK_SITES,
    WOUND_CARE,
    Coder,
    Ctx,
    Note,
    Scenario,
    Site,
    Visit,
    add_em,
    ak_destruction,
    benign_destruction,
    biopsy_codes,
    excised_diameter_cm,
    excision_code,
    history_lines,
    intralesional_code,
    mohs_codes,
    pick,
    render,
    render_procedure,
    repair_code,
    site_dx,
    size_text,
)
from .derm import DERM_ROS, GENERAL_EXAM, side_problem


def _site(ctx: Ctx, pool: tuple[Site, ...]) -> Site:
    return pool[int(ctx.rng.random() * len(pool))]


def _finish(ctx: Ctx, name: str, note: Note, coder: Coder, em_p: float = 0.3) -> Visit:
    """Sometimes add a separately identifiable E/M (gets 25) or a reassurance-only aside (no E/M, no code)."""
    rng = ctx.rng
    r = rng.random()
    if r < em_p:
        prob = side_problem(ctx)
        note.hpi.append(prob.hpi)
        note.exam.append(prob.exam)
        add_em(ctx, coder, note, [prob], time_p=0.3, procedure=True)
    elif r < em_p + 0.15 and ctx.age >= 30:
        note.hpi.append(pick(rng, ("Also asks about brown spots on back.", "Pt points out a spot on the chest.")))
        note.ap.append(("Benign-appearing lesion, pt concern", pick(rng, (
            "Examined, benign appearing; reassurance given, no tx.", "Reassured; no treatment needed."))))
    note.tail.append(pick(rng, RTC))
    return coder.visit(ctx, name, render(ctx, note))


def _note(ctx: Ctx, cc: str, hpi: str, exam: str) -> Note:
    rng = ctx.rng
    return Note(cc=cc, hpi=[hpi], hist=history_lines(ctx), ros=[pick(rng, DERM_ROS)],
                exam=[pick(rng, GENERAL_EXAM)] + ([exam] if exam else []))


AK_AREAS = ("face and scalp", "dorsal hands and forearms", "ears, nose and cheeks", "balding scalp",
            "forehead and temples", "upper chest and shoulders")


def ak_destruction_visit(ctx: Ctx) -> Visit:
    """AKs destroyed with LN2: 17000/17003 up to 14, 17004 for 15+."""
    rng = ctx.rng
    r = rng.random()
    n = 1 if r < 0.2 else rng.randint(15, 35) if r > 0.82 else rng.randint(2, 14)
    area = pick(rng, AK_AREAS)
    note = _note(ctx, "rough spots", pick(rng, (
        f"Rough scaly spots on {area}, some tender.", f"Here for AKs on {area}; hx of prior LN2.",
        f"Pt notes gritty lesions on {area} x months."
    )), f"{'One' if n == 1 else n} erythematous gritty keratotic papule{'s' if n > 1 else ''} on {area}, "
        f"c/w AK{'s' if n > 1 else ''}. No ulceration or induration.")
    note.ap.append(("Actinic keratoses" if n > 1 else "Actinic keratosis", f"LN2 destruction of {n} AK"
                    f"{'s' if n > 1 else ''} today. Sun protection; consider field tx (5-FU) if recurrent."))
    note.proc.append(pick(rng, (
        f"Destruction of premalignant lesions: {n} AK(s) on {area} treated with LN2, 2 freeze-thaw cycles. ",
        f"Cryotherapy (LN2) x {n} lesion{'s' if n > 1 else ''}, {area}; 1-2 freeze-thaw cycles, 10-15 sec each. ",
    )) + pick(rng, ("Verbal consent obtained; expect redness, blistering, crusting.",
                    "Risks incl. blister, hypopigmentation reviewed; pt agreed. Post-care sheet given.")))
    coder = Coder()
    for code, units in ak_destruction(n):
        coder.add(code, units, "L57.0")
    return _finish(ctx, "ak_destruction", note, coder)


def _benign_destruction(ctx: Ctx, name: str, lesions: list[tuple[str, str, str, int]], cc: str, hpi: str,
                        method: str) -> Visit:
    """Shared body for SK / wart / molluscum destruction: one 17110/17111 line for all lesions.

    `lesions` holds (ICD code, assessment title, exam description, count).
    """
    rng = ctx.rng
    n = sum(k for *_, k in lesions)
    found = "; ".join(f"{k} {desc}" for _, _, desc, k in lesions)
    note = _note(ctx, cc, hpi, f"Exam: {found}.")
    for _code, title, _desc, k in lesions:
        note.ap.append((title, f"{k} lesion{'s' if k > 1 else ''} treated with {method}."))
    note.proc.append(f"Destruction of benign lesions ({n} total) by {method}. " + pick(rng, (
        "Consent obtained; expect blistering, may need repeat tx in 3-4 wks.",
        "Risks: pain, blister, dyspigmentation, recurrence. Consented. Petrolatum to sites.")))
    coder = Coder()
    coder.add(benign_destruction(n), 1, *(c for c, *_ in lesions))
    return _finish(ctx, name, note, coder, 0.2)


def sk_destruction(ctx: Ctx) -> Visit:
    rng = ctx.rng
    n = rng.randint(15, 22) if rng.random() < 0.15 else rng.randint(1, 8)
    where = pick(rng, ("under the bra line", "at the waistband", "on the neck", "on the back", "on the scalp"))
    return _benign_destruction(
        ctx, "sk_destruction", [("L82.0", "Inflamed/irritated seborrheic keratoses",
                                     f"irritated SK{'s' if n > 1 else ''} {where}", n)], "itchy growths",
        pick(rng, (f"Growths {where} catch on clothing, itch and bleed.", f"Inflamed, irritated SKs {where}.")),
        "LN2 cryotherapy")


def wart_destruction(ctx: Ctx) -> Visit:
    rng = ctx.rng
    lesions: list[tuple[str, str, int]] = []
    if rng.random() < 0.7:
        k = rng.randint(1, 16 if rng.random() < 0.1 else 6)
        where = pick(rng, ('right hand fingers', 'left knee', 'dorsal hands'))
        lesions.append(("B07.8", "Verruca vulgaris", f"common wart{'s' if k > 1 else ''} on {where}", k))
    if not lesions or rng.random() < 0.4:
        k = rng.randint(1, 5)
        where = pick(rng, ('right heel', 'left plantar forefoot', 'both soles'))
        lesions.append(("B07.0", "Plantar wart" + ("s" if k > 1 else ""), f"plantar wart{'s' if k > 1 else ''} on {where}", k))
    return _benign_destruction(ctx, "wart_destruction", lesions, "warts",
                               pick(rng, ("Warts present for months, failed OTC salicylic acid.",
                                          "Painful warts, tried duct tape and OTC freeze.")),
                               pick(rng, ("LN2 cryotherapy", "paring then LN2", "cantharidin application")))


def molluscum_destruction(ctx: Ctx) -> Visit:
    rng = ctx.rng
    n = rng.randint(3, 30)
    return _benign_destruction(
        ctx, "molluscum_destruction", [("B08.1", "Molluscum contagiosum", "umbilicated pearly papules on "
                                         f"{pick(rng, ('trunk', 'axilla and flank', 'inner thighs'))}", n)],
        "bumps", pick(rng, ("Parent reports spreading bumps x 3 months; sibling had same.",
                            "Molluscum spreading despite watchful waiting.")),
        pick(rng, ("curettage", "cantharidin 0.7% application", "LN2 cryotherapy")))


# ---------------------------------------------------------------- biopsies
SUSPECT = {"bcc": ("pearly papule with arborizing telangiectasia", "r/o BCC"),
           "scc": ("hyperkeratotic pink nodule", "concern for SCC"),
           "sccis": ("scaly pink plaque", "r/o SCC in situ vs AK"),
           "mis": ("irregularly pigmented macule", "atypical nevus vs melanoma"),
           "nevus": ("asymmetric brown macule", "r/o dysplastic nevus"),
           "benign": ("firm brown dimpling papule", "probable dermatofibroma, r/o other"),
           "sk": ("waxy stuck-on papule", "SK vs SCC")}
PATH = {"bcc": ("nodular basal cell carcinoma", "superficial BCC", "basal cell carcinoma, infiltrative type"),
        "scc": ("invasive squamous cell carcinoma, well differentiated", "SCC, keratoacanthoma type"),
        "sccis": ("squamous cell carcinoma in situ", "SCC in situ (Bowen disease)"),
        "mis": ("melanoma in situ", "malignant melanoma in situ, lentigo maligna type"),
        "nevus": ("compound nevus with mild atypia", "benign intradermal nevus", "junctional nevus"),
        "benign": ("dermatofibroma",), "sk": ("seborrheic keratosis",)}
METHOD_TEXT = {"tangential": ("shave (tangential) bx", "tangential biopsy with DermaBlade", "deep shave bx"),
               "punch": ("4 mm punch bx, 1 simple suture", "3 mm punch biopsy", "punch bx (4 mm)"),
               "incisional": ("incisional wedge bx to fat", "incisional biopsy, closed with 4-0 nylon")}


def _biopsy(ctx: Ctx, final: bool) -> Visit:
    """1-3 biopsies by mixed methods; pending path codes D49.2 (or R21 for a rash), final path codes the result."""
    rng = ctx.rng
    n = 1 if rng.random() < 0.55 else rng.randint(2, 3)
    rash = not final and rng.random() < 0.15
    methods, sites, kinds = [], [], []
    for _ in range(1 if rash else n):
        r = rng.random()
        methods.append("punch" if rash or r < 0.3 else "incisional" if r > 0.93 else "tangential")
        sites.append(_site(ctx, ALL_SKIN_SITES))
        kinds.append(pick(rng, tuple(SUSPECT)))
    note = _note(ctx, "spot check" if not rash else "rash", pick(rng, (
        "Changing lesion(s) noted by spouse.", "Pt concerned about new spot(s), one bled.",
        "Referred by PCP for suspicious lesion(s).")) if not rash else "Persistent itchy eruption x 3 months, "
        "failed topical steroids.", "")
    coder, letters = Coder(), "ABC"
    dx: list[str] = []
    for i, (method, site, kind) in enumerate(zip(methods, sites, kinds, strict=True)):
        mm = rng.randint(3, 14)
        morph, ddx = SUSPECT[kind]
        if rash:
            note.exam.append(f"Violaceous scaly papules on wrists and {site.text}; no mucosal lesions.")
            note.ap.append(("Rash, r/o lichen planus vs lichenoid drug eruption",
                            f"{METHOD_TEXT['punch'][0]} of {site.text}; path pending."))
            dx.append("R21")
            note.proc.append(f"{letters[i]}) {site.text}: {pick(rng, METHOD_TEXT[method])}.")
            continue
        note.exam.append(f"{letters[i]}) {size_text(rng, mm)} {morph} on the {site.text}.")
        code = site_dx(kind, site) if kind not in ("sk",) else "L82.1"
        if final:
            result = pick(rng, PATH[kind])
            note.ap.append((f"Neoplasm of {site.text}, {ddx}", f"bx done. Path final: {result}."))
            dx.append(code)
            note.tail.append(f"Addendum - pathology {letters[i]}: {result}.")
        else:
            note.ap.append((f"Lesion of {site.text}, {ddx}", "bx today, path pending; will call with results."))
            dx.append("D49.2")
        note.proc.append(f"{letters[i]}) {site.text}: {pick(rng, METHOD_TEXT[method])}. Hemostasis with AlCl3.")
    note.proc.append(pick(rng, CONSENT) + f" Local: {pick(rng, ANESTHESIA)}. " + pick(rng, WOUND_CARE))
    for code, idxs in biopsy_codes(methods):
        coder.add(code, len(idxs), *(dx[i] for i in idxs))
    return _finish(ctx, "biopsy_final" if final else "biopsy_pending", note, coder, 0.25)


def biopsy_pending(ctx: Ctx) -> Visit:
    return _biopsy(ctx, final=False)


def biopsy_final(ctx: Ctx) -> Visit:
    return _biopsy(ctx, final=True)


# ---------------------------------------------------------------- excisions and Mohs
EXC_SITES = FACE_SITES + SCALP_NECK_SITES + HAND_FOOT_SITES + TRUNK_SITES + LIMB_SITES
SCALP_SITES = tuple(s for s in SCALP_NECK_SITES if "scalp" in s.text)
LIPOMA_SITES = TRUNK_SITES + LIMB_SITES + SCALP_NECK_SITES[4:]


def _closure(ctx: Ctx, coder: Coder, site: Site, diam_mm: int, dx: str, force: bool | None = None) -> str:
    """Simple closure (included) or an intermediate layered repair coded by site family and length."""
    rng = ctx.rng
    if not (rng.random() < 0.45 if force is None else force):
        return pick(rng, ("Simple closure with 4-0 nylon interrupted sutures.",
                          "Closed primarily in a single layer with 5-0 Prolene.",
                          "Simple linear closure, single layer, 4-0 nylon."))
    length = round(diam_mm * rng.uniform(2.4, 3.4)) / 10
    coder.add(repair_code(site.repair, length), 1, dx)
    return pick(rng, (f"Intermediate layered repair: deep 4-0 Monocryl buried sutures, epidermis 5-0 nylon; "
                      f"final length {length:.1f} cm.",
                      f"Wound undermined; layered closure (intermediate repair) {length:.1f} cm with 5-0 Vicryl "
                      "and 6-0 Prolene."))


def _excision(ctx: Ctx, malignant: bool) -> Visit:
    rng = ctx.rng
    if malignant:
        kind = pick(rng, ("bcc", "bcc", "scc", "sccis", "mis"))
        site = _site(ctx, EXC_SITES)
        dx, mm = site_dx(kind, site), rng.randint(4, 22)
        margin = {"bcc": 4, "scc": rng.choice((4, 5, 6)), "sccis": rng.choice((3, 4)), "mis": 5}[kind]
        what = {"bcc": "biopsy-proven BCC", "scc": "bx-proven invasive SCC", "sccis": "SCC in situ (bx-proven)",
                "mis": "melanoma in situ, bx-proven"}[kind]
    else:
        kind = pick(rng, ("cyst", "cyst", "pilar", "lipoma", "nevus"))
        site = _site(ctx, {"pilar": SCALP_SITES, "lipoma": LIPOMA_SITES}.get(kind, EXC_SITES))
        dx = {"cyst": "L72.0", "pilar": "L72.11"}.get(kind) or site_dx("lipoma" if kind == "lipoma" else "nevus", site)
        mm = rng.randint(5, 35) if kind in ("cyst", "pilar", "lipoma") else rng.randint(3, 9)
        margin = rng.choice((1, 2)) if kind != "nevus" else 2
        what = {"cyst": "epidermal inclusion cyst", "pilar": "pilar cyst", "lipoma": "lipoma",
                "nevus": "compound nevus with moderate atypia on prior shave bx"}[kind]
    margin_txt = f"{margin} mm margins" if rng.random() < 0.6 else f"{margin}-{margin + 1} mm margins"
    diam = excised_diameter_cm(mm / 10, margin / 10)
    coder = Coder()
    coder.add(excision_code(site.exc, diam, malignant), 1, dx)
    closure = _closure(ctx, coder, site, round(diam * 10), dx)
    stated = pick(rng, (f" Excised diameter {diam:.1f} cm.", "", f" Total excised diameter {diam:.1f} cm."))
    fields = [("Pre-op diagnosis", f"{what}, {site.text}"), ("Post-op diagnosis", "Same"),
              ("Procedure", f"Excision, {'malignant' if malignant else 'benign'} lesion, {site.text}"),
              ("Indication", pick(rng, ("Symptomatic, inflamed recurrently.", "Definitive treatment.",
                                        "Growing, tender.")) if not malignant else "Definitive tx of malignancy."),
              ("Consent", pick(rng, CONSENT)), ("Anesthesia", pick(rng, ANESTHESIA)),
              ("Description", f"Lesion measured {size_text(rng, mm)} (greatest diameter). Elliptical excision with "
                              f"{margin_txt} to subcutaneous fat.{stated} {closure} Hemostasis with electrocautery."),
              ("Specimen", "Sent to dermpath, oriented with suture." if malignant else "Sent to pathology."),
              ("EBL", "Minimal."), ("Post-care", pick(rng, WOUND_CARE) + " Suture removal 10-14 days.")]
    if ctx.age > 40 and rng.random() < 0.4:
        fields.insert(3, ("History", pick(rng, ("Hx of BCC s/p Mohs.", "On aspirin 81 mg, not held.",
                                                "Denies bleeding disorders."))))
    return coder.visit(ctx, "malignant_excision" if malignant else "benign_excision",
                       render_procedure(ctx, fields), kind="procedure")


def benign_excision(ctx: Ctx) -> Visit:
    return _excision(ctx, malignant=False)


def malignant_excision(ctx: Ctx) -> Visit:
    return _excision(ctx, malignant=True)


def mohs(ctx: Ctx) -> Visit:
    """Mohs by site group with stage counts; second intention or an intermediate repair."""
    rng = ctx.rng
    head = rng.random() < 0.8
    site = _site(ctx, (FACE_SITES + SCALP_NECK_SITES + HAND_FOOT_SITES + EYELID_SITES) if head
                 else (TRUNK_SITES + LIMB_SITES))
    kind = pick(rng, ("bcc", "bcc", "scc"))
    dx = site_dx(kind, site)
    stages = rng.choice((1, 1, 2, 2, 2, 3, 4))
    pre, coder = rng.randint(5, 18), Coder()
    for code, units in mohs_codes(site.mohs, stages):
        coder.add(code, units, dx)
    defect = pre + 2 * stages + rng.randint(1, 4)
    if rng.random() < 0.35:
        repair = pick(rng, ("Defect left to heal by second intention.", "Healing by second intention; "
                            "petrolatum and pressure dressing."))
    else:
        repair = _closure(ctx, coder, site, defect, dx, force=True)
    stage_txt = "; ".join(f"stage {i}: {'2 blocks' if i == 1 else '1 block'}, "
                          f"{'clear' if i == stages else 'residual tumor at ' + str(rng.randint(1, 12)) + ' o clock'}"
                          for i in range(1, stages + 1))
    tumor = {"bcc": pick(rng, ("nodular BCC", "basal cell carcinoma")), "scc": "invasive SCC"}[kind]
    fields = [("Diagnosis", f"Biopsy-proven {tumor}, {site.text}"),
              ("Procedure", f"Mohs micrographic surgery, {stages} stage{'s' if stages > 1 else ''}"),
              ("Indication", pick(rng, ("High-risk location.", "Aggressive subtype, tissue sparing needed.",
                                        "Recurrent tumor; AUC appropriate."))),
              ("Consent", pick(rng, CONSENT)), ("Anesthesia", pick(rng, ANESTHESIA)),
              ("Pre-op size", size_text(rng, pre)),
              ("Stages", f"{stage_txt}. Surgeon acted as surgeon and pathologist."),
              ("Final defect", f"{defect / 10:.1f} cm"), ("Repair", repair),
              ("Post-care", pick(rng, WOUND_CARE) + " " + pick(rng, ("RTC 1 week.", "f/u 2 wks for wound check.")))]
    return coder.visit(ctx, "mohs", render_procedure(ctx, fields), kind="procedure")


# ---------------------------------------------------------------- intralesional injections
def _intralesional(ctx: Ctx, name: str, dx: str, n: int, cc: str, hpi: str, exam: str, title: str) -> Visit:
    rng = ctx.rng
    note = _note(ctx, cc, hpi, exam)
    conc = rng.choice((2.5, 5, 10, 20, 40))
    note.ap.append((title, f"Intralesional triamcinolone {conc} mg/mL to {n} lesion{'s' if n > 1 else ''} today."))
    note.proc.append(f"Intralesional injection, {n} lesion{'s' if n > 1 else ''}: Kenalog {conc} mg/mL, "
                     f"{round(n * rng.uniform(0.2, 0.6), 1)} mL total via 30g needle. " +
                     pick(rng, ("Risks of atrophy, hypopigmentation discussed; consented.",
                                "Consent obtained; pt tolerated well.")))
    coder = Coder()
    coder.add(intralesional_code(n), 1, dx)
    return _finish(ctx, name, note, coder, 0.2)


def il_keloid(ctx: Ctx) -> Visit:
    rng = ctx.rng
    n = rng.randint(1, 4)
    where = pick(rng, ("chest", "earlobe", "shoulders", "upper back", "prior surgical site on abdomen"))
    return _intralesional(ctx, "intralesional_keloid", "L91.0", n, "keloids",
                          f"Itchy raised scars on {where} after {pick(rng, ('acne', 'piercing', 'surgery'))}.",
                          f"{n} firm keloid{'s' if n > 1 else ''} on {where}, largest {size_text(rng, rng.randint(8, 40))}.",
                          "Keloid")


def il_alopecia(ctx: Ctx) -> Visit:
    rng = ctx.rng
    n = rng.randint(1, 12)
    return _intralesional(ctx, "intralesional_alopecia", "L63.9", n, "hair loss",
                          f"Patchy hair loss x {rng.randint(1, 8)} months. Denies scalp pain or scarring.",
                          f"{n} smooth round patch{'es' if n > 1 else ''} of nonscarring alopecia on scalp, "
                          "exclamation-point hairs; no scale, no erythema.", "Alopecia areata")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("ak_destruction", "dermatology", ak_destruction_visit, 2.2, 40),
    Scenario("sk_destruction", "dermatology", sk_destruction, 0.8, 35),
    Scenario("wart_destruction", "dermatology", wart_destruction, 0.8, 3),
    Scenario("molluscum_destruction", "dermatology", molluscum_destruction, 0.5, 1, 14),
    Scenario("biopsy_pending", "dermatology", biopsy_pending, 1.6, 18),
    Scenario("biopsy_final", "dermatology", biopsy_final, 1.4, 18),
    Scenario("benign_excision", "dermatology", benign_excision, 0.8, 12),
    Scenario("malignant_excision", "dermatology", malignant_excision, 0.8, 30),
    Scenario("mohs", "dermatology", mohs, 0.9, 35),
    Scenario("intralesional_keloid", "dermatology", il_keloid, 0.4, 12),
    Scenario("intralesional_alopecia", "dermatology", il_alopecia, 0.4, 6),
)
