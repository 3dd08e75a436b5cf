//! An alarm as an XSOAR incident, and the catalogue of incident fields the pack defines.
//!
//! Every CustomFields key written here is an incident field of `Packs/DORABridge/IncidentFields`
//! (a pack test checks both directions). Content keys the catalogue does not know are kept
//! together in `dorasocradarcontentother`, never written under invented field names.
//!
//! The keys below are SOCRadar's own names (`socradaralarmid`); the fields carry them under the
//! pack's prefix (`dorasocradaralarmid`, "DORA SOCRadar Alarm ID"). The official SOCRadar pack
//! owns the bare names: it defines some of them with other types and its v4 fetch writes the
//! rest, and XSOAR keeps one field per name (scripts/check-coexistence.py).

use std::collections::BTreeMap;

use serde::Serialize;

use super::mapping::MappedIncident;
use super::mirror::MirrorFields;
use crate::timeutil;
use crate::triage::TriageRules;

pub use super::incident_raw::mapper_raw;

/// XSOAR field types used by the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldType {
    ShortText,
    LongText,
    Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    pub cli_name: &'static str,
    pub name: &'static str,
    pub field_type: FieldType,
    /// For content fields: the alarm `content` key it carries.
    pub content_key: Option<&'static str>,
}

const fn std_field(cli_name: &'static str, name: &'static str, field_type: FieldType) -> FieldSpec {
    FieldSpec {
        cli_name,
        name,
        field_type,
        content_key: None,
    }
}

/// The pack's prefix of every field cliName written here, and of its display name.
pub const FIELD_PREFIX: &str = "dora";
pub const NAME_PREFIX: &str = "DORA ";

/// The incident field that carries a SOCRadar key.
pub fn field_name(key: &str) -> String {
    format!("{FIELD_PREFIX}{key}")
}

/// Fields present on every SOCRadar incident (company id and entities only when enabled).
pub const STANDARD_FIELDS: &[FieldSpec] = &[
    std_field("socradaralarmid", "SOCRadar Alarm ID", FieldType::ShortText),
    std_field("socradartitle", "SOCRadar Title", FieldType::ShortText),
    std_field("socradarstatus", "SOCRadar Status", FieldType::ShortText),
    std_field(
        "socradarstatusreason",
        "SOCRadar Status Reason",
        FieldType::ShortText,
    ),
    std_field(
        "socradarassignees",
        "SOCRadar Assignees",
        FieldType::ShortText,
    ),
    // Written by mirroring (get-remote-data): the changes of the last sync, one per line.
    std_field(
        "socradarmirroredchanges",
        "SOCRadar Mirrored Changes",
        FieldType::LongText,
    ),
    std_field("socradarasset", "SOCRadar Asset", FieldType::ShortText),
    std_field(
        "socradaralarmtype",
        "SOCRadar Alarm Type",
        FieldType::ShortText,
    ),
    std_field(
        "socradaralarmsubtype",
        "SOCRadar Alarm Sub Type",
        FieldType::ShortText,
    ),
    std_field(
        "socradaralarmtypeid",
        "SOCRadar Alarm Type ID",
        FieldType::ShortText,
    ),
    std_field("socradartags", "SOCRadar Tags", FieldType::ShortText),
    std_field(
        "socradarrisklevel",
        "SOCRadar Risk Level",
        FieldType::ShortText,
    ),
    std_field(
        "socradaralarmtext",
        "SOCRadar Alarm Text",
        FieldType::LongText,
    ),
    std_field(
        "socradarmitigationplan",
        "SOCRadar Mitigation Plan",
        FieldType::LongText,
    ),
    std_field("socradaralarmlink", "SOCRadar Alarm Link", FieldType::Url),
    std_field(
        "socradarcompliance",
        "SOCRadar Compliance",
        FieldType::LongText,
    ),
    std_field(
        "socradarrelatedassets",
        "SOCRadar Related Assets",
        FieldType::LongText,
    ),
    std_field(
        "socradarcompanyid",
        "SOCRadar Company ID",
        FieldType::ShortText,
    ),
    std_field("socradarentities", "SOCRadar Entities", FieldType::LongText),
    std_field(
        "socradarcontentother",
        "SOCRadar Content Other",
        FieldType::LongText,
    ),
];

