"""From engine matches to the report: findings with who acts, deadlines, facts and questions.

The rule engine (durable_rules, via ``evaluate.py``) decides which rules fire and with which
status. The plain-Python evaluator then explains each match: the facts it rests on (value,
status and the line of the case file), the questions whose answers would settle a ``possible``
finding, and the dates its deadlines count from. Before it explains a match it checks that it
reaches the same status; if it does not, rex stops rather than print a report it cannot vouch
for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import __version__
from .catalogue import catalogue
from .compiler import Program
from .deadlines import Dated, add_hours, last_day, period_text, pick
from .errors import EngineError
from .evaluator import UNBOUND, Derived, Evaluator, Support, Unbound, Value, ident
from .model import (
    SEVERITIES,
    STATUS_RANK,
    Amount,
    Case,
    CaseObject,
    Deadline,
    FactStatus,
    FactUse,
    Finding,
    FindingStatus,
    NotApplied,
    Question,
    WhoActs,
)
from .rules import (
    AmountSpec,
    Binding,
    DateExpr,
    DeadlineSpec,
    FactRef,
    Leaf,
    Rule,
    WhoSpec,
    show_value,
)

REPORT_SCHEMA = "1.0"
_TEMPLATE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True)
class EngineMatch:
    """What the rule engine found: a rule, its best status and what its bindings are bound to."""

    rule: str
    status: FindingStatus
    bound: Mapping[str, str]
    """Binding name -> object id (``?`` for an unbound binding)."""


@dataclass(frozen=True)
class Summary:
    """Counts of findings by status, by regime (and status), and by who acts."""

    by_status: dict[str, int]
    by_regime: dict[str, dict[str, int]]
    by_who_acts: dict[str, int]


@dataclass(frozen=True)
class Report:
    case_id: str
    case_title: str
    case_file: str
    as_of: str | None
    """The ``--as-of`` date, if the law was applied as it stood on one date."""
    deadlines_as_of: str
    findings: tuple[Finding, ...]
    not_applied: tuple[NotApplied, ...]
    rules_considered: int
    show_all: bool
    version: str = __version__

    def summary(self) -> Summary:
        by_status = Counter(f.status for f in self.findings)
        by_regime: dict[str, Counter[str]] = {}
        for finding in self.findings:
            by_regime.setdefault(finding.regime, Counter())[finding.status] += 1
        by_actor: Counter[str] = Counter()
        for finding in self.findings:
            for name in sorted({who.name for who in finding.who_acts}):
                by_actor[name] += 1
        return Summary(
            by_status={s: by_status.get(s, 0) for s in ("triggered", "alleged", "possible")},
            by_regime={r: dict(sorted(c.items())) for r, c in sorted(by_regime.items())},
            by_who_acts=dict(sorted(by_actor.items())),
        )


def build_report(
    case: Case,
    program: Program,
    matches: Sequence[EngineMatch],
    *,
    today: dt.date,
    now: dt.datetime | None = None,
    show_all: bool = False,
) -> Report:
    """The report on one case. Deadlines are judged on ``today`` (or the as-of date); a
    deadline counted in hours is judged on the moment ``now`` when it is given and the report
    is not as of another date, so that a 72-hour notice is "passed" from the minute it ran out,
    not from the next day."""
    evaluator = Evaluator(program.rules, case, program.as_of)
    reference = program.as_of or today
    clock = now if program.as_of is None else None
    findings = [
        _finding(evaluator, program, match, reference, clock) for match in matches
    ]
    findings.sort(key=_order)
    not_applied: list[NotApplied] = []
    if show_all:
        fired = {match.rule for match in matches}
        for rule in program.pack.findings:
            if rule.id in fired:
                continue
            reason = program.skipped.get(rule.id) or why_not(evaluator, rule)
            not_applied.append(NotApplied(rule.id, rule.regime, rule.title, reason))
    return Report(
        case_id=case.id,
        case_title=case.title,
        case_file=case.file,
        as_of=program.as_of.isoformat() if program.as_of else None,
        deadlines_as_of=reference.isoformat(),
        findings=tuple(findings),
        not_applied=tuple(not_applied),
        rules_considered=len(program.pack.findings),
        show_all=show_all,
    )


def _order(finding: Finding) -> tuple[int, int, str, str, tuple[tuple[str, str], ...]]:
    return (
        -STATUS_RANK[finding.status],
        SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else 99,
        finding.regime,
        finding.rule,
        tuple(sorted(finding.on.items())),
    )


# -- one finding -----------------------------------------------------------------------------


def assignment_for(evaluator: Evaluator, rule: Rule, bound: Mapping[str, str]) -> dict[str, Value]:
    """Rebuild the evaluator's view of an engine match."""
    assignment: dict[str, Value] = {}
    for binding in rule.bindings:
        ident_ = bound.get(binding.name, "?")
        if ident_ == "?":
            assignment[binding.name] = UNBOUND
        elif binding.derived:
            fact = _derived_by_key(evaluator, ident_)
            if fact is None:
                raise EngineError(f"{rule.id}: the rule engine derived {ident_}, which the "
                                  "evaluator does not")
            assignment[binding.name] = fact
        else:
            obj = evaluator.index.by_id.get((binding.kind, ident_))
            if obj is None:
                raise EngineError(f"{rule.id}: the rule engine bound {binding.name} to "
                                  f"{ident_!r}, which is not a {binding.kind} of the case")
            assignment[binding.name] = obj
    return assignment


