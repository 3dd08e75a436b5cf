use serde_json::{json, Value};

use super::*;

fn war_room(user: &str) -> Value {
    json!({"context": {"ParentEntry": {"user": user, "entryTask": null}, "IntegrationBrand": "DORA Bridge"}})
}

fn record(username: &str, email: &str, name: &str, roles: &[&str]) -> Value {
    json!({"id": username, "username": username, "email": email, "name": name, "roles": {"demisto": roles}})
}

fn ana() -> Caller {
    Caller::from_xsoar(
        &war_room("ana.ruiz"),
        &record(
            "ana.ruiz",
            "ana.ruiz@zahlungsinstitut-beispiel.de",
            "Ana Ruiz",
            &["CISO", "Analyst"],
        ),
        "approve",
    )
    .unwrap()
}

fn allowed() -> Vec<String> {
    vec!["CISO".into(), "Chief Risk Officer".into()]
}

#[test]
fn the_caller_is_the_signed_in_user_with_their_xsoar_record() {
    let c = ana();
    assert_eq!(c.username, "ana.ruiz");
    assert_eq!(
        c.email.as_deref(),
        Some("ana.ruiz@zahlungsinstitut-beispiel.de")
    );
    assert_eq!(c.xsoar_roles, ["CISO", "Analyst"]);
    assert_eq!(c.display(), "Ana Ruiz (ana.ruiz)");
    // No record from the server: the user name alone, no roles.
    let bare = Caller::from_xsoar(&war_room("jonas.weber"), &Value::Null, "approve").unwrap();
    assert_eq!(
        (bare.username.as_str(), bare.xsoar_roles.len()),
        ("jonas.weber", 0)
    );
    // XSOAR 8 lists the roles flat, and adds allRoles.
    let flat = Caller::from_xsoar(
        &war_room("k.braun@bank.eu"),
        &json!({"username": "k.braun@bank.eu", "roles": ["Chief Risk Officer"], "allRoles": ["Chief Risk Officer", "Read-Only"]}),
        "approve",
    )
    .unwrap();
    assert_eq!(flat.xsoar_roles, ["Chief Risk Officer", "Read-Only"]);
    // An internal id that is not the user name does not make the record another user's.
    let internal = Caller::from_xsoar(
        &war_room("ana.ruiz"),
        &json!({"id": "u-8f3a2c", "username": "ana.ruiz", "roles": {"demisto": ["CISO"]}}),
        "approve",
    )
    .unwrap();
    assert_eq!(internal.xsoar_roles, ["CISO"]);
}

#[test]
fn a_playbook_task_or_dbot_decides_nothing() {
    for ctx in [
        json!({"context": {"ParentEntry": {"user": "", "entryTask": {"taskId": "29", "playbookName": "DORA"}}}}),
        json!({"context": {"ParentEntry": {"user": "admin", "entryTask": {"taskId": "29"}}}}),
        json!({"context": {"ParentEntry": {"user": "DBot"}}}),
        json!({"context": {}}),
        json!({}),
    ] {
        let e = Caller::from_xsoar(&ctx, &Value::Null, "approve").unwrap_err();
        assert_eq!(e.argument, "approver");
        assert!(e.message.starts_with("Only a person can approve"), "{e}");
    }
}

#[test]
fn a_record_of_another_user_is_refused() {
    let e = Caller::from_xsoar(
        &war_room("ana.ruiz"),
        &record("admin", "a@b.c", "Admin", &["CISO"]),
        "approve",
    )
    .unwrap_err();
    assert!(e.message.contains("with the record of 'admin'"), "{e}");
}

#[test]
fn a_typed_name_must_be_the_signed_in_user() {
    let c = ana();
    for ok in [
        "ana.ruiz",
        "ANA.RUIZ@zahlungsinstitut-beispiel.de",
        "Ana  Ruíz",
        "",
        " ",
    ] {
        assert!(c.check_typed("approver", Some(ok)).is_ok(), "{ok}");
    }
    assert!(c.check_typed("approver", None).is_ok());
    let e = c.check_typed("approver", Some("Jonas Weber")).unwrap_err();
    assert_eq!(e.argument, "approver");
    assert!(
        e.message.contains(
            "approver is 'Jonas Weber' but this command was run by the XSOAR user 'ana.ruiz'"
        ),
        "{e}"
    );
}

#[test]
fn one_human_however_spelled() {
    let a = ana();
    let other_account = Caller {
        username: "aruiz-admin".into(),
        email: Some("Ana.Ruiz@Zahlungsinstitut-Beispiel.de".into()),
        name: None,
        xsoar_roles: vec![],
    };
    let same_name = Caller {
        username: "a.ruiz2".into(),
        email: None,
        name: Some("ANA RUÍZ".into()),
        xsoar_roles: vec![],
    };
    let jonas = Caller {
        username: "jonas.weber".into(),
        email: Some("jonas.weber@zahlungsinstitut-beispiel.de".into()),
        name: Some("Jonas Weber".into()),
        xsoar_roles: vec![],
    };
    assert!(same_person(&a, &other_account) && same_person(&a, &same_name));
    assert!(!same_person(&a, &jonas));
    assert_eq!(normalized(" Zoë  Ó-Briain "), "zoeobriain");
}

#[test]
fn roles_come_from_xsoar_or_the_directory() {
    let dir = RoleDirectory::from_params(&json!({"approver_users": "Chief Risk Officer: jonas.weber, k.braun@bank.eu\n\nCISO: ana.ruiz"})).unwrap();
    let a = ana();
    let roles = dir.roles(&a, &allowed());
    assert_eq!(
        roles,
        [ActingRole {
            role: "CISO".into(),
            source: "XSOAR role".into()
        }]
    );
    let jonas = Caller::from_xsoar(&war_room("Jonas.Weber"), &Value::Null, "approve").unwrap();
    let r = dir.acting_role(&jonas, None, &allowed()).unwrap();
    assert_eq!(
        (r.role.as_str(), r.source.as_str()),
        ("Chief Risk Officer", "instance parameter approver_users")
    );
    let e = dir
        .acting_role(&jonas, Some("CISO"), &allowed())
        .unwrap_err();
    assert!(e.message.contains("does not hold the role 'CISO'"), "{e}");
    let e = dir
        .acting_role(&jonas, Some("Intern"), &allowed())
        .unwrap_err();
    assert!(e.message.contains("may not approve"), "{e}");
    let nobody = Caller::from_xsoar(&war_room("sam"), &Value::Null, "approve").unwrap();
    assert!(dir
        .acting_role(&nobody, None, &allowed())
        .unwrap_err()
        .message
        .contains("holds none"));
    // Both roles: the caller says which.
    let both = Caller {
        xsoar_roles: vec!["CISO".into(), "Chief Risk Officer".into()],
        ..a
    };
    assert!(dir
        .acting_role(&both, None, &allowed())
        .unwrap_err()
        .message
        .contains("say in which one"));
    assert_eq!(
        dir.acting_role(&both, Some("chief risk officer"), &allowed())
            .unwrap()
            .role,
        "Chief Risk Officer"
    );
}

#[test]
fn a_bad_directory_is_named() {
    for raw in ["CISO ana.ruiz", "CISO:", ": ana"] {
        let e = RoleDirectory::from_params(&json!({"approver_users": raw})).unwrap_err();
        assert_eq!(e.argument, "approver_users", "{raw}");
    }
    assert_eq!(
        RoleDirectory::from_params(&json!({})).unwrap(),
        RoleDirectory::default()
    );
}
