"""The compile cache: a second run reads what the first compiled, gives the same report, and
never trusts an entry it cannot vouch for."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cache import CompileCache
from engine.cli import main
from engine.evaluate import Engine
from engine.rules import default_rules_dir, load_rules

from .conftest import CASES

SEED = CASES / "anthropic-alibaba-2026.yaml"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    here = tmp_path / "cache"
    monkeypatch.setenv("REX_CACHE_DIR", str(here))
    return here


def report(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "report", str(SEED), "--format", "json"])
    assert result.exit_code == 0, result.output
    return result.output


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_second_run_reads_the_compiled_pack_and_reports_the_same(folder: Path) -> None:
    first = report()
    assert len(entries(folder)) == 2  # the pack and its program
    cache = CompileCache(folder)
    pack = cache.pack()
    assert cache.hits == 1
    engine = Engine(pack, cache=cache)
    assert engine.program(None).fingerprint == Engine(load_rules()).program(None).fingerprint
    assert report() == first == report("--no-cache")


def test_no_cache_neither_reads_nor_writes(folder: Path) -> None:
    report("--no-cache")
    assert not folder.exists() or not entries(folder)


def test_each_program_is_kept_apart_and_read_with_its_pack(folder: Path) -> None:
    """A run reads the pack and the one program it needs; a program's entry refers to the
    pack instead of holding a copy of it."""
    cache = CompileCache(folder)
    engine = Engine(cache.pack(), cache=cache)
    first = engine.program(None)
    engine.program(dt.date(2020, 1, 1))
    programs = [p for p in entries(folder) if p.name.endswith(".program.pickle")]
    [pack_entry] = [p for p in entries(folder) if p.name.endswith(".pack.pickle")]
    assert len(programs) == 2
    assert all(p.stat().st_size < 2 * pack_entry.stat().st_size + 2_000_000 for p in programs)
    again = CompileCache(folder)
    pack = again.pack()
    read = again.program(pack, next(iter(engine._programs)))
    assert read is not None and read.pack is pack and read.fingerprint == first.fingerprint


@pytest.mark.parametrize("damage", ["cut short", "one byte changed", "not a cache file", "empty"])
def test_a_damaged_entry_is_ignored_and_written_again(folder: Path, damage: str) -> None:
    report()
    [entry] = [p for p in entries(folder) if p.name.endswith(".pack.pickle")]
    data = entry.read_bytes()
    if damage == "cut short":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "one byte changed":
        middle = len(data) // 2
        entry.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    elif damage == "not a cache file":
        entry.write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")  # a pickle that runs a command
    else:
        entry.write_bytes(b"")
    cache = CompileCache(folder)
    cache.pack()
    assert (cache.hits, cache.misses) == (0, 1)
    again = CompileCache(folder)
    again.pack()
    assert again.hits == 1  # written again, whole


def test_a_changed_rule_file_is_a_new_entry(folder: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    cache = CompileCache(folder)
    cache.pack([rules])
    target = rules / "us-cfius" / "cfius.yaml"
    target.write_text(target.read_text() + "\n# a comment\n")
    again = CompileCache(folder)
    again.pack([rules])
    assert again.misses == 1 and len(entries(folder)) == 2  # two packs


def test_a_folder_others_may_write_is_not_used(folder: Path) -> None:
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    report()
    assert not entries(folder)


def _load(folder: str) -> int:
    cache = CompileCache(Path(folder))
    return len(cache.pack().rules)


def test_runs_at_once_each_get_the_pack_and_leave_one_whole_entry(folder: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        counts = pool.map(_load, [str(folder)] * 3)
    assert len(set(counts)) == 1
    assert len(entries(folder)) == 1 and not list(folder.glob(".*.tmp"))  # the pack
    cache = CompileCache(folder)
    cache.pack()
    assert cache.hits == 1


def test_the_same_rules_named_from_another_folder_cite_their_files_as_named(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack cites its rule files as they were named; an entry written for one way of
    naming them is not served for another."""
    case = str(CASES / "rule-tests" / "us-export" / "entity-list-table-huawei.yaml")
    monkeypatch.chdir(CASES.parent)
    from_root = CliRunner().invoke(main, ["report", case, "--rules", "rules", "--format", "json"])
    monkeypatch.chdir(CASES)
    from_cases = CliRunner().invoke(main, ["report", case, "--rules", "../rules",
                                           "--format", "json"])
    assert '"rules/us-export/ear-core.yaml' in from_root.output
    assert '"../rules/us-export/ear-core.yaml' in from_cases.output


def test_what_an_unfinished_write_left_is_cleared(folder: Path) -> None:
    folder.mkdir(mode=0o700)
    left = folder / ".abandoned.tmp"
    left.write_bytes(b"half an entry")
    os.utime(left, (1_000_000_000, 1_000_000_000))
    report()
    assert not left.exists()
