//! Drafts of all four submission types, checked against the DORA_IR schemas of the workplace
//! (`../shared/spec/schemas`, read in place, never copied), and the round trip of the shared
//! final-report sample.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::draft::{build, load, Draft, Sources};
use super::export::{csv, markdown, validate};
use super::mapping::{builtin, SUBMISSIONS};

fn schema(name: &str) -> Value {
    super::shared_data::read_json(name)
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-31T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn draft_from(
    kind: &str,
    context: &Value,
    classification: &Value,
    profile: &Value,
    incident: &Value,
) -> Draft {
    build(
        builtin(),
        kind,
        &Sources {
            context,
            incident,
            classification,
            profile,
        },
        now(),
    )
}

#[test]
fn the_final_report_sample_round_trips() {
    let sample = schema("dora_ir_final_report_sample_v1.3.json");
    let facts = load(builtin(), &sample);
    let context = json!({"DORA": {"IncidentReport": facts}});
    let d = draft_from("final", &context, &Value::Null, &Value::Null, &Value::Null);
    assert_eq!(d.document, sample, "the export differs from the sample");
    assert!(
        d.complete,
        "missing: {:?} problems: {:?}",
        d.missing, d.problems
    );
    for s in ["dora_ir_v1.2.1.json", "dora_ir_v1.3.0.json"] {
        let v = validate(&d.document, &schema(s), builtin()).unwrap();
        assert!(v.valid, "{s}: {:?}", v.errors);
    }
}

/// A fully described incident: the sample's report facts, an entity profile and a classification.
fn full_sources() -> (Value, Value, Value) {
    let sample = schema("dora_ir_final_report_sample_v1.3.json");
    let mut facts = load(builtin(), &sample);
    // Let the profile and classification supply what they can.
    for k in [
        "SubmittingEntityName",
        "SubmittingEntityLEI",
        "DetectionDateTime",
        "ClassificationDateTime",
        "ClientsAffected",
    ] {
        facts.remove(k);
    }
    let context = json!({"DORA": {"IncidentReport": facts}});
    let profile = json!({"name": "Acm Bank S.A.", "lei": "529900T8BM49AURSDO55", "entity_type": "credit_institution"});
    let classification = json!({
        "DetectedAt": "2026-05-10T22:15:00Z", "ClassifiedAt": "2026-05-10T23:45:00Z", "OccurredAt": "2026-05-10T21:58:00Z",
        "Facts": {"clients_affected": {"Value": 87500, "Source": "argument clients_affected", "Estimate": false}},
        "Criteria": [{"Key": "clients-counterparts-transactions", "Met": true}, {"Key": "critical-services", "Met": true}]
    });
    (context, classification, profile)
}

#[test]
fn all_four_submissions_of_a_fully_described_incident_validate_against_both_schemas() {
    let (context, classification, profile) = full_sources();
    for kind in SUBMISSIONS {
        let d = draft_from(
            kind,
            &context,
            &classification,
            &profile,
            &json!({"id": "4711"}),
        );
        assert!(
            d.complete,
            "{kind}: missing {:?}, problems {:?}",
            d.missing, d.problems
        );
        assert_eq!(
            d.document["incidentSubmission"],
            json!(builtin().submission_name(kind))
        );
        for s in ["dora_ir_v1.2.1.json", "dora_ir_v1.3.0.json"] {
            let v = validate(&d.document, &schema(s), builtin()).unwrap();
            assert!(v.valid, "{kind} against {s}: {:?}", v.errors);
        }
        let by_id = |id: &str| d.fields.iter().find(|f| f.id == id).unwrap().clone();
        assert_eq!(by_id("1.2").source.as_deref(), Some("profile.name"));
        assert_eq!(
            by_id("2.2").source.as_deref(),
            Some("classification.DetectedAt")
        );
        // Sections follow the submission type.
        let sections: Vec<u8> = d.fields.iter().map(|f| f.section).collect();
        assert_eq!(
            sections.contains(&3),
            *kind == "intermediate" || *kind == "final",
            "{kind}"
        );
        assert_eq!(sections.contains(&4), *kind == "final", "{kind}");
    }
}

#[test]
fn a_sparse_incident_gives_a_draft_that_says_what_is_missing() {
    let profile = json!({"name": "Zahlungsinstitut Beispiel GmbH", "lei": "529900T8BM49AURSDO55", "entity_type": "payment_institution"});
    let classification = json!({
        "DetectedAt": "2026-11-23T09:14:00Z", "ClassifiedAt": "2026-11-23T11:05:00Z",
        "Facts": {"member_states": {"Value": ["AT", "DE"]}, "clients_affected": {"Value": 12430, "Estimate": true}, "clients_total": {"Value": 98000}},
        "Criteria": [{"Key": "geographical-spread", "Met": true}, {"Key": "critical-services", "Met": true}, {"Key": "economic-impact", "Met": false}]
    });
    for kind in SUBMISSIONS {
        let d = draft_from(
            kind,
            &json!({}),
            &classification,
            &profile,
            &json!({"id": "88", "details": "Card payments failing for Austrian and German clients."}),
        );
        assert!(!d.complete, "{kind}");
        let missing: Vec<&str> = d.missing.iter().map(|g| g.id.as_str()).collect();
        // Every mandatory field of the type is either filled from a documented path or listed missing.
        for f in builtin()
            .fields
            .iter()
            .filter(|f| f.mandatory.iter().any(|m| m == kind))
        {
            let df = d
                .fields
                .iter()
                .find(|x| x.id == f.id)
                .unwrap_or_else(|| panic!("{kind}: {} not in the draft", f.id));
            assert!(df.mandatory);
            match &df.value {
                Some(_) => assert!(
                    f.sources.contains(df.source.as_ref().unwrap()) || f.kind == "submission_type",
                    "{kind} {}: {:?}",
                    f.id,
                    df.source
                ),
                None => assert!(
                    missing.contains(&f.id.as_str()),
                    "{kind}: {} neither filled nor listed missing",
                    f.id
                ),
            }
        }
        for id in ["1.7", "1.8", "1.9", "2.7", "2.9"] {
            assert!(missing.contains(&id), "{kind}: {id} should be missing");
        }
        let by_id = |id: &str| d.fields.iter().find(|f| f.id == id).unwrap();
        assert_eq!(by_id("2.1").value, Some(json!("XSOAR-88")));
        assert_eq!(by_id("2.4").source.as_deref(), Some("incident.details"));
        assert_eq!(
            by_id("2.5").value,
            Some(json!(["geographical_spread", "critical_services_affected"]))
        );
        assert_eq!(by_id("2.6").value, Some(json!(["AT", "DE"])), "{kind}");
        if kind == &"intermediate" {
            assert_eq!(by_id("3.4").value, Some(json!(12430)));
            assert_eq!(by_id("3.5").value, Some(json!(12.68)));
            assert_eq!(
                by_id("3.12").value,
                Some(json!(["estimates_for_clients_affected"]))
            );
        }
    }
}

#[test]
fn a_bad_value_is_named_and_kept_out_of_the_document() {
    let context = json!({"DORA": {"IncidentReport": {"ClientsAffectedPercentage": 140, "PrimaryContactEmail": "not-an-email"}}});
    let d = draft_from(
        "intermediate",
        &context,
        &Value::Null,
        &Value::Null,
        &Value::Null,
    );
    let problems: Vec<&str> = d
        .problems
        .iter()
        .filter_map(|p| p["Problem"].as_str())
        .collect();
    assert!(problems.iter().any(|p| p.starts_with("3.5 (Percentage of clients affected) from context.DORA.IncidentReport.ClientsAffectedPercentage: 140% is more than 100%")), "{problems:?}");
    assert!(problems
        .iter()
        .any(|p| p.contains("1.8") && p.contains("not an e-mail")));
    assert!(d.document.pointer("/primaryContact/email").is_none());
    assert!(!d.complete);
}

#[test]
fn the_content_hash_changes_with_the_content_only() {
    let (context, classification, profile) = full_sources();
    let a = draft_from(
        "initial",
        &context,
        &classification,
        &profile,
        &json!({"id": "1"}),
    );
    let b = draft_from(
        "initial",
        &context,
        &classification,
        &profile,
        &json!({"id": "1"}),
    );
    assert_eq!(a.content_hash, b.content_hash);
    let mut later = classification.clone();
    later["ClassifiedAt"] = json!("2026-05-10T23:46:00Z");
    let c = draft_from("initial", &context, &later, &profile, &json!({"id": "1"}));
    assert_ne!(a.content_hash, c.content_hash);
}

#[test]
fn schema_errors_point_at_template_fields() {
    let mut doc = schema("dora_ir_final_report_sample_v1.3.json");
    doc["incident"]["incidentDiscovery"] = json!("a_guess");
    doc["incident"]["classificationTypes"][1]["countryCodeMaterialityThresholds"] = json!(["XX"]);
    let v = validate(&doc, &schema("dora_ir_v1.3.0.json"), builtin()).unwrap();
    assert!(!v.valid);
    let fields: Vec<Option<String>> = v.errors.iter().map(|e| e.field.clone()).collect();
    assert!(fields.contains(&Some("2.7".into())), "{:?}", v.errors);
    assert!(fields.contains(&Some("2.6".into())), "{:?}", v.errors);
    assert_eq!(v.schema, "IR-1.3.0");
}

#[test]
fn csv_and_markdown_carry_every_field() {
    let (context, classification, profile) = full_sources();
    let d = draft_from(
        "final",
        &context,
        &classification,
        &profile,
        &json!({"id": "1"}),
    );
    let c = csv(&d);
    assert_eq!(c.lines().count(), d.fields.len() + 1);
    assert!(c.contains("2.4,Description of the incident,\"At 22:15 UTC on 10 May 2026"));
    let m = markdown(&d);
    assert!(
        m.contains("| 4.13 | Amount of gross direct and indirect costs and losses | 4850000.0 |"),
        "{m}"
    );
    assert!(m.contains("**Complete:**"));
}
