//! The submission gate: a report is marked submitted only when its draft is complete (Annex II,
//! the DORA_IR schema, the template's rules), every approval its policy requires is bound to
//! that draft with no rejection, the reports go in order, and the time given is true.
//!
//! Order (RTS 2025/301 Art. 5, ITS 2025/302 Art. 2): the initial notification, for a major
//! incident whose classification was approved, before the intermediate report, before the final
//! report; a reclassification as non-major only when the latest decision is "not major" and an
//! initial notification went out. Two or three reports may go together (ITS 2025/302 Art. 2)
//! when that is asked for explicitly (`combined_with`), never by accident.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::approval::{
    current_draft, current_hash, decider, decisions, draft_step, role, user_json,
};
use super::entries::{details, ClassificationEntry, DecisionEntry, DraftEntry, SubmissionEntry};
use super::evidence::Evidence;
use super::mapping::CYBER_THREAT;
use super::policy::{same, ApprovalPolicy};
use crate::audit::{parse_at, Entry};
use crate::dora::criteria::hours_minutes;
use crate::identity::{same_person, Caller};
use crate::input::InputError;
use crate::timeutil;

/// The order of the reports.
const ORDER: [&str; 3] = ["initial", "intermediate", "final"];

fn short(h: &str) -> String {
    h.chars().take(12).collect()
}

/// Whether the latest decision on the incident is "major": the newest classification, unless a
/// person rejected it.
pub fn latest_is_major(chain: &[Entry]) -> Option<bool> {
    let c: ClassificationEntry = details(chain.iter().rev().find(|e| e.kind == "classification")?);
    let major = c.is_major == Some(true);
    let hash = c.inputs_hash.unwrap_or_default();
    let rejected = decisions(chain, "classification", &hash)
        .iter()
        .any(|e| e.kind == "rejection");
    Some(major && !rejected)
}

fn submitted<'a>(chain: &'a [Entry], subject: &str) -> Option<&'a Entry> {
    chain.iter().rev().find(|e| {
        e.kind == "submission" && details::<SubmissionEntry>(e).subject.as_deref() == Some(subject)
    })
}

/// A report that cannot be submitted as things stand.
fn refused(message: String) -> InputError {
    InputError::report("type", message)
}

/// A submission the four-eyes gate refuses: an approval missing, rejected or given twice by one
/// person.
fn unapproved(message: String) -> InputError {
    InputError::approval("type", message)
}

/// Where each required role of `subject` stands for the draft with `hash`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApprovalStatus {
    pub subject: String,
    /// The draft's content hash (the classification's inputs hash); none before any draft.
    pub content_hash: Option<String>,
    /// Every required approval is in, and no rejection.
    pub approved: bool,
    pub rejected: bool,
    /// Required roles without an approval yet.
    pub missing_roles: Vec<String>,
    /// The decisions bound to this draft.
    pub decisions: Vec<Value>,
    /// For a report: whether the draft is complete.
    pub complete: Option<bool>,
    /// For a report: whether this draft was marked submitted, and when it reached the authority.
    pub submitted: bool,
    pub submitted_at: Option<String>,
}

/// Where the approvals of `subject` stand, read from the chain.
pub fn approval_status(chain: &[Entry], policy: &ApprovalPolicy, subject: &str) -> ApprovalStatus {
    let hash = current_hash(chain, subject);
    let d: Vec<&Entry> = hash
        .as_deref()
        .map(|h| decisions(chain, subject, h))
        .unwrap_or_default();
    let rejected = d.iter().any(|e| e.kind == "rejection");
    let approvals: Vec<&&Entry> = d.iter().filter(|e| e.kind == "approval").collect();
    let sub = submitted(chain, subject)
        .filter(|e| hash.is_some() && details::<SubmissionEntry>(e).content_hash == hash);
    let missing_roles: Vec<String> = if subject == "classification" {
        if approvals.is_empty() {
            vec![format!("one of {}", policy.approver_roles.join(", "))]
        } else {
            vec![]
        }
    } else {
        policy
            .required_for(subject)
            .into_iter()
            .filter(|r| {
                !approvals
                    .iter()
                    .any(|e| role(e).is_some_and(|x| same(&x, r)))
            })
            .collect()
    };
    ApprovalStatus {
        subject: subject.to_string(),
        approved: hash.is_some() && !rejected && missing_roles.is_empty(),
        rejected,
        missing_roles,
        decisions: d
            .iter()
            .map(|e| (e, details::<DecisionEntry>(e)))
            .map(|(e, d)| json!({"Decision": d.decision, "Role": d.role, "User": e.actor, "At": e.at, "Comment": d.comment}))
            .collect(),
        submitted: sub.is_some(),
        submitted_at: sub.and_then(|e| details::<SubmissionEntry>(e).submitted_at),
        complete: (subject != "classification")
            .then(|| current_draft(chain, subject).is_some_and(|e| details::<DraftEntry>(e).is_complete())),
        content_hash: hash,
    }
}

