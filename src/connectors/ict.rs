//! The ICT-registry connector: from an asset (host, IP, domain, SOCRadar alarm asset) or named
//! services, the ICT services involved, the functions they support and whether those are
//! critical or important, the ICT third-party providers behind them, and the countries
//! concerned — each with its source.
//!
//! Asset to services: the CMDB (walking relationships up to business services) and the JSON
//! mapping. Services to functions, providers and countries: the Register of Information, the
//! JSON mapping and the CMDB's own service records. A source that fails leaves the result
//! partial, never silently complete.
//!
//! Every text a source gives (a name, a code, a reason) goes into the context through
//! `cell::safe`: a register cell such as `=HYPERLINK(…)` reaches the context and the war room's
//! tables as text a spreadsheet will not run.

use serde::Serialize;
use serde_json::{json, Value};

use super::cmdb::CmdbClient;
use super::ict_json::{self, IctMapping};
use super::register::{Criticality, Register};
use super::{ConnectorError, Figure};
use crate::cell::safe;

pub struct IctSources<'a> {
    pub cmdb: Option<&'a CmdbClient>,
    pub register: Option<&'a Register>,
    pub mapping: Option<&'a IctMapping>,
    /// Relationship levels the CMDB walk may climb.
    pub depth: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CountryReason {
    pub country: String,
    pub reason: String,
    /// Whether the country is where an ICT third-party provider serves from (RTS 2024/1772
    /// Art. 4 counts those), rather than where the entity's own service runs.
    pub third_party: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IctContext {
    pub asset: Option<String>,
    pub affected_services: Option<Figure>,
    pub critical_services_affected: Option<Figure>,
    pub functions: Vec<Value>,
    pub providers: Vec<Value>,
    pub countries: Vec<CountryReason>,
    /// How the services were found (CMDB path, mapping pattern).
    pub evidence: Vec<String>,
    pub partial: bool,
    pub problems: Vec<String>,
}

fn push_unique(list: &mut Vec<(String, String)>, name: &str, source: String) {
    if !list.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
        list.push((name.to_string(), source));
    }
}

fn safe_all(items: &[String]) -> Vec<String> {
    items.iter().map(|s| safe(s)).collect()
}

