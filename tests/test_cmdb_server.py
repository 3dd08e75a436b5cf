"""The local CMDB server (ServiceNow Table API and OAuth), exercised over real HTTP with urllib."""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from devtools.cmdb_server import FAULT_KINDS, GARBAGE_BODY, CmdbServer, QueryError, parse_query
from devtools.socradar_server.content import COMPANY_HOSTS, LOOKALIKE_DOMAINS, VENDORS

PASSWORD = "pw-Under-Test-1234"
SECRET = "client-Secret-5678"
TABLE = "/api/now/table/"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.raw)

    @property
    def result(self) -> list[dict]:
        return self.json["result"]


def basic_header(user: str = "svc-dora", password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def call(srv, path, params=None, *, headers=None, data=None, method=None) -> Reply:
    url = srv.url + path + ("?" + urlencode(params) if params else "")
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def get(srv, table, **params) -> Reply:
    return call(srv, TABLE + table, params, headers=basic_header())


def token(srv, **form) -> Reply:
    return call(srv, "/oauth_token.do", data=urlencode(form).encode(), method="POST")


def names(reply: Reply) -> list[str]:
    return [r["name"] for r in reply.result]


@pytest.fixture(scope="module")
def demo():
    """The default dataset, shared by the read-only tests."""
    with CmdbServer(password=PASSWORD, client_secret=SECRET) as server:
        yield server


@pytest.fixture
def srv():
    with CmdbServer(password=PASSWORD, client_secret=SECRET, dataset=False) as server:
        server.add_service("Payments", 1, critical_or_important=True, country="DE")
        server.add_ci("App", "cmdb_ci_appl")
        server.add_ci("pay-01", ip_address="10.0.0.1", fqdn="pay-01.corp")
        server.add_ci("pay-02", "cmdb_ci_win_server", ip_address="10.0.0.2")
        server.relate("Payments", "App")
        server.relate("App", "pay-01", "Runs on::Runs")
        server.relate("App", "pay-02", "Runs on::Runs")
        yield server


def walk(srv, asset: str, depth: int = 5) -> set[str]:
    """The services the Rust client would find: lookup in cmdb_ci, then up cmdb_rel_ci."""
    q = f"name={asset}^ORip_address={asset}^ORfqdn={asset}"
    frontier = [r["sys_id"] for r in get(srv, "cmdb_ci", sysparm_query=q).result]
    seen, services = set(frontier), set()
    for level in range(depth + 1):
        if not frontier:
            break
        ids = ",".join(frontier)
        found = get(srv, "cmdb_ci_service", sysparm_query=f"sys_idIN{ids}", sysparm_display_value="all")
        services |= {r["name"]["value"] for r in found.result}
        service_ids = {r["sys_id"]["value"] for r in found.result}
        climbing = [i for i in frontier if i not in service_ids]
        if level == depth or not climbing:
            break
        rels = get(srv, "cmdb_rel_ci", sysparm_query=f"childIN{','.join(climbing)}", sysparm_fields="parent")
        frontier = [r["parent"]["value"] for r in rels.result if r["parent"]["value"] not in seen]
        seen |= set(frontier)
    return services


# -- authentication --------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, basic_header(password="wrong-pass-99"), basic_header(user="other")])
def test_missing_or_wrong_credentials_are_401_in_the_instance_envelope(srv, headers):
    reply = call(srv, TABLE + "cmdb_ci", headers=headers)
    assert reply.status == 401
    assert reply.json == {
        "error": {"message": "User is not authenticated", "detail": "Required to provide Auth information"},
        "status": "failure",
    }
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="Service-now"'
    assert srv.requests[-1].authenticated is False


def test_password_grant_issues_a_bearer_token_that_works_until_it_expires(srv):
    reply = token(srv, grant_type="password", client_id="dora-bridge-client", client_secret=SECRET,
                  username="svc-dora", password=PASSWORD)  # fmt: skip
    assert reply.status == 200
    body = reply.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1799 and body["refresh_token"]
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert call(srv, TABLE + "cmdb_ci", headers=bearer).status == 200
    refreshed = token(srv, grant_type="refresh_token", client_id="dora-bridge-client", client_secret=SECRET,
                      refresh_token=body["refresh_token"])  # fmt: skip
    assert refreshed.status == 200 and "refresh_token" not in refreshed.json
    srv.expire_tokens()
    assert call(srv, TABLE + "cmdb_ci", headers=bearer).status == 401
    # A refresh token is not an access token.
    assert (
        call(srv, TABLE + "cmdb_ci", headers={"Authorization": f"Bearer {body['refresh_token']}"}).status
        == 401
    )
    assert srv.tokens_issued == 2


def test_client_credentials_and_short_lived_tokens(srv):
    srv.token_lifetime = 0.2
    body = token(
        srv, grant_type="client_credentials", client_id="dora-bridge-client", client_secret=SECRET
    ).json
    assert "refresh_token" not in body
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert call(srv, TABLE + "cmdb_ci", headers=bearer).status == 200
    time.sleep(0.3)
    assert call(srv, TABLE + "cmdb_ci", headers=bearer).status == 401


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "dora-bridge-client", "client_secret": "nope-secret"},
        {"grant_type": "client_credentials", "client_id": "someone", "client_secret": SECRET},
        {"grant_type": "password", "client_id": "dora-bridge-client", "client_secret": SECRET,
         "username": "svc-dora", "password": "wrong-pass-99"},
        {"grant_type": "refresh_token", "client_id": "dora-bridge-client", "client_secret": SECRET,
         "refresh_token": "made-up"},
    ],
)  # fmt: skip
def test_refused_token_requests_answer_access_denied(srv, form):
    reply = token(srv, **form)
    assert (reply.status, reply.json) == (
        401,
        {"error_description": "access_denied", "error": "server_error"},
    )


