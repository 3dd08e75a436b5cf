//! The tamper suite: with the chain key and the head recorded outside the incident, each of the
//! eight kinds of tampering is detected and named at the entry where it happened; without the key
//! the verdict says verification needs it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::testing::{ring, rotated, scope, INCIDENT};
use super::*;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn append(
    chain: &mut Vec<Entry>,
    keys: &KeyRing,
    at: DateTime<Utc>,
    kind: &str,
    actor: &str,
    details: Value,
) {
    let e = next_entry(scope(keys), chain, at, kind, actor, details).unwrap();
    chain.push(e);
}

/// An incident's evidence from detection to submission, with one rejected draft.
fn realistic_chain(keys: &KeyRing) -> Vec<Entry> {
    let (d1, d2) = ("3f5a".repeat(16), "9c1e".repeat(16));
    let mut c = Vec::new();
    append(
        &mut c,
        keys,
        t(9, 14),
        "detection",
        "DORA Bridge",
        json!({"DetectedAt": "2026-11-23T09:14:00Z"}),
    );
    append(
        &mut c,
        keys,
        t(9, 31),
        "classification",
        "DORA Bridge",
        json!({"InputsHash": "7d2b".repeat(16), "IsMajor": true}),
    );
    append(
        &mut c,
        keys,
        t(10, 2),
        "report-draft",
        "DORA Bridge",
        json!({"Subject": "initial", "ContentHash": d1}),
    );
    append(
        &mut c,
        keys,
        t(10, 40),
        "rejection",
        "m.dupont",
        json!({"Subject": "initial", "Role": "CISO", "ContentHash": d1}),
    );
    append(
        &mut c,
        keys,
        t(11, 5),
        "report-draft",
        "DORA Bridge",
        json!({"Subject": "initial", "ContentHash": d2}),
    );
    append(
        &mut c,
        keys,
        t(11, 20),
        "approval",
        "m.dupont",
        json!({"Subject": "initial", "Role": "CISO", "ContentHash": d2}),
    );
    append(
        &mut c,
        keys,
        t(11, 20),
        "approval",
        "a.keller",
        json!({"Subject": "initial", "Role": "Chief Risk Officer", "ContentHash": d2}),
    );
    append(
        &mut c,
        keys,
        t(11, 48),
        "submission",
        "a.keller",
        json!({"Subject": "initial", "ContentHash": d2, "AuthorityReference": "BAFIN-DORA-2026-004711"}),
    );
    c
}

/// What a forger without the key writes: the public algorithm, a made-up MAC.
fn forged(seq: u64, at: &str, prev_hash: &str) -> Entry {
    let mut e = Entry {
        seq,
        at: at.to_string(),
        kind: "approval".into(),
        actor: "mallory".into(),
        details: json!({"Subject": "initial", "Role": "Chief Risk Officer", "ContentHash": "9c1e".repeat(16)}),
        prev_hash: prev_hash.to_string(),
        key_id: "k2".into(),
        mac: "00".repeat(32),
        hash: String::new(),
    };
    e.hash = e.computed_hash(INCIDENT);
    e
}

/// Re-hashes entries `from..` and re-links them, as a forger who knows the public form would.
fn rehash_from(chain: &mut [Entry], from: usize) {
    for j in from..chain.len() {
        chain[j].seq = j as u64;
        chain[j].prev_hash = if j == 0 {
            GENESIS_PREV_HASH.into()
        } else {
            chain[j - 1].hash.clone()
        };
        chain[j].hash = chain[j].computed_hash(INCIDENT);
    }
}

/// Verifies with the key and the head recorded for `genuine`, and checks the verdict.
fn detected(genuine: &[Entry], tampered: &[Entry], at: usize, kind: Tampering) -> String {
    let keys = ring();
    let head = HeadRecord::of(scope(&keys), genuine);
    let v = verify(tampered, INCIDENT, Some(&keys), head.as_ref());
    assert!(!v.valid, "{kind:?} not detected");
    assert_eq!(v.status, Status::Broken);
    assert_eq!(
        (v.first_bad_seq, v.tampering),
        (Some(at as u64), Some(kind)),
        "{:?}",
        v.problem
    );
    v.problem.unwrap()
}

