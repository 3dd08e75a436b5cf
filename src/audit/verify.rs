//! Verifying a chain and naming the first place it was tampered with, and how.
//!
//! Three checks, each finding what the others cannot:
//!
//! 1. **Structure** (no key needed): each entry against its own content (hash), its shape, its
//!    place (seq and the previous entry's hash) and time order. At the first entry that fails,
//!    the neighbours tell what happened: an edit, a removal, an insertion, a swap, a copy.
//! 2. **MACs** (the chain key): an entry whose hash was recomputed after an edit, an entry
//!    appended or inserted by someone without the key, and a chain rewritten consistently from
//!    some point on all carry MACs that do not verify.
//! 3. **The head recorded outside the incident** (keyed too): a chain cut at its end, or with
//!    entries appended after the last one DORA Bridge wrote.
//!
//! Without the key only the first check runs, and the verdict says that integrity cannot be
//! verified: hashes alone are recomputed by anyone.

use serde::Serialize;

use super::{
    check_incident, is_canonical_at, parse_at, Entry, HeadRecord, KeyRing, GENESIS_PREV_HASH,
};

/// What the verification concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every check passed, with the key and against the recorded head.
    Intact,
    /// Tampering found (see [`Tampering`]).
    Broken,
    /// No key was given: the structure is consistent, but that proves nothing.
    Unverifiable,
}

/// The kind of tampering found, by the name an auditor uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tampering {
    /// A field of an entry was changed (its hash no longer matches, or was recomputed).
    Altered,
    /// An entry in the middle of the chain was deleted.
    Removed,
    /// Entries were swapped.
    Reordered,
    /// Entries were cut from the end.
    Truncated,
    /// An entry was added after the last one DORA Bridge wrote.
    Appended,
    /// An entry was inserted between two genuine ones.
    Inserted,
    /// From this entry on, the chain was rewritten and re-hashed without the key.
    Rewritten,
    /// A copy of a genuine entry was put in again.
    Replayed,
    /// An entry is not in the form DORA Bridge writes (time, blank kind or actor, details).
    Malformed,
    /// An entry was signed with a key this instance does not hold.
    UnknownKey,
    /// The head recorded outside the incident is missing or does not verify.
    Head,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Verification {
    /// True only for [`Status::Intact`].
    pub valid: bool,
    pub status: Status,
    /// Number of entries read.
    pub entries: usize,
    /// Position (index in the list) of the first entry that does not verify; the chain's length
    /// when entries are missing from its end.
    pub first_bad_seq: Option<u64>,
    pub tampering: Option<Tampering>,
    /// One sentence: what is wrong, or why nothing could be proven.
    pub problem: Option<String>,
    /// Hash of the last entry when nothing was found.
    pub head_hash: Option<String>,
    /// Whether the chain was compared with a head recorded outside the incident.
    pub head_checked: bool,
    /// The key ids the entries are signed with.
    pub key_ids: Vec<String>,
}

impl Verification {
    fn broken(entries: usize, position: usize, tampering: Tampering, problem: String) -> Self {
        Verification {
            valid: false,
            status: Status::Broken,
            entries,
            first_bad_seq: Some(position as u64),
            tampering: Some(tampering),
            problem: Some(problem),
            head_hash: None,
            head_checked: false,
            key_ids: Vec::new(),
        }
    }
}

