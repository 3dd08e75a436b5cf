//! Report fields the system already knows, derived from what the incident carries: the SOCRadar
//! alarm (its type, text, assets, indicators and status, as the fetch wrote them into the
//! incident's fields), the ICT and geographical context of the connectors (`DORA.Context`), the
//! classification's figures and the Art. 10 assessment of a cyber threat (`DORA.CyberThreat`).
//!
//! Each value is a proposal a person reviews in the draft, never an invention: where the
//! incident does not say, the field stays empty. A draft field's `Source` names the derivation.

use serde_json::{json, Value};

use super::draft::{lookup, Sources};
use crate::context::{
    read_all, view, ClassificationRecord, FactRecord, GeoReasonRecord, ProviderRecord,
    ThreatConditionRecord,
};

/// The incident field of a SOCRadar key, as the fetch writes it (`dora` + SOCRadar's name).
fn alarm_field(s: &Sources<'_>, key: &str) -> Option<String> {
    let v = lookup(s.incident, &format!("CustomFields.dora{key}"))?;
    let text = match v {
        Value::String(t) => t,
        Value::Null => return None,
        other => other.to_string(),
    };
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The items of a rendered list field (`a, b` or one per line).
fn items(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A domain or URL written so that no mail client or browser follows it (`example[.]com`,
/// `hxxps://`), as threat notifications write indicators.
fn defanged(s: &str) -> String {
    let s = s
        .replacen("https://", "hxxps://", 1)
        .replacen("http://", "hxxp://", 1);
    s.replace('.', "[.]")
}

/// The template's threat techniques (field 3.25) a SOCRadar alarm type points to, by words of
/// its main type, sub type and title. SOCRadar gives no technique field of its own; an alarm
/// no word matches gets none (a person chooses, `other` included).
const TECHNIQUES: &[(&[&str], &str)] = &[
    (
        &["phishing", "impersonat", "fake ", "rogue", "social media"],
        "social_engineering_including_phishing",
    ),
    (&["ddos", "denial of service"], "ddos"),
    (
        &["credential", "stealer", "account takeover", "identity"],
        "identity_theft",
    ),
    (
        &["ransomware", "encrypt"],
        "data_encryption_for_impact_including_ransomware",
    ),
    (&["botnet", "cryptomin", "hijack"], "resource_hijacking"),
    (
        &[
            "data leak",
            "breach",
            "exfiltrat",
            "database",
            "leaked data",
        ],
        "data_exfiltration_and_manipulation_including_identity_theft",
    ),
    (&["wiper", "data destruction"], "data_destruction"),
    (&["defacement"], "defacement"),
    (
        &["supply chain", "vendor", "third party", "third-party"],
        "supply-chain_attack",
    ),
];

fn alarm_techniques(s: &Sources<'_>) -> Option<Value> {
    let words = ["socradaralarmtype", "socradaralarmsubtype", "socradartitle"]
        .iter()
        .filter_map(|k| alarm_field(s, k))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    if words.is_empty() {
        return None;
    }
    let found: Vec<&str> = TECHNIQUES
        .iter()
        .filter(|(keys, _)| keys.iter().any(|k| words.contains(k)))
        .map(|(_, t)| *t)
        .collect();
    (!found.is_empty()).then(|| json!(found))
}

/// The indicators of compromise the alarm's content carries. Credential details (which may hold
/// a password) are never copied; compromised accounts are counted, with their domains.
fn alarm_indicators(s: &Sources<'_>) -> Option<Value> {
    let mut lines: Vec<String> = Vec::new();
    let mut add = |label: &str, key: &str, defang: bool| {
        if let Some(v) = alarm_field(s, key) {
            let list: Vec<String> = items(&v)
                .iter()
                .map(|i| if defang { defanged(i) } else { i.clone() })
                .collect();
            lines.push(format!("{label}: {}", list.join(", ")));
        }
    };
    add("IP addresses", "socradarcontentipaddress", false);
    add("Domains", "socradarcontentcompromiseddomains", true);
    add("URLs", "socradarcontentphishingurl", true);
    add("Infected hosts", "socradarcontentinfectedhost", false);
    add("CVEs", "socradarcontentcveid", false);
    add("Malware family", "socradarcontentmalwarefamily", false);
    if let Some(emails) = alarm_field(s, "socradarcontentcompromisedemails") {
        let list = items(&emails);
        let mut domains: Vec<String> = list
            .iter()
            .filter_map(|e| e.rsplit_once('@').map(|(_, d)| d.to_lowercase()))
            .collect();
        domains.sort();
        domains.dedup();
        lines.push(format!(
            "Compromised accounts: {} e-mail address(es){} (listed in the SOCRadar alarm)",
            list.len(),
            if domains.is_empty() {
                String::new()
            } else {
                format!(
                    " at {}",
                    domains
                        .iter()
                        .map(|d| defanged(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
    (!lines.is_empty()).then(|| json!(lines.join(". ") + "."))
}

fn alarm_reference(s: &Sources<'_>) -> Option<String> {
    let id = alarm_field(s, "socradaralarmid")?;
    Some(match alarm_field(s, "socradaralarmlink") {
        Some(link) => format!("SOCRadar alarm {id} ({link})"),
        None => format!("SOCRadar alarm {id}"),
    })
}

fn alarm_description(s: &Sources<'_>) -> Option<Value> {
    let title = alarm_field(s, "socradartitle");
    let text = alarm_field(s, "socradaralarmtext");
    if title.is_none() && text.is_none() {
        return None;
    }
    let kind: Vec<String> = ["socradaralarmtype", "socradaralarmsubtype"]
        .iter()
        .filter_map(|k| alarm_field(s, k))
        .collect();
    let mut out = alarm_reference(s).unwrap_or_else(|| "The SOCRadar alarm".into());
    if let Some(t) = title {
        out.push_str(&format!(": {t}"));
    }
    if !kind.is_empty() {
        out.push_str(&format!(" ({})", kind.join(" / ")));
    }
    out.push('.');
    if let Some(t) = text {
        out.push_str(&format!(" {t}"));
    }
    let mut assets: Vec<String> = alarm_field(s, "socradarasset").into_iter().collect();
    if let Some(r) = alarm_field(s, "socradarrelatedassets") {
        assets.extend(
            r.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    if !assets.is_empty() {
        out.push_str(&format!(" Affected assets: {}.", assets.join("; ")));
    }
    Some(json!(out))
}

/// SOCRadar's alarm status as the template's field 16: a threat under work is active; one
/// resolved, mitigated or closed as not applicable is inactive. Other statuses say nothing.
fn alarm_threat_status(s: &Sources<'_>) -> Option<Value> {
    let status = alarm_field(s, "socradarstatus")?.to_ascii_uppercase();
    let v = match status.as_str() {
        "OPEN" | "INVESTIGATING" | "PENDING_INFO" | "LEGAL_REVIEW" | "VENDOR_ASSESSMENT"
        | "ON_HOLD" => "active",
        "RESOLVED"
        | "MITIGATED"
        | "FALSE_POSITIVE"
        | "DUPLICATE"
        | "PROCESSED_INTERNALLY"
        | "NOT_APPLICABLE" => "inactive",
        _ => return None,
    };
    Some(json!(v))
}

/// The ICT third-party providers the ICT context found behind the affected services.
fn providers(s: &Sources<'_>) -> Vec<String> {
    read_all::<ProviderRecord>(s.context, "DORA.Context.ICT.Providers")
        .iter()
        .filter_map(|p| {
            let name = p.name.as_deref()?.trim();
            if name.is_empty() {
                return None;
            }
            let code = p
                .code
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            let of = if p.services.is_empty() {
                String::new()
            } else {
                format!(" for {}", p.services.join(", "))
            };
            let source = p
                .source
                .as_deref()
                .map(|x| format!(" [{x}]"))
                .unwrap_or_default();
            Some(format!("{name}{code}{of}{source}"))
        })
        .collect()
}

fn ict_third_party_origin(s: &Sources<'_>) -> Option<Value> {
    let list = providers(s);
    (!list.is_empty()).then(|| {
        json!(format!(
            "ICT third-party provider(s) behind the affected services, per the ICT context: {}.",
            list.join("; ")
        ))
    })
}

fn alarm_other_information(s: &Sources<'_>) -> Option<Value> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(Value::Array(t)) = alarm_techniques(s) {
        let names: Vec<&str> = t.iter().filter_map(Value::as_str).collect();
        parts.push(format!(
            "Threats and techniques (report template field 3.25): {}.",
            names.join(", ")
        ));
    }
    let vendor: Vec<String> = ["socradarcontentvendorname", "socradarcontentvendordomain"]
        .iter()
        .filter_map(|k| alarm_field(s, k))
        .collect();
    let mut third: Vec<String> = Vec::new();
    if !vendor.is_empty() {
        third.push(format!(
            "{} (named in the SOCRadar alarm)",
            defanged(&vendor.join(", "))
        ));
    }
    third.extend(providers(s));
    if !third.is_empty() {
        parts.push(format!("Third parties concerned: {}.", third.join("; ")));
    }
    if let Some(r) = alarm_reference(s) {
        parts.push(format!("Source: {r}."));
    }
    (!parts.is_empty()).then(|| json!(parts.join(" ")))
}

/// Field 14 from the Art. 10 assessment: the conditions (a) and (c) it found met.
fn threat_potential_impact(s: &Sources<'_>) -> Option<Value> {
    let met: Vec<String> =
        read_all::<ThreatConditionRecord>(s.context, "DORA.CyberThreat.Conditions")
            .iter()
            .filter(|c| c.status.as_deref() == Some("met"))
            .filter_map(|c| {
                let article = c
                    .article
                    .as_deref()
                    .filter(|a| a.ends_with("10(a)") || a.ends_with("10(c)"))?;
                Some(format!("{} ({article})", c.justification.as_deref()?))
            })
            .collect();
    (!met.is_empty()).then(|| json!(format!("If the threat materialised: {}.", met.join("; "))))
}

/// Field 3.17: whether the times behind the duration and the downtime are actual or estimates,
/// from the classification's figures (each carries an `Estimate` flag).
fn duration_actual_or_estimate(s: &Sources<'_>) -> Option<Value> {
    let c: ClassificationRecord = view(s.classification);
    let flags: Vec<bool> = [
        "occurred_at",
        "resolved_at",
        "downtime_start",
        "downtime_end",
    ]
    .iter()
    .filter_map(|n| c.facts.get(*n))
    .filter(|f| f.value.is_some())
    .map(FactRecord::is_estimate)
    .collect();
    if flags.is_empty() {
        return None;
    }
    Some(json!(
        match (flags.contains(&false), flags.contains(&true)) {
            (true, true) => "actual_figures_and_estimates",
            (false, true) => "estimates",
            _ => "actual_figures",
        }
    ))
}

/// The geographical reasons (`DORA.Context.Geo.Reasons`) of the Member States the
/// classification counted (all of them when it counted none).
fn geo_reasons(s: &Sources<'_>) -> Vec<GeoReasonRecord> {
    let c: ClassificationRecord = view(s.classification);
    let counted: Vec<String> = c
        .fact("member_states")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    read_all::<GeoReasonRecord>(s.context, "DORA.Context.Geo.Reasons")
        .into_iter()
        .filter(|r| {
            counted.is_empty()
                || r.country
                    .as_deref()
                    .is_some_and(|c| counted.iter().any(|x| x.eq_ignore_ascii_case(c)))
        })
        .collect()
}

/// The field 3.18 codes in the order of the schema's list.
const IMPACT_TYPES: &[&str] = &[
    "clients",
    "financial_counterparts",
    "branch_of_the_financial_entity",
    "financial_entities_within_the_group_carrying_out_activities_in_the_respective_member_state",
    "financial_market_infrastructure",
    "third-party_providers_that_may_be_common_to_other_financial_entities",
];

fn member_states_impact_types(s: &Sources<'_>) -> Option<Value> {
    let reasons = geo_reasons(s);
    let found: Vec<&str> = IMPACT_TYPES
        .iter()
        .copied()
        .filter(|t| reasons.iter().any(|r| r.impact_type.as_deref() == Some(t)))
        .collect();
    (!found.is_empty()).then(|| json!(found))
}

fn member_states_impact_description(s: &Sources<'_>) -> Option<Value> {
    let lines: Vec<String> = geo_reasons(s)
        .iter()
        .filter_map(|r| {
            Some(format!(
                "{}: {} ({})",
                r.country.as_deref()?,
                r.reason.as_deref()?,
                r.source.as_deref().unwrap_or("source not named")
            ))
        })
        .collect();
    (!lines.is_empty()).then(|| json!(lines.join("; ")))
}

/// A value derived for a report field, by the name after `derived.` in the mapping.
pub fn derived(name: &str, s: &Sources<'_>) -> Option<Value> {
    match name {
        "alarm_techniques" => alarm_techniques(s),
        "alarm_indicators" => alarm_indicators(s),
        "alarm_description" => alarm_description(s),
        "alarm_detected_at" => lookup(s.incident, "occurred"),
        "alarm_threat_status" => alarm_threat_status(s),
        "alarm_other_information" => alarm_other_information(s),
        "ict_third_party_origin" => ict_third_party_origin(s),
        "threat_potential_impact" => threat_potential_impact(s),
        "duration_actual_or_estimate" => duration_actual_or_estimate(s),
        "member_states_impact_types" => member_states_impact_types(s),
        "member_states_impact_description" => member_states_impact_description(s),
        _ => None,
    }
}
