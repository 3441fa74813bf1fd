"""Hostile text in a case file (escape sequences, bidi overrides, markup, characters XML
forbids) goes through every output format as data: each output parses, and none carries a
raw control character or live markup."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from engine.cli import main

NAMES = {
    "clear-screen": "Evil\x1b[2J\x1b[H Ltd",
    "window-title": "Evil\x1b]0;pwned\x07 Ltd",
    "bidi": "Evil \u202egnp.exe Ltd",
    "nul-and-vt": "Evil\x01\x0b Ltd",
    "markup": "Evil <img src=x onerror=alert(1)> [click](https://evil.example) @everyone Ltd",
}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

CASE = """rex: 1
id: hostile
title: "A deal by {name}"
sources:
  - {{id: s, title: Scenario, kind: internal}}
parties:
  - {{id: buyer, name: {quoted}, type: company, country: CN, status: confirmed, source: s}}
  - id: target
    name: Target AI Ltd
    type: company
    country: GB
    status: confirmed
    source: s
    activities:
      artificial-intelligence: {{where: [GB], roles: [develop], purposes: [other]}}
events:
  - {{id: deal, type: share-acquisition, status: confirmed, source: s, by: buyer,
     target: target, shares: {{before: 0, after: 30}}, dates: {{completed: 2023-01-15}}}}
"""


def write_case(tmp_path: Path, name: str) -> Path:
    quoted = json.dumps(name)  # a YAML double-quoted scalar with escapes
    path = tmp_path / "hostile.yaml"
    path.write_text(CASE.format(name=quoted[1:-1], quoted=quoted), encoding="utf-8")
    return path


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.output


HOSTILE = " ".join(NAMES.values())  # every attack in one name: one run of each command


def test_hostile_names_are_data_in_every_output(tmp_path: Path) -> None:
    case = str(write_case(tmp_path, HOSTILE))
    outputs = {
        "text": run("report", case, "--detail"),
        "md": run("report", case, "--format", "md", "--detail"),
        "html": run("report", case, "--format", "html"),
        "check-text": run("check", case),
        "check-md": run("check", case, "--format", "md"),
        "github": run("check", case, "--format", "github"),
        "explain": run("explain", case, "uk-nsi.s8-entity-control"),
    }
    for fmt, text in outputs.items():
        assert not CONTROL.search(text), (fmt, text[:300])
        assert "Evil" in text or fmt in {"check-text", "check-md", "github", "explain"}, fmt
    assert not re.search(r"(?<!\\)<img", outputs["md"])
    assert not re.search(r"(?<!\\)\]\(https://evil", outputs["md"])
    assert not re.search(r"(?<!\\)@everyone", outputs["md"])
    assert "<img" not in outputs["html"] and "&lt;img src=x onerror=alert(1)&gt;" \
        in outputs["html"]
    ET.fromstring(run("check", case, "--format", "junit"))
    json.loads(run("check", case, "--format", "sarif"))
    report = json.loads(run("report", case, "--format", "json"))
    assert report["case"]["title"] == f"A deal by {HOSTILE}"  # JSON keeps the data exact