/// Verifies `chain`, the evidence chain of `incident`.
///
/// With `keys`, every MAC is checked, and `head` (the record kept in the integration context;
/// `None` when there is none) is compared with the chain's end: a chain with entries but no head
/// recorded is reported, because a cut or a replaced chain would look exactly like that. Without
/// `keys`, only the structure is checked and the status is [`Status::Unverifiable`] at best.
pub fn verify(
    chain: &[Entry],
    incident: &str,
    keys: Option<&KeyRing>,
    head: Option<&HeadRecord>,
) -> Verification {
    let n = chain.len();
    if let Err(e) = check_incident(incident) {
        return Verification::broken(n, 0, Tampering::Malformed, e.message);
    }
    let mut findings: Vec<(usize, Tampering, String)> = Vec::new();
    if let Some(f) = (0..n).find_map(|j| break_at(chain, incident, j)) {
        findings.push(f);
    }
    if let Some(keys) = keys {
        if let Some(f) = mac_break(chain, incident, keys, head) {
            findings.push(f);
        }
        if let Some(f) = head_break(chain, incident, keys, head) {
            findings.push(f);
        }
    }
    // The earliest position wins; at the same position the structural finding, found first,
    // which says more (a replayed copy is also an entry DORA Bridge did not append there).
    if let Some((position, tampering, problem)) = findings.into_iter().min_by_key(|f| f.0) {
        return Verification::broken(n, position, tampering, problem);
    }
    let mut key_ids: Vec<String> = Vec::new();
    for e in chain {
        if !key_ids.contains(&e.key_id) {
            key_ids.push(e.key_id.clone());
        }
    }
    let head_hash = chain.last().map(|e| e.hash.clone());
    if keys.is_none() {
        return Verification {
            valid: false,
            status: Status::Unverifiable,
            entries: n,
            first_bad_seq: None,
            tampering: None,
            problem: Some(
                "The entries' hashes and links are consistent, but integrity cannot be verified without the chain key: anyone can recompute SHA-256 hashes. Verify with the DORA Bridge instance that holds the key.".into(),
            ),
            head_hash,
            head_checked: false,
            key_ids,
        };
    }
    Verification {
        valid: true,
        status: Status::Intact,
        entries: n,
        first_bad_seq: None,
        tampering: None,
        problem: None,
        head_hash,
        head_checked: n > 0,
        key_ids,
    }
}

/// The hash entry `j` must point to.
pub(super) fn expected_prev(chain: &[Entry], j: usize) -> &str {
    if j == 0 {
        GENESIS_PREV_HASH
    } else {
        &chain[j - 1].hash
    }
}

/// What entry `j`'s `PrevHash` should be, in words.
fn predecessor(j: usize) -> String {
    if j == 0 {
        "the start of the chain (64 zeros)".to_string()
    } else {
        format!("entry {}'s", j - 1)
    }
}

/// The first MAC that does not verify, and what its neighbours say about it.
fn mac_break(
    chain: &[Entry],
    incident: &str,
    keys: &KeyRing,
    head: Option<&HeadRecord>,
) -> Option<(usize, Tampering, String)> {
    let authentic = |e: &Entry| {
        keys.get(&e.key_id)
            .is_some_and(|k| k.verifies(&e.canonical_text(incident), &e.mac))
    };
    let j = chain.iter().position(|e| !authentic(e))?;
    let e = &chain[j];
    if keys.get(&e.key_id).is_none() {
        return Some((
            j,
            Tampering::UnknownKey,
            format!(
                "entry {j} is signed with the key {:?}, which this instance does not hold: add that key to chain_retired_keys if it was rotated out, otherwise the entry was not written by DORA Bridge",
                e.key_id
            ),
        ));
    }
    let rest_forged = chain[j..].iter().all(|x| !authentic(x));
    let head_before =
        head.is_some_and(|h| j >= 1 && h.seq == (j - 1) as u64 && h.hash == chain[j - 1].hash);
    if j == chain.len() - 1 && head_before {
        return Some((
            j,
            Tampering::Appended,
            format!("entry {j} was appended by someone without the chain key: its MAC does not verify, and the last entry DORA Bridge recorded is entry {}", j - 1),
        ));
    }
    if let Some(next) = chain.get(j + 1).filter(|x| authentic(x)) {
        if next.prev_hash == expected_prev(chain, j) && next.seq == j as u64 {
            return Some((
                j,
                Tampering::Inserted,
                format!("an entry was inserted at position {j}: its MAC does not verify, and the genuine entries around it follow each other"),
            ));
        }
        return Some((
            j,
            Tampering::Altered,
            format!("entry {j} was altered and its hash recomputed: its MAC does not verify"),
        ));
    }
    if rest_forged && j + 1 < chain.len() {
        return Some((
            j,
            Tampering::Rewritten,
            format!(
                "from entry {j} on the chain was rewritten and re-hashed without the chain key: the MACs of entries {j} to {} do not verify",
                chain.len() - 1
            ),
        ));
    }
    Some((
        j,
        Tampering::Altered,
        format!("entry {j} was altered or written without the chain key: its MAC does not verify"),
    ))
}

