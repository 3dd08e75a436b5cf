//! `SqlSource` against the sample PostgreSQL of `scripts/postgres-server.sh`, found through
//! `DORA_PG_DSN`. Without it these tests fail (they do not skip): start the server first.
//! Expected values are computed here with SQL of their own, not with the connector's queries.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use postgres::{Client, NoTls};
use serde_json::json;

use super::sql_text;
use super::sql_values::PgValue;
use super::*;
use crate::dora::money::Eur;

mod guard;

fn dsn() -> String {
    std::env::var("DORA_PG_DSN").unwrap_or_else(|_| {
        panic!(
            "DORA_PG_DSN is not set: these tests need the sample PostgreSQL server. Run `scripts/postgres-server.sh start`, then `env $(scripts/postgres-server.sh env) cargo test --lib connectors::transactions`."
        )
    })
}

fn direct() -> Client {
    Client::connect(&dsn(), NoTls).unwrap_or_else(|e| {
        panic!("cannot reach the PostgreSQL of DORA_PG_DSN ({e}); run `scripts/postgres-server.sh start`.")
    })
}

fn config() -> SqlConfig {
    let mut c = SqlConfig::new(&dsn()).unwrap();
    c.label = Some("payments.transactions".into());
    c
}

fn epoch(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap()
}

/// The outage generate.sql wrote: the request for it.
fn outage(c: &mut Client) -> ScopeRequest {
    let row = c
        .query_one(
            "SELECT service, extract(epoch FROM window_start)::bigint, extract(epoch FROM window_end)::bigint FROM payments.sample_outages",
            &[],
        )
        .unwrap();
    ScopeRequest::new(vec![row.get(0)], epoch(row.get(1)), epoch(row.get(2)), None).unwrap()
}

fn count(f: &Option<Figure>) -> u64 {
    f.as_ref().and_then(|f| f.value.as_u64()).expect("a count")
}

fn money(f: &Option<Figure>) -> String {
    f.as_ref()
        .and_then(|f| f.value.as_str())
        .expect("an amount")
        .to_string()
}

/// `n / d` rounded half up, in integers.
fn div_half_up(n: u64, d: u64) -> u64 {
    (2 * n + d) / (2 * d)
}

fn cents(text: &str) -> u64 {
    Eur::parse("test", text).unwrap().cents()
}

fn source_with(
    cfg: SqlConfig,
    affected: Option<&str>,
    reference: Option<&str>,
    totals: Option<&str>,
) -> SqlSource {
    SqlSource::new(SqlConfig {
        affected_query: affected.map(String::from),
        reference_query: reference.map(String::from),
        totals_query: totals.map(String::from),
        ..cfg
    })
    .unwrap()
}

