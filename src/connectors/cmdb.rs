//! The ICT registry from a CMDB over REST (ServiceNow's Table API): which business services an
//! asset named in an alarm supports, and how critical they are.
//!
//! The asset (hostname, IP address, FQDN or domain, URL, or a CI name) is looked up in `cmdb_ci`
//! by `name`, `ip_address` and `fqdn`; from the CIs found the walk climbs `cmdb_rel_ci` from child
//! to parent ("Card gateway Runs on cardgw-01", "Card payments Depends on Card gateway"), level by
//! level, until it reaches `cmdb_ci_service` records or `depth` levels. Each service keeps its
//! criticality, its DORA designation (`u_critical_or_important`) and country, and the path that
//! reached it, for the evidence. An asset the CMDB does not know is an answer, not an error.
//!
//! A walk is bounded in requests (`cmdb_max_requests`) and in configuration items met
//! (`cmdb_max_nodes`): a CMDB whose items each have many new parents would otherwise be walked
//! for minutes. At a bound the walk stops and its result is labelled partial, with the services
//! found so far.

mod oauth;
mod records;
mod transport;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde::Serialize;

use super::ConnectorError;
use crate::http::retry::RetryPolicy;
use crate::input::{self, quote};
use records::{reference, sys_id, Record};
use transport::{Display, Transport};

const SOURCE: &str = "CMDB";
/// Relationship levels a walk may climb; real service maps are rarely deeper than five.
pub const MAX_DEPTH: usize = 10;
/// sys_ids per `IN` query, which keeps URLs well under common 8 KiB limits.
const IN_CHUNK: usize = 50;
const CI_FIELDS: &str = "sys_id,name,sys_class_name,ip_address,fqdn";
// ServiceNow spells the field `busines_criticality`; some instances add a correctly spelled one.
const SERVICE_FIELDS: &str = "sys_id,name,sys_class_name,busines_criticality,business_criticality,\
u_critical_or_important,u_dora_function,operational_status,location.country";
const REL_FIELDS: &str = "sys_id,parent,child,type";
/// Parent descriptors of relationship types whose parent serves the child ("Hosts::Hosted on"),
/// the reverse of "Depends on::Used by": the walk follows them from parent to child.
const INVERSE: &[&str] = &[
    "used by",
    "hosts",
    "runs",
    "provides",
    "contained by",
    "member of",
    "virtualizes",
    "powers",
];
/// `operational_status` of a retired CI: it supports nothing any more.
const RETIRED: &str = "6";

/// A password, client secret or token: the core's one secret type.
pub use crate::secret::Secret;

/// Bounds of a walk by default: enough for a real service map several levels deep.
pub const DEFAULT_MAX_REQUESTS: usize = 200;
pub const DEFAULT_MAX_NODES: usize = 2_000;
/// The largest CMDB answer read by default, in MB (`max_response_mb`): a page is 500 records
/// of a few fields.
pub const DEFAULT_MAX_RESPONSE_MB: u64 = 16;

#[derive(Debug, Clone)]
pub enum CmdbAuth {
    /// HTTP basic authentication with a CMDB user.
    Basic { username: String, password: Secret },
    /// OAuth from `{base}/oauth_token.do`: the password grant when a user and password are given,
    /// the client-credentials grant otherwise.
    OAuth {
        client_id: String,
        client_secret: Secret,
        username: Option<String>,
        password: Option<Secret>,
    },
}

#[derive(Debug, Clone)]
pub struct CmdbConfig {
    /// The instance address, such as https://example.service-now.com.
    pub base_url: String,
    pub auth: CmdbAuth,
    /// Verify the server certificate (XSOAR's `insecure` unchecked).
    pub verify_tls: bool,
    /// Use the proxy of the environment (XSOAR's `proxy`); when false, no proxy at all.
    pub use_proxy: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The largest answer read, in MB.
    pub max_response_mb: u64,
    /// Requests one lookup may send (pages and retries included).
    pub max_requests: usize,
    /// Configuration items one walk may meet.
    pub max_nodes: usize,
}

