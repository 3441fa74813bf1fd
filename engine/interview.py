"""``rex ask``: a report's ranked questions put to a person one at a time, each answer checked
and written into a copy of the case text (``engine.answers``), the case evaluated again and
what changed shown before the next question, which is chosen from the new ranking.

The terminal is the command's business (``engine.cli``): this module takes a function that
asks and one that prints, so that tests can drive it with lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .answers import Answer, Written, allowed, apply_answers, choices, field_of
from .catalogue import FieldSpec
from .errors import InputError
from .evaluate import Engine
from .model import Case, Finding
from .report import RankCache, Report

SKIP = "skip"
STOP = "stop"
Ask = Callable[[str, FieldSpec, Sequence[str]], str]
"""Asks for one answer: (the prompt, the field, the values to complete) -> what was typed;
``SKIP`` (or an empty answer) passes the question over, ``STOP`` ends the interview."""


@dataclass
class Interview:
    """The state of one ``rex ask`` session."""

    file: str
    engine: Engine
    source: str
    status: str
    report: Report
    case: Case
    """The case as it was loaded."""
    answers: list[Answer] = field(default_factory=list)
    written: Written | None = None
    passed: set[str] = field(default_factory=set)
    """Question paths answered or skipped in this session."""
    ranks: RankCache = field(default_factory=RankCache)
    """The questions' trial answers, tried again after an answer only where it can matter."""

    @classmethod
    def start(cls, file: str | Path, engine: Engine, case: Case, source: str,
              status: str) -> Interview:
        if source not in case.sources:
            raise InputError(f"--source {source!r} is not one of the case's sources",
                             hint="sources: " + ", ".join(case.sources))
        ranks = RankCache()
        return cls(str(file), engine, source, status, report_of(engine, case, ranks), case,
                   ranks=ranks)

    def pending(self) -> list[tuple[str, str, str]]:
        """(path, question, what its answers settle) of the questions not yet put, in the
        current ranking."""
        return [(q.path, q.question, q.settles()) for q in self.report.questions
                if q.path not in self.passed]

    def answer(self, path: str, value: str) -> list[str]:
        """Take one answer: checked and written into the text so far (an ``InputError`` if it
        cannot be), the case evaluated again; returns what changed, in words."""
        answer = Answer(path, value)
        written = apply_answers(self.file, [answer], self.source, self.status,
                                text=self.written.text if self.written else None,
                                indent=self.written.indent if self.written else None)
        if self.written is not None:  # the change is shown against the file as it was
            written = Written(self.file, self.written.before, written.text, written.case,
                              written.indent, self.written.newline)
        before = self.written.case if self.written is not None else self.case
        self.ranks.forget(self.engine.program(None), self.engine.prepare(before),
                          self.engine.prepare(written.case))
        after = report_of(self.engine, written.case, self.ranks)
        changed = changes(self.report, after)
        self.written, self.report = written, after
        self.answers.append(answer)
        self.passed.add(path)
        return changed


def report_of(engine: Engine, case: Case, ranks: RankCache | None = None) -> Report:
    return engine.report(case, questions=True, rank_cache=ranks)



def run(interview: Interview, case: Case, ask: Ask, echo: Callable[[str], None]) -> None:
    """Put the questions in turn until none is left or the user stops."""
    while True:
        pending = interview.pending()
        if not pending:
            echo("No question is left whose answer would change a finding.")
            return
        path, question, settles = pending[0]
        current = interview.written.case if interview.written else case
        try:
            _, spec = field_of(current, path)
        except InputError as exc:  # a fact of an ownership link, say: not one rex can write
            echo(f"{question} [{path}]")
            echo(f"  rex cannot write this answer into the file ({exc.message}); add it by "
                 "hand, then run rex ask again")
            interview.passed.add(path)
            continue
        echo("")
        echo(f"{question} [{path}]")
        echo(f"  what the answers settle: {settles}")
        while True:
            typed = ask(f"  answer ({allowed(spec)}; Enter to skip, 'stop' to finish)", spec,
                        choices(spec, current)).strip()
            if typed.lower() in {"", SKIP, "don't know", "dont know", "?"}:
                interview.passed.add(path)
                break
            if typed.lower() == STOP:
                return
            try:
                changed = interview.answer(path, typed)
            except InputError as exc:
                echo(f"  {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
                continue
            for line in changed or ["no finding changed"]:
                echo(f"  - {line}")
            break


def changes(before: Report, after: Report) -> list[str]:
    """What an answer changed, in words: findings new, gone or with another status, and
    deadlines that now have a date."""
    def key(finding: Finding) -> tuple[str, tuple[tuple[str, str], ...]]:
        return finding.rule, tuple(sorted(finding.on.items()))

    old = {key(f): f for f in before.findings}
    new = {key(f): f for f in after.findings}
    gone = [k for k in old if k not in new]
    out = []
    for k, finding in new.items():
        was = old.get(k)
        if was is None:
            # The same rule now on other objects (the answer named the recipient, say):
            # one finding that moved, not one new and one gone.
            moved = [g for g in gone if g[0] == k[0]]
            if len(moved) == 1:
                gone.remove(moved[0])
                was = old[moved[0]]
                now = ", ".join(f"{name} {value}" for name, value in k[1]
                                if dict(moved[0][1]).get(name) != value)
                out.append(f"now on {now}, {finding.status}: {_named(finding)}")
            else:
                out.append(f"new, {finding.status}: {_named(finding)}")
        elif was.status != finding.status:
            out.append(f"{was.status} to {finding.status}: {_named(finding)}")
        dated = {d.id for d in finding.deadlines if d.date is not None}
        undated = {d.id for d in (was.deadlines if was else ()) if d.date is None}
        for deadline in finding.deadlines:
            if deadline.id in dated & undated and deadline.date is not None:
                out.append(f"deadline now dated, {deadline.date}: {deadline.what}")
    out += [f"falls away (was {old[k].status}): {_named(old[k])}" for k in gone]
    return list(dict.fromkeys(out))


def _named(finding: Finding) -> str:
    """A finding's headline without the words that say how certain it is (the status is
    said beside it)."""
    for prefix in ("May apply: ", "If the allegations are true: "):
        if finding.title.startswith(prefix):
            return finding.title[len(prefix):]
    return finding.title
