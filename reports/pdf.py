"""The dashboard as a PDF for the monthly report, drawn server-side with reportlab (already a dependency).

The same numbers as the page (`reports.views.dashboard_data`): key figures with their definitions, A/R aging
(chart and table, by payer / provider / location), trends by month (chart and table), denials, work queues.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

BLUE, AMBER, GREEN, RED, GREY = (colors.HexColor(c) for c in ("#1f5fa8", "#e0a030", "#1d7a46", "#b3261e", "#9db7d8"))


def _money(v: Any) -> str:
    return "—" if v is None else f"${Decimal(v):,.2f}"


def _pct(v: Any) -> str:
    return "—" if v is None else f"{Decimal(v) * 100:.1f}%"


def _kpi_value(k: dict[str, Any]) -> str:
    if k["kind"] == "percent":
        return _pct(k["value"])
    if k["kind"] == "money":
        return _money(k["value"])
    if k["value"] is None:
        return "—"
    return f"{Decimal(k['value']):,.1f}" + (" days" if k["kind"] == "days" else "")


def _table(rows: list[list[Any]], widths: list[float] | None = None, *, num_from: int = 1) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c5ced9")),
        ("ALIGN", (num_from, 0), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return t


def _bars(labels: list[str], series: list[tuple[str, list[float], Any]], *, width: float, height: float,
          stacked: bool = False) -> Drawing:
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 30, width - 150, height - 45
    chart.data = [values or [0] for _name, values, _color in series]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: f"${v:,.0f}"
    if stacked:
        chart.categoryAxis.style = "stacked"
    for i, (_name, _values, color) in enumerate(series):
        chart.bars[i].fillColor = color
        chart.bars[i].strokeColor = None
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 95, height - 20
    legend.fontSize = 7
    legend.colorNamePairs = [(color, name) for name, _values, color in series]
    d.add(legend)
    return d


def dashboard_pdf(*, data: dict[str, Any], practice_name: str, filter_labels: list[str]) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(letter), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=f"Practice dashboard — {practice_name}")
    width = doc.width
    story: list[Any] = [Paragraph(f"Practice dashboard — {practice_name}", styles["Title"]),
                        Paragraph(" · ".join(filter_labels), small)]
    state = data["state"]
    story.append(Paragraph(f"Figures as of {state.snapshot_at:%d %b %Y %H:%M}" if state else "Figures as of now", small))
    story.append(Spacer(1, 4 * mm))

    story.append(Paragraph("Key figures", styles["Heading2"]))
    rows = [["Measure", "Value", "Formula", "Definition"]]
    for k in data["kpis"]:
        rows.append([Paragraph(k["name"], small), _kpi_value(k), Paragraph(k["formula"], small),
                     Paragraph(f"{k['definition']} <i>({k['source']})</i>", small)])
    t = _table(rows, [38 * mm, 24 * mm, 55 * mm, width - 117 * mm])
    t.setStyle(TableStyle([("ALIGN", (2, 0), (-1, -1), "LEFT")]))
    story.append(t)

    ar = data["ar"]
    story.append(Paragraph("Accounts receivable aging", styles["Heading2"]))
    aging = _bars(ar["labels"], [("Insurance", [float(b["ins"]) for b in ar["buckets"]], BLUE),
                                 ("Patient", [float(b["pat"]) for b in ar["buckets"]], AMBER)],
                  width=width * 0.5, height=60 * mm, stacked=True)
    rows = [["Age (days)", "Insurance", "Patient", "Total"]]
    rows += [[b["label"], _money(b["ins"]), _money(b["pat"]), _money(b["total"])] for b in ar["buckets"]]
    rows += [["Total", _money(ar["ins"]), _money(ar["pat"]), _money(ar["total"])],
             ["Over 90 days", "", "", f"{_money(ar['over_90'])} ({_pct(data['kpis'][1]['value'])})"]]
    story.append(Table([[aging, _table(rows)]], colWidths=[width * 0.52, width * 0.48]))
    for title, key in (("payer", "by_payer"), ("provider", "by_provider"), ("location", "by_location")):
        rows = [[title.capitalize(), *ar["labels"], "Total"]]
        rows += [[r["name"], *(_money(v) for v in r["ages"]), _money(r["total"])] for r in ar[key]]
        story.append(KeepTogether([Paragraph(f"A/R by {title}", styles["Heading3"]), _table(rows)]))

    story.append(Paragraph("Trends by month", styles["Heading2"]))
    months = data["trends"]
    labels = [m["month"].strftime("%b %y") for m in months]
    story.append(_bars(labels, [("Charges", [float(m["charges"]) for m in months], GREY),
                                ("Payments", [float(m["payments"]) for m in months], GREEN),
                                ("Adjustments", [float(m["adjustments"]) for m in months], AMBER),
                                ("Denied $", [float(m["denied_amount"]) for m in months], RED)],
                       width=width, height=65 * mm))
    rows = [["Month", "Charges", "Payments", "Adjustments", "Denials", "Denied $"]]
    rows += [[m["month"].strftime("%b %Y"), _money(m["charges"]), _money(m["payments"]), _money(m["adjustments"]),
              f"{m['denials']:,}", _money(m["denied_amount"])] for m in months]
    story.append(_table(rows))

    den = data["denials"]
    rows = [["Category", "Lines", "Claims", "Rate", "Amount"]]
    rows += [[c["label"], c["denials"], c["claims"], _pct(c["rate"]), _money(c["amount"])] for c in den["by_category"]]
    story.append(KeepTogether([Paragraph("Denials by category", styles["Heading2"]), _table(rows)]))
    rows = [["Group-CARC", "Lines", "Claims", "Rate", "Amount"]]
    rows += [[f"{c['group']}-{c['carc']}", c["denials"], c["claims"], _pct(c["rate"]), _money(c["amount"])]
             for c in den["by_carc"]]
    story.append(KeepTogether([Paragraph("Denials by CARC", styles["Heading3"]), _table(rows)]))

    rows = [["Status", "Waiting for", "Claims", "Balance", "Avg age (d)", "Oldest (d)", "Target (d)", "Past target"]]
    rows += [[q["label"], q["why"], q["claims"], _money(q["balance"]),
              f"{q['avg_age']:.1f}" if q["avg_age"] is not None else "—", q["oldest"], q["target"], q["overdue"]]
             for q in data["queues"]]
    story.append(KeepTogether([Paragraph("Work-queue health", styles["Heading2"]), _table(rows, num_from=2)]))
    rows = [["Coder", "Coded", "Days", "Per day", "Suggestions", "Accepted", "Acceptance"]]
    rows += [[c["coder"], c["worksheets"], c["days"], f"{c['per_day']:.1f}" if c["per_day"] is not None else "—",
              c["suggested"], c["accepted"], _pct(c["acceptance"])] for c in data["coding"]["coders"]]
    story.append(KeepTogether([Paragraph("Coding", styles["Heading2"]), _table(rows)]))
    doc.build(story)
    return buf.getvalue()
