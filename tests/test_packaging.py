"""A built wheel carries the rule packs and schemas, and finds them when installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def test_a_built_wheel_finds_its_rules_and_schemas(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
         str(ROOT)], capture_output=True, text=True, check=False, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("rex_engine-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    rules = ROOT / "rules"
    shipped = sorted(p.relative_to(rules).as_posix() for p in rules.rglob("*.yaml"))
    assert sorted(n.removeprefix("engine/packs/") for n in names
                  if n.startswith("engine/packs/")) == shipped
    for schema in ("case", "rule", "report"):
        assert f"engine/schemas/{schema}.schema.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import engine.rules as r; p = r.load_rules(); "
        "print(r.default_rules_dir()); print(len(p.rules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"PYTHONPATH": str(site), "PATH": ""}, cwd=tmp_path,
                            check=False)
    assert result.returncode == 0, result.stderr
    folder, count = result.stdout.split()
    assert folder == str(site / "engine" / "packs")
    assert int(count) == len(__import__("engine.rules").rules.load_rules().rules)
