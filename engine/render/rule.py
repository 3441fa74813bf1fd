"""Text for ``rex rules show``."""

from __future__ import annotations

from ..rulemodel import AllOf, AnyOf, Cond, Leaf, NotOf, Rule


def render(rule: Rule) -> str:
    out = [f"{rule.id}: {rule.title}", f"regime: {rule.regime}"]
    if rule.provision:
        out.append(f"provision: {rule.provision}")
        out.append(f"url: {rule.url}")
    for title, url in rule.references:
        out.append(f"see also: {title} - {url}")
    out.append(rule.in_force_text())
    if rule.in_force_note:
        out.append(f"  ({rule.in_force_note})")
    if rule.applies_on is not None:
        out.append(f"the law in force is judged on: {rule.applies_on}")
    out.append(f"severity: {rule.severity}; certainty: {rule.certainty}")
    if rule.description:
        out.append("")
        out.append(rule.description)
    out.append("")
    out.append("matches:")
    for binding in rule.bindings:
        if binding.hidden:
            continue
        joins = ", ".join(f"{j.field} = {j.other}.{j.other_field}" for j in binding.joins)
        out.append(f"  {binding.name}: {binding.kind}" + (f" where {joins}" if joins else ""))
    out.append("when:")
    out.extend(_cond(rule.when, "  "))
    if rule.derive is not None:
        to = f", to {rule.derive.to}" if rule.derive.to else ""
        out.append(f"derives: {rule.derive.fact} of {rule.derive.of}{to}")
    if rule.finding is not None:
        out.append(f"finding: {rule.finding.title}")
        for who in rule.finding.who_acts:
            actor = who.name or who.party
            out.append(f"  {who.role}: {actor} {who.modality} {who.does}")
        for deadline in rule.finding.deadlines:
            unit = f" + {deadline.amount} {deadline.unit}" if deadline.unit else ""
            out.append(f"  deadline {deadline.id}: {deadline.what}{unit}")
    return "\n".join(out) + "\n"


def _cond(cond: Cond, indent: str) -> list[str]:
    if isinstance(cond, Leaf):
        return [f"{indent}{cond}"]
    if isinstance(cond, NotOf):
        return [f"{indent}not:", *_cond(cond.item, indent + "  ")]
    label = "all:" if isinstance(cond, AllOf) else "any:"
    assert isinstance(cond, (AllOf, AnyOf))
    lines = [f"{indent}{label}"]
    for item in cond.items:
        lines.extend(_cond(item, indent + "  "))
    return lines