/// What the person marking a report submitted asked for.
#[derive(Debug, Clone, Default)]
pub struct SubmissionRequest<'a> {
    pub subject: &'a str,
    /// When the report reached the authority; not in the future.
    pub submitted_at: DateTime<Utc>,
    pub authority_reference: Option<&'a str>,
    /// Other reports submitted together with this one (ITS 2025/302 Art. 2).
    pub combined_with: Vec<&'a str>,
    /// A name typed in `submitted_by`: it must be the caller.
    pub typed_submitter: Option<&'a str>,
    /// When each report of the submission was due by the clock (`initial`, `intermediate`,
    /// `final`), as far as the clock knows it.
    pub dues: Vec<(&'a str, DateTime<Utc>)>,
    /// Why a report reached the authority after its due time: required then, and sealed with
    /// the submission, because the authority asks why a time limit was missed.
    pub late_reason: Option<&'a str>,
}

/// The approvals `subject`'s draft has, or why it cannot be submitted.
fn approvals_of<'a>(
    chain: &'a [Entry],
    policy: &ApprovalPolicy,
    subject: &str,
) -> Result<(String, Vec<&'a Entry>), InputError> {
    let draft = current_draft(chain, subject).ok_or_else(|| {
        refused(format!("There is no {subject} report draft: draft it, have it approved, then mark it submitted.")).needing(draft_step(subject))
    })?;
    let recorded: DraftEntry = details(draft);
    let hash = recorded.content_hash.clone().unwrap_or_default();
    if submitted(chain, subject)
        .is_some_and(|s| details::<SubmissionEntry>(s).content_hash.as_ref() == Some(&hash))
    {
        return Err(refused(format!(
            "This {subject} report draft ({}) has already been marked submitted.",
            short(&hash)
        )));
    }
    if !recorded.is_complete() {
        let problems: Vec<&str> = recorded.problems.iter().map(String::as_str).collect();
        return Err(refused(format!(
            "The {subject} report draft ({}) is incomplete ({} problem(s){}): fix them, draft it again and have that draft approved.",
            short(&hash),
            problems.len(),
            if problems.is_empty() { String::new() } else { format!(": {}", problems.iter().take(5).copied().collect::<Vec<_>>().join("; ")) }
        )));
    }
    let d = decisions(chain, subject, &hash);
    if let Some(r) = d.iter().find(|e| e.kind == "rejection") {
        return Err(unapproved(format!(
            "The {subject} report draft was rejected by {} ({}); draft it again and have it approved.",
            r.actor,
            details::<DecisionEntry>(r).comment.unwrap_or_default()
        )));
    }
    let approvals: Vec<&Entry> = d.into_iter().filter(|e| e.kind == "approval").collect();
    let missing: Vec<String> = policy
        .required_for(subject)
        .into_iter()
        .filter(|r| {
            !approvals
                .iter()
                .any(|e| role(e).is_some_and(|x| same(&x, r)))
        })
        .collect();
    if !missing.is_empty() {
        return Err(unapproved(format!(
            "The {subject} report cannot be submitted before its {} approvals: still needed from {} (for draft {}).",
            policy.required_for(subject).len(),
            missing.join(" and "),
            short(&hash)
        )));
    }
    // One human counts once, even if an entry was recorded before the rule: refuse a draft whose
    // approvals share a person.
    for (i, a) in approvals.iter().enumerate() {
        if let Some(b) = approvals[i + 1..]
            .iter()
            .find(|b| same_person(&decider(a), &decider(b)))
        {
            return Err(unapproved(format!(
                "The approvals of the {subject} report draft as {} and as {} are by one person ({}): a second person must approve.",
                role(a).as_deref().unwrap_or("?"),
                role(b).as_deref().unwrap_or("?"),
                a.actor
            )));
        }
    }
    Ok((hash, approvals))
}

