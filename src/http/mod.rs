//! Outbound HTTP for every client of the core: SOCRadar, the CMDB (its Table API and OAuth token
//! endpoint) and the REST transaction source. One place decides:
//!
//! - the client's settings: per-attempt timeout, user agent, certificate verification
//!   (XSOAR's `insecure`), and the proxy (XSOAR's `proxy`; unchecked means no proxy at all, even
//!   when `HTTP(S)_PROXY` is set in the image);
//! - redirects: a credential is only ever sent to the origin (scheme, host, port) configured.
//!   reqwest follows redirects itself and keeps custom headers such as SOCRadar's `API-Key`
//!   across origins, and turns a POST into a GET on 301/302; so it follows none, and this module
//!   follows a redirect only when it stays on the configured origin and keeps the method and the
//!   body (any 3xx to a GET, 307/308 to any method). Anything else is an error that names where
//!   the server pointed;
//! - answers are read as a stream up to a maximum size; a larger answer is refused (before
//!   reading when `Content-Length` says so) with an error naming the limit's parameter;
//! - failures are classified by their type (timeout, connection, TLS, broken answer), never by
//!   the wording of a message.
//!
//! Retrying is in [`retry`]; each client decides what is worth retrying.

#[cfg(test)]
pub(crate) mod canned;
pub mod retry;
#[cfg(test)]
mod tests;

use std::error::Error as StdError;
use std::io::Read;
use std::time::{Duration, SystemTime};

use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{HeaderMap, CONTENT_LENGTH, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};

use crate::errchain::{root_cause, walk};
use crate::input::InputError;
pub use retry::RetryPolicy;

/// Redirects followed within the configured origin before giving up.
pub const MAX_REDIRECTS: usize = 5;
const MIB: u64 = 1024 * 1024;
/// Bounds of the `max_response_mb` parameters.
pub const MAX_RESPONSE_MB_LIMIT: u64 = 1024;

/// How a client talks to its server.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// Per attempt: connecting, sending and reading the whole answer.
    pub timeout: Duration,
    /// Verify the server certificate (XSOAR's `insecure` unchecked).
    pub verify_tls: bool,
    /// Use the proxy of the environment (XSOAR's `proxy`); when false, no proxy at all.
    pub use_proxy: bool,
    /// The largest answer read, in bytes.
    pub max_body_bytes: u64,
    /// The instance parameter that sets `max_body_bytes`, named in the error when it is passed.
    pub max_body_param: &'static str,
    /// Idle keep-alive connections kept per host (the pages a fetch reads at once).
    pub idle_per_host: usize,
}

impl HttpSettings {
    /// Certificates verified, no proxy, one idle connection, the given timeout and answer size.
    pub fn new(timeout: Duration, max_body_mb: u64, max_body_param: &'static str) -> HttpSettings {
        HttpSettings {
            timeout,
            verify_tls: true,
            use_proxy: false,
            max_body_bytes: max_body_mb * MIB,
            max_body_param,
            idle_per_host: 1,
        }
    }
}

/// A `max_response_mb` style parameter: whole megabytes from 1 to 1024; `default` when empty.
pub fn max_body_mb(argument: &str, raw: &str, default: u64) -> Result<u64, InputError> {
    if raw.trim().is_empty() {
        return Ok(default);
    }
    crate::input::bounded_int(argument, raw, 1, MAX_RESPONSE_MB_LIMIT as i64).map(|v| v as u64)
}

/// Whether the redirect was refused for going elsewhere, dropping TLS, changing the method, or
/// going on too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    OtherOrigin,
    Downgrade,
    MethodChange,
    TooMany,
}

/// A request that got no usable answer.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpError {
    /// The client could not be built, or the URL is not one it may send to.
    Setup(String),
    /// A redirect that was not followed; `location` is where it pointed, without its query.
    Redirect {
        status: u16,
        location: String,
        refusal: Refusal,
        configured: String,
    },
    /// The answer is larger than `limit` bytes (`declared` when `Content-Length` said so).
    TooLarge {
        limit: u64,
        declared: Option<u64>,
        param: &'static str,
    },
    /// No complete answer within the timeout.
    Timeout(Duration),
    /// The TLS handshake failed (a certificate not trusted, a protocol mismatch).
    Tls(String),
    /// No connection could be opened: nothing was sent.
    Connect(String),
    /// The connection broke while the request was under way, before an answer began.
    Broken(String),
    /// The answer began (with this status) and broke off before its end.
    Truncated { status: u16, cause: String },
}

