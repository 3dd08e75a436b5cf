//! The client against canned HTTP answers: basic and OAuth authentication (token cache and
//! renewal), every kind of bad answer, retries, timeouts and TLS failures; never a secret shown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::tests::{basic, client, fake, fast, names, oauth, CLIENT_SECRET, PASSWORD};
use super::*;
use crate::http::canned::{Canned, Resp};

// -- authentication -------------------------------------------------------------------------------

#[test]
fn basic_authentication_sends_the_user_and_password() {
    let srv = Canned::start(fake);
    client(&srv.url, basic())
        .services_for_asset("203.0.113.4", 3)
        .unwrap();
    for r in srv.requests() {
        assert_eq!(
            r.header("authorization"),
            Some("Basic c3ZjLWRvcmE6cHctVW5kZXItVGVzdC0xMjM0")
        );
        assert_eq!(r.header("accept"), Some("application/json"));
    }
    assert_eq!(srv.count("/oauth_token.do"), 0);
}

/// Token endpoint issuing tok-1, tok-2, ...; the table API accepts only the tokens `valid` accepts.
fn oauth_server(expires_in: u64, valid: fn(&str) -> bool) -> Canned {
    let issued = Arc::new(AtomicUsize::new(0));
    Canned::start(move |req| {
        if req.path == "/oauth_token.do" {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            return Resp::json(
                200,
                json!({"access_token": format!("tok-{n}"), "refresh_token": "r",
                "scope": "useraccount", "token_type": "Bearer", "expires_in": expires_in}),
            );
        }
        let auth = req.header("authorization").unwrap_or("");
        if auth.strip_prefix("Bearer ").is_some_and(valid) {
            fake(req)
        } else {
            Resp::json(
                401,
                json!({"error": {"message": "User is not authenticated", "detail": "Required to provide Auth information"}, "status": "failure"}),
            )
        }
    })
}

#[test]
fn an_oauth_token_is_fetched_once_and_reused() {
    let srv = oauth_server(1800, |t| t == "tok-1");
    let c = client(&srv.url, oauth(true));
    c.services_for_asset("203.0.113.4", 3).unwrap();
    c.services_for_asset("lb-dmz-01", 3).unwrap();
    assert_eq!(srv.count("/oauth_token.do"), 1);
    let token = &srv.requests()[0];
    assert_eq!(token.method, "POST");
    assert_eq!(token.form("grant_type").as_deref(), Some("password"));
    assert_eq!(token.form("client_id").as_deref(), Some("dora-client"));
    assert_eq!(token.form("client_secret").as_deref(), Some(CLIENT_SECRET));
    assert_eq!(token.form("username").as_deref(), Some("svc-dora"));
    assert_eq!(token.form("password").as_deref(), Some(PASSWORD));
    assert!(srv.requests()[1..]
        .iter()
        .all(|r| r.header("authorization") == Some("Bearer tok-1")));
}

#[test]
fn client_credentials_are_used_without_a_user_and_expired_tokens_are_renewed() {
    let srv = oauth_server(0, |t| t.starts_with("tok-"));
    let c = client(&srv.url, oauth(false));
    c.services_for_asset("example-bank.com", 0).unwrap();
    c.services_for_asset("example-bank.com", 0).unwrap();
    let tables = srv
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/now/table/"))
        .count();
    assert_eq!(tables, 4);
    assert_eq!(
        srv.count("/oauth_token.do"),
        tables,
        "a token that expired at once is never reused"
    );
    let token = &srv.requests()[0];
    assert_eq!(
        token.form("grant_type").as_deref(),
        Some("client_credentials")
    );
    assert_eq!(token.form("username"), None);
}

