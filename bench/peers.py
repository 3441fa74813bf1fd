"""The shared peer benchmark (../shared/peers) inside make bench: six rules in several engines,
run in one process, batch by batch in rotating order (its paired.py), every engine's findings
checked against the plain-Python reference first. rex is there twice: engine only (a parsed
case to matches) and end to end (YAML bytes to the JSON report).

The peer harness lives beside the checkout, as it does in CI; zen-engine is a bench-only
extra (pip install '.[bench]'). Where either is missing the section says so and is skipped.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "peers"
ENGINES = ("python", "durable_rules", "zen", "rex", "rex_e2e")
LABELS = {"python": "plain Python (the reference)", "durable_rules": "raw durable_rules",
          "zen": "zen-engine", "rex": "rex, engine only", "rex_e2e": "rex, end to end"}


def peer_figures(cases: int, blocks: int = 3) -> list[str]:
    """The paired run's table, or one line saying why it was not run."""
    if not (PEERS / "paired.py").exists():
        return [f"Not run: the peer benchmark is not at {PEERS}."]
    if importlib.util.find_spec("zen") is None:
        return ["Not run: zen-engine is not installed (pip install '.[bench]')."]
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "paired"
        run = subprocess.run(
            [sys.executable, str(PEERS / "paired.py"), "--cases", str(cases), "--warmup",
             str(max(50, cases // 10)), "--blocks", str(blocks), "--out", str(out)],
            cwd=PEERS, env={**os.environ, "REX_DIR": str(ROOT)}, capture_output=True,
            text=True, check=False)
        if not out.with_suffix(".json").exists():
            return [f"Not run: paired.py failed ({run.stderr.strip().splitlines()[-1:]})."]
        result = json.loads(out.with_suffix(".json").read_text())
    ratios = result["ratios_median"]
    lines = [f"{cases:,} generated cases (seed {result['seed']}) after {result['warmup']} "
             f"warm-up, batches of {result['batch']} in rotating engine order, {blocks} blocks; "
             "ratios are medians over the blocks, in one process.", "",
             "| engine | cases/s | ÷ raw durable_rules | ÷ zen-engine | ÷ plain Python | "
             "findings differing from the reference |", "|---|---:|---:|---:|---:|---:|"]
    for name in ENGINES:
        lines.append(f"| {LABELS[name]} | {result['cps_overall'][name]:,.0f} | "
                     f"{ratios['durable_rules'][name]:.2f} | {ratios['zen'][name]:.2f} | "
                     f"{ratios['python'][name]:.4f} | {result['mismatches'][name]} |")
    return lines
