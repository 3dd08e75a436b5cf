//! The financial entity's profile: who it is and the reference figures the thresholds are
//! measured against (clients, counterparts and daily transactions of each service).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::member_states;
use super::money::Eur;
use crate::input::{self, quote, InputError};

/// Types of financial entity of DORA Art. 2(1), as the report template's field 1.4 names them.
pub const ENTITY_TYPES: &[&str] = &[
    "credit_institution",
    "payment_institution",
    "exempted_payment_institution",
    "account_information_service_provider",
    "electronic_money_institution",
    "exempted_electronic_money_institution",
    "investment_firm",
    "crypto_asset_service_provider",
    "issuer_of_asset_referenced_tokens",
    "central_securities_depository",
    "central_counterparty",
    "trading_venue",
    "trade_repository",
    "manager_of_alternative_investment_funds",
    "management_company",
    "data_reporting_service_provider",
    "insurance_and_reinsurance_undertaking",
    "insurance_intermediary",
    "institution_for_occupational_retirement_provision",
    "credit_rating_agency",
    "administrator_of_critical_benchmarks",
    "crowdfunding_service_provider",
    "securitisation_repository",
];

/// How the geographical-spread criterion counts Member States (dora-rules §1, Art. 9(4)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum GeoReading {
    /// Distinct EU/EEA Member States with impact, the home one included (default).
    #[default]
    AllMemberStates,
    /// Member States other than the home one (the stricter reading, a named option).
    OtherMemberStates,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EntityProfile {
    pub name: String,
    pub lei: Option<String>,
    pub entity_type: String,
    pub home_member_state: String,
    /// Essential or important entity under national NIS2 law: no weekend relief for the initial
    /// notification and intermediate report (RTS 2025/301 Art. 5(5)).
    pub nis2_essential_or_important: bool,
    /// Declared significant or systemic by its authority: same (Art. 5(5)).
    pub significant_or_systemic: bool,
    /// Microenterprise or under the simplified ICT risk framework: the recurring-incidents rule
    /// does not apply (RTS 2024/1772 Art. 8(2), DORA Art. 16(1)).
    pub simplified_framework: bool,
    pub clients_per_service: BTreeMap<String, u64>,
    pub counterparts_per_service: BTreeMap<String, u64>,
    pub daily_transactions_per_service: BTreeMap<String, u64>,
    pub daily_value_per_service: BTreeMap<String, Eur>,
    pub relevant_clients: Vec<String>,
    pub critical_services: Vec<String>,
    pub authorised_services: Vec<String>,
    pub geo_reading: GeoReading,
    /// Report template section 1: contacts, parent undertaking and currency (ITS 2025/302).
    pub primary_contact_name: Option<String>,
    pub primary_contact_email: Option<String>,
    pub primary_contact_phone: Option<String>,
    pub secondary_contact_name: Option<String>,
    pub secondary_contact_email: Option<String>,
    pub secondary_contact_phone: Option<String>,
    pub parent_name: Option<String>,
    pub parent_lei: Option<String>,
    pub report_currency: Option<String>,
}

/// Service names compare without case or surrounding blanks.
pub fn service_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// ISO 17442 LEI: 18 alphanumerics and 2 check digits, ISO 7064 MOD 97-10.
pub fn lei(argument: &str, raw: &str) -> Result<String, InputError> {
    let s = raw.trim().to_ascii_uppercase();
    let shaped = s.len() == 20
        && s[..18].chars().all(|c| c.is_ascii_alphanumeric())
        && s[18..].chars().all(|c| c.is_ascii_digit());
    let check_ok = shaped && {
        let mut rem: u32 = 0;
        for c in s.chars() {
            let v = c.to_digit(36).expect("alphanumeric");
            for d in v.to_string().chars() {
                rem = (rem * 10 + d.to_digit(10).expect("digit")) % 97;
            }
        }
        rem == 1
    };
    if check_ok {
        Ok(s)
    } else {
        Err(InputError::new(
            argument,
            format!("{argument} must be a 20-character LEI (ISO 17442) with valid check digits, got {}.", quote(raw)),
        ))
    }
}

