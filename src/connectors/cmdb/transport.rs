//! HTTP to the CMDB: basic authentication or an OAuth bearer token (cached until it expires,
//! renewed once when refused), retries of transient failures, paging through a table, and
//! one-sentence errors that never carry a secret. Requests go through `crate::http`: the
//! credentials and the token request only ever go to the configured instance, and answers are
//! read up to `max_response_mb`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::blocking::RequestBuilder;
use reqwest::header::{ACCEPT, LINK};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::oauth::{check_auth, redactor_for};
use super::records::Record;
use super::{normalise_base, CmdbAuth, CmdbConfig, Secret, SOURCE};
use crate::connectors::ConnectorError;
use crate::http::retry::{self, Attempt};
use crate::http::{HttpClient, HttpError, HttpSettings, Reply, RetryPolicy};
use crate::input::{json_type, quote};
use crate::secret::Redactor;

/// Records per page; the Table API's own default (10 000) makes slow, large answers.
const PAGE_SIZE: usize = 500;
/// More records than this for one lookup means the query is wrong, not that the CMDB is big.
const MAX_RECORDS: usize = 20_000;

/// `sysparm_display_value`: stored values only, or values and display values together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Display {
    False,
    All,
}

pub(super) struct Token {
    pub(super) value: Secret,
    pub(super) usable_until: Instant,
}

struct Page {
    records: Vec<Record>,
    total: Option<usize>,
    next: bool,
}

pub(crate) struct Transport {
    pub(super) http: HttpClient,
    pub(super) base: String,
    pub(super) host: String,
    pub(super) auth: CmdbAuth,
    pub(crate) retry: RetryPolicy,
    pub(crate) page_size: usize,
    pub(super) token: Mutex<Option<Token>>,
    /// Everything to scrub from server text: the configured secrets and each token received.
    pub(super) redactor: Redactor,
    pub(super) log: Mutex<Vec<String>>,
    /// Requests sent (attempts, retries included), for the walk's bound.
    pub(super) requests: AtomicUsize,
}

/// A failed attempt: an answer worth retrying (kept, to be judged if the retries run out), or a
/// request that got no answer.
enum Failed {
    Answer(Reply),
    Transport(String),
}

impl Transport {
    pub(crate) fn new(cfg: CmdbConfig) -> Result<Transport, ConnectorError> {
        let base = normalise_base(&cfg.base_url)?;
        let host = base.split('/').nth(2).unwrap_or_default().to_string();
        check_auth(&cfg.auth)?;
        if cfg.timeout.is_zero() {
            return Err(ConnectorError::new(
                SOURCE,
                "The CMDB timeout is zero; give it a number of seconds such as 30.",
            ));
        }
        let mut settings = HttpSettings::new(cfg.timeout, cfg.max_response_mb, "max_response_mb");
        settings.verify_tls = cfg.verify_tls;
        settings.use_proxy = cfg.use_proxy;
        let http = HttpClient::new(&base, settings)
            .map_err(|e| ConnectorError::new(SOURCE, sentence(&e.describe("the CMDB"))))?;
        Ok(Transport {
            http,
            base,
            host,
            redactor: redactor_for(&cfg.auth),
            auth: cfg.auth,
            retry: RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(5),
                budget: Duration::from_secs(30),
            },
            page_size: PAGE_SIZE,
            token: Mutex::new(None),
            log: Mutex::new(Vec::new()),
            requests: AtomicUsize::new(0),
        })
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    pub(crate) fn drain_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(super) fn debug(&self, line: String) {
        let line = self.scrub(&line);
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }

    pub(super) fn scrub(&self, text: &str) -> String {
        self.redactor.scrub(text)
    }

    /// Requests sent so far (each attempt counts).
    pub(crate) fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    pub(super) fn fail(&self, message: String) -> ConnectorError {
        ConnectorError::new(SOURCE, sentence(&self.scrub(&message)))
    }

    /// An answer that arrived but cannot be used (a record without sys_id, a relation without parent).
    pub(crate) fn unusable(&self, message: String) -> ConnectorError {
        self.fail(format!(
            "The answer of the CMDB at {} is unusable: {message}",
            self.host
        ))
    }