#[test]
fn an_untouched_chain_verifies_with_the_key_and_its_head() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    let head = HeadRecord::of(scope(&keys), &chain).unwrap();
    assert_eq!((head.seq, head.hash.as_str()), (7, chain[7].hash.as_str()));
    let v = verify(&chain, INCIDENT, Some(&keys), Some(&head));
    assert!(v.valid, "{:?}", v.problem);
    assert_eq!(v.status, Status::Intact);
    assert_eq!(v.head_hash.as_deref(), Some(chain[7].hash.as_str()));
    assert!(v.head_checked && v.key_ids == ["k2"]);
    let empty = verify(&[], INCIDENT, Some(&keys), None);
    assert!(empty.valid && empty.entries == 0);
}

#[test]
fn an_edited_field_is_found_at_its_entry_whether_or_not_the_hash_was_recomputed() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for k in 0..chain.len() {
        let mut c = chain.clone();
        c[k].details["Role"] = json!("Intern");
        let why = detected(&chain, &c, k, Tampering::Altered);
        assert!(why.contains("hash does not match"), "{why}");
        // The hash recomputed, the rest left: the MAC gives it away.
        c[k].hash = c[k].computed_hash(INCIDENT);
        detected(&chain, &c, k, Tampering::Altered);
    }
}

#[test]
fn a_deleted_entry_is_named() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for k in 0..chain.len() - 1 {
        let mut c = chain.clone();
        c.remove(k);
        let why = detected(&chain, &c, k, Tampering::Removed);
        assert!(why.contains(&format!("entry {k} was removed")), "{why}");
    }
}

#[test]
fn reordered_entries_are_named() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for k in 0..chain.len() - 1 {
        let mut c = chain.clone();
        c.swap(k, k + 1);
        detected(&chain, &c, k, Tampering::Reordered);
    }
}

#[test]
fn a_cut_tail_is_found_against_the_head_recorded_outside() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for keep in 0..chain.len() {
        let c = chain[..keep].to_vec();
        // The chain alone still looks fine: only the head shows the cut.
        assert_eq!(
            verify(&c, INCIDENT, None, None).status,
            Status::Unverifiable
        );
        let why = detected(&chain, &c, keep, Tampering::Truncated);
        assert!(
            why.contains("cut from the end") || why.contains("all were removed"),
            "{why}"
        );
    }
}

#[test]
fn an_appended_entry_with_a_correct_public_hash_is_named() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    let mut c = chain.clone();
    let last = c.last().unwrap().clone();
    c.push(forged(8, &last.at, &last.hash));
    let why = detected(&chain, &c, 8, Tampering::Appended);
    assert!(why.contains("without the chain key"), "{why}");
    // Even a genuine-looking entry written with the key is refused after the recorded head.
    let mut with_key = chain.clone();
    append(
        &mut with_key,
        &keys,
        t(12, 0),
        "approval",
        "mallory",
        json!({}),
    );
    detected(&chain, &with_key, 8, Tampering::Appended);
}

#[test]
fn an_inserted_entry_is_named_with_or_without_the_rest_re_hashed() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for k in 1..chain.len() {
        let mut c = chain.clone();
        c.insert(k, forged(k as u64, &chain[k - 1].at, &chain[k - 1].hash));
        detected(&chain, &c, k, Tampering::Inserted);
        rehash_from(&mut c, k + 1);
        let why = detected(&chain, &c, k, Tampering::Rewritten);
        assert!(why.contains(&format!("from entry {k} on")), "{why}");
    }
}

#[test]
fn a_consistently_rewritten_chain_is_named_from_its_first_rewritten_entry() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for k in 0..chain.len() - 1 {
        let mut c = chain.clone();
        c[k].details["Comment"] = json!("Not a major incident.");
        rehash_from(&mut c, k);
        detected(&chain, &c, k, Tampering::Rewritten);
    }
    // The head, too, no longer matches a chain rewritten up to its end.
    let mut c = chain.clone();
    c[7].details["AuthorityReference"] = json!("none");
    rehash_from(&mut c, 0);
    detected(&chain, &c, 7, Tampering::Altered);
}