def test_token_endpoint_edges(srv):
    assert token(srv, grant_type="implicit").status == 400
    assert call(srv, "/oauth_token.do").status == 405
    with CmdbServer(client_id=None, dataset=False) as no_oauth:
        assert (
            token(no_oauth, grant_type="client_credentials", client_id="x", client_secret="y").status == 401
        )


def test_request_log_never_keeps_a_credential(srv):
    body = token(srv, grant_type="password", client_id="dora-bridge-client", client_secret=SECRET,
                 username="svc-dora", password=PASSWORD).json  # fmt: skip
    token(srv, grant_type="refresh_token", client_id="dora-bridge-client", client_secret=SECRET,
          refresh_token=body["refresh_token"])  # fmt: skip
    call(srv, TABLE + "cmdb_ci", headers={"Authorization": f"Bearer {body['access_token']}"})
    get(srv, "cmdb_ci", sysparm_query="name=pay-01")
    first, _, bearer, basic = srv.requests
    assert first.form == {
        "grant_type": ["password"],
        "client_id": ["dora-bridge-client"],
        "username": ["svc-dora"],
    }
    assert (bearer.auth, bearer.authenticated, basic.auth, basic.status) == ("bearer", True, "basic", 200)
    assert basic.query == {"sysparm_query": ["name=pay-01"]}
    logged = repr(srv.requests)
    for secret in (
        PASSWORD,
        SECRET,
        body["access_token"],
        body["refresh_token"],
        basic_header()["Authorization"],
    ):
        assert secret not in logged


# -- the Table API ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=pay-01", ["pay-01"]),
        ("name=PAY-01", ["pay-01"]),
        ("name=pay-01^ORip_address=10.0.0.2", ["pay-01", "pay-02"]),
        ("nameLIKEpay^ip_address=10.0.0.2", ["pay-02"]),
        ("nameSTARTSWITHpay-^ORDERBYDESCname", ["pay-02", "pay-01"]),
        ("ip_addressISEMPTY", ["Payments", "App"]),
        ("sys_class_name!=cmdb_ci_appl^ip_addressISEMPTY", ["Payments"]),
        ("fqdnENDSWITH.corp^NQname=App", ["App", "pay-01"]),
        ("name=nothing", []),
        ("", ["Payments", "App", "pay-01", "pay-02"]),
    ],
)
def test_encoded_queries(srv, query, expected):
    reply = get(srv, "cmdb_ci", sysparm_query=query, sysparm_fields="name")
    assert sorted(names(reply)) == sorted(expected)
    if "ORDERBY" in query:
        assert names(reply) == expected


