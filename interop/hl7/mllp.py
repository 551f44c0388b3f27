"""MLLP (the Minimal Lower Layer Protocol): HL7 v2 over TCP, each message framed as <VT> message <FS><CR>.

Why our own server rather than hl7apy's `MLLPServer`: that one answers one message per connection and
then closes it, reads a byte at a time, and drops the connection without an ACK when a handler raises.
EHR interfaces keep one connection open and send thousands of messages down it, in order. This server
keeps connections open, reads in blocks, answers every framed message on the connection it came on (in
order, so a sender's updates are applied in the order sent), bounds connections and message size, and
closes a connection without an ACK only when the message could not be stored, so the sender resends it.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)

START, END = b"\x0b", b"\x1c\x0d"


def frame(payload: bytes) -> bytes:
    return START + payload + END


class FrameTooLarge(Exception):
    pass


class FrameReader:
    """Splits a byte stream into MLLP payloads; bytes outside a frame (line noise, keep-alives) are dropped."""

    def __init__(self, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.buffer = bytearray()
        self.max_bytes = max_bytes

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        out: list[bytes] = []
        while True:
            start = self.buffer.find(START)
            if start < 0:
                self.buffer.clear()
                return out
            if start:
                del self.buffer[:start]
            end = self.buffer.find(END, 1)
            if end < 0:
                if len(self.buffer) > self.max_bytes:
                    raise FrameTooLarge(f"message larger than {self.max_bytes} bytes")
                return out
            out.append(bytes(self.buffer[1:end]))
            del self.buffer[:end + len(END)]


OnMessage = Callable[[bytes, str], "bytes | None"]


class MllpServer(socketserver.ThreadingTCPServer):
    """A thread per connection (bounded); `on_message(payload, peer)` returns the ACK bytes, or None to hang up."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], on_message: OnMessage, *, idle_timeout: float = 300.0,
                 max_connections: int = 32, max_message_bytes: int = 4 * 1024 * 1024,
                 on_thread_exit: Callable[[], None] | None = None) -> None:
        self.on_message = on_message
        self.idle_timeout = idle_timeout
        self.max_message_bytes = max_message_bytes
        self.on_thread_exit = on_thread_exit
        self.slots = threading.BoundedSemaphore(max_connections)
        self.stats = {"messages": 0, "connections": 0, "refused": 0}
        self.stats_lock = threading.Lock()
        super().__init__(address, _Handler)

    def count(self, name: str) -> None:
        with self.stats_lock:
            self.stats[name] += 1

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        if not self.slots.acquire(blocking=False):
            self.count("refused")
            logger.warning("MLLP: connection from %s refused, all %s slots busy", client_address[0], "connection")
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()
            if self.on_thread_exit:
                self.on_thread_exit()


class _Handler(socketserver.BaseRequestHandler):
    server: MllpServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        sock.settimeout(self.server.idle_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = FrameReader(self.server.max_message_bytes)
        self.server.count("connections")
        while True:
            try:
                data = sock.recv(65536)
            except (TimeoutError, OSError):
                return
            if not data:
                return
            try:
                payloads = reader.feed(data)
            except FrameTooLarge as exc:
                logger.warning("MLLP %s: %s; closing", peer, exc)
                return
            for payload in payloads:
                ack = self.server.on_message(payload, peer)
                if ack is None:
                    return
                self.server.count("messages")
                try:
                    sock.sendall(frame(ack))
                except OSError:
                    return
