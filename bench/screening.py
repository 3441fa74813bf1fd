"""Screening cost (make bench): names scored against the shipped tables and against a table
of the largest size a rule file may hold, and what near matches add to preparing a case.

Each figure is a ratio to a baseline timed in the same process, interleaved: the exact
lookup by folded name that matching did before near matches were scored.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from engine.cases import case_from_document
from engine.evaluate import Engine
from engine.screening import Row, Screener, name_key, rows_of, screen
from engine.yamlio import load_bytes

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "tests" / "data" / "screening" / "names.yaml"
LARGEST_TABLE = 5_000
"""Rows a table may hold (engine/schemas/rule.schema.json)."""


def _median(body: Callable[[], Any], baseline: Callable[[], Any], reps: int) -> tuple[float, float]:
    """Median seconds of ``body`` and of ``baseline``, run in turn ``reps`` times."""
    mine, base = [], []
    for _ in range(reps):
        for runs, run in ((base, baseline), (mine, body)):
            start = time.perf_counter()
            run()
            runs.append(time.perf_counter() - start)
    return statistics.median(mine), statistics.median(base)


def synthetic_rows(count: int, seed: int = 20261204) -> list[Row]:
    """``count`` company names made of the test set's words, each with one alias."""
    data = yaml.safe_load(SET.read_text(encoding="utf-8"))
    vocab = sorted({word for item in data["listed"] for word in item["entry"].split()} |
                   {word for name in data["unrelated"] for word in name.split()})
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        name = " ".join(rng.sample(vocab, 3)) + " Co., Ltd."
        rows.append(Row("synthetic", f"{name} {index}", (name.split()[0] + f" {index}",),
                        "CN", None))
    return rows


def screening_cost(engine: Engine, seed: Path, reps: int = 5) -> list[str]:
    data = yaml.safe_load(SET.read_text(encoding="utf-8"))
    names = [v for item in data["listed"] for v in item["variants"]] + list(data["unrelated"])
    shipped = rows_of(engine.pack.reference)
    largest = synthetic_rows(LARGEST_TABLE)
    lines = ["| names screened | rows (names listed) | screen: ms per name | exact lookup: ms "
             "per name | ratio |", "|---|---:|---:|---:|---:|"]
    for label, rows in (("shipped tables", shipped), (f"{LARGEST_TABLE:,} rows", largest)):
        index = {name_key(text): row for row in rows for text in (row.entry, *row.aliases)}
        listed = sum(1 + len(row.aliases) for row in rows)
        fuzzy, exact = _median(lambda rows=rows: screen(names, rows),
                               lambda index=index: [index.get(name_key(n)) for n in names],
                               reps)
        lines.append(f"| {len(names)} ({label}) | {len(rows):,} ({listed:,}) | "
                     f"{fuzzy * 1000 / len(names):.3f} | {exact * 1000 / len(names):.4f} | "
                     f"{fuzzy / exact:.0f} |")
    case = case_from_document(load_bytes(seed.read_bytes(), str(seed)))
    without = Screener(())
    with_near = engine.screener

    def prepare(screener: Screener) -> Callable[[], Any]:
        def run() -> Any:
            engine.screener = screener
            for _ in range(50):
                engine.prepare(case)
        return run

    try:
        near, plain = _median(prepare(with_near), prepare(without), reps)
    finally:
        engine.screener = with_near
    lines += ["", f"Preparing the seed case ({sum(o.kind == 'name' for o in case.objects)} "
              f"party names) for the rules: {near * 1000 / 50:.2f} ms with near matches "
              f"scored, {plain * 1000 / 50:.2f} ms with the exact lookup alone "
              f"(ratio {near / plain:.2f})."]
    return lines
