"""rex report, validate, explain and screen: one case file or name at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..errors import RexError
    from ..model import Case

from .common import (
    _PLAIN_CODES,
    _VALIDATE_CODES,
    EXIT_CODES,
    EXIT_GATE,
    EXIT_OK,
    REPORT_FORMATS,
    SCREEN_THRESHOLD,
    _as_of_option,
    _cache,
    _engine,
    _guard,
    _load_cases,
    _pack,
    _rules_option,
    main,
)


@main.command(epilog=EXIT_CODES)
@click.argument("cases", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the report to this file (atomically) instead of standard output.")
@_as_of_option
@click.option("--all", "show_all", is_flag=True,
              help="Also list the rules considered that gave no finding, and why.")
@click.option("--fail-on", type=click.Choice(["triggered", "alleged", "possible"]),
              help="Exit 1 if any finding has this status or a stronger one.")
@click.option("--detail", is_flag=True,
              help="After the summary, every finding in full (facts, who acts, deadlines).")
@click.option("--for", "audience", metavar="PARTY",
              help="Write the brief for this party (its id in the case): its duties and "
                   "exposure first, then its remedies, then the rest.")
@_rules_option
@_guard
def report(cases: tuple[str, ...], fmt: str, output: str | None, as_of: dt.date | None,
           show_all: bool, fail_on: str | None, detail: bool, audience: str | None,
           rule_paths: tuple[str, ...]) -> int:
    """Report the regulatory exposure of one or more case files.

    The text and Markdown reports open with a summary: what is urgent, the findings one line
    each, and the questions whose answers would change them, each asked once."""
    from ..cases import load_case
    from ..model import STATUS_RANK
    from ..output import (
        refuse_inputs,
        write_pieces,
    )
    from ..render import stream
    engine = _engine(rule_paths)
    _load_cases(cases, keep=False, party=audience)  # all valid before anything is written
    if output:
        refuse_inputs(output, [*cases, *rule_paths], "--output")
    bar = STATUS_RANK[fail_on] if fail_on is not None else None
    gate = {"tripped": False}

    def reports() -> Iterator[Any]:
        # One case at a time, loaded again and let go once rendered: memory stays flat in
        # the number of files (docs/performance.md).
        for path in cases:
            found = engine.report(load_case(path), as_of=as_of, show_all=show_all,
                                  questions=True, audience=audience)
            if bar is not None and any(STATUS_RANK[f.status] >= bar for f in found.findings):
                gate["tripped"] = True
            yield replace(found, detail=detail or show_all)

    pieces = stream(fmt, reports(), len(cases))
    if output:
        write_pieces(output, pieces)
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
    return EXIT_GATE if gate["tripped"] else EXIT_OK


@main.command(epilog=_VALIDATE_CODES)
@click.argument("cases", nargs=-1, required=True, type=click.Path())
@click.option("--strict", is_flag=True,
              help="Also warn about event facts that no rule reads for the event's type, "
                   "and exit 1 on a warning.")
@_rules_option
@_guard
def validate(cases: tuple[str, ...], strict: bool, rule_paths: tuple[str, ...]) -> int:
    """Check case files against the case format; list every problem in every file.

    Exits 0 when all are valid, 2 when any is not, and with --strict 1 when a case states a
    fact that no rule reads (a study's consideration, say): the fact may belong on another
    event type, or the rules may not yet cover it."""
    from ..cases import load_case
    from ..errors import (
        ErrorList,
        RexError,
        flatten,
    )
    from ..readers import (
        event_readers,
        unread_facts,
    )
    errors: list[RexError] = []
    valid: list[tuple[str, Case]] = []
    for path in cases:
        try:
            valid.append((path, load_case(path)))
        except RexError as exc:
            errors.extend(flatten(exc))
    warned = 0
    if strict and valid:
        readers = event_readers(_pack(rule_paths))
        for _, case in valid:
            for event, path in unread_facts(case, readers):
                event_type = event.facts["type"].value if "type" in event.facts else "?"
                click.echo(f"{event.facts[path].at}: warning: event {event.id!r} "
                           f"({event_type}) states {path}, which no rule reads for an event "
                           f"of type {event_type}", err=True)
                warned += 1
    for path, _ in valid:
        click.echo(f"{path}: valid")
    if errors:
        raise ErrorList(errors)
    return EXIT_GATE if warned else EXIT_OK


@main.command(epilog=_PLAIN_CODES)
@click.argument("case", type=click.Path())
@click.argument("rule_id")
@_as_of_option
@_rules_option
@_guard
def explain(case: str, rule_id: str, as_of: dt.date | None, rule_paths: tuple[str, ...]) -> int:
    """Show how RULE_ID reads CASE: each test true, false or unknown, with the fact and its
    line, on confirmed facts and with alleged facts."""
    from ..cases import load_case
    from ..errors import RexError
    from ..evaluate import Engine
    from ..explain import explain as explain_rule
    from ..render import explain as explain_text
    pack = _pack(rule_paths)
    rule = pack.get(rule_id)
    if rule is None:
        raise RexError(f"no rule {rule_id!r}", hint="rex rules list shows the rules")
    engine = Engine(pack, cache=_cache())
    loaded = engine.prepare(load_case(case))
    click.echo(explain_text.render(explain_rule(engine.program(as_of), loaded, rule)), nl=False)
    return EXIT_OK




@main.command(epilog=_PLAIN_CODES)
@click.argument("names", nargs=-1)
@click.option("--case", "case_path", type=click.Path(),
              help="Also screen every party name and alias in this case file.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=SCREEN_THRESHOLD,
              show_default=True, help="The lowest score (0 to 100) of a near match shown.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_rules_option
@_guard
def screen(names: tuple[str, ...], case_path: str | None, threshold: float, fmt: str,
           rule_paths: tuple[str, ...]) -> int:
    """Screen names against the reference tables of the rule packs (the Entity List rows and
    other lists): exact matches after folding, and near matches with their scores."""
    from ..cases import load_case
    from ..render import screen as render_screen
    asked = list(names)
    if case_path:
        case = load_case(case_path)
        asked += [obj.name for obj in case.objects if obj.kind == "name"]
    if not asked:
        raise click.UsageError("give a name to screen, or --case FILE")
    from .. import screening

    rows = screening.rows_of(_pack(rule_paths).reference)
    found = screening.screen(asked, rows, threshold)
    click.echo(render_screen.as_json(found, threshold) if fmt == "json"
               else render_screen.text(asked, found, threshold), nl=False)
    return EXIT_OK


