//! Two-way mirroring of SOCRadar alarms and XSOAR incidents, the way XSOAR mirrors: the
//! server's mirroring job calls `get-modified-remote-data` once a minute per instance, then
//! `get-remote-data` for each alarm it returned, and `update-remote-system` whenever a mirrored
//! incident changes (XSOAR developer docs, "Mirroring Integration").
//!
//! Incoming: status, status reason, severity, assignees, tags and comments. Outgoing: closing
//! the incident (the close reason mapped to a SOCRadar status reason), severity, assignees,
//! status reason and comments (marked so they never come back). Every change either way is
//! recorded ([`record::MirroredChange`]) for the war room and the DORA evidence chain.
//!
//! What it costs: SOCRadar's search has no "modified since" filter and an alarm carries no
//! modification time, so `get-modified-remote-data` reads the mirror window (alarms dated in
//! the last `mirror_window_days`, matched by the instance's type filters only) page by page:
//! ⌈N / 100⌉ requests a run for N alarms in the window, e.g. 3 000 alarms in 30 days cost 30
//! requests a minute. `get-remote-data` then costs one request per changed alarm
//! (`notification_ids`), and `update-remote-system` two or three per incident change (read,
//! write, read back).

pub mod evidence;
pub mod incoming;
pub mod outgoing;
pub mod record;
pub mod state;
pub mod view;

#[cfg(test)]
mod scenarios;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::actions::{ActionRequest, STATUS_REASONS};
use super::client::SocRadarClient;
use super::error::SocRadarError;
use super::search::{SearchFilters, SearchPage, SearchQuery};
use crate::input::{self, InputError};

/// The text every comment written from XSOAR carries, so the incoming side never brings it back.
pub const MIRROR_MARK: &str = "[mirrored from Cortex XSOAR";
/// Tag of the war-room entries that carry mirrored-change records; the evidence script reads
/// entries by it.
pub const RECORD_TAG: &str = "dora-bridge-mirror";
/// Default mirror window of `get-modified-remote-data`, in days.
pub const DEFAULT_WINDOW_DAYS: i64 = 30;

/// The `mirror_direction` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum MirrorDirection {
    #[default]
    None,
    Incoming,
    Outgoing,
    Both,
}

impl MirrorDirection {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(MirrorDirection::None),
            "incoming" | "in" => Ok(MirrorDirection::Incoming),
            "outgoing" | "out" => Ok(MirrorDirection::Outgoing),
            "incoming and outgoing" | "both" => Ok(MirrorDirection::Both),
            _ => Err(InputError::new(
                "mirror_direction",
                format!(
                    "mirror_direction must be one of None, Incoming, Outgoing, Incoming And Outgoing, got {}.",
                    input::quote(raw)
                ),
            )),
        }
    }

    /// The value of the incident's `dbotMirrorDirection`; `None` when mirroring is off.
    pub fn dbot(self) -> Option<&'static str> {
        match self {
            MirrorDirection::None => None,
            MirrorDirection::Incoming => Some("In"),
            MirrorDirection::Outgoing => Some("Out"),
            MirrorDirection::Both => Some("Both"),
        }
    }

    pub fn incoming(self) -> bool {
        matches!(self, MirrorDirection::Incoming | MirrorDirection::Both)
    }

    pub fn outgoing(self) -> bool {
        matches!(self, MirrorDirection::Outgoing | MirrorDirection::Both)
    }
}

/// XSOAR close reason → SOCRadar status reason, from the `close_reason_map` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseReasonMap(pub Vec<(String, String)>);

pub const DEFAULT_CLOSE_REASON_MAP: &str =
    "Resolved=RESOLVED, False Positive=FALSE_POSITIVE, Duplicate=DUPLICATE, Other=NOT_APPLICABLE";

