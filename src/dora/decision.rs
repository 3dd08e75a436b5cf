//! Whether the incident is major, who decided it and since when: the system times, the person
//! decides.
//!
//! The system's classification (`DORA.Classification`) is a verdict; a person's decision
//! (sealed in the evidence chain by `!dora-decide`, made by an authenticated XSOAR user with a
//! reason) overrides it and stands
//! until a person decides again. "Not major on the facts known so far" decides nothing: the
//! incident stays *pending*, the 24-hour limit from awareness keeps running and the missing facts
//! are listed. Only a conclusive not-major verdict (every criterion assessed) or a person's
//! "not major" stops the clock. The 4 hours of RTS 2025/301 Art. 5(1)(a) run from the moment the
//! incident became major, whoever decided it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::context::{read_all, view, AuditRecord, ClassificationRecord};
use crate::timeutil;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecisionState {
    /// No conclusive verdict yet: the awareness clock runs.
    Pending,
    Major,
    NotMajor,
}

/// One classification by the system.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemVerdict {
    pub is_major: bool,
    /// Every criterion that could change the verdict was assessed.
    pub determinate: bool,
    pub at: DateTime<Utc>,
    pub missing: Vec<String>,
}

/// One decision by a person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonDecision {
    pub major: bool,
    pub at: DateTime<Utc>,
    /// The authenticated XSOAR user.
    pub by: String,
    pub reason: String,
}

/// The decision in force, as the clock and the incident show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Decision {
    pub state: DecisionState,
    /// `system`, or the XSOAR user who decided.
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// When the incident became major (RTS 2025/301 Art. 5(1)(a) counts the 4 hours from it).
    pub major_since: Option<String>,
    pub reason: Option<String>,
    /// While pending: the facts whose absence keeps the verdict open.
    pub missing_facts: Vec<String>,
    /// The system's latest verdict, kept beside a person's decision.
    pub system_verdict: Option<&'static str>,
}

impl Decision {
    /// The decision as the clock reads it: `Some(true)` major, `Some(false)` not major, `None`
    /// pending.
    pub fn is_major(&self) -> Option<bool> {
        match self.state {
            DecisionState::Major => Some(true),
            DecisionState::NotMajor => Some(false),
            DecisionState::Pending => None,
        }
    }
}

fn verdict_text(v: &SystemVerdict) -> &'static str {
    match (v.is_major, v.determinate) {
        (true, _) => "major",
        (false, true) => "not major",
        (false, false) => "not major on the facts known so far",
    }
}

/// The decision in force after every verdict and decision so far (in any order).
pub fn decide(system: &[SystemVerdict], people: &[PersonDecision]) -> Decision {
    // Every event in time order: (at, says major, a conclusive "not major").
    let mut events: Vec<(DateTime<Utc>, bool, bool)> = system
        .iter()
        .map(|v| (v.at, v.is_major, !v.is_major && v.determinate))
        .chain(people.iter().map(|p| (p.at, p.major, !p.major)))
        .collect();
    events.sort_by_key(|e| e.0);
    let mut major_since = None;
    for (at, major, stops) in events {
        if major && major_since.is_none() {
            major_since = Some(at);
        } else if stops {
            major_since = None;
        }
    }
    let latest_system = system.iter().max_by_key(|v| v.at);
    let when = |t: DateTime<Utc>| Some(timeutil::to_rfc3339(t));
    if let Some(p) = people.iter().max_by_key(|p| p.at) {
        let state = if p.major {
            DecisionState::Major
        } else {
            DecisionState::NotMajor
        };
        return Decision {
            state,
            decided_by: Some(p.by.clone()),
            decided_at: when(p.at),
            major_since: major_since.filter(|_| p.major).map(timeutil::to_rfc3339),
            reason: Some(p.reason.clone()),
            missing_facts: Vec::new(),
            system_verdict: latest_system.map(verdict_text),
        };
    }
    match latest_system {
        None => Decision {
            state: DecisionState::Pending,
            decided_by: None,
            decided_at: None,
            major_since: None,
            reason: None,
            missing_facts: Vec::new(),
            system_verdict: None,
        },
        Some(v) => {
            let state = match (v.is_major, v.determinate) {
                (true, _) => DecisionState::Major,
                (false, true) => DecisionState::NotMajor,
                (false, false) => DecisionState::Pending,
            };
            Decision {
                state,
                decided_by: Some("system".into()),
                decided_at: when(v.at),
                major_since: major_since
                    .filter(|_| state == DecisionState::Major)
                    .map(timeutil::to_rfc3339),
                reason: None,
                missing_facts: if state == DecisionState::Pending {
                    v.missing.clone()
                } else {
                    Vec::new()
                },
                system_verdict: Some(verdict_text(v)),
            }
        }
    }
}

fn time(v: Option<&str>) -> Option<DateTime<Utc>> {
    v.and_then(timeutil::parse_vendor_date)
}

/// The system's verdicts in the incident's context (`DORA.Classification`).
pub fn system_verdicts(context: &Value) -> Vec<SystemVerdict> {
    read_all::<ClassificationRecord>(context, "DORA.Classification")
        .into_iter()
        .filter_map(|c| {
            Some(SystemVerdict {
                is_major: c.is_major?,
                // Older entries without the flag were conclusive only when major.
                determinate: c.determinate.unwrap_or(false),
                at: time(c.classified_at.as_deref())?,
                missing: c.missing,
            })
        })
        .collect()
}

