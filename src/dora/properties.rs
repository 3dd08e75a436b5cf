//! Properties of the classifier: more impact never makes a major incident non-major, and the
//! order in which facts are listed changes nothing.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::classify::{classify, Classification};
use super::facts::{resolve, Lookup};
use super::profile::EntityProfile;

const STATES: &[&str] = &["DE", "FR", "AT", "NL", "IE", "US", "CH"];
const SERVICES: &[&str] = &[
    "Card payments",
    "Instant payments",
    "Reporting portal",
    "Account information",
];
const LOSSES: &[&str] = &[
    "availability",
    "authenticity",
    "integrity",
    "confidentiality",
];

fn profile() -> EntityProfile {
    EntityProfile::from_params(&json!({
        "entity_name": "Institut Exemple SA", "entity_type": "electronic_money_institution", "home_member_state": "FR",
        "critical_services": "Card payments, Instant payments", "authorised_services": "Account information",
    }))
    .unwrap()
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-04T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn run(args: &Value) -> Classification {
    let facts = resolve(&Lookup {
        args,
        incident: &Value::Null,
        context: &Value::Null,
    })
    .unwrap();
    classify(facts, &profile(), at()).unwrap()
}

fn opt_flag() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![Just(None), Just(Some(false)), Just(Some(true))]
}

prop_compose! {
    fn incident()(
        total in 1u64..200_000,
        share in 0u64..=1000,
        states in proptest::sample::subsequence(STATES.to_vec(), 0..=STATES.len()),
        services in proptest::sample::subsequence(SERVICES.to_vec(), 0..=SERVICES.len()),
        losses in prop::option::of(proptest::sample::subsequence(LOSSES.to_vec(), 0..=LOSSES.len())),
        economic in prop::option::of(0u64..30_000_000),
        flags in prop::collection::vec(opt_flag(), 6),
        hours in prop::option::of(0i64..60),
        known in prop::collection::vec(any::<bool>(), 4),
    ) -> Value {
        let mut m = Map::new();
        if known[0] {
            m.insert("clients_total".into(), json!(total));
            m.insert("clients_affected".into(), json!(total * share / 1000));
        }
        if known[1] {
            m.insert("member_states".into(), json!(states.join(",")));
        }
        if known[2] {
            m.insert("affected_services".into(), json!(services.join(",")));
        }
        if let Some(l) = losses {
            m.insert("data_losses".into(), json!(if l.is_empty() { "none".to_string() } else { l.join(",") }));
        }
        if let Some(e) = economic {
            m.insert("economic_impact_eur".into(), json!(format!("{}.{:02}", e / 100, e % 100)));
        }
        for (name, f) in ["media_coverage", "repetitive_complaints", "malicious_unauthorized_access", "relevant_clients_affected", "regulatory_requirements_breached", "client_loss_likely"].iter().zip(flags) {
            if let Some(b) = f {
                m.insert((*name).into(), json!(b));
            }
        }
        if let (Some(h), true) = (hours, known[3]) {
            m.insert("occurred_at".into(), json!("2026-03-01T00:00:00Z"));
            m.insert("resolved_at".into(), json!(format!("2026-03-0{}T{:02}:00:00Z", 1 + h / 24, h % 24)));
        }
        Value::Object(m)
    }
}

fn reversed_list(v: &Value) -> Value {
    let mut out = v.clone();
    for key in ["member_states", "affected_services", "data_losses"] {
        if let Some(s) = v.get(key).and_then(Value::as_str) {
            let mut parts: Vec<&str> = s.split(',').collect();
            parts.reverse();
            out[key] = json!(parts.join(" , "));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

    #[test]
    fn one_more_client_never_makes_a_major_incident_non_major(args in incident()) {
        let base = run(&args);
        if let (Some(a), Some(t)) = (args["clients_affected"].as_u64(), args["clients_total"].as_u64()) {
            if a < t {
                let mut more = args.clone();
                more["clients_affected"] = json!(a + 1);
                prop_assert!(!base.is_major || run(&more).is_major);
            }
        }
    }

    #[test]
    fn one_more_member_state_never_makes_a_major_incident_non_major(args in incident(), extra in proptest::sample::select(STATES)) {
        let base = run(&args);
        let mut more = args.clone();
        let list = args.get("member_states").and_then(Value::as_str).unwrap_or("");
        more["member_states"] = json!(if list.is_empty() { extra.to_string() } else { format!("{list},{extra}") });
        prop_assert!(!base.is_major || run(&more).is_major);
    }

    #[test]
    fn one_more_euro_never_makes_a_major_incident_non_major(args in incident(), cents in 1u64..10_000_000) {
        let base = run(&args);
        let mut more = args.clone();
        let was = args.get("economic_impact_eur").and_then(Value::as_str).map(|s| (s.replace('.', "")).parse::<u64>().unwrap()).unwrap_or(0);
        let now = was + cents;
        more["economic_impact_eur"] = json!(format!("{}.{:02}", now / 100, now % 100));
        prop_assert!(!base.is_major || run(&more).is_major);
    }

    #[test]
    fn the_verdict_and_hash_do_not_depend_on_order(args in incident()) {
        let a = run(&args);
        let b = run(&reversed_list(&args));
        prop_assert_eq!(a.is_major, b.is_major);
        prop_assert_eq!(&a.rule, &b.rule);
        prop_assert_eq!(&a.inputs_hash, &b.inputs_hash);
    }

    #[test]
    fn a_major_verdict_names_its_rule_and_thresholds(args in incident()) {
        let c = run(&args);
        if c.is_major {
            prop_assert!(c.rule.ends_with("8(1)(a)") || (c.rule.ends_with("8(1)(b)") && c.thresholds_met.len() >= 2));
            prop_assert!(c.determinate);
        } else {
            prop_assert!(c.determinate || !c.could_become_major_if.is_empty());
        }
    }
}
