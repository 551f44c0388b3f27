"""Another payer's adjudication of a claim, carried on the next payer's claim (837P loops 2320/2430).

The payments engineer builds a `PriorAdjudication` from the primary payer's 835 and passes it to
`claims.services.claim_generate(..., prior_adjudication=...)`; it is stored on the secondary claim as
JSON and turned into `claims.snapshot.OtherPayer` for the writer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class CasAdjustment(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str = Field(pattern=r"^(CO|CR|OA|PI|PR)$", description="CAS01 claim adjustment group code")
    reason: str = Field(min_length=1, max_length=5, description="CARC")
    amount: Decimal


class LineAdjudicationIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_control_number: str = Field(description="REF*6R of our claim line (ClaimLine.line_control_number)")
    prior_line_control_number: str = Field("", description="Set on the next payer's claim: the adjudicated line's "
                                                            "number on the prior claim (line_control_number is then ours)")
    code: str
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    paid: Decimal
    units: int = 1
    adjustments: list[CasAdjustment] = Field(default_factory=list)
    adjudication_date: dt.date | None = None


class PriorAdjudication(BaseModel):
    """What the prior payer did with claim `claim_id` (ours): paid amount, claim and line adjustments."""

    model_config = ConfigDict(frozen=True)

    claim_id: int = Field(description="Our claim that the prior payer adjudicated")
    paid: Decimal
    adjudication_date: dt.date
    payer_claim_number: str = ""
    claim_adjustments: list[CasAdjustment] = Field(default_factory=list)
    lines: list[LineAdjudicationIn] = Field(default_factory=list)

    @field_validator("paid")
    @classmethod
    def _cents(cls, v: Decimal) -> Decimal:
        return v.quantize(Decimal("0.01"))
