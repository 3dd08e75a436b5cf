//! The notification of a significant cyber threat (DORA_CYB v1.2): the shared sample loads,
//! validates and round-trips; a draft for a leaked-credentials alarm is pre-filled from the
//! alarm and the Art. 10 assessment, with the source of each value, and validates. Also the
//! report fields of the IR drafts that the alarm and the connectors fill (2.8, 3.17-3.19, 3.25,
//! 3.35).

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::draft::{build, load, Draft, Sources};
use super::draft_case::Given;
use super::mapping::{cyber_threat, CYBER_THREAT};
use super::verdict::{judge, Check, Checks};
use crate::dora::threat;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-20T16:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn schema() -> Value {
    super::shared_data::read_json("DORA_CYB_Schema_v1.2.json")
}

fn judged(sources: &Sources<'_>) -> Draft {
    let mut d = build(cyber_threat(), CYBER_THREAT, sources, now(), None);
    let s = schema();
    judge(
        &mut d,
        cyber_threat(),
        &Checks {
            schema: Some(&s),
            authority_reference: None,
        },
    );
    d
}

fn field<'d>(d: &'d Draft, id: &str) -> &'d super::draft::DraftField {
    d.fields.iter().find(|f| f.id == id).unwrap()
}

#[test]
fn the_cyb_sample_validates_and_a_draft_from_its_facts_reproduces_it() {
    let sample = super::shared_data::read_json("dora_cyb_sample_v1.2.json");
    let facts = load(cyber_threat(), &sample);
    assert_eq!(
        facts.len(),
        21,
        "every field of the sample is read: {facts:?}"
    );
    let d = judged(
        &Given {
            context: json!({"DORA": {"CyberThreatNotification": facts}}),
            ..Given::default()
        }
        .sources(),
    );
    assert_eq!(d.document, sample, "the draft differs from the sample");
    assert!(d.validation.as_ref().unwrap().valid, "{:?}", d.validation);
    assert_eq!(d.validation.as_ref().unwrap().schema, "CYB-1.2.0");
    // The sample's LEIs fail the ISO 17442 check digits: the schema checks their form only.
    let fields: Vec<&str> = d.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["2a", "5"], "{:?}", d.problems);
    assert!(d.problems.iter().all(|p| p.check == Check::Rule));
    assert_eq!(
        d.problems[0].key,
        "DORA.CyberThreatNotification.SubmittingEntityLEI or the instance parameter entity_lei"
    );
    // An unknown status: one schema error at field 16.
    let mut bad = sample.clone();
    bad["cyberThreat"]["status"] = json!("dormant");
    let d = judged(
        &Given {
            context: json!({"DORA": {"CyberThreatNotification": load(cyber_threat(), &bad)}}),
            ..Given::default()
        }
        .sources(),
    );
    let schema_errors: Vec<&str> = d
        .problems
        .iter()
        .filter(|p| p.check == Check::Schema)
        .map(|p| p.field.as_str())
        .collect();
    assert_eq!(schema_errors, ["16"]);
}

#[test]
fn the_dependencies_keyword_of_the_cyb_schema_is_applied() {
    // A submitting entity with a name and neither LEI nor code: the schema's authors require
    // one of them, under `dependencies` (tests/test_cyber_threat_notice.py shows a strict
    // 2020-12 validator accepting it).
    let doc = json!({"submittingEntity": {"name": "Acm Bank S.A."}});
    let v = super::schema::validate(&doc, &schema(), cyber_threat(), CYBER_THREAT).unwrap();
    assert!(!v.valid);
    assert!(
        v.errors
            .iter()
            .all(|e| e.path.starts_with("/submittingEntity")),
        "{:?}",
        v.errors
    );
    let with_code = json!({"submittingEntity": {"name": "Acm Bank S.A.", "code": "FR-ACM-001"}});
    assert!(
        super::schema::validate(&with_code, &schema(), cyber_threat(), CYBER_THREAT)
            .unwrap()
            .valid
    );
}

