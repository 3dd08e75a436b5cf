//! Decisions and the submission gate: authenticated approvers in their roles, one person once
//! however spelled, every report type approved twice by default, reports in order, true times,
//! combined reports only when asked, and a keyed chain that a forger cannot extend.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::approval::{decide, record_classification, record_draft, Decision};
use super::draft::{build, load, Sources};
use super::evidence::Evidence;
use super::gate::{approval_status, submissions, submit, SubmissionRequest};
use super::mapping::builtin;
use super::policy::ApprovalPolicy;
use super::verdict::{judge, Checks};
use crate::audit::testing::{ring, INCIDENT};
use crate::audit::{self, Entry, HeadRecord, KeyRing};
use crate::identity::{Caller, RoleDirectory};

fn sample() -> Value {
    super::shared_data::final_report_sample()
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn person(username: &str, email: &str, roles: &[&str]) -> Caller {
    Caller {
        username: username.into(),
        email: Some(email.into()),
        name: None,
        xsoar_roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn ana() -> Caller {
    person(
        "ana.ruiz",
        "ana.ruiz@zahlungsinstitut-beispiel.de",
        &["CISO"],
    )
}

fn jonas() -> Caller {
    person(
        "jonas.weber",
        "jonas.weber@zahlungsinstitut-beispiel.de",
        &["Chief Risk Officer"],
    )
}

struct Case {
    chain: Vec<Entry>,
    head: Option<HeadRecord>,
    keys: KeyRing,
    clock: DateTime<Utc>,
    policy: ApprovalPolicy,
    directory: RoleDirectory,
}

impl Case {
    fn new() -> Case {
        Case {
            chain: Vec::new(),
            head: None,
            keys: ring(),
            clock: t0(),
            policy: ApprovalPolicy::default(),
            directory: RoleDirectory::default(),
        }
    }

    fn tick(&mut self) -> DateTime<Utc> {
        self.clock += Duration::minutes(1);
        self.clock
    }

    /// Runs `f` on the evidence and keeps what it appended, as the integration does.
    fn with<T>(
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

    fn classify(&mut self, major: bool, hash: &str) {
        let at = self.tick();
        let c = json!({"DetectedAt": "2026-11-23T09:14:00Z", "InputsHash": hash, "IsMajor": major, "Rule": "RTS 2024/1772 Art. 8(1)(b)", "ClassifiedAt": "2026-11-23T10:00:00Z"});
        self.with(|ev| record_classification(ev, &c, at).map_err(|e| e.message))
            .unwrap();
    }

    fn draft(&mut self, kind: &str, description: &str) -> String {
        self.draft_with(kind, description, true)
    }

    /// A draft judged against IR-1.3.0; `complete` fills every field from the shared sample.
    fn draft_with(&mut self, kind: &str, description: &str, complete: bool) -> String {
        let mut facts = if complete {
            load(builtin(), &sample())
        } else {
            serde_json::Map::new()
        };
        facts.insert("IncidentDescription".into(), json!(description));
        let context = json!({"DORA": {"IncidentReport": facts}});
        let null = json!({});
        let mut d = build(
            builtin(),
            kind,
            &Sources {
                context: &context,
                incident: &null,
                classification: &null,
                profile: &null,
            },
            self.clock,
            None,
        );
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

    fn decide_as(
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

    fn approve(&mut self, who: &Caller, subject: &str) -> Result<(), String> {
        self.decide_as(who, subject, true, None, None)
    }

    fn submit_at(
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
        };
        self.with(|ev| submit(ev, &policy, &ana(), &req, now).map_err(|e| e.message))
    }

    fn submit(&mut self, subject: &str) -> Result<(), String> {
        let at = self.clock + Duration::minutes(1);
        self.submit_at(subject, at, &[]).map(|_| ())
    }

    fn verifies(&self) -> bool {
        audit::verify(&self.chain, INCIDENT, Some(&self.keys), self.head.as_ref()).valid
    }
}

/// A major incident whose classification and initial notification are approved and submitted.
fn initial_submitted() -> Case {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    c.draft("initial", "Card payments failing.");
    c.approve(&ana(), "initial").unwrap();
    c.approve(&jonas(), "initial").unwrap();
    c.submit("initial").unwrap();
    c
}

#[test]
fn the_initial_notification_goes_out_with_two_approvals_in_two_roles() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    let h = c.draft("initial", "Card payments failing.");
    c.decide_as(&ana(), "initial", true, Some("ciso"), Some(&h))
        .unwrap();
    let e = c.submit("initial").unwrap_err();
    assert!(e.contains("still needed from Chief Risk Officer"), "{e}");
    assert_eq!(
        approval_status(&c.chain, &c.policy, "initial").missing_roles,
        ["Chief Risk Officer"]
    );
    c.approve(&jonas(), "initial").unwrap();
    assert!(approval_status(&c.chain, &c.policy, "initial").approved);
    c.submit("initial").unwrap();
    let s = submissions(&c.chain);
    assert_eq!(
        s["InitialNotification"]["AuthorityReference"],
        json!("NCA-2026-0042")
    );
    assert_eq!(s["InitialNotification"]["ContentHash"], json!(h));
    assert!(c.verifies());
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
    // The user, the role's source and the policy in force are in the chain.
    let approval = &c.chain[5];
    assert_eq!(approval.actor, "jonas.weber");
    assert_eq!(
        approval.details["User"]["Email"],
        json!("jonas.weber@zahlungsinstitut-beispiel.de")
    );
    assert_eq!(approval.details["RoleSource"], json!("XSOAR role"));
    assert_eq!(
        approval.details["Policy"],
        json!({"Subject": "initial", "Approvals": 2, "Roles": ["CISO", "Chief Risk Officer"]})
    );
    assert_eq!(c.chain[6].details["Policy"]["Approvals"], json!(2));
    assert_eq!(c.chain[6].actor, "ana.ruiz");
}

#[test]
fn one_human_never_fills_two_roles_however_the_name_is_spelled() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    let h = c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    // The same person under a second account that holds the other role.
    let second_account = person(
        "a.ruiz-cro",
        "Ana.Ruiz@Zahlungsinstitut-Beispiel.de",
        &["Chief Risk Officer"],
    );
    let e = c.approve(&second_account, "initial").unwrap_err();
    assert!(
        e.contains("has already decided on this initial report draft")
            && e.contains("one person counts once"),
        "{e}"
    );
    let same_name = Caller {
        name: Some("ANA RUÍZ".into()),
        ..person("ar2", "ar2@other.example", &["Chief Risk Officer"])
    };
    let mut named = Case::new();
    named.classify(true, "i");
    named.draft("initial", "v1");
    named
        .approve(
            &Caller {
                name: Some("Ana Ruiz".into()),
                ..ana()
            },
            "initial",
        )
        .unwrap();
    assert!(named
        .approve(&same_name, "initial")
        .unwrap_err()
        .contains("one person counts once"));
    // Two people, the same role.
    let other_ciso = person("bo.berg", "bo.berg@zahlungsinstitut-beispiel.de", &["CISO"]);
    let e = c.approve(&other_ciso, "initial").unwrap_err();
    assert!(
        e.contains("The CISO role has already approved")
            && e.contains("must come from Chief Risk Officer"),
        "{e}"
    );
    // Nothing recorded by the refusals.
    assert_eq!(c.chain.iter().filter(|e| e.kind == "approval").count(), 1);
    assert!(decide_count(&c.chain, &h) == 1);
}

fn decide_count(chain: &[Entry], hash: &str) -> usize {
    super::approval::decisions(chain, "initial", hash).len()
}

#[test]
fn a_role_must_be_held_and_allowed() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.draft("initial", "v1");
    let sam = person("sam.doe", "sam@zahlungsinstitut-beispiel.de", &["Analyst"]);
    let e = c.approve(&sam, "initial").unwrap_err();
    assert!(
        e.contains("holds none of the approver roles (CISO, Chief Risk Officer)"),
        "{e}"
    );
    let e = c
        .decide_as(&ana(), "initial", true, Some("Chief Risk Officer"), None)
        .unwrap_err();
    assert!(
        e.contains("does not hold the role 'Chief Risk Officer'"),
        "{e}"
    );
    let e = c
        .decide_as(&ana(), "initial", true, Some("Head of IT"), None)
        .unwrap_err();
    assert!(
        e.contains("The role 'Head of IT' may not approve this"),
        "{e}"
    );
    // The instance's directory maps XSOAR users to roles.
    c.directory =
        RoleDirectory::from_params(&json!({"approver_users": "Chief Risk Officer: sam.doe"}))
            .unwrap();
    c.approve(&sam, "initial").unwrap();
    assert_eq!(
        c.chain.last().unwrap().details["RoleSource"],
        json!("instance parameter approver_users")
    );
}

#[test]
fn a_changed_draft_voids_its_approvals() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    let h = c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    let h2 = c.draft("initial", "v2");
    assert_ne!(h, h2);
    let e = c
        .decide_as(&jonas(), "initial", true, None, Some(&h))
        .unwrap_err();
    assert!(
        e.starts_with("The initial report draft has changed since the version you reviewed"),
        "{e}"
    );
    c.approve(&jonas(), "initial").unwrap();
    let e = c.submit("initial").unwrap_err();
    assert!(e.contains("still needed from CISO"), "{e}");
    c.approve(&ana(), "initial").unwrap();
    c.submit("initial").unwrap();
    assert!(c
        .submit("initial")
        .unwrap_err()
        .contains("has already been marked submitted"));
}

#[test]
fn the_classification_must_be_approved_and_major_for_the_initial_notification() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    c.approve(&jonas(), "initial").unwrap();
    let e = c.submit("initial").unwrap_err();
    assert!(
        e.contains("The classification as major has not been approved"),
        "{e}"
    );
    c.decide_as(&jonas(), "classification", false, None, None)
        .unwrap();
    let e = c.submit("initial").unwrap_err();
    assert!(
        e.contains("the latest decision is that the incident is not major"),
        "{e}"
    );
}