impl HttpError {
    /// Whether an identical request may succeed later. A connection that never opened carried
    /// nothing, so even a POST may be sent again; a broken or timed-out one may have reached the
    /// server, so only an idempotent request is.
    pub fn retryable(&self, idempotent: bool) -> bool {
        match self {
            HttpError::Connect(_) => true,
            HttpError::Timeout(_) | HttpError::Broken(_) | HttpError::Truncated { .. } => {
                idempotent
            }
            _ => false,
        }
    }

    /// One sentence, without the subject: "redirected to http://… ; …". `service` names the
    /// server as the operator knows it ("SOCRadar", "the CMDB at cmdb.example").
    pub fn describe(&self, service: &str) -> String {
        match self {
            HttpError::Setup(m) => m.clone(),
            HttpError::Redirect { status, location, refusal, configured } => match refusal {
                Refusal::OtherOrigin => format!("{service} answered HTTP {status} with a redirect to {location}, which is not the configured origin {configured}; credentials are only sent to the configured address, so the redirect was not followed. If the service has moved, set its new address in the instance"),
                Refusal::Downgrade => format!("{service} answered HTTP {status} with a redirect to {location}, which drops HTTPS for plain HTTP; the credentials would travel in clear text, so the redirect was not followed. Check the URL and the network path (a proxy or captive portal may rewrite answers)"),
                Refusal::MethodChange => format!("{service} answered HTTP {status} to a POST with a redirect to {location}; following it would resend the request as a GET and lose its body, so it was not followed and nothing was changed. Set the address the service answers on in the instance"),
                Refusal::TooMany => format!("{service} redirected the request more than {MAX_REDIRECTS} times (last to {location}); check the URL in the instance"),
            },
            HttpError::TooLarge { limit, declared, param } => {
                let size = declared.map(|d| format!(" ({} MB announced)", d.div_ceil(MIB))).unwrap_or_default();
                format!("the answer of {service} is larger than the {} MB allowed{size}, so it was not read; narrow the request, or raise {param} if answers that large are expected", limit / MIB)
            }
            HttpError::Timeout(t) => format!("{service} gave no complete answer within {}", seconds(*t)),
            HttpError::Tls(cause) => format!("the TLS connection to {service} failed ({cause})"),
            HttpError::Connect(cause) => format!("{service} could not be reached ({cause})"),
            HttpError::Broken(cause) => format!("the connection to {service} broke ({cause})"),
            HttpError::Truncated { status, cause } => format!("the answer of {service} (HTTP {status}) broke off while being read ({cause})"),
        }
    }
}

