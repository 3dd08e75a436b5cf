//! The SOCRadar Incident API v4 client: blocking HTTP with retries, over rustls, through the
//! core's one outbound HTTP module (`crate::http`): the API key only ever goes to the configured
//! origin, answers are read up to `max_response_mb`, and every message is scrubbed of the key.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::blocking::RequestBuilder;
use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::actions::ActionRequest;
use super::error::{sentence, SocRadarError};
use super::page::SearchPage;
use super::search::{DateFormat, SearchQuery};
use crate::http::retry::RetryPolicy;
use crate::http::retry::{self, Attempt, GaveUp};
use crate::http::{HttpClient, HttpError, HttpSettings, Reply};
use crate::input::{self, InputError};
use crate::secret::Redactor;

/// The largest SOCRadar answer read by default, in MB (`max_response_mb`). A page of 100 alarms
/// with their content is well under 5 MB; 32 MB leaves room and still bounds the memory of the
/// pages a fetch reads at once.
pub const DEFAULT_MAX_RESPONSE_MB: u64 = 32;

/// The API key. Its `Debug` never shows the value, and messages built from server text are
/// scrubbed of it (in every spelling) before they leave the client.
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

    /// Replaces every occurrence of the key in `text`, as given and in the spellings a server
    /// may echo it in (percent-encoded, JSON-escaped).
    pub fn scrub(&self, text: &str) -> String {
        self.redactor().scrub(text)
    }

    fn redactor(&self) -> Redactor {
        let r = Redactor::new();
        r.add(&self.0);
        r
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
    /// The largest answer read (`max_response_mb`), in MB.
    pub max_response_mb: u64,
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
            max_response_mb: DEFAULT_MAX_RESPONSE_MB,
        })
    }

    /// Reads the transport bounds that `InstanceParams` leaves to the client: `max_response_mb`.
    pub fn with_transport_params(mut self, params: &Value) -> Result<Self, InputError> {
        let raw = match params.get("max_response_mb") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        self.max_response_mb =
            crate::http::max_body_mb("max_response_mb", &raw, DEFAULT_MAX_RESPONSE_MB)?;
        Ok(self)
    }
}

/// Counters of one client's traffic, for fetch statistics and benchmarks.
#[derive(Debug, Default)]
pub struct Traffic {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
}

/// A successful answer: its text (`is_success` checked) and the server's clock (`Date`).
pub(crate) struct Answer {
    text: String,
    date: Option<i64>,
}

/// The members of an answer the client reads before handing the text on: no `Value` tree of a
/// page of alarms is built to find its `is_success` and `message`.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    is_success: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    message: Option<&'a serde_json::value::RawValue>,
}

pub struct SocRadarClient {
    http: HttpClient,
    config: ClientConfig,
    redactor: Redactor,
    pub traffic: Traffic,
    log: Mutex<Vec<String>>,
}

