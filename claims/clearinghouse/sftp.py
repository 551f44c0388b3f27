"""SFTP file drop, the usual way to reach a clearinghouse: 837s go up to an inbound folder, and 999, 277CA,
277, 271 and 835 files are picked up from an outbound folder. paramiko (maintained, pure Python) speaks SSH.

Exactly once on a folder: a file is written as `NAME.part` and renamed to `NAME` when complete (the
clearinghouse only picks up complete names), and each step is journaled in our database first. After an
interrupted attempt, `confirm` decides from the journal and the folder: `NAME` there, or gone after the
rename was journaled (picked up) = delivered; only `NAME.part` or nothing before the rename = not delivered
(the partial file is removed and the file is sent again).

The server's host key must be configured (`host_key`): we never trust a key on first use.
"""

from __future__ import annotations

import base64
import io
import posixpath
import stat
from typing import Any

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

PART = ".part"
TIMEOUT = 20.0


def _host_key(text: str) -> Any:
    import paramiko

    parts = text.strip().split()
    if len(parts) < 2:
        raise PermanentError("The SFTP host key is missing or malformed; paste the server's public key "
                             "('ssh-ed25519 AAAA…').")
    kind, data = parts[0], parts[1]
    try:
        blob = base64.b64decode(data)
        return paramiko.PKey.from_type_string(kind, blob)
    except Exception as exc:
        raise PermanentError(f"The SFTP host key cannot be read ({exc}).") from exc


class SftpAdapter(ClearinghouseAdapter):
    def __init__(self, connection: Any) -> None:
        super().__init__(connection)
        self._ssh: Any = None
        self._sftp: Any = None

    # --- session -------------------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._sftp is not None:
            return self._sftp
        import paramiko

        c = self.connection
        secrets = decrypt_credentials(c.credentials)
        ssh = paramiko.SSHClient()
        if not c.host_key.strip():
            raise PermanentError("No host key is configured for this SFTP server; refusing to connect.")
        key = _host_key(c.host_key)
        host = c.host if c.port == 22 else f"[{c.host}]:{c.port}"
        ssh.get_host_keys().add(host, key.get_name(), key)
        ssh.set_missing_host_key_policy(paramiko.RejectPolicy())
        pkey = None
        if secrets.get("private_key"):
            try:
                pkey = paramiko.PKey.from_private_key(io.StringIO(secrets["private_key"]),
                                                      password=secrets.get("private_key_passphrase") or None)
            except Exception as exc:
                raise PermanentError(f"The SFTP private key cannot be read ({exc}).") from exc
        try:
            ssh.connect(c.host, port=c.port, username=c.username, password=secrets.get("password") or None, pkey=pkey,
                        timeout=TIMEOUT, banner_timeout=TIMEOUT, auth_timeout=TIMEOUT, allow_agent=False,
                        look_for_keys=False)
        except paramiko.AuthenticationException as exc:
            raise PermanentError(f"SFTP login refused for {c.username}@{c.host}: check the credentials.") from exc
        except paramiko.BadHostKeyException as exc:
            raise PermanentError(f"The SFTP server's host key is not the configured one ({exc}); refusing.") from exc
        except paramiko.SSHException as exc:
            if "not found in known_hosts" in str(exc) or "known_hosts" in str(exc):
                raise PermanentError(f"The SFTP server's host key is not the configured one ({exc}).") from exc
            raise TransportError(f"SFTP connection to {c.host}:{c.port} failed: {exc}") from exc
        except (TimeoutError, OSError) as exc:
            raise TransportError(f"SFTP connection to {c.host}:{c.port} failed: {exc}") from exc
        self._ssh = ssh
        self._sftp = ssh.open_sftp()
        self._sftp.get_channel().settimeout(TIMEOUT)
        return self._sftp

    def close(self) -> None:
        for thing in (self._sftp, self._ssh):
            try:
                if thing is not None:
                    thing.close()
            except Exception:  # noqa: S110 - closing a broken session must not hide the real error
                pass
        self._sftp = self._ssh = None

    def _exists(self, path: str) -> bool:
        try:
            self._client().stat(path)
            return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise TransportError(f"SFTP stat {path} failed: {exc}") from exc

    def _paths(self, outbound: Outbound) -> tuple[str, str]:
        final = posixpath.join(self.connection.upload_dir or ".", outbound.filename)
        return final, final + PART

    # --- interface -----------------------------------------------------------------------------------
    def send(self, outbound: Outbound, journal: Journal) -> Receipt:
        final, part = self._paths(outbound)
        sftp = self._client()
        try:
            journal("uploading")
            sftp.putfo(io.BytesIO(outbound.content), part, file_size=len(outbound.content), confirm=True)
            journal("uploaded")
            try:
                sftp.posix_rename(part, final)
            except OSError:
                sftp.rename(part, final)
            journal("renamed")
        except (OSError, EOFError) as exc:
            self.close()
            if isinstance(exc, PermissionError):
                raise PermanentError(f"The SFTP server refused the upload to {final}: {exc}") from exc
            raise TransportError(f"SFTP upload of {outbound.filename} failed: {exc}") from exc
        return Receipt(remote_ref=final, detail=f"uploaded {len(outbound.content)} bytes to {final}")

    def confirm(self, outbound: Outbound, step: str) -> bool | None:
        final, part = self._paths(outbound)
        if self._exists(final) or step == "renamed":
            return True
        if self._exists(part):
            try:
                self._client().remove(part)
            except OSError as exc:
                raise TransportError(f"SFTP could not remove the partial {part}: {exc}") from exc
            return False
        # Journaled "uploaded" with neither name left: the rename happened and the file was picked up.
        return step == "uploaded"

    def list_inbound(self) -> list[InboundRef]:
        folder = self.connection.download_dir or "."
        try:
            entries = self._client().listdir_attr(folder)
        except OSError as exc:
            self.close()
            raise TransportError(f"SFTP listing of {folder} failed: {exc}") from exc
        refs = []
        for e in sorted(entries, key=lambda e: (e.st_mtime or 0, e.filename)):
            if e.filename.startswith(".") or e.filename.endswith(PART) or not stat.S_ISREG(e.st_mode or 0):
                continue
            refs.append(InboundRef(ref=posixpath.join(folder, e.filename), name=e.filename))
        return refs

    def fetch(self, ref: InboundRef) -> bytes:
        buf = io.BytesIO()
        try:
            self._client().getfo(ref.ref, buf)
        except OSError as exc:
            self.close()
            raise TransportError(f"SFTP download of {ref.ref} failed: {exc}") from exc
        return buf.getvalue()

    def done(self, ref: InboundRef) -> None:
        sftp = self._client()
        try:
            if self.connection.archive_dir:
                target = posixpath.join(self.connection.archive_dir, ref.name)
                try:
                    sftp.posix_rename(ref.ref, target)
                except OSError:
                    sftp.rename(ref.ref, target)
            else:
                sftp.remove(ref.ref)
        except FileNotFoundError:
            return  # already moved: nothing left to do
        except OSError as exc:
            raise TransportError(f"SFTP could not archive {ref.ref}: {exc}") from exc
