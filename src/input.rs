//! Validation of operator input (instance parameters and command arguments).
//!
//! Every check names the argument, shows the value received and says what is accepted, so the
//! analyst can correct it from the war room. Nothing here performs I/O: bad input is refused
//! before any request leaves the machine.

use std::fmt;

/// What refused a request: a bad argument, or a rule of the reporting workflow. The binding
/// raises each as its own Python exception (`InputError`, `ReportError`, `ApprovalError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Refusal {
    /// An argument or parameter is wrong: fix it and ask again.
    #[default]
    Argument,
    /// A report cannot be drafted or submitted yet (no draft, incomplete, out of order).
    Report,
    /// A rule of the four-eyes gate (RTS 2025/301, the entity's approval policy) does not hold:
    /// a missing or repeated approval, a changed draft, one person deciding twice.
    Approval,
}

/// A refused request; the message is one full sentence and names no chat command (the
/// integrations add those).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub argument: String,
    pub message: String,
    pub refusal: Refusal,
    /// The step that must come first, as the `EntityProfile` method that does it (`classify`,
    /// `report_draft`, `cyber_threat_draft`, `approve`, `audit_verify`), for a caller to name.
    pub needs: Option<&'static str>,
}

impl InputError {
    pub fn new(argument: &str, message: impl Into<String>) -> Self {
        InputError {
            argument: argument.to_string(),
            message: message.into(),
            refusal: Refusal::Argument,
            needs: None,
        }
    }

    /// A report that cannot be drafted or submitted as things stand.
    pub fn report(argument: &str, message: impl Into<String>) -> Self {
        InputError {
            refusal: Refusal::Report,
            ..InputError::new(argument, message)
        }
    }

    /// A rule of the four-eyes gate that does not hold.
    pub fn approval(argument: &str, message: impl Into<String>) -> Self {
        InputError {
            refusal: Refusal::Approval,
            ..InputError::new(argument, message)
        }
    }

    /// The same refusal, naming the step that must come first.
    pub fn needing(self, step: &'static str) -> Self {
        InputError {
            needs: Some(step),
            ..self
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// Shortens a value for quoting in a message, so an error never carries a whole payload.
pub fn quote(raw: &str) -> String {
    format!("'{}'", shorten(raw, 60))
}

/// At most `max` characters of `raw`, then `…` when it was longer. Text that may hold a secret
/// is scrubbed first (`secret::Redactor::excerpt` does both in the right order).
pub fn shorten(raw: &str, max: usize) -> String {
    match raw.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &raw[..at]),
        None => raw.to_string(),
    }
}

/// `s` with its first letter upper-cased, to start a sentence with a clause.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An instant given as `label`: RFC 3339 with `Z` or an offset ([`timeutil::parse_instant`]).
pub fn instant(label: &str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>, InputError> {
    crate::timeutil::parse_instant(raw).map_err(|e| {
        let message = match e {
            crate::timeutil::InstantError::NoOffset => format!(
                "{label} must carry Z or a UTC offset, such as 2026-03-10T09:14:00Z or 2026-03-10T10:14:00+01:00, got {}: without one its time zone is unknown.",
                quote(raw)
            ),
            crate::timeutil::InstantError::Invalid => format!(
                "{label} must be an RFC 3339 date-time such as 2026-11-23T09:14:00Z, got {}.",
                quote(raw)
            ),
        };
        InputError::new(label, message)
    })
}

/// A positive integer identifier (alarm id, company id).
pub fn positive_id(argument: &str, raw: &str) -> Result<u64, InputError> {
    let t = raw.trim();
    match t.parse::<u64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(InputError::new(
            argument,
            format!("{argument} must be a positive integer, got {}.", quote(raw)),
        )),
    }
}

/// A comma-separated list of positive integer identifiers, at least one.
pub fn positive_id_list(argument: &str, raw: &str) -> Result<Vec<u64>, InputError> {
    let items = split_list(raw);
    if items.is_empty() {
        return Err(InputError::new(
            argument,
            format!(
                "{argument} must list at least one positive integer, got {}.",
                quote(raw)
            ),
        ));
    }
    items
        .iter()
        .map(|item| {
            positive_id(argument, item).map_err(|_| {
                InputError::new(
                    argument,
                    format!(
                        "{argument} must be comma-separated positive integers, and {} is not one.",
                        quote(item)
                    ),
                )
            })
        })
        .collect()
}

/// Splits a comma-separated value, trimming blanks and dropping empty items.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A non-empty free text (comments, tags).
pub fn non_empty(argument: &str, raw: &str) -> Result<String, InputError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(InputError::new(
            argument,
            format!("{argument} must not be empty."),
        ));
    }
    Ok(t.to_string())
}

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no blanks.
pub fn email(argument: &str, raw: &str) -> Result<String, InputError> {
    let t = raw.trim();
    let ok = match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && !t.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
        }
        None => false,
    };
    if ok {
        Ok(t.to_string())
    } else {
        Err(InputError::new(
            argument,
            format!(
                "{argument} must be an e-mail address like analyst@bank.eu, got {}.",
                quote(raw)
            ),
        ))
    }
}

/// A comma-separated list of e-mail addresses, at least one.
pub fn email_list(argument: &str, raw: &str) -> Result<Vec<String>, InputError> {
    let items = split_list(raw);
    if items.is_empty() {
        return Err(InputError::new(
            argument,
            format!(
                "{argument} must list at least one e-mail address, got {}.",
                quote(raw)
            ),
        ));
    }
    items.iter().map(|item| email(argument, item)).collect()
}

