"""Answers written back into a case file: validated like the file itself, and written so that
nothing but the answered facts changes.

``ruamel.yaml`` does the YAML: it loads the file as a round-trip document, the answers are
set on it, and it dumps the result. Its dump also re-renders what it cannot keep verbatim (a
flow mapping over several lines, a mix of indentations), so its own rendering of the file
before and after the answers is compared line by line and only the lines the answers changed
are carried over to the file as written. Where a change falls in a region ruamel re-renders,
the answer is refused with the text to add by hand; nothing is written that changes anything
else. The result is read back with rex's own loader: a file that would not validate is never
written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .cases import case_from_document
from .catalogue import FieldSpec, catalogue
from .errors import InputError, Location, RexError, flatten
from .events import EVENT_DATE_ORDER
from .model import Case
from .report.words import said
from .rules.text import listing, suggest
from .values import Bounds, Choice, Span
from .yamlio import load_bytes

KINDS = {"parties": "party", "assets": "asset", "events": "event"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INDENTS = ((2, 2, 0), (2, 4, 2), (4, 4, 2), (4, 6, 4))
"""ruamel's (mapping, sequence, offset) indentations tried, for the file's own layout."""


@dataclass(frozen=True)
class Answer:
    """One answer: ``OBJECT.FIELD`` (a question's path, as reports print it) and the value as
    typed."""

    path: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Answer:
        path, sep, value = text.partition("=")
        if not sep or not path.strip() or "." not in path:
            raise InputError(f"{text!r} is not an answer", field="PATH=VALUE",
                             hint="write OBJECT.FIELD=VALUE, such as "
                                  "buyer.listings.us-entity-list.listed=no")
        return cls(path.strip(), value.strip())

    def __str__(self) -> str:
        return f"{self.path}={self.value}"


@dataclass(frozen=True)
class Written:
    """A case file with answers: its new text, the diff from the old, the validated case."""

    file: str
    before: str
    text: str
    case: Case
    indent: tuple[int, int, int] | None = None
    """The (mapping, sequence, offset) indentation the file was found to use."""
    newline: str = "\n"
    """The file's own line ending, which the text is written back with."""

    @property
    def file_text(self) -> str:
        """The text as the file is written: with the file's own line endings."""
        return self.text if self.newline == "\n" else self.text.replace("\n", self.newline)

    @property
    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.text.splitlines(keepends=True),
            fromfile=self.file, tofile=self.file))


def allowed(spec: FieldSpec) -> str:
    """What an answer to ``spec`` may be, in words for a prompt or an error."""
    if spec.type == "bool":
        return "yes or no"
    if spec.type == "date":
        return "a day (2024-03-15), a month (2024-03), a year (2024) or a range (2021 to 2023)"
    if spec.type == "number" and spec.currency is not None:
        return f"an amount in {spec.currency} (a number)"
    if spec.type == "number":
        return "a number, or a bound or range (below 75, 50 to 75)"
    if spec.values:
        shown = ", ".join(spec.values[:30])
        more = f" and {len(spec.values) - 30} more" if len(spec.values) > 30 else ""
        kind = "one or more of" if spec.type == "list" else "one of"
        return f"{kind}: {shown}{more}"
    if spec.type == "ref":
        return f"the id of a {spec.target or 'party'}"
    if spec.type == "list":
        return "a list, comma-separated"
    return "text"


def choices(spec: FieldSpec, case: Case) -> list[str]:
    """The answers a prompt can complete: the allowed values, or the ids of the objects a
    reference may name."""
    if spec.type == "bool":
        return ["yes", "no"]
    if spec.values:
        return list(spec.values)
    if spec.type == "ref":
        return [obj.id for obj in case.objects if obj.kind == (spec.target or "party")]
    return []


def field_of(case: Case, path: str) -> tuple[str, FieldSpec]:
    """The object id and the field an answer's path names; a one-line error otherwise."""
    object_id, _, field = path.partition(".")
    kinds = {obj.id: obj.kind for obj in case.objects if obj.kind in KINDS.values()}
    if object_id not in kinds:
        raise InputError(f"{path}: no party, asset or event {object_id!r} in the case",
                         field="PATH", hint=_close(object_id, sorted(kinds), "objects"))
    kind = kinds[object_id]
    cat = catalogue()
    spec = cat.field(kind, field)
    if spec is None:
        raise InputError(f"{path}: {'an' if kind[0] in 'aeiou' else 'a'} {kind} has no fact "
                         f"{field!r}", field="PATH",
                         hint=suggest(field, cat.paths(kind)))
    return object_id, spec


