"""The ``rex`` command: a thin click layer over the library.

Each command builds its inputs, calls one library function, renders the result and returns an
exit code. Exit codes (also in ``rex --help``):

* 0: done; nothing at or above the ``--fail-on`` gate;
* 1: the gate tripped (a finding at or above ``--fail-on``);
* 2: could not evaluate: a usage error, an invalid case or rule file, or an engine failure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__, screening
from .cache import CompileCache
from .cases import load_case
from .check import BaselineRecorder, Gate, Totals, case_files, iter_check, run_check
from .coverage import coverage, percent
from .coverage import render as render_coverage
from .diff import diff as compute_diff
from .errors import ErrorList, InputError, Location, RexError, flatten
from .evaluate import Engine
from .explain import explain as explain_rule
from .jsonfiles import read_json
from .lint import lint
from .model import STATUS_RANK, Case
from .output import refuse_inputs, write_atomic, write_pieces
from .readers import event_readers, unread_facts
from .render import RENDERERS, stream
from .render import checks as render_checks
from .render import explain as explain_text
from .render import fields as render_fields
from .render import github as render_github
from .render import junit as render_junit
from .render import sarif as render_sarif
from .render import screen as render_screen
from .render.json_report import to_dict
from .render.rule import render as render_rule
from .render.safe import visible
from .rulemodel import RulePack
from .rules import load_rules

EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2
EXIT_CODES = """\b
Exit codes:
  0  done; no finding at or above --fail-on
  1  a finding at or above --fail-on
  2  could not evaluate: usage error, invalid case or rule file, engine failure
"""
_PLAIN_CODES = """\b
Exit codes:
  0  done
  2  a usage error, or an invalid case or rule file
"""
_VALIDATE_CODES = """\b
Exit codes:
  0  every file valid
  1  with --strict, a warning
  2  a usage error, or an invalid case or rule file
"""


class _State:
    debug = False
    cache: CompileCache | None = None


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
        except KeyboardInterrupt:
            # Leave at once: the interpreter's exit would wait on the workers' threads.
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(EXIT_ERROR)
        except click.ClickException:
            raise  # a usage error: click prints it with the command's usage, exit 2
        except click.exceptions.Abort:
            click.echo("rex: error: the input ended before the command finished; nothing was "
                       "written", err=True)
            sys.exit(EXIT_ERROR)
        except BrokenPipeError:
            sys.exit(EXIT_ERROR)
        except OSError as exc:  # standard output full or closed: the user's to fix
            if _State.debug:
                traceback.print_exc()
            with contextlib.suppress(OSError):
                click.echo(f"rex: error: cannot write the output: {exc.strerror or exc}",
                           err=True)
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


def _cache() -> CompileCache:
    if _State.cache is None:
        _State.cache = CompileCache.default()
    return _State.cache


def _pack(paths: Sequence[str]) -> RulePack:
    return _cache().pack(list(paths) if paths else None)


def _engine(paths: Sequence[str]) -> Engine:
    """An engine on the rule pack, its programs read from and kept in the compile cache."""
    return Engine(_pack(paths), cache=_cache())


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
@click.option("--no-cache", is_flag=True,
              help="Load and compile the rule packs afresh, neither reading nor writing the "
              "compile cache (REX_CACHE_DIR, or the user cache folder).")
def main(debug: bool, no_cache: bool) -> None:
    """rex reads the facts of a cross-border incident from a YAML case file and reports every
    possible regulatory trigger: the provision, whether it is triggered, alleged or only
    possible, who acts, what they may or must do, and by when."""
    _State.debug = debug
    _State.cache = CompileCache.default(enabled=not no_cache)


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


def _load_cases(paths: Sequence[str], keep: bool = True,
                party: str | None = None) -> list[Any]:
    """Every case file loaded (``keep``) or only validated, each naming ``party`` when one is
    given; every problem in every file is raised together."""
    loaded = []
    errors: list[RexError] = []
    for path in paths:
        try:
            case = load_case(path)
        except RexError as exc:
            errors.extend(flatten(exc))
            continue
        if party is not None and party not in {p.id for p in case.of_kind("party")}:
            errors.append(InputError(
                f"--for: no party {party!r} in {case.file}",
                hint="parties: " + ", ".join(o.id for o in case.of_kind("party"))))
        if keep:
            loaded.append(case)
    if errors:
        raise ErrorList(errors)
    return loaded


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
    pack = _pack(rule_paths)
    rule = pack.get(rule_id)
    if rule is None:
        raise RexError(f"no rule {rule_id!r}", hint="rex rules list shows the rules")
    engine = Engine(pack, cache=_cache())
    loaded = engine.prepare(load_case(case))
    click.echo(explain_text.render(explain_rule(engine.program(as_of), loaded, rule)), nl=False)
    return EXIT_OK


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
    pack = _pack(rule_paths)
    rule = pack.get(rule_id)
    if rule is None:
        raise RexError(f"no rule {rule_id!r}", hint="rex rules list shows the rules")
    click.echo(render_rule(rule), nl=False)
    return EXIT_OK


CHECK_CODES = """\b
Exit codes:
  0  every case valid, every expectation met, nothing at or above --fail-on, no drift
  1  an expectation not met, a finding at or above --fail-on, or drift from the baseline
  2  a case file could not be read or is invalid (all are listed), or a usage error
