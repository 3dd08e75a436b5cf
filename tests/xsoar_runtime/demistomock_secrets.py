"""The secret scan of the runtime double (``demistomock``): the secrets handed to an integration in
its parameters, in every spelling a server or a message could give them, and everything the
integration sent out, for a test to check that no secret reached a result, a log line, the
context, an incident or a file."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

#: Each spelling to look for, and the secret it spells.
spelled: dict[str, str] = {}
#: Everything sent out since the last ``demistomock.forget_emitted()``, as text.
emitted: list[str] = []

_SECRET_KEYS = ("password", "secret", "token", "apikey", "api_key")
#: Secrets this long are also looked for by their head, as a message cut before it was scrubbed
#: leaves it (``client_secret=OAUTHCLIENT…``).
_HEAD_FROM = 16
_HEAD = 10
#: Parameters holding several secrets as `id: secret` lines (the retired chain keys).
_SECRET_LINES_KEYS = ("chain_retired_keys",)


def spellings(secret: str, user: str | None = None) -> list[str]:
    """The secret as given, percent-encoded (RFC 3986 and form encoding, upper- and lower-case
    hex), JSON-escaped, hex, base64 (standard and URL-safe, with or without padding), its head when
    it is long, and with a user the base64 of ``user:secret``
    that basic authentication sends (standard and URL-safe). ``Bearer <token>`` holds the token
    as given."""
    out = {secret, json.dumps(secret)[1:-1]}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe="")):
        out.add(encoded)
        out.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded))
    raw = secret.encode()
    b64, url_safe = base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()
    out.update({raw.hex(), raw.hex().upper(), b64, b64.rstrip("="), url_safe, url_safe.rstrip("=")})
    if len(secret) >= _HEAD_FROM:
        out.add(secret[:_HEAD])
    if user is not None:
        pair = base64.b64encode(f"{user}:{secret}".encode()).decode()
        out.update({pair, pair.rstrip("="), pair.replace("+", "-").replace("/", "_")})
    return sorted(out)


def _add_secret(secret: str, user: str | None = None) -> None:
    for spelling in spellings(secret, user):
        spelled.setdefault(spelling, secret)


def collect_secrets(node: Any, key: str = "") -> None:
    """Remembers the secrets in instance parameters ``node``: values of secret-named keys,
    credentials' passwords (with their user), `id: secret` lines, passwords inside URLs."""
    if isinstance(node, str) and key in _SECRET_LINES_KEYS:
        for line in node.splitlines():
            secret = line.partition(":")[2].strip()
            if len(secret) >= 6:
                _add_secret(secret)
        return
    if isinstance(node, dict):
        user = node.get("identifier")
        for k, v in node.items():
            if k == "password" and isinstance(v, str) and len(v) >= 6 and isinstance(user, str) and user:
                _add_secret(v, user)
            collect_secrets(v, k)
    elif isinstance(node, list):
        for v in node:
            collect_secrets(v, key)
    elif isinstance(node, str) and len(node) >= 6 and any(s in key.lower() for s in _SECRET_KEYS):
        _add_secret(node)
    elif isinstance(node, str) and "://" in node and "@" in node:
        # Credentials inside a URL (a DSN, or a URL typed with user:password@host).
        try:
            parts = urlsplit(node.strip())
            password = parts.password
        except ValueError:
            password = None
        if password and len(password) >= 4:
            _add_secret(unquote(password), unquote(parts.username or ""))


def secrets_in(kept: str) -> list[str]:
    """Secrets found, in any of their spellings, in what was emitted or in ``kept`` (the state
    and files the server keeps)."""
    haystack = "\n".join(emitted) + kept
    return sorted({secret for spelling, secret in spelled.items() if spelling in haystack})
