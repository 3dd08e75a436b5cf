//! The incident's timeline: the usual events read from the classification and the deadlines,
//! and their drawing as one SVG (labels in lanes above and below the axis, a now line, UTC
//! ticks) with a legend and a table of the events.

use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup};
use serde_json::Value;

use super::{
    instant, EventKind, HtmlView, TimelineEvent, AWARE, CLASSIFIED, DETECTED, OCCURRED, RECOVERED,
    REPORTS, RESOLVED,
};
use crate::report::draft::lookup;
use crate::timeutil;

/// The usual timeline from a `DORA.Classification` object (occurrence, detection, awareness,
/// classification, recovery and resolution) and a `DORA.Deadlines` object (each report's due
/// time and submission). Missing values are skipped; the events come in time order.
pub fn timeline_from(
    classification: Option<&Value>,
    deadlines: Option<&Value>,
) -> Vec<TimelineEvent> {
    let text = |root: &Value, path: &str| {
        lookup(root, path).and_then(|v| {
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
    };
    let mut out = Vec::new();
    if let Some(c) = classification {
        let not_major = lookup(c, "IsMajor").and_then(|v| v.as_bool()) == Some(false);
        let classified = if not_major {
            "Classified as not major"
        } else {
            CLASSIFIED
        };
        for (path, label) in [
            ("OccurredAt", OCCURRED),
            ("DetectedAt", DETECTED),
            ("AwareAt", AWARE),
            ("ClassifiedAt", classified),
            ("Facts.downtime_end.Value", RECOVERED),
            ("Facts.resolved_at.Value", RESOLVED),
        ] {
            if let Some(at) = text(c, path) {
                out.push(TimelineEvent {
                    at,
                    label: label.into(),
                    kind: EventKind::Incident,
                });
            }
        }
    }
    if let Some(d) = deadlines {
        for (key, name) in REPORTS {
            if let Some(at) = text(d, &format!("{key}.Due")) {
                out.push(TimelineEvent {
                    at,
                    label: format!("{name} due"),
                    kind: EventKind::Deadline,
                });
            }
            if let Some(at) = text(d, &format!("{key}.SubmittedAt")) {
                out.push(TimelineEvent {
                    at,
                    label: format!("{name} submitted"),
                    kind: EventKind::Submission,
                });
            }
        }
    }
    out.sort_by_key(|e| {
        let t = instant(&e.at);
        (t.is_none(), t)
    });
    out
}

const W: f64 = 1000.0;
const MARGIN: f64 = 48.0;
const LANE: f64 = 30.0;
pub(super) const LABEL_GAP: f64 = 8.0;
const CHAR_W: f64 = 6.3;
const MAX_LABEL: usize = 44;

/// Puts each label (its horizontal extent, in time order) in the first lane it clears; lanes
/// alternate above and below the axis (0 above, 1 below, 2 above, ...). Every label in a lane
/// ends before the lane's last end, so labels in one lane never overlap.
pub(super) fn assign_lanes(extents: &[(f64, f64)]) -> Vec<usize> {
    let mut ends: Vec<f64> = Vec::new();
    extents
        .iter()
        .map(|&(x0, x1)| {
            let k = ends
                .iter()
                .position(|&e| e + LABEL_GAP <= x0)
                .unwrap_or(ends.len());
            if k == ends.len() {
                ends.push(x1);
            } else {
                ends[k] = x1;
            }
            k
        })
        .collect()
}

/// A tick step that gives at most eight ticks over `span`.
fn tick_step(span: Duration) -> i64 {
    const STEPS: [i64; 20] = [
        60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 345_600,
        604_800, 1_209_600, 2_592_000, 7_776_000, 15_552_000, 31_536_000,
    ];
    let secs = span.num_seconds().max(1);
    STEPS
        .iter()
        .copied()
        .find(|s| secs / s <= 8)
        .unwrap_or(31_536_000 * (secs / 31_536_000 / 8 + 1))
}

fn marker(kind: EventKind, x: f64, y: f64) -> Markup {
    let c = kind.colour();
    let points = |p: &[(f64, f64)]| {
        p.iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match kind {
        EventKind::Incident => html! {
            circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="6" fill=(c) stroke="#fff" stroke-width="1.5" {}
        },
        EventKind::Deadline => html! {
            polygon points=(points(&[(x, y - 7.5), (x + 7.5, y), (x, y + 7.5), (x - 7.5, y)]))
                fill=(c) stroke="#fff" stroke-width="1.5" {}
        },
        EventKind::Submission => html! {
            rect x=(format!("{:.1}", x - 5.5)) y=(format!("{:.1}", y - 5.5)) width="11" height="11"
                fill=(c) stroke="#fff" stroke-width="1.5" {}
        },
        EventKind::Approval => html! {
            polygon points=(points(&[(x, y - 7.0), (x + 7.0, y + 6.0), (x - 7.0, y + 6.0)]))
                fill=(c) stroke="#fff" stroke-width="1.5" {}
        },
    }
}

fn short(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(MAX_LABEL - 1).collect::<String>())
    }
}

struct Placed<'a> {
    t: DateTime<Utc>,
    x: f64,
    event: &'a TimelineEvent,
    label: String,
    when: String,
    anchor_end: bool,
}

