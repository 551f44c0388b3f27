"""ICD-10-CM from the simple-icd-10-cm package (the official tabular list, notes included).

The package is imported only here, and only when a loader runs: it takes about 1.5 s and
190 MB to import, so it never loads at Django start-up.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

CODE_RE = re.compile(r"\b([A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(-?)")
RANGE_RE = re.compile(r"\b([A-TV-Z][0-9][0-9A-Z])\s*-\s*([A-TV-Z][0-9][0-9A-Z])\b(?:\s+with\s+\.(\w+))?")
MONTHS = {m: i for i, m in enumerate(("January", "February", "March", "April", "May", "June", "July", "August",
                                      "September", "October", "November", "December"), start=1)}


@dataclass
class IcdRow:
    code: str
    label: str
    billable: bool
    chapter: str = ""
    block: str = ""
    terms: list[str] = field(default_factory=list)
    excludes1: list[str] = field(default_factory=list)
    requires_7th: bool = False
    manifestation: bool = False
    code_first: str = ""
    use_additional: str = ""


@dataclass(frozen=True)
class PackageRelease:
    folder: Path
    label: str
    year: int
    month: int
    checksum: str


def package_release() -> PackageRelease:
    """Which release the installed package ships, read from its data file names without importing it."""
    spec = find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("simple-icd-10-cm is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    lists = sorted(folder.glob("code-list-*.txt"))
    if not lists:
        raise RuntimeError(f"no code list in {folder}")
    m = re.search(r"code-list-([A-Za-z]+)-(\d{4})", lists[-1].name)
    month, year = (MONTHS.get(m.group(1).capitalize(), 10), int(m.group(2))) if m else (10, 0)
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.txt")) + sorted(folder.glob("*.xml")):
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_size).encode())
    fiscal_year = year + 1 if month >= 10 else year
    label = f"FY{fiscal_year} ({m.group(1).capitalize()} {year} release)" if m else lists[-1].stem
    return PackageRelease(folder=folder, label=label, year=year, month=month, checksum=digest.hexdigest())


def excludes1_prefixes(notes: list[str], categories: list[str]) -> list[str]:
    """Code prefixes named in Excludes1 notes: 'I15.-' -> I15, 'E08-E13 with .42' -> E08.42 … E13.42."""
    out: list[str] = []
    for note in notes:
        spans: list[tuple[int, int]] = []
        for m in RANGE_RE.finditer(note):
            spans.append(m.span())
            lo, hi, suffix = m.group(1), m.group(2), m.group(3)
            start = bisect.bisect_left(categories, lo)
            stop = bisect.bisect_right(categories, hi)
            for cat in categories[start:stop]:
                out.append(f"{cat}.{suffix}" if suffix else cat)
        if "fifth character" in note or "sixth character" in note:
            continue  # "B27.0-B27.9 with fifth character 1": not expressible as a prefix; skip rather than over-flag
        for m in CODE_RE.finditer(note):
            if any(a <= m.start() < b for a, b in spans):
                continue
            out.append(m.group(1))
    return sorted(set(out))


@dataclass(frozen=True)
class _Inherited:
    """What a code takes from its ancestors: computed once per node, children reuse their parent's."""

    chapter: str = ""
    block: str = ""
    excludes1: frozenset[str] = frozenset()
    seven: bool = False
    manifestation: bool = False
    code_first: str = ""
    use_additional: str = ""


def read_package() -> list[IcdRow]:
    """Every category, subcategory and code (chapters and blocks become fields, not rows).

    The package lists parents before children, so each node's inherited notes are its parent's plus its own.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the package reads its data with importlib.resources' old API
        import simple_icd_10_cm as icd

        all_items = icd.get_all_codes(with_dots=True)
    categories = sorted(c for c in all_items if len(c) == 3 and c[0].isalpha() and c[1].isdigit())
    seen: dict[str, _Inherited] = {}
    rows: list[IcdRow] = []
    for item in all_items:
        parent = icd.get_parent(item)
        up = seen.get(parent, _Inherited()) if parent else _Inherited()
        chapter_or_block = icd.is_chapter_or_block(item)
        label = icd.get_description(item)
        own_excl = excludes1_prefixes(icd.get_excludes1(item), categories)
        node = _Inherited(
            chapter=item if not parent else up.chapter,
            block=item if (chapter_or_block and parent) else up.block,
            excludes1=up.excludes1 | frozenset(own_excl),
            seven=up.seven or (not chapter_or_block and bool(icd.get_seven_chr_def(item))),
            manifestation=up.manifestation or (not chapter_or_block
                                               and "in diseases classified elsewhere" in label.lower()),
            code_first=(icd.get_code_first(item) if not chapter_or_block else "") or up.code_first,
            use_additional=icd.get_use_additional_code(item) or up.use_additional,
        )
        seen[item] = node
        if chapter_or_block:
            continue
        rows.append(IcdRow(
            code=item, label=label, billable=icd.is_leaf(item), chapter=node.chapter, block=node.block,
            terms=list(icd.get_inclusion_term(item)), excludes1=sorted(node.excludes1),
            requires_7th=node.seven and len(item.replace(".", "")) < 7, manifestation=node.manifestation,
            code_first=node.code_first, use_additional=node.use_additional,
        ))
    return rows
