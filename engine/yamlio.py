"""Safe YAML loading with a line and column for every value.

Case and rule files come from users and from CI on other people's branches, so the loader
assumes nothing about them:

* the file size, the nesting depth, the number of nodes and the length of a scalar are
  bounded (``Limits``), and each bound is checked on the parser event that crosses it, before
  any node graph exists: a flow list of millions of one-letter items or a thousand-level
  nesting is refused after reading ``max_nodes`` events, in memory the limits bound;
* anchors and aliases (on keys too), every explicit tag (``!!python/object``, ``!!bool``,
  ``!!timestamp`` alike: a quoted value is text), merge keys, duplicate keys, non-string keys,
  a NUL character (raw or escaped) and a second byte-order mark are errors, not surprises;
* plain scalars are resolved by the YAML 1.2 core schema, so ``NO`` (Norway) stays a string
  and ``yes`` is not a boolean; ISO dates become ``datetime.date``; a value shaped like an
  export classification (``4E091``) stays text rather than becoming 4 x 10^91;
* every value's position is kept in ``Document.marks`` under its path, so that a schema error
  or a fact in a report can name ``file:line:column``.

PyYAML's C loader (libyaml) is used when present; the pure-Python loader is the fallback.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Location

try:  # pragma: no branch - which loader exists depends on how PyYAML was built
    _Loader: type = yaml.CSafeLoader
    C_LOADER = True
except AttributeError:  # pragma: no cover - exercised only without libyaml
    _Loader = yaml.SafeLoader
    C_LOADER = False

PathT = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """Bounds on what rex will read; documented in docs/case-format.md."""

    max_bytes: int = 5 * 1024 * 1024
    max_depth: int = 32
    max_nodes: int = 200_000
    max_scalar_chars: int = 65_536


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: plain data plus the position of every value, keyed by path."""

    path: str
    data: Any
    marks: dict[PathT, tuple[int, int]] = field(repr=False)
    origins: dict[PathT, PathT] = field(default_factory=dict, repr=False)
    """For data spelled out from what the file wrote (rules.expand): the path each value was
    written at. Empty when the data is the file as written."""

    def source(self, path: PathT) -> PathT:
        """The path in the file as written of the value at ``path``."""
        probe = tuple(path)
        if not self.origins:
            return probe
        for cut in range(len(probe), -1, -1):
            hit = self.origins.get(probe[:cut])
            if hit is not None:
                return (*hit, *probe[cut:])
        return probe

    def field(self, path: PathT) -> str:
        """The field name of ``path`` as the file writes it."""
        return field_name(self.source(path))

    def where(self, path: PathT) -> Location:
        """The location of ``path``, or of its nearest ancestor that has one."""
        probe = self.source(path)
        while True:
            mark = self.marks.get(probe)
            if mark is not None:
                return Location(self.path, mark[0], mark[1])
            if not probe:
                return Location(self.path)
            probe = probe[:-1]


