"""The incident context of the runtime double (``demistomock``): how the server writes an entry's
outputs into it, and a value at a dotted path (``setContext``)."""

from __future__ import annotations

import copy
import re
from typing import Any


def set_path(context: dict[str, Any], path: str, value: Any) -> None:
    """Sets ``value`` at the dotted ``path`` of ``context``, replacing what was there."""
    node = context
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)


_DT = re.compile(r"^(?P<path>[^(]+)(?:\((?P<dt>.*)\))?$")
_DT_KEY = re.compile(r"val\.([A-Za-z0-9_]+)\s*&&\s*val\.\1\s*==\s*obj\.\1")


def merge_entry_context(context: dict[str, Any], entry_context: Any) -> None:
    """Writes an entry's outputs into the incident ``context`` the way the server does:
    ``Prefix(val.K && val.K == obj.K)`` replaces the item with the same ``K`` (one object stays
    one object) and appends the others; a key without a condition is set when new, and turns into a list it appends to when it
    already holds a value."""
    if not isinstance(entry_context, dict):
        return
    for key, value in entry_context.items():
        m = _DT.match(key)
        if not m:
            continue
        parts = m.group("path").split(".")
        node = context
        for part in parts[:-1]:
            nxt = node.get(part)
            if isinstance(nxt, list):
                nxt = nxt[-1] if nxt and isinstance(nxt[-1], dict) else None
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        leaf = parts[-1]
        new_items = copy.deepcopy(value if isinstance(value, list) else [value])
        keys = _DT_KEY.findall(m.group("dt") or "")
        if leaf not in node:
            node[leaf] = new_items if isinstance(value, list) else new_items[0]
            continue
        was_list = isinstance(node[leaf], list)
        existing = node[leaf] if was_list else [node[leaf]]
        for item in new_items:
            match = None
            if keys and isinstance(item, dict):
                match = next(
                    (
                        i
                        for i, old in enumerate(existing)
                        if isinstance(old, dict) and all(old.get(k) == item.get(k) for k in keys)
                    ),
                    None,
                )
            if match is None:
                existing.append(item)
            else:
                existing[match] = item
        # One object replaced by its update stays one object, as the server keeps it.
        node[leaf] = existing[0] if len(existing) == 1 and not was_list else existing
