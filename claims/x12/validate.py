"""Validate an X12 file with pyx12 from Python (its `x12valid` command exits 1 whether or not a file passes).

Used by the tests on every 837P shape we write, and available to check a stored batch.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ValidationResult:
    ok: bool
    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok and not self.errors


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _walk(node: Any, out: list[str], where: str = "") -> None:
    if isinstance(node, dict):
        here = where
        if node.get("seg_id"):
            here = f"{node.get('seg_id')} (segment {node.get('seg_count', '?')})"
        for key, value in node.items():
            if key == "errors" and isinstance(value, list):
                for err in value:
                    if isinstance(err, dict):
                        out.append(f"{here}: {err.get('err_str') or err}" if here else str(err.get("err_str") or err))
                    else:
                        out.append(f"{here}: {err}")
            else:
                _walk(value, out, here)
    elif isinstance(node, list):
        for item in node:
            _walk(item, out, where)


def validate_x12(text: str) -> ValidationResult:
    """pyx12's verdict on one interchange, with every error it reported."""
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        fd_json = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=io.StringIO(text),
                                               fd_997=io.StringIO(), fd_html=None, fd_json=fd_json)
    except Exception as exc:  # pyx12 raises EngineError, X12Error, KeyError… on files it has no map for
        return ValidationResult(ok=False, errors=[f"pyx12 could not read the file: {type(exc).__name__}: {exc}"])
    finally:
        logger.removeHandler(handler)
    errors: list[str] = []
    raw = fd_json.getvalue()
    if raw.strip():
        _walk(json.loads(raw), errors)
    errors += [m for m in handler.messages if m not in errors]
    return ValidationResult(ok=bool(ok), errors=errors)
