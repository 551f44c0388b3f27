"""One way to export a queue or report: CSV (streamed) or XLSX, safe to open in a spreadsheet.

Every page that offers a download calls `export_response(rows=..., columns=..., filename=..., fmt=...)`.
Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
are prefixed with a single quote (OWASP's CSV-injection advice); numbers, amounts and dates are written as
values of their own type, so totals still add up in the spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    kind: str = "text"  # text | money | number | date


def safe_text(value: str) -> str:
    """Neutralise spreadsheet formulas in a text cell."""
    return "'" + value if value.startswith(FORMULA_START) else value


def cell(value: Any) -> Any:
    """The value as written: numbers stay numbers, everything else becomes safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal, float, dt.date)):
        return value
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value)
    return safe_text(str(value))


def _csv_text(value: Any) -> str:
    value = cell(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Any], columns: Sequence[Column]) -> Iterator[str]:
    import csv

    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([c.header for c in columns])  # the BOM makes Excel read UTF-8
    for row in rows:
        yield writer.writerow([_csv_text(c.value(row)) for c in columns])


def xlsx_file(rows: Iterable[Any], columns: Sequence[Column], *, title: str = "Export") -> Any:
    """An .xlsx in a temporary file (openpyxl's write-only mode keeps memory flat for large exports)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Export")
    bold = Font(bold=True)
    header = []
    for c in columns:
        h = WriteOnlyCell(ws, value=safe_text(c.header))
        h.font = bold
        header.append(h)
    ws.append(header)
    formats = {"money": "#,##0.00", "date": "yyyy-mm-dd", "number": "0"}
    for row in rows:
        out = []
        for c in columns:
            value = cell(c.value(row))
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)
            item = WriteOnlyCell(ws, value=value)
            if c.kind in formats and not isinstance(value, str):
                item.number_format = formats[c.kind]
            out.append(item)
        ws.append(out)
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it when sent)
    wb.save(handle)
    handle.seek(0)
    return handle


def export_response(*, rows: Iterable[Any], columns: Sequence[Column], filename: str, fmt: str = "csv",
                    title: str = "Export") -> HttpResponse | StreamingHttpResponse | FileResponse:
    """CSV streams as it is read (any size); XLSX is built in a temporary file, then sent."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if fmt == "xlsx":
        return FileResponse(xlsx_file(rows, columns, title=title), as_attachment=True, filename=f"{filename}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = StreamingHttpResponse(csv_lines(rows, columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
