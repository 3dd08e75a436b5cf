"""The local SOCRadar server's action endpoints over real HTTP, as the connector uses them: status
changes, comments, assignees, tags, questions to an analyst and severity changes, and the bodies
they refuse without changing anything."""

from __future__ import annotations

import json

import pytest

from tests.socradar_server_http import five as five  # a fixture: pytest finds it here by name
from tests.socradar_server_http import post, search
from tests.socradar_server_http import srv as srv  # the fixture five starts from

# -- action endpoints ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (2, "CLOSED", "RESOLVED"),
        (9, "CLOSED", "FALSE_POSITIVE"),
        (5, "ON_HOLD", "LEGAL_REVIEW"),
        (1, "OPEN", "INVESTIGATING"),
        (13, "CLOSED", "NOT_APPLICABLE"),
    ],
)
def test_status_change(five, code, status, reason):
    reply = post(five, "/alarms/status/change", {"alarm_ids": ["2", "4"], "status": code, "comments": "done"})
    assert reply.status == 200 and reply.json["is_success"] is True
    for alarm_id in (2, 4):
        stored = five.get_alarm(alarm_id)
        assert (stored["status"], stored["alarm_status_reason"]) == (status, reason)
        assert "done" in stored["history"][-1]["details"]
    assert five.get_alarm(3)["status"] == "OPEN"
    assert search(five, ("status", status)).ids() == ([5, 4, 3, 2, 1] if status == "OPEN" else [4, 2])


def test_status_change_with_related_findings_needs_email(five):
    body = {"alarm_ids": ["1"], "status": 2, "comments": "", "update_related_finding_status": True}
    assert post(five, "/alarms/status/change", body).status == 400
    reply = post(five, "/alarms/status/change", {**body, "email": "soc@example-bank.com"})
    assert reply.status == 200 and five.get_alarm(1)["history"][-1]["user"] == "soc@example-bank.com"


def test_status_change_unknown_alarm_is_404_and_changes_nothing(five):
    reply = post(five, "/alarms/status/change", {"alarm_ids": ["1", "999"], "status": 2})
    assert reply.status == 404 and "999" in reply.json["message"]
    assert five.get_alarm(1)["status"] == "OPEN"


def test_comment_assignee_tag_analyst_and_severity_change_state(five):
    comment = post(
        five, "/alarm/add/comment/v2", {"alarm_id": 3, "user_email": "a@b.example", "comment": "hi"}
    )
    assert comment.status == 200
    assert [(n["user_email"], n["comment"]) for n in five.get_alarm(3)["notes"]] == [("a@b.example", "hi")]

    assert post(five, "/alarm/3/assignee", {"user_emails": ["x@b.example", "y@b.example"]}).status == 200
    assert five.get_alarm(3)["alarm_assignees"] == ["x@b.example", "y@b.example"]

    added = post(five, "/alarm/tag", {"alarm_id": 3, "tag": "dora"})
    assert added.data["action"] == "added" and five.get_alarm(3)["tags"] == ["dora"]
    removed = post(five, "/alarm/tag", {"alarm_id": 3, "tag": "dora"})
    assert (removed.data["tag"], removed.data["action"]) == ("dora", "removed") and five.get_alarm(3)[
        "tags"
    ] == []

    assert post(five, "/incidents/ask/analyst/v2", {"alarm_id": 3, "comment": "is it real?"}).status == 200
    assert five.get_alarm(3)["history"][-1]["action"] == "ASK_ANALYST"
    assert five.get_alarm(3)["history"][-1]["details"] == "is it real?"

    assert post(five, "/alarm/severity", {"alarm_id": 3, "severity": "CRITICAL"}).status == 200
    assert five.get_alarm(3)["alarm_risk_level"] == "CRITICAL"
    assert search(five, ("severities", "CRITICAL")).ids() == [3]


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/alarms/status/change", {"alarm_ids": [1], "status": 2}, "alarm_ids"),
        ("/alarms/status/change", {"alarm_ids": [], "status": 2}, "alarm_ids"),
        ("/alarms/status/change", {"alarm_ids": ["1"], "status": 3}, "status"),
        ("/alarms/status/change", {"alarm_ids": ["1"], "status": True}, "status"),
        (
            "/alarms/status/change",
            {"alarm_ids": ["1"], "status": 2, "update_related_finding_status": "yes"},
            "update_related_finding_status",
        ),
        ("/alarm/add/comment/v2", {"alarm_id": "3", "user_email": "a@b.example", "comment": "c"}, "alarm_id"),
        ("/alarm/add/comment/v2", {"alarm_id": 3, "user_email": "nobody", "comment": "c"}, "user_email"),
        ("/alarm/add/comment/v2", {"alarm_id": 3, "user_email": "a@b.example", "comment": " "}, "comment"),
        ("/alarm/3/assignee", {"user_emails": "a@b.example"}, "user_emails"),
        ("/alarm/3/assignee", {"user_emails": []}, "user_emails"),
        ("/alarm/tag", {"alarm_id": 3}, "tag"),
        ("/incidents/ask/analyst/v2", {"alarm_id": 3}, "comment"),
        ("/alarm/severity", {"alarm_id": 3, "severity": "INFO"}, "severity"),
        ("/alarm/severity", {"alarm_id": 3, "severity": "high"}, "severity"),
        ("/alarm/severity", ["not", "an", "object"], "JSON object"),
    ],
)
def test_action_bad_body_is_400_and_changes_nothing(five, path, body, fragment):
    before = json.dumps(five.get_alarm(3), sort_keys=True)
    reply = post(five, path, body)
    assert reply.status == 400 and reply.json["is_success"] is False
    assert fragment in reply.json["message"]
    assert json.dumps(five.get_alarm(3), sort_keys=True) == before


def test_action_invalid_json_and_unknown_alarm(five):
    assert post(five, "/alarm/tag", raw=b"{not json").json["message"] == "Request body must be valid JSON."
    assert post(five, "/alarm/severity", {"alarm_id": 404, "severity": "LOW"}).status == 404
    assert post(five, "/alarm/404/assignee", {"user_emails": ["a@b.example"]}).status == 404
