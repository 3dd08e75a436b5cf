"""Run the CMDB test server until interrupted.

    python -m devtools.cmdb_server --port 8766 --username svc-dora

The password and client secret are read from --password / --client-secret or from $CMDB_PASSWORD
and $CMDB_CLIENT_SECRET, and are never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from devtools.httpkit.cli import add_address_arguments, add_latency_argument, serve_until_interrupted

from .server import CmdbServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.cmdb_server",
        description="Serve a local ServiceNow-style CMDB (Table API and OAuth) with the demo entity's data.",
    )
    add_address_arguments(parser, default_port=8766)
    parser.add_argument("--username", default="svc-dora", help="user for basic auth and the password grant")
    parser.add_argument(
        "--password",
        default=os.environ.get("CMDB_PASSWORD", "cmdb-password"),
        help="the user's password (default: $CMDB_PASSWORD or cmdb-password)",
    )
    parser.add_argument("--client-id", default="dora-bridge-client", help="OAuth client id")
    parser.add_argument(
        "--client-secret",
        default=os.environ.get("CMDB_CLIENT_SECRET", "cmdb-client-secret"),
        help="OAuth client secret (default: $CMDB_CLIENT_SECRET or cmdb-client-secret)",
    )
    parser.add_argument("--empty", action="store_true", help="start without the demo dataset")
    parser.add_argument(
        "--token-lifetime", type=float, default=1799.0, metavar="SECONDS", help="lifetime of access tokens"
    )
    add_latency_argument(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.latency < 0 or args.token_lifetime < 0:
        print("error: durations must not be negative", file=sys.stderr)
        return 2
    server = CmdbServer(
        args.username,
        args.password,
        args.client_id,
        args.client_secret,
        host=args.host,
        port=args.port,
        dataset=not args.empty,
    )
    server.latency = args.latency
    server.token_lifetime = args.token_lifetime
    cis = len(server.store.rows("cmdb_ci"))
    return serve_until_interrupted(
        server,
        lambda: (
            f"CMDB test server on {server.url} (user {args.username}, client id {args.client_id}, {cis} CIs)"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
