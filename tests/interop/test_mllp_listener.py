"""The MLLP listener as its own process on loopback: a burst of 1,000 messages, none lost, every one ACKed."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

import pytest

from billing.models import ChargeLine, ChartNote, Encounter, Patient
from interop.models import InboundMessage, UnroutedMessage
from tests.interop import samples
from tests.interop.mllp_client import listener, msa, send_all, send_one

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _patient_messages(i: int, dos: Any) -> list[tuple[str, bytes]]:
    mrn, visit = f"MB{i:05d}", f"VB{i:05d}"
    base = f"2026010{1 + i % 8}"
    msgs = [
        (f"A04-{i}", samples.adt(f"A04-{i}", mrn=mrn, when=f"{base}080000")),
        (f"MDM-{i}", samples.mdm(f"MDM-{i}", dos=dos, visit=visit, doc=f"D{i}", mrn=mrn, when=f"{base}110000")),
        (f"DFT-{i}", samples.dft(f"DFT-{i}", dos=dos, visit=visit, mrn=mrn, when=f"{base}170000")),
        (f"A08-{i}", samples.adt(f"A08-{i}", trigger="A08", mrn=mrn, when=f"{base}180000", in1=[],
                                 phone="^PRN^PH^^^717^5550999")),
    ]
    return [(cid, text.replace("T-V9001", f"T-{visit}").encode()) for cid, text in msgs]


def test_a_burst_of_1000_messages_on_four_connections_is_stored_applied_and_acked(ready: Any) -> None:
    streams = [[m for i in range(k, 250, 4) for m in _patient_messages(i, ready.dos)] for k in range(4)]
    assert sum(len(s) for s in streams) == 1000
    with listener() as port:
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda s: send_all(port, [m for _, m in s], timeout=300), streams))
        elapsed = time.monotonic() - started
    for stream, acks in zip(streams, results, strict=True):
        assert len(acks) == len(stream)
        assert [msa(a)[:2] for a in acks] == [("AA", cid) for cid, _ in stream]  # in order, each one answered
    assert InboundMessage.objects.count() == 1000
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {"processed"}
    assert Patient.objects.filter(mrn__startswith="MB").count() == 250
    assert set(Patient.objects.filter(mrn__startswith="MB").values_list("phone", flat=True)) == {"7175550999"}
    encounters = Encounter.objects.filter(patient__mrn__startswith="MB")
    assert encounters.count() == 250
    assert set(encounters.values_list("status", flat=True)) == {"coded"}
    assert ChargeLine.objects.filter(encounter__in=encounters).count() == 750
    assert ChartNote.objects.filter(encounter__in=encounters).count() == 250
    print(f"\nMLLP burst: 1000 messages in {elapsed:.1f} s ({1000 / elapsed:.0f} messages/s)")


def test_resent_messages_are_acked_again_without_being_applied_twice(ready: Any) -> None:
    dft = samples.dft("DFT-R1", dos=ready.dos).encode()
    with listener() as port:
        first = send_one(port, dft)
        again = send_all(port, [dft, dft])
    assert first is not None and msa(first)[:2] == ("AA", "DFT-R1")
    assert [msa(a)[:2] for a in again] == [("AA", "DFT-R1"), ("AA", "DFT-R1")]
    assert InboundMessage.objects.filter(control_id="DFT-R1").count() == 1
    assert ChargeLine.objects.filter(encounter__patient__mrn="MRN10001").count() == 3


def test_unknown_sender_unreadable_and_unsupported_messages_get_ar_with_the_reason(ready: Any) -> None:
    stranger = samples.adt("X-1").replace("|DERMCLINIC|", "|OTHERCLINIC|", 1).encode()
    latin1 = samples.adt("X-2", last="Muñoz").encode("latin-1")  # é/ñ in Latin-1, with no MSH-18 declared
    merge = samples.adt("X-3", trigger="A40").encode()
    with listener() as port:
        acks = send_all(port, [stranger, latin1, merge, b"\x0bgarbage\x1c\x0d"[1:-2]])
    codes = [msa(a) for a in acks]
    assert codes[0][:2] == ("AR", "X-1") and "Unknown sending facility" in codes[0][2]
    assert codes[1][0] == "AR" and "UTF-8" in codes[1][2]
    assert codes[2][:2] == ("AR", "X-3") and "not supported" in codes[2][2]
    assert codes[3][0] == "AR"
    assert UnroutedMessage.objects.count() == 3  # unknown sender, undecodable, no MSH
    assert InboundMessage.objects.filter(control_id="X-3", status="rejected", ack_code="AR").count() == 1
    assert not Patient.objects.filter(last_name="Muñoz").exists()
