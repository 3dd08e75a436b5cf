"""Two-way mirroring of DORABridgeSOCRadar, run through its main() on the XSOAR runtime double,
with the server's mirroring job simulated (tests/xsoar_runtime/mirroring.py), against the local
SOCRadar-compatible server over real HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

import demistomock as demisto
import DORABridge
import DORABridgeSOCRadar as integration  # noqa: N813
import DORARecordMirroredChanges
import pytest
from CommonServerPython import DemistoException
from harness import run_command
from hypothesis import given, settings
from hypothesis import strategies as st
from mirroring import INCOMING, OUTGOING, MirroringJob, apply_mapper, create

from devtools.socradar_server import SocRadarServer
from dora_bridge import DoraBridgeError, EntityProfile, InternalError
from tests.fixtures import API_KEY, dora_params, instance_params

ANALYST = "analyst@socradar.example"
BOT = "soc-bot@bank.example"


# The DORA Bridge instance's integration context (the chain heads it records), apart from the
# SOCRadar instance's, as the server keeps one per instance.
DORA_INSTANCE: dict = {}


@pytest.fixture(autouse=True)
def dora_bridge_instance():
    """The DORA Bridge instance DORARecordMirroredChanges hands the records to."""
    DORA_INSTANCE.clear()
    demisto.integration_command("dora-record-mirrored-changes", DORABridge.main, dora_params(), DORA_INSTANCE)
    yield
    demisto.command_handlers.pop("dora-record-mirrored-changes", None)


@pytest.fixture
def server():
    with SocRadarServer(api_key=API_KEY) as srv:
        yield srv


def mirror_params(server, **overrides) -> dict:
    return instance_params(
        server,
        status=[],
        mirror_direction="Incoming And Outgoing",
        mirror_user_email=BOT,
        close_incident=True,
        **overrides,
    )


def fetched(server, params, count=3) -> MirroringJob:
    server.generate(count, seed=41, start=server.now - timedelta(hours=2))
    run_command(integration.main, "fetch-incidents", params)
    incidents = [create(i, n) for n, i in enumerate(demisto.recorded_incidents[0], start=1)]
    assert len(incidents) == count
    return MirroringJob(
        integration.main,
        params,
        incidents,
        scripts={"DORARecordMirroredChanges": DORARecordMirroredChanges.main},
    )


def war_room_notes(incident, tag) -> list[str]:
    return [e["Contents"] for e in incident.war_room if tag in (e.get("Tags") or [])]


def records(incident) -> list[dict]:
    return [
        r for e in incident.war_room if "dora-bridge-mirror" in (e.get("Tags") or []) for r in e["Contents"]
    ]


def other_severity(server, inc, *avoid: str) -> str:
    """A severity the incident's alarm does not have now (nor any of `avoid`)."""
    now = server.get_alarm(int(inc.mirror_id)).get("alarm_risk_level")
    return next(s for s in ("LOW", "MEDIUM", "HIGH", "CRITICAL") if s != now and s not in avoid)


def test_fetched_incidents_carry_what_xsoar_mirrors_them_by(server):
    job = fetched(server, mirror_params(server))
    raw = json.loads(demisto.recorded_incidents[0][0]["rawJSON"])
    assert (raw["mirror_direction"], raw["mirror_tags"]) == ("Both", ["comment-to-socradar"])
    for inc in job.incidents:
        assert inc.system["dbotMirrorDirection"] == "Both"
        assert inc.system["dbotMirrorInstance"] == demisto.integrationInstance()
        assert inc.system["dbotMirrorTags"] == ["comment-to-socradar"]
        assert inc.mirror_id == inc.fields["dorasocradaralarmid"]
    # The mirror remembers each alarm as delivered: its notification id and its view.
    state = demisto.getIntegrationContext()["mirror"]["alarms"]
    assert set(state) == {i.mirror_id for i in job.incidents}
    assert all(s["n"] and s["v"]["st"] for s in state.values())


