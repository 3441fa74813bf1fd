"""The ``rex`` command: a thin click layer over the library.

Each command builds its inputs, calls one library function, renders the result and returns an
exit code. Exit codes (also in ``rex --help``):

* 0: done; nothing at or above the ``--fail-on`` gate;
* 1: the gate tripped (a finding at or above ``--fail-on``);
* 2: could not evaluate: a usage error, an invalid case or rule file, or an engine failure.
"""


from __future__ import annotations

import click

from . import answering, checks, reports, rules
from .common import main

__all__ = ["answering", "checks", "click", "main", "reports", "rules", "run"]


def run() -> None:  # pragma: no cover - console entry point alias
    main()
