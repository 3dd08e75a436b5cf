//! The SOCRadar Incident API v4 client: blocking HTTP with retries, over rustls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::actions::ActionRequest;
use super::error::{sentence, SocRadarError};
use super::retry::{parse_retry_after, RetryPolicy};
use super::search::{parse_search_response, DateFormat, SearchPage, SearchQuery};
use crate::errchain::{is_tls, root_cause};
use crate::input::{self, InputError};

/// The API key. Its `Debug` never shows the value, and messages built from server text are
/// scrubbed of it before they leave the client.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(raw: &str) -> Result<Self, InputError> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(InputError::new(
                "credentials",
                "The API key is empty; paste the company API key from SOCRadar's API Options page.",
            ));
        }
        if HeaderValue::from_str(t).is_err() {
            return Err(InputError::new(
                "credentials",
                "The API key contains characters that cannot be sent in an HTTP header (such as a line break); paste it again.",
            ));
        }
        Ok(ApiKey(t.to_string()))
    }

    /// Replaces every occurrence of the key in `text`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() >= 4 {
            text.replace(&self.0, "[redacted]")
        } else {
            text.to_string()
        }
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub api_key: ApiKey,
    pub company_id: u64,
    /// Verify the server certificate (XSOAR's `insecure` unchecked).
    pub verify_tls: bool,
    /// Use the proxy of the environment (XSOAR's `proxy`); when false, no proxy at all.
    pub use_proxy: bool,
    /// Per-attempt timeout.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    pub date_format: DateFormat,
    /// Pages a fetch may read at once over keep-alive connections.
    pub page_concurrency: usize,
}

impl ClientConfig {
    pub fn new(base_url: &str, api_key: &str, company_id: u64) -> Result<Self, InputError> {
        Ok(ClientConfig {
            base_url: input::base_url("url", base_url)?,
            api_key: ApiKey::new(api_key)?,
            company_id,
            verify_tls: true,
            use_proxy: false,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            date_format: DateFormat::Epoch,
            page_concurrency: 4,
        })
    }
}