/// Alarm `content` keys with a field of their own, per alarm type in the vendor's documentation.
pub const CONTENT_KEYS: &[&str] = &[
    "dns_information",
    "whois_information",
    "domain_status",
    "phishing_url",
    "screenshot_link",
    "hosting_provider",
    "platform",
    "profile_url",
    "credential_details",
    "log_content_link",
    "malware_family",
    "source_full_content",
    "compromised_emails",
    "compromised_domains",
    "infected_host",
    "ip_address",
    "port",
    "service",
    "banner",
    "certificate_details",
    "expiry_date",
    "cve_id",
    "cvss_score",
    "affected_product",
    "source_url",
    "source_type",
    "marketplace",
    "vendor_name",
    "vendor_domain",
    "breach_details",
    "exposure_details",
];

/// SOCRadar key for a content key: `socradarcontent` + the key's letters and digits, lowercased
/// (XSOAR field names allow nothing else); `field_name` gives its field.
pub fn content_field_name(key: &str) -> String {
    let mut name = String::from("socradarcontent");
    name.extend(
        key.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
    name
}

/// Display name for a content key: `SOCRadar Content DNS Information`.
fn content_display_name(key: &str) -> String {
    const ACRONYMS: &[&str] = &["dns", "whois", "ip", "id", "cve", "cvss", "url"];
    let words: Vec<String> = key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if ACRONYMS.contains(&w) {
                return w.to_ascii_uppercase();
            }
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("SOCRadar Content {}", words.join(" "))
}

/// The whole catalogue: standard fields, then one long-text field per known content key.
pub fn field_catalogue() -> Vec<(FieldSpec, String, String)> {
    let mut out: Vec<(FieldSpec, String, String)> = STANDARD_FIELDS
        .iter()
        .map(|f| {
            (
                *f,
                field_name(f.cli_name),
                format!("{NAME_PREFIX}{}", f.name),
            )
        })
        .collect();
    for key in CONTENT_KEYS {
        let spec = FieldSpec {
            cli_name: "",
            name: "",
            field_type: FieldType::LongText,
            content_key: Some(key),
        };
        out.push((
            spec,
            field_name(&content_field_name(key)),
            format!("{NAME_PREFIX}{}", content_display_name(key)),
        ));
    }
    out
}

/// How incidents are built, from the instance parameters.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentOptions {
    pub incident_type: Option<String>,
    pub include_content: bool,
    pub include_entities: bool,
    pub include_company_id: bool,
    /// Set when mirroring is on: what the incident needs for XSOAR to mirror it.
    pub mirror: Option<MirrorFields>,
    /// The admin's triage rules (`triage_rules`), before the defaults; every incident carries
    /// its triage (`crate::triage`).
    #[serde(skip)]
    pub triage: TriageRules,
}

/// The DORA fields a fetched incident carries its triage in (outcome, rule, reason): the pack's
/// `DORA Triage *` fields, which `!dora-triage` seals in the evidence chain.
pub const TRIAGE_FIELDS: [&str; 3] = ["doratriageoutcome", "doratriagerule", "doratriagereason"];

