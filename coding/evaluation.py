"""Measured accuracy of the engine on notes with gold codes (the `evaluate_coding` command).

Each JSON line: {"id", "note", "patient": {"age", "sex", "new_patient"}, "icd10": [...],
"cpt": [{"code", "units", "modifiers"}]}; other fields are ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from coding.codesets import normalize_code
from coding.engine import suggest


class GoldPatient(BaseModel):
    age: int | None = None
    sex: str | None = None
    new_patient: bool = False


class GoldLine(BaseModel):
    code: str
    units: int = 1
    modifiers: list[str] = Field(default_factory=list)


class GoldNote(BaseModel):
    id: str
    note: str
    patient: GoldPatient = Field(default_factory=GoldPatient)
    icd10: list[str] = Field(default_factory=list)
    cpt: list[GoldLine] = Field(default_factory=list)


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: Counter[Any], gold: Counter[Any]) -> None:
        hit = sum((predicted & gold).values())
        self.tp += hit
        self.fp += sum(predicted.values()) - hit
        self.fn += sum(gold.values()) - hit

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class NoteResult:
    id: str
    icd_missed: list[str] = field(default_factory=list)
    icd_extra: list[str] = field(default_factory=list)
    cpt_missed: list[str] = field(default_factory=list)
    cpt_extra: list[str] = field(default_factory=list)
    modifier_mismatch: list[str] = field(default_factory=list)
    ms: float = 0.0

    @property
    def perfect(self) -> bool:
        return not (self.icd_missed or self.icd_extra or self.cpt_missed or self.cpt_extra or self.modifier_mismatch)


def parse_lines(lines: Iterable[str]) -> list[GoldNote]:
    return [GoldNote.model_validate(json.loads(line)) for line in lines if line.strip()]


def evaluate(notes: list[GoldNote], *, on: dt.date | None = None) -> tuple[dict[str, Any], list[NoteResult]]:
    suggest("warm-up", on=on)  # loads the pipeline and dictionary once, outside the timing
    icd, category, cpt = Tally(), Tally(), Tally()
    modifiers_total = modifiers_right = negated = 0
    results: list[NoteResult] = []
    elapsed = 0.0
    for note in notes:
        started = time.perf_counter()
        out = suggest(note.note, age=note.patient.age, sex=note.patient.sex, new_patient=note.patient.new_patient, on=on)
        ms = (time.perf_counter() - started) * 1000
        elapsed += ms
        gold_icd = {normalize_code("ICD10CM", c) for c in note.icd10}
        pred_icd = {d.code for d in out.diagnoses}
        icd.add(Counter(pred_icd), Counter(gold_icd))
        category.add(Counter({c[:3] for c in pred_icd}), Counter({c[:3] for c in gold_icd}))
        gold_cpt = Counter((g.code.upper(), g.units) for g in note.cpt)
        pred_cpt = Counter((p.code, p.units) for p in out.procedures)
        cpt.add(pred_cpt, gold_cpt)
        result = NoteResult(note.id, sorted(gold_icd - pred_icd), sorted(pred_icd - gold_icd),
                            [f"{c} x{u}" for c, u in (gold_cpt - pred_cpt).elements()],
                            [f"{c} x{u}" for c, u in (pred_cpt - gold_cpt).elements()], ms=ms)
        predicted_by_code = {p.code: sorted(p.modifiers) for p in out.procedures}
        for g in note.cpt:
            if g.code.upper() in predicted_by_code:
                modifiers_total += 1
                if sorted(m.upper() for m in g.modifiers) == predicted_by_code[g.code.upper()]:
                    modifiers_right += 1
                else:
                    result.modifier_mismatch.append(f"{g.code}: gold {g.modifiers} vs {predicted_by_code[g.code.upper()]}")
        negated += sum(1 for s in out.suggestions if s.evidence and all(e.assertion == "negated" for e in s.evidence))
        results.append(result)
    n = len(notes)
    figures = {
        "n": n,
        "icd_precision": round(icd.precision, 4), "icd_recall": round(icd.recall, 4), "icd_f1": round(icd.f1, 4),
        "icd_category_f1": round(category.f1, 4),
        "cpt_precision": round(cpt.precision, 4), "cpt_recall": round(cpt.recall, 4), "cpt_f1": round(cpt.f1, 4),
        "modifier_accuracy": round(modifiers_right / modifiers_total, 4) if modifiers_total else None,
        "negated_coded": negated,
        "ms_per_note": round(elapsed / n, 1) if n else 0.0,
    }
    return figures, results
