"""`manage.py evaluate_coding FILE.jsonl` prints per-note misses and, last, one JSON object of figures."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

# Two short notes written for this test, in the evaluation file's format.
NOTES = [
    {"id": "t-1", "specialty": "dermatology", "rationale": "ignored",
     "note": "Dx: Actinic keratoses x2, left temple. No SCC.\nProc: LN2 cryotherapy to both lesions.",
     "patient": {"age": 70, "sex": "M", "new_patient": False},
     "icd10": ["L57.0"], "cpt": [{"code": "17000", "units": 1, "modifiers": []},
                                 {"code": "17003", "units": 1, "modifiers": []}]},
    {"id": "t-2", "specialty": "primary_care",
     "note": "A: Essential hypertension, stable; continue losartan, refill sent. Denies chest pain.",
     "patient": {"age": 58, "sex": "F", "new_patient": False},
     "icd10": ["I10", "R07.9"], "cpt": [{"code": "99214", "units": 1, "modifiers": []}]},
]


def test_prints_figures_as_the_last_line(codesets: Any, tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(n) for n in NOTES) + "\n")
    out = StringIO()
    call_command("evaluate_coding", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    figures = json.loads(lines[-1])
    assert {k: v for k, v in figures.items() if k != "ms_per_note"} == {
        "n": 2, "icd_precision": 1.0, "icd_recall": 0.6667, "icd_f1": 0.8, "icd_category_f1": 0.8,
        "cpt_precision": 0.6667, "cpt_recall": 0.6667, "cpt_f1": 0.6667, "modifier_accuracy": 1.0, "negated_coded": 0,
    }
    assert figures["ms_per_note"] > 0
    assert "t-2: ICD missed R07.9; CPT missed 99214 x1; CPT extra 99213 x1;" in lines[0]
    assert lines[-2] == "1 of 2 notes fully correct"


def test_refuses_a_file_that_is_not_json_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("id,note\n1,hello\n")
    with pytest.raises(CommandError, match="not the expected JSON lines"):
        call_command("evaluate_coding", str(bad))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluate_coding", str(tmp_path / "missing.jsonl"))
