"""One ranked list of questions: each unknown fact asked once, with what its answers settle.

A question is worth asking only if some answer changes a finding. rex finds out by trying
the answers with the plain-Python evaluator: true and false; each allowed value; for numbers
and dates, a value on each side of every threshold the rules test on that fact; for a
reference, each object of the kind it names. It compares the findings each answer gives with
today's, and keeps the question only if one answer changes one (a status moves, a finding
falls away or a new one appears). Questions are ranked by what their answers change,
weighted by severity and by whether the finding carries a dated deadline; questions whose
answer takes findings out of play altogether (is there a UK link? is this a merger at all?)
come first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..catalogue import FieldSpec, catalogue
from ..compiler import Program
from ..errors import Location
from ..matchers.oracle import Evaluator, ident
from ..model import Case, CaseObject, Fact, Finding, Question
from ..rulemodel import FactRef, Rule, leaves
from ..values import Bounds, Span, T

NOT_ASSESSED = "not-assessed"
"""A possible finding whose provision the case does not show to be in play."""
SEVERITY_WEIGHT = {"critical": 8, "high": 4, "medium": 2, "low": 1}
MAX_ANSWERS = 40
"""Answers tried per question; beyond it the thresholds are sampled evenly."""
_ANSWER_SOURCE = "answer"

Key = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Change:
    rule: str
    key: tuple[str, ...]
    before: str | None
    """The status today (None: no finding today)."""
    after: str | None
    """The status with this answer (None: the finding falls away)."""


@dataclass(frozen=True)
class Answer:
    answer: str
    changes: tuple[Change, ...]

    def words(self) -> str:
        """What this answer does, in words: "3 become alleged, 4 fall away"."""
        counts: Counter[str] = Counter()
        for change in self.changes:
            if change.after is None:
                counts["fall away"] += 1
            elif change.after == NOT_ASSESSED:
                counts["go out of play"] += 1
            elif change.before == NOT_ASSESSED:
                counts[f"come into play as {change.after}"] += 1
            elif change.before is None:
                counts[f"new {change.after}"] += 1
            else:
                counts[f"become {change.after}"] += 1
        order = ("become triggered", "become alleged", "become possible", "new triggered",
                 "new alleged", "new possible", "come into play as triggered",
                 "come into play as alleged", "come into play as possible", "go out of play",
                 "fall away")
        parts = [f"{counts[k]} {k}" for k in order if counts[k]]
        return ", ".join(parts) if parts else "no change"


@dataclass(frozen=True)
class RankedQuestion:
    id: str
    path: str
    question: str
    at: str
    answers: tuple[Answer, ...]
    findings: tuple[Key, ...]
    """The findings (rule, key) it was asked for."""
    score: int
    gate: bool
    """Some answer takes at least one finding out of play."""

    def settles(self) -> str:
        """One line: "yes: 3 become alleged; no: 4 fall away"."""
        shown = [a for a in self.answers if a.changes]
        distinct: dict[str, list[str]] = {}
        for answer in shown:
            distinct.setdefault(answer.words(), []).append(answer.answer)
        parts = []
        for words, answers in distinct.items():
            label = answers[0] if len(answers) == 1 else f"{answers[0]} (or {len(answers) - 1} " \
                f"other answer{'s' if len(answers) > 2 else ''})"
            parts.append(f"{label}: {words}")
        shown_parts = parts[:6]
        if len(parts) > 6:
            shown_parts.append(f"{len(parts) - 6} more (rex report --format json lists them)")
        return "; ".join(shown_parts)


class RankCache:
    """What each question's answers were found to change, kept between the rankings of one
    ``rex ask`` session: after an answer, only the questions whose rules that answer can touch
    are tried again (``forget``); the others' trials would give what they gave before, since
    none of their rules reads the answered fact or a fact derived from it."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, tuple[str, ...]], tuple[Answer, ...]] = {}
        """(question path, the ids of its rules and of the rules that ask it) -> answers."""
        self.reused = 0
        self.tried = 0

    def forget(self, program: Program, before: Case, after: Case) -> None:
        """Drop what the facts that differ between two versions of a case may have changed
        (an answer's own fact, and those rex works out from it, such as an event's date)."""
        old = {(obj.kind, obj.id): obj for obj in before.objects}
        changed: set[tuple[str, str]] = set()
        for obj in after.objects:
            was = old.get((obj.kind, obj.id))
            facts = set(obj.facts) | set(was.facts if was is not None else ())
            changed |= {(obj.kind, path) for path in facts if was is None
                        or _meaning(obj.facts.get(path)) != _meaning(was.facts.get(path))}
        scope = _Scope(program)
        touched = {rule.id for kind, path in changed for rule in scope.rules_for(kind, path)[0]}
        self.entries = {key: answers for key, answers in self.entries.items()
                        if not touched.intersection(key[1])}


