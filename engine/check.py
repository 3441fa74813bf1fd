"""``rex check``: validate and evaluate folders of case files for CI.

Every case file under the given paths is validated (all invalid files are reported, not just
the first), every valid one is evaluated and compared with its ``expect:`` block through
``engine.expect.compare``, findings are held against the ``--fail-on`` gates, and, with a
baseline, the findings are compared with those recorded there (exposure drift).

Exit codes: 0 nothing failed; 1 an expectation not met, a gate tripped or drift; 2 a case file
could not be read or validated (or an engine failure).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import comparison
from .cache import CompileCache
from .cases import load_case
from .errors import EngineError, RexError, flatten
from .evaluate import Engine
from .expect import Mismatch, compare
from .matchers import check_engine_build
from .model import STATUS_RANK, Expectations, Finding
from .report import Report
from .rulemodel import RulePack


@dataclass(frozen=True)
class Problem:
    """An input or engine error, as plain data (it crosses process boundaries)."""

    message: str
    file: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None

    @classmethod
    def of(cls, error: RexError, default_file: str) -> Problem:
        loc = error.location
        return cls(error.message, loc.file if loc else default_file,
                   loc.line if loc else None, loc.column if loc else None,
                   error.field, error.hint)

    def one_line(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        text = f"{where}: " + (f"{self.field}: " if self.field else "") + self.message
        return text + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True)
class Gate:
    """``--fail-on``: a status, for every regime or for one."""

    status: str
    regime: str | None = None

    @classmethod
    def parse(cls, text: str) -> Gate:
        regime, _, status = text.rpartition("=")
        if status not in STATUS_RANK:
            raise ValueError(f"{text!r}: the status must be triggered, alleged or possible")
        return cls(status, regime or None)


def tripped(finding: Finding, gates: Sequence[Gate]) -> bool:
    """Whether a finding reaches a gate (a gate for its regime overrides a general one)."""
    own = [g for g in gates if g.regime == finding.regime]
    applicable = own or [g for g in gates if g.regime is None]
    return any(STATUS_RANK[finding.status] >= STATUS_RANK[g.status] for g in applicable)


@dataclass(frozen=True)
class Drift:
    """A difference between a case's findings and those recorded in the baseline."""

    case: str
    change: str
    """``new``, ``removed`` or ``changed``."""
    finding: str
    detail: str

    def one_line(self) -> str:
        return f"{self.case}: {self.change} {self.finding}" + (f": {self.detail}"
                                                                if self.detail else "")


@dataclass(frozen=True)
class CaseResult:
    path: str
    problems: tuple[Problem, ...] = ()
    report: Report | None = None
    mismatches: tuple[Mismatch, ...] = ()
    gated: tuple[Finding, ...] = ()
    drift: tuple[Drift, ...] = ()
    expect: Expectations | None = None
    gone: bool = False
    """A case the baseline records whose file no longer exists: every finding is drift."""

    @property
    def invalid(self) -> bool:
        return bool(self.problems)

    @property
    def failed(self) -> bool:
        return bool(self.mismatches or self.gated or self.drift)


@dataclass
class Totals:
    """The counts a check's summary gives, kept as results stream past."""

    files: int = 0
    invalid: int = 0
    unmet_expectations: int = 0
    gated_findings: int = 0
    drift: int = 0
    removed_cases: int = 0
    findings: int = 0
    failed: int = 0
    baseline_updated: str | None = None

    def add(self, item: CaseResult) -> None:
        self.files += 1
        self.invalid += item.invalid
        self.unmet_expectations += len(item.mismatches)
        self.gated_findings += len(item.gated)
        self.drift += len(item.drift)
        self.removed_cases += item.gone
        self.findings += len(item.report.findings) if item.report else 0
        self.failed += item.failed

    @property
    def exit_code(self) -> int:
        return 2 if self.invalid else 1 if self.failed else 0

    def summary(self) -> dict[str, int]:
        return {"files": self.files, "invalid": self.invalid,
                "unmet_expectations": self.unmet_expectations,
                "gated_findings": self.gated_findings, "drift": self.drift,
                "removed_cases": self.removed_cases, "findings": self.findings}


@dataclass
class CheckResult:
    """Every result of a check, held together (for the library and the tests; ``rex check``
    streams them instead, see ``iter_check``)."""

    results: list[CaseResult] = field(default_factory=list)
    baseline_updated: str | None = None

    @property
    def totals(self) -> Totals:
        totals = Totals(baseline_updated=self.baseline_updated)
        for item in self.results:
            totals.add(item)
        return totals

    @property
    def exit_code(self) -> int:
        return self.totals.exit_code


