"""What one answer costs in rex ask (make bench): the answer checked and written into the
case text, the case matched again, and the report with its questions ranked again, against
a full evaluation of the case (rex report) timed beside it in the same process."""

from __future__ import annotations

import itertools
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
    kept, again, share = _matching(engine, seed, reps)
    session, fresh, reused, tried = _session(engine, seed)
    lines += ["", f"A full evaluation of the seed case (rex report, questions ranked) took "
              f"{full * 1000:.0f} ms. Ranking the questions again is most of an answer's "
              f"cost; matching again from scratch is {match * 1000:.0f} ms ({match / full:.0%}). "
              "rex ask keeps the case in the durable_rules session and asserts and retracts "
              f"only the facts an answer changes: {kept * 1000:.1f} ms an answer against "
              f"{again * 1000:.1f} ms for matching the answered case afresh (ratio "
              f"{kept / again:.2f}; {share:.0%} of the case's stored facts asserted again, "
              "median of the three answers). It also keeps each question's trial answers and "
              "tries again only the questions whose rules the answer can touch: over three "
              f"answers ({', '.join(ANSWERS)}) an answer took {session * 1000:.0f} ms in all, "
              "against "
              f"{fresh * 1000:.0f} ms for a full evaluation of the answered case "
              f"(ratio {session / fresh:.2f}); {reused} of {reused + tried} question rankings "
              "were taken over."]
    return lines


def _matching(engine: Engine, seed: Path, reps: int) -> tuple[float, float, float]:
    """Median seconds to match each answered case with the case before it kept in the
    session, and afresh in a second session of the same program; the median share of the
    stored facts an answer asserted again."""
    from engine.compiler import encode_case
    from engine.matchers.durable import Session

    program = engine.program(None)
    steps = [load_case(seed)]
    text = None
    for answer in ANSWERS:
        written = apply_answers(seed, [Answer.parse(answer)], "article", "alleged", text=text)
        steps.append(written.case)
        text = written.text
    facts = [encode_case(engine.prepare(case), program.encoding) for case in steps]
    session, other = engine.session(None), Session(program, label="+bench")
    kept, fresh, shares = [], [], []
    try:
        for _ in range(reps):
            for before, after in itertools.pairwise(facts):
                session.run_kept(before)
                start = time.perf_counter()
                session.run_kept(after)
                kept.append(time.perf_counter() - start)
                assert session.kept is not None
                shares.append(session.kept.asserted / sum(map(len, session.kept.stored.values())))
                start = time.perf_counter()
                other.run(after)
                fresh.append(time.perf_counter() - start)
    finally:
        session.release()
    return statistics.median(kept), statistics.median(fresh), statistics.median(shares)


def _session(engine: Engine, seed: Path) -> tuple[float, float, int, int]:
    """Median seconds per answer in an interview, and per full evaluation of the same
    answered case; how many question rankings the session took over and how many it ran."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / seed.name
        shutil.copy(seed, copy)
        with engine.kept():
            interview = Interview.start(copy, engine, load_case(copy), "article", "alleged")
            start_tried = interview.ranks.tried
            answered, cases = [], []
            for text in ANSWERS:
                answer = Answer.parse(text)
                start = time.perf_counter()
                interview.answer(answer.path, answer.value)
                answered.append(time.perf_counter() - start)
                assert interview.written is not None
                cases.append(interview.written.case)
        full = []
        for case in cases:
            start = time.perf_counter()
            engine.report(case, questions=True)
            full.append(time.perf_counter() - start)
        return (statistics.median(answered), statistics.median(full), interview.ranks.reused,
                interview.ranks.tried - start_tried)
