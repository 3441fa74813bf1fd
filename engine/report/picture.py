"""The picture of a case that a reader takes in at a glance: who owns or controls whom (with
the percentages, state links and listings), and when the events happened.

``picture`` reads it off the case; ``layout`` places the parties in layers, owners above
what they hold, with networkx (``multipartite_layout`` over the ownership graph's topological
generations), so that the HTML brief draws a layout it did not compute by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import Case, CaseObject
from ..values import Bounds, Span


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str
    country: str | None
    state: tuple[str, ...]
    """State links the case states: ``state-owned``, ``state-linked``, ``state body``, each
    with ``(alleged)`` where it is only alleged."""
    listed: tuple[str, ...]
    """The restricted-party lists the case says the party is on (``us-entity-list``)."""
    alleged: bool


@dataclass(frozen=True)
class Edge:
    owner: str
    owned: str
    label: str
    """What the holding is: "30% of shares, 30% of votes", "controls", a relation."""
    alleged: bool


@dataclass(frozen=True)
class Moment:
    """An event on the timeline: its first and last possible day (the same for a known
    day)."""

    id: str
    name: str
    first: dt.date
    last: dt.date
    written: str
    alleged: bool


@dataclass(frozen=True)
class Picture:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    events: tuple[Moment, ...]


def picture(case: Case) -> Picture:
    nodes = tuple(_node(obj) for obj in case.of_kind("party"))
    known = {node.id for node in nodes}
    edges = tuple(edge for obj in case.of_kind("ownership")
                  if (edge := _edge(obj)) is not None and {edge.owner, edge.owned} <= known)
    events = tuple(moment for obj in case.of_kind("event")
                   if (moment := _moment(obj)) is not None)
    return Picture(nodes, edges, tuple(sorted(events, key=lambda m: (m.first, m.id))))


def _true(obj: CaseObject, path: str) -> str | None:
    """``path`` when the fact is true: "" if confirmed, " (alleged)" if alleged."""
    fact = obj.facts.get(path)
    if fact is None or fact.value is not True:
        return None
    return " (alleged)" if fact.status == "alleged" else ""


def _node(obj: CaseObject) -> Node:
    state = []
    for path, words in (("state_owned", "state-owned"), ("state_linked", "state-linked")):
        mark = _true(obj, path)
        if mark is not None:
            state.append(words + mark)
    kind = obj.facts.get("type")
    if kind is not None and kind.value == "state-body":
        state.append("state body")
    listed = tuple(sorted(
        path.split(".")[1] + (_true(obj, path) or "") for path in obj.facts
        if path.startswith("listings.") and path.endswith(".listed")
        and _true(obj, path) is not None))
    country = obj.facts.get("headquarters") or obj.facts.get("country")
    return Node(obj.id, obj.name, str(kind.value) if kind else "party",
                str(country.value) if country else None, tuple(state), listed,
                obj.status == "alleged")


def _edge(obj: CaseObject) -> Edge | None:
    owner, owned = obj.facts.get("owner"), obj.facts.get("owned")
    if owner is None or owned is None:
        return None
    parts = []
    alleged = obj.status == "alleged"
    for path, what in (("shares_pct", "shares"), ("votes_pct", "votes")):
        fact = obj.facts.get(path)
        if fact is not None:
            parts.append(f"{_percent(fact.value)} of {what}")
            alleged = alleged or fact.status == "alleged"
    control = obj.facts.get("control")
    if control is not None and control.value is True:
        parts.append("controls")
        alleged = alleged or control.status == "alleged"
    relation = obj.facts.get("relation")
    if not parts and relation is not None:
        parts.append(str(relation.value))
    return Edge(str(owner.value), str(owned.value), ", ".join(parts) or "holds an interest",
                alleged)


def _percent(value: object) -> str:
    if isinstance(value, Bounds):
        return str(value) + "%"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value}%"


def _moment(obj: CaseObject) -> Moment | None:
    fact = obj.facts.get("date")
    if fact is None:
        return None
    value = fact.value
    alleged = obj.status == "alleged" or fact.status == "alleged"
    if isinstance(value, Span):
        return Moment(obj.id, obj.name, value.lo, value.hi, value.written or str(value), alleged)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Moment(obj.id, obj.name, value, value, value.isoformat(), alleged)
    return None


def layout(pic: Picture) -> dict[str, tuple[float, float]]:
    """Each party's place, x and y from 0 to 1: owners in the layers above what they hold,
    parties outside any holding in a last row."""
    import networkx as nx  # noqa: PLC0415 - only the HTML brief draws the graph

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(node.id for node in pic.nodes)
    graph.add_edges_from((edge.owner, edge.owned) for edge in pic.edges)
    linked = {n for edge in pic.edges for n in (edge.owner, edge.owned)}
    dag = nx.condensation(graph)  # a cycle of holdings shares one layer
    members = dag.graph["mapping"]
    layer_of_scc: dict[int, int] = {}
    for depth, generation in enumerate(nx.topological_generations(dag)):
        for scc in generation:
            layer_of_scc[scc] = depth
    deepest = max(layer_of_scc.values(), default=0)
    for node in graph.nodes:
        graph.nodes[node]["layer"] = (layer_of_scc[members[node]] if node in linked
                                      else deepest + 1)
    if not graph.nodes:
        return {}
    placed = nx.multipartite_layout(graph, subset_key="layer", align="horizontal")
    xs = [float(p[0]) for p in placed.values()]
    ys = [float(p[1]) for p in placed.values()]

    def scale(value: float, values: list[float]) -> float:
        low, high = min(values), max(values)
        return 0.5 if high == low else (value - low) / (high - low)

    # y grows downwards, as on a page: the first layer (the owners) is drawn on top.
    return {node: (scale(float(p[0]), xs), scale(float(p[1]), ys))
            for node, p in placed.items()}