impl CmdbConfig {
    /// A configuration with TLS verified, no proxy, a 30 s timeout and the default bounds.
    pub fn new(base_url: &str, auth: CmdbAuth) -> CmdbConfig {
        CmdbConfig {
            base_url: base_url.to_string(),
            auth,
            verify_tls: true,
            use_proxy: false,
            timeout: Duration::from_secs(30),
            max_response_mb: DEFAULT_MAX_RESPONSE_MB,
            max_requests: DEFAULT_MAX_REQUESTS,
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

/// A business service an asset supports, as the CMDB records it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmdbService {
    pub sys_id: String,
    pub name: String,
    /// The entity's designation of the function the service supports (`u_critical_or_important`).
    pub critical_or_important: Option<bool>,
    /// `busines_criticality` as the CMDB shows it, such as "1 - most critical".
    pub criticality: Option<String>,
    /// The DORA function the service belongs to (`u_dora_function`), when the CMDB records it.
    pub function: Option<String>,
    /// ISO 3166-1 alpha-2 code of the service's location when recognised, else the CMDB's text.
    pub country: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetServices {
    pub asset: String,
    /// The CI (or CIs, comma-separated) the asset was found as; `None` when the CMDB does not know it.
    pub ci: Option<String>,
    pub services: Vec<CmdbService>,
    /// One line per service: how the walk reached it, for the evidence.
    pub path: Vec<String>,
    /// Why nothing (or not everything) was found: unknown asset, no service within depth, retired
    /// services skipped, a bound of the walk reached.
    pub notes: Vec<String>,
    /// The walk stopped at a bound before it was complete: more services may exist.
    pub partial: bool,
}

pub struct CmdbClient {
    transport: Transport,
    max_requests: usize,
    max_nodes: usize,
}

/// Where a walk stands against its bounds.
struct Walk {
    /// The transport's request count when the lookup began.
    first_request: usize,
    /// Why it stopped early, once it has.
    stopped: Option<String>,
}

/// One CI met on the way up: its name and class, and the relationship that led to it.
struct Node {
    name: String,
    class: Option<String>,
    /// (the CI it was reached from, which this one uses; the verb: "runs on", "depends on")
    via: Option<(String, String)>,
}

impl CmdbClient {
    pub fn new(cfg: CmdbConfig) -> Result<CmdbClient, ConnectorError> {
        if cfg.max_requests == 0 || cfg.max_nodes == 0 {
            return Err(ConnectorError::new(
                SOURCE,
                "The CMDB walk bounds must be at least 1 (cmdb_max_requests, cmdb_max_nodes).",
            ));
        }
        Ok(CmdbClient {
            max_requests: cfg.max_requests,
            max_nodes: cfg.max_nodes,
            transport: Transport::new(cfg)?,
        })
    }

    /// One small request, to check the address, the credentials and the read access: the first
    /// record of cmdb_ci (with OAuth, a token is requested first).
    pub fn check(&self) -> Result<(), ConnectorError> {
        self.transport
            .table_page_one("cmdb_ci", "sys_idISNOTEMPTY", "sys_id")
            .map(|_| ())
    }

    /// Replaces the retry policy for transient failures (429, 502-504, timeouts, broken
    /// connections); the default tries twice more within 30 s.
    pub fn with_retry(mut self, policy: RetryPolicy) -> CmdbClient {
        self.transport.retry = policy;
        self
    }

    /// Debug lines recorded since the last call (requests, pages, token renewals); never secrets.
    pub fn drain_log(&self) -> Vec<String> {
        self.transport.drain_log()
    }

    /// The business services an asset (hostname, IP, FQDN/domain, or CI name) supports, walking
    /// cmdb_rel_ci upward (child → parent) at most `depth` levels until cmdb_ci_service records;
    /// with each service's criticality.
    pub fn services_for_asset(
        &self,
        asset: &str,
        depth: usize,
    ) -> Result<AssetServices, ConnectorError> {
        let asset = check_asset(asset)?;
        if depth > MAX_DEPTH {
            return Err(ConnectorError::new(
                SOURCE,
                format!("The CMDB walk depth must be between 0 and {MAX_DEPTH} relationship levels, got {depth}; lower it."),
            ));
        }
        let mut out = AssetServices {
            asset: asset.clone(),
            ci: None,
            services: Vec::new(),
            path: Vec::new(),
            notes: Vec::new(),
            partial: false,
        };
        let mut walk = Walk {
            first_request: self.transport.requests(),
            stopped: None,
        };
        let query = lookup_keys(&asset)
            .iter()
            .map(|k| {
                let k = escape(k);
                format!("name={k}^ORip_address={k}^ORfqdn={k}")
            })
            .collect::<Vec<_>>()
            .join("^OR");
        let cis = self.bounded_table(&mut walk, "cmdb_ci", &query, CI_FIELDS, Display::False)?;
        if cis.is_empty() {
            out.notes.push(format!(
                "The CMDB at {} has no configuration item named {}, with that IP address or with that FQDN, so it attributes no business service to it.",
                self.transport.host(),
                quote(&asset)
            ));
            return Ok(out);
        }

        let mut nodes: HashMap<String, Node> = HashMap::new();
        let mut frontier = Vec::new();
        for (i, rec) in cis.iter().enumerate() {
            let id = sys_id(rec, "cmdb_ci", i).map_err(|m| self.transport.unusable(m))?;
            if nodes.contains_key(&id) {
                continue;
            }
            let name = records::display(rec, "name").unwrap_or_else(|| id.clone());
            let class = records::display(rec, "sys_class_name");
            nodes.insert(
                id.clone(),
                Node {
                    name,
                    class,
                    via: None,
                },
            );
            frontier.push(id);
        }
        let found: Vec<&str> = frontier.iter().map(|id| nodes[id].name.as_str()).collect();
        out.ci = Some(found.join(", "));
        if found.len() > 1 {
            out.notes.push(format!(
                "{} configuration items match {} ({}); the services of all of them are listed.",
                found.len(),
                quote(&asset),
                found.join(", ")
            ));
        }

        let mut services: Vec<CmdbService> = Vec::new();
        let mut retired: Vec<String> = Vec::new();
        let mut unexplored = 0;
        let mut level_reached = 0;
        for level in 0..=depth {
            if frontier.is_empty() || walk.stopped.is_some() {
                break;
            }
            level_reached = level;
            let mut is_service = HashSet::new();
            let found = self.in_query(
                &mut walk,
                "cmdb_ci_service",
                SERVICE_FIELDS,
                &frontier,
                |ids| format!("sys_idIN{ids}"),
            )?;
            for (i, rec) in found.iter().enumerate() {
                let id =
                    sys_id(rec, "cmdb_ci_service", i).map_err(|m| self.transport.unusable(m))?;
                if !nodes.contains_key(&id) || !is_service.insert(id.clone()) {
                    continue;
                }
                let service = self.service(rec, id);
                if records::value(rec, "operational_status").as_deref() == Some(RETIRED) {
                    retired.push(service.name);
                } else {
                    services.push(service);
                }
            }
            let climbing: Vec<String> = frontier
                .into_iter()
                .filter(|id| !is_service.contains(id))
                .collect();
            frontier = Vec::new();
            if level == depth {
                unexplored = climbing.len();
                break;
            }
            if climbing.is_empty() || walk.stopped.is_some() {
                break;
            }
            let asked: HashSet<&String> = climbing.iter().collect();
            let rels = self.in_query(&mut walk, "cmdb_rel_ci", REL_FIELDS, &climbing, |ids| {
                format!("childIN{ids}^ORparentIN{ids}")
            })?;
            for (i, rel) in rels.iter().enumerate() {
                sys_id(rel, "cmdb_rel_ci", i).map_err(|m| self.transport.unusable(m))?;
                let field = |name| {
                    reference(rel, name).ok_or_else(|| {
                        self.transport.unusable(format!(
                            "record {} of table cmdb_rel_ci has no {name} reference; check the CMDB user's read access to cmdb_rel_ci",
                            i + 1
                        ))
                    })
                };
                let (parent, parent_name) = field("parent")?;
                let (child, child_name) = field("child")?;
                let kind = records::display(rel, "type").unwrap_or_else(|| "related to".into());
                // The walk goes from what is used to what uses it: up from the child of
                // "Depends on::Used by", down from the parent of "Hosts::Hosted on".
                let (lower, upper, upper_name, verb) = match kind.split_once("::") {
                    Some((p, c)) if INVERSE.contains(&p.trim().to_lowercase().as_str()) => {
                        (parent, child, child_name, c.trim().to_lowercase())
                    }
                    Some((p, _)) => (child, parent, parent_name, p.trim().to_lowercase()),
                    None => (
                        child,
                        parent,
                        parent_name,
                        format!("is related ({kind}) to"),
                    ),
                };
                if !asked.contains(&lower) || nodes.contains_key(&upper) {
                    continue;
                }
                if nodes.len() >= self.max_nodes {
                    walk.stopped.get_or_insert_with(|| {
                        format!(
                            "it had met {} configuration items (cmdb_max_nodes)",
                            self.max_nodes
                        )
                    });
                    break;
                }
                let name = upper_name.unwrap_or_else(|| upper.clone());
                nodes.insert(
                    upper.clone(),
                    Node {
                        name,
                        class: None,
                        via: Some((lower, verb)),
                    },
                );
                frontier.push(upper);
            }
        }

        services.sort_by(|a, b| {
            let rank = |s: &CmdbService| s.criticality.clone().unwrap_or_else(|| "9".into());
            rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name))
        });
        out.path = services
            .iter()
            .map(|s| describe_path(&asset, &nodes, &s.sys_id, &s.name))
            .collect();
        out.services = services;
        if out.services.is_empty() {
            let mut note = format!(
                "The CMDB knows {} as {}, but no business service (cmdb_ci_service) lies within {depth} relationship level(s) above it",
                quote(&asset),
                out.ci.as_deref().unwrap_or_default()
            );
            if unexplored > 0 {
                note.push_str(&format!("; {unexplored} configuration item(s) at the last level were not followed further, so a greater depth may find services"));
            }
            out.notes.push(note + ".");
        }
        if !retired.is_empty() {
            out.notes.push(format!(
                "Retired services are left out: {}.",
                retired.join(", ")
            ));
        }
        if let Some(why) = walk.stopped {
            out.partial = true;
            out.notes.push(format!(
                "Partial: the CMDB walk from {} stopped at relationship level {level_reached} of {depth}, because {why}; the {} service(s) listed are those found before it stopped, and more may lie beyond. Lower cmdb_depth, or raise the bound if the service map is that large.",
                quote(&asset),
                out.services.len()
            ));
        }
        Ok(out)
    }

    /// Requests left to this lookup.
    fn requests_left(&self, walk: &Walk) -> usize {
        let sent = self.transport.requests() - walk.first_request;
        self.max_requests.saturating_sub(sent)
    }

    /// `Transport::table` within the walk's request bound; at the bound, what was read so far.
    fn bounded_table(
        &self,
        walk: &mut Walk,
        table: &str,
        query: &str,
        fields: &str,
        display: Display,
    ) -> Result<Vec<Record>, ConnectorError> {
        let (records, complete) =
            self.transport
                .table(table, query, fields, display, self.requests_left(walk))?;
        if !complete {
            walk.stopped.get_or_insert_with(|| {
                format!(
                    "it had sent {} requests (cmdb_max_requests)",
                    self.max_requests
                )
            });
        }
        Ok(records)
    }

    /// Records of `table` matching `query` built for a comma-separated list of `ids`, in chunks,
    /// until the walk's request bound.
    fn in_query(
        &self,
        walk: &mut Walk,
        table: &str,
        fields: &str,
        ids: &[String],
        query: impl Fn(&str) -> String,
    ) -> Result<Vec<Record>, ConnectorError> {
        let mut all = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            if walk.stopped.is_some() {
                break;
            }
            let query = query(&chunk.join(","));
            all.extend(self.bounded_table(walk, table, &query, fields, Display::All)?);
        }
        Ok(all)
    }

