//! The ICT mapping kept as JSON (an instance parameter), for teams without a CMDB or a register
//! in CSV form:
//!
//! ```json
//! {"assets": {"cardgw-01.zb.internal": ["Card payments"], "203.0.113.0/24": ["Card payments"],
//!             "*.example-bank.com": ["Customer portal"]},
//!  "services": {"Card payments": {"critical_or_important": true, "functions": ["Card payments"],
//!               "providers": [{"name": "CardProc Ltd", "country": "IE"}], "countries": ["DE", "AT"]}}}
//! ```
//! Assets match exactly (case-insensitive), by `*.domain` suffix, or by IPv4 CIDR.

use std::net::Ipv4Addr;

use serde::Deserialize;
use serde_json::Value;

use super::ConnectorError;
use crate::dora::member_states::country;

const SOURCE: &str = "ICT mapping (instance parameter ict_mapping)";

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MappedProvider {
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MappedService {
    #[serde(default)]
    pub critical_or_important: Option<bool>,
    #[serde(default)]
    pub functions: Vec<String>,
    #[serde(default)]
    pub providers: Vec<MappedProvider>,
    #[serde(default)]
    pub countries: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct IctMapping {
    #[serde(default)]
    pub assets: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, MappedService>,
}

fn cidr(pattern: &str) -> Option<(u32, u32)> {
    let (addr, bits) = pattern.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let bits: u32 = bits.parse().ok().filter(|b| *b <= 32)?;
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Some((u32::from(addr) & mask, mask))
}

/// Whether `asset` is `pattern`: the same name (case-insensitive), a subdomain of `*.domain`, or an
/// IPv4 address inside a CIDR block. SOCRadar names an exposed service `address:port`
/// (`203.0.113.191:3389`): its address is what a CIDR block matches.
pub fn asset_matches(pattern: &str, asset: &str) -> bool {
    let (p, a) = (pattern.trim().to_lowercase(), asset.trim().to_lowercase());
    if p == a {
        return true;
    }
    if let Some(domain) = p.strip_prefix("*.") {
        return a.ends_with(&format!(".{domain}")) || a == domain;
    }
    let ip = a
        .parse::<Ipv4Addr>()
        .ok()
        .or_else(|| a.parse::<std::net::SocketAddrV4>().ok().map(|s| *s.ip()));
    match (cidr(&p), ip) {
        (Some((net, mask)), Some(ip)) => u32::from(ip) & mask == net,
        _ => false,
    }
}

impl IctMapping {
    pub fn parse(v: &Value) -> Result<IctMapping, ConnectorError> {
        let m: IctMapping = serde_json::from_value(v.clone())
            .map_err(|e| ConnectorError::new(SOURCE, format!("the mapping is not of the documented shape ({e}); see the integration's description.")))?;
        for (name, s) in &m.services {
            for c in s
                .countries
                .iter()
                .chain(s.providers.iter().filter_map(|p| p.country.as_ref()))
            {
                country("country", c).map_err(|_| {
                    ConnectorError::new(SOURCE, format!("service {name:?} names {c:?}, which is not an ISO 3166-1 alpha-2 country code."))
                })?;
            }
        }
        for (pattern, services) in &m.assets {
            for s in services {
                if !m.services.keys().any(|k| k.eq_ignore_ascii_case(s)) {
                    return Err(ConnectorError::new(
                        SOURCE,
                        format!("asset {pattern:?} points to the service {s:?}, which \"services\" does not describe; add it there or correct the name."),
                    ));
                }
            }
            if pattern.contains('/') && cidr(pattern).is_none() {
                return Err(ConnectorError::new(
                    SOURCE,
                    format!(
                        "asset pattern {pattern:?} is not an IPv4 CIDR such as 203.0.113.0/24."
                    ),
                ));
            }
        }
        Ok(m)
    }

    /// Services of an asset, with the pattern that matched it.
    pub fn services_for_asset(&self, asset: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (pattern, services) in &self.assets {
            if asset_matches(pattern, asset) {
                for s in services {
                    if !out.iter().any(|(x, _)| x.eq_ignore_ascii_case(s)) {
                        out.push((s.clone(), format!("{SOURCE}, asset pattern {pattern}")));
                    }
                }
            }
        }
        out
    }

    pub fn service(&self, name: &str) -> Option<(&String, &MappedService)> {
        self.services
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name.trim()))
    }
}

pub fn source_name() -> &'static str {
    SOURCE
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping() -> IctMapping {
        IctMapping::parse(&json!({
            "assets": {"cardgw-01.zb.internal": ["Card payments"], "203.0.113.0/24": ["Card payments"], "*.example-bank.com": ["Customer portal"]},
            "services": {"Card payments": {"critical_or_important": true, "providers": [{"name": "CardProc Ltd", "country": "IE"}], "countries": ["DE", "AT"]},
                         "Customer portal": {"critical_or_important": false}}
        }))
        .unwrap()
    }

    #[test]
    fn assets_match_exactly_by_domain_and_by_cidr() {
        let m = mapping();
        assert_eq!(
            m.services_for_asset("CARDGW-01.zb.internal")[0].0,
            "Card payments"
        );
        assert_eq!(
            m.services_for_asset("203.0.113.16")[0].1,
            "ICT mapping (instance parameter ict_mapping), asset pattern 203.0.113.0/24"
        );
        assert_eq!(
            m.services_for_asset("login.example-bank.com")[0].0,
            "Customer portal"
        );
        assert!(m.services_for_asset("198.51.100.7").is_empty());
        // An exposed service, as SOCRadar names it: its address is in the block, any port.
        assert_eq!(
            m.services_for_asset("203.0.113.191:3389")[0].0,
            "Card payments"
        );
        assert!(m.services_for_asset("198.51.100.7:3389").is_empty());
        assert!(!asset_matches("203.0.113.0/24", "203.0.113.191:notaport"));
        assert!(m.services_for_asset("examp1e-bank.com").is_empty());
        assert_eq!(
            m.service("card payments").unwrap().1.critical_or_important,
            Some(true)
        );
    }

    #[test]
    fn bad_mappings_say_what_is_wrong() {
        for (v, want) in [
            (
                json!({"assets": {"x": ["Nope"]}, "services": {}}),
                "points to the service \"Nope\"",
            ),
            (
                json!({"services": {"A": {"countries": ["ZZ"]}}}),
                "\"ZZ\", which is not an ISO 3166-1",
            ),
            (
                json!({"assets": {"10.0.0.0/40": ["A"]}, "services": {"A": {}}}),
                "is not an IPv4 CIDR",
            ),
            (
                json!({"services": {"A": {"critical": true}}}),
                "not of the documented shape",
            ),
            (json!([1, 2]), "not of the documented shape"),
        ] {
            let e = IctMapping::parse(&v).unwrap_err();
            assert!(e.message.contains(want), "{}", e.message);
        }
    }
}
