"""A test MLLP sender and the listener started as its own process (`manage.py mllp_listener`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from interop.hl7.mllp import FrameReader, frame
from tests.integration.stack import ROOT, child_env, free_port


@contextmanager
def listener(**options: str) -> Iterator[int]:
    port = free_port()
    cmd = [sys.executable, "manage.py", "mllp_listener", "--port", str(port)]
    for name, value in options.items():
        cmd += [f"--{name.replace('_', '-')}", value]
    env = child_env("redis://127.0.0.1:1/0")
    env.pop("REDIS_URL")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "ready on" in line:
                break
            if not line and proc.poll() is not None:
                raise RuntimeError(f"mllp_listener exited with {proc.returncode}")
        else:
            raise RuntimeError("mllp_listener did not start")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining its log
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def send_all(port: int, messages: list[bytes], *, timeout: float = 120.0) -> list[bytes]:
    """Pipeline every message down one connection (a writer thread) and collect the ACKs in order."""
    acks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        writer = threading.Thread(target=lambda: [sock.sendall(frame(m)) for m in messages], daemon=True)
        writer.start()
        reader = FrameReader()
        while len(acks) < len(messages):
            data = sock.recv(65536)
            if not data:
                break
            acks.extend(reader.feed(data))
        writer.join(timeout)
    return acks


def send_one(port: int, message: bytes, *, timeout: float = 30.0) -> bytes | None:
    acks = send_all(port, [message], timeout=timeout)
    return acks[0] if acks else None


def msa(ack: bytes) -> tuple[str, str, str]:
    """(MSA-1, MSA-2, MSA-3) of an ACK."""
    for segment in ack.decode("utf-8", "replace").split("\r"):
        if segment.startswith("MSA|"):
            parts = [*segment.split("|"), "", "", ""]
            return parts[1], parts[2], parts[3]
    raise AssertionError(f"no MSA in {ack!r}")
