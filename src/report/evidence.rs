//! One incident's evidence chain while a command runs: the entries in context, the head recorded
//! outside the incident, and the key. Every decision is refused on a chain that does not verify
//! with the key against its head; every append moves the head, which the integration records
//! back in the integration context.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit::{self, ChainScope, Entry, HeadRecord, KeyRing};
use crate::input::InputError;

pub struct Evidence<'a> {
    pub scope: ChainScope<'a>,
    pub chain: Vec<Entry>,
    /// The head recorded outside the incident when the command started.
    pub recorded_head: Option<HeadRecord>,
    /// The entries this command appended.
    pub appended: Vec<Entry>,
}

impl<'a> Evidence<'a> {
    /// The chain found in context, for `incident`, with the head recorded for it (if any).
    pub fn new(
        incident: &'a str,
        keys: &'a KeyRing,
        chain: Vec<Entry>,
        recorded_head: Option<HeadRecord>,
    ) -> Result<Evidence<'a>, InputError> {
        let scope =
            ChainScope::new(incident, keys).map_err(|e| InputError::new("incident", e.message))?;
        Ok(Evidence {
            scope,
            chain,
            recorded_head,
            appended: Vec::new(),
        })
    }

    /// Refuses to act on a chain that does not verify with the key against the recorded head.
    pub fn verified(&self) -> Result<(), InputError> {
        let v = audit::verify(
            &self.chain,
            self.scope.incident,
            Some(self.scope.keys),
            self.recorded_head.as_ref(),
        );
        if v.valid {
            return Ok(());
        }
        Err(InputError::report(
            "audit",
            format!(
                "The evidence chain fails verification{}: {}. Nothing was recorded; verify the chain to investigate, and restore it from its last export before any further decision.",
                v.first_bad_seq.map(|s| format!(" at entry {s}")).unwrap_or_default(),
                v.problem.unwrap_or_default()
            ),
        )
        .needing("audit_verify"))
    }

    /// Appends an entry signed with the current key.
    pub fn append(
        &mut self,
        at: DateTime<Utc>,
        kind: &str,
        actor: &str,
        details: Value,
    ) -> Result<Entry, InputError> {
        let e = audit::next_entry(self.scope, &self.chain, at, kind, actor, details)
            .map_err(|e| InputError::new("audit", e.message))?;
        self.chain.push(e.clone());
        self.appended.push(e.clone());
        Ok(e)
    }

    /// The head to record after this command: the last entry, keyed.
    pub fn head(&self) -> Option<HeadRecord> {
        HeadRecord::of(self.scope, &self.chain)
    }
}