def load_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read and parse one YAML file; every problem is an ``InputError`` naming the file."""
    name = str(path)
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", Location(name)) from None
    if not file.is_file():
        raise InputError("is not a regular file", Location(name))
    if size > limits.max_bytes:
        raise InputError(
            f"the file is {size:,} bytes; rex reads files of at most {limits.max_bytes:,} bytes",
            Location(name),
            hint="split the case or remove embedded material",
        )
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", Location(name)) from None
    return load_bytes(raw, name, limits)


def load_bytes(raw: bytes, name: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse YAML held in memory (``name`` is used in error messages)."""
    if len(raw) > limits.max_bytes:
        raise InputError(
            f"the input is {len(raw):,} bytes; rex reads at most {limits.max_bytes:,} bytes",
            Location(name),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            "the file is not UTF-8 text", Location(name, line), hint="save it as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError("the file contains a NUL character", Location(name, line))
    return _Converter(name, limits).document(text)


class _Frame:
    """An open mapping or list while the event stream is read."""

    __slots__ = ("key", "keys", "path", "value")

    def __init__(self, value: dict[str, Any] | list[Any], path: PathT) -> None:
        self.value = value
        self.path = path
        self.key: str | None = None  # a mapping's key waiting for its value
        self.keys: set[str] = set()


class _Converter:
    """Builds plain data straight from the YAML event stream, checking every rule in the module
    doc as each event arrives.

    No node graph is composed: a limit is enforced on the event that crosses it, so a file of
    millions of tiny nodes, or nested a million levels deep, is refused after reading about
    ``max_nodes`` events, in memory bounded by the limits rather than by the file."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        self.marks: dict[PathT, tuple[int, int]] = {}
        self.nodes = 0

    def error(self, message: str, event: yaml.Event | None, hint: str | None = None,
              path: PathT = ()) -> InputError:
        loc = Location(self.name)
        if event is not None and event.start_mark is not None:
            loc = Location(self.name, event.start_mark.line + 1, event.start_mark.column + 1)
        return InputError(message, loc, field=field_name(path) or None, hint=hint)

    def document(self, text: str) -> Document:
        if text.startswith("\ufeff"):
            raise InputError("the file starts with a second byte-order mark",
                             Location(self.name, 1), hint="save it as UTF-8 with at most one")
        loader = _Loader(text)
        try:
            data = self.build(loader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            loc = Location(self.name)
            if mark is not None:
                loc = Location(self.name, mark.line + 1, mark.column + 1)
            problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
            if "another document" in problem or "single document" in problem:
                problem = "the file holds more than one YAML document; rex reads one"
            raise InputError(f"YAML syntax error: {problem}", loc) from None
        except yaml.YAMLError as exc:
            message = " ".join(str(exc).split())
            raise InputError(f"YAML error: {message}", Location(self.name)) from None
        finally:
            loader.dispose()
        return Document(self.name, data, self.marks)

    def build(self, loader: Any) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                return root
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.error("the file holds more than one YAML document; rex reads one",
                                     event)
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                continue
            self.count(event)
            parent = stack[-1] if stack else None
            if parent is not None and isinstance(parent.value, dict) and parent.key is None:
                parent.key = self.key(event, parent)
                continue
            if parent is None:
                path: PathT = ()
            elif isinstance(parent.value, dict):
                assert parent.key is not None
                path = (*parent.path, parent.key)
            else:
                path = (*parent.path, len(parent.value))
            if len(path) > self.limits.max_depth:
                raise self.error(f"the YAML nests deeper than {self.limits.max_depth} levels",
                                 event)
            self.marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
            value: Any
            if isinstance(event, yaml.ScalarEvent):
                value = self.scalar(event, path)
            else:
                self.check_tag(event)
                value = {} if isinstance(event, yaml.MappingStartEvent) else []
            if parent is None:
                root = value
            elif isinstance(parent.value, dict):
                assert parent.key is not None
                parent.value[parent.key] = value
                parent.key = None
            else:
                parent.value.append(value)
            if isinstance(value, (dict, list)):
                stack.append(_Frame(value, path))

    def count(self, event: yaml.Event) -> None:
        """Every node, key or value, counts; anchors and aliases are refused wherever they are."""
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            raise self.error(f"the file has more than {self.limits.max_nodes:,} YAML nodes", event)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise self.error(
                "anchors and aliases (&name / *name) are not accepted",
                event,
                hint="write the value out in full",
            )

    def check_tag(self, event: yaml.NodeEvent) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise self.error(
                f"the tag {shown} is not accepted", event, hint="remove the tag; rex reads "
                "plain YAML (mappings, lists, strings, numbers, booleans and dates), and a "
                "quoted value is text"
            )

    def key(self, event: yaml.Event, parent: _Frame) -> str:
        if not isinstance(event, yaml.ScalarEvent):
            raise self.error("a mapping key must be a plain string", event)
        self.check_tag(event)
        key = self.text(event, parent.path)
        plain = not event.style
        if plain and key == "<<":
            raise self.error("merge keys (<<) are not accepted", event)
        if plain and _plain_type(key) is not str:
            raise self.error(f"the key {key!r} is not a string", event, hint="quote it")
        if key in parent.keys:
            raise self.error(f"duplicate key {key!r}", event, hint="each key may appear once")
        parent.keys.add(key)
        return key

    def text(self, event: yaml.ScalarEvent, path: PathT) -> str:
        text: str = event.value
        if len(text) > self.limits.max_scalar_chars:
            raise self.error(
                f"a value of {len(text):,} characters is longer than the "
                f"{self.limits.max_scalar_chars:,} rex accepts",
                event,
            )
        if "\x00" in text:
            raise self.error("a value contains a NUL character (written \\0 or \\x00)", event,
                             path=path, hint="remove it")
        return text

    def scalar(self, event: yaml.ScalarEvent, path: PathT) -> Any:
        self.check_tag(event)
        text = self.text(event, path)
        if event.style:  # quoted or block: text as written
            return text
        try:
            return _resolve_plain(text)
        except ValueError as exc:
            raise self.error(str(exc), event, path=path) from None


_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_ECCN = re.compile(r"[0-9][A-E][0-9]{3}\Z")
_INT_SEP = re.compile(r"[-+]?[0-9]{1,3}(_[0-9]{3})+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(:([0-9]{2})(\.[0-9]+)?)?"
    r"\s*(Z|[-+][0-9]{2}(:?[0-9]{2})?)?\Z"
)


def field_name(path: tuple[Any, ...]) -> str:
    """A readable field path: ``parties[2].owners[0].shares_pct``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _plain_type(text: str) -> type:
    try:
        return type(_resolve_plain(text))
    except ValueError:
        return str


def _resolve_plain(text: str) -> Any:
    """Resolve an unquoted scalar by the YAML 1.2 core schema, plus ISO dates and times."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _ECCN.match(text):
        return text  # 4E091 is an export classification, not 4 x 10^91
    if _INT.match(text):
        return int(text)
    if _INT_SEP.match(text):
        return int(text.replace("_", ""))
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"{text} is too large a number")
        return number
    if text.lower() in {".inf", "-.inf", "+.inf", ".nan"}:
        raise ValueError(f"{text} is not a finite number")
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            # Kept as the text: the schema's date check reports it with every other
            # problem in the file, instead of the first impossible day hiding the rest.
            return text
    match = _DATETIME.match(text)
    if match:
        return _datetime(text, match)
    return text


def _datetime(text: str, match: re.Match[str]) -> dt.datetime:
    date_part, hour, minute, _, second, fraction, zone, _ = match.groups()
    try:
        day = dt.date.fromisoformat(date_part)
        micro = round(float(fraction) * 1_000_000) if fraction else 0
        value = dt.datetime(
            day.year, day.month, day.day, int(hour), int(minute), int(second or 0),
            min(micro, 999_999),
        )
    except ValueError:
        raise ValueError(f"{text} is not a valid date and time") from None
    if zone is None:
        raise ValueError(f"{text} has no time zone; add Z or an offset such as +01:00")
    if zone == "Z":
        return value.replace(tzinfo=dt.timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text} has an invalid time zone offset")
    offset = dt.timedelta(hours=hours, minutes=minutes) * sign
    return value.replace(tzinfo=dt.timezone(offset))
