"""The Table API's answers in ServiceNow's envelopes; the response object is devtools.httpkit's."""

from __future__ import annotations

from devtools.httpkit import Response
from devtools.httpkit import json_response as _json_response


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


def failure(message: str, detail: str | None = None) -> dict[str, object]:
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    return _json_response(status, payload, headers, content_type="application/json;charset=UTF-8")


def error_response(error: ApiError) -> Response:
    return json_response(error.status, failure(error.message, error.detail), error.headers)


def html_response(status: int, title: str, text: str) -> Response:
    body = (
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    ).encode()
    return Response(status, body, {"Content-Type": "text/html;charset=UTF-8"})
