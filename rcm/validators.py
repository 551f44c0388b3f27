"""Format checks for identifiers where data enters (forms, API, imports).

Existence checks against the code sets (is this ICD-10-CM code billable on the
date of service?) live in `coding`; these only say whether a value can be one.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

ICD10CM_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
CPT_RE = re.compile(r"^[0-9]{4}[0-9FTU]$")  # Category I, II (F), III (T), PLA (U)
HCPCS_RE = re.compile(r"^[A-V][0-9]{4}$")
MODIFIER_RE = re.compile(r"^[0-9A-Z]{2}$")
TAXONOMY_RE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
TAX_ID_RE = re.compile(r"^[0-9]{9}$")
ZIP_RE = re.compile(r"^[0-9]{5}([0-9]{4})?$")
POS_RE = re.compile(r"^[0-9]{2}$")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI".split()
)


def npi_is_valid(value: str) -> bool:
    """Luhn over the 80840 prefix and the first nine digits; a check digit of 0 is valid."""
    if not (isinstance(value, str) and len(value) == 10 and value.isdigit()):
        return False
    digits = [int(c) for c in "80840" + value[:9]]
    total = 0
    # Double every second digit from the right of the 14-digit payload (its last digit first).
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    check = (10 - total % 10) % 10
    return check == int(value[9])


def npi_with_check_digit(first_nine: str) -> str:
    """Complete nine digits into a valid NPI (used by the demo seed and factories)."""
    for d in "0123456789":
        if npi_is_valid(first_nine + d):
            return first_nine + d
    raise ValueError(first_nine)  # unreachable: exactly one digit fits


def validate_npi(value: str) -> None:
    if not npi_is_valid(value or ""):
        raise ValidationError("%(value)s is not a valid NPI (10 digits with a correct check digit).",
                              code="npi", params={"value": value})


def normalize_icd10(value: str) -> str:
    """Upper-case and put the dot after the category (E119 -> E11.9)."""
    code = (value or "").strip().upper().replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def validate_icd10cm(value: str) -> None:
    if not ICD10CM_RE.match(value or ""):
        raise ValidationError("%(value)s is not an ICD-10-CM code (letter, two characters, optional dot and up to four more).",
                              code="icd10cm", params={"value": value})


def is_procedure_code(value: str) -> bool:
    return bool(CPT_RE.match(value or "") or HCPCS_RE.match(value or ""))


def validate_procedure_code(value: str) -> None:
    if not is_procedure_code(value):
        raise ValidationError("%(value)s is not a CPT (5 digits, or 4 digits and F/T/U) or HCPCS Level II code (letter and 4 digits).",
                              code="procedure_code", params={"value": value})


def validate_modifier(value: str) -> None:
    if not MODIFIER_RE.match(value or ""):
        raise ValidationError("%(value)s is not a modifier (two letters or digits).", code="modifier", params={"value": value})


def validate_modifiers(values: list[str]) -> None:
    if len(values) > 4:
        raise ValidationError("At most 4 modifiers per line.", code="modifiers")
    for v in values:
        validate_modifier(v)
    if len(set(values)) != len(values):
        raise ValidationError("A modifier is repeated.", code="modifiers")


def validate_pointers(values: list[int]) -> None:
    if len(values) > 4:
        raise ValidationError("At most 4 diagnosis pointers per line.", code="pointers")
    if any(not 1 <= v <= 12 for v in values):
        raise ValidationError("Diagnosis pointers must be between 1 and 12.", code="pointers")
    if len(set(values)) != len(values):
        raise ValidationError("A diagnosis pointer is repeated.", code="pointers")


def validate_taxonomy(value: str) -> None:
    if not TAXONOMY_RE.match(value or ""):
        raise ValidationError("%(value)s is not a provider taxonomy code (10 characters ending in X, e.g. 207N00000X).",
                              code="taxonomy", params={"value": value})


def validate_tax_id(value: str) -> None:
    if not TAX_ID_RE.match(value or ""):
        raise ValidationError("Tax ID must be 9 digits without a dash.", code="tax_id")


def validate_zip(value: str) -> None:
    if not ZIP_RE.match(value or ""):
        raise ValidationError("ZIP code must be 5 or 9 digits.", code="zip")


def validate_state(value: str) -> None:
    if value not in US_STATES:
        raise ValidationError("%(value)s is not a US state or territory code.", code="state", params={"value": value})


def validate_not_future(value: Any) -> None:
    from django.utils import timezone

    if value and value > timezone.localdate():
        raise ValidationError("Cannot be in the future.", code="future")


def validate_pos(value: str) -> None:
    if not POS_RE.match(value or ""):
        raise ValidationError("Place of service must be a two-digit CMS code (11 = office).", code="pos")
