"""The Table API's answers: the response object the HTTP handler writes, and ServiceNow's envelopes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class ApiError(Exception):
    """A request the instance refuses; answered as `{"error": {...}, "status": "failure"}`."""

    def __init__(
        self, status: int, message: str, detail: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail
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


def failure(message: str, detail: str | None = None) -> dict[str, object]:
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json;charset=UTF-8", **(headers or {})})


def error_response(error: ApiError) -> Response:
    return json_response(error.status, failure(error.message, error.detail), error.headers)


def html_response(status: int, title: str, text: str) -> Response:
    body = (
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    ).encode()
    return Response(status, body, {"Content-Type": "text/html;charset=UTF-8"})
