"""One HTTP toolkit for every local server: the SOCRadar and CMDB stand-ins in devtools, and the
tests' hostile and fuzzing servers.

    class Echo(LocalServer):
        def handle(self, request: IncomingRequest) -> Response:
            return json_response(200, {"path": request.path})

    with Echo() as srv:
        urlopen(srv.origin + "/anything")

Standard library only (http.server, socketserver, ssl).
"""

from .faults import Fault, FaultInjection, FaultQueue, reset, retry_after_header
from .response import Response, json_response, truncated
from .server import MIB, HttpServer, IncomingRequest, LocalServer, RequestHandler, decode_json

__all__ = [
    "MIB",
    "Fault",
    "FaultInjection",
    "FaultQueue",
    "HttpServer",
    "IncomingRequest",
    "LocalServer",
    "RequestHandler",
    "Response",
    "decode_json",
    "json_response",
    "reset",
    "retry_after_header",
    "truncated",
]
