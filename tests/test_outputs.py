"""Where rex writes: never over an input, devices and symlinks in place, the umask's mode,
and gates that cannot be misspelt into silence."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

from .conftest import CASES

SEED = CASES / "rule-tests" / "uk-nsi" / "s8-shares-cross-25.yaml"
REX = Path(sys.executable).parent / "rex"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture()
def case(tmp_path: Path) -> Path:
    copy = tmp_path / "case.yaml"
    shutil.copy(SEED, copy)
    return copy


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
def test_an_output_that_is_an_input_is_refused_however_it_is_spelt(
        case: Path, spelling: str) -> None:
    original = case.read_bytes()
    target = {"same": str(case), "dotted": str(case.parent / "." / case.name),
              "symlink": str(case.parent / "link.yaml")}[spelling]
    if spelling == "symlink":
        Path(target).symlink_to(case)
    for args in (["report", str(case), "-o", target],
                 ["check", str(case), "--output", target],
                 ["check", str(case), "--baseline", target, "--update-baseline"]):
        code, output = run(*args)
        assert code == 2 and "would overwrite an input file" in output, args
    assert case.read_bytes() == original


def test_a_new_output_file_gets_the_umask_mode_and_an_old_one_keeps_its_own(
        case: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    previous = os.umask(0o022)
    try:
        assert run("report", str(case), "-o", str(out))[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o640)
        assert run("report", str(case), "-o", str(out))[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
    finally:
        os.umask(previous)


def test_a_symlinked_output_is_written_through_to_its_target(case: Path, tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert run("report", str(case), "-o", str(link))[0] == 0
    assert link.is_symlink() and "rex brief" in target.read_text()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_device_or_stdout_is_a_one_line_error() -> None:
    result = subprocess.run([str(REX), "report", str(SEED), "-o", "/dev/full"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "No space left" in result.stderr
    with Path("/dev/full").open("w") as full:
        result = subprocess.run([str(REX), "report", str(SEED)], stdout=full,
                                stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("rex: error:") and "internal error" not in result.stderr


@pytest.mark.parametrize("gate, message", [
    ("us-exports=possible", "did you mean 'us-export'?"),
    ("maybe", "the status must be triggered, alleged or possible"),
    ("uk-nsi=sure", "the status must be"),
])
def test_a_misspelt_gate_is_a_usage_error(gate: str, message: str) -> None:
    code, output = run("check", str(SEED), "--fail-on", gate)
    assert code == 2 and message in output and "internal error" not in output


def test_a_device_is_written_in_place_not_replaced() -> None:
    assert run("report", str(SEED), "-o", os.devnull)[0] == 0
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find workers")
def test_a_killed_worker_ends_the_check_with_exit_2_naming_the_file() -> None:
    import signal
    import time

    folder = CASES / "rule-tests"
    proc = subprocess.Popen([str(REX), "check", str(folder), "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    for _ in range(2000):  # poll for the workers, up to a generous bound on a loaded machine
        workers = [c for c in _children(proc.pid) if b"spawn_main" in _cmdline(c)]
        if workers or proc.poll() is not None:
            break
        time.sleep(0.01)
    assert workers, "no worker started"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)  # a hang guard, not a performance bound
    assert proc.returncode == 2, stderr
    assert "a worker process died while checking" in stderr and ".yaml" in stderr
    assert "Traceback" not in stderr