def _close(wrong: str, known: list[str], label: str) -> str:
    close = difflib.get_close_matches(wrong, known, n=3, cutoff=0.6)
    return f"did you mean {' or '.join(close)}?" if close else f"{label}: {listing(known)}"


def apply_answers(file: str | Path, answers: Sequence[Answer], source: str,
                  status: str = "confirmed", text: str | None = None,
                  indent: tuple[int, int, int] | None = None, change_stated: bool = False
                  ) -> Written:
    """The case file ``file`` (or its ``text`` so far) with ``answers`` written in, each with
    ``status`` and ``source``; raises ``InputError`` (one line, naming the answer) for a bad
    path, value or source, or for an answer that cannot be written without changing anything
    else."""
    name = str(file)
    newline = "\n"
    if text is None:
        try:
            raw = Path(file).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise InputError(f"cannot read the case file: {reason}", Location(name)) from None
        newline = "\r\n" if "\r\n" in raw else "\n"
        before = raw.replace("\r\n", "\n")
    else:
        before = text
    original = load_bytes(before.encode(), name)  # the file as read once, above
    case = case_from_document(original)
    if source not in case.sources:
        raise InputError(f"--source {source!r} is not one of the case's sources",
                         Location(name), hint="sources: " + ", ".join(case.sources))
    seen: set[str] = set()
    for answer in answers:
        if answer.path in seen:
            raise InputError(f"{answer.path} is answered twice", field="PATH",
                             hint="give each fact one answer")
        seen.add(answer.path)
    current = before
    for answer in answers:
        if not change_stated:
            _refuse_stated(case, answer)
        current, case, indent = _apply_one(name, current, case, answer, source, status, indent)
    return Written(name, before, current, case, indent, newline)


def _refuse_stated(case: Case, answer: Answer) -> None:
    """An answer may settle an unknown fact or refine a partial one (a month, a range, a
    bound); changing what the case states takes ``--replace``."""
    object_id, spec = field_of(case, answer.path)
    holder = next(obj for obj in case.objects if obj.id == object_id)
    known = holder.facts.get(spec.path)
    if known is None or spec.computed or isinstance(known.value, (Span, Bounds, Choice)):
        return
    raise InputError(f"{answer}: the case already states {spec.path} ({said(known.value)}, "
                     f"{known.at})", field="PATH",
                     hint="to change a stated fact, pass --replace (or edit the file)")



def _apply_one(name: str, text: str, case: Case, answer: Answer, source: str, status: str,
               indent: tuple[int, int, int] | None) -> tuple[str, Case, tuple[int, int, int]]:
    object_id, spec = field_of(case, answer.path)
    yaml, rendered, data, indent = _round_trip(text, indent)
    holder = _object(data, object_id)
    for data_path, node in _writes(spec, holder, answer, source, status):
        _set(holder, data_path, node)
    out = io.StringIO()
    yaml.dump(data, out)
    merged = _carry_over(text, rendered, out.getvalue(), answer)
    if _plain(merged) != _plain(out.getvalue()):  # the carried-over lines mean something else
        raise _layout(answer, [])
    try:
        new_case = case_from_document(load_bytes(merged.encode(), name))
    except RexError as exc:
        first = flatten(exc)[0]
        raise InputError(f"{answer}: {first.message}", Location(name), field="VALUE",
                         hint=first.hint or f"answer {allowed(spec)}") from None
    return merged, new_case, indent


def _plain(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _round_trip(text: str, known: tuple[int, int, int] | None = None
                ) -> tuple[YAML, str, Any, tuple[int, int, int]]:
    """A round-trip loader set to the file's indentation (``known``, or the one whose
    rendering differs least from the file), its rendering of the file, the loaded document
    and the indentation."""
    best: tuple[int, YAML, str, Any, tuple[int, int, int]] | None = None
    for mapping, sequence, offset in ([known] if known else _INDENTS):
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        data = yaml.load(text)
        out = io.StringIO()
        yaml.dump(data, out)
        rendered = out.getvalue()
        if rendered == text:
            return yaml, rendered, data, (mapping, sequence, offset)
        differing = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, text.splitlines(), rendered.splitlines(), autojunk=False).get_opcodes()
            if tag != "equal")
        if best is None or differing < best[0]:
            best = (differing, yaml, rendered, data, (mapping, sequence, offset))
    assert best is not None
    return best[1], best[2], best[3], best[4]