#[test]
fn every_report_type_needs_two_approvals_by_default_and_the_setting_is_configurable() {
    let mut c = initial_submitted();
    c.draft("intermediate", "v1");
    c.approve(&jonas(), "intermediate").unwrap();
    let e = c.submit("intermediate").unwrap_err();
    assert!(
        e.contains("before its 2 approvals: still needed from CISO"),
        "{e}"
    );
    c.approve(&ana(), "intermediate").unwrap();
    c.submit("intermediate").unwrap();

    let mut one = initial_submitted();
    one.policy =
        ApprovalPolicy::from_params(&json!({"report_approver_roles": "final: Chief Risk Officer"}))
            .unwrap();
    one.draft("intermediate", "v1");
    one.approve(&ana(), "intermediate").unwrap();
    assert!(
        one.submit("intermediate").is_err(),
        "the intermediate report keeps the default of two"
    );
    one.approve(&jonas(), "intermediate").unwrap();
    one.submit("intermediate").unwrap();
    one.draft("final", "v1");
    one.approve(&jonas(), "final").unwrap();
    let entries = one
        .submit_at("final", one.clock + Duration::minutes(1), &[])
        .unwrap();
    assert_eq!(
        entries[0].details["Policy"],
        json!({"Subject": "final", "Approvals": 1, "Roles": ["Chief Risk Officer"]})
    );
    assert!(one.verifies());
}

