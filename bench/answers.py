"""What one answer costs in rex ask (make bench): the answer checked and written into the
case text, the case matched again, and the report with its questions ranked again, against
a full evaluation of the case (rex report) timed beside it in the same process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.answers import Answer, apply_answers
from engine.cases import load_case
from engine.evaluate import Engine

ANSWERS = ("model-access.obtained_by=reverse-engineering", "model-access.computer_access=yes",
           "model-access.date=2024-03")


def _median(body: Callable[[], Any], reps: int) -> float:
    runs = []
    for _ in range(reps):
        start = time.perf_counter()
        body()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def answer_cost(engine: Engine, seed: Path, reps: int = 3) -> list[str]:
    case = load_case(seed)
    answers = [Answer.parse(text) for text in ANSWERS]
    written = apply_answers(seed, answers[:1], "article", "alleged")
    steps = {
        "write the answer into the case text and validate it":
            lambda: apply_answers(seed, answers[:1], "article", "alleged"),
        "match the answered case (durable_rules)": lambda: engine.matches(written.case),
        "build the report, questions not ranked": lambda: engine.report(written.case),
        "build the report with its questions ranked (what rex ask shows)":
            lambda: engine.report(written.case, questions=True),
    }
    full = _median(lambda: engine.report(case, questions=True), reps)
    lines = ["| step, per answer | ms | share of a full evaluation |", "|---|---:|---:|"]
    took = {}
    for label, body in steps.items():
        took[label] = _median(body, reps)
        lines.append(f"| {label} | {took[label] * 1000:.1f} | {took[label] / full:.2f} |")
    match = took["match the answered case (durable_rules)"]
    lines += ["", f"A full evaluation of the seed case (rex report, questions ranked) took "
              f"{full * 1000:.0f} ms. Ranking the questions again is most of an answer's "
              f"cost; matching again is {match * 1000:.0f} ms ({match / full:.0%}), so keeping "
              "the durable_rules session and asserting only the answered fact would save at "
              "most that."]
    return lines
