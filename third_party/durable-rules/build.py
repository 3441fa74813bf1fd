"""Build durable-rules 2.0.28 with rex's fixes into a wheelhouse, and install it.

durable-rules 2.0.28 is the last release and is built from its source distribution anyway
(PyPI has no wheel for current Pythons). This script fetches that sdist from the package
index, checks its SHA-256, applies ``rex.3.patch`` (docs/durable-rules.md, pitfalls 28 and
29, and the port to CPython 3.13, which removed ``PyEval_CallObject``), builds a wheel of
version ``2.0.28+rex.3`` into the wheelhouse and installs it from there.

rex requires ``durable-rules==2.0.28+rex.3``: a local version that no package index can
serve, so neither pip nor another resolver can satisfy it with the stock build. A wheel
already in the wheelhouse for this interpreter is installed without building, which is how
a team installs rex on machines without a compiler: build the wheelhouse once per platform
and Python version, copy it, and install with ``pip install --find-links WHEELHOUSE``.
Building needs the package index, gcc, the Python headers and git. Each failure ends in one
line saying what to fix, and exit status 2; pip leaves the previous installation in place.

Usage: python third_party/durable-rules/build.py [WHEELHOUSE]   (default: ./wheelhouse; the
Makefile runs it when it builds .venv)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SDIST = "durable_rules-2.0.28.tar.gz"
SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
PATCH = HERE / "rex.3.patch"
VERSION = "2.0.28+rex.3"
SUPPORTED = ((3, 10), (3, 13))
"""The oldest and the newest CPython the patched build is built and tested on."""


class BuildError(Exception):
    """A step failed; the message says what to fix."""


def _run(step: str, args: list[str], cwd: Path | None = None,
         env: dict[str, str] | None = None) -> None:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise BuildError(f"{step} failed: {detail[-1] if detail else 'no output'}")


def built_wheel(wheelhouse: Path) -> Path | None:
    """The wheel in the wheelhouse that this interpreter can install, if any."""
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    found = sorted(wheelhouse.glob(f"durable_rules-{VERSION}-{tag}-{tag}-*.whl"))
    return found[-1] if found else None


def build(work: Path, wheelhouse: Path) -> None:
    if not SUPPORTED[0] <= sys.version_info[:2] <= SUPPORTED[1]:
        raise BuildError("rex's build of durable-rules 2.0.28 supports CPython 3.10 to 3.13; "
                         f"run this with one of those, not {sys.version.split()[0]}")
    if shutil.which("git") is None:
        raise BuildError("git is needed to apply the patch; install git")
    _run("downloading durable-rules 2.0.28 from the package index (check the network or "
         "PIP_INDEX_URL)",
         [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
          "--no-binary", "durable-rules", "--dest", str(work), "durable-rules==2.0.28"])
    sdist = work / SDIST
    if not sdist.is_file():
        raise BuildError(f"the package index did not provide {SDIST}")
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SHA256:
        raise BuildError(f"{SDIST} has SHA-256 {digest}, not the expected {SHA256}")
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):  # 3.10.12+, 3.11.4+, 3.12
            archive.extractall(work, filter="data")
        else:  # the archive's SHA-256 was checked above
            archive.extractall(work)
    source = work / "durable_rules-2.0.28"
    # Its own repository, so that git applies the patch relative to the source tree even when
    # the temporary directory lies inside another work tree or a hook has set GIT_DIR.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    _run("git init", ["git", "init", "--quiet"], cwd=source, env=env)
    _run(f"applying {PATCH.name}", ["git", "apply", "--whitespace=nowarn", str(PATCH)],
         cwd=source, env=env)
    wheelhouse.mkdir(parents=True, exist_ok=True)
    _run("building durable-rules (gcc and the Python headers are needed)",
         [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
          str(wheelhouse), str(source)])


def install(wheel: Path) -> None:
    _run(f"installing {wheel.name}",
         [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
          str(wheel)])
    _run("importing the fixed build",
         [sys.executable, "-c", "import durable_rules_engine as d; assert d.REX_FIXES >= 2"])


def main(argv: list[str]) -> int:
    wheelhouse = Path(argv[0] if argv else "wheelhouse").resolve()
    try:
        wheel = built_wheel(wheelhouse)
        if wheel is None:
            with tempfile.TemporaryDirectory(prefix="rex-durable-") as tmp:
                build(Path(tmp), wheelhouse)
            wheel = built_wheel(wheelhouse)
            if wheel is None:
                raise BuildError(f"pip built no wheel of durable-rules {VERSION} for this "
                                 f"interpreter in {wheelhouse}")
        install(wheel)
    except BuildError as exc:
        print(f"third_party/durable-rules/build.py: {exc}", file=sys.stderr)
        return 2
    print(f"durable-rules {VERSION} installed from {wheel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
