//! The context connectors' instance parameters: which sources exist and how to reach them.
//! Every parameter is checked here, and refused with its own name.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::cmdb::{self as cmdb_mod, CmdbAuth, CmdbClient, CmdbConfig, Secret as CmdbSecret};
use super::geo::{observations_from_text, ImpactType, Observation};
use super::ict_json::IctMapping;
use super::register::{parse_aliases, Register, DEFAULT_MAX_FILE_MB};
use super::transactions::{
    Dsn, RestAuth, RestConfig, RestMethod, RestSource, Secret, SqlConfig, SqlSource, SslMode,
};
use super::ConnectorError;
use crate::input::{self, quote, InputError};

// One per instance, built once: the size of the larger variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum TransactionSource {
    Sql(SqlSource),
    Rest(RestSource),
}

pub struct ConnectorSet {
    pub register: Option<Register>,
    pub cmdb: Option<CmdbClient>,
    pub mapping: Option<IctMapping>,
    pub cmdb_depth: usize,
    pub transactions: Option<TransactionSource>,
    /// The entity's branches and group entities, `CC: name` per line, for the geographical scope.
    pub branches: Vec<Observation>,
    pub group_entities: Vec<Observation>,
}

fn text(p: &Value, key: &str) -> String {
    match p.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(v) => v.to_string(),
    }
}

fn flag(p: &Value, key: &str) -> Result<bool, InputError> {
    match p.get(key) {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Ok(false),
        Some(v) => input::boolean(key, v.as_str().unwrap_or(&v.to_string())),
    }
}

/// A credentials parameter (`{"identifier": .., "password": ..}`) as (user, secret).
fn credentials(p: &Value, key: &str) -> (String, String) {
    let c = p.get(key);
    let get = |k: &str| {
        c.and_then(|c| c.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (get("identifier"), get("password"))
}

fn json_param(p: &Value, key: &str) -> Result<Option<Value>, InputError> {
    match p.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| InputError::new(key, format!("{key} must be JSON: {e}."))),
        Some(v) => Ok(Some(v.clone())),
    }
}

fn as_input(key: &str, e: ConnectorError) -> InputError {
    InputError::new(key, format!("{key}: {}", e.message))
}

/// A whole-number parameter within `[min, max]`, `default` when empty.
fn count(p: &Value, key: &str, default: i64, min: i64, max: i64) -> Result<i64, InputError> {
    let raw = text(p, key);
    if raw.is_empty() {
        return Ok(default);
    }
    input::bounded_int(key, &raw, min, max)
}

fn register(p: &Value) -> Result<Option<Register>, InputError> {
    let path = text(p, "register_path");
    let files = json_param(p, "register_files")?;
    let max_bytes =
        count(p, "register_max_mb", DEFAULT_MAX_FILE_MB as i64, 1, 1024)? as u64 * 1024 * 1024;
    let reg = match (path.is_empty(), files) {
        (false, _) => Register::from_dir_within(Path::new(&path), max_bytes)
            .map_err(|e| as_input("register_path", e))?,
        (true, Some(Value::Object(map))) => {
            let texts: BTreeMap<String, String> = map
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            Register::from_texts_within(&texts, max_bytes)
                .map_err(|e| as_input("register_files", e))?
        }
        (true, Some(_)) => return Err(InputError::new(
            "register_files",
            "register_files must be a JSON object of template name (b_06.01, …) to the CSV text.",
        )),
        (true, None) => return Ok(None),
    };
    let aliases = text(p, "register_aliases");
    if aliases.is_empty() {
        return Ok(Some(reg));
    }
    reg.with_aliases(&parse_aliases(&aliases)?).map(Some)
}

/// What the HTTP sources (CMDB, REST) share: `insecure`, `proxy`, `timeout`, `max_response_mb`.
struct Http {
    verify_tls: bool,
    use_proxy: bool,
    timeout: Duration,
    max_response_mb: u64,
}

