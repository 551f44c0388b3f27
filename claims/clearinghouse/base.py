"""The one interface every clearinghouse adapter implements, and how a practice's adapter is chosen.

    send(outbound, journal)   upload one file; idempotent for its key (the adapter journals each step)
    confirm(outbound, step)   after an interrupted send: was the file delivered? (True / False / None = cannot tell)
    list_inbound()            the answers waiting for us (names or message ids)
    fetch(ref)                one answer's bytes, exactly as the clearinghouse holds them
    done(ref)                 tell the clearinghouse we stored it (move to archive, delete, or advance a cursor)
    realtime(x12)             optional: a synchronous 270/271 or 276/277 exchange

Transport problems raise `TransportError` (the task retries with backoff); a refusal that retrying cannot
fix (bad credentials, an unknown host key, a file the clearinghouse will not take) raises `PermanentError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claims.clearinghouse.models import ClearinghouseConnection

Journal = Callable[[str], None]


class TransportError(Exception):
    """The clearinghouse could not be reached or did not answer; trying again later may work."""


class PermanentError(Exception):
    """The clearinghouse refused in a way retrying will not fix."""


@dataclass(frozen=True)
class Outbound:
    key: str  # idempotency key: the same file under the same key is delivered at most once
    filename: str
    content: bytes
    kind: str = "837"  # 837, 276, 270


@dataclass(frozen=True)
class Receipt:
    remote_ref: str = ""
    detail: str = ""


@dataclass(frozen=True)
class InboundRef:
    ref: str  # what fetch()/done() take: a path, a message id
    name: str  # a file name to show and store
    meta: dict[str, Any] | None = None


class ClearinghouseAdapter(ABC):
    supports_realtime = False

    def __init__(self, connection: ClearinghouseConnection) -> None:
        self.connection = connection

    @abstractmethod
    def send(self, outbound: Outbound, journal: Journal) -> Receipt: ...

    @abstractmethod
    def confirm(self, outbound: Outbound, step: str) -> bool | None: ...

    @abstractmethod
    def list_inbound(self) -> list[InboundRef]: ...

    @abstractmethod
    def fetch(self, ref: InboundRef) -> bytes: ...

    @abstractmethod
    def done(self, ref: InboundRef) -> None: ...

    def realtime(self, x12: str) -> str:
        raise PermanentError(f"{self.connection.get_kind_display()} has no real-time exchange; the answer "
                             "arrives with the next poll")

    def close(self) -> None:  # noqa: B027 - optional hook: most adapters hold nothing to release
        """Release connections (SFTP sessions)."""


def adapter_for(connection: ClearinghouseConnection) -> ClearinghouseAdapter:
    """The adapter for a connection's kind (imported lazily: paramiko only where SFTP is used)."""
    if connection.kind == "sandbox":
        from claims.clearinghouse.sandbox import SandboxAdapter

        return SandboxAdapter(connection)
    if connection.kind == "sftp":
        from claims.clearinghouse.sftp import SftpAdapter

        return SftpAdapter(connection)
    if connection.kind == "rest":
        from claims.clearinghouse.rest import RestAdapter

        return RestAdapter(connection)
    raise PermanentError(f"unknown clearinghouse kind {connection.kind!r}")
