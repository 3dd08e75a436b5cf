"""`make demo`: the SOCRadar connector end to end on a local SOCRadar-compatible server.

A server with three days of realistic alarms starts on loopback; the real integration code
(`DORABridgeSOCRadar.main()`) runs on the XSOAR runtime double exactly as the XSOAR server would
run it: connection test, a first fetch, new and late alarms arriving, more fetches, and an
analyst action written back to SOCRadar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT / "tests" / "xsoar_runtime"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeSOCRadar"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridge"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeContext"),
    str(ROOT / "Packs" / "DORABridge" / "Scripts" / "DORAApplyToIncident"),
]

import demistomock as demisto  # noqa: E402
import DORAApplyToIncident  # noqa: E402
import DORABridge  # noqa: E402
import DORABridgeContext  # noqa: E402
import DORABridgeSOCRadar as integration  # noqa: E402, N813
from harness import run_command  # noqa: E402

from devtools.cmdb_server import CmdbServer  # noqa: E402
from devtools.socradar_server import SocRadarServer  # noqa: E402

API_KEY = "demo-key-0f1e2d3c4b5a"
# The demo instance's chain key: it signs the evidence chain, and appears in no output either.
CHAIN_KEY = {"identifier": "demo-2026-11", "password": "demo-chain-key-Qm7vT2xN9pL4cR8w"}
COMPANY_ID = 789
SEVERITY = {0: "Unknown", 0.5: "Info", 1: "Low", 2: "Medium", 3: "High", 4: "Critical"}


# Every entry and log line the runs produced, to check that the API key is in none of them.
TRANSCRIPT: list[str] = []


def record(results: list) -> list:
    TRANSCRIPT.append(repr(results) + repr(demisto.recorded_logs) + repr(demisto.recorded_incidents))
    return results


def run(command: str, params: dict, args: dict | None = None) -> list:
    return record(run_command(integration.main, command, params, args, keep_state=True))


def fetched() -> list[dict]:
    return [i for batch in demisto.recorded_incidents for i in batch]


def show(incidents: list[dict], limit: int = 8) -> None:
    print(f"  {'occurred (UTC)':<21} {'severity':<9} {'type':<27} name")
    for inc in incidents[-limit:]:
        f = inc["CustomFields"]
        kind = f"{f.get('dorasocradaralarmtype', '')[:12]}/{f.get('dorasocradaralarmsubtype', '')[:13]}"
        print(
            f"  {inc['occurred']:<21} {SEVERITY.get(inc['severity'], '?'):<9} {kind:<27} {inc['name'][:70]}"
        )
    if len(incidents) > limit:
        print(f"  ... and {len(incidents) - limit} older")


# The financial entity of the demo, as its DORA Bridge instance is configured.
PROFILE = {
    **json.loads((Path(__file__).parent / "entity_profile.json").read_text()),
    "clients_per_service": "Card payments: 98000\nInstant payments: 40000\nCustomer portal: 210000",
    "primary_contact_name": "Ana Ruiz",
    "primary_contact_email": "ana.ruiz@zahlungsinstitut-beispiel.de",
    "primary_contact_phone": "+49 69 1234 5678",
    "chain_key": CHAIN_KEY,
}

# The XSOAR users of the demo's entity, as `demisto.findUser` answers for them. Martina Weber has
# a second account holding the Chief Risk Officer role: one person still.
USERS = {
    "m.weber": {"id": "m.weber", "username": "m.weber", "name": "Martina Weber",
                "email": "m.weber@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["CISO"]}},
    "mweber-risk": {"id": "mweber-risk", "username": "mweber-risk", "name": "Martina Weber",
                    "email": "m.weber@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["Chief Risk Officer"]}},
    "k.braun": {"id": "k.braun", "username": "k.braun", "name": "Klaus Braun",
                "email": "k.braun@zahlungsinstitut-beispiel.de", "roles": {"demisto": ["Chief Risk Officer"]}},
}  # fmt: skip
demisto.users.update(USERS)

# What the analysts add for two of the fetched alarms. For the botnet alarm the context
# connectors find the services, clients, transactions and Member States; the analysts give only
# what a system cannot know.
SCENARIOS = {
    "Botnet Infection": {
        "downtime_start": "{occurred}",
        "data_losses": "availability",
        "malicious_unauthorized_access": "false",
        "economic_impact_eur": "85000",
        "estimates": "economic_impact_eur",
    },
    "Impersonating Domain": {
        "affected_services": "Customer portal",
        "clients_affected": "0",
        "member_states": "DE",
        "data_losses": "none",
        "malicious_unauthorized_access": "false",
        "media_coverage": "false",
        "economic_impact_eur": "2500",
    },
}


SCHEMAS = Path(os.environ.get("DORA_BRIDGE_SHARED") or ROOT.parent / "shared") / "spec" / "schemas"
OUTPUT = ROOT / "demo-output"

# What the analysts typed into the incident's report form (context DORA.IncidentReport).
REPORT_FACTS = {
    "IncidentDescription": (
        "A botnet-infected host in the card-payment network disrupted authorisations: card payments"
        " failed for clients in Germany and Austria from the alarm's time. The host was isolated and"
        " traffic moved to the standby gateway."
    ),
    "DiscoveryMethod": "third-party_provider",
    "BusinessContinuityActivated": True,
}


class Incident:
    """One XSOAR incident: every command sees the context the previous ones wrote."""

    def __init__(self, fetched: dict) -> None:
        self.incident = {
            "id": fetched["dbotMirrorId"],
            "occurred": fetched["occurred"],
            "created": fetched["occurred"],
            "CustomFields": fetched["CustomFields"],
        }
        self.context: dict = {}
        self.state: dict = {}  # the DORA Bridge instance's integration context (the chain's head)

    def run(self, main, command: str, params: dict, args: dict | None = None, user: str = "m.weber") -> list:
        """``user`` runs the command in the War Room, signed in as themselves."""
        state = self.state if main is DORABridge.main else {}
        out = record(
            run_command(
                main, command, params, args, incident=self.incident, context=self.context, user=user,
                integration_context=state,
            )
        )  # fmt: skip
        self.context = demisto.context()
        self.incident = demisto.incident()
        if main is DORABridge.main:
            self.state = demisto.getIntegrationContext()
        return out


def classify(fetched: dict) -> None:
    subtype = fetched["CustomFields"]["dorasocradaralarmsubtype"]
    args = {k: v.format(occurred=fetched["occurred"]) for k, v in SCENARIOS[subtype].items()}
    inc = Incident(fetched)
    print(
        f"\n--- incident {fetched['dbotMirrorId']}: {subtype} on {fetched['CustomFields'].get('dorasocradarasset')}"
    )
    if subtype == "Botnet Infection":
        gather_context(inc)
    print("\n$ !dora-classify")
    classification = inc.run(DORABridge.main, "dora-classify", PROFILE, args)
    print(classification[0]["HumanReadable"])
    print("$ !dora-deadlines")
    print(inc.run(DORABridge.main, "dora-deadlines", PROFILE)[0]["HumanReadable"])
    inc.run(DORAApplyToIncident.main, "", {})
    fields = inc.incident["CustomFields"]
    print("$ !DORAApplyToIncident")
    print(f"  doraismajor={fields['doraismajor']}  doradeadlinestatus={fields['doradeadlinestatus']}")
    timer = fields.get("dorainitialnotificationsla") or {}
    sla = f", SLA {timer['sla']} min" if "sla" in timer else ""
    print(f"  SLA timer dorainitialnotificationsla: {timer.get('runStatus', 'not started')}{sla}")
    if classification[0]["Contents"]["IsMajor"]:
        draft_initial_notification(inc)
        approve_and_submit(inc)


def connector_params(cmdb: CmdbServer) -> dict:
    """The context connectors' instance: the sample register, the local CMDB and, when it runs,
    the local PostgreSQL with the sample payments."""
    params = {
        "register_path": str(ROOT / "devtools" / "register"),
        "cmdb_url": cmdb.url,
        "cmdb_credentials": {"identifier": "svc-dora", "password": "cmdb-password"},
        "cmdb_depth": "5",
        "branches": "AT: Vienna branch",
    }
    dsn = os.environ.get("DORA_PG_DSN")
    if dsn:
        u = urlparse(dsn)
        params.update(
            transaction_source="postgresql", pg_host=u.hostname, pg_port=str(u.port), pg_database=u.path.lstrip("/"),
            pg_credentials={"identifier": u.username, "password": u.password}, pg_sslmode="disable",
        )  # fmt: skip
    return params


def sample_outage(dsn: str) -> tuple[str, str, str] | None:
    """The window and countries of the outage the sample payments data holds."""
    query = (
        "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), array_to_string(countries, ',')"
        " FROM payments.sample_outages LIMIT 1"
    )
    out = subprocess.run(["psql", dsn, "-Atc", query], capture_output=True, text=True)
    parts = out.stdout.strip().split("|")
    return (parts[0], parts[1], parts[2]) if out.returncode == 0 and len(parts) == 3 else None


def gather_context(inc: Incident) -> None:
    with CmdbServer() as cmdb:
        params = connector_params(cmdb)
        print(
            f"\n$ !dora-ict-context   (asset {inc.incident['CustomFields'].get('dorasocradarasset')}; sample register, local CMDB)"
        )
        print(inc.run(DORABridgeContext.main, "dora-ict-context", params)[0]["HumanReadable"])
        outage = sample_outage(os.environ["DORA_PG_DSN"]) if os.environ.get("DORA_PG_DSN") else None
        if outage:
            start, end, countries = outage
            print(
                f"$ !dora-transaction-scope window_start={start} window_end={end}   (local PostgreSQL, sample payments)"
            )
            print(
                inc.run(
                    DORABridgeContext.main,
                    "dora-transaction-scope",
                    params,
                    {"window_start": start, "window_end": end},
                )[0]["HumanReadable"]
            )
        else:
            countries = "DE"
            print(
                "(PostgreSQL is not running: the transaction scope is left out; start it with scripts/postgres-server.sh start)"
            )
        print(f"$ !dora-geo-scope client_countries={countries}")
        print(
            inc.run(DORABridgeContext.main, "dora-geo-scope", params, {"client_countries": countries})[0][
                "HumanReadable"
            ]
        )


def draft_initial_notification(inc: Incident) -> None:
    """The draft initial notification of a major incident, as JSON (validated) and HTML."""
    inc.context.setdefault("DORA", {})["IncidentReport"] = dict(REPORT_FACTS)
    params = dict(PROFILE)
    schema = SCHEMAS / "dora_ir_v1.3.0.json"
    formats = ["html"]
    if schema.exists():
        params.update(report_schema=schema.read_text(), report_schema_version="IR-1.3.0")
        formats.insert(0, "json")
    else:
        print(f"  (no DORA_IR schema at {schema}: the JSON export needs one, so only HTML is drafted)")
    OUTPUT.mkdir(exist_ok=True)
    for fmt in formats:
        print(f"\n$ !dora-report-draft type=initial format={fmt}")
        out = inc.run(DORABridge.main, "dora-report-draft", params, {"type": "initial", "format": fmt})
        if fmt == "json":
            print(out[0]["HumanReadable"])
        files = [e for e in out if e.get("Type") == 3]
        for f in files:
            target = OUTPUT / f["File"]
            target.write_bytes((demisto.FILES_DIR / f["FileID"]).read_bytes())
            print(f"  written: {target.relative_to(ROOT)}")


# The people who decide, each in the War Room signed in as themselves: the XSOAR user, the
# role they decide in, their comment.
APPROVALS = [
    ("classification", "m.weber", "CISO", "Major: card payments down for 12% of clients."),
    ("initial", "m.weber", "CISO", "Facts checked against the SOC timeline."),
    ("initial", "mweber-risk", "Chief Risk Officer", "The same person under a second account."),
    ("initial", "k.braun", "Chief Risk Officer", "Figures agree with the payments ledger."),
]


def approve_and_submit(inc: Incident) -> None:
    """The dual approval of the drafted initial notification, its submission, and the clock moving
    on to the intermediate report."""
    for subject, user, role, comment in APPROVALS:
        print(f'\n$ !dora-approve subject={subject} role="{role}" decision=approve   (signed in as {user})')
        out = inc.run(
            DORABridge.main,
            "dora-approve",
            PROFILE,
            {"subject": subject, "role": role, "decision": "approve", "comment": comment},
            user=user,
        )
        if out[0].get("Type") == 4:
            print(f"  refused: {out[0]['Contents']}")
        else:
            d = out[0]["Contents"]
            print(
                f"  {d['Decision']} by {d['Approver']} ({d['Role']}, {d['RoleSource']}), "
                f"bound to content {d['ContentHash'][:16]}…"
            )
    print(
        '\n$ !dora-mark-submitted type=initial authority_reference="BaFin-DORA-2026-000731"   (signed in as k.braun)'
    )
    out = inc.run(
        DORABridge.main,
        "dora-mark-submitted",
        PROFILE,
        {"type": "initial", "authority_reference": "BaFin-DORA-2026-000731"},
        user="k.braun",
    )
    print(out[0]["HumanReadable"])
    print("$ !dora-deadlines")
    print(inc.run(DORABridge.main, "dora-deadlines", PROFILE)[0]["HumanReadable"])
    print("$ !dora-audit-verify")
    print(inc.run(DORABridge.main, "dora-audit-verify", PROFILE)[0]["HumanReadable"])


def main() -> int:
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.generate(240, seed=2026, start=srv.now - timedelta(days=4))
        params = {
            "url": srv.url,
            "credentials": {"identifier": "", "password": API_KEY},
            "company_id": str(COMPANY_ID),
            "isFetch": True,
            "incidentType": "DORA ICT Incident",
            "max_fetch": "10000",
            "first_fetch": "3 days",
            "status": ["OPEN", "ON_HOLD"],
            "include_content": True,
            "include_entities": True,
            "lookback_minutes": "15",
        }
        print(
            f"Local SOCRadar-compatible server at {srv.url}, company {COMPANY_ID}, {len(srv.alarms)} alarms"
        )
        print(
            f"  by main type: {dict(Counter(a['alarm_type_details']['alarm_main_type'] for a in srv.alarms))}"
        )

        print("\n$ test-module")
        print(" ", run("test-module", params)[0])

        print("\n$ fetch-incidents   (first run: window starts at now - 3 days)")
        run("fetch-incidents", params)
        first = fetched()
        state = demisto.getLastRun()
        print(
            f"  {len(first)} incidents created; high-water mark {state['high_water_mark']}, {sum(len(v) for v in state['seen'].values())} ids remembered"
        )
        show(first)

        new = srv.generate(4, seed=7, start=srv.now - timedelta(minutes=2))
        new += srv.generate(
            2, seed=8, start=srv.now - timedelta(minutes=10), end=srv.now - timedelta(minutes=10)
        )
        matching = [a for a in new if a["status"] in params["status"]]
        print(
            f"\n  ... {len(new)} new alarms arrive ({len(matching)} match the status filter), 2 of them dated"
            " 10 minutes ago but visible only now ..."
        )
        print("\n$ fetch-incidents   (window starts at the high-water mark - 15 min overlap)")
        run("fetch-incidents", params)
        second = fetched()
        print(f"  {len(second)} new incidents, none repeated")
        assert {i["dbotMirrorId"] for i in second} == {str(a["alarm_id"]) for a in matching}
        show(second)

        print("\n$ fetch-incidents   (nothing new)")
        run("fetch-incidents", params)
        print(f"  {len(fetched())} new incidents")

        ids = [i["dbotMirrorId"] for i in first + second]
        assert len(ids) == len(set(ids)), "an alarm was delivered twice"
        target = second[-1]
        print(
            f'\n$ !socradar-change-alarm-status alarm_ids="{target["dbotMirrorId"]}" status_reason="INVESTIGATING" comments="DORA triage started"'
        )
        print(
            run(
                "socradar-change-alarm-status",
                params,
                {
                    "alarm_ids": target["dbotMirrorId"],
                    "status_reason": "INVESTIGATING",
                    "comments": "DORA triage started",
                },
            )[0]["HumanReadable"]
        )
        print('$ !socradar-add-comment alarm_id="bad" user_email="soc@bank.eu" comment="x"')
        print(
            " ",
            run(
                "socradar-add-comment",
                params,
                {"alarm_id": "bad", "user_email": "soc@bank.eu", "comment": "x"},
            )[0]["Contents"],
        )
        print("\n=== DORA classification and the regulatory clock ===")
        for subtype in SCENARIOS:
            candidates = [
                i for i in first + second if i["CustomFields"].get("dorasocradaralarmsubtype") == subtype
            ]
            if candidates:
                classify(candidates[-1])

        leaked = any(API_KEY in text or CHAIN_KEY["password"] in text for text in TRANSCRIPT)
        print(
            f"\n{len(srv.requests)} HTTP requests served; the API key and the chain key appear in no result or log line: {not leaked}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
