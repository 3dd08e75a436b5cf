//! Geographical transversality (RTS 2024/1772 Art. 4): in which EU/EEA Member States the
//! incident has an impact — on clients or financial counterparts, on branches or group entities,
//! or through financial market infrastructures and third-party providers located there — with
//! the reason for each.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use super::{ConnectorError, Figure};
use crate::context::IctCountryRecord;
use crate::dora::member_states::{country, Country};
use crate::input::InputError;

/// The kinds of impact of the report template's field 3.18, in the schema's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactType {
    Clients,
    FinancialCounterparts,
    BranchOfTheFinancialEntity,
    FinancialEntitiesWithinTheGroupCarryingOutActivitiesInTheRespectiveMemberState,
    FinancialMarketInfrastructure,
    #[serde(rename = "third-party_providers_that_may_be_common_to_other_financial_entities")]
    ThirdPartyProviders,
}

impl ImpactType {
    fn words(self) -> &'static str {
        match self {
            ImpactType::Clients => "clients affected there",
            ImpactType::FinancialCounterparts => "financial counterparts affected there",
            ImpactType::BranchOfTheFinancialEntity => "a branch of the entity there is affected",
            ImpactType::FinancialEntitiesWithinTheGroupCarryingOutActivitiesInTheRespectiveMemberState => "a group entity active there is affected",
            ImpactType::FinancialMarketInfrastructure => "a financial market infrastructure there is affected",
            ImpactType::ThirdPartyProviders => "an ICT third-party provider there, possibly common to other financial entities, is affected",
        }
    }
}

/// One observation: a country where something of `kind` was affected, from `source`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub country: String,
    pub kind: ImpactType,
    /// What in particular (a branch name, a provider, "1 240 clients").
    pub detail: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Reason {
    pub country: String,
    pub impact_type: ImpactType,
    pub reason: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GeoScope {
    /// EU/EEA Member States with impact (ISO alpha-2, sorted).
    pub member_states: Figure,
    /// Impact types per Member State, for the report's field 3.18.
    pub impact_types: Vec<ImpactType>,
    pub reasons: Vec<Reason>,
    /// Countries outside the EEA where impact was seen: recorded, never counted (Art. 9(4)).
    pub outside_eea: Vec<Reason>,
}

/// Sorts the observations into Member States with reasons; an unknown country code is an
/// error naming where it came from.
pub fn geo_scope(observations: &[Observation], partial: bool) -> Result<GeoScope, ConnectorError> {
    let mut by_state: BTreeMap<String, Vec<Reason>> = BTreeMap::new();
    let mut outside = Vec::new();
    let mut types = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    for o in observations {
        let c = country("country", &o.country).map_err(|_| {
            ConnectorError::new(
                o.source.clone(),
                format!("{:?} is not an ISO 3166-1 alpha-2 country code (for {}); correct it at the source.", o.country.trim(), o.detail),
            )
        })?;
        let reason = |code: &str| Reason {
            country: code.to_string(),
            impact_type: o.kind,
            reason: format!("{}: {}", o.kind.words(), o.detail),
            source: o.source.clone(),
        };
        match c {
            Country::MemberState(code) => {
                by_state
                    .entry(code.to_string())
                    .or_default()
                    .push(reason(code));
                if !types.contains(&o.kind) {
                    types.push(o.kind);
                }
                if !sources.contains(&o.source) {
                    sources.push(o.source.clone());
                }
            }
            Country::OutsideEea(code) => outside.push(reason(code)),
        }
    }
    types.sort();
    let states: Vec<&String> = by_state.keys().collect();
    let mut member_states = Figure::new(json!(states), sources.join("; "));
    member_states.partial = partial;
    Ok(GeoScope {
        member_states,
        impact_types: types,
        reasons: by_state.into_values().flatten().collect(),
        outside_eea: outside,
    })
}

/// Reads `DE: Frankfurt branch` lines (or `DE,AT`) into observations of `kind`.
pub fn observations_from_text(text: &str, kind: ImpactType, source: &str) -> Vec<Observation> {
    text.split(['\n', ';', ','])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (code, detail) = line
                .split_once(':')
                .map(|(c, d)| (c.trim(), d.trim()))
                .unwrap_or((line, ""));
            Observation {
                country: code.to_string(),
                kind,
                detail: if detail.is_empty() {
                    code.to_string()
                } else {
                    detail.to_string()
                },
                source: source.to_string(),
            }
        })
        .collect()
}

/// One list of countries a caller gave: `CC` or `CC: detail` items of one kind of impact, the
/// argument they came in (named by an error) and the source recorded with each reason.
pub struct ImpactList<'a> {
    pub argument: &'a str,
    pub source: &'a str,
    pub kind: ImpactType,
    pub items: Vec<String>,
}

/// Where the incident had impact, as a caller stated it: its lists of countries, the
/// entity's own branches and group entities when asked for, and the ICT third-party providers
/// (`DORA.Context.ICT.Countries`).
pub struct GeoRequest<'a> {
    pub lists: Vec<ImpactList<'a>>,
    /// The configured branches and group entities to count in, already read.
    pub configured: Vec<Observation>,
    /// `{Country, Reason, ThirdParty}` objects; those with `ThirdParty: false` are the
    /// entity's own and do not count as a provider's country.
    pub providers: Vec<Value>,
}

