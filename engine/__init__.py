"""rex: the regulatory-exposure rules engine.

The import package is ``engine``; the console command is ``rex``. The library core loads case
files and rule packs, evaluates them on durable_rules and builds a report; ``engine.cli`` is a
thin click layer over it.
"""

__version__ = "0.1.0"
