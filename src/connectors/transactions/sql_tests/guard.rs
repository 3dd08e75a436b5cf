//! The SQL guard against a real PostgreSQL: what `sql_text` refuses before sending, and what it
//! leaves to the server's READ ONLY transaction and to the rollback each query ends with.

use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;

use super::*;

#[test]
fn queries_the_server_would_not_stop_are_refused_before_anything_is_sent() {
    for (query, says) in [
        ("UPDATE payments.transactions SET status = 'settled'", "starts with UPDATE"),
        ("SELECT 1 AS transactions_affected; DELETE FROM payments.transactions", "more than one statement"),
        ("SELECT 1 AS transactions_affected; COMMIT", "more than one statement"),
        ("SELECT count(pg_cancel_backend(pid)) AS transactions_affected FROM pg_stat_activity", "calls pg_cancel_backend()"),
        ("SELECT count(*) AS transactions_affected FROM dblink_exec('dbname=dora_demo', 'DELETE FROM payments.transactions')", "calls dblink_exec()"),
    ] {
        let mut cfg = SqlConfig::new("postgresql://nobody@127.0.0.1:1/none?sslmode=disable").unwrap();
        cfg.reference_query = Some(query.into());
        let e = SqlSource::new(cfg).unwrap_err();
        assert_eq!(e.argument, "reference_query");
        assert!(e.message.contains(says), "{}", e.message);
    }
}

/// What `sql_text` leaves to the server (its module comment): each of these passes the text
/// check, and the READ ONLY transaction refuses it; nothing is written.
#[test]
fn the_read_only_transaction_refuses_what_the_text_check_leaves_to_it() {
    for (query, says) in [
        // A write inside a WITH is refused under the statement's own name.
        ("WITH u AS (UPDATE payments.transactions SET status = 'settled' WHERE failure_kind = 'technical' RETURNING 1) SELECT count(*) AS transactions_affected FROM u", "cannot execute SELECT in a read-only transaction"),
        ("WITH d AS (DELETE FROM payments.transactions RETURNING 1) SELECT count(*) AS transactions_affected FROM d", "cannot execute SELECT in a read-only transaction"),
        ("SELECT 1 AS transactions_affected INTO payments.copied", "cannot execute SELECT INTO in a read-only transaction"),
        ("SELECT 1 AS transactions_affected FROM payments.transactions LIMIT 1 FOR UPDATE", "cannot execute SELECT FOR UPDATE in a read-only transaction"),
        ("SELECT 1 AS transactions_affected FROM payments.transactions LIMIT 1 FOR SHARE", "cannot execute SELECT FOR SHARE in a read-only transaction"),
    ] {
        assert!(sql_text::prepare("affected_query", query).is_ok(), "{query}");
        let src = source_with(config(), Some(query), Some("SELECT 2 AS clients_total"), None);
        let s = src.scope(&outage(&mut direct())).unwrap();
        assert!(s.partial, "{query}");
        assert_eq!(count(&s.clients_total), 2, "the other query still runs");
        assert!(
            s.problems[0].starts_with("PostgreSQL refused query affected_query because it tries to write")
                && s.problems[0].contains(says),
            "{query}: {}",
            s.problems[0]
        );
    }
    let failed: i64 = direct()
        .query_one("SELECT count(*) FROM payments.transactions WHERE failure_kind = 'technical' AND status = 'settled'", &[])
        .unwrap()
        .get(0);
    assert_eq!(failed, 0);
    let copied: i64 = direct()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'payments' AND tablename = 'copied'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(copied, 0);
}

/// The rest of what `sql_text` leaves alone is undone by the rollback each query ends with: a
/// session setting, a notification, a transaction-level advisory lock.
#[test]
fn the_rollback_undoes_settings_notifications_and_transaction_locks() {
    let channel = "dora_bridge_guard_test";
    let mut listener = direct();
    listener
        .batch_execute(&format!("LISTEN {channel}"))
        .unwrap();
    let src = source_with(
        config(),
        Some(&format!("SELECT count(*) AS transactions_affected FROM (SELECT set_config('search_path', 'dora_elsewhere', false), pg_notify('{channel}', 'from the guarded query'), pg_advisory_xact_lock(4242)) s")),
        // Runs next, in the same session.
        Some("SELECT CASE WHEN current_setting('search_path') LIKE '%dora_elsewhere%' THEN 1 ELSE 0 END AS clients_total"),
        None,
    );
    let s = src.scope(&outage(&mut direct())).unwrap();
    assert!(!s.partial, "{:?}", s.problems);
    assert_eq!(count(&s.transactions_affected), 1, "the calls ran");
    assert_eq!(
        count(&s.clients_total),
        0,
        "the setting did not outlive its transaction"
    );
    // A notification committed after the query's: the listener sees it, and only it.
    direct()
        .batch_execute(&format!("NOTIFY {channel}, 'committed'"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while seen.is_empty() && Instant::now() < deadline {
        listener.batch_execute("SELECT 1").unwrap();
        let mut arrived = listener.notifications();
        let mut arrived = arrived.iter();
        while let Some(n) = arrived.next().unwrap() {
            seen.push(n.payload().to_string());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen, vec!["committed".to_string()]);
    let free: bool = direct()
        .query_one("SELECT pg_try_advisory_lock(4242)", &[])
        .unwrap()
        .get(0);
    assert!(free, "the transaction's advisory lock ended with it");
}

/// A large object: PostgreSQL 15 lets a READ ONLY transaction create one (later versions
/// refuse), and the rollback removes it.
#[test]
fn a_large_object_made_by_a_query_does_not_outlive_it() {
    let query = "SELECT lo_from_bytea(0, 'x')::int8 AS transactions_affected";
    let src = source_with(
        config(),
        Some(query),
        Some("SELECT 2 AS clients_total"),
        None,
    );
    let s = src.scope(&outage(&mut direct())).unwrap();
    match &s.transactions_affected {
        Some(made) => {
            let oid = made.value.as_i64().expect("the object's oid");
            let kept: i64 = direct()
                .query_one(
                    "SELECT count(*) FROM pg_largeobject_metadata WHERE oid = $1::int8::oid",
                    &[&oid],
                )
                .unwrap()
                .get(0);
            assert_eq!(kept, 0, "large object {oid} outlived the rollback");
        }
        None => assert!(
            s.problems[0].contains("cannot execute lo_from_bytea() in a read-only transaction"),
            "{:?}",
            s.problems
        ),
    }
}
