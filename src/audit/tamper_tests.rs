//! Tamper detection: every alteration, deletion, insertion and swap is found where it happened.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::next_entry;
use super::verify::expected_prev;
use super::*;
use crate::timeutil;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

/// An incident's evidence from detection to submission, with one rejected draft.
fn realistic_chain() -> Vec<Entry> {
    let draft_1 = "3f5a".repeat(16);
    let draft_2 = "9c1e".repeat(16);
    let steps = [
        (
            t(9, 14),
            "detection",
            "DORA Bridge",
            json!({"source": "SOCRadar", "alarm_id": 81171696, "title": "Card payment outage"}),
        ),
        (
            t(9, 31),
            "classification",
            "DORA Bridge",
            json!({"inputs_hash": "7d2b".repeat(16), "major": true, "criteria": ["clients", "critical_services", "duration"]}),
        ),
        (
            t(10, 2),
            "report-draft",
            "DORA Bridge",
            json!({"report": "initial_notification", "content_hash": draft_1, "mapping_version": "2025-301.1"}),
        ),
        (
            t(10, 40),
            "rejection",
            "m.dupont",
            json!({"role": "CISO", "content_hash": draft_1, "comment": "Economic impact missing."}),
        ),
        (
            t(11, 5),
            "report-draft",
            "DORA Bridge",
            json!({"report": "initial_notification", "content_hash": draft_2, "mapping_version": "2025-301.1"}),
        ),
        (
            t(11, 20),
            "approval",
            "m.dupont",
            json!({"role": "CISO", "content_hash": draft_2}),
        ),
        (
            t(11, 20),
            "approval",
            "a.keller",
            json!({"role": "Chief Risk Officer", "content_hash": draft_2, "comment": "Approved for submission."}),
        ),
        (
            t(11, 48),
            "submission",
            "a.keller",
            json!({"authority": "BaFin", "authority_reference": "BAFIN-DORA-2026-004711", "report": "initial_notification", "content_hash": draft_2}),
        ),
    ];
    let mut chain = Vec::new();
    for (at, kind, actor, details) in steps {
        let e = next_entry(&chain, at, kind, actor, details).unwrap();
        chain.push(e);
    }
    chain
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Seq,
    At,
    Kind,
    Actor,
    Details,
    PrevHash,
    Hash,
}

const FIELDS: [Field; 7] = [
    Field::Seq,
    Field::At,
    Field::Kind,
    Field::Actor,
    Field::Details,
    Field::PrevHash,
    Field::Hash,
];

fn flip_last_hex(s: &mut String) {
    let last = s.pop().unwrap();
    s.push(if last == '0' { '1' } else { '0' });
}

/// Changes one field without recomputing the hash, as an edit of the stored context would.
fn alter(e: &mut Entry, field: Field) {
    match field {
        Field::Seq => e.seq += 1,
        Field::At => {
            let later = parse_at(&e.at).unwrap() + Duration::seconds(1);
            e.at = timeutil::to_rfc3339(later);
        }
        Field::Kind => e.kind.push('s'),
        Field::Actor => e.actor.push('.'),
        Field::Details => {
            e.details["tampered"] = json!(true);
        }
        Field::PrevHash => flip_last_hex(&mut e.prev_hash),
        Field::Hash => flip_last_hex(&mut e.hash),
    }
}

/// An entry with a hash matching its content, as a forger who knows the form would write.
fn forged(seq: u64, at: &str, prev_hash: &str) -> Entry {
    let mut e = Entry {
        seq,
        at: at.to_string(),
        kind: "approval".into(),
        actor: "mallory".into(),
        details: json!({"role": "Chief Risk Officer", "forged": true}),
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
    };
    e.hash = e.computed_hash();
    e
}

/// Entry `k` rewritten and its hash recomputed (the successors left as they were).
fn rewrite(chain: &mut [Entry], k: usize) {
    chain[k].details["comment"] = json!("Not a major incident.");
    chain[k].hash = chain[k].computed_hash();
}

fn assert_broken_at(chain: &[Entry], expected: usize, what: &str) -> String {
    let v = verify(chain);
    assert!(!v.valid, "{what}: not detected");
    assert_eq!(
        v.first_bad_seq,
        Some(expected as u64),
        "{what}: {:?}",
        v.problem
    );
    assert_eq!(v.head_hash, None, "{what}");
    assert_eq!(v.entries, chain.len(), "{what}");
    v.problem.unwrap()
}

