"""LocalServer: an HTTP application on a local port, served from a background thread.

The HTTP layer knows nothing about the API it serves. It turns each request into an
IncomingRequest, hands it to the application's `handle`, and writes back the Response it gets,
including the deliberately broken ones (a reset connection, a body shorter than its
Content-Length, an answer streamed without a length).

Built on the standard library's `http.server`: the servers stand in for remote APIs in tests and
the demo, where a dependency would add nothing the stdlib lacks.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from .response import Response, json_response

MIB = 1024 * 1024
_MAX_CHUNK_LINE = 65537
_Self = TypeVar("_Self", bound="LocalServer")


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    connection: int  # number of the TCP connection that carried it, from 1
    target: str = ""  # the request target as sent: path and query string


class LocalServer:
    """The lifecycle every local server shares: start()/stop() or `with`, its port and origin, the
    connections it holds, and the exceptions it met while answering (each answered with a 500).

    Subclasses implement `handle`; they may override `refusal` (the answer, in the API's own
    envelope, to a request the HTTP layer could not read), `server_version` and `clock_timestamp`.
    With `tls` (a server-side context holding the certificate) the server speaks HTTPS; with
    `lifetime` (seconds) it stops by itself, so a failed test cannot leave it running.
    """

    server_version = "LocalTestServer/1.0"
    thread_name = "local-server"
    internal_error_message = "Internal server error."
    # A larger request body is refused with 413 before it is read: the server's memory is bounded.
    max_body_bytes = 16 * MIB

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        lifetime: float | None = None,
    ) -> None:
        self._address = (host, port)
        self._tls = tls
        self._lifetime = lifetime
        self._lock = threading.Lock()
        self._open_sockets: set[socket.socket] = set()
        self._httpd: HttpServer | TcpServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self.connections_opened = 0
        # Exceptions raised while answering; each also produced a 500.
        self.errors: list[BaseException] = []

    # -- the application ------------------------------------------------------------------------

    def handle(self, request: IncomingRequest) -> Response:
        raise NotImplementedError

    def refusal(self, status: int, message: str) -> Response:
        return json_response(status, {"error": message})

    def clock_timestamp(self) -> float | None:
        """The time the Date header states (None: the real time), for a server whose clock a test sets."""
        return None

    def make_server(self, address: tuple[str, int]) -> HttpServer | TcpServer:
        """The socketserver to run: HTTP with `handle` answering, unless a subclass speaks another protocol."""
        return HttpServer(address, self)

    def answer_guarded(self, answer: Callable[[], Response]) -> Response:
        """`answer()`, or a plain 500 if it raised; the exception is kept in `errors`."""
        try:
            return answer()
        except Exception as exc:
            with self._lock:
                self.errors.append(exc)
            return self.refusal(500, self.internal_error_message)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self: _Self) -> _Self:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._httpd = self.make_server(self._address)
        if self._tls is not None:
            # The handshake happens as a connection is accepted; a client that refuses the
            # certificate fails it and is dropped before any request is read.
            self._httpd.socket = self._tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        if self._lifetime is not None:
            self._timer = threading.Timer(self._lifetime, self.stop)
            self._timer.daemon = True
            self._timer.start()
        return self

    def stop(self) -> None:
        with self._lock:
            httpd, thread, timer = self._httpd, self._thread, self._timer
            self._httpd = self._thread = self._timer = None
            # Idle keep-alive connections would otherwise outlive the server.
            sockets = list(self._open_sockets)
        if timer is not None:
            timer.cancel()
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self: _Self) -> _Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """scheme://host:port, e.g. http://127.0.0.1:40123."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self._httpd.server_address[0]}:{self.port}"

    # -- connections (called by RequestHandler) -------------------------------------------------

    def connection_opened(self, sock: socket.socket) -> int:
        with self._lock:
            self.connections_opened += 1
            self._open_sockets.add(sock)
            return self.connections_opened

    def connection_closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open_sockets.discard(sock)


class _Quiet:
    """Handler threads are daemons and `server_close` does not wait for them: a client holding an
    idle keep-alive connection must not be able to block shutdown."""

    daemon_threads = True
    block_on_close = False
    app: LocalServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-exchange are normal here (timeouts, resets in tests).
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[misc]


class HttpServer(_Quiet, ThreadingHTTPServer):
    """A threaded HTTP server bound to one LocalServer."""

    def __init__(self, address: tuple[str, int], app: LocalServer) -> None:
        self.app = app
        super().__init__(address, RequestHandler)


class TcpServer(_Quiet, socketserver.ThreadingTCPServer):
    """A threaded TCP server bound to one LocalServer, for a server that does not speak HTTP."""

    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], app: LocalServer, handler: type[socketserver.BaseRequestHandler]
    ) -> None:
        self.app = app
        super().__init__(address, handler)


class ConnectionHandler(socketserver.BaseRequestHandler):
    """Reports each connection to the LocalServer as it opens and closes (stop() ends those left)."""

    server: HttpServer | TcpServer

    def setup(self) -> None:
        super().setup()
        self.connection_number = self.server.app.connection_opened(self.request)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app.connection_closed(self.request)


class _BadRequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RequestHandler(ConnectionHandler, BaseHTTPRequestHandler):
    # HTTP/1.1 gives keep-alive; every response therefore carries a Content-Length.
    protocol_version = "HTTP/1.1"
    server: HttpServer

    def version_string(self) -> str:
        return self.server.app.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the application's clock (simulated in tests), as a real
        # server's follows its own: clients may read the server's time from it.
        if timestamp is None:
            timestamp = self.server.app.clock_timestamp()
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: object) -> None:
        # Silenced: request lines would flood test output, and headers carry credentials.
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
        app = self.server.app
        try:
            body = self._read_body(app.max_body_bytes)
        except _BadRequestError as exc:
            # The stream position is unknown after a bad or refused body; answer and hang up.
            response = app.refusal(exc.status, str(exc))
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
            target=self.path,
        )
        self._write(app.handle(request))

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise _BadRequestError(400, "Content-Length must be an integer.") from None
        if length < 0:
            raise _BadRequestError(400, "Content-Length must not be negative.")
        if length > limit:
            raise _BadRequestError(413, f"Request body larger than {limit} bytes.")
        return self.rfile.read(length)

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_MAX_CHUNK_LINE)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequestError(400, "Malformed chunked request body.") from None
            if size == 0:
                # Skip trailers up to the blank line that ends the message.
                while self.rfile.readline(_MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            if size < 0:
                raise _BadRequestError(400, "Malformed chunked request body.")
            total += size
            if total > limit:
                raise _BadRequestError(413, f"Request body larger than {limit} bytes.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(_MAX_CHUNK_LINE)

    def _write(self, response: Response) -> None:
        if response.reset:
            self._reset_connection()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.declared_length is not None:
            self.send_header("Content-Length", str(response.declared_length))
        elif response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
        else:
            # No length: the end of the body is the end of the connection.
            self.send_header("Connection", "close")
            self.close_connection = True
        if response.close_after:
            # No "Connection: close" header: a truncated answer must look like a dropped link.
            self.close_connection = True
        self.end_headers()
        self.wfile.write(response.body)
        for piece in response.stream or ():
            self.wfile.write(piece)

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
