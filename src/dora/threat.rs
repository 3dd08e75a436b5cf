//! Significant cyber threats (RTS 2024/1772 Art. 10), which may be notified voluntarily (DORA
//! Art. 19(2)); the notification's content is RTS 2025/301 Art. 7.
//!
//! Art. 10 as the Official Journal words it: a threat is significant when all of
//! (a) if materialised it could affect critical or important functions of the entity, other
//!     financial entities, third-party providers, clients or financial counterparts;
//! (b) it has a high probability of materialising, "taking into account at least" (i) the
//!     applicable risks, exploitable vulnerabilities of the entity's systems included, (ii) the
//!     capabilities and intent of threat actors, (iii) the persistence of the threat and the
//!     knowledge accrued about incidents that hit the entity, its providers, clients or
//!     counterparts;
//! (c) if materialised it could meet *any* of: the criticality criterion of Art. 6, the threshold
//!     of Art. 9(1), the threshold of Art. 9(4). The thresholds of Art. 9(2), (3), (5) and (6)
//!     "may also be considered" where the entity concludes they could be met.
//!
//! The probability in (b) is a person's judgment; the assessment refuses to call it met until
//! the three elements the article names have each been answered, and shows every answer with
//! where it came from.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::criteria::Status;
use super::facts::{resolve_inputs, Facts, InputSpec, Kind, Lookup};
use crate::input::InputError;
use crate::timeutil;

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
    flag("exploitable_vulnerabilities"),
    flag("threat_actor_capability_and_intent"),
    flag("threat_persistence"),
    flag("could_affect_critical_services"),
    flag("could_meet_clients_threshold"),
    flag("could_meet_geographical_threshold"),
    flag("could_meet_reputational_threshold"),
    flag("could_meet_duration_threshold"),
    flag("could_meet_data_losses_threshold"),
    flag("could_meet_economic_threshold"),
];

/// Point (a): what the threat could affect.
const A: &[(&str, &str)] = &[
    (
        "could_affect_critical_functions",
        "critical or important functions of the entity",
    ),
    (
        "could_affect_other_financial_entities",
        "other financial entities",
    ),
    (
        "could_affect_third_party_providers",
        "third-party providers",
    ),
    (
        "could_affect_clients_or_counterparts",
        "clients or financial counterparts",
    ),
];

/// Point (b)(i)–(iii): the elements the probability is judged on.
const B_ELEMENTS: &[(&str, &str)] = &[
    (
        "exploitable_vulnerabilities",
        "(i) applicable risks, exploitable vulnerabilities of the entity's systems included",
    ),
    (
        "threat_actor_capability_and_intent",
        "(ii) capabilities and intent of the threat actors",
    ),
    (
        "threat_persistence",
        "(iii) persistence of the threat and incidents already seen at the entity, its providers, clients or counterparts",
    ),
];

/// Point (c): (input, what it means, the DORA_CYB field 15 code, whether Art. 10(c) names it or
/// it "may also be considered").
const C: &[(&str, &str, &str, bool)] = &[
    (
        "could_affect_critical_services",
        "the criticality of services criterion (Art. 6)",
        "critical_services_affected",
        true,
    ),
    (
        "could_meet_clients_threshold",
        "the clients, counterparts and transactions threshold (Art. 9(1))",
        "clients_financial_counterparts_and_transactions_affected",
        true,
    ),
    (
        "could_meet_geographical_threshold",
        "the geographical spread threshold (Art. 9(4))",
        "geographical_spread",
        true,
    ),
    (
        "could_meet_reputational_threshold",
        "the reputational impact threshold (Art. 9(2))",
        "reputational_impact",
        false,
    ),
    (
        "could_meet_duration_threshold",
        "the duration and service downtime threshold (Art. 9(3))",
        "duration_and_service_downtime",
        false,
    ),
    (
        "could_meet_data_losses_threshold",
        "the data losses threshold (Art. 9(5))",
        "data_losses",
        false,
    ),
    (
        "could_meet_economic_threshold",
        "the economic impact threshold (Art. 9(6))",
        "economic_impact",
        false,
    ),
];

