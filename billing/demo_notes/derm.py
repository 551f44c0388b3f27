"""Dermatology E/M-only scenarios and the problem factories reused as separately identifiable E/M
problems beside procedures (see derm_procedures)."""

from __future__ import annotations

from collections.abc import Callable

from .common import (
    RTC,
    Coder,
    Ctx,
    Note,
    Problem,
    Scenario,
    Visit,
    add_em,
    history_lines,
    pick,
    render,
)

DERM_ROS = ("Denies fevers, chills or weight loss.", "No joint pain or swelling.", "ROS otherwise negative.",
            "Negative for new or changing moles otherwise.", "Denies bleeding lesions.",
            "No recent illness or new medications.")
GENERAL_EXAM = ("Well-appearing, NAD.", "Alert, pleasant, no acute distress.", "WDWN, in no distress.",
                "Pt appears well.")


def _dur(ctx: Ctx, unit: str = "months") -> str:
    n = ctx.rng.randint(2, 11)
    return f"{n} {unit}"


def acne(ctx: Ctx) -> Problem:
    """Acne vulgaris in three management intensities."""
    rng = ctx.rng
    where = pick(rng, ("face", "forehead and cheeks", "face, chest and upper back", "jawline and chin"))
    hpi = pick(rng, (f"Acne on {where} x {_dur(ctx)}.", f"Pt reports breakouts on {where} for {_dur(ctx)}.",
                     f"Here for acne of the {where}, ongoing ~{_dur(ctx, 'years')}."))
    exam = pick(rng, (f"Open and closed comedones with scattered inflammatory papules on {where}; no nodules or cysts.",
                      f"Multiple papules and pustules on {where}, few comedones. No scarring.",
                      f"Comedonal and inflammatory papules of {where}, no cysts, no sinus tracts."))
    v = int(rng.random() * 3)
    if v == 0:
        return Problem(("L70.0",), "Acne vulgaris, mild", pick(rng, (
            "Start OTC adapalene 0.1% gel qhs and benzoyl peroxide 5% wash. Gentle skin care reviewed.",
            "OTC BPO wash + adapalene gel nightly; non-comedogenic moisturizer and sunscreen.")),
            3, 3, "acne", hpi, exam, chronic=True)
    if v == 1:
        drug = "spironolactone 50 mg daily" if ctx.sex == "F" and ctx.age >= 16 else "tretinoin 0.025% cream qhs"
        return Problem(("L70.0",), "Acne vulgaris - stable on therapy", pick(rng, (
            f"Doing well on {drug}; continue, refills sent.", f"Continue {drug}. Rx renewed x 6 months.")),
            3, 4, "acne f/u", hpi + " Improved on current regimen.", exam, chronic=True)
    return Problem(("L70.0",), "Acne vulgaris, inflammatory, flaring", pick(rng, (
        "Worsening despite OTC tx. Start doxycycline 100 mg BID x 3 months + tretinoin 0.05% cream qhs. "
        "Photosensitivity and GI precautions reviewed.",
        "Flare. Begin minocycline ER 90 mg daily, clindamycin/BPO gel qAM. Counseled re: side effects.")),
        4, 4, "acne flare", hpi + " Worse over the last month.", exam, chronic=True)


def psoriasis(ctx: Ctx) -> Problem:
    """Plaque psoriasis, stable or flaring, with negated joint symptoms."""
    rng = ctx.rng
    bsa = rng.randint(2, 15)
    sites = pick(rng, ("elbows and knees", "scalp and extensor elbows", "lower back, knees and shins",
                       "bilateral elbows, gluteal cleft and scalp"))
    hpi = pick(rng, (f"Psoriasis of {sites}, dx ~{rng.randint(2, 25)} yrs ago.",
                     f"Hx of plaque psoriasis involving {sites}.")) + " " + pick(rng, (
        "Denies joint pain or morning stiffness.", "No joint swelling.", "Negative for arthralgias."))
    exam = f"Well-demarcated erythematous plaques with silvery scale on {sites}, ~{bsa}% BSA. No nail pitting."
    if rng.random() < 0.5:
        return Problem(("L40.0",), "Psoriasis vulgaris, stable", pick(rng, (
            "Continue clobetasol 0.05% oint BID on weekdays, calcipotriene on weekends. Refills sent.",
            "Stable on topical regimen; continue triamcinolone 0.1% ointment, Rx refilled.")),
            3, 4, "psoriasis f/u", hpi, exam, chronic=True)
    return Problem(("L40.0",), "Plaque psoriasis, worsening", pick(rng, (
        f"Flaring, BSA now {bsa}%. Start clobetasol 0.05% ointment BID x 2 wks + calcipotriene. Discussed "
        "phototherapy/biologics if not controlled.",
        f"Progression to {bsa}% BSA despite topicals. Begin apremilast titration pack; GI side effects and "
        "mood monitoring reviewed.")), 4, 4, "psoriasis flare", hpi, exam, chronic=True)


