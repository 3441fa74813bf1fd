"""Hypothesis strategies that generate valid case files (as YAML-ready data).

Values cluster on the edges the rules test (25% and 25.01%, GBP 70m and 100m, the dates on
which laws change), every fact may be confirmed, alleged or absent (unknown), and facts come
as cases state them: months and years that straddle those dates, ranges, bounds on numbers
(below 75, above 25), classes of countries, and courses of conduct.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from hypothesis import strategies as st

COUNTRIES = ["GB", "US", "CN", "HK", "FR"]
PCTS = [0, 10, 20, 25, 25.01, 30, 50, 50.01, 51, 60, 74.99, 75, 100]
MONEY = [1_000_000, 10_000_000, 10_000_001, 70_000_000, 70_000_001, 100_000_000, 150_000_000]
DATES = [dt.date(2018, 8, 12), dt.date(2018, 8, 13), dt.date(2020, 11, 11),
         dt.date(2020, 11, 12), dt.date(2021, 6, 1), dt.date(2022, 1, 4),
         dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 5, 13),
         dt.date(2026, 1, 1)]
PARTIAL_DATES = ["2018-08", "2020-11", "2024-12", "2025", "2026-01", 2021,
                 {"from": "2024-06", "to": "2025-03"}, {"from": "2022-01-04"},
                 {"to": "2020-11-11"}, {"from": "2018", "to": "2019"}]
BOUNDS = [{"below": 75}, {"above": 25}, {"at_least": 25}, {"at_most": 50}, {"above": 50},
          {"between": [20, 30]}, {"above": 24.99, "below": 25.02}, {"at_least": 75}]
COUNTRY_CLASSES = [{"one_of": ["CN", "HK"]}, {"not": ["US"]}, {"one_of": ["GB", "FR"]},
                   {"not": ["GB", "US"]}]
PARTY_TYPES = ["company", "university", "state-body", "individual"]
ASSET_TYPES = ["ai-model", "model-weights", "source-code", "dataset", "chip", "land", "shares"]
EVENT_TYPES = ["share-acquisition", "vote-acquisition", "licence", "research-collaboration",
               "unauthorised-access", "export", "hiring", "investment", "merger",
               "asset-acquisition"]
LEVELS = ["none", "material-influence", "de-facto-control", "legal-control"]
SECTORS = ["artificial-intelligence", "defence", "software", "computing-hardware"]


def fact(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A fact that is absent (None here), plain, or wrapped with a status."""
    return st.one_of(
        st.none(),
        value,
        st.builds(lambda v, s: {"value": v, "status": s}, value,
                  st.sampled_from(["confirmed", "alleged"])),
    )


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


@st.composite
def party(draw: st.DrawFn, ident: str, others: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "name": ident.upper(), "source": "s",
                            "status": draw(st.sampled_from(["confirmed", "alleged"]))}
    _put(data, "type", draw(fact(st.sampled_from(PARTY_TYPES))))
    _put(data, "country", draw(fact(st.sampled_from(COUNTRIES + COUNTRY_CLASSES))))
    _put(data, "residence", draw(fact(st.sampled_from(COUNTRIES))))
    for flag in ("uk_activities", "uk_supplies", "us_person", "state_owned", "state_linked"):
        _put(data, flag, draw(fact(st.booleans())))
    if draw(st.booleans()):
        amount = draw(st.sampled_from([{"amount": m} for m in MONEY]
                                      + [{"at_most": 70_000_000}, {"above": 100_000_000},
                                         {"between": [60_000_000, 120_000_000]}]))
        data["turnover"] = {"uk": {**amount, "currency": "GBP",
                                   "status": draw(st.sampled_from(["confirmed", "alleged"]))}}
    if draw(st.booleans()):
        listing: dict[str, Any] = {"listed": draw(st.booleans())}
        _put(listing, "since", draw(st.none() | st.sampled_from(DATES + PARTIAL_DATES)))
        data["listings"] = {"us-entity-list": listing}
    if draw(st.booleans()):
        where = draw(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=2))
        data["activities"] = {draw(st.sampled_from(SECTORS)): {"where": where}}
    owners = []
    for owner in draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []:
        link: dict[str, Any] = {"party": owner}
        _put(link, "shares_pct", draw(fact(st.sampled_from(PCTS))))
        _put(link, "votes_pct", draw(fact(st.sampled_from(PCTS))))
        _put(link, "control", draw(fact(st.booleans())))
        owners.append(link)
    if owners:
        data["owners"] = owners
    return data