/// Looks an asset or services up in every configured source.
pub fn ict_context(
    src: &IctSources<'_>,
    asset: Option<&str>,
    services: &[String],
) -> Result<IctContext, ConnectorError> {
    if src.cmdb.is_none() && src.register.is_none() && src.mapping.is_none() {
        return Err(ConnectorError::new(
            "ICT registry",
            "No ICT source is configured: set the Register of Information, the CMDB or the ICT mapping in the instance.",
        ));
    }
    let mut ctx = IctContext {
        asset: asset.map(str::to_string),
        affected_services: None,
        critical_services_affected: None,
        functions: Vec::new(),
        providers: Vec::new(),
        countries: Vec::new(),
        evidence: Vec::new(),
        partial: false,
        problems: Vec::new(),
    };
    // Service name, source; plus what each source says of criticality.
    let mut found: Vec<(String, String)> = Vec::new();
    let mut criticality: Vec<(bool, String)> = Vec::new();
    for s in services.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        push_unique(&mut found, s, "argument services".into());
    }
    if let (Some(a), true) = (asset, services.is_empty()) {
        let mut tried = 0;
        let mut failed = 0;
        if let Some(cmdb) = src.cmdb {
            tried += 1;
            match cmdb.services_for_asset(a, src.depth) {
                Ok(r) => {
                    for s in &r.services {
                        push_unique(&mut found, &s.name, s.source.clone());
                        if let Some(c) = s.critical_or_important {
                            criticality.push((c, s.source.clone()));
                        }
                        if let Some(country) = &s.country {
                            ctx.countries.push(CountryReason {
                                country: country.clone(),
                                reason: format!(
                                    "the service {} is located there ({})",
                                    s.name, s.source
                                ),
                                third_party: false,
                            });
                        }
                    }
                    ctx.evidence.extend(r.path.iter().map(|p| safe(p)));
                    ctx.problems.extend(r.notes.iter().map(|n| safe(n)));
                    ctx.partial |= r.partial;
                }
                Err(e) => {
                    failed += 1;
                    ctx.partial = true;
                    ctx.problems.push(e.to_string());
                }
            }
        }
        if let Some(m) = src.mapping {
            tried += 1;
            for (name, source) in m.services_for_asset(a) {
                ctx.evidence.push(format!("{a} → {name} ({source})"));
                push_unique(&mut found, &name, source);
            }
        }
        if tried > 0 && tried == failed {
            return Err(ConnectorError::new(
                "ICT registry",
                format!(
                    "No source could look the asset {a:?} up: {}",
                    ctx.problems.join(" ")
                ),
            ));
        }
        if tried == 0 {
            ctx.problems.push("Neither a CMDB nor an ICT mapping is configured to find the services of an asset; give the services instead.".into());
        }
        if found.is_empty() {
            ctx.problems.push(format!(
                "No configured source links the asset {a:?} to an ICT service."
            ));
        }
    }
    let names: Vec<String> = found.iter().map(|(n, _)| n.clone()).collect();
    // The names as the context shows them; the lookups above and below use them as the sources
    // spelled them.
    let shown: Vec<String> = safe_all(&names);
    if let Some(reg) = src.register.filter(|_| !names.is_empty()) {
        let rc = reg.services_context(&names);
        for f in &rc.functions {
            match f.critical_or_important {
                Criticality::Yes => criticality.push((true, f.source.clone())),
                Criticality::No => criticality.push((false, f.source.clone())),
                Criticality::NotAssessed => {}
            }
            ctx.functions.push(json!({"Name": safe(&f.name), "Id": safe(&f.id), "Critical": f.critical_or_important.as_str(), "Services": safe_all(&f.services), "Source": f.source}));
        }
        for p in &rc.providers {
            ctx.providers.push(json!({"Name": safe(&p.name), "Code": safe(&p.code), "CodeType": safe(&p.code_type), "Country": p.country, "Services": safe_all(&p.ict_services), "Functions": safe_all(&p.functions), "Source": p.source}));
        }
        for (c, why) in &rc.countries {
            ctx.countries.push(CountryReason {
                country: c.clone(),
                reason: safe(why),
                third_party: true,
            });
        }
        for u in &rc.unmatched {
            ctx.problems.push(format!(
                "The Register of Information does not know the service {u:?}."
            ));
        }
    }
    if let Some(m) = src.mapping {
        for (name, _) in &found {
            let Some((key, svc)) = m.service(name) else {
                continue;
            };
            let source = format!("{}, service {key}", ict_json::source_name());
            if let Some(c) = svc.critical_or_important {
                criticality.push((c, source.clone()));
            }
            for f in &svc.functions {
                ctx.functions.push(json!({"Name": safe(f), "Id": Value::Null, "Critical": svc.critical_or_important.map(|c| if c { "yes" } else { "no" }).unwrap_or("not assessed"), "Services": [key], "Source": source}));
            }
            for p in &svc.providers {
                ctx.providers.push(json!({"Name": safe(&p.name), "Code": p.code.as_deref().map(safe), "CodeType": Value::Null, "Country": p.country, "Services": [key], "Functions": [], "Source": source}));
                if let Some(c) = &p.country {
                    ctx.countries.push(CountryReason {
                        country: c.clone(),
                        reason: safe(&format!(
                            "ICT third-party provider {} for {key} ({source})",
                            p.name
                        )),
                        third_party: true,
                    });
                }
            }
            for c in &svc.countries {
                ctx.countries.push(CountryReason {
                    country: c.clone(),
                    reason: format!("the service {key} is provided there ({source})"),
                    third_party: false,
                });
            }
        }
    }
    if !found.is_empty() {
        let sources: Vec<String> =
            found
                .iter()
                .map(|(_, s)| s.clone())
                .fold(Vec::new(), |mut acc, s| {
                    if !acc.contains(&s) {
                        acc.push(s);
                    }
                    acc
                });
        let mut f = Figure::new(json!(shown), sources.join("; "));
        f.partial = ctx.partial;
        ctx.affected_services = Some(f);
    }
    // Critical when any source says so for any affected service; not critical only when every
    // assessment says no.
    if !criticality.is_empty() {
        let yes: Vec<&String> = criticality
            .iter()
            .filter(|(c, _)| *c)
            .map(|(_, s)| s)
            .collect();
        let (value, sources) = if yes.is_empty() {
            (
                false,
                criticality.iter().map(|(_, s)| s).collect::<Vec<_>>(),
            )
        } else {
            (true, yes)
        };
        let mut f = Figure::new(
            json!(value),
            sources
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        );
        f.partial = ctx.partial && !value;
        ctx.critical_services_affected = Some(f);
    }
    Ok(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn register() -> Register {
        Register::from_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("devtools/register"),
        )
        .unwrap()
    }

    #[test]
    fn an_asset_in_the_mapping_brings_the_register_s_functions_providers_and_countries() {
        let mapping = IctMapping::parse(&json!({"assets": {"203.0.113.0/24": ["Card payments"]}, "services": {"Card payments": {}}})).unwrap();
        let reg = register();
        let src = IctSources {
            cmdb: None,
            register: Some(&reg),
            mapping: Some(&mapping),
            depth: 4,
        };
        let c = ict_context(&src, Some("203.0.113.16"), &[]).unwrap();
        assert_eq!(
            c.affected_services.as_ref().unwrap().value,
            json!(["Card payments"])
        );
        let crit = c.critical_services_affected.unwrap();
        assert_eq!(crit.value, json!(true));
        assert!(crit.source.contains("b_06.01.csv row"), "{}", crit.source);
        let countries: Vec<&str> = c.countries.iter().map(|r| r.country.as_str()).collect();
        assert!(
            countries.contains(&"IE") && countries.contains(&"AT"),
            "{countries:?}"
        );
        assert!(!c.providers.is_empty() && !c.partial);
    }

    #[test]
    fn an_unknown_asset_is_said_not_raised() {
        let mapping = IctMapping::parse(&json!({"services": {}})).unwrap();
        let src = IctSources {
            cmdb: None,
            register: None,
            mapping: Some(&mapping),
            depth: 4,
        };
        let c = ict_context(&src, Some("10.9.9.9"), &[]).unwrap();
        assert!(c.affected_services.is_none());
        assert!(c
            .problems
            .iter()
            .any(|p| p.contains("links the asset \"10.9.9.9\"")));
        let none = IctSources {
            cmdb: None,
            register: None,
            mapping: None,
            depth: 4,
        };
        assert!(ict_context(&none, Some("x"), &[])
            .unwrap_err()
            .message
            .starts_with("No ICT source is configured"));
    }

    #[test]
    fn named_services_skip_the_asset_lookup() {
        let reg = register();
        let src = IctSources {
            cmdb: None,
            register: Some(&reg),
            mapping: None,
            depth: 4,
        };
        let c = ict_context(&src, None, &["Customer portal".into()]).unwrap();
        assert_eq!(c.critical_services_affected.unwrap().value, json!(false));
        assert_eq!(c.affected_services.unwrap().source, "argument services");
    }
}
