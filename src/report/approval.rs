//! Human decisions, recorded in the evidence chain under the authenticated XSOAR user
//! ([`crate::identity`]): the classification as major needs one approval in an approver role;
//! every report needs one approval from each role its policy requires ([`super::policy`]), by
//! different people. An approval binds to the content hash of the exact draft approved, so
//! changing the draft voids it.
//!
//! The chain is the only state: who approved what is read back from it, and every decision is
//! refused on a chain that fails verification.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::draft::Draft;
use super::entries::{details, ClassificationEntry, DecisionEntry, DraftEntry};
use super::evidence::Evidence;
use super::policy::{same, ApprovalPolicy};
use crate::audit::Entry;
use crate::context::ClassificationRecord;
use crate::identity::{same_person, Caller, RoleDirectory};
use crate::input::{quote, InputError};

pub use super::policy::SUBJECTS;

/// The role a decision entry was made in.
pub(crate) fn role(e: &Entry) -> Option<String> {
    details::<DecisionEntry>(e).role
}

/// The person behind a decision entry: the user recorded with it (older entries: the actor).
pub(crate) fn decider(e: &Entry) -> Caller {
    details::<DecisionEntry>(e).user.unwrap_or_else(|| Caller {
        username: e.actor.clone(),
        email: None,
        name: None,
        xsoar_roles: Vec::new(),
    })
}

/// The recorded form of a caller.
pub(crate) fn user_json(c: &Caller) -> Value {
    json!({"Username": c.username, "Email": c.email, "Name": c.name})
}

/// The hash a subject's approvals bind to now: the newest draft of that type, or the newest
/// classification's inputs hash.
pub fn current_hash(chain: &[Entry], subject: &str) -> Option<String> {
    if subject == "classification" {
        return chain
            .iter()
            .rev()
            .find(|e| e.kind == "classification")
            .and_then(|e| details::<ClassificationEntry>(e).inputs_hash);
    }
    current_draft(chain, subject).and_then(|e| details::<DraftEntry>(e).content_hash)
}

/// The newest draft entry of `subject`.
pub fn current_draft<'a>(chain: &'a [Entry], subject: &str) -> Option<&'a Entry> {
    chain.iter().rev().find(|e| {
        e.kind == "report-draft" && details::<DraftEntry>(e).subject.as_deref() == Some(subject)
    })
}

/// Approvals and rejections of `subject` bound to `hash`.
pub fn decisions<'a>(chain: &'a [Entry], subject: &str, hash: &str) -> Vec<&'a Entry> {
    chain
        .iter()
        .filter(|e| {
            (e.kind == "approval" || e.kind == "rejection") && {
                let d: DecisionEntry = details(e);
                d.subject.as_deref() == Some(subject) && d.content_hash.as_deref() == Some(hash)
            }
        })
        .collect()
}

/// Records a draft in the chain, unless the newest draft of its type has the same content and
/// the same verdict.
pub fn record_draft(
    ev: &mut Evidence<'_>,
    draft: &Draft,
    format: &str,
    at: DateTime<Utc>,
) -> Result<Option<Entry>, InputError> {
    ev.verified()?;
    if let Some(last) = current_draft(&ev.chain, &draft.r#type).map(details::<DraftEntry>) {
        if last.content_hash.as_deref() == Some(draft.content_hash.as_str())
            && last.complete == Some(draft.complete)
        {
            return Ok(None);
        }
    }
    let details = json!({
        "Subject": draft.r#type, "ContentHash": draft.content_hash, "Complete": draft.complete,
        "Missing": draft.missing.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
        "Problems": draft.problems.iter().map(|p| format!("{}: {}", p.field, p.why)).collect::<Vec<_>>(),
        "Schema": draft.validation.as_ref().map(|v| v.schema.clone()),
        "Conversion": draft.conversion,
        "MappingVersion": draft.mapping_version, "Format": format,
    });
    ev.append(at, "report-draft", "DORA Bridge", details)
        .map(Some)
}

/// Records the detection (once) and a classification (when its inputs or verdict changed).
pub fn record_classification(
    ev: &mut Evidence<'_>,
    c: &ClassificationRecord,
    at: DateTime<Utc>,
) -> Result<Vec<Entry>, InputError> {
    ev.verified()?;
    let mut out: Vec<Entry> = Vec::new();
    if !ev.chain.iter().any(|e| e.kind == "detection") {
        if let Some(d) = &c.detected_at {
            out.push(ev.append(
                at,
                "detection",
                "DORA Bridge",
                json!({"DetectedAt": d, "AwareAt": c.aware_at, "OccurredAt": c.occurred_at}),
            )?);
        }
    }
    let hash = c.inputs_hash.as_deref().unwrap_or("");
    let major = c.is_major.unwrap_or(false);
    let latest = ev
        .chain
        .iter()
        .rev()
        .find(|e| e.kind == "classification")
        .map(details::<ClassificationEntry>);
    let unchanged =
        latest.is_some_and(|e| e.inputs_hash.as_deref() == Some(hash) && e.is_major == Some(major));
    if !unchanged {
        let details = json!({
            "InputsHash": hash, "IsMajor": major, "Determinate": c.determinate, "Rule": c.rule,
            "ClassifiedAt": c.classified_at, "ThresholdsMet": c.thresholds_met,
        });
        out.push(ev.append(at, "classification", "DORA Bridge", details)?);
    }
    Ok(out)
}