impl GeoRequest<'_> {
    /// The observations to scope; a country code a caller typed that is not ISO 3166-1 alpha-2
    /// is an `InputError` naming the argument it came in, and a request with no country at all
    /// one naming the first list.
    pub fn observations(&self) -> Result<Vec<Observation>, InputError> {
        let mut obs = Vec::new();
        for list in &self.lists {
            let given = observations_from_text(&list.items.join("\n"), list.kind, list.source);
            for o in &given {
                country(list.argument, &o.country).map_err(|_| {
                    InputError::new(
                        list.argument,
                        format!(
                            "{:?} is not an ISO 3166-1 alpha-2 country code (for {}); correct it in {}.",
                            o.country.trim(),
                            o.detail,
                            list.argument
                        ),
                    )
                })?;
            }
            obs.extend(given);
        }
        obs.extend(self.configured.iter().cloned());
        obs.extend(self.providers.iter().filter_map(provider_observation));
        if obs.is_empty() {
            let first = self.lists.first().map_or("clients", |l| l.argument);
            return Err(InputError::new(
                first,
                "Give at least one country of impact: of clients, counterparts, branches, group entities, market infrastructures or providers.",
            ));
        }
        Ok(obs)
    }
}

/// A provider of `DORA.Context.ICT.Countries` as an observation, unless it is the entity's own
/// (`ThirdParty: false`).
fn provider_observation(item: &Value) -> Option<Observation> {
    let item: IctCountryRecord = crate::context::view(item);
    if item.third_party == Some(false) {
        return None;
    }
    Some(Observation {
        country: item.country.unwrap_or_default(),
        kind: ImpactType::ThirdPartyProviders,
        detail: (item.reason).unwrap_or_else(|| "third-party provider".into()),
        source: "DORA.Context.ICT.Countries".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_states_with_reasons_and_non_members_kept_apart() {
        let mut obs = observations_from_text(
            "DE: 10 210 clients\nAT: 2 220 clients\nCH: 40 clients",
            ImpactType::Clients,
            "PostgreSQL payments",
        );
        obs.extend(observations_from_text(
            "IE: CardProc Ltd (card processing)",
            ImpactType::ThirdPartyProviders,
            "Register of Information B_02.02",
        ));
        obs.extend(observations_from_text(
            "de: Frankfurt head office",
            ImpactType::BranchOfTheFinancialEntity,
            "profile",
        ));
        let g = geo_scope(&obs, false).unwrap();
        assert_eq!(g.member_states.value, json!(["AT", "DE", "IE"]));
        assert_eq!(
            g.member_states.source,
            "PostgreSQL payments; Register of Information B_02.02; profile"
        );
        assert_eq!(g.outside_eea[0].country, "CH");
        assert_eq!(g.reasons.iter().filter(|r| r.country == "DE").count(), 2);
        assert!(g.impact_types.contains(&ImpactType::ThirdPartyProviders));
        assert_eq!(
            serde_json::to_value(ImpactType::ThirdPartyProviders).unwrap(),
            json!("third-party_providers_that_may_be_common_to_other_financial_entities")
        );
    }

    #[test]
    fn an_unknown_country_names_its_source() {
        let obs = observations_from_text(
            "DE\nXK: Pristina branch",
            ImpactType::BranchOfTheFinancialEntity,
            "instance parameter branches",
        );
        let e = geo_scope(&obs, false).unwrap_err();
        assert_eq!(e.source, "instance parameter branches");
        assert!(
            e.message
                .contains("\"XK\" is not an ISO 3166-1 alpha-2 country code (for Pristina branch)"),
            "{}",
            e.message
        );
    }

    fn request<'a>(argument: &'a str, items: &[&str]) -> GeoRequest<'a> {
        GeoRequest {
            lists: vec![ImpactList {
                argument,
                source: "argument client_countries",
                kind: ImpactType::Clients,
                items: items.iter().map(|s| s.to_string()).collect(),
            }],
            configured: Vec::new(),
            providers: Vec::new(),
        }
    }

    #[test]
    fn a_typed_unknown_country_names_the_argument_it_came_in() {
        let e = request("clients", &["DE", "XX: 12 clients"])
            .observations()
            .unwrap_err();
        let start = "\"XX\" is not an ISO 3166-1 alpha-2 country code (for 12 clients)";
        crate::input::assert_refused(&e, "clients", start);
        let e = request("clients", &[]).observations().unwrap_err();
        crate::input::assert_refused(&e, "clients", "Give at least one country");
    }

    #[test]
    fn providers_count_unless_they_are_the_entitys_own() {
        let mut r = request("clients", &["AT: 3 clients"]);
        r.providers = vec![
            json!({"Country": "IE", "Reason": "CardProc Ltd", "ThirdParty": true}),
            json!({"Country": "LU", "Reason": "own data centre", "ThirdParty": false}),
            json!({"Country": "FR"}),
        ];
        let obs = r.observations().unwrap();
        let providers: Vec<(&str, &str)> = obs
            .iter()
            .filter(|o| o.kind == ImpactType::ThirdPartyProviders)
            .map(|o| (o.country.as_str(), o.detail.as_str()))
            .collect();
        assert_eq!(
            providers,
            [("IE", "CardProc Ltd"), ("FR", "third-party provider")]
        );
        assert_eq!(obs[0].source, "argument client_countries");
    }
}
