//! Drafts of all four submission types, checked against the DORA_IR schemas of the workplace
//! (`../shared/spec/schemas`, read in place, never copied), and the round trip of the shared
//! final-report sample.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::currency::Conversion;
use super::draft::{build, load, Draft};
use super::draft_case::Given;
use super::export::{csv, markdown};
use super::mapping::{builtin, SUBMISSIONS};
use super::schema::{validate, with_dependencies_applied};
use super::verdict::{judge, Check, Checks};

fn schema(name: &str) -> Value {
    super::shared_data::read_json(name)
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-31T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn draft_from(kind: &str, given: &Given) -> Draft {
    given.ir_draft(kind, now())
}

/// The draft judged against the schema `name` (and, for the authority's reference, `issued`).
fn judged(mut d: Draft, name: &str, issued: Option<&str>) -> Draft {
    let s = schema(name);
    judge(
        &mut d,
        builtin(),
        &Checks {
            schema: Some(&s),
            authority_reference: issued,
        },
    );
    d
}

#[test]
fn the_published_sample_fails_the_lei_check_digits() {
    let sample = schema("dora_ir_final_report_sample_v1.3.json");
    let context = json!({"DORA": {"IncidentReport": load(builtin(), &sample)}});
    let d = judged(
        draft_from("final", &Given::context(context.clone())),
        "dora_ir_v1.3.0.json",
        None,
    );
    let fields: Vec<&str> = d.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["1.3", "1.6", "1.6", "1.14"], "{:?}", d.problems);
    assert!(
        d.validation.unwrap().valid,
        "the schema itself checks the LEI's form only"
    );
}

#[test]
fn the_final_report_sample_round_trips() {
    let sample = super::shared_data::final_report_sample();
    let facts = load(builtin(), &sample);
    let context = json!({"DORA": {"IncidentReport": facts}});
    let d = draft_from("final", &Given::context(context.clone()));
    assert_eq!(d.document, sample, "the export differs from the sample");
    for s in ["dora_ir_v1.2.1.json", "dora_ir_v1.3.0.json"] {
        let j = judged(d.clone(), s, None);
        assert!(j.complete, "{s}: {:?}", j.problems);
        assert!(j.validation.unwrap().valid);
    }
}

/// A fully described incident: the sample's report facts, an entity profile and a classification.
fn full_sources() -> Given {
    let sample = super::shared_data::final_report_sample();
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
    Given {
        context,
        incident: json!({"id": "1"}),
        classification,
        profile,
    }
}

