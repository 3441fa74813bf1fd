"""The ``rex`` command: a thin click layer over the library.

Each command builds its inputs, calls one library function, renders the result and returns an
exit code. Exit codes (also in ``rex --help``):

* 0: done; nothing at or above the ``--fail-on`` gate;
* 1: the gate tripped (a finding at or above ``--fail-on``);
* 2: could not evaluate: a usage error, an invalid case or rule file, or an engine failure.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from . import __version__
from .cases import load_case
from .errors import ErrorList, RexError, flatten
from .evaluate import Engine
from .explain import explain as explain_rule
from .model import STATUS_RANK
from .output import write_atomic
from .render import RENDERERS, render
from .render import explain as explain_text
from .render import fields as render_fields
from .render.rule import render as render_rule
from .rules import RulePack, load_rules

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2
EXIT_CODES = """\b
Exit codes:
  0  done; no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  could not evaluate: usage error, invalid case or rule file, engine failure
"""


class _State:
    debug = False


def _fail(error: RexError) -> NoReturn:
    for item in flatten(error):
        click.echo(f"rex: error: {item.one_line()}", err=True)
    sys.exit(EXIT_ERROR)


def _guard(func: Callable[..., int]) -> Callable[..., None]:
    """Run a command body: RexErrors become one line each and exit 2; no traceback unless
    --debug."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = func(*args, **kwargs)
        except RexError as exc:
            if _State.debug:
                traceback.print_exc()
            _fail(exc)
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(EXIT_ERROR)
        except Exception as exc:
            if _State.debug:
                traceback.print_exc()
            click.echo(f"rex: internal error: {type(exc).__name__}: {exc} "
                       "(run with --debug for a traceback)", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(code)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def _pack(paths: Sequence[str]) -> RulePack:
    return load_rules(list(paths) if paths else None)


_rules_option = click.option(
    "--rules", "rule_paths", multiple=True, type=click.Path(exists=True),
    help="Rule files or folders to use instead of the shipped packs (repeatable).",
)
_as_of_option = click.option(
    "--as-of", callback=_date, metavar="DATE",
    help="Apply the law as it stood on DATE (YYYY-MM-DD) and count deadlines from it; by "
    "default each event is judged by the law on its own date and deadlines by today.",
)


@click.group(epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rex")
@click.option("--debug", is_flag=True, help="Show a traceback when something fails.")
def main(debug: bool) -> None:
    """rex reads the facts of a cross-border incident from a YAML case file and reports every
    possible regulatory trigger: the provision, whether it is triggered, alleged or only
    possible, who acts, what they may or must do, and by when."""
    _State.debug = debug


@main.command(epilog=EXIT_CODES)
@click.argument("cases", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the report to this file (atomically) instead of standard output.")
@_as_of_option
@click.option("--all", "show_all", is_flag=True,
              help="Also list the rules considered that gave no finding, and why.")
@click.option("--fail-on", type=click.Choice(["triggered", "alleged", "possible"]),
              help="Exit 1 if any finding has this status or a stronger one.")
@_rules_option
@_guard
def report(cases: tuple[str, ...], fmt: str, output: str | None, as_of: dt.date | None,
           show_all: bool, fail_on: str | None, rule_paths: tuple[str, ...]) -> int:
    """Report the regulatory exposure of one or more case files."""
    engine = Engine(_pack(rule_paths))
    loaded = _load_cases(cases)
    reports = [engine.report(case, as_of=as_of, show_all=show_all) for case in loaded]
    text = render(fmt, reports)
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    if fail_on is not None:
        bar = STATUS_RANK[fail_on]
        if any(STATUS_RANK[f.status] >= bar for r in reports for f in r.findings):
            return EXIT_GATE
    return EXIT_OK


def _load_cases(paths: Sequence[str]) -> list[Any]:
    loaded = []
    errors: list[RexError] = []
    for path in paths:
        try:
            loaded.append(load_case(path))
        except RexError as exc:
            errors.extend(flatten(exc))
    if errors:
        raise ErrorList(errors)
    return loaded


@main.command(epilog=EXIT_CODES)
@click.argument("cases", nargs=-1, required=True, type=click.Path())
@_guard
def validate(cases: tuple[str, ...]) -> int:
    """Check case files against the case format; list every problem in every file.

    Exits 0 when all are valid and 2 when any is not."""
    errors: list[RexError] = []
    for path in cases:
        try:
            load_case(path)
        except RexError as exc:
            errors.extend(flatten(exc))
        else:
            click.echo(f"{path}: valid")
    if errors:
        raise ErrorList(errors)
    return EXIT_OK


@main.command(epilog=EXIT_CODES)
@click.argument("case", type=click.Path())
@click.argument("rule_id")
@_as_of_option
@_rules_option
@_guard
def explain(case: str, rule_id: str, as_of: dt.date | None, rule_paths: tuple[str, ...]) -> int:
    """Show how RULE_ID reads CASE: each test true, false or unknown, with the fact and its
    line, on confirmed facts and with alleged facts."""
    pack = _pack(rule_paths)
    rule = pack.get(rule_id)
    if rule is None:
        raise RexError(f"no rule {rule_id!r}", hint="rex rules list shows the rules")
    engine = Engine(pack)
    loaded = engine.prepare(load_case(case))
    click.echo(explain_text.render(explain_rule(engine.program(as_of), loaded, rule)), nl=False)
    return EXIT_OK


@main.group()
def rules() -> None:
    """List and show the rules rex applies."""


@rules.command("list", epilog=EXIT_CODES)
@click.option("--regime", help="Only rules of this regime (uk-nsi, uk-cma, us-export ...).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--derivations", is_flag=True, help="Include the rules that derive facts.")
@_rules_option
@_guard
def rules_list(regime: str | None, fmt: str, derivations: bool,
               rule_paths: tuple[str, ...]) -> int:
    """List rules with their provision, official link and dates in force."""
    pack = _pack(rule_paths)
    selected = [r for r in pack.rules if (derivations or not r.is_derivation)
                and (regime is None or r.regime == regime)]
    if regime is not None and not selected:
        raise RexError(f"no rules for the regime {regime!r}",
                       hint=f"regimes: {', '.join(pack.regimes())}")
    if fmt == "json":
        data = [
            {"id": r.id, "regime": r.regime, "title": r.title, "provision": r.provision,
             "url": r.url, "in_force": {
                 "from": r.in_force_from.isoformat() if r.in_force_from else None,
                 "until": r.in_force_until.isoformat() if r.in_force_until else None,
                 "awaiting": r.awaiting.id if r.awaiting else None},
             "severity": r.severity, "certainty": r.certainty,
             "kind": "derivation" if r.is_derivation else "finding"}
            for r in selected
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    for rule in selected:
        click.echo(f"{rule.id}  [{rule.regime}]  {rule.title}")
        if rule.provision:
            since = rule.in_force_text() if (rule.in_force_from or rule.awaiting) else ""
            click.echo(f"    {rule.provision}; {since}")
            click.echo(f"    {rule.url}")
    return EXIT_OK


@rules.command("show", epilog=EXIT_CODES)
@click.argument("rule_id")
@_rules_option
@_guard
def rules_show(rule_id: str, rule_paths: tuple[str, ...]) -> int:
    """Show one rule: citation, dates in force, bindings, conditions and outputs."""
    pack = _pack(rule_paths)
    rule = pack.get(rule_id)
    if rule is None:
        raise RexError(f"no rule {rule_id!r}", hint="rex rules list shows the rules")
    click.echo(render_rule(rule), nl=False)
    return EXIT_OK


@main.command(epilog=EXIT_CODES)
@click.option("--format", "fmt", type=click.Choice(["text", "md"]), default="text",
              show_default=True)
@_guard
def fields(fmt: str) -> int:
    """List the facts a case file can state, with the question rex asks when one is unknown."""
    click.echo(render_fields.markdown() if fmt == "md" else render_fields.text(), nl=False)
    return EXIT_OK


def run() -> None:  # pragma: no cover - console entry point alias
    main()


if __name__ == "__main__":  # pragma: no cover
    main()