def _meaning(fact: Fact | None) -> tuple[Any, ...] | None:
    """What a fact says, without where it is written (a line added above moves it)."""
    if fact is None:
        return None
    return (fact.value, fact.status, fact.confirmed_value, fact.time)


def ranked_questions(program: Program, case: Case, findings: Sequence[Finding],
                     cache: RankCache | None = None) -> tuple[RankedQuestion, ...]:
    """Every question the findings ask, once, kept only if an answer changes a finding. With
    ``cache``, the answers of a question whose rules no answer since has touched are taken
    from it."""
    rules = {rule.id: rule for rule in program.rules}
    scope = _Scope(program)
    weight = {(f.rule, _key(rules[f.rule], f)): _weight(f) for f in findings}
    asked: dict[str, tuple[Question, list[Key]]] = {}
    for finding in findings:
        for question in finding.questions:
            entry = asked.setdefault(question.path, (question, []))
            if question.specific and not entry[0].specific:  # the case's own wording wins
                entry = asked[question.path] = (question, entry[1])
            entry[1].append((finding.rule, _key(rules[finding.rule], finding)))
    derivations = [rule for rule in program.rules if rule.is_derivation]
    objects = {obj.id: obj for obj in case.objects}
    out: list[RankedQuestion] = []
    for path, (question, keys) in asked.items():
        # The thresholds of the rules that ask it (and the derivations they may rest on):
        # a rule that does not ask about a fact is already indifferent to it.
        asking = [rules[rule_id] for rule_id in dict.fromkeys(rule_id for rule_id, _ in keys)]
        thresholds = _thresholds([*asking, *derivations])
        object_id, _, field = path.partition(".")
        holder = objects.get(object_id)
        if holder is None:
            continue
        spec = catalogue().field(holder.kind, field)
        subset, fixed = scope.rules_for(holder.kind, field)
        key = (path, tuple(rule.id for rule in subset) + tuple(r.id for r in asking))
        kept = cache.entries.get(key) if cache is not None else None
        if kept is not None:
            answers = list(kept)
            cache.reused += 1  # type: ignore[union-attr]
        else:
            base = scope.statuses(subset, case)
            answers = []
            for label, value in _candidates(holder, field, spec, thresholds, case):
                trial = _answer(case, holder, field, value)
                changes = _changes(base, scope.statuses(subset, trial, cache=False, fixed=fixed))
                answers.append(Answer(label, changes))
            if spec is not None and spec.type in {"date", "number"}:
                answers = _ranges(answers)
            if cache is not None:
                cache.entries[key] = tuple(answers)
                cache.tried += 1
        if not any(answer.changes for answer in answers):
            continue
        changed = {(c.rule, c.key) for a in answers for c in a.changes}
        score = sum(weight.get(key, 1) for key in changed)
        gate = any(c.after in {None, NOT_ASSESSED} or c.before == NOT_ASSESSED
                   for a in answers for c in a.changes)
        out.append(RankedQuestion("", path, question.question, question.at, tuple(answers),
                                  tuple(dict.fromkeys(keys)), score, gate))
    out.sort(key=lambda q: (not q.gate, -q.score, q.path))
    return tuple(replace(q, id=f"q{index}") for index, q in enumerate(out, start=1))


