//! Credentials: the checks a configuration passes before any request, and OAuth access tokens
//! from `{base}/oauth_token.do` (password grant with a user, client credentials without),
//! cached until shortly before they expire.

use std::time::{Duration, Instant};

use reqwest::blocking::RequestBuilder;
use reqwest::header::{HeaderValue, ACCEPT};
use reqwest::Method;
use serde_json::Value;

use super::transport::{Token, Transport};
use super::{CmdbAuth, Secret, SOURCE};
use crate::connectors::ConnectorError;
use crate::input::quote;
use crate::secret::Redactor;

const TOKEN_PATH: &str = "/oauth_token.do";
/// ServiceNow's default access-token lifetime, used when the answer gives none.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(1800);

impl Transport {
    /// The cached access token, or a new one from the token endpoint.
    pub(super) fn token(&self) -> Result<Secret, ConnectorError> {
        let mut slot = self.token.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = slot.as_ref().filter(|t| Instant::now() < t.usable_until) {
            return Ok(t.value.clone());
        }
        let (value, lifetime) = self.fetch_token()?;
        // Renew a little early, so a token does not expire between the check and the request.
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        *slot = Some(Token {
            value: value.clone(),
            usable_until: Instant::now() + lifetime - margin,
        });
        Ok(value)
    }

    fn fetch_token(&self) -> Result<(Secret, Duration), ConnectorError> {
        let CmdbAuth::OAuth {
            client_id,
            client_secret,
            username,
            password,
        } = &self.auth
        else {
            unreachable!("tokens are only requested with OAuth");
        };
        let mut form = vec![
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.expose()),
        ];
        let with_user = matches!((username, password), (Some(_), Some(_)));
        if let (Some(u), Some(p)) = (username, password) {
            form.extend([
                ("grant_type", "password"),
                ("username", u.as_str()),
                ("password", p.expose()),
            ]);
        } else {
            form.push(("grant_type", "client_credentials"));
        }
        let url = format!("{}{TOKEN_PATH}", self.base);
        // Through crate::http: a redirect to another origin is refused before the form (client
        // secret, password) is sent there, and a token is only taken from the configured origin.
        let reply = self.exchange(
            "POST /oauth_token.do",
            Method::POST,
            &url,
            &|req: RequestBuilder| req.header(ACCEPT, "application/json").form(&form),
        )?;
        self.debug(format!(
            "POST /oauth_token.do: HTTP {}",
            reply.status.as_u16()
        ));
        let host = &self.host;
        let code = reply.status.as_u16();
        if !reply.status.is_success() {
            let msg = self.server_message(&reply);
            let creds = if with_user {
                "client ID and secret, user name and password"
            } else {
                "client ID and secret"
            };
            return Err(self.fail(match code {
                400 | 401 | 403 => format!("The CMDB at {host} refused the credentials at /oauth_token.do (HTTP {code}: {msg}); check the OAuth {creds} in the instance settings, and that the OAuth application is active"),
                404 => format!("The CMDB at {host} has no OAuth endpoint at /oauth_token.do (HTTP 404: {msg}); check that the base URL is the instance address, such as https://example.service-now.com, and that OAuth is activated on the instance"),
                _ => format!("The CMDB at {host} answered HTTP {code} at /oauth_token.do ({msg}); try again later, or use basic authentication"),
            }));
        }
        let body: Value = serde_json::from_slice(&reply.body).map_err(|_| {
            self.fail(format!("The CMDB at {host} answered /oauth_token.do with something that is not JSON ({}); check that the base URL is the instance address", self.snippet(&reply)))
        })?;
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.fail(format!("The CMDB at {host} answered /oauth_token.do without an access_token; check that the base URL is the instance address and that the OAuth application issues access tokens")))?;
        self.redactor.add(token);
        if let Some(kind) = body.get("token_type").and_then(Value::as_str) {
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(self.fail(format!("The CMDB at {host} issued a token of type {} at /oauth_token.do, where a Bearer token is needed; check the OAuth application's token format", quote(kind))));
            }
        }
        if HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(self.fail(format!("The CMDB at {host} issued an access token that cannot be sent in an HTTP header; check the OAuth application")));
        }
        let lifetime = match body.get("expires_in") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs_f64);
        Ok((Secret::new(token), lifetime))
    }
}

