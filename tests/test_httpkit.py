"""devtools/httpkit, the HTTP layer under every local server, exercised over real sockets: the
bounds it puts on what a client sends, and the answers it can give besides a complete one."""

from __future__ import annotations

import http.client
import socket
import time

import pytest

from devtools.httpkit import IncomingRequest, LocalServer, Response, json_response


class Echo(LocalServer):
    """Says how many body bytes it read; `stream` answers in pieces without a length."""

    max_body_bytes = 1024
    stream: list[bytes] | None = None

    def handle(self, request: IncomingRequest) -> Response:
        if self.stream is not None:
            return Response(200, b"<", stream=iter(self.stream))
        if request.path == "/boom":
            return self.answer_guarded(self.explode)
        return json_response(200, {"read": len(request.body), "target": request.target})

    def explode(self) -> Response:
        raise ZeroDivisionError("a bug in the application")


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send `request` as it is and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_a_body_within_the_cap_is_read_whole():
    with Echo() as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("POST", "/x?a=1", body=b"y" * 1024)
        reply = conn.getresponse()
        assert (reply.status, reply.read()) == (200, b'{"read": 1024, "target": "/x?a=1"}')


def test_a_body_over_the_cap_is_refused_unread_and_the_connection_closed():
    with Echo() as srv:
        # Announced larger than the cap, and only the headers sent: the server must not wait for it.
        answer = raw_exchange(srv.port, b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413 "), answer
        assert b"Request body larger than 1024 bytes." in answer


def test_a_chunked_body_is_joined_and_bounded_by_the_same_cap():
    with Echo() as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("POST", "/x", body=iter([b"ab", b"cde"]), encode_chunked=True)
        assert conn.getresponse().read() == b'{"read": 5, "target": "/x"}'
        chunked = (
            b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"400\r\n"
            + (b"z" * 1024 + b"\r\n1\r\nz\r\n0\r\n\r\n")
        )
        answer = raw_exchange(srv.port, chunked)
        assert answer.startswith(b"HTTP/1.1 413 "), answer


@pytest.mark.parametrize("length", ["abc", "-1"])
def test_a_bad_content_length_gets_a_400(length):
    with Echo() as srv:
        answer = raw_exchange(srv.port, f"POST /x HTTP/1.1\r\nContent-Length: {length}\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 400 "), answer


def test_a_streamed_answer_has_no_length_and_ends_with_the_connection():
    with Echo() as srv:
        srv.stream = [b"a" * 70_000, b"b" * 3, b">"]
        answer = raw_exchange(srv.port, b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n")
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"content-length" not in head.lower() and b"Connection: close" in head, head
        assert body == b"<" + b"a" * 70_000 + b"bbb>"


def test_an_exception_while_answering_is_a_500_and_kept():
    with Echo() as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/boom")
        reply = conn.getresponse()
        assert (reply.status, reply.read()) == (500, b'{"error": "Internal server error."}')
        assert [type(e) for e in srv.errors] == [ZeroDivisionError]


def test_a_server_with_a_lifetime_stops_by_itself():
    srv = Echo(lifetime=0.2).start()
    port = srv.port
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the server was still accepting connections 10 s after its lifetime")
    with pytest.raises(RuntimeError, match="server not started"):
        _ = srv.port
    srv.stop()  # stopping again is harmless
