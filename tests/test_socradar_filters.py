"""The guide's custom filters (tags, assignees, date ranges, severities in either spelling) and
the explicit tag actions of DORABridgeSOCRadar, through its main() on the XSOAR runtime double,
against the local SOCRadar-compatible server over real HTTP."""

from __future__ import annotations

import time
from datetime import timedelta

import demistomock as demisto
import DORABridgeSOCRadar as integration  # noqa: N813
import pytest
from harness import run_command

from devtools.socradar_server import SocRadarServer, format_alarm_date, parse_alarm_date
from tests.fixtures import API_KEY, instance_params


@pytest.fixture
def server():
    with SocRadarServer(api_key=API_KEY) as srv:
        yield srv


def fetched_ids(server, **params) -> set[int]:
    run_command(integration.main, "fetch-incidents", instance_params(server, status=[], **params))
    return {int(i["dbotMirrorId"]) for batch in demisto.recorded_incidents for i in batch}


def searches(server) -> list:
    return [r for r in server.requests if r.method == "GET"]


def test_tags_are_sent_and_honoured(server):
    alarms = server.generate(30, seed=51, start=server.now - timedelta(hours=5))
    for a in alarms[::4]:
        a["tags"] = [*a["tags"], "vip"]
    wanted = {a["alarm_id"] for a in alarms if {"vip", "dora-relevant"} & set(a["tags"])}
    assert wanted and fetched_ids(server, tags="vip, dora-relevant") == wanted
    assert all(r.query["tags"] == ["vip", "dora-relevant"] for r in searches(server))


def test_tags_hold_even_where_the_server_ignores_them(server, monkeypatch):
    alarms = server.generate(12, seed=52, start=server.now - timedelta(hours=5))
    alarms[3]["tags"] = ["vip"]
    from devtools.socradar_server import search as server_search

    real = server_search.parse_search_query

    def ignoring_tags(query, *args):
        return real({k: v for k, v in query.items() if k != "tags"}, *args)

    monkeypatch.setattr("devtools.socradar_server.server.parse_search_query", ignoring_tags)
    assert fetched_ids(server, tags="vip") == {alarms[3]["alarm_id"]}


def test_assignees_are_checked_on_each_alarm(server):
    alarms = server.generate(20, seed=53, start=server.now - timedelta(hours=5))
    alarms[2]["alarm_assignees"] = ["SOC.Lead@Bank.example"]
    alarms[7]["alarm_assignees"] = ["other@bank.example", "soc.lead@bank.example"]
    assert fetched_ids(server, assignees="soc.lead@bank.example") == {
        alarms[2]["alarm_id"],
        alarms[7]["alarm_id"],
    }
    demisto.setup(params=instance_params(server, assignees="nobody"), command="fetch-incidents")
    with pytest.raises(Exception, match="assignees must be an e-mail address"):
        integration.main()


def test_the_date_range_narrows_every_window(server):
    alarms = server.generate(40, seed=54, start=server.now - timedelta(days=2))
    dates = sorted(parse_alarm_date(a["date"]) for a in alarms)
    # Whole seconds, as the range is given.
    start, end = dates[10].replace(microsecond=0), dates[25].replace(microsecond=0)
    expected = {a["alarm_id"] for a in alarms if start <= parse_alarm_date(a["date"]) <= end}
    got = fetched_ids(
        server,
        first_fetch="3 days",
        date_from=format_alarm_date(start, "iso") + "Z",
        date_to=format_alarm_date(end, "iso") + "+00:00",
    )
    assert got == expected and len(got) >= 14
    for r in searches(server):
        assert int(r.query["start_date"][0]) >= int(start.timestamp())
        assert int(r.query["end_date"][0]) <= int(end.timestamp())


def test_a_date_without_offset_is_refused(server):
    demisto.setup(params=instance_params(server, date_from="2026-11-01T00:00:00"), command="fetch-incidents")
    with pytest.raises(Exception, match="date_from must be an RFC 3339 date-time with its offset"):
        integration.main()
    assert server.requests == []


@pytest.mark.parametrize("honoured", ["severities", "severity"])
def test_severities_reach_a_server_honouring_either_spelling(server, honoured):
    server.severity_parameter = honoured
    alarms = server.generate(30, seed=55, start=server.now - timedelta(hours=5))
    expected = {a["alarm_id"] for a in alarms if a["alarm_risk_level"] == "HIGH"}
    assert expected and fetched_ids(server, severity=["HIGH"]) == expected


