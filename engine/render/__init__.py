"""Renderers: each turns a report (or several) into a string; they do no I/O.

The registry is explicit; ``render`` raises with the list of known formats on a miss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..report import Report
from . import json_report, markdown, text

Renderer = Callable[[Sequence[Report]], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "md": markdown.render,
    "json": json_report.render,
}


def render(fmt: str, reports: Sequence[Report]) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise KeyError(f"no format {fmt!r}; known: {', '.join(RENDERERS)}") from None
    return renderer(reports)
