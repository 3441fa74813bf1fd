"""The HTML brief: one self-contained page to forward to people who will not read YAML or a
terminal. No network when viewed: the styles, the two drawings (SVG) and the one script
(which opens every finding for printing) are inline.

The page says everything in words as well: the ownership graph has a list of its links and the
timeline a list of its entries beside it, statuses are written out, alleged links are drawn
dashed and labelled, and colour is never the only signal. Case text is escaped as text.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Iterator, Sequence

from ..model import Deadline, Finding
from ..report import Report, brief
from ..report.picture import Picture, layout
from ..report.words import said
from .json_report import amount_words, deadline_dict, deadline_words
from .safe import visible

NODE_W, LAYER_GAP, GRAPH_W = 220, 70, 760
ROW_H, LABEL_W, TIMELINE_W = 24, 330, 760
BOLD = ' font-weight="700"'

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;
margin:0 auto;max-width:64rem;padding:1rem 1.5rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}.meta{color:#444}
.status{font-weight:700;text-transform:uppercase;font-size:.8rem;padding:0 .3rem;
border:1px solid currentColor;border-radius:3px}
.triggered{color:#a40000}.alleged{color:#8a4b00}.possible{color:#1f4e8c}
details{border:1px solid #ddd;border-radius:4px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}code{font-size:.85em}
svg text{font:12px system-ui,sans-serif;fill:#1b1b1b}
svg .node rect{fill:#fff;stroke:#555;stroke-width:1.2}
svg .node.listed rect{stroke:#a40000;stroke-width:3}
svg .node.alleged rect{stroke-dasharray:5 3}
svg .edge line{stroke:#333;stroke-width:1.4}svg .edge.alleged line{stroke-dasharray:6 4}
svg .today line{stroke:#a40000;stroke-width:1.5;stroke-dasharray:3 3}
svg .entry.deadline rect{fill:#a40000}svg .entry.event rect{fill:#1f4e8c}
svg .entry.alleged rect{fill:#fff;stroke:#1f4e8c;stroke-dasharray:3 2}
svg .entry.deadline.alleged rect{stroke:#a40000}
@media print{details{border:none}summary{list-style:none}a{color:inherit}}
"""
_SCRIPT = ("window.addEventListener('beforeprint',function(){"
           "document.querySelectorAll('details').forEach(function(d){d.open=true;});});")


def esc(text: object) -> str:
    """Case text as HTML text: control characters shown escaped, markup inert."""
    return html.escape(visible(str(text)), quote=True)


def render(reports: Sequence[Report]) -> str:
    return "".join(stream(reports, len(reports)))


def stream(reports: Iterable[Report], count: int) -> Iterator[str]:
    """One page for all the reports, written one report at a time."""
    items = iter(reports)
    first = next(items, None)
    title = first.case_title if first is not None and count == 1 else f"rex: {count} cases"
    yield ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           f"<title>{esc(title)}</title>\n<style>{_STYLE}</style>\n"
           f"<script>{_SCRIPT}</script>\n</head>\n<body>\n")
    if first is not None:
        yield _report(first)
    for report in items:
        yield _report(report)
    yield "</body>\n</html>\n"


def _report(report: Report) -> str:
    counts = report.summary().by_status
    law = (f"the law as it stood on {report.as_of}" if report.as_of
           else "the law in force on the date of each event")
    out = [f"<article class=\"case\" id=\"case-{esc(report.case_id)}\">",
           f"<h1>{esc(report.case_title)}</h1>",
           f"<p class=\"meta\">Case <code>{esc(report.case_id)}</code> "
           f"(<code>{esc(report.case_file)}</code>), evaluated on {law}; deadlines as of "
           f"{esc(report.deadlines_as_of)}; {report.rules_considered} rules considered.</p>",
           f"<p><strong>{counts['triggered']} triggered, {counts['alleged']} alleged, "
           f"{counts['possible']} possible</strong>; {len(report.not_assessed)} not assessed; "
           f"{len(report.questions)} questions.</p>"]
    if report.audience_name:
        out.append(f"<p>Written for <strong>{esc(report.audience_name)}</strong>: its own "
                   "duties and exposure first, then its remedies, then the rest.</p>")
    out += _act_now(report)
    if report.picture is not None:
        out += _graph(report.case_id, report.picture)
        out += _timeline(report)
    out += _findings(report)
    out += _questions(report)
    out.append("</article>")
    return "\n".join(out) + "\n"