def test_changes_made_in_socradar_reach_the_incident(server):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    aid = int(inc.mirror_id)
    assert job.sync_in() == [], "nothing changed yet"
    server.edit_alarm(
        aid, by=ANALYST, status_reason="INVESTIGATING", severity="CRITICAL", assignees=["soc@bank.example"]
    )
    server.edit_alarm(aid, by=ANALYST, comment="Takedown requested with the registrar.")
    assert job.sync_in() == [inc.mirror_id]
    assert job.errors == []
    assert inc.fields["dorasocradarstatusreason"] == "INVESTIGATING"
    assert inc.fields["dorasocradarassignees"] == "soc@bank.example"
    assert inc.fields["dorasocradarrisklevel"] == "CRITICAL" and inc.system["severity"] == 4
    comments = war_room_notes(inc, "comment-from-socradar")
    assert len(comments) == 1 and "Takedown requested" in comments[0] and ANALYST in comments[0]
    changed = {r["Field"]: r for r in records(inc)}
    assert changed["status_reason"]["By"] == ANALYST and changed["status_reason"]["To"] == "INVESTIGATING"
    assert changed["severity"]["Direction"] == "incoming"
    assert "severity changed from" in inc.fields["dorasocradarmirroredchanges"]
    # Nothing new: nothing is synced again, no comment twice.
    assert job.sync_in() == []
    assert len(war_room_notes(inc, "comment-from-socradar")) == 1
    # Closed in SOCRadar: the incident closes with the mapped reason, and reopens with the alarm.
    server.edit_alarm(aid, by=ANALYST, status_reason="FALSE_POSITIVE")
    job.sync_in()
    assert (inc.system["status"], inc.system["closeReason"]) == (2, "False Positive")
    assert ANALYST in inc.system["closeNotes"]
    server.edit_alarm(aid, by=ANALYST, status_reason="OPEN")
    job.sync_in()
    assert inc.system["status"] == 1


def test_closing_the_incident_resolves_the_alarm_with_the_mapped_reason(server):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[1]
    aid = int(inc.mirror_id)
    closing = {
        "closeReason": "False Positive",
        "closeNotes": "Lookalike domain of a partner.",
        "closingUserId": "a.keller",
    }
    entries = job.sync_out(inc, {}, closing=closing)
    assert job.errors == [] and entries == [inc.mirror_id]
    alarm = server.get_alarm(aid)
    assert (alarm["status"], alarm["alarm_status_reason"]) == ("CLOSED", "FALSE_POSITIVE")
    last = alarm["history"][-1]["details"]
    assert "a.keller" in last and "False Positive" in last and "Lookalike domain" in last
    # The next incoming sync shows the outgoing change, and nothing comes back as a SOCRadar change.
    assert job.sync_in() == [inc.mirror_id]
    out = records(inc)
    assert [(r["Direction"], r["Field"], r["Outcome"], r["By"]) for r in out] == [
        ("outgoing", "close", "applied", "a.keller")
    ]
    assert inc.system["status"] == 2
    # Other close reasons map as the Close reason map says; an unknown one takes Other's.
    for reason, expected in [
        ("Resolved", "RESOLVED"),
        ("Duplicate", "DUPLICATE"),
        ("Security Testing", "NOT_APPLICABLE"),
    ]:
        other = job.incidents[2]
        server.edit_alarm(int(other.mirror_id), by=ANALYST, status_reason="OPEN")
        job.sync_in()
        job.sync_out(other, {}, closing={**closing, "closeReason": reason})
        assert server.get_alarm(int(other.mirror_id))["alarm_status_reason"] == expected


def test_severity_assignees_and_status_reason_travel_out_through_the_outgoing_mapper(server):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    aid = int(inc.mirror_id)
    job.sync_out(inc, {"severity": 4, "dorasocradarassignees": "A@bank.example, b@bank.example"})
    job.sync_out(inc, {"dorasocradarstatusreason": "LEGAL_REVIEW"})
    assert job.errors == []
    alarm = server.get_alarm(aid)
    assert alarm["alarm_risk_level"] == "CRITICAL"
    assert alarm["alarm_assignees"] == ["A@bank.example", "b@bank.example"]
    assert (alarm["status"], alarm["alarm_status_reason"]) == ("ON_HOLD", "LEGAL_REVIEW")
    job.sync_in()
    assert [r["Field"] for r in records(inc)] == ["severity", "assignees", "status_reason"]
    assert all(r["Direction"] == "outgoing" for r in records(inc))
    # An incident severity SOCRadar has no level for is refused, naming it; nothing is sent.
    before = len(server.requests)
    job.sync_out(inc, {"severity": 0.5})
    assert job.errors and "has no SOCRadar equivalent" in job.errors[0]
    assert all(r.method == "GET" for r in server.requests[before:])


