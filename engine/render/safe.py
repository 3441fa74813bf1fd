"""Case text is data: it never drives the terminal, the Markdown viewer or an XML parser.

Case files come from press cuttings and counterparties' documents. A party name may carry
escape sequences (clear the screen, set the window title), bidi overrides that reorder what a
reader sees, or Markdown and HTML that a merge-request comment would render as links, images
or mentions. Every text output shows such characters as visible escapes; Markdown escapes
markup in case text; XML outputs carry no character XML 1.0 forbids.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates,
# and the line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Characters XML 1.0 does not allow at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Enough to make links, images, HTML, emphasis, tables and mentions inert; parentheses alone
# cannot make a link once the brackets are escaped.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>|~@])")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Control and bidi characters as visible escapes (``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(_escape, text)


def markdown_text(text: object) -> str:
    """Case text for Markdown: control characters visible, markup inert (``\\<img\\>``,
    ``\\@team``, ``\\[link\\]``), on one line."""
    return _MARKUP.sub(r"\\\1", visible(str(text))).replace("\n", " ")


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: forbidden characters as visible escapes."""
    return _NOT_XML.sub(_escape, visible(text))
