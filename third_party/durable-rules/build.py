"""Build durable-rules 2.0.28 with rex's fixes and install it into the running interpreter.

durable-rules 2.0.28 is the last release and is built from its source distribution anyway
(PyPI has no wheel for current Pythons). This script fetches that sdist from the package
index, checks its SHA-256, applies ``rex.2.patch`` (docs/durable-rules.md, pitfalls 28 and
29) and installs the result as version ``2.0.28+rex.2``, which satisfies rex's
``durable-rules==2.0.28``.
It needs the package index, gcc, the Python headers and git. Each failure ends in one line
saying what to fix, and exit status 2; pip leaves the previous installation in place.

Usage: python third_party/durable-rules/build.py   (the Makefile runs it when it builds .venv)
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
PATCH = HERE / "rex.2.patch"


class BuildError(Exception):
    """A step failed; the message says what to fix."""


def _run(step: str, args: list[str], cwd: Path | None = None,
         env: dict[str, str] | None = None) -> None:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise BuildError(f"{step} failed: {detail[-1] if detail else 'no output'}")


def build(work: Path) -> None:
    if not (3, 10) <= sys.version_info[:2] < (3, 13):
        raise BuildError("durable-rules 2.0.28 imports on CPython 3.10 to 3.12 only; run this "
                         f"with one of those, not {sys.version.split()[0]}")
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
    _run("building durable-rules (gcc and the Python headers are needed)",
         [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", str(source)])
    _run("importing the fixed build",
         [sys.executable, "-c", "import durable_rules_engine as d; assert d.REX_FIXES >= 2"])


def main() -> int:
    try:
        with tempfile.TemporaryDirectory(prefix="rex-durable-") as tmp:
            build(Path(tmp))
    except BuildError as exc:
        print(f"third_party/durable-rules/build.py: {exc}", file=sys.stderr)
        return 2
    print("durable-rules 2.0.28+rex.2 installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