/// A per-service figure table: JSON object, or lines / semicolons of `service: figure`.
fn table<T>(
    params: &Value,
    key: &str,
    parse: impl Fn(&str, &str) -> Result<T, InputError>,
) -> Result<BTreeMap<String, T>, InputError> {
    let mut out = BTreeMap::new();
    let bad = |what: &str| {
        InputError::new(
            key,
            format!(
                "{key} must list one 'service: figure' per line (or a JSON object), and {}",
                what
            ),
        )
    };
    match params.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (service, v) in map {
                let raw = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.insert(service_key(service), parse(key, &raw)?);
            }
        }
        Some(Value::String(text)) => {
            let text = text.trim();
            if text.starts_with('{') {
                let v: Value = serde_json::from_str(text)
                    .map_err(|_| bad("the JSON object could not be read."))?;
                return table(&serde_json::json!({ key: v }), key, parse);
            }
            for line in text
                .split(['\n', ';'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
            {
                let (service, figure) = line
                    .rsplit_once([':', '='])
                    .ok_or_else(|| bad(&format!("the line {} has no ':'.", quote(line))))?;
                if service.trim().is_empty() {
                    return Err(bad(&format!("the line {} names no service.", quote(line))));
                }
                out.insert(service_key(service), parse(key, figure.trim())?);
            }
        }
        Some(_) => return Err(bad("got something else.")),
    }
    Ok(out)
}

/// A count: a non-negative whole number; blanks, `_` and `,` between digit groups are allowed.
pub fn count(argument: &str, raw: &str) -> Result<u64, InputError> {
    let t: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '\u{a0}' | '\u{202f}'))
        .collect();
    let digits = if t.contains(',') && t.split(',').skip(1).all(|g| g.len() == 3) {
        t.replace(',', "")
    } else {
        t
    };
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        if let Ok(v) = digits.parse() {
            return Ok(v);
        }
    }
    Err(InputError::new(
        argument,
        format!(
            "{argument} must be a whole number of 0 or more, got {}.",
            quote(raw)
        ),
    ))
}

/// Currencies the report template accepts (field 1.15).
pub const REPORT_CURRENCIES: &[&str] = &[
    "EUR", "BGN", "CZK", "DKK", "HUF", "PLN", "RON", "ISK", "CHF", "NOK", "SEK",
];

fn opt(params: &Value, key: &str) -> Option<String> {
    Some(text(params, key)).filter(|s| !s.is_empty())
}

fn text(params: &Value, key: &str) -> String {
    match params.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(v) => v.to_string(),
    }
}

