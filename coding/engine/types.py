"""What the engine hands back: suggestions that carry their evidence and the rule that produced them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """A span of the note that justifies a suggestion (character offsets into the note text)."""

    start: int
    end: int
    text: str
    section: str = ""
    assertion: str = "affirmed"  # affirmed | negated | possible | historical | family | hypothetical
    role: str = "finding"  # finding | site | count | size | time | drug | data | modifier …

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Suggestion:
    system: str                     # ICD10CM | CPT | HCPCS
    code: str
    label: str
    confidence: float
    rule: str
    evidence: list[Evidence] = field(default_factory=list)
    units: int = 1
    modifiers: list[str] = field(default_factory=list)
    pointers: list[str] = field(default_factory=list)  # ICD codes a procedure line points at
    missing: str = ""               # documentation that would allow a more specific code
    family: str = ""                # reporting family: ICD category or CPT family
    key: str = ""                   # what produced it (concept key / procedure kind), for linking

    @property
    def kind(self) -> str:
        return "dx" if self.system == "ICD10CM" else "px"

    def as_dict(self) -> dict[str, Any]:
        return {"system": self.system, "code": self.code, "label": self.label, "confidence": round(self.confidence, 2),
                "rule": self.rule, "units": self.units, "modifiers": list(self.modifiers),
                "pointers": list(self.pointers), "missing": self.missing, "family": self.family,
                "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Message:
    """A validation finding on the final code set."""

    severity: str  # error | warning
    code: str      # machine-readable rule id, e.g. "not_billable"
    text: str
    subject: str = ""  # the code (or line) concerned

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Patient:
    age: int | None = None
    sex: str | None = None
    new_patient: bool = False


@dataclass
class EngineResult:
    diagnoses: list[Suggestion]
    procedures: list[Suggestion]
    messages: list[Message]
    ms: float
    sections: list[dict[str, Any]] = field(default_factory=list)
    version: str = ""

    @property
    def suggestions(self) -> list[Suggestion]:
        return [*self.diagnoses, *self.procedures]

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "ms": round(self.ms, 1), "diagnoses": [s.as_dict() for s in self.diagnoses],
                "procedures": [s.as_dict() for s in self.procedures],
                "messages": [m.as_dict() for m in self.messages], "sections": self.sections}
