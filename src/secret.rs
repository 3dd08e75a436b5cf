//! Secrets (API keys, passwords, client secrets, tokens) and the one redactor that keeps them out
//! of every message, log line and excerpt of a server's answer.
//!
//! A secret can come back in another spelling than the one configured: percent-encoded in a URL
//! or a form a server echoes, JSON-escaped in an error body, as the base64 of `user:password` of
//! a basic-authentication header, or after `Bearer `. The redactor knows each of these spellings,
//! and it redacts before it shortens: a message cut first can keep the head of a secret that the
//! scrub, run afterwards, no longer recognises.

use std::fmt;
use std::sync::RwLock;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not scrubbed: replacing two or three letters everywhere would
/// garble every message, and a secret that short is no protection anyway.
const MIN_SECRET_CHARS: usize = 4;

/// A password, client secret, API key or token. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// This secret removed from `text`, in every spelling the redactor knows.
    pub fn scrub(&self, text: &str) -> String {
        let r = Redactor::new();
        r.add(&self.0);
        r.scrub(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}

/// The spellings to remove, longest first (so that a longer spelling that contains a shorter one
/// is replaced whole). Shared by a client's threads; tokens received later are added in place.
#[derive(Default)]
pub struct Redactor {
    needles: RwLock<Vec<String>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.needles.read().map_or(0, |v| v.len());
        write!(f, "Redactor({n} spellings)")
    }
}

impl Clone for Redactor {
    fn clone(&self) -> Redactor {
        Redactor {
            needles: RwLock::new(self.needles()),
        }
    }
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    fn needles(&self) -> Vec<String> {
        self.needles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn insert(&self, spellings: impl IntoIterator<Item = String>) {
        let mut needles = self.needles.write().unwrap_or_else(|p| p.into_inner());
        for s in spellings {
            if s.chars().count() >= MIN_SECRET_CHARS && !needles.contains(&s) {
                needles.push(s);
            }
        }
        needles.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// A secret, as given and in the spellings a server may echo it in: percent-encoded (RFC 3986
    /// and form encoding, upper- and lower-case hex) and JSON-escaped. `Bearer <token>` holds the
    /// token as given, so it is covered too.
    pub fn add(&self, secret: &str) {
        if secret.chars().count() < MIN_SECRET_CHARS {
            return;
        }
        let mut spellings = vec![secret.to_string()];
        for form in [false, true] {
            let upper = percent_encode(secret, form);
            spellings.push(lower_hex(&upper));
            spellings.push(upper);
        }
        if let Ok(json) = serde_json::to_string(secret) {
            spellings.push(json[1..json.len() - 1].to_string());
        }
        self.insert(spellings);
    }

    /// A user and password of basic authentication: the password, and the base64 of
    /// `user:password` that the `Authorization` header carries (standard and URL-safe alphabet,
    /// with and without padding).
    pub fn add_basic(&self, user: &str, password: &str) {
        self.add(password);
        if password.is_empty() {
            return;
        }
        let pair = format!("{user}:{password}");
        let standard = base64(pair.as_bytes());
        let url_safe = standard.replace('+', "-").replace('/', "_");
        let spellings = [
            standard.trim_end_matches('=').to_string(),
            url_safe.trim_end_matches('=').to_string(),
            standard,
            url_safe,
        ];
        self.insert(spellings);
    }

    /// `text` with every known spelling of every secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        redact(&self.needles(), text, None)
    }

    /// At most `max_chars` characters of `text` (then `…`), scrubbed before it is cut: a secret
    /// that begins before the cut is removed whole, never left as a head the scrub cannot match.
    pub fn excerpt(&self, text: &str, max_chars: usize) -> String {
        redact(&self.needles(), text, Some(max_chars))
    }
}

/// Walks `text` once: at each position a needle starts, the marker replaces it; stops after
/// `limit` characters of output.
fn redact(needles: &[String], text: &str, limit: Option<usize>) -> String {
    if needles.is_empty() {
        return match limit {
            Some(max) => cut(text, max),
            None => text.to_string(),
        };
    }
    let mut out = String::with_capacity(text.len().min(limit.unwrap_or(usize::MAX)));
    let mut shown = 0usize;
    let mut i = 0usize;
    while i < text.len() {
        if limit.is_some_and(|max| shown >= max) {
            out.push('…');
            return out;
        }
        let rest = &text[i..];
        if let Some(n) = needles.iter().find(|n| rest.starts_with(n.as_str())) {
            out.push_str(REDACTED);
            shown += REDACTED.len();
            i += n.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or('\u{fffd}');
        out.push(c);
        shown += 1;
        i += c.len_utf8();
    }
    out
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Percent-encoding of every byte outside RFC 3986's unreserved set (`form`: outside the
/// `application/x-www-form-urlencoded` set, with a space as `+`), upper-case hex.
fn percent_encode(s: &str, form: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || if form {
                b"*-._".contains(&b)
            } else {
                b"-._~".contains(&b)
            };
        if keep {
            out.push(char::from(b));
        } else if form && b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4). Written here rather than taken from a crate: it
/// only builds the spelling to look for, and these twenty lines are the whole of it.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        assert_eq!(base64(b"svc-dora:pw"), "c3ZjLWRvcmE6cHc=");
    }

    #[test]
    fn every_spelling_of_a_secret_is_scrubbed() {
        let r = Redactor::new();
        r.add("p@ss w/rd+\"x\"");
        r.add_basic("svc-dora", "hunter22?");
        for leaked in [
            "p@ss w/rd+\"x\"",
            "p%40ss%20w%2Frd%2B%22x%22",
            "p%40ss+w%2Frd%2B%22x%22",
            "p%40ss%20w%2frd%2b%22x%22",
            "p@ss w/rd+\\\"x\\\"",
            "hunter22?",
            "hunter22%3F",
            &base64(b"svc-dora:hunter22?"),
            "Basic c3ZjLWRvcmE6aHVudGVyMjI_",
        ] {
            let out = r.scrub(&format!("echo: {leaked} end"));
            assert!(out.contains(REDACTED), "{leaked}: {out}");
            assert!(!out.contains("hunter22") && !out.contains("w/rd"), "{out}");
            assert!(out.starts_with("echo: ") && out.ends_with(" end"), "{out}");
        }
    }

    #[test]
    fn a_secret_is_scrubbed_before_the_text_is_cut() {
        let r = Redactor::new();
        r.add("OAUTHCLIENTSECRET-0123456789");
        let text = format!(
            "{}client_secret=OAUTHCLIENTSECRET-0123456789&grant=x",
            "a".repeat(30)
        );
        for max in 0..80 {
            let out = r.excerpt(&text, max);
            assert!(!out.contains("OAUTH"), "{max}: {out}");
            assert!(out.chars().count() <= max + REDACTED.len(), "{max}: {out}");
        }
        assert_eq!(r.excerpt("short", 10), "short");
        assert_eq!(Redactor::new().excerpt("abcdef", 3), "abc…");
    }

    #[test]
    fn short_secrets_and_debug_stay_harmless() {
        let r = Redactor::new();
        r.add("ab");
        assert_eq!(r.scrub("ab cab"), "ab cab");
        let s = Secret::new("s3cr3t-value");
        assert!(!format!("{s:?}").contains("s3cr3t"));
        assert_eq!(s.scrub("x s3cr3t-value y"), "x [redacted] y");
        assert!(!format!("{r:?}").contains("ab"));
    }
}
