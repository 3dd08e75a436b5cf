"""Hostile servers for tests/test_hostile_servers.py, all on loopback, each stopping by itself
(devtools.httpkit servers with a lifetime).

- ``Front``: an HTTP(S) server in front of a real one (the local SOCRadar or CMDB server), or
  alone. Each request takes the next scripted misbehaviour that matches its path (a redirect, an
  answer of 500 MB streamed in chunks, an echo of what the client sent); every other request is
  passed to the upstream server unchanged. It records what it received.
- ``Silent``: accepts TCP connections and never says a word.
- ``MuteAfterLogin``: speaks the PostgreSQL protocol up to "ready for query", then never answers.
- ``peak_memory``: runs a snippet in a fresh Python process and returns what it printed with its
  peak resident memory (``VmHWM``), so a test can state a bound on what a hostile answer costs.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.httpkit import MIB, ConnectionHandler, IncomingRequest, LocalServer, Response, TcpServer

ROOT = Path(__file__).resolve().parent.parent
#: A server left running by a failed test stops after this many seconds anyway.
LIFETIME = 180.0


@dataclass
class Seen:
    """One request as a hostile server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def carries(self, secret: str) -> bool:
        text = json.dumps(self.headers) + self.path + self.body.decode("latin-1")
        return secret in text


Behaviour = Callable[[Seen], Response]


@dataclass
class _Script:
    path_contains: str
    behaviour: Behaviour
    times: int


class Front(LocalServer):
    """In front of ``upstream`` (an origin), or alone; over HTTPS with ``tls``."""

    def __init__(self, upstream: str | None = None, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(tls=tls, lifetime=LIFETIME)
        self.upstream = upstream
        self.seen: list[Seen] = []
        self._scripts: list[_Script] = []

    def url(self, path: str = "") -> str:
        return self.origin + path

    def script(self, behaviour: Behaviour, *, path_contains: str = "", times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``path_contains`` get ``behaviour``."""
        with self._lock:
            self._scripts.append(_Script(path_contains, behaviour, times))

    def handle(self, request: IncomingRequest) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        seen = Seen(request.method, request.target, headers, request.body)
        with self._lock:
            self.seen.append(seen)
            script = next((s for s in self._scripts if s.path_contains in seen.path), None)
            if script is not None:
                script.times -= 1
                if script.times == 0:
                    self._scripts.remove(script)
        if script is not None:
            return script.behaviour(seen)
        if self.upstream is not None:
            return self._forward(seen)
        return respond(404, {"error": "nothing here"})(seen)

    def _forward(self, seen: Seen) -> Response:
        assert self.upstream is not None
        up = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        try:
            headers = {k: v for k, v in seen.headers.items() if k not in ("host", "connection")}
            conn.request(seen.method, seen.path, body=seen.body or None, headers=headers)
            r = conn.getresponse()
            payload = r.read()
            kept = {
                k: v
                for k, v in r.getheaders()
                if k.lower() not in ("content-length", "connection", "transfer-encoding")
            }
            return Response(r.status, payload, kept)
        finally:
            conn.close()


# -- behaviours ------------------------------------------------------------------------------------


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> Behaviour:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda seen: Response(status, payload, {"Content-Type": "application/json", **(headers or {})})


def redirect(status: int, location: str) -> Behaviour:
    return respond(status, {"message": "moved"}, {"Location": location})


def huge(
    total: int, *, announce: bool, prefix: bytes = b'{"is_success": true, "data": {"alarms": ['
) -> Behaviour:
    """An answer of ``total`` bytes, streamed in 1 MiB chunks (never held whole), announced with
    ``Content-Length`` or not (then the connection closes at its end)."""

    def padding() -> Iterator[bytes]:
        chunk = b" " * MIB
        sent = len(prefix)
        while sent < total:
            n = min(len(chunk), total - sent)
            yield chunk[:n]
            sent += n

    return lambda seen: Response(
        200,
        prefix,
        {"Content-Type": "application/json"},
        declared_length=total if announce else None,
        stream=padding(),
    )


def echo(status: int, *, key: str = "error_description", pad: int = 0) -> Behaviour:
    """An error answer whose message repeats what the client sent (its headers and body), after
    ``pad`` characters, as a careless server's debug output does."""

    def run(seen: Seen) -> Response:
        said = "x" * pad + seen.body.decode() + " " + " ".join(f"{k}: {v}" for k, v in seen.headers.items())
        return respond(status, {key: said, "message": said, "error": {"message": said}})(seen)

    return run


# -- servers that do not answer ----------------------------------------------------------------------


class _Hold(ConnectionHandler):
    server: TcpServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        self.server.app.greet(conn)  # type: ignore[attr-defined]
        # Read and drop whatever the client sends, answer nothing, until either side hangs up.
        while conn.recv(65536):
            pass


class Silent(LocalServer):
    """Accepts connections and holds them open without a byte."""

    def __init__(self) -> None:
        super().__init__(lifetime=LIFETIME)

    def make_server(self, address: tuple[str, int]) -> TcpServer:
        return TcpServer(address, self, _Hold)

    def greet(self, conn: socket.socket) -> None:
        pass

    @property
    def connections(self) -> int:
        return self.connections_opened


class MuteAfterLogin(Silent):
    """Logs any user in (PostgreSQL protocol 3.0, no TLS), then never answers a query."""

    def greet(self, conn: socket.socket) -> None:
        length = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))[0]
        conn.recv(length - 4, socket.MSG_WAITALL)  # the startup message
        ok = b"R" + struct.pack("!II", 8, 0)  # AuthenticationOk
        key = b"K" + struct.pack("!III", 12, 1, 2)  # BackendKeyData
        params = b"".join(
            b"S" + struct.pack("!I", 4 + len(k) + len(v) + 2) + k + b"\0" + v + b"\0"
            for k, v in ((b"server_version", b"16.0"), (b"client_encoding", b"UTF8"))
        )
        ready = b"Z" + struct.pack("!I", 5) + b"I"
        conn.sendall(ok + params + key + ready)


# -- memory ------------------------------------------------------------------------------------------


def peak_memory(snippet: str, **values: Any) -> dict[str, Any]:
    """Runs ``snippet`` in a fresh Python with ``values`` bound as globals; it sets ``result``.
    Returns ``result`` with ``peak_rss_mb``, the child's peak resident memory."""
    program = (
        "import json, sys\n"
        "sys.path[:0] = [sys.argv[1], sys.argv[1] + '/tests/xsoar_runtime']\n"
        "globals().update(json.loads(sys.argv[2]))\n"
        "result = {}\n"
        f"{snippet}\n"
        # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over an exec, so a child
        # of a large test process would report its parent's peak.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "result['peak_rss_mb'] = int(hwm.split()[1]) / 1024\n"
        "print('RESULT ' + json.dumps(result))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", program, str(ROOT), json.dumps(values)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, f"the child failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}"
    return json.loads(line[len("RESULT ") :])