/// One answer behind a condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThreatEvidence {
    pub input: &'static str,
    /// What the answer is about, in the article's words.
    pub about: &'static str,
    /// `None`: not answered.
    pub value: Option<bool>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThreatCondition {
    pub article: &'static str,
    pub status: Status,
    pub justification: String,
    pub evidence: Vec<ThreatEvidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ThreatAssessment {
    /// When the assessment was made (the context key of `DORA.CyberThreat`).
    pub assessed_at: String,
    /// All three conditions met.
    pub significant: bool,
    pub determinate: bool,
    pub conditions: Vec<ThreatCondition>,
    /// The DORA_CYB field 15 codes of the criteria the threat could meet (Art. 10(c)).
    pub potential_criteria: Vec<&'static str>,
    pub missing: Vec<&'static str>,
}

fn evidence(f: &Facts, name: &'static str, about: &'static str) -> ThreatEvidence {
    ThreatEvidence {
        input: name,
        about,
        value: f.flag(name),
        source: f.get(name).map(|x| x.source.to_string()),
    }
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

fn yes(e: &[ThreatEvidence]) -> Vec<&'static str> {
    e.iter()
        .filter(|x| x.value == Some(true))
        .map(|x| x.about)
        .collect()
}

fn unanswered(e: &[ThreatEvidence]) -> Vec<&'static str> {
    e.iter()
        .filter(|x| x.value.is_none())
        .map(|x| x.input)
        .collect()
}

fn point_a(f: &Facts) -> ThreatCondition {
    let ev: Vec<ThreatEvidence> = A.iter().map(|(n, a)| evidence(f, n, a)).collect();
    let status = any_of(&ev.iter().map(|e| e.value).collect::<Vec<_>>());
    let justification = match status {
        Status::Met => format!("if it materialised it could affect {}", yes(&ev).join(", ")),
        Status::NotMet => {
            "it could affect none of the functions, entities or persons of Art. 10(a)".into()
        }
        Status::NotAssessable => format!(
            "not assessable: no answer yet affirms what it could affect ({} unanswered)",
            unanswered(&ev).join(", ")
        ),
    };
    ThreatCondition {
        article: "RTS 2024/1772 Art. 10(a)",
        status,
        justification,
        evidence: ev,
    }
}