/// An answer, read whole (within the size limit).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as text; bytes that are not UTF-8 become U+FFFD.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// `Retry-After`, measured against the core's clock.
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        retry::parse_retry_after(value, SystemTime::from(crate::clock::now()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Why a redirect to `next` may not be followed, if it may not: it leaves `origin`, drops TLS,
/// would change the method (301/302/303 make a POST a GET), or is one too many.
fn refusal(
    origin: &Url,
    next: &Url,
    status: StatusCode,
    method: &Method,
    redirects: usize,
) -> Option<Refusal> {
    if next.scheme() == "http" && origin.scheme() == "https" {
        Some(Refusal::Downgrade)
    } else if origin_of(next) != origin_of(origin) {
        Some(Refusal::OtherOrigin)
    } else if !matches!(status.as_u16(), 307 | 308)
        && !matches!(*method, Method::GET | Method::HEAD)
    {
        Some(Refusal::MethodChange)
    } else if redirects >= MAX_REDIRECTS {
        Some(Refusal::TooMany)
    } else {
        None
    }
}

/// A blocking client bound to one origin.
#[derive(Debug)]
pub struct HttpClient {
    client: Client,
    settings: HttpSettings,
    origin: Url,
}

fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.0} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// A URL as shown in a message: no user information, no query, at most 160 characters.
pub fn shown(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    let had_query = u.query().is_some();
    u.set_query(None);
    u.set_fragment(None);
    let mut s = u.to_string();
    if had_query {
        s.push_str("?…");
    }
    crate::input::shorten(&s, 160)
}

impl HttpClient {
    /// A client for `base_url`: every request must go to its origin.
    pub fn new(base_url: &str, settings: HttpSettings) -> Result<HttpClient, HttpError> {
        let origin = Url::parse(base_url)
            .map_err(|e| HttpError::Setup(format!("the URL cannot be parsed ({e})")))?;
        if !origin.username().is_empty() || origin.password().is_some() {
            return Err(HttpError::Setup(
                "the URL carries a user name or password (user:password@host); enter the credentials in their own fields".into(),
            ));
        }
        let mut builder = Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("dora-bridge/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(settings.idle_per_host.max(1))
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(!settings.verify_tls);
        if !settings.use_proxy {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| {
            HttpError::Setup(format!(
                "the HTTP client could not start ({})",
                root_cause(&e)
            ))
        })?;
        Ok(HttpClient {
            client,
            settings,
            origin,
        })
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// `scheme://host[:port]` every request goes to.
    pub fn origin(&self) -> String {
        origin_of(&self.origin)
    }

    /// One request and its answer, following same-origin redirects that keep the method.
    /// `build` adds the query, body and credentials to a request for a URL; it is called again
    /// for each redirect, so the credentials only ever go to the configured origin.
    pub fn exchange(
        &self,
        method: &Method,
        url: &str,
        build: &dyn Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Reply, HttpError> {
        let mut current = Url::parse(url)
            .map_err(|e| HttpError::Setup(format!("the request URL cannot be parsed ({e})")))?;
        if origin_of(&current) != self.origin() {
            return Err(HttpError::Setup(format!(
                "the request to {} is not for the configured origin {}",
                shown(&current),
                self.origin()
            )));
        }
        let mut redirects = 0;
        loop {
            let resp = build(self.client.request(method.clone(), current.clone()))
                .send()
                .map_err(|e| self.classify(&e))?;
            let status = resp.status();
            let location = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| current.join(l.trim()).ok());
            let Some(next) = location.filter(|_| status.is_redirection()) else {
                return self.read(resp);
            };
            if let Some(refusal) = refusal(&self.origin, &next, status, method, redirects) {
                return Err(HttpError::Redirect {
                    status: status.as_u16(),
                    location: shown(&next),
                    refusal,
                    configured: self.origin(),
                });
            }
            redirects += 1;
            current = next;
        }
    }

    /// The body, read as a stream and refused past the size limit.
    fn read(&self, resp: Response) -> Result<Reply, HttpError> {
        let limit = self.settings.max_body_bytes;
        let too_large = |declared| HttpError::TooLarge {
            limit,
            declared,
            param: self.settings.max_body_param,
        };
        let declared = resp
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|d| d > limit) {
            return Err(too_large(declared));
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize);
        resp.take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| match self.classify(&e) {
                HttpError::Broken(cause) | HttpError::Connect(cause) => HttpError::Truncated {
                    status: status.as_u16(),
                    cause,
                },
                other => other,
            })?;
        if body.len() as u64 > limit {
            return Err(too_large(None));
        }
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// The kind of a failure, from the types in its chain of causes.
    fn classify(&self, e: &(dyn StdError + 'static)) -> HttpError {
        let cause = root_cause(e);
        let mut timeout = false;
        let mut connect = false;
        let mut tls = false;
        let mut eof = false;
        walk(e, &mut |err| {
            if let Some(r) = err.downcast_ref::<reqwest::Error>() {
                timeout |= r.is_timeout();
                connect |= r.is_connect();
            }
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                timeout |= io.kind() == std::io::ErrorKind::TimedOut;
                eof |= io.kind() == std::io::ErrorKind::UnexpectedEof;
            }
            tls |= err.downcast_ref::<rustls::Error>().is_some();
        });
        // A peer that closes an https connection before the handshake ends (a plain-HTTP port,
        // a TLS-inspecting proxy refusing) surfaces as an end of file while connecting.
        tls |= connect && eof && self.origin.scheme() == "https";
        if tls {
            HttpError::Tls(cause)
        } else if timeout {
            HttpError::Timeout(self.settings.timeout)
        } else if connect {
            HttpError::Connect(cause)
        } else {
            HttpError::Broken(cause)
        }
    }
}
