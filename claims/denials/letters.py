"""Appeal letters as PDF (reportlab platypus): the practice's letterhead, the payer, the claim, the denial
(codes with their meaning), the argument, the enclosures and the deadline."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from claims.denials.reference import describe


def appeal_letter_pdf(*, case: Any, details: dict[str, Any], today: dt.date) -> bytes:
    claim = case.claim
    practice, payer, patient = claim.practice, claim.payer, claim.patient
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = styles["Normal"]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=0.9 * inch, rightMargin=0.9 * inch,
                            topMargin=0.8 * inch, bottomMargin=0.8 * inch,
                            title=f"Appeal of claim {claim.pcn}", author=practice.name)

    def p(text: str, style: Any = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story: list[Any] = [
        Paragraph(f"<b>{escape(practice.name)}</b>", styles["Heading2"]),
        p(f"{practice.address_line1}{', ' + practice.address_line2 if practice.address_line2 else ''}\n"
          f"{practice.city}, {practice.state} {practice.zip_code}\nNPI {practice.npi} · Tax ID {practice.tax_id}"
          + (f" · Phone {practice.phone}" if practice.phone else ""), small),
        Spacer(1, 0.25 * inch),
        p(today.strftime("%B %d, %Y").replace(" 0", " ")),
        Spacer(1, 0.15 * inch),
        p(f"{payer.name}\nAppeals Department" + (f"\n{payer.address_line1}\n{payer.city}, {payer.state} {payer.zip_code}"
                                                  if payer.address_line1 else "")),
        Spacer(1, 0.2 * inch),
        Paragraph(f"<b>Re: Request for reconsideration (level {details['level']} appeal)</b>", body),
    ]
    rows = [
        ["Patient", f"{patient.last_name}, {patient.first_name}", "Date of birth", patient.date_of_birth.strftime("%m/%d/%Y")],
        ["Member ID", claim.member_id, "Group", claim.group_number or "—"],
        ["Our claim #", claim.pcn, "Payer claim #", claim.payer_claim_number or "—"],
        ["Date of service", claim.date_of_service.strftime("%m/%d/%Y"), "Billed", f"${claim.total_charge:,.2f}"],
        ["Rendering provider", f"{claim.rendering_provider} (NPI {claim.rendering_npi})", "Denied", f"${case.amount:,.2f}"],
        ["Denied on", case.denied_on.strftime("%m/%d/%Y"), "Appeal due", dt.date.fromisoformat(details["deadline"]).strftime("%m/%d/%Y")],
    ]
    table = Table(rows, colWidths=[1.2 * inch, 2.3 * inch, 1.1 * inch, 1.7 * inch])
    table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 9), ("TEXTCOLOR", (0, 0), (0, -1), colors.grey),
                               ("TEXTCOLOR", (2, 0), (2, -1), colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BOX", (0, 0), (-1, -1), 0.5, colors.grey)]))
    story += [Spacer(1, 0.1 * inch), table, Spacer(1, 0.2 * inch)]
    codes = []
    if case.carc:
        codes.append(f"{case.group}-{case.carc} ({describe('carc', case.carc) or 'see remittance'})")
    codes += [f"{r} ({describe('rarc', r) or 'remark'})" for r in case.rarcs]
    story.append(p(f"We ask you to reconsider the denial of the services above. Your remittance denied "
                   f"${case.amount:,.2f} with reason {', '.join(codes) or case.reason}."))
    lines = list(claim.lines.all())
    svc = [["Line", "Code", "Modifiers", "Units", "Charge"]] + [
        [str(ln.line_number), ln.code, " ".join(ln.modifiers) or "—", str(ln.units), f"${ln.charge_amount:,.2f}"]
        for ln in lines]
    t2 = Table(svc, colWidths=[0.6 * inch, 1 * inch, 1.2 * inch, 0.8 * inch, 1.2 * inch])
    t2.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 9), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                            ("ALIGN", (3, 0), (-1, -1), "RIGHT")]))
    story += [Spacer(1, 0.1 * inch), p(f"Diagnoses: {', '.join(claim.diagnosis_codes)}", small), Spacer(1, 0.05 * inch),
              t2, Spacer(1, 0.2 * inch), Paragraph("<b>Why the denial should be reversed</b>", body),
              p(details["argument"])]
    if details.get("attachments"):
        story += [Spacer(1, 0.15 * inch), Paragraph("<b>Enclosed</b>", body)]
        story += [p(f"• {a}") for a in details["attachments"]]
    story += [Spacer(1, 0.25 * inch),
              p("Please reprocess the claim and send the corrected remittance to the address above. "
                "For questions, contact " + (details.get("contact") or f"our billing office at {practice.phone or 'the number above'}")
                + "."),
              Spacer(1, 0.35 * inch), p("Sincerely,\n\n\n" + f"Billing office, {practice.name}")]
    doc.build(story)
    return buf.getvalue()
