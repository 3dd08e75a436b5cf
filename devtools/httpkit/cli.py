"""What the stand-alone servers' command lines share (`python -m devtools.socradar_server`, ...)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from .server import LocalServer


def add_address_arguments(parser: argparse.ArgumentParser, default_port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=default_port, help="port to bind, 0 for any (default: %(default)s)"
    )


def add_latency_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="SECONDS", help="sleep before every response"
    )


def serve_until_interrupted(
    server: LocalServer,
    banner: Callable[[], str],
    *,
    every: float = 0.0,
    tick: Callable[[], None] | None = None,
) -> int:
    """Start `server`, print `banner()`, call `tick` every `every` seconds (if both are given) until
    Ctrl-C, then stop the server. The exit status of the command."""
    server.start()
    print(f"{banner()}; Ctrl-C to stop", flush=True)
    try:
        while True:
            if every > 0 and tick is not None:
                time.sleep(every)
                tick()
            else:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