def test_a_change_on_both_sides_keeps_socradars_value(server):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    aid = int(inc.mirror_id)
    # Before the next sync, a SOCRadar analyst marks the alarm a duplicate and an XSOAR analyst
    # closes the incident as resolved.
    server.edit_alarm(aid, by=ANALYST, status_reason="DUPLICATE")
    job.sync_out(inc, {}, closing={"closeReason": "Resolved", "closeNotes": "", "closingUserId": "a.keller"})
    assert job.errors == []
    assert server.get_alarm(aid)["alarm_status_reason"] == "DUPLICATE", "SOCRadar's value stands"
    job.sync_in()
    assert inc.fields["dorasocradarstatusreason"] == "DUPLICATE", "and reaches the incident"
    conflict = [r for r in records(inc) if r["Outcome"] == "conflict-kept-socradar"]
    assert len(conflict) == 1
    assert (conflict[0]["From"], conflict[0]["To"], conflict[0]["By"]) == (
        "DUPLICATE",
        "RESOLVED",
        "a.keller",
    )
    table = "\n".join(e.get("HumanReadable") or "" for e in inc.war_room)
    assert "conflict-kept-socradar" in table


def test_comments_travel_both_ways_marked_and_never_echo(server):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    aid = int(inc.mirror_id)
    entry = {
        "id": "12@7",
        "type": 1,
        "contents": "Customer notified.",
        "user": "a.keller",
        "tags": ["comment-to-socradar"],
    }
    untagged = {"id": "13@7", "type": 1, "contents": "internal", "user": "a.keller", "tags": ["other"]}
    job.sync_out(inc, {}, entries=[entry, untagged])
    notes = server.get_alarm(aid)["notes"]
    assert len(notes) == 1
    assert notes[0]["user_email"] == BOT
    assert "Customer notified." in notes[0]["comment"] and "a.keller" in notes[0]["comment"]
    assert "[mirrored from Cortex XSOAR, entry 12@7]" in notes[0]["comment"]
    # Sent again (XSOAR resends an entry it is unsure of): not posted twice.
    job.sync_out(inc, {}, entries=[entry])
    assert len(server.get_alarm(aid)["notes"]) == 1
    # The comment written from XSOAR never comes back; one written in SOCRadar does.
    server.edit_alarm(aid, by=ANALYST, comment="Registrar confirmed.")
    job.sync_in()
    assert [c.split(":\n\n")[1] for c in war_room_notes(inc, "comment-from-socradar")] == [
        "Registrar confirmed."
    ]


def chain_for(inc) -> None:
    """Classifies the incident with DORA Bridge, which starts its evidence chain (and records its
    head in the DORA Bridge instance's integration context, not the SOCRadar instance's)."""
    socradar_instance = demisto.getIntegrationContext()
    run_command(
        DORABridge.main,
        "dora-classify",
        dora_params(),
        {"affected_services": "Card payments", "malicious_unauthorized_access": "true"},
        incident={"id": inc.id},
        context=inc.context,
        integration_context=DORA_INSTANCE,
    )
    DORA_INSTANCE.update(demisto.getIntegrationContext())
    inc.context = demisto.context()
    demisto.setIntegrationContext(socradar_instance)
    assert inc.context["DORA"]["Audit"]


def verified(inc) -> bool:
    """The chain verifies with the key against the head DORA Bridge recorded."""
    head = (DORA_INSTANCE.get("DoraAuditHeads") or {}).get(inc.id)
    profile = EntityProfile.from_params(dora_params())
    return profile.audit_verify(incident={"id": inc.id}, context=inc.context, head=head)["valid"]


def test_every_mirrored_change_is_sealed_in_the_evidence_chain_once(server):
    job = fetched(server, mirror_params(server))
    with_chain, without = job.incidents[0], job.incidents[1]
    chain_for(with_chain)
    start = len(with_chain.context["DORA"]["Audit"])
    for inc in (with_chain, without):
        server.edit_alarm(
            int(inc.mirror_id), by=ANALYST, severity=other_severity(server, inc), comment="seen"
        )
    job.sync_out(with_chain, {"dorasocradarstatusreason": "INVESTIGATING"})
    job.sync_in()
    chain = with_chain.context["DORA"]["Audit"]
    sealed = [e for e in chain if e["Kind"] == "socradar-mirror"]
    assert len(chain) == start + len(sealed)
    assert {e["Details"]["Field"] for e in sealed} == {"severity", "comment", "status_reason"}
    assert {e["Details"]["Direction"] for e in sealed} == {"incoming", "outgoing"}
    assert all(e["Actor"] == "DORA Bridge" for e in sealed)
    assert all(e["Mac"] for e in sealed) and verified(with_chain)
    # Run again (from a playbook, or a trigger firing twice): nothing is sealed twice.
    job.run_script(with_chain, DORARecordMirroredChanges.main, {})
    assert with_chain.context["DORA"]["Audit"] == chain
    # An incident without a chain gets none from mirroring.
    assert "DORA" not in without.context
    assert records(without)


