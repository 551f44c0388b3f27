"""Every X12 reader, fed any bytes, returns its model or raises its one error type — nothing else.

Hypothesis mutates real-shaped files (written by our own writers, `x12_samples.py`): other and broken
delimiters, stray line breaks, several envelopes, wrong counts and control numbers, non-ASCII, truncation,
deleted / duplicated / swapped segments, random element values, and plain random bytes. The claims readers
(999, 277CA, 277, 271, TA1) raise `X12SyntaxError`; the 835 reader never raises and returns `problems`
(blocking; nothing is posted) that name the segment. Any other exception (IndexError, KeyError, a pydantic
ValidationError, UnicodeError …) fails the test.

The default run is about 11,000 cases in well under a minute (the 999/277CA bulk runs skip pyx12's guide
validation, a separate smaller run keeps it). `FUZZ_EXAMPLES=N` sets the cases per reader for a longer run.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from claims.x12.reader_271 import EligibilityResponseIn, read_271
from claims.x12.reader_277 import StatusReport, read_277, read_277ca
from claims.x12.reader_999 import Ack999, read_999
from claims.x12.reader_ta1 import Ta1File, read_ta1
from claims.x12.segments import X12SyntaxError, parse_interchange
from payments.x12.reader_835 import ReadResult, read_835
from tests.trust.x12_samples import SAMPLES, with_delimiters

PER_READER = int(os.environ.get("FUZZ_EXAMPLES", "1900"))
SLOW_READER = max(PER_READER // 2, 1)  # x12sdk's 277 costs a few ms a file
VALIDATED = int(os.environ.get("FUZZ_VALIDATED_EXAMPLES", "12"))  # pyx12 costs ~0.3 s a file

SEGMENT_RE = re.compile(r"segment (\d+|end)|^The file is empty|^Not a readable X12 file|holds no 835 transaction")

# --- mutations ---------------------------------------------------------------------------------------------
# Hypothesis draws a seed and how many mutations; which ones, positions and values come from
# random.Random(seed) (drawing each through Hypothesis costs ~10 ms a case on this machine).
DELIMS = list("*|^~:!\\+>{}\x1d\x1e\x1f\n\r\t ,;'\"ZA9")
NON_ASCII = ["é", "ü", "中", "\u00a0", "\ufeff", "\u2028", "\x00", "\x7f", "💶", "ÿ", "\x85"]
NUMBERISH = ["", "0", "-1", "99999999999999999999", "1e9999", "NaN", "Infinity", "1.2.3", "-0", "00000000",
             "20250230", "ABC", "9" * 60, " ", "*", "~", "-", "+5", "0x10", "1_000"]
KINDS = ["delims", "bad_delims", "newlines", "envelopes", "counts", "non_ascii", "truncate", "drop_seg", "dup_seg",
         "swap_seg", "element", "splice", "isa_pad"]


def _segments(text: str) -> tuple[str, list[str]]:
    term = text[105] if len(text) > 105 else "~"
    return term, text.split(term)


def _junk(r: random.Random, n: int) -> str:
    return bytes(r.randrange(256) for _ in range(r.randrange(n + 1))).decode("latin-1")


def mutate(text: str, kind: str, r: random.Random) -> str:
    """One mutation of `text` (a whole interchange as str)."""
    term, segs = _segments(text)
    if kind == "delims":
        e, c, s = r.sample(DELIMS, 3)
        return with_delimiters(text, e, c, s)
    if kind == "bad_delims":  # change one delimiter in the ISA only, or in the body only
        if r.random() < 0.5 and len(text) > 105:
            pos = r.choice([3, 82, 104, 105])
            return text[:pos] + r.choice(DELIMS) + text[pos + 1:]
        return text[:106] + text[106:].replace(r.choice("*:~^"), r.choice(DELIMS))
    if kind == "newlines":
        for _ in range(r.randint(1, 6)):
            at = r.randint(0, len(text))
            text = text[:at] + r.choice(["\n", "\r\n", "\r", "\n\n", " \n"]) + text[at:]
        return text
    if kind == "envelopes":
        second = SAMPLES[r.choice(sorted(SAMPLES))]()
        return r.choice([text + second, second + text, text + "\r\n" + text, text + text[:200]])
    if kind == "counts":
        out = []
        for seg in segs:
            parts = seg.split("*")
            if parts[0].strip() in ("SE", "GE", "IEA", "AK9", "IK5", "ISA", "GS", "ST", "HL") and len(parts) > 1 \
                    and r.random() < 0.5:
                parts[r.randrange(1, len(parts))] = r.choice(NUMBERISH)
            out.append("*".join(parts))
        return term.join(out)
    if kind == "non_ascii":
        for _ in range(r.randint(1, 4)):
            at = r.randint(0, len(text))
            text = text[:at] + r.choice(NON_ASCII) + text[at:]
        return text
    if kind == "truncate":
        return text[:r.randint(0, len(text))]
    if kind in ("drop_seg", "dup_seg", "swap_seg") and len(segs) > 2:
        i, j = r.randrange(len(segs)), r.randrange(len(segs))
        if kind == "drop_seg":
            segs = segs[:i] + segs[i + 1:]
        elif kind == "dup_seg":
            segs = segs[:i] + [segs[i]] * r.randint(2, 5) + segs[i + 1:]
        else:
            segs[i], segs[j] = segs[j], segs[i]
        return term.join(segs)
    if kind == "element" and segs:
        i = r.randrange(len(segs))
        parts = segs[i].split("*")
        k = r.randint(0, len(parts))
        value = r.choice([r.choice(NUMBERISH), _junk(r, 12), "".join(r.choices("*:^~", k=r.randint(1, 4)))])
        if k == len(parts):
            parts.append(value)
        else:
            parts[k] = value
        segs[i] = "*".join(parts)
        return term.join(segs)
    if kind == "splice":
        at = r.randint(0, len(text))
        return text[:at] + _junk(r, 40) + text[at + r.randint(0, 40):]
    if kind == "isa_pad":  # an ISA of the wrong length
        return text[:r.randint(3, 105)] + text[r.randint(3, 110):]
    return text


def build_case(name: str, choice: int, seed: int, n_ops: int, utf8: bool) -> bytes:
    """A sample of `name` mutated `n_ops` times (1 case in 20: random bytes), as Latin-1 or UTF-8 bytes."""
    r = random.Random(seed)
    if choice == 0:
        return bytes(r.randrange(256) for _ in range(r.randrange(400)))
    text = SAMPLES[name]()
    kinds = [r.choice(KINDS) for _ in range(n_ops)]
    note(f"mutations: {kinds}")
    for kind in kinds:
        text = mutate(text, kind, r)
    return text.encode("utf-8") if utf8 else text.encode("latin-1", "replace")


def mutated(name: str) -> st.SearchStrategy[bytes]:
    """Few draws per case: Hypothesis's own cost dominates otherwise (~10 ms a case on this machine)."""
    return st.builds(build_case, st.just(name), st.integers(0, 19), st.integers(0, 2**32 - 1), st.integers(1, 4),
                     st.booleans())


