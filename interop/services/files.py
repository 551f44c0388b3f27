"""Files in: an uploaded file or a folder of them, HL7 v2 (.hl7/.txt, one or many messages) or FHIR (.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from interop.models import Format
from interop.services.messages import hl7_file_store
from rcm.jobs import job_enqueue

FHIR_SUFFIXES = (".json", ".ndjson")
HL7_SUFFIXES = (".hl7", ".txt", ".msg", ".er7")


def sniff_format(filename: str, content: bytes) -> str:
    head = content.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \r\n\t\x0b")[:16]
    if filename.lower().endswith(FHIR_SUFFIXES) or head.startswith((b"{", b"[")):
        return Format.FHIR
    return Format.HL7V2


def file_store(*, practice_id: int, filename: str, content: bytes, channel: str, user: Any = None) -> tuple[list[int], list[str]]:
    """Store one file's messages (raw, idempotently); return (message ids, problems)."""
    from interop.fhir.reader import FhirReject
    from interop.services.fhir import fhir_store

    if sniff_format(filename, content) == Format.HL7V2:
        return hl7_file_store(practice_id=practice_id, content=content, channel=channel, user=user)
    try:
        message = fhir_store(practice_id=practice_id, content=content, channel=channel, user=user)
    except FhirReject as exc:
        return [], [f"{filename}: {exc}"]
    return [message.pk], []


def files_import(*, practice_id: int, files: list[tuple[str, bytes]], channel: str, user: Any = None) -> tuple[Any, list[str]]:
    """Store every file, then enqueue one job that processes them all (in the order received)."""
    ids: list[int] = []
    problems: list[str] = []
    for name, content in files:
        got, bad = file_store(practice_id=practice_id, filename=name, content=content, channel=channel, user=user)
        ids += got
        problems += [p if p.startswith(name) else f"{name}: {p}" for p in bad]
    job = None
    if ids:
        job = job_enqueue(kind="interop.import", practice_id=practice_id, params={"message_ids": ids}, total=len(ids),
                          user=user)
    return job, problems


def folder_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in FHIR_SUFFIXES + HL7_SUFFIXES)
