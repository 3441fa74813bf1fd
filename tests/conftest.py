"""Shared fixtures: the shipped rule pack, one engine per test session, and case paths."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from engine.evaluate import Engine
from engine.rules import RulePack, load_rules

# The compile cache of every rex the tests run (in this process or a child) is a folder of the
# test run's own, never the user's; tests of the cache itself name theirs.
os.environ["REX_CACHE_DIR"] = tempfile.mkdtemp(prefix="rex-test-cache-")

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
TODAY = dt.date(2026, 11, 27)

# HYPOTHESIS_PROFILE=thorough runs the property tests twenty times longer than CI does.
settings.register_profile("thorough", max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"


def examples(count: int) -> int:
    """An example count for a test that sets its own: twenty times more when thorough."""
    return count * 20 if THOROUGH else count


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_rules()


@pytest.fixture(scope="session")
def engine(pack: RulePack) -> Engine:
    return Engine(pack)


def case_files() -> list[Path]:
    return sorted(CASES.rglob("*.yaml"))


# A rule resting on an unconfirmed figure: its findings are capped at possible.
UNVERIFIED_RULE = """
rules:
  - id: uk-test.unverified
    title: A rule resting on an unconfirmed figure
    regime: uk-test
    provision: Test
    url: https://www.legislation.gov.uk/test
    in_force: {from: 2000-01-01}
    severity: low
    certainty: unverified
    match: {party: party}
    when: {party.country: GB}
    ask:
      party.country: Where is {party} established?
    finding:
      title: "{party}"
      who_acts: [{role: authority, name: A, may: act}]
"""
