"""Runs each line of an integration's `command_examples` against the local SOCRadar-compatible
server and writes its real output into the integration README, under the matching
"#### Command example" heading (`python -m devtools.command_examples`).
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeSOCRadar"
sys.path[:0] = [str(ROOT / "tests" / "xsoar_runtime"), str(INTEGRATION)]

import demistomock as demisto  # noqa: E402
import DORABridgeSOCRadar as integration  # noqa: E402, N813

from devtools.socradar_server import SocRadarServer, format_alarm_date  # noqa: E402

API_KEY = "docs-key-5e6f7a8b9c"


def parse(line: str) -> tuple[str, dict[str, str]]:
    parts = shlex.split(line.strip())
    return parts[0].lstrip("!"), dict(p.split("=", 1) for p in parts[1:])


def shown(entry: dict) -> tuple[dict, str]:
    """The context as the context browser shows it (without the merge condition), and the
    readable output."""
    return {k.split("(")[0]: v for k, v in entry["EntryContext"].items()}, entry["HumanReadable"]


def render(line: str, context: dict, readable: str) -> str:
    return (
        f"#### Command example\n\n```{line}```\n\n#### Context Example\n\n```json\n"
        f"{json.dumps(context, indent=4)}\n```\n\n#### Human Readable Output\n\n{readable.strip()}\n"
    )


def examples() -> dict[str, str]:
    out = {}
    with SocRadarServer(api_key=API_KEY) as srv:
        alarm = json.loads((INTEGRATION / "test_data" / "alarm.json").read_text())
        alarm["date"] = format_alarm_date(srv.now - timedelta(minutes=20), "iso_micro")
        srv.add_alarm(alarm)
        srv.generate(11, seed=42, start=srv.now - timedelta(minutes=50))
        params = {
            "url": srv.url,
            "credentials": {"password": API_KEY},
            "company_id": str(srv.company_id),
            "status": [],
        }
        for line in (INTEGRATION / "command_examples").read_text().splitlines():
            if not line.strip():
                continue
            command, args = parse(line)
            demisto.setup(params=params, args=args, command=command)
            integration.main()
            (entry,) = demisto.recorded_results
            out[command] = render(line.strip(), *shown(entry))
    return out


def rewrite(readme: str, blocks: dict[str, str]) -> str:
    """Replaces each command's example block, from its heading to the next command or section."""
    for name, block in blocks.items():
        pattern = re.compile(
            rf"#### Command example\n\n```!{re.escape(name)}[ `].*?(?=^### socradar-|^## |\Z)", re.S | re.M
        )
        readme, n = pattern.subn(lambda _m, b=block: b + "\n", readme)
        if n != 1:
            raise SystemExit(f"README.md has {n} example blocks for {name}, expected 1")
    return readme


def main() -> int:
    path = INTEGRATION / "README.md"
    path.write_text(rewrite(path.read_text(), examples()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