@st.composite
def asset(draw: st.DrawFn, ident: str, parties: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "name": ident.upper(), "source": "s",
                            "status": draw(st.sampled_from(["confirmed", "alleged"]))}
    _put(data, "type", draw(fact(st.sampled_from(ASSET_TYPES))))
    _put(data, "owner", draw(fact(st.sampled_from(parties))))
    _put(data, "held_in", draw(fact(st.lists(st.sampled_from(COUNTRIES), unique=True,
                                             max_size=2))))
    for flag in ("uk_use", "us_origin", "published", "fundamental_research"):
        _put(data, flag, draw(fact(st.booleans())))
    return data


@st.composite
def event(draw: st.DrawFn, ident: str, parties: list[str], assets: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "source": "s",
                            "type": draw(fact(st.sampled_from(EVENT_TYPES))) or "licence",
                            "status": draw(st.sampled_from(["confirmed", "alleged"]))}
    for role in ("by", "to", "target"):
        _put(data, role, draw(fact(st.sampled_from(parties))))
    if assets and draw(st.booleans()):
        data["assets"] = draw(st.lists(st.sampled_from(assets), unique=True, min_size=0,
                                       max_size=2))
    for block in ("shares", "votes"):
        if draw(st.booleans()):
            numbers: dict[str, Any] = {}
            _put(numbers, "before", draw(fact(st.sampled_from(PCTS + BOUNDS))))
            _put(numbers, "after", draw(fact(st.sampled_from(PCTS + BOUNDS))))
            data[block] = numbers
    for flag in ("resolution_rights", "export_licence", "acqui_hire"):
        _put(data, flag, draw(fact(st.booleans())))
    _put(data, "control_level", draw(fact(st.sampled_from(LEVELS))))
    _put(data, "control_level_before", draw(fact(st.sampled_from(LEVELS))))
    if draw(st.booleans()):
        control: dict[str, Any] = {}
        _put(control, "use", draw(fact(st.booleans())))
        _put(control, "direct", draw(fact(st.booleans())))
        data["asset_control"] = control
    if draw(st.booleans()):
        supply: dict[str, Any] = {}
        _put(supply, "combined_pct", draw(fact(st.sampled_from(PCTS))))
        _put(supply, "increment", draw(fact(st.booleans())))
        data["share_of_supply"] = supply
    _put(data, "to_country", draw(fact(st.sampled_from(COUNTRIES + COUNTRY_CLASSES))))
    dates: dict[str, Any] = {}
    names = ("completed", "occurred", "announced")
    if draw(st.integers(0, 3)) == 0:  # a course of conduct
        names = ("started", "ended")
        _put(data, "count", draw(st.none() | st.sampled_from([1, 2, 3, 56, {"at_least": 2}])))
    for name in names:
        _put(dates, name, draw(fact(st.sampled_from(DATES + PARTIAL_DATES))))
    if dates:
        data["dates"] = dates
    aware = draw(st.none() | st.sampled_from(DATES + PARTIAL_DATES))
    if aware is not None:
        data["process"] = {"uk-nsi": {"aware": aware}}
    return data


@st.composite
def cases(draw: st.DrawFn, max_parties: int = 5, max_assets: int = 3,
          max_events: int = 4) -> dict[str, Any]:
    party_ids = [f"p{i}" for i in range(draw(st.integers(1, max_parties)))]
    asset_ids = [f"a{i}" for i in range(draw(st.integers(0, max_assets)))]
    event_ids = [f"e{i}" for i in range(draw(st.integers(1, max_events)))]
    parties = [draw(party(pid, [p for p in party_ids if p != pid])) for pid in party_ids]
    assets = [draw(asset(aid, party_ids)) for aid in asset_ids]
    events = [draw(event(eid, party_ids, asset_ids)) for eid in event_ids]
    data: dict[str, Any] = {
        "rex": 1, "id": "generated", "title": "Generated case",
        "sources": [{"id": "s", "title": "Generated", "kind": "internal"}],
        "parties": parties, "events": events,
    }
    if assets:
        data["assets"] = assets
    return data


# -- rules ---------------------------------------------------------------------------------

