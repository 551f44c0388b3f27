"""Stage 2a: find diagnosis concepts in text with a token trie (longest match wins).

Two sources: the curated lexicon (abbreviations, synonyms, families resolved by site) and,
when a code set is loaded, the ICD-10-CM descriptions and inclusion terms of billable codes
(multi-word terms only, so "pain" alone never becomes a code). Misspellings of dictionary
words are repaired before matching.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from coding.engine.lexicon import CONCEPTS, Concept
from coding.engine.text import TOKEN_RE, Speller, canonical_vocab, tokenize

# Short abbreviations that are also ordinary words, units or initials: matched only when written in capitals.
# The rest ("htn", "copd", "bcc", "t2dm" ...) are no English word and are matched in any case.
UPPERCASE_ONLY = frozenset("""
mm mis ka ha mi af pad cp cap ad ed pe ms ra hs col sle nub dpn lsc eic gad oa
""".split())
BREAK = re.compile(r"[.;:,!?\n]")
VACCINE_WORDS = frozenset("vaccine vaccines vaccination vaccinations shot shots immunization booster vaccinated".split())
# A single word becomes a term only when it is built like a diagnosis (inflammation, condition, tumour, blood or
# flow disorder ...), so words such as "pain", "mass" or "shock" never become codes on their own.
DISEASE_WORD = re.compile(r"[a-z]{3,}(?:itis|osis|iasis|emia|aemia|algia|rrhea|rrhoea|rrhagia|oma|pathy|plasia|ectasia|"
                          r"penia|cytosis|uria|megaly)")
GENERIC_DROP = ("unspecified", "nos", "not elsewhere classified", "other specified", "without complication")


@dataclass(frozen=True)
class Match:
    concept: str
    start: int
    end: int
    generic: bool = False


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    concept: str | None = None
    generic: bool = False
    abbrev: bool = False


GENERIC_PREFIX = "icd:"  # concept keys for ICD description terms are "icd:<code>"


class Dictionary:
    def __init__(self, concepts: Iterable[Concept] = CONCEPTS, generic_terms: Iterable[tuple[str, str]] = ()) -> None:
        self.concepts = {c.key: c for c in concepts}
        curated = [(term, c.key, False) for c in self.concepts.values() for term in c.terms]
        generic = [(term, f"{GENERIC_PREFIX}{code}", True) for term, code in generic_terms]
        raw_tokens = [t.group(0) for term, _, _ in (*curated, *generic) for t in TOKEN_RE.finditer(term)]
        self.vocab = canonical_vocab(raw_tokens)
        self.speller = Speller(self.vocab)
        self.root = _Node()
        for term, key, is_generic in generic:
            self._add(term, key, is_generic)
        for term, key, is_generic in curated:  # curated last: it overwrites a generic term spelled the same
            self._add(term, key, is_generic)

    def _add(self, term: str, key: str, generic: bool) -> None:
        tokens = [t.norm for t in tokenize(term, self.vocab)]
        if not tokens:
            return
        node = self.root
        for tok in tokens:
            node = node.children.setdefault(tok, _Node())
        if node.concept is not None and generic and not node.generic:
            return
        node.concept, node.generic = key, generic
        node.abbrev = len(tokens) == 1 and term.strip().lower() in UPPERCASE_ONLY

    def match(self, text: str) -> list[Match]:
        """Longest curated matches first; ICD-description terms only where no curated term matched (the curated
        entries carry the resolvers that read qualifiers such as severity, site and laterality)."""
        tokens = tokenize(text, self.vocab, self.speller)
        curated = self._scan(text, tokens, generic=False, taken=set())
        curated = self._yield_to_longer_descriptions(text, tokens, curated)
        taken = {i for m in curated for i in range(m[0], m[1] + 1)}
        generic = self._scan(text, tokens, generic=True, taken=taken)
        out = []
        for start_idx, end_idx, node in sorted(curated + generic):
            following = tokens[end_idx + 1].norm if end_idx + 1 < len(tokens) else ""
            if following not in VACCINE_WORDS:
                out.append(Match(node.concept or "", tokens[start_idx].start, tokens[end_idx].end, node.generic))
        return out

    def _yield_to_longer_descriptions(self, text: str, tokens: list,
                                      curated: list[tuple[int, int, _Node]]) -> list[tuple[int, int, _Node]]:
        """A curated term with a fixed code gives way to a longer ICD-10-CM description or inclusion term that contains
        it ("pernicious anemia" over "anemia", "allergic rhinitis due to pollen" over "allergic rhinitis"). Terms whose
        concept reads qualifiers (site, side, severity: a family or a resolver) keep their place."""
        longer = self._scan(text, tokens, generic=True, taken=set())
        if not longer:
            return curated
        out = []
        for start, end, node in curated:
            concept = self.concepts.get(node.concept or "")
            fixed = concept is not None and concept.code is not None and concept.family is None and concept.resolver is None
            wider = next((g for g in longer if g[0] <= start and end <= g[1] and (g[1] - g[0]) > (end - start)), None)
            if fixed and wider is not None:
                continue
            out.append((start, end, node))
        return out

    def _scan(self, text: str, tokens: list, *, generic: bool, taken: set[int]) -> list[tuple[int, int, _Node]]:
        found: list[tuple[int, int, _Node]] = []
        i = 0
        while i < len(tokens):
            if i in taken:
                i += 1
                continue
            node = self.root
            best: tuple[int, _Node] | None = None
            j = i
            while j < len(tokens) and j not in taken:
                if j > i and BREAK.search(text, tokens[j - 1].end, tokens[j].start):
                    break
                nxt = node.children.get(tokens[j].norm)
                if nxt is None:
                    break
                node = nxt
                if node.concept is not None and node.generic == generic and self._case_ok(node, tokens[i].text):
                    best = (j, node)
                j += 1
            if best is None:
                i += 1
                continue
            found.append((i, best[0], best[1]))
            i = best[0] + 1
        return found

    @staticmethod
    def _case_ok(node: _Node, raw: str) -> bool:
        if not node.abbrev:
            return True
        letters = [ch for ch in raw if ch.isalpha()]
        return bool(letters) and sum(ch.isupper() for ch in letters) * 2 > len(letters)


def generic_terms_from(rows: Iterable[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(term, code) pairs from billable codes' descriptions and inclusion terms, kept only when unambiguous."""
    seen: dict[str, set[str]] = {}
    for code, label, terms in rows:
        if not "A" <= code[0] <= "R":
            continue  # injuries need a 7th character and Z codes follow guideline rules: both come from the lexicon
        for raw in [label, *(terms.split("\n") if terms else [])]:
            term = _clean(raw)
            if term:
                seen.setdefault(term, set()).add(code)
    return [(term, next(iter(codes))) for term, codes in seen.items() if len(codes) == 1]


def _clean(raw: str) -> str:
    text = raw.lower()
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text)
    for drop in GENERIC_DROP:
        text = text.replace(drop, " ")
    text = re.sub(r"[^a-z0-9' -]", " ", text)
    words = text.split()
    if len(words) == 1 and DISEASE_WORD.fullmatch(words[0]):
        return words[0]  # "bronchiolitis", "menorrhagia": one word that can only name a condition
    if len(words) < 2 or len(words) > 8 or words[0] in ("other", "unspecified", "personal", "family", "encounter"):
        return ""
    if "elsewhere" in words or "classified" in words or "encounter" in words or "sequela" in words:
        return ""
    return " ".join(words)


_cache: dict[int | None, Dictionary] = {}
_lock = threading.Lock()


def dictionary_for(version_id: int | None, rows_loader: object = None) -> Dictionary:
    """The dictionary for one ICD-10-CM version (None: curated terms only), built once per process."""
    with _lock:
        cached = _cache.get(version_id)
        if cached is not None:
            return cached
    generic: list[tuple[str, str]] = []
    if version_id is not None and callable(rows_loader):
        generic = generic_terms_from(rows_loader(version_id))
    built = Dictionary(generic_terms=generic)
    with _lock:
        _cache[version_id] = built
    return built
