"""``python -m engine.cli``."""

from . import main

main()
