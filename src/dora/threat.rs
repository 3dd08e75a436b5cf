//! Significant cyber threats (RTS 2024/1772 Art. 10), which may be notified voluntarily.

use serde::Serialize;
use serde_json::Value;

use super::criteria::Status;
use super::facts::{resolve_inputs, InputSpec, Kind, Lookup};
use crate::input::InputError;

const fn flag(name: &'static str) -> InputSpec {
    InputSpec {
        name,
        kind: Kind::Flag,
        context: &[],
        incident: &[],
    }
}

pub const THREAT_INPUTS: &[InputSpec] = &[
    flag("could_affect_critical_functions"),
    flag("could_affect_other_financial_entities"),
    flag("could_affect_third_party_providers"),
    flag("could_affect_clients_or_counterparts"),
    flag("high_probability"),
    flag("could_affect_critical_services"),
    flag("could_meet_clients_threshold"),
    flag("could_meet_geographical_threshold"),
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThreatCondition {
    pub article: &'static str,
    pub status: Status,
    pub justification: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThreatAssessment {
    /// All three conditions met.
    pub significant: bool,
    pub determinate: bool,
    pub conditions: Vec<ThreatCondition>,
    pub missing: Vec<&'static str>,
}

fn any_of(flags: &[Option<bool>]) -> Status {
    if flags.contains(&Some(true)) {
        Status::Met
    } else if flags.iter().all(|f| *f == Some(false)) {
        Status::NotMet
    } else {
        Status::NotAssessable
    }
}

pub fn assess(args: &Value) -> Result<ThreatAssessment, InputError> {
    let f = resolve_inputs(
        THREAT_INPUTS,
        &Lookup {
            args,
            incident: &Value::Null,
            context: &Value::Null,
        },
    )?;
    let g = |n: &str| f.flag(n);
    let a = any_of(&[
        g("could_affect_critical_functions"),
        g("could_affect_other_financial_entities"),
        g("could_affect_third_party_providers"),
        g("could_affect_clients_or_counterparts"),
    ]);
    let b = any_of(&[g("high_probability")]);
    // (c): could meet Art. 6 AND (Art. 9(1) OR Art. 9(4)).
    let c_critical = any_of(&[g("could_affect_critical_services")]);
    let c_threshold = any_of(&[
        g("could_meet_clients_threshold"),
        g("could_meet_geographical_threshold"),
    ]);
    let c = match (c_critical, c_threshold) {
        (Status::Met, Status::Met) => Status::Met,
        (Status::NotMet, _) | (_, Status::NotMet) => Status::NotMet,
        _ => Status::NotAssessable,
    };
    let say = |s: Status, yes: &str, no: &str| match s {
        Status::Met => yes.to_string(),
        Status::NotMet => no.to_string(),
        Status::NotAssessable => format!("not assessable: {yes}?"),
    };
    let conditions = vec![
        ThreatCondition {
            article: "RTS 2024/1772 Art. 10(a)",
            status: a,
            justification: say(a, "if it materialised it could affect critical or important functions, other financial entities, third-party providers, clients or counterparts", "it could affect none of the functions, entities or persons of Art. 10(a)"),
        },
        ThreatCondition {
            article: "RTS 2024/1772 Art. 10(b)",
            status: b,
            justification: say(b, "it has a high probability of materialising", "its probability of materialising is not high"),
        },
        ThreatCondition {
            article: "RTS 2024/1772 Art. 10(c)",
            status: c,
            justification: say(c, "if it materialised it could meet the criticality criterion (Art. 6) and the clients (Art. 9(1)) or geographical spread (Art. 9(4)) threshold", "if it materialised it could not meet Art. 6 together with Art. 9(1) or 9(4)"),
        },
    ];
    let missing: Vec<&'static str> = THREAT_INPUTS
        .iter()
        .map(|s| s.name)
        .filter(|n| g(n).is_none())
        .collect();
    let statuses = [a, b, c];
    Ok(ThreatAssessment {
        significant: statuses.iter().all(|s| *s == Status::Met),
        determinate: statuses.contains(&Status::NotMet)
            || statuses.iter().all(|s| *s == Status::Met),
        conditions,
        missing,
    })
}