def test_a_trigger_that_did_not_run_loses_nothing(server):
    job = fetched(server, mirror_params(server))
    job.scripts = {}  # the field trigger does not fire
    inc = job.incidents[0]
    chain_for(inc)
    first = other_severity(server, inc)
    server.edit_alarm(int(inc.mirror_id), by=ANALYST, severity=first)
    job.sync_in()
    second = other_severity(server, inc, first)
    server.edit_alarm(int(inc.mirror_id), by=ANALYST, severity=second)
    job.sync_in()
    assert not [e for e in inc.context["DORA"]["Audit"] if e["Kind"] == "socradar-mirror"]
    job.run_script(inc, DORARecordMirroredChanges.main, {})
    sealed = [e["Details"]["To"] for e in inc.context["DORA"]["Audit"] if e["Kind"] == "socradar-mirror"]
    assert sealed == [first, second]


@pytest.mark.parametrize(
    ("fault", "words"),
    [("401", "refused the API key"), ("429", "API rate limit"), ("503", "skip update")],
)
def test_faults_while_finding_changes_surface_and_lose_nothing(server, fault, words):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    severity = other_severity(server, inc)
    server.edit_alarm(int(inc.mirror_id), by=ANALYST, severity=severity)
    server.inject(fault, times=10, path_contains="/incidents/v4")
    assert job.sync_in() == []
    assert job.errors and words in job.errors[0]
    assert "skip update" in job.errors[0] or "API rate limit" in job.errors[0]
    assert API_KEY not in job.errors[0]
    server.clear_faults()
    assert job.sync_in() == [inc.mirror_id]
    assert inc.fields["dorasocradarrisklevel"] == severity


@pytest.mark.parametrize("fault", ["401", "429", "503"])
def test_faults_while_reading_an_alarm_surface_and_lose_nothing(server, fault):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    server.edit_alarm(int(inc.mirror_id), by=ANALYST, status_reason="MITIGATED", comment="done")
    state_before = demisto.getIntegrationContext()

    def fail_after_the_window_is_read(srv, query):
        # A fault drawn now applies from the next request on: the alarm's own read.
        if "notification_ids" not in query:
            srv.inject(fault, times=10)

    server.on_search = fail_after_the_window_is_read
    job.sync_in()
    assert job.errors
    if fault == "429":
        assert "API rate limit" in job.errors[0]
    assert (
        demisto.getIntegrationContext()["mirror"]["alarms"][inc.mirror_id]["v"]
        == (state_before["mirror"]["alarms"][inc.mirror_id]["v"])
    ), "nothing is remembered as synced"
    server.on_search = None
    server.clear_faults()
    job.sync_in()
    assert inc.fields["dorasocradarstatusreason"] == "MITIGATED"
    assert len(war_room_notes(inc, "comment-from-socradar")) == 1


@pytest.mark.parametrize("fault", ["401", "429", "503"])
def test_faults_while_writing_surface_and_lose_nothing(server, fault):
    job = fetched(server, mirror_params(server))
    inc = job.incidents[0]
    aid = int(inc.mirror_id)
    before = server.get_alarm(aid)["alarm_risk_level"]
    target = other_severity(server, inc)
    level = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}[target]
    server.inject(fault, times=10, path_contains="/alarm/severity")
    job.sync_out(inc, {"severity": level})
    assert job.errors and API_KEY not in job.errors[0]
    assert server.get_alarm(aid)["alarm_risk_level"] == before
    server.clear_faults()
    job.sync_out(inc, {"severity": level})
    assert job.errors == [] and server.get_alarm(aid)["alarm_risk_level"] == target


def test_get_mapping_fields_lists_what_the_outgoing_mapper_writes(server):
    entries = run_command(integration.main, "get-mapping-fields", mirror_params(server))
    mapping = entries[0]
    outgoing = json.loads(OUTGOING.read_text())["mapping"]["DORA ICT Incident"]["internalMapping"]
    assert set(mapping["SOCRadar Alarm"]) == set(outgoing)
    assert all(mapping["SOCRadar Alarm"].values())


