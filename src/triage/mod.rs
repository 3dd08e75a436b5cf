//! Triage at ingestion: every fetched SOCRadar alarm is sorted, by automation and not by a
//! person, into a candidate ICT-related incident (DORA Art. 3(8)), a cyber threat (DORA Art.
//! 3(12), which may be notified voluntarily if significant, Art. 19(2)), or an alarm that is not
//! DORA-relevant. The outcome routes the incident (its type and playbook); it decides nothing
//! about the classification, which the DORA classifier and a person make later.
//!
//! An admin's rules (instance parameter `triage_rules`) come first, in the order given, the
//! first that matches wins; the documented defaults ([`DEFAULT_RULES`]) follow, most specific
//! first; an alarm that no rule matches is a cyber threat, so that it is recorded and a person
//! can escalate it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::connectors::ict_json::asset_matches;
use crate::input::{quote, InputError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Possibly an ICT-related incident of the entity: the DORA clock may apply.
    CandidateIctIncident,
    /// A cyber threat: recorded, assessed for significance (RTS 2024/1772 Art. 10).
    CyberThreat,
    /// Neither: handled outside DORA.
    NotDoraRelevant,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::CandidateIctIncident => "candidate-ict-incident",
            Outcome::CyberThreat => "cyber-threat",
            Outcome::NotDoraRelevant => "not-dora-relevant",
        }
    }
}

/// One rule: what it matches (every key given must match) and the outcome.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub main_type: Option<String>,
    pub sub_type: Option<String>,
    /// An asset name, `*.domain`, or an IPv4 CIDR block.
    pub asset: Option<String>,
    pub outcome: Outcome,
    pub reason: String,
}

/// The triage of one alarm, as the incident carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triage {
    pub outcome: Outcome,
    /// Which rule decided: `triage_rules[2]`, `default: sub type Botnet Infection`, `default`.
    pub rule: String,
    pub reason: String,
}

/// What an alarm says of itself that the rules read.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlarmKind<'a> {
    pub main_type: Option<&'a str>,
    pub sub_type: Option<&'a str>,
    pub asset: Option<&'a str>,
}

