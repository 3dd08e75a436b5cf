//! Cases built from the text of RTS 2024/1772 and RTS 2025/301: every threshold just below, at
//! and just above its limit, every branch of the major rule, recurrence inside and outside six
//! months, unknown inputs, and the clock across midnight, month ends, DST, weekends and holidays.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::classify::{classify, Classification};
use super::clock::{deadlines, ClockFacts, DeadlineStatus, Deadlines, DueSoon};
use super::criteria::{Criterion, Status};
use super::facts::{resolve, Lookup};
use super::profile::EntityProfile;
use super::recurring;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn profile_with(extra: Value) -> EntityProfile {
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

const AT: &str = "2026-03-04T12:00:00Z";

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

fn past(id: &str, occurred: &str, cause: &str, extra: Value) -> Value {
    let mut v = json!({"id": id, "occurred_at": occurred, "root_cause": cause, "affected_services": "Card payments"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

#[test]
fn recurring_incidents_inside_and_outside_six_months() {
    let p = profile_with(json!({}));
    let now = t("2026-06-30T12:00:00Z");
    // Each alone: EUR 60 000 and 6 000 clients; together EUR 120 000 and 12 000 of 100 000 clients.
    let each = json!({"economic_impact_eur": "60000", "clients_affected": 6000, "malicious_unauthorized_access": false});
    let two = [
        past(
            "INC-1",
            "2026-01-15T10:00:00Z",
            "Expired TLS certificate on the card gateway",
            each.clone(),
        ),
        past(
            "INC-2",
            "2026-05-02T10:00:00Z",
            "expired TLS certificate  on the card gateway",
            each.clone(),
        ),
    ];
    let r = recurring::assess(&two, &p, now).unwrap();
    assert_eq!(r.groups.len(), 1);
    let g = &r.groups[0];
    assert!(g.recurring && g.is_major, "{}", g.rule);
    let c = g.classification.as_ref().unwrap();
    assert_eq!(c.rule, "RTS 2024/1772 Art. 8(1)(b)");
    assert!(
        c.criteria[6].evidence.contains("EUR 120 000.00"),
        "{}",
        c.criteria[6].evidence
    );
    assert!(
        c.criteria[0].evidence.contains("12 000 of 100 000"),
        "{}",
        c.criteria[0].evidence
    );

    // 2025-12-29 is more than six months before 2026-06-30.
    let old = [
        past(
            "INC-0",
            "2025-12-29T10:00:00Z",
            "Expired TLS certificate on the card gateway",
            each.clone(),
        ),
        two[1].clone(),
    ];
    let r = recurring::assess(&old, &p, now).unwrap();
    assert!(!r.groups[0].recurring && !r.any_major);
    assert!(
        r.excluded[0].starts_with("INC-0: occurred 2025-12-29T10:00:00Z, outside the 6 months"),
        "{:?}",
        r.excluded
    );
    // Exactly six months before is inside.
    let edge = [
        past(
            "INC-0",
            "2025-12-30T12:00:00Z",
            "Expired TLS certificate on the card gateway",
            each.clone(),
        ),
        two[1].clone(),
    ];
    assert!(recurring::assess(&edge, &p, now).unwrap().groups[0].recurring);

    let different = [
        two[0].clone(),
        past(
            "INC-3",
            "2026-05-02T10:00:00Z",
            "Misconfigured firewall rule",
            each.clone(),
        ),
    ];
    let r = recurring::assess(&different, &p, now).unwrap();
    assert_eq!(r.groups.len(), 2);
    assert!(r.groups.iter().all(|g| !g.recurring));

    let with_major = [
        two[0].clone(),
        two[1].clone(),
        past(
            "INC-9",
            "2026-04-01T10:00:00Z",
            "Expired TLS certificate on the card gateway",
            json!({"is_major": true}),
        ),
    ];
    let r = recurring::assess(&with_major, &p, now).unwrap();
    assert_eq!(r.groups[0].occurrences, 2);
    assert!(r
        .excluded
        .iter()
        .any(|e| e.starts_with("INC-9: already major")));

    let small = profile_with(json!({"simplified_framework": true}));
    let r = recurring::assess(&two, &small, now).unwrap();
    assert!(!r.applicable && !r.any_major);
    assert!(r.groups[0].rule.starts_with("Not applicable"));

    let not_enough = [
        past(
            "A",
            "2026-02-01T10:00:00Z",
            "x",
            json!({"economic_impact_eur": "10000", "malicious_unauthorized_access": false}),
        ),
        past(
            "B",
            "2026-03-01T10:00:00Z",
            "x",
            json!({"economic_impact_eur": "10000"}),
        ),
    ];
    let r = recurring::assess(&not_enough, &p, now).unwrap();
    assert!(r.groups[0].recurring && !r.groups[0].is_major);
    assert!(recurring::assess(
        &[json!({"id": "A", "occurred_at": "2026-02-01T10:00:00Z"})],
        &p,
        now
    )
    .unwrap_err()
    .message
    .contains("root_cause"));
}

fn clock(facts: ClockFacts, profile: &EntityProfile, now: &str) -> Deadlines {
    deadlines(&facts, profile, t(now), DueSoon::default()).unwrap()
}

fn cf(aware: &str, classified: Option<&str>) -> ClockFacts {
    ClockFacts {
        detected_at: Some(t(aware)),
        classified_at: classified.map(t),
        is_major: Some(true),
        ..Default::default()
    }
}

/// (name, facts, profile overrides, now, initial due, intermediate due, final due, relief on initial)
#[test]
fn the_clock_across_midnight_weekends_holidays_month_ends_and_dst() {
    let pi = json!({});
    let credit = json!({"entity_type": "credit_institution"});
    type Case = (
        &'static str,
        ClockFacts,
        Value,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("4 hours from classification", cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z")), pi.clone(), "2026-03-04T10:05:00Z", Some("2026-03-04T14:00:00Z"), None, None),
        ("24 hours from awareness comes first", cf("2026-03-04T08:00:00Z", Some("2026-03-05T06:00:00Z")), pi.clone(), "2026-03-05T06:00:00Z", Some("2026-03-05T08:00:00Z"), None, None),
        ("not yet classified: the 24-hour limit", cf("2026-03-04T08:00:00Z", None), pi.clone(), "2026-03-04T09:00:00Z", Some("2026-03-05T08:00:00Z"), None, None),
        // 2026-03-04 is a Wednesday; 22:30 Berlin (21:30Z) + 4h = 02:30 Thursday, a working day.
        ("across midnight, no relief needed", cf("2026-03-04T20:00:00Z", Some("2026-03-04T21:30:00Z")), pi.clone(), "2026-03-04T21:31:00Z", Some("2026-03-05T01:30:00Z"), None, None),
        // Saturday 2026-03-07 10:00Z + 4h falls on Saturday: Monday 2026-03-09 12:00 CET = 11:00Z.
        ("Saturday: Monday noon for a payment institution", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), pi.clone(), "2026-03-07T10:00:00Z", Some("2026-03-09T11:00:00Z"), None, None),
        ("Saturday: no relief for a credit institution (Art. 5(5))", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), credit.clone(), "2026-03-07T10:00:00Z", Some("2026-03-07T14:00:00Z"), None, None),
        ("Saturday: no relief for an NIS2 essential entity", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), json!({"nis2_essential_or_important": true}), "2026-03-07T10:00:00Z", Some("2026-03-07T14:00:00Z"), None, None),
        ("Saturday: no relief for a significant entity", cf("2026-03-07T09:00:00Z", Some("2026-03-07T10:00:00Z")), json!({"significant_or_systemic": true}), "2026-03-07T10:00:00Z", Some("2026-03-07T14:00:00Z"), None, None),
        // Christmas Day 2026 is a Friday, Boxing Day Saturday: next working day Monday 28 Dec.
        ("Christmas Day in Germany", cf("2026-12-25T06:00:00Z", Some("2026-12-25T07:00:00Z")), pi.clone(), "2026-12-25T08:00:00Z", Some("2026-12-28T11:00:00Z"), None, None),
        // Ascension Day 2026: Thursday 14 May; Friday 15 May is a working day.
        ("Ascension Day in Germany", cf("2026-05-14T06:00:00Z", Some("2026-05-14T07:00:00Z")), pi.clone(), "2026-05-14T08:00:00Z", Some("2026-05-15T10:00:00Z"), None, None),
        // A Portuguese entity on Portugal Day (Wednesday 10 June 2026), Lisbon is UTC+1 in summer.
        ("Portugal Day in Lisbon", cf("2026-06-10T06:00:00Z", Some("2026-06-10T07:00:00Z")), json!({"home_member_state": "PT"}), "2026-06-10T08:00:00Z", Some("2026-06-11T11:00:00Z"), None, None),
        (
            "intermediate 72 hours after the initial notification, on a Saturday: Monday noon",
            ClockFacts { initial_submitted_at: Some(t("2026-03-04T13:00:00Z")), ..cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z")) },
            pi.clone(), "2026-03-04T14:00:00Z", Some("2026-03-04T14:00:00Z"), Some("2026-03-09T11:00:00Z"), None,
        ),
        (
            "intermediate on a Saturday: no relief for a credit institution",
            ClockFacts { initial_submitted_at: Some(t("2026-03-04T13:00:00Z")), ..cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z")) },
            credit.clone(), "2026-03-04T14:00:00Z", Some("2026-03-04T14:00:00Z"), Some("2026-03-07T13:00:00Z"), None,
        ),
        (
            "intermediate 72 hours after the initial notification, a Tuesday",
            ClockFacts { initial_submitted_at: Some(t("2026-03-02T09:30:00Z")), ..cf("2026-03-02T08:00:00Z", Some("2026-03-02T09:00:00Z")) },
            pi.clone(), "2026-03-02T10:00:00Z", Some("2026-03-02T13:00:00Z"), Some("2026-03-05T09:30:00Z"), None,
        ),
        (
            "final one month after 31 January is 28 February (a Saturday: Monday 2 March noon)",
            ClockFacts { initial_submitted_at: Some(t("2026-01-27T10:00:00Z")), intermediate_submitted_at: vec![t("2026-01-30T09:00:00Z"), t("2026-01-31T09:00:00Z")], ..cf("2026-01-27T08:00:00Z", Some("2026-01-27T09:00:00Z")) },
            credit.clone(), "2026-02-01T00:00:00Z", Some("2026-01-27T13:00:00Z"), Some("2026-01-30T10:00:00Z"), Some("2026-03-02T11:00:00Z"),
        ),
        (
            "final in a leap year: 31 January 2028 to Tuesday 29 February 2028",
            ClockFacts { initial_submitted_at: Some(t("2028-01-28T10:00:00Z")), intermediate_submitted_at: vec![t("2028-01-31T09:00:00Z")], ..cf("2028-01-28T08:00:00Z", Some("2028-01-28T09:00:00Z")) },
            pi.clone(), "2028-02-01T00:00:00Z", Some("2028-01-28T13:00:00Z"), Some("2028-01-31T10:00:00Z"), Some("2028-02-29T09:00:00Z"),
        ),
        (
            "final across the spring DST change keeps the wall-clock time (09:00 CET to 09:00 CEST)",
            ClockFacts { initial_submitted_at: Some(t("2026-03-05T08:00:00Z")), intermediate_submitted_at: vec![t("2026-03-02T08:00:00Z")], ..cf("2026-03-01T08:00:00Z", Some("2026-03-01T09:00:00Z")) },
            credit.clone(), "2026-03-05T09:00:00Z", Some("2026-03-01T13:00:00Z"), Some("2026-03-08T08:00:00Z"), Some("2026-04-02T07:00:00Z"),
        ),
        (
            "final across the autumn DST change (10:00 CEST to 10:00 CET)",
            ClockFacts { initial_submitted_at: Some(t("2026-10-05T07:00:00Z")), intermediate_submitted_at: vec![t("2026-10-07T08:00:00Z")], ..cf("2026-10-05T06:00:00Z", Some("2026-10-05T06:30:00Z")) },
            credit.clone(), "2026-10-08T00:00:00Z", Some("2026-10-05T10:30:00Z"), Some("2026-10-08T07:00:00Z"), Some("2026-11-09T11:00:00Z"),
        ),
    ];
    for (name, facts, overrides, now, initial, intermediate, final_due) in cases {
        let d = clock(facts, &profile_with(overrides), now);
        assert_eq!(
            d.initial_notification.due.as_deref(),
            initial,
            "{name}: {:?}",
            d.initial_notification.notes
        );
        assert_eq!(
            d.intermediate_report.due.as_deref(),
            intermediate,
            "{name}: {:?}",
            d.intermediate_report.notes
        );
        assert_eq!(
            d.final_report.due.as_deref(),
            final_due,
            "{name}: {:?}",
            d.final_report.notes
        );
    }
}

#[test]
fn deadline_status_at_now() {
    let p = profile_with(json!({"entity_type": "credit_institution"}));
    let f = cf("2026-03-04T08:00:00Z", Some("2026-03-04T10:00:00Z"));
    assert_eq!(
        clock(f.clone(), &p, "2026-03-04T10:00:00Z")
            .initial_notification
            .status,
        DeadlineStatus::OnTime
    );
    let soon = clock(f.clone(), &p, "2026-03-04T13:00:00Z").initial_notification;
    assert_eq!(
        (
            soon.status,
            soon.time_left.as_deref(),
            soon.time_left_seconds
        ),
        (DeadlineStatus::DueSoon, Some("1h 00m"), Some(3600))
    );
    let late = clock(f.clone(), &p, "2026-03-04T14:20:00Z").initial_notification;
    assert_eq!(
        (late.status, late.time_left.as_deref()),
        (DeadlineStatus::Overdue, Some("-0h 20m"))
    );
    assert_eq!(
        late.inform_authority_by.as_deref(),
        Some("2026-03-04T14:00:00Z")
    );
    let done = clock(
        ClockFacts {
            initial_submitted_at: Some(t("2026-03-04T13:59:59Z")),
            ..f.clone()
        },
        &p,
        "2026-03-04T15:00:00Z",
    );
    assert_eq!(done.initial_notification.status, DeadlineStatus::Submitted);
    assert_eq!(done.initial_notification.time_left, None);
    assert_eq!(done.intermediate_report.status, DeadlineStatus::OnTime);
    let late_sub = clock(
        ClockFacts {
            initial_submitted_at: Some(t("2026-03-04T14:00:01Z")),
            ..f.clone()
        },
        &p,
        "2026-03-04T15:00:00Z",
    );
    assert_eq!(
        late_sub.initial_notification.status,
        DeadlineStatus::SubmittedLate
    );
    let pending = clock(f.clone(), &p, "2026-03-04T10:00:00Z");
    assert_eq!(
        (
            pending.intermediate_report.status,
            pending.final_report.status
        ),
        (DeadlineStatus::Pending, DeadlineStatus::Pending)
    );
    let not_major = clock(
        ClockFacts {
            is_major: Some(false),
            ..f.clone()
        },
        &p,
        "2026-03-04T10:00:00Z",
    );
    assert_eq!(
        not_major.initial_notification.status,
        DeadlineStatus::NotRequired
    );
    assert_eq!(not_major.initial_notification.due, None);
    // Classified after the 24-hour cap: already late, and the clock says so.
    let after_cap = clock(
        cf("2026-03-04T08:00:00Z", Some("2026-03-05T09:00:00Z")),
        &p,
        "2026-03-05T09:00:00Z",
    )
    .initial_notification;
    assert_eq!(after_cap.status, DeadlineStatus::Overdue);
    assert!(
        after_cap.notes[0].contains("already late")
            && after_cap.notes[0].contains("2026-03-05T13:00:00Z"),
        "{:?}",
        after_cap.notes
    );
    assert_eq!(
        after_cap.due_local.as_deref(),
        Some("2026-03-05T09:00:00+01:00")
    );
}

#[test]
fn clock_input_errors() {
    let p = profile_with(json!({}));
    let e = deadlines(&ClockFacts::default(), &p, t(AT), DueSoon::default()).unwrap_err();
    assert_eq!(e.argument, "detected_at");
    let e = deadlines(
        &cf("2026-03-04T08:00:00Z", Some("2026-03-04T07:00:00Z")),
        &p,
        t(AT),
        DueSoon::default(),
    )
    .unwrap_err();
    assert_eq!(e.argument, "classified_at");
}

#[test]
fn dst_gaps_and_overlaps_resolve_to_the_earlier_instant() {
    use chrono::NaiveDateTime;
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let gap = NaiveDateTime::parse_from_str("2027-03-28 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
    assert_eq!(
        super::clock::resolve_local_for_tests(berlin, gap),
        t("2027-03-28T00:59:59Z")
    );
    let overlap =
        NaiveDateTime::parse_from_str("2026-10-25 02:30:00", "%Y-%m-%d %H:%M:%S").unwrap();
    assert_eq!(
        super::clock::resolve_local_for_tests(berlin, overlap),
        t("2026-10-25T00:30:00Z")
    );
}