    /// The records of `table` matching the encoded `query`, page by page, in at most
    /// `max_requests` requests; `false` when that bound stopped the paging early.
    pub(crate) fn table(
        &self,
        table: &str,
        query: &str,
        fields: &str,
        display: Display,
        max_requests: usize,
    ) -> Result<(Vec<Record>, bool), ConnectorError> {
        let mut all: Vec<Record> = Vec::new();
        let first_request = self.requests();
        loop {
            if self.requests() - first_request >= max_requests {
                return Ok((all, false));
            }
            let offset = all.len();
            let page = self.page(table, query, fields, display, offset)?;
            let n = page.records.len();
            self.debug(format!(
                "GET {table} offset {offset}: {n} record(s){}",
                page.total.map(|t| format!(" of {t}")).unwrap_or_default()
            ));
            all.extend(page.records);
            let more = n > 0
                && match (page.total, page.next) {
                    (Some(total), _) => offset + n < total,
                    (None, next) => next || n >= self.page_size,
                };
            if !more {
                return Ok((all, true));
            }
            if all.len() >= MAX_RECORDS {
                return Err(self.fail(format!(
                    "The CMDB at {} answered more than {MAX_RECORDS} records of table {table} for the query {}; the lookup is too broad, so narrow the asset or report the query",
                    self.host,
                    quote(query)
                )));
            }
        }
    }

    /// The first record of `table` matching `query`: one request, to check access.
    pub(crate) fn table_page_one(
        &self,
        table: &str,
        query: &str,
        fields: &str,
    ) -> Result<Vec<Record>, ConnectorError> {
        let page = self.page(table, query, fields, Display::False, 0)?;
        Ok(page.records)
    }