#[test]
fn an_untouched_chain_verifies_and_reports_its_head() {
    let chain = realistic_chain();
    let v = verify(&chain);
    assert_eq!(
        v,
        Verification {
            valid: true,
            entries: 8,
            first_bad_seq: None,
            problem: None,
            head_hash: Some(chain[7].hash.clone()),
        }
    );
    let empty = verify(&[]);
    assert!(empty.valid && empty.entries == 0 && empty.head_hash.is_none());
    let out = serde_json::to_value(&v).unwrap();
    assert_eq!(out["Valid"], true);
    assert_eq!(out["HeadHash"], json!(chain[7].hash));
    assert_eq!(out["FirstBadSeq"], Value::Null);
}

#[test]
fn altering_any_field_of_any_entry_is_found_at_that_entry() {
    let chain = realistic_chain();
    for k in 0..chain.len() {
        for field in FIELDS {
            let mut c = chain.clone();
            alter(&mut c[k], field);
            let problem = assert_broken_at(&c, k, &format!("{field:?} of entry {k}"));
            assert_eq!(
                problem,
                format!("entry {k} was altered: its hash does not match its content")
            );
        }
    }
}

#[test]
fn deleting_an_entry_is_found_where_the_chain_no_longer_follows() {
    let chain = realistic_chain();
    for k in 0..chain.len() - 1 {
        let mut c = chain.clone();
        c.remove(k);
        let problem = assert_broken_at(&c, k, &format!("deletion of entry {k}"));
        assert!(
            problem.starts_with(&format!(
                "entry {k} is missing: the entry at position {k} says seq {}",
                k + 1
            )),
            "{problem}"
        );
    }
    let p = {
        let mut c = chain.clone();
        c.drain(2..4);
        assert_broken_at(&c, 2, "deletion of entries 2 and 3")
    };
    assert!(p.starts_with("entries 2 to 3 are missing"), "{p}");
}

#[test]
fn removing_the_last_entries_shows_only_against_a_recorded_head() {
    let chain = realistic_chain();
    let recorded_head = chain[7].hash.clone();
    let truncated = &chain[..6];
    let v = verify(truncated);
    assert!(v.valid, "a truncated chain is still a valid chain");
    assert_eq!(v.head_hash.as_deref(), Some(chain[5].hash.as_str()));
    assert_ne!(v.head_hash.as_deref(), Some(recorded_head.as_str()));

    let v = verify_against_head(truncated, &recorded_head);
    assert!(!v.valid);
    assert_eq!(v.first_bad_seq, Some(6));
    assert!(v
        .problem
        .unwrap()
        .starts_with("the chain ends at entry 5 but the head recorded elsewhere"));
    let v = verify_against_head(&[], &recorded_head);
    assert_eq!((v.valid, v.first_bad_seq), (false, Some(0)));

    assert!(verify_against_head(&chain, &recorded_head.to_uppercase()).valid);
    assert!(
        verify_against_head(&chain, &chain[3].hash).valid,
        "appended since recorded"
    );
    assert!(verify_against_head(&[], GENESIS_PREV_HASH).valid);
    let mut altered = chain.clone();
    alter(&mut altered[2], Field::Kind);
    assert_eq!(
        verify_against_head(&altered, &recorded_head).first_bad_seq,
        Some(2)
    );
}

#[test]
fn inserting_a_forged_entry_is_found_at_its_position() {
    let chain = realistic_chain();
    for k in 0..chain.len() {
        let prev = expected_prev(&chain, k).to_string();
        let inserted = format!("an entry was inserted at position {k}");
        let mut variants = vec![
            // Perfectly linked and dated like the entry it precedes: only the next entry shows it.
            (
                "linked",
                next_entry(
                    &chain[..k],
                    parse_at(&chain[k].at).unwrap(),
                    "approval",
                    "mallory",
                    json!({"role": "CISO"}),
                )
                .unwrap(),
                inserted.clone(),
            ),
            (
                "linked, dated after every entry",
                forged(k as u64, "2026-11-24T08:00:00Z", &prev),
                inserted.clone(),
            ),
            (
                "linked to a hash of nowhere",
                forged(k as u64, &chain[k].at, &"e".repeat(64)),
                inserted.clone(),
            ),
            (
                "numbered ahead",
                forged(k as u64 + 3, &chain[k].at, &prev),
                format!("the entry at position {k} says seq {}", k + 3),
            ),
        ];
        if k > 0 {
            variants.push((
                "numbered behind",
                forged(k as u64 - 1, &chain[k].at, &prev),
                format!("the entry at position {k} says seq {}", k - 1),
            ));
            variants.push((
                "linked, dated before its predecessor",
                forged(k as u64, "2026-11-23T00:00:00Z", &prev),
                format!(
                    "entry {k} is dated 2026-11-23T00:00:00Z, before entry {}",
                    k - 1
                ),
            ));
        }
        for (what, f, expected) in variants {
            assert_eq!(f.hash, f.computed_hash());
            let mut c = chain.clone();
            c.insert(k, f);
            let problem = assert_broken_at(&c, k, &format!("{what} entry inserted at {k}"));
            assert!(problem.starts_with(&expected), "{what} at {k}: {problem}");
        }
    }
}

