//! RTS 2024/1772 Art. 3 and Art. 9(3): duration and service downtime.

use super::*;

/// A duration to judge against its limit (Art. 9(3)).
pub(super) struct Span<'a> {
    article: &'static str,
    what: &'a str,
    start: Option<(DateTime<Utc>, &'a str)>,
    end: Option<DateTime<Utc>>,
    end_name: &'static str,
    start_missing: Vec<&'static str>,
    limit: Duration,
}

impl Judge<'_> {
    /// A span from its start to its end, or to the classification time while still open.
    pub(super) fn span(&self, s: Span<'_>) -> Point {
        let Span {
            article: art,
            what,
            start,
            end,
            end_name,
            start_missing,
            limit,
        } = s;
        let Some((start, from)) = start else {
            return unknown(art, what, start_missing);
        };
        let limit_text = hours_minutes(limit);
        match end {
            Some(end) => {
                let d = end - start;
                let over = d > limit;
                point(
                    art,
                    yes_no(over),
                    format!(
                        "{what} {} (from {from}) {} {limit_text} — {art}",
                        beside_limit(d, limit),
                        if over { ">" } else { "≤" }
                    ),
                    vec![],
                )
            }
            None => {
                let d = self.classified_at - start;
                if d > limit {
                    point(
                        art,
                        Status::Met,
                        format!("{what} already {} at classification (from {from}, still open) > {limit_text} — {art}", beside_limit(d, limit)),
                        vec![],
                    )
                } else {
                    point(
                        art,
                        Status::NotAssessable,
                        format!(
                            "{what} {} so far (from {from}, still open), not yet above {limit_text}: assess again when it ends — {art}",
                            beside_limit(d, limit)
                        ),
                        vec![end_name],
                    )
                }
            }
        }
    }

    pub(super) fn duration(&self) -> Vec<Point> {
        // Art. 3: from occurrence; if unknown, from the earlier of detection and the first log record.
        let start = self
            .facts
            .time("occurred_at")
            .map(|t| (t, "occurrence"))
            .or_else(|| {
                match (
                    self.facts.time("detected_at"),
                    self.facts.time("first_log_at"),
                ) {
                    (Some(d), Some(l)) if l < d => Some((l, "first log record")),
                    (Some(d), _) => Some((d, "detection")),
                    (None, Some(l)) => Some((l, "first log record")),
                    (None, None) => None,
                }
            });
        let mut pts = vec![self.span(Span {
            article: "RTS 2024/1772 Art. 9(3)(a)",
            what: "duration",
            start,
            end: self.facts.time("resolved_at"),
            end_name: "resolved_at",
            start_missing: vec!["occurred_at", "detected_at"],
            limit: DURATION_LIMIT,
        })];
        let art = "RTS 2024/1772 Art. 9(3)(b)";
        pts.push(match self.critical_services_affected() {
            (Some(false), _) => point(art, Status::NotMet, format!("no ICT service supporting critical or important functions is affected, so its downtime does not count — {art}"), vec![]),
            (critical, _) => {
                let p = self.span(Span {
                    article: art,
                    what: "service downtime",
                    start: self.facts.time("downtime_start").map(|t| (t, "unavailability")),
                    end: self.facts.time("downtime_end"),
                    end_name: "downtime_end",
                    start_missing: vec!["downtime_start"],
                    limit: DOWNTIME_LIMIT,
                });
                if critical.is_none() && p.status == Status::Met {
                    let mut p = unknown(art, "downtime of services supporting critical functions", vec!["critical_services_affected"]);
                    p.justification = format!("downtime above 2h, but whether the service supports critical or important functions is unknown — {art}");
                    p
                } else {
                    p
                }
            }
        });
        pts
    }
}
