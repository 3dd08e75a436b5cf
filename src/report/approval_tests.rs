//! Decisions: authenticated approvers in their roles, one person once however spelled, every
//! report type approved twice by default, and a changed draft voiding its approvals.

use serde_json::json;

use chrono::Duration;

use super::decision_case::{ana, initial_submitted, jonas, person, Case};
use super::gate::approval_status;
use super::gate::submissions;
use super::policy::ApprovalPolicy;
use crate::audit::Entry;
use crate::identity::{Caller, RoleDirectory};

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
    c.draft_approved("initial");
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

/// The classification read back as a typed record seals the same details the context held:
/// a key the classification lacks is sealed as `null`, never left out or invented.
#[test]
fn a_classification_is_sealed_with_the_keys_it_had() {
    let mut c = Case::new();
    c.classify(true, "inputs-1");
    assert_eq!(
        c.chain[0].details,
        json!({"DetectedAt": "2026-11-23T09:14:00Z", "AwareAt": null, "OccurredAt": null})
    );
    assert_eq!(
        c.chain[1].details,
        json!({"InputsHash": "inputs-1", "IsMajor": true, "Determinate": null,
               "Rule": "RTS 2024/1772 Art. 8(1)(b)", "ClassifiedAt": "2026-11-23T10:00:00Z",
               "ThresholdsMet": null})
    );
    c.classify(true, "inputs-1");
    assert_eq!(
        c.chain.len(),
        2,
        "the same inputs and verdict are sealed once"
    );
    c.classify(false, "inputs-1");
    assert_eq!(c.chain[2].details["IsMajor"], json!(false));
}