fn timeline_svg(events: &[TimelineEvent], now: DateTime<Utc>) -> Markup {
    let mut timed: Vec<(DateTime<Utc>, &TimelineEvent)> = events
        .iter()
        .filter_map(|e| instant(&e.at).map(|t| (t, e)))
        .collect();
    timed.sort_by_key(|(t, _)| *t);
    let lo = timed
        .iter()
        .map(|(t, _)| *t)
        .chain([now])
        .min()
        .unwrap_or(now);
    let hi = timed
        .iter()
        .map(|(t, _)| *t)
        .chain([now])
        .max()
        .unwrap_or(now);
    let pad = if hi - lo < Duration::minutes(1) {
        Duration::minutes(30)
    } else {
        (hi - lo) / 20
    };
    let (t0, t1) = (lo - pad, hi + pad);
    let total = (t1 - t0).num_milliseconds() as f64;
    let x_of =
        |t: DateTime<Utc>| MARGIN + (t - t0).num_milliseconds() as f64 / total * (W - 2.0 * MARGIN);

    let placed: Vec<Placed<'_>> = timed
        .iter()
        .map(|(t, e)| {
            let label = short(&e.label);
            let when = t.format("%d %b %H:%M").to_string();
            let x = x_of(*t);
            let width = label.chars().count().max(when.len()) as f64 * CHAR_W + 4.0;
            Placed {
                t: *t,
                x,
                event: e,
                label,
                when,
                anchor_end: x + width > W - 4.0,
            }
        })
        .collect();
    let extents: Vec<(f64, f64)> = placed
        .iter()
        .map(|p| {
            let width = p.label.chars().count().max(p.when.len()) as f64 * CHAR_W + 4.0;
            if p.anchor_end {
                (p.x - width, p.x)
            } else {
                (p.x, p.x + width)
            }
        })
        .collect();
    let lanes = assign_lanes(&extents);
    let above = lanes
        .iter()
        .filter(|k| *k % 2 == 0)
        .map(|k| k / 2 + 1)
        .max()
        .unwrap_or(0) as f64;
    let below = lanes
        .iter()
        .filter(|k| *k % 2 == 1)
        .map(|k| k / 2 + 1)
        .max()
        .unwrap_or(0) as f64;
    let top = 26.0;
    let axis = top + above * LANE + 14.0;
    let height = axis + 16.0 + below * LANE + 26.0;

    // Ticks and grid, in UTC.
    let step = tick_step(t1 - t0);
    let fmt = if step < 86_400 {
        "%d %b %H:%M"
    } else {
        "%d %b %Y"
    };
    let first = (t0.timestamp().div_euclid(step) + 1) * step;
    let ticks: Vec<(f64, String)> = (0..)
        .map(|k| first + k * step)
        .take_while(|tick| *tick <= t1.timestamp())
        .filter_map(timeutil::from_epoch)
        .map(|t| (x_of(t), t.format(fmt).to_string()))
        .collect();
    // The now line under the labels (they carry a white halo), then leaders, labels, markers.
    let nx = x_of(now);
    let anchor = if nx > W - 120.0 {
        "end"
    } else if nx < 120.0 {
        "start"
    } else {
        "middle"
    };
    let label_y = |k: usize| -> (f64, f64, f64) {
        let level = (k / 2) as f64;
        if k % 2 == 0 {
            let bottom = axis - 12.0 - level * LANE;
            (bottom - 12.0, bottom, bottom + 2.0)
        } else {
            let first = axis + 26.0 + level * LANE;
            (first, first + 12.0, first - 10.0)
        }
    };
    let f1 = |v: f64| format!("{v:.1}");
    html! {
        svg class="timeline" viewBox=(format!("0 0 {W} {height:.0}")) width="100%" role="img"
            aria-label=(format!("Timeline of {} events, times in UTC", placed.len())) {
            "\n"
            @for (x, label) in &ticks {
                line class="grid" x1=(f1(*x)) y1=(f1(top)) x2=(f1(*x)) y2=(f1(height - 20.0)) {}
                text class="tick" x=(f1(*x)) y=(f1(height - 6.0)) text-anchor="middle" { (label) }
                "\n"
            }
            line class="axis" x1=(MARGIN) y1=(f1(axis)) x2=(f1(W - MARGIN)) y2=(f1(axis)) {}
            "\n"
            line class="now-line" x1=(f1(nx)) y1=(f1(top - 8.0)) x2=(f1(nx)) y2=(f1(height - 20.0)) {}
            text class="now" x=(f1(nx)) y="14" text-anchor=(anchor) {
                "now · " (now.format("%d %b %H:%M UTC").to_string())
            }
            "\n"
            // Leaders first, then labels over them with a white halo, then the markers.
            @for (p, &k) in placed.iter().zip(&lanes) {
                line class="leader" x1=(f1(p.x)) y1=(f1(axis)) x2=(f1(p.x)) y2=(f1(label_y(k).2)) {}
                "\n"
            }
            @for (p, &k) in placed.iter().zip(&lanes) {
                @let (y1, y2, _) = label_y(k);
                @let (x, anchor) = if p.anchor_end { (p.x - 3.0, "end") } else { (p.x + 3.0, "start") };
                text class="ev-label" x=(f1(x)) y=(f1(y1)) text-anchor=(anchor) { (p.label) }
                text class="ev-time" x=(f1(x)) y=(f1(y2)) text-anchor=(anchor) { (p.when) }
                "\n"
            }
            @for p in &placed {
                g class={ "marker marker-" (p.event.kind.class()) } {
                    title { (p.event.label) " — " (timeutil::to_rfc3339(p.t)) }
                    (marker(p.event.kind, p.x, axis))
                }
                "\n"
            }
        }
    }
}