def unknown_facts(case: Case, program: Program) -> Iterable[tuple[CaseObject, str]]:
    """Every fact a rule reads that the case leaves unknown, on each party, asset and event:
    what the property test tries to be sure no question was wrongly left out for."""
    read: dict[str, set[str]] = {}
    for rule in program.rules:
        kinds = {b.name: b.kind for b in rule.bindings}
        for leaf in leaves(rule.when):
            if leaf.binding in kinds:
                read.setdefault(kinds[leaf.binding], set()).add(leaf.path)
    for obj in case.objects:
        if obj.kind not in {"party", "asset", "event"}:
            continue
        for field in sorted(read.get(obj.kind, ())):
            if field not in obj.facts:
                yield obj, field


def answers_change_anything(program: Program, case: Case, holder: CaseObject,
                            field: str) -> bool:
    """Whether some answer to ``holder.field`` changes a finding of ``case``: judged on every
    rule, not only those the question's scope selects (the check on that scope)."""
    everything = tuple(program.rules)
    scope = _Scope(program)
    base = scope.statuses(everything, case)
    spec = catalogue().field(holder.kind, field)
    thresholds = _thresholds(program.rules)
    return any(_changes(base, scope.statuses(everything, _answer(case, holder, field, value),
                                             cache=False))
               for _, value in _candidates(holder, field, spec, thresholds, case))


class _Scope:
    """Which rules an answer to a fact can touch: those that read it, those that bind a fact
    derived from it (transitively), and the derivations those rules rest on."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.reads = {rule.id: _reads(rule) for rule in program.rules}
        self.by_fact: dict[str, list[Rule]] = {}
        for rule in program.rules:
            if rule.derive is not None:
                self.by_fact.setdefault(rule.derive.fact, []).append(rule)
        self._base: dict[tuple[str, ...], tuple[Evaluator, dict[Key, str]]] = {}

    def rules_for(self, kind: str, field: str) -> tuple[tuple[Rule, ...], frozenset[str]]:
        """The rules an answer to ``kind.field`` can touch, and among them the derivations it
        cannot (they read neither the field nor a fact derived from it): their facts are the
        same with and without the answer, so a trial takes them over from the case as it is."""
        paths = {field}
        if field == "date" or field.startswith("dates."):
            paths |= {"date", "dates", field}
        touched = [r for r in self.program.rules
                   if any((kind, p) in self.reads[r.id] for p in paths)]
        facts = {r.derive.fact for r in touched if r.derive is not None}
        grown = True
        while grown:
            grown = False
            for rule in self.program.rules:
                if rule in touched:
                    continue
                if any(b.derived and b.kind in facts for b in rule.bindings):
                    touched.append(rule)
                    if rule.derive is not None and rule.derive.fact not in facts:
                        facts.add(rule.derive.fact)
                    grown = True
        needed = list(touched)
        wanted = {b.kind for r in touched for b in r.bindings if b.derived}
        seen: set[str] = set()
        while wanted - seen:
            fact = (wanted - seen).pop()
            seen.add(fact)
            for rule in self.by_fact.get(fact, []):
                if rule not in needed:
                    needed.append(rule)
                wanted |= {b.kind for b in rule.bindings if b.derived}
        fixed = frozenset(rule.id for rule in needed if rule not in touched)
        return tuple(sorted(needed, key=lambda r: r.id)), fixed

    def statuses(self, rules: Sequence[Rule], case: Case, cache: bool = True,
                 fixed: frozenset[str] = frozenset()) -> dict[Key, str]:
        """(rule, key) -> status of ``rules`` on ``case``. With ``cache``, ``case`` is the case
        as it is and the result is kept; otherwise it is a trial answer, and the ``fixed``
        derivations' facts are taken from the kept evaluation of the same rules."""
        key = tuple(rule.id for rule in rules)
        if cache and key in self._base:
            return self._base[key][1]
        given = self._base[key][0] if not cache and key in self._base else None
        evaluator = Evaluator(rules, case, self.program.as_of, given=given, fixed=fixed)
        out: dict[Key, str] = {}
        for rule in rules:
            if rule.finding is None:
                continue
            for match in evaluator.matches(rule):
                bound = {name: ident(value) for name, value in match.assignment.items()}
                status: str = match.status
                if rule.certainty == "unverified" and status != "possible":
                    status = "possible"  # as the report caps it (report.finding)
                if rule.engage is not None and status == "possible" and evaluator.kleene(
                        rule.engage, dict(match.assignment), "a") != T:
                    status = NOT_ASSESSED
                out[(rule.id, tuple(bound.get(name, "?") for name in rule.key))] = status
        if cache:
            self._base[key] = (evaluator, out)
        return out