    fn service(&self, rec: &Record, id: String) -> CmdbService {
        let criticality = records::display(rec, "busines_criticality")
            .or_else(|| records::display(rec, "business_criticality"));
        CmdbService {
            name: records::display(rec, "name").unwrap_or_else(|| id.clone()),
            critical_or_important: records::value(rec, "u_critical_or_important")
                .and_then(|v| records::flag(&v)),
            criticality,
            function: records::display(rec, "u_dora_function"),
            country: records::display(rec, "location.country").map(|c| records::country_code(&c)),
            source: format!("{SOURCE} {} cmdb_ci_service/{id}", self.transport.base()),
            sys_id: id,
        }
    }
}

/// "Card payments: 203.0.113.16 is the CI cardpay-03 (cmdb_ci_linux_server); Card gateway runs on
/// cardpay-03; Card payments depends on Card gateway."
fn describe_path(asset: &str, nodes: &HashMap<String, Node>, service: &str, name: &str) -> String {
    let mut steps = Vec::new();
    let mut current = service;
    let mut guard = 0;
    while let Some((lower, verb)) = nodes.get(current).and_then(|n| n.via.as_ref()) {
        steps.push(format!(
            "{} {verb} {}",
            nodes[current].name,
            nodes[lower.as_str()].name
        ));
        current = lower;
        guard += 1;
        if guard > MAX_DEPTH + 1 {
            break;
        }
    }
    let start = &nodes[current];
    let class = start
        .class
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let mut line = format!("{name}: {asset} is the CI {}{class}", start.name);
    for step in steps.iter().rev() {
        line.push_str("; ");
        line.push_str(step);
    }
    line + "."
}

