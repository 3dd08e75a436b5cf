//! The seven classification criteria of RTS 2024/1772 (Art. 1–7) and their materiality
//! thresholds (Art. 9), each point judged met, not met, or not assessable on the facts known.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::facts::{Fact, Facts};
use super::money::{exceeds_share, group_digits, percent, Eur};
use super::profile::{EntityProfile, GeoReading};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Met,
    NotMet,
    NotAssessable,
}

/// One point of a threshold paragraph.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Point {
    pub article: &'static str,
    pub status: Status,
    pub justification: String,
    /// Inputs this point needs and did not have.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    ClientsCounterpartsTransactions,
    ReputationalImpact,
    DurationAndDowntime,
    GeographicalSpread,
    DataLosses,
    CriticalServices,
    EconomicImpact,
}

impl Criterion {
    pub fn name(self) -> &'static str {
        match self {
            Criterion::ClientsCounterpartsTransactions => {
                "Clients, financial counterparts and transactions"
            }
            Criterion::ReputationalImpact => "Reputational impact",
            Criterion::DurationAndDowntime => "Duration and service downtime",
            Criterion::GeographicalSpread => "Geographical spread",
            Criterion::DataLosses => "Data losses",
            Criterion::CriticalServices => "Critical services affected",
            Criterion::EconomicImpact => "Economic impact",
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            Criterion::ClientsCounterpartsTransactions => "RTS 2024/1772 Art. 1, Art. 9(1)",
            Criterion::ReputationalImpact => "RTS 2024/1772 Art. 2, Art. 9(2)",
            Criterion::DurationAndDowntime => "RTS 2024/1772 Art. 3, Art. 9(3)",
            Criterion::GeographicalSpread => "RTS 2024/1772 Art. 4, Art. 9(4)",
            Criterion::DataLosses => "RTS 2024/1772 Art. 5, Art. 9(5)",
            Criterion::CriticalServices => "RTS 2024/1772 Art. 6",
            Criterion::EconomicImpact => "RTS 2024/1772 Art. 7, Art. 9(6)",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CriterionResult {
    pub key: Criterion,
    pub name: &'static str,
    pub article: &'static str,
    pub status: Status,
    /// `Status == Met`, for playbook conditions.
    pub met: bool,
    pub assessable: bool,
    /// The justification a regulator reads: the deciding points, one per line.
    pub evidence: String,
    /// Where each figure used came from.
    pub source: Vec<String>,
    /// Whether a figure used is an estimate.
    pub estimate: bool,
    pub points: Vec<Point>,
    pub missing: Vec<&'static str>,
}

/// Art. 9(1)(a), (d), (e): 10 %; (c): 30 %.
const TEN_PERCENT: (u64, u64) = (10, 100);
const THIRTY_PERCENT: (u64, u64) = (30, 100);
/// Art. 9(1)(b): more than 100 000 clients.
const CLIENTS_ABSOLUTE: u64 = 100_000;
/// Art. 9(3)(a): duration longer than 24 hours.
const DURATION_LIMIT: Duration = Duration::hours(24);
/// Art. 9(3)(b): downtime longer than 2 hours (services supporting critical functions).
const DOWNTIME_LIMIT: Duration = Duration::hours(2);
/// Art. 9(4): two or more Member States.
const MEMBER_STATES_MIN: usize = 2;
/// Art. 9(6): costs and losses above EUR 100 000.
pub const ECONOMIC_IMPACT_LIMIT: Eur = Eur::from_euros(100_000);

/// A duration to judge against its limit (Art. 9(3)).
struct Span<'a> {
    article: &'static str,
    what: &'a str,
    start: Option<(DateTime<Utc>, &'a str)>,
    end: Option<DateTime<Utc>>,
    end_name: &'static str,
    start_missing: Vec<&'static str>,
    limit: Duration,
}

struct Judge<'a> {
    facts: &'a Facts,
    profile: &'a EntityProfile,
    classified_at: DateTime<Utc>,
}

fn point(
    article: &'static str,
    status: Status,
    justification: String,
    missing: Vec<&'static str>,
) -> Point {
    Point {
        article,
        status,
        justification,
        missing,
    }
}

fn unknown(article: &'static str, what: &str, missing: Vec<&'static str>) -> Point {
    let names = missing.join(", ");
    point(
        article,
        Status::NotAssessable,
        format!("{what}: not assessable, {names} unknown — {article}"),
        missing,
    )
}

fn yes_no(b: bool) -> Status {
    if b {
        Status::Met
    } else {
        Status::NotMet
    }
}

fn est(f: Option<&Fact>) -> &'static str {
    if f.is_some_and(|f| f.estimate) {
        " (estimate)"
    } else {
        ""
    }
}

