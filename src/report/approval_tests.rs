//! Dual approval and the refusals of RTS-grade human-in-the-loop: same person twice, a role not
//! allowed, a draft changed since review, a submission before its approvals, a tampered chain.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::approval::{
    decide, record_classification, record_draft, submissions, submit, ApprovalPolicy,
};
use super::draft::{build, Sources};
use super::mapping::builtin;
use crate::audit::Entry;

fn sample() -> serde_json::Value {
    super::shared_data::read_json("dora_ir_final_report_sample_v1.3.json")
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Case {
    chain: Vec<Entry>,
    clock: DateTime<Utc>,
    policy: ApprovalPolicy,
}

impl Case {
    fn new() -> Case {
        Case {
            chain: Vec::new(),
            clock: t0(),
            policy: ApprovalPolicy::default(),
        }
    }

    fn tick(&mut self) -> DateTime<Utc> {
        self.clock += Duration::minutes(1);
        self.clock
    }

    fn classify(&mut self, major: bool, hash: &str) {
        let at = self.tick();
        let c = json!({"DetectedAt": "2026-11-23T09:14:00Z", "InputsHash": hash, "IsMajor": major, "Rule": "RTS 2024/1772 Art. 8(1)(b)", "ClassifiedAt": "2026-11-23T10:00:00Z"});
        let e = record_classification(&self.chain, &c, at).unwrap();
        self.chain.extend(e);
    }

    fn draft(&mut self, kind: &str, description: &str) -> String {
        self.draft_with(kind, description, true)
    }

    /// A draft; `complete` fills every mandatory field from the shared final-report sample.
    fn draft_with(&mut self, kind: &str, description: &str, complete: bool) -> String {
        let mut facts = if complete {
            super::draft::load(builtin(), &sample())
        } else {
            serde_json::Map::new()
        };
        facts.insert("IncidentDescription".into(), json!(description));
        let context = json!({"DORA": {"IncidentReport": facts}});
        let d = build(
            builtin(),
            kind,
            &Sources {
                context: &context,
                incident: &json!({}),
                classification: &json!({}),
                profile: &json!({}),
            },
            self.clock,
        );
        let at = self.tick();
        if let Some(e) = record_draft(&self.chain, &d, "json", at).unwrap() {
            self.chain.push(e);
        }
        d.content_hash
    }

    fn decide(
        &mut self,
        subject: &str,
        who: &str,
        role: &str,
        approve: bool,
        hash: Option<&str>,
    ) -> Result<(), String> {
        let at = self.tick();
        let e = decide(
            &self.chain,
            &self.policy,
            subject,
            who,
            role,
            approve,
            Some("reviewed"),
            hash,
            at,
        )
        .map_err(|e| e.message)?;
        self.chain.push(e);
        Ok(())
    }

    fn submit(&mut self, subject: &str) -> Result<(), String> {
        let at = self.tick();
        let e = submit(
            &self.chain,
            &self.policy,
            subject,
            at,
            Some("NCA-2026-0042"),
            "analyst",
            at,
        )
        .map_err(|e| e.message)?;
        self.chain.push(e);
        Ok(())
    }
}

#[test]
fn the_initial_notification_goes_out_with_two_approvals_in_two_roles() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.decide("classification", "Ana Ruiz", "CISO", true, Some("inputs-1"))
        .unwrap();
    let h = c.draft("initial", "Card payments failing.");
    c.decide("initial", "Ana Ruiz", "ciso", true, Some(&h))
        .unwrap();
    assert!(c
        .submit("initial")
        .unwrap_err()
        .contains("still needed from Chief Risk Officer"));
    c.decide(
        "initial",
        "Jonas Weber",
        "Chief Risk Officer",
        true,
        Some(&h),
    )
    .unwrap();
    c.submit("initial").unwrap();
    let s = submissions(&c.chain);
    assert_eq!(
        s["InitialNotification"]["AuthorityReference"],
        json!("NCA-2026-0042")
    );
    assert_eq!(s["InitialNotification"]["ContentHash"], json!(h));
    assert!(crate::audit::verify(&c.chain).valid);
    let kinds: Vec<&str> = c.chain.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "detection",
            "classification",
            "approval",
            "report-draft",
            "approval",
            "approval",
            "submission"
        ]
    );
}

