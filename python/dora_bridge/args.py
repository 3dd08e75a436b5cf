"""Command arguments as XSOAR hands them over, made into what the core reads.

From the war room every argument is text. From a playbook an argument is whatever its input
resolves to: a number, a boolean, ``None`` for an empty context path, a list of one or several
values, an object. ``command_args`` turns each value into the text the war room would have sent
(``True`` is ``"true"``, ``12`` is ``"12"``), keeps lists for the arguments declared as arrays,
passes structured arguments (JSON-shaped input such as a list of incidents) through for the core
to check, and refuses what has no text form (an object, several values for a single-valued
argument) with an ``InputError`` naming the argument.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from typing import Any

from dora_bridge._core import InputError

__all__ = ["command_args"]


def command_args(
    args: Mapping[str, Any],
    arrays: Collection[str] = (),
    structured: Collection[str] = (),
) -> dict[str, Any]:
    """The arguments with every value in the form the core reads.

    ``arrays`` names the arguments declared ``isArray`` in the integration's yml: a list stays a
    list (of text). ``structured`` names the arguments that take JSON-shaped input: their value is
    passed as it is. Any other argument takes one value: a list of one is that value, an empty
    list or ``None`` is an absent argument.
    """
    out: dict[str, Any] = {}
    for name, value in args.items():
        if value is None:
            continue
        if name in structured:
            out[name] = value
        elif name in arrays:
            items = value if isinstance(value, (list, tuple)) else [value]
            texts = [_text(name, v) for v in items if v is not None]
            if texts:
                out[name] = texts
        elif isinstance(value, (list, tuple)):
            items = [v for v in value if v is not None]
            if len(items) > 1:
                raise _refused(name, f"{name} takes one value, got a list of {len(items)}: {_show(items)}.")
            if items:
                out[name] = _text(name, items[0])
        else:
            out[name] = _text(name, value)
    return out


def _text(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    raise _refused(name, f"{name} takes text, got {type(value).__name__} {_show(value)}.")


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"


def _refused(name: str, message: str) -> InputError:
    error = InputError(message)
    error.argument = name
    return error
