"""Every upload passes rcm/uploads.py: capped while it streams, archives refused, content checked, names cleaned."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory, override_settings
from django.urls import reverse

from payments.models import Remittance
from rcm.uploads import CappedUploadHandler, UploadRefused, check_content, safe_filename, upload_read
from tests.trust.x12_samples import SAMPLES

pytestmark = pytest.mark.django_db
ERA = SAMPLES["835"]().encode()


class CountingStream(io.RawIOBase):
    """A multipart body of `size` bytes generated on demand; counts what the parser actually read."""

    def __init__(self, size: int, boundary: str) -> None:
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.835\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.head, self.size, self.pos, self.read_bytes = head, size, 0, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = 64 * 1024 if n is None or n < 0 else n
        if self.pos >= self.size:
            return b""
        chunk = (self.head + b"A" * n)[:n] if self.pos == 0 else b"A" * min(n, self.size - self.pos)
        self.pos += len(chunk)
        self.read_bytes += len(chunk)
        return chunk


def _parse(size: int, content_length: int) -> tuple[Any, CountingStream]:
    boundary = "BoUnDaRy"
    stream = CountingStream(size, boundary)
    request = RequestFactory().post("/")
    handlers = [CappedUploadHandler(request)]
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(content_length)}
    MultiPartParser(meta, stream, handlers).parse()
    return request, stream


@override_settings(RCM_UPLOAD_MAX_BYTES=1024 * 1024)
def test_the_handler_stops_reading_past_the_cap() -> None:
    """A 50 MB body whose length is not declared honestly: reading stops within a chunk or two of 1 MB."""
    request, stream = _parse(50 * 1024 * 1024, content_length=1024 * 1024)
    assert "limit is 1.0 MB" in request.rcm_upload_refused
    assert stream.read_bytes < 1024 * 1024 + 3 * 64 * 1024


@override_settings(RCM_UPLOAD_MAX_BYTES=1024 * 1024)
def test_a_declared_oversized_body_is_refused_before_one_byte_is_read() -> None:
    request, stream = _parse(50 * 1024 * 1024, content_length=50 * 1024 * 1024)
    assert "The file is 50.0 MB; the limit is 1.0 MB" in request.rcm_upload_refused
    assert stream.read_bytes == 0


def test_settings_route_every_upload_through_the_cap() -> None:
    assert settings.FILE_UPLOAD_HANDLERS[0] == "rcm.uploads.CappedUploadHandler"
    assert settings.RCM_UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    media = settings.MEDIA_ROOT.resolve()
    for static in [settings.STATIC_ROOT, *getattr(settings, "STATICFILES_DIRS", [])]:
        static = type(media)(static).resolve()
        assert static not in media.parents and media != static and media not in static.parents


@override_settings(RCM_UPLOAD_MAX_BYTES=64 * 1024)
def test_era_api_refuses_an_oversized_file_with_a_clear_error(world: Any, api_for: Any) -> None:
    big = ERA + b" " * (200 * 1024)
    resp = api_for(world.biller).post("/api/v1/eras/", {"file": SimpleUploadedFile("big.835", big)},
                                      format="multipart")
    assert resp.status_code == 400
    assert "the limit is 0.1 MB" in str(resp.json())
    assert not Remittance.objects.exists()


@override_settings(RCM_UPLOAD_MAX_BYTES=64 * 1024)
def test_era_api_refuses_oversized_inline_content(world: Any, api_for: Any) -> None:
    resp = api_for(world.biller).post("/api/v1/eras/", {"content": ERA.decode() + "X" * (100 * 1024)}, format="json")
    assert resp.status_code == 400 and "limit" in str(resp.json())
    assert not Remittance.objects.exists()


@pytest.mark.parametrize(("content", "why"), [
    (b"hello world", "must start with an ISA segment"),
    (b"ISA*00*short~", "cut short"),
    (ERA[:105] + b"Z" + ERA[106:], "delimiters"),
    (ERA[:50] + ERA[51:], "106 characters"),
])
def test_era_api_checks_the_isa(world: Any, api_for: Any, content: bytes, why: str) -> None:
    resp = api_for(world.biller).post("/api/v1/eras/", {"file": SimpleUploadedFile("x.835", content)},
                                      format="multipart")
    assert resp.status_code == 400 and why in str(resp.json()), resp.json()
    assert not Remittance.objects.exists()


def _zip_bomb() -> bytes:
    """~10 KB that would inflate to 100 MB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("era.835", b"\0" * (100 * 1024 * 1024))
    return buf.getvalue()


def test_zip_bombs_are_refused_everywhere(world: Any, api_for: Any, client_for: Any) -> None:
    bomb = _zip_bomb()
    assert len(bomb) < 200 * 1024
    api = api_for(world.biller)
    for url, data in [("/api/v1/eras/", {}), ("/api/v1/clearinghouse/files/", {}),
                      ("/api/v1/interop/csv-imports/", {"kind": "patients"}),
                      ("/api/v1/deposits/", {"kind": "csv"})]:
        resp = api.post(url, {**data, "file": SimpleUploadedFile("era.zip", bomb)}, format="multipart")
        assert resp.status_code == 400, (url, resp.status_code)
        assert "Archives (ZIP" in str(resp.json()), (url, resp.json())
    page = client_for(world.biller).post(reverse("payments:eras"), {"file": SimpleUploadedFile("era.zip", bomb)})
    assert page.status_code == 200 and "Archives (ZIP" in page.content.decode()
    assert not Remittance.objects.exists()


@override_settings(RCM_UPLOAD_MAX_BYTES=64 * 1024)
def test_pages_say_why_an_oversized_upload_was_refused(world: Any, client_for: Any) -> None:
    client = client_for(world.biller)
    page = client.post(reverse("payments:eras"), {"file": SimpleUploadedFile("big.835", ERA + b" " * 200_000)})
    assert page.status_code == 200 and "the limit is 0.1 MB" in page.content.decode()
    hl7 = client.post(reverse("interop:upload"), {"files": SimpleUploadedFile("a.hl7", b"MSH|" + b"x" * 200_000)},
                      follow=True)
    assert "the limit is 0.1 MB" in hl7.content.decode()
    assert not Remittance.objects.exists()


def test_client_file_names_are_labels_only(world: Any, api_for: Any) -> None:
    name = '../../etc/cron.d/"evil";\r\nX-Injected: 1.835'
    resp = api_for(world.biller).post("/api/v1/eras/", {"file": SimpleUploadedFile(name, ERA)}, format="multipart")
    assert resp.status_code == 202, resp.json()
    stored = Remittance.objects.get().filename
    assert "/" not in stored and '"' not in stored and "\r" not in stored and "\n" not in stored
    assert "evil" in stored and stored == safe_filename(stored)


def test_safe_filename_and_content_checks() -> None:
    assert safe_filename("..\\..\\windows\\sys.ini") == "sys.ini"
    assert safe_filename("") == "upload"
    assert safe_filename("a" * 300).startswith("a") and len(safe_filename("a" * 300)) == 120
    check_content(ERA, kind="x12")
    check_content(b"\xef\xbb\xbf" + ERA, kind="x12")  # a BOM is tolerated, as the readers do
    with pytest.raises(UploadRefused, match="binary"):
        check_content(b"Date,Amount\x00\x01", kind="csv")
    with pytest.raises(UploadRefused, match="HL7 v2"):
        check_content(b"%PDF-1.7", kind="hl7_or_fhir")
    with pytest.raises(UploadRefused, match="empty"):
        check_content(b"  \r\n", kind="x12")
    with pytest.raises(UploadRefused, match="Attach the file"):
        upload_read(None, kind="x12")
