"""A built wheel carries the rule packs and schemas, and finds them when installed."""

from __future__ import annotations

import configparser
import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

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
    for schema in ("case", "rule", "rule-source", "report"):
        assert f"engine/schemas/{schema}.schema.json" in names
    packages = sorted(p.parent.relative_to(ROOT).as_posix()
                      for p in (ROOT / "engine").rglob("__init__.py"))
    missing = [p for p in packages if f"{p}/__init__.py" not in names]
    assert not missing, f"packages left out of the wheel (setup.cfg packages): {missing}"
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


def test_the_pre_commit_example_in_the_docs_works_as_written(tmp_path: Path) -> None:
    """docs/ci.md's configuration, with only the repository URL pointed at this clone: its
    `rev` must be the tag of this release, and its hooks must run and gate."""
    text = (ROOT / "docs" / "ci.md").read_text()
    section = text[text.index("## pre-commit"):]
    config = section[section.index("```yaml\n") + 8:section.index("```\n", 10)]
    url = next(line.split("repo:", 1)[1].split()[0] for line in config.splitlines()
               if "repo:" in line)
    rev = next(line.split("rev:", 1)[1].split()[0] for line in config.splitlines()
               if "rev:" in line)
    assert rev == f"v{__import__('engine').__version__}", "the example names another release"
    # The tag is made when a release is cut; a CI checkout may carry no tags, so a clone of
    # this checkout stands in for the published repository, tagged where the tag is missing.
    published = tmp_path / "rex"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(published)], check=True,
                   capture_output=True, timeout=300)
    tagged = subprocess.run(["git", "-C", str(published), "rev-parse", "-q", "--verify",
                             f"refs/tags/{rev}"], capture_output=True, check=False)
    if tagged.returncode != 0:
        subprocess.run(["git", "-C", str(published), "tag", rev], check=True,
                       capture_output=True)
    repo = tmp_path / "case-files"
    (repo / "cases").mkdir(parents=True)
    (repo / ".pre-commit-config.yaml").write_text(config.replace(url, str(published)))
    good = (ROOT / "cases" / "rule-tests" / "uk-nsi" / "s8-shares-25-exactly.yaml").read_text()
    (repo / "cases" / "good.yaml").write_text(good)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True,
                              timeout=300, check=False)

    run("git", "init", "-q")
    run("git", "add", "-A")
    passed = run(str(Path(sys.executable).parent / "pre-commit"), "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "rex validate (case files)" in passed.stdout and "Passed" in passed.stdout
    (repo / "cases" / "crossing.yaml").write_text(
        (ROOT / "cases" / "rule-tests" / "uk-nsi" / "s8-shares-cross-25.yaml").read_text())
    run("git", "add", "-A")
    gated = run(str(Path(sys.executable).parent / "pre-commit"), "run", "--all-files")
    assert gated.returncode == 1 and "findings at or above the gate" in gated.stdout


def test_no_resolver_can_satisfy_the_engine_requirement_with_the_stock_build() -> None:
    """setup.cfg pins the patched durable-rules by a local version that no index serves."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    requires = [Requirement(line) for line in config["options"]["install_requires"].splitlines()
                if line.strip() and not line.strip().startswith("#")]
    (durable,) = [r for r in requires if r.name == "durable-rules"]
    assert not durable.specifier.contains("2.0.28")
    assert durable.specifier.contains(importlib.metadata.version("durable-rules"))
    assert "durable_rules-2.0.28.tar.gz" in (ROOT / "third_party" / "durable-rules" /
                                             "build.py").read_text()


BLOCKED = ("import sys\n"
           "sys.modules['durable_rules_engine'] = None  # as if durable-rules were not installed\n"
           "sys.modules['durable'] = None\n"
           "sys.argv = ['rex', *sys.argv[1:]]\n"
           "from engine.cli import main\n"
           "main()\n")


@pytest.mark.parametrize("args", [
    ["validate", "cases/anthropic-alibaba-2026.yaml"],
    ["rules", "list", "--regime", "uk-nsi"],
    ["rules", "show", "uk-nsi.s14-mandatory-notification"],
    ["rules", "lint"],
    ["screen", "Huawei"],
])
def test_commands_that_match_nothing_run_without_durable_rules(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-c", BLOCKED, *args], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_command_that_matches_says_in_one_line_that_durable_rules_is_missing() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCKED, "report",
                             "cases/anthropic-alibaba-2026.yaml"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "the rule engine durable-rules is not installed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_rex_help_loads_click_and_not_the_library() -> None:
    """Commands import what they need when they run: asking for help reads no schema, rule
    pack, renderer or rule engine."""
    probe = ("import sys\n"
             "sys.argv = ['rex', '--help']\n"
             "from engine.cli import main\n"
             "try:\n"
             "    main()\n"
             "except SystemExit:\n"
             "    pass\n"
             "heavy = ('jsonschema', 'yaml', 'engine.evaluate', 'engine.render', 'engine.cases',\n"
             "         'durable', 'networkx', 'ruamel')\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
             "             or any(m.startswith(h + '.') or m == h for h in heavy)))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_formats_rex_help_names_are_the_registries() -> None:
    from engine import screening
    from engine.cli import common
    from engine.render import RENDERERS, check_writers

    assert set(common.REPORT_FORMATS) == set(RENDERERS)
    assert set(common.CHECK_FORMATS) == set(check_writers())
    assert common.SCREEN_THRESHOLD == screening.THRESHOLD
