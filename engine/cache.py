"""Loaded and compiled rule packs kept on disk between runs, in the user's cache folder.

Reading the shipped packs (YAML, JSON Schema, the rule model) and compiling them for
durable_rules takes about a second; reading an entry back takes a few tens of milliseconds.
An entry holds the loaded pack and every program compiled from it (one per distinct set of
rules in force), under a key made of the rule files' names and bytes, rex's version and the
bytes of its own code, and the Python version: any change to one of them is a new key, so an
entry is never stale. What durable_rules itself builds (its rulesets in memory) is not kept;
it is registered in each process.

An entry is one file, written to a temporary name and moved into place, so concurrent runs
never read half an entry; two runs that compile at once each write a whole entry, and the
last one stays. A file that is cut short, changed or unreadable is ignored (its checksum is
read before anything is unpickled) and written again. The folder is used only when it
belongs to the user and no one else may write to it, since an entry is a pickle. Set
``REX_CACHE_DIR`` to use another folder; ``--no-cache`` (or ``REX_NO_CACHE=1``) bypasses it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .compiler import Program
from .rulemodel import RulePack

FORMAT = b"rex-compiled-1\n"
MAX_ENTRIES = 16
"""Entries kept; the least recently written go first (each is 1 to 6 MB)."""


@dataclass
class Entry:
    pack: RulePack
    programs: dict[tuple[bool, tuple[str, ...]], Program] = field(default_factory=dict)


def default_folder() -> Path | None:
    """``REX_CACHE_DIR``, or the platform's user cache folder; None when disabled."""
    if os.environ.get("REX_NO_CACHE", "") not in {"", "0"}:
        return None
    named = os.environ.get("REX_CACHE_DIR")
    if named:
        return Path(named)
    import platformdirs  # noqa: PLC0415 - only runs that load rules need it

    return platformdirs.user_cache_path("rex") / "compiled"


@functools.cache
def _code_digest() -> str:
    """A digest of rex's own code and schemas: a new build never reads an old entry."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(sys.version.encode())
    root = Path(__file__).resolve().parent
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".json"}
                       and "packs" not in p.relative_to(root).parts):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class CompileCache:
    """Packs and programs by the rule files they come from; ``folder`` None: nothing kept."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._entries: dict[int, tuple[str, Entry]] = {}
        """id(pack) -> its key and entry, for the packs this cache handed out."""
        self.hits = 0
        self.misses = 0

    @classmethod
    def default(cls, enabled: bool = True) -> CompileCache:
        return cls(default_folder() if enabled else None)

    def key(self, files: Iterable[Path]) -> str:
        digest = hashlib.sha256(_code_digest().encode())
        for path in files:
            digest.update(str(path.resolve()).encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"\0unreadable")
        return digest.hexdigest()

    def pack(self, paths: Iterable[str | Path] | None = None) -> RulePack:
        """The rule pack from ``paths`` (default: the shipped packs), from an entry when one
        is kept; otherwise loaded (every problem raised as ``load_rules`` raises it) and kept."""
        from .rules import default_rules_dir, load_rules, rule_files  # noqa: PLC0415

        chosen = list(paths) if paths is not None else None
        if self.folder is None:
            return load_rules(chosen)
        key = self.key(rule_files(chosen if chosen is not None else [default_rules_dir()]))
        entry = self._read(key)
        if entry is None:
            self.misses += 1
            entry = Entry(load_rules(chosen))
            self._write(key, entry)
        else:
            self.hits += 1
        self._entries[id(entry.pack)] = (key, entry)
        return entry.pack

    def program(self, pack: RulePack, selection: tuple[bool, tuple[str, ...]]) -> Program | None:
        known = self._entries.get(id(pack))
        return known[1].programs.get(selection) if known is not None else None

    def keep(self, pack: RulePack, selection: tuple[bool, tuple[str, ...]],
             program: Program) -> None:
        known = self._entries.get(id(pack))
        if known is None:
            return
        key, entry = known
        entry.programs[selection] = program
        self._write(key, entry)

    # -- the files -------------------------------------------------------------------------

    def _usable(self) -> Path | None:
        """The folder, made if missing, when it is the user's own and only theirs to write."""
        folder = self.folder
        if folder is None:
            return None
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = folder.stat()
        except OSError:
            return None
        if hasattr(os, "getuid") and (info.st_uid != os.getuid()
                                      or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        return folder

    def _read(self, key: str) -> Entry | None:
        folder = self._usable()
        if folder is None:
            return None
        try:
            data = (folder / f"{key}.pickle").read_bytes()
        except OSError:
            return None
        head = len(FORMAT) + 64
        if not data.startswith(FORMAT) or len(data) < head + 1:
            return None
        body = data[head + 1:]
        if hashlib.sha256(body).hexdigest().encode() != data[len(FORMAT):head]:
            return None  # cut short or changed: written again
        try:
            entry = pickle.loads(body)
        except Exception:
            return None
        return entry if isinstance(entry, Entry) else None

    def _write(self, key: str, entry: Entry) -> None:
        folder = self._usable()
        if folder is None:
            return
        try:
            body = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            return
        data = FORMAT + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        temporary = None
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".", suffix=".tmp",
                                             delete=False) as out:
                temporary = out.name
                out.write(data)
            Path(temporary).replace(folder / f"{key}.pickle")
        except OSError:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            return
        self._prune(folder)

    def _prune(self, folder: Path) -> None:
        try:
            entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
            for old in entries[:-MAX_ENTRIES]:
                old.unlink(missing_ok=True)
        except OSError:
            return
