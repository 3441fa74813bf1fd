"""The plain data model shared by every module: cases, facts, rules and findings.

Values that cross a module boundary are frozen dataclasses, never raw YAML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import Location
from .values import Bounds, Choice, Span

FactStatus = Literal["confirmed", "alleged"]
FindingStatus = Literal["triggered", "alleged", "possible"]
FINDING_STATUSES: tuple[FindingStatus, ...] = ("triggered", "alleged", "possible")
STATUS_RANK = {"triggered": 3, "alleged": 2, "possible": 1}
SEVERITIES = ("critical", "high", "medium", "low", "info")

Scalar = str | int | float | bool | dt.date
FactValue = Scalar | tuple[str, ...] | Span | Bounds | Choice


@dataclass(frozen=True)
class Source:
    """Where facts come from."""

    id: str
    title: str
    url: str | None = None
    date: str | None = None
    publisher: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Fact:
    """One known fact about an object. A fact that is absent is unknown."""

    path: str
    value: FactValue
    status: FactStatus
    source: str
    at: Location
    confirmed_value: FactValue | None = None
    """For a list built from parts of mixed status: the confirmed parts (None if none)."""
    time: dt.datetime | None = None
    """For a date given with a time of day: the full date and time."""
    written: Any = None
    """For a partial value (a month, a range, a bound, a class): the form the case writes."""

    def value_in(self, world: str) -> FactValue | None:
        """The value in world ``c`` (confirmed facts only) or ``a`` (confirmed and alleged)."""
        if world == "a" or self.status == "confirmed":
            return self.value
        return self.confirmed_value


@dataclass(frozen=True)
class CaseObject:
    """A party, asset, event, ownership link or list link, with the facts known about it."""

    kind: str
    id: str
    name: str
    status: FactStatus
    source: str
    at: Location
    facts: Mapping[str, Fact] = field(default_factory=dict)
    #: Names a question about this object may use besides ``{name}`` (an ownership link's
    #: ``{owner}``, with ``{name}`` the company held).
    words: Mapping[str, str] = field(default_factory=dict)
    acts: tuple[CaseObject, ...] = ()
    """For a course of conduct: the acts rules judge it by (``act`` says which each is)."""
    act: str | None = None
    """For one act of a course of conduct: ``first``, ``last`` or ``between``."""
    possible_only: bool = False
    """For the acts between the first and the last of a course, when the case does not say
    there were any: they exist only in the world of what is possible."""

    def exists_in(self, world: str) -> bool:
        """Whether the object is in world ``c`` (confirmed), ``a`` (confirmed and alleged) or
        ``p`` (what is possible)."""
        if self.possible_only:
            return world == "p"
        return world != "c" or self.status == "confirmed"


@dataclass(frozen=True)
class Step:
    """A step an authority took in a matter (notified, called in, cleared ...), as the case
    states it."""

    event: str
    event_name: str
    authority: str
    step: str
    date: str
    """The date as the case writes it (a day, a month, a range)."""
    status: FactStatus
    source: str
    at: Location


@dataclass(frozen=True)
class ExpectedFinding:
    rule: str
    status: FindingStatus
    on: Mapping[str, str] = field(default_factory=dict)
    deadlines: Mapping[str, str] = field(default_factory=dict)
    who_acts: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    at: Location | None = None


@dataclass(frozen=True)
class Expectations:
    """The ``expect:`` block of a case: what evaluating it must give."""

    findings: tuple[ExpectedFinding, ...] = ()
    absent: tuple[str, ...] = ()
    not_assessed: tuple[str, ...] = ()
    """Rules that must be listed as not assessed (the case does not show them in play)."""
    exhaustive: bool = False
    regimes: tuple[str, ...] = ()
    as_of: dt.date | None = None
    at: Location | None = None


@dataclass(frozen=True)
class Case:
    """One incident: its sources, objects and facts, read from one case file."""

    id: str
    title: str
    file: str
    summary: str
    sources: Mapping[str, Source]
    objects: tuple[CaseObject, ...]
    expect: Expectations | None = None

    def by_key(self) -> dict[tuple[str, str], CaseObject]:
        return {(obj.kind, obj.id): obj for obj in self.objects}

    def of_kind(self, kind: str) -> list[CaseObject]:
        return [obj for obj in self.objects if obj.kind == kind]


@dataclass(frozen=True)
class WhoActs:
    """Someone who may or must do something because of a finding."""

    role: str
    name: str
    does: str
    modality: str
    """``may`` (a power) or ``must`` (a duty)."""
    party: str | None = None
    """The id of the case party, where the actor is one."""


@dataclass(frozen=True)
class Deadline:
    id: str
    what: str
    date: dt.date | dt.datetime | None
    """The day (or moment) it falls on; for a deadline counted from a partial date, the
    earliest it can fall on."""
    basis: str
    status: str
    """``open``, ``passed``, ``may-have-passed`` (counted from a partial date, it falls on both
    sides of the report's date), ``ended`` (a decision ended it), ``out-of-range`` (beyond the
    calendar) or ``unknown``, as at the report's date."""
    rests_on: FactStatus | None = None
    latest: dt.date | dt.datetime | None = None
    """For a deadline counted from a partial date: the latest day it can fall on."""
    ended: str = ""
    """What ended it, with the date (a call-in, a final order)."""


