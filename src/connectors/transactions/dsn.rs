//! The PostgreSQL connection string an operator gives, as a URL
//! (`postgresql://user:password@host:5432/dbname?sslmode=require`) or as libpq keywords
//! (`host=db.internal port=5432 dbname=payments user=dora_reader sslmode=verify-full`).
//!
//! No message built here ever quotes the password or the whole string that holds it.

use crate::input::{quote, InputError};

/// A password or token: the core's one secret type (`scrub` removes it from server text in
/// every spelling it may come back in).
pub use crate::secret::Secret;

/// libpq's `sslmode`, the three values the connector supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS (a trusted local network or a test server only).
    Disable,
    /// TLS required. The certificate is checked as for `verify-full` (see `sql::tls`).
    Require,
    /// TLS, the certificate checked against the trusted roots and the host name.
    VerifyFull,
}

impl SslMode {
    pub fn parse(argument: &str, raw: &str) -> Result<SslMode, InputError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "disable" => Ok(SslMode::Disable),
            "require" => Ok(SslMode::Require),
            "verify-full" => Ok(SslMode::VerifyFull),
            other => Err(InputError::new(
                argument,
                format!(
                    "sslmode in {argument} must be disable, require or verify-full, got {}{}.",
                    quote(other),
                    if matches!(other, "prefer" | "allow" | "verify-ca") {
                        " (opportunistic or host-name-blind TLS is not offered: use require or verify-full)"
                    } else {
                        ""
                    }
                ),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where and as whom to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dsn {
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub user: String,
    pub password: Option<Secret>,
    pub sslmode: SslMode,
}

impl Dsn {
    /// Parses a URL or keyword connection string. `sslmode` defaults to verify-full.
    pub fn parse(argument: &str, raw: &str) -> Result<Dsn, InputError> {
        let t = raw.trim();
        let pairs = if let Some(rest) = t
            .strip_prefix("postgresql://")
            .or_else(|| t.strip_prefix("postgres://"))
        {
            url_pairs(argument, rest)?
        } else if t.contains('=') {
            keyword_pairs(argument, t)?
        } else {
            return Err(InputError::new(
                argument,
                format!(
                    "{argument} must be a PostgreSQL connection string such as postgresql://dora_reader@db.internal:5432/payments?sslmode=verify-full or host=db.internal dbname=payments user=dora_reader, got {}.",
                    if t.contains('@') || t.contains(':') { "a value in neither form".to_string() } else { quote(t) }
                ),
            ));
        };
        let mut dsn = Dsn {
            host: "localhost".into(),
            port: 5432,
            dbname: String::new(),
            user: String::new(),
            password: None,
            sslmode: SslMode::VerifyFull,
        };
        for (key, value) in pairs {
            match key.as_str() {
                "host" | "hostaddr" if !value.is_empty() => {
                    if value.contains(',') {
                        return Err(InputError::new(
                            argument,
                            format!("{argument} names several hosts ({}); give one.", quote(&value)),
                        ));
                    }
                    dsn.host = value;
                }
                "host" | "hostaddr" => {}
                "port" => {
                    dsn.port = match value.parse::<u16>() {
                        Ok(p) if p > 0 => p,
                        _ => {
                            return Err(InputError::new(
                                argument,
                                format!(
                                    "The port in {argument} must be a number from 1 to 65535, got {}.",
                                    quote(&value)
                                ),
                            ))
                        }
                    }
                }
                "dbname" => dsn.dbname = value,
                "user" => dsn.user = value,
                "password" => dsn.password = (!value.is_empty()).then(|| Secret::new(value)),
                "sslmode" => dsn.sslmode = SslMode::parse(argument, &value)?,
                // Accepted for compatibility with libpq strings; the connector sets its own.
                "connect_timeout" | "application_name" => {}
                other => {
                    return Err(InputError::new(
                        argument,
                        format!(
                            "{argument} has the option {}, which the connector does not support; use host, port, dbname, user, password and sslmode.",
                            quote(other)
                        ),
                    ))
                }
            }
        }
        if dsn.user.is_empty() {
            return Err(InputError::new(
                argument,
                format!("{argument} names no user; add one (a role with SELECT on the tables the queries read, nothing more)."),
            ));
        }
        if dsn.dbname.is_empty() {
            dsn.dbname = dsn.user.clone();
        }
        Ok(dsn)
    }

    /// `payments on db.internal:5432`: what sources and errors name, never the password.
    pub fn label(&self) -> String {
        format!("{} on {}:{}", self.dbname, self.host, self.port)
    }
}

fn percent_decode(argument: &str, part: &str, raw: &str) -> Result<String, InputError> {
    let bad = || {
        InputError::new(
            argument,
            format!("The {part} in {argument} has a malformed %-escape or is not UTF-8; write reserved characters as %XX."),
        )
    };
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

fn url_pairs(argument: &str, rest: &str) -> Result<Vec<(String, String)>, InputError> {
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = before_query.split_once('/').unwrap_or((before_query, ""));
    let mut pairs = Vec::new();
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, hp)) => {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            pairs.push(("user".into(), percent_decode(argument, "user", user)?));
            if userinfo.contains(':') {
                pairs.push((
                    "password".into(),
                    percent_decode(argument, "password", password)?,
                ));
            }
            hp
        }
        None => authority,
    };
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| {
            InputError::new(
                argument,
                format!("The host in {argument} opens an IPv6 '[' without closing it."),
            )
        })?;
        (h, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    pairs.push(("host".into(), percent_decode(argument, "host", host)?));
    if let Some(p) = port {
        pairs.push(("port".into(), p.to_string()));
    }
    if !path.is_empty() {
        pairs.push((
            "dbname".into(),
            percent_decode(argument, "database name", path)?,
        ));
    }
    for item in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        let key = percent_decode(argument, "option name", k)?;
        let part = if key == "password" {
            "password"
        } else {
            "option value"
        };
        pairs.push((key, percent_decode(argument, part, v)?));
    }
    Ok(pairs)
}

