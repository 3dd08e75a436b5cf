"""Run the SOCRadar test server until interrupted.

    python -m devtools.socradar_server --port 8765 --alarms 300 --seed 7 --api-key KEY --days 3

The API key is read from --api-key or $SOCRADAR_API_KEY and is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import timedelta

from devtools.httpkit.cli import add_address_arguments, add_latency_argument, serve_until_interrupted

from .server import SocRadarServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.socradar_server",
        description="Serve a local SOCRadar Incident API v4 with generated alarms.",
    )
    add_address_arguments(parser, default_port=8765)
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
    add_latency_argument(parser)
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
    arrivals = 0

    def arrive() -> None:
        nonlocal arrivals
        arrivals += 1
        # A distinct seed per arrival keeps a run reproducible while varying the alarms.
        server.generate(1, seed=args.seed * 1_000_003 + arrivals, start=server.now, end=server.now)

    return serve_until_interrupted(
        server,
        lambda: f"SOCRadar test server on {server.url} (company {args.company_id}, {args.alarms} alarms)",
        every=args.new_alarm_every,
        tick=arrive,
    )


if __name__ == "__main__":
    sys.exit(main())
