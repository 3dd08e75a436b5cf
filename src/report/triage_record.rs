//! The triage of an incident in its evidence chain, and the moment the entity became aware of it.
//!
//! Triage at ingestion is automation's: the fetch sorts every alarm (`crate::triage`) and the
//! incident carries the outcome in its fields. `!dora-triage` seals that outcome in the chain,
//! with the detection and awareness of the incident (the moment it was ingested, unless a person
//! set another), so the clock's starting point is on record from minute zero. A person may
//! re-triage (escalate a cyber threat to a candidate ICT-related incident, say): signed in, with
//! a reason, recorded beside the automatic triage.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::approval::user_json;
use super::entries::{details, TriageEntry};
use super::evidence::Evidence;
use crate::audit::Entry;
use crate::identity::Caller;
use crate::input::{one_of, InputError};
use crate::triage::Outcome;

/// Kind of the chain entries that record a triage.
pub const KIND: &str = "triage";
const OUTCOMES: &[&str] = &[
    "candidate-ict-incident",
    "cyber-threat",
    "not-dora-relevant",
];

/// A person's re-triage.
pub struct PersonTriage<'a> {
    pub caller: &'a Caller,
    pub outcome: &'a str,
    pub reason: &'a str,
}

fn field<'a>(incident: &'a Value, name: &str) -> Option<&'a str> {
    incident
        .get("CustomFields")
        .and_then(|c| c.get(name))
        .or_else(|| incident.get(name))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.starts_with("0001-01-01"))
}

/// The triage the incident carries from its ingestion: the fetch's fields, or, for an incident a
/// person created, a candidate ICT-related incident.
pub fn automatic(incident: &Value) -> Value {
    match field(incident, "doratriageoutcome") {
        Some(outcome) => json!({
            "Outcome": outcome,
            "Rule": field(incident, "doratriagerule").unwrap_or(""),
            "Reason": field(incident, "doratriagereason").unwrap_or(""),
            "By": "DORA Bridge",
        }),
        None => json!({
            "Outcome": Outcome::CandidateIctIncident.as_str(),
            "Rule": "created in XSOAR",
            "Reason": "the incident was created in XSOAR, not fetched from SOCRadar: a person judged it a possible ICT-related incident",
            "By": "DORA Bridge",
        }),
    }
}