#[test]
fn every_refusal_says_why_and_records_nothing() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    assert!(c
        .decide("initial", "Ana Ruiz", "CISO", true, None)
        .unwrap_err()
        .contains("run !dora-report-draft type=initial first"));
    let h = c.draft("initial", "v1");
    // A role that may not approve.
    let e = c
        .decide("initial", "Sam Doe", "Head of IT", true, Some(&h))
        .unwrap_err();
    assert!(e.starts_with("The role 'Head of IT' may not approve DORA decisions; allowed roles: CISO, Chief Risk Officer."), "{e}");
    c.decide("initial", "Ana Ruiz", "CISO", true, Some(&h))
        .unwrap();
    // The same person twice, even in the other role.
    let e = c
        .decide("initial", "ana ruiz", "Chief Risk Officer", true, Some(&h))
        .unwrap_err();
    assert!(
        e.starts_with("ana ruiz has already decided on this initial report draft"),
        "{e}"
    );
    // Two people, the same role.
    let e = c
        .decide("initial", "Bo Berg", "CISO", true, Some(&h))
        .unwrap_err();
    assert!(
        e.contains("the second approval must come from another role: Chief Risk Officer"),
        "{e}"
    );
    // The draft changes: the approval for the old hash no longer counts.
    let h2 = c.draft("initial", "v2");
    assert_ne!(h, h2);
    let e = c
        .decide(
            "initial",
            "Jonas Weber",
            "Chief Risk Officer",
            true,
            Some(&h),
        )
        .unwrap_err();
    assert!(
        e.starts_with("The initial report draft has changed since the version you reviewed"),
        "{e}"
    );
    c.decide(
        "initial",
        "Jonas Weber",
        "Chief Risk Officer",
        true,
        Some(&h2),
    )
    .unwrap();
    let e = c.submit("initial").unwrap_err();
    assert!(e.contains("still needed from CISO"), "{e}");
    c.decide("initial", "Ana Ruiz", "CISO", true, Some(&h2))
        .unwrap();
    // The classification as major was never approved.
    let e = c.submit("initial").unwrap_err();
    assert!(
        e.contains("has not been approved: run !dora-approve subject=classification"),
        "{e}"
    );
    c.decide("classification", "Ana Ruiz", "CISO", true, None)
        .unwrap();
    c.submit("initial").unwrap();
    assert!(c
        .submit("initial")
        .unwrap_err()
        .contains("has already been marked submitted"));
}

#[test]
fn a_rejection_blocks_the_submission() {
    let mut c = Case::new();
    let h = c.draft("intermediate", "v1");
    assert!(c
        .submit("intermediate")
        .unwrap_err()
        .contains("cannot be submitted before it is approved"));
    c.decide("intermediate", "Ana Ruiz", "CISO", false, Some(&h))
        .unwrap();
    c.decide(
        "intermediate",
        "Jonas Weber",
        "Chief Risk Officer",
        true,
        Some(&h),
    )
    .unwrap();
    assert!(c
        .submit("intermediate")
        .unwrap_err()
        .contains("was rejected by Ana Ruiz"));
    c.draft("intermediate", "v2");
    c.decide(
        "intermediate",
        "Jonas Weber",
        "Chief Risk Officer",
        true,
        None,
    )
    .unwrap();
    c.submit("intermediate").unwrap();
}

#[test]
fn an_incomplete_draft_is_not_submitted() {
    let mut c = Case::new();
    let h = c.draft_with("intermediate", "v1", false);
    c.decide("intermediate", "Ana Ruiz", "CISO", true, Some(&h))
        .unwrap();
    let e = c.submit("intermediate").unwrap_err();
    assert!(e.contains("is incomplete (missing fields 1.2, 1.3,"), "{e}");
}

#[test]
fn a_non_major_classification_is_not_notified() {
    let mut c = Case::new();
    c.classify(false, "inputs-1");
    c.decide("classification", "Ana Ruiz", "CISO", true, None)
        .unwrap();
    let h = c.draft("initial", "v1");
    c.decide("initial", "Ana Ruiz", "CISO", true, Some(&h))
        .unwrap();
    c.decide(
        "initial",
        "Jonas Weber",
        "Chief Risk Officer",
        true,
        Some(&h),
    )
    .unwrap();
    assert!(c
        .submit("initial")
        .unwrap_err()
        .contains("the latest classification is not major"));
}

#[test]
fn a_tampered_chain_refuses_every_decision() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    let h = c.draft("initial", "v1");
    c.decide("initial", "Ana Ruiz", "CISO", true, Some(&h))
        .unwrap();
    let before = c.chain.clone();
    c.chain[2].details["ContentHash"] = json!("forged");
    let e = c
        .decide(
            "initial",
            "Jonas Weber",
            "Chief Risk Officer",
            true,
            Some(&h),
        )
        .unwrap_err();
    assert!(
        e.starts_with("The evidence chain fails verification at entry 2"),
        "{e}"
    );
    assert!(c
        .submit("initial")
        .unwrap_err()
        .starts_with("The evidence chain fails verification"));
    assert_eq!(c.chain.len(), before.len(), "nothing appended");
}

#[test]
fn the_same_draft_is_recorded_once_and_a_changed_classification_again() {
    let mut c = Case::new();
    c.draft("initial", "v1");
    c.draft("initial", "v1");
    c.classify(true, "a");
    c.classify(true, "a");
    c.classify(true, "b");
    let kinds: Vec<&str> = c.chain.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "report-draft",
            "detection",
            "classification",
            "classification"
        ]
    );
}

#[test]
fn policies_come_from_parameters() {
    let p = ApprovalPolicy::from_params(&json!({"initial_notification_approver_roles": "CISO\nCRO\nCOO", "approver_roles": "Head of Compliance"})).unwrap();
    assert_eq!(p.initial_roles, ["CISO", "CRO", "COO"]);
    assert_eq!(
        p.approver_roles,
        ["Head of Compliance", "CISO", "CRO", "COO"]
    );
    assert!(
        ApprovalPolicy::from_params(&json!({"initial_notification_approver_roles": "CISO"}))
            .is_err()
    );
}
