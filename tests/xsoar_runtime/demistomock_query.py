"""``getIncidents`` of the runtime double (``demistomock``): the server's incident search.

Its answer (one entry, Contents.total and Contents.data with the incidents, their custom fields
under CustomFields) is the shape the widgets of demisto/content's CommonWidgets pack read
(demisto.get(res, 'Contents.data')). The query language is modelled for what the pack's scripts
send: field:value and field:"value" terms (type, status, id, or a custom field by its cliName),
a leading "-" negating a term, and, or, and parentheses. status takes the names the server gives
the numbers (0 pending, 1 active, 2 closed, 3 archive). Any other syntax fails the test, not
silently."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

_STATUS = {"pending": 0, "active": 1, "closed": 2, "archive": 3}
_QUERY_TOKEN = re.compile(r'\s*(\(|\)|-?[A-Za-z_.]+:(?:"[^"]*"|[^\s()]+)|\S+)')


def _query_terms(query: str) -> list[str]:
    return [t for t in _QUERY_TOKEN.findall(query) if t]


def _term_holds(term: str, incident: dict[str, Any]) -> bool:
    negate = term.startswith("-")
    name, _, value = term.lstrip("-").partition(":")
    value = value.strip('"')
    if name == "status":
        have: Any = incident.get("status", 1)
        ok = have == _STATUS.get(value.lower(), value)
    else:
        have = incident.get(name, (incident.get("CustomFields") or {}).get(name))
        ok = str(have).lower() == value.lower()
    return ok != negate


def _query_holds(tokens: list[str], incident: dict[str, Any]) -> bool:
    pos = 0

    def joined(word: str, operand: Callable[[], bool]) -> bool:
        """Operands joined by ``word`` (or, and); every operand is read, none skipped."""
        nonlocal pos
        values = [operand()]
        while pos < len(tokens) and tokens[pos].lower() == word:
            pos += 1
            values.append(operand())
        return any(values) if word == "or" else all(values)

    def expr() -> bool:
        return joined("or", conj)

    def conj() -> bool:
        return joined("and", atom)

    def atom() -> bool:
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = expr()
            assert tokens[pos] == ")", f"getIncidents query: ) expected at {tokens[pos:]}"
            pos += 1
            return value
        assert ":" in token, f"getIncidents query: the double knows field:value terms, not {token!r}"
        return _term_holds(token, incident)

    value = expr()
    assert pos == len(tokens), f"getIncidents query: cannot read {tokens[pos:]}"
    return value


def get_incidents(args: dict[str, Any], incidents_db: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The answer to ``getIncidents(args)`` from the server's incidents ``incidents_db``."""
    tokens = _query_terms(str(args.get("query") or ""))
    found = [copy.deepcopy(i) for i in incidents_db if not tokens or _query_holds(tokens, i)]
    size, page = int(args.get("size") or 100), int(args.get("page") or 0)
    data = found[page * size : (page + 1) * size]
    return [{"Type": 1, "ContentsFormat": "json", "Contents": {"total": len(found), "data": data or None}}]