/// Records the detection and awareness (once) and the triage (when it changed), or a person's
/// re-triage; returns the entries appended and the triage in force.
pub fn record(
    ev: &mut Evidence<'_>,
    incident: &Value,
    person: Option<&PersonTriage<'_>>,
    at: DateTime<Utc>,
) -> Result<(Vec<Entry>, Value), InputError> {
    ev.verified()?;
    let mut out = Vec::new();
    if !ev.chain.iter().any(|e| e.kind == "detection") {
        // Awareness at ingestion: the moment XSOAR created the incident, unless a person recorded
        // another (DORA Detected At / DORA Aware At).
        let detected = field(incident, "doradetectedat").or_else(|| field(incident, "created"));
        if let Some(detected) = detected {
            let aware = field(incident, "doraawareat").unwrap_or(detected);
            out.push(ev.append(
                at,
                "detection",
                "DORA Bridge",
                json!({"DetectedAt": detected, "AwareAt": aware, "OccurredAt": field(incident, "occurred"), "RecordedAt": "ingestion"}),
            )?);
        }
    }
    let latest = ev
        .chain
        .iter()
        .rev()
        .find(|e| e.kind == KIND)
        .map(details::<TriageEntry>);
    let (details, actor) = match person {
        Some(p) => {
            let outcome = one_of("outcome", p.outcome, OUTCOMES)?;
            let reason = p.reason.trim();
            if reason.is_empty() {
                return Err(InputError::new(
                    "reason",
                    "reason is required when a person re-triages an incident: it is evidence an auditor reads.",
                ));
            }
            (
                json!({"Outcome": outcome, "Rule": "a person's triage", "Reason": reason, "By": p.caller.username,
                       "User": user_json(p.caller), "Previous": latest.as_ref().and_then(|l| l.outcome.clone())}),
                p.caller.username.clone(),
            )
        }
        None => (automatic(incident), "DORA Bridge".to_string()),
    };
    let same = latest.as_ref() == Some(&crate::context::view(&details));
    // A person's earlier triage stands over the automatic one run again.
    let person_before = latest
        .as_ref()
        .is_some_and(|l| l.rule.as_deref() == Some("a person's triage"));
    if person.is_some() || (!same && !person_before) {
        out.push(ev.append(at, KIND, &actor, details)?);
    }
    let current = ev
        .chain
        .iter()
        .rev()
        .find(|e| e.kind == KIND)
        .map(|e| {
            let mut d = e.details.clone();
            d["At"] = json!(e.at);
            d["Hash"] = json!(e.hash);
            d
        })
        .unwrap_or(Value::Null);
    Ok((out, current))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::{ring, INCIDENT};
    use chrono::TimeZone;

    fn fetched() -> Value {
        json!({"id": INCIDENT, "created": "2026-11-23T09:14:00Z", "occurred": "2026-11-23T09:10:00Z",
               "CustomFields": {"doratriageoutcome": "cyber-threat", "doratriagerule": "default: sub type Stolen Credentials",
                                "doratriagereason": "credentials found in stealer logs"}})
    }

    #[test]
    fn awareness_and_the_automatic_triage_are_sealed_at_ingestion_once() {
        let keys = ring();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 15, 0).unwrap();
        let mut ev = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        let (added, current) = record(&mut ev, &fetched(), None, t).unwrap();
        assert_eq!(
            added.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["detection", "triage"]
        );
        assert_eq!(added[0].details["AwareAt"], "2026-11-23T09:14:00Z");
        assert_eq!(current["Outcome"], "cyber-threat");
        let (chain, head) = (ev.chain.clone(), ev.head());
        let mut again = Evidence::new(INCIDENT, &keys, chain, head).unwrap();
        let (added, _) = record(&mut again, &fetched(), None, t).unwrap();
        assert!(added.is_empty(), "run again, nothing new");
    }

    #[test]
    fn a_person_escalates_with_a_reason_and_the_automatic_triage_does_not_undo_it() {
        let keys = ring();
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 15, 0).unwrap();
        let mut ev = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        record(&mut ev, &fetched(), None, t).unwrap();
        let (chain, head) = (ev.chain.clone(), ev.head());
        let mut ev = Evidence::new(INCIDENT, &keys, chain, head).unwrap();
        let analyst = Caller {
            username: "sam.doe".into(),
            email: None,
            name: None,
            xsoar_roles: vec![],
        };
        let p = PersonTriage {
            caller: &analyst,
            outcome: "candidate-ict-incident",
            reason: "the leaked account is a payment gateway admin",
        };
        let (added, current) = record(&mut ev, &fetched(), Some(&p), t).unwrap();
        assert_eq!((added.len(), added[0].actor.as_str()), (1, "sam.doe"));
        assert_eq!(current["Previous"], "cyber-threat");
        let (chain, head) = (ev.chain.clone(), ev.head());
        let mut ev = Evidence::new(INCIDENT, &keys, chain, head).unwrap();
        let (added, current) = record(&mut ev, &fetched(), None, t).unwrap();
        assert!(added.is_empty() && current["Outcome"] == "candidate-ict-incident");
        let bad = PersonTriage {
            caller: &analyst,
            outcome: "major",
            reason: "x",
        };
        assert_eq!(
            record(&mut ev, &fetched(), Some(&bad), t)
                .unwrap_err()
                .argument,
            "outcome"
        );
        let silent = PersonTriage {
            caller: &analyst,
            outcome: "cyber-threat",
            reason: " ",
        };
        assert_eq!(
            record(&mut ev, &fetched(), Some(&silent), t)
                .unwrap_err()
                .argument,
            "reason"
        );
    }
}
