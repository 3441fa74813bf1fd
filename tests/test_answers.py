"""Answers written back into case files: `rex answer` for scripts, `rex ask` in a terminal.
The file changes only where an answer goes; comments and layout stay as they were."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from engine.answers import Answer, apply_answers
from engine.cases import load_case
from engine.cli import main
from engine.errors import InputError
from engine.evaluate import Engine
from engine.interview import Interview, run
from engine.rules import load_rules

from .conftest import CASES

SEED = CASES / "anthropic-alibaba-2026.yaml"
FLOWING = CASES / "rule-tests" / "uk-nsi" / "s8-thresholds-crossed.yaml"


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    copy = tmp_path / "seed.yaml"
    shutil.copy(SEED, copy)
    return copy


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def _without(data: Any, paths: list[str]) -> Any:
    """The case data with the facts at ``paths`` (OBJECT.FIELD) removed."""
    for path in paths:
        object_id, _, field = path.partition(".")
        for section in ("parties", "assets", "events"):
            for item in data.get(section) or ():
                if item.get("id") == object_id:
                    *parents, last = field.split(".")
                    here = item
                    for key in parents:
                        here = here.get(key) or {}
                    here.pop(last, None)
    return data


def test_rex_answer_writes_each_answer_with_its_status_and_source(seed: Path) -> None:
    before = seed.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, [
        "answer", str(seed), "model-access.computer_access=yes",
        "model-access.obtained_by=reverse-engineering", "--source", "article", "--alleged"])
    assert result.exit_code == 0, result.output
    after = seed.read_text(encoding="utf-8")
    assert "computer_access: {value: true, status: alleged, source: article}" in after
    assert "obtained_by: {value: reverse-engineering, status: alleged, source: article}" in after
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert len(added) == 2 and not removed
    assert _comments(after) == _comments(before)
    assert "falls away (was possible): Economic espionage (18 U.S.C. 1831)" in result.output
    load_case(seed)  # still a valid case


def test_a_partial_date_answered_replaces_it_and_nothing_else(seed: Path) -> None:
    written = apply_answers(seed, [Answer("model-access.date", "2024-03")], "article",
                            "alleged")
    old = _without(yaml.safe_load(written.before), ["model-access.dates.occurred"])
    new = _without(yaml.safe_load(written.text), ["model-access.dates.occurred"])
    assert old == new
    assert "occurred: {value: 2024-03, status: alleged, source: article, note:" in written.text
    case = written.case
    [event] = [obj for obj in case.objects if obj.id == "model-access"]
    assert str(event.facts["dates.occurred"].value) == "2024-03"


@pytest.mark.parametrize("answer, message", [
    ("model-acess.computer_access=yes", "no party, asset or event 'model-acess' in the case "
     "(did you mean model-access?)"),
    ("model-access.computer_acess=yes", "an event has no fact 'computer_acess'"),
    ("model-access.computer_access=maybe", "not a yes or no (answer yes or no)"),
    ("model-access.obtained_by=reverse-engineerin",
     "'reverse-engineerin' is not an allowed value (did you mean reverse-engineering?)"),
    ("london-project.assets=models", "names 'models', which is not an asset in this case "
     "(assets: anthropic-models)"),
    ("model-access.dates.started=2024-02-30", "2024-02-30 is not a day of the calendar"),
    ("model-access", "'model-access' is not an answer"),
])
def test_a_bad_path_or_value_is_one_line_exit_2_and_the_file_unchanged(
        seed: Path, answer: str, message: str) -> None:
    before = seed.read_bytes()
    result = CliRunner().invoke(main, ["answer", str(seed), answer, "--source", "article"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert seed.read_bytes() == before


def test_an_unknown_source_names_the_case_sources(seed: Path) -> None:
    result = CliRunner().invoke(main, ["answer", str(seed), "model-access.computer_access=no",
                                       "--source", "blog"])
    assert result.exit_code == 2
    assert "--source 'blog' is not one of the case's sources (sources: article," \
        in result.output


def test_dry_run_prints_the_change_and_writes_nothing(seed: Path) -> None:
    before = seed.read_bytes()
    result = CliRunner().invoke(main, ["answer", str(seed), "model-access.computer_access=no",
                                       "--source", "article", "--dry-run"])
    assert result.exit_code == 0
    assert "+    computer_access: {value: false, status: confirmed, source: article}" \
        in result.output
    assert seed.read_bytes() == before


def test_the_file_keeps_its_mode(seed: Path) -> None:
    seed.chmod(0o640)
    CliRunner().invoke(main, ["answer", str(seed), "model-access.computer_access=no",
                              "--source", "article"])
    assert stat.S_IMODE(seed.stat().st_mode) == 0o640


def test_an_answer_where_the_layout_cannot_be_kept_is_refused_with_the_text_to_add(
        tmp_path: Path) -> None:
    copy = tmp_path / "flowing.yaml"
    shutil.copy(FLOWING, copy)
    event = yaml.safe_load(copy.read_text())["events"][0]["id"]
    with pytest.raises(InputError, match=r"write it by hand: .*export_licence: \{value: false"):
        apply_answers(copy, [Answer(f"{event}.export_licence", "no")], "scenario")


def test_every_case_file_answered_changes_only_the_answered_fact(tmp_path: Path) -> None:
    """Across the shipped cases: an answer on each event either is written with every other
    line kept, or is refused; never a file that says something else."""
    written = refused = 0
    for path in sorted(CASES.rglob("*.yaml"))[::2]:  # every other file: the layouts repeat
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        event = (data.get("events") or [None])[0]
        if event is None or "export_licence" in event:
            continue
        source = data["sources"][0]["id"]
        try:
            result = apply_answers(path, [Answer(f"{event['id']}.export_licence", "no")],
                                   source)
        except InputError as exc:
            assert "write it by hand" in str(exc) or "export_licence" in str(exc)
            refused += 1
            continue
        old = _without(yaml.safe_load(text), [f"{event['id']}.export_licence"])
        assert old == _without(yaml.safe_load(result.text), [f"{event['id']}.export_licence"])
        assert _comments(result.text) == _comments(text)
        written += 1
    assert written > 100 and refused < written / 5, (written, refused)


def test_an_interview_takes_answers_skips_and_stops(seed: Path) -> None:
    engine = Engine(load_rules())
    case = load_case(seed)
    session = Interview.start(seed, engine, case, "article", "alleged")
    typed = iter(["", "reverse-engineerin", "reverse-engineering", "stop"])
    said: list[str] = []
    run(session, case, lambda *_: next(typed), said.append)
    assert [a.path for a in session.answers] == ["model-access.obtained_by"]
    assert any("did you mean reverse-engineering?" in line for line in said)
    assert "model-access.date" in session.passed
    assert session.written is not None and "reverse-engineering" in session.written.diff


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_rex_ask_in_a_terminal_answers_three_questions_and_writes_on_yes(seed: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    rex = Path(sys.executable).with_name("rex")
    before = seed.read_text(encoding="utf-8")
    child = pexpect.spawn(str(rex), ["ask", str(seed)], encoding="utf-8", timeout=240,
                          dimensions=(50, 250), env={**os.environ, "TERM": "dumb"})
    child.expect("source id")
    child.sendline("article")
    child.expect("confirmed or alleged")
    child.sendline("alleged")
    answered: list[str] = []
    while len(answered) < 3:
        child.expect(r"\[([a-z0-9-]+\.[a-z0-9_.-]+)\]\r\n  what the answers settle")
        path = child.match.group(1)
        child.expect(r"answer \((.*); Enter to skip")
        allowed = child.match.group(1)
        value = ("2024-03" if allowed.startswith("a day") else "yes" if allowed == "yes or no"
                 else allowed.removeprefix("one of: ").split(", ")[0]
                 if allowed.startswith("one of") else "")
        child.sendline(value)
        if value:
            answered.append(path)
    child.expect(r"answer \(")
    child.sendline("stop")
    child.expect(r"Write these answers to .*\?")
    child.sendline("y")
    child.expect("wrote 3 answers")
    child.expect(pexpect.EOF)
    after = seed.read_text(encoding="utf-8")
    assert _comments(after) == _comments(before)
    fields = [p if not p.endswith(".date") else p[:-5] + ".dates.occurred" for p in answered]
    assert _without(yaml.safe_load(after), fields) == _without(yaml.safe_load(before), fields)
    engine = Engine(load_rules())
    assert engine.statuses(load_case(seed)) != engine.statuses(load_case(SEED))


def test_after_an_answer_only_the_questions_it_can_touch_are_tried_again(seed: Path) -> None:
    engine = Engine(load_rules())
    case = load_case(seed)
    session = Interview.start(seed, engine, case, "article", "alleged")
    for path, value in (("model-access.obtained_by", "reverse-engineering"),
                        ("model-access.computer_access", "yes"),
                        ("model-access.date", "2024-03")):
        session.answer(path, value)
        assert session.written is not None
        full = engine.report(session.written.case, questions=True)
        assert session.report.questions == full.questions, path
        assert session.report.findings == full.findings
    assert session.ranks.reused > 0, "some questions must be taken from the cache"


@pytest.mark.parametrize("answer, written", [
    ("london-project.shares.after=below 75", "after: {value: {below: 75}, status: confirmed"),
    ("london-project.shares.after=between 50 and 75",
     "after: {value: {between: [50, 75]}, status: confirmed"),
    ("model-access.date=2021 to 2023", "occurred: {value: {from: 2021, to: 2023}, status"),
    ("model-access.date=from 2022-03", "occurred: {value: {from: 2022-03}, status"),
    # ranges are inclusive: "before" and "after" name the day, month or year outside them
    ("model-access.date=before 2023-12-20", "occurred: {value: {to: 2023-12-19}, status"),
    ("model-access.date=after 2023-12-31", "occurred: {value: {from: 2024-01-01}, status"),
    ("model-access.date=before 2024-01", "occurred: {value: {to: 2023-12}, status"),
    ("model-access.date=after 2023", "occurred: {value: {from: 2024}, status"),
    ("model-access.date=on or before 2023-12-20", "occurred: {value: {to: 2023-12-20}, status"),
    ("model-access.date=up to 2018-08-12", "occurred: {value: {to: 2018-08-12}, status"),
])
def test_bounds_and_ranges_are_written_in_the_case_format(seed: Path, answer: str,
                                                          written: str) -> None:
    result = CliRunner().invoke(main, ["answer", str(seed), answer, "--source", "article"])
    assert result.exit_code == 0, result.output
    assert written in seed.read_text(encoding="utf-8")
    load_case(seed)


def test_every_range_a_date_question_offers_can_be_typed_as_the_answer(
        engine: Engine, seed: Path) -> None:
    """The brief's answers to a date question ("up to 2018-08-12", "2018-08-13 to
    2020-11-11", "from 2024-01-01") are what rex ask takes: each one, typed, gives the
    change the brief said it would."""
    case = load_case(seed)
    report = engine.report(case, questions=True)
    dated = [q for q in report.questions if q.path.endswith(".date")]
    assert dated
    for question in dated:
        for offered in question.answers:
            typed = apply_answers(seed, [Answer(question.path, offered.answer)], "article")
            words = offered.answer.split()
            day = words[-1] if words[0] in {"up", "from"} else words[0]
            one_day = apply_answers(seed, [Answer(question.path, day)], "article")
            assert engine.statuses(typed.case) == engine.statuses(one_day.case), offered.answer


def test_a_replaced_partial_date_keeps_its_note(seed: Path) -> None:
    written = apply_answers(seed, [Answer("model-access.date", "2024-03")], "article")
    assert "note: \"Before Anthropic's statement" in written.text


def test_changing_a_stated_fact_takes_replace(seed: Path) -> None:
    args = ["answer", str(seed), "model-access.authorised=yes", "--source", "article"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2
    assert "the case already states authorised (no, " in refused.output
    assert "pass --replace" in refused.output
    assert CliRunner().invoke(main, [*args, "--replace"]).exit_code == 0
    assert "authorised: {value: true, status: confirmed, source: article}" in seed.read_text()


def test_one_fact_answered_twice_is_refused(seed: Path) -> None:
    result = CliRunner().invoke(main, ["answer", str(seed), "model-access.computer_access=yes",
                                       "model-access.computer_access=no", "--source",
                                       "article"])
    assert result.exit_code == 2 and "answered twice" in result.output


def test_uk_sectors_are_answered_through_the_party_activities(seed: Path) -> None:
    written = apply_answers(seed, [Answer("anthropic.uk_sectors", "artificial-intelligence")],
                            "article", "alleged")
    [party] = [obj for obj in written.case.objects if obj.id == "anthropic"]
    assert "artificial-intelligence" in party.facts["uk_sectors"].value
    assert "where: {value: [US, GB], status: alleged, source: article}" in written.text


def test_without_source_rex_answer_is_a_usage_error(seed: Path) -> None:
    result = CliRunner().invoke(main, ["answer", str(seed), "model-access.computer_access=no"])
    assert result.exit_code == 2 and "Missing option '--source'" in result.output
    assert "internal error" not in result.output


def test_rex_ask_whose_input_ends_writes_nothing_and_says_so(seed: Path) -> None:
    before = seed.read_bytes()
    result = CliRunner().invoke(main, ["ask", str(seed)], input="article\n")
    assert result.exit_code == 2
    assert "the input ended before the command finished; nothing was written" in result.output
    assert "internal error" not in result.output and seed.read_bytes() == before


def test_a_file_with_windows_line_endings_keeps_them(seed: Path) -> None:
    seed.write_bytes(seed.read_bytes().replace(b"\n", b"\r\n"))
    result = CliRunner().invoke(main, ["answer", str(seed), "model-access.computer_access=no",
                                       "--source", "article"])
    assert result.exit_code == 0, result.output
    raw = seed.read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"computer_access: {value: false" in raw


@pytest.mark.parametrize("answer, message", [
    ("model-access.loss.usd=24,5", "write decimals with a point"),
    ("model-access.cma_test_date=2025-02-03", "answer dates.completed, or "
     "process.uk-cma.phase-1-started"),
])
def test_answers_that_would_say_something_else_are_refused(seed: Path, answer: str,
                                                           message: str) -> None:
    result = CliRunner().invoke(main, ["answer", str(seed), answer, "--source", "article"])
    assert result.exit_code == 2 and message in result.output


def test_an_amount_in_another_currency_does_not_replace_the_stated_one(tmp_path: Path) -> None:
    case = tmp_path / "fund.yaml"
    shutil.copy(CASES / "uk-chip-designer-fund-30pct.yaml", case)
    result = CliRunner().invoke(main, ["answer", str(case), "designer.turnover.uk.usd=15000000",
                                       "--source", "intake"])
    assert result.exit_code == 2
    assert "the case states this amount in GBP; rex does not convert currencies" in result.output


def test_an_answer_after_a_value_wrapped_over_two_lines_is_written(tmp_path: Path) -> None:
    case = tmp_path / "wrapped.yaml"
    case.write_text("rex: 1\nid: w\ntitle: W\nsources: [{id: s, title: S}]\nparties:\n"
                    "  - id: buyer\n    name: Buyer Ltd\n    status: confirmed\n    source: s\n"
                    "    note: a note that the author wrapped\n"
                    "      over two lines without a folded marker\n"
                    "  - {id: other, name: Other Ltd, status: confirmed, source: s}\n")
    before = case.read_text()
    written = apply_answers(case, [Answer("buyer.us_activities", "yes")], "s")
    added = [line for line in written.text.splitlines() if line not in before.splitlines()]
    assert added == ["    us_activities: {value: true, status: confirmed, source: s}"]
    assert [line for line in before.splitlines() if line not in written.text.splitlines()] == []


def test_a_finding_that_moves_to_the_answered_party_is_said_to_move(seed: Path) -> None:
    result = CliRunner().invoke(main, ["answer", str(seed),
                                       "cambridge-development.to=alibaba-cloud", "--source",
                                       "article", "--alleged", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "now on recipient alibaba-cloud, possible: Release of technology" in result.output


def test_a_case_file_that_is_not_utf8_is_one_line_and_unchanged(tmp_path: Path) -> None:
    case = tmp_path / "latin1.yaml"
    case.write_bytes(b"rex: 1\nid: x\ntitle: \xff\n")
    result = CliRunner().invoke(main, ["answer", str(case), "x.name=y", "--source", "s"])
    assert result.exit_code == 2
    assert "cannot read the case file: it is not UTF-8 text" in result.output
    assert "internal error" not in result.output
    assert case.read_bytes() == b"rex: 1\nid: x\ntitle: \xff\n"