# --- the contract ------------------------------------------------------------------------------------------
def _settings(n: int) -> Callable[[Any], Any]:
    return settings(max_examples=n, deadline=None, derandomize=False, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def _claims_reader_contract(reader: Callable[[bytes], BaseModel], model: type[BaseModel], data: bytes) -> str:
    try:
        out = reader(data)
    except X12SyntaxError as exc:
        message = str(exc)
        assert message.strip(), "an X12SyntaxError must say why"
        return "refused"
    assert isinstance(out, model)
    out.model_dump_json()  # the model is complete and serializable
    return "read"


def _run(name: str, n: int, check: Callable[[bytes], str]) -> dict[str, int]:
    seen = {"read": 0, "refused": 0}

    @_settings(n)
    @given(data=mutated(name))
    def one(data: bytes) -> None:
        seen[check(data)] += 1

    one()
    assert sum(seen.values()) >= n, seen  # the cases really ran
    return seen


@pytest.mark.parametrize(("name", "reader", "model"), [
    ("999", lambda b: read_999(b, validate=False), Ack999),
    ("277ca", lambda b: read_277ca(b, validate=False), StatusReport),
    ("271", read_271, EligibilityResponseIn),
    ("ta1", read_ta1, Ta1File),
])
def test_claims_readers_read_or_refuse_any_bytes(name: str, reader: Any, model: type[BaseModel]) -> None:
    seen = _run(name, PER_READER, lambda data: _claims_reader_contract(reader, model, data))
    assert seen["read"] and seen["refused"], seen  # the mutations reach both outcomes


def test_277_reader_reads_or_refuses_any_bytes() -> None:
    seen = _run("277", SLOW_READER, lambda data: _claims_reader_contract(read_277, StatusReport, data))
    assert seen["read"] and seen["refused"], seen


@pytest.mark.parametrize(("name", "reader", "model"), [
    ("999", read_999, Ack999), ("277ca", read_277ca, StatusReport),
])
def test_validating_readers_read_or_refuse_any_bytes(name: str, reader: Any, model: type[BaseModel]) -> None:
    """The same contract with pyx12's guide validation on (what the clearinghouse inbox runs)."""
    _run(name, VALIDATED, lambda data: _claims_reader_contract(reader, model, data))


def _835_contract(data: bytes) -> str:
    result = read_835(data)  # never raises
    assert isinstance(result, ReadResult)
    for problem in result.problems:
        assert SEGMENT_RE.search(problem), f"a problem must name its segment: {problem!r}"
    if result.ok:
        assert result.remit is not None and result.remit.transactions
        result.remit.model_dump_json()
        return "read"
    return "refused"


def test_835_reader_reads_or_flags_any_bytes() -> None:
    seen = _run("835", PER_READER, _835_contract)
    assert seen["read"] and seen["refused"], seen


def test_interchange_splitter_refuses_with_one_error_type() -> None:
    """`parse_interchange` under every reader: X12SyntaxError or segments, for the mixed corpus."""

    def check(data: bytes) -> str:
        try:
            ix = parse_interchange(data)
        except X12SyntaxError:
            return "refused"
        assert ix.segments[0].id == "ISA" and ix.segments[-1].id == "IEA"
        return "read"

    _run("835", PER_READER // 2, check)


def test_the_samples_read_cleanly() -> None:
    """The seeds themselves are valid, so mutations start from real-shaped files."""
    assert read_835(SAMPLES["835"]()).ok
    assert read_999(SAMPLES["999"]()).groups[0].transactions[1].status == "R"
    assert read_277ca(SAMPLES["277ca"]()).claims[1].primary.rejected
    assert read_277(SAMPLES["277"]()).claims[0].primary.category == "F1"
    assert read_271(SAMPLES["271"]()).members[0].copay is not None
    assert read_ta1(SAMPLES["ta1"]()).acknowledgements[0].note_code == "025"


def test_pyx12_crash_on_a_foreign_envelope_is_a_refusal() -> None:
    """Found by this fuzzer: a 277CA followed by a 271 interchange made pyx12 raise EngineError ("Map not
    found") out of `read_277ca`; `validate_x12` now turns any pyx12 failure into a failed verdict."""
    text = SAMPLES["277ca"]() + SAMPLES["271"]()
    with pytest.raises(X12SyntaxError, match="pyx12 could not read the file"):
        read_277ca(text.encode())


def test_non_finite_amounts_are_refused_not_crashes() -> None:
    """Found by this fuzzer: `EB07 = NaN` made read_271 raise pydantic's ValidationError, and an STC04 of
    `Infinity` did the same in the 277 readers. Now: X12SyntaxError (271) and no amount (277CA)."""
    text = SAMPLES["271"]()
    eb = next(seg for seg in text.split("~") if seg.startswith("EB*B"))
    parts = eb.split("*")
    parts[7] = "NaN"
    with pytest.raises(X12SyntaxError, match="not a number"):
        read_271(text.replace(eb, "*".join(parts)))
    segs = SAMPLES["277ca"]().split("~")
    for i, seg in enumerate(segs):
        if seg.startswith("STC*") and len(seg.split("*")) > 4:
            parts = seg.split("*")
            parts[4] = "Infinity"
            segs[i] = "*".join(parts)
    report = read_277ca("~".join(segs), validate=False)
    assert report.claims[0].primary.charge is None