#[test]
fn a_replayed_copy_is_found_where_it_repeats() {
    let chain = realistic_chain();
    for i in 0..chain.len() {
        for k in 0..=chain.len() {
            let mut c = chain.clone();
            c.insert(k, chain[i].clone());
            // A copy of entry k put just before it is the same list as one put just after it:
            // the later occurrence is reported.
            let at = if i == k { k + 1 } else { k };
            let problem = assert_broken_at(&c, at, &format!("copy of {i} inserted at {k}"));
            assert!(
                problem.contains("is a copy of the entry at position"),
                "{problem}"
            );
        }
    }
}

#[test]
fn swapping_adjacent_entries_is_found_at_the_first_of_the_two() {
    let chain = realistic_chain();
    for k in 0..chain.len() - 1 {
        let mut c = chain.clone();
        c.swap(k, k + 1);
        let problem = assert_broken_at(&c, k, &format!("swap of {k} and {}", k + 1));
        assert_eq!(
            problem,
            format!("entries {k} and {} are out of order", k + 1)
        );
    }
}

#[test]
fn an_entry_rewritten_with_its_hash_recomputed_is_named_by_its_successors() {
    let chain = realistic_chain();
    for k in 0..chain.len() - 2 {
        let mut c = chain.clone();
        rewrite(&mut c, k);
        let problem = assert_broken_at(&c, k, &format!("rewrite of {k}"));
        assert!(
            problem.starts_with(&format!("entry {k} was rewritten")),
            "{problem}"
        );
    }
    // The second-to-last: only the last entry disagrees, and it could be the forgery.
    let mut c = chain.clone();
    rewrite(&mut c, 6);
    let problem = assert_broken_at(&c, 7, "rewrite of 6");
    assert!(
        problem.starts_with("entry 7 does not follow entry 6"),
        "{problem}"
    );
    // The last: indistinguishable from a genuine last entry; only the recorded head shows it.
    let mut c = chain.clone();
    rewrite(&mut c, 7);
    assert!(verify(&c).valid);
    assert!(!verify_against_head(&c, &chain[7].hash).valid);
}

#[test]
fn an_appended_well_formed_entry_cannot_be_told_from_a_genuine_one() {
    let mut chain = realistic_chain();
    let extra = next_entry(&chain, t(12, 0), "approval", "mallory", json!({})).unwrap();
    chain.push(extra);
    assert!(verify(&chain).valid, "the chain is not signed; documented");
}

#[test]
fn hash_consistent_entries_that_next_entry_would_refuse_are_reported() {
    let chain = realistic_chain();
    type Change = fn(&mut Entry);
    let cases: [(&str, Change, &str); 5] = [
        ("blank kind", |e| e.kind = " ".into(), "its kind is blank"),
        ("blank actor", |e| e.actor.clear(), "its actor is blank"),
        (
            "list details",
            |e| e.details = json!(["CISO"]),
            "its details are not a JSON object",
        ),
        (
            "offset time",
            |e| e.at = "2026-11-23T12:20:00+01:00".into(),
            "is not RFC 3339 UTC",
        ),
        (
            "earlier time",
            |e| e.at = "2026-11-23T09:00:00Z".into(),
            "before entry 4",
        ),
    ];
    for (what, change, expected) in cases {
        let mut c = chain.clone();
        change(&mut c[5]);
        c[5].hash = c[5].computed_hash();
        // The successor is relinked too, so only entry 5 itself can be at fault.
        c[6].prev_hash = c[5].hash.clone();
        c[6].hash = c[6].computed_hash();
        c[7].prev_hash = c[6].hash.clone();
        c[7].hash = c[7].computed_hash();
        let problem = assert_broken_at(&c, 5, what);
        assert!(problem.contains(expected), "{what}: {problem}");
    }
}

