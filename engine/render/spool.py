"""Pieces of an output that comes before its own frame: ``rex check`` writes a summary (and,
in JUnit, counts) ahead of the files it summarises, so each file's part is spooled to a
temporary file as the file is checked, and the document is written around the spool at the
end. Memory stays flat in the number of files; the disk holds what the output will hold."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any

CHUNK = 1 << 16
_MARK = "\u0000rex-spooled\u0000"


class Spool:
    """Pieces joined by ``sep``, held on disk until they are read back once."""

    def __init__(self, sep: str = "") -> None:
        self.sep = sep
        self.count = 0
        # closed by pieces() or close(), not at the end of a block
        self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")  # noqa: SIM115

    def add(self, piece: str) -> None:
        self._file.write((self.sep if self.count else "") + piece)
        self.count += 1

    def pieces(self) -> Iterator[str]:
        """What was added, in chunks; the spool is closed when they have all been read."""
        try:
            self._file.seek(0)
            while chunk := self._file.read(CHUNK):
                yield chunk
        finally:
            self._file.close()

    def close(self) -> None:
        self._file.close()


def render_all(writer: Any, result: Any) -> str:
    """A check writer's whole output for results already held (``CheckResult``): the library
    and the tests' path; ``rex check`` feeds the writer as results stream instead."""
    for item in result.results:
        writer.add(item)
    return "".join(writer.finish(result.totals))


def json_element(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it as an element of an array nested
    ``depth`` levels deep, so that spooled elements read as the whole document would."""
    pad = "  " * depth
    return pad + json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)


def json_frame(document: dict[str, Any], path: tuple[str | int, ...]) -> tuple[str, str, int]:
    """The text before and after the array at ``path`` in ``document`` (as
    ``json.dumps(document, indent=2)`` writes it), and the depth of its elements. The array
    in ``document`` is replaced by a mark while the frame is made."""
    holder: Any = document
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = [_MARK]
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    line_start = text.index(json.dumps(_MARK))
    line_start = text.rindex("\n", 0, line_start) + 1
    line_end = text.index("\n", line_start)
    depth = (len(text[line_start:line_end]) - len(text[line_start:line_end].lstrip())) // 2
    return text[:line_start], text[line_end + 1:], depth


def json_array(document: dict[str, Any], path: tuple[str | int, ...],
               spool: Spool) -> Iterator[str]:
    """``document`` with the spooled elements as the array at ``path``."""
    if not spool.count:
        spool.close()
        yield json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        return
    head, tail, _ = json_frame(document, path)
    yield head
    yield from spool.pieces()
    yield "\n" + tail
