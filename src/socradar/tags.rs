//! Explicit, idempotent tag actions. `POST /alarm/tag` adds a tag, and on some servers toggles
//! it, so running "add" twice could remove it; `DELETE` on the same path removes it
//! (shared/spec/socradar-api.md, "More of the wire contract"). Here "add" leaves the tag on the
//! alarm and "remove" leaves it off, however often they run, and a request whose outcome is
//! unknown (a timeout after it was sent) is repeated only after reading the alarm shows it did
//! not apply.

use serde::Serialize;
use serde_json::Value;

use super::actions::{self, ActionRequest};
use super::client::SocRadarClient;
use super::error::SocRadarError;
use super::mirror::outgoing::write_checked;
use super::mirror::view::as_id;
use super::mirror::AlarmRemote;
use super::search::{SearchPage, SearchQuery};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagChange {
    Add,
    Remove,
}

/// What happened to the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagOutcome {
    Added,
    AlreadyPresent,
    Removed,
    AlreadyAbsent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagResult {
    pub outcome: TagOutcome,
    /// The action sent last (for the context entry), and SOCRadar's answer to it.
    #[serde(skip)]
    pub action: ActionRequest,
    pub response: Value,
}

fn has_tag(alarm: &Value, tag: &str) -> bool {
    alarm
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag)))
}

fn reported_action(response: &Value) -> Option<&str> {
    response
        .get("data")
        .and_then(|d| d.get("action"))
        .and_then(Value::as_str)
}

/// Adds or removes `tag` on `alarm_id`. `notification_id`, when known (the mirror learns it),
/// lets the alarm be read first and after an unknown outcome; without it an unknown outcome is
/// reported and nothing is repeated.
pub fn set_tag(
    remote: &impl AlarmRemote,
    alarm_id: u64,
    tag: &str,
    change: TagChange,
    notification_id: Option<u64>,
) -> Result<TagResult, SocRadarError> {
    let current = match notification_id {
        Some(nid) => remote
            .alarm(nid)?
            .filter(|a| a.get("alarm_id").and_then(as_id) == Some(alarm_id)),
        None => None,
    };
    let nid = current.as_ref().and(notification_id);
    let present = current.as_ref().map(|a| has_tag(a, tag));
    match change {
        TagChange::Add => {
            let action = actions::add_tag(alarm_id, tag.to_string());
            if present == Some(true) {
                return Ok(TagResult {
                    outcome: TagOutcome::AlreadyPresent,
                    action,
                    response: Value::Null,
                });
            }
            let mut response = write_checked(remote, &action, nid, |a| has_tag(a, tag))?;
            if reported_action(&response) == Some("removed") {
                // A toggling server, and the tag was there after all (added meanwhile): the
                // answer is known, so adding it back cannot undo anything.
                remote.note(format!(
                    "add-tag on alarm {alarm_id}: the server removed {tag:?} (it toggles); adding it back"
                ));
                response = remote.send(&action)?;
            }
            Ok(TagResult {
                outcome: TagOutcome::Added,
                action,
                response,
            })
        }
        TagChange::Remove => {
            let action = actions::remove_tag(alarm_id, tag.to_string());
            if present == Some(false) {
                return Ok(TagResult {
                    outcome: TagOutcome::AlreadyAbsent,
                    action,
                    response: Value::Null,
                });
            }
            // DELETE is idempotent: the client itself retries it on transient failures.
            let response = remote.send(&action)?;
            let outcome = if reported_action(&response) == Some("absent") {
                TagOutcome::AlreadyAbsent
            } else {
                TagOutcome::Removed
            };
            Ok(TagResult {
                outcome,
                action,
                response,
            })
        }
    }
}

/// The client acting for `company_id` (a command's override). Alarms of another company than the
/// instance's cannot be read by notification id, so they are not read.
pub struct ForCompany<'a> {
    pub client: &'a SocRadarClient,
    pub company_id: Option<u64>,
}

impl ForCompany<'_> {
    fn own(&self) -> bool {
        self.company_id
            .is_none_or(|c| c == self.client.config().company_id)
    }
}

impl AlarmRemote for ForCompany<'_> {
    fn alarm(&self, notification_id: u64) -> Result<Option<Value>, SocRadarError> {
        if self.own() {
            self.client.alarm_by_notification_id(notification_id)
        } else {
            Ok(None)
        }
    }
    fn page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        self.client.search(query)
    }
    fn send(&self, action: &ActionRequest) -> Result<Value, SocRadarError> {
        self.client.act(action, self.company_id)
    }
    fn note(&self, line: String) {
        self.client.debug(line);
    }
}