def _object(data: Any, object_id: str) -> CommentedMap:
    for section in KINDS:
        for item in data.get(section) or ():
            if isinstance(item, CommentedMap) and str(item.get("id")) == object_id:
                return item
    raise InputError(f"no object {object_id!r}")  # field_of has checked it exists


def _writes(spec: FieldSpec, holder: Mapping[str, Any], answer: Answer, source: str,
            status: str) -> list[tuple[tuple[str, ...], Any]]:
    """Where the answer goes in the object's mapping, and the value to write there: the long
    form (value, status, source), for money the amount with its currency, and for the
    sectors of UK activity one activity per sector."""
    if spec.path == "uk_sectors":
        return _uk_sectors(spec, holder, answer, source, status)
    path = spec.data_path
    if spec.computed:
        path = _computed_path(spec, holder, answer)
    value = _value(spec, answer)
    if spec.type == "list" and spec.target is not None:  # each reference in the long form
        items = CommentedSeq()
        for item in value:
            items.append(_long_form(item, source, status))
        items.fa.set_flow_style()
        return [(path, items)]
    replaced = _at(holder, path)
    stated = replaced.get("currency") if isinstance(replaced, Mapping) else None
    if spec.currency is not None and stated is not None and str(stated) != spec.currency:
        raise InputError(f"{answer}: the case states this amount in {stated}; rex does not "
                         "convert currencies", field="PATH",
                         hint=f"answer {spec.path.rsplit('.', 1)[0]}.{str(stated).lower()}, or "
                              "edit the file to give the amount in both")
    node = _long_form(value, source, status, spec.currency)
    if isinstance(replaced, Mapping) and "note" in replaced and spec.currency is None:
        node["note"] = " ".join(str(replaced["note"]).split())  # the reader's note stays
    return [(path, node)]


def _uk_sectors(spec: FieldSpec, holder: Mapping[str, Any], answer: Answer, source: str,
                status: str) -> list[tuple[tuple[str, ...], Any]]:
    """The sectors in which a party carries on activities in the UK are read from its
    activities: each sector answered becomes an activity whose ``where`` includes GB."""
    sectors = _value(replace(spec, computed=False), answer)  # read as a list of sectors
    if not sectors:
        raise InputError(f"{answer}: rex reads the UK sectors from the party's activities",
                         field="VALUE", hint="to say there are none, state each activity's "
                         "where without GB; to answer, name the sectors")
    writes: list[tuple[tuple[str, ...], Any]] = []
    for sector in sectors:
        where = _at(holder, ("activities", sector, "where"))
        countries = list(where) if isinstance(where, list) else []
        items = CommentedSeq(dict.fromkeys([*map(str, countries), "GB"]))
        items.fa.set_flow_style()
        writes.append((("activities", sector, "where"), _long_form(items, source, status)))
    return writes