def _act_now(report: Report) -> list[str]:
    out = ["<section>", "<h2>Act now: deadlines and running clocks, earliest first</h2>"]
    today = dt.date.fromisoformat(report.deadlines_as_of)
    dated = brief.clocks(report)
    if not dated:
        out.append("<p>No deadline can be dated on these facts.</p>")
    else:
        out.append("<table><thead><tr><th scope=\"col\">by</th><th scope=\"col\">left</th>"
                   "<th scope=\"col\">what</th><th scope=\"col\">who acts</th>"
                   "<th scope=\"col\">rule</th></tr></thead><tbody>")
        names = dict(report.parties)
        for clock in dated:
            out.append(f"<tr><td>{esc(deadline_words(clock.deadline))}</td>"
                       f"<td>{esc(brief.days_left(clock, today))}</td>"
                       f"<td>{esc(clock.deadline.what)}</td>"
                       f"<td>{esc(brief.actor(clock.finding, names))}</td>"
                       f"<td><code>{esc(clock.finding.rule)}</code></td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _graph(case_id: str, pic: Picture) -> list[str]:
    out = ["<section>", "<h2>Who owns or controls whom</h2>"]
    if not pic.nodes:
        return [*out, "<p>The case names no parties.</p>", "</section>"]
    places = layout(pic)
    marks = {node.id: [*(f"★ {state}" for state in node.state),
                       *(f"⚑ listed: {listing}" for listing in node.listed)]
             for node in pic.nodes}
    node_h = 16 * (2 + max(len(m) for m in marks.values())) + 12
    layers = len({round(y, 6) for _, y in places.values()})
    height = max(1, layers - 1) * (node_h + LAYER_GAP) + node_h + 20

    def corner(node_id: str) -> tuple[float, float]:
        x, y = places[node_id]
        return 10 + x * (GRAPH_W - NODE_W - 20), 10 + y * (height - node_h - 20)

    label = f"graph-{esc(case_id)}"
    out.append(f"<figure><svg role=\"img\" aria-labelledby=\"{label}-t {label}-d\" "
               f"viewBox=\"0 0 {GRAPH_W} {height}\" width=\"100%\" "
               f"xmlns=\"http://www.w3.org/2000/svg\">")
    out.append(f"<title id=\"{label}-t\">Ownership and control of the parties</title>")
    links = f"{len(pic.edges)} link{'' if len(pic.edges) == 1 else 's'}"
    parties = f"{len(pic.nodes)} part{'y' if len(pic.nodes) == 1 else 'ies'}"
    out.append(f"<desc id=\"{label}-d\">{parties} and {links} of ownership or control; the "
               "list below the drawing says the same.</desc>")
    out.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
               "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
               "<path d=\"M0,0L10,5L0,10z\"/></marker></defs>")
    for edge in pic.edges:
        x1, y1 = corner(edge.owner)
        x2, y2 = corner(edge.owned)
        sx, sy = x1 + NODE_W / 2, y1 + node_h
        ex, ey = x2 + NODE_W / 2, y2
        if y2 <= y1:  # same layer or upwards (a cycle): from the side
            sy, ey = y1 + node_h / 2, y2 + node_h / 2
            sx, ex = (x1 + NODE_W, x2) if x2 > x1 else (x1, x2 + NODE_W)
        words = edge.label + (" (alleged)" if edge.alleged else "")
        out.append(f"<g class=\"edge{' alleged' if edge.alleged else ''}\" "
                   f"data-edge=\"{esc(edge.owner)}&gt;{esc(edge.owned)}\">"
                   f"<line x1=\"{sx:.1f}\" y1=\"{sy:.1f}\" x2=\"{ex:.1f}\" y2=\"{ey:.1f}\" "
                   "marker-end=\"url(#arrow)\"/>"
                   f"<text x=\"{(sx + ex) / 2 + 6:.1f}\" y=\"{(sy + ey) / 2:.1f}\">"
                   f"{esc(_short(words, 34))}</text></g>")
    for node in pic.nodes:
        x, y = corner(node.id)
        classes = "node" + (" listed" if node.listed else "") + (" alleged" if node.alleged else "")
        kind = node.type + (f", {node.country}" if node.country else "")
        lines = [f"<text x=\"{x + 8:.1f}\" y=\"{y + 18 + 16 * row:.1f}\"{BOLD if row == 0 else ''}>"
                 f"{esc(_short(text, 32))}</text>"
                 for row, text in enumerate([node.name, kind, *marks[node.id]])]
        out.append(f"<g class=\"{classes}\" data-node=\"{esc(node.id)}\">"
                   f"<title>{esc(node.name)}</title>"
                   f"<rect x=\"{x:.1f}\" y=\"{y:.1f}\" width=\"{NODE_W}\" height=\"{node_h}\" "
                   f"rx=\"6\"/>{''.join(lines)}</g>")
    out.append("</svg>")
    out.append("<figcaption>Arrows run from the holder to what it holds; dashed: alleged; "
               "★ a state link; ⚑ (with a heavy border) on a restricted-party list.</figcaption>")
    out.append("</figure>")
    names = {node.id: node.name for node in pic.nodes}
    out.append("<ul class=\"links\">")
    for edge in pic.edges:
        out.append(f"<li>{esc(names[edge.owner])} → {esc(names[edge.owned])}: "
                   f"{esc(edge.label)}{' (alleged)' if edge.alleged else ''}</li>")
    if not pic.edges:
        out.append("<li>The case states no holding between its parties.</li>")
    for node in pic.nodes:
        if node.state or node.listed:
            out.append(f"<li>{esc(node.name)}: {esc('; '.join([*node.state, *node.listed]))}"
                       "</li>")
    out += ["</ul>", "</section>"]
    return out