fn names(params: &Value, key: &str) -> Vec<String> {
    match params.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(v.to_string()))
            })
            .flat_map(|s| input::split_list(&s))
            .collect(),
        Some(Value::String(s)) => s
            .split(['\n', ',', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn flag(params: &Value, key: &str) -> Result<bool, InputError> {
    match params.get(key) {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Ok(false),
        Some(v) => input::boolean(key, v.as_str().unwrap_or(&v.to_string())),
    }
}

impl EntityProfile {
    /// From the DORA Bridge instance parameters.
    pub fn from_params(params: &Value) -> Result<Self, InputError> {
        let name = text(params, "entity_name");
        if name.is_empty() {
            return Err(InputError::new(
                "entity_name",
                "entity_name must be the financial entity's legal name.",
            ));
        }
        let lei_raw = text(params, "entity_lei");
        let entity_type = text(params, "entity_type");
        let entity_type = input::one_of("entity_type", &entity_type, ENTITY_TYPES)?.to_string();
        let home =
            member_states::member_state("home_member_state", &text(params, "home_member_state"))?
                .to_string();
        let geo_reading = match text(params, "geographical_spread_reading").as_str() {
            "" | "all-member-states" => GeoReading::AllMemberStates,
            "other-member-states" => GeoReading::OtherMemberStates,
            other => {
                return Err(InputError::new(
                    "geographical_spread_reading",
                    format!(
                        "geographical_spread_reading must be all-member-states or other-member-states, got {}.",
                        quote(other)
                    ),
                ))
            }
        };
        Ok(EntityProfile {
            name,
            lei: if lei_raw.is_empty() {
                None
            } else {
                Some(lei("entity_lei", &lei_raw)?)
            },
            entity_type,
            home_member_state: home,
            nis2_essential_or_important: flag(params, "nis2_essential_or_important")?,
            significant_or_systemic: flag(params, "significant_or_systemic")?,
            simplified_framework: flag(params, "simplified_framework")?,
            clients_per_service: table(params, "clients_per_service", count)?,
            counterparts_per_service: table(params, "counterparts_per_service", count)?,
            daily_transactions_per_service: table(params, "daily_transactions_per_service", count)?,
            daily_value_per_service: table(params, "daily_value_per_service_eur", Eur::parse)?,
            relevant_clients: names(params, "relevant_clients"),
            critical_services: names(params, "critical_services"),
            authorised_services: names(params, "authorised_services"),
            geo_reading,
            primary_contact_name: opt(params, "primary_contact_name"),
            primary_contact_email: opt(params, "primary_contact_email")
                .map(|e| input::email("primary_contact_email", &e))
                .transpose()?,
            primary_contact_phone: opt(params, "primary_contact_phone"),
            secondary_contact_name: opt(params, "secondary_contact_name"),
            secondary_contact_email: opt(params, "secondary_contact_email")
                .map(|e| input::email("secondary_contact_email", &e))
                .transpose()?,
            secondary_contact_phone: opt(params, "secondary_contact_phone"),
            parent_name: opt(params, "parent_undertaking_name"),
            parent_lei: opt(params, "parent_undertaking_lei")
                .map(|l| lei("parent_undertaking_lei", &l))
                .transpose()?,
            report_currency: opt(params, "report_currency")
                .map(|c| {
                    input::one_of("report_currency", &c, REPORT_CURRENCIES).map(str::to_string)
                })
                .transpose()?,
        })
    }

    pub fn is_critical(&self, service: &str) -> bool {
        self.critical_services
            .iter()
            .any(|s| service_key(s) == service_key(service))
    }

    /// Whether a client or counterpart is on the entity's list of relevant ones (Art. 9(1)(f)).
    pub fn is_relevant(&self, name: &str) -> bool {
        self.relevant_clients
            .iter()
            .any(|s| service_key(s) == service_key(name))
    }

    pub fn is_authorised(&self, service: &str) -> bool {
        self.authorised_services
            .iter()
            .any(|s| service_key(s) == service_key(service))
    }

    /// Whether RTS 2025/301 Art. 5(4) weekend/holiday relief is withheld from the initial
    /// notification and the intermediate report (Art. 5(5)).
    pub fn relief_withheld_for_early_reports(&self) -> bool {
        matches!(
            self.entity_type.as_str(),
            "credit_institution" | "central_counterparty" | "trading_venue"
        ) || self.nis2_essential_or_important
            || self.significant_or_systemic
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lei_check_digits() {
        assert_eq!(
            lei("entity_lei", "529900T8BM49AURSDO55").as_deref(),
            Ok("529900T8BM49AURSDO55")
        );
        assert!(lei("entity_lei", "529900T8BM49AURSDO56").is_err());
        assert!(lei("entity_lei", "529900T8BM49AURSDO5").is_err());
    }

    #[test]
    fn profile_tables_and_lists() {
        let p = EntityProfile::from_params(&json!({
            "entity_name": "Banco Ejemplo S.A.", "entity_lei": "529900T8BM49AURSDO55", "entity_type": "credit_institution",
            "home_member_state": "es",
            "clients_per_service": "Card payments: 98 000\nOnline banking: 250,000",
            "daily_transactions_per_service": {"Card payments": 1200000},
            "daily_value_per_service_eur": "Card payments = 48 000 000.00",
            "critical_services": "Card payments, Online banking",
            "relevant_clients": ["Acme Clearing"],
        }))
        .unwrap();
        assert_eq!(p.home_member_state, "ES");
        assert_eq!(p.clients_per_service["card payments"], 98_000);
        assert_eq!(p.clients_per_service["online banking"], 250_000);
        assert_eq!(p.daily_transactions_per_service["card payments"], 1_200_000);
        assert_eq!(
            p.daily_value_per_service["card payments"],
            Eur::from_cents(4_800_000_000)
        );
        assert!(p.is_critical("card PAYMENTS"));
        assert!(p.relief_withheld_for_early_reports());
    }

    #[test]
    fn bad_profiles_name_the_parameter() {
        let base = json!({"entity_name": "X", "entity_type": "payment_institution", "home_member_state": "DE"});
        assert!(EntityProfile::from_params(&base).is_ok());
        for (k, v, want) in [
            ("entity_type", json!("bank"), "entity_type must be one of"),
            (
                "home_member_state",
                json!("CH"),
                "home_member_state must be an EU/EEA Member State",
            ),
            (
                "home_member_state",
                json!("XX"),
                "home_member_state must list ISO",
            ),
            (
                "clients_per_service",
                json!("payments 100"),
                "clients_per_service must list one 'service: figure'",
            ),
            (
                "clients_per_service",
                json!("payments: -5"),
                "clients_per_service must be a whole number",
            ),
            (
                "daily_value_per_service_eur",
                json!("payments: 1,5"),
                "daily_value_per_service_eur must be an amount",
            ),
            (
                "entity_lei",
                json!("ABC"),
                "entity_lei must be a 20-character LEI",
            ),
        ] {
            let mut p = base.clone();
            p[k] = v;
            let e = EntityProfile::from_params(&p).unwrap_err();
            assert!(e.message.starts_with(want), "{k}: {}", e.message);
        }
    }
}
