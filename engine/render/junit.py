"""``rex check --format junit``: one test case per case file, for CI dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import PurePosixPath

from ..check import CaseResult, CheckResult, Totals
from .safe import xml_text
from .spool import Spool, render_all

_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render(result: CheckResult) -> str:
    return render_all(JunitWriter(), result)


class JunitWriter:
    """Test cases spooled as they come; the suite, whose counts lead, written around them."""

    def __init__(self) -> None:
        self.cases = Spool()

    def add(self, item: CaseResult) -> None:
        testcase = _testcase(item)
        ET.indent(testcase, level=2)
        self.cases.add(xml_text("    " + ET.tostring(testcase, encoding="unicode") + "\n"))

    def finish(self, totals: Totals) -> Iterator[str]:
        # An invalid file is an error, not a failure: it has no expectations, gates or drift.
        counts = {"tests": str(totals.files), "failures": str(totals.failed),
                  "errors": str(totals.invalid)}
        suites = ET.Element("testsuites", {"name": "rex check", **counts})
        suite = ET.SubElement(suites, "testsuite", {"name": "rex check", **counts})
        if not self.cases.count:
            self.cases.close()
            ET.indent(suites)
            yield xml_text(_HEADER + ET.tostring(suites, encoding="unicode") + "\n")
            return
        ET.SubElement(suite, "rex-spooled")
        ET.indent(suites)
        head, tail = (_HEADER + ET.tostring(suites, encoding="unicode") + "\n").split(
            "    <rex-spooled />\n")
        yield xml_text(head)
        yield from self.cases.pieces()
        yield xml_text(tail)


def _testcase(item: CaseResult) -> ET.Element:
    name = item.path
    # The folder, never the case id: an invalid or removed file has none, and a dashboard
    # must group a file the same way whether it loaded or not.
    folder = PurePosixPath(name).parent.as_posix().strip("./").replace("/", ".")
    testcase = ET.Element("testcase", classname=f"rex.{folder or 'cases'}", name=name,
                          time="0")
    if item.invalid:
        error = ET.SubElement(testcase, "error", message="invalid case file",
                              type="invalid-case-file")
        error.text = "\n".join(p.one_line() for p in item.problems)
        return testcase
    lines = [f"expectation: {m.message}" for m in item.mismatches]
    lines += [f"gate: {f.rule} ({f.status}) on "
              + ", ".join(f"{k}={v}" for k, v in sorted(f.on.items())) for f in item.gated]
    lines += [f"drift: {d.one_line()}" for d in item.drift]
    if lines:
        failure = ET.SubElement(testcase, "failure", message=lines[0][:200], type="rex")
        failure.text = "\n".join(lines)
    if item.report is not None:  # None: a case removed since the baseline, only its drift
        out = ET.SubElement(testcase, "system-out")
        out.text = "\n".join(f"{f.status}: {f.rule}: {f.title}" for f in item.report.findings)
    return testcase
