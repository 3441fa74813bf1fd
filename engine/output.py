"""Writing output files: atomically for a regular file (a reader never sees a half-written
report), in place for a device or a pipe, through a symlink to its target, never over an
input, and with the permissions a new file would get from the user's umask."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError, Location


def refuse_inputs(path: str | Path, inputs: Iterable[str | Path], option: str) -> None:
    """Stop before writing ``path`` if it is one of the inputs, however it is spelt
    (relative, absolute, through a symlink)."""
    target = os.path.realpath(path)
    for given in inputs:
        if os.path.realpath(given) == target:
            raise InputError(f"{option} {path} would overwrite an input file ({given})",
                             hint="write the output to another path")


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path``. A regular file is replaced through a temporary file in the
    same folder, keeping the mode of the file it replaces (or, for a new file, the mode the
    umask gives); a symlink is followed and its target replaced; a device or a pipe is
    written in place."""
    write_pieces(path, [text])


def write_pieces(path: str | Path, pieces: Iterable[str]) -> None:
    """``write_atomic`` for output produced piece by piece: each piece is written as it comes,
    so the output is never held whole in memory. If producing a piece fails, a regular file
    is left as it was (the temporary file is removed)."""
    target = Path(os.path.realpath(path)) if Path(path).is_symlink() else Path(path)
    try:
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot write the output file: {exc.strerror or exc}",
                         Location(str(path))) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_in_place(target, pieces, str(path))
        return
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise InputError("the folder for the output file does not exist", Location(str(path)))
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                             dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write the output file: {exc.strerror or exc}",
                         Location(str(path))) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(mode)
        Path(temporary).replace(target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write the output file: {exc.strerror or exc}",
                         Location(str(path))) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_in_place(target: Path, pieces: Iterable[str], shown: str) -> None:
    try:
        with target.open("w", encoding="utf-8", newline="\n") as stream:
            for piece in pieces:
                stream.write(piece)
            stream.flush()
    except OSError as exc:
        raise InputError(f"cannot write the output file: {exc.strerror or exc}",
                         Location(shown)) from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
