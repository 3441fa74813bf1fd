"""Safe YAML reading: PyYAML behaviours rex depends on or guards against, and its limits."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from engine.errors import InputError
from engine.yamlio import C_LOADER, Limits, load_bytes, load_file


def test_learning_pyyaml_keeps_the_last_of_duplicate_keys() -> None:
    assert yaml.safe_load("a: 1\na: 2\n") == {"a": 2}


def test_learning_pyyaml_reads_no_as_false() -> None:
    assert yaml.safe_load("country: NO\n") == {"country": False}


def test_learning_pyyaml_gives_dates_as_date_objects() -> None:
    assert yaml.safe_load("d: 2024-01-04\n") == {"d": dt.date(2024, 1, 4)}


def test_norway_stays_a_country_and_yes_stays_text() -> None:
    doc = load_bytes(b"country: NO\nanswer: yes\nflag: true\n", "t.yaml")
    assert doc.data == {"country": "NO", "answer": "yes", "flag": True}


def test_an_export_classification_is_not_a_number() -> None:
    doc = load_bytes(b"eccn: 4E091\nother: 3A090\ncompute: 1e26\nbig: 2E10\n", "t.yaml")
    assert doc.data == {"eccn": "4E091", "other": "3A090", "compute": 1e26, "big": 2e10}


def test_values_keep_their_line_and_column() -> None:
    doc = load_bytes(b"a:\n  b: [1, 2]\n  c: 2024-01-04\n", "t.yaml")
    assert str(doc.where(("a", "b", 1))) == "t.yaml:2:10"
    assert doc.data["a"]["c"] == dt.date(2024, 1, 4)
    assert str(doc.where(("a", "missing"))) == "t.yaml:2:3"


def test_times_need_a_zone() -> None:
    doc = load_bytes(b"t: 2025-03-01T09:30:00Z\n", "t.yaml")
    assert doc.data["t"] == dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(InputError, match="no time zone"):
        load_bytes(b"t: 2025-03-01T09:30:00\n", "t.yaml")


def test_the_c_loader_is_used_when_present() -> None:
    assert hasattr(yaml, "CSafeLoader") == C_LOADER


def test_a_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for index in range(1, 12):
        name, prev = chr(97 + index), chr(96 + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.process_time()  # CPU time: a loaded machine does not stretch it
    with pytest.raises(InputError, match="aliases"):
        load_bytes("\n".join(lines).encode(), "bomb.yaml")
    assert time.process_time() - start < 5


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(InputError, match="nest"):
        load_bytes(b"[" * 200 + b"]" * 200, "deep.yaml")
    with pytest.raises(InputError):
        load_bytes(b"[" * 100_000 + b"]" * 100_000, "deeper.yaml")


def test_a_long_value_is_refused() -> None:
    with pytest.raises(InputError, match="longer than"):
        load_bytes(b"a: " + b"x" * 70_000 + b"\n", "long.yaml")


def test_too_many_nodes_are_refused() -> None:
    with pytest.raises(InputError, match="nodes"):
        load_bytes(b"[" + b"1," * 300 + b"1]", "many.yaml", Limits(max_nodes=100))


def test_the_node_limit_is_enforced_before_the_nodes_are_built() -> None:
    # 2.6 million one-letter items in 5 MiB: refused on the event that crosses the limit, so
    # the Python memory it costs is bounded by the limit, not by the file (composing the
    # whole node graph first took over a gigabyte).
    raw = b"a: [" + b"a," * 2_600_000 + b"a]\n"
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="more than 200,000 YAML nodes") as caught:
            load_bytes(raw, "flow.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.location.column is not None and caught.value.location.column < 400_100
    assert peak < 120 * 1024 * 1024, peak


def test_a_large_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    with path.open("wb") as stream:
        stream.truncate(100 * 1024 * 1024)
    start = time.process_time()  # CPU time: reading 100 MB would cost far more than this
    with pytest.raises(InputError, match="bytes"):
        load_file(path)
    assert time.process_time() - start < 1


@pytest.mark.parametrize("text, message", [
    (b"a: !!binary aGVsbG8=\n", "tag"),
    (b"a: !custom x\n", "tag"),
    (b"? [1]\n: 2\n", "plain string"),
    (b"1: x\n", "not a string"),
    (b"<<: {a: 1}\n", "merge keys"),
    (b"a: .inf\n", "finite"),
    (b"a: 1e400\n", "too large"),
    (b"\xff\xfe", "UTF-8"),
    (b"a: \x00\n", "NUL"),
    (b"a: 1\n---\nb: 2\n", "one YAML document"),
    # The documented policy refuses anchors and tags wherever they are.
    (b"&k a: 1\n", "anchors"),
    (b"a: &v 1\n", "anchors"),
    (b"a: !!bool true\n", "the tag !!bool"),
    (b"a: !!timestamp 2020-01-01\n", "the tag !!timestamp"),
    (b"a: !!str 12\n", "the tag !!str"),
    (b"!!map {a: 1}\n", "the tag !!map"),
    (b"a: ! x\n", "tag"),
    (b'a: "x\\0y"\n', "NUL"),
    (b'"k\\x00": 1\n', "NUL"),
    (b"\xef\xbb\xbf\xef\xbb\xbfa: 1\n", "second byte-order mark"),
])
def test_unusual_yaml_is_refused(text: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_bytes(text, "t.yaml")


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_file(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="not a regular file"):
        load_file(tmp_path)