def atopic(ctx: Ctx) -> Problem:
    """Atopic dermatitis: infantile (L20.83), other specified (L20.89) or unspecified (L20.9)."""
    rng = ctx.rng
    if ctx.age < 2:
        code, title = "L20.83", "Infantile eczema"
        where = pick(rng, ("cheeks and extensor arms", "cheeks, trunk and legs"))
    elif ctx.age >= 18 and rng.random() < 0.3:
        code, title = "L20.89", "Other atopic dermatitis (adult head-and-neck type)"
        where = pick(rng, ("face, eyelids and neck", "neck and upper chest"))
    else:
        code, title = "L20.9", pick(rng, ("Atopic dermatitis", "Atopic dermatitis (eczema)"))
        where = pick(rng, ("antecubital and popliteal fossae", "hands and wrists", "trunk and arms"))
    hpi = pick(rng, (f"Itchy rash on {where}, waxing and waning for {_dur(ctx)}.",
                     f"Hx of eczema, now with itchy patches on {where}."))
    if ctx.age < 13:
        hpi += pick(rng, (" Parent reports poor sleep from itching.", " Mom notes scratching at night."))
    exam = pick(rng, (f"Ill-defined erythematous, lichenified patches on {where} with excoriations. No impetiginization.",
                      f"Xerosis with eczematous plaques on {where}; no crusting or vesicles."))
    if rng.random() < 0.5:
        return Problem((code,), title + ", flare", pick(rng, (
            "Triamcinolone 0.1% ointment BID x 2 wks, then prn. Bleach baths and thick emollients.",
            "Start tacrolimus 0.1% ointment BID for sensitive areas; hydrocortisone 2.5% for face. Moisturize.")),
            4, 4, "eczema flare", hpi + " Worse recently.", exam, chronic=True)
    return Problem((code,), title + ", controlled", pick(rng, (
        "Continue emollients and prn hydrocortisone 2.5% (Rx refilled).",
        "Well controlled; continue crisaborole prn, refills sent.")), 3, 4, "eczema f/u", hpi, exam, chronic=True)


def rosacea(ctx: Ctx) -> Problem:
    rng = ctx.rng
    hpi = pick(rng, ("Facial redness and bumps, worse with heat and wine.", "Flushing of cheeks and nose with "
                     "intermittent papules.", f"Red face x {_dur(ctx, 'years')}, stings with some products."))
    exam = pick(rng, ("Centrofacial erythema with telangiectasias and scattered papules; no comedones.",
                      "Erythema of cheeks and nose with few papulopustules. No rhinophyma."))
    if rng.random() < 0.5:
        return Problem(("L71.9",), "Rosacea", "Start metronidazole 0.75% gel BID; sunscreen, trigger avoidance.",
                       3, 4, "facial redness", hpi, exam, chronic=True)
    return Problem(("L71.9",), "Rosacea, stable", pick(rng, ("Continue ivermectin 1% cream daily, refill sent.",
                   "OTC gentle cleanser, mineral SPF 30+, avoid triggers. No Rx needed.")),
                   3, 3, "rosacea", hpi, exam, chronic=True)


def seb_derm(ctx: Ctx) -> Problem:
    rng = ctx.rng
    where = pick(rng, ("scalp and eyebrows", "nasolabial folds and scalp", "scalp, ears and central chest"))
    return Problem(("L21.9",), "Seborrheic dermatitis", pick(rng, (
        "Ketoconazole 2% shampoo 2-3x/wk and ketoconazole cream BID to face (Rx).",
        "Rx ciclopirox shampoo and hydrocortisone 2.5% cream prn flares.")),
        3, 4, "flaky scalp", f"Flaking and itch of {where}, {_dur(ctx)}.",
        f"Greasy yellow scale on erythematous base of {where}.", chronic=True)


