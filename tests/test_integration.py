"""The CI integrations in docs/ci.md: the pre-commit hooks for real, and the GitHub Actions and
GitLab CI examples as far as this machine allows (their YAML and their rex commands)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import CASES, ROOT

BIN = Path(sys.executable).parent


def _blocks() -> list[Any]:
    text = (ROOT / "docs" / "ci.md").read_text()
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def _workflow(key: str) -> Any:
    return next(block for block in _blocks() if isinstance(block, dict) and key in block)


def _rex_commands(steps: list[str]) -> list[list[str]]:
    out = []
    for step in steps:
        command = step.split("#")[0].strip()
        if command.startswith("rex "):
            out.append(shlex.split(command)[1:])
    return out


def _run_rex(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "rex"), *args], cwd=cwd, capture_output=True, text=True,
                          check=False)


@pytest.fixture
def team_repo(tmp_path: Path) -> Path:
    """A repository of case files as a compliance team would keep one."""
    repo = tmp_path / "team"
    (repo / "cases").mkdir(parents=True)
    for name in ("s8-shares-cross-25.yaml", "s9-licence-of-model-weights.yaml"):
        shutil.copy(CASES / "rule-tests" / "uk-nsi" / name, repo / "cases" / name)
    return repo


def _assert_fixed_engine_installed_first(lines: list[str]) -> None:
    """rex refuses a stock durable-rules build: the job builds the fixed one before rex."""
    script = "\n".join(lines)
    assert "third_party/durable-rules/build.py" in script
    assert script.index("third_party/durable-rules/build.py") < script.index("pip install")


def test_the_github_workflow_is_valid_and_its_commands_run(team_repo: Path) -> None:
    workflow = _workflow("jobs")
    steps = workflow["jobs"]["check"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql"))
    commands = _rex_commands([s["run"] for s in steps if "run" in s])
    assert commands
    _assert_fixed_engine_installed_first([s["run"] for s in steps if "run" in s])
    record = _run_rex(["check", "cases/", "--baseline", "rex-baseline.json",
                       "--update-baseline"], team_repo)
    assert record.returncode == 0, record.stderr
    for args in commands:
        result = _run_rex(args, team_repo)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert (team_repo / upload["with"]["sarif_file"]).is_file()


def test_the_gitlab_job_is_valid_and_its_commands_run(team_repo: Path) -> None:
    job = _workflow("rex")["rex"]
    assert job["artifacts"]["reports"]["junit"] == "rex-junit.xml"
    _assert_fixed_engine_installed_first(job["script"])
    _run_rex(["check", "cases/", "--baseline", "rex-baseline.json", "--update-baseline"],
             team_repo)
    for args in _rex_commands(job["script"]):
        result = _run_rex(args, team_repo)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert (team_repo / "rex-junit.xml").read_text().startswith("<?xml")


def test_the_pre_commit_hooks_run_for_real(team_repo: Path) -> None:
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (make installs the dev extras)")
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                      check=False).returncode != 0:
        pytest.skip("the project is not a git checkout")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in hooks} == {"rex-validate", "rex-check"}
    assert {hook["language"] for hook in hooks} == {"system"}  # the rex with the fixed engine
    (team_repo / "cases" / "broken.yaml").write_text("rex: 1\nid: broken\n")
    subprocess.run(["git", "init", "-q"], cwd=team_repo, check=True)
    subprocess.run(["git", "add", "."], cwd=team_repo, check=True)
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(team_repo.parent),
           "PRE_COMMIT_HOME": str(team_repo.parent / "pre-commit-cache")}
    results = {}
    for hook in ("rex-validate", "rex-check"):
        results[hook] = subprocess.run(
            [str(pre_commit), "try-repo", str(ROOT), hook, "--all-files"], cwd=team_repo,
            capture_output=True, text=True, env=env, check=False, timeout=600)
    for hook, result in results.items():
        assert result.returncode == 1, (hook, result.stdout, result.stderr)
        assert "broken.yaml" in result.stdout and "Traceback" not in result.stdout
    assert "s8-shares-cross-25.yaml: valid" in results["rex-validate"].stdout
    (team_repo / "cases" / "broken.yaml").unlink()
    subprocess.run(["git", "add", "-A"], cwd=team_repo, check=True)
    passed = subprocess.run([str(pre_commit), "try-repo", str(ROOT), "rex-check", "--all-files"],
                            cwd=team_repo, capture_output=True, text=True, env=env, check=False,
                            timeout=600)
    assert passed.returncode == 0, passed.stdout
