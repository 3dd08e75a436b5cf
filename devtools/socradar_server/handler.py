"""The HTTP layer: socket handling, request parsing and writing responses.

It knows nothing about SOCRadar. It turns each request into an IncomingRequest, hands it to the
application's `handle`, and writes back the Response it gets, including the deliberately broken
ones (a reset connection, a body shorter than its Content-Length).
"""

from __future__ import annotations

import json
import socket
import struct
import sys
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from .responses import Response, failure, json_response

_MAX_CHUNK_LINE = 65537


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    connection: int


class Application(Protocol):
    def handle(self, request: IncomingRequest) -> Response: ...

    def connection_opened(self, sock: socket.socket) -> int: ...

    def connection_closed(self, sock: socket.socket) -> None: ...


class HttpServer(ThreadingHTTPServer):
    """A threaded server bound to one Application.

    Handler threads are daemons and `server_close` does not wait for them: a client holding an
    idle keep-alive connection must not be able to block shutdown.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: Application) -> None:
        self.app = app
        super().__init__(address, RequestHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up mid-exchange are normal here (timeouts, resets in tests).
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _BadRequestError(Exception):
    pass


class RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 gives keep-alive; every response therefore carries a Content-Length.
    protocol_version = "HTTP/1.1"
    server_version = "SOCRadarTestServer/1.0"
    server: HttpServer

    def setup(self) -> None:
        super().setup()
        self.connection_number = self.server.app.connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app.connection_closed(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the application's clock (simulated in tests), as a real
        # server's follows its own: clients may read the server's time from it.
        now = getattr(self.server.app, "now", None)
        if timestamp is None and now is not None:
            timestamp = now.timestamp()
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: object) -> None:
        # Silenced: request lines would flood test output, and headers may carry the API key.
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except _BadRequestError as exc:
            # The stream position is unknown after a bad length; answer and drop the connection.
            response = json_response(400, failure(400, str(exc)))
            response.close_after = True
            self._write(response)
            return
        split = urlsplit(self.path)
        request = IncomingRequest(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=self.headers,
            body=body,
            connection=self.connection_number,
        )
        self._write(self.server.app.handle(request))

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise _BadRequestError("Content-Length must be an integer.") from None
        if length < 0:
            raise _BadRequestError("Content-Length must not be negative.")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequestError("Malformed chunked request body.") from None
            if size == 0:
                # Skip trailers up to the blank line that ends the message.
                while self.rfile.readline(_MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(_MAX_CHUNK_LINE)

    def _write(self, response: Response) -> None:
        if response.reset:
            self._reset_connection()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        length = len(response.body) if response.declared_length is None else response.declared_length
        self.send_header("Content-Length", str(length))
        if response.close_after:
            # No "Connection: close" header: a truncated answer must look like a dropped link.
            self.close_connection = True
        self.end_headers()
        self.wfile.write(response.body)

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP RST and no response bytes at all."""
        self.close_connection = True
        sock = self.connection
        # Linger 0 turns close() into an abortive close (RST) instead of a FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        # The buffered reader holds a reference to the socket; the descriptor closes with it.
        self.rfile.close()


def decode_json(body: bytes) -> tuple[object, bool]:
    """(decoded value, True) for a JSON body, (None, True) for an empty one, (None, False) otherwise."""
    if not body.strip():
        return None, True
    try:
        return json.loads(body), True
    except (UnicodeDecodeError, ValueError):
        return None, False