fn keyword_pairs(argument: &str, text: &str) -> Result<Vec<(String, String)>, InputError> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(InputError::new(
                argument,
                format!("{argument} has {} without '=value'; write key=value pairs separated by spaces.", quote(&key)),
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => {
                        return Err(InputError::new(
                            argument,
                            format!("The value of {key} in {argument} opens a quote (') without closing it."),
                        ))
                    }
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_form() {
        let d = Dsn::parse(
            "dsn",
            "postgresql://dora_reader:p%40ss%20w@db.internal:6543/pay%20ments?sslmode=require",
        )
        .unwrap();
        assert_eq!(
            (d.host.as_str(), d.port, d.dbname.as_str(), d.user.as_str()),
            ("db.internal", 6543, "pay ments", "dora_reader")
        );
        assert_eq!(d.password.as_ref().map(Secret::expose), Some("p@ss w"));
        assert_eq!(d.sslmode, SslMode::Require);
        let d = Dsn::parse("dsn", "postgres://u@[::1]/db").unwrap();
        assert_eq!(
            (d.host.as_str(), d.port, d.sslmode),
            ("::1", 5432, SslMode::VerifyFull)
        );
        let d = Dsn::parse("dsn", "postgresql://u@h").unwrap();
        assert_eq!(d.dbname, "u");
    }

    #[test]
    fn keyword_form() {
        let d = Dsn::parse("dsn", "host=127.0.0.1 port = 55432 dbname=dora_demo user=dora_reader password=plain sslmode=disable").unwrap();
        assert_eq!(
            (d.host.as_str(), d.port, d.dbname.as_str()),
            ("127.0.0.1", 55432, "dora_demo")
        );
        assert_eq!(d.password.unwrap().expose(), "plain");
        let d = Dsn::parse("dsn", "user=u password='a b\\'c' connect_timeout=5").unwrap();
        assert_eq!(d.password.unwrap().expose(), "a b'c");
    }

    #[test]
    fn bad_strings_are_refused_without_the_password() {
        for raw in [
            "postgresql://u:hunter2pw@h:notaport/db",
            "postgresql://u:hunter2pw@h/db?sslmode=prefer",
            "postgresql://u:hunter2pw@h/db?keepalives=1",
            "postgresql://u:hunter2pw%zz@h/db",
            "host=h user=u password=hunter2pw port=0",
            "host=h password='hunter2pw",
            "hunter2pw@h:5432",
            "postgresql://:hunter2pw@h/db",
            "postgresql://u:hunter2pw@h1,h2/db",
        ] {
            let e = Dsn::parse("dsn", raw).unwrap_err();
            assert_eq!(e.argument, "dsn");
            assert!(!e.message.contains("hunter2"), "{raw}: {}", e.message);
            assert!(e.message.ends_with('.'), "{}", e.message);
        }
        let e = Dsn::parse("dsn", "postgresql://u@h/db?sslmode=prefer").unwrap_err();
        assert!(
            e.message.contains("require or verify-full"),
            "{}",
            e.message
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_and_server_text() {
        let d = Dsn::parse("dsn", "postgresql://u:s3cr%2Ft@h/db").unwrap();
        assert!(!format!("{d:?}").contains("s3cr"));
        let s = d.password.unwrap();
        assert_eq!(
            s.scrub("bad s3cr/t and s3cr%2Ft"),
            "bad [redacted] and [redacted]"
        );
    }
}
