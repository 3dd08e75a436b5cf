//! The regulatory clock: when each report is due (RTS 2025/301 Art. 5, DORA Art. 19(4)), with
//! the weekend and bank-holiday relief of Art. 5(4)–(5) in the entity's Member State.

use chrono::{DateTime, Duration, LocalResult, Months, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::calendar::{self, StateCalendar};
use super::criteria::hours_minutes;
use super::decision::{self, Decision, DecisionState};
use super::facts::{resolve_inputs, InputSpec, Kind, Lookup};
use super::profile::EntityProfile;
use crate::input::InputError;
use crate::timeutil;

/// RTS 2025/301 Art. 5(1)(a): 4 hours from classification as major.
const INITIAL_FROM_CLASSIFICATION: Duration = Duration::hours(4);
/// RTS 2025/301 Art. 5(1)(a): no later than 24 hours from awareness.
const INITIAL_FROM_AWARENESS: Duration = Duration::hours(24);
/// RTS 2025/301 Art. 5(1)(b): 72 hours from the submission of the initial notification.
const INTERMEDIATE_FROM_INITIAL: Duration = Duration::hours(72);
/// RTS 2025/301 Art. 5(1)(c): one month from the (latest updated) intermediate report.
const FINAL_FROM_INTERMEDIATE: Months = Months::new(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    InitialNotification,
    IntermediateReport,
    FinalReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineStatus {
    /// Not due: the incident is not (or no longer) classified as major.
    NotRequired,
    /// Waiting on the previous report.
    Pending,
    OnTime,
    DueSoon,
    Overdue,
    Submitted,
    SubmittedLate,
}

/// Facts the clock runs on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClockFacts {
    pub detected_at: Option<DateTime<Utc>>,
    pub aware_at: Option<DateTime<Utc>>,
    pub classified_at: Option<DateTime<Utc>>,
    /// `Some(false)` once classified as not major: no report is due.
    pub is_major: Option<bool>,
    pub initial_submitted_at: Option<DateTime<Utc>>,
    /// Every intermediate report and update; the final report runs from the latest.
    pub intermediate_submitted_at: Vec<DateTime<Utc>>,
    pub final_submitted_at: Option<DateTime<Utc>>,
    /// Said of the initial notification's base (a re-assessment that kept the first moment).
    pub notes: Vec<String>,
    /// How the decision in force came about, when the context holds verdicts or decisions.
    pub decision: Option<Decision>,
}

/// Where the clock's facts are found: arguments, then the last classification in context,
/// then the incident's fields.
pub const CLOCK_INPUTS: &[InputSpec] = &[
    InputSpec {
        name: "detected_at",
        kind: Kind::Time,
        context: &["DORA.Classification.DetectedAt"],
        incident: &["doradetectedat", "created"],
    },
    InputSpec {
        name: "aware_at",
        kind: Kind::Time,
        context: &["DORA.Classification.AwareAt"],
        incident: &["doraawareat"],
    },
    InputSpec {
        name: "classified_at",
        kind: Kind::Time,
        context: &["DORA.Classification.ClassifiedAt"],
        incident: &["doraclassifiedat"],
    },
    InputSpec {
        name: "is_major",
        kind: Kind::Flag,
        context: &["DORA.Classification.IsMajor"],
        incident: &["doraismajor"],
    },
    InputSpec {
        name: "initial_submitted_at",
        kind: Kind::Time,
        context: &["DORA.Submission.InitialNotification.SubmittedAt"],
        incident: &["dorainitialsubmittedat"],
    },
    InputSpec {
        name: "intermediate_submitted_at",
        kind: Kind::Times,
        context: &["DORA.Submission.IntermediateReport.SubmittedAt"],
        incident: &["doraintermediatesubmittedat"],
    },
    InputSpec {
        name: "final_submitted_at",
        kind: Kind::Time,
        context: &["DORA.Submission.FinalReport.SubmittedAt"],
        incident: &["dorafinalsubmittedat"],
    },
];

impl ClockFacts {
    pub fn resolve(lookup: &Lookup<'_>) -> Result<ClockFacts, InputError> {
        let f = resolve_inputs(CLOCK_INPUTS, lookup)?;
        let mut facts = ClockFacts {
            detected_at: f.time("detected_at"),
            aware_at: f.time("aware_at"),
            classified_at: f.time("classified_at"),
            is_major: f.flag("is_major"),
            initial_submitted_at: f.time("initial_submitted_at"),
            intermediate_submitted_at: f
                .times("intermediate_submitted_at")
                .map(<[_]>::to_vec)
                .unwrap_or_default(),
            final_submitted_at: f.time("final_submitted_at"),
            notes: Vec::new(),
            decision: None,
        };
        let given = |name: &str| f.get(name).is_some_and(|x| x.source.kind == "argument");
        if given("is_major") {
            // An explicit what-if: the clock as if the incident were (not) major.
            return Ok(facts);
        }
        let system = decision::system_verdicts(lookup.context);
        let people = decision::person_decisions(lookup.context);
        if system.is_empty() && people.is_empty() {
            // No classification in context: the incident's fields (or nothing) say.
            return Ok(facts);
        }
        let d = decision::decide(&system, &people);
        facts.is_major = d.is_major();
        if !given("classified_at") {
            // The 4 hours run from the moment the incident became major, whoever decided it; a
            // re-assessment that stays major does not restart them.
            let since = d
                .major_since
                .as_deref()
                .and_then(timeutil::parse_vendor_date);
            if let (Some(first), Some(latest)) = (since, facts.classified_at) {
                if first < latest && d.decided_by.as_deref() == Some("system") {
                    facts.notes.push(format!(
                        "Classified as major first at {}; the re-assessment at {} keeps that moment.",
                        timeutil::to_rfc3339(first),
                        timeutil::to_rfc3339(latest)
                    ));
                }
            }
            facts.classified_at = since;
        }
        if d.state == DecisionState::Pending && !d.missing_facts.is_empty() {
            facts.notes.push(format!(
                "Not major on the facts known so far: the decision is pending and the 24-hour limit from awareness runs until the missing facts ({}) are known or a person decides.",
                d.missing_facts.join(", ")
            ));
        }
        facts.decision = Some(d);
        Ok(facts)
    }
}

/// How early a deadline turns "due soon".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DueSoon {
    pub initial: Duration,
    pub intermediate: Duration,
    pub final_report: Duration,
}

