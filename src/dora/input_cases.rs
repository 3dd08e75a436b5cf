//! Inputs at their edges: a share of a zero denominator, a duration a second past its limit, the
//! clients and counterparts affected by name (Art. 9(1)(f)), and times without an offset.

use serde_json::{json, Value};

use super::classify::{classify, Classification};
use super::criteria::{Criterion, Point, Status};
use super::facts::{resolve, Lookup};
use super::profile::EntityProfile;
use super::regulation_cases::{profile_with, t, AT};

fn run(args: Value, profile: &EntityProfile) -> Result<Classification, String> {
    let facts = resolve(&Lookup {
        args: &args,
        incident: &Value::Null,
        context: &Value::Null,
    })
    .map_err(|e| e.message)?;
    classify(facts, profile, t(AT)).map_err(|e| e.message)
}

fn point<'a>(c: &'a Classification, article: &str) -> &'a Point {
    c.criteria
        .iter()
        .flat_map(|r| r.points.iter())
        .find(|p| p.article == article)
        .unwrap_or_else(|| panic!("no point {article}"))
}

fn criterion(c: &Classification, k: Criterion) -> Status {
    c.criteria.iter().find(|r| r.key == k).unwrap().status
}

#[test]
fn a_share_of_a_zero_denominator_is_missing_data_not_a_threshold_met() {
    let profile = profile_with(json!({}));
    let c = run(
        json!({"affected_services": "Card payments", "transactions_affected": 1, "transactions_daily_average": 0,
               "transaction_value_eur": "5.00", "transaction_value_daily_average_eur": "0"}),
        &profile,
    )
    .unwrap();
    for (art, whole) in [
        ("RTS 2024/1772 Art. 9(1)(d)", "transactions_daily_average"),
        (
            "RTS 2024/1772 Art. 9(1)(e)",
            "transaction_value_daily_average_eur",
        ),
    ] {
        let p = point(&c, art);
        assert_eq!(p.status, Status::NotAssessable, "{}", p.justification);
        assert_eq!(p.missing, vec![whole]);
        assert!(
            p.justification.contains(&format!("{whole} is 0")),
            "{}",
            p.justification
        );
    }
    assert_ne!(
        criterion(&c, Criterion::ClientsCounterpartsTransactions),
        Status::Met
    );
    assert!(
        c.missing.contains(&"transactions_daily_average"),
        "{:?}",
        c.missing
    );
    // Nothing affected of nothing is simply not met.
    let none = run(
        json!({"affected_services": "Card payments", "transactions_affected": 0, "transactions_daily_average": 0}),
        &profile,
    )
    .unwrap();
    assert_eq!(
        point(&none, "RTS 2024/1772 Art. 9(1)(d)").status,
        Status::NotMet
    );
}

#[test]
fn a_duration_a_second_past_its_limit_shows_the_second() {
    let profile = profile_with(json!({}));
    let one_second_over = run(
        json!({"occurred_at": "2026-03-02T10:00:00Z", "resolved_at": "2026-03-03T10:00:01Z"}),
        &profile,
    )
    .unwrap();
    let p = point(&one_second_over, "RTS 2024/1772 Art. 9(3)(a)");
    assert_eq!(p.status, Status::Met);
    assert!(
        p.justification
            .contains("duration 24h 00m 01s (from occurrence) > 24h 00m"),
        "{}",
        p.justification
    );
    let exactly = run(
        json!({"occurred_at": "2026-03-02T10:00:00Z", "resolved_at": "2026-03-03T10:00:00Z"}),
        &profile,
    )
    .unwrap();
    let p = point(&exactly, "RTS 2024/1772 Art. 9(3)(a)");
    assert_eq!(p.status, Status::NotMet);
    assert!(
        p.justification
            .contains("duration 24h 00m (from occurrence) ≤ 24h 00m"),
        "{}",
        p.justification
    );
    let downtime = run(
        json!({"affected_services": "Card payments", "downtime_start": "2026-03-04T09:00:00Z", "downtime_end": "2026-03-04T11:00:30Z"}),
        &profile,
    )
    .unwrap();
    assert!(point(&downtime, "RTS 2024/1772 Art. 9(3)(b)")
        .justification
        .contains("service downtime 2h 00m 30s (from unavailability) > 2h 00m"));
}