def _reads(rule: Rule) -> set[tuple[str, str]]:
    """(kind, path) of every fact the rule reads: tests, joins, dates in force."""
    kinds = {b.name: b.kind for b in rule.bindings}
    found: set[tuple[str, str]] = set()
    conditions = [rule.when] + ([rule.engage] if rule.engage is not None else [])
    for leaf in (leaf for condition in conditions for leaf in leaves(condition)):
        for ref in (leaf.ref, leaf.value):
            if isinstance(ref, FactRef) and ref.binding in kinds:
                found.add((kinds[ref.binding], ref.path))
    for binding in rule.bindings:
        for join in binding.joins:
            found.add((binding.kind, join.field))
            if join.other in kinds:
                found.add((kinds[join.other], join.other_field))
        if binding.optional_from is not None and binding.optional_from.binding in kinds:
            found.add((kinds[binding.optional_from.binding], binding.optional_from.path))
    if rule.applies_on is not None and rule.applies_on.binding in kinds:
        found.add((kinds[rule.applies_on.binding], rule.applies_on.path))
    for gate in rule.gates:
        name, _, path = gate.partition(".")
        if name in kinds:
            found.add((kinds[name], path))
    if any(path == "date" for _, path in found):
        found |= {(kind, "dates") for kind, path in found if path == "date"}
    return found


def _weight(finding: Finding) -> int:
    urgent = any(d.date is not None and d.status in {"open", "may-have-passed"}
                 for d in finding.deadlines)
    return SEVERITY_WEIGHT.get(finding.severity, 1) * (2 if urgent else 1)


def _key(rule: Rule, finding: Finding) -> tuple[str, ...]:
    return tuple(finding.on.get(name, "?") for name in rule.key)


def _changes(base: Mapping[Key, str], trial: Mapping[Key, str]) -> tuple[Change, ...]:
    """What moves between two sets of statuses. A provision not in play that stays out of
    play (not assessed, or no match at all) has not changed for the reader."""
    def shown(statuses: Mapping[Key, str], key: Key) -> str | None:
        status = statuses.get(key)
        return None if status == NOT_ASSESSED else status

    return tuple(Change(rule, key, base.get((rule, key)), trial.get((rule, key)))
                 for rule, key in sorted(set(base) | set(trial))
                 if base.get((rule, key)) != trial.get((rule, key))
                 and (shown(base, (rule, key)) is not None
                      or shown(trial, (rule, key)) is not None))


def _answer(case: Case, holder: CaseObject, field: str, value: Any) -> Case:
    """The case with ``holder.field`` answered, confirmed."""
    fact = Fact(field, value, "confirmed", _ANSWER_SOURCE, Location(_ANSWER_SOURCE))
    facts = {**holder.facts, field: fact}
    if (field.startswith("dates.") and "date" not in holder.facts) or field == "dates.completed":
        facts["date"] = replace(fact, path="date")
    changed = replace(holder, facts=facts, acts=())
    objects = tuple(changed if obj is holder else obj for obj in case.objects)
    return replace(case, objects=objects)


