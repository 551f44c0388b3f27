"""Sex and age edits for ICD-10-CM codes.

The tabular list has no such edits; these ranges follow the categories of the CMS Medicare
Code Editor (maternity, newborn, pediatric, adult, female-only, male-only). They are prefixes,
matched against the code with its dot, and deliberately cover only the unambiguous groups.
"""

from __future__ import annotations

FEMALE_ONLY = (
    "O", "Z33", "Z34", "Z36", "Z37", "Z39", "Z3A", "N70", "N71", "N72", "N73", "N74", "N75", "N76", "N77",
    "N80", "N81", "N82", "N83", "N84", "N85", "N86", "N87", "N88", "N89", "N90", "N91", "N92", "N93", "N94",
    "N95", "N96", "N97", "N98", "C51", "C52", "C53", "C54", "C55", "C56", "C57", "C58", "D06", "D07.0",
    "D07.1", "D07.2", "D07.3", "D25", "D26", "D27", "D28", "D39", "E28", "Q50", "Q51", "Q52", "R87",
    "Z01.41", "Z12.4", "Z30.43", "Z90.71", "L29.2", "B37.3",
)
MALE_ONLY = (
    "N40", "N41", "N42", "N43", "N44", "N45", "N46", "N47", "N48", "N49", "N50", "N51", "N52", "N53",
    "C60", "C61", "C62", "C63", "D07.4", "D07.5", "D07.6", "D29", "D40", "E29", "Q53", "Q54", "Q55",
    "R86", "Z12.5", "L29.1", "B37.42",
)
# (prefix, age_min, age_max) — the first matching prefix wins, so list narrow ones first.
AGE_EDITS: tuple[tuple[str, int | None, int | None], ...] = (
    ("Z00.11", 0, 0),      # newborn check
    ("Z00.12", 0, 17),     # routine child health exam
    ("Z68.5", 2, 19),      # pediatric BMI percentiles
    ("Z68.1", 20, None), ("Z68.2", 20, None), ("Z68.3", 20, None), ("Z68.4", 20, None),  # adult BMI
    ("Z00.0", 15, None),   # general adult exam
    ("P", 0, 0),           # perinatal conditions (newborn claims)
    ("O", 9, 64),          # pregnancy, childbirth and the puerperium
    ("Z33", 9, 64), ("Z34", 9, 64), ("Z3A", 9, 64), ("Z37", 9, 64), ("Z39", 9, 64),
    ("R54", 40, None),     # age-related physical debility
    ("L70.4", 0, 17),      # infantile acne
    ("L21.1", 0, 1),       # infantile seborrheic dermatitis
)


def sex_for(code: str) -> str | None:
    if code.startswith(FEMALE_ONLY):
        return "F"
    if code.startswith(MALE_ONLY):
        return "M"
    return None


def ages_for(code: str) -> tuple[int | None, int | None]:
    for prefix, lo, hi in AGE_EDITS:
        if code.startswith(prefix):
            return lo, hi
    return None, None