#[test]
fn a_rejection_blocks_the_submission() {
    let mut c = initial_submitted();
    let h = c.draft("intermediate", "v1");
    c.decide_as(&ana(), "intermediate", false, None, Some(&h))
        .unwrap();
    c.approve(&jonas(), "intermediate").unwrap();
    assert!(approval_status(&c.chain, &c.policy, "intermediate").rejected);
    let e = c.submit("intermediate").unwrap_err();
    assert!(e.contains("was rejected by ana.ruiz"), "{e}");
    c.draft("intermediate", "v2");
    c.approve(&jonas(), "intermediate").unwrap();
    c.approve(&ana(), "intermediate").unwrap();
    c.submit("intermediate").unwrap();
}

#[test]
fn an_incomplete_draft_is_not_submitted() {
    let mut c = initial_submitted();
    c.draft_with("intermediate", "v1", false);
    c.approve(&ana(), "intermediate").unwrap();
    c.approve(&jonas(), "intermediate").unwrap();
    let e = c.submit("intermediate").unwrap_err();
    assert!(
        e.contains("is incomplete (")
            && e.contains("1.2: ITS 2025/302 Annex II makes it mandatory"),
        "{e}"
    );
}

#[test]
fn reports_go_in_order_and_combined_only_when_asked() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.draft("intermediate", "v1");
    c.approve(&ana(), "intermediate").unwrap();
    c.approve(&jonas(), "intermediate").unwrap();
    let e = c.submit("intermediate").unwrap_err();
    assert!(
        e.contains("follows the initial report, which has not been marked submitted")
            && e.contains("combined_with=initial"),
        "{e}"
    );
    // Asked for explicitly: the initial notification and the intermediate report together.
    c.approve(&ana(), "classification").unwrap();
    c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    c.approve(&jonas(), "initial").unwrap();
    let at = c.clock + Duration::minutes(1);
    let entries = c.submit_at("intermediate", at, &["initial"]).unwrap();
    let subjects: Vec<&Value> = entries.iter().map(|e| &e.details["Subject"]).collect();
    assert_eq!(subjects, [&json!("initial"), &json!("intermediate")]);
    assert_eq!(entries[1].details["CombinedWith"], json!(["initial"]));
    // The final report cannot skip the intermediate one, and gaps are refused.
    let mut d = initial_submitted();
    d.draft("final", "v1");
    d.approve(&ana(), "final").unwrap();
    d.approve(&jonas(), "final").unwrap();
    assert!(d
        .submit("final")
        .unwrap_err()
        .contains("follows the intermediate report"));
    let at = d.clock + Duration::minutes(1);
    assert!(d
        .submit_at("final", at, &["initial"])
        .unwrap_err()
        .contains("must follow each other"));
}

