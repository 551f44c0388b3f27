"""REST clearinghouse: submit a raw X12 batch over HTTPS, then read answers from a reports mailbox (with a
cursor) or on a webhook's nudge, as the common vendors' APIs do. requests carries it.

The API we speak (base URL per connection; bearer API key from the encrypted credentials):

    POST /v1/submissions            body: the X12 file; headers Idempotency-Key, X-Filename -> {"id": …}
    GET  /v1/submissions?idempotency_key=K                        -> {"results": [{"id": …}]}
    GET  /v1/reports?after=CURSOR                                 -> {"reports": [{"id", "name"}], "next": …}
    GET  /v1/reports/{id}                                         -> the file's bytes
    POST /v1/realtime               body: a 270 or 276            -> the 271 / 277

Idempotency: the vendor dedupes on the Idempotency-Key header, and `confirm` asks it whether a key was
received, so a retry after a lost answer never submits twice. The cursor only advances past a report
after we stored it (`done`). A webhook (`POST /api/v1/clearinghouse/webhook/<connection>/`, HMAC-signed)
just triggers a poll.
"""

from __future__ import annotations

from typing import Any

import requests

from claims.clearinghouse.base import (
    ClearinghouseAdapter,
    InboundRef,
    Journal,
    Outbound,
    PermanentError,
    Receipt,
    TransportError,
)
from claims.clearinghouse.secrets import decrypt_credentials

TIMEOUT = (5.0, 30.0)


class RestAdapter(ClearinghouseAdapter):
    supports_realtime = True

    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self.session = requests.Session()
        key = decrypt_credentials(connection.credentials).get("api_key", "")
        if key:
            self.session.headers["Authorization"] = f"Bearer {key}"
        self.session.headers["User-Agent"] = "rcm-clearinghouse/1"
        self.base = connection.base_url.rstrip("/")
        if not self.base:
            raise PermanentError("The REST connection has no base URL.")

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            resp = self.session.request(method, self.base + path, timeout=TIMEOUT, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransportError(f"{method} {path}: {exc}") from exc
        if resp.status_code >= 500 or resp.status_code == 429:
            raise TransportError(f"{method} {path}: the clearinghouse answered {resp.status_code}")
        if resp.status_code in (401, 403):
            raise PermanentError(f"{method} {path}: refused ({resp.status_code}); check the API key.")
        if resp.status_code >= 400:
            raise PermanentError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp

    def send(self, outbound: Outbound, journal: Journal) -> Receipt:
        journal("posting")
        resp = self._call("POST", "/v1/submissions", data=outbound.content,
                          headers={"Idempotency-Key": outbound.key, "X-Filename": outbound.filename,
                                   "Content-Type": "application/edi-x12"})
        journal("posted")
        body = resp.json() if resp.content else {}
        return Receipt(remote_ref=str(body.get("id", "")), detail=f"accepted by the API ({resp.status_code})")

    def confirm(self, outbound: Outbound, step: str) -> bool | None:
        resp = self._call("GET", "/v1/submissions", params={"idempotency_key": outbound.key})
        return bool(resp.json().get("results"))

    def list_inbound(self) -> list[InboundRef]:
        resp = self._call("GET", "/v1/reports", params={"after": self.connection.cursor} if self.connection.cursor else {})
        return [InboundRef(ref=str(r["id"]), name=str(r.get("name") or f"report-{r['id']}"),
                           meta={"cursor": str(r.get("cursor") or r["id"])}) for r in resp.json().get("reports", [])]

    def fetch(self, ref: InboundRef) -> bytes:
        return self._call("GET", f"/v1/reports/{ref.ref}").content

    def done(self, ref: InboundRef) -> None:
        from claims.clearinghouse.models import ClearinghouseConnection

        cursor = (ref.meta or {}).get("cursor") or ref.ref
        self.connection.cursor = cursor
        ClearinghouseConnection.objects.filter(pk=self.connection.pk).update(cursor=cursor)

    def realtime(self, x12: str) -> str:
        resp = self._call("POST", "/v1/realtime", data=x12.encode("latin-1"),
                          headers={"Content-Type": "application/edi-x12"})
        return resp.content.decode("latin-1")

    def close(self) -> None:
        self.session.close()