#[test]
fn a_refused_token_is_renewed_once() {
    // tok-1 is refused (revoked on the server); tok-2 works.
    let srv = oauth_server(1800, |t| t == "tok-2");
    let c = client(&srv.url, oauth(true));
    let found = c.services_for_asset("203.0.113.4", 3).unwrap();
    assert_eq!(names(&found), ["Card payments"]);
    assert_eq!(srv.count("/oauth_token.do"), 2);
    assert!(c
        .drain_log()
        .iter()
        .any(|l| l.contains("requesting a new one")));

    // Refused again after renewal: an error, after exactly one renewal.
    let srv = oauth_server(1800, |_| false);
    let c = client(&srv.url, oauth(true));
    let e = c.services_for_asset("203.0.113.4", 3).unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "The CMDB at {} refused the credentials (HTTP 401",
            srv.url.trim_start_matches("http://")
        )),
        "{e}"
    );
    assert_eq!(srv.count("/oauth_token.do"), 2);
    assert_eq!(srv.count("/cmdb_ci"), 2);
    assert!(!e.message.contains("tok-"), "{e}");
}

#[test]
fn the_token_endpoint_refusing_or_babbling_is_one_sentence_without_secrets() {
    let srv = Canned::start(|_| {
        Resp::json(
            401,
            json!({"error_description": format!("access_denied for secret {CLIENT_SECRET} and {PASSWORD}"), "error": "server_error"}),
        )
    });
    let e = client(&srv.url, oauth(true))
        .services_for_asset("x", 1)
        .unwrap_err();
    assert!(
        e.message
            .contains("refused the credentials at /oauth_token.do (HTTP 401"),
        "{e}"
    );
    assert!(
        !e.message.contains(CLIENT_SECRET) && !e.message.contains(PASSWORD),
        "{e}"
    );
    assert!(e.message.contains("[redacted]"));

    let srv = Canned::start(|_| Resp::json(200, json!({"token_type": "Bearer"})));
    let e = client(&srv.url, oauth(false))
        .services_for_asset("x", 1)
        .unwrap_err();
    assert!(e.message.contains("without an access_token"), "{e}");

    let srv = Canned::start(|_| Resp::text(200, "text/html", "<html><title>Log in</title></html>"));
    let e = client(&srv.url, oauth(false))
        .services_for_asset("x", 1)
        .unwrap_err();
    assert!(
        e.message.contains(
            "/oauth_token.do with something that is not JSON (an HTML page titled 'Log in')"
        ),
        "{e}"
    );
}

// -- bad answers ----------------------------------------------------------------------------------

fn failing(resp: Resp) -> ConnectorError {
    let srv = Canned::start(move |_| resp.clone());
    let e = client(&srv.url, basic())
        .services_for_asset("203.0.113.4", 3)
        .unwrap_err();
    assert_eq!(e.source, "CMDB");
    assert!(!e.message.contains(PASSWORD), "{e}");
    assert!(e.message.ends_with('.') && !e.message.contains('\n'), "{e}");
    e
}

fn sn_error(status: u16, message: &str) -> Resp {
    Resp::json(
        status,
        json!({"error": {"message": message, "detail": null}, "status": "failure"}),
    )
}

#[test]
fn refused_credentials_never_show_the_password_even_when_echoed() {
    let e = failing(sn_error(
        401,
        &format!("User svc-dora with password {PASSWORD} is not authenticated"),
    ));
    assert!(
        e.message
            .contains("refused the credentials (HTTP 401 on table cmdb_ci"),
        "{e}"
    );
    assert!(
        e.message.contains("[redacted]") && e.message.contains("user name and password"),
        "{e}"
    );
    let echoed = failing(sn_error(
        401,
        "bad header Basic c3ZjLWRvcmE6cHctVW5kZXItVGVzdC0xMjM0",
    ));
    assert!(
        !echoed
            .message
            .contains("c3ZjLWRvcmE6cHctVW5kZXItVGVzdC0xMjM0"),
        "{echoed}"
    );
    let e = failing(sn_error(403, "Insufficient rights to query records"));
    assert!(
        e.message
            .contains("refused the credentials for table cmdb_ci (HTTP 403"),
        "{e}"
    );
    assert!(e.message.contains("cmdb_read"), "{e}");
}

