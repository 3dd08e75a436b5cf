//! `RestSource` against an in-test HTTP server (a std `TcpListener` thread).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;

use super::*;

/// Serves one canned answer per connection, in order; returns the raw requests received.
fn serve(answers: Vec<(u16, &'static str)>) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/scope", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                request.push_str(&line);
            }
            let mut payload = vec![0; length];
            reader.read_exact(&mut payload).unwrap();
            request.push_str("\r\n");
            request.push_str(&String::from_utf8_lossy(&payload));
            seen.push(request);
            let answer = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
        }
        seen
    });
    (url, handle)
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap()
}

fn req() -> ScopeRequest {
    ScopeRequest::new(
        vec!["Card payments".into(), "Instant payments".into()],
        at(8, 52),
        at(11, 40),
        None,
    )
    .unwrap()
}

const MAPPING: &str = r#"{
    "transactions_affected": "/data/count",
    "value_affected_eur": "/data/amount",
    "clients_affected": "/data/clients",
    "counterparts_affected": "/counterparts",
    "clients_total": "/data/no/such/field",
    "daily_average_transactions": "/data/average/n",
    "daily_average_value_eur": "/data/average/eur"
}"#;

const ANSWER: &str = r#"{"data": {"count": 98000, "amount": "3920000.10", "clients": 12430,
    "average": {"n": 1200000, "eur": 48000000.0}}, "counterparts": null}"#;

fn source(url: &str, mapping: &str) -> RestConfig {
    RestConfig::new(url, mapping).unwrap()
}

#[test]
fn a_get_answer_is_mapped_by_json_pointer() {
    let (url, server) = serve(vec![(200, ANSWER)]);
    let mut cfg = source(&url, MAPPING);
    cfg.auth = RestAuth::Basic {
        user: "analyst".into(),
        password: Secret::new("pa55-w0rd"),
    };
    let s = RestSource::new(cfg).unwrap().scope(&req()).unwrap();
    let seen = server.join().unwrap();
    let first_line = seen[0].lines().next().unwrap();
    assert_eq!(
        first_line,
        "GET /scope?services=Card+payments%2CInstant+payments&window_start=2026-11-23T08%3A52%3A00Z&window_end=2026-11-23T11%3A40%3A00Z&reference_start=2026-10-24T08%3A52%3A00Z&reference_end=2026-11-23T08%3A52%3A00Z&reference_days=30 HTTP/1.1"
    );
    assert!(
        seen[0]
            .to_ascii_lowercase()
            .contains("authorization: basic yw5hbhlzddpwytu1lxcwcmq="),
        "{}",
        seen[0]
    );
    let host = url.trim_start_matches("http://");
    let t = s.transactions_affected.as_ref().unwrap();
    assert_eq!(
        (t.value.clone(), t.estimate, t.partial),
        (json!(98000), false, false)
    );
    assert_eq!(t.source, format!("REST {host} (/data/count)"));
    assert_eq!(
        s.value_affected_eur.as_ref().unwrap().value,
        json!("3920000.10")
    );
    assert_eq!(s.clients_affected.as_ref().unwrap().value, json!(12430));
    assert_eq!(
        s.daily_average_transactions.as_ref().unwrap().value,
        json!(1200000)
    );
    assert_eq!(
        s.daily_average_value_eur.as_ref().unwrap().value,
        json!("48000000.00")
    );
    // null and a pointer that finds nothing: unknown, not zero, and not a failure
    assert!(s.counterparts_affected.is_none() && s.clients_total.is_none());
    assert!(!s.partial && s.problems.is_empty());
}

