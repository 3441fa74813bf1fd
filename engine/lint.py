"""``rex rules lint``: rule files checked for shape and for meaning.

Shape and references are the loader's job (schema, unknown facts, types, values, bindings,
duplicate ids); a file that does not load is reported with those errors. The checks here look
at what loads: links off the official domains, conditions that can never hold, versions of a
provision whose periods in force overlap, tests on facts nobody would know how to ask about,
derived facts nobody uses, and rules filed under another regime's folder.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .catalogue import catalogue
from .errors import Location, RexError, flatten
from .logic import nnf
from .rulemodel import AllOf, AnyOf, Cond, FactRef, Leaf, Rule, RulePack, leaves
from .rules import load_rules

OFFICIAL_DOMAINS = (
    "legislation.gov.uk", "gov.uk", "parliament.uk", "ecfr.gov", "federalregister.gov",
    "bis.gov", "bis.doc.gov", "doc.gov", "commerce.gov", "uscode.house.gov", "govinfo.gov",
    "congress.gov", "treasury.gov", "justice.gov", "ico.org.uk", "cps.gov.uk", "gao.gov",
    "whitehouse.gov", "state.gov", "europa.eu", "nationalarchives.gov.uk", "ofac.treasury.gov",
    "supremecourt.gov", "uscourts.gov",
)
MAX_CONJUNCTIONS = 512


@dataclass(frozen=True)
class Issue:
    check: str
    severity: str
    """``error`` or ``warning``."""
    message: str
    location: Location | None = None

    def one_line(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message} [{self.check}]"


def lint(paths: Sequence[str | Path] | None = None) -> list[Issue]:
    """Every problem in the rule files (default: the shipped packs)."""
    try:
        pack = load_rules(list(paths) if paths is not None else None)
    except RexError as exc:
        return [Issue("load", "error", e.message + (f" ({e.hint})" if e.hint else ""),
                      e.location) for e in flatten(exc)]
    issues: list[Issue] = []
    for rule in pack.rules:
        issues.extend(_urls(rule))
        issues.extend(_never_holds(rule))
        issues.extend(_questions(rule))
        issues.extend(_folder(rule))
        issues.extend(_headlines(rule))
        issues.extend(_our_notes(rule))
        if rule.finding is not None and not rule.description:
            issues.append(Issue("description", "warning",
                                f"{rule.id} has no description of what the provision says",
                                rule.at))
    for group in pack.groups.values():
        if not is_official(group.url):
            issues.append(Issue("official-url", "error", f"the country group {group.id} cites "
                                f"{group.url}, which is not on an official domain", group.at))
    issues.extend(_series(pack))
    issues.extend(_unused_derivations(pack))
    return sorted(issues, key=lambda i: (str(i.location or ""), i.check, i.message))


CONDITIONAL = re.compile(r"\b(may|might|could|if)\b", re.I)
NOTES = re.compile(r"reference sheet|legal-facts|the sheet\b", re.I)


def _headlines(rule: Rule) -> Iterable[Issue]:
    """A possible finding's headline speaks conditionally; an alleged one says it rests on
    allegations."""
    if rule.finding is None:
        return
    for status, text in rule.finding.headlines.items():
        if status == "possible" and not CONDITIONAL.search(text):
            yield Issue("headline", "error", f"{rule.id}: the possible headline asserts a "
                        "conclusion; write it conditionally (may ... if ...)", rule.at)
        if status == "alleged" and "alleg" not in text.lower():
            yield Issue("headline", "error", f"{rule.id}: the alleged headline must say it "
                        "rests on allegations", rule.at)


def _our_notes(rule: Rule) -> Iterable[Issue]:
    """What a user reads cites the law and official guidance, never the project's notes."""
    texts = [rule.title, rule.description, rule.in_force_note]
    if rule.finding is not None:
        spec = rule.finding
        texts += [spec.title, spec.summary, *spec.headlines.values(),
                  *(w.does for w in spec.who_acts), *(d.basis for d in spec.deadlines),
                  *(d.what for d in spec.deadlines), *(a.basis for a in spec.amounts),
                  *(a.what for a in spec.amounts)]
    if any(NOTES.search(text) for text in texts):
        yield Issue("our-notes", "error", f"{rule.id}: user-facing text mentions the project's "
                    "reference notes; cite the law, official guidance or the source itself",
                    rule.at)


def is_official(url: str) -> bool:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    return parsed.scheme == "https" and any(
        host == domain or host.endswith("." + domain) for domain in OFFICIAL_DOMAINS)


def _urls(rule: Rule) -> Iterable[Issue]:
    if rule.finding is not None and not rule.url:
        yield Issue("official-url", "error", f"{rule.id} cites no URL", rule.at)
    for label, url in [("url", rule.url), *[("reference", u) for _, u in rule.references]]:
        if url and not is_official(url):
            yield Issue("official-url", "error",
                        f"{rule.id}: the {label} {url} is not on an official domain "
                        f"({', '.join(OFFICIAL_DOMAINS[:6])} ...)", rule.at)


# -- conditions that can never hold ----------------------------------------------------------


def _never_holds(rule: Rule) -> Iterable[Issue]:
    conjunctions = _dnf(nnf(rule.when))
    if conjunctions is None or not conjunctions:
        return
    if all(not _satisfiable(leaves) for leaves in conjunctions):
        yield Issue("never-holds", "error",
                    f"the condition of {rule.id} can never hold (its tests contradict each "
                    "other in every alternative)", rule.at)