#[test]
fn the_sample_outage_gives_the_figures_counted_independently() {
    let mut c = direct();
    let req = outage(&mut c);
    let scope = SqlSource::new(config()).unwrap().scope(&req).unwrap();
    assert!(!scope.partial, "{:?}", scope.problems);
    assert!(scope.problems.is_empty());

    // The affected transactions, by way of the outage table's own window.
    let row = c
        .query_one(
            "SELECT count(*), sum(t.amount_eur)::text, count(DISTINCT t.client_id), count(DISTINCT t.counterpart_id),
                    count(*) FILTER (WHERE c.country IN ('DE', 'AT'))
             FROM payments.transactions t
             JOIN payments.sample_outages o ON o.service = t.service
             JOIN payments.clients c ON c.client_id = t.client_id
             WHERE t.created_at >= o.window_start AND t.created_at < o.window_end
               AND t.status IN ('failed', 'declined') AND t.failure_kind = 'technical'",
            &[],
        )
        .unwrap();
    let (n, value, clients, counterparts, de_at): (i64, String, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert!(
        n > 500,
        "the sample outage should be clear, found {n} transactions"
    );
    assert!(
        de_at * 100 >= n * 95,
        "the outage hits DE and AT: {de_at} of {n}"
    );
    assert_eq!(count(&scope.transactions_affected), n as u64);
    assert_eq!(
        money(&scope.value_affected_eur),
        Eur::from_cents(cents(&value)).plain()
    );
    assert_eq!(count(&scope.clients_affected), clients as u64);
    assert_eq!(count(&scope.counterparts_affected), counterparts as u64);
    // Every card payment of a DE or AT client in the window failed.
    let ok: i64 = c
        .query_one(
            "SELECT count(*) FROM payments.transactions t JOIN payments.sample_outages o ON o.service = t.service
             JOIN payments.clients c ON c.client_id = t.client_id
             WHERE c.country = ANY (o.countries) AND t.created_at >= o.window_start AND t.created_at < o.window_end
               AND t.status = 'settled'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(ok, 0);

    // Daily averages over the 30 days before the window.
    let row = c
        .query_one(
            "SELECT count(*), sum(amount_eur)::text FROM payments.transactions t, payments.sample_outages o
             WHERE t.service = o.service AND t.created_at >= o.window_start - interval '30 days' AND t.created_at < o.window_start",
            &[],
        )
        .unwrap();
    let (ref_n, ref_value): (i64, String) = (row.get(0), row.get(1));
    assert_eq!(
        count(&scope.daily_average_transactions),
        div_half_up(ref_n as u64, 30)
    );
    assert_eq!(
        money(&scope.daily_average_value_eur),
        Eur::from_cents(div_half_up(cents(&ref_value), 30)).plain()
    );

    // Totals: 95 % of 20 000 clients hold a card; 20 acquirers.
    assert_eq!(count(&scope.clients_total), 19_000);
    assert_eq!(count(&scope.counterparts_total), 20);

    let t = scope.transactions_affected.as_ref().unwrap();
    assert_eq!(
        t.source,
        "PostgreSQL payments.transactions (query affected_query)"
    );
    assert!(!t.estimate && !t.partial);
    let avg = scope.daily_average_transactions.as_ref().unwrap();
    assert_eq!(
        avg.source,
        format!(
            "PostgreSQL payments.transactions (query reference_query: 30 days, {} to {})",
            scope.reference_period.0, scope.reference_period.1
        )
    );
    assert!(!avg.estimate);
    assert_eq!(
        scope.to_context()["TransactionsAffected"]["Value"],
        json!(n)
    );
}

#[test]
fn numeric_columns_are_read_digit_for_digit() {
    let mut c = direct();
    for text in [
        "0",
        "0.0001",
        "12345678.90",
        "100000000",
        "-5.5",
        "0.00000000000000000001",
        "3920000.10",
        "10000.0000",
        "9999999999999999999999999999",
    ] {
        let row = c
            .query_one(
                "SELECT $1::text::numeric, $1::text::numeric::text",
                &[&text],
            )
            .unwrap();
        let decoded = match row.get::<_, Option<PgValue>>(0) {
            Some(PgValue::Number(s)) => s,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(decoded, row.get::<_, String>(1), "{text}");
    }
    // Beyond 28 significant digits, and NaN, no figure can be read: an error, never a guess.
    for text in ["NaN", "123456789012345678901234567890.123456789"] {
        let row = c.query_one("SELECT $1::text::numeric", &[&text]).unwrap();
        assert!(row.try_get::<_, Option<PgValue>>(0).is_err(), "{text}");
    }
}

#[test]
fn amounts_are_exact_cents_and_averages_round_half_up() {
    let mut cfg = config();
    cfg.estimate_from_reference = false;
    let src = source_with(
        cfg,
        Some("SELECT 12345678901234.56::numeric(16,2) AS value_affected_eur, 98000::bigint AS transactions_affected, 7::int2 AS clients_affected, '42'::text AS counterparts_affected"),
        Some("SELECT 1306.6666666666666667 AS daily_average_value_eur, 7650.5 AS daily_average_transactions"),
        None,
    );
    let s = src.scope(&outage(&mut direct())).unwrap();
    assert!(!s.partial, "{:?}", s.problems);
    assert_eq!(money(&s.value_affected_eur), "12345678901234.56");
    assert_eq!(count(&s.transactions_affected), 98_000);
    assert_eq!(count(&s.clients_affected), 7);
    assert_eq!(count(&s.counterparts_affected), 42);
    assert_eq!(money(&s.daily_average_value_eur), "1306.67");
    assert_eq!(count(&s.daily_average_transactions), 7_651);
    // A float column is read through its shortest text (0.30000000000000004), then rounded.
    let s = source_with(
        config(),
        Some("SELECT 0.1::float8 + 0.2::float8 AS value_affected_eur"),
        None,
        None,
    )
    .scope(&outage(&mut direct()))
    .unwrap();
    assert_eq!(money(&s.value_affected_eur), "0.30");
}

#[test]
fn affected_figures_missing_are_estimated_from_the_reference_period() {
    let mut c = direct();
    let req = outage(&mut c);
    let src = source_with(
        config(),
        Some("SELECT NULL::bigint AS transactions_affected, NULL::numeric AS value_affected_eur, count(DISTINCT client_id) AS clients_affected FROM payments.transactions WHERE service = ANY (:services) AND created_at >= :window_start AND created_at < :window_end AND failure_kind = 'technical'"),
        Some(sql::DEFAULT_REFERENCE_QUERY),
        None,
    );
    let s = src.scope(&req).unwrap();
    assert!(!s.partial, "{:?}", s.problems);
    let row = c
        .query_one(
            "SELECT count(*), sum(amount_eur)::text FROM payments.transactions
             WHERE service = $1 AND created_at >= to_timestamp($2::float8) - interval '30 days' AND created_at < to_timestamp($2::float8)",
            &[&req.services[0], &(req.window_start.timestamp() as f64)],
        )
        .unwrap();
    let (ref_n, ref_value): (i64, String) = (row.get(0), row.get(1));
    let secs = (req.window_end - req.window_start).num_seconds() as u64;
    // daily average to 6 decimals, × window seconds / 86 400, rounded half up
    let avg_micro = div_half_up(ref_n as u64 * 1_000_000, 30);
    let expected = div_half_up(div_half_up(avg_micro * secs, 86_400), 1_000_000);
    let t = s.transactions_affected.as_ref().unwrap();
    assert_eq!((t.value.as_u64(), t.estimate), (Some(expected), true));
    assert!(
        t.source
            .starts_with("estimate: daily_average_transactions × 0.116667 days"),
        "{}",
        t.source
    );
    assert!(
        t.source.contains("query reference_query: 30 days"),
        "{}",
        t.source
    );
    let avg_value_micro = div_half_up(cents(&ref_value) * 10_000, 30); // 10^-6 EUR
    let expected_cents = div_half_up(div_half_up(avg_value_micro * secs, 86_400), 10_000);
    let v = s.value_affected_eur.as_ref().unwrap();
    assert_eq!(
        (v.value.clone(), v.estimate),
        (json!(Eur::from_cents(expected_cents).plain()), true)
    );
    let clients = s.clients_affected.as_ref().unwrap();
    assert!(!clients.estimate && clients.value.as_u64().unwrap() > 500);
}

#[test]
fn null_is_unknown_and_zero_is_zero() {
    let mut cfg = config();
    cfg.estimate_from_reference = false;
    let s = source_with(
        cfg,
        Some("SELECT NULL::bigint AS transactions_affected, NULL::numeric AS value_affected_eur, 0 AS clients_affected, 0.00 AS counterparts_affected"),
        None,
        None,
    )
    .scope(&outage(&mut direct()))
    .unwrap();
    assert!(s.transactions_affected.is_none() && s.value_affected_eur.is_none());
    assert_eq!(count(&s.clients_affected), 0);
    assert_eq!(count(&s.counterparts_affected), 0);
    assert!(!s.partial && s.problems.is_empty());
    assert!(s.to_context().get("TransactionsAffected").is_none());
}

#[test]
fn a_query_past_the_statement_timeout_is_cancelled() {
    let mut cfg = config();
    cfg.statement_timeout = Duration::from_secs(1);
    cfg.lock_timeout = Duration::from_secs(1);
    let req = outage(&mut direct());
    let started = Instant::now();
    let e = source_with(
        cfg.clone(),
        Some("SELECT pg_sleep(5) AS transactions_affected"),
        None,
        None,
    )
    .scope(&req)
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.source, "PostgreSQL payments.transactions");
    assert!(
        e.message.starts_with(
            "The query ran longer than the 1 s statement timeout (query affected_query)"
        ),
        "{}",
        e.message
    );
    // Beside a query that works: a partial scope.
    let s = source_with(
        cfg,
        Some(sql::DEFAULT_AFFECTED_QUERY),
        None,
        Some("SELECT pg_sleep(5)::text AS clients_total"),
    )
    .scope(&req)
    .unwrap();
    assert!(s.partial && s.transactions_affected.is_some() && s.clients_total.is_none());
    assert!(
        s.problems[0].contains("1 s statement timeout (query totals_query)"),
        "{:?}",
        s.problems
    );
}

#[test]
fn a_failing_query_leaves_the_others_complete() {
    let req = outage(&mut direct());
    let mut cfg = config();
    cfg.reference_query =
        Some("SELECT count(*) AS daily_average_transactions FROM payments.no_such_table".into());
    let s = SqlSource::new(cfg).unwrap().scope(&req).unwrap();
    assert!(s.partial);
    assert_eq!(s.problems.len(), 1);
    assert!(s.problems[0].starts_with("PostgreSQL rejected query reference_query: relation \"payments.no_such_table\" does not exist at character"), "{}", s.problems[0]);
    assert!(s.daily_average_transactions.is_none() && s.daily_average_value_eur.is_none());
    for f in [
        &s.transactions_affected,
        &s.value_affected_eur,
        &s.clients_affected,
        &s.clients_total,
    ] {
        let f = f.as_ref().unwrap();
        assert!(!f.partial && !f.estimate);
    }
    assert_eq!(s.to_context()["Partial"], json!(true));
}

#[test]
fn bad_values_rows_and_columns_are_explained() {
    let req = outage(&mut direct());
    let s = source_with(
        config(),
        Some("SELECT true AS transactions_affected, -1 AS clients_affected, 2.5 AS counterparts_affected, 3 AS value_affected_eur"),
        Some("SELECT 1 AS something_else"),
        Some("SELECT generate_series(1, 2) AS clients_total"),
    )
    .scope(&req)
    .unwrap();
    assert!(s.partial);
    assert_eq!(money(&s.value_affected_eur), "3.00");
    let all = s.problems.join(" | ");
    for says in [
        "Column transactions_affected of query affected_query is of type bool, not a number",
        "Column clients_affected of query affected_query is negative ('-1')",
        "Column counterparts_affected of query affected_query is not a whole number (2.5)",
        "Query reference_query returned none of the columns the connector reads",
        "Query totals_query returned more than one row",
    ] {
        assert!(all.contains(says), "{says} — in: {all}");
    }
}

#[test]
fn a_wrong_password_is_reported_without_the_password() {
    let real = dsn();
    let password = real
        .split("//")
        .nth(1)
        .and_then(|r| r.split('@').next())
        .and_then(|u| u.split(':').nth(1))
        .unwrap()
        .to_string();
    let wrong = real.replacen(&format!(":{password}@"), ":wrong-secret-4711@", 1);
    let cfg = SqlConfig::new(&real).unwrap();
    assert!(!format!("{cfg:?} {:?}", SqlSource::new(cfg.clone()).unwrap()).contains(&password));
    let e = SqlSource::new(SqlConfig::new(&wrong).unwrap())
        .unwrap()
        .scope(&outage(&mut direct()))
        .unwrap_err();
    assert!(
        e.message
            .contains("refused the login of user 'dora_reader' to database 'dora_demo'"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("check the user and the password"),
        "{}",
        e.message
    );
    for shown in [format!("{e}"), format!("{e:?}")] {
        assert!(
            !shown.contains("wrong-secret") && !shown.contains(&password),
            "{shown}"
        );
    }
    let e = SqlSource::new(SqlConfig::new(&real.replace("/dora_demo", "/no_such_db")).unwrap())
        .unwrap()
        .scope(&outage(&mut direct()))
        .unwrap_err();
    assert!(
        e.message.contains("refused") || e.message.contains("no database"),
        "{}",
        e.message
    );
    assert!(!e.message.contains(&password));
    let e = SqlSource::new(
        SqlConfig::new(
            "postgresql://dora_reader:secret-pw-1@127.0.0.1:1/dora_demo?sslmode=disable",
        )
        .unwrap(),
    )
    .unwrap()
    .scope(&outage(&mut direct()))
    .unwrap_err();
    assert!(
        e.message
            .starts_with("Could not connect to PostgreSQL at 127.0.0.1:1"),
        "{}",
        e.message
    );
    assert!(!e.message.contains("secret-pw"));
    let e = SqlConfig::new("postgresql://dora_reader:secret-pw-1@127.0.0.1:port/dora_demo")
        .unwrap_err();
    assert!(
        !e.message.contains("secret-pw") && e.argument == "dsn",
        "{}",
        e.message
    );
}

#[test]
fn tls_modes_check_the_server_certificate() {
    let req = outage(&mut direct());
    for mode in ["require", "verify-full"] {
        let e = SqlSource::new(
            SqlConfig::new(&dsn().replace("sslmode=disable", &format!("sslmode={mode}"))).unwrap(),
        )
        .unwrap()
        .scope(&req)
        .unwrap_err();
        // The sample server's certificate is self-signed (or it offers no TLS at all).
        assert!(
            e.message
                .starts_with("The TLS connection to PostgreSQL at 127.0.0.1:"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains(&format!("sslmode={mode}")),
            "{}",
            e.message
        );
    }
}
