"""Optional extra suggester: an OpenAI-compatible chat endpoint (off unless CODING_LLM_URL is set).

The engine stands on its own; this only adds codes the rules missed, and only when the model
quotes words that are really in the note, affirmed and outside history sections. A failure or a
slow answer is logged and ignored.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
import urllib.request
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from coding.engine.nlp import HISTORY_SECTIONS, Analysis
from coding.engine.types import Evidence, Patient, Suggestion

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a certified outpatient medical coder. From the chart note, list ICD-10-CM diagnoses that are affirmed "
    "and current (never negated, possible or historical ones) and CPT/HCPCS procedures performed at this visit. "
    "For each code quote the exact words of the note that justify it. Answer only with JSON: "
    '{"diagnoses": [{"code": "L57.0", "quote": "..."}], "procedures": [{"code": "17000", "units": 1, "quote": "..."}]}'
)


class LlmCode(BaseModel):
    code: str = Field(min_length=3, max_length=8)
    quote: str = Field(min_length=2, max_length=400)
    units: int = Field(default=1, ge=1, le=99)


class LlmAnswer(BaseModel):
    diagnoses: list[LlmCode] = []
    procedures: list[LlmCode] = []


def _setting(name: str, default: str = "") -> str:
    from django.conf import settings

    return str(getattr(settings, name, None) or os.environ.get(name, default) or "")


def configured() -> bool:
    try:
        return bool(_setting("CODING_LLM_URL"))
    except Exception:
        return bool(os.environ.get("CODING_LLM_URL"))


def ask(note: str, patient: Patient) -> LlmAnswer | None:
    url = _setting("CODING_LLM_URL").rstrip("/") + "/chat/completions"
    body = {
        "model": _setting("CODING_LLM_MODEL", "local"),
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Patient: age {patient.age}, sex {patient.sex}, "
                                        f"{'new' if patient.new_patient else 'established'} patient.\n\n{note}"},
        ],
    }
    headers = {"Content-Type": "application/json"}
    key = _setting("CODING_LLM_API_KEY")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if not url.startswith(("http://", "https://")):
        logger.warning("LLM suggester skipped: CODING_LLM_URL must be http(s)")
        return None
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")  # noqa: S310
    timeout = float(_setting("CODING_LLM_TIMEOUT", "10") or 10)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL comes from settings
            payload = json.loads(response.read().decode())
        content = payload["choices"][0]["message"]["content"]
        content = re.sub(r"^```(?:json)?|```$", "", content.strip(), flags=re.MULTILINE)
        return LlmAnswer.model_validate_json(content)
    except (urllib.error.URLError, TimeoutError, OSError, KeyError, IndexError, TypeError, ValueError,
            ValidationError) as exc:
        logger.warning("LLM suggester skipped: %s", type(exc).__name__)
        return None


def _quote_span(note: str, quote: str) -> tuple[int, int] | None:
    m = re.search(re.escape(quote.strip()), note, re.IGNORECASE)
    return (m.start(), m.end()) if m else None


def _assertion(analysis: Analysis, start: int, end: int) -> str:
    for m in analysis.mentions:
        if m.start < end and start < m.end and not m.affirmed:
            return m.assertion
    return "affirmed"


def extend(note: str, analysis: Analysis, dxs: list[Suggestion], lines: list[Suggestion], patient: Patient) -> None:
    """Add the model's codes that the rules did not find, each with its quoted evidence."""
    answer = ask(note, patient)
    if answer is None:
        return
    from coding.codesets import normalize_code

    have = {s.code for s in [*dxs, *lines]}
    for kind, items, target in (("ICD10CM", answer.diagnoses, dxs), ("CPT", answer.procedures, lines)):
        for item in items:
            code = normalize_code(kind, item.code)
            span = _quote_span(note, item.quote)
            if code in have or span is None:
                continue
            section = analysis.section_at(span[0])
            assertion = _assertion(analysis, *span)
            if assertion != "affirmed" or section in HISTORY_SECTIONS:
                continue
            system = kind if kind == "ICD10CM" or code[0].isdigit() else "HCPCS"
            ev = Evidence(span[0], span[1], note[span[0]:span[1]], section, assertion)
            extra: dict[str, Any] = {"units": item.units} if kind != "ICD10CM" else {}
            target.append(Suggestion(system=system, code=code, label="", confidence=0.5, rule="language model suggestion",
                                     evidence=[ev], family=code[:3] if kind == "ICD10CM" else "", key="llm", **extra))
            if kind != "ICD10CM":
                target[-1].pointers = [d.code for d in dxs if not d.code.startswith("Z")][:1]
            have.add(code)