/// The chain's end against the head recorded outside the incident.
fn head_break(
    chain: &[Entry],
    incident: &str,
    keys: &KeyRing,
    head: Option<&HeadRecord>,
) -> Option<(usize, Tampering, String)> {
    let n = chain.len();
    let Some(h) = head else {
        return (n > 0).then(|| {
            (
                n,
                Tampering::Head,
                "no head is recorded for this chain outside the incident, so a cut or a replaced chain cannot be ruled out: the chain was written without DORA Bridge, or the instance's integration context was reset".to_string(),
            )
        });
    };
    if !h.authentic(incident, keys) {
        return Some((
            n.min(h.seq as usize),
            Tampering::Head,
            "the head recorded outside the incident does not verify under the chain key: the instance's integration context was edited".into(),
        ));
    }
    let s = h.seq as usize;
    if s >= n {
        return Some((
            n,
            Tampering::Truncated,
            if n == 0 {
                format!(
                    "the chain is empty, but DORA Bridge recorded {} entries: all were removed",
                    s + 1
                )
            } else {
                format!("entries {n} to {s} were cut from the end: the chain ends at entry {} but DORA Bridge recorded entries up to {s}", n - 1)
            },
        ));
    }
    if chain[s].hash != h.hash {
        return Some((
            s,
            Tampering::Rewritten,
            format!("entry {s} is not the entry DORA Bridge recorded there: the chain was replaced or rewritten up to it"),
        ));
    }
    (s + 1 < n).then(|| {
        (
            s + 1,
            Tampering::Appended,
            format!(
                "entry {} was appended after the last entry DORA Bridge recorded (entry {s})",
                s + 1
            ),
        )
    })
}

/// The first structural break found at position `j`, as (position to report, kind, problem).
/// The position can be `j - 1` when entry `j` shows that the one before it is the intruder.
fn break_at(chain: &[Entry], incident: &str, j: usize) -> Option<(usize, Tampering, String)> {
    let e = &chain[j];
    if e.hash != e.computed_hash(incident) {
        return Some((
            j,
            Tampering::Altered,
            format!("entry {j} was altered: its hash does not match its content"),
        ));
    }
    if let Some(why) = malformed(e) {
        return Some((
            j,
            Tampering::Malformed,
            format!("entry {j} is malformed: {why}"),
        ));
    }
    if e.seq != j as u64 || e.prev_hash != expected_prev(chain, j) {
        return Some(misplaced(chain, j));
    }
    if j > 0 {
        let before = &chain[j - 1];
        // Both times are canonical here (checked by `malformed`), so both parse.
        if parse_at(&e.at).ok() < parse_at(&before.at).ok() {
            return Some((
                j,
                Tampering::Malformed,
                format!(
                    "entry {j} is dated {}, before entry {} ({}): time only moves forward in the log",
                    e.at,
                    j - 1,
                    before.at
                ),
            ));
        }
    }
    None
}

/// What `next_entry` never writes, found in an entry whose hash matches.
fn malformed(e: &Entry) -> Option<String> {
    if !is_canonical_at(&e.at) {
        return Some(format!(
            "its time {:?} is not RFC 3339 UTC to the second (2026-11-23T09:14:00Z)",
            e.at
        ));
    }
    if e.kind.trim().is_empty() {
        return Some("its kind is blank".into());
    }
    if e.actor.trim().is_empty() {
        return Some("its actor is blank".into());
    }
    if !e.details.is_object() {
        return Some("its details are not a JSON object".into());
    }
    None
}

