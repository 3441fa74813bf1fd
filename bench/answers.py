"""What one answer costs in rex ask (make bench): the answer checked and written into the
case text, the case matched again, and the report with its questions ranked again, against
a full evaluation of the case (rex report) timed beside it in the same process."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.answers import Answer, apply_answers
from engine.cases import load_case
from engine.evaluate import Engine
from engine.interview import Interview

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
    session, fresh, reused, tried = _session(engine, seed)
    lines += ["", f"A full evaluation of the seed case (rex report, questions ranked) took "
              f"{full * 1000:.0f} ms. Ranking the questions again is most of an answer's "
              f"cost; matching again is {match * 1000:.0f} ms ({match / full:.0%}), so keeping "
              "the durable_rules session and asserting only the answered fact would save at "
              "most that. rex ask instead keeps each question's trial answers and tries again "
              "only the questions whose rules the answer can touch: over three answers "
              f"({', '.join(ANSWERS)}) an answer took {session * 1000:.0f} ms in all, against "
              f"{fresh * 1000:.0f} ms for a full evaluation of the answered case "
              f"(ratio {session / fresh:.2f}); {reused} of {reused + tried} question rankings "
              "were taken over."]
    return lines


def _session(engine: Engine, seed: Path) -> tuple[float, float, int, int]:
    """Median seconds per answer in an interview, and per full evaluation of the same
    answered case; how many question rankings the session took over and how many it ran."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / seed.name
        shutil.copy(seed, copy)
        interview = Interview.start(copy, engine, load_case(copy), "article", "alleged")
        start_tried = interview.ranks.tried
        answered, full = [], []
        for text in ANSWERS:
            answer = Answer.parse(text)
            start = time.perf_counter()
            interview.answer(answer.path, answer.value)
            answered.append(time.perf_counter() - start)
            assert interview.written is not None
            start = time.perf_counter()
            engine.report(interview.written.case, questions=True)
            full.append(time.perf_counter() - start)
        return (statistics.median(answered), statistics.median(full), interview.ranks.reused,
                interview.ranks.tried - start_tried)