#[test]
fn a_reclassification_only_after_a_not_major_decision_and_an_initial_notification() {
    let mut c = Case::new();
    c.classify(false, "inputs-0");
    c.draft("reclassification", "v1");
    c.approve(&ana(), "reclassification").unwrap();
    c.approve(&jonas(), "reclassification").unwrap();
    assert!(c
        .submit("reclassification")
        .unwrap_err()
        .contains("no initial notification was submitted"));

    let mut m = initial_submitted();
    m.draft("reclassification", "v1");
    m.approve(&ana(), "reclassification").unwrap();
    m.approve(&jonas(), "reclassification").unwrap();
    let e = m.submit("reclassification").unwrap_err();
    assert!(
        e.contains("needs the latest decision to be \"not major\""),
        "{e}"
    );
    m.classify(false, "inputs-2");
    m.submit("reclassification").unwrap();
    m.draft("intermediate", "v1");
    m.approve(&ana(), "intermediate").unwrap();
    m.approve(&jonas(), "intermediate").unwrap();
    assert!(m
        .submit("intermediate")
        .unwrap_err()
        .contains("reclassified as non-major"));
}

#[test]
fn submitted_at_is_neither_in_the_future_nor_before_the_approvals_it_relies_on() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    c.approve(&jonas(), "initial").unwrap();
    let future = c.clock + Duration::hours(1);
    let e = c.submit_at("initial", future, &[]).unwrap_err();
    assert!(e.contains("is in the future"), "{e}");
    let back_dated = DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let e = c.submit_at("initial", back_dated, &[]).unwrap_err();
    assert!(
        e.contains("is before the Chief Risk Officer approval of the initial report"),
        "{e}"
    );
    let right = c.clock;
    c.submit_at("initial", right, &[]).unwrap();
}

/// The forged-approval scenario: an approval appended to `DORA.Audit` by hand, with the right
/// `PrevHash` and the hash recomputed with the public algorithm, cannot unlock the submission.
#[test]
fn a_forged_approval_cannot_unlock_the_submission() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    c.approve(&ana(), "classification").unwrap();
    let h = c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    let last = c.chain.last().unwrap().clone();
    let mut forged = Entry {
        seq: last.seq + 1,
        at: last.at.clone(),
        kind: "approval".into(),
        actor: "jonas.weber".into(),
        details: json!({"Subject": "initial", "ContentHash": h, "Role": "Chief Risk Officer", "Decision": "approve", "Comment": "", "User": {"Username": "jonas.weber"}}),
        prev_hash: last.hash.clone(),
        key_id: last.key_id.clone(),
        mac: last.mac.clone(),
        hash: String::new(),
    };
    forged.hash = forged.computed_hash(INCIDENT);
    c.chain.push(forged);
    assert!(!c.verifies());
    let e = c.submit("initial").unwrap_err();
    assert!(e.starts_with("The evidence chain fails verification at entry 5: entry 5 was appended by someone without the chain key"), "{e}");
    assert_eq!(c.chain.iter().filter(|e| e.kind == "submission").count(), 0);
}

#[test]
fn a_tampered_chain_refuses_every_decision() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    let h = c.draft("initial", "v1");
    c.approve(&ana(), "initial").unwrap();
    let before = c.chain.len();
    c.chain[2].details["ContentHash"] = json!("forged");
    let e = c
        .decide_as(&jonas(), "initial", true, None, Some(&h))
        .unwrap_err();
    assert!(
        e.starts_with("The evidence chain fails verification at entry 2"),
        "{e}"
    );
    assert!(c
        .submit("initial")
        .unwrap_err()
        .starts_with("The evidence chain fails verification"));
    assert_eq!(c.chain.len(), before, "nothing appended");
    // A cut tail is found through the head recorded outside the incident.
    let mut cut = Case::new();
    cut.classify(true, "inputs-1");
    cut.draft("initial", "v1");
    cut.chain.pop();
    let e = cut.approve(&ana(), "initial").unwrap_err();
    assert!(e.contains("cut from the end"), "{e}");
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
