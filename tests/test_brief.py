"""The brief: summary first, one ranked list of questions, no noise, headlines that match the
status, and a first page that depends on whose brief it is."""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cases import case_from_document, load_case
from engine.cli import main
from engine.evaluate import Engine
from engine.render import render
from engine.report import brief
from engine.report.questions import answers_change_anything, unknown_facts
from engine.schema import validate_json
from engine.yamlio import load_bytes

from .conftest import CASES, ROOT, TODAY

SEED = "cases/anthropic-alibaba-2026.yaml"  # as a user types it, from the repository folder
SEED_PATH = str(CASES / "anthropic-alibaba-2026.yaml")
CMA_TESTS = ("uk-cma.s23-turnover-test-70m", "uk-cma.s23-turnover-test-100m",
             "uk-cma.s23-share-of-supply-2003", "uk-cma.s23-share-of-supply-2025")
CONDITIONAL = re.compile(r"\b(may|might|could|if)\b", re.I)


@functools.cache
def brief_of(*args: str) -> str:
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, ["report", SEED, "--as-of", "2026-11-27", *args])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    return result.output


def section(text: str, title: str) -> str:
    start = text.index(title)
    rest = text[start:]
    end = re.search(r"\n\n[A-Z]", rest)
    return rest[:end.start()] if end else rest


def test_the_seed_brief_fits_one_screen_and_opens_with_the_summary() -> None:
    text = brief_of()
    lines = text.splitlines()
    assert len(lines) <= 150, len(lines)
    assert max(len(line) for line in lines) <= 100
    assert lines[0].startswith("rex brief - ")
    order = [text.index(h) for h in ("ACT NOW", "FINDINGS", "NOT ASSESSED", "QUESTIONS")]
    assert order == sorted(order)
    assert "Rests on:" not in text  # the detail is behind --detail


def test_each_question_is_asked_once_with_what_it_settles() -> None:
    questions = section(brief_of(), "QUESTIONS")
    paths = re.findall(r"^  q\d+\. .*?\[([a-z0-9_.-]+)\]$", questions, re.M | re.S)
    asked = re.findall(r"\[([a-z0-9-]+\.[a-z0-9_.-]+)\]\n", questions)
    assert asked and len(asked) == len(set(asked)), asked
    assert len(re.findall(r"^  q\d+\. ", questions, re.M)) == len(asked)
    assert all(re.search(r"(fall away|become|new|come into play|go out of play)", block)
               for block in re.split(r"\n  q\d+\. ", questions)[1:]), paths


def test_detail_keeps_the_full_view_with_the_facts_printed_once() -> None:
    text = brief_of("--detail")
    assert "To settle it, ask:" in text and "Who acts:" in text
    facts = section(text, "FACTS the findings rest on")
    numbered = re.findall(r"^  (F\d+) ", facts, re.M)
    assert numbered and len(numbered) == len(set(numbered))
    assert re.search(r"Rests on: F\d+", text)


def test_the_collaborations_are_not_assessed_as_mergers_in_the_seed() -> None:
    text = brief_of()
    findings = section(text, "FINDINGS")
    not_assessed = section(text, "NOT ASSESSED")
    for rule in ("uk-cma.s23-turnover-test-100m", "uk-cma.s23-share-of-supply-2025"):
        assert rule not in findings
        assert rule in not_assessed
    assert "level of control" in section(text, "QUESTIONS")  # the gate question is asked


def test_a_provision_prints_once_for_its_dated_versions(engine: Engine) -> None:
    for path in (CASES / "rule-tests" / "uk-cma").glob("*.yaml"):
        report = engine.report(load_case(path), today=TODAY)
        for line in brief.lines(report.findings):
            first = line.first
            if first.series is not None and first.status == "possible":
                twins = [f for f in report.findings if f.series == first.series
                         and f.on == first.on and f.status == "possible"]
                assert [f.rule for f in line.findings] == [f.rule for f in twins], path


def test_whose_brief_it_is_changes_the_first_page() -> None:
    lab, university = brief_of("--for", "anthropic"), brief_of("--for", "london-university")
    assert lab.splitlines()[:30] != university.splitlines()[:30]
    assert "Written for Anthropic PBC" in lab or "Written for Anthropic" in lab
    own = section(lab, "FINDINGS").split("Its remedies")[0]
    assert "Its duties and exposure" in own
    first_uni = section(university, "FINDINGS").split("Others' exposure")[0]
    assert "uk-nsi.he-guidance-rcat" in first_uni


def test_for_a_party_the_case_does_not_have_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["report", SEED_PATH, "--for", "nobody"])
    assert result.exit_code == 2
    assert "no party 'nobody'" in result.output and "anthropic" in result.output