def case_files(paths: Iterable[str | Path], follow_symlinks: bool = False,
               skipped: list[Path] | None = None) -> list[Path]:
    """Every ``*.yaml`` / ``*.yml`` file under the given files and folders, sorted.

    Inside a folder, a symbolic link that leads out of the folder (to a file, or to a folder
    whose files would be read) is not followed unless ``follow_symlinks``: case files come
    from many hands, and a link must not make rex read, and echo in errors, a file the user
    never pointed it at. Each link left out is added to ``skipped``. A file named on the
    command line is read wherever it leads: the user named it."""
    found: set[Path] = set()
    left_out = skipped if skipped is not None else []
    for path in paths:
        root = Path(path)
        if not root.is_dir():
            found.add(root)
            continue
        top = root.resolve()
        visited: set[Path] = set()
        for folder, dirs, files in os.walk(root, followlinks=follow_symlinks):
            here = Path(folder)
            real = here.resolve()
            if real in visited:  # a loop of links, when they are followed
                dirs.clear()
                continue
            visited.add(real)
            for name in sorted(dirs):
                entry = here / name
                if entry.is_symlink() and not follow_symlinks and not _inside(entry, top):
                    left_out.append(entry)
            for name in files:
                entry = here / name
                if entry.suffix not in {".yaml", ".yml"} or not entry.is_file():
                    continue
                if entry.is_symlink() and not follow_symlinks and not _inside(entry, top):
                    left_out.append(entry)
                    continue
                found.add(entry)
    return sorted(found)


def _inside(link: Path, top: Path) -> bool:
    return link.resolve().is_relative_to(top)


def evaluate_file(engine: Engine, path: Path, today: dt.date,
                  now: dt.datetime | None = None) -> CaseResult:
    """Load, evaluate and compare one case file (no gates or baseline yet). A case with an
    as-of date in its expect block is judged on that date; otherwise on ``today``, and its
    deadlines in hours at the moment ``now`` when given."""
    try:
        case = load_case(path)
    except RexError as exc:
        return CaseResult(str(path), tuple(Problem.of(e, str(path)) for e in flatten(exc)))
    as_of = case.expect.as_of if case.expect else None
    try:
        report = engine.report(case, as_of=as_of, today=as_of or today,
                               now=None if as_of else now)
    except RexError as exc:
        return CaseResult(str(path), tuple(Problem.of(e, str(path)) for e in flatten(exc)))
    except (OverflowError, ValueError) as exc:  # this file's problem, not the run's
        return CaseResult(str(path), (Problem(
            f"a date or number in this case is beyond what rex can count with ({exc})",
            str(path), hint="check the dates and figures; rex counts dates up to 9999-12-31"),))
    mismatches = tuple(compare(report, case.expect)) if case.expect else ()
    return CaseResult(str(path), report=report, mismatches=mismatches, expect=case.expect)


_WORKER: dict[str, Any] = {}


def _stop(pool: ProcessPoolExecutor) -> None:
    """Drop the queued files and end the workers at once (the executor would otherwise let
    every queued file finish before it returns)."""
    workers = dict(getattr(pool, "_processes", None) or {})  # before shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers.values():
        process.terminate()


def _init_worker(rule_paths: Sequence[str] | None, today: dt.date,
                 now: dt.datetime | None, cache_folder: Path | None = None) -> None:
    cache = CompileCache(cache_folder)  # workers start from the entries the last run kept
    _WORKER["engine"] = Engine(cache.pack(list(rule_paths) if rule_paths else None),
                               cache=cache)
    _WORKER["today"] = today
    _WORKER["now"] = now


def _work(path: str) -> CaseResult:
    return evaluate_file(_WORKER["engine"], Path(path), _WORKER["today"], _WORKER["now"])


def run_check(paths: Sequence[str | Path], **options: Any) -> CheckResult:
    """Check every case file under ``paths``; results come back in path order, all at once."""
    return CheckResult(list(iter_check(paths, **options)))


def iter_check(
    paths: Sequence[str | Path],
    *,
    pack: RulePack,
    rule_paths: Sequence[str] | None = None,
    gates: Sequence[Gate] = (),
    baseline: Mapping[str, Any] | None = None,
    baseline_root: Path | None = None,
    jobs: int = 1,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    follow_symlinks: bool = False,
    cache: CompileCache | None = None,
) -> Iterator[CaseResult]:
    """Check every case file under ``paths``, yielding each result, in path order, as soon as
    it and those before it are done (with gates and drift applied), then the cases the
    baseline records whose files are gone. Nothing is kept once yielded, so a caller that
    writes each result out holds one report at a time however many files it checks. With
    ``cache`` (the one that gave ``pack``), compiled programs are read from it and kept in it,
    in this process and in the workers."""
    check_engine_build()  # here too: a worker whose initializer fails is started again forever
    day = today or dt.date.today()
    now = dt.datetime.now(dt.timezone.utc) if today is None else None  # one moment per run
    files = case_files(paths, follow_symlinks)
    for result in _evaluated(files, pack, rule_paths, jobs, day, now, progress, cache):
        if result.report is None:
            yield result
            continue
        gated = tuple(f for f in result.report.findings if tripped(f, gates))
        drift = (tuple(compare_baseline(result, baseline, baseline_root))
                 if baseline is not None else ())
        yield CaseResult(result.path, result.problems, result.report, result.mismatches,
                         gated, drift, result.expect)
    if baseline is not None:
        yield from removed_cases(baseline, baseline_root, paths, files)