def _derived_by_key(evaluator: Evaluator, key: str) -> Derived | None:
    for world in ("c", "a", "p"):
        for fact in evaluator.derived[world]:
            if fact.key == key:
                return fact
    return None


def _world(status: str) -> str:
    return {"triggered": "c", "alleged": "a", "possible": "p"}[status]


def _finding(evaluator: Evaluator, program: Program, match: EngineMatch,
             reference: dt.date, clock: dt.datetime | None) -> Finding:
    rule = program.pack.get(match.rule)
    if rule is None or rule.finding is None:
        raise EngineError(f"the rule engine reported {match.rule!r}, which is not a finding rule")
    assignment = assignment_for(evaluator, rule, match.bound)
    world = _world(match.status)
    if evaluator.holds(rule, assignment, world) != match.status or not _derived_ok(
        evaluator, rule, assignment, world
    ):
        raise EngineError(
            f"{rule.id}: the rule engine and the evaluator disagree on "
            f"{dict(match.bound)} ({match.status}); no report is printed"
        )
    view = "c" if world == "c" else "a"
    status = match.status
    note = ""
    capped_from: FindingStatus | None = None
    if rule.certainty == "unverified" and status != "possible":
        capped_from = status
        note = (f"Capped at possible: the rule rests on a figure or wording not confirmed from a "
                f"primary source; on the facts it would be {status}.")
        status = "possible"
    names = _names(rule, assignment)
    spec = rule.finding
    facts = _facts(evaluator, rule, assignment, view)
    questions = _questions(evaluator, rule, assignment) if match.status == "possible" else []
    who = tuple(_who(item, names, assignment) for item in spec.who_acts)
    deadlines = tuple(
        _deadline(evaluator, item, assignment, reference, clock) for item in spec.deadlines
    )
    amounts = tuple(_amount(item, assignment) for item in spec.amounts)
    return Finding(
        rule=rule.id,
        regime=rule.regime,
        title=_capitalised(_fill(spec.title, names)),
        status=status,
        severity=rule.severity,
        provision=rule.provision,
        url=rule.url,
        summary=_fill(spec.summary, names),
        on={name: ident(value) for name, value in assignment.items()
            if not rule.binding(name).hidden and not rule.binding(name).derived},
        who_acts=who,
        deadlines=deadlines,
        facts=tuple(facts),
        questions=tuple(questions),
        in_force=(
            rule.in_force_from.isoformat() if rule.in_force_from else None,
            rule.in_force_until.isoformat() if rule.in_force_until else None,
        ),
        note=note,
        capped_from=capped_from,
        amounts=amounts,
    )