impl DueSoon {
    /// From the instance parameters `due_soon_initial_minutes`, `due_soon_intermediate_hours`,
    /// `due_soon_final_days`.
    pub fn from_params(params: &serde_json::Value) -> Result<DueSoon, InputError> {
        let d = DueSoon::default();
        let get = |key: &str, default: i64, max: i64| -> Result<i64, InputError> {
            match params.get(key) {
                None | Some(serde_json::Value::Null) => Ok(default),
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(default),
                Some(v) => {
                    crate::input::bounded_int(key, v.as_str().unwrap_or(&v.to_string()), 0, max)
                }
            }
        };
        Ok(DueSoon {
            initial: Duration::minutes(get(
                "due_soon_initial_minutes",
                d.initial.num_minutes(),
                24 * 60,
            )?),
            intermediate: Duration::hours(get(
                "due_soon_intermediate_hours",
                d.intermediate.num_hours(),
                72,
            )?),
            final_report: Duration::days(get(
                "due_soon_final_days",
                d.final_report.num_days(),
                31,
            )?),
        })
    }
}

impl Default for DueSoon {
    fn default() -> Self {
        DueSoon {
            initial: Duration::hours(1),
            intermediate: Duration::hours(12),
            final_report: Duration::days(3),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deadline {
    pub report: ReportKind,
    /// When it is due, UTC; `None` while pending or not required.
    pub due: Option<String>,
    /// The same instant in the entity's time zone, with its offset.
    pub due_local: Option<String>,
    /// The time limit before any weekend or holiday relief.
    pub base_due: Option<String>,
    pub relief_applied: bool,
    /// The rule applied, citing the article.
    pub rule: String,
    pub submitted_at: Option<String>,
    pub status: DeadlineStatus,
    /// `2h 14m`, `-0h 20m` when overdue; time to the due time from `now`.
    pub time_left: Option<String>,
    pub time_left_seconds: Option<i64>,
    /// An entity that cannot meet the deadline informs its authority before this time.
    pub inform_authority_by: Option<String>,
    pub notes: Vec<String>,
    /// The XSOAR SLA timer field that tracks this deadline.
    pub timer_field: &'static str,
    /// How long before the due time the report turns "due soon" (the instance's setting), so
    /// that a view recomputing the status later (the layout's clock) uses the same margin.
    pub due_soon_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deadlines {
    pub initial_notification: Deadline,
    pub intermediate_report: Deadline,
    pub final_report: Deadline,
    pub member_state: String,
    pub time_zone: String,
    pub computed_at: String,
    /// Whether the incident is major, who decided it and since when; `None` when no
    /// classification or decision is known.
    pub decision: Option<Decision>,
}

struct Clock<'a> {
    zone: Tz,
    calendar: &'a StateCalendar,
    now: DateTime<Utc>,
}

/// A wall-clock time in `zone`: the earlier instant when the clocks go back, and when they
/// go forward over it, the last instant before the gap (so a deadline is never later than
/// the rule says).
fn resolve_local(zone: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let mut n = naive;
            loop {
                n -= Duration::minutes(1);
                if let LocalResult::Single(t) = zone.from_local_datetime(&n) {
                    return t.with_timezone(&Utc) + Duration::minutes(1) - Duration::seconds(1);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) fn resolve_local_for_tests(zone: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    resolve_local(zone, naive)
}

impl Clock<'_> {
    /// RTS 2025/301 Art. 5(4): a time limit on a weekend day or bank holiday may be met by
    /// 12:00 noon of the next working day in the entity's Member State.
    fn relief(
        &self,
        base: DateTime<Utc>,
        applies: bool,
        notes: &mut Vec<String>,
    ) -> (DateTime<Utc>, bool) {
        let local = base.with_timezone(&self.zone).date_naive();
        if self.calendar.is_working_day(local) {
            return (base, false);
        }
        let why = self
            .calendar
            .holiday_name(local)
            .map(|h| format!("a bank holiday ({h})"))
            .unwrap_or_else(|| "a weekend day".into());
        if !applies {
            notes.push(format!("The time limit falls on {why} in {}, but RTS 2025/301 Art. 5(5) withholds the relief for this entity.", self.calendar.name));
            return (base, false);
        }
        let next = self.calendar.next_working_day(local);
        let noon = resolve_local(
            self.zone,
            next.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon")),
        );
        notes.push(format!(
            "The time limit falls on {why} in {}: RTS 2025/301 Art. 5(4) allows submission until 12:00 on {next} ({}).",
            self.calendar.name,
            self.zone
        ));
        (noon.max(base), true)
    }

    #[allow(clippy::too_many_arguments)]
    fn deadline(
        &self,
        report: ReportKind,
        base: Option<DateTime<Utc>>,
        relief_applies: bool,
        rule: String,
        submitted: Option<DateTime<Utc>>,
        due_soon: Duration,
        mut notes: Vec<String>,
        not_required: bool,
    ) -> Deadline {
        let timer_field = match report {
            ReportKind::InitialNotification => "dorainitialnotificationsla",
            ReportKind::IntermediateReport => "doraintermediatereportsla",
            ReportKind::FinalReport => "dorafinalreportsla",
        };
        let when = |t: DateTime<Utc>| timeutil::to_rfc3339(t);
        let (due, relief_applied) = match base {
            Some(b) if !not_required => {
                let (d, r) = self.relief(b, relief_applies, &mut notes);
                (Some(d), r)
            }
            _ => (None, false),
        };
        let status = match (not_required, due, submitted) {
            (true, _, _) => DeadlineStatus::NotRequired,
            (_, Some(d), Some(s)) => {
                if s <= d {
                    DeadlineStatus::Submitted
                } else {
                    DeadlineStatus::SubmittedLate
                }
            }
            (_, None, Some(_)) => DeadlineStatus::Submitted,
            (_, None, None) => DeadlineStatus::Pending,
            (_, Some(d), None) if self.now > d => DeadlineStatus::Overdue,
            (_, Some(d), None) if d - self.now <= due_soon => DeadlineStatus::DueSoon,
            _ => DeadlineStatus::OnTime,
        };
        let open = matches!(
            status,
            DeadlineStatus::OnTime | DeadlineStatus::DueSoon | DeadlineStatus::Overdue
        );
        let left = due.filter(|_| open).map(|d| d - self.now);
        Deadline {
            report,
            due: due.map(when),
            due_local: due.map(|d| {
                d.with_timezone(&self.zone)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            }),
            base_due: base.filter(|_| !not_required).map(when),
            relief_applied,
            rule,
            submitted_at: submitted.map(when),
            status,
            time_left: left.map(|l| {
                if l < Duration::zero() {
                    format!("-{}", hours_minutes(-l))
                } else {
                    hours_minutes(l)
                }
            }),
            time_left_seconds: left.map(|l| l.num_seconds()),
            inform_authority_by: due.filter(|_| open).map(when),
            notes,
            timer_field,
            due_soon_seconds: due_soon.num_seconds(),
        }
    }
}

/// The three deadlines at `now`.
pub fn deadlines(
    facts: &ClockFacts,
    profile: &EntityProfile,
    now: DateTime<Utc>,
    soon: DueSoon,
) -> Result<Deadlines, InputError> {
    let calendar = calendar::state(&profile.home_member_state).ok_or_else(|| {
        InputError::new(
            "home_member_state",
            format!(
                "No bank-holiday calendar is kept for {}.",
                profile.home_member_state
            ),
        )
    })?;
    let clock = Clock {
        zone: calendar.zone,
        calendar,
        now,
    };
    let aware = facts.aware_at.or(facts.detected_at).ok_or_else(|| {
        InputError::new("detected_at", "detected_at (or aware_at) is needed: every DORA time limit runs from the moment the entity became aware of the incident.")
    })?;
    for (name, t) in [
        ("classified_at", facts.classified_at),
        ("initial_submitted_at", facts.initial_submitted_at),
    ] {
        if let Some(t) = t.filter(|t| *t < aware) {
            return Err(InputError::new(
                name,
                format!(
                    "{name} ({}) is before the entity became aware of the incident ({}).",
                    timeutil::to_rfc3339(t),
                    timeutil::to_rfc3339(aware)
                ),
            ));
        }
    }
    let not_major = facts.is_major == Some(false);
    let early_relief = !profile.relief_withheld_for_early_reports();
    let cap = aware + INITIAL_FROM_AWARENESS;

    let mut notes = facts.notes.clone();
    let (base, rule) = match facts.classified_at {
        Some(c) if c + INITIAL_FROM_CLASSIFICATION <= cap => {
            (c + INITIAL_FROM_CLASSIFICATION, "4 hours from classification as major (RTS 2025/301 Art. 5(1)(a))".to_string())
        }
        Some(c) if c <= cap => (cap, "24 hours from awareness, which comes before 4 hours from classification (RTS 2025/301 Art. 5(1)(a))".to_string()),
        Some(c) => {
            notes.push(format!(
                "Classified as major after the 24-hour limit from awareness: the notification is already late; submit it as soon as possible (the final draft RTS reading, 4 hours from classification, gives {}).",
                timeutil::to_rfc3339(c + INITIAL_FROM_CLASSIFICATION)
            ));
            (cap, "24 hours from awareness (RTS 2025/301 Art. 5(1)(a)); classification came after it".to_string())
        }
        None => {
            notes.push("Not classified yet: the 24-hour limit from awareness applies; classification as major brings the time limit to 4 hours from classification if that is earlier.".into());
            (cap, "24 hours from awareness, pending classification (RTS 2025/301 Art. 5(1)(a))".to_string())
        }
    };
    let initial = clock.deadline(
        ReportKind::InitialNotification,
        Some(base),
        early_relief,
        rule,
        facts.initial_submitted_at,
        soon.initial,
        notes,
        not_major,
    );

    let intermediate_base = facts
        .initial_submitted_at
        .map(|t| t + INTERMEDIATE_FROM_INITIAL);
    let mut notes = Vec::new();
    if intermediate_base.is_none() && !not_major {
        notes.push("Due 72 hours after the initial notification is submitted.".into());
    }
    notes.push("Update it without undue delay when regular activities are recovered or the status changes significantly.".into());
    let latest_intermediate = facts.intermediate_submitted_at.iter().max().copied();
    let intermediate = clock.deadline(
        ReportKind::IntermediateReport,
        intermediate_base,
        early_relief,
        "72 hours from the submission of the initial notification (RTS 2025/301 Art. 5(1)(b))"
            .into(),
        facts.intermediate_submitted_at.iter().min().copied(),
        soon.intermediate,
        notes,
        not_major,
    );

    let final_base = latest_intermediate.map(|t| {
        let local = t.with_timezone(&clock.zone).naive_local();
        resolve_local(
            clock.zone,
            local
                .checked_add_months(FINAL_FROM_INTERMEDIATE)
                .expect("date in range"),
        )
    });
    let mut notes = Vec::new();
    if final_base.is_none() && !not_major {
        notes.push("Due one calendar month after the latest intermediate report.".into());
    }
    let final_report = clock.deadline(
        ReportKind::FinalReport,
        final_base,
        true,
        "one month from the latest intermediate report, in the entity's calendar (RTS 2025/301 Art. 5(1)(c))".into(),
        facts.final_submitted_at,
        soon.final_report,
        notes,
        not_major,
    );
    Ok(Deadlines {
        initial_notification: initial,
        intermediate_report: intermediate,
        final_report,
        member_state: profile.home_member_state.clone(),
        time_zone: clock.zone.to_string(),
        computed_at: timeutil::to_rfc3339(now),
        decision: facts.decision.clone(),
    })
}
