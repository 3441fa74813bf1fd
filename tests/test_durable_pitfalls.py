"""durable_rules 2.0.28: each known crash or silent-loss path, pinned twice.

For each pitfall (numbered as in docs/durable-rules.md) a learning test shows the raw engine
behaviour, so that an upgrade that changes it fails here first, and a second test shows that
rex's way of driving the engine cannot reach it. Paths that kill or hang the process run in a
subprocess.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest
from durable import engine as durable_engine
from durable.engine import MessageNotHandledException, MessageObservedException
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import engine as rex_engine
from engine import compiler
from engine.cases import case_from_document
from engine.compiler import alpha_stack_bound, compile_pack, encode_case, encode_number
from engine.errors import EngineError
from engine.evaluate import Engine
from engine.matchers import durable as session
from engine.rules import RulePack
from engine.yamlio import load_bytes

from .conftest import examples


class RawHost(durable_engine.Host):  # type: ignore[misc]
    """A bare durable_rules host for learning tests; records every action it runs."""

    def __init__(self) -> None:
        self.fired: list[tuple[str, dict[str, Any]]] = []
        super().__init__()

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            self.fired.append((action_name, dict(c._m.items())))

        return action

    def _run(self) -> None:
        pass


_counter = iter(range(10**9))


def raw(rules: dict[str, Any]) -> tuple[RawHost, str]:
    host = RawHost()
    name = f"learn{next(_counter)}"
    host.set_rulesets({name: copy.deepcopy(rules)})
    return host, name


def assert_each(host: RawHost, name: str, facts: list[dict[str, Any]]) -> None:
    for fact in facts:
        with contextlib.suppress(MessageNotHandledException):
            host.assert_fact(name, dict(fact, sid="0"))


def run_isolated(code: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, check=False)


CASE_WITH_NOISE = b"""
rex: 1
id: noise
title: A share deal plus objects no rule cares about
sources: [{id: s, title: Scenario, kind: internal}]
parties:
  - {id: buyer, name: Buyer, type: company, country: CN, status: confirmed, source: s}
  - {id: target, name: Target, type: company, country: GB, status: confirmed, source: s}
  - {id: bystander, name: Bystander, status: confirmed, source: s}
assets:
  - {id: land, name: A field, status: confirmed, source: s}
events:
  - id: deal
    type: share-acquisition
    status: confirmed
    source: s
    by: buyer
    target: target
    shares: {before: 0, after: 30}
    votes: {before: 0, after: 30}
    dates: {completed: 2023-03-01}