def test_the_json_report_is_schema_2_with_ranked_questions_and_groups() -> None:
    result = CliRunner().invoke(main, ["report", SEED_PATH, "--format", "json", "--for",
                                       "anthropic"])
    data = json.loads(result.output)
    validate_json("report", data)
    assert data["report_schema"] == "2.0"
    ids = {q["id"] for q in data["questions"]}
    refs = {q["ref"] for f in data["findings"] for q in f["questions"]}
    assert refs <= ids and refs
    assert all(q["settles"] for q in data["questions"])
    grouped = sorted(i for g in data["groups"] for i in g["findings"])
    assert grouped == list(range(len(data["findings"])))
    assert {n["rule"] for n in data["not_assessed"]} >= set(CMA_TESTS)  # the date is open


def all_case_files() -> list[Path]:
    return sorted(CASES.rglob("*.yaml"))


def test_no_headline_that_is_not_triggered_asserts_a_conclusion(engine: Engine) -> None:
    for path in all_case_files():
        case = load_case(path)
        as_of = case.expect.as_of if case.expect else None
        for finding in engine.report(case, as_of=as_of, today=TODAY).findings:
            if finding.status == "possible":
                assert CONDITIONAL.search(finding.title), (path, finding.title)
            elif finding.status == "alleged":
                assert "allegation" in finding.title.lower(), (path, finding.title)


# (case, stride): every unknown fact of the small cases, every third of the seed's 270 (each
# costs about 0.1 s of evaluation with every rule).
SAMPLE = [(CASES / "anthropic-alibaba-2026.yaml", 3),
          (CASES / "matters" / "cma-amazon-anthropic-2024.yaml", 1),
          (CASES / "rule-tests" / "uk-gdpr" / "art33-named-controller-risk-unassessed.yaml", 1)]


@pytest.mark.parametrize("path, stride", SAMPLE, ids=lambda p: getattr(p, "stem", str(p)))
def test_a_question_is_listed_if_and_only_if_an_answer_changes_a_finding(
        engine: Engine, path: Path, stride: int) -> None:
    """Judged on every rule, not only those the ranking's scope selects: each listed
    question has an answer that changes a finding, and no unknown fact left out does. Gate
    facts (is this party on the Entity List?) are left out by design: rex does not ask every
    party of every case about every list; nor are facts a rule reads only once the case states
    them (an `exists` test: a turnover, a listing, the facts that engage merger control, of
    which one question is asked)."""
    case = load_case(path)
    report = engine.report(case, today=TODAY, questions=True)
    program, prepared = engine.program(None), engine.prepare(case)
    objects = {obj.id: obj for obj in prepared.objects}
    listed = {q.path for q in report.questions}
    for question in report.questions:
        object_id, _, field = question.path.partition(".")
        assert answers_change_anything(program, prepared, objects[object_id], field), question
    gates = {(b.kind, gate.split(".", 1)[1]) for rule in program.rules for gate in rule.gates
             for b in rule.bindings if b.name == gate.split(".", 1)[0]}
    gates |= stated_only(program)
    for holder, field in list(unknown_facts(prepared, program))[::stride]:
        if f"{holder.id}.{field}" in listed or (holder.kind, field) in gates:
            continue
        assert not answers_change_anything(program, prepared, holder, field), \
            f"{holder.id}.{field} is not asked, but an answer to it changes a finding"


def stated_only(program: object) -> set[tuple[str, str]]:
    from engine.rulemodel import leaves

    found = set()
    for rule in program.rules:  # type: ignore[attr-defined]
        kinds = {b.name: b.kind for b in rule.bindings}
        conditions = [rule.when] + ([rule.engage] if rule.engage is not None else [])
        for leaf in (leaf for cond in conditions for leaf in leaves(cond)):
            if leaf.op == "exists" and leaf.binding in kinds:
                found.add((kinds[leaf.binding], leaf.path))
    return found


def test_questions_are_ranked_on_generated_cases(engine: Engine) -> None:
    from bench.generate import Generator, to_yaml

    generator = Generator(11)
    for index in range(3):
        case = case_from_document(load_bytes(to_yaml(generator.case(index, size=8)),
                                             f"g{index}.yaml"))
        report = engine.report(case, today=TODAY, questions=True)
        program, prepared = engine.program(None), engine.prepare(case)
        objects = {obj.id: obj for obj in prepared.objects}
        for question in report.questions:
            object_id, _, field = question.path.partition(".")
            assert answers_change_anything(program, prepared, objects[object_id], field)
        text = render("text", [report])
        asked, rest = brief.questions(report)
        assert len(re.findall(r"^  q\d+\. ", text, re.M)) == len(asked)
        assert [q.id for q in asked + rest] == [q.id for q in report.questions]
        flat = " ".join(text.split())
        for question in rest:  # named once, by its fact, after the questions asked in full
            assert flat.count(f"{question.id} [{question.path}]") == 1