/// An incident as `demisto.incidents()` takes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub name: String,
    /// RFC 3339 UTC with `Z`.
    pub occurred: String,
    pub severity: f64,
    pub details: String,
    #[serde(rename = "rawJSON")]
    pub raw_json: String,
    #[serde(rename = "dbotMirrorId")]
    pub dbot_mirror_id: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub incident_type: Option<String>,
    #[serde(rename = "CustomFields")]
    pub custom_fields: BTreeMap<String, String>,
    #[serde(
        rename = "dbotMirrorDirection",
        skip_serializing_if = "Option::is_none"
    )]
    pub dbot_mirror_direction: Option<String>,
    #[serde(rename = "dbotMirrorInstance", skip_serializing_if = "Option::is_none")]
    pub dbot_mirror_instance: Option<String>,
    #[serde(rename = "dbotMirrorTags", skip_serializing_if = "Option::is_none")]
    pub dbot_mirror_tags: Option<Vec<String>>,
}

/// SOCRadar risk level → XSOAR severity (INFO 0.5, LOW 1, MEDIUM 2, HIGH 3, CRITICAL 4, else 0).
pub fn xsoar_severity(risk_level: Option<&str>) -> f64 {
    match risk_level.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        Some("INFO") => 0.5,
        Some("LOW") => 1.0,
        Some("MEDIUM") => 2.0,
        Some("HIGH") => 3.0,
        Some("CRITICAL") => 4.0,
        _ => 0.0,
    }
}

/// The analyst-facing link to the alarm on the SOCRadar platform.
pub fn alarm_link(company_id: u64, alarm_id: u64) -> String {
    format!(
        "https://platform.socradar.com/app/company/{company_id}/alarm-management?tab=approved&field=alarmId&operator=equals&value={alarm_id}"
    )
}

