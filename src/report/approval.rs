//! Human decisions, recorded in the evidence chain: classification as major and every submission
//! need approvals; the initial notification needs two, from two different people in two
//! different roles (CISO and Chief Risk Officer unless configured otherwise). An approval binds
//! to the content hash of the exact draft approved, so changing the draft voids it.
//!
//! The chain is the only state: who approved what is read back from it, and every decision is
//! refused on a chain that fails verification.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::draft::Draft;
use crate::audit::{self, Entry};
use crate::input::{quote, InputError};
use crate::timeutil;

/// Who may approve.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalPolicy {
    /// Roles that must all approve the initial notification, each by a different person.
    pub initial_roles: Vec<String>,
    /// Roles allowed to approve anything (the classification, every submission).
    pub approver_roles: Vec<String>,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        let roles = vec!["CISO".to_string(), "Chief Risk Officer".to_string()];
        ApprovalPolicy {
            initial_roles: roles.clone(),
            approver_roles: roles,
        }
    }
}

impl ApprovalPolicy {
    /// From the instance parameters `initial_notification_approver_roles` and `approver_roles`
    /// (comma-separated or one per line).
    pub fn from_params(params: &Value) -> Result<ApprovalPolicy, InputError> {
        let list = |key: &str| -> Vec<String> {
            params
                .get(key)
                .and_then(Value::as_str)
                .map(|s| {
                    s.split([',', '\n'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let d = ApprovalPolicy::default();
        let initial = Some(list("initial_notification_approver_roles"))
            .filter(|l| !l.is_empty())
            .unwrap_or(d.initial_roles);
        if initial.len() < 2 {
            return Err(InputError::new(
                "initial_notification_approver_roles",
                "initial_notification_approver_roles must name at least two roles: the initial notification needs two approvals in two different roles.",
            ));
        }
        let mut approvers = Some(list("approver_roles"))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| initial.clone());
        for r in &initial {
            if !approvers.iter().any(|a| same(a, r)) {
                approvers.push(r.clone());
            }
        }
        Ok(ApprovalPolicy {
            initial_roles: initial,
            approver_roles: approvers,
        })
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// What can be approved: the classification, or a report of one submission type.
pub const SUBJECTS: &[&str] = &[
    "classification",
    "initial",
    "intermediate",
    "final",
    "reclassification",
];

fn details_str<'a>(e: &'a Entry, key: &str) -> Option<&'a str> {
    e.details.get(key).and_then(Value::as_str)
}

/// Refuses to act on a chain that does not verify.
fn verified(chain: &[Entry]) -> Result<(), InputError> {
    let v = audit::verify(chain);
    if v.valid {
        Ok(())
    } else {
        Err(InputError::new(
            "audit",
            format!(
                "The evidence chain fails verification{}: {} Nothing was recorded; restore the chain before any further decision.",
                v.first_bad_seq.map(|s| format!(" at entry {s}")).unwrap_or_default(),
                v.problem.unwrap_or_default()
            ),
        ))
    }
}

/// The hash a subject's approvals bind to now: the newest draft of that type, or the newest
/// classification's inputs hash.
pub fn current_hash(chain: &[Entry], subject: &str) -> Option<String> {
    if subject == "classification" {
        return chain
            .iter()
            .rev()
            .find(|e| e.kind == "classification")
            .and_then(|e| details_str(e, "InputsHash"))
            .map(str::to_string);
    }
    chain
        .iter()
        .rev()
        .find(|e| e.kind == "report-draft" && details_str(e, "Subject") == Some(subject))
        .and_then(|e| details_str(e, "ContentHash"))
        .map(str::to_string)
}

/// Approvals and rejections of `subject` bound to `hash`.
pub fn decisions<'a>(chain: &'a [Entry], subject: &str, hash: &str) -> Vec<&'a Entry> {
    chain
        .iter()
        .filter(|e| {
            (e.kind == "approval" || e.kind == "rejection")
                && details_str(e, "Subject") == Some(subject)
                && details_str(e, "ContentHash") == Some(hash)
        })
        .collect()
}

/// Records a draft in the chain, unless the newest draft of its type has the same content.
pub fn record_draft(
    chain: &[Entry],
    draft: &Draft,
    format: &str,
    at: DateTime<Utc>,
) -> Result<Option<Entry>, InputError> {
    verified(chain)?;
    if current_hash(chain, &draft.r#type).as_deref() == Some(draft.content_hash.as_str()) {
        return Ok(None);
    }
    let details = json!({
        "Subject": draft.r#type, "ContentHash": draft.content_hash, "Complete": draft.complete,
        "Missing": draft.missing.iter().map(|g| g.id.clone()).collect::<Vec<_>>(), "MappingVersion": draft.mapping_version, "Format": format,
    });
    append(chain, at, "report-draft", "DORA Bridge", details).map(Some)
}

/// Records the detection (once) and a classification (when its inputs or verdict changed).
pub fn record_classification(
    chain: &[Entry],
    classification: &Value,
    at: DateTime<Utc>,
) -> Result<Vec<Entry>, InputError> {
    verified(chain)?;
    let mut out: Vec<Entry> = Vec::new();
    let mut working: Vec<Entry> = chain.to_vec();
    if !chain.iter().any(|e| e.kind == "detection") {
        if let Some(d) = classification.get("DetectedAt").and_then(Value::as_str) {
            let e = append(
                &working,
                at,
                "detection",
                "DORA Bridge",
                json!({"DetectedAt": d, "AwareAt": classification.get("AwareAt"), "OccurredAt": classification.get("OccurredAt")}),
            )?;
            working.push(e.clone());
            out.push(e);
        }
    }
    let hash = classification
        .get("InputsHash")
        .and_then(Value::as_str)
        .unwrap_or("");
    let major = classification
        .get("IsMajor")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let latest = working.iter().rev().find(|e| e.kind == "classification");
    let unchanged = latest.is_some_and(|e| {
        details_str(e, "InputsHash") == Some(hash)
            && e.details.get("IsMajor").and_then(Value::as_bool) == Some(major)
    });
    if !unchanged {
        let details = json!({
            "InputsHash": hash, "IsMajor": major, "Rule": classification.get("Rule"),
            "ClassifiedAt": classification.get("ClassifiedAt"), "ThresholdsMet": classification.get("ThresholdsMet"),
        });
        out.push(append(
            &working,
            at,
            "classification",
            "DORA Bridge",
            details,
        )?);
    }
    Ok(out)
}

fn append(
    chain: &[Entry],
    at: DateTime<Utc>,
    kind: &str,
    actor: &str,
    details: Value,
) -> Result<Entry, InputError> {
    audit::next_entry(chain, at, kind, actor, details)
        .map_err(|e| InputError::new("audit", e.message))
}

/// Records an approval or a rejection, after every check of the dual-approval rules.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    chain: &[Entry],
    policy: &ApprovalPolicy,
    subject: &str,
    approver: &str,
    role: &str,
    approve: bool,
    comment: Option<&str>,
    content_hash: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Entry, InputError> {
    verified(chain)?;
    let approver = approver.trim();
    if approver.is_empty() {
        return Err(InputError::new(
            "approver",
            "approver must name the person deciding.",
        ));
    }
    let role = policy
        .approver_roles
        .iter()
        .find(|r| same(r, role))
        .ok_or_else(|| {
            InputError::new(
                "role",
                format!(
                    "The role {} may not approve DORA decisions; allowed roles: {}.",
                    quote(role),
                    policy.approver_roles.join(", ")
                ),
            )
        })?;
    let what = if subject == "classification" {
        "classification".to_string()
    } else {
        format!("{subject} report draft")
    };
    let current = current_hash(chain, subject).ok_or_else(|| {
        InputError::new(
            "subject",
            if subject == "classification" {
                "There is no classification to approve yet: run !dora-classify first.".to_string()
            } else {
                format!("There is no {what} to approve yet: run !dora-report-draft type={subject} first.")
            },
        )
    })?;
    if let Some(h) = content_hash.filter(|h| !h.trim().is_empty()) {
        if h.trim() != current {
            return Err(InputError::new(
                "content_hash",
                format!(
                    "The {what} has changed since the version you reviewed (content hash {} is not the current {}): review the current draft and approve that one.",
                    short(h),
                    short(&current)
                ),
            ));
        }
    }
    let earlier = decisions(chain, subject, &current);
    if let Some(e) = earlier.iter().find(|e| same(&e.actor, approver)) {
        return Err(InputError::new(
            "approver",
            format!(
                "{approver} has already decided on this {what} ({} at {}); one person counts once.",
                e.kind, e.at
            ),
        ));
    }
    if approve && subject == "initial" {
        if let Some(e) = earlier
            .iter()
            .find(|e| e.kind == "approval" && details_str(e, "Role").is_some_and(|r| same(r, role)))
        {
            let others: Vec<&String> = policy
                .initial_roles
                .iter()
                .filter(|r| !same(r, role))
                .collect();
            return Err(InputError::new(
                "role",
                format!(
                    "The {role} role has already approved this initial notification ({}); the second approval must come from another role: {}.",
                    e.actor,
                    others.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ")
                ),
            ));
        }
    }
    let details = json!({"Subject": subject, "ContentHash": current, "Role": role, "Decision": if approve { "approve" } else { "reject" }, "Comment": comment.unwrap_or("")});
    append(
        chain,
        at,
        if approve { "approval" } else { "rejection" },
        approver,
        details,
    )
}

fn short(h: &str) -> String {
    h.chars().take(12).collect()
}

/// Records a submission to the authority, once its approvals are in place.
pub fn submit(
    chain: &[Entry],
    policy: &ApprovalPolicy,
    subject: &str,
    submitted_at: DateTime<Utc>,
    authority_reference: Option<&str>,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Entry, InputError> {
    verified(chain)?;
    if subject == "classification" {
        return Err(InputError::new(
            "type",
            "type must be a report: initial, intermediate, final or reclassification.",
        ));
    }
    let current = current_hash(chain, subject).ok_or_else(|| {
        InputError::new(
            "type",
            format!("There is no {subject} report draft: draft, approve, then mark it submitted."),
        )
    })?;
    if chain.iter().any(|e| {
        e.kind == "submission"
            && details_str(e, "Subject") == Some(subject)
            && details_str(e, "ContentHash") == Some(current.as_str())
    }) {
        return Err(InputError::new(
            "type",
            format!(
                "This {subject} report draft ({}) has already been marked submitted.",
                short(&current)
            ),
        ));
    }
    let draft = chain
        .iter()
        .rev()
        .find(|e| {
            e.kind == "report-draft" && details_str(e, "ContentHash") == Some(current.as_str())
        })
        .expect("the current hash comes from a draft entry");
    if draft.details.get("Complete").and_then(Value::as_bool) == Some(false) {
        let missing: Vec<&str> = draft
            .details
            .get("Missing")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        return Err(InputError::new(
            "type",
            format!(
                "The {subject} report draft ({}) is incomplete{}: complete it, draft it again and have that draft approved.",
                short(&current),
                if missing.is_empty() { String::new() } else { format!(" (missing fields {})", missing.join(", ")) }
            ),
        ));
    }
    let d = decisions(chain, subject, &current);
    if let Some(r) = d.iter().find(|e| e.kind == "rejection") {
        return Err(InputError::new("type", format!("The {subject} report draft was rejected by {} ({}); draft it again and have it approved.", r.actor, details_str(r, "Comment").unwrap_or(""))));
    }
    let approvals: Vec<&&Entry> = d.iter().filter(|e| e.kind == "approval").collect();
    if subject == "initial" {
        let missing: Vec<&String> = policy
            .initial_roles
            .iter()
            .filter(|r| {
                !approvals
                    .iter()
                    .any(|e| details_str(e, "Role").is_some_and(|x| same(x, r)))
            })
            .collect();
        if !missing.is_empty() {
            return Err(InputError::new(
                "type",
                format!(
                    "The initial notification cannot be submitted before its two approvals: still needed from {} (for draft {}).",
                    missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" and "),
                    short(&current)
                ),
            ));
        }
        let major = chain.iter().rev().find(|e| e.kind == "classification");
        let Some(c) =
            major.filter(|c| c.details.get("IsMajor").and_then(Value::as_bool) == Some(true))
        else {
            return Err(InputError::new("type", "The initial notification is for a major incident, and the latest classification is not major."));
        };
        let inputs = details_str(c, "InputsHash").unwrap_or("");
        if !decisions(chain, "classification", inputs)
            .iter()
            .any(|e| e.kind == "approval")
        {
            return Err(InputError::new("type", "The classification as major has not been approved: run !dora-approve subject=classification first."));
        }
    } else if approvals.is_empty() {
        return Err(InputError::new(
            "type",
            format!(
                "The {subject} report draft ({}) cannot be submitted before it is approved.",
                short(&current)
            ),
        ));
    }
    let details = json!({
        "Subject": subject, "ContentHash": current, "SubmittedAt": timeutil::to_rfc3339(submitted_at),
        "AuthorityReference": authority_reference.unwrap_or(""),
        "ApprovedBy": approvals.iter().map(|e| json!({"Approver": e.actor, "Role": details_str(e, "Role")})).collect::<Vec<_>>(),
    });
    append(chain, at, "submission", actor, details)
}

/// Submissions recorded in the chain, as `DORA.Submission` context for the clock:
/// `{InitialNotification: {SubmittedAt, AuthorityReference, ContentHash}, IntermediateReport:
/// {SubmittedAt: [..]}, FinalReport: {..}}`.
pub fn submissions(chain: &[Entry]) -> Value {
    let subs: Vec<&Entry> = chain.iter().filter(|e| e.kind == "submission").collect();
    let one = |subject: &str| {
        subs.iter().rev().find(|e| details_str(e, "Subject") == Some(subject)).map(|e| {
            json!({"SubmittedAt": details_str(e, "SubmittedAt"), "AuthorityReference": details_str(e, "AuthorityReference"), "ContentHash": details_str(e, "ContentHash")})
        })
    };
    let intermediate: Vec<&str> = subs
        .iter()
        .filter(|e| details_str(e, "Subject") == Some("intermediate"))
        .filter_map(|e| details_str(e, "SubmittedAt"))
        .collect();
    json!({
        "InitialNotification": one("initial"),
        "IntermediateReport": if intermediate.is_empty() { Value::Null } else { json!({"SubmittedAt": intermediate}) },
        "FinalReport": one("final"),
        "Reclassification": one("reclassification"),
    })
}
