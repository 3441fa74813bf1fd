"""Shared fixtures: the shipped rule pack, one engine per test session, and case paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.evaluate import Engine
from engine.rules import RulePack, load_rules

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "cases"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"
TODAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return load_rules()


@pytest.fixture(scope="session")
def engine(pack: RulePack) -> Engine:
    return Engine(pack)


def case_files() -> list[Path]:
    return sorted(CASES.rglob("*.yaml"))
