//! The transaction scope read from a REST/JSON endpoint of the entity (a payments back office,
//! a data warehouse API).
//!
//! One request: GET with the parameters in the query string (`services` comma-separated), or
//! POST with a JSON body (`services` a list); the parameter names are configurable. The answer
//! is mapped by figure name → JSON pointer (RFC 6901), e.g.
//! `{"transactions_affected": "/data/count", "value_affected_eur": "/data/amount"}`. A pointer
//! that finds nothing, or null, leaves the figure unknown; a value that is not a number (or a
//! string holding one) is an error naming the pointer.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::decimal::Dec;
use super::dsn::Secret;
use super::{
    assemble, figure_name, figure_value, Reading, ScopeRequest, TransactionScope, FIGURE_NAMES,
};
use crate::connectors::ConnectorError;
use crate::input::{self, quote, InputError};

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
    /// What sources name; default the URL's host and path.
    pub label: Option<String>,
    /// Estimate transactions affected and their value from the daily averages when the answer
    /// does not give them (RTS 2024/1772 Art. 1). Default true.
    pub estimate_from_reference: bool,
}

impl RestConfig {
    /// GET `url` without authentication, mapped by `mapping` (a JSON object text).
    pub fn new(url: &str, mapping: &str) -> Result<RestConfig, InputError> {
        let url = input::base_url("url", url)?;
        if url
            .split('/')
            .nth(2)
            .is_some_and(|authority| authority.contains('@'))
        {
            return Err(InputError::new(
                "url",
                "url must not carry credentials (user:password@); give them as basic or bearer authentication.",
            ));
        }
        Ok(RestConfig {
            url,
            method: RestMethod::Get,
            auth: RestAuth::None,
            parameter_names: ParameterNames::default(),
            mapping: parse_mapping("mapping", mapping)?,
            verify_tls: true,
            use_proxy: false,
            timeout: Duration::from_secs(30),
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
    http: Client,
    cfg: RestConfig,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
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
        let mut builder = Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("dora-bridge/", env!("CARGO_PKG_VERSION")))
            .danger_accept_invalid_certs(!cfg.verify_tls);
        if !cfg.use_proxy {
            // `proxy` unchecked means no proxy, even when HTTP(S)_PROXY is set in the image.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| {
            InputError::new(
                "url",
                format!("The HTTP client could not start ({e}); check the TLS settings."),
            )
        })?;
        Ok(RestSource { http, cfg })
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

    fn scrub(&self, text: &str) -> String {
        match &self.cfg.auth {
            RestAuth::None => text.to_string(),
            RestAuth::Basic { password, .. } => password.scrub(text),
            RestAuth::Bearer(token) => token.scrub(text),
        }
    }

    fn error(&self, message: String) -> ConnectorError {
        ConnectorError::new(format!("REST {}", self.label()), self.scrub(&message))
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
        let request = match self.cfg.method {
            RestMethod::Get => self.http.get(&self.cfg.url).query(&[
                (n.services.as_str(), req.services.join(",")),
                (n.window_start.as_str(), time(req.window_start)),
                (n.window_end.as_str(), time(req.window_end)),
                (n.reference_start.as_str(), time(req.reference_start())),
                (n.reference_end.as_str(), time(req.reference_end())),
                (n.reference_days.as_str(), req.reference_days.to_string()),
            ]),
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
                self.http.post(&self.cfg.url).json(&Value::Object(body))
            }
        };
        let request = match &self.cfg.auth {
            RestAuth::None => request,
            RestAuth::Basic { user, password } => request.basic_auth(user, Some(password.expose())),
            RestAuth::Bearer(token) => request.bearer_auth(token.expose()),
        };
        let resp = request.send().map_err(|e| {
            let what = if e.is_timeout() {
                format!("no answer within {} s", self.cfg.timeout.as_secs_f64())
            } else if e.is_connect() {
                "the connection could not be established".to_string()
            } else {
                "the request failed".to_string()
            };
            let mut cause: &dyn std::error::Error = &e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            self.error(format!("{what} ({cause}); check the URL and that the endpoint is reachable from the engine."))
        })?;
        let status = resp.status();
        let text = resp.text().map_err(|e| {
            self.error(format!(
                "The answer (HTTP {}) broke off while being read ({e}).",
                status.as_u16()
            ))
        })?;
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
                quote(text.trim())
            )));
        }
        serde_json::from_str(&text).map_err(|_| {
            self.error(format!(
                "The answer (HTTP {}) is not JSON (it starts {}); point the URL at the JSON endpoint.",
                status.as_u16(),
                quote(text.trim())
            ))
        })
    }
}