/// Counters of one client's traffic, for fetch statistics and benchmarks.
#[derive(Debug, Default)]
pub struct Traffic {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

pub struct SocRadarClient {
    http: Client,
    config: ClientConfig,
    pub traffic: Traffic,
    log: Mutex<Vec<String>>,
}

/// A failed attempt and whether trying again may help.
struct Failure {
    error: SocRadarError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl SocRadarClient {
    pub fn new(config: ClientConfig) -> Result<Self, SocRadarError> {
        let mut builder = Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("dora-bridge/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(config.page_concurrency.max(1))
            .danger_accept_invalid_certs(!config.verify_tls);
        if !config.use_proxy {
            // `proxy` unchecked means no proxy, even when HTTP(S)_PROXY is set in the image.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| SocRadarError::Transport {
            message: sentence(&format!(
                "the HTTP client could not start: {}",
                root_cause(&e)
            )),
        })?;
        Ok(SocRadarClient {
            http,
            config,
            traffic: Traffic::default(),
            log: Mutex::new(Vec::new()),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Debug lines recorded since the last call (retries, pages); never hold the key.
    pub fn drain_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(crate) fn debug(&self, line: String) {
        let line = self.config.api_key.scrub(&line);
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }

    fn url(&self, company_id: u64, path: &str) -> String {
        format!("{}/company/{}{}", self.config.base_url, company_id, path)
    }

    /// One page of the search endpoint.
    pub fn search(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        let params = query.params(self.config.date_format);
        let url = self.url(self.config.company_id, "/incidents/v4");
        let body = self.send(Method::GET, &url, "/incidents/v4", |req| req.query(&params))?;
        parse_search_response(body)
    }

    /// Sends one action for `company_id` (the instance's when `None`); returns the API's answer.
    pub fn act(
        &self,
        action: &ActionRequest,
        company_id: Option<u64>,
    ) -> Result<Value, SocRadarError> {
        let cid = company_id.unwrap_or(self.config.company_id);
        let url = self.url(cid, &action.path);
        let method = Method::from_bytes(action.method.as_bytes()).unwrap_or(Method::POST);
        self.send(method, &url, &action.path, |req| req.json(&action.body))
    }

    /// One alarm by its `notification_id` (the one-alarm read SOCRadar's own connectors use),
    /// or `None` when the server has no such alarm for this company.
    pub fn alarm_by_notification_id(
        &self,
        notification_id: u64,
    ) -> Result<Option<Value>, SocRadarError> {
        let params = [
            ("notification_ids", notification_id.to_string()),
            ("limit", "1".to_string()),
            ("page", "1".to_string()),
            ("include_total_records", "false".to_string()),
        ];
        let url = self.url(self.config.company_id, "/incidents/v4");
        let body = self.send(Method::GET, &url, "/incidents/v4", |req| req.query(&params))?;
        let page = parse_search_response(body)?;
        Ok(page.alarms.into_iter().find(|a| {
            a.get("notification_id")
                .and_then(super::mirror::view::as_id)
                == Some(notification_id)
        }))
    }

    /// Sends with retries. GET and DELETE (idempotent) are retried on 429, 502, 503, 504,
    /// timeouts and broken connections; POST (not idempotent: a comment posted twice shows
    /// twice) only where the server cannot have acted: 429, 503 and connections that were never
    /// established. A POST whose outcome is unknown is never repeated here: the caller checks
    /// the alarm first (`socradar::tags`, `socradar::mirror::outgoing`).
    fn send(
        &self,
        method: Method,
        url: &str,
        label: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Value, SocRadarError> {
        let idempotent = method == Method::GET || method == Method::DELETE;
        let started = Instant::now();
        let policy = &self.config.retry;
        let mut retry = 0u32;
        loop {
            self.traffic.requests.fetch_add(1, Ordering::Relaxed);
            let req =
                build(self.http.request(method.clone(), url)).header("API-Key", self.key_header());
            let failure = match req.send() {
                Ok(resp) => match self.read(resp, idempotent) {
                    Ok(v) => return Ok(v),
                    Err(f) => f,
                },
                Err(e) => self.transport_failure(&e, label, idempotent),
            };
            if !failure.retryable || retry >= policy.max_retries {
                return Err(failure.error);
            }
            let delay = policy.delay(retry, failure.retry_after);
            if started.elapsed() + delay > policy.budget {
                self.debug(format!("{method} {label}: giving up, the next retry would pass the {:.0} s retry budget", policy.budget.as_secs_f64()));
                return Err(failure.error);
            }
            self.debug(format!(
                "{method} {label}: {} Retry {} in {:.1} s.",
                failure.error,
                retry + 1,
                delay.as_secs_f64()
            ));
            self.traffic.retries.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(delay);
            retry += 1;
        }
    }

    fn key_header(&self) -> HeaderValue {
        let mut v = HeaderValue::from_str(&self.config.api_key.0).expect("checked in ApiKey::new");
        v.set_sensitive(true);
        v
    }

    fn read(&self, resp: Response, idempotent: bool) -> Result<Value, Failure> {
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let text = resp.text().map_err(|e| Failure {
            error: SocRadarError::Transport {
                message: sentence(&format!(
                    "the answer (HTTP {}) broke off while being read: {}",
                    status.as_u16(),
                    root_cause(&e)
                )),
            },
            retryable: idempotent,
            retry_after: None,
        })?;
        let body: Option<Value> = serde_json::from_str(&text).ok();
        let server_message = body
            .as_ref()
            .and_then(|b| b.get("message"))
            .and_then(Value::as_str)
            .map(|m| self.config.api_key.scrub(&sentence(m)));
        let fail = |error, retryable| Failure {
            error,
            retryable,
            retry_after,
        };
        let message = || {
            server_message.clone().unwrap_or_else(|| {
                sentence(status.canonical_reason().unwrap_or("no message given"))
            })
        };
        match status {
            s if s.is_success() => match body {
                Some(b) if b.get("is_success") == Some(&Value::Bool(false)) => Err(fail(
                    SocRadarError::Api {
                        status: Some(s.as_u16()),
                        message: message(),
                    },
                    false,
                )),
                Some(b) => Ok(b),
                None => Err(fail(
                    SocRadarError::Api {
                        status: Some(s.as_u16()),
                        message: "the answer is not valid JSON.".into(),
                    },
                    false,
                )),
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(fail(
                SocRadarError::Authentication {
                    status: status.as_u16(),
                    message: message(),
                },
                false,
            )),
            StatusCode::NOT_FOUND => {
                Err(fail(SocRadarError::NotFound { message: message() }, false))
            }
            StatusCode::TOO_MANY_REQUESTS => Err(fail(
                SocRadarError::RateLimited {
                    message: message(),
                    retry_after_seconds: retry_after.map(|d| d.as_secs_f64()),
                },
                true,
            )),
            StatusCode::SERVICE_UNAVAILABLE => Err(fail(
                SocRadarError::Api {
                    status: Some(503),
                    message: message(),
                },
                true,
            )),
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => Err(fail(
                SocRadarError::Api {
                    status: Some(status.as_u16()),
                    message: message(),
                },
                idempotent,
            )),
            s => Err(fail(
                SocRadarError::Api {
                    status: Some(s.as_u16()),
                    message: message(),
                },
                false,
            )),
        }
    }

    fn transport_failure(&self, e: &reqwest::Error, label: &str, idempotent: bool) -> Failure {
        let host = self.config.base_url.split('/').nth(2).unwrap_or_default();
        let tls = is_tls(e);
        let what = if e.is_timeout() {
            format!(
                "no answer within {:.0} s",
                self.config.timeout.as_secs_f64()
            )
        } else if tls {
            "the TLS connection failed".to_string()
        } else if e.is_connect() {
            "the connection could not be established".to_string()
        } else {
            "the connection failed".to_string()
        };
        let advice = if tls && self.config.verify_tls {
            "; install the server's CA certificate on the engine, or for a test server only, check Trust any certificate (not secure)"
        } else {
            ""
        };
        let message = self.config.api_key.scrub(&sentence(&format!(
            "{what} ({host}, {label}): {}{advice}",
            root_cause(e)
        )));
        // A connection that never opened carried nothing: safe to retry even a POST. A
        // certificate the client refuses stays refused: no retry.
        Failure {
            error: SocRadarError::Transport { message },
            retryable: !tls && (idempotent || e.is_connect()),
            retry_after: None,
        }
    }
}

/// What the fetch needs from a server: one page of a search. Implemented by the HTTP client and,
/// in tests, by in-memory simulations.
pub trait AlarmSource: Sync {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError>;
    fn note(&self, _line: String) {}
}

impl AlarmSource for SocRadarClient {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        self.search(query)
    }
    fn note(&self, line: String) {
        self.debug(line);
    }
}

impl<T: AlarmSource + Send> AlarmSource for std::sync::Arc<T> {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        self.as_ref().search_page(query)
    }
    fn note(&self, line: String) {
        self.as_ref().note(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug_or_scrubbed_text() {
        let k = ApiKey::new("s3cr3t-key-123").unwrap();
        assert!(!format!("{k:?}").contains("s3cr3t"));
        assert_eq!(
            k.scrub("bad key s3cr3t-key-123 given"),
            "bad key [redacted] given"
        );
        let cfg = ClientConfig::new("https://x.example/api", "s3cr3t-key-123", 1).unwrap();
        assert!(!format!("{cfg:?}").contains("s3cr3t"));
    }

    #[test]
    fn keys_that_cannot_travel_in_a_header_are_refused_without_echo() {
        let e = ApiKey::new("abc\ndef").unwrap_err();
        assert!(!e.message.contains("abc"));
        assert!(ApiKey::new("   ").is_err());
    }
}