def test_in_lists_dot_walks_and_escaped_carets(srv):
    pay1, pay2 = srv.ci("pay-01")["sys_id"], srv.ci("pay-02")["sys_id"]
    assert sorted(names(get(srv, "cmdb_ci", sysparm_query=f"sys_idIN{pay1},{pay2}"))) == ["pay-01", "pay-02"]
    rels = get(srv, "cmdb_rel_ci", sysparm_query="child.name=pay-01^ORchild.ip_address=10.0.0.2",
               sysparm_fields="parent,child.name", sysparm_display_value="true")  # fmt: skip
    assert sorted((r["parent"]["display_value"], r["child.name"]) for r in rels.result) == [
        ("App", "pay-01"),
        ("App", "pay-02"),
    ]
    srv.add_ci("odd^name")
    assert names(get(srv, "cmdb_ci", sysparm_query="name=odd^^name")) == ["odd^name"]
    with pytest.raises(QueryError):
        parse_query("=nothing")
    assert get(srv, "cmdb_ci", sysparm_query="Name=x").status == 400


def test_class_tables_see_their_subclasses(srv):
    assert names(get(srv, "cmdb_ci_service")) == ["Payments"]
    assert sorted(names(get(srv, "cmdb_ci_server"))) == ["pay-01", "pay-02"]
    assert names(get(srv, "cmdb_ci_win_server")) == ["pay-02"]
    assert len(get(srv, "cmdb_ci").result) == 4


def test_display_values_reference_links_and_choices(srv):
    params = {"sysparm_query": "child.name=pay-01", "sysparm_fields": "parent,type"}
    plain = get(srv, "cmdb_rel_ci", **params).result[0]
    app = srv.ci("App")["sys_id"]
    assert plain["parent"] == {"link": f"{srv.url}/api/now/table/cmdb_ci/{app}", "value": app}
    shown = get(srv, "cmdb_rel_ci", **params, sysparm_display_value="true").result[0]
    assert shown["type"]["display_value"] == "Runs on::Runs" and "value" not in shown["type"]
    both = get(
        srv, "cmdb_rel_ci", **params, sysparm_display_value="all", sysparm_exclude_reference_link="true"
    )
    assert both.result[0]["parent"] == {"display_value": "App", "value": app}
    assert get(srv, "cmdb_rel_ci", **params, sysparm_exclude_reference_link="true").result[0]["parent"] == app
    service = get(srv, "cmdb_ci_service", sysparm_display_value="all",
                  sysparm_fields="busines_criticality,operational_status,u_critical_or_important,location.country,nope")  # fmt: skip
    assert service.result == [
        {
            "busines_criticality": {"display_value": "1 - most critical", "value": "1 - most critical"},
            "operational_status": {"display_value": "Operational", "value": "1"},
            "u_critical_or_important": {"display_value": "true", "value": "true"},
            "location.country": {"display_value": "DE", "value": "DE"},
        }
    ]


def test_paging_with_total_count_and_link_header(srv):
    for n in range(3, 8):
        srv.add_ci(f"pay-{n:02d}", ip_address=f"10.0.0.{n}")
    first = get(srv, "cmdb_ci_server", sysparm_limit="3", sysparm_fields="name")
    assert names(first) == ["pay-01", "pay-02", "pay-03"]
    assert first.headers["X-Total-Count"] == "7"
    links = first.headers["Link"]
    assert (
        'rel="first"' in links
        and 'rel="next"' in links
        and 'rel="last"' in links
        and 'rel="prev"' not in links
    )
    assert "sysparm_offset=3>" in links.split('rel="first"')[1]
    last = get(srv, "cmdb_ci_server", sysparm_limit="3", sysparm_offset="6", sysparm_fields="name")
    assert names(last) == ["pay-07"]
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]
    assert "X-Total-Count" not in get(srv, "cmdb_ci", sysparm_no_count="true").headers
    assert get(srv, "cmdb_ci", sysparm_limit="many").status == 400