/// A leaked-credentials alarm as the fetch writes it into the incident.
pub(super) fn leaked_credentials_incident() -> Value {
    json!({
        "id": "5120",
        "occurred": "2026-05-20T09:12:00Z",
        "CustomFields": {
            "dorasocradaralarmid": "81171696",
            "dorasocradaralarmlink": "https://platform.socradar.com/app/company/789/alarm-management?tab=approved&field=alarmId&operator=equals&value=81171696",
            "dorasocradartitle": "Employee credentials found in stealer logs",
            "dorasocradaralarmtype": "Cyber Threat Intelligence",
            "dorasocradaralarmsubtype": "Stolen Credentials",
            "dorasocradaralarmtext": "Credentials of 3 employees were found in logs of the RedLine stealer.",
            "dorasocradarasset": "vpn.zahlungsinstitut-beispiel.de",
            "dorasocradarstatus": "OPEN",
            "dorasocradarcontentcompromisedemails": "a.b@zahlungsinstitut-beispiel.de, c.d@zahlungsinstitut-beispiel.de, e.f@partner.example",
            "dorasocradarcontentmalwarefamily": "RedLine",
            "dorasocradarcontentinfectedhost": "DESKTOP-7QK2",
            "dorasocradarcontentcredentialdetails": "user a.b password Sommer2026!",
            "doradetectedat": "2026-05-20T09:14:00Z",
        }
    })
}

pub(super) fn assessment() -> Value {
    let a = threat::assess(
        &json!({"could_affect_critical_functions": true, "high_probability": true,
                "exploitable_vulnerabilities": true, "threat_actor_capability_and_intent": true,
                "threat_persistence": true, "could_affect_critical_services": true,
                "could_meet_clients_threshold": true}),
        now(),
    )
    .unwrap();
    serde_json::to_value(a).unwrap()
}

pub(super) fn profile() -> Value {
    json!({"name": "Zahlungsinstitut Beispiel AG", "lei": "529900T8BM49AURSDO55", "entity_type": "payment_institution",
           "primary_contact_name": "Ana Ruiz", "primary_contact_email": "ana.ruiz@zahlungsinstitut-beispiel.de",
           "primary_contact_phone": "+49 69 1234 5678"})
}

