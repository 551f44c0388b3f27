"""A patient statement as a one-page (or longer) PDF, drawn with reportlab's platypus."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

DUNNING_TEXT = {
    0: "Your insurance has processed these visits. The amount below is your share.",
    30: "Reminder: this balance is now more than 30 days old. Please pay or call us to set up a plan.",
    60: "Past due: this balance is more than 60 days old. Please pay today or call us.",
    90: "Final notice: this balance is more than 90 days old. Without payment or a call within 15 days it may be "
        "referred to collections.",
}


@dataclass
class StatementItem:
    date: str
    code: str
    description: str
    charge: Decimal
    insurance_paid: Decimal
    adjustments: Decimal
    patient_paid: Decimal
    due: Decimal


@dataclass
class StatementData:
    practice_name: str
    practice_address: list[str]
    practice_phone: str
    patient_name: str
    patient_address: list[str]
    account: str
    statement_date: str
    amount_due: Decimal
    aging: dict[str, Decimal]
    level: int
    items: list[StatementItem] = field(default_factory=list)


def _m(value: Decimal) -> str:
    return f"${value:,.2f}"


def render_statement_pdf(data: StatementData) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=0.6 * inch, rightMargin=0.6 * inch, topMargin=0.5 * inch,
                            bottomMargin=0.5 * inch, title=f"Statement {data.account}", author=data.practice_name)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8.5, leading=10.5)
    story: list = []
    header = Table([[Paragraph(f"<b>{data.practice_name}</b><br/>" + "<br/>".join(data.practice_address)
                               + (f"<br/>Phone {data.practice_phone}" if data.practice_phone else ""), small),
                     Paragraph(f"<b>PATIENT STATEMENT</b><br/>Statement date: {data.statement_date}<br/>"
                               f"Account: {data.account}<br/><b>Amount due: {_m(data.amount_due)}</b>", small)]],
                   colWidths=[3.9 * inch, 3.3 * inch])
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [header, Spacer(1, 12),
              Paragraph(f"<b>{data.patient_name}</b><br/>" + "<br/>".join(data.patient_address), small), Spacer(1, 10),
              Paragraph(DUNNING_TEXT.get(data.level, DUNNING_TEXT[0]), styles["BodyText"]), Spacer(1, 8)]
    rows = [["Date", "Service", "Charge", "Insurance paid", "Adjustments", "You paid", "You owe"]]
    for it in data.items:
        rows.append([it.date, Paragraph(f"{it.code} {it.description}", small), _m(it.charge), _m(it.insurance_paid),
                     _m(it.adjustments), _m(it.patient_paid), _m(it.due)])
    rows.append(["", Paragraph("<b>Amount due</b>", small), "", "", "", "", _m(data.amount_due)])
    table = Table(rows, colWidths=[0.8 * inch, 2.3 * inch, 0.8 * inch, 0.95 * inch, 0.85 * inch, 0.75 * inch, 0.8 * inch],
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 8.5), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 12)]
    aging = Table([["Current", "31-60 days", "61-90 days", "Over 90 days"],
                   [_m(data.aging.get(k, Decimal(0))) for k in ("current", "31_60", "61_90", "over_90")]],
                  colWidths=[1.3 * inch] * 4)
    aging.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8.5), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story += [Paragraph("<b>Aging</b>", small), aging, Spacer(1, 14),
              Paragraph("<b>How to pay</b>: call " + (data.practice_phone or "our billing office")
                        + " to pay by card; or mail a check payable to " + data.practice_name + " to "
                        + ", ".join(data.practice_address) + ", writing account " + data.account
                        + " on it. Questions about your bill? Call us — we can set up a payment plan.", small)]
    doc.build(story)
    return buf.getvalue()
