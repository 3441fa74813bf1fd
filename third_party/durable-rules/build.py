"""Build durable-rules 2.0.28 with rex's fixes and install it into the running interpreter.

durable-rules 2.0.28 is the last release and is built from its source distribution anyway
(PyPI has no wheel for current Pythons). This script fetches that sdist from the package
index, checks its SHA-256, applies ``rex.1.patch`` (docs/durable-rules.md, pitfall 28) and
installs the result as version ``2.0.28+rex.1``, which satisfies rex's ``durable-rules==2.0.28``.

Usage: python third_party/durable-rules/build.py   (the Makefile runs it when it builds .venv)
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SDIST = "durable_rules-2.0.28.tar.gz"
SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
PATCH = HERE / "rex.1.patch"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="rex-durable-") as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", "--dest", str(work), "durable-rules==2.0.28"],
                       check=True)
        sdist = work / SDIST
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != SHA256:
            print(f"{SDIST}: SHA-256 {digest} is not the expected {SHA256}", file=sys.stderr)
            return 2
        with tarfile.open(sdist) as archive:
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12 and later
                archive.extractall(work, filter="data")
            else:  # the archive's SHA-256 was checked above
                archive.extractall(work)
        source = work / "durable_rules-2.0.28"
        # Its own repository, so that git applies the patch relative to the source tree even
        # when the temporary directory lies inside another work tree.
        subprocess.run(["git", "init", "--quiet"], cwd=source, check=True)
        subprocess.run(["git", "apply", "--whitespace=nowarn", str(PATCH)], cwd=source,
                       check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        str(source)], check=True)
    check = subprocess.run([sys.executable, "-c",
                            "import durable_rules_engine as d; print(d.REX_FIXES)"],
                           capture_output=True, text=True, check=False)
    if check.returncode != 0:
        print("the patched durable-rules did not import: " + check.stderr.strip(),
              file=sys.stderr)
        return 2
    print(f"durable-rules 2.0.28+rex.1 installed (fixes: {check.stdout.strip()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