    fn page(
        &self,
        table: &str,
        query: &str,
        fields: &str,
        display: Display,
        offset: usize,
    ) -> Result<Page, ConnectorError> {
        let params = [
            ("sysparm_query", query.to_string()),
            ("sysparm_fields", fields.to_string()),
            ("sysparm_limit", self.page_size.to_string()),
            ("sysparm_offset", offset.to_string()),
            (
                "sysparm_display_value",
                (if display == Display::All {
                    "all"
                } else {
                    "false"
                })
                .to_string(),
            ),
            ("sysparm_exclude_reference_link", "true".to_string()),
        ];
        let reply = self.get(table, &params)?;
        if !reply.status.is_success() {
            // Older releases answer an empty list as 404 "No Record found".
            if reply.status == StatusCode::NOT_FOUND
                && self.server_message(&reply).starts_with("No Record found")
            {
                return Ok(Page {
                    records: Vec::new(),
                    total: Some(0),
                    next: false,
                });
            }
            return Err(self.status_error(table, &reply));
        }
        let where_ = format!("table {table} (offset {offset})");
        let body: Value = serde_json::from_slice(&reply.body).map_err(|_| {
            self.fail(format!(
                "The CMDB at {} answered {where_} with something that is not JSON ({}); check that the base URL is the instance address and that the instance is awake and not behind a login page",
                self.host,
                self.snippet(&reply)
            ))
        })?;
        let result = body.get("result").ok_or_else(|| {
            self.fail(format!(
                "The CMDB at {} answered {where_} with JSON that has no `result` list; check that the base URL points at a ServiceNow Table API",
                self.host
            ))
        })?;
        let Value::Array(items) = result else {
            return Err(self.fail(format!(
                "The CMDB at {} answered {where_} with a `result` that is {}, not a list of records; check that the base URL points at a ServiceNow Table API",
                self.host,
                json_type(result)
            )));
        };
        let mut records = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::Object(o) => records.push(o.clone()),
                other => {
                    return Err(self.unusable(format!(
                        "record {} of table {table} is {}, not an object",
                        offset + i + 1,
                        json_type(other)
                    )))
                }
            }
        }
        let total = reply
            .header("x-total-count")
            .and_then(|v| v.trim().parse().ok());
        let next = reply
            .headers
            .get_all(LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("rel=\"next\""));
        Ok(Page {
            records,
            total,
            next,
        })
    }

    /// A GET with credentials; an OAuth token the CMDB refuses is renewed once.
    fn get(&self, table: &str, params: &[(&str, String)]) -> Result<Reply, ConnectorError> {
        let url = format!("{}/api/now/table/{table}", self.base);
        let label = format!("GET {table}");
        let mut renewed = false;
        loop {
            let bearer = match self.auth {
                CmdbAuth::OAuth { .. } => Some(self.token()?),
                CmdbAuth::Basic { .. } => None,
            };
            let reply = self.exchange(&label, Method::GET, &url, &|req: RequestBuilder| {
                let req = req.query(params).header(ACCEPT, "application/json");
                match (&self.auth, &bearer) {
                    (CmdbAuth::Basic { username, password }, _) => {
                        req.basic_auth(username, Some(password.expose()))
                    }
                    (_, Some(token)) => req.bearer_auth(token.expose()),
                    (_, None) => req,
                }
            })?;
            if reply.status == StatusCode::UNAUTHORIZED && bearer.is_some() && !renewed {
                renewed = true;
                // Forget it unless another thread has already put a newer one in its place.
                let mut slot = self.token.lock().unwrap_or_else(|p| p.into_inner());
                if slot.as_ref().map(|t| &t.value) == bearer.as_ref() {
                    *slot = None;
                }
                drop(slot);
                self.debug(format!(
                    "{label}: the access token was refused (HTTP 401); requesting a new one"
                ));
                continue;
            }
            return Ok(reply);
        }
    }

    /// One request with retries of 429, 502, 503, 504 and failed connections (never a TLS
    /// failure, a refused redirect or an answer too large). Every other HTTP answer (and the last
    /// retried one) is returned for the caller to judge.
    pub(super) fn exchange(
        &self,
        label: &str,
        method: Method,
        url: &str,
        build: &dyn Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Reply, ConnectorError> {
        let attempt = || {
            self.requests.fetch_add(1, Ordering::Relaxed);
            match self.http.exchange(&method, url, build) {
                Ok(reply) if matches!(reply.status.as_u16(), 429 | 502 | 503 | 504) => {
                    let after = reply.retry_after();
                    Attempt::Retry {
                        error: Failed::Answer(reply),
                        after,
                    }
                }
                Ok(reply) => Attempt::Done(reply),
                Err(e) => {
                    let failed = Failed::Transport(self.transport_failure(&e, label));
                    // The token request resends a form that changes nothing: retried like a GET.
                    if e.retryable(true) {
                        Attempt::Retry {
                            error: failed,
                            after: None,
                        }
                    } else {
                        Attempt::Fail(failed)
                    }
                }
            }
        };
        let on_retry = |failed: &Failed, n: u32, delay: Duration| {
            let what = match failed {
                Failed::Answer(r) => format!("HTTP {}", r.status.as_u16()),
                Failed::Transport(m) => m.clone(),
            };
            self.debug(format!(
                "{label}: {what}; retry {n} in {:.1} s",
                delay.as_secs_f64()
            ));
        };
        match retry::run(&self.retry, attempt, on_retry) {
            Ok(reply) | Err((Failed::Answer(reply), _)) => Ok(reply),
            Err((Failed::Transport(message), _)) => Err(self.fail(message)),
        }
    }

    fn transport_failure(&self, e: &HttpError, label: &str) -> String {
        let host = &self.host;
        let service = format!("the CMDB at {host}");
        match e {
            HttpError::Tls(cause) => format!("The TLS connection to the CMDB at {host} failed ({cause}); install the instance's CA certificate, or for a test instance only, trust any certificate (insecure)"),
            HttpError::Timeout(t) => format!(
                "The CMDB at {host} gave no answer within {} ({label}); raise the timeout, or check the instance's health and the network path to it",
                seconds(*t)
            ),
            HttpError::Connect(cause) => format!("The CMDB at {host} could not be reached ({cause}); check the base URL, the network and the proxy setting"),
            HttpError::Broken(cause) | HttpError::Truncated { cause, .. } => format!("The connection to the CMDB at {host} broke during {label} ({cause}); try again, and check the proxy setting if it persists"),
            other => format!("{label}: {}", crate::input::capitalised(&other.describe(&service))),
        }
    }

    /// What the server said, from ServiceNow's error envelope, an OAuth error, or an HTML title.
    pub(super) fn server_message(&self, reply: &Reply) -> String {
        let from_json = serde_json::from_slice::<Value>(&reply.body)
            .ok()
            .and_then(|v| {
                let err = v.get("error");
                let message = err.and_then(|e| e.get("message")).and_then(Value::as_str);
                let detail = err.and_then(|e| e.get("detail")).and_then(Value::as_str);
                match (message, detail) {
                    (Some(m), Some(d)) if !d.trim().is_empty() && d != m => {
                        Some(format!("{m} ({d})"))
                    }
                    (Some(m), _) => Some(m.to_string()),
                    _ => v
                        .get("error_description")
                        .or_else(|| err.filter(|e| e.is_string()))
                        .or_else(|| v.get("message"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }
            });
        let text = from_json.unwrap_or_else(|| self.snippet(reply));
        // Scrubbed before it is cut, so that no head of a secret survives the cut.
        let text = self
            .redactor
            .excerpt(&text.split_whitespace().collect::<Vec<_>>().join(" "), 160);
        if text.is_empty() {
            reply
                .status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            text
        }
    }

    fn status_error(&self, table: &str, reply: &Reply) -> ConnectorError {
        let host = &self.host;
        let code = reply.status.as_u16();
        let msg = self.server_message(reply);
        let creds = match self.auth {
            CmdbAuth::Basic { .. } => "the user name and password",
            CmdbAuth::OAuth { .. } => "the OAuth client ID and secret and the user",
        };
        self.fail(match code {
            401 => format!("The CMDB at {host} refused the credentials (HTTP 401 on table {table}: {msg}); check {creds} of the CMDB in the instance settings"),
            403 => format!("The CMDB at {host} refused the credentials for table {table} (HTTP 403: {msg}); give the CMDB user read access to cmdb_ci, cmdb_ci_service and cmdb_rel_ci, for example the cmdb_read role"),
            404 => format!("The CMDB at {host} has no Table API for {table} (HTTP 404: {msg}); check that the base URL is the instance address, such as https://example.service-now.com, without /api/now"),
            400 if msg.to_ascii_lowercase().contains("invalid table") => format!("The CMDB at {host} has no table {table} (HTTP 400: {msg}); check that the base URL points at a ServiceNow instance with the CMDB tables cmdb_ci, cmdb_ci_service and cmdb_rel_ci"),
            429 => format!("The CMDB at {host} kept limiting the rate of requests (HTTP 429 on table {table}: {msg}); try again in a few minutes, or raise the CMDB user's rate limit"),
            500..=599 => format!("The CMDB at {host} failed with HTTP {code} on table {table} ({msg}); try again later, and tell the CMDB administrators if it persists"),
            _ => format!("The CMDB at {host} answered HTTP {code} on table {table} ({msg}); check the base URL and the instance's REST API settings"),
        })
    }
}

impl Transport {
    /// A short view of an answer's body, scrubbed before it is cut.
    pub(super) fn snippet(&self, reply: &Reply) -> String {
        // The first 16 KiB hold any title worth quoting; the rest is never looked at.
        let head = &reply.body[..reply.body.len().min(16 * 1024)];
        snippet(&self.redactor, &String::from_utf8_lossy(head))
    }
}

/// A short, quoted view of a body: an HTML page's title, else its first characters.
pub(super) fn snippet(redactor: &Redactor, body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>")) {
        if start + 7 <= end {
            let title = redactor.excerpt(body[start + 7..end].trim(), 60);
            return format!("an HTML page titled '{title}'");
        }
    }
    let t = body.trim();
    if t.is_empty() {
        "an empty body".to_string()
    } else {
        format!("it starts with '{}'", redactor.excerpt(t, 60))
    }
}

fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.0} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

pub(super) fn sentence(msg: &str) -> String {
    let t = msg.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_name_html_titles_and_cut_long_bodies() {
        let r = Redactor::new();
        assert_eq!(
            snippet(&r, "<html><head><title>Instance Hibernating page</title>"),
            "an HTML page titled 'Instance Hibernating page'"
        );
        assert!(snippet(&r, &"x".repeat(500)).len() < 100);
        assert_eq!(snippet(&r, "  "), "an empty body");
        r.add("client_SECRET-abcdef0123");
        let s = snippet(&r, &format!("{}client_SECRET-abcdef0123", "y".repeat(50)));
        assert!(!s.contains("client_SECRET"), "{s}");
    }
}
