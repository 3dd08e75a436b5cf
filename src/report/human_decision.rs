//! A person's decision that the incident is, or is not, major, against or beside the system's
//! verdict: "the system times, the person decides". The decision is made by the authenticated
//! XSOAR user in an approver role, with a reason, and sealed in the evidence chain (kind
//! `decision`), where the clock reads it (`dora::decision`): a "major" starts the 4 hours from
//! its moment, a "not major" stops the clock. Both verdicts stay in the chain.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::approval::user_json;
use super::entries::{details, ClassificationEntry};
use super::evidence::Evidence;
use super::policy::ApprovalPolicy;
use crate::audit::Entry;
use crate::identity::{Caller, RoleDirectory};
use crate::input::{quote, InputError};

/// Kind of the chain entries that record a person's decision.
pub const KIND: &str = "decision";
/// A reason is evidence an auditor reads: long enough to say why, bounded like any input.
const MAX_REASON: usize = 2_000;

/// What the person decided.
pub struct HumanDecision<'a> {
    /// `major` or `not-major`.
    pub major: bool,
    pub reason: &'a str,
    pub role: Option<&'a str>,
    pub typed_decider: Option<&'a str>,
}

/// The system's latest verdict in the chain, as recorded beside the person's decision.
fn system_verdict(chain: &[Entry]) -> Value {
    match chain.iter().rev().find(|e| e.kind == "classification") {
        Some(e) => {
            let c: ClassificationEntry = details(e);
            json!({
                "IsMajor": c.is_major,
                "Determinate": c.determinate,
                "InputsHash": c.inputs_hash,
                "Rule": c.rule,
                "At": e.at,
            })
        }
        None => Value::Null,
    }
}

/// Records the decision, if the chain verifies and the caller may decide.
pub fn record(
    ev: &mut Evidence<'_>,
    policy: &ApprovalPolicy,
    directory: &RoleDirectory,
    caller: &Caller,
    d: &HumanDecision<'_>,
    at: DateTime<Utc>,
) -> Result<Entry, InputError> {
    ev.verified()?;
    caller.check_typed("decided_by", d.typed_decider)?;
    let reason = d.reason.trim();
    if reason.is_empty() {
        return Err(InputError::new(
            "reason",
            "reason is required: a decision against or beside the system's verdict is evidence, and the authority may ask why.",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(InputError::new(
            "reason",
            format!("reason must be at most {MAX_REASON} characters; put the details in the incident's notes and summarise them here."),
        ));
    }
    let acting = directory.acting_role(caller, d.role, &policy.approver_roles)?;
    if let Some(last) = ev.chain.last() {
        if let Ok(prev) = crate::audit::parse_at(&last.at) {
            if at < prev {
                return Err(InputError::new(
                    "now",
                    format!(
                        "The decision's time ({}) is before the chain's last entry ({}).",
                        crate::timeutil::to_rfc3339(at),
                        quote(&last.at)
                    ),
                ));
            }
        }
    }
    let details = json!({
        "Decision": if d.major { "major" } else { "not-major" },
        "Reason": reason,
        "Role": acting.role,
        "RoleSource": acting.source,
        "User": user_json(caller),
        "SystemVerdict": system_verdict(&ev.chain),
    });
    ev.append(at, KIND, &caller.username, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::{ring, INCIDENT};
    use crate::report::decision_case::person;
    use chrono::TimeZone;

    fn caller(name: &str, roles: &[&str]) -> Caller {
        person(name, &format!("{name}@bank.example"), roles)
    }

    fn decision(major: bool, reason: &str) -> HumanDecision<'_> {
        HumanDecision {
            major,
            reason,
            role: None,
            typed_decider: None,
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 13, 0, 0).unwrap()
    }

    /// `who` records `d` now ([`at`]), under the default approval policy and role directory.
    fn record_as(
        ev: &mut Evidence<'_>,
        who: &Caller,
        d: &HumanDecision<'_>,
    ) -> Result<Entry, InputError> {
        let (policy, directory) = (ApprovalPolicy::default(), RoleDirectory::default());
        record(ev, &policy, &directory, who, d, at())
    }

    #[test]
    fn a_decision_by_an_approver_is_sealed_with_the_systems_verdict_beside_it() {
        let keys = ring();
        let mut ev = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        ev.append(
            at() - chrono::Duration::hours(4),
            "classification",
            "DORA Bridge",
            json!({"IsMajor": false, "Determinate": false, "InputsHash": "ab", "Rule": "RTS 2024/1772 Art. 8(1)"}),
        )
        .unwrap();
        let (chain, head) = (ev.chain.clone(), ev.head());
        let mut ev = Evidence::new(INCIDENT, &keys, chain, head).unwrap();
        let ciso = caller("m.weber", &["CISO"]);
        let e = record_as(
            &mut ev,
            &ciso,
            &decision(true, "card payments down for a third of clients"),
        )
        .unwrap();
        assert_eq!((e.kind.as_str(), e.actor.as_str()), (KIND, "m.weber"));
        assert_eq!(e.details["Decision"], "major");
        assert_eq!(e.details["Role"], "CISO");
        assert_eq!(e.details["SystemVerdict"]["IsMajor"], false);
        assert!(!e.mac.is_empty());
    }

    #[test]
    fn no_reason_no_role_or_a_typed_name_is_refused() {
        let keys = ring();
        let mut ev = Evidence::new(INCIDENT, &keys, vec![], None).unwrap();
        let ciso = caller("m.weber", &["CISO"]);
        let e = record_as(&mut ev, &ciso, &decision(false, "  ")).unwrap_err();
        assert_eq!(e.argument, "reason");
        let analyst = caller("j.doe", &["Analyst"]);
        let e = record_as(&mut ev, &analyst, &decision(false, "test system")).unwrap_err();
        assert_ne!(e.argument, "reason", "{}", e.message);
        let typed = HumanDecision {
            typed_decider: Some("k.braun"),
            ..decision(true, "x")
        };
        let e = record_as(&mut ev, &ciso, &typed).unwrap_err();
        assert_eq!(e.argument, "decided_by", "{}", e.message);
        assert!(ev.appended.is_empty());
    }
}