def _timeline(report: Report) -> list[str]:
    assert report.picture is not None
    today = dt.date.fromisoformat(report.deadlines_as_of)
    rows: list[tuple[str, str, dt.date, dt.date, str, bool]] = []
    for moment in report.picture.events:
        rows.append(("event", moment.name, moment.first, moment.last, moment.written,
                     moment.alleged))
    for clock in brief.clocks(report):
        first, last = _span(clock.deadline)
        rows.append(("deadline", clock.deadline.what, first, last,
                     deadline_words(clock.deadline), clock.deadline.rests_on == "alleged"))
    out = ["<section>", "<h2>Timeline</h2>"]
    if not rows:
        return [*out, "<p>Neither the events nor the deadlines can be dated.</p>",
                "</section>"]
    known = [d for row in rows for d in (row[2], row[3]) if 1 < d.year < 9999] + [today]
    low, high = min(known), max(known)
    if high == low:
        high = low + dt.timedelta(days=1)
    span = (high - low).days
    width = TIMELINE_W - LABEL_W - 20

    def x_of(day: dt.date) -> float:
        day = min(max(day, low), high)
        return LABEL_W + (day - low).days / span * width

    height = (len(rows) + 2) * ROW_H
    out.append(f"<figure><svg role=\"img\" aria-labelledby=\"tl-{esc(report.case_id)}\" "
               f"viewBox=\"0 0 {TIMELINE_W} {height}\" width=\"100%\" "
               "xmlns=\"http://www.w3.org/2000/svg\">")
    out.append(f"<title id=\"tl-{esc(report.case_id)}\">Events and deadlines from {low} to "
               f"{high}, today marked; the list below says the same.</title>")
    for index, (kind, what, first, last, words, alleged) in enumerate(rows):
        y = (index + 1) * ROW_H
        x1, x2 = x_of(first), x_of(last)
        out.append(f"<g class=\"entry {kind}{' alleged' if alleged else ''}\" "
                   f"data-timeline=\"{kind}\"><text x=\"4\" y=\"{y + 12}\">"
                   f"{esc(_short(what, 48))}</text>"
                   f"<rect x=\"{x1:.1f}\" y=\"{y + 3}\" width=\"{max(x2 - x1, 4):.1f}\" "
                   f"height=\"12\" rx=\"2\"><title>{esc(what)}: {esc(words)}</title></rect></g>")
    tx = x_of(today)
    left = tx > TIMELINE_W - 130  # the label on the line's left, near the right edge
    out.append(f"<g class=\"today\"><line x1=\"{tx:.1f}\" y1=\"{ROW_H / 2}\" x2=\"{tx:.1f}\" "
               f"y2=\"{height - ROW_H / 2}\"/><text x=\"{tx - 4 if left else tx + 4:.1f}\" "
               f"text-anchor=\"{'end' if left else 'start'}\" y=\"{height - 6}\">"
               f"today, {today}</text></g>")
    out.append(f"<text x=\"{LABEL_W}\" y=\"{ROW_H / 2 + 4}\">{low}</text>"
               f"<text x=\"{TIMELINE_W - 90}\" y=\"{ROW_H / 2 + 4}\">{high}</text>")
    out.append("</svg><figcaption>Blue: events; red: deadlines; outlined where they rest on "
               "allegations; a bar "
               "spans the days a partly known date may fall on; the dashed line is today."
               "</figcaption></figure>")
    out.append("<ol class=\"timeline\">")
    for kind, what, _, _, words, alleged in sorted(rows, key=lambda r: (r[2], r[3])):
        out.append(f"<li>{'Deadline' if kind == 'deadline' else 'Event'}"
                   f"{' (alleged)' if alleged else ''}: {esc(what)}, {esc(words)}</li>")
    out += [f"<li>Today: {today}</li>", "</ol>", "</section>"]
    return out


