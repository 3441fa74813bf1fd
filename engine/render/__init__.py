"""Renderers: each turns reports into text; they do no I/O.

A renderer takes the reports as an iterable and yields its output in pieces, one report at a
time, so a caller that writes each piece as it comes holds one report in memory however many
files it reports on. ``count`` is how many reports the iterable yields (a single report is a
JSON object, several a JSON array). The registry is explicit; ``render`` raises with the list
of known formats on a miss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from ..report import Report
from . import html, json_report, markdown, text

Renderer = Callable[[Iterable[Report], int], Iterator[str]]

RENDERERS: dict[str, Renderer] = {
    "text": text.stream,
    "md": markdown.stream,
    "json": json_report.stream,
    "jsonl": json_report.stream_lines,
    "html": html.stream,
}


def stream(fmt: str, reports: Iterable[Report], count: int) -> Iterator[str]:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise KeyError(f"no format {fmt!r}; known: {', '.join(RENDERERS)}") from None
    return renderer(reports, count)


def render(fmt: str, reports: Sequence[Report]) -> str:
    return "".join(stream(fmt, reports, len(reports)))
