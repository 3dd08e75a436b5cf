//! The readable HTML rendering of a draft, for the executives who approve it (CISO, Chief Risk
//! Officer) and for the war room: one self-contained page (inline CSS and SVG, no scripts,
//! nothing fetched) with the draft's status, the deadline clock and the incident's timeline
//! drawn, the approvals and every field. It reads on a laptop and prints on A4.
//!
//! The markup is written with maud's `html!`: checked when the crate compiles, and every value
//! spliced into it escaped, since an incident carries whatever an attacker wrote.

use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;

use crate::context::newest;

use super::draft::{Draft, DraftField};
use super::export::{shown, title, verdict_line};
use crate::timeutil;

mod clock;
#[cfg(test)]
mod tests;
mod timeline;

use clock::clock_section;
pub use timeline::timeline_from;
use timeline::timeline_section;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Occurrence, detection, awareness, classification, recovery, resolution.
    Incident,
    Deadline,
    Submission,
    Approval,
}

impl EventKind {
    fn class(self) -> &'static str {
        match self {
            EventKind::Incident => "incident",
            EventKind::Deadline => "deadline",
            EventKind::Submission => "submission",
            EventKind::Approval => "approval",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            EventKind::Incident => "#37474f",
            EventKind::Deadline => "#d84315",
            EventKind::Submission => "#1565c0",
            EventKind::Approval => "#2e7d32",
        }
    }

    fn name(self) -> &'static str {
        match self {
            EventKind::Incident => "Incident",
            EventKind::Deadline => "Deadline",
            EventKind::Submission => "Submission",
            EventKind::Approval => "Approval",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// RFC 3339 UTC, shown as given.
    pub at: String,
    pub label: String,
    pub kind: EventKind,
}

pub struct HtmlView<'a> {
    pub draft: &'a Draft,
    pub entity_name: Option<&'a str>,
    /// The `DORA.Deadlines` object, when the clock has run.
    pub deadlines: Option<&'a Value>,
    pub timeline: Vec<TimelineEvent>,
    /// Objects with Approver, Role, Decision (`approve`/`reject`), At, ContentHash, Comment.
    pub approvals: Vec<Value>,
    pub now: DateTime<Utc>,
}

const OCCURRED: &str = "Occurred";
const DETECTED: &str = "Detected";
const AWARE: &str = "Became aware";
const CLASSIFIED: &str = "Classified as major";
const RECOVERED: &str = "Regular activities recovered";
const RESOLVED: &str = "Resolved";

/// The three deadlines of RTS 2025/301 Art. 5(1), by their keys in `DORA.Deadlines`.
const REPORTS: [(&str, &str); 3] = [
    ("InitialNotification", "Initial notification"),
    ("IntermediateReport", "Intermediate report"),
    ("FinalReport", "Final report"),
];

const SECTIONS: [(u8, &str); 4] = [
    (1, "General"),
    (2, "Initial notification"),
    (3, "Intermediate report"),
    (4, "Final report"),
];

/// A time that never breaks across lines.
fn when(s: &str) -> Markup {
    html! { span.t { (s) } }
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    timeutil::parse_vendor_date(s)
}

fn text_at<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// "1 approval", "2 approvals".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A value as one line of text: lists joined with commas (nested lists flattened).
fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(value_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The page. Every text spliced in is escaped by maud (`&`, `<`, `>`, `"`; attributes are always
/// double-quoted, so a `'` cannot end one); only the constant style sheet goes in as it is.
pub fn render(view: &HtmlView<'_>) -> String {
    let d = view.draft;
    let heading = format!("DORA {} — draft", title(d));
    let page_title = match view.entity_name {
        Some(e) => format!("{heading} · {e}"),
        None => heading.clone(),
    };
    html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                "\n" meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                title { (page_title) } "\n"
                // CSS is text that HTML does not escape: a `&quot;` would break the font names.
                style { (PreEscaped(CSS)) } "\n"
            }
            "\n"
            body {
                "\n"
                main {
                    "\n"
                    (header(view, &heading))
                    (clock_section(view))
                    (timeline_section(view))
                    (approvals_section(view))
                    (fields_section(d))
                    footer {
                        "Mapping " (d.mapping_version) " · clock as of " (timeutil::to_rfc3339(view.now))
                        " · a draft for approval: an approval binds to the content hash above and is void for any other content."
                    }
                    "\n"
                }
                "\n"
            }
            "\n"
        }
        "\n"
    }
    .into_string()
}

fn header(view: &HtmlView<'_>, heading: &str) -> Markup {
    let d = view.draft;
    let submission = d
        .fields
        .iter()
        .find(|f| f.id == "1.1")
        .and_then(|f| f.value.as_ref())
        .map(value_text)
        .unwrap_or_else(|| d.submission_type.clone());
    html! {
        header {
            "\n"
            p.kicker { "Major ICT-related incident report · ITS 2025/302" } "\n"
            h1 { (heading) } "\n"
            @if let Some(e) = view.entity_name {
                p.entity { (e) } "\n"
            }
            dl.meta {
                "\n"
                dt { "Submission type (1.1)" } dd { code { (submission) } } "\n"
                dt { "Generated" } dd { (d.generated_at) } "\n"
                dt { "Content hash" }
                dd { code.hash { (d.content_hash) } br; small { "what an approval binds to" } } "\n"
            }
            "\n"
            (status_box(d))
        }
        "\n"
    }
}

