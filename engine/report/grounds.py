"""What a finding rests on: the facts it reads (with their status and line) and the questions
whose answers would settle it."""

from __future__ import annotations

from collections.abc import Mapping

from ..catalogue import catalogue
from ..matchers.oracle import Derived, Evaluator, Support, Unbound, Value
from ..model import CaseObject, FactUse, Question
from ..rulemodel import Binding, FactRef, Leaf, Rule, leaves, show_value
from ..screening import near_question
from ..values import Bounds, Choice, Span
from .words import fact_path, fill, names_of, plain


def facts_of(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value],
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
            uses[fact_path(obj, fact.path)] = FactUse(
                path=fact_path(obj, fact.path),
                value=plain(shown),
                status=fact.status if view == "a" else "confirmed",
                at=str(fact.at),
                source=fact.source,
                written=fact.written if shown is fact.value else None,
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


def questions_of(evaluator: Evaluator, rule: Rule,
               assignment: Mapping[str, Value]) -> list[Question]:
    found: dict[str, Question] = {}
    _collect_questions(evaluator, rule, assignment, found, depth=0)
    return list(found.values())


def _collect_questions(evaluator: Evaluator, rule: Rule, assignment: Mapping[str, Value],
                       found: dict[str, Question], depth: int) -> None:
    cat = catalogue()
    for binding in rule.bindings:
        value = assignment[binding.name]
        if isinstance(value, CaseObject) and value.possible_only and "party" in value.words:
            _near_match(evaluator, value, found)
        source = binding.optional_from
        if isinstance(value, Unbound) and source is not None:
            holder = assignment.get(source.binding)
            if isinstance(holder, CaseObject):
                spec = cat.field(holder.kind, source.path)
                text = rule.ask.get(str(source)) or (spec.question if spec else "")
                _add(found, fact_path(holder, source.path), text, rule, assignment,
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


def _near_match(evaluator: Evaluator, row: CaseObject, found: dict[str, Question]) -> None:
    """A table entry met only through a near match of names: ask whether the party is the
    listed one (the table's ``confirmed_by`` fact), naming the entry and the score."""
    party = next((obj for obj in evaluator.case.objects
                  if obj.kind == "party" and obj.id == row.words["party"]), None)
    if party is None:
        return
    path = fact_path(party, row.words["confirmed_by"])
    found.setdefault(path, Question(path, near_question(row, party), str(party.at), True))


def engage_questions(evaluator: Evaluator, rule: Rule,
                     assignment: Mapping[str, Value]) -> list[Question]:
    """For a provision the case does not show to be in play: the questions on the facts that
    would bring it in (the unknown facts its engagement condition tests)."""
    found: dict[str, Question] = {}
    if rule.engage is None:
        return []
    for leaf in leaves(rule.engage):
        holder = assignment.get(leaf.binding)
        if isinstance(holder, CaseObject) and leaf.path not in holder.facts and \
                leaf.path != "type":
            _leaf_question(rule, leaf, assignment, found)
            break  # one question brings the provision in or keeps it out
    return list(found.values())


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
        if not isinstance(holder, CaseObject):
            continue
        known = holder.facts.get(ref.path)
        if known is not None and not isinstance(known.value, (Span, Bounds, Choice)):
            continue
        spec = cat.field(holder.kind, ref.path)
        text = rule.ask.get(str(ref)) or (spec.question if spec else f"What is {ref}?")
        if known is not None:
            text += " " + decides(leaf, ref, known.value, assignment)
        _add(found, fact_path(holder, ref.path), text, rule, assignment, holder)


def decides(leaf: Leaf, ref: FactRef, value: object, assignment: Mapping[str, Value]) -> str:
    """For a fact the case knows only in part: what it says, and what would settle the test
    (the day or the number on which the answer turns)."""
    op, other = leaf.op, leaf.value
    if isinstance(other, FactRef):
        if ref == other:  # the test read from the other side
            op = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le"}.get(op, op)
            other = leaf.ref
        holder = assignment.get(other.binding)
        if isinstance(holder, CaseObject) and other.path in holder.facts:
            edge = show_value(holder.facts[other.path].value)
        elif isinstance(holder, CaseObject):  # unknown too: say what it is, in words
            spec = catalogue().field(holder.kind, other.path)
            what = (spec.description.rstrip(".") if spec is not None and spec.description
                    else other.path.replace(".", " ").replace("_", " "))
            edge = f"{what[:1].lower()}{what[1:]} ({holder.name})"
        else:
            edge = str(other)
    else:
        edge = show_value(other)
    said = f"The case says {value}"
    if isinstance(value, Span):
        before, after = {
            "ge": (f"before {edge}", "on or after it"), "lt": (f"before {edge}", "on or after it"),
            "gt": (f"on or before {edge}", "after it"), "le": (f"on or before {edge}", "after it"),
        }.get(op, (f"on {edge}", "on another day"))
        return f"{said}; what matters is whether it was {before} or {after}."
    if isinstance(value, Bounds):
        words = {"gt": "more than", "ge": "at least", "lt": "less than", "le": "at most",
                 "eq": "exactly", "ne": "other than", "in": "one of", "not_in": "none of"}
        return f"{said}; what matters is whether it is {words.get(op, op)} {edge}."
    return f"{said}; what matters is whether it is {edge}." if op in {"eq", "in"} else \
        f"{said}; what matters is whether it is {'not ' if op in {'ne', 'not_in'} else ''}{edge}."


def _add(found: dict[str, Question], path: str, text: str, rule: Rule,
         assignment: Mapping[str, Value], holder: CaseObject) -> None:
    """Fill a question in one pass: the rule's bindings, then the object asked about
    (``{name}``, and for a holding ``{owner}``)."""
    if path in found:
        return
    name = f'"{holder.name}"' if holder.kind == "event" else holder.name
    words = {"name": name, **holder.words}
    words.update((key, value) for key, value in names_of(rule, assignment).items()
                 if key != "name")
    found[path] = Question(path, fill(text, words), str(holder.at))
