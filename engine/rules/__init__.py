"""Rule files: YAML -> schema check -> ``Rule`` (the model in ``engine.rulemodel``).

Everything a rule file can get wrong is reported with its file, line and field. See
docs/rule-format.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..catalogue import catalogue
from ..errors import ErrorList, Location, RexError, RuleError, raise_all
from ..rulemodel import Rule, RulePack, show_value
from ..schema import validate_document
from ..yamlio import Document, load_file
from .expand import expand
from .loader import Loader

__all__ = ["Rule", "RulePack", "default_rules_dir", "load_rules", "rule_errors", "rule_files",
           "show_value"]


def default_rules_dir() -> Path:
    """The rule packs shipped with rex: ``engine/packs`` when installed, ``rules/`` in a clone."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "packs"
    if installed.is_dir():
        return installed
    return here.parent / "rules"


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every ``*.yaml`` file under the given files and folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        root = Path(path)
        if root.is_dir():
            found.extend(sorted(p for p in root.rglob("*.yaml") if p.is_file()))
        else:
            found.append(root)
    return found


MAX_RULE_FILES = 1_000
MAX_PACK_BYTES = 32 * 1024 * 1024
MAX_REFERENCE_NAMES = 100_000
"""Bounds on a set of rule folders, on top of each file's own (docs/rule-format.md): the
shipped packs are 41 files and 0.5 MiB with a handful of table rows; these leave room for
full official lists while keeping a mistaken folder from taking minutes to load."""


def load_rules(paths: Iterable[str | Path] | None = None) -> RulePack:
    """Load and check rule files (default: the shipped packs); ``ErrorList`` lists every problem."""
    files = rule_files([default_rules_dir()] if paths is None else paths)
    where = Location(", ".join(map(str, paths or [default_rules_dir()])))
    if not files:
        raise RuleError("no rule files (*.yaml) found", where)
    _check_folder_limits(files, where)
    docs: list[Document] = []
    errors: list[RexError] = []
    for file in files:
        try:
            doc = load_file(file)
        except RexError as exc:
            errors.append(exc)
            continue
        if not isinstance(doc.data, dict):
            errors.append(RuleError("a rule file must be a mapping with a 'rules' list",
                                    doc.where(())))
            continue
        problems = validate_document("rule-source", doc)
        if not problems:
            doc, problems = expand(doc)
        if not problems:
            problems = validate_document("rule", doc)
        if problems:
            errors.extend(problems)
            continue
        docs.append(doc)
    raise_all(errors)
    loader = Loader(catalogue(), docs)
    rules = loader.load()
    reference = loader.tables()
    raise_all(loader.errors)
    if len(reference) > MAX_REFERENCE_NAMES:
        raise RuleError(f"the reference tables list {len(reference):,} names; at most "
                        f"{MAX_REFERENCE_NAMES:,} are read", where,
                        hint="split the tables across rule sets, or keep the rows the cases need")
    return RulePack(
        tuple(sorted(rules, key=lambda r: r.id)),
        tuple(str(f) for f in files),
        tuple(reference),
        tuple(sorted(loader.commencements.values(), key=lambda c: c.id)),
        dict(sorted(loader.groups.items())),
    )


def _check_folder_limits(files: list[Path], where: Location) -> None:
    """Refuse, before reading any file, a set of rule files beyond the documented bounds."""
    if len(files) > MAX_RULE_FILES:
        raise RuleError(f"{len(files):,} rule files; at most {MAX_RULE_FILES:,} are read", where,
                        hint="point --rules at the packs to use, not at a larger folder")
    total = 0
    for file in files:
        try:
            total += file.stat().st_size
        except OSError:
            continue  # reported, with its reason, when the file is read
    if total > MAX_PACK_BYTES:
        raise RuleError(f"the rule files hold {total / 2**20:,.1f} MiB; at most "
                        f"{MAX_PACK_BYTES // 2**20} MiB in all are read", where,
                        hint="point --rules at the packs to use, not at a larger folder")


def rule_errors(paths: Iterable[str | Path]) -> list[RexError]:
    """Every problem in the given rule files (an empty list when they load)."""
    try:
        load_rules(paths)
    except ErrorList as exc:
        return list(exc.errors)
    except RexError as exc:
        return [exc]
    return []