/// Entry `j` matches its own hash but not its place: tell from its neighbours what happened.
fn misplaced(chain: &[Entry], j: usize) -> (usize, Tampering, String) {
    let e = &chain[j];
    let next = chain.get(j + 1);
    let seq = e.seq;
    let pos = j as u64;

    // A replayed copy: the first occurrence in place is the genuine one.
    if let Some(i) = (0..chain.len()).find(|&i| i != j && chain[i].hash == e.hash) {
        return (
            j,
            Tampering::Replayed,
            format!("the entry at position {j} is a replayed copy of the entry at position {i}"),
        );
    }
    // Entry j fits position j-1: it was displaced by an entry inserted before it, unless the
    // entry after it shows that entry j itself is the extra one.
    if j >= 1 && seq == pos - 1 && e.prev_hash == expected_prev(chain, j - 1) {
        if next.is_some_and(|x| x.seq == pos && x.prev_hash == chain[j - 1].hash) {
            return (
                j,
                Tampering::Inserted,
                format!(
                    "an entry was inserted at position {j}: entries {} and {} around it follow each other",
                    j - 1,
                    j + 1
                ),
            );
        }
        return (
            j - 1,
            Tampering::Inserted,
            format!(
                "an entry was inserted at position {}: the entry after it is the original entry {}",
                j - 1,
                j - 1
            ),
        );
    }
    // Entries j and j+1 each fit the other's place.
    if seq == pos + 1
        && next.is_some_and(|x| {
            x.seq == pos && x.prev_hash == expected_prev(chain, j) && e.prev_hash == x.hash
        })
    {
        return (
            j,
            Tampering::Reordered,
            format!("entries {j} and {} are out of order", j + 1),
        );
    }
    let follows = e.prev_hash == expected_prev(chain, j);
    if seq > pos {
        return if follows {
            (
                j,
                Tampering::Altered,
                format!(
                    "the entry at position {j} says seq {seq} although it follows {}: its number was rewritten",
                    predecessor(j).trim_end_matches("'s")
                ),
            )
        } else if seq == pos + 1 {
            (
                j,
                Tampering::Removed,
                format!(
                    "entry {j} was removed: the entry at position {j} says seq {seq} and points to a hash that is not {}",
                    predecessor(j)
                ),
            )
        } else {
            (
                j,
                Tampering::Removed,
                format!(
                    "entries {j} to {} were removed: the entry at position {j} says seq {seq} and points to a hash that is not {}",
                    seq - 1,
                    predecessor(j)
                ),
            )
        };
    }
    if seq < pos {
        return (
            j,
            Tampering::Inserted,
            format!("the entry at position {j} says seq {seq}: an entry was inserted here or entries are out of order"),
        );
    }
    // Right seq, wrong link.
    if next.is_some_and(|x| x.seq == pos && x.prev_hash == expected_prev(chain, j)) {
        return (
            j,
            Tampering::Inserted,
            format!("an entry was inserted at position {j}: the entry after it is the original entry {j}"),
        );
    }
    if j >= 1 && next.is_some_and(|x| x.seq == pos + 1 && x.prev_hash == e.hash) {
        // Entry j is confirmed by its successor, so the one before it changed: rewritten with
        // its hash recomputed, which a chain shows only through the entry after it.
        return (
            j - 1,
            Tampering::Altered,
            format!(
                "entry {} was rewritten: its hash matches its content, but entry {j} and the entries after it point to a different hash",
                j - 1
            ),
        );
    }
    (
        j,
        Tampering::Altered,
        format!(
            "entry {j} does not follow {}: it points to a hash that is not {}",
            predecessor(j).trim_end_matches("'s"),
            predecessor(j)
        ),
    )
}
