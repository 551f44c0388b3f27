"""`Idempotency-Key` for money-moving API calls: a retry returns the first answer, never a second posting.

Why: a client that lost the answer to "post this payment" retries; without a key the retry posts again. With
`Idempotency-Key: <any unique string>` the first call's status and body are stored (`IdempotencyRecord`, per
user and practice); the same key with the same method, path and body gets that stored answer back (header
`Idempotent-Replayed: true`), the same key with anything else is refused with 422, and a retry while the first
call is still running gets 409. A call that failed with a server error keeps no record, so it can be retried.

Use `@idempotent` on a DRF view method (`create`, or an `@action`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from rcm.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY = 255


def _practice_id(request: Request) -> int | None:
    """The practice the record is filed under: the one named, else the active one, else the user's first — always
    one of the user's own (a token request has no active practice; row-level security refuses any other)."""
    from rcm.tenancy import memberships

    mine = [m.practice_id for m in memberships(request.user)]
    wanted = request.query_params.get("practice", "")
    if wanted.isdigit() and int(wanted) in mine:
        return int(wanted)
    active = getattr(request._request, "practice_id", None)
    if active in mine:
        return int(active)
    return mine[0] if mine else None


def _fingerprint(request: Request) -> str:
    """SHA-256 of method, path and body; uploaded files count by their content."""
    h = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    items: list[tuple[str, Any]] = []
    if hasattr(data, "lists"):
        for name, values in sorted(data.lists()):
            for value in values:
                if hasattr(value, "chunks"):
                    digest = hashlib.sha256()
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                    value = f"file:{digest.hexdigest()}"
                items.append((name, value))
        h.update(json.dumps(items, default=str).encode())
    elif isinstance(data, bytes | bytearray):
        h.update(bytes(data))
    else:
        h.update(json.dumps(data, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _refuse(code: int, message: str) -> Response:
    return Response({"detail": message, "code": "idempotency_key"}, status=code)


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Make a DRF view method honour `Idempotency-Key` (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(self, request, *args, **kwargs)
        if len(key) > MAX_KEY or not key.isprintable():
            return _refuse(status.HTTP_400_BAD_REQUEST, f"{HEADER} must be printable and at most {MAX_KEY} characters.")
        fingerprint = _fingerprint(request)
        scope = {"user": request.user, "practice_id": _practice_id(request), "key": key}
        try:
            with transaction.atomic():  # a savepoint: the unique constraint decides who runs the call
                record = IdempotencyRecord.objects.create(**scope, method=request.method, path=request.path[:500],
                                                          fingerprint=fingerprint)
        except IntegrityError:
            stored = IdempotencyRecord.objects.get(**scope)
            if stored.fingerprint != fingerprint:
                return _refuse(status.HTTP_422_UNPROCESSABLE_ENTITY,
                               f"This {HEADER} was already used for a different request ({stored.method} "
                               f"{stored.path}); use a new key for a new request.")
            if stored.status_code is None:
                return _refuse(status.HTTP_409_CONFLICT,
                               f"A request with this {HEADER} is still being processed; retry shortly.")
            replay = Response(stored.response, status=stored.status_code)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = view(self, request, *args, **kwargs)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=response.status_code,
                                                              response=response.data)
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]  # the catalog test looks for it
    return wrapper
