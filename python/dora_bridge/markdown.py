"""Text from outside (a register, a CMDB, a REST endpoint, a server's error) made safe to show in
the war room's markdown.

XSOAR renders an entry's readable output as markdown, and ``tableToMarkdown`` only escapes what
breaks a table (``|`` and line breaks; newer CommonServerPython also the backtick). A name such
as ``[Open](javascript:…)``, ``<img src=x onerror=…>`` or ``**URGENT**`` in a register cell
would render as a link, HTML or emphasis. ``markdown_text`` escapes every markdown and HTML
character with a backslash, the way CommonServerPython's ``stringEscapeMD`` does, plus ``<`` and
``>``. Inside a table cell only what can make markup there is escaped (emphasis, links and
images, HTML, strike-through): a ``#`` or ``-`` cannot start a heading or a list in a cell, and
``|`` and the backtick are left to ``tableToMarkdown``, so that no character is escaped twice
whichever CommonServerPython runs the integration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["markdown_cell", "markdown_rows", "markdown_text"]

# CommonServerPython's MARKDOWN_CHARS, and the angle brackets of HTML.
_TEXT = frozenset("\\`*_{}[]()#+-!|<>~")
_CELL = frozenset("\\*_[]<>~")


def _escape(value: str, chars: frozenset[str]) -> str:
    return "".join("\\" + c if c in chars else c for c in value)


def markdown_text(value: Any) -> str:
    """``value`` as literal text in a markdown line (a heading, a bullet): every markdown and HTML
    character escaped, line breaks made spaces."""
    text = "" if value is None else str(value)
    return _escape(" ".join(text.splitlines()), _TEXT)


def markdown_cell(value: Any) -> Any:
    """``value`` as literal text in a ``tableToMarkdown`` cell; lists item by item, numbers,
    booleans and ``None`` unchanged."""
    if isinstance(value, str):
        return _escape(value, _CELL)
    if isinstance(value, list):
        return [markdown_cell(v) for v in value]
    return value


def markdown_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every cell of ``rows`` through ``markdown_cell``."""
    return [{k: markdown_cell(v) for k, v in row.items()} for row in rows]