/// What a person's `decision` entry in the chain records.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct DecisionDetails {
    /// `major` or `not-major`.
    decision: Option<Value>,
    reason: Option<Value>,
}

/// People's decisions, as sealed in the incident's evidence chain (`DORA.Audit` entries of kind
/// `decision`, written by `!dora-decide`): the chain, not a context key anyone can set, is where
/// a decision is read from.
pub fn person_decisions(context: &Value) -> Vec<PersonDecision> {
    read_all::<AuditRecord>(context, "DORA.Audit")
        .into_iter()
        .filter(|e| e.kind.as_deref() == Some("decision"))
        .filter_map(|e| {
            let details: DecisionDetails = view(&e.details);
            let major = match details.decision.as_ref()?.as_str()? {
                "major" => true,
                "not-major" => false,
                _ => return None,
            };
            Some(PersonDecision {
                major,
                at: time(e.at.as_deref())?,
                by: e.actor?,
                reason: details
                    .reason
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dora::regulation_cases::t;

    fn sys(at: &str, is_major: bool, determinate: bool) -> SystemVerdict {
        SystemVerdict {
            is_major,
            determinate,
            at: t(at),
            missing: if determinate {
                vec![]
            } else {
                vec!["clients_affected".into()]
            },
        }
    }

    fn person(at: &str, major: bool) -> PersonDecision {
        PersonDecision {
            major,
            at: t(at),
            by: "ana.ruiz".into(),
            reason: "checked with the payments team".into(),
        }
    }

    #[test]
    fn not_major_on_incomplete_facts_is_pending_with_the_facts_missing() {
        let d = decide(&[sys("2026-03-04T09:00:00Z", false, false)], &[]);
        assert_eq!(d.state, DecisionState::Pending);
        assert_eq!(d.is_major(), None);
        assert_eq!(d.missing_facts, vec!["clients_affected"]);
        assert_eq!(
            d.system_verdict,
            Some("not major on the facts known so far")
        );
        assert_eq!(decide(&[], &[]).state, DecisionState::Pending);
    }

    #[test]
    fn a_conclusive_not_major_verdict_decides() {
        let d = decide(&[sys("2026-03-04T09:00:00Z", false, true)], &[]);
        assert_eq!(
            (d.state, d.decided_by.as_deref()),
            (DecisionState::NotMajor, Some("system"))
        );
    }

    #[test]
    fn a_persons_major_overrules_the_system_and_the_four_hours_run_from_it() {
        let d = decide(
            &[sys("2026-03-04T09:00:00Z", false, false)],
            &[person("2026-03-04T13:00:00Z", true)],
        );
        assert_eq!(d.state, DecisionState::Major);
        assert_eq!(d.major_since.as_deref(), Some("2026-03-04T13:00:00Z"));
        assert_eq!(d.decided_by.as_deref(), Some("ana.ruiz"));
        assert_eq!(
            d.system_verdict,
            Some("not major on the facts known so far")
        );
    }

    #[test]
    fn a_person_confirming_a_major_verdict_keeps_the_first_moment() {
        let d = decide(
            &[
                sys("2026-03-04T10:00:00Z", true, true),
                sys("2026-03-04T12:00:00Z", true, true),
            ],
            &[person("2026-03-04T13:00:00Z", true)],
        );
        assert_eq!(d.major_since.as_deref(), Some("2026-03-04T10:00:00Z"));
    }

    #[test]
    fn a_persons_not_major_stops_the_clock_and_stands_over_later_verdicts() {
        let d = decide(
            &[
                sys("2026-03-04T10:00:00Z", true, true),
                sys("2026-03-04T15:00:00Z", true, true),
            ],
            &[person("2026-03-04T12:00:00Z", false)],
        );
        assert_eq!(d.state, DecisionState::NotMajor);
        assert_eq!(d.major_since, None);
        assert_eq!(d.system_verdict, Some("major"));
        // A person deciding major again restarts from that decision, not the first verdict.
        let again = decide(
            &[sys("2026-03-04T10:00:00Z", true, true)],
            &[
                person("2026-03-04T12:00:00Z", false),
                person("2026-03-04T16:00:00Z", true),
            ],
        );
        assert_eq!(again.major_since.as_deref(), Some("2026-03-04T16:00:00Z"));
    }

    #[test]
    fn verdicts_and_decisions_are_read_from_context() {
        let ctx = serde_json::json!({"DORA": {
            "Classification": [{"IsMajor": false, "Determinate": false, "ClassifiedAt": "2026-03-04T09:00:00Z", "Missing": ["member_states"]}],
            "Audit": [{"Seq": 0, "Kind": "decision", "At": "2026-03-04T13:00:00Z", "Actor": "k.braun", "Details": {"Decision": "major", "Reason": "card payments down"}}]
        }});
        let d = decide(&system_verdicts(&ctx), &person_decisions(&ctx));
        assert_eq!(d.state, DecisionState::Major);
        assert_eq!(d.reason.as_deref(), Some("card payments down"));
    }
}