#[test]
fn all_four_submissions_of_a_fully_described_incident_validate_against_both_schemas() {
    let full = Given {
        incident: json!({"id": "4711"}),
        ..full_sources()
    };
    for kind in SUBMISSIONS {
        let d = draft_from(kind, &full);
        assert_eq!(
            d.document["incidentSubmission"],
            json!(builtin().submission_name(kind))
        );
        for s in ["dora_ir_v1.2.1.json", "dora_ir_v1.3.0.json"] {
            let j = judged(d.clone(), s, None);
            assert!(j.complete, "{kind} against {s}: {:?}", j.problems);
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
    let sparse = Given {
        context: json!({}),
        incident: json!({"id": "88", "details": "Card payments failing for Austrian and German clients."}),
        classification: json!({
            "DetectedAt": "2026-11-23T09:14:00Z", "ClassifiedAt": "2026-11-23T11:05:00Z",
            "Facts": {"member_states": {"Value": ["AT", "DE"]}, "clients_affected": {"Value": 12430, "Estimate": true}, "clients_total": {"Value": 98000}},
            "Criteria": [{"Key": "geographical-spread", "Met": true}, {"Key": "critical-services", "Met": true}, {"Key": "economic-impact", "Met": false}]
        }),
        profile: json!({"name": "Zahlungsinstitut Beispiel GmbH", "lei": "529900T8BM49AURSDO55", "entity_type": "payment_institution"}),
    };
    for kind in SUBMISSIONS {
        let d = draft_from(kind, &sparse);
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
    let d = draft_from("intermediate", &Given::context(context));
    let problems: Vec<&str> = d
        .problems
        .iter()
        .filter(|p| p.check == Check::Value)
        .map(|p| p.why.as_str())
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
    let full = full_sources();
    let a = draft_from("initial", &full);
    let b = draft_from("initial", &full);
    assert_eq!(a.content_hash, b.content_hash);
    let mut later = full.clone();
    later.classification["ClassifiedAt"] = json!("2026-05-10T23:46:00Z");
    let c = draft_from("initial", &later);
    assert_ne!(a.content_hash, c.content_hash);
}

#[test]
fn schema_errors_point_at_template_fields_without_quoting_the_document() {
    let mut doc = super::shared_data::final_report_sample();
    doc["incident"]["incidentDiscovery"] = json!("a_guess");
    doc["incident"]["classificationTypes"][1]["countryCodeMaterialityThresholds"] = json!(["XX"]);
    let v = validate(&doc, &schema("dora_ir_v1.3.0.json"), builtin(), "final").unwrap();
    assert!(!v.valid);
    let fields: Vec<Option<String>> = v.errors.iter().map(|e| e.field.clone()).collect();
    assert!(fields.contains(&Some("2.7".into())), "{:?}", v.errors);
    assert!(fields.contains(&Some("2.6".into())), "{:?}", v.errors);
    assert_eq!(v.schema, "IR-1.3.0");
    for e in &v.errors {
        assert!(!e.path.is_empty(), "{e:?}");
        assert!(
            e.message.len() < 700 && !e.message.contains("incidentDescription"),
            "{e:?}"
        );
    }
}

/// The IR schemas keep their per-type requirements under draft-07 `dependencies`, which a strict
/// 2020-12 validator (Python's `jsonschema`, tests/test_report_schema.py) ignores: applied, a
/// final report without 4.9 fails IR-1.2.1 with 4.9 named.
#[test]
fn the_per_type_requirements_apply_and_4_9_is_named_under_ir_1_2_1() {
    let mut doc = super::shared_data::final_report_sample();
    doc["incident"]
        .as_object_mut()
        .unwrap()
        .remove("incidentResolutionVsPlannedImplementation");
    let applied = with_dependencies_applied(&schema("dora_ir_v1.2.1.json"));
    assert!(applied.get("dependencies").is_none() && applied.get("dependentSchemas").is_some());

    let v = validate(&doc, &schema("dora_ir_v1.2.1.json"), builtin(), "final").unwrap();
    assert!(!v.valid);
    assert_eq!(v.errors.len(), 1, "{:?}", v.errors);
    assert_eq!(v.errors[0].field.as_deref(), Some("4.9"));
    assert_eq!(
        v.errors[0].path,
        "/incident/incidentResolutionVsPlannedImplementation"
    );
    assert!(
        v.errors[0]
            .message
            .contains("IR-1.2.1 requires it in a final_report"),
        "{:?}",
        v.errors
    );
    // IR-1.3.0 dropped that requirement, and Annex II does not make 4.9 mandatory.
    assert!(
        validate(&doc, &schema("dora_ir_v1.3.0.json"), builtin(), "final")
            .unwrap()
            .valid
    );

    let facts = load(builtin(), &doc);
    let context = json!({"DORA": {"IncidentReport": facts}});
    let d = draft_from("final", &Given::context(context.clone()));
    let old = judged(d.clone(), "dora_ir_v1.2.1.json", None);
    assert!(!old.complete);
    let p = old
        .problems
        .iter()
        .find(|p| p.field == "4.9")
        .expect("4.9 named");
    assert_eq!(
        (p.check, p.key.as_str()),
        (Check::Schema, "DORA.IncidentReport.ResolutionVsPlanned")
    );
    assert!(judged(d, "dora_ir_v1.3.0.json", None).complete);
}

#[test]
fn an_invalid_code_makes_the_draft_incomplete_with_its_field() {
    let mut full = full_sources();
    full.context["DORA"]["IncidentReport"]["DiscoveryMethod"] = json!("a_guess");
    let d = draft_from("initial", &full);
    for s in ["dora_ir_v1.2.1.json", "dora_ir_v1.3.0.json"] {
        let j = judged(d.clone(), s, None);
        assert!(!j.complete, "{s}");
        let p = j
            .problems
            .iter()
            .find(|p| p.field == "2.7")
            .expect("2.7 named");
        assert!(p.why.contains("'a_guess' is not one of the codes"), "{p:?}");
        assert_eq!(p.key, "DORA.IncidentReport.DiscoveryMethod");
    }
}

#[test]
fn without_a_schema_a_draft_is_not_complete() {
    let full = full_sources();
    let mut d = draft_from("initial", &full);
    judge(&mut d, builtin(), &Checks::default());
    assert!(!d.complete);
    assert_eq!(d.problems.len(), 1);
    assert_eq!(
        (d.problems[0].check, d.problems[0].key.as_str()),
        (Check::Settings, "report_schema")
    );
}

#[test]
fn the_rules_a_schema_cannot_express_are_checked() {
    let mut full = full_sources();
    let facts = &mut full.context["DORA"]["IncidentReport"];
    facts["ParentUndertakingName"] = json!("Acm Holding");
    facts
        .as_object_mut()
        .unwrap()
        .remove("ParentUndertakingLEI");
    facts["OtherAuthoritiesInformed"] = json!(["none", "csirt"]);
    facts["AffectedEntityLEIs"] = json!(["529900T8BM49AURSDO56"]);
    facts["OccurrenceDateTime"] = json!("2026-05-11T01:00:00Z");
    full.classification["ClassifiedAt"] = json!("2026-05-10T20:00:00Z");
    let d = draft_from("final", &full);
    let j = judged(d, "dora_ir_v1.3.0.json", Some("ACPR-2026-0042"));
    let rules: Vec<(&str, &str)> = j
        .problems
        .iter()
        .filter(|p| p.check == Check::Rule)
        .map(|p| (p.field.as_str(), p.why.as_str()))
        .collect();
    let named = |id: &str, words: &str| rules.iter().any(|(f, w)| *f == id && w.contains(words));
    assert!(named("1.6", "LEI check digits"), "{rules:?}");
    assert!(named("1.14", "without its LEI"), "{rules:?}");
    assert!(named("3.31", "\"none\" cannot stand"), "{rules:?}");
    assert!(
        named("3.2", "occurrence comes before detection"),
        "{rules:?}"
    );
    assert!(
        named("2.3", "detection comes before classification"),
        "{rules:?}"
    );
    assert!(named("3.1", "ACPR-2026-0042"), "{rules:?}");
    assert!(!j.complete);
}

#[test]
fn amounts_are_converted_with_the_rate_given_and_the_conversion_is_recorded() {
    let mut full = full_sources();
    full.context["DORA"]["IncidentReport"]
        .as_object_mut()
        .unwrap()
        .remove("ReportCurrency");
    full.profile["report_currency"] = json!("PLN");
    let c = Conversion::new(
        "PLN",
        Some("4.265"),
        Some("ECB euro reference rate of 2026-05-29"),
    )
    .unwrap()
    .unwrap();
    let eur = draft_from("final", &full);
    let pln = build(builtin(), "final", &full.sources(), now(), Some(&c));
    let amount = |d: &Draft, id: &str| d.fields.iter().find(|f| f.id == id).unwrap().value.clone();
    // 4 850 000.00 EUR x 4.265 = 20 685 250.00 PLN
    assert_eq!(amount(&eur, "4.13"), Some(json!(4850000.0)));
    assert_eq!(amount(&pln, "4.13"), Some(json!(20685250.0)));
    assert_eq!(pln.document["reportCurrency"], json!("PLN"));
    assert_ne!(eur.content_hash, pln.content_hash);
    assert_eq!(pln.conversion.as_ref().unwrap().rate_per_eur, "4.265");
    assert!(markdown(&pln)
        .contains("Amounts in PLN: euro amounts converted at 4.265 PLN per euro (ECB euro reference rate of 2026-05-29)."));
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let mut full = full_sources();
    let facts = &mut full.context["DORA"]["IncidentReport"];
    facts["IncidentDescription"] = json!("=HYPERLINK(\"http://evil.example\",\"click\")");
    facts["ResolutionSummary"] = json!("+cmd|' /C calc'!A0");
    facts["RootCauseInformation"] = json!("@SUM(1+1)");
    facts["OtherInformation"] = json!("-2+3");
    facts["ResolutionVsPlanned"] = json!("\tsneaky");
    let d = draft_from("final", &full);
    let c = csv(&d);
    for raw in ["=HYPERLINK", "+cmd|", "@SUM(", "\tsneaky"] {
        assert!(
            !c.contains(&format!(",{raw}")) && !c.contains(&format!(",\"{raw}")),
            "{raw} left as a formula"
        );
    }
    assert!(
        c.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
        "{c}"
    );
    assert!(c.contains(",'+cmd|' /C calc'!A0,"), "{c}");
    assert!(c.contains(",'@SUM(1+1),"), "{c}");
}

#[test]
fn csv_and_markdown_carry_every_field_and_the_verdict() {
    let full = full_sources();
    let d = judged(draft_from("final", &full), "dora_ir_v1.3.0.json", None);
    let c = csv(&d);
    assert_eq!(c.lines().count(), d.fields.len() + 1);
    assert!(c.contains("2.4,Description of the incident,\"At 22:15 UTC on 10 May 2026"));
    let m = markdown(&d);
    assert!(
        m.contains("| 4.13 | Amount of gross direct and indirect costs and losses | 4850000.0 |"),
        "{m}"
    );
    assert!(m.contains("**Complete: every field ITS 2025/302 Annex II makes mandatory is filled, the document validates against IR-1.3.0"), "{m}");
    assert!(
        m.contains("| 2.7 | Discovery of the incident | monitoring_systems (Monitoring systems) |"),
        "{m}"
    );
    let sparse = judged(
        draft_from("final", &Given::context(json!({}))),
        "dora_ir_v1.2.1.json",
        None,
    );
    let m = markdown(&sparse);
    assert!(
        m.contains("**Incomplete: ") && m.contains("| 1.7 | Primary contact person name |"),
        "{m}"
    );
}

/// A draft as `DORA.Report` holds it reads back through the record the report-status field
/// uses: a renamed output key fails here, not silently in another module.
#[test]
fn a_draft_reads_back_as_the_record_the_status_field_uses() {
    let d = draft_from(
        "initial",
        &Given {
            context: json!({}),
            incident: json!({"id": "88"}),
            classification: json!({}),
            profile: json!({}),
        },
    );
    let read: crate::context::DraftRecord =
        crate::context::view(&serde_json::to_value(&d).unwrap());
    assert_eq!(read.r#type.as_deref(), Some("initial"));
    assert_eq!(read.content_hash.as_deref(), Some(d.content_hash.as_str()));
    assert_eq!(read.complete, Some(d.complete));
    assert_eq!(read.generated_at.as_deref(), Some(d.generated_at.as_str()));
    assert!(!d.problems.is_empty() && !d.missing.is_empty());
    let written: Vec<Option<&str>> = (d.problems.iter().map(|p| p.field.as_str()))
        .chain(d.missing.iter().map(|g| g.id.as_str()))
        .map(Some)
        .collect();
    let read_back: Vec<Option<&str>> = (read.problems.iter().map(|p| p.field.as_deref()))
        .chain(read.missing.iter().map(|g| g.id.as_deref()))
        .collect();
    assert_eq!(
        read_back, written,
        "the problems' fields, then the missing fields' ids"
    );
}
