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

``Screener`` brings near matches into a case: for a table that names the party fact settling
them (``confirmed_by``), a party whose name only scores at least ``THRESHOLD`` against an
entry meets that entry in the world of what is possible. Rules that read the table then give
a possible finding, and the report asks whether the party is the listed one.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process

from .model import Case, CaseObject, Fact

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


def sorted_words(text: str) -> str:
    """The words of a name, legal form aside, sorted: what ``score`` compares."""
    return " ".join(sorted(words(text)))


def score(name: str, listed: str) -> float:
    """How alike two names are, 0 to 100, legal forms aside and word order ignored."""
    return compare(sorted_words(name), sorted_words(listed))


def compare(left: str, right: str) -> float:
    """``score`` on names already reduced to ``sorted_words``."""
    if not left or not right:
        return 0.0
    if left.replace(" ", "") == right.replace(" ", ""):
        return 100.0
    return float(fuzz.ratio(left, right))


class _Names:
    """Listed names reduced to ``sorted_words``, each with the index of what lists it, scored
    in one pass of rapidfuzz's C loop (``compare`` for every pair, at a fraction of the cost)."""

    def __init__(self, listed: Iterable[tuple[int, str]]) -> None:
        self.owners: list[int] = []
        self.texts: list[str] = []
        self.words: list[str] = []
        self.joined: dict[str, list[int]] = {}
        for owner, text in listed:
            reduced = sorted_words(text)
            if not reduced:
                continue
            self.joined.setdefault(reduced.replace(" ", ""), []).append(len(self.words))
            self.owners.append(owner)
            self.texts.append(text)
            self.words.append(reduced)

    def best(self, name: str, threshold: float) -> dict[int, tuple[float, str]]:
        """For each owner with a listed name scoring at least ``threshold`` against
        ``name``: the best score and the listed name that gave it."""
        mine = sorted_words(name)
        if not mine or not self.words:
            return {}
        hits = [(score, index) for _, score, index in process.extract(
            mine, self.words, scorer=fuzz.ratio, score_cutoff=threshold, limit=None)]
        hits += [(100.0, index) for index in self.joined.get(mine.replace(" ", ""), ())]
        out: dict[int, tuple[float, str]] = {}
        for points, index in hits:
            owner = self.owners[index]
            if owner not in out or points > out[owner][0]:
                out[owner] = (float(points), self.texts[index])
        return out


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
    listed = _Names((index, text) for index, row in enumerate(rows)
                    for text in (row.entry, *row.aliases))
    for name in names:
        key = name_key(name)
        near = listed.best(name, threshold)
        here = []
        for index, row in enumerate(rows):
            exact = key in keys[index]
            if exact or index in near:
                points, text = near.get(index, (100.0, row.entry))
                here.append(Candidate(name, row.table, row.entry, text, 100.0 if exact
                                      else round(points, 1), exact, row.country, row.since,
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


@dataclass(frozen=True)
class _Screened:
    """One entry of a table that near matches may meet: its row object and its names."""

    row: CaseObject
    confirmed_by: str
    keys: frozenset[str]
    names: tuple[str, ...]
    """The names it is listed under, the entry's name first."""


class Screener:
    """The near matches of a case's parties to the entries of the tables that screen them."""

    def __init__(self, reference: Iterable[CaseObject], threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        grouped: dict[tuple[str, str, str], list[CaseObject]] = {}
        for obj in reference:
            if "confirmed_by" in obj.words:
                table = str(obj.facts["table"].value)
                grouped.setdefault((table, obj.name, str(obj.at)), []).append(obj)
        self.entries = tuple(
            _Screened(objects[0], objects[0].words["confirmed_by"],
                      frozenset(str(obj.facts["key"].value) for obj in objects),
                      tuple(dict.fromkeys(obj.words.get("listed_as", obj.name)
                                          for obj in objects)))
            for objects in grouped.values())
        self.listed = _Names((index, text) for index, entry in enumerate(self.entries)
                             for text in entry.names)

    def near(self, case: Case) -> tuple[CaseObject, ...]:
        """For each party and entry that are alike but not the same name: the entry's row
        under the party's best-scoring name, only in the world of what is possible. A party
        that matches the entry exactly, or whose case states the fact that settles it, is left
        to the rules as it is."""
        if not self.entries:
            return ()
        parties = {obj.id: obj for obj in case.objects if obj.kind == "party"}
        names: dict[str, list[CaseObject]] = {}
        for obj in case.objects:
            if obj.kind == "name":
                names.setdefault(str(obj.facts["party"].value), []).append(obj)
        out: list[CaseObject] = []
        for party_id, known in names.items():
            party = parties.get(party_id)
            if party is None:
                continue
            keys = {str(name.facts["key"].value) for name in known}
            best: dict[int, tuple[float, str, str, str]] = {}
            for name in known:
                for index, (points, listed) in self.listed.best(name.name,
                                                               self.threshold).items():
                    found = (points, str(name.facts["key"].value), name.name, listed)
                    if index not in best or found[0] > best[index][0]:
                        best[index] = found
            rows = [_near_row(self.entries[index], party, *best[index]) for index in sorted(best)
                    if self.entries[index].confirmed_by not in party.facts
                    and not keys & self.entries[index].keys]
            out += _with_others(rows)
        return tuple(out)


def _with_others(rows: list[CaseObject]) -> list[CaseObject]:
    """One answer settles every near match of a party that the same fact confirms: each row
    names the others, so the question shows them all."""
    out = []
    for row in rows:
        others = [f"\"{other.name}\" ({other.words['score']} of 100)" for other in rows
                  if other is not row and other.words["confirmed_by"] == row.words["confirmed_by"]]
        out.append(replace(row, words={**row.words, "others": "; ".join(others)})
                   if others else row)
    return out


def _near_row(entry: _Screened, party: CaseObject, points: float, key: str, text: str,
              listed: str) -> CaseObject:
    row = entry.row
    aliases = [name for name in entry.names if name != row.name]
    words = {**row.words, "listed_as": listed, "screened_name": text, "party": party.id,
             "score": f"{points:.0f}", "aliases": "; ".join(aliases)}
    return replace(row, id=f"{row.id}~{party.id}", possible_only=True, words=words,
                   facts={**row.facts, "key": Fact("key", key, row.status, row.source, row.at)})


def near_question(row: CaseObject, party: CaseObject) -> str:
    """The question a near match asks: is this party the listed one?"""
    words = row.words
    about = [f"also listed as {words['aliases']}" if words.get("aliases") else "",
             f"country {row.facts['country'].value}" if "country" in row.facts else "",
             f"in effect from {row.facts['since'].value}"
             if "since" in row.facts else ""]
    detail = "; ".join(part for part in about if part)
    others = (f" It is also like {words['others']} in the same lists; the answer settles them "
              "all." if words.get("others") else "")
    return (f"Is {party.name} the party listed as \"{row.name}\""
            f"{f' ({detail})' if detail else ''} in the reference table "
            f"{row.facts['table'].value}? Its name \"{words['screened_name']}\" scores "
            f"{words['score']} of 100 against \"{words['listed_as']}\": a near match, not the "
            f"same name.{others} Check the entry's address and identifiers, then state whether "
            f"{party.name} is the listed party ({words['confirmed_by']}).")