fn point_b(f: &Facts) -> ThreatCondition {
    let mut ev = vec![evidence(
        f,
        "high_probability",
        "a high probability of materialising at the entity or at other financial entities",
    )];
    let elements: Vec<ThreatEvidence> = B_ELEMENTS.iter().map(|(n, a)| evidence(f, n, a)).collect();
    let open = unanswered(&elements);
    let (status, justification) = match ev[0].value {
        Some(false) => (
            Status::NotMet,
            "its probability of materialising is judged not high".to_string(),
        ),
        Some(true) if open.is_empty() => (
            Status::Met,
            format!(
                "its probability of materialising is judged high, taking into account {}",
                elements
                    .iter()
                    .map(|e| format!(
                        "{}: {}",
                        e.about,
                        if e.value == Some(true) { "yes" } else { "no" }
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Some(true) => (
            Status::NotAssessable,
            format!(
                "not assessable: the probability is judged high, but Art. 10(b) takes into account at least the elements (i) to (iii) and {} is not answered",
                open.join(", ")
            ),
        ),
        None => (
            Status::NotAssessable,
            "not assessable: high_probability is not answered".to_string(),
        ),
    };
    ev.extend(elements);
    ThreatCondition {
        article: "RTS 2024/1772 Art. 10(b)",
        status,
        justification,
        evidence: ev,
    }
}

fn point_c(f: &Facts) -> ThreatCondition {
    let ev: Vec<ThreatEvidence> = C.iter().map(|(n, a, _, _)| evidence(f, n, a)).collect();
    let named: Vec<Option<bool>> = ev
        .iter()
        .zip(C)
        .filter(|(_, c)| c.3)
        .map(|(e, _)| e.value)
        .collect();
    let any_yes = ev.iter().any(|e| e.value == Some(true));
    let status = if any_yes {
        Status::Met
    } else if named.iter().all(|v| *v == Some(false)) {
        Status::NotMet
    } else {
        Status::NotAssessable
    };
    let justification = match status {
        Status::Met => format!("if it materialised it could meet {}", yes(&ev).join(", ")),
        Status::NotMet => "if it materialised it could meet neither Art. 6 nor the thresholds of Art. 9(1) or 9(4)".into(),
        Status::NotAssessable => format!(
            "not assessable: Art. 6, 9(1) and 9(4) are not all answered ({} unanswered)",
            unanswered(&ev[..3]).join(", ")
        ),
    };
    ThreatCondition {
        article: "RTS 2024/1772 Art. 10(c)",
        status,
        justification,
        evidence: ev,
    }
}

pub fn assess(args: &Value, now: DateTime<Utc>) -> Result<ThreatAssessment, InputError> {
    let f = resolve_inputs(
        THREAT_INPUTS,
        &Lookup {
            args,
            incident: &Value::Null,
            context: &Value::Null,
        },
    )?;
    let conditions = vec![point_a(&f), point_b(&f), point_c(&f)];
    let statuses: Vec<Status> = conditions.iter().map(|c| c.status).collect();
    let potential_criteria: Vec<&'static str> = C
        .iter()
        .filter(|(n, _, _, _)| f.flag(n) == Some(true))
        .map(|(_, _, code, _)| *code)
        .collect();
    let missing: Vec<&'static str> = THREAT_INPUTS
        .iter()
        .map(|s| s.name)
        .filter(|n| f.flag(n).is_none())
        .collect();
    Ok(ThreatAssessment {
        assessed_at: timeutil::to_rfc3339(now),
        significant: statuses.iter().all(|s| *s == Status::Met),
        determinate: statuses.contains(&Status::NotMet)
            || statuses.iter().all(|s| *s == Status::Met),
        conditions,
        potential_criteria,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-20T15:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn all_b() -> Value {
        json!({"high_probability": true, "exploitable_vulnerabilities": true,
               "threat_actor_capability_and_intent": true, "threat_persistence": false})
    }

    fn with(mut base: Value, extra: Value) -> Value {
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    #[test]
    fn point_c_takes_any_of_art_6_9_1_and_9_4_as_the_official_journal_words_it() {
        // Art. 9(4) alone, without Art. 6: the earlier reading (Art. 6 AND 9(1) or 9(4)) said no.
        let args = with(
            all_b(),
            json!({"could_affect_clients_or_counterparts": true, "could_meet_geographical_threshold": true}),
        );
        let t = assess(&args, at()).unwrap();
        assert!(t.significant && t.determinate, "{t:?}");
        assert_eq!(t.conditions[2].status, Status::Met);
        assert_eq!(t.potential_criteria, ["geographical_spread"]);
        assert_eq!(t.assessed_at, "2026-05-20T15:00:00Z");
        // A threshold the article lets the entity consider also counts.
        let t = assess(
            &with(all_b(), json!({"could_affect_critical_functions": true, "could_meet_data_losses_threshold": true})),
            at(),
        )
        .unwrap();
        assert_eq!(t.conditions[2].status, Status::Met);
        assert_eq!(t.potential_criteria, ["data_losses"]);
        // All three named ones answered no, nothing else: not met, and the threat is not significant.
        let t = assess(
            &with(all_b(), json!({"could_affect_critical_functions": true, "could_affect_critical_services": false,
                                  "could_meet_clients_threshold": false, "could_meet_geographical_threshold": false})),
            at(),
        )
        .unwrap();
        assert_eq!(t.conditions[2].status, Status::NotMet);
        assert!(!t.significant && t.determinate);
    }

    #[test]
    fn point_b_needs_the_three_elements_and_shows_every_answer_with_its_source() {
        let args = json!({"high_probability": "yes", "exploitable_vulnerabilities": true,
                          "could_affect_critical_functions": true, "could_affect_critical_services": true});
        let t = assess(&args, at()).unwrap();
        let b = &t.conditions[1];
        assert_eq!(b.status, Status::NotAssessable);
        assert!(
            b.justification
                .contains("threat_actor_capability_and_intent, threat_persistence"),
            "{}",
            b.justification
        );
        assert!(!t.significant && !t.determinate);
        let hp = &b.evidence[0];
        assert_eq!((hp.input, hp.value), ("high_probability", Some(true)));
        assert_eq!(hp.source.as_deref(), Some("argument high_probability"));
        assert_eq!(b.evidence[3].value, None);
        let t = assess(&with(args, all_b()), at()).unwrap();
        assert_eq!(t.conditions[1].status, Status::Met);
        assert!(t.conditions[1].justification.contains("(iii) persistence of the threat and incidents already seen at the entity, its providers, clients or counterparts: no"));
        assert!(t.significant);
        // A probability judged not high settles (b), whatever the elements.
        let t = assess(&json!({"high_probability": false}), at()).unwrap();
        assert_eq!(t.conditions[1].status, Status::NotMet);
        assert!(t.determinate && !t.significant);
    }

    #[test]
    fn a_bad_answer_names_its_argument() {
        let e = assess(&json!({"threat_persistence": "perhaps"}), at()).unwrap_err();
        assert_eq!(e.argument, "threat_persistence");
    }
}