def _amount(spec: AmountSpec, assignment: Mapping[str, Value]) -> Amount:
    """The greatest of the terms that can be computed; incomplete when one cannot."""
    values: list[float] = []
    parts: list[str] = []
    missing: list[str] = []
    for term in spec.terms:
        if term.fixed is not None:
            values.append(term.fixed)
            parts.append(_money(term.fixed, spec.currency))
            continue
        assert term.of is not None
        holder = assignment.get(term.of.binding)
        fact = holder.facts.get(term.of.path) if isinstance(holder, CaseObject) else None
        label = _fact_path(holder, term.of.path) if isinstance(holder, CaseObject) else str(term.of)
        if fact is None or not isinstance(fact.value, (int, float)):
            missing.append(label)
            continue
        base = float(fact.value)
        if term.percent is not None:
            value = base * term.percent / 100
            parts.append(f"{term.percent:g}% of {label} ({_money(base, spec.currency)}) = "
                         f"{_money(value, spec.currency)}")
        else:
            value = base * (term.times or 0)
            parts.append(f"{term.times:g} x {label} ({_money(base, spec.currency)}) = "
                         f"{_money(value, spec.currency)}")
        if fact.status == "alleged":
            parts[-1] += " (alleged)"
        values.append(value)
    basis = ("the greater of " if len(spec.terms) > 1 else "") + "; ".join(parts)
    if missing:
        basis += f"; not known: {', '.join(missing)}"
        if values:
            basis += " (the figure is at least the one shown)"
    if spec.basis:
        basis += f". {spec.basis}"
    return Amount(spec.id, spec.what, max(values) if values else None, spec.currency,
                  " ".join(basis.split()), not missing)


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def _derived_ok(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value],
                world: str) -> bool:
    for binding in rule.bindings:
        value = assignment[binding.name]
        if isinstance(value, Derived) and value not in evaluator.derived[world]:
            return False
    return True


def _names(rule: Rule, assignment: Mapping[str, Value]) -> dict[str, str]:
    names = {"name": "{name}"}
    for binding in rule.bindings:
        value = assignment[binding.name]
        if isinstance(value, CaseObject):
            names[binding.name] = f'"{value.name}"' if value.kind == "event" else value.name
        elif isinstance(value, Unbound):
            names[binding.name] = f"the {binding.name.replace('_', ' ')} (not identified)"
        else:
            names[binding.name] = ident(value)
    return names


def _fill(text: str, names: Mapping[str, str]) -> str:
    return " ".join(_TEMPLATE.sub(lambda m: names.get(m.group(1), m.group(0)), text).split())


def _who(item: WhoSpec, names: Mapping[str, str], assignment: Mapping[str, Value]) -> WhoActs:
    party_id = None
    if item.party is not None:
        value = assignment.get(item.party)
        name = names.get(item.party, item.party)
        if isinstance(value, CaseObject):
            party_id = value.id
        elif isinstance(value, Unbound):
            name = "not identified in the case"
        if item.name:
            name = f"{name} ({item.name})"
    else:
        name = item.name or ""
    return WhoActs(item.role, name, _fill(item.does, names), item.modality, party_id)


def _fact_path(obj: Value, path: str) -> str:
    return f"{ident(obj)}.{path}"


def _facts(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value],
           view: str) -> list[FactUse]:
    uses: dict[str, FactUse] = {}
    _collect_facts(evaluator, rule, assignment, view, uses, depth=0)
    return sorted(uses.values(), key=lambda u: u.path)


def _collect_facts(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value], view: str,
                   uses: dict[str, FactUse], depth: int) -> None:
    cond = evaluator.conditions[rule.id]
    for result, value in evaluator.leaf_results(cond, dict(assignment), view):
        if value != 2:
            continue
        for fact, ref in ((result.fact, result.leaf.ref), (result.other, result.leaf.value)):
            if fact is None or not isinstance(ref, FactRef):
                continue
            obj = assignment.get(ref.binding)
            if not isinstance(obj, CaseObject):
                continue
            shown = fact.value_in(view)
            uses[_fact_path(obj, fact.path)] = FactUse(
                path=_fact_path(obj, fact.path),
                value=_plain(shown),
                status=fact.status if view == "a" else "confirmed",
                at=str(fact.at),
                source=fact.source,
            )
    if depth >= 4:
        return
    world = {"c": "c", "a": "a"}.get(view, "a")
    for binding in rule.bindings:
        bound = assignment[binding.name]
        if isinstance(bound, Derived):
            supports = evaluator.supports(bound, world)
            if supports:
                support = supports[0]
                _collect_facts(evaluator, support.rule, support.assignment, view, uses, depth + 1)


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _questions(evaluator: Evaluator, rule: Rule,
               assignment: Mapping[str, Value]) -> list[Question]:
    found: dict[str, Question] = {}
    _collect_questions(evaluator, rule, assignment, found, depth=0)
    return list(found.values())


