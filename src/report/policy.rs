//! Who must approve what. Every report type needs two approvals by default, from two different
//! people in two different roles (CISO and Chief Risk Officer unless configured otherwise); an
//! entity may configure another set of roles per type. The classification as major needs one
//! approval in an approver role. The setting in force is written into every decision and
//! submission entry, so the chain shows which rule a submission met.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::mapping::REPORT_TYPES;
use crate::input::{quote, InputError};

/// What can be decided on: the classification, or a report of one submission type.
pub const SUBJECTS: &[&str] = &[
    "classification",
    "initial",
    "intermediate",
    "final",
    "reclassification",
    "cyber-threat",
];

#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalPolicy {
    /// Roles allowed to decide at all (the classification, and any report).
    pub approver_roles: Vec<String>,
    /// Per report type, the roles that must all approve it, each by a different person.
    pub required: BTreeMap<String, Vec<String>>,
}

fn default_roles() -> Vec<String> {
    vec!["CISO".to_string(), "Chief Risk Officer".to_string()]
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        ApprovalPolicy {
            approver_roles: default_roles(),
            required: REPORT_TYPES
                .iter()
                .map(|s| (s.to_string(), default_roles()))
                .collect(),
        }
    }
}

pub(crate) fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in raw
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !out.iter().any(|x| same(x, r)) {
            out.push(r.to_string());
        }
    }
    out
}

impl ApprovalPolicy {
    /// From the instance parameters: `initial_notification_approver_roles` (the roles of the
    /// initial notification, and of every report not configured otherwise), `report_approver_roles`
    /// (one `type: Role, Role` per line for the intermediate, final and reclassification
    /// reports and the cyber-threat notification), and `approver_roles` (further roles allowed to decide).
    pub fn from_params(params: &Value) -> Result<ApprovalPolicy, InputError> {
        let text = |key: &str| params.get(key).and_then(Value::as_str).unwrap_or("");
        let initial = Some(list(text("initial_notification_approver_roles")))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(default_roles);
        if initial.len() < 2 {
            return Err(InputError::new(
                "initial_notification_approver_roles",
                "initial_notification_approver_roles must name at least two roles: the initial notification needs two approvals in two different roles.",
            ));
        }
        let mut required: BTreeMap<String, Vec<String>> = REPORT_TYPES
            .iter()
            .map(|s| (s.to_string(), initial.clone()))
            .collect();
        for (n, line) in text("report_approver_roles").lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((kind, roles)) = line.split_once(':') else {
                return Err(InputError::new(
                    "report_approver_roles",
                    format!(
                        "Line {} of report_approver_roles must read `type: Role, Role`, got {}.",
                        n + 1,
                        quote(line)
                    ),
                ));
            };
            let kind = kind.trim().to_ascii_lowercase();
            if !["intermediate", "final", "reclassification", "cyber-threat"]
                .contains(&kind.as_str())
            {
                return Err(InputError::new(
                    "report_approver_roles",
                    format!("Line {} of report_approver_roles names {}: the types are intermediate, final, reclassification and cyber-threat (the initial notification's roles are initial_notification_approver_roles).", n + 1, quote(&kind)),
                ));
            }
            let roles = list(roles);
            if roles.is_empty() {
                return Err(InputError::new(
                    "report_approver_roles",
                    format!(
                        "Line {} of report_approver_roles names no role for the {kind} report.",
                        n + 1
                    ),
                ));
            }
            required.insert(kind, roles);
        }
        let mut approver_roles = list(text("approver_roles"));
        for r in REPORT_TYPES
            .iter()
            .filter_map(|s| required.get(*s))
            .flatten()
        {
            if !approver_roles.iter().any(|a| same(a, r)) {
                approver_roles.push(r.clone());
            }
        }
        Ok(ApprovalPolicy {
            approver_roles,
            required,
        })
    }

    /// The roles that must approve `subject`; for the classification, any one approver role.
    pub fn required_for(&self, subject: &str) -> Vec<String> {
        self.required.get(subject).cloned().unwrap_or_default()
    }

    /// The setting in force for `subject`, as written into the chain.
    pub fn in_force(&self, subject: &str) -> Value {
        if subject == "classification" {
            json!({"Subject": subject, "Approvals": 1, "AnyOf": self.approver_roles})
        } else {
            let roles = self.required_for(subject);
            json!({"Subject": subject, "Approvals": roles.len(), "Roles": roles})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_needs_two_roles_by_default() {
        let p = ApprovalPolicy::from_params(&json!({})).unwrap();
        assert_eq!(p, ApprovalPolicy::default());
        for kind in REPORT_TYPES {
            assert_eq!(
                p.required_for(kind),
                ["CISO", "Chief Risk Officer"],
                "{kind}"
            );
        }
        assert_eq!(p.in_force("final")["Approvals"], 2);
    }

    #[test]
    fn roles_are_configurable_per_type_and_always_allowed() {
        let p = ApprovalPolicy::from_params(&json!({
            "initial_notification_approver_roles": "CISO\nCFO",
            "report_approver_roles": "final: CISO, Chief Risk Officer, CEO\nreclassification: CISO",
            "approver_roles": "Deputy CISO",
        }))
        .unwrap();
        assert_eq!(p.required_for("initial"), ["CISO", "CFO"]);
        assert_eq!(p.required_for("intermediate"), ["CISO", "CFO"]);
        assert_eq!(
            p.required_for("final"),
            ["CISO", "Chief Risk Officer", "CEO"]
        );
        assert_eq!(p.required_for("reclassification"), ["CISO"]);
        assert_eq!(p.required_for("cyber-threat"), ["CISO", "CFO"]);
        assert_eq!(
            p.approver_roles,
            ["Deputy CISO", "CISO", "CFO", "Chief Risk Officer", "CEO"]
        );
        // The initial notification's roles lead, the others follow in report order.
    }

    #[test]
    fn bad_settings_are_named() {
        for (params, arg) in [
            (
                json!({"initial_notification_approver_roles": "CISO"}),
                "initial_notification_approver_roles",
            ),
            (
                json!({"report_approver_roles": "final CISO"}),
                "report_approver_roles",
            ),
            (
                json!({"report_approver_roles": "initial: CISO"}),
                "report_approver_roles",
            ),
            (
                json!({"report_approver_roles": "final:"}),
                "report_approver_roles",
            ),
        ] {
            assert_eq!(
                ApprovalPolicy::from_params(&params).unwrap_err().argument,
                arg
            );
        }
    }
}