@dataclass(frozen=True)
class Amount:
    """A figure a finding puts at stake, such as a maximum penalty."""

    id: str
    what: str
    value: float | None
    currency: str
    basis: str
    complete: bool
    """False when a term could not be computed: the value is then a lower bound."""


@dataclass(frozen=True)
class FactUse:
    """A fact a finding rests on (or would rest on), with where it was stated."""

    path: str
    value: Any
    status: str
    """``confirmed``, ``alleged`` or ``unknown``."""
    at: str
    source: str | None = None
    written: Any = None
    """For a partial value: the form the case file writes it in (``{below: 75}``)."""


@dataclass(frozen=True)
class Question:
    path: str
    question: str
    at: str = ""
    """Where the object the question is about is stated in the case file."""
    specific: bool = False
    """Written for this case (a near match's entry and score) rather than from a rule's
    general wording: preferred where several findings ask the same fact."""


@dataclass(frozen=True)
class Finding:
    rule: str
    regime: str
    title: str
    status: FindingStatus
    severity: str
    provision: str
    url: str
    summary: str
    on: Mapping[str, str]
    who_acts: tuple[WhoActs, ...]
    deadlines: tuple[Deadline, ...]
    facts: tuple[FactUse, ...]
    questions: tuple[Question, ...]
    in_force: tuple[str | None, str | None]
    note: str = ""
    amounts: tuple[Amount, ...] = ()
    capped_from: FindingStatus | None = None
    """For a rule whose legal basis is unverified: what the facts alone would make the finding
    (triggered or alleged) before it was capped at possible."""
    conclusion: str = ""
    """What the finding would say if triggered; ``title`` is the headline for its status."""
    engaged: bool = True
    """False for a possible finding whose provision the case does not show to be in play (its
    engagement condition is not met): reported once as not assessed."""
    series: str | None = None
    """The provision's series, when the rule is one dated version of it."""


@dataclass(frozen=True)
class NotAssessed:
    """A provision the case does not show to be in play (its engagement condition is not
    met), listed once with what would bring it in."""

    rule: str
    regime: str
    title: str
    condition: str
    """Completes "would apply if ..."."""
    on: tuple[Mapping[str, str], ...]
    """The bindings of each possible finding it would have given."""


@dataclass(frozen=True)
class NotApplied:
    """A rule that was considered and gave no finding, with the reason."""

    rule: str
    regime: str
    title: str
    reason: str
