//! `HttpClient` against local servers: redirects kept on the configured origin, answers bounded
//! in size, failures classified by type.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};

use super::canned::{Canned, Resp};
use super::*;

const KEY: &str = "API-Key-Under-Test-0099";

fn client(url: &str, max_mb: u64) -> HttpClient {
    HttpClient::new(
        url,
        HttpSettings::new(Duration::from_secs(5), max_mb, "max_response_mb"),
    )
    .unwrap()
}

fn with_key(req: reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder {
    req.header("API-Key", KEY)
        .json(&serde_json::json!({"comment": "keep me"}))
}

#[test]
fn the_redirect_decision() {
    let https = Url::parse("https://api.example:8443/api").unwrap();
    let at = |u: &str| Url::parse(u).unwrap();
    let r = |next: &str, status: u16, method: Method, n: usize| {
        refusal(
            &https,
            &at(next),
            StatusCode::from_u16(status).unwrap(),
            &method,
            n,
        )
    };
    assert_eq!(r("https://api.example:8443/v2", 301, Method::GET, 0), None);
    assert_eq!(r("https://api.example:8443/v2", 307, Method::POST, 0), None);
    assert_eq!(r("https://api.example:8443/v2", 308, Method::POST, 0), None);
    for status in [301, 302, 303] {
        assert_eq!(
            r("https://api.example:8443/v2", status, Method::POST, 0),
            Some(Refusal::MethodChange)
        );
    }
    assert_eq!(
        r("http://api.example:8443/v2", 307, Method::GET, 0),
        Some(Refusal::Downgrade)
    );
    for other in [
        "https://evil.example:8443/api",
        "https://api.example/api",
        "https://api.example:9443/api",
    ] {
        assert_eq!(
            r(other, 302, Method::GET, 0),
            Some(Refusal::OtherOrigin),
            "{other}"
        );
    }
    assert_eq!(
        r(
            "https://api.example:8443/loop",
            302,
            Method::GET,
            MAX_REDIRECTS
        ),
        Some(Refusal::TooMany)
    );
}

#[test]
fn a_redirect_to_another_origin_is_refused_and_the_key_never_goes_there() {
    let elsewhere = Canned::start(|_| Resp::json(200, serde_json::json!({"stolen": true})));
    for (method, status) in [
        (Method::GET, 301),
        (Method::GET, 302),
        (Method::POST, 307),
        (Method::POST, 308),
    ] {
        let target = format!("{}/collect?key=x", elsewhere.url);
        let home = Canned::start(move |_| {
            Resp::text(status, "text/plain", "moved").header("Location", &target)
        });
        let c = client(&home.url, 1);
        let e = c
            .exchange(&method, &format!("{}/api/x", home.url), &with_key)
            .unwrap_err();
        let HttpError::Redirect {
            refusal, location, ..
        } = &e
        else {
            panic!("{method} {status}: {e:?}");
        };
        assert_eq!(*refusal, Refusal::OtherOrigin);
        assert_eq!(location, &format!("{}/collect?…", elsewhere.url));
        let said = e.describe("SOCRadar");
        assert!(
            said.contains(&elsewhere.url) && said.contains("not followed"),
            "{said}"
        );
        assert_eq!(home.requests().len(), 1);
    }
    assert!(
        elsewhere.requests().is_empty(),
        "a request reached the other origin"
    );
}

#[test]
fn same_origin_redirects_keep_the_method_and_the_body_or_are_refused() {
    let srv = Canned::start(|req| match req.path.as_str() {
        "/old" => Resp::text(307, "text/plain", "").header("Location", "/new"),
        "/found" => Resp::text(302, "text/plain", "").header("Location", "/new"),
        "/loop" => Resp::text(302, "text/plain", "").header("Location", "/loop"),
        _ => Resp::json(
            200,
            serde_json::json!({"method": req.method, "body": req.body}),
        ),
    });
    let c = client(&srv.url, 1);
    let reply = c
        .exchange(&Method::POST, &format!("{}/old", srv.url), &with_key)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(v["method"], "POST");
    assert!(v["body"].as_str().unwrap().contains("keep me"));
    let new = srv
        .requests()
        .into_iter()
        .find(|r| r.path == "/new")
        .unwrap();
    assert_eq!(new.header("API-Key"), Some(KEY));
    // 302 to a POST would make it a GET: refused, and nothing reached /new again.
    let before = srv.count("/new");
    let e = c
        .exchange(&Method::POST, &format!("{}/found", srv.url), &with_key)
        .unwrap_err();
    assert!(
        matches!(
            e,
            HttpError::Redirect {
                refusal: Refusal::MethodChange,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.describe("SOCRadar").contains("nothing was changed"));
    assert_eq!(srv.count("/new"), before);
    // The same redirect for a GET is followed.
    let reply = c
        .exchange(&Method::GET, &format!("{}/found", srv.url), &with_key)
        .unwrap();
    assert_eq!(reply.status, 200);
    let e = c
        .exchange(&Method::GET, &format!("{}/loop", srv.url), &with_key)
        .unwrap_err();
    assert!(
        matches!(
            e,
            HttpError::Redirect {
                refusal: Refusal::TooMany,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(srv.count("/loop"), MAX_REDIRECTS + 1);
}

/// A server that sends `size` bytes with no Content-Length and closes: the client must count.
fn unannounced(size: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
            line.clear();
        }
        let mut w = stream;
        let _ = w.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        );
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            if w.write_all(&chunk).is_err() {
                return; // the client stopped reading: that is the point
            }
            sent += chunk.len();
        }
    });
    url
}

#[test]
fn answers_larger_than_the_limit_are_refused_announced_or_not() {
    let big = "x".repeat(1024 * 1024 + 10);
    let srv = Canned::start(move |_| Resp::text(200, "application/json", &big));
    let e = client(&srv.url, 1)
        .exchange(&Method::GET, &format!("{}/page", srv.url), &with_key)
        .unwrap_err();
    assert_eq!(
        e,
        HttpError::TooLarge {
            limit: 1024 * 1024,
            declared: Some(1024 * 1024 + 10),
            param: "max_response_mb"
        }
    );
    let said = e.describe("SOCRadar");
    assert!(
        said.contains("larger than the 1 MB allowed") && said.contains("max_response_mb"),
        "{said}"
    );
    let url = unannounced(64 * 1024 * 1024);
    let e = client(&url, 2)
        .exchange(&Method::GET, &format!("{url}/page"), &with_key)
        .unwrap_err();
    assert!(
        matches!(e, HttpError::TooLarge { declared: None, .. }),
        "{e:?}"
    );
    let url = unannounced(512 * 1024);
    let reply = client(&url, 1)
        .exchange(&Method::GET, &format!("{url}/page"), &with_key)
        .unwrap();
    assert!(reply.body.len() >= 512 * 1024);
}

#[test]
fn failures_are_classified_by_type() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}");
    let e = client(&url, 1)
        .exchange(&Method::GET, &format!("{url}/x"), &with_key)
        .unwrap_err();
    assert!(matches!(e, HttpError::Connect(_)), "{e:?}");
    assert!(
        e.retryable(false),
        "a connection never opened carried nothing"
    );
    let slow =
        Canned::start(|_| Resp::json(200, serde_json::json!({})).delayed(Duration::from_secs(3)));
    let c = HttpClient::new(
        &slow.url,
        HttpSettings::new(Duration::from_millis(300), 1, "max_response_mb"),
    )
    .unwrap();
    let e = c
        .exchange(&Method::POST, &format!("{}/x", slow.url), &with_key)
        .unwrap_err();
    assert!(matches!(e, HttpError::Timeout(_)), "{e:?}");
    assert!(!e.retryable(false) && e.retryable(true));
    let e = client(&slow.url, 1)
        .exchange(&Method::GET, "http://127.0.0.2:1/elsewhere", &with_key)
        .unwrap_err();
    assert!(matches!(e, HttpError::Setup(_)), "{e:?}");
    let e = HttpClient::new(
        "https://user:pw-in-url-77@host.example",
        HttpSettings::new(Duration::from_secs(1), 1, "max_response_mb"),
    )
    .unwrap_err();
    assert!(!e.describe("x").contains("pw-in-url-77"));
}
