"""rex rules list, show, test and lint, and rex fields: the rule packs and the case format."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import (
    _PLAIN_CODES,
    EXIT_ERROR,
    EXIT_GATE,
    EXIT_OK,
    _cache,
    _guard,
    _pack,
    _progress,
    _rules_option,
    main,
)


@main.group()
def rules() -> None:
    """List and show the rules rex applies."""


@rules.command("list", epilog=_PLAIN_CODES)
@click.option("--regime", help="Only rules of this regime (uk-nsi, uk-cma, us-export ...).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--derivations", is_flag=True, help="Include the rules that derive facts.")
@click.option("--groups", is_flag=True,
              help="Instead, list the groups of countries named in law that cases and rules "
                   "may use, with their members and source.")
@_rules_option
@_guard
def rules_list(regime: str | None, fmt: str, derivations: bool, groups: bool,
               rule_paths: tuple[str, ...]) -> int:
    """List rules with their provision, official link and dates in force."""
    from ..errors import RexError
    pack = _pack(rule_paths)
    if groups:
        listed = [{"id": g.id, "title": g.title, "members": sorted(g.members), "url": g.url}
                  for g in pack.groups.values()]
        if fmt == "json":
            click.echo(json.dumps(listed, indent=2, ensure_ascii=False))
        for group in listed if fmt == "text" else ():
            click.echo(f"{group['id']}  {group['title']}")
            click.echo(f"    {', '.join(group['members'])}")
            click.echo(f"    {group['url']}")
        return EXIT_OK
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


@rules.command("show", epilog=_PLAIN_CODES)
@click.argument("rule_id")
@_rules_option
@_guard
def rules_show(rule_id: str, rule_paths: tuple[str, ...]) -> int:
    """Show one rule: citation, dates in force, bindings, conditions and outputs."""
    from ..errors import RexError
    from ..render.rule import render as render_rule
    pack = _pack(rule_paths)
    rule = pack.get(rule_id)
    if rule is None:
        raise RexError(f"no rule {rule_id!r}", hint="rex rules list shows the rules")
    click.echo(render_rule(rule), nl=False)
    return EXIT_OK




RULES_TEST_CODES = """\b
Exit codes:
  0  every expectation met and coverage at or above --min-coverage
  1  an expectation not met, or coverage below --min-coverage
  2  a case or rule file could not be read or is invalid, or a usage error
"""
RULES_LINT_CODES = """\b
Exit codes:
  0  no error (and, with --strict, no warning)
  1  an error (or, with --strict, a warning) found
  2  a rule file could not be read, or a usage error
"""


@rules.command("test", epilog=RULES_TEST_CODES)
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Fail (exit 1) when fewer rules than this percentage have a triggering, a "
              "non-triggering and a possible case.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True)
@_rules_option
@_guard
def rules_test(paths: tuple[str, ...], min_coverage: float, jobs: int,
               rule_paths: tuple[str, ...]) -> int:
    """Run every case that tests rules (default: cases/) and print each rule's coverage."""
    from ..check import run_check
    from ..coverage import (
        coverage,
        percent,
    )
    from ..coverage import render as render_coverage
    pack = _pack(rule_paths)
    targets = list(paths) or [str(Path("cases"))]
    result = run_check(targets, pack=pack, rule_paths=list(rule_paths) or None, cache=_cache(),
                       jobs=jobs,
                       progress=_progress())
    rows = coverage(pack, result)
    click.echo(render_coverage(rows), nl=False)
    failed = [item for item in result.results if item.invalid or item.failed]
    for item in failed:
        for line in ([p.one_line() for p in item.problems]
                     + [str(m) for m in item.mismatches]):
            click.echo(f"rex: {line}", err=True)
    if any(item.invalid for item in result.results):
        return EXIT_ERROR
    if failed or percent(rows) < min_coverage:
        return EXIT_GATE
    return EXIT_OK


@rules.command("lint", epilog=RULES_LINT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@_guard
def rules_lint(paths: tuple[str, ...], strict: bool) -> int:
    """Check rule files for shape and meaning: citations on official domains, conditions that
    can never hold, overlapping periods in force, questions, unused derived facts.

    Exits 1 when an error (or, with --strict, a warning) is found."""
    from ..lint import lint
    issues = lint(list(paths) or None)
    for issue in issues:
        click.echo(issue.one_line())
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    click.echo(f"{errors} errors, {warnings} warnings", err=True)
    return EXIT_GATE if errors or (strict and warnings) else EXIT_OK


@main.command(epilog=_PLAIN_CODES)
@click.option("--format", "fmt", type=click.Choice(["text", "md"]), default="text",
              show_default=True)
@click.option("--event-types", is_flag=True,
              help="Instead, list each event type with the regimes whose rules read it.")
@_rules_option
@_guard
def fields(fmt: str, event_types: bool, rule_paths: tuple[str, ...]) -> int:
    """List the facts a case file can state, with the question rex asks when one is unknown."""
    from ..readers import event_readers
    from ..render import fields as render_fields
    if event_types:
        readers = event_readers(_pack(rule_paths))
        click.echo(render_fields.event_types_markdown(readers) if fmt == "md"
                   else render_fields.event_types_text(readers), nl=False)
        return EXIT_OK
    click.echo(render_fields.markdown() if fmt == "md" else render_fields.text(), nl=False)
    return EXIT_OK