#[test]
fn a_leaked_credentials_alarm_is_pre_filled_with_the_source_of_each_field() {
    let given = Given {
        context: json!({"DORA": {
            "CyberThreat": [assessment()],
            "CyberThreatNotification": {"ActionsTaken": "Passwords of the three accounts reset; sessions revoked."},
            "Context": {"ICT": {"Providers": [{"Name": "VPN Cloud GmbH", "Code": "529900VPNCLOUD000011", "Services": ["Remote access"], "Source": "Register of Information"}]}}
        }}),
        incident: leaked_credentials_incident(),
        profile: profile(),
        ..Given::default()
    };
    let d = judged(&given.sources());
    assert!(d.complete, "{:?}", d.problems);
    assert!(d.validation.as_ref().unwrap().valid);
    let source = |id: &str| field(&d, id).source.clone().unwrap_or_default();
    assert_eq!(source("1"), "profile.name");
    assert_eq!(source("3"), "derived.profile_entity_type_list");
    assert_eq!(
        d.document["submittingEntity"]["typeOfSubmittingFinancialEntity"],
        json!(["payment_institution"])
    );
    assert_eq!(source("12"), "incident.CustomFields.doradetectedat");
    assert_eq!(
        d.document["cyberThreat"]["detectionDateTime"],
        "2026-05-20T09:14:00Z"
    );
    assert_eq!(source("13"), "derived.alarm_description");
    let desc = d.document["cyberThreat"]["cyberThreatDescription"]
        .as_str()
        .unwrap();
    assert!(
        desc.starts_with("SOCRadar alarm 81171696 (https://platform.socradar.com/"),
        "{desc}"
    );
    assert!(desc.contains("Employee credentials found in stealer logs (Cyber Threat Intelligence / Stolen Credentials)."));
    assert!(desc.contains("Affected assets: vpn.zahlungsinstitut-beispiel.de."));
    assert_eq!(source("14"), "derived.threat_potential_impact");
    assert!(d.document["cyberThreat"]["potentialImpactInformation"]
        .as_str()
        .unwrap()
        .contains("(RTS 2024/1772 Art. 10(c))"));
    assert_eq!(source("15"), "context.DORA.CyberThreat.PotentialCriteria");
    assert_eq!(
        d.document["cyberThreat"]["potentialClassificationCriteria"],
        json!([
            "critical_services_affected",
            "clients_financial_counterparts_and_transactions_affected"
        ])
    );
    assert_eq!(
        (source("16"), d.document["cyberThreat"]["status"].clone()),
        ("derived.alarm_threat_status".into(), json!("active"))
    );
    assert_eq!(
        source("17"),
        "context.DORA.CyberThreatNotification.ActionsTaken"
    );
    assert_eq!(source("19"), "derived.alarm_indicators");
    let iocs = d.document["cyberThreat"]["indicatorsOfCompromise"]
        .as_str()
        .unwrap();
    assert_eq!(iocs, "Infected hosts: DESKTOP-7QK2. Malware family: RedLine. Compromised accounts: 3 e-mail address(es) at partner[.]example, zahlungsinstitut-beispiel[.]de (listed in the SOCRadar alarm).");
    let all = d.document.to_string();
    assert!(
        !all.contains("Sommer2026") && !all.contains("a.b@"),
        "no credential and no account leaves the alarm"
    );
    assert_eq!(source("20"), "derived.alarm_other_information");
    let other = d.document["cyberThreat"]["otherRelevantInformation"]
        .as_str()
        .unwrap();
    assert!(
        other.contains("Threats and techniques (report template field 3.25): identity_theft."),
        "{other}"
    );
    assert!(other.contains("Third parties concerned: VPN Cloud GmbH (529900VPNCLOUD000011) for Remote access [Register of Information]."));
}

#[test]
fn without_an_action_taken_or_a_schema_the_draft_says_what_is_missing() {
    let given = Given {
        context: json!({"DORA": {"CyberThreat": assessment()}}),
        incident: leaked_credentials_incident(),
        profile: profile(),
        ..Given::default()
    };
    let d = judged(&given.sources());
    assert!(!d.complete);
    let p = d.problems.iter().find(|p| p.field == "17").unwrap();
    assert_eq!(p.check, Check::AnnexIi);
    assert_eq!(p.key, "DORA.CyberThreatNotification.ActionsTaken");
    assert!(
        p.why.starts_with(
            "ITS 2025/302 Annex IV makes it mandatory in the significant cyber threat notification"
        ),
        "{}",
        p.why
    );
    let mut d = build(cyber_threat(), CYBER_THREAT, &given.sources(), now(), None);
    judge(&mut d, cyber_threat(), &Checks::default());
    let p = d
        .problems
        .iter()
        .find(|p| p.check == Check::Settings)
        .unwrap();
    assert_eq!(p.key, "cyber_threat_schema");
    assert!(p.why.contains("no DORA_CYB JSON Schema is configured"));
}

