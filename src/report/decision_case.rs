//! The world the decision and gate tests share: one incident's evidence chain with its keys and
//! recorded head, the approval policy, and the approvers as XSOAR authenticates them.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::approval::{decide, record_classification, record_draft, Decision};
use super::draft::load;
use super::draft_case::Given;
use super::evidence::Evidence;
use super::gate::{submit, SubmissionRequest};
use super::mapping::builtin;
use super::policy::ApprovalPolicy;
use super::verdict::{judge, Checks};
use crate::audit::testing::{ring, INCIDENT};
use crate::audit::{self, Entry, HeadRecord, KeyRing};
use crate::identity::{Caller, RoleDirectory};

pub(super) fn sample() -> Value {
    super::shared_data::final_report_sample()
}

pub(super) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub(super) fn person(username: &str, email: &str, roles: &[&str]) -> Caller {
    Caller {
        username: username.into(),
        email: Some(email.into()),
        name: None,
        xsoar_roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

pub(super) fn ana() -> Caller {
    person(
        "ana.ruiz",
        "ana.ruiz@zahlungsinstitut-beispiel.de",
        &["CISO"],
    )
}

pub(super) fn jonas() -> Caller {
    person(
        "jonas.weber",
        "jonas.weber@zahlungsinstitut-beispiel.de",
        &["Chief Risk Officer"],
    )
}

pub(super) struct Case {
    pub chain: Vec<Entry>,
    pub head: Option<HeadRecord>,
    pub keys: KeyRing,
    pub clock: DateTime<Utc>,
    pub policy: ApprovalPolicy,
    pub directory: RoleDirectory,
    /// The due times the clock gives the submissions, and the late reason given with them.
    pub dues: Vec<(&'static str, DateTime<Utc>)>,
    pub late_reason: Option<&'static str>,
}

impl Case {
    pub fn new() -> Case {
        Case {
            chain: Vec::new(),
            head: None,
            keys: ring(),
            clock: t0(),
            policy: ApprovalPolicy::default(),
            directory: RoleDirectory::default(),
            dues: Vec::new(),
            late_reason: None,
        }
    }

    pub fn tick(&mut self) -> DateTime<Utc> {
        self.clock += Duration::minutes(1);
        self.clock
    }

    /// Runs `f` on the evidence and keeps what it appended, as the integration does.
    pub fn with<T>(
        &mut self,
        f: impl FnOnce(&mut Evidence<'_>) -> Result<T, String>,
    ) -> Result<T, String> {
        let keys = self.keys.clone();
        let mut ev = Evidence::new(INCIDENT, &keys, self.chain.clone(), self.head.clone()).unwrap();
        let out = f(&mut ev)?;
        self.chain = ev.chain.clone();
        self.head = ev.head();
        Ok(out)
    }

    pub fn classify(&mut self, major: bool, hash: &str) {
        let at = self.tick();
        let c = json!({"DetectedAt": "2026-11-23T09:14:00Z", "InputsHash": hash, "IsMajor": major, "Rule": "RTS 2024/1772 Art. 8(1)(b)", "ClassifiedAt": "2026-11-23T10:00:00Z"});
        self.with(|ev| {
            record_classification(ev, &crate::context::view(&c), at).map_err(|e| e.message)
        })
        .unwrap();
    }

    pub fn draft(&mut self, kind: &str, description: &str) -> String {
        self.draft_with(kind, description, true)
    }

    /// A draft judged against IR-1.3.0; `complete` fills every field from the shared sample.
    pub fn draft_with(&mut self, kind: &str, description: &str, complete: bool) -> String {
        let mut facts = if complete {
            load(builtin(), &sample())
        } else {
            serde_json::Map::new()
        };
        facts.insert("IncidentDescription".into(), json!(description));
        let given = Given {
            context: json!({"DORA": {"IncidentReport": facts}}),
            incident: json!({}),
            classification: json!({}),
            profile: json!({}),
        };
        let mut d = given.ir_draft(kind, self.clock);
        let schema = super::shared_data::read_json("dora_ir_v1.3.0.json");
        judge(
            &mut d,
            builtin(),
            &Checks {
                schema: Some(&schema),
                authority_reference: None,
            },
        );
        let at = self.tick();
        self.with(|ev| record_draft(ev, &d, "json", at).map_err(|e| e.message))
            .unwrap();
        d.content_hash
    }

    pub fn decide_as(
        &mut self,
        who: &Caller,
        subject: &str,
        approve: bool,
        role: Option<&str>,
        hash: Option<&str>,
    ) -> Result<(), String> {
        let at = self.tick();
        let (policy, directory) = (self.policy.clone(), self.directory.clone());
        let d = Decision {
            subject,
            approve,
            role,
            typed_approver: None,
            comment: Some("reviewed"),
            content_hash: hash,
        };
        self.with(|ev| {
            decide(ev, &policy, &directory, who, &d, at)
                .map(|_| ())
                .map_err(|e| e.message)
        })
    }

    pub fn approve(&mut self, who: &Caller, subject: &str) -> Result<(), String> {
        self.decide_as(who, subject, true, None, None)
    }

    /// A draft of `kind` ("v1", complete) approved by Ana and Jonas, the two roles the default
    /// policy asks for.
    pub fn draft_approved(&mut self, kind: &str) {
        self.draft(kind, "v1");
        self.approve(&ana(), kind).unwrap();
        self.approve(&jonas(), kind).unwrap();
    }

    pub fn submit_at(
        &mut self,
        subject: &str,
        at: DateTime<Utc>,
        combined: &[&str],
    ) -> Result<Vec<Entry>, String> {
        let now = self.tick();
        let policy = self.policy.clone();
        let req = SubmissionRequest {
            subject,
            submitted_at: at,
            authority_reference: Some("NCA-2026-0042"),
            combined_with: combined.to_vec(),
            typed_submitter: None,
            dues: self.dues.clone(),
            late_reason: self.late_reason,
        };
        self.with(|ev| submit(ev, &policy, &ana(), &req, now).map_err(|e| e.message))
    }

    pub fn submit(&mut self, subject: &str) -> Result<(), String> {
        let at = self.clock + Duration::minutes(1);
        self.submit_at(subject, at, &[]).map(|_| ())
    }

    pub fn verifies(&self) -> bool {
        audit::verify(&self.chain, INCIDENT, Some(&self.keys), self.head.as_ref()).valid
    }
}

/// A major incident whose classification and initial notification are approved.
pub(super) fn initial_approved() -> Case {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    c.draft("initial", "Card payments failing.");
    c.approve(&ana(), "initial").unwrap();
    c.approve(&jonas(), "initial").unwrap();
    c
}

/// A major incident whose classification and initial notification are approved and submitted.
pub(super) fn initial_submitted() -> Case {
    let mut c = initial_approved();
    c.submit("initial").unwrap();
    c
}
