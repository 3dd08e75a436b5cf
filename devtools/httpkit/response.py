"""What a local server sends back: a Response, including the deliberately broken ones."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Response:
    """What the handler sends. The default is a complete response on a connection kept alive.

    `declared_length` lets a fault announce more bytes than `body` holds, and `reset` asks for the
    connection to be torn down without any response at all. With `stream`, the body is written
    piece by piece after `body` (an answer too large to hold whole); without a `declared_length`
    it then goes without a Content-Length and the connection closes at its end.
    """

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None
    close_after: bool = False
    reset: bool = False
    stream: Iterable[bytes] | None = None


def json_response(
    status: int,
    payload: object,
    headers: dict[str, str] | None = None,
    *,
    content_type: str = "application/json",
) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": content_type, **(headers or {})})


def truncated(response: Response) -> Response:
    """Announce the full body but send only half of it, then close the connection."""
    full = len(response.body)
    return Response(
        response.status,
        response.body[: full // 2],
        dict(response.headers),
        declared_length=max(full, 1),
        close_after=True,
    )
