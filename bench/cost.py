"""Peak memory and CPU time of inputs at the limits, each in a fresh process beside a baseline.

Each command runs as ``rex ...`` in its own child process; the child's peak RSS and CPU time
are read from ``getrusage`` of a wrapper that runs nothing else, so one measurement cannot
inherit another's peak. The baseline is the same command on the seed case, run alongside.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .generate import ownership_chain, to_yaml

PROBE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(done.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)\n"
)


def measure(command: list[str]) -> tuple[int, float, float]:
    """(exit status, CPU seconds, peak RSS in MiB) of one command in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True,
                          text=True, check=True)
    code, cpu, peak_kib = done.stdout.split()
    return int(code), float(cpu), int(peak_kib) / 1024


def bounded_cost(seed: Path, chain_length: int = 1000) -> list[str]:
    """Markdown rows: the limits' worst cases against the seed case."""
    rex = str(Path(sys.executable).parent / "rex")
    with tempfile.TemporaryDirectory() as folder:
        chain = Path(folder) / f"chain-{chain_length}.yaml"
        chain.write_bytes(to_yaml(ownership_chain(chain_length)))
        flow = Path(folder) / "flow-list.yaml"
        flow.write_bytes(b"parties: [" + b"a," * 2_600_000 + b"a]\n")
        runs = [
            ("`rex report` on the seed case (baseline)", [rex, "report", str(seed)], None),
            (f"`rex report` on a {chain_length:,}-company ownership chain",
             [rex, "report", str(chain)], 0),
            ("`rex validate` on the seed case (baseline)", [rex, "validate", str(seed)], None),
            ("`rex validate` refusing a 5 MiB flow list of 2.6 million nodes",
             [rex, "validate", str(flow)], 2),
        ]
        rows = ["| command | exit | CPU s | peak RSS MiB | ratio to its baseline |",
                "|---|---:|---:|---:|---:|"]
        baseline = 1.0
        for label, command, expected in runs:
            code, cpu, peak = measure(command)
            if expected is None:
                baseline = peak
            elif code != expected:
                raise SystemExit(f"{label}: exit status {code}, expected {expected}")
            rows.append(f"| {label} | {code} | {cpu:.1f} | {peak:.0f} | {peak / baseline:.2f} |")
    return rows


def streaming_cost(seed: Path, few: int = 300, many: int = 3000) -> list[str]:
    """Markdown rows: peak memory of ``rex check`` and ``rex report`` over ``few`` and ``many``
    copies of the seed case. Both stream (one report at a time), so the peak must not grow
    with the number of files. ``rex report`` ranks every case's questions (about a second
    of CPU for the seed case), so it runs over a tenth as many files."""
    rex = str(Path(sys.executable).parent / "rex")
    rows = ["| command | files | exit | CPU s | peak RSS MiB | growth MiB |",
            "|---|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        runs = [("`rex check --format json`", "check", few, many),
                ("`rex report --format jsonl`", "report", few // 10, many // 10)]
        for label, verb, small, large in runs:
            first = None
            for count in (small, large):
                cases = Path(folder) / f"{verb}-{count}"
                cases.mkdir()
                text = seed.read_bytes()
                for index in range(count):
                    (cases / f"case-{index:05}.yaml").write_bytes(text)
                if verb == "check":
                    command = [rex, "check", str(cases), "--format", "json", "-o", str(out)]
                else:
                    command = [rex, "report", *sorted(map(str, cases.glob("*.yaml"))),
                               "--format", "jsonl", "-o", str(out)]
                code, cpu, peak = measure(command)
                if code not in (0, 1):
                    raise SystemExit(f"{label} over {count} files: exit status {code}")
                first = peak if first is None else first
                rows.append(f"| {label} | {count:,} | {code} | {cpu:.1f} | {peak:.0f} | "
                            f"{peak - first:+.0f} |")
    return rows
