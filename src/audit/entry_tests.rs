//! Writing and reading entries: the canonical form, the MAC, the checks `next_entry` makes.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use super::testing::{ring, scope, INCIDENT};
use super::*;

fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).unwrap()
}

fn detection() -> Entry {
    next_entry(
        scope(&ring()),
        &[],
        t(9, 14, 0),
        "detection",
        "DORA Bridge",
        json!({"source": "SOCRadar", "alarm_id": 81171696}),
    )
    .unwrap()
}

#[test]
fn the_first_entry_starts_the_chain_and_the_next_links_to_it() {
    let r = ring();
    let first = detection();
    assert_eq!(first.seq, 0);
    assert_eq!(first.at, "2026-11-23T09:14:00Z");
    assert_eq!(first.prev_hash, GENESIS_PREV_HASH);
    assert_eq!(first.hash, first.computed_hash(INCIDENT));
    assert_eq!((first.hash.len(), first.mac.len()), (64, 64));
    assert_eq!(first.key_id, "k2");
    assert!(r
        .current()
        .verifies(&first.canonical_text(INCIDENT), &first.mac));
    let second = next_entry(
        scope(&r),
        std::slice::from_ref(&first),
        t(9, 14, 0),
        " classification ",
        "DORA Bridge",
        json!({"inputs_hash": "ab".repeat(32)}),
    )
    .unwrap();
    assert_eq!(second.seq, 1);
    assert_eq!(second.kind, "classification");
    assert_eq!(second.prev_hash, first.hash);
    assert_ne!(second.hash, first.hash);
}

#[test]
fn an_entry_is_bound_to_its_incident() {
    let first = detection();
    assert_ne!(first.computed_hash("4712"), first.hash);
    assert!(!ring()
        .current()
        .verifies(&first.canonical_text("4712"), &first.mac));
    assert!(ChainScope::new("", &ring()).is_err());
    assert!(ChainScope::new(&"9".repeat(129), &ring()).is_err());
}

#[test]
fn sub_second_times_are_stored_to_the_second() {
    let r = ring();
    let at = t(9, 14, 0) + chrono::Duration::milliseconds(999);
    let e = next_entry(scope(&r), &[], at, "detection", "DORA Bridge", json!({})).unwrap();
    assert_eq!(e.at, "2026-11-23T09:14:00Z");
    // Same second as the stored one, even though a little later than its truncation.
    assert!(next_entry(
        scope(&r),
        &[e],
        at,
        "classification",
        "DORA Bridge",
        json!({})
    )
    .is_ok());
}

#[test]
fn next_entry_refuses_blank_kind_or_actor_and_non_object_details() {
    let r = ring();
    let e = next_entry(scope(&r), &[], t(9, 0, 0), "  ", "a.keller", json!({})).unwrap_err();
    assert!(e.message.starts_with("An audit entry needs a kind"), "{e}");
    let e = next_entry(scope(&r), &[], t(9, 0, 0), "approval", "", json!({})).unwrap_err();
    assert!(
        e.message
            .starts_with("The approval audit entry needs an actor"),
        "{e}"
    );
    for details in [
        json!(null),
        json!("CISO"),
        json!(["CISO"]),
        json!(3),
        json!(true),
    ] {
        let e = next_entry(
            scope(&r),
            &[],
            t(9, 0, 0),
            "approval",
            "a.keller",
            details.clone(),
        )
        .unwrap_err();
        assert!(
            e.message.contains("must be a JSON object"),
            "{details}: {e}"
        );
        assert!(e.message.ends_with('.'), "{e}");
    }
}

#[test]
fn time_only_moves_forward() {
    let r = ring();
    let first = detection();
    let e = next_entry(
        scope(&r),
        std::slice::from_ref(&first),
        t(9, 13, 59),
        "classification",
        "DORA Bridge",
        json!({}),
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("before the last entry (2026-11-23T09:14:00Z)"),
        "{e}"
    );
    let mut bad_time = first;
    bad_time.at = "yesterday".into();
    let e = next_entry(
        scope(&r),
        &[bad_time],
        t(10, 0, 0),
        "classification",
        "DORA Bridge",
        json!({}),
    )
    .unwrap_err();
    assert!(e.message.contains("not RFC 3339"), "{e}");
}

#[test]
fn parse_at_accepts_offsets_and_refuses_other_text() {
    assert_eq!(parse_at("2026-11-23T10:14:00+01:00").unwrap(), t(9, 14, 0));
    assert!(parse_at("23/11/2026 09:14").is_err());
    assert!(is_canonical_at("2026-11-23T09:14:00Z"));
    for other in [
        "2026-11-23T10:14:00+01:00",
        "2026-11-23T09:14:00.5Z",
        "2026-11-23T09:14:00+00:00",
        "2026-11-23 09:14:00Z",
    ] {
        assert!(!is_canonical_at(other), "{other}");
    }
}

