"""Reading the JSON files rex is given back (baselines, reports): strictly, and checked against
their schema, so that a malformed file is a one-line error naming the file and the JSON path,
never a traceback. Duplicate keys and NaN or infinite numbers are refused (JSON parsers
disagree on them), and so is nesting deeper than any rex file has."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import Location, RexError
from .schema import validate_json

MAX_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64


def read_json(path: str | Path, schema: str, what: str, *, many: bool = False) -> Any:
    """The parsed file, valid against ``schema`` (with ``many``, a JSON array of such values
    is also accepted, each checked); else a ``RexError`` naming the file and the JSON path."""
    where = Location(str(path))
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise RexError(f"the {what} file does not exist", where) from None
    except OSError as exc:
        raise RexError(f"cannot read the {what} file: {exc.strerror or exc}", where) from None
    if len(raw) > MAX_BYTES:
        raise RexError(f"the {what} file is larger than {MAX_BYTES // (1024 * 1024)} MiB", where)
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise RexError(f"the {what} file is not UTF-8 text", where) from None
    except json.JSONDecodeError as exc:
        raise RexError(f"the {what} file is not valid JSON: {exc.msg} (line {exc.lineno}, "
                       f"column {exc.colno})", Location(str(path), exc.lineno, exc.colno)) from None
    except RecursionError:
        raise RexError(f"the {what} file nests deeper than {MAX_DEPTH} levels", where) from None
    except ValueError as exc:
        raise RexError(f"the {what} file is not valid JSON: {exc}", where) from None
    if _depth(data) > MAX_DEPTH:
        raise RexError(f"the {what} file nests deeper than {MAX_DEPTH} levels", where)
    items = data if many and isinstance(data, list) else [data]
    for index, item in enumerate(items):
        problems = validate_json(schema, item)
        if problems:
            at = f"[{index}] " if items is data else ""
            raise RexError(f"the {what} file does not match its schema: {at}{problems[0]}",
                           where)
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """Nesting depth, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            return level
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest
