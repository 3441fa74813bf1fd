"""Loaded and compiled rule packs kept on disk between runs, in the user's cache folder.

Reading the shipped packs (YAML, JSON Schema, the rule model) and compiling them for
durable_rules takes about a second; reading an entry back takes a few tens of milliseconds.
The loaded pack is one entry and each program compiled from it (one per distinct set of rules
in force) another, so a run reads only the program it needs; a program's entry refers to its
pack rather than holding a copy. Keys are made of the rule files' names and bytes, rex's
version and the bytes of its own code, and the Python version (and, for a program, which rules
are in force): any change to one of them is a new key, so an entry is never stale. What
durable_rules itself builds (its rulesets in memory) is not kept; it is registered in each
process.

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
import io
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from . import __version__
from .compiler import Program
from .rulemodel import RulePack

FORMAT = b"rex-compiled-1\n"
MAX_ENTRIES = 48
"""Entries kept; the least recently written go first (a pack is about 0.5 MB, a program 1.5)."""
Selection = tuple[bool, tuple[str, ...]]


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
        self._keys: dict[int, tuple[str, RulePack]] = {}
        """id(pack) -> its key, for the packs this cache handed out."""
        self.hits = 0
        self.misses = 0

    @classmethod
    def default(cls, enabled: bool = True) -> CompileCache:
        return cls(default_folder() if enabled else None)

    def key(self, files: Iterable[Path]) -> str:
        digest = hashlib.sha256(_code_digest().encode())
        for path in files:
            # as given (the pack cites its files so) and as resolved (what is read)
            digest.update(f"{path}\0{path.resolve()}\0".encode())
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
        found = self._read(f"{key}.pack", None)
        if isinstance(found, RulePack):
            self.hits += 1
            pack = found
        else:
            self.misses += 1
            pack = load_rules(chosen)
            self._write(f"{key}.pack", pack, None)
        self._keys[id(pack)] = (key, pack)
        return pack

    def program(self, pack: RulePack, selection: Selection) -> Program | None:
        name = self._program_name(pack, selection)
        if name is None:
            return None
        found = self._read(name, pack)
        return found if isinstance(found, Program) and found.pack is pack else None

    def keep(self, pack: RulePack, selection: Selection, program: Program) -> None:
        name = self._program_name(pack, selection)
        if name is not None:
            self._write(name, program, pack)

    def _program_name(self, pack: RulePack, selection: Selection) -> str | None:
        known = self._keys.get(id(pack))
        if known is None or known[1] is not pack:
            return None
        digest = hashlib.sha256(repr(selection).encode()).hexdigest()[:24]
        return f"{known[0]}.{digest}.program"

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

    def _read(self, name: str, pack: RulePack | None) -> object | None:
        """The object of entry ``name`` (None when missing, damaged or unreadable); a program
        entry's reference to its pack is resolved to ``pack``."""
        folder = self._usable()
        if folder is None:
            return None
        try:
            data = (folder / f"{name}.pickle").read_bytes()
        except OSError:
            return None
        head = len(FORMAT) + 64
        if not data.startswith(FORMAT) or len(data) < head + 1:
            return None
        body = data[head + 1:]
        if hashlib.sha256(body).hexdigest().encode() != data[len(FORMAT):head]:
            return None  # cut short or changed: written again
        try:
            found: object = _Unpickler(io.BytesIO(body), pack).load()
        except Exception:  # an entry that cannot be read is rebuilt, never fatal
            return None
        return found

    def _write(self, name: str, value: object, pack: RulePack | None) -> None:
        folder = self._usable()
        if folder is None:
            return
        out_bytes = io.BytesIO()
        try:
            _Pickler(out_bytes, pack).dump(value)
        except Exception:  # what cannot be pickled is simply not kept
            return
        body = out_bytes.getvalue()
        data = FORMAT + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        temporary = None
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".", suffix=".tmp",
                                             delete=False) as out:
                temporary = out.name
                out.write(data)
            Path(temporary).replace(folder / f"{name}.pickle")
        except OSError:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            return
        self._prune(folder)

    def _prune(self, folder: Path) -> None:
        """Keep the newest entries, and drop what a write that never finished left behind."""
        try:
            entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
            for old in entries[:-MAX_ENTRIES]:
                old.unlink(missing_ok=True)
            stale = time.time() - 3600
            for left in folder.glob(".*.tmp"):
                if left.stat().st_mtime < stale:
                    left.unlink(missing_ok=True)
        except OSError:
            return


class _Pickler(pickle.Pickler):
    """Writes a program with its pack as a reference, not a copy."""

    def __init__(self, file: io.BytesIO, pack: RulePack | None) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.pack = pack

    def persistent_id(self, obj: object) -> str | None:
        return "pack" if self.pack is not None and obj is self.pack else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, pack: RulePack | None) -> None:
        super().__init__(file)
        self.pack = pack

    def persistent_load(self, pid: object) -> RulePack:
        if pid != "pack" or self.pack is None:
            raise pickle.UnpicklingError("an entry refers to a pack it was not read with")
        return self.pack
