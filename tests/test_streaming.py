"""Reports and checks over many files stream: each file's output is written as it is done
and let go, so memory is flat in the number of files (docs/performance.md measures it)."""

from __future__ import annotations

import gc
import json
import shutil
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.evaluate import Engine
from engine.render import checks as render_checks

from .conftest import CASES

SEED = CASES / "anthropic-alibaba-2026.yaml"
SMALL = CASES / "uk-chip-designer-fund-30pct.yaml"


def copies(folder: Path, source: Path, count: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        shutil.copy(source, folder / f"case-{index:04}.yaml")
    return sorted(str(p) for p in folder.glob("*.yaml"))


def test_each_report_is_written_before_the_next_case_is_evaluated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = copies(tmp_path / "cases", SMALL, 3)
    events: list[str] = []
    report = Engine.report

    def recording(self: Engine, case: Any, **options: Any) -> Any:
        events.append("evaluate")
        return report(self, case, **options)

    monkeypatch.setattr(Engine, "report", recording)
    from engine import cli
    echo = cli.click.echo

    def written(message: Any = None, **options: Any) -> None:
        events.append("write")
        echo(message, **options)

    monkeypatch.setattr(cli.click, "echo", written)
    result = CliRunner().invoke(main, ["report", *files, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert events[:4] == ["evaluate", "write", "evaluate", "write"]
    assert [json.loads(line)["case"]["file"] for line in result.output.splitlines()] == files


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_many_reports_as_json_are_one_array_or_one_line_each(tmp_path: Path, fmt: str) -> None:
    files = copies(tmp_path / "cases", SMALL, 3)
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(main, ["report", *files, "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    reports = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    assert [r["case"]["file"] for r in reports] == files
    one = CliRunner().invoke(main, ["report", files[0], "--format", fmt])
    assert isinstance(json.loads(one.output.splitlines()[0] if fmt == "jsonl" else one.output),
                      dict)


def test_check_holds_no_earlier_report_while_it_checks_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The memory live (after a garbage collection) when the 4th and the 32nd file are
    # written: held until the summary, 28 more seed reports are about 4 MiB of Python
    # objects; streamed, nothing of them is left.
    folder = tmp_path / "cases"
    copies(folder, SEED, 32)
    live: dict[int, float] = {}
    add = render_checks.JsonWriter.add

    def probed(self: Any, item: Any) -> None:
        add(self, item)
        if self.cases.count in (4, 32):
            gc.collect()
            live[self.cases.count] = tracemalloc.get_traced_memory()[0] / 2**20

    monkeypatch.setattr(render_checks.JsonWriter, "add", probed)
    out = tmp_path / "check.json"
    tracemalloc.start()
    try:
        result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", "-o",
                                           str(out)])
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert live[32] - live[4] < 1.0, live
    checked = json.loads(out.read_text())
    assert checked["summary"]["files"] == 32 and len(checked["cases"]) == 32