/// A default rule: (main type, sub type or `None` for the whole main type, outcome, reason).
type Default = (&'static str, Option<&'static str>, Outcome, &'static str);

/// The defaults, with the reason an auditor reads; most specific first.
pub const DEFAULT_RULES: &[Default] = &[
    ("Cyber Threat Intelligence", Some("Botnet Infection"), Outcome::CandidateIctIncident,
     "a company asset communicates with a botnet: the entity's own ICT systems are compromised, an ICT-related incident (DORA Art. 3(8))"),
    ("Cyber Threat Intelligence", Some("Data Leak"), Outcome::CandidateIctIncident,
     "company data found leaked: a possible loss of confidentiality of the entity's data (RTS 2024/1772 Art. 5)"),
    ("Cyber Threat Intelligence", Some("Stolen Credentials"), Outcome::CyberThreat,
     "credentials found in stealer logs: a threat to the entity's systems until they are used against them (DORA Art. 3(12))"),
    ("Cyber Threat Intelligence", None, Outcome::CyberThreat,
     "threat intelligence about the entity: a cyber threat until it materialises in the entity's systems (DORA Art. 3(12))"),
    ("Supply Chain Security", Some("Vendor Breach"), Outcome::CandidateIctIncident,
     "a breach at a third-party provider is an ICT-related incident of the entity when its services or data are affected (DORA Art. 3(8), Art. 28)"),
    ("Supply Chain Security", None, Outcome::CyberThreat,
     "an exposure at a third-party provider: a cyber threat to the entity through its supply chain (DORA Art. 3(12))"),
    ("Attack Surface Management", Some("SSL Certificate Expiry"), Outcome::NotDoraRelevant,
     "a certificate about to expire: operational housekeeping, neither an incident nor a threat while it is renewed in time"),
    ("Attack Surface Management", None, Outcome::CyberThreat,
     "an exposed service or vulnerable software: a cyber threat until exploited (DORA Art. 3(12))"),
    ("Brand Protection", None, Outcome::CyberThreat,
     "impersonation of the brand outside the entity's systems: a cyber threat to its clients, not an ICT-related incident of the entity (DORA Art. 3(12))"),
    ("Dark Web Intelligence", None, Outcome::CyberThreat,
     "the entity or its data mentioned or offered on the dark web: a cyber threat (DORA Art. 3(12))"),
];

/// The reason given when no rule matches.
const FALLBACK: &str = "no triage rule matches this alarm type: recorded as a cyber threat so that a person can escalate it; add a rule (triage_rules) to route it";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriageRules {
    pub rules: Vec<Rule>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl TriageRules {
    /// The admin's rules from the instance parameter `triage_rules`: a JSON list of objects with
    /// `main_type`, `sub_type`, `asset` (any of them), `outcome` and `reason`. Empty: defaults only.
    pub fn parse(raw: &str) -> Result<TriageRules, InputError> {
        if raw.trim().is_empty() {
            return Ok(TriageRules::default());
        }
        let value: Value = serde_json::from_str(raw).map_err(|e| {
            InputError::new(
                "triage_rules",
                format!("triage_rules must be a JSON list of rules such as [{{\"sub_type\": \"Phishing Page\", \"outcome\": \"candidate-ict-incident\", \"reason\": \"...\"}}]; it is not JSON ({e})."),
            )
        })?;
        let Value::Array(items) = value else {
            return Err(InputError::new(
                "triage_rules",
                "triage_rules must be a JSON list of rules, not a single value.",
            ));
        };
        let mut rules = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let rule: Rule = serde_json::from_value(item).map_err(|e| {
                InputError::new(
                    "triage_rules",
                    format!("triage_rules[{i}] is not a rule: {e}. A rule has main_type, sub_type and asset (any of them), outcome (candidate-ict-incident, cyber-threat or not-dora-relevant) and reason."),
                )
            })?;
            if rule.main_type.is_none() && rule.sub_type.is_none() && rule.asset.is_none() {
                return Err(InputError::new(
                    "triage_rules",
                    format!(
                        "triage_rules[{i}] matches every alarm: give main_type, sub_type or asset."
                    ),
                ));
            }
            if rule.reason.trim().is_empty() {
                return Err(InputError::new("triage_rules", format!("triage_rules[{i}] needs a reason: the triage is evidence an auditor reads.")));
            }
            if let Some(a) = rule
                .asset
                .as_deref()
                .filter(|a| a.contains('/') && !asset_matches(a, a.split('/').next().unwrap_or("")))
            {
                return Err(InputError::new("triage_rules", format!("triage_rules[{i}].asset {} is not an IPv4 CIDR block such as 203.0.113.0/24.", quote(a))));
            }
            rules.push(rule);
        }
        Ok(TriageRules { rules })
    }

    /// The triage of one alarm.
    pub fn triage(&self, alarm: AlarmKind<'_>) -> Triage {
        let opt = |want: &Option<String>, have: Option<&str>| match (want, have) {
            (None, _) => true,
            (Some(w), Some(h)) => same(w, h),
            (Some(_), None) => false,
        };
        for (i, r) in self.rules.iter().enumerate() {
            let asset_ok = match (&r.asset, alarm.asset) {
                (None, _) => true,
                (Some(p), Some(a)) => asset_matches(p, a),
                (Some(_), None) => false,
            };
            if opt(&r.main_type, alarm.main_type) && opt(&r.sub_type, alarm.sub_type) && asset_ok {
                return Triage {
                    outcome: r.outcome,
                    rule: format!("triage_rules[{i}]"),
                    reason: r.reason.clone(),
                };
            }
        }
        let main = alarm.main_type.unwrap_or("");
        let found = DEFAULT_RULES
            .iter()
            .find(|(m, s, _, _)| {
                same(m, main) && s.is_some_and(|s| alarm.sub_type.is_some_and(|a| same(s, a)))
            })
            .or_else(|| {
                DEFAULT_RULES
                    .iter()
                    .find(|(m, s, _, _)| same(m, main) && s.is_none())
            });
        match found {
            Some((m, s, outcome, reason)) => Triage {
                outcome: *outcome,
                rule: match s {
                    Some(s) => format!("default: sub type {s}"),
                    None => format!("default: main type {m}"),
                },
                reason: (*reason).to_string(),
            },
            None => Triage {
                outcome: Outcome::CyberThreat,
                rule: "default".into(),
                reason: FALLBACK.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind<'a>(main: &'a str, sub: &'a str, asset: &'a str) -> AlarmKind<'a> {
        AlarmKind {
            main_type: Some(main),
            sub_type: Some(sub),
            asset: Some(asset),
        }
    }

    #[test]
    fn the_defaults_sort_every_alarm_type_of_the_catalogue_with_a_reason() {
        let rules = TriageRules::default();
        let cases = [
            (
                "Cyber Threat Intelligence",
                "Botnet Infection",
                Outcome::CandidateIctIncident,
            ),
            (
                "Cyber Threat Intelligence",
                "Data Leak",
                Outcome::CandidateIctIncident,
            ),
            (
                "Cyber Threat Intelligence",
                "Stolen Credentials",
                Outcome::CyberThreat,
            ),
            (
                "Supply Chain Security",
                "Vendor Breach",
                Outcome::CandidateIctIncident,
            ),
            (
                "Supply Chain Security",
                "Third-Party Exposure",
                Outcome::CyberThreat,
            ),
            (
                "Attack Surface Management",
                "Exposed Service",
                Outcome::CyberThreat,
            ),
            (
                "Attack Surface Management",
                "SSL Certificate Expiry",
                Outcome::NotDoraRelevant,
            ),
            (
                "Brand Protection",
                "Impersonating Domain",
                Outcome::CyberThreat,
            ),
            (
                "Dark Web Intelligence",
                "Credentials on Sale",
                Outcome::CyberThreat,
            ),
        ];
        for (main, sub, want) in cases {
            let t = rules.triage(kind(main, sub, "203.0.113.7"));
            assert_eq!(t.outcome, want, "{main}/{sub}");
            assert!(
                t.reason.len() > 40 && t.rule.starts_with("default"),
                "{t:?}"
            );
        }
        let unknown = rules.triage(kind("Something New", "Odd", "x"));
        assert_eq!(
            (unknown.outcome, unknown.rule.as_str()),
            (Outcome::CyberThreat, "default")
        );
        assert!(unknown.reason.contains("triage_rules"));
        let none = rules.triage(AlarmKind::default());
        assert_eq!(none.outcome, Outcome::CyberThreat);
    }

    #[test]
    fn an_admins_rules_come_first_in_their_order_and_match_assets() {
        let rules = TriageRules::parse(r#"[
            {"sub_type": "exposed service", "asset": "203.0.113.0/24", "outcome": "candidate-ict-incident", "reason": "the card gateway network"},
            {"main_type": "Brand Protection", "outcome": "not-dora-relevant", "reason": "handled by the brand team"},
            {"asset": "*.examplebank.eu", "outcome": "candidate-ict-incident", "reason": "production domains"}
        ]"#).unwrap();
        let gateway = rules.triage(kind(
            "Attack Surface Management",
            "Exposed Service",
            "203.0.113.16",
        ));
        assert_eq!(
            (gateway.outcome, gateway.rule.as_str()),
            (Outcome::CandidateIctIncident, "triage_rules[0]")
        );
        let elsewhere = rules.triage(kind(
            "Attack Surface Management",
            "Exposed Service",
            "198.51.100.4",
        ));
        assert_eq!(
            (elsewhere.outcome, elsewhere.rule.as_str()),
            (
                Outcome::CyberThreat,
                "default: main type Attack Surface Management"
            )
        );
        let brand = rules.triage(kind(
            "Brand Protection",
            "Impersonating Domain",
            "login.examplebank.eu",
        ));
        assert_eq!(
            brand.rule, "triage_rules[1]",
            "the first rule that matches wins"
        );
        let domain = rules.triage(kind(
            "Dark Web Intelligence",
            "Dark Web Mention",
            "www.examplebank.eu",
        ));
        assert_eq!(
            (domain.outcome, domain.rule.as_str()),
            (Outcome::CandidateIctIncident, "triage_rules[2]")
        );
    }

    #[test]
    fn bad_rules_are_refused_with_the_rule_named() {
        for (raw, needle) in [
            ("{", "not JSON"),
            (r#"{"outcome": "cyber-threat"}"#, "a JSON list"),
            (
                r#"[{"sub_type": "X", "outcome": "cyber-threat", "reason": "r", "severity": "HIGH"}]"#,
                "triage_rules[0] is not a rule: unknown field `severity`",
            ),
            (
                r#"[{"sub_type": "X", "outcome": "major", "reason": "r"}]"#,
                "triage_rules[0] is not a rule: unknown variant `major`",
            ),
            (
                r#"[{"outcome": "cyber-threat", "reason": "r"}]"#,
                "matches every alarm",
            ),
            (
                r#"[{"sub_type": "X", "outcome": "cyber-threat", "reason": " "}]"#,
                "needs a reason",
            ),
            (
                r#"[{"asset": "10.0.0.0/33", "outcome": "cyber-threat", "reason": "r"}]"#,
                "not an IPv4 CIDR block",
            ),
        ] {
            let e = TriageRules::parse(raw).unwrap_err();
            assert_eq!(e.argument, "triage_rules");
            assert!(e.message.contains(needle), "{raw}: {}", e.message);
        }
        assert_eq!(TriageRules::parse("  ").unwrap(), TriageRules::default());
    }
}
