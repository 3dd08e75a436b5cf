"""The local SOCRadar server's side of mirroring over real HTTP: one alarm by notification id,
the tag and severity filters in both spellings, explicit tag add and remove, and edits made by
SOCRadar users."""

from __future__ import annotations

import pytest

from tests.socradar_server_http import CID, call, post, search
from tests.socradar_server_http import five as five  # a fixture: pytest finds it here by name
from tests.socradar_server_http import srv as srv  # the fixture five starts from


def tag(srv, method, alarm_id, name):
    return call(srv, method, f"/company/{CID}/alarm/tag", body={"alarm_id": alarm_id, "tag": name})


def test_one_alarm_by_notification_id(five):
    five.get_alarm(3)["notification_id"] = 4_000_003
    five.get_alarm(4)["notification_id"] = 4_000_004
    assert search(five, ("notification_ids", "4000003")).ids() == [3]
    assert search(five, ("notification_ids", "4000003"), ("notification_ids", "4000004")).ids() == [4, 3]
    assert search(five, ("notification_ids", "1")).ids() == []
    assert search(five, ("notification_ids", "x")).status == 400


def test_tags_filter(five):
    five.get_alarm(2)["tags"] = ["dora", "vip"]
    five.get_alarm(4)["tags"] = ["vip"]
    five.get_alarm(5)["tags"] = "not-a-list"
    assert search(five, ("tags", "vip")).ids() == [4, 2]
    assert search(five, ("tags", "dora"), ("tags", "nope")).ids() == [2]


@pytest.mark.parametrize("honoured", ["severities", "severity"])
def test_the_server_honours_one_severity_spelling_and_ignores_the_other(five, honoured):
    five.severity_parameter = honoured
    five.get_alarm(1)["alarm_risk_level"] = "LOW"
    other = "severity" if honoured == "severities" else "severities"
    assert search(five, (honoured, "LOW")).ids() == [1]
    assert search(five, (other, "LOW")).ids() == [5, 4, 3, 2, 1]
    assert search(five, (honoured, "LOW"), (other, "LOW")).ids() == [1]


def test_post_toggles_by_default_and_delete_removes_idempotently(five):
    assert tag(five, "POST", 1, "x").data["action"] == "added"
    assert tag(five, "POST", 1, "x").data["action"] == "removed"
    assert five.get_alarm(1)["tags"] == []
    tag(five, "POST", 1, "x")
    assert tag(five, "DELETE", 1, "x").data["action"] == "removed"
    reply = tag(five, "DELETE", 1, "x")
    assert reply.status == 200 and reply.data["action"] == "absent"
    assert five.get_alarm(1)["tags"] == []
    assert tag(five, "DELETE", 99, "x").status == 404
    assert call(five, "DELETE", f"/company/{CID}/alarm/tag", body={"alarm_id": 1}).status == 400


def test_a_server_whose_post_only_adds(five):
    five.tag_post_toggles = False
    assert tag(five, "POST", 1, "x").data["action"] == "added"
    assert tag(five, "POST", 1, "x").data["action"] == "unchanged"
    assert five.get_alarm(1)["tags"] == ["x"]


def test_edits_by_socradar_users_are_in_the_history(five):
    alarm = five.edit_alarm(
        2, by="analyst@socradar.io", status_reason="FALSE_POSITIVE", severity="LOW",
        assignees=["soc@bank.example"], comment="not ours",
    )  # fmt: skip
    assert (alarm["status"], alarm["alarm_status_reason"], alarm["alarm_risk_level"]) == (
        "CLOSED",
        "FALSE_POSITIVE",
        "LOW",
    )
    actions = [(h["action"], h["user"]) for h in alarm["history"]]
    assert actions == [
        ("STATUS_CHANGE", "analyst@socradar.io"),
        ("SEVERITY_CHANGE", "analyst@socradar.io"),
        ("ASSIGNEE_CHANGE", "analyst@socradar.io"),
    ]
    assert alarm["notes"][-1]["comment"] == "not ours"
    assert search(five, ("status", "CLOSED")).ids() == [2]
    with pytest.raises(ValueError, match="unknown status reason"):
        five.edit_alarm(2, by="x", status_reason="DONE")
    with pytest.raises(KeyError):
        five.edit_alarm(99, by="x", severity="LOW")


def test_post_tag_still_refuses_bad_bodies(five):
    assert post(five, "/alarm/tag", {"alarm_id": "1", "tag": "x"}).status == 400
