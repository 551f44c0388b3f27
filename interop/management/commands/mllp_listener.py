"""Run the MLLP listener: HL7 v2 from EHR interfaces, each message stored, applied and acknowledged."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from interop.hl7.mllp import MllpServer
from interop.hl7.reader import ack_codec
from interop.models import Channel
from interop.services.messages import hl7_receive

logger = logging.getLogger("interop.mllp")


def on_message(payload: bytes, peer: str) -> bytes | None:
    close_old_connections()
    try:
        received = hl7_receive(raw=payload, channel=Channel.MLLP, peer=peer)
    except Exception:
        # Not stored (database down …): no ACK, so the sender keeps the message and sends it again.
        logger.exception("MLLP %s: message could not be stored; closing without an ACK", peer)
        connection.close()
        return None
    return received.ack.encode(ack_codec(payload), "replace")


class Command(BaseCommand):
    help = "Listen for HL7 v2 over MLLP (ADT, DFT, MDM, ORU); routes by MSH-4 to the practice mapped under Interfaces."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 in a container)")
        parser.add_argument("--port", type=int, default=2575)
        parser.add_argument("--max-connections", type=int, default=32)
        parser.add_argument("--idle-timeout", type=float, default=300.0, help="seconds before an idle connection closes")
        parser.add_argument("--max-message-kb", type=int, default=4096)

    def handle(self, *args: Any, **opts: Any) -> None:
        server = MllpServer((opts["host"], opts["port"]), on_message, idle_timeout=opts["idle_timeout"],
                            max_connections=opts["max_connections"], max_message_bytes=opts["max_message_kb"] * 1024,
                            on_thread_exit=connection.close)

        def stop(signum: int, _frame: Any) -> None:
            logger.info("MLLP listener stopping (signal %s)", signum)
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        host, port = server.server_address[:2]
        self.stdout.write(f"MLLP listener ready on {host}:{port}")
        self.stdout.flush()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            self.stdout.write(f"MLLP listener stopped: {server.stats}")