impl CloseReasonMap {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let raw = if raw.trim().is_empty() {
            DEFAULT_CLOSE_REASON_MAP
        } else {
            raw
        };
        let names: Vec<&str> = STATUS_REASONS.iter().map(|(n, _)| *n).collect();
        let mut pairs = Vec::new();
        for item in raw
            .split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let Some((xsoar, socradar)) = item.split_once('=') else {
                return Err(InputError::new(
                    "close_reason_map",
                    format!("close_reason_map must list XSOAR close reasons with their SOCRadar status reason, such as 'Resolved=RESOLVED, False Positive=FALSE_POSITIVE', got {}.", input::quote(item)),
                ));
            };
            let reason = input::one_of("close_reason_map", socradar.trim(), &names)?;
            pairs.push((xsoar.trim().to_string(), reason.to_string()));
        }
        Ok(CloseReasonMap(pairs))
    }

    /// The SOCRadar status reason for an XSOAR close reason: its entry, else the entry for
    /// `Other`, else NOT_APPLICABLE. The XSOAR reason itself always travels in the comment.
    pub fn to_socradar(&self, xsoar_reason: &str) -> String {
        let find = |r: &str| {
            self.0
                .iter()
                .find(|(x, _)| x.eq_ignore_ascii_case(r.trim()))
                .map(|(_, s)| s.clone())
        };
        find(xsoar_reason)
            .or_else(|| find("Other"))
            .unwrap_or_else(|| "NOT_APPLICABLE".to_string())
    }

    /// The XSOAR close reason for a SOCRadar status reason (the first entry naming it), else
    /// `Other`.
    pub fn to_xsoar(&self, socradar_reason: Option<&str>) -> String {
        socradar_reason
            .and_then(|r| self.0.iter().find(|(_, s)| s.eq_ignore_ascii_case(r)))
            .map_or_else(|| "Other".to_string(), |(x, _)| x.clone())
    }
}

/// The mirroring parameters of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MirrorSettings {
    pub direction: MirrorDirection,
    /// The integration instance (`demisto.integrationInstance()`), for `dbotMirrorInstance`.
    pub instance: Option<String>,
    /// XSOAR entries with this tag are posted to the alarm as SOCRadar comments.
    pub comment_tag: String,
    /// Comments mirrored in from SOCRadar carry this tag in the war room.
    pub comment_tag_in: String,
    /// The SOCRadar user mirrored comments are posted as (the add-comment endpoint needs one).
    pub comment_user_email: Option<String>,
    /// Close the XSOAR incident when its alarm is closed in SOCRadar.
    pub close_incident: bool,
    /// Change the alarm's status when its XSOAR incident is closed.
    pub close_alarm: bool,
    pub close_reasons: CloseReasonMap,
    /// How far back `get-modified-remote-data` reads, in days.
    pub window_days: i64,
}

impl Default for MirrorSettings {
    fn default() -> Self {
        MirrorSettings {
            direction: MirrorDirection::None,
            instance: None,
            comment_tag: "comment-to-socradar".into(),
            comment_tag_in: "comment-from-socradar".into(),
            comment_user_email: None,
            close_incident: false,
            close_alarm: true,
            close_reasons: CloseReasonMap::parse("").expect("the default map is valid"),
            window_days: DEFAULT_WINDOW_DAYS,
        }
    }
}

/// What a fetched incident carries for XSOAR to mirror it (`dbotMirror*`), also written to its
/// rawJSON (`mirror_direction`, `mirror_instance`, `mirror_tags`) for the incoming mapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorFields {
    pub direction: String,
    pub instance: String,
    pub tags: Vec<String>,
}

impl MirrorSettings {
    pub fn incident_fields(&self) -> Option<MirrorFields> {
        Some(MirrorFields {
            direction: self.direction.dbot()?.to_string(),
            instance: self.instance.clone().unwrap_or_default(),
            tags: vec![self.comment_tag.clone()],
        })
    }
}

/// What the mirror needs from SOCRadar; the HTTP client implements it, tests use fakes.
pub trait AlarmRemote {
    fn alarm(&self, notification_id: u64) -> Result<Option<Value>, SocRadarError>;
    fn page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError>;
    fn send(&self, action: &ActionRequest) -> Result<Value, SocRadarError>;
    fn note(&self, _line: String) {}
}

