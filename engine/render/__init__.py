"""Renderers: each turns reports into text; they do no I/O.

A renderer takes the reports as an iterable and yields its output in pieces, one report at a
time, so a caller that writes each piece as it comes holds one report in memory however many
files it reports on. ``count`` is how many reports the iterable yields (a single report is a
JSON object, several a JSON array). The registry is explicit; ``render`` raises with the list
of known formats on a miss. The results of ``rex check`` have their own registry of writers
(``check_writers``), each taking one file's result at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from ..report import Report
from ..rulemodel import RulePack
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


def check_writers() -> dict[str, Callable[[RulePack], Any]]:
    """``rex check`` writers by format: each takes one file's result at a time (``add``) and
    writes what it holds at the end, so memory stays flat in the number of files. Loaded when
    asked for: a report need not load what checking many files uses."""
    from . import checks, github, junit, sarif  # noqa: PLC0415

    return {
        "text": lambda _pack: checks.TextWriter(),
        "md": lambda _pack: checks.MarkdownWriter(),
        "json": lambda _pack: checks.JsonWriter(),
        "sarif": sarif.SarifWriter,
        "junit": lambda _pack: junit.JunitWriter(),
        "github": lambda _pack: github.GithubWriter(),
    }
