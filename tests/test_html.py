"""The HTML brief: one self-contained page with the brief, the ownership graph and the
timeline. Its structure is checked on every run; in headless Chromium (Debian's chromium,
which `make test` installs where it can) it must load without a console error and draw."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.cases import load_case
from engine.evaluate import Engine
from engine.render import render
from engine.report import brief
from engine.rules import load_rules

from .conftest import CASES

PAGES = [CASES / "anthropic-alibaba-2026.yaml", CASES / "matters" / "us-cadence-nudt-2025.yaml",
         CASES / "rule-tests" / "us-export" / "affiliates-chain.yaml"]
VOID = {"meta", "br", "hr", "img", "input", "link", "path", "line", "rect"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Tags(HTMLParser):
    """Counts tags and attributes, and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def having(self, name: str, value: str | None = None) -> list[dict[str, str | None]]:
        return [a for _, a in self.attrs if name in a and (value is None or a[name] == value)]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path, object]]:
    engine = Engine(load_rules())
    out = []
    folder = tmp_path_factory.mktemp("html")
    for case_path in PAGES:
        report = engine.report(load_case(case_path), questions=True)
        page = folder / f"{case_path.stem}.html"
        page.write_text(render("html", [report]), encoding="utf-8")
        out.append((case_path, page, report))
    return out


def test_the_page_has_a_node_per_party_an_edge_per_holding_and_an_entry_per_deadline(
        pages: list[tuple[Path, Path, object]]) -> None:
    for case_path, page, report in pages:
        case = load_case(case_path)
        tags = _Tags()
        tags.feed(page.read_text(encoding="utf-8"))
        assert not tags.problems and not tags.stack, (page.name, tags.problems, tags.stack)
        assert {a["data-node"] for a in tags.having("data-node")} == \
            {o.id for o in case.of_kind("party")}
        assert len(tags.having("data-edge")) == len(case.of_kind("ownership"))
        assert len(tags.having("data-timeline", "deadline")) == \
            len(brief.clocks(report))  # type: ignore[arg-type]
        assert len(tags.having("data-rule")) == len(report.findings)  # type: ignore[attr-defined]
        for heading in ("h1", "h2"):
            assert any(tag == heading for tag, _ in tags.attrs)
        assert all(a.get("role") == "img" and a.get("aria-labelledby")
                   for tag, a in tags.attrs if tag == "svg")


def test_the_page_loads_nothing_from_elsewhere(pages: list[tuple[Path, Path, object]]) -> None:
    for _, page, _ in pages:
        text = page.read_text(encoding="utf-8")
        tags = _Tags()
        tags.feed(text)
        assert not [a for tag, a in tags.attrs if tag in {"script", "img", "link", "iframe"}
                    and (a.get("src") or a.get("href"))]
        assert not re.search(r"@import|url\((?!#)", text)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def _console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line
            and re.search(r"Uncaught|Error|error", line)]


def _distinct_pixels(png: bytes) -> int:
    """How many distinct byte values the image's pixel data holds (a blank page: a few)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            data += png[at + 8:at + 8 + length]
        at += 12 + length
    return len(set(zlib.decompress(data)))


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed and could "
                    "not be (make test installs it where apt-get may run)")
def test_chromium_loads_each_page_without_a_console_error_and_draws_it(
        pages: list[tuple[Path, Path, object]], tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script>"
                      "</body></html>")
    assert _console_errors(_chromium("--dump-dom", broken.as_uri()).stderr), \
        "the console check must see a script error"
    for case_path, page, _ in pages:
        loaded = _chromium("--dump-dom", page.as_uri())
        assert loaded.returncode == 0, loaded.stderr[-500:]
        assert not _console_errors(loaded.stderr), _console_errors(loaded.stderr)
        case = load_case(case_path)
        assert loaded.stdout.count("data-node=") == len(case.of_kind("party"))
        shot = tmp_path / f"{page.stem}.png"
        _chromium(f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
        assert _distinct_pixels(shot.read_bytes()) > 20, page.name