pub fn hours_minutes(d: Duration) -> String {
    let m = d.num_minutes();
    let (days, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
    if m < 72 * 60 {
        format!("{}h {min:02}m", m / 60)
    } else if days > 0 {
        format!("{days}d {h}h {min:02}m")
    } else {
        format!("{h}h {min:02}m")
    }
}

impl Judge<'_> {
    fn share(
        &self,
        article: &'static str,
        what: &str,
        part: &'static str,
        whole: &'static str,
        limit: (u64, u64),
    ) -> Point {
        let (p, w) = (self.facts.count(part), self.facts.count(whole));
        match (p, w) {
            (Some(p), Some(w)) => {
                let over = exceeds_share(p, w, limit.0, limit.1);
                let mark = est(self.facts.get(part).or(self.facts.get(whole)));
                point(
                    article,
                    yes_no(over),
                    format!(
                        "{} of {} {what} affected ({}){mark} {} {}% — {article}",
                        group_digits(p),
                        group_digits(w),
                        percent(p, w),
                        if over { ">" } else { "≤" },
                        limit.0
                    ),
                    vec![],
                )
            }
            _ => unknown(
                article,
                &format!("share of {what} affected"),
                [(part, p.is_none()), (whole, w.is_none())]
                    .into_iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| n)
                    .collect(),
            ),
        }
    }

    fn clients(&self) -> Vec<Point> {
        let mut pts = vec![self.share(
            "RTS 2024/1772 Art. 9(1)(a)",
            "clients",
            "clients_affected",
            "clients_total",
            TEN_PERCENT,
        )];
        let art = "RTS 2024/1772 Art. 9(1)(b)";
        pts.push(match self.facts.count("clients_affected") {
            Some(n) => point(
                art,
                yes_no(n > CLIENTS_ABSOLUTE),
                format!(
                    "{} clients affected{} {} 100 000 — {art}",
                    group_digits(n),
                    est(self.facts.get("clients_affected")),
                    if n > CLIENTS_ABSOLUTE { ">" } else { "≤" }
                ),
                vec![],
            ),
            None => unknown(art, "number of clients affected", vec!["clients_affected"]),
        });
        pts.push(self.share(
            "RTS 2024/1772 Art. 9(1)(c)",
            "financial counterparts",
            "counterparts_affected",
            "counterparts_total",
            THIRTY_PERCENT,
        ));
        pts.push(self.share(
            "RTS 2024/1772 Art. 9(1)(d)",
            "transactions (against the daily average)",
            "transactions_affected",
            "transactions_daily_average",
            TEN_PERCENT,
        ));
        let art = "RTS 2024/1772 Art. 9(1)(e)";
        pts.push(match (self.facts.money("transaction_value_eur"), self.facts.money("transaction_value_daily_average_eur")) {
            (Some(v), Some(avg)) => {
                let over = exceeds_share(v.cents(), avg.cents(), TEN_PERCENT.0, TEN_PERCENT.1);
                point(
                    art,
                    yes_no(over),
                    format!(
                        "{v} of transactions affected against a daily average of {avg} ({}){} {} 10% — {art}",
                        percent(v.cents(), avg.cents()),
                        est(self.facts.get("transaction_value_eur")),
                        if over { ">" } else { "≤" }
                    ),
                    vec![],
                )
            }
            (v, a) => unknown(
                art,
                "value of transactions affected",
                [("transaction_value_eur", v.is_none()), ("transaction_value_daily_average_eur", a.is_none())]
                    .into_iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| n)
                    .collect(),
            ),
        });
        let art = "RTS 2024/1772 Art. 9(1)(f)";
        pts.push(match (self.facts.flag("relevant_clients_affected"), self.facts.list("affected_counterparts")) {
            (Some(true), _) => point(art, Status::Met, format!("a relevant client or financial counterpart is affected — {art}"), vec![]),
            (Some(false), _) => point(art, Status::NotMet, format!("no relevant client or financial counterpart affected — {art}"), vec![]),
            (None, Some(names)) if !self.profile.relevant_clients.is_empty() => {
                let hit: Vec<&str> = names.iter().filter(|n| self.profile.is_relevant(n)).map(String::as_str).collect();
                if hit.is_empty() {
                    point(art, Status::NotMet, format!("none of the clients or counterparts affected is on the entity's list of relevant ones — {art}"), vec![])
                } else {
                    point(art, Status::Met, format!("relevant clients or counterparts affected: {} — {art}", hit.join(", ")), vec![])
                }
            }
            _ => unknown(art, "relevant clients or counterparts affected", vec!["relevant_clients_affected"]),
        });
        pts
    }

    fn flag_point(&self, article: &'static str, input: &'static str, yes: &str, no: &str) -> Point {
        match self.facts.flag(input) {
            Some(true) => point(article, Status::Met, format!("{yes} — {article}"), vec![]),
            Some(false) => point(article, Status::NotMet, format!("{no} — {article}"), vec![]),
            None => unknown(article, yes, vec![input]),
        }
    }

    fn reputational(&self) -> Vec<Point> {
        vec![
            self.flag_point("RTS 2024/1772 Art. 9(2)(a)", "media_coverage", "the incident is reflected in the media", "no media coverage"),
            self.flag_point(
                "RTS 2024/1772 Art. 9(2)(b)",
                "repetitive_complaints",
                "repetitive complaints from different clients or counterparts",
                "no repetitive complaints",
            ),
            self.flag_point(
                "RTS 2024/1772 Art. 9(2)(c)",
                "regulatory_requirements_breached",
                "the entity cannot, or is likely not to, meet regulatory requirements",
                "regulatory requirements still met",
            ),
            self.flag_point(
                "RTS 2024/1772 Art. 9(2)(d)",
                "client_loss_likely",
                "the entity is likely to lose clients or counterparts with a material impact on its business",
                "no material loss of clients or counterparts expected",
            ),
        ]
    }

    /// A span from its start to its end, or to the classification time while still open.
    fn span(&self, s: Span<'_>) -> Point {
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
                        hours_minutes(d),
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
                        format!("{what} already {} at classification (from {from}, still open) > {limit_text} — {art}", hours_minutes(d)),
                        vec![],
                    )
                } else {
                    point(
                        art,
                        Status::NotAssessable,
                        format!(
                            "{what} {} so far (from {from}, still open), not yet above {limit_text}: assess again when it ends — {art}",
                            hours_minutes(d)
                        ),
                        vec![end_name],
                    )
                }
            }
        }
    }

    fn duration(&self) -> Vec<Point> {
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

    fn geography(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 9(4)";
        let Some(states) = self.facts.list("member_states") else {
            return vec![unknown(
                art,
                "Member States impacted",
                vec!["member_states"],
            )];
        };
        let home = self.profile.home_member_state.as_str();
        let (counted, reading): (Vec<&String>, &str) = match self.profile.geo_reading {
            GeoReading::AllMemberStates => (states.iter().collect(), "home Member State included"),
            GeoReading::OtherMemberStates => (
                states.iter().filter(|s| s.as_str() != home).collect(),
                "Member States other than the home one",
            ),
        };
        let met = counted.len() >= MEMBER_STATES_MIN;
        let list = if counted.is_empty() {
            "none".to_string()
        } else {
            counted
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        vec![point(
            art,
            yes_no(met),
            format!(
                "impact in {} EU/EEA Member State(s) ({list}; {reading}) {} 2 — {art}",
                counted.len(),
                if met { "≥" } else { "<" }
            ),
            vec![],
        )]
    }

    fn data_losses(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 9(5)(a)";
        let a = match self.facts.list("data_losses") {
            Some([]) => point(art, Status::NotMet, format!("no impact on the availability, authenticity, integrity or confidentiality of data — {art}"), vec![]),
            Some(kinds) => point(art, Status::Met, format!("impact on the {} of data, with adverse impact on business objectives or regulatory requirements — {art}", kinds.join(", ")), vec![]),
            None => unknown(art, "impact on data", vec!["data_losses"]),
        };
        vec![a, self.malicious_access("RTS 2024/1772 Art. 9(5)(b)")]
    }

    fn malicious_access(&self, art: &'static str) -> Point {
        self.flag_point(
            art,
            "malicious_unauthorized_access",
            "successful, malicious, unauthorised access to network and information systems that may result in data losses",
            "no successful malicious unauthorised access",
        )
    }

    /// Art. 6(a): from the argument or connector, else from the affected services and the
    /// profile's critical services.
    fn critical_services_affected(&self) -> (Option<bool>, String) {
        if let Some(f) = self.facts.get("critical_services_affected") {
            let b = matches!(f.value, super::facts::FactValue::Flag(true));
            return (Some(b), f.source.to_string());
        }
        match self.facts.list("affected_services") {
            Some(services) if !self.profile.critical_services.is_empty() => {
                let hit: Vec<&String> = services
                    .iter()
                    .filter(|s| self.profile.is_critical(s))
                    .collect();
                (
                    Some(!hit.is_empty()),
                    hit.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
            _ => (None, String::new()),
        }
    }

    fn criticality(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 6(a)";
        let a = match self.critical_services_affected() {
            (Some(true), which) if self.facts.get("critical_services_affected").is_none() => {
                point(art, Status::Met, format!("affects ICT services supporting critical or important functions ({which}) — {art}"), vec![])
            }
            (Some(true), source) => point(art, Status::Met, format!("affects ICT services supporting critical or important functions (per {source}) — {art}"), vec![]),
            (Some(false), _) => point(art, Status::NotMet, format!("no ICT service supporting critical or important functions affected — {art}"), vec![]),
            (None, _) => unknown(art, "ICT services supporting critical or important functions affected", vec!["affected_services", "critical_services_affected"]),
        };
        let art_b = "RTS 2024/1772 Art. 6(b)";
        let b = match self.facts.flag("authorised_services_affected") {
            Some(v) => point(art_b, yes_no(v), format!("{} financial services that require authorisation or registration, or are supervised — {art_b}", if v { "affects" } else { "does not affect" }), vec![]),
            None => match self.facts.list("affected_services") {
                Some(services) if !self.profile.authorised_services.is_empty() => {
                    let hit: Vec<&str> = services.iter().filter(|s| self.profile.is_authorised(s)).map(String::as_str).collect();
                    point(
                        art_b,
                        yes_no(!hit.is_empty()),
                        if hit.is_empty() {
                            format!("no authorised or supervised financial service affected — {art_b}")
                        } else {
                            format!("affects authorised or supervised financial services ({}) — {art_b}", hit.join(", "))
                        },
                        vec![],
                    )
                }
                _ => unknown(art_b, "authorised or supervised financial services affected", vec!["authorised_services_affected"]),
            },
        };
        vec![a, b, self.malicious_access("RTS 2024/1772 Art. 6(c)")]
    }

    fn economic(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 9(6)";
        vec![match self.facts.money("economic_impact_eur") {
            Some(v) => {
                let over = v > ECONOMIC_IMPACT_LIMIT;
                point(
                    art,
                    yes_no(over),
                    format!(
                        "gross direct and indirect costs and losses {v}{} {} {ECONOMIC_IMPACT_LIMIT} — {art}",
                        est(self.facts.get("economic_impact_eur")),
                        if over { ">" } else { "≤" }
                    ),
                    vec![],
                )
            }
            None => unknown(art, "economic impact", vec!["economic_impact_eur"]),
        }]
    }
}

/// Which inputs each criterion reads, for its sources and estimate flag.
fn inputs_of(c: Criterion) -> &'static [&'static str] {
    match c {
        Criterion::ClientsCounterpartsTransactions => &[
            "clients_affected",
            "clients_total",
            "counterparts_affected",
            "counterparts_total",
            "transactions_affected",
            "transactions_daily_average",
            "transaction_value_eur",
            "transaction_value_daily_average_eur",
            "relevant_clients_affected",
            "affected_counterparts",
        ],
        Criterion::ReputationalImpact => &[
            "media_coverage",
            "repetitive_complaints",
            "regulatory_requirements_breached",
            "client_loss_likely",
        ],
        Criterion::DurationAndDowntime => &[
            "occurred_at",
            "detected_at",
            "first_log_at",
            "resolved_at",
            "downtime_start",
            "downtime_end",
        ],
        Criterion::GeographicalSpread => &["member_states"],
        Criterion::DataLosses => &["data_losses", "malicious_unauthorized_access"],
        Criterion::CriticalServices => &[
            "affected_services",
            "critical_services_affected",
            "authorised_services_affected",
            "malicious_unauthorized_access",
        ],
        Criterion::EconomicImpact => &["economic_impact_eur"],
    }
}

fn aggregate(key: Criterion, points: Vec<Point>, facts: &Facts) -> CriterionResult {
    let status = if points.iter().any(|p| p.status == Status::Met) {
        Status::Met
    } else if points.iter().all(|p| p.status == Status::NotMet) {
        Status::NotMet
    } else {
        Status::NotAssessable
    };
    let deciding: Vec<&Point> = match status {
        Status::Met => points.iter().filter(|p| p.status == Status::Met).collect(),
        _ => points.iter().collect(),
    };
    let mut missing: Vec<&'static str> = points
        .iter()
        .flat_map(|p| p.missing.iter().copied())
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let used: Vec<&Fact> = inputs_of(key).iter().filter_map(|n| facts.get(n)).collect();
    CriterionResult {
        key,
        name: key.name(),
        article: key.article(),
        status,
        met: status == Status::Met,
        assessable: status != Status::NotAssessable,
        evidence: deciding
            .iter()
            .map(|p| p.justification.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        source: inputs_of(key)
            .iter()
            .filter_map(|n| facts.get(n).map(|f| format!("{n}: {}", f.source)))
            .collect(),
        estimate: used.iter().any(|f| f.estimate),
        points,
        missing: if status == Status::Met {
            vec![]
        } else {
            missing
        },
    }
}

/// Judges every criterion, in the order of the RTS.
pub fn evaluate(
    facts: &Facts,
    profile: &EntityProfile,
    classified_at: DateTime<Utc>,
) -> Vec<CriterionResult> {
    let j = Judge {
        facts,
        profile,
        classified_at,
    };
    vec![
        aggregate(
            Criterion::ClientsCounterpartsTransactions,
            j.clients(),
            facts,
        ),
        aggregate(Criterion::ReputationalImpact, j.reputational(), facts),
        aggregate(Criterion::DurationAndDowntime, j.duration(), facts),
        aggregate(Criterion::GeographicalSpread, j.geography(), facts),
        aggregate(Criterion::DataLosses, j.data_losses(), facts),
        aggregate(Criterion::CriticalServices, j.criticality(), facts),
        aggregate(Criterion::EconomicImpact, j.economic(), facts),
    ]
}
