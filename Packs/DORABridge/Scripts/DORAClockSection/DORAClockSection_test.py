"""DORAClockSection on deadlines the core computed: the time left is counted when it is displayed."""

from __future__ import annotations

from datetime import datetime, timezone

import demistomock as demisto
import DORAClockSection as section  # noqa: N813

from dora_bridge import EntityProfile
from dora_bridge.xsoar import context as xsoar_context
from tests.fixtures import dora_params

MAJOR = {"is_major": "true", "detected_at": "2099-01-05T08:00:00Z", "classified_at": "2099-01-05T09:00:00Z"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def deadlines(args: dict, now: str) -> dict:
    """DORA.Deadlines as !dora-deadlines writes it."""
    return xsoar_context(EntityProfile.from_params(dora_params()).deadlines(args, now=now))


def lines(markdown: str) -> dict[str, str]:
    """The line of each report, by its label."""
    out = {}
    for line in markdown.splitlines():
        if line.startswith("- **"):
            label = line[4:].split(":", 1)[0]
            out[label] = line
    return out


def test_on_time_with_time_left_and_progress():
    d = deadlines(MAJOR, now="2099-01-05T09:00:00Z")
    md = section.render({"DORA": {"Deadlines": d}}, at("2099-01-05T10:00:00Z"))
    assert md.startswith("**DORA reporting clock at 2099-01-05 10:00 UTC, DE (Europe/Berlin)**")
    assert lines(md)["Initial notification"] == (
        "- **Initial notification: ON TIME**, due 2099-01-05 13:00 UTC (2099-01-05 14:00 Europe/Berlin); "
        "3h 0m left `[#####...............]` 25% of the time used"
    )


def test_a_deadline_computed_on_time_is_due_soon_when_displayed_later():
    d = deadlines(MAJOR, now="2099-01-05T10:00:00Z")
    assert d["InitialNotification"]["Status"] == "on-time"
    md = section.render({"DORA": {"Deadlines": d}}, at("2099-01-05T12:28:30Z"))
    line = lines(md)["Initial notification"]
    assert line.startswith("- **Initial notification: DUE SOON**, due 2099-01-05 13:00 UTC")
    # 3h 28m of the 4 hours from classification used.
    assert line.endswith(
        "; 31m left `[#################...]` 87% of the time used"
        "; if it cannot be met, inform the authority before the due time"
    )


def test_overdue_by():
    d = deadlines(MAJOR, now="2099-01-05T12:30:00Z")
    md = section.render({"DORA": {"Deadlines": d}}, at("2099-01-05T13:20:00Z"))
    assert lines(md)["Initial notification"] == (
        "- **Initial notification: OVERDUE**, due 2099-01-05 13:00 UTC (2099-01-05 14:00 Europe/Berlin); "
        "overdue by 20m `[####################]` 100% of the time used"
    )


def test_pending_reports_say_what_they_wait_for():
    d = deadlines(MAJOR, now="2099-01-05T10:00:00Z")
    md = lines(section.render({"DORA": {"Deadlines": d}}, at("2099-01-05T10:00:00Z")))
    assert md["Intermediate report"] == (
        "- **Intermediate report: PENDING**: Due 72 hours after the initial notification is submitted."
    )
    assert md["Final report"] == (
        "- **Final report: PENDING**: Due one calendar month after the latest intermediate report."
    )


def test_submitted_then_the_next_clock_runs():
    d = deadlines({**MAJOR, "initial_submitted_at": "2099-01-05T12:00:00Z"}, now="2099-01-05T14:30:00Z")
    md = lines(section.render({"DORA": {"Deadlines": d}}, at("2099-01-06T00:00:00Z")))
    assert md["Initial notification"] == (
        "- **Initial notification: SUBMITTED** at 2099-01-05 12:00 UTC; "
        "was due 2099-01-05 13:00 UTC (2099-01-05 14:00 Europe/Berlin)"
    )
    # 72 hours from the submission; 12 of them used.
    assert md["Intermediate report"] == (
        "- **Intermediate report: ON TIME**, due 2099-01-08 12:00 UTC (2099-01-08 13:00 Europe/Berlin); "
        "2d 12h 0m left `[###.................]` 17% of the time used"
    )


def test_submitted_late():
    d = deadlines({**MAJOR, "initial_submitted_at": "2099-01-05T13:05:00Z"}, now="2099-01-05T14:00:00Z")
    md = lines(section.render({"DORA": {"Deadlines": d}}, at("2099-01-05T14:00:00Z")))
    assert md["Initial notification"].startswith(
        "- **Initial notification: SUBMITTED LATE** at 2099-01-05 13:05 UTC"
    )


def test_final_report_runs_one_month_from_the_intermediate_report():
    d = deadlines(
        {
            **MAJOR,
            "initial_submitted_at": "2099-01-05T12:00:00Z",
            "intermediate_submitted_at": "2099-01-07T10:00:00Z",
        },
        now="2099-01-07T10:00:00Z",
    )
    md = lines(section.render({"DORA": {"Deadlines": d}}, at("2099-01-22T10:00:00Z")))
    assert md["Intermediate report"].startswith(
        "- **Intermediate report: SUBMITTED** at 2099-01-07 10:00 UTC"
    )
    # One month after the intermediate report is Saturday 7 February 2099: the weekend relief
    # (RTS 2025/301 Art. 5(4)) moves it to Monday noon; 15 of its 33 days used.
    assert d["FinalReport"]["BaseDue"] == "2099-02-07T10:00:00Z" and d["FinalReport"]["ReliefApplied"]
    assert md["Final report"] == (
        "- **Final report: ON TIME**, due 2099-02-09 11:00 UTC (2099-02-09 12:00 Europe/Berlin); "
        "18d 1h 0m left `[#########...........]` 45% of the time used"
    )


def test_not_major_needs_no_report():
    d = deadlines({"is_major": "false", "detected_at": "2099-01-05T08:00:00Z"}, now="2099-01-05T10:00:00Z")
    md = lines(section.render({"DORA": {"Deadlines": d}}, at("2099-01-05T10:00:00Z")))
    assert set(md.values()) == {
        "- **Initial notification: NOT REQUIRED** (not a major incident)",
        "- **Intermediate report: NOT REQUIRED** (not a major incident)",
        "- **Final report: NOT REQUIRED** (not a major incident)",
    }


def test_the_newest_of_repeated_outputs_is_shown():
    old = deadlines({"is_major": "false", "detected_at": "2099-01-05T08:00:00Z"}, now="2099-01-05T09:00:00Z")
    new = deadlines(MAJOR, now="2099-01-05T10:00:00Z")
    md = section.render({"DORA": {"Deadlines": [old, new]}}, at("2099-01-05T10:00:00Z"))
    assert "Initial notification: ON TIME" in md and "NOT REQUIRED" not in md


def test_without_deadlines_a_hint():
    for context in (
        {},
        {"DORA": {}},
        {"DORA": {"Classification": {"IsMajor": True}}},
        {"DORA": {"Deadlines": []}},
    ):
        assert section.render(context, at("2099-01-05T10:00:00Z")) == (
            "No DORA deadlines for this incident yet: run !dora-classify, then !dora-deadlines."
        )


def test_main_renders_markdown_from_the_incident_context_at_the_current_time():
    # Computed on time in 2020: displayed now, years later, the notification is overdue.
    past = deadlines(
        {"is_major": "true", "detected_at": "2020-01-06T08:00:00Z", "classified_at": "2020-01-06T09:00:00Z"},
        now="2020-01-06T09:30:00Z",
    )
    assert past["InitialNotification"]["Status"] == "on-time"
    demisto.setup(context={"DORA": {"Deadlines": [past]}}, incident={"id": "7", "CustomFields": {}})
    section.main()
    (entry,) = demisto.recorded_results
    assert entry["Type"] == 1 and entry["ContentsFormat"] == "markdown"
    line = lines(entry["Contents"])["Initial notification"]
    assert line.startswith(
        "- **Initial notification: OVERDUE**, due 2020-01-06 13:00 UTC (2020-01-06 14:00 Europe/Berlin); overdue by "
    )
    assert line.endswith("`[####################]` 100% of the time used")


def test_main_with_an_empty_context_gives_the_hint():
    demisto.setup(context={}, incident={"id": "7"})
    section.main()
    assert demisto.recorded_results[0]["Contents"].startswith("No DORA deadlines for this incident yet")


def test_the_due_soon_margin_is_the_instances():
    wide = EntityProfile.from_params({**dora_params(), "due_soon_initial_minutes": "120"})
    d = xsoar_context(wide.deadlines(MAJOR, now="2099-01-05T09:00:00Z"))
    assert d["InitialNotification"]["DueSoonSeconds"] == 7200
    # 90 minutes before the due time: due soon with the instance's 2 hours, on time with the default 1 hour.
    shown = at("2099-01-05T11:30:00Z")
    assert "DUE SOON" in lines(section.render({"DORA": {"Deadlines": d}}, shown))["Initial notification"]
    del d["InitialNotification"]["DueSoonSeconds"]
    assert "ON TIME" in lines(section.render({"DORA": {"Deadlines": d}}, shown))["Initial notification"]