def _evaluated(files: Sequence[Path], pack: RulePack, rule_paths: Sequence[str] | None,
               jobs: int, day: dt.date, now: dt.datetime | None,
               progress: Callable[[int, int], None] | None,
               cache: CompileCache | None) -> Iterator[CaseResult]:
    if jobs > 1 and len(files) > 1:
        # A fresh process per worker (its own engine). An executor, not a Pool: when a worker
        # dies, the pending results fail at once instead of waiting for ever.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(list(rule_paths) if rule_paths else None, day,
                                           now, cache.folder if cache else None)) as pool:
            # Start every worker before the executor's manager thread: CPython 3.11+ spawns
            # them one per submit, and a worker killed while the next one is being added to
            # the executor's table crashed the manager thread ("dictionary changed size
            # during iteration"). Before 3.11 the start was always eager, as it is here.
            if hasattr(pool, "_safe_to_dynamically_spawn_children"):
                pool._safe_to_dynamically_spawn_children = False
            waiting = files[0]
            try:
                # At most a few files ahead of the one being yielded: a worker's finished
                # report waits in this process only until its turn comes.
                ahead = jobs * 2
                futures = {i: pool.submit(_work, str(f)) for i, f in enumerate(files[:ahead])}
                for index, path in enumerate(files):
                    waiting = path
                    result = futures.pop(index).result()
                    if index + ahead < len(files):
                        futures[index + ahead] = pool.submit(_work, str(files[index + ahead]))
                    if progress:
                        progress(index + 1, len(files))
                    yield result
            except BrokenProcessPool:
                _stop(pool)
                raise EngineError(
                    f"a worker process died while checking {waiting} (killed, or out of "
                    "memory); no result is reported for this run",
                    hint="run again, or with -j 1 to check the file in this process"
                ) from None
            except BaseException:  # Ctrl-C: stop now, not after every queued file
                _stop(pool)
                raise
    else:
        engine = Engine(pack, cache=cache)
        for index, path in enumerate(files, 1):
            result = evaluate_file(engine, path, day, now)
            if progress:
                progress(index, len(files))
            yield result


# -- baselines -------------------------------------------------------------------------------

BASELINE_SCHEMA = 1


def baseline_of(result: CheckResult, root: Path | None = None) -> dict[str, Any]:
    recorder = BaselineRecorder(root)
    for item in result.results:
        recorder.add(item)
    return recorder.baseline()


class BaselineRecorder:
    """The baseline of a check, recorded as its results stream past (the baseline file holds
    every finding's key and record; nothing else of a report is kept)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.cases: dict[str, Any] = {}

    def add(self, item: CaseResult) -> None:
        if item.report is not None:
            self.cases[_case_name(item.path, self.root)] = {
                comparison.key(f.rule, f.on): comparison.record(f) for f in item.report.findings}

    def baseline(self) -> dict[str, Any]:
        return {"baseline_schema": BASELINE_SCHEMA, "cases": dict(sorted(self.cases.items()))}


def _case_name(path: str, root: Path | None) -> str:
    target = Path(path)
    try:
        return target.resolve().relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return target.as_posix()


def removed_cases(baseline: Mapping[str, Any], root: Path | None,
                  paths: Sequence[str | Path], files: Sequence[Path]) -> list[CaseResult]:
    """Cases the baseline records, inside the folders or files checked, whose files are gone:
    their findings vanished, which is drift like any other."""
    base = (root or Path.cwd()).resolve()
    checked = {_case_name(str(f), root) for f in files}
    scopes = [Path(p).resolve() for p in paths]
    out = []
    for name, recorded in sorted(baseline.get("cases", {}).items()):
        target = base / name
        if name in checked or target.exists():
            continue
        if not any(target == scope or scope in target.parents for scope in scopes):
            continue
        drift = tuple(Drift(name, "removed", key, f"the case file is gone; was {old['status']}")
                      for key, old in sorted(recorded.items()))
        if not drift:
            drift = (Drift(name, "removed", "(no findings)", "the case file is gone"),)
        out.append(CaseResult(_case_name(str(target), None), drift=drift, gone=True))
    return out


def compare_baseline(result: CaseResult, baseline: Mapping[str, Any],
                     root: Path | None = None) -> list[Drift]:
    """How a case's findings differ from the baseline's record of it. Cases are keyed by
    their path relative to ``root`` (the baseline file's folder), so the check gives the same
    answer from any working folder."""
    assert result.report is not None
    name = _case_name(result.path, root)
    recorded: Mapping[str, Any] = baseline.get("cases", {}).get(name, {})
    current = {comparison.key(f.rule, f.on): comparison.record(f) for f in result.report.findings}
    return [Drift(name, change, key, detail)
            for change, key, detail in comparison.compare(recorded, current)]