impl AlarmRemote for SocRadarClient {
    fn alarm(&self, notification_id: u64) -> Result<Option<Value>, SocRadarError> {
        self.alarm_by_notification_id(notification_id)
    }
    fn page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        self.search(query)
    }
    fn send(&self, action: &ActionRequest) -> Result<Value, SocRadarError> {
        self.act(action, None)
    }
    fn note(&self, line: String) {
        self.debug(line);
    }
}

/// Whether a failed write may nonetheless have been applied: no answer (timeout, reset) or a
/// gateway error. Such a write is repeated only after the alarm shows it was not applied.
pub fn outcome_unknown(e: &SocRadarError) -> bool {
    matches!(e, SocRadarError::Transport { .. })
        || matches!(e, SocRadarError::Api { status: Some(s), .. } if *s >= 500)
}

/// The instance's filters that never change for an alarm (its type): the mirror reads every
/// alarm of those types in its window, whatever its status, severity or tags now are.
pub fn type_filters(f: &SearchFilters) -> SearchFilters {
    SearchFilters {
        alarm_main_types: f.alarm_main_types.clone(),
        alarm_sub_types: f.alarm_sub_types.clone(),
        excluded_alarm_main_types: f.excluded_alarm_main_types.clone(),
        excluded_alarm_sub_types: f.excluded_alarm_sub_types.clone(),
        alarm_type_ids: f.alarm_type_ids.clone(),
        excluded_alarm_type_ids: f.excluded_alarm_type_ids.clone(),
        ..SearchFilters::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_read_as_xsoar_offers_them() {
        assert_eq!(
            MirrorDirection::parse("Incoming And Outgoing").unwrap(),
            MirrorDirection::Both
        );
        assert_eq!(MirrorDirection::parse("").unwrap().dbot(), None);
        assert_eq!(
            MirrorDirection::parse("outgoing").unwrap().dbot(),
            Some("Out")
        );
        let e = MirrorDirection::parse("sideways").unwrap_err();
        assert_eq!(e.argument, "mirror_direction");
        assert!(e.message.contains("got 'sideways'"));
    }

    #[test]
    fn close_reasons_map_both_ways() {
        let m = CloseReasonMap::parse("").unwrap();
        assert_eq!(m.to_socradar("False Positive"), "FALSE_POSITIVE");
        assert_eq!(m.to_socradar("resolved"), "RESOLVED");
        assert_eq!(m.to_socradar("Security Testing"), "NOT_APPLICABLE");
        assert_eq!(m.to_xsoar(Some("DUPLICATE")), "Duplicate");
        assert_eq!(m.to_xsoar(Some("MITIGATED")), "Other");
        let custom = CloseReasonMap::parse("Resolved=MITIGATED\nTest=NOT_APPLICABLE").unwrap();
        assert_eq!(custom.to_socradar("Resolved"), "MITIGATED");
        assert_eq!(custom.to_socradar("Unknown"), "NOT_APPLICABLE");
        assert!(CloseReasonMap::parse("Resolved=DONE")
            .unwrap_err()
            .message
            .contains("got 'DONE'"));
        assert!(CloseReasonMap::parse("Resolved")
            .unwrap_err()
            .message
            .starts_with("close_reason_map must list"));
    }

    #[test]
    fn incidents_carry_mirror_fields_only_when_mirroring() {
        let mut s = MirrorSettings::default();
        assert_eq!(s.incident_fields(), None);
        s.direction = MirrorDirection::Both;
        s.instance = Some("SOCRadar_instance_1".into());
        let f = s.incident_fields().unwrap();
        assert_eq!(
            (f.direction.as_str(), f.instance.as_str()),
            ("Both", "SOCRadar_instance_1")
        );
        assert_eq!(f.tags, ["comment-to-socradar"]);
    }
}
