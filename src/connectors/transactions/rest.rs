//! The transaction scope read from a REST/JSON endpoint of the entity (a payments back office,
//! a data warehouse API).
//!
//! One request: GET with the parameters in the query string (`services` comma-separated), or
//! POST with a JSON body (`services` a list); the parameter names are configurable. The answer
//! is mapped by figure name → JSON pointer (RFC 6901), e.g.
//! `{"transactions_affected": "/data/count", "value_affected_eur": "/data/amount"}`. A pointer
//! that finds nothing, or null, leaves the figure unknown; a value that is not a number (or a
//! string holding one) is an error naming the pointer.
//!
//! Through `crate::http`: the credentials only go to the configured origin (a redirect elsewhere,
//! or one that would turn the POST into a GET, is refused), the answer is read up to
//! `max_response_mb`, and every message is scrubbed of the password or token in each of
//! its spellings (as given, percent-encoded, the base64 of `user:password`) before it is cut.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::blocking::RequestBuilder;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::decimal::Dec;
use super::dsn::Secret;
use super::{
    assemble, figure_name, figure_value, Reading, ScopeRequest, TransactionScope, FIGURE_NAMES,
};
use crate::connectors::ConnectorError;
use crate::http::retry::{self, Attempt};
use crate::http::{HttpClient, HttpError, HttpSettings, Reply, RetryPolicy};
use crate::input::{self, json_type, quote, InputError};
use crate::secret::Redactor;

/// The largest answer read by default, in MB (`max_response_mb`): the answer holds a few
/// figures.
pub const DEFAULT_MAX_RESPONSE_MB: u64 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestMethod {
    Get,
    Post,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestAuth {
    None,
    Basic { user: String, password: Secret },
    Bearer(Secret),
}

/// The names under which the request carries each parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterNames {
    pub services: String,
    pub window_start: String,
    pub window_end: String,
    pub reference_start: String,
    pub reference_end: String,
    pub reference_days: String,
}