#[test]
fn wrong_base_urls_and_tables_are_named() {
    let e = failing(Resp::text(
        404,
        "text/html",
        "<html><head><title>404 Not Found</title></head></html>",
    ));
    assert!(
        e.message.contains("has no Table API for cmdb_ci (HTTP 404"),
        "{e}"
    );
    assert!(e.message.contains("without /api/now"), "{e}");
    let e = failing(sn_error(400, "Invalid table cmdb_ci"));
    assert!(
        e.message
            .contains("has no table cmdb_ci (HTTP 400: Invalid table cmdb_ci)"),
        "{e}"
    );
    let e = failing(sn_error(500, "Internal server error"));
    assert!(
        e.message
            .contains("failed with HTTP 500 on table cmdb_ci (Internal server error)"),
        "{e}"
    );
}

#[test]
fn garbage_answers_are_named_by_table_and_record() {
    let e = failing(Resp::text(
        200,
        "text/html",
        "<html><head><title>Instance Hibernating page</title></head></html>",
    ));
    assert!(e.message.contains("answered table cmdb_ci (offset 0) with something that is not JSON (an HTML page titled 'Instance Hibernating page')"), "{e}");
    let e = failing(Resp::json(200, json!({"records": []})));
    assert!(e.message.contains("JSON that has no `result` list"), "{e}");
    let e = failing(Resp::json(200, json!({"result": "No records"})));
    assert!(
        e.message
            .contains("a `result` that is a string, not a list of records"),
        "{e}"
    );
    let e = failing(Resp::json(200, json!({"result": [{"sys_id": "a"}, 7]})));
    assert!(
        e.message
            .contains("record 2 of table cmdb_ci is a number, not an object"),
        "{e}"
    );
    let e = failing(Resp::json(200, json!({"result": [{"name": "cardgw-01"}]})));
    assert!(
        e.message
            .contains("record 1 of table cmdb_ci has no sys_id"),
        "{e}"
    );
}

#[test]
fn a_relation_without_parent_is_an_error() {
    let srv = Canned::start(|req| {
        if req.path.ends_with("cmdb_rel_ci") {
            Resp::json(
                200,
                json!({"result": [{"sys_id": "r1", "child": {"value": "h1"}, "type": "x"}]}),
            )
        } else {
            fake(req)
        }
    });
    let e = client(&srv.url, basic())
        .services_for_asset("203.0.113.4", 3)
        .unwrap_err();
    assert!(
        e.message
            .contains("record 1 of table cmdb_rel_ci has no parent reference"),
        "{e}"
    );
}

#[test]
fn transient_failures_are_retried_and_then_reported() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let srv = Canned::start(move |req| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            sn_error(503, "Service temporarily unavailable").header("Retry-After", "0")
        } else {
            fake(req)
        }
    });
    let found = client(&srv.url, basic())
        .services_for_asset("203.0.113.4", 3)
        .unwrap();
    assert_eq!(names(&found), ["Card payments"]);
    assert_eq!(srv.count("/cmdb_ci"), 2);
    let e = failing(sn_error(429, "Rate limit exceeded"));
    assert!(
        e.message
            .contains("kept limiting the rate of requests (HTTP 429"),
        "{e}"
    );
}

#[test]
fn timeouts_tls_failures_and_closed_ports_are_one_sentence() {
    let srv = Canned::start(|req| fake(req).delayed(Duration::from_millis(1500)));
    let mut cfg = CmdbConfig::new(&srv.url, basic());
    cfg.timeout = Duration::from_millis(300);
    let c = CmdbClient::new(cfg).unwrap().with_retry(RetryPolicy {
        max_retries: 0,
        ..fast()
    });
    let e = c.services_for_asset("203.0.113.4", 3).unwrap_err();
    assert!(
        e.message
            .contains("gave no answer within 300 ms (GET cmdb_ci)"),
        "{e}"
    );

    // TLS spoken to a plain-HTTP port fails in the handshake.
    let srv = Canned::start(fake);
    let c = client(&srv.url.replace("http://", "https://"), basic());
    let e = c.services_for_asset("203.0.113.4", 3).unwrap_err();
    assert!(
        e.message
            .starts_with("The TLS connection to the CMDB at 127.0.0.1"),
        "{e}"
    );
    assert!(e.message.contains("trust any certificate"), "{e}");
    assert_eq!(
        srv.requests().len(),
        0,
        "no retry of a TLS failure reaches the server"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}"), basic()).with_retry(RetryPolicy {
        max_retries: 0,
        ..fast()
    });
    let e = c.services_for_asset("203.0.113.4", 3).unwrap_err();
    assert!(e.message.contains("could not be reached"), "{e}");
}