#[test]
fn a_replayed_entry_is_named_and_an_entry_from_another_incident_does_not_verify() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    let mut c = chain.clone();
    c.push(chain[5].clone());
    let why = detected(&chain, &c, 8, Tampering::Replayed);
    assert!(why.contains("copy of the entry at position 5"), "{why}");
    let mut c = chain.clone();
    c.insert(3, chain[6].clone());
    detected(&chain, &c, 3, Tampering::Replayed);

    // The same approval, genuine in incident 4712, replayed here.
    let other = ChainScope::new("4712", &keys).unwrap();
    let mut theirs: Vec<Entry> = Vec::new();
    for e in &chain[..7] {
        let x = next_entry(
            other,
            &theirs,
            parse_at(&e.at).unwrap(),
            &e.kind,
            &e.actor,
            e.details.clone(),
        )
        .unwrap();
        theirs.push(x);
    }
    let mut c = chain[..6].to_vec();
    c.push(theirs[6].clone());
    c[6].prev_hash = c[5].hash.clone();
    c[6].hash = c[6].computed_hash(INCIDENT);
    detected(&chain[..6], &c, 6, Tampering::Appended);
}

#[test]
fn without_the_key_the_verdict_says_verification_needs_it() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    let v = verify(&chain, INCIDENT, None, None);
    assert!(!v.valid);
    assert_eq!((v.status, v.tampering), (Status::Unverifiable, None));
    assert!(v
        .problem
        .unwrap()
        .contains("cannot be verified without the chain key"));
    // A forgery with a correct public hash passes the structural check: that is the point.
    let mut c = chain.clone();
    let last = c.last().unwrap().clone();
    c.push(forged(8, &last.at, &last.hash));
    assert_eq!(
        verify(&c, INCIDENT, None, None).status,
        Status::Unverifiable
    );
    // Structural damage is still reported without the key.
    let mut c = chain.clone();
    c.swap(2, 3);
    assert_eq!(
        verify(&c, INCIDENT, None, None).tampering,
        Some(Tampering::Reordered)
    );
}

#[test]
fn a_missing_or_edited_head_is_reported() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    let v = verify(&chain, INCIDENT, Some(&keys), None);
    assert_eq!(
        (v.tampering, v.first_bad_seq),
        (Some(Tampering::Head), Some(8))
    );
    let mut head = HeadRecord::of(scope(&keys), &chain[..5]).unwrap();
    head.seq = 7;
    head.hash = chain[7].hash.clone();
    let v = verify(&chain, INCIDENT, Some(&keys), Some(&head));
    assert_eq!(v.tampering, Some(Tampering::Head), "{:?}", v.problem);
}

#[test]
fn rotation_keeps_older_entries_verifiable() {
    let old = ring();
    let mut chain = realistic_chain(&old);
    let new = rotated();
    append(
        &mut chain,
        &new,
        t(12, 0),
        "report-draft",
        "DORA Bridge",
        json!({"Subject": "intermediate"}),
    );
    assert_eq!(chain[8].key_id, "k3");
    let head = HeadRecord::of(scope(&new), &chain).unwrap();
    let v = verify(&chain, INCIDENT, Some(&new), Some(&head));
    assert!(v.valid, "{:?}", v.problem);
    assert_eq!(v.key_ids, ["k2", "k3"]);
    // Dropping the retired key leaves its entries unverifiable, and says which key is missing.
    let only_new = KeyRing::new(new.current().clone(), vec![]).unwrap();
    let v = verify(&chain, INCIDENT, Some(&only_new), Some(&head));
    assert_eq!(
        (v.tampering, v.first_bad_seq),
        (Some(Tampering::UnknownKey), Some(0))
    );
    assert!(v.problem.unwrap().contains("chain_retired_keys"));
}

