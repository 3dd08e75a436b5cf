"""``dora-bridge``: the classifier and the clock outside XSOAR.

    dora-bridge example > incident.json
    dora-bridge classify incident.json [--json]
    dora-bridge deadlines incident.json [--json] [--now 2026-11-23T12:00:00Z]

The file holds ``{"profile": {...}, "incident": {...}}``: ``profile`` takes the DORA Bridge
integration's parameters (entity_name, entity_type, home_member_state, critical_services, ...),
``incident`` the arguments of ``!dora-classify`` / ``!dora-deadlines``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dora_bridge import DoraBridgeError, EntityProfile


def load(path: str) -> tuple[EntityProfile, dict[str, Any]]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise SystemExit(f"dora-bridge: cannot read {path}: {e}") from None
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("profile"), dict)
        or not isinstance(doc.get("incident"), dict)
    ):
        raise SystemExit(f'dora-bridge: {path} must be a JSON object with "profile" and "incident" objects.')
    return EntityProfile.from_params(doc["profile"]), doc["incident"]


def explain_classification(c: dict[str, Any]) -> str:
    verdict = "MAJOR" if c["is_major"] else "NOT MAJOR"
    if not c["determinate"]:
        verdict += " on the facts known so far"
    lines = [f"{verdict} — {c['rule']}", c["rule_text"], ""]
    for crit in c["criteria"]:
        lines.append(f"[{crit['status']}] {crit['name']} ({crit['article']})")
        lines += [f"    {e}" for e in crit["evidence"].splitlines()]
        lines += [f"    source: {s}" for s in crit["source"]]
    if c["missing"]:
        lines += ["", "Missing: " + ", ".join(c["missing"])]
    if c["could_become_major_if"]:
        lines.append("Could become major if met: " + "; ".join(c["could_become_major_if"]))
    lines += ["", f"Classified at {c['classified_at']}; inputs hash {c['inputs_hash']}"]
    return "\n".join(lines)


def explain_deadlines(d: dict[str, Any]) -> str:
    lines = [f"Reporting clock for {d['member_state']} ({d['time_zone']}) at {d['computed_at']}"]
    for key in ("initial_notification", "intermediate_report", "final_report"):
        r = d[key]
        due = f"due {r['due']} ({r['due_local']})" if r["due"] else "no due time yet"
        left = f", {r['time_left']} left" if r["time_left"] and not r["time_left"].startswith("-") else ""
        late = (
            f", overdue by {r['time_left'][1:]}" if r["time_left"] and r["time_left"].startswith("-") else ""
        )
        lines.append(f"{r['report']}: {r['status']}, {due}{left}{late}")
        lines.append(f"    {r['rule']}")
        lines += [f"    {n}" for n in r["notes"]]
    return "\n".join(lines)


EXAMPLE = Path(__file__).with_name("card-outage.json")

EPILOG = """\
example (a card-payment outage at a German payment institution; its facts file ships with the
package):
  dora-bridge example > incident.json
  dora-bridge classify incident.json
  dora-bridge deadlines incident.json --now 2026-11-23T12:00:00Z

In the file, "profile" takes the DORA Bridge integration's instance parameters and "incident"
the arguments of !dora-classify and !dora-deadlines; every time is RFC 3339 with Z or an offset.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dora-bridge",
        description="DORA incident classification (RTS 2024/1772) and reporting clock (RTS 2025/301).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands.add_parser("example", help="print a facts file to start from")
    for name, what in (("classify", "classify the incident"), ("deadlines", "the reporting clock")):
        sub = commands.add_parser(
            name, help=what, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        sub.add_argument("file", help='JSON file with "profile" and "incident" (see: dora-bridge example)')
        sub.add_argument("--json", action="store_true", help="print the full result as JSON")
        sub.add_argument("--now", help="evaluate at this RFC 3339 time instead of the current time")
    ns = parser.parse_args(argv)
    if ns.command == "example":
        sys.stdout.write(EXAMPLE.read_text(encoding="utf-8"))
        return 0
    try:
        profile, incident = load(ns.file)
        if ns.command == "classify":
            result = profile.classify(incident, now=ns.now)
            text = explain_classification(result)
        else:
            result = profile.deadlines(incident, now=ns.now)
            text = explain_deadlines(result)
    except DoraBridgeError as e:
        print(f"dora-bridge: {e}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False) if ns.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
