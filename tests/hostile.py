"""Hostile servers for tests/test_hostile_servers.py, all on loopback, each stopping by itself.

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
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
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


Behaviour = Callable[[BaseHTTPRequestHandler, Seen], None]


@dataclass
class _Script:
    path_contains: str
    behaviour: Behaviour
    times: int


@dataclass
class Front:
    upstream: str | None = None
    tls: ssl.SSLContext | None = None
    seen: list[Seen] = field(default_factory=list)
    _scripts: list[_Script] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with front._lock:
                    front.seen.append(seen)
                    script = next((s for s in front._scripts if s.path_contains in self.path), None)
                    if script is not None:
                        script.times -= 1
                        if script.times == 0:
                            front._scripts.remove(script)
                try:
                    if script is not None:
                        script.behaviour(self, seen)
                    elif front.upstream is not None:
                        front._forward(self, seen)
                    else:
                        respond(404, {"error": "nothing here"})(self, seen)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _any  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._timer = threading.Timer(LIFETIME, self.stop)
        self._timer.daemon = True

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return self.origin + path

    def script(self, behaviour: Behaviour, *, path_contains: str = "", times: int = 1) -> None:
        """The next ``times`` requests whose path contains ``path_contains`` get ``behaviour``."""
        with self._lock:
            self._scripts.append(_Script(path_contains, behaviour, times))

    def _forward(self, h: BaseHTTPRequestHandler, seen: Seen) -> None:
        assert self.upstream is not None
        up = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
        try:
            headers = {k: v for k, v in seen.headers.items() if k not in ("host", "connection")}
            conn.request(seen.method, seen.path, body=seen.body or None, headers=headers)
            r = conn.getresponse()
            payload = r.read()
            h.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                    h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        finally:
            conn.close()

    def start(self) -> Front:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Front:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- behaviours ------------------------------------------------------------------------------------


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> Behaviour:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()

    def run(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    return run


def redirect(status: int, location: str) -> Behaviour:
    return respond(status, {"message": "moved"}, {"Location": location})


def huge(
    total: int, *, announce: bool, prefix: bytes = b'{"is_success": true, "data": {"alarms": ['
) -> Behaviour:
    """An answer of ``total`` bytes, streamed in 1 MiB chunks (never held whole), announced with
    ``Content-Length`` or not (then the connection closes at its end)."""

    def run(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if announce:
            h.send_header("Content-Length", str(total))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        h.wfile.write(prefix)
        chunk = b" " * MIB
        sent = len(prefix)
        while sent < total:
            n = min(len(chunk), total - sent)
            h.wfile.write(chunk[:n])
            sent += n

    return run


def echo(status: int, *, key: str = "error_description", pad: int = 0) -> Behaviour:
    """An error answer whose message repeats what the client sent (its headers and body), after
    ``pad`` characters, as a careless server's debug output does."""

    def run(h: BaseHTTPRequestHandler, seen: Seen) -> None:
        said = "x" * pad + seen.body.decode() + " " + " ".join(f"{k}: {v}" for k, v in seen.headers.items())
        respond(status, {key: said, "message": said, "error": {"message": said}})(h, seen)

    return run


# -- servers that do not answer ----------------------------------------------------------------------


class Silent:
    """Accepts connections and holds them open without a byte."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()
        threading.Timer(LIFETIME, self.stop).start()

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    def _accept(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self._on_connection(conn)

    def _on_connection(self, conn: socket.socket) -> None:
        self._held.append(conn)

    @property
    def connections(self) -> int:
        return len(self._held)

    def stop(self) -> None:
        self._stop.set()
        for c in self._held:
            c.close()
        self._sock.close()

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class MuteAfterLogin(Silent):
    """Logs any user in (PostgreSQL protocol 3.0, no TLS), then never answers a query."""

    def _on_connection(self, conn: socket.socket) -> None:
        super()._on_connection(conn)
        threading.Thread(target=self._login, args=(conn,), daemon=True).start()

    @staticmethod
    def _login(conn: socket.socket) -> None:
        try:
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
        except OSError:
            pass


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
