"""DORABridgeContext through its main(), against real sources: the sample Register of Information
CSV files, the local ServiceNow-style CMDB server over HTTP, and the PostgreSQL server with the
sample payments data that `make test` starts (scripts/postgres-server.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import demistomock as demisto
import DORABridge
import DORABridgeContext as integration  # noqa: N813
import pytest
from harness import run_command

from devtools.cmdb_server import CmdbServer
from tests.anchor import at
from tests.fixtures import dora_params

ROOT = Path(__file__).resolve().parents[4]
REGISTER = ROOT / "devtools" / "register"


def pg_dsn() -> str:
    dsn = os.environ.get("DORA_PG_DSN")
    assert dsn, (
        "DORA_PG_DSN is not set: run `scripts/postgres-server.sh start` and export its `env` (make test does)"
    )
    return dsn


def pg_parts() -> dict:
    from urllib.parse import urlparse

    u = urlparse(pg_dsn())
    return {"pg_host": u.hostname, "pg_port": str(u.port), "pg_database": u.path.lstrip("/"),
            "pg_credentials": {"identifier": u.username, "password": u.password}, "pg_sslmode": "disable"}  # fmt: skip


def sample_outage() -> tuple[str, str]:
    out = subprocess.run(
        ["psql", pg_dsn(), "-Atc", "SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
         " to_char(window_end AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM payments.sample_outages"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    start, end = out.stdout.strip().split("|")
    return start, end


@pytest.fixture
def cmdb():
    with CmdbServer() as srv:
        yield srv


def params(cmdb: CmdbServer, **extra) -> dict:
    p = {
        "register_path": str(REGISTER),
        "cmdb_url": cmdb.url,
        "cmdb_credentials": {"identifier": "svc-dora", "password": "cmdb-password"},
        "cmdb_depth": "5",
        "transaction_source": "postgresql",
        **pg_parts(),
    }
    p.update(extra)
    return p


class Incident:
    """An incident on the sample asset; it occurred when the sample outage began."""

    def __init__(self, occurred: str) -> None:
        self.incident = {
            "id": "311",
            "occurred": occurred,
            "CustomFields": {"dorasocradarasset": "203.0.113.16"},
        }
        self.context: dict = {}

    def run(self, main, command: str, p: dict, args: dict | None = None) -> list:
        out = run_command(main, command, p, args or {}, incident=self.incident, context=self.context)
        self.context = demisto.context()
        return out


def test_test_module(cmdb):
    assert run_command(integration.main, "test-module", params(cmdb)) == ["ok"]
    entry = run_command(integration.main, "test-module", {})[0]
    assert entry["Type"] == 4 and "No source is configured" in entry["Contents"]


def test_an_alarm_on_a_register_asset_is_classified_major_from_the_connectors_alone(cmdb):
    start, end = sample_outage()
    inc = Incident(occurred=start)
    p = params(cmdb)
    ict = inc.run(integration.main, "dora-ict-context", p)[0]
    assert ict["Type"] == 1, ict.get("Contents")
    c = inc.context["DORA"]["Context"]["ICT"]
    assert c["AffectedServices"]["Value"] == ["Card payments"]
    assert c["CriticalServicesAffected"]["Value"] is True
    assert "CMDB" in c["AffectedServices"]["Source"]
    tx = inc.run(integration.main, "dora-transaction-scope", p, {"window_start": start, "window_end": end})[0]
    assert tx["Type"] == 1, tx.get("Contents")
    t = inc.context["DORA"]["Context"]["Transactions"]
    assert t["TransactionsAffected"]["Value"] > 0 and "PostgreSQL" in t["TransactionsAffected"]["Source"]
    geo = inc.run(integration.main, "dora-geo-scope", p)[0]
    assert geo["Type"] == 1, geo.get("Contents")
    states = inc.context["DORA"]["Context"]["Geo"]["MemberStates"]["Value"]
    assert {"AT", "IE"} <= set(states)

    classification = inc.run(DORABridge.main, "dora-classify", dora_params(), {"classified_at": end})[0][
        "Contents"
    ]
    assert classification["IsMajor"] is True, classification["RuleText"]
    sources = {crit["Key"]: " ".join(crit["Source"]) for crit in classification["Criteria"]}
    assert "context DORA.Context.ICT.AffectedServices (CMDB" in sources["critical-services"]
    assert (
        "context DORA.Context.Transactions.TransactionsAffected ("
        in sources["clients-counterparts-transactions"]
    )
    assert "DORA.Context.Geo.MemberStates (" in sources["geographical-spread"]
    met = {crit["Key"] for crit in classification["Criteria"] if crit["Met"]}
    assert {"critical-services", "clients-counterparts-transactions", "geographical-spread"} <= met
    # Every figure the verdict rests on came from a connector.
    for key in met:
        for s in next(cr for cr in classification["Criteria"] if cr["Key"] == key)["Source"]:
            assert ": context DORA.Context." in s or ": profile " in s, s


def test_the_register_alone_and_named_services(cmdb):
    p = {"register_path": str(REGISTER)}
    out = run_command(integration.main, "dora-ict-context", p, {"services": "Instant payments"})[0]
    ctx = out["EntryContext"]["DORA.Context.ICT(val.IncidentId && val.IncidentId == obj.IncidentId)"]
    assert ctx["CriticalServicesAffected"]["Value"] is True
    assert "b_06.01.csv row" in ctx["CriticalServicesAffected"]["Source"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"b_05.01.csv": None}, "b_05.01"),
        ({"b_06.01.csv": "c0010,c0020\nF01,x\n"}, "b_06.01.csv"),
    ],
)
def test_a_broken_register_names_the_file(tmp_path, files, message):
    target = tmp_path / "register"
    shutil.copytree(REGISTER, target)
    for name, content in files.items():
        if content is None:
            (target / name).unlink()
        else:
            (target / name).write_text(content)
    entry = run_command(integration.main, "dora-ict-context", {"register_path": str(target)}, {"asset": "x"})[
        0
    ]
    assert entry["Type"] == 4 and message in entry["Contents"], entry["Contents"]


def test_a_dangling_reference_names_the_row(tmp_path):
    target = tmp_path / "register"
    shutil.copytree(REGISTER, target)
    b0202 = (target / "b_02.02.csv").read_text().splitlines()
    header, first = b0202[0], b0202[1]
    cells = first.split(",")
    col = header.split(",").index("c0030")
    cells[col] = "LEI00000000000000099"
    (target / "b_02.02.csv").write_text("\n".join([header, ",".join(cells), *b0202[2:]]) + "\n")
    entry = run_command(integration.main, "dora-ict-context", {"register_path": str(target)}, {"asset": "x"})[
        0
    ]
    assert entry["Type"] == 4 and "row 2" in entry["Contents"] and "b_05.01" in entry["Contents"], entry[
        "Contents"
    ]


def test_a_cmdb_that_refuses_or_answers_garbage_leaves_a_partial_result(cmdb):
    p = {"cmdb_url": cmdb.url, "cmdb_credentials": {"identifier": "svc-dora", "password": "wrong-password-123"},
         "ict_mapping": '{"assets": {"203.0.113.0/24": ["Card payments"]}, "services": {"Card payments": {"critical_or_important": true}}}'}  # fmt: skip
    out = run_command(integration.main, "dora-ict-context", p, {"asset": "203.0.113.16"})[0]
    ctx = out["EntryContext"]["DORA.Context.ICT(val.IncidentId && val.IncidentId == obj.IncidentId)"]
    assert ctx["Partial"] is True and ctx["AffectedServices"]["Partial"] is True
    assert any("refused the credentials" in x for x in ctx["Problems"]), ctx["Problems"]
    assert "wrong-password-123" not in str(demisto.recorded_results) + str(demisto.recorded_logs)
    cmdb.inject("garbage", times=5)
    only_cmdb = {
        "cmdb_url": cmdb.url,
        "cmdb_credentials": {"identifier": "svc-dora", "password": "cmdb-password"},
    }
    entry = run_command(integration.main, "dora-ict-context", only_cmdb, {"asset": "203.0.113.16"})[0]
    assert entry["Type"] == 4 and "CMDB" in entry["Contents"], entry["Contents"]


def test_a_partial_figure_is_not_used_by_the_classifier(cmdb):
    p = {"cmdb_url": cmdb.url, "cmdb_credentials": {"identifier": "svc-dora", "password": "wrong"},
         "ict_mapping": '{"assets": {"203.0.113.0/24": ["Card payments"]}, "services": {"Card payments": {"critical_or_important": true}}}'}  # fmt: skip
    inc = Incident(occurred=at(hours=-3))
    inc.run(integration.main, "dora-ict-context", p)
    c = inc.run(DORABridge.main, "dora-classify", dora_params(), {"classified_at": at(hours=-1)})[0][
        "Contents"
    ]
    assert any("DORA.Context.ICT.AffectedServices is partial" in x for x in c["PartialFigures"]), c[
        "PartialFigures"
    ]


def test_sql_that_writes_or_runs_too_long_is_refused(cmdb):
    start, end = sample_outage()
    p = params(cmdb, pg_affected_query="UPDATE payments.transactions SET amount_eur = 0")
    entry = run_command(
        integration.main,
        "dora-transaction-scope",
        p,
        {"services": "Card payments", "window_start": start, "window_end": end},
    )[0]
    assert (
        entry["Type"] == 4
        and "pg_affected_query must be a single SELECT or WITH statement" in entry["Contents"]
    ), entry["Contents"]
    slow = params(cmdb, pg_statement_timeout="1", pg_totals_query="SELECT pg_sleep(5) AS clients_total")
    out = run_command(
        integration.main,
        "dora-transaction-scope",
        slow,
        {"services": "Card payments", "window_start": start, "window_end": end},
    )[0]
    scope = out["EntryContext"][
        "DORA.Context.Transactions(val.IncidentId && val.IncidentId == obj.IncidentId)"
    ]
    assert scope["Partial"] is True and any("statement timeout" in x for x in scope["Problems"]), scope


def test_a_wrong_database_password_is_a_clear_error_without_the_password(cmdb):
    p = params(cmdb)
    p["pg_credentials"] = {"identifier": p["pg_credentials"]["identifier"], "password": "not-the-password-42"}
    entry = run_command(integration.main, "dora-transaction-scope", p, {"services": "Card payments", "window_start": "2026-11-23T07:00:00Z", "window_end": "2026-11-23T08:00:00Z"})[0]  # fmt: skip
    assert entry["Type"] == 4 and "not-the-password-42" not in entry["Contents"]


def test_an_unknown_country_is_named(cmdb):
    entry = run_command(
        integration.main,
        "dora-geo-scope",
        params(cmdb),
        {"client_countries": "DE, QX: 12 clients", "include_providers": "false"},
    )[0]
    assert entry["Type"] == 4 and '"QX" is not an ISO 3166-1 alpha-2 country code' in entry["Contents"], (
        entry["Contents"]
    )