impl Default for ParameterNames {
    fn default() -> Self {
        ParameterNames {
            services: "services".into(),
            window_start: "window_start".into(),
            window_end: "window_end".into(),
            reference_start: "reference_start".into(),
            reference_end: "reference_end".into(),
            reference_days: "reference_days".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RestConfig {
    pub url: String,
    pub method: RestMethod,
    pub auth: RestAuth,
    pub parameter_names: ParameterNames,
    /// Figure name → JSON pointer, in the order given.
    pub mapping: Vec<(String, String)>,
    /// Verify the server certificate (XSOAR's `insecure` unchecked).
    pub verify_tls: bool,
    /// Use the proxy of the environment (XSOAR's `proxy`); when false, no proxy at all.
    pub use_proxy: bool,
    pub timeout: Duration,
    /// The largest answer read, in MB.
    pub max_response_mb: u64,
    /// Retries of a GET (429, 502-504, timeouts, broken connections); a POST is only sent again
    /// when the server cannot have acted (429, 503, a connection never opened).
    pub retry: RetryPolicy,
    /// What sources name; default the URL's host and path.
    pub label: Option<String>,
    /// Estimate transactions affected and their value from the daily averages when the answer
    /// does not give them (RTS 2024/1772 Art. 1). Default true.
    pub estimate_from_reference: bool,
}

impl RestConfig {
    /// GET `url` without authentication, mapped by `mapping` (a JSON object text).
    pub fn new(url: &str, mapping: &str) -> Result<RestConfig, InputError> {
        // base_url refuses credentials in the URL (user:password@host).
        let url = input::base_url("url", url)?;
        Ok(RestConfig {
            url,
            method: RestMethod::Get,
            auth: RestAuth::None,
            parameter_names: ParameterNames::default(),
            mapping: parse_mapping("mapping", mapping)?,
            verify_tls: true,
            use_proxy: false,
            timeout: Duration::from_secs(30),
            max_response_mb: DEFAULT_MAX_RESPONSE_MB,
            retry: RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(5),
                budget: Duration::from_secs(60),
            },
            label: None,
            estimate_from_reference: true,
        })
    }
}

/// Parses `{"figure": "/json/pointer", …}`.
pub fn parse_mapping(argument: &str, raw: &str) -> Result<Vec<(String, String)>, InputError> {
    let shape = || {
        InputError::new(
            argument,
            format!(
                "{argument} must be a JSON object of figure names and JSON pointers such as {{\"transactions_affected\": \"/data/count\"}}, got {}.",
                quote(raw)
            ),
        )
    };
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw) else {
        return Err(shape());
    };
    if map.is_empty() {
        return Err(shape());
    }
    let mut out = Vec::new();
    for (name, pointer) in map {
        if figure_name(&name).is_none() {
            return Err(InputError::new(
                argument,
                format!(
                    "{argument} maps {}, which is not a figure; use {}.",
                    quote(&name),
                    FIGURE_NAMES.join(", ")
                ),
            ));
        }
        match pointer {
            Value::String(p) if p.starts_with('/') => out.push((name, p)),
            other => {
                return Err(InputError::new(
                    argument,
                    format!(
                        "{argument} maps {name} to {}, which is not a JSON pointer; write one such as \"/data/{name}\".",
                        quote(&other.to_string())
                    ),
                ))
            }
        }
    }
    Ok(out)
}

#[derive(Debug)]
pub struct RestSource {
    http: HttpClient,
    cfg: RestConfig,
    redactor: Redactor,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl RestSource {
    pub fn new(cfg: RestConfig) -> Result<RestSource, InputError> {
        if cfg.mapping.is_empty() {
            return Err(InputError::new(
                "mapping",
                "mapping must map at least one figure to a JSON pointer.",
            ));
        }
        if cfg.timeout.is_zero() || cfg.timeout > Duration::from_secs(600) {
            return Err(InputError::new(
                "timeout",
                "timeout must be above 0 s and at most 600 s.",
            ));
        }
        let mut settings = HttpSettings::new(cfg.timeout, cfg.max_response_mb, "max_response_mb");
        settings.verify_tls = cfg.verify_tls;
        settings.use_proxy = cfg.use_proxy;
        let http = HttpClient::new(&cfg.url, settings).map_err(|e| {
            InputError::new(
                "url",
                format!(
                    "{}.",
                    crate::input::capitalised(&e.describe("the REST endpoint"))
                ),
            )
        })?;
        let redactor = Redactor::new();
        match &cfg.auth {
            RestAuth::None => {}
            RestAuth::Basic { user, password } => redactor.add_basic(user, password.expose()),
            RestAuth::Bearer(token) => redactor.add(token.expose()),
        }
        Ok(RestSource {
            http,
            cfg,
            redactor,
        })
    }

    /// `host/path` of the URL: no credentials, no query string.
    fn label(&self) -> String {
        self.cfg.label.clone().unwrap_or_else(|| {
            let rest = self
                .cfg
                .url
                .split_once("://")
                .map_or(self.cfg.url.as_str(), |(_, r)| r);
            rest.split(['?', '#']).next().unwrap_or(rest).to_string()
        })
    }

    fn error(&self, message: String) -> ConnectorError {
        ConnectorError::new(
            format!("REST {}", self.label()),
            self.redactor.scrub(&message),
        )
    }

    /// A quoted excerpt of the answer, scrubbed before it is cut.
    fn excerpt(&self, reply: &Reply) -> String {
        let head = &reply.body[..reply.body.len().min(4096)];
        format!(
            "'{}'",
            self.redactor
                .excerpt(String::from_utf8_lossy(head).trim(), 60)
        )
    }

    /// One request; the answer mapped to figures.
    pub fn scope(&self, req: &ScopeRequest) -> Result<TransactionScope, ConnectorError> {
        req.validate().map_err(|e| self.error(e.message))?;
        let body = self.fetch(req)?;
        let mut reading = Reading::default();
        for (name, pointer) in &self.cfg.mapping {
            let Some(name) = figure_name(name) else {
                continue;
            };
            let value = match body.pointer(pointer) {
                None | Some(Value::Null) => continue, // unknown, not zero
                Some(v) => v,
            };
            let wrong = |why: String| {
                self.error(format!(
                    "The value at {pointer} ({name}) {why}; correct the mapping or the endpoint."
                ))
            };
            let text = match value {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                other => return Err(wrong(format!("is {}, not a number", json_type(other)))),
            };
            let dec = Dec::parse(&text)
                .map_err(|e| wrong(format!("{} ({})", e.describe(), quote(&text))))?;
            figure_value(name, dec).map_err(&wrong)?;
            reading.set(name, dec, format!("REST {} ({pointer})", self.label()));
        }
        Ok(assemble(req, reading, self.cfg.estimate_from_reference))
    }

    fn fetch(&self, req: &ScopeRequest) -> Result<Value, ConnectorError> {
        let n = &self.cfg.parameter_names;
        let (method, query, body) = match self.cfg.method {
            RestMethod::Get => (
                Method::GET,
                vec![
                    (n.services.clone(), req.services.join(",")),
                    (n.window_start.clone(), time(req.window_start)),
                    (n.window_end.clone(), time(req.window_end)),
                    (n.reference_start.clone(), time(req.reference_start())),
                    (n.reference_end.clone(), time(req.reference_end())),
                    (n.reference_days.clone(), req.reference_days.to_string()),
                ],
                None,
            ),
            RestMethod::Post => {
                let mut body = serde_json::Map::new();
                body.insert(n.services.clone(), json!(req.services));
                body.insert(n.window_start.clone(), json!(time(req.window_start)));
                body.insert(n.window_end.clone(), json!(time(req.window_end)));
                body.insert(
                    n.reference_start.clone(),
                    json!(time(req.reference_start())),
                );
                body.insert(n.reference_end.clone(), json!(time(req.reference_end())));
                body.insert(n.reference_days.clone(), json!(req.reference_days));
                (Method::POST, Vec::new(), Some(Value::Object(body)))
            }
        };
        let build = |r: RequestBuilder| {
            let r = if query.is_empty() { r } else { r.query(&query) };
            let r = match &body {
                Some(b) => r.json(b),
                None => r,
            };
            match &self.cfg.auth {
                RestAuth::None => r,
                RestAuth::Basic { user, password } => r.basic_auth(user, Some(password.expose())),
                RestAuth::Bearer(token) => r.bearer_auth(token.expose()),
            }
        };
        let idempotent = method == Method::GET;
        let attempt = || match self.http.exchange(&method, &self.cfg.url, &build) {
            Ok(reply) => {
                let code = reply.status.as_u16();
                let retry = match code {
                    429 | 503 => true,
                    502 | 504 => idempotent,
                    _ => false,
                };
                if retry {
                    let after = reply.retry_after();
                    Attempt::Retry {
                        error: Ok(reply),
                        after,
                    }
                } else {
                    Attempt::Done(reply)
                }
            }
            Err(e) if e.retryable(idempotent) => Attempt::Retry {
                error: Err(e),
                after: None,
            },
            Err(e) => Attempt::Fail(Err(e)),
        };
        let reply = match retry::run(&self.cfg.retry, attempt, |_, _, _| {}) {
            Ok(reply) | Err((Ok(reply), _)) => reply,
            Err((Err(e), _)) => return Err(self.transport_error(&e)),
        };
        let status = reply.status;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.error(format!(
                "The endpoint refused the credentials (HTTP {}); check the user and password or the token.",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(self.error(format!(
                "The endpoint answered HTTP {} {} ({}); check the URL and the parameters.",
                status.as_u16(),
                status.canonical_reason().unwrap_or(""),
                self.excerpt(&reply)
            )));
        }
        serde_json::from_slice(&reply.body).map_err(|_| {
            self.error(format!(
                "The answer (HTTP {}) is not JSON (it starts {}); point the URL at the JSON endpoint.",
                status.as_u16(),
                self.excerpt(&reply)
            ))
        })
    }

    fn transport_error(&self, e: &HttpError) -> ConnectorError {
        let message = match e {
            HttpError::Timeout(t) => format!(
                "No answer within {} s; check the URL and that the endpoint is reachable from the engine.",
                t.as_secs_f64()
            ),
            HttpError::Connect(cause) => format!("The connection could not be established ({cause}); check the URL and that the endpoint is reachable from the engine."),
            HttpError::Tls(cause) => format!("The TLS connection failed ({cause}); install the endpoint's CA certificate on the engine, or for a test endpoint only, trust any certificate (insecure)."),
            HttpError::Broken(cause) => format!("The request failed ({cause}); check the URL and that the endpoint is reachable from the engine."),
            HttpError::Truncated { status, cause } => format!("The answer (HTTP {status}) broke off while being read ({cause}); try again."),
            other => format!("{}.", crate::input::capitalised(&other.describe("the REST endpoint"))),
        };
        self.error(message)
    }

    /// One request to check the endpoint: the last hour as the window. Sent by test-module.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ConnectorError> {
        let req = ScopeRequest::new(
            vec!["test-module".into()],
            now - chrono::Duration::hours(1),
            now,
            None,
        )
        .map_err(|e| self.error(e.message))?;
        self.fetch(&req).map(|_| ())
    }
}