/// Records the submission of `req.subject` (and of the reports combined with it), once every
/// check holds. Returns one entry per report.
pub fn submit(
    ev: &mut Evidence<'_>,
    policy: &ApprovalPolicy,
    caller: &Caller,
    req: &SubmissionRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, InputError> {
    ev.verified()?;
    caller.check_typed("submitted_by", req.typed_submitter)?;
    let subject = req.subject;
    if subject == "classification" {
        return Err(refused(
            "type must be a report: initial, intermediate, final or reclassification.".into(),
        ));
    }
    if req.submitted_at > now {
        return Err(InputError::new(
            "submitted_at",
            format!(
                "submitted_at ({}) is in the future (now {}): give the time the report reached the authority.",
                timeutil::to_rfc3339(req.submitted_at),
                timeutil::to_rfc3339(now)
            ),
        ));
    }
    // The reports of this submission, in the order the regulation sets.
    let mut together: Vec<&str> = vec![subject];
    for c in &req.combined_with {
        if !together.contains(c) {
            together.push(c);
        }
    }
    if together.len() > 1 {
        if together.contains(&CYBER_THREAT) {
            return Err(InputError::new("combined_with", "The notification of a significant cyber threat is submitted on its own; combined_with takes intermediate, final or initial reports only."));
        }
        if together.contains(&"reclassification") {
            return Err(InputError::new("combined_with", "A reclassification as non-major is submitted on its own; combined_with takes intermediate, final or initial reports only."));
        }
        together.sort_by_key(|s| ORDER.iter().position(|o| o == s));
        let first = ORDER.iter().position(|o| *o == together[0]).unwrap_or(0);
        if together
            .iter()
            .enumerate()
            .any(|(i, s)| ORDER.get(first + i) != Some(s))
        {
            return Err(InputError::new("combined_with", format!("Reports submitted together must follow each other (initial, intermediate, final), got {}.", together.join(" and "))));
        }
    }
    let chain = ev.chain.clone();
    if submitted(&chain, "reclassification").is_some()
        && subject != "reclassification"
        && subject != CYBER_THREAT
    {
        return Err(refused(format!("The incident was reclassified as non-major and that was submitted: no {subject} report follows.")));
    }
    let mut plans: Vec<(&str, String, Vec<&Entry>)> = Vec::new();
    for s in &together {
        let (hash, approvals) = approvals_of(&chain, policy, s)?;
        plans.push((s, hash, approvals));
    }
    let earlier_in_order = |s: &str| -> Option<&str> {
        let i = ORDER.iter().position(|o| *o == s)?;
        (i > 0).then(|| ORDER[i - 1])
    };
    let mut latest_basis: Option<(DateTime<Utc>, String)> = None;
    for (s, _, approvals) in &plans {
        match *s {
            "initial" => {
                if latest_is_major(&chain) != Some(true) {
                    return Err(refused("The initial notification is for a major incident, and the latest decision is that the incident is not major.".into()));
                }
                let c = chain
                    .iter()
                    .rev()
                    .find(|e| e.kind == "classification")
                    .expect("latest_is_major found one");
                let inputs = details::<ClassificationEntry>(c)
                    .inputs_hash
                    .unwrap_or_default();
                let approval = decisions(&chain, "classification", &inputs)
                    .into_iter()
                    .find(|e| e.kind == "approval");
                let Some(approval) = approval else {
                    return Err(unapproved("The classification as major has not been approved: an approver approves the classification first.".into()).needing("approve"));
                };
                consider(
                    &mut latest_basis,
                    approval,
                    "the approval of the classification",
                );
            }
            "reclassification" => {
                if latest_is_major(&chain) != Some(false) {
                    return Err(refused("A reclassification as non-major needs the latest decision to be \"not major\": classify the incident again or record the rejection of the major classification first.".into()).needing("classify"));
                }
                let Some(initial) = submitted(&chain, "initial") else {
                    return Err(refused("There is nothing to reclassify: no initial notification was submitted for this incident.".into()));
                };
                consider(
                    &mut latest_basis,
                    initial,
                    "the initial notification's submission",
                );
            }
            // A voluntary notification (DORA Art. 19(2)): no report comes before it.
            CYBER_THREAT => {}
            other => {
                let before =
                    earlier_in_order(other).expect("intermediate and final follow a report");
                if !together.contains(&before) {
                    let Some(prev) = submitted(&chain, before) else {
                        return Err(refused(format!(
                            "The {other} report follows the {before} report, which has not been marked submitted. Mark it first; or, if both reach the authority together (ITS 2025/302 Art. 2), say so with combined_with={before}."
                        )));
                    };
                    if let Some(at) = details::<SubmissionEntry>(prev)
                        .submitted_at
                        .and_then(|t| parse_at(&t).ok())
                    {
                        if req.submitted_at < at {
                            return Err(InputError::new("submitted_at", format!(
                                "submitted_at ({}) is before the {before} report's submission ({}): reports reach the authority in order.",
                                timeutil::to_rfc3339(req.submitted_at), timeutil::to_rfc3339(at)
                            )));
                        }
                    }
                }
            }
        }
        for a in approvals {
            consider(
                &mut latest_basis,
                a,
                &format!(
                    "the {} approval of the {s} report",
                    role(a).unwrap_or_default()
                ),
            );
        }
    }
    if let Some((at, what)) = latest_basis.filter(|(at, _)| req.submitted_at < *at) {
        return Err(InputError::new(
            "submitted_at",
            format!(
                "submitted_at ({}) is before {what} ({}), which the submission relies on: give the time the report really reached the authority.",
                timeutil::to_rfc3339(req.submitted_at),
                timeutil::to_rfc3339(at)
            ),
        ));
    }
    let late_reason = req.late_reason.map(str::trim).filter(|r| !r.is_empty());
    let due_of = |s: &str| req.dues.iter().find(|(d, _)| *d == s).map(|(_, at)| *at);
    for s in &together {
        if let Some(due) = due_of(s).filter(|due| req.submitted_at > *due) {
            if late_reason.is_none() {
                return Err(InputError::new(
                    "late_reason",
                    format!(
                        "The {s} report reached the authority at {}, {} after its due time {}: give late_reason, why it is late; it is sealed with the submission.",
                        timeutil::to_rfc3339(req.submitted_at),
                        hours_minutes(req.submitted_at - due),
                        timeutil::to_rfc3339(due)
                    ),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (s, hash, approvals) in plans {
        let others: Vec<&str> = together.iter().copied().filter(|o| *o != s).collect();
        let due = due_of(s);
        let late = due.filter(|due| req.submitted_at > *due);
        let details = json!({
            "Subject": s, "ContentHash": hash, "SubmittedAt": timeutil::to_rfc3339(req.submitted_at),
            "Due": due.map(timeutil::to_rfc3339), "Late": late.is_some(),
            "LateBy": late.map(|due| hours_minutes(req.submitted_at - due)),
            "LateReason": late.and(late_reason),
            "AuthorityReference": req.authority_reference.map(str::trim).unwrap_or(""),
            "CombinedWith": others,
            "ApprovedBy": approvals.iter().map(|e| json!({"Approver": e.actor, "Role": role(e)})).collect::<Vec<_>>(),
            "SubmittedBy": user_json(caller), "Policy": policy.in_force(s),
        });
        out.push(ev.append(now, "submission", &caller.username, details)?);
    }
    Ok(out)
}

fn consider(latest: &mut Option<(DateTime<Utc>, String)>, e: &Entry, what: &str) {
    if let Ok(at) = parse_at(&e.at) {
        if latest.as_ref().is_none_or(|(l, _)| at > *l) {
            *latest = Some((at, what.to_string()));
        }
    }
}

/// Submissions recorded in the chain, as `DORA.Submission` context for the clock:
/// `{InitialNotification: {SubmittedAt, AuthorityReference, ContentHash}, IntermediateReport:
/// {SubmittedAt: [..]}, FinalReport: {..}}`.
pub fn submissions(chain: &[Entry]) -> Value {
    let subs: Vec<SubmissionEntry> = chain
        .iter()
        .filter(|e| e.kind == "submission")
        .map(details)
        .collect();
    let one = |subject: &str| {
        subs.iter().rev().find(|s| s.subject.as_deref() == Some(subject)).map(|s| {
            let mut v = json!({"SubmittedAt": s.submitted_at, "AuthorityReference": s.authority_reference, "ContentHash": s.content_hash});
            // The reports with a time limit of their own say whether they met it.
            if ["initial", "final"].contains(&subject) {
                v["Late"] = json!(s.late.unwrap_or(false));
                v["LateReason"] = json!(s.late_reason);
            }
            v
        })
    };
    let intermediate: Vec<&str> = subs
        .iter()
        .filter(|s| s.subject.as_deref() == Some("intermediate"))
        .filter_map(|s| s.submitted_at.as_deref())
        .collect();
    json!({
        "InitialNotification": one("initial"),
        "IntermediateReport": if intermediate.is_empty() { Value::Null } else { json!({"SubmittedAt": intermediate}) },
        "FinalReport": one("final"),
        "Reclassification": one("reclassification"),
        "CyberThreatNotification": one(CYBER_THREAT),
    })
}

/// The reference the authority gave with the initial notification, if it gave one.
pub fn authority_reference(chain: &[Entry]) -> Option<String> {
    submitted(chain, "initial")
        .and_then(|e| details::<SubmissionEntry>(e).authority_reference)
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
}
