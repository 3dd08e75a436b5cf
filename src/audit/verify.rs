//! Recomputing the chain, and naming the first position where it breaks and how.
//!
//! Each entry is checked against its own content (hash), its shape, its place (seq and the
//! previous entry's hash) and time order. At the first entry that fails, the neighbours tell what
//! happened: an entry that fits the position before it means an insertion there, two entries that
//! fit each other's places are a swap, a seq that jumps ahead is a removal. Every single
//! alteration, removal, insertion (even of an entry with a correct hash) or adjacent swap is
//! reported at the position where the original chain stops, except the two no chain can show on
//! its own: removing the last entries, and appending a well-formed entry (see [`verify_against_head`]).

use serde::Serialize;

use super::{is_canonical_at, parse_at, Entry, GENESIS_PREV_HASH};

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Verification {
    pub valid: bool,
    /// Number of entries read.
    pub entries: usize,
    /// Position (index in the list) of the first entry that does not verify.
    pub first_bad_seq: Option<u64>,
    /// One sentence: what is wrong there.
    pub problem: Option<String>,
    /// Hash of the last entry when the chain is valid, to compare with a head recorded elsewhere:
    /// removing the last entries leaves a valid, shorter chain that only this comparison exposes.
    pub head_hash: Option<String>,
}

impl Verification {
    fn broken(entries: usize, position: usize, problem: String) -> Self {
        Verification {
            valid: false,
            entries,
            first_bad_seq: Some(position as u64),
            problem: Some(problem),
            head_hash: None,
        }
    }
}

/// Recomputes the chain and points at the FIRST entry that was altered, removed, inserted or
/// reordered.
///
/// Truncation cannot be seen from the chain alone: without its last entries a chain is still
/// valid. `head_hash` is reported so the caller can compare it with a head recorded elsewhere
/// (an incident field, the submission receipt), or use [`verify_against_head`].
pub fn verify(chain: &[Entry]) -> Verification {
    for j in 0..chain.len() {
        if let Some((position, problem)) = break_at(chain, j) {
            return Verification::broken(chain.len(), position, problem);
        }
    }
    Verification {
        valid: true,
        entries: chain.len(),
        first_bad_seq: None,
        problem: None,
        head_hash: chain.last().map(|e| e.hash.clone()),
    }
}

/// [`verify`], plus the check the chain cannot do alone: the head recorded elsewhere when the
/// chain was last extended must still be in it. A recorded head that is an earlier entry's hash is
/// fine (entries were appended since it was recorded); one that is nowhere in the chain means
/// entries were removed from the end, and is reported at the position where they are missing.
/// [`GENESIS_PREV_HASH`] stands for the head of an empty chain.
pub fn verify_against_head(chain: &[Entry], recorded_head: &str) -> Verification {
    let v = verify(chain);
    let recorded = recorded_head.trim();
    let known = recorded.eq_ignore_ascii_case(GENESIS_PREV_HASH)
        || chain.iter().any(|e| e.hash.eq_ignore_ascii_case(recorded));
    if !v.valid || known {
        return v;
    }
    let n = chain.len();
    let problem = if n == 0 {
        format!("the chain is empty, but a head was recorded for it ({recorded}): its entries were removed")
    } else {
        format!(
            "the chain ends at entry {} but the head recorded elsewhere ({recorded}) is not in it: entries were removed from the end, or the head belongs to another chain",
            n - 1
        )
    };
    Verification::broken(n, n, problem)
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

/// The first break found at position `j`, as (position to report, problem). The position can be
/// `j - 1` when entry `j` shows that the one before it is the intruder.
fn break_at(chain: &[Entry], j: usize) -> Option<(usize, String)> {
    let e = &chain[j];
    if e.hash != e.computed_hash() {
        return Some((
            j,
            format!("entry {j} was altered: its hash does not match its content"),
        ));
    }
    if let Some(why) = malformed(e) {
        return Some((j, format!("entry {j} is malformed: {why}")));
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

/// What `next_entry` never writes, found in an entry whose hash matches: it was written by hand
/// or by another tool.
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
fn misplaced(chain: &[Entry], j: usize) -> (usize, String) {
    let e = &chain[j];
    let next = chain.get(j + 1);
    let seq = e.seq;
    let pos = j as u64;

    // A replayed copy: the first occurrence in place is the genuine one.
    if let Some(i) = (0..chain.len()).find(|&i| i != j && chain[i].hash == e.hash) {
        return (
            j,
            format!("the entry at position {j} is a copy of the entry at position {i}"),
        );
    }
    // Entry j fits position j-1: it was displaced by an entry inserted before it, unless the
    // entry after it shows that entry j itself is the extra one.
    if j >= 1 && seq == pos - 1 && e.prev_hash == expected_prev(chain, j - 1) {
        if next.is_some_and(|x| x.seq == pos && x.prev_hash == chain[j - 1].hash) {
            return (
                j,
                format!(
                    "an entry was inserted at position {j}: entries {} and {} around it follow each other",
                    j - 1,
                    j + 1
                ),
            );
        }
        return (
            j - 1,
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
        return (j, format!("entries {j} and {} are out of order", j + 1));
    }
    let follows = e.prev_hash == expected_prev(chain, j);
    if seq > pos {
        let problem = if follows {
            format!(
                "the entry at position {j} says seq {seq} although it follows {}: its number was rewritten",
                predecessor(j).trim_end_matches("'s")
            )
        } else if seq == pos + 1 {
            format!(
                "entry {j} is missing: the entry at position {j} says seq {seq} and points to a hash that is not {}",
                predecessor(j)
            )
        } else {
            format!(
                "entries {j} to {} are missing: the entry at position {j} says seq {seq} and points to a hash that is not {}",
                seq - 1,
                predecessor(j)
            )
        };
        return (j, problem);
    }
    if seq < pos {
        return (
            j,
            format!("the entry at position {j} says seq {seq}: an entry was inserted here or entries are out of order"),
        );
    }
    // Right seq, wrong link.
    if next.is_some_and(|x| x.seq == pos && x.prev_hash == expected_prev(chain, j)) {
        return (
            j,
            format!("an entry was inserted at position {j}: the entry after it is the original entry {j}"),
        );
    }
    if j >= 1 && next.is_some_and(|x| x.seq == pos + 1 && x.prev_hash == e.hash) {
        // Entry j is confirmed by its successor, so the one before it changed: rewritten with
        // its hash recomputed, which a chain shows only through the entry after it.
        return (
            j - 1,
            format!(
                "entry {} was rewritten: its hash matches its content, but entry {j} and the entries after it point to a different hash",
                j - 1
            ),
        );
    }
    (
        j,
        format!(
            "entry {j} does not follow {}: it points to a hash that is not {}",
            predecessor(j).trim_end_matches("'s"),
            predecessor(j)
        ),
    )
}
