"""HL7 v2 acknowledgements (original mode): AA, or AE / AR with the reason in MSA-3 and ERR."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading

from django.utils import timezone

from interop.hl7.reader import Header

_counter = itertools.count(1)
_lock = threading.Lock()


def escape(text: str, *, field_sep: str = "|", enc: str = "^~\\&") -> str:
    """Escape the delimiters (the escape character first) and fold line breaks, per HL7 v2 section 2.7."""
    comp, rep, esc, sub = enc[0], enc[1], enc[2], enc[3]
    out = text.replace(esc, f"{esc}E{esc}")
    for char, code in ((field_sep, "F"), (comp, "S"), (rep, "R"), (sub, "T")):
        out = out.replace(char, f"{esc}{code}{esc}")
    return out.replace("\r", " ").replace("\n", " ")


def _ack_control_id(control_id: str) -> str:
    with _lock:
        n = next(_counter)
    return f"A{os.getpid() % 100000}{n}"[:20] if not control_id else f"ACK{control_id}"[:20]


def ack_message(*, code: str, header: Header | None, text: str = "", error_code: str = "",
                now: dt.datetime | None = None) -> str:
    """The ACK for a message (segments joined by CR, no MLLP framing). Without a readable header the ACK
    still says AR, with what could not be read."""
    now = timezone.localtime(now or timezone.now())
    sep = header.field_sep if header else "|"
    enc = (f"{header.component_sep}{header.repetition_sep}{header.escape_char}{header.subcomponent_sep}"
           if header else "^~\\&")
    c = enc[0]

    def e(value: str) -> str:
        return escape(value, field_sep=sep, enc=enc)

    if header:
        msh = [f"MSH{sep}{enc}", e(header.receiving_application or "RCM"), e(header.receiving_facility or "RCM"),
               e(header.sending_application), e(header.sending_facility), now.strftime("%Y%m%d%H%M%S%z"), "",
               f"ACK{c}{e(header.trigger)}{c}ACK", _ack_control_id(header.control_id),
               e(header.processing_id or "P"), e(header.version or "2.5.1")]
        control = e(header.control_id)
    else:
        msh = [f"MSH{sep}{enc}", "RCM", "RCM", "", "", now.strftime("%Y%m%d%H%M%S%z"), "", f"ACK{c}{c}ACK",
               _ack_control_id(""), "P", "2.5.1"]
        control = ""
    segments = [sep.join(msh), sep.join(["MSA", code, control, e(text[:80])])]
    if code != "AA" or error_code:
        severity = "W" if code == "AA" else "E"
        hl7_code = error_code or ("207" if code == "AE" else "200")
        segments.append(sep.join(["ERR", "", "", f"{hl7_code}{c}{c}HL70357", severity, "", "", "", e(text[:1000])]))
    return "\r".join(segments) + "\r"