def _collect_questions(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value],
                       found: dict[str, Question], depth: int) -> None:
    cat = catalogue()
    for binding in rule.bindings:
        value = assignment[binding.name]
        source = binding.optional_from
        if isinstance(value, Unbound) and source is not None:
            holder = assignment.get(source.binding)
            if isinstance(holder, CaseObject):
                spec = cat.field(holder.kind, source.path)
                text = rule.ask.get(str(source)) or (spec.question if spec else "")
                _add(found, _fact_path(holder, source.path), text, rule, assignment,
                     holder)
    cond = evaluator.conditions[rule.id]
    for leaf in evaluator.relevant_unknowns(cond, dict(assignment), "a"):
        _leaf_question(rule, leaf, assignment, found)
    if depth >= 4:
        return
    for binding in rule.bindings:
        value = assignment[binding.name]
        if isinstance(value, Derived) and value not in evaluator.derived["a"]:
            for support in evaluator.supports(value, "p")[:3]:
                _collect_questions(evaluator, support.rule, support.assignment, found, depth + 1)
        elif isinstance(value, Unbound) and binding.derived:
            for support in _open_derivations(evaluator, binding, assignment):
                _collect_questions(evaluator, support.rule, support.assignment, found, depth + 1)


def _open_derivations(evaluator: Evaluator, binding: Binding,
                      assignment: Mapping[str, Value]) -> list[Support]:
    """For a derived fact that is unbound because an object it is about is unknown: the
    derivations that could still establish it, given the objects that are known."""
    found: list[Support] = []
    for rule in evaluator.rules:
        if rule.derive is None or rule.derive.fact != binding.kind:
            continue
        fixed: dict[str, CaseObject] = {}
        for join in binding.joins:
            other = assignment.get(join.other)
            ref = rule.derive.of if join.field == "of" else rule.derive.to
            if isinstance(other, CaseObject) and join.other_field == "id" and ref is not None \
                    and ref.path == "id":
                fixed[ref.binding] = other
        for candidate in evaluator.assignments(rule, "p"):
            if all(candidate.get(name) is obj for name, obj in fixed.items()) and \
                    evaluator.holds(rule, candidate, "p") is not None:
                found.append(Support(rule, candidate))
                break
    return found[:3]


def _leaf_question(rule: Rule, leaf: Leaf, assignment: Mapping[str, Value],
                   found: dict[str, Question]) -> None:
    cat = catalogue()
    refs = [leaf.ref]
    if isinstance(leaf.value, FactRef):
        refs.append(leaf.value)
    for ref in refs:
        holder = assignment.get(ref.binding)
        if not isinstance(holder, CaseObject) or holder.facts.get(ref.path) is not None:
            continue
        spec = cat.field(holder.kind, ref.path)
        text = rule.ask.get(str(ref)) or (spec.question if spec else f"What is {ref}?")
        _add(found, _fact_path(holder, ref.path), text, rule, assignment, holder)


def _add(found: dict[str, Question], path: str, text: str, rule: Rule,
         assignment: Mapping[str, Value], holder: CaseObject) -> None:
    """Fill a question in one pass: the rule's bindings, then the object asked about
    (``{name}``, and for a holding ``{owner}``)."""
    if path in found:
        return
    name = f'"{holder.name}"' if holder.kind == "event" else holder.name
    words = {"name": name, **holder.words}
    words.update((key, value) for key, value in _names(rule, assignment).items()
                 if key != "name")
    found[path] = Question(path, _fill(text, words), str(holder.at))


# -- deadlines -------------------------------------------------------------------------------


def _deadline(evaluator: Evaluator, spec: DeadlineSpec, assignment: Mapping[str, Value],
              reference: dt.date, clock: dt.datetime | None) -> Deadline:
    start = _date(evaluator, spec.start, assignment)
    period = period_text(spec.unit, spec.amount, spec.calendar, spec.beginning_with)
    basis_law = f" {spec.basis}" if spec.basis else ""
    if start is None:
        missing = _missing_dates(evaluator, spec.start, assignment)
        return Deadline(spec.id, spec.what, None,
                        f"{period} {missing or 'a date the case does not give'} (unknown)."
                        f"{basis_law}", "unknown")
    if spec.unit == "hours":
        moment = add_hours(start, spec.amount)
        if clock is not None:
            status = "passed" if moment < clock else "open"
        else:
            status = "passed" if moment.date() < reference else "open"
        return Deadline(spec.id, spec.what, moment,
                        f"{period} {start.label} ({_dated(start, hours=True)}).{basis_law}", status,
                        _fact_status(start.status))
    day = last_day(start.date, spec.unit, spec.amount, spec.calendar, spec.beginning_with)
    status = "passed" if day < reference else "open"
    return Deadline(spec.id, spec.what, day,
                    f"{period} {start.label} ({_dated(start)}).{basis_law}", status,
                    _fact_status(start.status))


