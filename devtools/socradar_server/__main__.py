"""Run the SOCRadar test server until interrupted.

    python -m devtools.socradar_server --port 8765 --alarms 300 --seed 7 --api-key KEY --days 3

The API key is read from --api-key or $SOCRADAR_API_KEY and is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import timedelta

from .server import SocRadarServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.socradar_server",
        description="Serve a local SOCRadar Incident API v4 with generated alarms.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8765, help="port to bind, 0 for any (default: %(default)s)"
    )
    parser.add_argument("--alarms", type=int, default=300, help="alarms to generate (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generated alarms")
    parser.add_argument("--days", type=float, default=3.0, help="spread alarms over this many past days")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("SOCRADAR_API_KEY", "test-api-key"),
        help="API key clients must send (default: $SOCRADAR_API_KEY or test-api-key)",
    )
    parser.add_argument(
        "--company-id", type=int, default=789, help="company id in the paths (default: %(default)s)"
    )
    parser.add_argument(
        "--visible-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="alarms become visible up to this many seconds after their date",
    )
    parser.add_argument(
        "--new-alarm-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="keep adding one fresh alarm at this interval, to show incremental fetches",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="SECONDS", help="sleep before every response"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.alarms < 0 or args.days < 0 or args.visible_delay < 0 or args.new_alarm_every < 0:
        print("error: counts, days and durations must not be negative", file=sys.stderr)
        return 2
    server = SocRadarServer(args.api_key, args.company_id, host=args.host, port=args.port)
    server.latency = args.latency
    server.generate(
        args.alarms,
        seed=args.seed,
        start=server.now - timedelta(days=args.days),
        visible_delay_max=timedelta(seconds=args.visible_delay),
    )
    server.start()
    print(
        f"SOCRadar test server on {server.url} (company {args.company_id}, {args.alarms} alarms); "
        "Ctrl-C to stop",
        flush=True,
    )
    try:
        arrivals = 0
        while True:
            if args.new_alarm_every > 0:
                time.sleep(args.new_alarm_every)
                arrivals += 1
                # A distinct seed per arrival keeps a run reproducible while varying the alarms.
                server.generate(1, seed=args.seed * 1_000_003 + arrivals, start=server.now, end=server.now)
            else:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
