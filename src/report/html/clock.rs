//! The deadline clock: one ring gauge per report of RTS 2025/301 Art. 5(1), showing the share
//! of its reporting window elapsed, with the due times, relief and the rule behind them.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::{
    instant, newest, when, EventKind, HtmlView, TimelineEvent, AWARE, CLASSIFIED, DETECTED, REPORTS,
};
use crate::context::{self, DeadlinesRecord, ReportDueRecord};
use crate::timeutil;

/// Colour and wording of a `DeadlineStatus` (kebab-case, as `dora::clock` serialises it).
fn status_style(status: &str) -> (&'static str, Option<&'static str>) {
    match status {
        "on-time" => ("#2e7d32", Some("On time")),
        "due-soon" => ("#e69500", Some("Due soon")),
        "overdue" => ("#c62828", Some("Overdue")),
        "submitted" => ("#1565c0", Some("Submitted")),
        "submitted-late" => ("#607d8b", Some("Submitted late")),
        "pending" => ("#b0bec5", Some("Pending")),
        "not-required" => ("#cfd8dc", Some("Not required")),
        _ => ("#9e9e9e", None),
    }
}

fn css_class(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// When the reporting window of a deadline opened: classification (or awareness) for the
/// initial notification, its submission for the intermediate report, the latest intermediate
/// report for the final one.
fn window_start(
    key: &str,
    view: &HtmlView<'_>,
    due: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let events = |pred: &dyn Fn(&TimelineEvent) -> bool| {
        view.timeline
            .iter()
            .filter(|e| pred(e))
            .filter_map(|e| instant(&e.at))
            .collect::<Vec<_>>()
    };
    let from_deadlines = |report: &str| {
        view.deadlines
            .map(newest)
            .and_then(|d| d.get(report))
            .and_then(|r| context::view::<ReportDueRecord>(r).submitted_at)
            .and_then(|s| instant(&s))
    };
    match key {
        "InitialNotification" => [CLASSIFIED, AWARE, DETECTED]
            .iter()
            .filter_map(|label| {
                events(&|e| e.kind == EventKind::Incident && e.label == *label)
                    .into_iter()
                    .min()
            })
            .find(|t| due.is_none_or(|d| *t < d)),
        "IntermediateReport" => events(&|e| {
            e.kind == EventKind::Submission && e.label.starts_with("Initial notification")
        })
        .into_iter()
        .min()
        .or_else(|| from_deadlines("InitialNotification")),
        _ => events(&|e| {
            e.kind == EventKind::Submission && e.label.starts_with("Intermediate report")
        })
        .into_iter()
        .max()
        .or_else(|| from_deadlines("IntermediateReport")),
    }
}

/// A ring gauge: the share of the window elapsed, drawn clockwise from the top.
fn gauge_svg(
    fraction: Option<f64>,
    colour: &str,
    status: &str,
    centre: &str,
    below: &str,
    aria: &str,
) -> Markup {
    let (c, r) = (60.0_f64, 46.0_f64);
    let track = if fraction.is_none() {
        colour
    } else {
        "#eceff1"
    };
    let class = format!("arc arc-{}", css_class(status));
    html! {
        svg class="gauge" viewBox="0 0 120 120" width="120" height="120" role="img" aria-label=(aria) {
            circle class="track" cx="60" cy="60" r=(r) fill="none" stroke=(track) stroke-width="12" {}
            @match fraction {
                Some(f) if f >= 0.9995 => {
                    circle class=(class) stroke=(colour) cx="60" cy="60" r=(r) fill="none" stroke-width="12" {}
                }
                Some(f) if f > 0.0005 => {
                    @let a = f * std::f64::consts::TAU;
                    @let (x, y) = (c + r * a.sin(), c - r * a.cos());
                    @let large = u8::from(f > 0.5);
                    path class=(class) stroke=(colour)
                        d=(format!("M 60 {:.2} A {r} {r} 0 {large} 1 {x:.2} {y:.2}", c - r))
                        fill="none" stroke-width="12" stroke-linecap="butt" {}
                }
                _ => {}
            }
            text x="60" y="60" text-anchor="middle" class="g-main" { (centre) }
            text x="60" y="78" text-anchor="middle" class="g-sub" { (below) }
        }
    }
}

fn clock_card(key: &str, name: &str, view: &HtmlView<'_>, d: &ReportDueRecord) -> Markup {
    let status = d.status.as_deref().unwrap_or("unknown");
    let (colour, label) = status_style(status);
    let label = label
        .map(str::to_string)
        .unwrap_or_else(|| status.to_string());
    let due = d.due.as_deref().and_then(instant);
    let submitted = d.submitted_at.as_deref().and_then(instant);
    let point = match status {
        "submitted" | "submitted-late" => submitted,
        "on-time" | "due-soon" | "overdue" => Some(view.now),
        _ => None,
    };
    let start = window_start(key, view, due);
    let fraction = match (start, due, point) {
        (_, Some(d), Some(p)) if p >= d => Some(1.0),
        (Some(s), Some(d), Some(p)) if d > s => {
            Some(((p - s).num_seconds() as f64 / (d - s).num_seconds() as f64).clamp(0.0, 1.0))
        }
        _ => None,
    };
    let time_left = d.time_left.as_deref();
    let centre = match status {
        "on-time" | "due-soon" | "overdue" => time_left.unwrap_or("—").to_string(),
        "submitted" | "submitted-late" => "Sent".into(),
        _ => "—".into(),
    };
    let below = match fraction {
        Some(f) if point.is_some() => format!("{:.0}% elapsed", f * 100.0),
        _ if point.is_some() => "window unknown".into(),
        _ => label.to_lowercase(),
    };
    let aria = format!(
        "{name}: {label}{}",
        fraction
            .map(|f| format!(", {:.0}% of the reporting window elapsed", f * 100.0))
            .unwrap_or_default()
    );
    let row = |term: &str, value: Markup| html! { dt { (term) } dd { (value) } "\n" };
    let notes = &d.notes;
    html! {
        div class={ "card status-" (css_class(status)) } {
            "\n" h3 { (name) } "\n"
            (gauge_svg(fraction, colour, status, &centre, &below, &aria))
            "\n" p.badge style={ "background:" (colour) } { (label) } "\n"
            dl {
                "\n"
                @match d.due.as_deref() {
                    Some(due) => {
                        (row("Due (UTC)", when(due)))
                        @if let Some(local) = d.due_local.as_deref() {
                            (row("Due (local)", when(local)))
                        }
                    }
                    None => (row("Due", html! { "not yet running" })),
                }
                @if let Some(t) = time_left {
                    (row("Time left", html! { b { (t) } }))
                }
                @if let Some(s) = d.submitted_at.as_deref() {
                    (row("Submitted", when(s)))
                }
                @if let Some(s) = start.filter(|_| fraction.is_some()) {
                    (row("Window from", when(&timeutil::to_rfc3339(s))))
                }
                @if d.relief_applied == Some(true) {
                    (row("Relief", html! {
                        b { "weekend/holiday relief applied" }
                        @if let Some(b) = d.base_due.as_deref() {
                            " (time limit without relief " (when(b)) ")"
                        }
                    }))
                }
                @if let Some(i) = d.inform_authority_by.as_deref() {
                    (row("Inform authority", html! { "before " (when(i)) ", if the deadline cannot be met" }))
                }
            }
            "\n"
            @if let Some(rule) = d.rule.as_deref() {
                p.rule { (rule) } "\n"
            }
            @if !notes.is_empty() {
                ul.notes { @for n in notes { li { (n) } } } "\n"
            }
        }
        "\n"
    }
}

pub(super) fn clock_section(view: &HtmlView<'_>) -> Markup {
    let Some(d) = view.deadlines.map(newest).filter(|d| d.is_object()) else {
        return html! {
            section.keep {
                "\n" h2 { "Deadline clock" } "\n"
                p.muted { "The regulatory clock has not run for this incident: no DORA.Deadlines in its context." } "\n"
            }
            "\n"
        };
    };
    let record: DeadlinesRecord = context::view(d);
    let mut about = vec![format!("as of {}", timeutil::to_rfc3339(view.now))];
    if let Some(c) = &record.computed_at {
        about.push(format!("computed {c}"));
    }
    if let Some(z) = &record.time_zone {
        let state = (record.member_state.as_ref())
            .map(|s| format!(", {s}"))
            .unwrap_or_default();
        about.push(format!("local time {z}{state}"));
    }
    html! {
        section.keep {
            "\n" h2 { "Deadline clock" } "\n"
            p.muted { "Share of each reporting window elapsed, " (about.join(" · ")) "." } "\n"
            div.clock {
                "\n"
                @for (key, name) in REPORTS {
                    @match d.get(key).filter(|r| r.is_object()) {
                        Some(r) => (clock_card(key, name, view, &context::view(r))),
                        None => {
                            div.card {
                                "\n" h3 { (name) } "\n"
                                (gauge_svg(None, "#cfd8dc", "unknown", "—", "not computed", &format!("{name}: not computed")))
                                "\n" p.muted { "Not in DORA.Deadlines." } "\n"
                            }
                            "\n"
                        }
                    }
                }
            }
            "\n"
        }
        "\n"
    }
}