"""


def noise_case() -> Any:
    return case_from_document(load_bytes(CASE_WITH_NOISE, "noise.yaml"))


@pytest.fixture
def fresh_session(engine: Engine) -> Iterator[session.Session]:
    yield engine.session(None)


# 1 -------------------------------------------------------------------------------------------


def test_1_learning_a_batch_with_one_unobserved_fact_fires_nothing() -> None:
    host, name = raw({"r": {"all": [{"m": {"k": 1}}], "run": "r"}})
    with pytest.raises(MessageNotHandledException):
        host.assert_facts(name, [{"sid": "0", "id": "a", "k": 1},
                                 {"sid": "0", "id": "b", "other": 1}])
    assert host.fired == []


def test_1_rex_asserts_one_fact_at_a_time_so_unobserved_facts_cost_nothing(engine: Engine) -> None:
    statuses = engine.statuses(noise_case())
    assert statuses[("uk-nsi.s8-entity-control", ("deal", "buyer", "target"))] == "triggered"


# 2 and 3 -------------------------------------------------------------------------------------


@pytest.mark.skipif(sys.version_info >= (3, 13), reason=(
    "a use of freed memory that crashes on CPython 3.10 to 3.12; 3.13 leaves the freed block "
    "intact, so the crash does not show (rex never calls delete_state: the next test)"))
def test_2_learning_delete_state_with_joins_kills_the_process() -> None:
    result = run_isolated("""
        from durable.engine import Host, MessageNotHandledException
        class H(Host):
            def get_action(self, name):
                def act(c):
                    if name == 'derive':
                        try:
                            c.assert_fact({'ft': 'sl', 'id': 'sl' + c.p._d['k'],
                                           'key': c.p._d['k']})
                        except Exception:
                            pass
                return act
            def _run(self): pass
        h = H()
        h.set_rulesets({'t': {
            'r1': {'all': [{'p': {'$and': [{'ft': 'party'}, {'s': True}]}}], 'run': 'derive'},
            'r2': {'all': [{'x': {'ft': 'sl'}},
                           {'p': {'$and': [{'ft': 'party'}, {'owner': {'x': 'key'}}]}}],
                   'run': 'derive'},
            'r3': {'all': [{'e': {'ft': 'ev'}},
                           {'p': {'$and': [{'ft': 'party'}, {'k': {'e': 'by'}}]}}], 'run': 'x'},
        }})
        for case in range(50):
            facts = [
                {'sid': '0', 'id': f'p{case}a', 'ft': 'party', 'k': 'a', 's': True},
                {'sid': '0', 'id': f'p{case}b', 'ft': 'party', 'k': 'b', 'owner': 'a'},
                {'sid': '0', 'id': f'e{case}', 'ft': 'ev', 'by': 'b'},
                {'sid': '0', 'id': f'z{case}', 'ft': 'noise'},
            ]
            try:
                h.assert_facts('t', facts)
            except MessageNotHandledException:
                pass
            h.delete_state('t', '0')
        print('survived')
    """)
    assert "survived" not in result.stdout
    assert result.returncode != 0


def test_2_rex_never_deletes_state_and_leaves_no_facts_behind(engine: Engine) -> None:
    live = engine.session(None)
    engine.statuses(noise_case())
    assert live.live_facts() == 0
    sources = sorted(Path(rex_engine.__file__).parent.rglob("*.py"))
    assert all("delete_state(" not in Path(path).read_text() for path in sources)


def test_3_learning_the_1025th_session_id_is_refused() -> None:
    result = run_isolated("""
        from durable.engine import Host
        class H(Host):
            def get_action(self, n): return lambda c: None
            def _run(self): pass
        h = H()
        h.set_rulesets({'t': {'r': {'all': [{'m': {'k': 1}}], 'run': 'r'}}})
        for sid in range(1100):
            try:
                h.assert_fact('t', {'sid': str(sid), 'id': 'x', 'k': 1})
            except MemoryError:
                print('refused at', sid); break
    """)
    assert "refused at 1024" in result.stdout


def test_3_rex_reuses_one_session_id_for_any_number_of_cases(engine: Engine) -> None:
    case = noise_case()
    first = engine.statuses(case)
    for _ in range(1100):
        facts = encode_case(case)
        assert {fact["sid"] for fact in facts} == {"0"}
        engine.session(None).run(facts)
    assert engine.statuses(case) == first


# 4 -------------------------------------------------------------------------------------------


def _shared_rules(count: int) -> dict[str, Any]:
    return {f"r{i}": {"all": [{"m": {"$and": [{"ft": "e"}, {"$gt": {"n": i}}]}}], "run": "r"}
            for i in range(count)}


def test_4_learning_the_alpha_stack_overflows_past_64_entries() -> None:
    fact = {"ft": "e", "n": 10_000, "id": "x"}
    host, name = raw(_shared_rules(64))
    assert_each(host, name, [fact])
    host, name = raw(_shared_rules(65))
    with pytest.raises(Exception, match="303"):
        host.assert_fact(name, dict(fact, sid="0"))


def test_4_the_stack_model_predicts_the_overflow() -> None:
    assert alpha_stack_bound(_shared_rules(64).values()) == 64
    assert alpha_stack_bound(_shared_rules(65).values()) == 65


_VALUES = st.sampled_from([0, 1, 2, "1", "1.0", "x", "true", "false", "", True, False, 1.0])
_PROPS = st.sampled_from(["a", "b", "c"])
_LEAF_TESTS = st.one_of(
    st.builds(lambda p, v: {p: v}, _PROPS, _VALUES),
    st.builds(lambda op, p, v: {op: {p: v}},
              st.sampled_from(["$neq", "$lt", "$lte", "$gt", "$gte"]), _PROPS,
              st.sampled_from([1, 2, 3])),
    st.builds(lambda op, p: {op: {p: 1}}, st.sampled_from(["$ex", "$nex"]), _PROPS),
    st.builds(lambda v: {"$iany": {"l": {"$i": v}}}, _VALUES),
)
_TESTS = st.one_of(_LEAF_TESTS, st.builds(lambda items: {"$or": items},
                                          st.lists(_LEAF_TESTS, min_size=2, max_size=3)))
_FACTS = st.builds(
    lambda values, items: {"ft": "f", "n": 0, **values, "l": items or ["none"]},
    st.dictionaries(_PROPS, _VALUES, max_size=3), st.lists(_VALUES, max_size=3))


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tests=st.lists(_TESTS, min_size=1, max_size=60),
       facts=st.lists(_FACTS, min_size=1, max_size=8))
@example(tests=[{"a": 1}, {"a": "true"}],  # a boolean equals both 1 and "true"
         facts=[{"ft": "f", "n": 0, "a": True, "l": ["none"]}])
@example(tests=[{"a": ""}, {"a": 0}],  # an empty text equals 0
         facts=[{"ft": "f", "n": 0, "a": "", "l": ["none"]}])
def test_4_the_stack_model_never_undercounts(tests: list[Any],
                                             facts: list[dict[str, Any]]) -> None:
    """One level of tests under the kind test, where what a fact pushes does not depend on the
    order the engine visits nodes in, filled up to exactly 64 by the model: no fact overflows.
    (This is where the model relies on a fact having one value per property.)"""
    definitions = [{"all": [{"m": {"$and": [{"ft": "f"}, test]}}], "run": "r"} for test in tests]
    bound = alpha_stack_bound(definitions)
    assume(bound <= compiler.STACK_LIMIT)
    definitions += [{"all": [{"m": {"$and": [{"ft": "f"}, {"$gt": {"n": -1 - i}}]}}], "run": "r"}
                    for i in range(compiler.STACK_LIMIT - bound)]
    assert alpha_stack_bound(definitions) == compiler.STACK_LIMIT
    host, name = raw({f"r{i}": definition for i, definition in enumerate(definitions)})
    for index, fact in enumerate(facts):
        with contextlib.suppress(MessageNotHandledException):
            host.assert_fact(name, dict(fact, id=str(index), sid="0"))


def test_4_rex_packs_rules_into_rulesets_under_the_stack_budget(pack: RulePack) -> None:
    for as_of in (None, dt.date(2026, 11, 27)):
        program = compile_pack(pack, as_of)
        assert program.chunks
        for chunk in program.chunks:
            assert chunk.stack_bound <= compiler.STACK_BUDGET < compiler.STACK_LIMIT


# 5 -------------------------------------------------------------------------------------------


def test_5_learning_an_exception_in_an_action_is_swallowed() -> None:
    class Failing(RawHost):
        def get_action(self, action_name: str) -> Callable[[Any], None]:
            def action(c: Any) -> None:
                raise ValueError("boom")

            return action

    host = Failing()
    host.set_rulesets({"fail5": {"r": {"all": [{"m": {"k": 1}}], "run": "r"}}})
    state = host.assert_fact("fail5", {"sid": "0", "id": "a", "k": 1})
    assert "boom" in state["exception"]


def test_5_rex_turns_a_failed_action_into_an_error(engine: Engine, monkeypatch: Any) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("derived fact could not be built")

    monkeypatch.setattr(session.session, "derived_fact", broken)
    with pytest.raises(EngineError, match="rule action failed"):
        engine.session(None).run(encode_case(noise_case()))
    monkeypatch.undo()
    assert engine.session(None).live_facts() == 0


def test_5_a_failure_in_the_c_core_while_running_actions_moves_the_session_to_fresh_rulesets(
        engine: Engine, monkeypatch: Any) -> None:
    # rex runs actions through the C core itself (durable_rules' own action runner is never
    # used); a failure there may leave the ruleset's state locked, so the session moves on.
    case = noise_case()
    expected = engine.statuses(case)
    live = engine.session(None)
    renewals = live.renewals
    real = durable_rules_engine.complete_and_start_action
    armed = [True]

    def failing_once(*args: Any) -> Any:
        if armed[0]:
            armed[0] = False
            raise RuntimeError("failure inside the C core's action loop")
        return real(*args)

    monkeypatch.setattr(durable_rules_engine, "complete_and_start_action", failing_once)
    with pytest.raises(EngineError, match="failed while running actions"):
        live.run(encode_case(case))
    assert not armed[0], "the action loop must go through complete_and_start_action"
    monkeypatch.undo()
    assert engine.statuses(case) == expected
    assert live.renewals == renewals + 1
    assert live.live_facts() == 0


# 6 and 17 ------------------------------------------------------------------------------------


def test_6_learning_an_identical_fact_is_refused() -> None:
    host, name = raw({"r": {"all": [{"m": {"k": 1}}], "run": "r"}})
    host.assert_fact(name, {"sid": "0", "id": "a", "k": 1})
    with pytest.raises(MessageObservedException):
        host.assert_fact(name, {"sid": "0", "id": "a", "k": 1})


def test_6_rex_gives_every_fact_a_distinct_id(engine: Engine) -> None:
    ids = [fact["id"] for fact in encode_case(noise_case())]
    assert len(ids) == len(set(ids))


def _fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


COLLIDING = ("cp:party:p539599", "cp:party:p722382")
"""Two fact ids as rex writes them (worlds, kind, id) whose 32-bit hashes are equal."""


def test_17_learning_fact_ids_are_a_32_bit_hash_and_collide() -> None:
    assert _fnv1a(COLLIDING[0]) == _fnv1a(COLLIDING[1])
    host, name = raw({"r": {"all": [{"m": {"ft": "party"}}], "run": "r"}})
    host.assert_fact(name, {"sid": "0", "id": COLLIDING[0], "ft": "party", "x": 1})
    with pytest.raises(MessageObservedException):
        host.assert_fact(name, {"sid": "0", "id": COLLIDING[1], "ft": "party", "x": 2})


def test_17_rex_retries_a_colliding_id_and_keeps_both_facts(engine: Engine) -> None:
    text = CASE_WITH_NOISE.replace(b"id: buyer", b"id: p539599").replace(
        b"by: buyer", b"by: p539599").replace(b"id: bystander", b"id: p722382")
    case = case_from_document(load_bytes(text, "collide.yaml"))
    facts = encode_case(case)
    assert set(COLLIDING) <= {f["id"] for f in facts}
    statuses = engine.statuses(case)
    assert statuses[("uk-nsi.s8-entity-control", ("deal", "p539599", "target"))] == "triggered"
    assert engine.session(None).live_facts() == 0


# 7 -------------------------------------------------------------------------------------------


def test_7_learning_each_host_starts_two_threads() -> None:
    result = run_isolated("""
        import threading
        from durable.engine import Host
        before = threading.active_count()
        hosts = [Host() for _ in range(5)]
        print(threading.active_count() - before)
    """)
    assert result.stdout.strip() == "10"


def test_7_rex_uses_one_host_and_starts_no_thread(engine: Engine) -> None:
    before = threading.active_count()
    engine.statuses(noise_case())
    Engine(engine.pack).statuses(noise_case())
    assert threading.active_count() == before
    assert session.host() is session.host()


# 8, 9, 13, 16: what the compiler emits --------------------------------------------------------


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _all_definitions(pack: RulePack) -> Iterator[dict[str, Any]]:
    for as_of in (None, dt.date(2024, 6, 1), dt.date(2026, 11, 27)):
        for compiled in compile_pack(pack, as_of).compiled.values():
            yield compiled.definition


def test_8_learning_a_bare_negated_pattern_does_not_compile() -> None:
    with pytest.raises(Exception, match="109"):
        raw({"r": {"all": [{"m": {"k": 1}}, {"$not": {"k": 2}}], "run": "r"}})


def test_8_13_16_rex_emits_no_negation_no_regex_and_types_every_pattern(pack: RulePack) -> None:
    for definition in _all_definitions(pack):
        keys = {item for item in _walk(definition) if isinstance(item, str)}
        assert not keys & {"$not", "$mt", "$imt"}
        assert not any(key.endswith("$not") for key in keys)
        for pattern in definition["all"]:
            (test,) = pattern.values()
            assert "ft" in test["$and"][0]


def test_9_learning_list_membership_has_one_spelling() -> None:
    host, name = raw({"r": {"all": [{"m": {"$iany": {"l": {"$i": "ai"}}}}], "run": "r"}})
    assert_each(host, name, [{"id": "1", "l": ["x", "ai"]}, {"id": "2", "l": ["x"]}])
    assert [fired[1]["m"]["id"] for fired in host.fired] == ["1"]
    with pytest.raises(Exception, match="204"):
        raw({"r": {"all": [{"m": {"$iany": {"l": "ai"}}}], "run": "r"}})
    with pytest.raises(Exception, match="102"):
        raw({"r": {"all": [{"m": {"$iany": {"l": {"$eq": "ai"}}}}], "run": "r"}})
    host, name = raw({"r": {"all": [{"m": {"$contains": {"l": "ai"}}}], "run": "r"}})
    assert_each(host, name, [{"id": "1", "l": ["x", "ai"]}])
    assert host.fired == []  # accepted, and silently never matches


def test_9_rex_spells_list_tests_the_one_way_that_works(pack: RulePack) -> None:
    spellings = set()
    for definition in _all_definitions(pack):
        for item in _walk(definition):
            if isinstance(item, dict) and ("$iany" in item or "$iall" in item):
                ((op, body),) = item.items()
                ((_, inner),) = body.items()
                tests = inner.get("$and", [inner]) if op == "$iall" else [inner]
                spellings.add(op)
                for test in tests:
                    assert "$i" in test or "$i" in next(iter(test.values()))
    assert spellings and spellings <= {"$iany", "$iall"}


def test_13_learning_an_absence_only_pattern_fires_forever() -> None:
    result = run_isolated("""
        import os
        from durable.lang import ruleset, when_all, m, assert_fact
        count = [0]
        with ruleset('t'):
            @when_all(-m.turnover)
            def missing(c):
                count[0] += 1
                if count[0] >= 100:
                    print('still firing'); os._exit(0)
        assert_fact('t', {'name': 'A'})
    """)
    assert "still firing" in result.stdout


def test_16_learning_regular_expressions_are_an_anchored_lua_dialect() -> None:
    host, name = raw({"lua": {"all": [{"m": {"$mt": {"eccn": "%d[A-E]%d%d%d"}}}], "run": "lua"},
                      "py": {"all": [{"m": {"$mt": {"eccn": "\\d[A-E]\\d{3}"}}}], "run": "py"}})
    assert_each(host, name, [{"id": "1", "eccn": "3A001"}, {"id": "2", "eccn": "x3A001"}])
    assert [(f[0], f[1]["m"]["id"]) for f in host.fired] == [("lua", "1")]


# 10 ------------------------------------------------------------------------------------------


def test_10_learning_a_fact_holds_at_most_255_properties() -> None:
    host, name = raw({"r": {"all": [{"m": {"k": 1}}], "run": "r"}})
    fact = {"sid": "0", "id": "a", "k": 1, **{f"p{i}": i for i in range(300)}}
    with pytest.raises(Exception, match="302"):
        host.assert_fact(name, fact)


def test_10_rex_objects_cannot_reach_255_properties() -> None:
    from engine.catalogue import catalogue

    for kind, fields in catalogue().fields.items():
        assert len(fields) + len({"sid", "id", "ft", "w", "k"}) < compiler.MAX_FACT_PROPERTIES, kind


# 11 and 12 -----------------------------------------------------------------------------------


def test_11_learning_a_posted_event_is_consumed_by_the_first_rule() -> None:
    host, name = raw({"a": {"all": [{"m": {"$gt": {"v": 1}}}], "run": "a"},
                      "b": {"all": [{"m": {"s": "x"}}], "run": "b"}})
    host.post(name, {"sid": "0", "id": "1", "v": 5, "s": "x"})
    assert len(host.fired) == 1


def test_11_rex_asserts_facts_so_every_rule_sees_them(engine: Engine) -> None:
    statuses = engine.statuses(noise_case())
    assert ("uk-nsi.s8-entity-control", ("deal", "buyer", "target")) in statuses
    assert ("uk-nsi.s1-call-in", ("deal",)) in statuses
    assert all("post(" not in path.read_text()
               for path in Path(rex_engine.__file__).parent.rglob("*.py"))


def test_12_learning_two_patterns_join_two_different_facts() -> None:
    host, name = raw({"r": {"all": [{"a": {"$neq": {"first": "None"}}},
                                     {"b": {"$neq": {"last": "None"}}}], "run": "r"}})
    assert_each(host, name, [{"id": "1", "first": "Ann", "last": "None"},
                             {"id": "2", "first": "None", "last": "Lee"}])
    assert len(host.fired) == 1


def test_12_rex_puts_all_tests_on_one_object_in_one_pattern(pack: RulePack) -> None:
    for compiled in compile_pack(pack).compiled.values():
        assert len(compiled.definition["all"]) == len(compiled.bindings)


# 14 and 15 -----------------------------------------------------------------------------------


def test_14_learning_none_makes_a_fact_unhandled_and_strings_compare_as_numbers() -> None:
    host, name = raw({"u": {"all": [{"m": {"$and": [{"t": "co"}, {"$nex": {"v": 1}}]}}],
                            "run": "u"},
                      "g": {"all": [{"m": {"$and": [{"t": "co"}, {"$gt": {"v": 70}}]}}],
                            "run": "g"}})
    with pytest.raises(MessageNotHandledException):
        host.assert_fact(name, {"sid": "0", "id": "1", "t": "co", "v": None})
    assert_each(host, name, [{"id": "2", "t": "co", "v": "80"}])
    assert [f[0] for f in host.fired] == ["g"]


def test_14_15_rex_facts_hold_no_none_and_no_date_objects(engine: Engine) -> None:
    for fact in encode_case(noise_case()):
        for value in fact.values():
            assert value is not None
            assert not isinstance(value, dt.date)
        json.dumps(fact)


def test_15_learning_yaml_dates_are_not_json() -> None:
    host, name = raw({"r": {"all": [{"m": {"k": 1}}], "run": "r"}})
    with pytest.raises(TypeError):
        host.assert_fact(name, {"sid": "0", "id": "a", "k": 1, "d": dt.date(2024, 1, 4)})


# 18 ------------------------------------------------------------------------------------------


def test_18_learning_registration_mutates_the_definition() -> None:
    definition = {"r": {"all": [{"m": {"k": 1}}], "run": "r"}}
    RawHost().set_rulesets({"mut18a": definition})
    with pytest.raises(KeyError):
        RawHost().set_rulesets({"mut18b": definition})
    assert definition == {"r": {"all": [{"m": {"k": 1}}]}}  # only "run" is taken out


def test_18_rex_registers_copies(pack: RulePack) -> None:
    program = compile_pack(pack, dt.date(2023, 1, 1))
    before = json.dumps([c.definition() for c in program.chunks], sort_keys=True)
    session.session_for(program)
    session.session_for(compile_pack(pack, dt.date(2023, 1, 1)))
    assert json.dumps([c.definition() for c in program.chunks], sort_keys=True) == before


# 19 ------------------------------------------------------------------------------------------


def test_19_the_fixed_build_is_ported_to_python_3_13_and_the_package_says_so() -> None:
    from .conftest import ROOT

    text = (ROOT / "setup.cfg").read_text()
    assert "python_requires = >=3.10,<3.14" in text
    patch = (ROOT / "third_party" / "durable-rules" / "rex.3.patch").read_text()
    added = [line for line in patch.splitlines() if line.startswith("+")]
    removed = [line for line in patch.splitlines() if line.startswith("-")]
    assert sum("PyObject_CallObject(" in line for line in added) == 5
    assert sum("PyEval_CallObject(" in line for line in removed) == 5
    assert any("epoch = datetime.datetime(1970, 1, 1)" in line for line in added)


# 20: joins after nested tests -----------------------------------------------------------------


def _join_rule(pattern: list[Any]) -> dict[str, Any]:
    return {"r": {"all": [{"x0": {"$and": [{"ft": "ev"}]}},
                          {"x1": {"$and": [{"ft": "party"}, *pattern]}}], "run": "r"}}


JOIN_FACTS = [{"id": "e", "ft": "ev", "to": "p1"}, {"id": "p1", "ft": "party", "k": "p1"},
              {"id": "p2", "ft": "party", "k": "p2"}]


def test_20_learning_a_join_after_a_nested_or_is_tested_in_the_fixed_build() -> None:
    # Stock 2.0.28 ignored the join placed after the nested $or (both parties matched); the
    # expression sequence fix of pitfall 29 makes the engine test it.
    nested = {"$or": [{"a": 1}, {"$nex": {"a": 1}}]}
    join = {"k": {"x0": "to"}}
    host, name = raw(_join_rule([nested, join]))
    assert_each(host, name, JOIN_FACTS)
    assert sorted(f[1]["x1"]["k"] for f in host.fired) == ["p1"]
    host, name = raw(_join_rule([join, nested]))
    assert_each(host, name, JOIN_FACTS)
    assert sorted(f[1]["x1"]["k"] for f in host.fired) == ["p1"]


def test_20_rex_places_every_join_before_nested_tests(pack: RulePack) -> None:
    for definition in _all_definitions(pack):
        for pattern in definition["all"]:
            (test,) = pattern.values()
            compiler._check_expression_order(test["$and"])


# 21: actions abandoned on a wall-clock jump ---------------------------------------------------


def test_21_learning_actions_are_abandoned_after_10_seconds_of_wall_clock(monkeypatch: Any) -> None:
    host, name = raw({"r": {"all": [{"m": {"k": 1}}], "run": "r"}})
    ticks = iter(range(0, 10**6, 11))
    monkeypatch.setattr(durable_engine, "_unix_now", lambda: float(next(ticks)))
    state = host.assert_fact(name, {"sid": "0", "id": "a", "k": 1})
    assert state == 0


def test_21_rex_reads_no_wall_clock_while_running_actions(engine: Engine,
                                                          monkeypatch: Any) -> None:
    # The 10-second abandonment lives in durable_rules' Python action runner, which rex does
    # not use: a clock that jumps by 11 s at every reading changes nothing.
    case = noise_case()
    expected = engine.statuses(case)
    live = engine.session(None)
    renewals = live.renewals
    ticks = iter(range(0, 10**9, 11))
    monkeypatch.setattr(durable_engine, "_unix_now", lambda: float(next(ticks)))
    assert engine.statuses(case) == expected
    assert live.renewals == renewals
    monkeypatch.undo()
    assert live.live_facts() == 0


def test_21_rex_refuses_to_report_when_the_core_keeps_deferring_facts(engine: Engine,
                                                                      monkeypatch: Any) -> None:
    # A state left locked by an unfinished action makes the C core defer new facts: rex runs
    # the case again on fresh rulesets, and stops with an error if that happens twice.
    real = durable_rules_engine.assert_fact

    def deferring(handle: Any, text: str) -> Any:
        code = real(handle, text)
        return (99, *code[1:]) if code[0] == 0 else code

    monkeypatch.setattr(durable_rules_engine, "assert_fact", deferring)
    with pytest.raises(EngineError, match="abandoned"):
        engine.session(None).run(encode_case(noise_case()))
    monkeypatch.undo()
    assert engine.statuses(noise_case())


# 22: $iall on an empty list -------------------------------------------------------------------


def test_22_learning_iall_is_false_on_an_empty_list() -> None:
    host, name = raw({"r": {"all": [{"m": {"$iall": {"l": {"$neq": {"$i": "ai"}}}}}],
                            "run": "r"}})
    assert_each(host, name, [{"id": "1", "l": []}, {"id": "2", "l": ["x"]}])
    assert [f[1]["m"]["id"] for f in host.fired] == ["2"]


def test_22_rex_reads_contains_none_of_an_empty_list_as_true(tmp_path: Any) -> None:
    from engine.rules import load_rules

    (tmp_path / "r.yaml").write_text("""