def _thresholds(rules: Sequence[Rule]) -> dict[tuple[str, str], set[Any]]:
    """(kind, path) -> the constants rules compare that fact with, and the in-force dates."""
    found: dict[tuple[str, str], set[Any]] = {}
    for rule in rules:
        kinds = {b.name: b.kind for b in rule.bindings}
        for leaf in leaves(rule.when):
            if leaf.binding not in kinds or isinstance(leaf.value, FactRef):
                continue
            values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
            found.setdefault((kinds[leaf.binding], leaf.path), set()).update(
                v for v in values if isinstance(v, (str, int, float, dt.date)))
        if rule.applies_on is not None and rule.applies_on.binding in kinds:
            here = found.setdefault((kinds[rule.applies_on.binding], rule.applies_on.path), set())
            here.update(d for d in (rule.in_force_from, rule.in_force_until) if d is not None)
            if rule.in_force_until is not None:
                here.add(rule.in_force_until + dt.timedelta(days=1))
    return found


def _candidates(holder: CaseObject, field: str, spec: FieldSpec | None,
                thresholds: Mapping[tuple[str, str], set[Any]],
                case: Case) -> list[tuple[str, Any]]:
    if spec is None:
        return []
    known = holder.facts.get(field)
    tested = thresholds.get((holder.kind, field), set())
    if field == "date" or field.startswith("dates."):
        tested = tested | thresholds.get((holder.kind, "date"), set())
    if spec.type == "bool":
        return [("yes", True), ("no", False)]
    if spec.type == "ref":
        return [(obj.id, obj.id) for obj in case.objects
                if obj.kind == (spec.target or "party")][:MAX_ANSWERS]
    if spec.type == "date":
        days = sorted({d for d in tested if isinstance(d, dt.date)})
        lo, hi = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
        if known is not None and isinstance(known.value, Span):
            lo, hi = max(lo, known.value.lo), min(hi, known.value.hi)
        chosen = {lo, hi} | {d for d in days if lo <= d <= hi} | \
            {d - dt.timedelta(days=1) for d in days if lo < d <= hi}
        return [(d.isoformat(), d) for d in _sample(sorted(chosen))]
    if spec.type == "number":
        numbers = sorted({float(v) for v in tested if isinstance(v, (int, float))
                          and not isinstance(v, bool)})
        low, high = spec.lowest, min(spec.highest, 1e30)
        if known is not None and isinstance(known.value, Bounds):
            low, high = max(low, known.value.lo), min(high, known.value.hi)
        picks: set[float] = {low}
        for n in numbers:
            step = max(abs(n) * 1e-6, 0.01)
            picks.update(x for x in (n - step, n, n + step) if low <= x <= high)
        return [(_number(x), x) for x in _sample(sorted(picks))]
    if spec.type == "list":
        values = list(spec.values or sorted(str(v) for v in tested))
        return [("none", ()), *[(v, (v,)) for v in values][:MAX_ANSWERS]]
    values = list(spec.values or ())
    if not values:
        values = sorted(str(v) for v in tested if isinstance(v, str))
        values.append("ZZ" if "country" in field or field in {"residence", "located"}
                      else "other")
    return [(v, v) for v in values[:MAX_ANSWERS]]


def _ranges(answers: list[Answer]) -> list[Answer]:
    """Answers in order (days, numbers) merged into ranges with the same effect: "on or
    before 2023-12-19: 2 fall away; from 2023-12-20: no change"."""
    groups: list[list[Answer]] = []
    for answer in answers:
        if groups and groups[-1][0].changes == answer.changes:
            groups[-1].append(answer)
        else:
            groups.append([answer])
    out = []
    for index, group in enumerate(groups):
        first, last = group[0].answer, group[-1].answer
        if len(groups) == 1:
            label = "any value"
        elif index == 0:
            label = f"up to {last}"
        elif index == len(groups) - 1:
            label = f"from {first}"
        else:
            label = first if first == last else f"{first} to {last}"
        out.append(Answer(label, group[0].changes))
    return out


def _sample(items: list[Any]) -> list[Any]:
    if len(items) <= MAX_ANSWERS:
        return items
    step = len(items) / MAX_ANSWERS
    return [items[int(i * step)] for i in range(MAX_ANSWERS)]


def _number(value: float) -> str:
    return f"{value:g}"
