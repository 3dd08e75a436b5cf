//! The chain key: an HMAC-SHA-256 key held in the DORA Bridge instance's credentials, with an
//! id recorded in every entry it signs, so a rotated-out key keeps the entries it signed
//! verifiable while only the current key signs new ones.
//!
//! A key never leaves this module as text: `Debug` shows its id only, no function returns the
//! secret, and every error names the parameter and the key id, never the secret.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::input::{quote, InputError};

type HmacSha256 = Hmac<Sha256>;

/// Shortest secret accepted: 128 bits of a random key written as text is 22 base64 or 32 hex
/// characters; a shorter one is a password, not a key.
pub const MIN_SECRET_BYTES: usize = 22;
/// Longest secret accepted, a bound on what a parameter may hand the core.
pub const MAX_SECRET_BYTES: usize = 1024;
/// Key ids are written into every entry: short, printable, no separators of the retired list.
const MAX_KEY_ID: usize = 64;

/// One key: its id and its secret.
#[derive(Clone)]
pub struct ChainKey {
    id: String,
    secret: Vec<u8>,
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainKey({:?}, secret withheld)", self.id)
    }
}

impl ChainKey {
    /// A key from its id and secret; `parameter` names where they came from in errors.
    pub fn new(parameter: &str, id: &str, secret: &str) -> Result<ChainKey, InputError> {
        let id = id.trim();
        if id.is_empty()
            || id.len() > MAX_KEY_ID
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(InputError::new(
                parameter,
                format!(
                    "{parameter} needs a key id of 1 to {MAX_KEY_ID} letters, digits, '.', '_' or '-' (the user name field of the credentials), got {}.",
                    quote(id)
                ),
            ));
        }
        let secret = secret.trim();
        if secret.len() < MIN_SECRET_BYTES || secret.len() > MAX_SECRET_BYTES {
            // The length is safe to say; the secret is not.
            return Err(InputError::new(
                parameter,
                format!(
                    "The secret of chain key {} in {parameter} has {} characters; use a random key of {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} characters, for example the output of `openssl rand -base64 32`.",
                    quote(id),
                    secret.len()
                ),
            ));
        }
        Ok(ChainKey {
            id: id.to_string(),
            secret: secret.as_bytes().to_vec(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn hmac(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new_from_slice(&self.secret)
            .expect("HMAC takes keys of any length")
    }

    /// Lowercase hex HMAC-SHA-256 of `text`.
    pub fn mac(&self, text: &str) -> String {
        let mut m = self.hmac();
        m.update(text.as_bytes());
        hex(&m.finalize().into_bytes())
    }

    /// Whether `mac_hex` is this key's MAC of `text`, compared in constant time.
    pub fn verifies(&self, text: &str, mac_hex: &str) -> bool {
        let Some(tag) = unhex(mac_hex) else {
            return false;
        };
        let mut m = self.hmac();
        m.update(text.as_bytes());
        m.verify_slice(&tag).is_ok()
    }
}

/// The current key, which signs, and the retired keys, which only verify.
#[derive(Clone, Debug)]
pub struct KeyRing {
    current: ChainKey,
    retired: Vec<ChainKey>,
}

impl KeyRing {
    pub fn new(current: ChainKey, retired: Vec<ChainKey>) -> Result<KeyRing, InputError> {
        let mut seen = vec![current.id.clone()];
        for k in &retired {
            if seen.contains(&k.id) {
                return Err(InputError::new(
                    "chain_retired_keys",
                    format!(
                        "The key id {} appears twice among chain_key and chain_retired_keys; every key needs its own id.",
                        quote(&k.id)
                    ),
                ));
            }
            seen.push(k.id.clone());
        }
        Ok(KeyRing { current, retired })
    }

    /// From the instance parameters, when `chain_key` is set (a malformed key is an error; no key
    /// at all is `None`: a profile that only classifies needs none).
    pub fn from_params_if_set(params: &Value) -> Result<Option<KeyRing>, InputError> {
        let set = params
            .get("chain_key")
            .and_then(|c| c.get("password"))
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        if set {
            Self::from_params(params).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The error for an instance without a chain key, naming the parameter.
    pub fn missing() -> InputError {
        InputError::new(
            "chain_key",
            "chain_key is required: the key that signs the evidence chain (HMAC-SHA-256). Enter a key id as the user name and a random secret of at least 22 characters as the password, for example the output of `openssl rand -base64 32`.",
        )
    }

    /// From the instance parameters: `chain_key` (credentials: the key id as user name, the
    /// secret as password) and `chain_retired_keys` (one `key-id: secret` per line).
    pub fn from_params(params: &Value) -> Result<KeyRing, InputError> {
        let (id, secret) = match params.get("chain_key") {
            Some(Value::Object(c)) => (
                c.get("identifier").and_then(Value::as_str).unwrap_or(""),
                c.get("password").and_then(Value::as_str).unwrap_or(""),
            ),
            _ => ("", ""),
        };
        if secret.trim().is_empty() {
            return Err(Self::missing());
        }
        let current = ChainKey::new("chain_key", id, secret)?;
        let mut retired = Vec::new();
        let text = match params.get("chain_retired_keys") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(c)) => c.get("password").and_then(Value::as_str).unwrap_or(""),
            _ => "",
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((kid, secret)) = line.split_once(':') else {
                return Err(InputError::new(
                    "chain_retired_keys",
                    format!(
                        "Line {} of chain_retired_keys must read `key-id: secret`; it has no ':'.",
                        n + 1
                    ),
                ));
            };
            retired.push(ChainKey::new("chain_retired_keys", kid, secret)?);
        }
        KeyRing::new(current, retired)
    }

    /// The key new entries are signed with.
    pub fn current(&self) -> &ChainKey {
        &self.current
    }

    /// The key with this id, current or retired.
    pub fn get(&self, id: &str) -> Option<&ChainKey> {
        std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|k| k.id == id)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex to bytes. Written here rather than with a crate: twelve lines for one call site.
fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) const SECRET: &str = "test-chain-secret-0123456789abcdef";

    #[test]
    fn macs_are_keyed_and_verified_in_constant_time() {
        let k = ChainKey::new("chain_key", "k1", SECRET).unwrap();
        let other = ChainKey::new("chain_key", "k1", &format!("{SECRET}x")).unwrap();
        let mac = k.mac("text");
        assert_eq!(mac.len(), 64);
        assert!(k.verifies("text", &mac));
        assert!(!k.verifies("text!", &mac));
        assert!(!other.verifies("text", &mac));
        assert!(!k.verifies("text", "zz"));
        assert!(!k.verifies("text", &mac[..62]));
        // RFC 4231 test case 2: the HMAC is the standard one.
        let rfc = ChainKey {
            id: "rfc".into(),
            secret: b"Jefe".to_vec(),
        };
        assert_eq!(
            rfc.mac("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_ring_reads_the_credentials_and_the_retired_keys() {
        let ring = KeyRing::from_params(&json!({
            "chain_key": {"identifier": "2026-11", "password": SECRET},
            "chain_retired_keys": format!("2026-05: {SECRET}-old\n\n2025-11:{SECRET}-older"),
        }))
        .unwrap();
        assert_eq!(ring.current().id(), "2026-11");
        assert!(ring.get("2026-05").is_some() && ring.get("2025-11").is_some());
        assert!(ring.get("2024-01").is_none());
        assert!(!format!("{ring:?}").contains(SECRET));
    }

    #[test]
    fn bad_keys_are_named_without_their_secret() {
        let cases = [
            (json!({}), "chain_key is required"),
            (
                json!({"chain_key": {"identifier": "", "password": SECRET}}),
                "needs a key id",
            ),
            (
                json!({"chain_key": {"identifier": "k 1", "password": SECRET}}),
                "needs a key id",
            ),
            (
                json!({"chain_key": {"identifier": "k1", "password": "short-secret"}}),
                "has 12 characters",
            ),
            (
                json!({"chain_key": {"identifier": "k1", "password": SECRET}, "chain_retired_keys": "k0 secret"}),
                "Line 1 of chain_retired_keys",
            ),
            (
                json!({"chain_key": {"identifier": "k1", "password": SECRET}, "chain_retired_keys": format!("k1: {SECRET}")}),
                "appears twice",
            ),
        ];
        for (params, want) in cases {
            let e = KeyRing::from_params(&params).unwrap_err();
            assert!(e.message.contains(want), "{params}: {e}");
            assert!(!e.message.contains("short-secret") && !e.message.contains(SECRET));
        }
    }
}