rules:
  - id: uk-test.no-uk-defence
    title: No defence activity in the UK
    regime: uk-test
    provision: test
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2000-01-01}
    severity: info
    match: {party: party}
    when: {party.uk_sectors: {contains_none: [defence]}}
    finding:
      title: "{party} carries on no defence activity in the UK"
      who_acts: [{role: adviser, name: nobody, may: note it}]
""")
    case = case_from_document(load_bytes(b"""
rex: 1
id: empty
title: A party whose activities are all outside the UK
sources: [{id: s, title: Scenario, kind: internal}]
parties:
  - id: p
    name: P
    status: confirmed
    source: s
    activities: {software: {where: [US]}}
""", "empty.yaml"))
    assert compiler.encode_value((), "list") == [compiler.EMPTY_LIST_MARK]
    statuses = Engine(load_rules([tmp_path])).statuses(case)
    assert statuses == {("uk-test.no-uk-defence", ("p",)): "triggered"}


# 23: numbers ----------------------------------------------------------------------------------


def test_23_learning_exponents_without_a_fraction_do_not_parse() -> None:
    with pytest.raises(Exception, match="204"):
        raw({"r": {"all": [{"m": {"$gt": {"ops": 1e26}}}], "run": "r"}})
    raw({"r": {"all": [{"m": {"$gt": {"ops": 1.5e26}}}], "run": "r"}})


def test_23_rex_encodes_numbers_exactly_or_refuses() -> None:
    assert encode_number(1e26, scale=1e15) == 100_000_000_000
    assert encode_number(25.01) == 25.01
    assert encode_number(70_000_000.0) == 70_000_000
    with pytest.raises(EngineError):
        encode_number(1e20)
    with pytest.raises(EngineError):
        encode_number(1e-7)


# 24: a comparison join needs the other fact's field ------------------------------------------


def test_24_learning_a_comparison_join_to_a_missing_field_errors() -> None:
    host, name = raw({"r": {"all": [{"e": {"$and": [{"ft": "x"}]}},
                                    {"p": {"$and": [{"ft": "y"}, {"$gte": {"s": {"e": "d"}}}]}}],
                            "run": "r"}})
    assert_each(host, name, [{"id": "1", "ft": "x"}])
    with pytest.raises(Exception, match="311"):
        host.assert_fact(name, {"sid": "0", "id": "2", "ft": "y", "s": 5})


def test_24_rex_guards_every_field_another_pattern_reads(pack: RulePack) -> None:
    rule = pack.get("us-export.ear-744.11-entity-list")
    assert rule is not None
    program = compile_pack(pack)
    compiled = [c for c in program.compiled.values() if c.rule == rule.id]
    guards = [c.definition["all"][0]["x0"]["$and"] for c in compiled]
    assert any({"$ex": {"date__lo": 1}} in g and {"$ex": {"date__hi": 1}} in g for g in guards)


# 25: one activation per true $or branch -------------------------------------------------------


def test_25_learning_an_or_fires_once_per_true_branch() -> None:
    host, name = raw({"r": {"all": [{"m": {"$or": [{"$gt": {"a": 1}}, {"$gt": {"b": 1}}]}}],
                            "run": "r"}})
    assert_each(host, name, [{"id": "1", "a": 2, "b": 2}])
    assert len(host.fired) == 2


def test_25_rex_reports_one_finding_per_rule_and_key(engine: Engine) -> None:
    report = engine.report(noise_case(), today=dt.date(2026, 11, 27))
    keys = [(f.rule, tuple(sorted(f.on.items()))) for f in report.findings]
    assert len(keys) == len(set(keys))


# 26: one fact in two patterns -----------------------------------------------------------------


def _two_roles(extra: dict[str, Any]) -> dict[str, Any]:
    rule = {"all": [{"x0": {"ft": "ev"}},
                    {"x1": {"$and": [{"ft": "party"}, {"k": {"x0": "by"}}]}},
                    {"x2": {"$and": [{"ft": "party"}, {"k": {"x0": "to"}}]}}], "run": "r"}
    return {"r": {**rule, **extra}}


def test_26_learning_by_default_a_fact_fills_only_one_pattern() -> None:
    facts = [{"id": "e", "ft": "ev", "by": "p", "to": "p"}, {"id": "p", "ft": "party", "k": "p"}]
    host, name = raw(_two_roles({}))
    assert_each(host, name, facts)
    assert host.fired == []
    host, name = raw(_two_roles({"dist": 0}))
    assert_each(host, name, facts)
    assert len(host.fired) == 1


def test_26_rex_lets_one_party_fill_two_roles(pack: RulePack, engine: Engine) -> None:
    for compiled in compile_pack(pack).compiled.values():
        assert compiled.definition["dist"] == 0
    text = CASE_WITH_NOISE.replace(b"target: target", b"target: buyer")
    statuses = engine.statuses(case_from_document(load_bytes(text, "self.yaml")))
    assert statuses == engine.oracle(case_from_document(load_bytes(text, "self.yaml")))


# 27: an $iany over an $or ---------------------------------------------------------------------

GROOM_HEAP = """
    import json
    import durable_rules_engine as dre

    def create(name, inner):
        # memory the C core allocates next is likely to be memory freed here, full of 0x09
        # (JSON_IDENTIFIER in its json.h): what an unset field of a new node then holds
        junk = [bytes([9]) * size for size in (600, 1200, 2400, 4800, 9600) for _ in range(50)]
        del junk
        test = {"$and": [{"ft": "party"}, inner]}
        try:
            dre.create_ruleset(name, json.dumps({"r": {"all": [{"m": test}]}}))
            return "ok"
        except Exception as error:
            return str(error)