/// The redactor of a configuration's secrets: the passwords and client secret, and the base64
/// of `user:password` that basic authentication sends.
pub(super) fn redactor_for(auth: &CmdbAuth) -> Redactor {
    let r = Redactor::new();
    match auth {
        CmdbAuth::Basic { username, password } => r.add_basic(username, password.expose()),
        CmdbAuth::OAuth {
            client_id,
            client_secret,
            username,
            password,
        } => {
            r.add_basic(client_id, client_secret.expose());
            if let (Some(u), Some(p)) = (username, password) {
                r.add_basic(u, p.expose());
            }
        }
    }
    r
}

/// Checks that a configuration is complete.
pub(super) fn check_auth(auth: &CmdbAuth) -> Result<(), ConnectorError> {
    let missing = |what: &str| {
        Err(ConnectorError::new(
            SOURCE,
            format!("The CMDB {what} is empty; enter it in the instance settings."),
        ))
    };
    match auth {
        CmdbAuth::Basic { username, password } => {
            if username.trim().is_empty() {
                return missing("user name");
            }
            if username.contains(':') {
                return Err(ConnectorError::new(
                    SOURCE,
                    format!("The CMDB user name {} contains a colon, which basic authentication cannot carry; use OAuth or another user.", quote(username)),
                ));
            }
            if password.expose().is_empty() {
                return missing("password");
            }
            Ok(())
        }
        CmdbAuth::OAuth {
            client_id,
            client_secret,
            username,
            password,
        } => {
            if client_id.trim().is_empty() {
                return missing("OAuth client ID");
            }
            if client_secret.expose().is_empty() {
                return missing("OAuth client secret");
            }
            match (username.as_deref().map(str::trim), password) {
                (Some(""), _) => return missing("user name"),
                (Some(_), Some(p)) if p.expose().is_empty() => return missing("password"),
                (Some(_), None) | (None, Some(_)) => {
                    return Err(ConnectorError::new(
                        SOURCE,
                        "The CMDB OAuth settings give only one of user name and password; give both for the password grant, or neither for client credentials.",
                    ))
                }
                _ => {}
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::cmdb::Secret;

    #[test]
    fn incomplete_credentials_are_refused_without_echoing_them() {
        let basic = |u: &str, p: &str| CmdbAuth::Basic {
            username: u.into(),
            password: p.into(),
        };
        assert!(check_auth(&basic("", "pw")).is_err());
        assert!(check_auth(&basic("svc", "")).is_err());
        let e = check_auth(&basic("svc:x", "s3cret-pw")).unwrap_err();
        assert!(!e.message.contains("s3cret"));
        let oauth = |u: Option<&str>, p: Option<&str>| CmdbAuth::OAuth {
            client_id: "cid".into(),
            client_secret: "csecret".into(),
            username: u.map(str::to_string),
            password: p.map(Secret::from),
        };
        assert!(check_auth(&oauth(None, None)).is_ok());
        assert!(check_auth(&oauth(Some("svc"), Some("pw12"))).is_ok());
        assert!(check_auth(&oauth(Some("svc"), None)).is_err());
        assert!(check_auth(&oauth(None, Some("pw12"))).is_err());
        let r = redactor_for(&oauth(Some("svc"), Some("pw12")));
        assert_eq!(r.scrub("csecret pw12"), "[redacted] [redacted]");
        let r = redactor_for(&basic("svc-dora", "pw"));
        assert_eq!(r.scrub("Basic c3ZjLWRvcmE6cHc="), "Basic [redacted]");
    }
}
