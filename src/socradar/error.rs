//! Errors of the SOCRadar connector. Messages never contain the API key.

use std::fmt;

use crate::input::InputError;

#[derive(Debug, Clone, PartialEq)]
pub enum SocRadarError {
    /// Operator input refused before any request was sent.
    Input(InputError),
    /// 401/403: the key is wrong, revoked, or not entitled to this company.
    Authentication { status: u16, message: String },
    /// 404: wrong company id, alarm id or base URL.
    NotFound { message: String },
    /// 429 after the retry budget was spent.
    RateLimited {
        message: String,
        retry_after_seconds: Option<f64>,
    },
    /// No usable HTTP answer: DNS, TLS, connection reset, timeout, truncated body.
    Transport { message: String },
    /// The API answered, but with an error (`is_success: false`, 4xx/5xx, a body that is not
    /// the documented shape); `message` is the server's own where it gave one.
    Api {
        status: Option<u16>,
        message: String,
    },
}

impl SocRadarError {
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// Whether a later, identical request may succeed (used to word fetch failures).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SocRadarError::RateLimited { .. } | SocRadarError::Transport { .. }
        ) || matches!(self, SocRadarError::Api { status: Some(s), .. } if *s >= 500)
    }
}

impl fmt::Display for SocRadarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocRadarError::Input(e) => f.write_str(&e.message),
            SocRadarError::Authentication { status, message } => write!(
                f,
                "SOCRadar refused the API key (HTTP {status}): {message} Check the API key and that it is a company key for this company ID."
            ),
            SocRadarError::NotFound { message } => write!(
                f,
                "SOCRadar answered 404 Not Found: {message} Check the company ID, the alarm ID and the server URL."
            ),
            SocRadarError::RateLimited { message, retry_after_seconds } => match retry_after_seconds {
                Some(s) => write!(f, "SOCRadar rate limit reached: {message} The server asks to retry after {s:.0} s; fetch less often or lower the maximum per fetch."),
                None => write!(f, "SOCRadar rate limit reached: {message} Fetch less often or lower the maximum per fetch."),
            },
            SocRadarError::Transport { message } => write!(f, "Could not reach SOCRadar: {message}"),
            SocRadarError::Api { status: Some(s), message } => write!(f, "SOCRadar API error (HTTP {s}): {message}"),
            SocRadarError::Api { status: None, message } => write!(f, "SOCRadar API error: {message}"),
        }
    }
}

impl std::error::Error for SocRadarError {}

impl From<InputError> for SocRadarError {
    fn from(e: InputError) -> Self {
        SocRadarError::Input(e)
    }
}

/// Ends a server-provided message with a full stop so the composed sentence reads well.
pub(crate) fn sentence(msg: &str) -> String {
    let t = msg.trim();
    if t.is_empty() {
        "no message given.".to_string()
    } else if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}