def _at(holder: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = holder
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _long_form(value: Any, source: str, status: str, currency: str | None = None) -> Any:
    node = CommentedMap()
    if currency is not None:
        node["amount"] = value
        node["currency"] = currency
    else:
        node["value"] = value
    node["status"] = status
    node["source"] = source
    node.fa.set_flow_style()
    return node


def _computed_path(spec: FieldSpec, holder: Mapping[str, Any],
                   answer: Answer) -> tuple[str, ...]:
    """A fact rex works out from others, answered through the one it is read from: an event's
    date through the date it is taken from (dates.occurred if none is given)."""
    if spec.path in {"date", "cma_test_date"}:
        dates = holder.get("dates") or {}
        if "count" in holder or ("started" in dates and "ended" in dates
                                 and "completed" not in dates and "occurred" not in dates):
            raise InputError(f"{answer.path}: the event is a course of conduct",
                             field="PATH", hint="answer its dates.started or dates.ended")
        if spec.path == "cma_test_date":
            raise InputError(f"{answer.path}: this date is the completion or, for a merger not "
                             "completed, the start of Phase 1", field="PATH",
                             hint="answer dates.completed, or process.uk-cma.phase-1-started")
        given = next((name for name in EVENT_DATE_ORDER if name in dates), "occurred")
        return ("dates", given)
    raise InputError(f"{answer.path}: rex works this fact out from others", field="PATH",
                     hint=spec.description or "answer the facts it is worked out from")


def _value(spec: FieldSpec, answer: Answer) -> Any:
    text = answer.value
    if not text:
        raise InputError(f"{answer}: no value", field="VALUE", hint=f"answer {allowed(spec)}")
    if spec.type == "bool":
        word = text.lower()
        if word in {"yes", "y", "true"}:
            return True
        if word in {"no", "n", "false"}:
            return False
        raise InputError(f"{answer}: not a yes or no", field="VALUE", hint="answer yes or no")
    if spec.type == "number":
        return _number_form(spec, answer)
    if spec.type == "date":
        return _date_form(spec, answer)
    if spec.type == "list":
        items = CommentedSeq(item.strip() for item in text.split(",") if item.strip()
                             and item.strip().lower() != "none")
        wrong = [item for item in items if spec.values and item not in spec.values]
        if wrong:
            raise InputError(f"{answer}: {wrong[0]!r} is not an allowed value", field="VALUE",
                             hint=_close(wrong[0], list(spec.values or ()), "answer any of"))
        items.fa.set_flow_style()
        return items
    if spec.values and text not in spec.values:
        raise InputError(f"{answer}: {text!r} is not an allowed value", field="VALUE",
                         hint=_close(text, list(spec.values), "answer one of"))
    return text


_BOUNDS = (("at least ", "at_least"), ("at most ", "at_most"), ("more than ", "above"),
           ("less than ", "below"), ("above ", "above"), ("over ", "above"),
           ("below ", "below"), ("under ", "below"))
_RANGE = re.compile(r"^(?:between\s+|from\s+)?(?!up\s)(\S+)\s+(?:to|and)\s+(\S+)$")


_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number(spec: FieldSpec, answer: Answer, text: str) -> int | float:
    text = text.rstrip("%")
    if "," in text and not _GROUPED.match(text):
        raise InputError(f"{answer}: {text!r} is not a number", field="VALUE",
                         hint="write decimals with a point (24.5); commas only between groups "
                              "of three digits (1,500,000)")
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise InputError(f"{answer}: {text!r} is not a number", field="VALUE",
                         hint=f"answer {allowed(spec)}") from None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _number_form(spec: FieldSpec, answer: Answer) -> Any:
    """A number, or a bound or range as the case format writes it ({below: 75},
    {between: [50, 75]})."""
    text = " ".join(answer.value.lower().split())
    if spec.currency is not None:
        return _number(spec, answer, text)
    for words, key in _BOUNDS:
        if text.startswith(words):
            return _flow({key: _number(spec, answer, text[len(words):])})
    found = _RANGE.match(text)
    if found:
        low, high = (_number(spec, answer, part) for part in found.groups())
        pair = CommentedSeq([low, high])
        pair.fa.set_flow_style()
        return _flow({"between": pair})
    return _number(spec, answer, text)


def _day(spec: FieldSpec, answer: Answer, text: str) -> Any:
    """A day as a date, a month as text, a year as a number (the case format's forms)."""
    if _ISO_DAY.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(f"{answer}: {text} is not a day of the calendar", field="VALUE",
                             hint=f"answer {allowed(spec)}") from None
    return int(text) if text.isdigit() else text


_OPEN_ENDS = (("on or after ", "from", 0), ("on or before ", "to", 0), ("from ", "from", 0),
              ("since ", "from", 0), ("after ", "from", 1), ("up to ", "to", 0),
              ("until ", "to", 0), ("by ", "to", 0), ("before ", "to", -1))
"""Words for one open end of a range, the end they give, and the step from the date named to
the end written (ranges are inclusive: "before 2024" ends in 2023, "after 2023-03" starts in
2023-04)."""


def _date_form(spec: FieldSpec, answer: Answer) -> Any:
    """A day, a month, a year, or a range as the case format writes it ({from: 2021, to:
    2023}; "from 2021" and "until 2023" for one open end)."""
    text = " ".join(answer.value.split())
    lower = text.lower()
    found = _RANGE.match(lower)
    if found:
        return _flow({"from": _day(spec, answer, found.group(1)),
                      "to": _day(spec, answer, found.group(2))})
    for words, key, step in _OPEN_ENDS:
        if lower.startswith(words):
            named = text[len(words):]
            _day(spec, answer, named)  # checked as typed, so an error names what was typed
            return _flow({key: _day(spec, answer, _step(named, step))})
    return _day(spec, answer, text)


def _step(text: str, step: int) -> str:
    """The day, month or year ``step`` units after the one ``text`` names (a checked date)."""
    if step == 0:
        return text
    parts = [int(part) for part in text.split("-")]
    if len(parts) == 1:
        return str(parts[0] + step)
    if len(parts) == 2:
        year, month = divmod(parts[0] * 12 + parts[1] - 1 + step, 12)
        return f"{year:04d}-{month + 1:02d}"
    return (dt.date(*parts) + dt.timedelta(days=step)).isoformat()


def _flow(items: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap(items)
    node.fa.set_flow_style()
    return node


def _set(holder: CommentedMap, path: tuple[str, ...], node: Any) -> None:
    here = holder
    for key in path[:-1]:
        nxt = here.get(key)
        if not isinstance(nxt, CommentedMap):
            nxt = CommentedMap()
            if here.fa.flow_style():
                nxt.fa.set_flow_style()
            here[key] = nxt
        here = nxt
    here[path[-1]] = node


def _carry_over(original: str, before: str, after: str, answer: Answer) -> str:
    """The lines ruamel's rendering changed from ``before`` to ``after``, applied to the file
    as written (``original``): each change must sit on lines ruamel renders as the file has
    them."""
    file_lines = original.splitlines(keepends=True)
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    same: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, old, file_lines, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            same[block.a + offset] = block.b + offset
    out = list(file_lines)
    shift = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new,
                                                       autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2:  # an insertion, after the line above it
            above = _above_comments(old, i1, new[j1])
            if above - 1 in same:
                at = same[above - 1] + 1
            else:  # the line above is one ruamel renders otherwise (a value over two lines)
                sibling = _after_sibling(file_lines, same, above - 1, new[j1])
                if sibling is None:
                    raise _layout(answer, new[j1:j2], _near(same, above - 1))
                at = sibling
        else:
            lines = [same.get(i) for i in range(i1, i2)]
            if None in lines or lines != list(range(lines[0] or 0, (lines[0] or 0) + len(lines))):
                raise _layout(answer, new[j1:j2], _near(same, i1))
            at = lines[0] or 0
        position = at + shift
        out[position:position + (i2 - i1)] = new[j1:j2]
        shift += (j2 - j1) - (i2 - i1)
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _after_sibling(file_lines: Sequence[str], same: Mapping[int, int], index: int,
                   inserted: str) -> int | None:
    """Where to insert a key after a sibling that ruamel renders otherwise: after the nearest
    line above that it renders as written, and every line below it indented deeper than the
    inserted key (the sibling's value, however it is wrapped). None if that line is not a
    sibling at the inserted key's indentation."""
    found = next((same[back] for back in range(index, -1, -1) if back in same), None)
    depth = _indent(inserted)
    if found is None or _indent(file_lines[found]) != depth:
        return None
    at = found + 1
    while at < len(file_lines) and (not file_lines[at].strip()
                                    or _indent(file_lines[at]) > depth):
        at += 1
    while at > found + 1 and not file_lines[at - 1].strip():
        at -= 1  # blank lines before the next key stay below the answer
    return at


def _above_comments(lines: Sequence[str], at: int, inserted: str) -> int:
    """An insertion point moved above the comments and blank lines that end a mapping but
    are written less indented than the inserted line: they introduce what comes next."""
    indent = len(inserted) - len(inserted.lstrip())
    while at > 0:
        line = lines[at - 1]
        stripped = line.lstrip()
        if stripped.strip() and not (stripped.startswith("#")
                                     and len(line) - len(stripped) < indent):
            break
        at -= 1
    return at


def _near(same: Mapping[int, int], index: int) -> int | None:
    """The file's line (from 1) nearest above a line of ruamel's rendering."""
    for back in range(index, -1, -1):
        if back in same:
            return same[back] + 2
    return None


def _layout(answer: Answer, lines: Sequence[str], line: int | None = None) -> InputError:
    snippet = " ".join("".join(lines).split())
    where = f" near line {line}" if line is not None else ""
    return InputError(f"{answer}: the answer falls{where} where the file's layout cannot be "
                      "kept (a value or a flow mapping written over several lines, or mixed "
                      "indentation)", field="PATH",
                      hint=f"write it by hand{': ' + snippet if snippet else ''}")