#[test]
fn the_clients_and_counterparts_affected_by_name_feed_art_9_1_f() {
    let profile = profile_with(json!({}));
    let relevant = run(
        json!({"affected_counterparts": "Beta Bank, Acme Clearing AG"}),
        &profile,
    )
    .unwrap();
    let p = point(&relevant, "RTS 2024/1772 Art. 9(1)(f)");
    assert_eq!(p.status, Status::Met);
    assert!(
        p.justification.contains("Acme Clearing AG"),
        "{}",
        p.justification
    );
    assert_eq!(
        criterion(&relevant, Criterion::ClientsCounterpartsTransactions),
        Status::Met
    );
    let others = run(json!({"affected_counterparts": "Beta Bank"}), &profile).unwrap();
    assert_eq!(
        point(&others, "RTS 2024/1772 Art. 9(1)(f)").status,
        Status::NotMet
    );
    let no_list = profile_with(json!({"relevant_clients": ""}));
    let c = run(json!({"affected_counterparts": "Beta Bank"}), &no_list).unwrap();
    let p = point(&c, "RTS 2024/1772 Art. 9(1)(f)");
    assert_eq!(p.status, Status::NotAssessable);
    assert!(
        p.justification.contains("relevant_clients"),
        "{}",
        p.justification
    );
}

#[test]
fn a_time_without_an_offset_is_refused_with_its_name() {
    let profile = profile_with(json!({}));
    for name in ["aware_at", "occurred_at", "resolved_at", "downtime_start"] {
        let err = run(json!({ name: "2026-03-10T09:14:00" }), &profile).unwrap_err();
        assert!(
            err.starts_with(&format!("{name} must carry Z or a UTC offset")),
            "{err}"
        );
    }
    let berlin = run(json!({"aware_at": "2026-03-10T10:14:00+01:00"}), &profile).unwrap();
    assert_eq!(berlin.aware_at.as_deref(), Some("2026-03-10T09:14:00Z"));
}

/// What the classification writes reads back through the typed record the approvals, the
/// draft and the field updates use: a renamed output key fails here, not silently elsewhere.
#[test]
fn the_classification_reads_back_as_the_record_other_modules_use() {
    let c = run(
        json!({"affected_services": "Card payments", "clients_affected": "20000",
               "economic_impact_eur": "150000.00", "estimates": "clients_affected",
               "detected_at": "2026-03-04T09:00:00Z"}),
        &profile_with(json!({})),
    )
    .unwrap();
    let read: crate::context::ClassificationRecord =
        crate::context::view(&serde_json::to_value(&c).unwrap());
    assert_eq!(read.is_major, Some(c.is_major));
    assert_eq!(read.determinate, Some(c.determinate));
    assert_eq!(read.rule.as_deref(), Some(c.rule.as_str()));
    assert_eq!(read.rule_text.as_deref(), Some(c.rule_text.as_str()));
    assert_eq!(read.inputs_hash.as_deref(), Some(c.inputs_hash.as_str()));
    assert_eq!(
        read.classified_at.as_deref(),
        Some(c.classified_at.as_str())
    );
    assert_eq!(read.detected_at, c.detected_at);
    assert_eq!(read.aware_at, c.aware_at);
    assert_eq!(read.occurred_at, c.occurred_at);
    assert_eq!(
        read.thresholds_met.as_deref(),
        Some(
            &c.thresholds_met
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()[..]
        )
    );
    assert_eq!(
        read.missing,
        c.missing.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(read.criteria.len(), c.criteria.len());
    for (r, w) in read.criteria.iter().zip(&c.criteria) {
        assert_eq!(r.key.as_ref().map(|k| json!(k)), Some(json!(w.key)));
        assert_eq!(r.name.as_deref(), Some(w.name));
        assert_eq!(r.status.as_ref().map(|s| json!(s)), Some(json!(w.status)));
        assert_eq!(r.met, Some(w.met));
        assert_eq!(r.evidence.as_deref(), Some(w.evidence.as_str()));
    }
    assert_eq!(read.fact("clients_affected"), Some(&json!(20000)));
    assert!(read.facts["clients_affected"].is_estimate());
    assert!(read.criterion("economic-impact").unwrap().is_met());
}