def test_routes_tables_and_records(srv):
    assert get(srv, "cmdb_cix").json["error"]["message"] == "Invalid table cmdb_cix"
    assert call(srv, "/api/now/tablex/cmdb_ci", headers=basic_header()).status == 400
    wrong_base = call(srv, "/servicenow" + TABLE + "cmdb_ci", headers=basic_header())
    assert wrong_base.status == 404 and wrong_base.headers["Content-Type"].startswith("text/html")
    pay1 = srv.ci("pay-01")["sys_id"]
    assert get(srv, f"cmdb_ci_server/{pay1}").json["result"]["name"] == "pay-01"
    assert get(srv, f"cmdb_ci_service/{pay1}").json["error"]["message"] == "No Record found"
    assert call(srv, TABLE + "cmdb_ci", headers=basic_header(), data=b"{}", method="POST").status == 405
    assert call(srv, "/api/now/v2/table/cmdb_ci", headers=basic_header()).status == 200
    srv.denied_tables.add("cmdb_rel_ci")
    assert get(srv, "cmdb_rel_ci").status == 403


def test_keep_alive_serves_many_requests_on_one_connection(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", TABLE + "cmdb_ci", headers=basic_header())
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["result"]
    finally:
        conn.close()
    assert {r.connection for r in srv.requests} == {srv.requests[0].connection}


def test_building_the_cmdb(srv):
    with pytest.raises(ValueError, match="unknown CI class"):
        srv.add_ci("x", "cmdb_ci_spaceship")
    with pytest.raises(KeyError):
        srv.relate("Payments", "nobody")
    with pytest.raises(ValueError, match="criticality"):
        srv.add_service("Bad", 7)
    with pytest.raises(ValueError, match="Parent descriptor::Child descriptor"):
        srv.relate("App", "pay-01", "uses")
    spelled = srv.add_service("Spelled", None, business_criticality="2 - somewhat critical")
    assert "busines_criticality" not in spelled and spelled["business_criticality"] == "2 - somewhat critical"


# -- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status"), [("401", 401), ("403", 403), ("404", 404), ("500", 500), ("503", 503)]
)
def test_status_faults_replace_one_answer(srv, kind, status):
    srv.inject(kind)
    assert get(srv, "cmdb_ci").status == status
    assert get(srv, "cmdb_ci").status == 200
    assert srv.requests[0].fault == kind and srv.requests[1].fault is None


def test_garbage_answers(srv):
    srv.inject("garbage")
    srv.inject("no_result")
    srv.inject("wrong_result")
    srv.inject("missing_sys_id")
    garbage = get(srv, "cmdb_ci")
    assert (garbage.status, garbage.raw.decode()) == (200, GARBAGE_BODY)
    assert get(srv, "cmdb_ci").json == {"records": [], "status": "success"}
    assert get(srv, "cmdb_ci").json == {"result": "No records"}
    records = get(srv, "cmdb_ci").result
    assert len(records) == 5 and sum("sys_id" not in r for r in records) == 1


def test_faults_can_target_a_path_and_repeat(srv):
    srv.inject("429", times=2, retry_after=1, path_contains="cmdb_rel_ci")
    assert get(srv, "cmdb_ci").status == 200
    limited = get(srv, "cmdb_rel_ci")
    assert (limited.status, limited.headers["Retry-After"]) == (429, "1")
    assert get(srv, "cmdb_rel_ci").status == 429
    assert get(srv, "cmdb_rel_ci").status == 200
    assert srv.pending_faults == []
    with pytest.raises(ValueError, match="unknown fault kind"):
        srv.inject("meteor")
    with pytest.raises(ValueError, match="delay"):
        srv.inject("slow")
    assert {"401", "500", "garbage", "slow", "reset"} <= FAULT_KINDS