#[test]
fn secrets_stay_out_of_debug_output_and_the_log() {
    let cfg = CmdbConfig::new("https://x.service-now.com", oauth(true));
    let shown = format!("{cfg:?}");
    assert!(
        !shown.contains(PASSWORD) && !shown.contains(CLIENT_SECRET),
        "{shown}"
    );
    let srv = oauth_server(1800, |t| t == "tok-1");
    let c = client(&srv.url, oauth(true));
    c.services_for_asset("203.0.113.4", 3).unwrap();
    let log = c.drain_log().join("\n");
    assert!(
        log.contains("GET cmdb_ci offset 0: 1 record(s) of 1"),
        "{log}"
    );
    assert!(!log.contains("tok-1") && !log.contains(PASSWORD), "{log}");
}

#[test]
fn the_token_request_never_follows_a_redirect_to_another_origin() {
    let elsewhere = Canned::start(|_| {
        Resp::json(
            200,
            json!({"access_token": "from-elsewhere-123", "token_type": "Bearer"}),
        )
    });
    for status in [302u16, 307, 308] {
        let target = format!("{}/oauth_token.do", elsewhere.url);
        let srv = Canned::start(move |_| {
            Resp::text(status, "text/plain", "").header("Location", &target)
        });
        let c = client(&srv.url, oauth(true));
        let e = c.services_for_asset("203.0.113.4", 3).unwrap_err();
        assert!(
            e.message
                .contains(&format!("redirect to {}/oauth_token.do", elsewhere.url)),
            "{e}"
        );
        assert!(!e.message.contains(CLIENT_SECRET) && !e.message.contains(PASSWORD));
        assert_eq!(srv.requests().len(), 1, "the refused redirect was retried");
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the client secret reached another origin"
    );
}

#[test]
fn a_walk_through_ever_new_parents_stops_at_its_bounds_with_a_partial_answer() {
    // Every configuration item has ten parents never met before, and no service is ever reached.
    let srv = Canned::start(|req| {
        let table = req.path.trim_start_matches("/api/now/table/");
        let query = req.param("sysparm_query").unwrap_or("");
        let rows: Vec<serde_json::Value> = match table {
            "cmdb_ci" => vec![json!({"sys_id": "n", "name": "host-1"})],
            "cmdb_rel_ci" if req.param("sysparm_offset") == Some("0") => query
                .split("^OR")
                .next()
                .unwrap_or("")
                .trim_start_matches("childIN")
                .split(',')
                .flat_map(|id| {
                    (0..10).map(move |k| {
                        json!({"sys_id": format!("r{id}x{k}"), "parent": format!("{id}x{k}"),
                               "child": id, "type": "Depends on::Used by"})
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        Resp::json(200, json!({"result": rows}))
    });
    for (max_requests, max_nodes, says) in [
        (5, 100_000, "it had sent 5 requests (cmdb_max_requests)"),
        (
            10_000,
            300,
            "it had met 300 configuration items (cmdb_max_nodes)",
        ),
    ] {
        let before = srv.requests().len();
        let mut cfg = CmdbConfig::new(&srv.url, basic());
        cfg.max_requests = max_requests;
        cfg.max_nodes = max_nodes;
        let c = CmdbClient::new(cfg).unwrap().with_retry(fast());
        let found = c.services_for_asset("host-1", MAX_DEPTH).unwrap();
        assert!(found.partial && found.services.is_empty());
        let note = found.notes.last().unwrap();
        assert!(
            note.starts_with("Partial: the CMDB walk from 'host-1' stopped"),
            "{note}"
        );
        assert!(note.contains(says), "{note}");
        assert!(srv.requests().len() - before <= max_requests);
    }
}
