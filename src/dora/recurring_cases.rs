//! Recurring incidents (RTS 2024/1772 Art. 8(2)) inside and outside six months.

use serde_json::{json, Value};

use super::recurring;
use super::regulation_cases::{profile_with, t};

fn past(id: &str, occurred: &str, cause: &str, extra: Value) -> Value {
    let mut v = json!({"id": id, "occurred_at": occurred, "root_cause": cause, "affected_services": "Card payments"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn recurring_incidents_inside_and_outside_six_months() {
    let p = profile_with(json!({}));
    let now = t("2026-06-30T12:00:00Z");
    // Each alone: EUR 60 000 and 6 000 clients; together EUR 120 000 and 12 000 of 100 000 clients.
    let each = json!({"economic_impact_eur": "60000", "clients_affected": 6000, "malicious_unauthorized_access": false});
    let two = [
        past(
            "INC-1",
            "2026-01-15T10:00:00Z",
            "Expired TLS certificate on the card gateway",
            each.clone(),
        ),
        past(
            "INC-2",
            "2026-05-02T10:00:00Z",
            "expired TLS certificate  on the card gateway",
            each.clone(),
        ),
    ];
    let r = recurring::assess(&two, &p, now).unwrap();
    assert_eq!(r.groups.len(), 1);
    let g = &r.groups[0];
    assert!(g.recurring && g.is_major, "{}", g.rule);
    let c = g.classification.as_ref().unwrap();
    assert_eq!(c.rule, "RTS 2024/1772 Art. 8(1)(b)");
    assert!(
        c.criteria[6].evidence.contains("EUR 120 000.00"),
        "{}",
        c.criteria[6].evidence
    );
    assert!(
        c.criteria[0].evidence.contains("12 000 of 100 000"),
        "{}",
        c.criteria[0].evidence
    );

    // 2025-12-29 is more than six months before 2026-06-30.
    let old = [
        past(
            "INC-0",
            "2025-12-29T10:00:00Z",
            "Expired TLS certificate on the card gateway",
            each.clone(),
        ),
        two[1].clone(),
    ];
    let r = recurring::assess(&old, &p, now).unwrap();
    assert!(!r.groups[0].recurring && !r.any_major);
    assert!(
        r.excluded[0].starts_with("INC-0: occurred 2025-12-29T10:00:00Z, outside the 6 months"),
        "{:?}",
        r.excluded
    );
    // Exactly six months before is inside.
    let edge = [
        past(
            "INC-0",
            "2025-12-30T12:00:00Z",
            "Expired TLS certificate on the card gateway",
            each.clone(),
        ),
        two[1].clone(),
    ];
    assert!(recurring::assess(&edge, &p, now).unwrap().groups[0].recurring);

    let different = [
        two[0].clone(),
        past(
            "INC-3",
            "2026-05-02T10:00:00Z",
            "Misconfigured firewall rule",
            each.clone(),
        ),
    ];
    let r = recurring::assess(&different, &p, now).unwrap();
    assert_eq!(r.groups.len(), 2);
    assert!(r.groups.iter().all(|g| !g.recurring));

    let with_major = [
        two[0].clone(),
        two[1].clone(),
        past(
            "INC-9",
            "2026-04-01T10:00:00Z",
            "Expired TLS certificate on the card gateway",
            json!({"is_major": true}),
        ),
    ];
    let r = recurring::assess(&with_major, &p, now).unwrap();
    assert_eq!(r.groups[0].occurrences, 2);
    assert!(r
        .excluded
        .iter()
        .any(|e| e.starts_with("INC-9: already major")));

    let small = profile_with(json!({"simplified_framework": true}));
    let r = recurring::assess(&two, &small, now).unwrap();
    assert!(!r.applicable && !r.any_major);
    assert!(r.groups[0].rule.starts_with("Not applicable"));

    let not_enough = [
        past(
            "A",
            "2026-02-01T10:00:00Z",
            "x",
            json!({"economic_impact_eur": "10000", "malicious_unauthorized_access": false}),
        ),
        past(
            "B",
            "2026-03-01T10:00:00Z",
            "x",
            json!({"economic_impact_eur": "10000"}),
        ),
    ];
    let r = recurring::assess(&not_enough, &p, now).unwrap();
    assert!(r.groups[0].recurring && !r.groups[0].is_major);
    assert!(recurring::assess(
        &[json!({"id": "A", "occurred_at": "2026-02-01T10:00:00Z"})],
        &p,
        now
    )
    .unwrap_err()
    .message
    .contains("root_cause"));
}

#[test]
fn incidents_come_as_a_list_or_its_json_text_and_nothing_else() {
    let one = json!([{"id": "INC-1"}]);
    assert_eq!(
        recurring::incidents_of(one.clone()).unwrap(),
        one.as_array().unwrap().clone()
    );
    assert_eq!(
        recurring::incidents_of(Value::String(one.to_string())).unwrap(),
        one.as_array().unwrap().clone()
    );
    for bad in [
        json!("[{\"id\": "),
        json!({"id": "INC-1"}),
        json!("{}"),
        Value::Null,
    ] {
        let e = recurring::incidents_of(bad.clone()).unwrap_err();
        crate::input::assert_refused(&e, "incidents", "incidents must be a");
    }
}