#[test]
fn a_post_carries_the_parameters_under_their_configured_names() {
    let (url, server) = serve(vec![(200, r#"{"n": 5}"#)]);
    let mut cfg = source(&url, r#"{"transactions_affected": "/n"}"#);
    cfg.method = RestMethod::Post;
    cfg.auth = RestAuth::Bearer(Secret::new("tok-123456"));
    cfg.parameter_names.services = "svc".into();
    cfg.parameter_names.window_start = "from".into();
    cfg.label = Some("payments warehouse".into());
    let s = RestSource::new(cfg).unwrap().scope(&req()).unwrap();
    let seen = server.join().unwrap();
    assert!(seen[0].starts_with("POST /scope HTTP/1.1"), "{}", seen[0]);
    assert!(seen[0]
        .to_ascii_lowercase()
        .contains("authorization: bearer tok-123456"));
    let body: serde_json::Value =
        serde_json::from_str(seen[0].split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["svc"], json!(["Card payments", "Instant payments"]));
    assert_eq!(body["from"], json!("2026-11-23T08:52:00Z"));
    assert_eq!(body["reference_days"], json!(30));
    assert_eq!(
        s.transactions_affected.unwrap().source,
        "REST payments warehouse (/n)"
    );
}

#[test]
fn values_of_the_wrong_type_name_the_pointer() {
    for (answer, says) in [
        (
            r#"{"data": {"count": "many"}}"#,
            "The value at /data/count (transactions_affected) is not a number ('many')",
        ),
        (
            r#"{"data": {"count": {"n": 1}}}"#,
            "The value at /data/count (transactions_affected) is an object, not a number",
        ),
        (r#"{"data": {"count": true}}"#, "is a boolean, not a number"),
        (
            r#"{"data": {"count": -3}}"#,
            "The value at /data/count (transactions_affected) is negative ('-3')",
        ),
        (r#"{"data": {"count": 2.5}}"#, "is not a whole number (2.5)"),
    ] {
        let (url, server) = serve(vec![(200, answer)]);
        let e = RestSource::new(source(&url, r#"{"transactions_affected": "/data/count"}"#))
            .unwrap()
            .scope(&req())
            .unwrap_err();
        server.join().unwrap();
        assert!(e.message.contains(says), "{}", e.message);
        assert!(
            e.message
                .starts_with("The value at /data/count (transactions_affected) "),
            "{}",
            e.message
        );
        assert!(e.source.starts_with("REST 127.0.0.1:"), "{}", e.source);
    }
}

#[test]
fn refused_credentials_and_garbage_are_errors_without_the_secret() {
    let (url, server) = serve(vec![
        (401, r#"{"error": "bad token tok-secret-99"}"#),
        (200, "<html>oops</html>"),
        (500, "database down"),
    ]);
    let mut cfg = source(&url, MAPPING);
    cfg.auth = RestAuth::Bearer(Secret::new("tok-secret-99"));
    let src = RestSource::new(cfg).unwrap();
    let e = src.scope(&req()).unwrap_err();
    assert_eq!(e.message, "The endpoint refused the credentials (HTTP 401); check the user and password or the token.");
    let e = src.scope(&req()).unwrap_err();
    assert!(
        e.message
            .starts_with("The answer (HTTP 200) is not JSON (it starts '<html>oops</html>')"),
        "{}",
        e.message
    );
    let e = src.scope(&req()).unwrap_err();
    assert!(
        e.message
            .starts_with("The endpoint answered HTTP 500 Internal Server Error ('database down')"),
        "{}",
        e.message
    );
    server.join().unwrap();
    assert!(!format!("{src:?}").contains("tok-secret"));
}

#[test]
fn server_text_echoing_the_secret_is_scrubbed() {
    let (url, server) = serve(vec![(400, "token tok-secret-99 is for another tenant")]);
    let mut cfg = source(&url, MAPPING);
    cfg.auth = RestAuth::Bearer(Secret::new("tok-secret-99"));
    let e = RestSource::new(cfg).unwrap().scope(&req()).unwrap_err();
    server.join().unwrap();
    assert!(
        e.message.contains("token [redacted] is for another tenant"),
        "{}",
        e.message
    );
}

#[test]
fn affected_figures_the_answer_lacks_are_estimated() {
    let (url, server) = serve(vec![(200, r#"{"avg": {"n": 7650.4, "eur": "311250.00"}}"#)]);
    let s = RestSource::new(source(&url, r#"{"daily_average_transactions": "/avg/n", "daily_average_value_eur": "/avg/eur", "transactions_affected": "/affected"}"#))
        .unwrap()
        .scope(&req())
        .unwrap();
    server.join().unwrap();
    let t = s.transactions_affected.unwrap();
    assert_eq!((t.value, t.estimate), (json!(893), true));
    let v = s.value_affected_eur.unwrap();
    assert_eq!((v.value, v.estimate), (json!("36312.50"), true));
    assert_eq!(s.daily_average_transactions.unwrap().value, json!(7650));
}

#[test]
fn an_unreachable_endpoint_is_a_connector_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = RestSource::new(source(&format!("http://127.0.0.1:{port}/scope"), MAPPING))
        .unwrap()
        .scope(&req())
        .unwrap_err();
    assert!(
        e.message
            .starts_with("The connection could not be established"),
        "{}",
        e.message
    );
}

#[test]
fn mappings_and_urls_are_checked() {
    for (mapping, says) in [
        (
            "[]",
            "must be a JSON object of figure names and JSON pointers",
        ),
        ("{}", "must be a JSON object"),
        (
            r#"{"transactions": "/n"}"#,
            "maps 'transactions', which is not a figure; use clients_affected",
        ),
        (
            r#"{"transactions_affected": "n"}"#,
            "which is not a JSON pointer",
        ),
        (
            r#"{"transactions_affected": 3}"#,
            "which is not a JSON pointer",
        ),
    ] {
        let e = RestConfig::new("https://x.example/api", mapping).unwrap_err();
        assert_eq!(e.argument, "mapping");
        assert!(e.message.contains(says), "{mapping}: {}", e.message);
    }
    let e = RestConfig::new("https://user:pw@x.example/api", MAPPING).unwrap_err();
    assert!(
        e.message.contains("must not carry a user name or password") && !e.message.contains("pw@"),
        "{}",
        e.message
    );
    assert_eq!(
        RestConfig::new("ftp://x", MAPPING).unwrap_err().argument,
        "url"
    );
}
