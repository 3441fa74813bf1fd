"""rex answer and rex ask: answers written back into a case file."""

from __future__ import annotations

from collections.abc import Sequence

import click

from .common import (
    EXIT_OK,
    _engine,
    _guard,
    _rules_option,
    main,
)

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
    from ..answers import Answer, apply_answers
    from ..cases import load_case
    from ..interview import changes
    from ..output import write_atomic
    from ..render.safe import visible

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
    from ..cases import load_case
    from ..interview import Interview
    from ..interview import run as run_interview
    from ..output import write_atomic
    from ..render.safe import visible

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
        import readline
    except ImportError:  # pragma: no cover - not on this platform
        readline = None  # type: ignore[assignment]
    if readline is not None:
        def completer(text: str, state: int) -> str | None:
            found = [value for value in complete if value.startswith(text)]
            return found[state] if state < len(found) else None
        readline.set_completer(completer)
        readline.parse_and_bind("tab: complete")
    return str(click.prompt(prompt, default="", show_default=False))


