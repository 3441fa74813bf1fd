"""``rex screen``: the listed names a name is like, with their scores, for an analyst."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import asdict

from ..screening import Candidate
from .safe import visible


def text(names: Sequence[str], found: Sequence[Candidate], threshold: float) -> str:
    lines = []
    for name in names:
        lines.append(name)
        mine = [c for c in found if c.name == name]
        if not mine:
            lines.append(f"  no listed name scores {threshold:g} or more")
        for c in mine:
            kind = "exact" if c.exact else "near "
            about = [f"listed as {c.listed_as}" if c.listed_as != c.entry else "",
                     c.country or "", f"since {c.since}" if c.since else "",
                     f"aliases: {', '.join(c.aliases)}" if c.aliases else ""]
            detail = "; ".join(part for part in about if part)
            lines.append(f"  {c.score:5.1f}  {kind}  {c.table}: {c.entry}"
                         + (f" ({detail})" if detail else ""))
    lines.append("")
    lines += textwrap.wrap(
        "exact: the same name once letters that imitate others, fullwidth forms and accents "
        "are folded (rules treat it as the listed party); near: a score of "
        f"{threshold:g} or more out of 100 with legal forms and word order set aside, for a "
        "person to check (docs/screening.md)", 100)
    return visible("\n".join(lines) + "\n")


def as_json(found: Sequence[Candidate], threshold: float) -> str:
    return json.dumps({"threshold": threshold, "candidates": [asdict(c) for c in found]},
                      indent=2, ensure_ascii=False) + "\n"