"""
CHECK_FORMATS = ("text", "md", "json", "sarif", "junit", "github")


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _gates(values: tuple[str, ...], regimes: Sequence[str]) -> list[Gate]:
    """``--fail-on`` values: a misspelt status or regime is a usage error, never a gate that
    silently cannot trip."""
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


@main.command(epilog=_PLAIN_CODES)
@click.argument("names", nargs=-1)
@click.option("--case", "case_path", type=click.Path(),
              help="Also screen every party name and alias in this case file.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=screening.THRESHOLD,
              show_default=True, help="The lowest score (0 to 100) of a near match shown.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@_rules_option
@_guard
def screen(names: tuple[str, ...], case_path: str | None, threshold: float, fmt: str,
           rule_paths: tuple[str, ...]) -> int:
    """Screen names against the reference tables of the rule packs (the Entity List rows and
    other lists): exact matches after folding, and near matches with their scores."""
    asked = list(names)
    if case_path:
        case = load_case(case_path)
        asked += [obj.name for obj in case.objects if obj.kind == "name"]
    if not asked:
        raise click.UsageError("give a name to screen, or --case FILE")
    rows = screening.rows_of(_pack(rule_paths).reference)
    found = screening.screen(asked, rows, threshold)
    click.echo(render_screen.as_json(found, threshold) if fmt == "json"
               else render_screen.text(asked, found, threshold), nl=False)
    return EXIT_OK


_ANSWER_CODES = """\b
Exit codes:
  0  done (written, or nothing to write)
  2  a bad path, value or source, an invalid case file, or an answer that cannot be written
     without changing anything else in the file
