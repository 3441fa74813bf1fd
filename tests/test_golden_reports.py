"""Golden reports: the JSON report of every case file in cases/, as a digest per file, so that
a change anywhere in the engine that alters what a user reads shows as a named list of case
files, not only where an expect: block happens to look.

To accept an intended change: REX_UPDATE_GOLDEN=1 pytest tests/test_golden_reports.py, then
read the reports of the files it names (rex report FILE) before committing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from engine.check import case_files, evaluate_file
from engine.evaluate import Engine
from engine.render.json_report import to_dict

from .conftest import CASES, DATA, ROOT

GOLDEN = DATA / "golden" / "reports.json"
TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def digests(engine: Engine) -> dict[str, str]:
    out = {}
    for path in case_files([CASES.relative_to(ROOT)]):
        result = evaluate_file(engine, path, TODAY, NOW)
        body = (to_dict(result.report) if result.report is not None
                else [problem.message for problem in result.problems])
        # A reference table's row cites the rule file it is in, by its absolute path.
        text = json.dumps(body, sort_keys=True, ensure_ascii=False).replace(str(ROOT), "<rex>")
        out[str(path)] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def test_every_report_of_every_case_file_is_the_reviewed_one(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    found = digests(engine)
    if os.environ.get("REX_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(GOLDEN.read_text())
    changed = sorted(name for name in set(found) | set(recorded)
                     if found.get(name) != recorded.get(name))
    assert not changed, (f"{len(changed)} reports differ from the reviewed ones: "
                         f"{', '.join(changed[:20])}; read them, then accept with "
                         "REX_UPDATE_GOLDEN=1 pytest tests/test_golden_reports.py")


def test_the_digests_cover_every_case_file() -> None:
    recorded = json.loads(GOLDEN.read_text())
    files = {str(p.relative_to(ROOT)) for p in Path(CASES).rglob("*.yaml")}
    assert set(recorded) == files
