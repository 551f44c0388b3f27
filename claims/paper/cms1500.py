"""The CMS-1500 (02/12) paper claim as a PDF, for payers that take paper.

Every value sits on the form's print grid: 10 characters per inch, 6 lines per inch, the same line/column
positions print software uses to fill the red pre-printed form (box 2 at line 10 column 1, box 24's six
service lines on the even lines 44-54 with their shaded supplemental lines above, box 33 at line 58 …).

- plain paper (`red_form=False`): we draw the form too — every box outlined in its place with its number
  and caption — and fill it;
- red form (`red_form=True`): text only, for printing onto the pre-printed red form (OCR-scannable);
  `offset_x` / `offset_y` (points) nudge the whole grid for a printer's alignment.

More than six service lines continue on further pages (each page totals its own lines, as NUCC asks).
`form_fields` is the placement itself (box, line, column, text), which the tests check box by box.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

CPI = 7.2  # points per column (10 characters per inch)
LPI = 12.0  # points per line (6 lines per inch)
LEFT = 18.0  # column 1 starts a quarter inch from the left edge
PAGE_W, PAGE_H = letter
RED = Color(0.78, 0.12, 0.16)
LINES_PER_PAGE = 6


@dataclass(frozen=True)
class Field:
    box: str
    line: int
    col: int
    text: str


def _money(value: Decimal) -> str:
    """'  140 00': dollars right-aligned in 5, a space for the dotted line, cents."""
    return f"{value:8.2f}".replace(".", " ")


def _date6(day: Any) -> tuple[str, str, str]:
    return day.strftime("%m"), day.strftime("%d"), day.strftime("%y")


def _date8(day: Any) -> tuple[str, str, str]:
    return day.strftime("%m"), day.strftime("%d"), day.strftime("%Y")


INSURANCE_COLUMN = {"medicare": 1, "medicaid": 8, "tricare": 15, "champva": 24, "commercial": 31, "bcbs": 31,
                    "feca": 39}
RELATIONSHIP_COLUMN = {"18": 33, "01": 38, "19": 42}


def form_fields(claim: Any, lines: Sequence[Any], *, page: int = 1, pages: int = 1) -> list[Field]:
    """Every value of one page of the claim's form with its box, line and column."""
    f: list[Field] = []

    def put(box: str, line: int, col: int, text: object, width: int | None = None) -> None:
        value = str(text or "").upper()
        if width is not None:
            value = value[:width]
        if value.strip():
            f.append(Field(box, line, col, value))

    patient, payer, practice, facility = claim.patient, claim.payer, claim.practice, claim.facility
    self_ = claim.relationship == "18"
    # Carrier block
    put("carrier", 2, 41, payer.name, 31)
    put("carrier", 3, 41, payer.address_line1, 31)
    if payer.city:
        put("carrier", 4, 41, f"{payer.city}, {payer.state} {payer.zip_code}", 31)
    # 1 / 1a
    put("1", 8, INSURANCE_COLUMN.get(payer.kind, 45), "X")
    put("1a", 8, 50, claim.member_id, 29)
    # 2, 3, 4
    name = f"{patient.last_name}, {patient.first_name}" + (f", {patient.middle_name[:1]}" if patient.middle_name else "")
    put("2", 10, 1, name, 28)
    mm, dd, yyyy = _date8(patient.date_of_birth)
    put("3", 10, 31, mm)
    put("3", 10, 34, dd)
    put("3", 10, 37, yyyy)
    put("3", 10, 42 if patient.sex == "M" else 47, "X")
    insured_name = name if self_ else f"{claim.subscriber_last_name}, {claim.subscriber_first_name}"
    put("4", 10, 50, insured_name, 29)
    # 5, 6, 7
    street = patient.address_line1 + (f" {patient.address_line2}" if patient.address_line2 else "")
    put("5", 12, 1, street, 28)
    put("6", 12, RELATIONSHIP_COLUMN.get(claim.relationship, 47), "X")
    if self_:
        put("7", 12, 50, street, 29)
    put("5", 14, 1, patient.city, 24)
    put("5", 14, 26, patient.state, 2)
    if self_:
        put("7", 14, 50, patient.city, 23)
        put("7", 14, 74, patient.state, 2)
    put("5", 16, 1, patient.zip_code, 10)
    if patient.phone:
        put("5", 16, 15, patient.phone[:3])
        put("5", 16, 19, f"{patient.phone[3:6]}-{patient.phone[6:]}")
    if self_:
        put("7", 16, 50, patient.zip_code, 10)
        if patient.phone:
            put("7", 16, 65, patient.phone[:3])
            put("7", 16, 69, f"{patient.phone[3:6]}-{patient.phone[6:]}")
    # 9 (other insured: the prior payer on a secondary claim), 10, 11
    other = claim.prior_claim if claim.prior_claim_id else None
    if other is not None:
        put("9", 18, 1, f"{other.subscriber_last_name or patient.last_name}, "
                        f"{other.subscriber_first_name or patient.first_name}", 28)
        put("9a", 20, 1, other.member_id, 28)
        put("9d", 26, 1, other.payer.name, 28)
    put("11", 18, 50, claim.group_number or "NONE", 29)
    put("10a", 20, 41, "X")
    if claim.subscriber_date_of_birth and not self_:
        m, d, y = _date8(claim.subscriber_date_of_birth)
        put("11a", 20, 53, m)
        put("11a", 20, 56, d)
        put("11a", 20, 59, y)
        put("11a", 20, 68 if claim.subscriber_sex == "M" else 75, "X")
    elif self_:
        put("11a", 20, 53, mm)
        put("11a", 20, 56, dd)
        put("11a", 20, 59, yyyy)
        put("11a", 20, 68 if patient.sex == "M" else 75, "X")
    put("10b", 22, 41, "X")
    put("10c", 24, 41, "X")
    put("11c", 24, 50, claim.coverage.plan_name or payer.name, 29)
    put("11d", 26, 52 if other is not None else 57, "X")
    # 12, 13
    put("12", 29, 7, "SIGNATURE ON FILE")
    put("13", 29, 55, "SIGNATURE ON FILE")
    # 14 onset (qualifier 431), 17 referring, 19, 20
    if claim.onset_date:
        m, d, y = _date8(claim.onset_date)
        put("14", 32, 2, m)
        put("14", 32, 5, d)
        put("14", 32, 8, y)
        put("14", 32, 16, "431")
    if claim.referring_provider_name:
        put("17", 34, 1, "DN")
        put("17", 34, 4, claim.referring_provider_name, 25)
        put("17b", 34, 33, claim.referring_provider_npi, 15)
    if pages > 1:
        put("19", 36, 1, f"PAGE {page} OF {pages}", 48)
    put("20", 36, 57, "X")
    # 21 diagnoses A-L, ICD indicator 0 (ICD-10)
    put("21", 37, 42, "0")
    for n, code in enumerate(claim.diagnosis_codes[:12]):
        put(f"21{'ABCDEFGHIJKL'[n]}", 38 + n // 4, 3 + 13 * (n % 4), code.replace(".", ""), 8)
    # 22 resubmission code and original reference; 23 prior authorization
    if claim.frequency in ("7", "8"):
        put("22", 38, 50, claim.frequency)
        put("22", 38, 62, claim.original_payer_claim_number, 15)
    put("23", 40, 50, claim.prior_authorization, 28)
    # 24 service lines
    total = Decimal("0.00")
    for i, ln in enumerate(lines[:LINES_PER_PAGE], start=1):
        shaded, row = 41 + 2 * i, 42 + 2 * i
        if claim.rendering_taxonomy:
            put("24I", shaded, 65, "ZZ")
            put("24J", shaded, 68, claim.rendering_taxonomy, 11)
        m, d, y = _date6(ln.date_of_service)
        for col, value in zip((1, 4, 7, 10, 13, 16), (m, d, y, m, d, y), strict=True):
            put("24A", row, col, value)
        put("24B", row, 19, ln.place_of_service)
        put("24D", row, 25, ln.code, 6)
        for k, mod in enumerate(ln.modifiers[:4]):
            put("24D", row, 33 + 3 * k, mod)
        put("24E", row, 45, "".join("ABCDEFGHIJKL"[p - 1] for p in ln.diagnosis_pointers[:4] if 1 <= p <= 12))
        put("24F", row, 50, _money(ln.charge_amount))
        put("24G", row, 59, str(ln.units), 3)
        put("24J", row, 68, claim.rendering_npi, 10)
        total += ln.charge_amount
    # 25 .. 33
    put("25", 56, 1, claim.billing_tax_id, 15)
    put("25", 56, 19, "X")
    put("26", 56, 23, claim.pcn, 14)
    put("27", 56, 38, "X")
    put("28", 56, 52, _money(total))
    paid = Decimal(str((claim.prior_adjudication or {}).get("paid", "0"))) if claim.prior_adjudication else Decimal("0")
    if paid:
        put("29", 56, 62, _money(paid))
    if practice.phone:
        put("33", 57, 66, practice.phone[:3])
        put("33", 57, 70, f"{practice.phone[3:6]}-{practice.phone[6:]}")
    put("32", 58, 23, facility.name, 26)
    put("33", 58, 50, practice.name, 29)
    put("32", 59, 23, facility.address_line1, 26)
    put("33", 59, 50, practice.address_line1, 29)
    put("31", 60, 1, f"{claim.rendering_provider.first_name} {claim.rendering_provider.last_name}"
                     f"{' ' + claim.rendering_provider.credential if claim.rendering_provider.credential else ''}", 21)
    put("32", 60, 23, f"{facility.city} {facility.state} {facility.zip_code}", 26)
    put("33", 60, 50, f"{practice.city} {practice.state} {practice.zip_code}", 29)
    put("31", 61, 6, claim.date_of_service.strftime("%m %d %y"))
    put("32a", 61, 23, facility.npi, 10)
    put("33a", 61, 50, claim.billing_npi, 10)
    if claim.billing_taxonomy:
        put("33b", 61, 63, "ZZ" + claim.billing_taxonomy, 16)
    return f


# The form itself, in grid units: (caption, first line, first column, last line, last column).
BOXES: list[tuple[str, int, int, int, int]] = [
    ("1. MEDICARE  MEDICAID  TRICARE  CHAMPVA  GROUP HEALTH PLAN  FECA BLK LUNG  OTHER", 7, 1, 8, 49),
    ("1a. INSURED'S I.D. NUMBER", 7, 50, 8, 82),
    ("2. PATIENT'S NAME (Last, First, MI)", 9, 1, 10, 29), ("3. PATIENT'S BIRTH DATE / SEX", 9, 30, 10, 49),
    ("4. INSURED'S NAME (Last, First, MI)", 9, 50, 10, 82),
    ("5. PATIENT'S ADDRESS (No., Street)", 11, 1, 12, 29), ("6. PATIENT RELATIONSHIP TO INSURED", 11, 30, 12, 49),
    ("7. INSURED'S ADDRESS (No., Street)", 11, 50, 12, 82),
    ("CITY", 13, 1, 14, 25), ("STATE", 13, 26, 14, 29), ("8. RESERVED FOR NUCC USE", 13, 30, 16, 49),
    ("CITY", 13, 50, 14, 73), ("STATE", 13, 74, 14, 82),
    ("ZIP CODE", 15, 1, 16, 13), ("TELEPHONE", 15, 14, 16, 29), ("ZIP CODE", 15, 50, 16, 63),
    ("TELEPHONE", 15, 64, 16, 82),
    ("9. OTHER INSURED'S NAME", 17, 1, 18, 29), ("10. IS PATIENT'S CONDITION RELATED TO:", 17, 30, 18, 49),
    ("11. INSURED'S POLICY GROUP OR FECA NUMBER", 17, 50, 18, 82),
    ("a. OTHER INSURED'S POLICY OR GROUP NUMBER", 19, 1, 20, 29), ("a. EMPLOYMENT? YES NO", 19, 30, 20, 49),
    ("a. INSURED'S DATE OF BIRTH / SEX", 19, 50, 20, 82),
    ("b. RESERVED FOR NUCC USE", 21, 1, 22, 29), ("b. AUTO ACCIDENT? YES NO  PLACE", 21, 30, 22, 49),
    ("b. OTHER CLAIM ID", 21, 50, 22, 82),
    ("c. RESERVED FOR NUCC USE", 23, 1, 24, 29), ("c. OTHER ACCIDENT? YES NO", 23, 30, 24, 49),
    ("c. INSURANCE PLAN NAME OR PROGRAM NAME", 23, 50, 24, 82),
    ("d. INSURANCE PLAN NAME OR PROGRAM NAME", 25, 1, 26, 29), ("10d. CLAIM CODES", 25, 30, 26, 49),
    ("d. IS THERE ANOTHER HEALTH BENEFIT PLAN? YES NO", 25, 50, 26, 82),
    ("12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE", 27, 1, 29, 49),
    ("13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE", 27, 50, 29, 82),
    ("14. DATE OF CURRENT ILLNESS  QUAL.", 31, 1, 32, 29), ("15. OTHER DATE  QUAL.", 31, 30, 32, 49),
    ("16. DATES PATIENT UNABLE TO WORK", 31, 50, 32, 82),
    ("17. NAME OF REFERRING PROVIDER", 33, 1, 34, 29), ("17a. / 17b. NPI", 33, 30, 34, 49),
    ("18. HOSPITALIZATION DATES", 33, 50, 34, 82),
    ("19. ADDITIONAL CLAIM INFORMATION", 35, 1, 36, 49), ("20. OUTSIDE LAB?  $ CHARGES", 35, 50, 36, 82),
    ("21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY   ICD Ind.", 37, 1, 40, 49),
    ("22. RESUBMISSION CODE / ORIGINAL REF. NO.", 37, 50, 38, 82),
    ("23. PRIOR AUTHORIZATION NUMBER", 39, 50, 40, 82),
    ("24A. DATE(S) OF SERVICE   B.POS C.EMG  D. CPT/HCPCS  MODIFIER   E.PTR  F. $ CHARGES  G.UNITS H. I.QUAL J. NPI",
     41, 1, 42, 82),
    ("25. FEDERAL TAX I.D. NUMBER  SSN EIN", 55, 1, 56, 21), ("26. PATIENT'S ACCOUNT NO.", 55, 22, 56, 36),
    ("27. ACCEPT ASSIGNMENT?", 55, 37, 56, 49), ("28. TOTAL CHARGE", 55, 50, 56, 60),
    ("29. AMOUNT PAID", 55, 61, 56, 70), ("30. RSVD FOR NUCC", 55, 71, 56, 82),
    ("31. SIGNATURE OF PHYSICIAN OR SUPPLIER", 57, 1, 61, 21), ("32. SERVICE FACILITY LOCATION", 57, 22, 61, 49),
    ("33. BILLING PROVIDER INFO & PH #", 57, 50, 61, 82),
]


def _x(col: float, offset: float) -> float:
    return LEFT + (col - 1) * CPI + offset


def _y(line: float, offset: float) -> float:
    return PAGE_H - line * LPI + 2.5 - offset


def _draw_form(c: Canvas) -> None:
    c.setStrokeColor(RED)
    c.setFillColor(RED)
    c.setFont("Helvetica-Bold", 13)
    c.drawString(_x(1, 0), _y(5.2, 0), "HEALTH INSURANCE CLAIM FORM")
    c.setFont("Helvetica", 6)
    c.drawString(_x(1, 0), _y(6, 0), "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12")
    c.drawString(_x(1, 0), _y(6.6, 0), "PICA")
    c.drawRightString(_x(83, 0), _y(6.6, 0), "PICA")
    c.setFont("Helvetica-Bold", 7)
    c.saveState()
    c.translate(_x(84, 0), _y(30, 0))
    c.rotate(90)
    c.drawString(0, 0, "PATIENT AND INSURED INFORMATION")
    c.restoreState()
    c.setLineWidth(0.5)
    for caption, top, left, bottom, right in BOXES:
        x0, x1 = _x(left, 0) - 1.5, _x(right + 1, 0) - 1.5
        y_top, y_bottom = _y(top - 1, 0) - 2.5 + 9, _y(bottom, 0) - 2.5 - 3
        c.rect(x0, y_bottom, x1 - x0, y_top - y_bottom, stroke=1, fill=0)
        c.setFont("Helvetica", 5)
        c.drawString(x0 + 1.5, y_top - 6, caption)
    # the six service lines, shaded supplemental halves
    for i in range(1, 7):
        shaded, row = 41 + 2 * i, 42 + 2 * i
        c.setFillColor(Color(0.98, 0.86, 0.86))
        c.rect(_x(1, 0) - 1.5, _y(shaded, 0) - 5.5, 82 * CPI, LPI, stroke=0, fill=1)
        c.setFillColor(RED)
        c.rect(_x(1, 0) - 1.5, _y(row, 0) - 5.5, 82 * CPI, 2 * LPI, stroke=1, fill=0)
        c.setFont("Helvetica-Bold", 7)
        c.drawString(_x(0.3, 0), _y(row, 0), str(i))
        for col in (19, 22, 25, 33, 45, 50, 59, 63, 65, 68):
            c.line(_x(col, 0) - 2, _y(row, 0) - 5.5, _x(col, 0) - 2, _y(shaded, 0) + 6.5)
    for n in range(12):
        c.setFont("Helvetica", 6)
        c.drawString(_x(2 + 13 * (n % 4), 0), _y(38 + n // 4, 0), "ABCDEFGHIJKL"[n] + ".")
    c.setFont("Helvetica", 5)
    c.drawString(_x(1, 0), _y(63, 0), "NUCC Instruction Manual available at: www.nucc.org          "
                                      "PLEASE PRINT OR TYPE          FORM CMS-1500 (02-12)")
    c.setFillColor(black)
    c.setStrokeColor(black)


def cms1500_pdf(claims: Iterable[tuple[Any, Sequence[Any]]], *, red_form: bool = False, offset_x: float = 0.0,
                offset_y: float = 0.0) -> bytes:
    """One or more claims (each with its lines) as a PDF; plain paper draws the form, red form prints text only."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter, invariant=True, pageCompression=0)
    c.setTitle("CMS-1500 (02/12)")
    count = 0
    for claim, lines in claims:
        chunks = [list(lines[i:i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
        for page, chunk in enumerate(chunks, start=1):
            if not red_form:
                _draw_form(c)
            c.setFont("Courier", 10)
            for fld in form_fields(claim, chunk, page=page, pages=len(chunks)):
                c.drawString(_x(fld.col, offset_x), _y(fld.line, offset_y), fld.text)
            c.showPage()
            count += 1
    if count == 0:
        raise ValueError("no claim to print")
    c.save()
    return buf.getvalue()