"""


def test_27_learning_an_iany_over_an_or_reads_an_unset_node() -> None:
    result = run_isolated(GROOM_HEAP + """
    over_or = {"$iany": {"l": {"$or": [{"$i": "a"}, {"$i": "b"}]}}}
    single = {"$iany": {"l": {"$i": "a"}}}
    print(json.dumps([create(f"or{i}", over_or) for i in range(5)]
                     + [create(f"one{i}", single) for i in range(5)]))
    """)
    outcomes = json.loads(result.stdout)
    assert all("102" in outcome for outcome in outcomes[:5]), outcomes  # random in real use
    assert outcomes[5:] == ["ok"] * 5


def test_27_rex_spells_contains_any_as_an_or_of_single_item_tests(pack: RulePack,
                                                                   tmp_path: Path) -> None:
    spelled_as_or = 0
    for definition in _all_definitions(pack):
        for item in _walk(definition):
            if isinstance(item, dict) and "$iany" in item:
                ((_, inner),) = item["$iany"].items()
                assert set(inner) == {"$i"}
            if isinstance(item, dict) and "$or" in item:
                spelled_as_or += all("$iany" in branch for branch in item["$or"])
    assert spelled_as_or  # the shipped packs test "contains any of" somewhere
    chunks = tmp_path / "chunks.json"
    definitions = [{name: {key: value for key, value in rule.items() if key != "run"}
                    for name, rule in chunk.definition().items()}
                   for chunk in compile_pack(pack).chunks]  # "run" is the Python layer's key
    chunks.write_text(json.dumps(definitions))
    result = run_isolated(GROOM_HEAP + f"""
    outcomes = set()
    for i, rules in enumerate(json.loads(open({str(chunks)!r}).read())):
        junk = [bytes([9]) * size for size in (600, 1200, 2400, 4800, 9600) for _ in range(50)]
        del junk
        try:
            dre.create_ruleset(f"rex{{i}}", json.dumps(rules))
            outcomes.add("ok")
        except Exception as error:
            outcomes.add(str(error))
    print(json.dumps(sorted(outcomes)))
    """)
    assert json.loads(result.stdout) == ["ok"], result.stderr


# 28: retracting the facts of a fired join overran a freed frame (fixed in rex's build) ---------


def test_28_the_installed_durable_rules_is_rex_s_fixed_build() -> None:
    import importlib.metadata

    import durable_rules_engine

    assert importlib.metadata.version("durable-rules") == "2.0.28+rex.3"
    assert durable_rules_engine.REX_FIXES >= session.REQUIRED_FIXES


RETRACT_A_FIRED_JOIN = """
import json
import durable_rules_engine
from durable import engine


