"""Small text helpers shared by the stages: numbers, sizes, token normalisation and spelling repair."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-one": 21, "twenty-two": 22, "twenty-three": 23, "twenty-four": 24, "twenty-five": 25, "thirty": 30,
    "dozen": 12,
}
NUMBER = r"(?:\d{1,3}|" + "|".join(sorted((w for w in WORD_NUMBERS if len(w) > 2), key=len, reverse=True)) + r")"


def to_int(raw: str) -> int | None:
    raw = raw.strip().lower()
    if raw.isdigit():
        return int(raw)
    return WORD_NUMBERS.get(raw)


@dataclass(frozen=True)
class Size:
    """A measurement in centimetres found in the text."""

    start: int
    end: int
    cm: float        # the largest dimension
    area: float | None  # product of two dimensions, when given as A x B
    text: str


SIZE_RE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:(cm|mm)\s*)?(?:[x\u00d7]\s*(\d+(?:\.\d+)?)\s*)?(cm|mm)\b(?!\s*(?:hg|/))",
    re.IGNORECASE)
AREA_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:sq\.?\s*cm|cm2|cm\^2|square\s+cm|square\s+centimet(?:er|re)s?)",
                     re.IGNORECASE)


def sizes(text: str, offset: int = 0) -> list[Size]:
    out = []
    for m in SIZE_RE.finditer(text):
        a = float(m.group(1))
        b = float(m.group(3)) if m.group(3) else None
        unit_a = (m.group(2) or m.group(4)).lower()
        unit_b = m.group(4).lower()
        a_cm = a / 10 if unit_a == "mm" else a
        b_cm = (b / 10 if unit_b == "mm" else b) if b is not None else None
        largest = max(a_cm, b_cm) if b_cm is not None else a_cm
        out.append(Size(offset + m.start(), offset + m.end(), round(largest, 2),
                        round(a_cm * b_cm, 2) if b_cm is not None else None, m.group(0)))
    return out


def line_span(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the line holding `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


# --- tokens -----------------------------------------------------------------------------------
TOKEN_RE = re.compile(r"\d+(?:\.\d+)?(?:[A-Za-z]+\d*)?|[A-Za-z][A-Za-z0-9'\u2019]*|[&+/]")
IRREGULAR = {
    "nevi": "nevus", "naevi": "nevus", "naevus": "nevus", "lentigines": "lentigo", "verrucae": "verruca",
    "condylomata": "condyloma", "comedones": "comedo", "keratoses": "keratosis", "diagnoses": "diagnosis",
    "metastases": "metastasis", "mycoses": "mycosis", "thromboses": "thrombosis", "stenoses": "stenosis",
    "calculi": "calculus", "fungi": "fungus", "bacilli": "bacillus", "feet": "foot", "teeth": "tooth",
    "women": "woman", "men": "man", "children": "child", "mice": "mouse", "axillae": "axilla", "bursae": "bursa",
    "vertebrae": "vertebra", "folliculitides": "folliculitis", "dermatitides": "dermatitis",
    "papillomata": "papilloma", "fibromata": "fibroma", "lipomata": "lipoma", "carcinomata": "carcinoma",
    "melanomata": "melanoma", "hemangiomata": "hemangioma", "cysts": "cyst", "ak": "ak", "aks": "ak",
    "sks": "sk", "bccs": "bcc", "sccs": "scc", "utis": "uti", "uris": "uri", "lesions": "lesion",
}


PLURALS = (("oses", "osis"), ("ites", "itis"), ("ies", "y"), ("es", ""), ("s", ""))


def _singular_candidates(t: str) -> list[str]:
    return [t[: -len(suffix)] + repl for suffix, repl in PLURALS
            if t.endswith(suffix) and len(t) > len(suffix) + 2 and not t.endswith(("ss", "us", "is"))]


def canonical_vocab(raw_tokens: Iterable[str]) -> frozenset[str]:
    """Dictionary words in singular form: 'warts' folds into 'wart' when both occur, 'diabetes' stays."""
    raw = {t.lower() for t in raw_tokens}
    out = set()
    for t in raw:
        if t in IRREGULAR:
            out.add(IRREGULAR[t])
            continue
        out.add(next((c for c in _singular_candidates(t) if c in raw), t))
    return frozenset(out)


def norm_token(tok: str, vocab: frozenset[str]) -> str:
    """Lower-case and singularise into a dictionary form when one exists."""
    t = tok.lower().replace("\u2019", "'")
    if t.endswith("'s"):
        t = t[:-2]
    if t in IRREGULAR:
        return IRREGULAR[t]
    if t in vocab:
        return t
    return next((c for c in _singular_candidates(t) if c in vocab), t)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    norm: str


def tokenize(text: str, vocab: frozenset[str], speller: Speller | None = None) -> list[Token]:
    out = []
    for m in TOKEN_RE.finditer(text):
        norm = norm_token(m.group(0), vocab)
        if speller is not None and norm not in vocab:
            norm = speller.correct(norm)
        out.append(Token(m.start(), m.end(), m.group(0), norm))
    return out


class Speller:
    """Repairs a misspelt word into a dictionary word (one edit each side, symmetric-delete style).

    Only words of six letters or more are repaired, and only when exactly one dictionary word fits,
    so common words are left alone ("verucca" -> "verruca", "sinusitus" -> "sinusitis").
    """

    def __init__(self, vocab: Iterable[str]) -> None:
        self.vocab = frozenset(vocab)
        self.deletes: dict[str, set[str]] = {}
        for word in self.vocab:
            if len(word) >= 5 and word.isalpha():
                for d in self._deletes(word):
                    self.deletes.setdefault(d, set()).add(word)

    @staticmethod
    def _deletes(word: str) -> set[str]:
        return {word[:i] + word[i + 1:] for i in range(len(word))} | {word}

    def correct(self, word: str) -> str:
        if word in self.vocab or len(word) < 6 or not word.isalpha():
            return word
        found: set[str] = set()
        for d in self._deletes(word):
            found |= self.deletes.get(d, set())
        found = {w for w in found if abs(len(w) - len(word)) <= 1 and w[0] == word[0]}
        return next(iter(found)) if len(found) == 1 else word