#[test]
fn the_ir_draft_takes_third_party_origin_estimates_geography_techniques_and_indicators() {
    let mut given = Given {
        incident: leaked_credentials_incident(),
        ..Given::default()
    };
    given.context = json!({"DORA": {"Context": {
        "ICT": {"Providers": [{"Name": "VPN Cloud GmbH", "Code": null, "Services": ["Remote access"], "Source": "Register of Information"}]},
        "Geo": {"Reasons": [
            {"Country": "DE", "ImpactType": "clients", "Reason": "clients affected there: 1 240 clients", "Source": "argument client_countries"},
            {"Country": "AT", "ImpactType": "branch_of_the_financial_entity", "Reason": "a branch of the entity there is affected: Wien", "Source": "argument branch_countries"},
            {"Country": "FR", "ImpactType": "financial_market_infrastructure", "Reason": "a financial market infrastructure there is affected: X", "Source": "argument fmi_countries"}
        ]}
    }}});
    given.classification = json!({
        "Facts": {
            "member_states": {"Value": ["AT", "DE"], "Source": "context DORA.Context.Geo.MemberStates", "Estimate": false},
            "occurred_at": {"Value": "2026-05-20T08:00:00Z", "Source": "argument occurred_at", "Estimate": true},
            "resolved_at": {"Value": "2026-05-21T08:00:00Z", "Source": "argument resolved_at", "Estimate": false}
        },
        "Criteria": [{"Key": "geographical-spread", "Met": true}, {"Key": "critical-services", "Met": true}]
    });
    let d = given.ir_draft("final", now());
    let got = |id: &str| {
        let f = field(&d, id);
        (
            f.value.clone().unwrap_or(Value::Null),
            f.source.clone().unwrap_or_default(),
        )
    };
    assert_eq!(
        got("2.8"),
        (json!("ICT third-party provider(s) behind the affected services, per the ICT context: VPN Cloud GmbH for Remote access [Register of Information]."), "derived.ict_third_party_origin".into())
    );
    assert_eq!(
        got("3.17"),
        (
            json!("actual_figures_and_estimates"),
            "derived.duration_actual_or_estimate".into()
        )
    );
    // FR is not among the Member States the classification counted.
    assert_eq!(
        got("3.18"),
        (
            json!(["clients", "branch_of_the_financial_entity"]),
            "derived.member_states_impact_types".into()
        )
    );
    assert_eq!(
        got("3.19").0,
        json!("DE: clients affected there: 1 240 clients (argument client_countries); AT: a branch of the entity there is affected: Wien (argument branch_countries)")
    );
    assert_eq!(got("3.19").1, "derived.member_states_impact_description");
    assert_eq!(
        got("3.25"),
        (json!(["identity_theft"]), "derived.alarm_techniques".into())
    );
    assert_eq!(got("3.35").1, "derived.alarm_indicators");
    assert!(got("3.35")
        .0
        .as_str()
        .unwrap()
        .starts_with("Infected hosts: DESKTOP-7QK2."));
    // Placed in the document where the template puts them.
    let geo = d.document["incident"]["classificationTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["classificationCriterion"] == "geographical_spread")
        .unwrap();
    assert_eq!(
        geo["memberStatesImpactType"],
        json!(["clients", "branch_of_the_financial_entity"])
    );
    assert_eq!(
        d.document["informationDurationServiceDowntimeActualOrEstimate"],
        "actual_figures_and_estimates"
    );
    assert_eq!(
        d.document["incident"]["incidentType"]["threatTechniques"],
        json!(["identity_theft"])
    );
    // A value a person wrote wins over the derived one.
    let d = Given {
        context: json!({"DORA": {"IncidentReport": {"ThreatTechniques": ["other"]}}}),
        incident: given.incident,
        ..Given::default()
    }
    .ir_draft("final", now());
    assert_eq!(
        field(&d, "3.25").source.as_deref(),
        Some("context.DORA.IncidentReport.ThreatTechniques")
    );
    // Nothing known, nothing filled: no technique for an alarm type no rule names.
    let d = Given {
        incident: json!({"CustomFields": {"dorasocradaralarmtype": "Attack Surface Management", "dorasocradarstatus": "WHATEVER"}}),
        ..Given::default()
    }
    .ir_draft("final", now());
    for id in ["2.8", "3.17", "3.18", "3.19", "3.25", "3.35"] {
        assert!(field(&d, id).value.is_none(), "{id}");
    }
}