fn check_asset(raw: &str) -> Result<String, ConnectorError> {
    let t = raw.trim();
    let problem = if t.is_empty() {
        Some("is empty")
    } else if t.chars().any(char::is_control) {
        Some("contains a control character such as a line break")
    } else if t.chars().count() > 255 {
        Some("is longer than 255 characters")
    } else {
        None
    };
    match problem {
        Some(p) => Err(ConnectorError::new(
            SOURCE,
            format!("The asset to look up in the CMDB {p} ({}); give a hostname, IP address, domain or CI name.", quote(t)),
        )),
        None => Ok(t.to_string()),
    }
}

/// The asset as given, plus the host inside a URL or before a port ("203.0.113.4:3389",
/// "https://online.example-bank.com/login"), without a trailing dot.
fn lookup_keys(asset: &str) -> Vec<String> {
    let mut keys = vec![asset.to_string()];
    let mut host = asset;
    if let Some((_, rest)) = asset.split_once("://") {
        host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.split_once(']')) {
        host = inner.0; // [IPv6]:port
    } else if let Some((h, port)) = host.rsplit_once(':') {
        if !h.contains(':') && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) {
            host = h;
        }
    }
    let host = host.trim_end_matches('.');
    if !host.is_empty() && !keys.iter().any(|k| k == host) {
        keys.push(host.to_string());
    }
    keys
}

/// A value inside an encoded query: a caret is written twice.
fn escape(value: &str) -> String {
    value.replace('^', "^^")
}

/// The base URL as entered, without a pasted API path.
fn normalise_base(raw: &str) -> Result<String, ConnectorError> {
    let base =
        input::base_url("base_url", raw).map_err(|e| ConnectorError::new(SOURCE, e.message))?;
    let authority = base.split('/').nth(2).unwrap_or_default();
    if authority.contains('@') {
        return Err(ConnectorError::new(
            SOURCE,
            "The CMDB base URL contains a user name or password before the host; remove it and enter the credentials in their own fields.",
        ));
    }
    let mut trimmed = base.as_str();
    for suffix in [
        "/api/now/table",
        "/api/now/v2/table",
        "/api/now/v1/table",
        "/api/now",
        "/oauth_token.do",
    ] {
        if let Some(t) = trimmed.strip_suffix(suffix) {
            trimmed = t;
            break;
        }
    }
    Ok(trimmed.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod tests;