def test_with_mirroring_off_nothing_is_mirrored(server):
    params = instance_params(server, status=[])
    server.generate(2, seed=42, start=server.now - timedelta(hours=1))
    run_command(integration.main, "fetch-incidents", params)
    incident = demisto.recorded_incidents[0][0]
    assert "dbotMirrorDirection" not in incident
    assert "mirror_direction" not in json.loads(incident["rawJSON"])
    assert "mirror" not in demisto.getIntegrationContext()
    before = len(server.requests)
    assert (
        run_command(integration.main, "get-modified-remote-data", params, {"lastUpdate": "0"})[0]["Contents"]
        == []
    )
    args = {
        "remoteId": incident["dbotMirrorId"],
        "delta": {"alarm_risk_level": 4},
        "incidentChanged": True,
        "status": 1,
    }
    assert run_command(integration.main, "update-remote-system", params, args) == [incident["dbotMirrorId"]]
    assert len(server.requests) == before


def test_wrong_mirroring_parameters_are_named(server):
    params = instance_params(server, mirror_direction="Outgoing")
    entry = run_command(integration.main, "test-module", params)[0]
    assert entry["Type"] == 4 and "mirror_user_email" in entry["Contents"]
    entry = run_command(
        integration.main,
        "get-remote-data",
        {**params, "mirror_direction": "Both-ways"},
        {"id": "1", "lastUpdate": "0"},
    )[0]
    assert entry["Type"] == 4 and "mirror_direction must be one of" in entry["Contents"]


def test_the_include_settings_reach_the_mapper(server):
    server.generate(4, seed=43, start=server.now - timedelta(hours=1))
    for include in (True, False):
        params = instance_params(
            server,
            status=[],
            include_content=include,
            include_entities=include,
            include_company_id=not include,
        )
        run_command(integration.main, "fetch-incidents", params)
        for incident in demisto.recorded_incidents[0]:
            mapped = apply_mapper(INCOMING, json.loads(incident["rawJSON"]))
            has_content = any(k.startswith("dorasocradarcontent") for k in mapped)
            assert has_content is include and ("dorasocradarentities" in mapped) is include
            assert (mapped.get("dorasocradarcompanyid") == str(server.company_id)) is (not include)


# -- what XSOAR hands update-remote-system, at its worst ---------------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
DELTA_KEYS = ["alarm_risk_level", "alarm_assignees", "alarm_status_reason", "closeReason", "closeNotes", "x"]


@pytest.fixture(scope="module")
def one_mirrored_alarm():
    with SocRadarServer(api_key=API_KEY) as srv:
        srv.generate(1, seed=44, start=srv.now - timedelta(hours=1))
        params = mirror_params(srv)
        run_command(integration.main, "fetch-incidents", params)
        yield srv, params, demisto.getIntegrationContext(), demisto.recorded_incidents[0][0]["dbotMirrorId"]


@settings(max_examples=40)
@given(
    delta=st.one_of(junk, st.dictionaries(st.sampled_from(DELTA_KEYS), junk, max_size=4)),
    status=junk,
    changed=junk,
    entries=st.one_of(
        junk,
        st.lists(
            st.one_of(
                junk,
                st.fixed_dictionaries(
                    {"id": junk, "contents": junk, "user": junk, "tags": st.just(["comment-to-socradar"])}
                ),
            ),
            max_size=2,
        ),
    ),
)
def test_update_remote_system_refuses_junk_by_name(one_mirrored_alarm, delta, status, changed, entries):
    _srv, params, context, remote_id = one_mirrored_alarm
    args = {
        "remoteId": remote_id,
        "delta": delta,
        "status": status,
        "incidentChanged": changed,
        "entries": entries,
    }
    seen: list[BaseException] = []
    original = integration.return_error

    def recording(message, error="", outputs=None):
        if isinstance(error, BaseException):
            seen.append(error)
        original(message, error=error, outputs=outputs)

    integration.return_error = recording
    try:
        entries_out = run_command(
            integration.main, "update-remote-system", params, args, integration_context=context
        )
    finally:
        integration.return_error = original
    assert entries_out, "an answer, always"
    for e in seen:
        assert isinstance(e, (DoraBridgeError, DemistoException)) and not isinstance(e, InternalError), repr(
            e
        )
    if not seen:
        assert entries_out == [remote_id]
