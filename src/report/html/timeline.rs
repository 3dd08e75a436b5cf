//! The incident's timeline: the usual events read from the classification and the deadlines,
//! and their drawing as one SVG (labels in lanes above and below the axis, a now line, UTC
//! ticks) with a legend and a table of the events.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::{
    esc, instant, EventKind, HtmlView, TimelineEvent, AWARE, CLASSIFIED, DETECTED, OCCURRED,
    RECOVERED, REPORTS, RESOLVED,
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

fn marker(kind: EventKind, x: f64, y: f64) -> String {
    let c = kind.colour();
    let edge = "stroke=\"#fff\" stroke-width=\"1.5\"";
    match kind {
        EventKind::Incident => format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\" fill=\"{c}\" {edge}/>"),
        EventKind::Deadline => format!(
            "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{c}\" {edge}/>",
            x,
            y - 7.5,
            x + 7.5,
            y,
            x,
            y + 7.5,
            x - 7.5,
            y
        ),
        EventKind::Submission => format!("<rect x=\"{:.1}\" y=\"{:.1}\" width=\"11\" height=\"11\" fill=\"{c}\" {edge}/>", x - 5.5, y - 5.5),
        EventKind::Approval => format!("<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{c}\" {edge}/>", x, y - 7.0, x + 7.0, y + 6.0, x - 7.0, y + 6.0),
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

fn timeline_svg(events: &[TimelineEvent], now: DateTime<Utc>) -> String {
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

    let mut s = format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"Timeline of {} events, times in UTC\">\n",
        placed.len()
    );
    // Ticks and grid, in UTC.
    let step = tick_step(t1 - t0);
    let fmt = if step < 86_400 {
        "%d %b %H:%M"
    } else {
        "%d %b %Y"
    };
    let mut tick = (t0.timestamp().div_euclid(step) + 1) * step;
    while tick <= t1.timestamp() {
        if let Some(t) = timeutil::from_epoch(tick) {
            let x = x_of(t);
            s.push_str(&format!(
                "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/><text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                height - 20.0,
                height - 6.0,
                t.format(fmt)
            ));
        }
        tick += step;
    }
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{MARGIN}\" y1=\"{axis:.1}\" x2=\"{:.1}\" y2=\"{axis:.1}\"/>\n",
        W - MARGIN
    ));
    // The now line under the labels (they carry a white halo), then leaders, labels, markers.
    let nx = x_of(now);
    let anchor = if nx > W - 120.0 {
        "end"
    } else if nx < 120.0 {
        "start"
    } else {
        "middle"
    };
    s.push_str(&format!(
        "<line class=\"now-line\" x1=\"{nx:.1}\" y1=\"{:.1}\" x2=\"{nx:.1}\" y2=\"{:.1}\"/><text class=\"now\" x=\"{nx:.1}\" y=\"14\" text-anchor=\"{anchor}\">now · {}</text>\n",
        top - 8.0,
        height - 20.0,
        now.format("%d %b %H:%M UTC")
    ));
    // Leaders first, then labels over them with a white halo, then the markers.
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
    for (p, &k) in placed.iter().zip(&lanes) {
        let (_, _, end) = label_y(k);
        s.push_str(&format!(
            "<line class=\"leader\" x1=\"{:.1}\" y1=\"{axis:.1}\" x2=\"{:.1}\" y2=\"{end:.1}\"/>\n",
            p.x, p.x
        ));
    }
    for (p, &k) in placed.iter().zip(&lanes) {
        let (y1, y2, _) = label_y(k);
        let (x, anchor) = if p.anchor_end {
            (p.x - 3.0, "end")
        } else {
            (p.x + 3.0, "start")
        };
        s.push_str(&format!(
            "<text class=\"ev-label\" x=\"{x:.1}\" y=\"{y1:.1}\" text-anchor=\"{anchor}\">{}</text><text class=\"ev-time\" x=\"{x:.1}\" y=\"{y2:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
            esc(&p.label),
            esc(&p.when)
        ));
    }
    for p in &placed {
        s.push_str(&format!(
            "<g class=\"marker marker-{}\"><title>{} — {}</title>{}</g>\n",
            p.event.kind.class(),
            esc(&p.event.label),
            esc(&timeutil::to_rfc3339(p.t)),
            marker(p.event.kind, p.x, axis)
        ));
    }
    s.push_str("</svg>");
    s
}

pub(super) fn timeline_section(view: &HtmlView<'_>) -> String {
    let mut out = String::from("<section class=\"keep\">\n<h2>Timeline</h2>\n");
    if view.timeline.is_empty() {
        out.push_str("<p class=\"muted\">No events recorded yet.</p>\n");
    }
    out.push_str(&timeline_svg(&view.timeline, view.now));
    out.push_str("\n<p class=\"legend\">");
    for kind in [
        EventKind::Incident,
        EventKind::Deadline,
        EventKind::Submission,
        EventKind::Approval,
    ] {
        out.push_str(&format!(
            "<span><svg class=\"key\" viewBox=\"-8 -8 16 16\" width=\"14\" height=\"14\" aria-hidden=\"true\">{}</svg> {}</span>",
            marker(kind, 0.0, 0.0),
            kind.name()
        ));
    }
    out.push_str("<span class=\"now-key\">┊ now</span><span>Times in UTC</span></p>\n");
    if !view.timeline.is_empty() {
        let mut rows: Vec<&TimelineEvent> = view.timeline.iter().collect();
        rows.sort_by_key(|e| {
            let t = instant(&e.at);
            (t.is_none(), t)
        });
        out.push_str("<table class=\"events\">\n<thead><tr><th>Time (UTC)</th><th>Event</th><th>Kind</th></tr></thead>\n<tbody>\n");
        for e in rows {
            let unread = if instant(&e.at).is_none() {
                " <span class=\"problem\">(time not understood, not drawn)</span>"
            } else {
                ""
            };
            out.push_str(&format!(
                "<tr><td class=\"mono\">{}{unread}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&e.at),
                esc(&e.label),
                e.kind.name()
            ));
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
    out
}