def _fact_status(status: str | None) -> FactStatus | None:
    if status == "confirmed":
        return "confirmed"
    if status == "alleged":
        return "alleged"
    return None


def _dated(value: Dated, hours: bool = False) -> str:
    """The date a deadline runs from; for a period in hours, the moment."""
    text = value.date.isoformat()
    if hours:
        text = value.time.isoformat(timespec="minutes") if value.time is not None else \
            f"{text}, no time of day given: counted from 00:00 UTC"
    if value.status == "alleged":
        text += ", alleged"
    return text


def _date(evaluator: Evaluator, expr: DateExpr, assignment: Mapping[str, Value]) -> Dated | None:
    if expr.literal is not None:
        return Dated(expr.literal, None, expr.literal.isoformat())
    if expr.fact is not None:
        holder = assignment.get(expr.fact.binding)
        if not isinstance(holder, CaseObject):
            return None
        fact = holder.facts.get(expr.fact.path)
        if fact is None or not isinstance(fact.value, dt.date):
            return None
        return Dated(fact.value, fact.status, _fact_path(holder, expr.fact.path), fact.time)
    parts = [_date(evaluator, part, assignment) for part in (expr.latest or expr.earliest)]
    if expr.latest:
        return pick(parts, max, "the latest")
    return pick(parts, min, "the earliest", partial=True)


def _missing_dates(evaluator: Evaluator, expr: DateExpr,
                   assignment: Mapping[str, Value]) -> str:
    if expr.fact is not None:
        return str(expr.fact.path if not isinstance(assignment.get(expr.fact.binding), CaseObject)
                   else _fact_path(assignment[expr.fact.binding], expr.fact.path))
    parts = [_missing_dates(evaluator, part, assignment) for part in (expr.latest or expr.earliest)]
    return ", ".join(part for part in parts if part)


# -- why a rule gave no finding --------------------------------------------------------------


def why_not(evaluator: Evaluator, rule: Rule) -> str:
    """A short reason a rule produced no finding on this case."""
    root = rule.bindings[0]
    candidates = list(evaluator.index.by_kind.get(root.kind, []))
    if not candidates:
        return f"the case has no {root.kind}"
    reasons: list[str] = []
    for obj in candidates:
        assignments = [
            a for a in evaluator.assignments(rule, "p") if a.get(root.name) is obj
        ]
        if not assignments:
            missing = [b.name for b in rule.bindings[1:] if not b.hidden]
            reasons.append(f"{obj.id}: nothing to match {', '.join(missing) or 'it'}")
            continue
        assignment = assignments[0]
        cond = evaluator.conditions[rule.id]
        # A test under a "not" fails when the test itself holds: explain its negation.
        false = [result.leaf if result.value == value else result.leaf.negated()
                 for result, value in evaluator.leaf_results(cond, assignment, "a")
                 if value == 0]
        if not false:
            reasons.append(f"{obj.id}: the condition does not hold")
            continue
        reasons.append(f"{obj.id}: {_explain_false(evaluator, rule, false[0], assignment)}")
        if len(reasons) >= 3:
            break
    extra = len(candidates) - len(reasons)
    text = "; ".join(reasons)
    return text + (f"; and {extra} more {root.kind}(s)" if extra > 0 else "")


def _explain_false(evaluator: Evaluator, rule: Rule, leaf: Leaf,
                   assignment: Mapping[str, Value]) -> str:
    holder = assignment.get(leaf.binding)
    actual = evaluator.value_of(holder, leaf.path, "a") if holder is not None else None
    if rule.applies_on is not None and leaf.ref == rule.applies_on and leaf.at == rule.at:
        return (f"not in force on {_plain(actual)} ({rule.in_force_text()})")
    if not isinstance(holder, CaseObject):
        return f"the case has no {leaf.binding} for the test \"{leaf.describe()}\""
    if actual is None:
        return f"{_fact_path(holder, leaf.path)} is not stated, so \"{leaf.describe()}\" " \
               "does not hold"
    shown = show_value(actual)
    return f"{_fact_path(holder, leaf.path)} is {shown}, so \"{leaf.describe()}\" does not hold"



def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