/// Pins the canonical form: the hash and the MAC were computed outside the product with the
/// Python snippet of the module documentation. If they change, every stored chain stops
/// verifying.
#[test]
fn the_canonical_form_matches_the_documented_python() {
    let e = Entry {
        seq: 3,
        at: "2026-11-23T11:02:00Z".into(),
        kind: "approval".into(),
        actor: "Ana Müller".into(),
        details: json!({
            "role": "Chief Risk Officer",
            "comment": "Figures checked \"twice\"\nSigned.",
            "content_hash": "c0ffee",
            "nested": {"z": 1, "a": [true, null, "é"]},
        }),
        prev_hash: "ab".repeat(32),
        key_id: "k2".into(),
        mac: String::new(),
        hash: String::new(),
    };
    let text = e.canonical_text(INCIDENT);
    assert_eq!(
        text,
        r#"{"actor":"Ana Müller","at":"2026-11-23T11:02:00Z","details":{"comment":"Figures checked \"twice\"\nSigned.","content_hash":"c0ffee","nested":{"a":[true,null,"é"],"z":1},"role":"Chief Risk Officer"},"incident":"4711","key_id":"k2","kind":"approval","prev_hash":"abababababababababababababababababababababababababababababababab","seq":3,"v":2}"#
    );
    assert_eq!(
        e.computed_hash(INCIDENT),
        "d601649f75a54cd058c83be3c09e93ff1e61512e86922220c2547664b3b7e614"
    );
    assert_eq!(
        ring().current().mac(&text),
        "792ab8301db13d9cf2cce32bb79c31b90d1fa5a9d8350354a597af225b1541de"
    );
}

#[test]
fn every_field_the_key_id_and_the_version_are_hashed() {
    let base = detection();
    let mut variants = Vec::new();
    let edits: [fn(&mut Entry); 7] = [
        |e| e.seq = 1,
        |e| e.at = "2026-11-23T09:14:01Z".into(),
        |e| e.kind = "Detection".into(),
        |e| e.actor = "DORA Bridge ".into(),
        |e| e.details["alarm_id"] = json!(81171697),
        |e| e.prev_hash = "1".repeat(64),
        |e| e.key_id = "k3".into(),
    ];
    for edit in edits {
        let mut e = base.clone();
        edit(&mut e);
        variants.push(e);
    }
    for v in variants {
        assert_ne!(
            v.computed_hash(INCIDENT),
            base.computed_hash(INCIDENT),
            "{v:?}"
        );
    }
    assert!(base
        .canonical_text(INCIDENT)
        .ends_with(&format!(",\"v\":{CHAIN_VERSION}}}")));
}

#[test]
fn chain_from_json_reads_a_list_a_single_object_or_nothing() {
    let first = detection();
    let second = next_entry(
        scope(&ring()),
        std::slice::from_ref(&first),
        t(9, 20, 0),
        "classification",
        "DORA Bridge",
        json!({"inputs_hash": "ab".repeat(32)}),
    )
    .unwrap();
    let chain = vec![first.clone(), second];
    let stored = chain_to_json(&chain);
    assert_eq!(stored[0]["PrevHash"], GENESIS_PREV_HASH);
    assert_eq!(stored[1]["Seq"], 1);
    assert_eq!(stored[1]["KeyId"], "k2");
    assert_eq!(chain_from_json(&stored).unwrap(), chain);
    assert_eq!(
        chain_from_json(&serde_json::to_value(&first).unwrap()).unwrap(),
        vec![first.clone()]
    );
    assert_eq!(chain_from_json(&Value::Null).unwrap(), vec![]);
    assert_eq!(chain_from_json(&json!([])).unwrap(), vec![]);

    let mut float_seq = serde_json::to_value(&first).unwrap();
    float_seq["Seq"] = json!(0.0);
    assert_eq!(chain_from_json(&json!([float_seq])).unwrap(), vec![first]);
}

#[test]
fn malformed_entries_are_refused_with_their_position() {
    let good = serde_json::to_value(detection()).unwrap();
    let mut no_mac = good.clone();
    no_mac.as_object_mut().unwrap().remove("Mac");
    let e = chain_from_json(&json!([good.clone(), no_mac])).unwrap_err();
    assert!(
        e.message
            .starts_with("The audit entry at position 1 cannot be read"),
        "{e}"
    );
    assert!(e.message.contains("Mac"), "{e}");

    let mut extra = good.clone();
    extra["Approved"] = json!(true);
    let e = chain_from_json(&json!([good.clone(), good.clone(), extra])).unwrap_err();
    assert!(
        e.message.contains("position 2") && e.message.contains("\"Approved\""),
        "{e}"
    );

    let mut bad_seq = good.clone();
    bad_seq["Seq"] = json!("zero");
    assert!(chain_from_json(&bad_seq)
        .unwrap_err()
        .message
        .contains("position 0"));
    let mut half_seq = good.clone();
    half_seq["Seq"] = json!(0.5);
    assert!(chain_from_json(&json!([half_seq])).is_err());

    let e = chain_from_json(&json!([good, "entry"])).unwrap_err();
    assert!(
        e.message.contains("position 1") && e.message.contains("a string"),
        "{e}"
    );
    for other in [json!("[]"), json!(7), json!(true)] {
        let e = chain_from_json(&other).unwrap_err();
        assert!(
            e.message.starts_with("The audit chain must be a JSON list"),
            "{e}"
        );
    }
}
