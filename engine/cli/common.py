"""What every rex command shares: the main group, the exit codes, one-line errors and the
rule pack with its compile cache."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .. import __version__
from ..errors import ErrorList, InputError, RexError, flatten

if TYPE_CHECKING:
    from ..cache import CompileCache
    from ..evaluate import Engine
    from ..rulemodel import RulePack


EXIT_OK, EXIT_GATE, EXIT_ERROR = 0, 1, 2
REPORT_FORMATS = ("html", "json", "jsonl", "md", "text")
CHECK_FORMATS = ("text", "md", "json", "sarif", "junit", "github")
SCREEN_THRESHOLD = 85.0
"""The formats of the renderer registries (``engine.render``) and screening's default score,
written out so that ``rex --help`` need not load them; a test holds them equal."""
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
    from ..cache import CompileCache
    if _State.cache is None:
        _State.cache = CompileCache.default()
    return _State.cache


def _pack(paths: Sequence[str]) -> RulePack:
    return _cache().pack(list(paths) if paths else None)


def _engine(paths: Sequence[str]) -> Engine:
    """An engine on the rule pack, its programs read from and kept in the compile cache."""
    from ..evaluate import Engine
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
    from ..cache import CompileCache

    _State.cache = CompileCache.default(enabled=not no_cache)


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


def _load_cases(paths: Sequence[str], keep: bool = True,
                party: str | None = None) -> list[Any]:
    """Every case file loaded (``keep``) or only validated, each naming ``party`` when one is
    given; every problem in every file is raised together."""
    from ..cases import load_case
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
