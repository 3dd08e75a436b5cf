//! Resolving the classifier's facts from arguments, incident fields, context and connectors.

use super::*;
use serde_json::json;

fn resolve_with(args: Value, incident: Value, context: Value) -> Result<Facts, InputError> {
    resolve(&Lookup {
        args: &args,
        incident: &incident,
        context: &context,
    })
}

#[test]
fn arguments_win_over_context_over_incident_fields() {
    let f = resolve_with(
        json!({"clients_affected": "12 430", "estimates": "clients_affected"}),
        json!({"occurred": "2026-11-23T08:00:00Z", "created": "2026-11-23T09:14:00Z",
               "CustomFields": {"doraclientsaffected": 5, "doraawareat": "0001-01-01T00:00:00Z"}}),
        json!({"DORA": {"Context": {"Transactions": [{"ClientsAffected": 1}, {"ClientsAffected": 2,
               "ClientsTotal": {"Value": 98000, "Source": "PostgreSQL payments.clients", "Estimate": true}}]}}}),
    )
    .unwrap();
    let c = f.get("clients_affected").unwrap();
    assert_eq!(
        (c.value.clone(), c.source.kind, c.estimate),
        (FactValue::Count(12_430), "argument", true)
    );
    let t = f.get("clients_total").unwrap();
    assert_eq!(t.value, FactValue::Count(98_000));
    assert_eq!(
        t.source.to_string(),
        "context DORA.Context.Transactions.ClientsTotal (PostgreSQL payments.clients)"
    );
    assert!(t.estimate);
    assert_eq!(f.get("detected_at").unwrap().source.path, "created");
    assert_eq!(
        f.get("occurred_at").unwrap().source.to_string(),
        "incident occurred"
    );
    assert!(
        f.get("aware_at").is_none(),
        "an unset XSOAR date is unknown"
    );
    assert!(f.get("economic_impact_eur").is_none());
}

#[test]
fn a_partial_figure_is_not_taken_as_complete() {
    let f = resolve_with(
        json!({}),
        json!({"CustomFields": {"doraclientsaffected": 7}}),
        json!({"DORA": {"Context": {"Transactions": {"ClientsAffected": {"Value": 15000, "Source": "PostgreSQL", "Partial": true}}}}}),
    )
    .unwrap();
    assert_eq!(f.count("clients_affected"), Some(7));
    assert_eq!(
        f.get("clients_affected").unwrap().source.path,
        "doraclientsaffected"
    );
    assert_eq!(f.partial, ["DORA.Context.Transactions.ClientsAffected is partial (PostgreSQL): not used as the figure for clients_affected"]);
}

#[test]
fn countries_outside_the_eea_are_kept_apart() {
    let f = resolve_with(
        json!({"member_states": "de, FR,US,el,de"}),
        json!({}),
        json!({}),
    )
    .unwrap();
    assert_eq!(f.list("member_states").unwrap(), ["DE", "FR", "GR"]);
    assert_eq!(f.outside_eea, ["US"]);
}

#[test]
fn bad_values_name_where_they_came_from() {
    let e = resolve_with(json!({"clients_affected": "-3"}), json!({}), json!({})).unwrap_err();
    assert_eq!(
        e.message,
        "clients_affected must be a whole number of 0 or more, got '-3'."
    );
    let e = resolve_with(
        json!({}),
        json!({}),
        json!({"DORA": {"Context": {"Geo": {"MemberStates": ["DE", "ZZ"]}}}}),
    )
    .unwrap_err();
    assert!(
        e.message
            .starts_with("DORA.Context.Geo.MemberStates must list ISO 3166-1"),
        "{}",
        e.message
    );
    let e = resolve_with(json!({"detected_at": "yesterday"}), json!({}), json!({})).unwrap_err();
    assert!(e
        .message
        .starts_with("detected_at must be an RFC 3339 date-time"));
    let e = resolve_with(
        json!({"data_losses": "integrity,secrecy"}),
        json!({}),
        json!({}),
    )
    .unwrap_err();
    assert!(e.message.starts_with(
        "data_losses must be one of availability, authenticity, integrity, confidentiality"
    ));
    let e = resolve_with(json!({"estimates": "clients"}), json!({}), json!({})).unwrap_err();
    assert_eq!(e.argument, "estimates");
}
