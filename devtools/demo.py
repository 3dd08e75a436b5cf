"""`make demo`: from SOCRadar alarms to a DORA notification, end to end, on a simulated clock.

A server with three days of realistic alarms starts on loopback; the real integration code
(`DORABridgeSOCRadar.main()`, `DORABridge.main()`, the context connectors and the scripts) runs
on the XSOAR runtime double exactly as the XSOAR server would run it: connection test, a first
fetch, new and late alarms arriving, more fetches, an analyst action written back to SOCRadar;
then a major incident through triage, context, classification and the regulatory clock, its
initial notification drafted, approved by two people and submitted late with the reason, and a
not-major one.

Time passes on a simulated clock the demo drives (the core's clock, which the runtime double's
SLA timers and the local server read too): nothing sleeps. It starts at the anchor the tests use
(``DORA_TEST_ANCHOR``, else the sample database's ``DORA_PG_ANCHOR``, else now).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT / "tests" / "xsoar_runtime"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeSOCRadar"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridge"),
    str(ROOT / "Packs" / "DORABridge" / "Integrations" / "DORABridgeContext"),
    str(ROOT / "Packs" / "DORABridge" / "Scripts" / "DORAApplyToIncident"),
    str(ROOT / "Packs" / "DORABridge" / "Scripts" / "DORAClockSection"),
]

import demistomock as demisto  # noqa: E402
import DORAApplyToIncident  # noqa: E402
import DORABridge  # noqa: E402
import DORABridgeContext  # noqa: E402
import DORABridgeSOCRadar as integration  # noqa: E402, N813
import DORAClockSection  # noqa: E402
from harness import run_command  # noqa: E402

import dora_bridge  # noqa: E402
from devtools.cmdb_server import CmdbServer  # noqa: E402
from devtools.socradar_server import SocRadarServer  # noqa: E402
from tests.anchor import ANCHOR, rfc3339  # noqa: E402

API_KEY = "demo-key-0f1e2d3c4b5a"
# The demo instance's chain key: it signs the evidence chain, and appears in no output either.
CHAIN_KEY = {"identifier": "demo-2026-11", "password": "demo-chain-key-Qm7vT2xN9pL4cR8w"}
COMPANY_ID = 789
SEVERITY = {0: "Unknown", 0.5: "Info", 1: "Low", 2: "Medium", 3: "High", 4: "Critical"}


# Every entry and log line the runs produced, to check that the API key is in none of them.
TRANSCRIPT: list[str] = []


class Clock:
    """The demo's simulated clock: it stands still until the demo moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        dora_bridge.set_clock(rfc3339(start), running=False)

    def advance(self, why: str, **delta: float) -> None:
        step = timedelta(**delta)
        self.now += step
        dora_bridge.set_clock(rfc3339(self.now), running=False)
        hours, rest = divmod(int(step.total_seconds()) // 60, 60)
        print(f"\n   ~~~ {f'{hours} h ' if hours else ''}{rest} min later, {rfc3339(self.now)}: {why} ~~~")


def business_morning(after: datetime) -> datetime:
    """08:30 in Frankfurt (07:30 UTC) on the first working day after ``after`` whose initial
    notification, due the same day, gets no weekend or holiday relief in the entity's calendar (the
    core's): the story of the demo (due soon, overdue, late) then reads the same on every date."""
    profile = dora_bridge.EntityProfile.from_params(PROFILE)
    day = after.replace(hour=7, minute=30, second=0, microsecond=0)
    for _ in range(31):
        day += timedelta(days=1)
        noon = rfc3339(day + timedelta(hours=5))
        facts = {"aware_at": rfc3339(day), "classified_at": rfc3339(day), "is_major": "true"}
        if not profile.deadlines(facts, now=noon)["initial_notification"]["relief_applied"]:
            return day
    raise SystemExit(f"no working day in the month after {rfc3339(after)} in the entity's calendar")


CLOCK: Clock  # set in main(), once the entity's profile is known


def playbook(task: str) -> None:
    """The task of the DORA Major Incident Notification playbook the next step stands for."""
    print(f"\n[playbook: {task}]")


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


# When XSOAR created each fetched incident: the moment of the fetch that brought it, which the
# entity's awareness of the incident runs from (RTS 2025/301 Art. 5) unless a person says otherwise.
CREATED: dict[str, str] = {}


class Incident:
    """One XSOAR incident: every command sees the context the previous ones wrote."""

    def __init__(self, fetched: dict) -> None:
        self.incident = {
            "id": fetched["dbotMirrorId"],
            "occurred": fetched["occurred"],
            "created": CREATED[fetched["dbotMirrorId"]],
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

    def show(self, command: str, args: dict | None = None, user: str = "m.weber") -> dict:
        """Runs a DORA Bridge command as ``user`` and prints what the War Room shows."""
        shown = " ".join(f'{k}="{v}"' for k, v in (args or {}).items())
        print(f"$ !{command} {shown}".rstrip() + (f"   (signed in as {user})" if user != "m.weber" else ""))
        out = self.run(DORABridge.main, command, PROFILE, args, user=user)
        if out[0].get("Type") == 4:
            print(f"  refused: {out[0]['Contents']}")
        else:
            print(out[0]["HumanReadable"])
        return out[0]

    def apply_to_incident(self) -> None:
        """!DORAApplyToIncident: the DORA fields and SLA timers, as XSOAR then shows them."""
        self.run(DORAApplyToIncident.main, "", {})
        fields = self.incident["CustomFields"]
        print("$ !DORAApplyToIncident")
        print(
            f"  doraismajor={fields.get('doraismajor')}  doradeadlinestatus={fields.get('doradeadlinestatus')}"
        )
        for name in ("dorainitialnotificationsla", "doraintermediatereportsla"):
            timer = fields.get(name) or {}
            if timer.get("runStatus") in (None, "idle"):
                print(f"  SLA timer {name}: not started")
                continue
            breach = "  ** SLA BREACHED **" if timer.get("breachTriggered") else ""
            print(
                f"  SLA timer {name}: {timer['runStatus']}, started {timer.get('startDate')},"
                f" due {timer.get('dueDate')}{breach}"
            )

    def layout_clock(self) -> None:
        """The incident layout's clock section, as an analyst opening the incident now sees it."""
        print("\n[layout: DORA reporting clock]")
        for line in DORAClockSection.render(self.context, CLOCK.now).splitlines():
            print(f"  | {line}")


def triage(fetched: dict) -> Incident:
    """The incident XSOAR created from an alarm, its triage and awareness sealed as the playbook's
    first task runs."""
    inc = Incident(fetched)
    subtype = fetched["CustomFields"]["dorasocradaralarmsubtype"]
    print(
        f"\n--- incident {fetched['dbotMirrorId']}: {subtype} on {fetched['CustomFields'].get('dorasocradarasset')},"
        f" created {inc.incident['created']} ---"
    )
    playbook("Detection: the clock runs from here")
    inc.show("dora-triage")
    if inc.incident["CustomFields"].get("doratriageoutcome") == "cyber-threat":
        print(
            "  (a cyber threat: the analyst still classifies it, to record why it is no major ICT-related incident)"
        )
    return inc


def classify(inc: Incident, fetched: dict) -> Incident:
    subtype = fetched["CustomFields"]["dorasocradaralarmsubtype"]
    args = {k: v.format(occurred=fetched["occurred"]) for k, v in SCENARIOS[subtype].items()}
    print(f"\n--- incident {fetched['dbotMirrorId']}: {subtype} ---")
    if subtype == "Botnet Infection":
        playbook("Context: what the alarm does not say")
        gather_context(inc)
    CLOCK.advance("the analyst classifies", minutes=15)
    playbook("Classify the incident under RTS 2024/1772")
    print(f"$ !dora-classify {' '.join(f'{k}={v}' for k, v in args.items())}")
    classification = inc.run(DORABridge.main, "dora-classify", PROFILE, args)
    print(classification[0]["HumanReadable"])
    playbook("Compute the reporting deadlines")
    inc.show("dora-deadlines")
    playbook("Start the DORA SLA timers")
    inc.apply_to_incident()
    return inc


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


def approve(inc: Incident, subject: str, user: str, role: str, comment: str) -> None:
    """A decision in the War Room by ``user``, signed in as themselves."""
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


LATE_REASON = (
    "The Chief Risk Officer, the second approver the policy requires, was unreachable in flight;"
    " the deputy arrangement is being added to the approval policy."
)


def major_incident(inc: Incident, fetched: dict) -> None:
    """A major incident from awareness to its initial notification, submitted late: the clock runs
    down (due soon), passes its due time (overdue, the SLA breached) and the submission records why."""
    classify(inc, fetched)
    CLOCK.advance("the analysts describe the incident", minutes=25)
    playbook("Draft the initial notification (DORA_IR JSON)")
    draft_initial_notification(inc)

    CLOCK.advance("the CISO reviews", minutes=20)
    playbook("Decide whether the incident is major / CISO: decide on the initial notification")
    approve(inc, "classification", "m.weber", "CISO", "Major: card payments down for 12% of clients.")
    approve(inc, "initial", "m.weber", "CISO", "Facts checked against the SOC timeline.")

    CLOCK.advance("the Chief Risk Officer has not approved yet", hours=2, minutes=30)
    inc.show("dora-deadlines")
    inc.layout_clock()
    playbook("Chief Risk Officer: decide on the initial notification")
    approve(inc, "initial", "mweber-risk", "Chief Risk Officer", "The same person under a second account.")

    CLOCK.advance("still no second approval: the initial notification is overdue", hours=1, minutes=10)
    inc.show("dora-deadlines")
    inc.apply_to_incident()
    inc.layout_clock()

    CLOCK.advance("the Chief Risk Officer is back", minutes=10)
    approve(inc, "initial", "k.braun", "Chief Risk Officer", "Figures agree with the payments ledger.")
    CLOCK.advance("the report reaches BaFin", minutes=10)
    playbook("Submit the initial notification to the competent authority")
    submitted = {"type": "initial", "authority_reference": "BaFin-DORA-2026-000731"}
    inc.show("dora-mark-submitted", submitted, user="k.braun")
    inc.show("dora-mark-submitted", {**submitted, "late_reason": LATE_REASON}, user="k.braun")
    playbook("Run the clock from the submission")
    inc.show("dora-deadlines")
    playbook("Stop the initial timer and start the intermediate one")
    inc.apply_to_incident()
    inc.layout_clock()
    playbook("Verify the evidence chain")
    evidence_table(inc)
    inc.show("dora-audit-verify")


# What the evidence table shows of each kind of entry.
SHOWN = ("Outcome", "Rule", "AwareAt", "IsMajor", "Determinate", "Subject", "Decision", "Role",
         "ContentHash", "SubmittedAt", "AuthorityReference", "LateBy", "LateReason")  # fmt: skip


def evidence_table(inc: Incident) -> None:
    """The incident's evidence chain, an entry a line: when, what, who, and what it seals."""
    entries = inc.context["DORA"]["Audit"]
    print(
        f"\nEvidence chain of incident {inc.incident['id']}: {len(entries)} entries, each sealed to the one before"
    )
    print(f"  {'#':>2}  {'at (UTC)':<20}  {'kind':<14}  {'by':<12}  sealed facts")
    for n, e in enumerate(entries, 1):
        d = e.get("Details") or {}
        facts = []
        for key in SHOWN:
            v = d.get(key)
            if v in (None, "", [], False) and key != "IsMajor":
                continue
            if v is None:
                continue
            v = f"{v[:12]}…" if key == "ContentHash" and isinstance(v, str) else v
            facts.append(f"{key}={v}")
        text = "; ".join(facts)
        print(f"  {n:>2}  {e['At']:<20}  {e['Kind']:<14}  {e['Actor'][:12]:<12}  {text}")


def main() -> int:
    global CLOCK
    CLOCK = Clock(business_morning(ANCHOR))
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
        CREATED.update((i["dbotMirrorId"], rfc3339(CLOCK.now)) for i in first)
        state = demisto.getLastRun()
        print(
            f"  {len(first)} incidents created; high-water mark {state['high_water_mark']}, {sum(len(v) for v in state['seen'].values())} ids remembered"
        )
        show(first)
        outcomes = Counter(i["CustomFields"].get("doratriageoutcome") or "not triaged" for i in first)
        print(f"  DORA triage at ingestion: {dict(outcomes)}")

        CLOCK.advance("the next fetch", minutes=5)
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
        CREATED.update((i["dbotMirrorId"], rfc3339(CLOCK.now)) for i in second)
        print(f"  {len(second)} new incidents, none repeated")
        assert {i["dbotMirrorId"] for i in second} == {str(a["alarm_id"]) for a in matching}
        show(second)

        CLOCK.advance("the next fetch", minutes=1)
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
        print("\n=== DORA triage, classification and the regulatory clock ===")
        chosen = {}
        for subtype in ("Impersonating Domain", "Botnet Infection"):
            candidates = [
                i for i in first + second if i["CustomFields"].get("dorasocradaralarmsubtype") == subtype
            ]
            if candidates:
                chosen[subtype] = (triage(candidates[-1]), candidates[-1])
        if "Impersonating Domain" in chosen:
            classify(*chosen["Impersonating Domain"])
        if "Botnet Infection" in chosen:
            major_incident(*chosen["Botnet Infection"])

        leaked = any(API_KEY in text or CHAIN_KEY["password"] in text for text in TRANSCRIPT)
        print(
            f"\n{len(srv.requests)} HTTP requests served; the API key and the chain key appear in no result or log line: {not leaked}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
