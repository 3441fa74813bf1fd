"""A seeded generator of realistic synthetic case files for the benchmarks.

Each case has 10 to 200 objects: parties in ownership chains up to depth 6 (some state-owned at
the top), assets (models, weights, code, chips) and events (acquisitions, licences,
collaborations, accesses, exports, hires). Facts are a mix of confirmed, alleged and unknown,
and values sit near the thresholds the shipped rules test, so every rule pack is exercised.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import yaml

COUNTRIES = ["GB", "US", "CN", "HK", "FR", "DE", "JP", "SG"]
SECTORS = ["artificial-intelligence", "defence", "software", "computing-hardware",
           "cloud-computing", "communications", "data-infrastructure"]
ASSET_TYPES = ["ai-model", "model-weights", "source-code", "dataset", "know-how", "chip",
               "technology"]
EVENT_TYPES = ["share-acquisition", "vote-acquisition", "licence", "research-collaboration",
               "unauthorised-access", "export", "hiring", "investment", "merger",
               "asset-acquisition", "transfer", "partnership"]
PCTS = [0, 5, 10, 20, 25, 25.01, 30, 40, 50, 50.01, 51, 60, 74.99, 75, 80, 100]
MONEY = [2_000_000, 9_000_000, 10_000_000, 12_000_000, 60_000_000, 70_000_000, 71_000_000,
         95_000_000, 100_000_000, 140_000_000, 900_000_000]
LEVELS = ["none", "material-influence", "de-facto-control", "legal-control"]
START = dt.date(2018, 1, 1)
DAYS = (dt.date(2026, 10, 31) - START).days


class Generator:
    """Builds case data; the same seed always gives the same cases."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def fact(self, value: Any, unknown: float = 0.25, alleged: float = 0.2) -> Any:
        draw = self.rng.random()
        if draw < unknown:
            return None
        if draw < unknown + alleged:
            return {"value": value, "status": "alleged"}
        return value

    def date(self) -> dt.date:
        return START + dt.timedelta(days=self.rng.randrange(DAYS))

    def case(self, index: int, size: int | None = None) -> dict[str, Any]:
        rng = self.rng
        total = size if size is not None else rng.randint(10, 200)
        n_parties = max(3, total * 4 // 10)
        n_assets = max(2, total * 3 // 10)
        n_events = max(2, total - n_parties - n_assets)
        parties = self.parties(n_parties)
        ids = [p["id"] for p in parties]
        assets = [self.asset(i, ids) for i in range(n_assets)]
        asset_ids = [a["id"] for a in assets]
        events = [self.event(i, ids, asset_ids) for i in range(n_events)]
        return {
            "rex": 1,
            "id": f"bench-{index}",
            "title": f"Synthetic case {index}",
            "sources": [{"id": "s", "title": "Synthetic", "kind": "internal"}],
            "parties": parties,
            "assets": assets,
            "events": events,
        }

    def parties(self, count: int) -> list[dict[str, Any]]:
        rng = self.rng
        out: list[dict[str, Any]] = []
        chain_parent: str | None = None
        depth = 0
        for i in range(count):
            ident = f"p{i}"
            party: dict[str, Any] = {
                "id": ident, "name": f"Party {i}", "source": "s",
                "status": "alleged" if rng.random() < 0.1 else "confirmed",
                "type": rng.choice(["company"] * 6 + ["university", "state-body", "individual"]),
            }
            self.put(party, "country", self.fact(rng.choice(COUNTRIES), unknown=0.15))
            self.put(party, "headquarters", self.fact(rng.choice(COUNTRIES), unknown=0.4))
            self.put(party, "residence", self.fact(rng.choice(COUNTRIES), unknown=0.6))
            for flag in ("uk_activities", "uk_supplies", "us_person", "state_owned",
                         "state_linked"):
                self.put(party, flag, self.fact(rng.random() < 0.3, unknown=0.5))
            if rng.random() < 0.5:
                party["turnover"] = {"uk": {"amount": rng.choice(MONEY), "currency": "GBP",
                                            "year": 2024}}
            if rng.random() < 0.15:
                party["listings"] = {"us-entity-list": {"listed": rng.random() < 0.5,
                                                        "since": self.date()}}
            if rng.random() < 0.5:
                sector = rng.choice(SECTORS)
                party["activities"] = {sector: {"where": rng.sample(COUNTRIES, 2)}}
            if chain_parent is not None and depth < 6 and rng.random() < 0.7:
                link: dict[str, Any] = {"party": chain_parent}
                self.put(link, "shares_pct", self.fact(rng.choice(PCTS), unknown=0.2))
                self.put(link, "votes_pct", self.fact(rng.choice(PCTS), unknown=0.5))
                party["owners"] = [link]
                depth += 1
            else:
                depth = 0
            chain_parent = ident
            out.append(party)
        return out

    def asset(self, index: int, parties: list[str]) -> dict[str, Any]:
        rng = self.rng
        asset: dict[str, Any] = {
            "id": f"a{index}", "name": f"Asset {index}", "source": "s", "status": "confirmed",
            "type": rng.choice(ASSET_TYPES), "owner": rng.choice(parties),
        }
        self.put(asset, "held_in", self.fact(rng.sample(COUNTRIES, 2), unknown=0.4))
        for flag in ("uk_use", "us_origin", "published", "fundamental_research"):
            self.put(asset, flag, self.fact(rng.random() < 0.4, unknown=0.4))
        if rng.random() < 0.2:
            asset["eccn"] = rng.choice(["3A090", "4A090", "4E091", "EAR99", "5D002"])
        return asset

    def event(self, index: int, parties: list[str], assets: list[str]) -> dict[str, Any]:
        rng = self.rng
        event: dict[str, Any] = {
            "id": f"e{index}", "source": "s", "type": rng.choice(EVENT_TYPES),
            "status": "alleged" if rng.random() < 0.2 else "confirmed",
        }
        for role in ("by", "to", "target"):
            self.put(event, role, self.fact(rng.choice(parties), unknown=0.2, alleged=0.1))
        event["assets"] = rng.sample(assets, min(len(assets), rng.randint(0, 2)))
        if rng.random() < 0.6:
            event["shares"] = {"before": rng.choice(PCTS[:8]), "after": rng.choice(PCTS)}
        if rng.random() < 0.4:
            event["votes"] = {"before": rng.choice(PCTS[:8]), "after": rng.choice(PCTS)}
        self.put(event, "control_level_before", self.fact(rng.choice(LEVELS[:2]), unknown=0.5))
        self.put(event, "control_level", self.fact(rng.choice(LEVELS), unknown=0.4))
        self.put(event, "export_licence", self.fact(rng.random() < 0.3, unknown=0.5))
        if rng.random() < 0.4:
            event["asset_control"] = {"use": rng.random() < 0.6}
        if rng.random() < 0.2:
            event["share_of_supply"] = {"combined_pct": rng.choice(PCTS), "increment": True}
        dates: dict[str, Any] = {}
        for name in ("completed", "signed", "announced"):
            self.put(dates, name, self.fact(self.date(), unknown=0.4))
        if dates:
            event["dates"] = dates
        aware = self.fact(self.date(), unknown=0.4)
        if aware is not None:
            event["process"] = {"uk-nsi": {"aware": aware}}
        return event

    @staticmethod
    def put(target: dict[str, Any], key: str, value: Any) -> None:
        if value is not None:
            target[key] = value


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(case: dict[str, Any]) -> bytes:
    return yaml.dump(case, Dumper=_Dumper, sort_keys=False).encode()


def cases(count: int, seed: int = 20261127) -> list[bytes]:
    generator = Generator(seed)
    return [to_yaml(generator.case(index)) for index in range(count)]


def ownership_chain(length: int, reverse: bool = False) -> dict[str, Any]:
    """A chain of ``length`` wholly-owned companies under a state-owned parent headquartered in
    China, on the Entity List and designated in the UK, with an export to the bottom company:
    the deepest case the limits allow, for the cost tests and ``make bench``. ``reverse``
    lists the companies bottom first."""
    source = {"status": "confirmed", "source": "register"}
    parties: list[dict[str, Any]] = []
    for index in range(length):
        party: dict[str, Any] = {"id": f"c{index}", "name": f"Company {index}",
                                 "type": "company", "country": "GB", **source}
        if index == 0:
            party.update(country="CN", headquarters="CN", state_owned=True, listings={
                "us-entity-list": {"listed": True, "since": dt.date(2020, 1, 1), **source},
                "uk-sanctions-list": {"listed": True, "since": dt.date(2020, 1, 1), **source}})
        else:
            party["owners"] = [{"party": f"c{index - 1}", "shares_pct": 100}]
        parties.append(party)
    if reverse:
        parties.reverse()
    return {
        "rex": 1, "id": f"chain-{length}", "title": f"An ownership chain of {length} companies",
        "sources": [{"id": "register", "title": "Company register", "kind": "register"}],
        "parties": [*parties, {"id": "exporter", "name": "Exporter Inc", "type": "company",
                               "country": "US", **source}],
        "assets": [{"id": "weights", "type": "model-weights", "name": "Weights",
                    "owner": "exporter", "eccn": "4E091", **source}],
        "events": [{"id": "export", "type": "export", "by": "exporter", "to": f"c{length - 1}",
                    "assets": ["weights"], "dates": {"occurred": dt.date(2025, 10, 15)}, **source}],
    }