impl SocRadarClient {
    pub fn new(config: ClientConfig) -> Result<Self, SocRadarError> {
        let mut settings =
            HttpSettings::new(config.timeout, config.max_response_mb, "max_response_mb");
        settings.verify_tls = config.verify_tls;
        settings.use_proxy = config.use_proxy;
        settings.idle_per_host = config.page_concurrency.max(1);
        let http =
            HttpClient::new(&config.base_url, settings).map_err(|e| SocRadarError::Transport {
                message: sentence(&e.describe("SOCRadar")),
            })?;
        Ok(SocRadarClient {
            http,
            redactor: config.api_key.redactor(),
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
        let line = self.redactor.scrub(&line);
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }

    fn url(&self, company_id: u64, path: &str) -> String {
        format!("{}/company/{}{}", self.config.base_url, company_id, path)
    }

    /// One page of the search endpoint, read from the answer's text (no `Value` tree).
    pub fn search(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        let params = query.params(self.config.date_format);
        let url = self.url(self.config.company_id, "/incidents/v4");
        let answer = self.send(Method::GET, &url, "/incidents/v4", |req| req.query(&params))?;
        let mut page = SearchPage::parse(answer.text)?;
        page.server_time = answer.date;
        Ok(page)
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
        let answer = self.send(method, &url, &action.path, |req| req.json(&action.body))?;
        serde_json::from_str(&answer.text).map_err(|_| SocRadarError::Api {
            status: Some(200),
            message: "the answer is not valid JSON.".into(),
        })
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
        let answer = self.send(Method::GET, &url, "/incidents/v4", |req| req.query(&params))?;
        let page = SearchPage::parse(answer.text)?;
        let found = page.alarm_values().find(|a| {
            a.get("notification_id")
                .and_then(super::mirror::view::as_id)
                == Some(notification_id)
        });
        Ok(found)
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
    ) -> Result<Answer, SocRadarError> {
        let idempotent = method == Method::GET || method == Method::DELETE;
        let policy = &self.config.retry;
        let attempt = || {
            self.traffic.requests.fetch_add(1, Ordering::Relaxed);
            let with_key = |req: RequestBuilder| build(req).header("API-Key", self.key_header());
            match self.http.exchange(&method, url, &with_key) {
                Ok(reply) => self.judge(reply, idempotent),
                Err(e) => {
                    let retryable = e.retryable(idempotent);
                    let error = self.transport_error(&e, label);
                    if retryable {
                        Attempt::Retry { error, after: None }
                    } else {
                        Attempt::Fail(error)
                    }
                }
            }
        };
        let on_retry = |error: &SocRadarError, n: u32, delay: Duration| {
            self.debug(format!(
                "{method} {label}: {error} Retry {n} in {:.1} s.",
                delay.as_secs_f64()
            ));
            self.traffic.retries.fetch_add(1, Ordering::Relaxed);
        };
        retry::run(policy, attempt, on_retry).map_err(|(error, why)| {
            if why == GaveUp::Budget {
                self.debug(format!(
                    "{method} {label}: giving up, the next retry would pass the {:.0} s retry budget",
                    policy.budget.as_secs_f64()
                ));
            }
            error
        })
    }

    fn key_header(&self) -> HeaderValue {
        let mut v = HeaderValue::from_str(&self.config.api_key.0).expect("checked in ApiKey::new");
        v.set_sensitive(true);
        v
    }

    /// An answer that arrived: its text, or the error it stands for and whether to retry. Only
    /// the envelope is read here; the caller reads the rest of the text its own way.
    fn judge(&self, reply: Reply, idempotent: bool) -> Attempt<Answer, SocRadarError> {
        let status = reply.status;
        let retry_after = reply.retry_after();
        let date = reply
            .header("date")
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .map(|t| t.timestamp());
        // Bytes that are not UTF-8 become U+FFFD: one bad byte in one alarm spoils that alarm's
        // text at most, never the page.
        let text = match String::from_utf8(reply.body) {
            Ok(t) => t,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        let envelope: Option<Envelope<'_>> = serde_json::from_str(&text).ok();
        let is_json =
            envelope.is_some() || serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
        let server_message = envelope
            .as_ref()
            .and_then(|e| e.message)
            .and_then(|m| serde_json::from_str::<String>(m.get()).ok())
            .map(|m| sentence(&self.redactor.excerpt(m.trim(), 300)));
        let refused = envelope
            .as_ref()
            .and_then(|e| e.is_success)
            .is_some_and(|v| v.get() == "false");
        let message = || {
            server_message.clone().unwrap_or_else(|| {
                sentence(status.canonical_reason().unwrap_or("no message given"))
            })
        };
        let api = |s: StatusCode| SocRadarError::Api {
            status: Some(s.as_u16()),
            message: message(),
        };
        let retry = |error| Attempt::Retry {
            error,
            after: retry_after,
        };
        match status {
            s if s.is_success() && refused => Attempt::Fail(api(s)),
            s if s.is_success() && is_json => Attempt::Done(Answer { text, date }),
            s if s.is_success() => Attempt::Fail(SocRadarError::Api {
                status: Some(s.as_u16()),
                message: "the answer is not valid JSON.".into(),
            }),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                Attempt::Fail(SocRadarError::Authentication {
                    status: status.as_u16(),
                    message: message(),
                })
            }
            StatusCode::NOT_FOUND => Attempt::Fail(SocRadarError::NotFound { message: message() }),
            StatusCode::TOO_MANY_REQUESTS => retry(SocRadarError::RateLimited {
                message: message(),
                retry_after_seconds: retry_after.map(|d| d.as_secs_f64()),
            }),
            StatusCode::SERVICE_UNAVAILABLE => retry(api(status)),
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT if idempotent => {
                retry(api(status))
            }
            s if s.is_redirection() => Attempt::Fail(SocRadarError::Api {
                status: Some(s.as_u16()),
                message: "the server answered with a redirect that gives no Location; check the URL in the instance.".into(),
            }),
            s => Attempt::Fail(api(s)),
        }
    }

    fn transport_error(&self, e: &HttpError, label: &str) -> SocRadarError {
        let host = self.http.origin();
        // The server answered, but with what the client refuses to use: an API error.
        match e {
            HttpError::Redirect { status, .. } => {
                return SocRadarError::Api {
                    status: Some(*status),
                    message: sentence(
                        &self
                            .redactor
                            .scrub(&format!("{} ({label})", e.describe("SOCRadar"))),
                    ),
                }
            }
            HttpError::TooLarge { .. } => {
                return SocRadarError::Api {
                    status: None,
                    message: sentence(&format!("{} ({label})", e.describe("SOCRadar"))),
                }
            }
            _ => {}
        }
        let what = match e {
            HttpError::Redirect { .. } | HttpError::TooLarge { .. } | HttpError::Setup(_) => {
                format!("{} ({label})", e.describe("SOCRadar"))
            }
            HttpError::Timeout(t) => format!(
                "no answer within {:.0} s ({host}, {label})",
                t.as_secs_f64()
            ),
            HttpError::Tls(cause) => {
                let advice = if self.config.verify_tls {
                    "; install the server's CA certificate on the engine, or for a test server only, check Trust any certificate (not secure)"
                } else {
                    ""
                };
                format!("the TLS connection failed ({host}, {label}): {cause}{advice}")
            }
            HttpError::Connect(cause) => {
                format!("the connection could not be established ({host}, {label}): {cause}")
            }
            HttpError::Broken(cause) => {
                format!("the connection failed ({host}, {label}): {cause}")
            }
            HttpError::Truncated { status, cause } => {
                format!("the answer (HTTP {status}) broke off while being read ({host}, {label}): {cause}")
            }
        };
        SocRadarError::Transport {
            message: sentence(&self.redactor.scrub(&what)),
        }
    }
}

/// What the fetch needs from a server: one page of a search. Implemented by the HTTP client and,
/// in tests, by in-memory simulations.
pub trait AlarmSource: Sync {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError>;
    fn note(&self, _line: String) {}
    /// HTTP requests sent so far, retries included, where the source counts them.
    fn attempts(&self) -> Option<u64> {
        None
    }
}

impl AlarmSource for SocRadarClient {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        self.search(query)
    }
    fn note(&self, line: String) {
        self.debug(line);
    }
    fn attempts(&self) -> Option<u64> {
        Some(self.traffic.requests.load(Ordering::Relaxed))
    }
}

impl<T: AlarmSource + Send> AlarmSource for std::sync::Arc<T> {
    fn search_page(&self, query: &SearchQuery<'_>) -> Result<SearchPage, SocRadarError> {
        self.as_ref().search_page(query)
    }
    fn note(&self, line: String) {
        self.as_ref().note(line);
    }
    fn attempts(&self) -> Option<u64> {
        self.as_ref().attempts()
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
