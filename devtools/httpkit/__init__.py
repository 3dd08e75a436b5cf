"""One HTTP toolkit for every local server: the SOCRadar and CMDB stand-ins in devtools, and the
tests' hostile and fuzzing servers.

    class Echo(LocalServer):
        def handle(self, request: IncomingRequest) -> Response:
            return json_response(200, {"path": request.path})

    with Echo() as srv:
        urlopen(srv.origin + "/anything")

Standard library only (http.server, socketserver, ssl). A server that does not speak HTTP (a
silent peer, another protocol) overrides `make_server` with a TcpServer and its own
ConnectionHandler, and keeps the same lifecycle.
"""

from .faults import Fault, FaultInjection, FaultQueue, reset, retry_after_header
from .response import Response, json_response, truncated
from .server import (
    MIB,
    ConnectionHandler,
    HttpServer,
    IncomingRequest,
    LocalServer,
    RequestHandler,
    TcpServer,
    decode_json,
)

__all__ = [
    "MIB",
    "ConnectionHandler",
    "Fault",
    "FaultInjection",
    "FaultQueue",
    "HttpServer",
    "IncomingRequest",
    "LocalServer",
    "RequestHandler",
    "Response",
    "TcpServer",
    "decode_json",
    "json_response",
    "reset",
    "retry_after_header",
    "truncated",
]
