"""One root error for everything rex reports to a user, with a source location.

Every error a user can cause (a malformed case or rule file, a bad option) is an
``InputError``; the command line prints it as one line and exits with status 2. An
``EngineError`` means rex itself could not complete an evaluation safely (for example the rule
engine refused a fact); it also ends with status 2, because a partial report would be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; ``line`` and ``column`` are 1-based when known."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class RexError(Exception):
    """The root of every error rex reports: what went wrong, where, and what to do."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.field = field
        self.hint = hint

    def one_line(self) -> str:
        """The error as a single line: ``file:line:col: field: message (hint)``."""
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.field:
            parts.append(self.field)
        text = ": ".join([*parts, self.message])
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())

    def __str__(self) -> str:
        return self.one_line()


class InputError(RexError):
    """A case file, rule file or option that rex cannot accept."""


class CaseError(InputError):
    """A problem in a case file."""


class RuleError(InputError):
    """A problem in a rule file or rule pack."""


class EngineError(RexError):
    """The rule engine could not evaluate a case safely; no partial result is reported."""


class ErrorList(InputError):
    """Several input errors found in one pass, so that a user can fix them all at once."""

    def __init__(self, errors: Sequence[RexError]) -> None:
        ordered = sorted(errors, key=_error_order)
        first = ordered[0]
        super().__init__(first.message, first.location, first.field, first.hint)
        self.errors: tuple[RexError, ...] = tuple(ordered)

    def lines(self) -> list[str]:
        return [error.one_line() for error in self.errors]

    def one_line(self) -> str:
        if len(self.errors) == 1:
            return self.errors[0].one_line()
        return f"{self.errors[0].one_line()} (and {len(self.errors) - 1} more)"


def _error_order(error: RexError) -> tuple[str, int, int, str]:
    loc = error.location or Location("")
    return (loc.file, loc.line or 0, loc.column or 0, error.message)


def raise_all(errors: Iterable[RexError]) -> None:
    """Raise the collected errors (one ``ErrorList``), or return when there are none."""
    unique: dict[str, RexError] = {}
    for error in errors:  # one problem met by several checks is listed once
        unique.setdefault(error.one_line(), error)
    if unique:
        raise ErrorList(list(unique.values()))


def flatten(error: RexError) -> list[RexError]:
    """The individual errors inside ``error``."""
    if isinstance(error, ErrorList):
        return list(error.errors)
    return [error]