class Host(engine.Host):
    def __init__(self):
        self.fired = 0
        super().__init__()

    def get_action(self, name):
        def action(c):
            self.fired += 1
        return action

    def _run(self):
        pass


host = Host()
host.set_rulesets({"j": {"r": {"all": [
    {"a": {"t": "p"}},
    {"b": {"$and": [{"t": "q"}, {"k": {"a": "k"}}]}},
    {"c": {"$and": [{"t": "e"}, {"by": {"a": "k"}}]}}], "run": "r", "dist": 0}}})
# Six activations at once fill the action frame pool up to its spare last slot.
facts = [{"sid": "0", "id": f"{t}{i}", "t": t, "k": f"x{i}", "by": f"x{i}"}
         for t in "pqe" for i in range(6)]
for fact in facts:
    host.assert_fact("j", fact)
handle = host.get_ruleset("j")._handle
for fact in reversed(facts):
    durable_rules_engine.retract_fact(handle, json.dumps(fact))
print("fired", host.fired, "retracted")
"""


def test_28_learning_retracting_a_fired_join_reads_nothing_past_its_frames(
        tmp_path: Path) -> None:
    """On stock 2.0.28 valgrind reports 'Conditional jump or move depends on uninitialised
    value(s) at deleteMessageFromFrame (state.c:265 and 267)' for this script: the scan for the
    third fact of each freed frame runs into the pool's unwritten spare slot. The fixed build
    never scans a freed frame."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.skip("valgrind is not installed")
    script = tmp_path / "retract.py"
    script.write_text(RETRACT_A_FIRED_JOIN)
    result = subprocess.run([valgrind, "--num-callers=4", sys.executable, str(script)],
                            capture_output=True, text=True, timeout=1800, check=False,
                            env={**os.environ, "PYTHONMALLOC": "malloc"})
    assert result.stdout.strip() == "fired 6 retracted", result.stderr[-2000:]
    assert "deleteMessageFromFrame" not in result.stderr
    assert "handleDeleteMessage" not in result.stderr