#[test]
fn malformed_entries_with_a_valid_hash_are_reported() {
    let keys = ring();
    let chain = realistic_chain(&keys);
    for edit in [
        (|e: &mut Entry| e.at = "2026-11-23T10:40:00+00:00".into()) as fn(&mut Entry),
        |e| e.kind = " ".into(),
        |e| e.actor = String::new(),
        |e| e.details = json!(["CISO"]),
    ] {
        let mut c = chain.clone();
        edit(&mut c[3]);
        c[3].hash = c[3].computed_hash(INCIDENT);
        let v = verify(&c, INCIDENT, None, None);
        assert_eq!(
            (v.first_bad_seq, v.tampering),
            (Some(3), Some(Tampering::Malformed))
        );
    }
    let v = verify(&chain, "", Some(&keys), None);
    assert!(!v.valid && v.problem.unwrap().contains("must run in an incident"));
}

// ---- Property: one tamper of any of the kinds is found where the chain first breaks ---------

const KINDS: [&str; 5] = [
    "detection",
    "classification",
    "report-draft",
    "approval",
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

fn build(keys: &KeyRing, steps: &[Step]) -> Vec<Entry> {
    let mut at = t(9, 0);
    let mut chain = Vec::new();
    for (gap, kind, actor, fields) in steps {
        at += Duration::seconds(*gap);
        let details: serde_json::Map<String, Value> =
            fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        append(
            &mut chain,
            keys,
            at,
            KINDS[*kind],
            ACTORS[*actor],
            Value::Object(details),
        );
    }
    chain
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256), ..ProptestConfig::default() })]

    #[test]
    fn one_tamper_is_always_found_where_it_happened(
        steps in prop::collection::vec(step(), 2..14),
        op in 0usize..8,
        k in any::<prop::sample::Index>(),
        i in any::<prop::sample::Index>(),
    ) {
        let keys = ring();
        let chain = build(&keys, &steps);
        let n = chain.len();
        let head = HeadRecord::of(scope(&keys), &chain);
        prop_assert!(verify(&chain, INCIDENT, Some(&keys), head.as_ref()).valid);

        let mut c = chain.clone();
        let (expected, kinds): (usize, &[Tampering]) = match op {
            0 => {
                let k = k.index(n);
                c[k].details["tampered"] = json!(true);
                (k, &[Tampering::Altered])
            }
            1 => {
                let k = k.index(n);
                c[k].actor.push('.');
                c[k].hash = c[k].computed_hash(INCIDENT);
                (k, &[Tampering::Altered])
            }
            2 => {
                let k = k.index(n - 1);
                c.remove(k);
                (k, &[Tampering::Removed, Tampering::Inserted, Tampering::Replayed])
            }
            3 => {
                let k = k.index(n - 1);
                c.swap(k, k + 1);
                (k, &[Tampering::Reordered, Tampering::Replayed])
            }
            4 => {
                let k = k.index(n);
                c.truncate(k);
                (k, &[Tampering::Truncated])
            }
            5 => {
                let last = chain[n - 1].clone();
                c.push(forged(n as u64, &last.at, &last.hash));
                (n, &[Tampering::Appended])
            }
            6 => {
                let k = k.index(n - 1) + 1;
                c.insert(k, forged(k as u64, &chain[k - 1].at, &chain[k - 1].hash));
                rehash_from(&mut c, k + 1);
                (k, &[Tampering::Rewritten])
            }
            _ => {
                let (i, k) = (i.index(n), k.index(n + 1));
                c.insert(k, chain[i].clone());
                (if i == k { k + 1 } else { k }, &[Tampering::Replayed])
            }
        };
        let v = verify(&c, INCIDENT, Some(&keys), head.as_ref());
        prop_assert!(!v.valid, "op {} not detected", op);
        prop_assert_eq!(v.first_bad_seq, Some(expected as u64), "op {}: {:?}", op, v.problem);
        prop_assert!(kinds.contains(&v.tampering.unwrap()), "op {}: {:?} {:?}", op, v.tampering, v.problem);
    }
}
