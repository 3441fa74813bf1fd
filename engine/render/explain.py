"""Text for ``rex explain``."""

from __future__ import annotations

from ..explain import Explanation, Node
from .safe import visible


def render(explanation: Explanation) -> str:
    return visible(_render(explanation))


def _render(explanation: Explanation) -> str:
    rule = explanation.rule
    out = [f"{rule.id}: {rule.title}"]
    if rule.provision:
        out.append(f"{rule.provision} - {rule.url}")
    out.append(f"{rule.in_force_text()}; evaluated on the {explanation.law}")
    if explanation.skipped:
        out.append(f"Not applied: {explanation.skipped}")
        return "\n".join(out) + "\n"
    if not explanation.matches:
        out.append("Nothing in the case matches the rule's bindings "
                   f"({', '.join(b.name + ': ' + b.kind for b in rule.bindings if not b.hidden)}).")
        return "\n".join(out) + "\n"
    out.append("Each test: value on confirmed facts / value with alleged facts.")
    for item in explanation.matches:
        out.append("")
        bound = ", ".join(f"{name} = {value}" for name, value in item.bound.items())
        out.append(f"{bound}")
        out.append(f"  result: {item.status or 'no finding'}")
        out.extend(_tree(item.tree, "  "))
    return "\n".join(out) + "\n"


def _tree(node: Node, indent: str) -> list[str]:
    line = f"{indent}{node.label}: {node.confirmed} / {node.alleged}"
    lines = [line]
    if node.detail:
        lines.append(f"{indent}    {node.detail}")
    for child in node.children:
        lines.extend(_tree(child, indent + "  "))
    return lines