impl Incident {
    /// The incident handed to XSOAR for a mapped alarm.
    pub fn from_mapped(m: &MappedIncident<'_>, opts: &IncidentOptions) -> Incident {
        Incident {
            name: m.name.clone(),
            occurred: timeutil::to_rfc3339(m.date),
            severity: m.severity,
            details: m.details.to_string(),
            raw_json: m.raw_json.to_string(),
            dbot_mirror_id: m.id.to_string(),
            incident_type: opts.incident_type.clone().filter(|t| !t.trim().is_empty()),
            custom_fields: m
                .custom_fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_str().to_string()))
                .collect(),
            dbot_mirror_direction: opts.mirror.as_ref().map(|m| m.direction.clone()),
            dbot_mirror_instance: opts.mirror.as_ref().map(|m| m.instance.clone()),
            dbot_mirror_tags: opts.mirror.as_ref().map(|m| m.tags.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socradar::alarm::AlarmView;
    use crate::socradar::mapping::Mapper;
    use serde_json::json;

    /// The incident of one alarm, through the fetch's own reader and mapping.
    fn to_incident(alarm: &serde_json::Value, company_id: u64, opts: &IncidentOptions) -> Incident {
        let text = alarm.to_string();
        let view = AlarmView::parse(&text).unwrap();
        let mapper = Mapper::new(company_id, opts.clone());
        Incident::from_mapped(&mapper.map(&view).unwrap(), opts)
    }

    fn alarm() -> serde_json::Value {
        json!({
            "alarm_id": 81171696, "date": "2024-01-15T10:30:00.25", "status": "OPEN",
            "alarm_risk_level": "HIGH", "alarm_asset": "examp1e-bank.com",
            "alarm_text": "x".repeat(1500), "tags": ["phishing", "brand"],
            "alarm_related_entities": [{"key": "domain", "value": "examp1e-bank.com"}],
            "alarm_related_assets": [{"key": "ip", "value": ["203.0.113.7", "203.0.113.8"]}],
            "content": {"dns_information": {"a": ["203.0.113.7"]}, "domain_status": "active", "raw-source": "x", "gone": null},
            "alarm_type_details": {"alarm_main_type": "Brand Protection", "alarm_sub_type": "Impersonating Domain",
                "alarm_type_id": 37, "alarm_generic_title": "Impersonating Domain Detected",
                "alarm_compliance_list": [{"name": "DORA", "control_item": "Art. 17", "description": "ICT incident management"}]}
        })
    }

    #[test]
    fn an_alarm_becomes_an_incident() {
        let opts = IncidentOptions {
            incident_type: Some("DORA ICT Incident".into()),
            include_content: true,
            include_entities: true,
            include_company_id: true,
            mirror: None,
            ..Default::default()
        };
        let i = to_incident(&alarm(), 789, &opts);
        assert_eq!(
            i.name,
            "SOCRadar 81171696: Impersonating Domain Detected — examp1e-bank.com"
        );
        assert_eq!(i.occurred, "2024-01-15T10:30:00Z");
        assert_eq!(i.severity, 3.0);
        assert_eq!(i.dbot_mirror_id, "81171696");
        assert_eq!(i.incident_type.as_deref(), Some("DORA ICT Incident"));
        let f = &i.custom_fields;
        assert_eq!(f["dorasocradaralarmtext"].chars().count(), 1000);
        assert_eq!(f["dorasocradartags"], "phishing, brand");
        assert_eq!(f["dorasocradaralarmtypeid"], "37");
        assert_eq!(f["dorasocradarcompanyid"], "789");
        assert_eq!(f["dorasocradarentities"], "domain: examp1e-bank.com");
        assert_eq!(
            f["dorasocradarrelatedassets"],
            "ip: 203.0.113.7, 203.0.113.8"
        );
        assert_eq!(
            f["dorasocradarcompliance"],
            "DORA Art. 17: ICT incident management"
        );
        assert_eq!(
            f["dorasocradarcontentdnsinformation"],
            r#"{"a":["203.0.113.7"]}"#
        );
        assert_eq!(f["dorasocradarcontentdomainstatus"], "active");
        assert_eq!(f["dorasocradarcontentother"], r#"{"raw-source":"x"}"#);
        let known: std::collections::HashSet<String> =
            field_catalogue().into_iter().map(|(_, n, _)| n).collect();
        for key in f.keys() {
            assert!(
                known.contains(key) || TRIAGE_FIELDS.contains(&key.as_str()),
                "{key} is not in the catalogue"
            );
        }
        assert_eq!(f["doratriageoutcome"], "cyber-threat");
        assert_eq!(f["doratriagerule"], "default: main type Brand Protection");
        let raw: serde_json::Value = serde_json::from_str(&i.raw_json).unwrap();
        assert_eq!(raw["dora_bridge"]["triage"]["outcome"], "cyber-threat");
        assert_eq!(
            raw["dora_bridge"]["triage"]["reason"],
            f["doratriagereason"]
        );
    }

    #[test]
    fn options_switch_fields_off() {
        let i = to_incident(&alarm(), 789, &IncidentOptions::default());
        for k in [
            "dorasocradarcompanyid",
            "dorasocradarentities",
            "dorasocradarcontentdnsinformation",
            "dorasocradarcontentother",
        ] {
            assert!(!i.custom_fields.contains_key(k), "{k}");
        }
        assert_eq!(i.incident_type, None);
    }

    #[test]
    fn severities_follow_the_spec() {
        let got: Vec<f64> = [
            Some("INFO"),
            Some("low"),
            Some("MEDIUM"),
            Some("HIGH"),
            Some("CRITICAL"),
            Some("?"),
            None,
        ]
        .into_iter()
        .map(xsoar_severity)
        .collect();
        assert_eq!(got, [0.5, 1.0, 2.0, 3.0, 4.0, 0.0, 0.0]);
    }

    #[test]
    fn content_field_names_are_valid_xsoar_names() {
        assert_eq!(
            content_field_name("dns_information"),
            "socradarcontentdnsinformation"
        );
        assert_eq!(
            content_display_name("dns_information"),
            "SOCRadar Content DNS Information"
        );
        assert_eq!(
            content_display_name("cvss_score"),
            "SOCRadar Content CVSS Score"
        );
        for (_, name, _) in field_catalogue() {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{name}"
            );
        }
    }
}