fn cmdb(p: &Value, http: &Http) -> Result<Option<CmdbClient>, InputError> {
    let url = text(p, "cmdb_url");
    if url.is_empty() {
        return Ok(None);
    }
    let url = input::base_url("cmdb_url", &url)?;
    let (user, password) = credentials(p, "cmdb_credentials");
    let auth = match input::one_of(
        "cmdb_auth",
        &Some(text(p, "cmdb_auth"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "basic".into()),
        &["basic", "oauth"],
    )? {
        "oauth" => {
            let (client_id, secret) = credentials(p, "cmdb_oauth_client");
            if client_id.is_empty() || secret.is_empty() {
                return Err(InputError::new("cmdb_oauth_client", "cmdb_oauth_client needs the OAuth client ID (as the user name) and its secret (as the password)."));
            }
            CmdbAuth::OAuth {
                client_id,
                client_secret: CmdbSecret::new(secret),
                username: Some(user.clone()).filter(|u| !u.is_empty()),
                password: Some(password.clone())
                    .filter(|s| !s.is_empty())
                    .map(CmdbSecret::new),
            }
        }
        _ => {
            if user.is_empty() || password.is_empty() {
                return Err(InputError::new("cmdb_credentials", "cmdb_credentials needs the CMDB user name and password for basic authentication."));
            }
            CmdbAuth::Basic {
                username: user,
                password: CmdbSecret::new(password),
            }
        }
    };
    let mut cfg = CmdbConfig::new(&url, auth);
    cfg.verify_tls = http.verify_tls;
    cfg.use_proxy = http.use_proxy;
    cfg.timeout = http.timeout;
    cfg.max_response_mb = http.max_response_mb;
    cfg.max_requests = count(
        p,
        "cmdb_max_requests",
        cmdb_mod::DEFAULT_MAX_REQUESTS as i64,
        1,
        10_000,
    )? as usize;
    cfg.max_nodes = count(
        p,
        "cmdb_max_nodes",
        cmdb_mod::DEFAULT_MAX_NODES as i64,
        1,
        100_000,
    )? as usize;
    CmdbClient::new(cfg)
        .map(Some)
        .map_err(|e| as_input("cmdb_url", e))
}

fn sql(p: &Value) -> Result<SqlSource, InputError> {
    let host = text(p, "pg_host");
    if host.is_empty() {
        return Err(InputError::new(
            "pg_host",
            "pg_host must name the PostgreSQL server holding the transactions.",
        ));
    }
    let port = input::bounded_int(
        "pg_port",
        &Some(text(p, "pg_port"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "5432".into()),
        1,
        65_535,
    )? as u16;
    let dbname = text(p, "pg_database");
    if dbname.is_empty() {
        return Err(InputError::new(
            "pg_database",
            "pg_database must name the database holding the transactions.",
        ));
    }
    let (user, password) = credentials(p, "pg_credentials");
    if user.is_empty() {
        return Err(InputError::new(
            "pg_credentials",
            "pg_credentials needs a read-only database user (and its password).",
        ));
    }
    let sslmode = match input::one_of(
        "pg_sslmode",
        &Some(text(p, "pg_sslmode"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "verify-full".into()),
        &["verify-full", "require", "disable"],
    )? {
        "disable" => SslMode::Disable,
        "require" => SslMode::Require,
        _ => SslMode::VerifyFull,
    };
    let mut cfg = SqlConfig::new(&format!("postgresql://{user}@{host}:{port}/{dbname}"))
        .map_err(|e| InputError::new("pg_host", e.message))?;
    cfg.dsn = Dsn {
        host,
        port,
        dbname,
        user,
        password: Some(password).filter(|s| !s.is_empty()).map(Secret::new),
        sslmode,
    };
    for (key, slot) in [
        ("pg_affected_query", &mut cfg.affected_query),
        ("pg_reference_query", &mut cfg.reference_query),
        ("pg_totals_query", &mut cfg.totals_query),
    ] {
        let q = text(p, key);
        if !q.is_empty() {
            *slot = Some(q);
        }
    }
    let timeout = Some(text(p, "pg_statement_timeout"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "10".into());
    cfg.statement_timeout = Duration::from_secs_f64(input::positive_seconds(
        "pg_statement_timeout",
        &timeout,
        600.0,
    )?);
    // A lock wait may not outlast the statement it belongs to.
    cfg.lock_timeout = cfg.lock_timeout.min(cfg.statement_timeout);
    cfg.connect_timeout = Duration::from_secs(count(p, "pg_connect_timeout", 10, 1, 120)? as u64);
    // The source names its queries by their own names; the instance knows them with a pg_ prefix.
    SqlSource::new(cfg).map_err(|e| match e.argument.as_str() {
        a @ ("affected_query" | "reference_query" | "totals_query") => {
            let param = format!("pg_{a}");
            InputError::new(&param, e.message.replacen(a, &param, 1))
        }
        _ => e,
    })
}

fn rest(p: &Value, http: &Http) -> Result<RestSource, InputError> {
    let url = input::base_url("rest_url", &text(p, "rest_url"))?;
    let mapping = text(p, "rest_mapping");
    if mapping.is_empty() {
        return Err(InputError::new("rest_mapping", "rest_mapping must map figure names to JSON pointers, e.g. {\"transactions_affected\": \"/data/count\"}."));
    }
    let mut cfg = RestConfig::new(&url, &mapping)?;
    cfg.method = match input::one_of(
        "rest_method",
        &Some(text(p, "rest_method"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "GET".into()),
        &["GET", "POST"],
    )? {
        "POST" => RestMethod::Post,
        _ => RestMethod::Get,
    };
    let (user, password) = credentials(p, "rest_credentials");
    cfg.auth = match (user.is_empty(), password.is_empty()) {
        (_, true) => RestAuth::None,
        (true, false) => RestAuth::Bearer(Secret::new(password)),
        (false, false) => RestAuth::Basic {
            user,
            password: Secret::new(password),
        },
    };
    cfg.verify_tls = http.verify_tls;
    cfg.use_proxy = http.use_proxy;
    cfg.timeout = http.timeout;
    cfg.max_response_mb = http.max_response_mb;
    RestSource::new(cfg)
}

impl ConnectorSet {
    pub fn from_params(p: &Value) -> Result<ConnectorSet, InputError> {
        let http = Http {
            verify_tls: !flag(p, "insecure")?,
            use_proxy: flag(p, "proxy")?,
            timeout: Duration::from_secs_f64(input::positive_seconds(
                "timeout",
                &Some(text(p, "timeout"))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "30".into()),
                600.0,
            )?),
            max_response_mb: crate::http::max_body_mb(
                "max_response_mb",
                &text(p, "max_response_mb"),
                cmdb_mod::DEFAULT_MAX_RESPONSE_MB,
            )?,
        };
        let mapping = match json_param(p, "ict_mapping")? {
            Some(v) => Some(IctMapping::parse(&v).map_err(|e| as_input("ict_mapping", e))?),
            None => None,
        };
        let transactions = match input::one_of(
            "transaction_source",
            &Some(text(p, "transaction_source"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "none".into()),
            &["none", "postgresql", "rest"],
        )? {
            "postgresql" => Some(TransactionSource::Sql(sql(p)?)),
            "rest" => Some(TransactionSource::Rest(rest(p, &http)?)),
            _ => None,
        };
        let depth = input::bounded_int(
            "cmdb_depth",
            &Some(text(p, "cmdb_depth"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "4".into()),
            0,
            8,
        )? as usize;
        Ok(ConnectorSet {
            register: register(p)?,
            cmdb: cmdb(p, &http)?,
            mapping,
            cmdb_depth: depth,
            transactions,
            branches: observations_from_text(&text(p, "branches"), ImpactType::BranchOfTheFinancialEntity, "instance parameter branches"),
            group_entities: observations_from_text(
                &text(p, "group_entities"),
                ImpactType::FinancialEntitiesWithinTheGroupCarryingOutActivitiesInTheRespectiveMemberState,
                "instance parameter group_entities",
            ),
        })
    }

    /// Contacts every configured source once (test-module): the CMDB answers one small query,
    /// PostgreSQL accepts the login and prepares each query, the REST endpoint answers for the
    /// last hour. The register and the mapping were read and checked when the instance's
    /// parameters were. One line per source, or the errors of those that failed.
    pub fn check(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<String>, Vec<String>> {
        let mut ok = Vec::new();
        let mut failed = Vec::new();
        if self.register.is_some() {
            ok.push("Register of Information: read and cross-checked".to_string());
        }
        if self.mapping.is_some() {
            ok.push("ICT mapping: read".to_string());
        }
        if let Some(c) = &self.cmdb {
            match c.check() {
                Ok(()) => ok.push("CMDB: answered a query of cmdb_ci".to_string()),
                Err(e) => failed.push(e.to_string()),
            }
        }
        match &self.transactions {
            Some(TransactionSource::Sql(s)) => match s.check() {
                Ok(()) => ok.push("PostgreSQL: logged in and prepared every query".to_string()),
                Err(e) => failed.push(e.to_string()),
            },
            Some(TransactionSource::Rest(r)) => match r.check(now) {
                Ok(()) => ok.push("REST transactions: answered for the last hour".to_string()),
                Err(e) => failed.push(e.to_string()),
            },
            None => {}
        }
        if failed.is_empty() {
            Ok(ok)
        } else {
            Err(failed)
        }
    }

    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.register.is_some() {
            out.push("Register of Information".to_string());
        }
        if self.cmdb.is_some() {
            out.push("CMDB".to_string());
        }
        if self.mapping.is_some() {
            out.push("ICT mapping".to_string());
        }
        match &self.transactions {
            Some(TransactionSource::Sql(_)) => out.push("PostgreSQL transactions".to_string()),
            Some(TransactionSource::Rest(_)) => out.push("REST transactions".to_string()),
            None => {}
        }
        out
    }
}

/// Checks the argument of a command that names one of the optional sources.
pub fn require<'a, T>(what: Option<&'a T>, name: &str, param: &str) -> Result<&'a T, InputError> {
    what.ok_or_else(|| {
        InputError::new(
            param,
            format!(
                "No {name} is configured: set {} in the instance.",
                quote(param)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_are_built_from_parameters() {
        let reg = format!("{}/devtools/register", env!("CARGO_MANIFEST_DIR"));
        let s = ConnectorSet::from_params(&json!({
            "register_path": reg, "ict_mapping": "{\"assets\": {}, \"services\": {}}",
            "cmdb_url": "https://cmdb.example", "cmdb_credentials": {"identifier": "svc", "password": "pw"},
            "transaction_source": "postgresql", "pg_host": "db.internal", "pg_database": "payments",
            "pg_credentials": {"identifier": "dora_reader", "password": "s3cret"}, "branches": "AT: Vienna branch",
        }))
        .unwrap();
        assert_eq!(
            s.describe(),
            [
                "Register of Information",
                "CMDB",
                "ICT mapping",
                "PostgreSQL transactions"
            ]
        );
        assert_eq!(s.branches[0].country, "AT");
    }

    #[test]
    fn bad_parameters_name_themselves() {
        for (p, arg, want) in [
            (
                json!({"register_path": "/nonexistent/register"}),
                "register_path",
                "register_path:",
            ),
            (
                json!({"cmdb_url": "cmdb.example"}),
                "cmdb_url",
                "cmdb_url must be an http:// or https:// URL",
            ),
            (
                json!({"cmdb_url": "https://c", "cmdb_auth": "oauth"}),
                "cmdb_oauth_client",
                "needs the OAuth client ID",
            ),
            (
                json!({"cmdb_url": "https://c"}),
                "cmdb_credentials",
                "needs the CMDB user name",
            ),
            (
                json!({"ict_mapping": "{"}),
                "ict_mapping",
                "ict_mapping must be JSON",
            ),
            (
                json!({"transaction_source": "oracle"}),
                "transaction_source",
                "transaction_source must be one of none, postgresql, rest",
            ),
            (
                json!({"transaction_source": "postgresql", "pg_host": "h", "pg_database": "d"}),
                "pg_credentials",
                "needs a read-only database user",
            ),
            (
                json!({"transaction_source": "postgresql", "pg_host": "h", "pg_database": "d", "pg_credentials": {"identifier": "u"}, "pg_affected_query": "DELETE FROM x"}),
                "pg_affected_query",
                "",
            ),
            (
                json!({"transaction_source": "rest", "rest_url": "https://t"}),
                "rest_mapping",
                "rest_mapping must map",
            ),
            (
                json!({"cmdb_depth": "20"}),
                "cmdb_depth",
                "cmdb_depth must be a whole number from 0 to 8",
            ),
        ] {
            let e = ConnectorSet::from_params(&p)
                .err()
                .unwrap_or_else(|| panic!("{p} was accepted"));
            assert!(e.message.contains(want), "{p}: {}", e.message);
            assert!(!e.message.contains("s3cret"));
            assert_eq!(e.argument, arg, "{p}: {}", e.message);
        }
    }
}
