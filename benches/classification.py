"""DORA classification throughput (through Python and natively) and report-draft latency."""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benches.measure import ROOT, cargo_bench, percentile
from dora_bridge import EntityProfile
from tests.fixtures import SCHEMAS, dora_params

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
CASES = 64
MEMBER_STATES = ("DE", "AT", "FR", "NL", "IE", "IT", "US")


def _at(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def cases(seed: int = 7) -> list[dict[str, Any]]:
    """Fully described incidents: arguments, connector context and incident fields, varied."""
    rng = random.Random(seed)
    out = []
    for n in range(CASES):
        occurred = NOW - timedelta(hours=rng.randint(3, 70), minutes=rng.randint(0, 59))
        detected = occurred + timedelta(minutes=rng.randint(1, 90))
        # Some incidents hit a service that supports no critical function: those are never major.
        critical = rng.random() < 0.6
        services = ("Card payments", "Instant payments", "Card payments,Instant payments")
        args: dict[str, Any] = {
            "affected_services": rng.choice(services) if critical else "Customer portal",
            "clients_affected": str(rng.randint(0, 39_000)),
            "member_states": ",".join(rng.sample(MEMBER_STATES, k=rng.randint(1, 3))),
            "data_losses": rng.choice(("availability", "none", "integrity,confidentiality")),
            "malicious_unauthorized_access": rng.choice(("true", "false")) if critical else "false",
            "economic_impact_eur": f"{rng.randint(0, 250_000)}.{rng.randint(0, 99):02d}",
            "media_coverage": rng.choice(("true", "false")),
            "repetitive_complaints": rng.choice(("true", "false")),
            "regulatory_requirements_breached": "false",
            "client_loss_likely": "false",
            "occurred_at": _at(occurred),
            "detected_at": _at(detected),
            "aware_at": _at(detected + timedelta(minutes=5)),
            "downtime_start": _at(occurred),
            "classified_at": _at(NOW),
            "estimates": "economic_impact_eur",
        }
        if rng.random() < 0.5:
            args["downtime_end"] = _at(occurred + timedelta(minutes=rng.randint(30, 600)))
            args["resolved_at"] = _at(occurred + timedelta(minutes=rng.randint(600, 900)))
        source = "PostgreSQL dora_demo on 127.0.0.1:55432 (query affected_query)"

        def figure(value: int, source: str = source) -> dict[str, Any]:
            return {"Value": value, "Source": source, "Estimate": False}

        context = {
            "DORA": {
                "Context": {
                    "Transactions": {
                        "CounterpartsAffected": figure(rng.randint(0, 120)),
                        "CounterpartsTotal": figure(120),
                        "TransactionsAffected": figure(rng.randint(0, 400_000)),
                        "DailyAverageTransactions": figure(1_200_000),
                        "ValueAffectedEUR": figure(rng.randint(0, 9_000_000)),
                        "DailyAverageValueEUR": figure(48_000_000),
                    },
                    "ICT": {"CriticalServicesAffected": critical},
                }
            }
        }
        incident = {
            "id": str(1000 + n),
            "created": _at(detected),
            "occurred": _at(occurred),
            "CustomFields": {"doraeconomicimpacteur": args["economic_impact_eur"]},
        }
        out.append({"args": args, "incident": incident, "context": context, "now": _at(NOW)})
    return out


def classify_python(iterations: int) -> dict[str, Any]:
    profile = EntityProfile.from_params(dora_params())
    items = cases()
    for c in items:  # warm-up
        profile.classify(c["args"], incident=c["incident"], context=c["context"], now=c["now"])
    major = 0
    started = time.perf_counter()
    for i in range(iterations):
        c = items[i % CASES]
        major += profile.classify(c["args"], incident=c["incident"], context=c["context"], now=c["now"])[
            "is_major"
        ]
    seconds = time.perf_counter() - started
    return {"iterations": iterations, "seconds": seconds, "per_second": iterations / seconds, "major": major}


def classify_native(iterations: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.json"
        path.write_text(json.dumps({"profile": dora_params(), "cases": cases(), "iterations": iterations}))
        return cargo_bench("classify", str(path))


# -- report drafts -----------------------------------------------------------------------------

REPORT_FACTS = {
    "FinancialEntityCode": "ZBG-2026-0117",
    "IncidentDescription": "Card payments failed for clients in Germany and Austria after a gateway failure.",
    "DiscoveryMethod": "monitoring_systems",
    "BusinessContinuityActivated": True,
}


def described_incident() -> tuple[EntityProfile, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A major incident classified through the DORA Bridge integration, with the context the
    classification wrote (classification, evidence chain) and the analysts' report facts."""
    sys.path[:0] = [
        str(ROOT / "tests" / "xsoar_runtime"),
        str(ROOT / "Packs/DORABridge/Integrations/DORABridge"),
    ]
    import demistomock as demisto
    import DORABridge
    from harness import run_command

    params = dora_params(
        primary_contact_name="Ana Ruiz",
        primary_contact_email="ana.ruiz@zahlungsinstitut-beispiel.de",
        primary_contact_phone="+49 69 1234 5678",
        report_schema=(SCHEMAS / "dora_ir_v1.3.0.json").read_text(),
        report_schema_version="IR-1.3.0",
    )
    incident = {"id": "117", "created": "2026-11-23T09:14:00Z", "occurred": "2026-11-23T08:52:00Z"}
    context = {"DORA": {"IncidentReport": dict(REPORT_FACTS)}}
    args = {
        "affected_services": "Card payments",
        "clients_affected": "12430",
        "member_states": "DE,AT",
        "classified_at": "2026-11-23T11:05:00Z",
    }
    entries = run_command(
        DORABridge.main, "dora-classify", params, args, incident=incident, context=context, user="ana.ruiz"
    )
    assert not [e for e in entries if isinstance(e, dict) and e.get("Type") == 4], entries
    # The chain's head, as the instance keeps it outside the incident.
    head = demisto.getIntegrationContext()["DoraAuditHeads"]["117"]
    return EntityProfile.from_params(params), incident, demisto.context(), head


def report_drafts(count: int) -> dict[str, Any]:
    profile, incident, context, head = described_incident()
    out: dict[str, Any] = {}
    for fmt in ("json", "markdown"):
        first = profile.report_draft("initial", fmt, incident=incident, context=context, head=head)
        assert first["draft"]["complete"], first["draft"]["missing"]
        if fmt == "json":
            assert first["validation"]["valid"], first["validation"]
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            profile.report_draft("initial", fmt, incident=incident, context=context, head=head)
            samples.append(time.perf_counter() - started)
        out[fmt] = {
            "count": count,
            "p50": percentile(samples, 50),
            "p99": percentile(samples, 99),
            "validated": first["validation"]["schema"] if first["validation"] else None,
            "bytes": len(first["rendered"] or ""),
        }
    return out
