"""``rex check --format junit``: one test case per case file, for CI dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import PurePosixPath

from ..check import CheckResult
from .safe import xml_text


def render(result: CheckResult) -> str:
    items = result.results
    failures = sum(1 for r in items if r.failed and not r.invalid)
    errors = sum(1 for r in items if r.invalid)
    suites = ET.Element("testsuites", name="rex check", tests=str(len(items)),
                        failures=str(failures), errors=str(errors))
    suite = ET.SubElement(suites, "testsuite", name="rex check", tests=str(len(items)),
                          failures=str(failures), errors=str(errors))
    for item in items:
        name = item.path
        # The folder, never the case id: an invalid or removed file has none, and a dashboard
        # must group a file the same way whether it loaded or not.
        folder = PurePosixPath(name).parent.as_posix().strip("./").replace("/", ".")
        testcase = ET.SubElement(suite, "testcase", classname=f"rex.{folder or 'cases'}",
                                 name=name, time="0")
        if item.invalid:
            error = ET.SubElement(testcase, "error", message="invalid case file",
                                  type="invalid-case-file")
            error.text = "\n".join(p.one_line() for p in item.problems)
            continue
        lines = [f"expectation: {m.message}" for m in item.mismatches]
        lines += [f"gate: {f.rule} ({f.status}) on "
                  + ", ".join(f"{k}={v}" for k, v in sorted(f.on.items())) for f in item.gated]
        lines += [f"drift: {d.one_line()}" for d in item.drift]
        if lines:
            failure = ET.SubElement(testcase, "failure", message=lines[0][:200], type="rex")
            failure.text = "\n".join(lines)
        if item.report is None:  # a case removed since the baseline: only its drift
            continue
        out = ET.SubElement(testcase, "system-out")
        out.text = "\n".join(f"{f.status}: {f.rule}: {f.title}" for f in item.report.findings)
    ET.indent(suites)
    return xml_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                    + ET.tostring(suites, encoding="unicode") + "\n")
