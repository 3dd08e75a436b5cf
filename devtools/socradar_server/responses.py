"""The SOCRadar response envelope; the response object itself is devtools.httpkit's."""

from __future__ import annotations

from devtools.httpkit import Response, json_response


class ApiError(Exception):
    """A request the API refuses; turned into an `is_success: false` answer with `status`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def success(message: str, data: object) -> dict[str, object]:
    return {"is_success": True, "message": message, "response_code": 200, "data": data}


def failure(status: int, message: str) -> dict[str, object]:
    return {"is_success": False, "message": message, "response_code": status}


def error_response(error: ApiError) -> Response:
    return json_response(error.status, failure(error.status, error.message), error.headers)