def hidradenitis(ctx: Ctx) -> Problem:
    rng = ctx.rng
    where = pick(rng, ("bilateral axillae", "groin and inner thighs", "left axilla", "inframammary folds"))
    stage = pick(rng, ("I", "II"))
    return Problem(("L73.2",), f"Hidradenitis suppurativa, Hurley stage {stage}", pick(rng, (
        "Start doxycycline 100 mg BID, chlorhexidine wash. Discussed weight/smoking and biologics if progressive.",
        "Clindamycin 1% lotion BID + benzoyl peroxide wash; I&D not indicated today.")),
        4, 4, "painful bumps", f"Recurrent painful nodules in {where} for {_dur(ctx, 'years')}, flaring more often lately, draining.",
        f"Inflamed nodules with double-ended comedones in {where}; no fluctuance requiring drainage.", chronic=True)


def urticaria(ctx: Ctx) -> Problem:
    rng = ctx.rng
    days = rng.randint(3, 20)
    rx = rng.random() < 0.5
    return Problem(("L50.9",), "Urticaria, acute", "Hydroxyzine 25 mg qhs prn (Rx) plus cetirizine daily." if rx
                   else "OTC cetirizine 10 mg daily, may increase to BID; avoid NSAIDs.", 3, 4 if rx else 3,
                   "hives", f"Itchy welts coming and going x {days} days. Denies lip or tongue swelling, no SOB.",
                   "Scattered edematous wheals on trunk and arms, no angioedema. Lungs clear.")


def tinea(ctx: Ctx) -> Problem:
    rng = ctx.rng
    options = [("B35.3", "Tinea pedis", "moccasin scale and interdigital maceration of both feet"),
               ("B35.4", "Tinea corporis", "annular scaly plaque with central clearing on the right flank"),
               ("B35.1", "Onychomycosis (tinea unguium)", "thick yellow dystrophic great toenails with subungual debris")]
    if ctx.age >= 14:
        options.append(("B35.6", "Tinea cruris", "scaly red plaque with raised border in the inguinal folds"))
    if ctx.age < 14:
        options.append(("B35.0", "Tinea capitis", "patchy alopecia with scale and broken hairs on the occipital scalp"))
    code, title, finding = options[int(rng.random() * len(options))]
    plan = {"B35.1": "Rx terbinafine 250 mg daily x 12 wks; baseline LFTs reviewed from PCP.",
            "B35.0": "Griseofulvin suspension x 8 wks (Rx); ketoconazole shampoo for household."}.get(
        code, pick(rng, ("Ketoconazole 2% cream BID x 4 wks (Rx).", "Rx econazole cream daily x 4 wks; keep area dry.")))
    return Problem((code,), title, plan, 3, 4, "rash", f"Itchy scaly rash x {_dur(ctx, 'weeks')}.",
                   f"Exam: {finding}.")


def rash_uncertain(ctx: Ctx) -> Problem:
    """An undiagnosed eruption: only the sign (R21) is coded because the differential is uncertain."""
    rng = ctx.rng
    ddx = pick(rng, ("pityriasis rosea vs viral exanthem", "drug eruption vs contact dermatitis",
                     "probable nummular eczema, r/o tinea", "suspected allergic contact dermatitis"))
    otc = rng.random() < 0.4
    return Problem(("R21",), f"Rash, {ddx}", "OTC hydrocortisone 1% and antihistamine; recheck 2 wks." if otc
                   else "Triamcinolone 0.1% cream BID x 2 wks (Rx); return if spreading. Consider bx if persists.",
                   4, 3 if otc else 4, "rash", f"New rash on trunk and arms x {_dur(ctx, 'weeks')}, mildly itchy. "
                   "Denies fever, new meds otherwise.", "Scattered pink scaly papules and thin plaques on trunk "
                   "and proximal arms; no vesicles, no mucosal involvement.")


SIDE_PROBLEMS: tuple[tuple[Callable[[Ctx], Problem], int, int], ...] = (
    (acne, 11, 45), (psoriasis, 10, 120), (atopic, 0, 120), (rosacea, 25, 120), (seb_derm, 13, 120),
    (tinea, 3, 120), (hidradenitis, 14, 65),
)


def side_problem(ctx: Ctx) -> Problem:
    """A separately identifiable problem managed alongside a procedure (gets its own E/M with 25)."""
    fits = [f for f, lo, hi in SIDE_PROBLEMS if lo <= ctx.age <= hi]
    return fits[int(ctx.rng.random() * len(fits))](ctx)