fn status_box(d: &Draft) -> Markup {
    let class = if d.complete { "complete" } else { "incomplete" };
    let head = if d.complete {
        "Complete".to_string()
    } else {
        format!(
            "Incomplete: {}",
            plural(d.problems.len(), "problem", "problems")
        )
    };
    html! {
        div class={ "status " (class) } role="status" {
            p.status-head { (head) } "\n"
            p { (verdict_line(d)) } "\n"
            @if let Some(c) = &d.conversion {
                p {
                    "Amounts in " (c.currency) ": euro amounts converted at " (c.rate_per_eur) " "
                    (c.currency) " per euro (" (c.source) ")."
                }
                "\n"
            }
            @if !d.problems.is_empty() {
                ul.gaps {
                    "\n"
                    @for p in &d.problems {
                        li.problem {
                            b { (p.field) } " " (p.name) " — " (p.why) "; fill " code { (p.key) }
                        }
                        "\n"
                    }
                }
                "\n"
            }
        }
        "\n"
    }
}

// ---- Approvals and fields --------------------------------------------------------------------

/// The first characters of a content hash, the whole of it on hover.
fn hash_prefix(h: &str) -> Markup {
    html! { code title=(h) { (h.chars().take(12).collect::<String>()) "…" } }
}

fn approvals_section(view: &HtmlView<'_>) -> Markup {
    let hash = &view.draft.content_hash;
    let field = |a: &Value, k: &str| a.get(k).map(value_text).unwrap_or_default();
    let bound = |a: &Value| text_at(a, "ContentHash") == Some(hash.as_str());
    let this: Vec<&Value> = view.approvals.iter().filter(|a| bound(a)).collect();
    let decided = |decision: &str| {
        this.iter()
            .filter(|a| text_at(a, "Decision") == Some(decision))
            .count()
    };
    let decision = |a: &Value| match text_at(a, "Decision") {
        Some("approve") => html! { span.ok { "Approved" } },
        Some("reject") => html! { span.bad { "Rejected" } },
        other => html! { (other.unwrap_or("")) },
    };
    let binds = |a: &Value| match text_at(a, "ContentHash") {
        Some(h) if h == hash => html! { span.ok { "this draft" } " " (hash_prefix(h)) },
        Some(h) => html! { span.void { "for an earlier draft, void" } " " (hash_prefix(h)) },
        None => html! { span.void { "bound to no content, void" } },
    };
    html! {
        section {
            "\n" h2 { "Approvals" } "\n"
            @if view.approvals.is_empty() {
                p.muted { "No approval recorded for this incident yet." } "\n"
            } @else {
                p {
                    "For this draft: " b { (plural(decided("approve"), "approval", "approvals")) } ", "
                    b { (plural(decided("reject"), "rejection", "rejections")) }
                    ". Void (bound to other content): " (view.approvals.len() - this.len()) "."
                }
                "\n"
                table.approvals {
                    "\n"
                    thead { tr { th { "Approver" } th { "Role" } th { "Decision" } th { "Time (UTC)" } th { "Binds to" } th { "Comment" } } }
                    "\n"
                    tbody {
                        "\n"
                        @for a in &view.approvals {
                            tr class=(if bound(a) { "bound" } else { "voided" }) {
                                td { (field(a, "Approver")) }
                                td { (field(a, "Role")) }
                                td.decision { (decision(a)) }
                                td.mono { (field(a, "At")) }
                                td { (binds(a)) }
                                td.wrap { (field(a, "Comment")) }
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

fn field_row(f: &DraftField) -> Markup {
    let missing = f.missing && f.mandatory;
    html! {
        tr class=[missing.then_some("missing")] {
            td.id { (f.id) }
            td { (f.name) @if f.mandatory { " " small.muted { "mandatory" } } }
            td.wrap {
                @if f.value.is_some() { (shown(f)) }
                @if let Some(p) = &f.problem { span.problem { "Refused: " (p) } br; }
                @if missing {
                    span.missing-text { "missing — fill " code { "DORA.IncidentReport." (f.key) } }
                } @else if f.missing && f.problem.is_none() {
                    span.muted { "—" }
                }
                @if let Some(n) = &f.note { br; small.muted { (n) } }
            }
            td.source { (f.source.as_deref().unwrap_or("")) }
        }
        "\n"
    }
}

fn fields_section(d: &Draft) -> Markup {
    html! {
        section {
            "\n" h2 { "Fields" } "\n"
            @for (n, name) in SECTIONS {
                @let fields: Vec<&DraftField> = d.fields.iter().filter(|f| f.section == n).collect();
                @if !fields.is_empty() {
                    @let gaps = fields.iter().filter(|f| f.mandatory && f.missing).count();
                    h3 { (n) ". " (name) @if gaps > 0 { " " span.gap-count { (gaps) " missing" } } }
                    "\n"
                    table.fields {
                        "\n"
                        thead { tr { th { "Field" } th { "Name" } th { "Value" } th { "Source" } } }
                        "\n"
                        tbody { "\n" @for f in fields { (field_row(f)) } }
                    }
                    "\n"
                }
            }
        }
        "\n"
    }
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f4f6f8;color:#1c2430;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 32px;background:#fff}
h1{font-size:26px;margin:2px 0 4px}
h2{font-size:19px;margin:30px 0 8px;padding-bottom:4px;border-bottom:2px solid #263238}
h3{font-size:15px;margin:18px 0 6px}
code,.mono,.hash{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.88em}
.hash{word-break:break-all}
.kicker{margin:0;color:#607d8b;text-transform:uppercase;letter-spacing:.06em;font-size:12px}
.entity{margin:0 0 10px;font-size:18px;font-weight:600}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:10px 0 14px}
.meta dt{color:#607d8b}
.meta dd{margin:0}
.status{border:2px solid;border-radius:6px;padding:10px 16px;margin:10px 0}
.status p{margin:2px 0}
.status-head{font-size:20px;font-weight:700}
.status.complete{border-color:#2e7d32;background:#e8f5e9}
.status.complete .status-head{color:#1b5e20}
.status.incomplete{border-color:#c62828;background:#ffebee}
.status.incomplete .status-head{color:#b71c1c}
.gaps{margin:6px 0 2px;padding-left:20px;columns:2;column-gap:28px}
.gaps li{break-inside:avoid;overflow-wrap:anywhere}
.muted,.source{color:#78909c}
.problem,.bad{color:#b71c1c;font-weight:600}
.ok{color:#1b5e20;font-weight:600}
.void{color:#8d6e63;font-weight:600}
.clock{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:14px}
.card{border:1px solid #cfd8dc;border-radius:6px;padding:10px 12px;text-align:center}
.card h3{margin:0 0 4px}
.card dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 8px;text-align:left;font-size:13px;margin:8px 0}
.card dt{color:#607d8b}
.card dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;color:#fff;font-weight:700;border-radius:10px;padding:1px 10px;margin:2px 0;font-size:13px}
.status-pending .badge,.status-not-required .badge{color:#37474f}
.rule{font-size:12px;color:#455a64;text-align:left;margin:4px 0}
.notes{font-size:12px;color:#607d8b;text-align:left;padding-left:16px;margin:4px 0}
.gauge{display:block;margin:0 auto}
.t,.mono{white-space:nowrap}
.gauge .g-main{font-size:17px;font-weight:700;fill:#1c2430}
.gauge .g-sub{font-size:10px;fill:#607d8b}
.timeline{display:block;max-width:100%;height:auto}
.timeline .axis{stroke:#263238;stroke-width:2}
.timeline .grid{stroke:#eceff1;stroke-width:1}
.timeline .tick{font-size:11px;fill:#607d8b}
.timeline .leader{stroke:#b0bec5;stroke-width:1}
.timeline .ev-label,.timeline .ev-time{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.timeline .ev-label{font-size:11px;fill:#1c2430}
.timeline .ev-time{font-size:10px;fill:#607d8b}
.timeline .now-line{stroke:#c62828;stroke-width:1.5;stroke-dasharray:5 3}
.timeline .now{font-size:11px;font-weight:700;fill:#c62828}
.legend{font-size:12px;color:#455a64;display:flex;flex-wrap:wrap;gap:16px;margin:4px 0}
.legend span{display:inline-flex;align-items:center;gap:4px}
.now-key{color:#c62828;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;background:#eceff1;padding:5px 8px;border-bottom:1px solid #b0bec5}
td{padding:5px 8px;border-bottom:1px solid #eceff1;vertical-align:top}
.events{font-size:12px;margin-top:8px}
.fields{table-layout:fixed}
.fields th:nth-child(1){width:3.8em}
.fields th:nth-child(2){width:30%}
.fields th:nth-child(4){width:21%}
.fields td.id{font-weight:600}
.fields td.source{font-size:11px;font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.wrap{white-space:pre-wrap;overflow-wrap:anywhere}
tr.missing td{background:#fff3e0}
tr.missing td:first-child{box-shadow:inset 4px 0 #e65100}
.missing-text{color:#bf360c;font-weight:600}
.gap-count{font-size:12px;color:#bf360c;font-weight:600;margin-left:8px}
tr.voided td{color:#90a4ae}
tr.voided td.decision{text-decoration:line-through}
footer{margin-top:28px;padding-top:8px;border-top:1px solid #cfd8dc;font-size:12px;color:#78909c}
@media screen and (max-width:760px){.clock{grid-template-columns:1fr}.gaps{columns:1}main{padding:16px}}
@page{size:A4;margin:13mm 11mm}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:9.5pt}
main{max-width:none;padding:0}
h2{break-after:avoid;margin-top:18px}
h3{break-after:avoid}
.keep,.card,.status,tr{break-inside:avoid}
.clock{gap:6px}
.card{padding:6px 4px}
.card dl{font-size:7.5pt}
.rule,.notes{font-size:7.5pt}
thead{display:table-header-group}
}
"#;