"""
_source_option = click.option(
    "--source", metavar="ID", help="The entry of the case's sources the answers come from.")
_status_option = click.option(
    "--alleged/--confirmed", "alleged", default=None,
    help="Record the answers as alleged (asserted, not established) or confirmed.")
_dry_run_option = click.option("--dry-run", is_flag=True,
                               help="Print the change to the case file; write nothing.")


@main.command(epilog=_ANSWER_CODES)
@click.argument("case", type=click.Path(exists=True, dir_okay=False))
@click.argument("answers", nargs=-1, required=True, metavar="PATH=VALUE...")
@click.option("--source", metavar="ID", required=True,
              help="The entry of the case's sources the answers come from.")
@_status_option
@click.option("--replace", is_flag=True,
              help="Let an answer change a fact the case already states (not only refine a "
              "partial one).")
@_dry_run_option
@_rules_option
@_guard
def answer(case: str, answers: tuple[str, ...], source: str, alleged: bool | None,
           replace: bool, dry_run: bool, rule_paths: tuple[str, ...]) -> int:
    """Write answers to a report's questions into the case file (PATH as the report prints
    it, such as buyer.listings.us-entity-list.listed=no), each with its status and source;
    comments and layout are kept. Prints the change and what it does to the findings."""
    # Loaded here: the round-trip YAML library is only for commands that write case files.
    from .answers import Answer, apply_answers  # noqa: PLC0415
    from .interview import changes  # noqa: PLC0415

    parsed = [Answer.parse(item) for item in answers]
    written = apply_answers(case, parsed, source, "alleged" if alleged else "confirmed",
                            change_stated=replace)
    engine = _engine(rule_paths)
    changed = changes(engine.report(load_case(case)), engine.report(written.case))
    click.echo(visible(written.diff), nl=False)
    for line in changed or ["no finding changed"]:
        click.echo(visible(f"- {line}"))
    if not dry_run:
        write_atomic(case, written.file_text)
        click.echo(f"wrote {len(parsed)} answer{'s' * (len(parsed) != 1)} to {visible(case)}")
    return EXIT_OK


@main.command(epilog=_ANSWER_CODES)
@click.argument("case", type=click.Path(exists=True, dir_okay=False))
@_source_option
@_status_option
@click.option("--yes", "-y", is_flag=True, help="Write the answers without asking to confirm.")
@_dry_run_option
@_rules_option
@_guard
def ask(case: str, source: str | None, alleged: bool | None, yes: bool, dry_run: bool,
        rule_paths: tuple[str, ...]) -> int:
    """Put the report's questions one at a time, most decisive first: each answer is checked
    like the case file, the case evaluated again and what changed shown. At the end the
    change to the file is shown, and written only on a yes."""
    from .interview import Interview  # noqa: PLC0415 - as in rex answer
    from .interview import run as run_interview  # noqa: PLC0415

    loaded = load_case(case)
    engine = _engine(rule_paths)
    if source is None:
        source = click.prompt("Where do the answers come from? (a source id)",
                              type=click.Choice(list(loaded.sources)))
    if alleged is None:
        alleged = click.prompt("Are they confirmed or alleged?",
                               type=click.Choice(["confirmed", "alleged"]),
                               default="confirmed") == "alleged"
    with engine.kept():  # an answer is matched by the facts it changes, not all again
        session = Interview.start(case, engine, loaded, str(source),
                                  "alleged" if alleged else "confirmed")
        run_interview(session, loaded, _ask_line, lambda text: click.echo(visible(text)))
    if session.written is None:
        click.echo("No answers given; the case file is unchanged.")
        return EXIT_OK
    click.echo("")
    click.echo(visible(session.written.diff), nl=False)
    if dry_run:
        return EXIT_OK
    if not yes and not click.confirm(f"Write these answers to {visible(case)}?", default=False):
        click.echo("Nothing written.")
        return EXIT_OK
    write_atomic(case, session.written.file_text)
    count = len(session.answers)
    click.echo(f"wrote {count} answer{'s' * (count != 1)} to {visible(case)}")
    return EXIT_OK


def _ask_line(prompt: str, _spec: object, complete: Sequence[str]) -> str:
    """One answer from the terminal, with the allowed values completed on Tab."""
    try:  # only for rex ask: loading readline changes how every input() reads the terminal
        import readline  # noqa: PLC0415
    except ImportError:  # pragma: no cover - not on this platform
        readline = None  # type: ignore[assignment]
    if readline is not None:
        def completer(text: str, state: int) -> str | None:
            found = [value for value in complete if value.startswith(text)]
            return found[state] if state < len(found) else None
        readline.set_completer(completer)
        readline.parse_and_bind("tab: complete")
    return str(click.prompt(prompt, default="", show_default=False))


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
    writers: dict[str, Callable[[], Any]] = {
        "text": render_checks.TextWriter, "md": render_checks.MarkdownWriter,
        "json": render_checks.JsonWriter, "sarif": lambda: render_sarif.SarifWriter(pack),
        "junit": render_junit.JunitWriter, "github": render_github.GithubWriter,
    }
    # Each file's result is written to the format's spool and let go: memory stays flat in
    # the number of files; the baseline keeps only finding keys and records.
    writer = writers[fmt]()
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
    data = read_json(path, "report", "report", many=True)
    return data if isinstance(data, list) else [data]


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
    if event_types:
        readers = event_readers(_pack(rule_paths))
        click.echo(render_fields.event_types_markdown(readers) if fmt == "md"
                   else render_fields.event_types_text(readers), nl=False)
        return EXIT_OK
    click.echo(render_fields.markdown() if fmt == "md" else render_fields.text(), nl=False)
    return EXIT_OK


def run() -> None:  # pragma: no cover - console entry point alias
    main()


if __name__ == "__main__":  # pragma: no cover
    main()