def _dnf(cond: Cond) -> list[list[Leaf]] | None:
    if isinstance(cond, Leaf):
        return [[cond]]
    if isinstance(cond, AnyOf):
        out: list[list[Leaf]] = []
        for item in cond.items:
            part = _dnf(item)
            if part is None:
                return None
            out.extend(part)
            if len(out) > MAX_CONJUNCTIONS:
                return None
        return out
    if isinstance(cond, AllOf):
        combined: list[list[Leaf]] = [[]]
        for item in cond.items:
            part = _dnf(item)
            if part is None:
                return None
            combined = [left + right for left, right in itertools.product(combined, part)]
            if len(combined) > MAX_CONJUNCTIONS:
                return None
        return combined
    return None


def _satisfiable(leaves: list[Leaf]) -> bool:
    by_fact: dict[tuple[str, str], list[Leaf]] = {}
    for leaf in leaves:
        if isinstance(leaf.value, FactRef):
            continue
        by_fact.setdefault((leaf.binding, leaf.path), []).append(leaf)
    return all(_fact_satisfiable(tests) for tests in by_fact.values())


def _fact_satisfiable(tests: list[Leaf]) -> bool:
    if any(t.op == "exists" and not t.value for t in tests):
        return all(t.op == "exists" and not t.value for t in tests)
    allowed: set[object] | None = None
    banned: set[object] = set()
    low: tuple[Any, bool] | None = None
    high: tuple[Any, bool] | None = None
    required: set[object] = set()
    excluded: set[object] = set()
    for test in tests:
        if test.op == "eq":
            allowed = {test.value} if allowed is None else allowed & {test.value}
        elif test.op == "in":
            values = set(test.value)
            allowed = values if allowed is None else allowed & values
        elif test.op == "ne":
            banned.add(test.value)
        elif test.op == "not_in":
            banned |= set(test.value)
        elif test.op in {"gt", "ge"}:
            strict = test.op == "gt"
            if low is None or test.value > low[0] or (test.value == low[0] and strict):
                low = (test.value, strict)
        elif test.op in {"lt", "le"}:
            strict = test.op == "lt"
            if high is None or test.value < high[0] or (test.value == high[0] and strict):
                high = (test.value, strict)
        elif test.op == "contains":
            required.add(test.value)
        elif test.op in {"not_contains", "contains_none"}:
            excluded |= set(test.value if isinstance(test.value, tuple) else (test.value,))
    if required & excluded:
        return False
    if low is not None and high is not None and (
            low[0] > high[0] or (low[0] == high[0] and (low[1] or high[1]))):
        return False
    if allowed is not None:
        candidates = {v for v in allowed if v not in banned and _within(v, low, high)}
        return bool(candidates)
    return True


def _within(value: Any, low: tuple[Any, bool] | None, high: tuple[Any, bool] | None) -> bool:
    try:
        if low is not None and (value < low[0] or (value == low[0] and low[1])):
            return False
        if high is not None and (value > high[0] or (value == high[0] and high[1])):
            return False
    except TypeError:
        return True
    return True


# -- questions, folders, series, derivations ------------------------------------------------


def _questions(rule: Rule) -> Iterable[Issue]:
    cat = catalogue()
    used: set[str] = set()
    for leaf in leaves(rule.when):
        refs = [leaf.ref] + ([leaf.value] if isinstance(leaf.value, FactRef) else [])
        for ref in refs:
            used.add(str(ref))
            binding = rule.binding(ref.binding)
            if binding.derived or ref.path == "id" or leaf.op == "exists":
                continue
            spec = cat.field(binding.kind, ref.path)
            if (spec is None or not spec.question) and str(ref) not in rule.ask:
                yield Issue("no-question", "warning",
                            f"{rule.id} tests {ref}, which can be unknown, and has no question "
                            "to ask about it (add one under ask:)", leaf.at)
    if rule.applies_on is not None:
        used.add(str(rule.applies_on))
    used |= {str(b.optional_from) for b in rule.bindings if b.optional_from is not None}
    for key in rule.ask:
        if key not in used:
            yield Issue("unused-ask", "warning",
                        f"{rule.id} has a question for {key}, which it does not test", rule.at)


def _folder(rule: Rule) -> Iterable[Issue]:
    folder = Path(rule.file).parent.name
    if folder != rule.regime and (folder.count("-") >= 1 or folder == "common") \
            and rule.regime != "common":
        yield Issue("regime-folder", "warning",
                    f"{rule.id} (regime {rule.regime}) is filed under {folder}/", rule.at)


def _series(pack: RulePack) -> Iterable[Issue]:
    by_series: dict[str, list[Rule]] = {}
    for rule in pack.rules:
        if rule.series:
            by_series.setdefault(rule.series, []).append(rule)
    for series, rules in by_series.items():
        ordered = sorted(rules, key=lambda r: (r.in_force_from is None, r.in_force_from))
        for first, second in itertools.combinations(ordered, 2):
            if _overlap(first, second):
                yield Issue("overlapping-periods", "error",
                            f"{first.id} and {second.id} (series {series}) are both in force "
                            f"on some dates: {first.in_force_text()}; {second.in_force_text()}",
                            second.at)


def _overlap(first: Rule, second: Rule) -> bool:
    if first.awaiting is not None or second.awaiting is not None:
        return False
    start_a = first.in_force_from or dt.date.min
    start_b = second.in_force_from or dt.date.min
    end_a = first.in_force_until or dt.date.max
    end_b = second.in_force_until or dt.date.max
    return start_a <= end_b and start_b <= end_a


def _unused_derivations(pack: RulePack) -> Iterable[Issue]:
    used = {b.kind for rule in pack.rules for b in rule.bindings if b.derived}
    for rule in pack.derivations:
        assert rule.derive is not None
        if rule.derive.fact not in used and rule.finding is None:
            yield Issue("unused-derivation", "warning",
                        f"{rule.id} derives {rule.derive.fact}, which no rule uses", rule.at)
