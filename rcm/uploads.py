"""One gate for every uploaded file: size capped while it streams in, content checked, names never trusted.

Why one module: the ERA upload, the clearinghouse inbox upload, HL7/FHIR/CSV imports and bank files all take
bytes from a browser or an API client. Each view hands its upload to `upload_read`, which

- refuses a file larger than `RCM_UPLOAD_MAX_BYTES` (10 MB by default) — `CappedUploadHandler` (first in
  `FILE_UPLOAD_HANDLERS`) stops reading the request as soon as the body or one file passes the cap, so an
  oversized upload is never read whole or spooled to disk;
- refuses ZIP (and gzip) archives: no import accepts an archive, so a ZIP bomb never reaches a decompressor;
- checks the content for the kind: an X12 interchange starts with a 106-character ISA segment whose
  delimiters are distinct; HL7 v2 starts with MSH (or MLLP framing); FHIR is a JSON object; CSV/BAI2 are text;
- returns the bytes with a display name cleaned of folders, control characters and quotes.

Uploads are stored in PostgreSQL rows (content + hash) named by generated ids; the client's file name is only
a label. `MEDIA_ROOT` (generated PDFs) lies outside the static root and is served only through views.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ISA_LENGTH = 106
KINDS = ("x12", "hl7_or_fhir", "csv", "bank")
_ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!")


class UploadRefused(ValidationError):
    """The upload is refused; the message says why in words a biller understands."""


def max_bytes() -> int:
    return int(getattr(settings, "RCM_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _too_large(size: int | None = None) -> str:
    got = f"The file is {_mb(size)}; " if size else "The upload is too large; "
    return got + f"the limit is {_mb(max_bytes())}. Split it and upload the parts."


class CappedUploadHandler(FileUploadHandler):
    """Stops a multipart upload as soon as the request or one file passes the cap (nothing more is read).

    The refusal is remembered on the request; `upload_read` (or `refusal_for`) turns it into a clear error."""

    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any,
                         encoding: str | None = None) -> tuple[QueryDict, MultiValueDict] | None:
        # A whole body far above the cap (a few KB of form fields aside) is refused before one byte is read:
        # returning a result short-circuits the parser with no fields and no files.
        if content_length and content_length > max_bytes() + 64 * 1024:
            if self.request is not None:
                self.request.rcm_upload_refused = _too_large(content_length)
            return QueryDict(mutable=True), MultiValueDict()
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received = start + len(raw_data)
        if self._received > max_bytes():
            self._refuse(self._received)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self, size: int) -> None:
        if self.request is not None:
            self.request.rcm_upload_refused = _too_large(size)
        raise StopUpload(connection_reset=True)


def refusal_for(request: Any) -> str | None:
    """The cap's refusal of this request's upload, if any (DRF's Request wraps Django's)."""
    inner = getattr(request, "_request", request)
    return getattr(inner, "rcm_upload_refused", None)


def refused_form(form_class: Any, field: str, why: str, **kwargs: Any) -> Any:
    """A bound form of `form_class` carrying only the refusal on `field` (the upload never reached it)."""
    form = form_class(data={}, files={}, **kwargs)
    form.is_valid()
    form.errors.clear()  # drop "this field is required": the real reason follows
    form.add_error(field, why)
    return form


def safe_filename(name: str | None, default: str = "upload") -> str:
    """The client's file name as a label: no folders, no control characters, no quotes, at most 120 chars."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[\"'<>;|`$]", "_", text).strip(" .")
    return text[:120] or default


def check_content(content: bytes, *, kind: str) -> None:
    """Refuse archives and content that is not the kind announced (UploadRefused with the reason)."""
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")
    if not content.strip():
        raise UploadRefused("The file is empty.")
    if content.startswith(_ARCHIVES):
        raise UploadRefused("Archives (ZIP, gzip, 7z, RAR) are not accepted: upload the file itself.")
    head = content.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if kind == "x12":
        _check_isa(head)
    elif kind == "hl7_or_fhir":
        if not (head.startswith((b"MSH", b"\x0bMSH", b"FHS", b"BHS", b"{"))):
            raise UploadRefused("Not an HL7 v2 message (it must start with MSH) or a FHIR JSON Bundle.")
    elif b"\x00" in content[:4096]:  # csv / bank: text, never binary
        raise UploadRefused("The file is binary, not a text (CSV or BAI2) file.")


def _check_isa(head: bytes) -> None:
    if not head.startswith(b"ISA"):
        raise UploadRefused("Not an X12 interchange: the file must start with an ISA segment.")
    if len(head) < ISA_LENGTH:
        raise UploadRefused(f"Not an X12 interchange: the ISA segment is cut short ({len(head)} of "
                            f"{ISA_LENGTH} characters).")
    isa = head[:ISA_LENGTH].decode("latin-1")
    element, component, terminator = isa[3], isa[104], isa[105]
    if len(isa.split(element)) != 17:
        raise UploadRefused("Not an X12 interchange: the ISA segment must be exactly 106 characters with 16 "
                            "fixed-width elements.")
    if terminator.isalnum() or len({element, component, terminator}) != 3 or element.isalnum():
        raise UploadRefused("Not an X12 interchange: the ISA delimiters (element, component, segment "
                            "terminator) must be distinct and not letters or digits.")


def upload_read(upload: Any, *, kind: str, request: Any = None) -> tuple[bytes, str]:
    """(content, display name) of an uploaded file after the size, archive and content checks.

    `upload` is a Django UploadedFile (or None when the cap stopped the upload; `request` then says why)."""
    if request is not None and (why := refusal_for(request)):
        raise UploadRefused(why)
    if upload is None:
        raise UploadRefused("Attach the file.")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():  # known before a byte of it is read
        raise UploadRefused(_too_large(size))
    chunks: list[bytes] = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > max_bytes():
            raise UploadRefused(_too_large(total))
        chunks.append(chunk)
    content = b"".join(chunks)
    check_content(content, kind=kind)
    return content, safe_filename(getattr(upload, "name", None))


def body_read(stream: Any, *, kind: str) -> bytes:
    """A raw request body (FHIR/HL7 posted as the body, not multipart), read at most one byte past the cap."""
    data = stream.read(max_bytes() + 1) if stream is not None else b""
    if len(data) > max_bytes():
        raise UploadRefused(_too_large())
    return data


def text_check(content: bytes, *, kind: str) -> bytes:
    """The size and content checks for a file sent inline (e.g. the 835 text in a JSON body)."""
    if len(content) > max_bytes():
        raise UploadRefused(_too_large(len(content)))
    check_content(content, kind=kind)
    return content
