"""Responses: no caching of PHI, a strict CSP that the templates keep to, secure cookies in production."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.rcm.test_settings import ROOT, STRONG, _manage

pytestmark = pytest.mark.django_db


def test_signed_in_pages_and_api_answers_are_not_stored(client_for: Any, world: Any, api_for: Any) -> None:
    client = client_for(world.biller)
    for url in ("/", "/patients/", f"/patients/{world.patient.pk}/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store, private", url
    api = api_for(world.biller)
    response = api.get("/api/v1/patients/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"
    # an anonymous API answer too (DRF decides inside the view who is asking)
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/patients/")["Cache-Control"] == "no-store, private"


def test_every_response_has_the_content_security_policy(client: Any) -> None:
    csp = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_no_template_needs_inline_script() -> None:
    """The CSP forbids inline scripts and on* handlers: a template that adds one would silently break in browsers."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            for m in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)[:80]}")
    assert offenders == []


def test_api_docs_page_has_no_inline_script(client_for: Any, world: Any) -> None:
    html = client_for(world.biller).get("/api/docs/").content.decode()
    assert "<script" in html and not INLINE_SCRIPT.search(html)


def test_production_cookies_are_secure_and_host_only() -> None:
    out = _manage("shell", "-c", "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
                  "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SECURE_HSTS_SECONDS)",
                  RCM_ENV="production", SECRET_KEY=STRONG, ALLOWED_HOSTS="rcm.example.org")
    assert out.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "__Host-sessionid", "__Host-csrftoken", "31536000"], out.stderr


def test_urls_carry_ids_never_names() -> None:
    """No PHI in URLs: every path parameter in the URL conf is a number (ids), never a name, MRN or date."""
    from django.urls import get_resolver
    from django.urls.resolvers import URLPattern, URLResolver

    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.extend(f"{route}: {name}" for name in re.findall(r"<(?:str|slug|path):(\w+)>", route)
                             if name not in ALLOWED_STR_PARAMS)
    walk(get_resolver().url_patterns, "")
    assert found == []


# Non-PHI string parameters (formats, admin internals, static assets).
ALLOWED_STR_PARAMS = {"format", "app_label", "object_id", "content_type_id", "url", "path", "model", "kind", "system", "fmt"}
_ = Path
