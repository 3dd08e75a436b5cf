//! Cases built from the text of RTS 2024/1772 and RTS 2025/301: every threshold just below, at
//! and just above its limit, every branch of the major rule, recurrence inside and outside six
//! months, unknown inputs, and the clock across midnight, month ends, DST, weekends and holidays.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::classify::{classify, Classification};
use super::criteria::{Criterion, Status};
use super::facts::{resolve, Lookup};
use super::profile::EntityProfile;

pub(super) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn profile_with(extra: Value) -> EntityProfile {
    let mut p = json!({
        "entity_name": "Zahlungsinstitut Beispiel GmbH",
        "entity_lei": "529900T8BM49AURSDO55",
        "entity_type": "payment_institution",
        "home_member_state": "DE",
        "critical_services": "Card payments, Instant payments",
        "authorised_services": "Card payments, Instant payments, Account information",
        "clients_per_service": "Card payments: 100000\nInstant payments: 40000\nReporting portal: 500",
        "counterparts_per_service": "Card payments: 100",
        "daily_transactions_per_service": "Card payments: 1200000",
        "daily_value_per_service_eur": "Card payments: 48000000.00",
        "relevant_clients": "Acme Clearing AG",
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    EntityProfile::from_params(&p).unwrap()
}

pub(super) const AT: &str = "2026-03-04T12:00:00Z";

fn run(args: Value, profile: &EntityProfile) -> Result<Classification, String> {
    let facts = resolve(&Lookup {
        args: &args,
        incident: &Value::Null,
        context: &Value::Null,
    })
    .map_err(|e| e.message)?;
    classify(facts, profile, t(AT)).map_err(|e| e.message)
}

fn status(c: &Classification, k: Criterion) -> Status {
    c.criteria.iter().find(|r| r.key == k).unwrap().status
}

/// One classification case: arguments, then the expected status of one criterion.
fn criterion_cases() -> Vec<(&'static str, Value, Criterion, Status)> {
    use Criterion::*;
    use Status::*;
    let cards = |extra: Value| {
        let mut v = json!({"affected_services": "Card payments"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    vec![
        // Art. 9(1)(a): clients > 10 % of the service's clients (denominator from the profile).
        (
            "9(1)(a) 9 999 of 100 000 clients",
            cards(json!({"clients_affected": 9_999})),
            ClientsCounterpartsTransactions,
            NotAssessable,
        ),
        (
            "9(1)(a) 10 000 of 100 000 clients is 10%, not more",
            cards(
                json!({"clients_affected": 10_000, "counterparts_affected": 0, "transactions_affected": 0, "transaction_value_eur": "0", "relevant_clients_affected": false}),
            ),
            ClientsCounterpartsTransactions,
            NotMet,
        ),
        (
            "9(1)(a) 10 001 of 100 000 clients",
            cards(json!({"clients_affected": 10_001})),
            ClientsCounterpartsTransactions,
            Met,
        ),
        // Art. 9(1)(b): more than 100 000 clients.
        (
            "9(1)(b) 99 999 clients of 10 000 000",
            json!({"clients_affected": 99_999, "clients_total": 10_000_000, "counterparts_affected": 0, "counterparts_total": 10, "transactions_affected": 0, "transactions_daily_average": 5, "transaction_value_eur": "0", "transaction_value_daily_average_eur": "1", "relevant_clients_affected": false}),
            ClientsCounterpartsTransactions,
            NotMet,
        ),
        (
            "9(1)(b) 100 000 clients of 10 000 000",
            json!({"clients_affected": 100_000, "clients_total": 10_000_000, "counterparts_affected": 0, "counterparts_total": 10, "transactions_affected": 0, "transactions_daily_average": 5, "transaction_value_eur": "0", "transaction_value_daily_average_eur": "1", "relevant_clients_affected": false}),
            ClientsCounterpartsTransactions,
            NotMet,
        ),
        (
            "9(1)(b) 100 001 clients of 10 000 000",
            json!({"clients_affected": 100_001, "clients_total": 10_000_000}),
            ClientsCounterpartsTransactions,
            Met,
        ),
        // Art. 9(1)(c): counterparts > 30 %.
        (
            "9(1)(c) 30 of 100 counterparts",
            cards(
                json!({"counterparts_affected": 30, "clients_affected": 0, "transactions_affected": 0, "transaction_value_eur": "0", "relevant_clients_affected": false}),
            ),
            ClientsCounterpartsTransactions,
            NotMet,
        ),
        (
            "9(1)(c) 31 of 100 counterparts",
            cards(json!({"counterparts_affected": 31})),
            ClientsCounterpartsTransactions,
            Met,
        ),
        // Art. 9(1)(d): transactions > 10 % of the daily average.
        (
            "9(1)(d) 120 000 of 1 200 000 transactions",
            cards(
                json!({"transactions_affected": 120_000, "clients_affected": 0, "counterparts_affected": 0, "transaction_value_eur": "0", "relevant_clients_affected": false}),
            ),
            ClientsCounterpartsTransactions,
            NotMet,
        ),
        (
            "9(1)(d) 120 001 of 1 200 000 transactions",
            cards(json!({"transactions_affected": 120_001})),
            ClientsCounterpartsTransactions,
            Met,
        ),
        // Art. 9(1)(e): value > 10 % of the daily average value, to the cent.
        (
            "9(1)(e) EUR 4 800 000.00 of 48 000 000.00",
            cards(
                json!({"transaction_value_eur": "4800000.00", "clients_affected": 0, "counterparts_affected": 0, "transactions_affected": 0, "relevant_clients_affected": false}),
            ),
            ClientsCounterpartsTransactions,
            NotMet,
        ),
        (
            "9(1)(e) EUR 4 800 000.01 of 48 000 000.00",
            cards(json!({"transaction_value_eur": "4800000.01"})),
            ClientsCounterpartsTransactions,
            Met,
        ),
        // Art. 9(1)(f): any relevant client or counterpart.
        (
            "9(1)(f) a relevant client",
            json!({"relevant_clients_affected": true}),
            ClientsCounterpartsTransactions,
            Met,
        ),
        (
            "9(1) nothing known",
            json!({}),
            ClientsCounterpartsTransactions,
            NotAssessable,
        ),
        // Art. 9(2): any of four.
        (
            "9(2)(a) media",
            json!({"media_coverage": true}),
            ReputationalImpact,
            Met,
        ),
        (
            "9(2)(b) complaints",
            json!({"repetitive_complaints": "yes"}),
            ReputationalImpact,
            Met,
        ),
        (
            "9(2)(c) regulatory requirements",
            json!({"regulatory_requirements_breached": true}),
            ReputationalImpact,
            Met,
        ),
        (
            "9(2)(d) loss of clients",
            json!({"client_loss_likely": true}),
            ReputationalImpact,
            Met,
        ),
        (
            "9(2) all four false",
            json!({"media_coverage": false, "repetitive_complaints": false, "regulatory_requirements_breached": false, "client_loss_likely": false}),
            ReputationalImpact,
            NotMet,
        ),
        (
            "9(2) three false, one unknown",
            json!({"media_coverage": false, "repetitive_complaints": false, "regulatory_requirements_breached": false}),
            ReputationalImpact,
            NotAssessable,
        ),
        // Art. 9(3)(a): duration > 24 h.
        (
            "9(3)(a) 23h59m59s",
            json!({"occurred_at": "2026-03-01T08:00:00Z", "resolved_at": "2026-03-02T07:59:59Z", "affected_services": "Reporting portal"}),
            DurationAndDowntime,
            NotMet,
        ),
        (
            "9(3)(a) exactly 24h",
            json!({"occurred_at": "2026-03-01T08:00:00Z", "resolved_at": "2026-03-02T08:00:00Z", "affected_services": "Reporting portal"}),
            DurationAndDowntime,
            NotMet,
        ),
        (
            "9(3)(a) 24h and one second",
            json!({"occurred_at": "2026-03-01T08:00:00Z", "resolved_at": "2026-03-02T08:00:01Z"}),
            DurationAndDowntime,
            Met,
        ),
        (
            "9(3)(a) occurrence unknown: from the first log record",
            json!({"first_log_at": "2026-03-01T07:00:00Z", "detected_at": "2026-03-01T09:00:00Z", "resolved_at": "2026-03-02T07:30:00Z"}),
            DurationAndDowntime,
            Met,
        ),
        (
            "9(3)(a) still open after 25h",
            json!({"occurred_at": "2026-03-03T11:00:00Z"}),
            DurationAndDowntime,
            Met,
        ),
        (
            "9(3)(a) still open after 3h",
            json!({"occurred_at": "2026-03-04T09:00:00Z", "affected_services": "Reporting portal"}),
            DurationAndDowntime,
            NotAssessable,
        ),
        // Art. 9(3)(b): downtime > 2 h of services supporting critical functions.
        (
            "9(3)(b) 2h downtime",
            json!({"affected_services": "Card payments", "occurred_at": "2026-03-04T08:00:00Z", "resolved_at": "2026-03-04T10:00:00Z", "downtime_start": "2026-03-04T08:00:00Z", "downtime_end": "2026-03-04T10:00:00Z"}),
            DurationAndDowntime,
            NotMet,
        ),
        (
            "9(3)(b) 2h and one second",
            json!({"affected_services": "Card payments", "downtime_start": "2026-03-04T08:00:00Z", "downtime_end": "2026-03-04T10:00:01Z"}),
            DurationAndDowntime,
            Met,
        ),
        (
            "9(3)(b) long downtime of a service without critical functions",
            json!({"affected_services": "Reporting portal", "occurred_at": "2026-03-04T08:00:00Z", "resolved_at": "2026-03-04T20:00:00Z", "downtime_start": "2026-03-04T08:00:00Z", "downtime_end": "2026-03-04T20:00:00Z"}),
            DurationAndDowntime,
            NotMet,
        ),
        // Art. 9(4): two or more Member States.
        (
            "9(4) one Member State",
            json!({"member_states": "DE"}),
            GeographicalSpread,
            NotMet,
        ),
        (
            "9(4) two Member States, home included",
            json!({"member_states": "DE,AT"}),
            GeographicalSpread,
            Met,
        ),
        (
            "9(4) non-member countries never count",
            json!({"member_states": "DE,US,CH,GB"}),
            GeographicalSpread,
            NotMet,
        ),
        (
            "9(4) EL is Greece",
            json!({"member_states": "EL,GR"}),
            GeographicalSpread,
            NotMet,
        ),
        // Art. 9(5).
        (
            "9(5)(a) integrity",
            json!({"data_losses": "integrity"}),
            DataLosses,
            Met,
        ),
        (
            "9(5) no data impact, no access",
            json!({"data_losses": "none", "malicious_unauthorized_access": false}),
            DataLosses,
            NotMet,
        ),
        (
            "9(5) no data impact, access unknown",
            json!({"data_losses": "none"}),
            DataLosses,
            NotAssessable,
        ),
        (
            "9(5)(b) malicious access",
            json!({"malicious_unauthorized_access": true}),
            DataLosses,
            Met,
        ),
        // Art. 6.
        (
            "6(a) a critical service",
            json!({"affected_services": "instant PAYMENTS"}),
            CriticalServices,
            Met,
        ),
        (
            "6 a service neither critical nor authorised, no access",
            json!({"affected_services": "Reporting portal", "malicious_unauthorized_access": false}),
            CriticalServices,
            NotMet,
        ),
        (
            "6(b) an authorised service",
            json!({"affected_services": "Account information", "malicious_unauthorized_access": false}),
            CriticalServices,
            Met,
        ),
        (
            "6(c) malicious access",
            json!({"malicious_unauthorized_access": true}),
            CriticalServices,
            Met,
        ),
        (
            "6(a) connector says critical",
            json!({"critical_services_affected": true}),
            CriticalServices,
            Met,
        ),
        // Art. 9(6): > EUR 100 000.
        (
            "9(6) EUR 99 999.99",
            json!({"economic_impact_eur": "99999.99"}),
            EconomicImpact,
            NotMet,
        ),
        (
            "9(6) EUR 100 000.00",
            json!({"economic_impact_eur": "100 000.00"}),
            EconomicImpact,
            NotMet,
        ),
        (
            "9(6) EUR 100 000.01",
            json!({"economic_impact_eur": "100000.01"}),
            EconomicImpact,
            Met,
        ),
        ("9(6) unknown", json!({}), EconomicImpact, NotAssessable),
    ]
}

#[test]
fn every_threshold_below_at_and_above_its_limit() {
    let p = profile_with(json!({}));
    for (name, args, criterion, want) in criterion_cases() {
        let c = run(args, &p).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = status(&c, criterion);
        let evidence = &c
            .criteria
            .iter()
            .find(|r| r.key == criterion)
            .unwrap()
            .evidence;
        assert_eq!(got, want, "{name}: {evidence}");
    }
}

#[test]
fn the_stricter_geographical_reading_is_a_named_option() {
    let strict = profile_with(json!({"geographical_spread_reading": "other-member-states"}));
    let c = run(json!({"member_states": "DE,AT"}), &strict).unwrap();
    assert_eq!(status(&c, Criterion::GeographicalSpread), Status::NotMet);
    assert!(c.criteria[3].evidence.contains("other than the home one"));
    let c = run(json!({"member_states": "DE,AT,FR"}), &strict).unwrap();
    assert_eq!(status(&c, Criterion::GeographicalSpread), Status::Met);
    assert_eq!(
        c.geographical_spread_reading,
        super::profile::GeoReading::OtherMemberStates
    );
}

#[test]
fn justifications_read_like_the_regulation() {
    let p = profile_with(json!({}));
    let c = run(
        json!({"clients_affected": "12 430", "clients_total": "98 000"}),
        &p,
    )
    .unwrap();
    assert!(
        c.criteria[0].evidence.contains(
            "12 430 of 98 000 clients affected (12.68%) > 10% — RTS 2024/1772 Art. 9(1)(a)"
        ),
        "{}",
        c.criteria[0].evidence
    );
    let c = run(
        json!({"economic_impact_eur": "250000", "estimates": "economic_impact_eur"}),
        &p,
    )
    .unwrap();
    assert!(
        c.criteria[6]
            .evidence
            .contains("EUR 250 000.00 (estimate) > EUR 100 000.00 — RTS 2024/1772 Art. 9(6)"),
        "{}",
        c.criteria[6].evidence
    );
    assert!(c.criteria[6].estimate);
    let c = run(
        json!({"affected_services": "Card payments", "clients_affected": 20_000}),
        &p,
    )
    .unwrap();
    assert!(
        c.criteria[0]
            .source
            .iter()
            .any(|s| s == "clients_total: profile clients_per_service[Card payments]"),
        "{:?}",
        c.criteria[0].source
    );
}

/// The major rule of Art. 8(1), branch by branch.
#[test]
fn every_branch_of_the_major_rule() {
    let p = profile_with(json!({}));
    let cases: Vec<(&str, Value, bool, &str, bool)> = vec![
        (
            "8(1)(a): critical service and malicious access",
            json!({"affected_services": "Card payments", "malicious_unauthorized_access": true}),
            true,
            "RTS 2024/1772 Art. 8(1)(a)",
            true,
        ),
        (
            "8(1)(a): malicious access alone is critical through Art. 6(c)",
            json!({"malicious_unauthorized_access": true}),
            true,
            "RTS 2024/1772 Art. 8(1)(a)",
            true,
        ),
        (
            "8(1)(b): critical service and two thresholds",
            json!({"affected_services": "Card payments", "clients_affected": 10_001, "member_states": "DE,FR"}),
            true,
            "RTS 2024/1772 Art. 8(1)(b)",
            true,
        ),
        (
            "8(1)(b): critical service and three thresholds",
            json!({"affected_services": "Card payments", "media_coverage": true, "economic_impact_eur": "150000", "data_losses": "availability"}),
            true,
            "RTS 2024/1772 Art. 8(1)(b)",
            true,
        ),
        (
            "8(1)(b) counts Art. 9(5)(a) as one threshold",
            json!({"affected_services": "Card payments", "data_losses": "integrity,confidentiality", "economic_impact_eur": "100000.01"}),
            true,
            "RTS 2024/1772 Art. 8(1)(b)",
            true,
        ),
        (
            "one paragraph counts once however many of its points are met",
            json!({"affected_services": "Card payments", "clients_affected": 100_001, "clients_total": 200_000, "counterparts_affected": 90, "counterparts_total": 100, "media_coverage": false, "repetitive_complaints": false, "regulatory_requirements_breached": false, "client_loss_likely": false, "occurred_at": "2026-03-04T10:00:00Z", "resolved_at": "2026-03-04T11:00:00Z", "downtime_start": "2026-03-04T10:00:00Z", "downtime_end": "2026-03-04T11:00:00Z", "member_states": "DE", "data_losses": "none", "malicious_unauthorized_access": false, "economic_impact_eur": "10"}),
            false,
            "RTS 2024/1772 Art. 8(1)",
            true,
        ),
        (
            "no critical service: three thresholds are not enough",
            json!({"affected_services": "Reporting portal", "malicious_unauthorized_access": false, "media_coverage": true, "member_states": "DE,FR,IT", "economic_impact_eur": "900000"}),
            false,
            "RTS 2024/1772 Art. 8(1)",
            true,
        ),
        (
            "critical service, one threshold, the rest unknown: could still be major",
            json!({"affected_services": "Card payments", "media_coverage": true}),
            false,
            "RTS 2024/1772 Art. 8(1)",
            false,
        ),
        (
            "nothing known",
            json!({}),
            false,
            "RTS 2024/1772 Art. 8(1)",
            false,
        ),
        (
            "two thresholds, critical services unknown",
            json!({"media_coverage": true, "member_states": "DE,FR"}),
            false,
            "RTS 2024/1772 Art. 8(1)",
            false,
        ),
    ];
    for (name, args, major, rule, determinate) in cases {
        let c = run(args, &p).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.is_major, major, "{name}: {}", c.rule_text);
        assert_eq!(c.rule, rule, "{name}");
        assert_eq!(
            c.determinate, determinate,
            "{name}: could become major if {:?}",
            c.could_become_major_if
        );
        if !determinate {
            assert!(
                !c.could_become_major_if.is_empty() && !c.missing.is_empty(),
                "{name}"
            );
        }
    }
}

#[test]
fn contradictory_or_malformed_facts_are_refused() {
    let p = profile_with(json!({}));
    let cases = [
        (
            json!({"clients_affected": 150_000, "affected_services": "Card payments"}),
            "clients_affected (150 000) is more than clients_total (100 000",
        ),
        (
            json!({"counterparts_affected": 11, "counterparts_total": 10}),
            "counterparts_affected (11) is more than counterparts_total",
        ),
        (
            json!({"occurred_at": "2026-03-02T10:00:00Z", "resolved_at": "2026-03-02T09:00:00Z"}),
            "resolved_at (2026-03-02T09:00:00Z) is before occurred_at",
        ),
        (
            json!({"downtime_start": "2026-03-02T10:00:00Z", "downtime_end": "2026-03-01T10:00:00Z"}),
            "downtime_end (2026-03-01T10:00:00Z) is before downtime_start",
        ),
        (
            json!({"occurred_at": "2026-03-02T10:00:00Z", "detected_at": "2026-03-02T09:00:00Z"}),
            "detected_at (2026-03-02T09:00:00Z) is before occurred_at",
        ),
        (
            json!({"detected_at": "2026-03-05T10:00:00Z"}),
            "classified_at (2026-03-04T12:00:00Z) is before detected_at",
        ),
        (
            json!({"member_states": "DE,XK"}),
            "member_states must list ISO 3166-1 alpha-2 country codes",
        ),
        (
            json!({"clients_affected": -1}),
            "clients_affected must be a whole number of 0 or more, got '-1'.",
        ),
        (
            json!({"clients_affected": "12.5"}),
            "clients_affected must be a whole number of 0 or more",
        ),
        (
            json!({"economic_impact_eur": "1,5"}),
            "economic_impact_eur must be an amount in euro",
        ),
        (
            json!({"economic_impact_eur": "-100"}),
            "economic_impact_eur must be an amount in euro",
        ),
        (
            json!({"resolved_at": "tomorrow"}),
            "resolved_at must be an RFC 3339 date-time",
        ),
        (
            json!({"media_coverage": "perhaps"}),
            "media_coverage must be true or false",
        ),
    ];
    for (args, want) in cases {
        let e = run(args.clone(), &p).unwrap_err();
        assert!(e.starts_with(want) || e.contains(want), "{args}: {e}");
    }
}

#[test]
fn the_same_facts_give_the_same_hash_whatever_the_order() {
    let p = profile_with(json!({}));
    let a = run(json!({"member_states": "DE,FR,AT", "affected_services": "Card payments, Instant payments", "data_losses": "integrity,confidentiality"}), &p).unwrap();
    let b = run(json!({"data_losses": "confidentiality, integrity", "affected_services": "Instant payments,Card payments", "member_states": "at,fr,DE,FR"}), &p).unwrap();
    assert_eq!(a.inputs_hash, b.inputs_hash);
    assert_eq!(a.inputs_hash.len(), 64);
    let c = run(json!({"member_states": "DE,FR"}), &p).unwrap();
    assert_ne!(a.inputs_hash, c.inputs_hash);
}