#[test]
fn a_first_entry_that_does_not_start_the_chain_is_reported() {
    let mut c = realistic_chain()[..1].to_vec();
    c[0].prev_hash = "1".repeat(64);
    c[0].hash = c[0].computed_hash();
    let problem = assert_broken_at(&c, 0, "first entry relinked");
    assert_eq!(
        problem,
        "entry 0 does not follow the start of the chain (64 zeros): it points to a hash that is not the start of the chain (64 zeros)"
    );
}

// ---- properties: random chains, one random tamper ----

const KINDS: [&str; 6] = [
    "detection",
    "classification",
    "report-draft",
    "approval",
    "rejection",
    "submission",
];
const ACTORS: [&str; 4] = ["DORA Bridge", "m.dupont", "a.keller", "Zoë Ó Briain"];

/// Seconds since the previous entry, kind, actor, details fields.
type Step = (i64, usize, usize, Vec<(String, i64)>);

fn step() -> impl Strategy<Value = Step> {
    (
        0i64..5_000,
        0..KINDS.len(),
        0..ACTORS.len(),
        prop::collection::vec(("[a-z_]{1,8}", any::<i64>()), 0..4),
    )
}

fn build(steps: &[Step]) -> Vec<Entry> {
    let mut at = t(9, 0);
    let mut chain = Vec::new();
    for (gap, kind, actor, fields) in steps {
        at += Duration::seconds(*gap);
        let details: serde_json::Map<String, Value> =
            fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let e = next_entry(
            &chain,
            at,
            KINDS[*kind],
            ACTORS[*actor],
            Value::Object(details),
        )
        .unwrap();
        chain.push(e);
    }
    chain
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

    #[test]
    fn one_tamper_is_always_found_where_the_chain_first_breaks(
        steps in prop::collection::vec(step(), 1..16),
        op in 0usize..5,
        field in 0..FIELDS.len(),
        k in any::<prop::sample::Index>(),
        i in any::<prop::sample::Index>(),
        variant in 0usize..4,
        offset in -20_000i64..20_000,
    ) {
        let chain = build(&steps);
        let n = chain.len();
        let v = verify(&chain);
        prop_assert!(v.valid);
        prop_assert_eq!(v.head_hash.as_deref(), Some(chain[n - 1].hash.as_str()));

        let mut c = chain.clone();
        let (what, expected) = match op {
            0 => {
                let k = k.index(n);
                alter(&mut c[k], FIELDS[field]);
                (format!("{:?} of {k}", FIELDS[field]), k)
            }
            1 => {
                prop_assume!(n >= 2);
                let k = k.index(n - 1);
                c.remove(k);
                (format!("deletion of {k}"), k)
            }
            2 => {
                let k = k.index(n);
                let prev = expected_prev(&chain, k).to_string();
                let at = timeutil::to_rfc3339(parse_at(&chain[k].at).unwrap() + Duration::seconds(offset));
                let f = match variant {
                    0 => forged(k as u64, &chain[k].at, &prev),
                    1 => forged(k as u64, &at, &prev),
                    2 => forged(k as u64, &chain[k].at, &format!("{:064x}", offset.unsigned_abs())),
                    _ => forged(offset.unsigned_abs() % 20, &at, &prev),
                };
                c.insert(k, f);
                (format!("forged entry (variant {variant}) inserted at {k}"), k)
            }
            3 => {
                prop_assume!(n >= 2);
                let k = k.index(n - 1);
                c.swap(k, k + 1);
                (format!("swap of {k}"), k)
            }
            _ => {
                let (i, k) = (i.index(n), k.index(n + 1));
                c.insert(k, chain[i].clone());
                (format!("copy of {i} inserted at {k}"), if i == k { k + 1 } else { k })
            }
        };
        let v = verify(&c);
        prop_assert!(!v.valid, "{} not detected", what);
        prop_assert_eq!(v.first_bad_seq, Some(expected as u64), "{}: {:?}", what, v.problem);
    }

    #[test]
    fn a_rewritten_entry_with_a_recomputed_hash_is_named_when_a_later_entry_confirms_it(
        steps in prop::collection::vec(step(), 3..16),
        k in any::<prop::sample::Index>(),
    ) {
        let mut c = build(&steps);
        let k = k.index(c.len() - 2);
        rewrite(&mut c, k);
        prop_assert_eq!(verify(&c).first_bad_seq, Some(k as u64));
    }
}