pub(super) fn timeline_section(view: &HtmlView<'_>) -> Markup {
    let mut rows: Vec<&TimelineEvent> = view.timeline.iter().collect();
    rows.sort_by_key(|e| {
        let t = instant(&e.at);
        (t.is_none(), t)
    });
    let kinds = [
        EventKind::Incident,
        EventKind::Deadline,
        EventKind::Submission,
        EventKind::Approval,
    ];
    html! {
        section.keep {
            "\n" h2 { "Timeline" } "\n"
            @if view.timeline.is_empty() {
                p.muted { "No events recorded yet." } "\n"
            }
            (timeline_svg(&view.timeline, view.now))
            "\n"
            p.legend {
                @for kind in kinds {
                    span {
                        svg class="key" viewBox="-8 -8 16 16" width="14" height="14" aria-hidden="true" {
                            (marker(kind, 0.0, 0.0))
                        }
                        " " (kind.name())
                    }
                }
                span.now-key { "┊ now" }
                span { "Times in UTC" }
            }
            "\n"
            @if !rows.is_empty() {
                table.events {
                    "\n"
                    thead { tr { th { "Time (UTC)" } th { "Event" } th { "Kind" } } }
                    "\n"
                    tbody {
                        "\n"
                        @for e in rows {
                            tr {
                                td.mono {
                                    (e.at)
                                    @if instant(&e.at).is_none() {
                                        " " span.problem { "(time not understood, not drawn)" }
                                    }
                                }
                                td { (e.label) }
                                td { (e.kind.name()) }
                            }
                            "\n"
                        }
                    }
                }
                "\n"
            }
        }
        "\n"
    }
}