def _em_only(name: str, factory: Callable[[Ctx], Problem]) -> Callable[[Ctx], Visit]:
    """Build an E/M-only visit around one problem, sometimes with a second one."""

    def build(ctx: Ctx) -> Visit:
        rng = ctx.rng
        problems = [factory(ctx)]
        if rng.random() < 0.2:
            extra = side_problem(ctx)
            if extra.dx[0] != problems[0].dx[0]:
                problems.append(extra)
        note, coder = Note(cc=problems[0].cc), Coder()
        note.hpi = [p.hpi for p in problems]
        note.hist = history_lines(ctx)
        note.ros = [pick(rng, DERM_ROS)]
        note.exam = [pick(rng, GENERAL_EXAM)] + [p.exam for p in problems]
        add_em(ctx, coder, note, problems)
        note.tail.append(pick(rng, RTC))
        return coder.visit(ctx, name, render(ctx, note))

    return build


def skin_exam(ctx: Ctx) -> Visit:
    """Full-body skin exam: history of skin cancer (Z85.-) or screening (Z12.83) with family history."""
    rng = ctx.rng
    note, coder = Note(), Coder()
    note.hist = history_lines(ctx)
    kind = int(rng.random() * 3) if ctx.age >= 30 else 2
    findings = pick(rng, ("Scattered benign-appearing SKs on trunk; several regular nevi. No atypical lesions.",
                          "Lentigines on dorsal hands and upper back; no suspicious pigmented lesions.",
                          "Few cherry angiomas and benign nevi. No lesions concerning for malignancy."))
    note.exam = ["Full skin exam: scalp, face, neck, chest, abdomen, back, arms, legs, buttocks.", findings,
                 pick(rng, ("No cervical or axillary lymphadenopathy.", "No LAD.", "No palpable lymph nodes."))]
    if kind == 0:
        yr = rng.randint(2005, 2023)
        which = pick(rng, ("BCC of the nose", "SCC of the left forearm", "BCC of the upper back", "SCC in situ of the scalp"))
        note.cc = "skin check, hx of skin cancer"
        note.hpi = [pick(rng, (f"Hx of {which} s/p Mohs ({yr}).", f"Pt with hx of {which}, excised {yr}.")) +
                    " No new or changing lesions."]
        prob = Problem(("Z85.828",), f"Personal history of nonmelanoma skin cancer ({which}, {yr})",
                       "No evidence of recurrence at prior site. Sun protection reviewed; SPF 30+ daily.", 2, 2)
    elif kind == 1:
        yr = rng.randint(2000, 2022)
        note.cc = "annual skin check, hx of melanoma"
        note.hpi = [f"Hx of melanoma, {pick(rng, ('right upper back', 'left calf', 'left shoulder'))}, "
                    f"Breslow {rng.randint(2, 9) / 10:.1f} mm, WLE {yr}. Denies new moles."]
        prob = Problem(("Z85.820",), "History of malignant melanoma", "Scar well healed, no recurrence or LAD. "
                       "Continue skin checks q6-12 months; self-exam taught.", 2, 2)
    else:
        rel = pick(rng, ("mother", "father", "brother", "sister"))
        note.cc = "skin cancer screening"
        note.hpi = [pick(rng, ("Requests full-body skin check.", "Here for screening skin exam, no specific concerns.")) +
                    f" {rel.capitalize()} had melanoma."]
        dx = ("Z12.83", "Z80.8") if rng.random() < 0.7 else ("Z12.83",)
        title = "Skin cancer screening" + (f"; family history of melanoma ({rel})" if len(dx) == 2 else "")
        prob = Problem(dx, title, "No suspicious lesions. ABCDEs and sunscreen reviewed; yearly skin exams.", 2, 2)
    add_em(ctx, coder, note, [prob], time_p=0.5)
    note.tail.append(pick(rng, RTC))
    return coder.visit(ctx, "skin_exam", render(ctx, note))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("acne", "dermatology", _em_only("acne", acne), 1.2, 11, 45),
    Scenario("psoriasis", "dermatology", _em_only("psoriasis", psoriasis), 1.0, 10),
    Scenario("atopic_dermatitis", "dermatology", _em_only("atopic_dermatitis", atopic), 1.0),
    Scenario("rosacea", "dermatology", _em_only("rosacea", rosacea), 0.8, 25),
    Scenario("seborrheic_dermatitis", "dermatology", _em_only("seborrheic_dermatitis", seb_derm), 0.6, 13),
    Scenario("hidradenitis", "dermatology", _em_only("hidradenitis", hidradenitis), 0.4, 14, 65),
    Scenario("urticaria", "dermatology", _em_only("urticaria", urticaria), 0.4, 2),
    Scenario("tinea", "dermatology", _em_only("tinea", tinea), 0.6, 3),
    Scenario("rash_uncertain", "dermatology", _em_only("rash_uncertain", rash_uncertain), 0.5, 1),
    Scenario("skin_exam", "dermatology", skin_exam, 1.4, 18),
)
