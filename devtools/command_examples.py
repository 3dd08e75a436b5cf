"""Runs each line of the integrations' `command_examples` through their `main()` on the XSOAR
runtime double (the SOCRadar one against the local SOCRadar-compatible server) and writes the
real output into each integration README, under the matching "#### Command example" heading
(`python -m devtools.command_examples`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTEGRATIONS = ROOT / "Packs" / "DORABridge" / "Integrations"
sys.path[:0] = [
    str(ROOT / "tests" / "xsoar_runtime"),
    str(INTEGRATIONS / "DORABridgeSOCRadar"),
    str(INTEGRATIONS / "DORABridge"),
    str(INTEGRATIONS / "DORABridgeContext"),
]

import demistomock as demisto  # noqa: E402
import DORABridge  # noqa: E402
import DORABridgeContext  # noqa: E402
import DORABridgeSOCRadar  # noqa: E402
from harness import run_command  # noqa: E402

from devtools.cmdb_server import CmdbServer  # noqa: E402
from devtools.demo import PROFILE, REPORT_FACTS, SCHEMAS, connector_params, sample_outage  # noqa: E402
from devtools.socradar_server import SocRadarServer, format_alarm_date  # noqa: E402

API_KEY = "docs-key-5e6f7a8b9c"


def parse(line: str) -> tuple[str, dict[str, str]]:
    parts = shlex.split(line.strip())
    return parts[0].lstrip("!"), dict(p.split("=", 1) for p in parts[1:])


def shown(entry: dict) -> tuple[dict, str]:
    """The context as the context browser shows it (without the merge condition), and the
    readable output."""
    return {k.split("(")[0]: v for k, v in (entry.get("EntryContext") or {}).items()}, entry["HumanReadable"]


def render(line: str, context: dict, readable: str) -> str:
    return (
        f"#### Command example\n\n```{line}```\n\n#### Context Example\n\n```json\n"
        f"{json.dumps(context, indent=4)}\n```\n\n#### Human Readable Output\n\n{readable.strip()}\n"
    )


def example_lines(folder: Path) -> list[str]:
    return [line.strip() for line in (folder / "command_examples").read_text().splitlines() if line.strip()]


def socradar_examples() -> dict[str, str]:
    out = {}
    folder = INTEGRATIONS / "DORABridgeSOCRadar"
    with SocRadarServer(api_key=API_KEY) as srv:
        alarm = json.loads((folder / "test_data" / "alarm.json").read_text())
        alarm["date"] = format_alarm_date(srv.now - timedelta(minutes=20), "iso_micro")
        srv.add_alarm(alarm)
        srv.generate(11, seed=42, start=srv.now - timedelta(minutes=50))
        params = {
            "url": srv.url,
            "credentials": {"password": API_KEY},
            "company_id": str(srv.company_id),
            "status": [],
        }
        for line in example_lines(folder):
            command, args = parse(line)
            entries = run_command(DORABridgeSOCRadar.main, command, params, args)
            out[command] = render(line, *shown(entries[0]))
    return out


def dora_examples() -> dict[str, str]:
    """In one incident, in order: each command sees the context the previous ones wrote."""
    out = {}
    now = datetime.now(timezone.utc).replace(microsecond=0)
    incident = {
        "id": "117",
        "occurred": (now - timedelta(minutes=95)).isoformat(),
        "created": (now - timedelta(minutes=70)).isoformat(),
    }
    context: dict = {"DORA": {"IncidentReport": dict(REPORT_FACTS)}}
    params = dict(PROFILE)
    schema = SCHEMAS / "dora_ir_v1.3.0.json"
    if schema.exists():
        params.update(report_schema=schema.read_text(), report_schema_version="IR-1.3.0")
    state: dict = {}  # the instance's integration context: the chain's head
    for line in example_lines(INTEGRATIONS / "DORABridge"):
        command, args = parse(line)
        # Decisions are made in the War Room by the demo's users, each signed in as themselves.
        user = "k.braun" if args.get("role") == "Chief Risk Officer" else "m.weber"
        entries = run_command(
            DORABridge.main, command, params, args, incident=incident, context=context, user=user,
            integration_context=state,
        )  # fmt: skip
        context, incident, state = demisto.context(), demisto.incident(), demisto.getIntegrationContext()
        errors = [e for e in entries if isinstance(e, dict) and e.get("Type") == 4]
        if errors:
            raise SystemExit(f"{line}: {errors[0]['Contents']}")
        out[command] = render(line, *shown(entries[0]))
    return out


def context_examples() -> dict[str, str]:
    """The context connectors on the demo's sources: the sample register, the local CMDB and the
    local PostgreSQL (`scripts/postgres-server.sh start`; without it the transaction example is left
    as it is)."""
    out = {}
    incident = {"id": "311", "CustomFields": {"dorasocradarasset": "203.0.113.16"}}
    context: dict = {}
    with CmdbServer() as cmdb:
        params = connector_params(cmdb)
        for line in example_lines(INTEGRATIONS / "DORABridgeContext"):
            command, args = parse(line)
            if command == "dora-transaction-scope":
                outage = sample_outage(os.environ["DORA_PG_DSN"]) if os.environ.get("DORA_PG_DSN") else None
                if not outage:
                    continue
                args.update(window_start=outage[0], window_end=outage[1])
                line = f'!dora-transaction-scope window_start="{outage[0]}" window_end="{outage[1]}"'
            entries = run_command(
                DORABridgeContext.main, command, params, args, incident=incident, context=context
            )
            context = demisto.context()
            errors = [e for e in entries if isinstance(e, dict) and e.get("Type") == 4]
            if errors:
                raise SystemExit(f"{line}: {errors[0]['Contents']}")
            out[command] = render(line, *shown(entries[0]))
    return out


def rewrite(readme: str, blocks: dict[str, str]) -> str:
    """Replaces each command's example block, from its heading to the next command or section."""
    for name, block in blocks.items():
        pattern = re.compile(
            rf"#### Command example\n\n```!{re.escape(name)}[ `].*?(?=^### [a-z][a-z0-9-]*\n|^## |\Z)",
            re.S | re.M,
        )
        readme, n = pattern.subn(lambda _m, b=block: b + "\n", readme)
        if n != 1:
            raise SystemExit(f"README.md has {n} example blocks for {name}, expected 1")
    return readme


def main() -> int:
    for folder, examples in [
        ("DORABridgeSOCRadar", socradar_examples),
        ("DORABridge", dora_examples),
        ("DORABridgeContext", context_examples),
    ]:
        path = INTEGRATIONS / folder / "README.md"
        path.write_text(rewrite(path.read_text(), examples()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
