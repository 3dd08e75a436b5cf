//! The text checks of `sql_text`: parameters, literals, and the statements and calls refused.
use super::sql_text::*;

#[test]
fn named_parameters_become_numbered_placeholders() {
    let p = prepare(
        "q",
        "SELECT count(*) AS n FROM t WHERE s = ANY(:services) AND ts >= :window_start AND ts < :window_end AND ts::date <> :window_start::date;",
    )
    .unwrap();
    assert_eq!(
        p.sql,
        "SELECT count(*) AS n FROM t WHERE s = ANY(($1::text[])) AND ts >= ($2::text::timestamptz) AND ts < ($3::text::timestamptz) AND ts::date <> ($2::text::timestamptz)::date"
    );
    assert_eq!(
        p.params,
        vec![Param::Services, Param::WindowStart, Param::WindowEnd]
    );
    let p = prepare("q", "SELECT 1.0 * count(*) / :reference_days AS d FROM t").unwrap();
    assert_eq!(p.sql, "SELECT 1.0 * count(*) / ($1::int4) AS d FROM t");
}

#[test]
fn literals_comments_casts_and_slices_are_left_alone() {
    let text = "SELECT ':services' AS a, $$ :window_start; DELETE $$ AS b, $x$ $$ :x $x$ AS c, \"col:services\", E'\\':window_end', arr[1:n], x::int -- :reference_end; UPDATE\n/* :window_start /* nested; DROP */ */ FROM t";
    let p = prepare("q", text).unwrap();
    assert_eq!(p.sql, text);
    assert!(p.params.is_empty());
}

#[test]
fn other_statements_several_statements_and_calls_beyond_the_transaction_are_refused() {
    for (text, says) in [
        ("UPDATE t SET a = 1", "starts with UPDATE"),
        (
            "SELECT 1; DROP TABLE t",
            "more than one statement (a ';' at character 9)",
        ),
        ("SELECT 1;;", "more than one statement"),
        ("SELECT 1; COMMIT; DELETE FROM t", "more than one statement"),
        ("COMMIT", "starts with COMMIT"),
        ("SET statement_timeout = 0", "starts with SET"),
        (
            "SELECT pg_catalog.pg_advisory_lock (1)",
            "calls pg_advisory_lock()",
        ),
        ("EXPLAIN ANALYZE DELETE FROM t", "starts with EXPLAIN"),
        (
            "SELECT \"pg_terminate_backend\"(pid) FROM pg_stat_activity",
            "calls pg_terminate_backend() at character 8",
        ),
        (
            "SELECT pg_catalog.\"pg_advisory_lock\" /* x */ (1)",
            "calls pg_advisory_lock()",
        ),
        (
            "SELECT \"PG_CANCEL_BACKEND\"(1)",
            "calls pg_cancel_backend()",
        ),
        (
            "SELECT U&\"pg\\005fterminate\\005Fbackend\"(1)",
            "calls pg_terminate_backend() at character 8",
        ),
        (
            "SELECT u&\"pg!005fcancel!005fbackend\" UESCAPE '!' (1)",
            "calls pg_cancel_backend()",
        ),
        (
            "SELECT U&\"pg\\+00005fadvisory_lock\"(1)",
            "calls pg_advisory_lock()",
        ),
        (
            "SELECT * FROM dblink_send_query('c', 'DELETE FROM t')",
            "calls dblink_send_query()",
        ),
        (
            "SELECT query_to_xml('DELETE FROM t', true, false, '')",
            "calls query_to_xml()",
        ),
        ("SELECT lo_export(1, '/tmp/x')", "calls lo_export()"),
        ("SELECT U&\"pg\\zz\"(1)", "escape that is not four or six"),
        ("COPY t TO PROGRAM 'id'", "starts with COPY"),
        ("DO $$ BEGIN END $$", "starts with DO"),
        ("CALL p()", "starts with CALL"),
        ("(VALUES (1))", "starts with VALUES"),
        ("-- only a comment", "is empty"),
    ] {
        let e = prepare("affected_query", text).unwrap_err();
        assert_eq!(e.argument, "affected_query");
        assert!(e.message.contains(says), "{text}: {}", e.message);
        assert!(e.message.starts_with("affected_query "), "{}", e.message);
    }
}

/// What the READ ONLY transaction refuses, or its rollback undoes, is left to the server
/// (`sql_tests.rs` runs each against PostgreSQL).
#[test]
fn what_the_server_stops_is_left_to_it() {
    for text in [
        "WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT count(*) FROM u",
        "WITH d AS (DELETE FROM t RETURNING 1) SELECT 1",
        "SELECT * INTO new_table FROM t",
        "SELECT a FROM t FOR UPDATE",
        "select a from t for share",
        "SELECT nextval('s'), setval('s', 1)",
        "SELECT lo_create(0), lo_from_bytea(0, 'x')",
        "SELECT set_config('search_path', 'x', false)",
        "SELECT pg_notify('c', 'x'), \"pg_advisory_xact_lock\"(1)",
    ] {
        assert!(prepare("q", text).is_ok(), "{text}");
    }
}

#[test]
fn reading_queries_pass() {
    for text in [
        "SELECT pg_sleep(5) AS transactions_affected",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x;  -- done",
        "(SELECT 1 AS clients_total)",
        "SELECT substring('abc' FOR 2), updated_at, \"update\", t.deleted FROM t",
        "select count(*) filter (where status = 'failed') as transactions_affected from t",
        "SELECT \"count\"(*) AS \"transactions_affected\", U&\"d\\0061ta\" FROM \"payments\".\"t\"",
        "SELECT U&\"a!0062c\" UESCAPE '!' FROM t",
    ] {
        assert!(prepare("q", text).is_ok(), "{text}");
    }
}

#[test]
fn unknown_positional_and_unterminated_are_explained() {
    let e = prepare("reference_query", "SELECT :window_begin").unwrap_err();
    assert!(
        e.message
            .contains(":window_begin, which the connector does not bind; use :services"),
        "{}",
        e.message
    );
    let e = prepare("q", "SELECT $1").unwrap_err();
    assert!(
        e.message.contains("positional parameter $1 at character 8"),
        "{}",
        e.message
    );
    for (text, what) in [
        ("SELECT 'abc", "string literal starting at character 8"),
        ("SELECT \"x", "quoted identifier"),
        ("SELECT $a$ x", "dollar-quoted"),
        ("SELECT /* /* */", "comment"),
    ] {
        let e = prepare("q", text).unwrap_err();
        assert!(e.message.contains(what), "{text}: {}", e.message);
    }
}