def test_slow_reset_and_truncated_connections(srv):
    srv.inject("slow", delay=0.3)
    started = time.monotonic()
    assert get(srv, "cmdb_ci").status == 200
    assert time.monotonic() - started >= 0.3
    srv.inject("reset")
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        urllib.request.urlopen(
            urllib.request.Request(srv.url + TABLE + "cmdb_ci", headers=basic_header()), timeout=5
        )
    srv.inject("truncated")
    with pytest.raises(http.client.IncompleteRead):
        get(srv, "cmdb_ci")
    assert srv.requests[-2].status is None and get(srv, "cmdb_ci").status == 200


# -- the demo entity's dataset ---------------------------------------------------------------------


def test_the_four_business_services(demo):
    services = get(demo, "cmdb_ci_service", sysparm_display_value="true",
                   sysparm_fields="name,busines_criticality,u_critical_or_important,location.country").result  # fmt: skip
    assert services == [
        {"name": "Card payments", "busines_criticality": "1 - most critical",
         "u_critical_or_important": "true", "location.country": "Germany"},
        {"name": "Instant payments", "busines_criticality": "1 - most critical",
         "u_critical_or_important": "true", "location.country": "Germany"},
        {"name": "Customer portal", "busines_criticality": "3 - less critical",
         "u_critical_or_important": "false", "location.country": "Germany"},
        {"name": "Reporting", "busines_criticality": "4 - not critical",
         "u_critical_or_important": "false", "location.country": "Austria"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("asset", "services"),
    [
        ("203.0.113.4", {"Card payments"}),
        ("203.0.113.16", {"Card payments"}),
        ("cardgw-01.zb.internal", {"Card payments"}),
        ("carddb-01", {"Card payments"}),
        ("203.0.113.38", {"Instant payments"}),
        ("203.0.113.2", {"Card payments", "Instant payments", "Customer portal"}),
        ("203.0.113.102", {"Customer portal", "Instant payments"}),
        ("203.0.113.242", {"Card payments", "Reporting"}),
        ("203.0.113.182", {"Reporting"}),
        ("198.51.100.10", {"Card payments"}),
        ("example-bank.com", {"Customer portal"}),
        ("examplebank-support.com", {"Customer portal"}),
        ("online.example-bank.com", {"Customer portal"}),
        ("fabrikam-payments.example", {"Card payments"}),
        ("contoso-banking.example", {"Card payments", "Instant payments"}),
        ("Card payments", {"Card payments"}),
        ("mail.example-bank.com", set()),
        ("203.0.113.194", set()),
        ("examp1e-bank.com", set()),
    ],
)
def test_demo_assets_resolve_to_services(demo, asset, services):
    assert walk(demo, asset) == services


def test_every_company_address_and_host_of_the_socradar_demo_is_known(demo):
    unresolved = [f"203.0.113.{n}" for n in range(2, 255) if not walk(demo, f"203.0.113.{n}")]
    assert unresolved == ["203.0.113.194", "203.0.113.195"]  # the mail relays support no business service
    for host in COMPANY_HOSTS:
        assert get(demo, "cmdb_ci", sysparm_query=f"fqdn={host}").result, host
    for _, domain in VENDORS:
        assert get(demo, "cmdb_ci", sysparm_query=f"fqdn={domain}").result, domain
    # Look-alike domains are the attacker's, not the bank's, except the support domain it owns.
    known = [d for d in LOOKALIKE_DOMAINS if get(demo, "cmdb_ci", sysparm_query=f"name={d}").result]
    assert known == ["examplebank-support.com"]


def test_cli_serves_the_dataset_and_never_prints_secrets():
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.cmdb_server", "--port", "0", "--password", PASSWORD,
         "--client-secret", SECRET],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("CMDB test server on http://127.0.0.1:") and "CIs" in line
        assert PASSWORD not in line and SECRET not in line
        url = line.split()[4]
        request = urllib.request.Request(url + TABLE + "cmdb_ci_service", headers=basic_header())
        with urllib.request.urlopen(request, timeout=10) as response:
            assert len(json.loads(response.read())["result"]) == 4
    finally:
        proc.terminate()
        proc.wait(timeout=10)