/// A decision as asked for by the person who makes it.
#[derive(Debug, Clone, Default)]
pub struct Decision<'a> {
    pub subject: &'a str,
    pub approve: bool,
    /// The role the caller decides in; needed only when they hold several.
    pub role: Option<&'a str>,
    /// A name typed in the `approver` argument: it must be the caller.
    pub typed_approver: Option<&'a str>,
    pub comment: Option<&'a str>,
    /// The content hash the approver reviewed.
    pub content_hash: Option<&'a str>,
}

/// The `EntityProfile` method that drafts a report of `subject`, as a refusal's `needs` names
/// it (the integrations turn it into their command).
pub fn draft_step(subject: &str) -> &'static str {
    if subject == super::mapping::CYBER_THREAT {
        "cyber_threat_draft"
    } else {
        "report_draft"
    }
}

fn short(h: &str) -> String {
    h.chars().take(12).collect()
}

fn what(subject: &str) -> String {
    if subject == "classification" {
        "classification".to_string()
    } else {
        format!("{subject} report draft")
    }
}

/// Records an approval or a rejection by `caller`, after every check of the approval rules.
pub fn decide(
    ev: &mut Evidence<'_>,
    policy: &ApprovalPolicy,
    directory: &RoleDirectory,
    caller: &Caller,
    d: &Decision<'_>,
    at: DateTime<Utc>,
) -> Result<Entry, InputError> {
    ev.verified()?;
    caller.check_typed("approver", d.typed_approver)?;
    let subject = d.subject;
    // Approving a report takes one of its required roles; rejecting takes any approver role.
    let allowed = if subject == "classification" || !d.approve {
        policy.approver_roles.clone()
    } else {
        policy.required_for(subject)
    };
    let acting = directory.acting_role(caller, d.role, &allowed)?;
    let what = what(subject);
    let current = current_hash(&ev.chain, subject).ok_or_else(|| {
        if subject == "classification" {
            InputError::report(
                "subject",
                "There is no classification to approve yet: classify the incident first (no classification is recorded in its evidence chain).",
            )
            .needing("classify")
        } else {
            InputError::report(
                "subject",
                format!("There is no {what} to approve yet: draft it first."),
            )
            .needing(draft_step(subject))
        }
    })?;
    if let Some(h) = d.content_hash.filter(|h| !h.trim().is_empty()) {
        if h.trim() != current {
            return Err(InputError::approval(
                "content_hash",
                format!(
                    "The {what} has changed since the version you reviewed (content hash {} is not the current {}): review the current draft and approve that one.",
                    short(h),
                    short(&current)
                ),
            ));
        }
    }
    let earlier = decisions(&ev.chain, subject, &current);
    if let Some(e) = earlier.iter().find(|e| same_person(&decider(e), caller)) {
        return Err(InputError::approval(
            "approver",
            format!(
                "{} has already decided on this {what} ({} as {} at {}, recorded for the XSOAR user {}); one person counts once, whatever account or spelling of their name they use.",
                caller.display(),
                e.kind,
                role(e).as_deref().unwrap_or("?"),
                e.at,
                quote(&e.actor)
            ),
        ));
    }
    if d.approve && subject != "classification" {
        if let Some(e) = earlier
            .iter()
            .find(|e| e.kind == "approval" && role(e).is_some_and(|r| same(&r, &acting.role)))
        {
            let others: Vec<String> = policy
                .required_for(subject)
                .into_iter()
                .filter(|r| !same(r, &acting.role))
                .collect();
            return Err(InputError::approval(
                "role",
                format!(
                    "The {} role has already approved this {what} ({}); the other approvals must come from {}.",
                    acting.role,
                    e.actor,
                    if others.is_empty() { "no further role".to_string() } else { others.join(" and ") }
                ),
            ));
        }
    }
    let details = json!({
        "Subject": subject, "ContentHash": current, "Role": acting.role, "RoleSource": acting.source,
        "Decision": if d.approve { "approve" } else { "reject" },
        "Comment": d.comment.map(str::trim).unwrap_or(""),
        "User": user_json(caller), "Policy": policy.in_force(subject),
    });
    ev.append(
        at,
        if d.approve { "approval" } else { "rejection" },
        &caller.username,
        details,
    )
}
