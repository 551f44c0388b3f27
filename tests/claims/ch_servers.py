"""Real servers on loopback for the adapter tests: an SFTP server (asyncssh, password login, chrooted to a
temporary folder) and a fake REST clearinghouse (http.server) that dedupes on the Idempotency-Key header."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class SftpServer:
    host: str
    port: int
    root: Path
    host_key: str  # "ssh-ed25519 AAAA…", as pasted into the connection
    username: str = "practice"
    password: str = "s3cret-pass"


@contextmanager
def sftp_server(root: Path) -> Iterator[SftpServer]:
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    public = key.export_public_key().decode().split()
    creds = {"practice": "s3cret-pass"}

    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return creds.get(username) == password

    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            holder["server"] = await asyncssh.listen(
                "127.0.0.1", 0, server_host_keys=[key], server_factory=Server,
                sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
                allow_scp=False)
            holder["port"] = holder["server"].sockets[0].getsockname()[1]
            started.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(20), "the SFTP server did not start"
    try:
        yield SftpServer("127.0.0.1", holder["port"], root, f"{public[0]} {public[1]}")
    finally:
        async def stop() -> None:
            holder["server"].close()
            await holder["server"].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@dataclass
class FakeClearinghouse:
    """What the fake vendor holds: submissions by idempotency key, and a reports mailbox."""

    api_key: str = "test-api-key"
    submissions: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: int = 0
    reports: list[dict[str, Any]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # status codes to answer the next requests with
    realtime_answer: bytes = b""
    url: str = ""


@contextmanager
def rest_server() -> Iterator[FakeClearinghouse]:
    state = FakeClearinghouse()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: bytes | dict[str, Any], ctype: str = "application/json") -> None:
            data = json.dumps(body).encode() if isinstance(body, dict) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _guard(self) -> bool:
            if state.fail_next:
                self._send(state.fail_next.pop(0), {"error": "injected"})
                return False
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self._send(401, {"error": "unauthorized"})
                return False
            return True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self._guard():
                return
            if self.path == "/v1/submissions":
                state.posts += 1
                key = self.headers.get("Idempotency-Key") or ""
                if key not in state.submissions:
                    state.submissions[key] = {"id": f"sub-{len(state.submissions) + 1}", "name":
                                              self.headers.get("X-Filename"), "content": body}
                self._send(201, {"id": state.submissions[key]["id"]})
            elif self.path == "/v1/realtime":
                self._send(200, state.realtime_answer, "application/edi-x12")
            else:
                self._send(404, {"error": "no such path"})

        def do_GET(self) -> None:
            if not self._guard():
                return
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/v1/submissions":
                key = (query.get("idempotency_key") or [""])[0]
                hit = state.submissions.get(key)
                self._send(200, {"results": [{"id": hit["id"]}] if hit else []})
            elif url.path == "/v1/reports":
                after = int((query.get("after") or ["0"])[0])
                rows = [{"id": r["id"], "name": r["name"], "cursor": str(r["id"])} for r in state.reports
                        if r["id"] > after]
                self._send(200, {"reports": rows})
            elif url.path.startswith("/v1/reports/"):
                rid = int(url.path.rsplit("/", 1)[1])
                hit = next((r for r in state.reports if r["id"] == rid), None)
                if hit is None:
                    self._send(404, {"error": "no such report"})
                else:
                    self._send(200, hit["content"], "application/edi-x12")
            else:
                self._send(404, {"error": "no such path"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
