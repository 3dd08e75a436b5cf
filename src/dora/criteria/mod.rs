//! The seven classification criteria of RTS 2024/1772 (Art. 1–7) and their materiality
//! thresholds (Art. 9), each point judged met, not met, or not assessable on the facts known.
//! One file per criterion; this one holds what they share and the verdict per criterion.

mod clients;
mod criticality;
mod data;
mod duration;
mod economic;
mod geography;
mod reputation;

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

/// `d` as evidence beside `limit`: to the minute, or to the second where minutes would show the
/// two equal (24 h + 1 s is "24h 00m 01s > 24h 00m", not "24h 00m > 24h 00m").
pub fn beside_limit(d: Duration, limit: Duration) -> String {
    let text = hours_minutes(d);
    if d != limit && text == hours_minutes(limit) {
        format!("{text} {:02}s", d.num_seconds().rem_euclid(60))
    } else {
        text
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
