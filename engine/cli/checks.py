"""rex check and rex diff: many case files at once, for CI, with gates, baselines and drift."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..check import Gate

from .common import (
    CHECK_FORMATS,
    EXIT_GATE,
    EXIT_OK,
    _cache,
    _date,
    _guard,
    _load_cases,
    _pack,
    _progress,
    _rules_option,
    main,
)

CHECK_CODES = """\b
Exit codes:
  0  every case valid, every expectation met, nothing at or above --fail-on, no drift
  1  an expectation not met, a finding at or above --fail-on, or drift from the baseline
  2  a case file could not be read or is invalid (all are listed), or a usage error
"""


def _gates(values: tuple[str, ...], regimes: Sequence[str]) -> list[Gate]:
    """``--fail-on`` values: a misspelt status or regime is a usage error, never a gate that
    silently cannot trip."""
    from ..check import Gate
    from ..errors import RexError
    gates = []
    for value in values:
        try:
            gate = Gate.parse(value)
        except ValueError as exc:
            raise RexError(f"--fail-on {exc}",
                           hint="write STATUS or REGIME=STATUS, e.g. uk-nsi=alleged") from None
        if gate.regime is not None and gate.regime not in regimes:
            near = difflib.get_close_matches(gate.regime, regimes, n=1)
            raise RexError(f"--fail-on {value!r}: no regime {gate.regime!r}",
                           hint=f"did you mean {near[0]!r}?" if near
                           else f"regimes: {', '.join(regimes)}")
        gates.append(gate)
    return gates




@main.command(epilog=CHECK_CODES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text",
              show_default=True, help="Output format (sarif, junit and github are for CI).")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the output to this file (atomically).")
@click.option("--fail-on", "fail_on", multiple=True, metavar="[REGIME=]STATUS",
              help="Fail on findings with this status or a stronger one (triggered, alleged, "
              "possible), for all regimes or one (uk-nsi=alleged); repeatable.")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Fail when findings differ from this recorded baseline (exposure drift).")
@click.option("--update-baseline", is_flag=True,
              help="Write the current findings to --baseline instead of comparing.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Evaluate in this many processes.")
@click.option("--follow-symlinks", is_flag=True,
              help="Read case files that symbolic links inside a folder lead to outside it.")
@_rules_option
@_guard
def check(paths: tuple[str, ...], fmt: str, output: str | None, fail_on: tuple[str, ...],
          baseline: str | None, update_baseline: bool, jobs: int, follow_symlinks: bool,
          rule_paths: tuple[str, ...]) -> int:
    """Validate and evaluate every case file under PATHS (files or folders), for CI.

    All invalid files are listed; every valid case is compared with its expect block."""
    from ..check import (
        BaselineRecorder,
        Totals,
        case_files,
        iter_check,
    )
    from ..output import (
        refuse_inputs,
        write_atomic,
        write_pieces,
    )
    from ..render.safe import visible
    if update_baseline and not baseline:
        raise click.UsageError("--update-baseline needs --baseline FILE")
    pack = _pack(rule_paths)
    gates = _gates(fail_on, pack.regimes())
    skipped: list[Path] = []
    inputs: list[str | Path] = [*case_files(paths, follow_symlinks, skipped), *rule_paths]
    for link in skipped:
        click.echo(f"rex: note: {visible(str(link))}: a symbolic link out of the folder, "
                   "not read (--follow-symlinks reads it)", err=True)
    if output:
        refuse_inputs(output, inputs, "--output")
    if baseline and update_baseline:
        refuse_inputs(baseline, inputs, "--baseline")
    if output and baseline and update_baseline:
        refuse_inputs(output, [baseline], "--output")
    recorded = None
    root = Path(baseline).resolve().parent if baseline else None  # keys relative to it
    if baseline and not update_baseline:
        recorded = _read_baseline(baseline)
    # Each file's result is written to the format's spool and let go: memory stays flat in
    # the number of files; the baseline keeps only finding keys and records.
    from ..render import check_writers

    writer = check_writers()[fmt](pack)
    totals = Totals()
    recorder = BaselineRecorder(root) if update_baseline else None
    problems: list[str] = []
    for item in iter_check(paths, pack=pack, rule_paths=list(rule_paths) or None, cache=_cache(),
                           gates=gates,
                           baseline=recorded, baseline_root=root, jobs=jobs,
                           progress=_progress(), follow_symlinks=follow_symlinks):
        writer.add(item)
        totals.add(item)
        problems += [p.one_line() for p in item.problems]
        if recorder is not None:
            recorder.add(item)
    if recorder is not None and baseline:
        write_atomic(baseline, json.dumps(recorder.baseline(), indent=2, sort_keys=True)
                     + "\n")
        totals.baseline_updated = baseline
    pieces = writer.finish(totals)
    if output:
        write_pieces(output, pieces)
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
    if fmt != "text" and totals.exit_code == 2:
        for line in problems:
            click.echo(f"rex: error: {line}", err=True)
    return totals.exit_code


def _read_baseline(path: str) -> dict[str, Any]:
    from ..errors import (
        Location,
        RexError,
    )
    from ..jsonfiles import read_json
    if not Path(path).exists():
        raise RexError("the baseline file does not exist", Location(path),
                       hint="create it with --update-baseline")
    data: dict[str, Any] = read_json(path, "baseline", "baseline")
    return data


@main.command(epilog=CHECK_CODES)
@click.argument("old", type=click.Path(exists=True))
@click.argument("new", type=click.Path(exists=True))
@click.option("--cases", "case_paths", multiple=True, type=click.Path(exists=True),
              help="With two rule folders: the cases to evaluate with each.")
@click.option("--as-of", callback=_date, metavar="DATE")
@_guard
def diff(old: str, new: str, case_paths: tuple[str, ...], as_of: dt.date | None) -> int:
    """What changed between two JSON reports, or between two rule folders over the same
    cases (--cases), finding by finding. Exits 1 when something changed."""
    from ..check import case_files
    from ..diff import diff as compute_diff
    from ..evaluate import Engine
    from ..render.json_report import to_dict
    from ..rules import load_rules
    if Path(old).is_dir() and Path(new).is_dir():
        if not case_paths:
            raise click.UsageError("comparing two rule folders needs --cases")
        files = [str(p) for p in case_files(case_paths)]
        loaded = _load_cases(files)
        before = [to_dict(Engine(load_rules([old])).report(c, as_of=as_of)) for c in loaded]
        after = [to_dict(Engine(load_rules([new])).report(c, as_of=as_of)) for c in loaded]
    else:
        before, after = _read_reports(old), _read_reports(new)
    changes = compute_diff(before, after)
    for change in changes:
        click.echo(change.one_line())
    if not changes:
        click.echo("no change")
    return EXIT_GATE if changes else EXIT_OK


def _read_reports(path: str) -> list[dict[str, Any]]:
    from ..jsonfiles import read_json
    data = read_json(path, "report", "report", many=True)
    return data if isinstance(data, list) else [data]