/// One of a fixed set of names, case-insensitive; returns the canonical spelling.
pub fn one_of<'a>(argument: &str, raw: &str, accepted: &[&'a str]) -> Result<&'a str, InputError> {
    let t = raw.trim();
    accepted
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            InputError::new(
                argument,
                format!(
                    "{argument} must be one of {}, got {}.",
                    accepted.join(", "),
                    quote(raw)
                ),
            )
        })
}

/// A base URL with an http or https scheme and a host, and no credentials in it: a user name
/// or password before the host (`https://user:pass@host`) is refused without being echoed, for
/// it would be shown wherever the URL is, and sent wherever a redirect points.
pub fn base_url(argument: &str, raw: &str) -> Result<String, InputError> {
    let t = raw.trim().trim_end_matches('/');
    let authority = t
        .split_once("://")
        .map_or(t, |(_, r)| r)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return Err(InputError::new(
            argument,
            format!("{argument} must not carry a user name or password (user:password@host); remove them from the URL and enter the credentials in their own fields."),
        ));
    }
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace) => {
            Ok(t.to_string())
        }
        _ => Err(InputError::new(
            argument,
            format!(
                "{argument} must be an http:// or https:// URL such as https://platform.socradar.com/api, got {}.",
                quote(raw)
            ),
        )),
    }
}

/// A whole number within `[min, max]`.
pub fn bounded_int(argument: &str, raw: &str, min: i64, max: i64) -> Result<i64, InputError> {
    match raw.trim().parse::<i64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(InputError::new(
            argument,
            format!(
                "{argument} must be a whole number from {min} to {max}, got {}.",
                quote(raw)
            ),
        )),
    }
}

/// A number of seconds, positive, at most `max`.
pub fn positive_seconds(argument: &str, raw: &str, max: f64) -> Result<f64, InputError> {
    match raw.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= max => Ok(v),
        _ => Err(InputError::new(
            argument,
            format!(
                "{argument} must be a number of seconds above 0 and at most {max}, got {}.",
                quote(raw)
            ),
        )),
    }
}

/// `true`/`false` in the spellings XSOAR sends for checkboxes and predefined arguments.
pub fn boolean(argument: &str, raw: &str) -> Result<bool, InputError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" | "" => Ok(false),
        _ => Err(InputError::new(
            argument,
            format!("{argument} must be true or false, got {}.", quote(raw)),
        )),
    }
}

/// What kind of JSON value a caller gave, for a message ("it is a list, not an object").
pub fn json_type(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Asserts that `e` refuses `argument` with a message that starts with `start`.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_refused(e: &InputError, argument: &str, start: &str) {
    assert_eq!(e.argument, argument, "{}", e.message);
    assert!(e.message.starts_with(start), "{}", e.message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_positive_integers() {
        assert_eq!(positive_id("alarm_id", " 81171696 "), Ok(81171696));
        for bad in ["0", "-3", "abc", "1.5", "", "12 34"] {
            let e = positive_id("alarm_id", bad).unwrap_err();
            assert_refused(&e, "alarm_id", "alarm_id must be a positive integer, got '");
        }
    }

    #[test]
    fn id_lists_name_the_bad_item() {
        assert_eq!(positive_id_list("alarm_ids", "1, 2,3"), Ok(vec![1, 2, 3]));
        let e = positive_id_list("alarm_ids", "1,x,3").unwrap_err();
        assert!(e.message.contains("'x'"), "{}", e.message);
        assert!(positive_id_list("alarm_ids", " , ").is_err());
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(
            email("user_email", "a.b@bank.eu").as_deref(),
            Ok("a.b@bank.eu")
        );
        for bad in [
            "",
            "bank.eu",
            "a@b",
            "a@@b.eu",
            "a b@bank.eu",
            "@bank.eu",
            "a@bank..eu",
            "a@.eu",
        ] {
            assert!(email("user_email", bad).is_err(), "{bad}");
        }
        assert_eq!(
            email_list("user_emails", "a@b.eu, c@d.eu").unwrap().len(),
            2
        );
        assert!(email_list("user_emails", "a@b.eu, nope").is_err());
    }

    #[test]
    fn names_are_case_insensitive_and_canonical() {
        assert_eq!(one_of("severity", "high", &["LOW", "HIGH"]), Ok("HIGH"));
        let e = one_of("severity", "SEVERE", &["LOW", "HIGH"]).unwrap_err();
        assert_eq!(
            e.message,
            "severity must be one of LOW, HIGH, got 'SEVERE'."
        );
    }

    #[test]
    fn urls_need_a_scheme_and_host() {
        assert_eq!(
            base_url("url", "https://platform.socradar.com/api/").as_deref(),
            Ok("https://platform.socradar.com/api")
        );
        for bad in [
            "platform.socradar.com/api",
            "ftp://x",
            "https://",
            "https:///x",
            "",
        ] {
            assert!(base_url("url", bad).is_err(), "{bad}");
        }
        for with_credentials in [
            "https://user:Pa55w0rd-x@platform.socradar.com/api",
            "htps://user:Pa55w0rd-x@platform.socradar.com",
            "https://Pa55w0rd-x@host",
        ] {
            let e = base_url("url", with_credentials).unwrap_err();
            assert!(e.message.contains("user name or password"), "{}", e.message);
            assert!(!e.message.contains("Pa55w0rd"), "{}", e.message);
        }
        assert!(base_url("url", "https://host/a@b").is_ok());
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let long = "x".repeat(500);
        let e = non_empty("comment", "  ").unwrap_err();
        assert_eq!(e.message, "comment must not be empty.");
        assert!(positive_id("alarm_id", &long).unwrap_err().message.len() < 120);
    }
}
