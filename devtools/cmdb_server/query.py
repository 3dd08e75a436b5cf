"""A subset of ServiceNow encoded queries (`sysparm_query`), parsed and evaluated.

    name=cardgw-01^ORip_address=203.0.113.4      OR binds tighter than AND: a^b^ORc is a AND (b OR c)
    sys_idINa1,b2^operational_status!=6            IN, NOT IN, =, !=, LIKE, NOT LIKE, STARTSWITH, ENDSWITH,
    child.name=cardgw-01^ORDERBYname               ISEMPTY, ISNOTEMPTY, <, <=, >, >=; dot-walking; ORDERBY(DESC)
    a=1^NQb=2                                      NQ starts a new query whose rows are added

`^^` is a literal caret inside a value. String comparisons ignore case, as they do on an instance.
A condition on a field a record does not have compares against the empty string; a term that is
not a condition at all is a QueryError (an instance may silently ignore it; tests want to know).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Longest first, so that "NOT LIKE" is not read as a field ending in "NOT " and "!=" not as "=".
OPERATORS = (
    "ISNOTEMPTY",
    "ISEMPTY",
    "STARTSWITH",
    "ENDSWITH",
    "NOT LIKE",
    "NOT IN",
    "LIKE",
    "IN",
    "!=",
    ">=",
    "<=",
    "=",
    ">",
    "<",
)
_NO_VALUE = frozenset({"ISEMPTY", "ISNOTEMPTY"})
# Field names are lower case on an instance, so an upper-case operator can never be part of one.
_FIELD = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*")


class QueryError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str


@dataclass
class Query:
    # Alternatives (NQ) of AND-ed groups of OR-ed conditions.
    alternatives: list[list[list[Condition]]] = field(default_factory=lambda: [[]])
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    def matches(self, resolve: Callable[[str], str]) -> bool:
        return any(
            all(any(_holds(c, resolve(c.field)) for c in group) for group in groups)
            for groups in self.alternatives
        )


def _terms(text: str) -> list[str]:
    """Split on single carets; `^^` stands for a caret inside a value."""
    terms, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "^":
            if text.startswith("^^", i):
                current.append("^")
                i += 2
                continue
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    terms.append("".join(current))
    return [t for t in terms if t != ""]


def parse_condition(term: str) -> Condition:
    match = _FIELD.match(term)
    if match is None:
        raise QueryError(f"Invalid query term {term!r}: it does not start with a field name.")
    name, rest = match.group(0), term[match.end() :]
    for op in OPERATORS:
        if rest.startswith(op):
            value = rest[len(op) :]
            if op in _NO_VALUE and value:
                raise QueryError(f"Invalid query term {term!r}: {op} takes no value.")
            return Condition(name, op, value)
    raise QueryError(f"Invalid query term {term!r}: no operator after the field {name!r}.")


def parse_query(text: str) -> Query:
    query = Query()
    for term in _terms(text):
        if term.startswith("NQ"):
            query.alternatives.append([])
            term = term[2:]
            if not term:
                continue
        if term.startswith("ORDERBYDESC"):
            query.order_by.append((term[len("ORDERBYDESC") :], True))
            continue
        if term.startswith("ORDERBY"):
            query.order_by.append((term[len("ORDERBY") :], False))
            continue
        groups = query.alternatives[-1]
        if term.startswith("OR"):
            if not groups:
                raise QueryError(f"Invalid query term {term!r}: OR needs a condition before it.")
            groups[-1].append(parse_condition(term[2:]))
        else:
            groups.append([parse_condition(term)])
    return query


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _holds(c: Condition, actual: str) -> bool:
    a, v = actual.casefold(), c.value.casefold()
    if c.op == "=":
        return a == v
    if c.op == "!=":
        return a != v
    if c.op in ("IN", "NOT IN"):
        inside = a in {item.strip() for item in v.split(",")}
        return inside if c.op == "IN" else not inside
    if c.op == "LIKE":
        return v in a
    if c.op == "NOT LIKE":
        return v not in a
    if c.op == "STARTSWITH":
        return a.startswith(v)
    if c.op == "ENDSWITH":
        return a.endswith(v)
    if c.op == "ISEMPTY":
        return a == ""
    if c.op == "ISNOTEMPTY":
        return a != ""
    left, right = _number(a), _number(v)
    if left is None or right is None:
        left, right = a, v  # type: ignore[assignment]
    if c.op == "<":
        return left < right  # type: ignore[operator]
    if c.op == "<=":
        return left <= right  # type: ignore[operator]
    if c.op == ">":
        return left > right  # type: ignore[operator]
    return left >= right  # type: ignore[operator]
