"""Clearinghouse credentials, encrypted at rest with Fernet (cryptography) and never rendered back.

The key comes from `RCM_CREDENTIALS_KEY` (a Fernet key: 32 url-safe base64 bytes; or `RCM_CREDENTIALS_KEY_FILE`
naming a file holding it), from the `CLEARINGHOUSE_CREDENTIALS_KEY` setting, or — for development and the
demo only — is derived from SECRET_KEY. Several keys separated by commas rotate: the first encrypts, all
decrypt (MultiFernet).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_NAMES = ("password", "private_key", "private_key_passphrase", "api_key", "client_secret", "webhook_secret")


def _keys() -> list[bytes]:
    raw = os.environ.get("RCM_CREDENTIALS_KEY", "")
    path = os.environ.get("RCM_CREDENTIALS_KEY_FILE", "")
    if not raw and path:
        raw = Path(path).read_text().strip()
    raw = raw or getattr(settings, "CLEARINGHOUSE_CREDENTIALS_KEY", "") or ""
    if raw:
        return [k.strip().encode() for k in raw.split(",") if k.strip()]
    if os.environ.get("RCM_ENV") == "production":
        raise ImproperlyConfigured("RCM_CREDENTIALS_KEY must be set in production (clearinghouse credentials)")
    digest = hashlib.sha256(b"rcm-clearinghouse-credentials:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in _keys()])
    except ValueError as exc:
        raise ImproperlyConfigured("RCM_CREDENTIALS_KEY is not a valid Fernet key "
                                   "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')") from exc


def encrypt_credentials(values: dict[str, str]) -> bytes:
    clean = {k: v for k, v in values.items() if k in SECRET_NAMES and v}
    return _fernet().encrypt(json.dumps(clean, sort_keys=True).encode()) if clean else b""


def decrypt_credentials(token: bytes | memoryview | None) -> dict[str, str]:
    data = bytes(token or b"")
    if not data:
        return {}
    try:
        return dict(json.loads(_fernet().decrypt(data)))
    except InvalidToken as exc:
        raise ImproperlyConfigured("The clearinghouse credentials cannot be decrypted with RCM_CREDENTIALS_KEY "
                                   "(was the key changed without keeping the old one?)") from exc


def credentials_update(connection: Any, changes: dict[str, str | None]) -> None:
    """Apply changes to a connection's secrets: a value replaces, '' leaves as is, None removes. Not saved."""
    current = decrypt_credentials(connection.credentials)
    for name, value in changes.items():
        if name not in SECRET_NAMES:
            raise ValueError(f"unknown secret {name!r}")
        if value is None:
            current.pop(name, None)
        elif value != "":
            current[name] = value
    connection.credentials = encrypt_credentials(current)
    connection.credentials_set = sorted(current)