# -- tags: explicit, idempotent -------------------------------------------------------------------


def tag(server, command, aid, name, **params) -> dict:
    entries = run_command(
        integration.main,
        command,
        instance_params(server, **params),
        {"alarm_id": str(aid), "tag": name},
        keep_state=True,
    )
    assert len(entries) == 1
    return entries[0]


def tags_of(server, aid) -> list[str]:
    return server.get_alarm(aid)["tags"]


def tag_posts(server, count: int) -> list:
    """The tag requests the server logged, once `count` are there: a late answer is logged
    when it is sent, after the client gave up on it."""
    deadline = time.monotonic() + 5
    while True:
        posts = [r for r in server.requests if r.method == "POST" and r.path.endswith("/alarm/tag")]
        if len(posts) >= count or time.monotonic() > deadline:
            return posts
        time.sleep(0.05)


@pytest.mark.parametrize("toggles", [True, False])
def test_add_twice_leaves_the_tag_and_remove_twice_leaves_none(server, toggles):
    server.tag_post_toggles = toggles
    aid = server.generate(1, seed=56)[0]["alarm_id"]
    demisto.setup()
    first, second = (
        tag(server, "socradar-add-tag", aid, "reviewed"),
        tag(server, "socradar-add-tag", aid, "reviewed"),
    )
    assert tags_of(server, aid).count("reviewed") == 1
    ctx = second["EntryContext"]["SOCRadar.Alarm(val.ID && val.ID == obj.ID)"][0]
    assert first["Type"] == second["Type"] == 1 and ctx["Action"] == "add-tag"
    tag(server, "socradar-remove-tag", aid, "reviewed")
    gone = tag(server, "socradar-remove-tag", aid, "reviewed")
    assert "reviewed" not in tags_of(server, aid)
    assert (
        gone["EntryContext"]["SOCRadar.Alarm(val.ID && val.ID == obj.ID)"][0]["TagAction"] == "already-absent"
    )
    assert [r.method for r in server.requests if r.path.endswith("/alarm/tag")][-2:] == ["DELETE", "DELETE"]


def test_a_mirrored_alarm_is_read_first_and_nothing_is_sent_twice(server):
    server.generate(1, seed=57, start=server.now - timedelta(hours=1))
    params = {"status": [], "mirror_direction": "Incoming", "timeout": "1"}
    run_command(integration.main, "fetch-incidents", instance_params(server, **params))
    aid = int(demisto.recorded_incidents[0][0]["dbotMirrorId"])
    tag(server, "socradar-add-tag", aid, "vip", **params)
    posts = len([r for r in server.requests if r.method == "POST"])
    again = tag(server, "socradar-add-tag", aid, "vip", **params)
    assert (
        again["EntryContext"]["SOCRadar.Alarm(val.ID && val.ID == obj.ID)"][0]["TagAction"]
        == "already-present"
    )
    assert len([r for r in server.requests if r.method == "POST"]) == posts
    # A timeout after the server added the tag: the alarm is read, the tag found, nothing repeated.
    server.inject("late_answer", delay=1.5, path_contains="/alarm/tag")
    done = tag(server, "socradar-add-tag", aid, "dora", **params)
    assert done["Type"] == 1
    assert tags_of(server, aid).count("dora") == 1
    assert len(tag_posts(server, 2)) == 2
    time.sleep(0.2)
    assert len(tag_posts(server, 2)) == 2, "nothing was repeated"


def test_a_timeout_after_send_does_not_toggle_when_the_alarm_cannot_be_read(server):
    aid = server.generate(1, seed=58)[0]["alarm_id"]
    demisto.setup()
    server.inject("late_answer", delay=1.5, path_contains="/alarm/tag")
    entry = tag(server, "socradar-add-tag", aid, "dora", timeout="1")
    assert entry["Type"] == 4 and "no answer within 1 s" in entry["Contents"]
    assert tags_of(server, aid).count("dora") == 1, "the request acted once and was not repeated"
    assert len(tag_posts(server, 1)) == 1
    time.sleep(0.2)
    assert len(tag_posts(server, 1)) == 1, "nothing was repeated"
