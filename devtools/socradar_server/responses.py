"""The SOCRadar response envelope and the response object the HTTP handler writes out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class ApiError(Exception):
    """A request the API refuses; turned into an `is_success: false` answer with `status`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Response:
    """What the handler sends. The default is a complete response on a connection kept alive.

    `declared_length` lets a fault announce more bytes than `body` holds, and `reset` asks for the
    connection to be torn down without any response at all.
    """

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None
    close_after: bool = False
    reset: bool = False


def success(message: str, data: object) -> dict[str, object]:
    return {"is_success": True, "message": message, "response_code": 200, "data": data}


def failure(status: int, message: str) -> dict[str, object]:
    return {"is_success": False, "message": message, "response_code": status}


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})


def error_response(error: ApiError) -> Response:
    return json_response(error.status, failure(error.status, error.message), error.headers)