def test_28_29_rex_refuses_a_durable_rules_build_without_both_fixes(monkeypatch: Any) -> None:
    import durable_rules_engine

    session.check_engine_build()
    monkeypatch.setattr(durable_rules_engine, "REX_FIXES", 1)  # the frame fix alone
    with pytest.raises(EngineError, match="lacks rex's fixes to its C core"):
        session.check_engine_build()
    monkeypatch.delattr(durable_rules_engine, "REX_FIXES")  # stock
    with pytest.raises(EngineError, match="lacks rex's fixes to its C core"):
        session.check_engine_build()


# 29: a failed last join read on through the rule network ---------------------------------


def test_29_learning_a_failed_last_join_stops_at_the_end_of_its_sequence() -> None:
    """Stock 2.0.28 crashes on this script (exit -11): the pattern's join sequence is
    [$and, equal, less than, end]; when the last test fails, the skip loop steps over the end
    marker and reads on through the rule network, a mapped block of about 300 rules here,
    until a byte equals the marker or the mapping ends. rex's packs emit this shape (for
    example in us-export.ear-744.11-entity-list)."""
    result = run_isolated("""
        from durable import engine

        class Host(engine.Host):
            def __init__(self):
                self.fired = []
                super().__init__()

            def get_action(self, name):
                return lambda c: self.fired.append(name)

            def _run(self):
                pass

        rules = {f"f{i}": {"all": [{"x0": {"$and": [{"t": f"z{i}"}, {"u": i}]}}],
                           "run": f"f{i}"} for i in range(300)}
        rules["zz"] = {"all": [{"x0": {"t": "a"}}, {"x1": {"$and": [
            {"t": "b"}, {"k": {"x0": "k"}}, {"$lt": {"v": {"x0": "v"}}}]}}], "run": "zz"}
        host = Host()
        host.set_rulesets({"big": rules})
        host.assert_fact("big", {"sid": "0", "id": "a", "t": "a", "k": 1, "v": 5})
        host.assert_fact("big", {"sid": "0", "id": "b", "t": "b", "k": 1, "v": 10})
        host.assert_fact("big", {"sid": "0", "id": "c", "t": "b", "k": 1, "v": 3})
        print(host.fired)
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "['zz']"  # only c: 3 < 5; b (10) fails the last test


def test_29_learning_tests_after_a_nested_group_are_evaluated() -> None:
    # Stock 2.0.28 returned at a nested group's end marker without consuming it, so the
    # enclosing group stopped there: the second $and below was never tested.
    host, name = raw({"r": {"all": [
        {"x0": {"$and": [{"ft": "ev"}]}},
        {"x1": {"$and": [{"ft": "party"}, {"$and": [{"k": {"x0": "to"}}]},
                         {"$and": [{"owner": {"x0": "by"}}]}]}}], "run": "r"}})
    assert_each(host, name, [{"id": "e", "ft": "ev", "to": "p1", "by": "o1"},
                             {"id": "p1", "ft": "party", "k": "p1", "owner": "o2"},
                             {"id": "p2", "ft": "party", "k": "p1", "owner": "o1"}])
    assert [f[1]["x1"]["id"] for f in host.fired] == ["p2"]


@pytest.mark.parametrize("command", [["report"], ["check", "--update-baseline"],
                                     ["check", "-j", "2", "--update-baseline"]])
def test_28_the_command_line_refuses_a_stock_build_in_one_line_and_writes_nothing(
        command: list[str], tmp_path: Path) -> None:
    seed = Path(__file__).resolve().parent.parent / "cases/anthropic-alibaba-2026.yaml"
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"cases": {"kept": {}}}')
    args = [command[0], str(seed), str(seed), *command[1:]]
    if command[0] == "check":
        args += ["--baseline", str(baseline)]
    result = run_isolated(f"""
        import durable_rules_engine
        del durable_rules_engine.REX_FIXES
        from engine.cli import main
        main({args!r}, prog_name="rex")
    """)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert "durable-rules 2.0.28 lacks rex's fixes" in line
    assert "docs/durable-rules.md" in line
    assert baseline.read_text() == '{"cases": {"kept": {}}}'