def _span(deadline: Deadline) -> tuple[dt.date, dt.date]:
    def day(value: dt.date | dt.datetime | None) -> dt.date | None:
        return value.date() if isinstance(value, dt.datetime) else value

    first, last = day(deadline.date), day(deadline.latest)
    first = first or last
    assert first is not None
    return first, last or first


def _findings(report: Report) -> list[str]:
    out = ["<section>", "<h2>Findings, most urgent first</h2>",
           "<p>Triggered: holds on confirmed facts. Alleged: holds if the allegations are "
           "true. Possible: nothing rules it out, facts are missing.</p>"]
    if not report.findings:
        out.append("<p>No rule found a possible trigger on the facts of this case.</p>")
    for heading, group in brief.groups(report):
        out.append(f"<h3>{esc(heading)}</h3>")
        for finding in group:
            out += _finding(finding)
    if report.not_assessed:
        out.append("<h3>Not assessed: the case does not show these provisions to be in play</h3>")
        out.append("<ul>")
        for item in report.not_assessed:
            out.append(f"<li><code>{esc(item.rule)}</code>: would apply if "
                       f"{esc(item.condition)}</li>")
        out.append("</ul>")
    out.append("</section>")
    return out


def _finding(finding: Finding) -> list[str]:
    out = [f"<details class=\"finding\" data-rule=\"{esc(finding.rule)}\"><summary>"
           f"<span class=\"status {finding.status}\">{finding.status}</span> "
           f"{esc(finding.severity)}: {esc(finding.title)}</summary>",
           f"<p><a href=\"{esc(finding.url)}\">{esc(finding.provision)}</a> "
           f"(<code>{esc(finding.rule)}</code>)</p>"]
    if finding.summary:
        out.append(f"<p>{esc(finding.summary)}</p>")
    if finding.note:
        out.append(f"<p><em>Note:</em> {esc(finding.note)}</p>")
    if finding.who_acts:
        out.append("<table><thead><tr><th scope=\"col\">who acts</th><th scope=\"col\">role"
                   "</th><th scope=\"col\">may or must</th></tr></thead><tbody>")
        for who in finding.who_acts:
            out.append(f"<tr><td>{esc(who.name)}</td><td>{esc(who.role)}</td>"
                       f"<td>{esc(who.modality)} {esc(who.does)}</td></tr>")
        out.append("</tbody></table>")
    if finding.deadlines:
        out.append("<table><thead><tr><th scope=\"col\">deadline</th><th scope=\"col\">date"
                   "</th><th scope=\"col\">status</th><th scope=\"col\">basis</th></tr>"
                   "</thead><tbody>")
        for deadline in finding.deadlines:
            data = deadline_dict(deadline)
            out.append(f"<tr><td>{esc(deadline.what)}</td>"
                       f"<td>{esc(deadline_words(deadline))}</td><td>{esc(data['status'])}</td>"
                       f"<td>{esc(deadline.basis)}</td></tr>")
        out.append("</tbody></table>")
    if finding.amounts:
        out.append("<ul>")
        for amount in finding.amounts:
            value = amount_words(amount)
            out.append(f"<li>{esc(amount.what)}: {esc(value)} ({esc(amount.basis)})</li>")
        out.append("</ul>")
    if finding.facts:
        out.append("<p>Rests on:</p><ul>")
        for fact in finding.facts:
            out.append(f"<li><code>{esc(fact.path)}</code> = {esc(said(fact.value))} "
                       f"({esc(fact.status)}, <code>{esc(fact.at)}</code>)</li>")
        out.append("</ul>")
    if finding.questions:
        out.append("<p>To settle it, ask:</p><ul>")
        out += [f"<li>{esc(q.question)}</li>" for q in finding.questions]
        out.append("</ul>")
    out.append("</details>")
    return out


def _questions(report: Report) -> list[str]:
    if not report.questions:
        return []
    out = ["<section>", "<h2>Questions, each asked once, most decisive first</h2>", "<ol>"]
    for question in report.questions:
        out.append(f"<li value=\"{esc(question.id[1:])}\">{esc(question.question)} "
                   f"<code>{esc(question.path)}</code><br><small>{esc(question.settles())}"
                   "</small></li>")
    out += ["</ol>", "<p>Answer them with <code>rex ask</code> or <code>rex answer</code>; "
            "each answer is written back into the case file.</p>", "</section>"]
    return out



def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