LEAVES: list[tuple[str, Any]] = [
    ("event.type", st.sampled_from(
        [{"in": ["licence", "export"]}, "share-acquisition", {"ne": "hiring"}])),
    ("event.shares.after", st.sampled_from([{"gt": 25}, {"ge": 75}, {"le": 50}, {"lt": 25.01},
                                            {"eq": 25}, {"ne": 50}, {"gt": 24.99}])),
    ("event.shares.before", st.sampled_from([{"le": 25}, {"lt": 75}, {"in": [0, 20]}])),
    ("event.date", st.sampled_from([{"ge": "2022-01-04"}, {"lt": "2025-01-01"},
                                    {"ge": {"fact": "target.listings.us-entity-list.since"}},
                                    {"lt": {"fact": "target.listings.us-entity-list.since"}},
                                    {"eq": "2020-11-12"}])),
    ("event.to_country", st.sampled_from(["CN", {"in": ["CN", "HK"]}, {"ne": "US"},
                                          {"not_in": ["GB", "FR"]}])),
    ("event.export_licence", st.sampled_from([True, False, {"ne": True}])),
    ("event.assets", st.sampled_from([{"exists": True}, {"exists": False}])),
    ("actor.country", st.sampled_from(["GB", {"ne": "GB"}, {"in": ["CN", "HK"]},
                                       {"not_in": ["US"]}, {"exists": True}])),
    ("actor.state_linked", st.sampled_from([True, False])),
    ("target.turnover.uk.gbp", st.sampled_from([{"gt": 70000000}, {"le": 10000000}])),
    ("target.listings.us-entity-list.listed", st.sampled_from([True, {"ne": True}])),
    ("target.uk_sectors", st.sampled_from([{"contains": "defence"},
                                           {"contains_none": ["defence", "software"]},
                                           {"contains_any": ["artificial-intelligence"]}])),
    ("item.held_in", st.sampled_from([{"contains": "GB"}, {"not_contains": "US"}])),
    ("item.type", st.sampled_from([{"in": ["model-weights", "source-code"]}, "chip"])),
]


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> Any:
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        path, tests = draw(st.sampled_from(LEAVES))
        return {path: draw(tests)}
    kind = draw(st.sampled_from(["all", "any", "not"]))
    if kind == "not":
        return {"not": draw(conditions(depth + 1))}
    return {kind: draw(st.lists(conditions(depth + 1), min_size=1, max_size=3))}


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    """A rule file with one derivation and one finding rule over random conditions."""
    match = {"event": "event", "actor": {"party": "event.by"},
             "target": {"party": "event.target"}}
    if draw(st.booleans()):
        match["item"] = {"asset": "event.assets"}
    use_derived = draw(st.booleans())
    if use_derived:
        match["flag"] = {"flagged": "actor"}
    usable = [leaf for leaf in LEAVES if "item" in match or not leaf[0].startswith("item.")]

    @st.composite
    def cond(draw2: st.DrawFn, depth: int = 0) -> Any:
        if depth >= 2 or draw2(st.integers(0, 2)) == 0:
            path, tests = draw2(st.sampled_from(usable))
            return {path: draw2(tests)}
        kind = draw2(st.sampled_from(["all", "any", "not"]))
        if kind == "not":
            return {"not": draw2(cond(depth + 1))}
        return {kind: draw2(st.lists(cond(depth + 1), min_size=1, max_size=3))}

    gates = draw(st.lists(st.sampled_from(
        ["target.listings.us-entity-list.listed", "actor.country"]), unique=True, max_size=1))
    derivation = {
        "id": "uk-gen.flagged", "title": "Generated derivation", "regime": "uk-gen",
        "match": {"party": "party"},
        "when": {"any": [{"party.state_owned": True},
                         {"party.country": draw(st.sampled_from(["CN", "HK"]))}]},
        "derive": {"fact": "flagged", "of": "party"},
    }
    finding = {
        "id": "uk-gen.finding", "title": "Generated rule", "regime": "uk-gen",
        "provision": "Generated", "url": "https://www.legislation.gov.uk/generated",
        "in_force": {"from": "2021-01-01"}, "severity": "info",
        "match": match, "when": draw(cond()),
        "finding": {"title": "{event}", "who_acts": [
            {"role": "authority", "name": "Test", "may": "act"}]},
    }
    if gates:
        finding["gate"] = gates
    return dump({"rules": [derivation, finding]})


class _Dumper(yaml.SafeDumper):
    """Writes every value out in full: rex refuses YAML anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any) -> str:
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False))
