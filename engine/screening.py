"""Names as screening compares them: folded so that a changed letter cannot evade a list, and
scored so that an analyst sees the near matches.

``name_key`` is what rule matching uses: Unicode NFKC (fullwidth and compatibility forms),
confusable letters of other scripts folded to the Latin letters they imitate (Cyrillic "а"
for "a", Greek "Ο" for "O"; the Unicode confusables data, through ``confusable_homoglyphs``),
diacritics dropped, case folded, and only letters and digits kept. Two names with the same
key are the same name to rex, and a listed party's findings follow.

``screen`` scores a name against the rows of the reference tables with ``rapidfuzz``, after
dropping legal-form words (Ltd, Co., GmbH, 有限公司 ...) and ordering the words, so that
"Technologies Huawei" and "Huawei Technologies Co., Ltd." are the same words. A near match is
a candidate for a person to review, never a finding on its own (docs/screening.md).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rapidfuzz import fuzz

THRESHOLD = 85.0
"""The score (0 to 100) from which ``screen`` reports a candidate: on the test set in
tests/data/screening/ it finds every variant of a listed name and one unrelated name in 30
(docs/screening.md)."""

LEGAL_FORMS = frozenset([
    "ab", "ag", "as", "asa", "bhd", "bv", "co", "company", "corp", "corporation", "cv", "gmbh",
    "inc", "incorporated", "jsc", "kg", "kk", "limited", "llc", "llp", "lp", "ltd", "nv", "oao",
    "ooo", "oy", "pao", "pjsc", "plc", "pte", "pty", "sa", "sarl", "sas", "sdn", "spa", "srl",
    "zao"])
"""Words that name a company's legal form, not the company."""
LEGAL_FORM_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司", "株式会社", "ООО", "ОАО",
                       "ПАО", "АО")
"""Legal forms written without spaces in Chinese, Japanese and Russian names."""


@functools.cache
def _confusables() -> dict[str, str]:
    """Each character that imitates a Latin letter or digit, with the one it imitates."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json")
                      .read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for char, glyphs in data.items():
        if char.isascii() or len(char) != 1:
            continue
        latin = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()
                 and g["c"].isalnum()]
        if latin:
            table[char] = latin[0]
    return table


def skeleton(text: str) -> str:
    """``text`` with compatibility forms, confusables and diacritics folded to plain Latin,
    in lower case (spaces and punctuation kept)."""
    table = _confusables()
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if char.isascii():
            out.append(char)
            continue
        latin = table.get(char, char)
        plain = "".join(c for c in unicodedata.normalize("NFKD", latin)
                        if not unicodedata.combining(c))
        out.append(plain or latin)
    return "".join(out).casefold()


def name_key(text: str) -> str:
    """A name folded for matching: the skeleton's letters and digits only."""
    return "".join(char for char in skeleton(text) if char.isalnum())


@functools.cache
def _suffix_marks() -> tuple[str, ...]:
    return tuple(skeleton(suffix) for suffix in LEGAL_FORM_SUFFIXES)


def words(text: str) -> list[str]:
    """The words of a name without its legal form, in order."""
    folded = skeleton(text)
    for mark in _suffix_marks():
        if folded.rstrip().endswith(mark):
            folded = folded.rstrip()[: -len(mark)]
        if folded.lstrip().startswith(mark + " "):
            folded = folded.lstrip()[len(mark):]
    cleaned = "".join(char if char.isalnum() else " " for char in folded)
    return [word for word in cleaned.split() if word not in LEGAL_FORMS]


def score(name: str, listed: str) -> float:
    """How alike two names are, 0 to 100, legal forms aside and word order ignored."""
    left, right = " ".join(sorted(words(name))), " ".join(sorted(words(listed)))
    if not left or not right:
        return 0.0
    if left.replace(" ", "") == right.replace(" ", ""):
        return 100.0
    return float(fuzz.ratio(left, right))


@dataclass(frozen=True)
class Candidate:
    """A listed name that a screened name is like."""

    name: str
    table: str
    entry: str
    listed_as: str
    """The entry's name or the alias that scored best."""
    score: float
    exact: bool
    """The name and the listed name have the same key: rules treat them as one party."""
    country: str | None
    since: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """A reference-table row as screening reads it."""

    table: str
    entry: str
    aliases: tuple[str, ...]
    country: str | None
    since: str | None


def screen(names: Iterable[str], rows: Sequence[Row],
           threshold: float = THRESHOLD) -> list[Candidate]:
    """Every row a name matches exactly or scores at least ``threshold`` against, best first
    for each name."""
    found: list[Candidate] = []
    keys = [{name_key(text) for text in (row.entry, *row.aliases)} for row in rows]
    for name in names:
        key = name_key(name)
        here = []
        for row, listed_keys in zip(rows, keys, strict=True):
            best, listed = max((score(name, text), text) for text in (row.entry, *row.aliases))
            exact = key in listed_keys
            if exact or best >= threshold:
                here.append(Candidate(name, row.table, row.entry, listed, 100.0 if exact
                                      else round(best, 1), exact, row.country, row.since,
                                      row.aliases))
        found += sorted(here, key=lambda c: (-c.score, c.table, c.entry))
    return found


def rows_of(reference: Iterable[Any]) -> list[Row]:
    """The rows of the packs' reference tables (``RulePack.reference``: one object per name a
    row is listed under), one ``Row`` each."""
    grouped: dict[tuple[str, str, str], list[Any]] = {}
    for obj in reference:
        table = str(obj.facts["table"].value)
        grouped.setdefault((table, obj.name, str(obj.at)), []).append(obj)
    rows = []
    for (table, entry, _), objects in grouped.items():
        facts = objects[0].facts
        listed = [str(obj.words.get("listed_as", entry)) for obj in objects]
        since = facts["since"].value.isoformat() if "since" in facts else None
        rows.append(Row(table, entry, tuple(text for text in listed if text != entry),
                        str(facts["country"].value) if "country" in facts else None, since))
    return rows
