//! The columns the connector reads from each template, and the reading of their values: EBA
//! codes (`eba_BT:x28`, `eba_GA:IE`, `eba_TA:S19`, …) and the plain words a hand-kept register
//! uses instead. Which columns, and how sure we are of their codes, is in the module doc of
//! `register`.

use super::table::{err, snake, Column, Row, Table};
use super::Criticality;
use crate::connectors::ConnectorError;
use crate::dora::member_states::{country, Country};
use crate::input::quote;

const fn col(
    code: &'static str,
    label: &'static str,
    names: &'static [&'static str],
    required: bool,
) -> Column {
    Column {
        code,
        label,
        names,
        required,
    }
}

pub(super) const B_01_01: &[Column] = &[
    col(
        "c0010",
        "LEI of the entity maintaining the register",
        &[
            "lei_of_the_entity_maintaining_the_register_of_information",
            "lei",
        ],
        true,
    ),
    col(
        "c0020",
        "name of the entity",
        &["name_of_the_entity", "entity_name", "name"],
        true,
    ),
    col(
        "c0030",
        "country of the entity",
        &["country_of_the_entity", "country"],
        false,
    ),
];

pub(super) const B_02_02: &[Column] = &[
    col(
        "c0010",
        "contractual arrangement reference number",
        &[
            "contractual_arrangement_reference_number",
            "contract_reference",
            "contractual_reference",
            "contract_ref",
        ],
        true,
    ),
    col(
        "c0020",
        "LEI of the entity making use of the ICT services",
        &[
            "lei_of_the_entity_making_use_of_the_ict_service_s",
            "lei_of_the_entity_making_use_of_the_ict_services",
            "entity_lei",
            "lei",
        ],
        false,
    ),
    col(
        "c0030",
        "identification code of the ICT third-party service provider",
        &[
            "identification_code_of_the_ict_third_party_service_provider",
            "provider_code",
            "provider_id",
        ],
        true,
    ),
    col(
        "c0040",
        "type of code to identify the ICT third-party service provider",
        &[
            "type_of_code_to_identify_the_ict_third_party_service_provider",
            "type_of_code",
            "code_type",
            "provider_code_type",
        ],
        false,
    ),
    col(
        "c0050",
        "function identifier",
        &["function_identifier", "function_id"],
        true,
    ),
    col(
        "c0060",
        "type of ICT services",
        &["type_of_ict_services", "ict_service_type", "service_type"],
        true,
    ),
    col(
        "c0130",
        "country of provision of the ICT services",
        &[
            "country_of_provision_of_the_ict_services",
            "country_of_provision",
            "provision_country",
        ],
        true,
    ),
    col(
        "c0150",
        "location of the data at rest",
        &[
            "location_of_the_data_at_rest_storage",
            "location_of_the_data_at_rest",
            "storage_location",
            "data_storage_country",
        ],
        false,
    ),
    col(
        "c0160",
        "location of management of the data",
        &[
            "location_of_management_of_the_data_processing",
            "location_of_management_of_the_data",
            "processing_location",
            "data_processing_country",
        ],
        false,
    ),
];

pub(super) const B_05_01: &[Column] = &[
    col(
        "c0010",
        "identification code of the ICT third-party service provider",
        &[
            "identification_code_of_the_ict_third_party_service_provider",
            "provider_code",
            "provider_id",
            "identification_code",
        ],
        true,
    ),
    col(
        "c0020",
        "type of code to identify the ICT third-party service provider",
        &[
            "type_of_code_to_identify_the_ict_third_party_service_provider",
            "type_of_code",
            "code_type",
            "provider_code_type",
        ],
        true,
    ),
    col(
        "c0050",
        "legal name of the ICT third-party service provider",
        &[
            "legal_name_of_the_ict_third_party_service_provider",
            "legal_name",
            "provider_name",
            "name",
        ],
        true,
    ),
    col(
        "c0060",
        "name of the ICT third-party service provider in Latin alphabet",
        &[
            "name_of_the_ict_third_party_service_provider_in_latin_alphabet",
            "latin_name",
        ],
        false,
    ),
    col(
        "c0080",
        "country of the ICT third-party service provider headquarters",
        &[
            "country_of_the_ict_third_party_service_provider_headquarters",
            "country_of_headquarters",
            "headquarters_country",
            "country",
        ],
        true,
    ),
];

pub(super) const B_06_01: &[Column] = &[
    col(
        "c0010",
        "function identifier",
        &["function_identifier", "function_id"],
        true,
    ),
    col("c0020", "licensed activity", &["licensed_activity"], false),
    col("c0030", "function name", &["function_name"], true),
    col(
        "c0040",
        "LEI of the financial entity",
        &[
            "lei_of_the_financial_entity",
            "financial_entity_lei",
            "entity_lei",
            "lei",
        ],
        false,
    ),
    col(
        "c0050",
        "criticality or importance assessment",
        &[
            "criticality_or_importance_assessment",
            "critical_or_important",
            "criticality",
        ],
        true,
    ),
    col(
        "c0080",
        "recovery time objective of the function",
        &[
            "recovery_time_objective_of_the_function",
            "rto_hours",
            "rto",
        ],
        false,
    ),
    col(
        "c0090",
        "recovery point objective of the function",
        &[
            "recovery_point_objective_of_the_function",
            "rpo_hours",
            "rpo",
        ],
        false,
    ),
];

pub(super) const B_07_01: &[Column] = &[
    col(
        "c0010",
        "contractual arrangement reference number",
        &[
            "contractual_arrangement_reference_number",
            "contract_reference",
            "contractual_reference",
            "contract_ref",
        ],
        true,
    ),
    col(
        "c0020",
        "identification code of the ICT third-party service provider",
        &[
            "identification_code_of_the_ict_third_party_service_provider",
            "provider_code",
            "provider_id",
        ],
        true,
    ),
    col(
        "c0040",
        "type of ICT services",
        &["type_of_ict_services", "ict_service_type", "service_type"],
        false,
    ),
    col(
        "c0050",
        "substitutability of the ICT third-party service provider",
        &[
            "substitutability_of_the_ict_third_party_service_provider",
            "substitutability",
        ],
        true,
    ),
];

/// Lower-case with single spaces: the key for every case-insensitive comparison.
pub(super) fn key(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Drops an EBA domain prefix (`eba_GA:`, `eba_TA:` …) when it is the expected one.
fn without_prefix<'a>(raw: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, tail) = raw.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(tail.trim())
}

/// B_06.01 c0050: `eba_BT:x28` Yes, `eba_BT:x29` No, `eba_BT:x21` Assessment not performed, or
/// the same in words.
pub(super) fn criticality(t: &Table, row: &Row) -> Result<Criticality, ConnectorError> {
    let raw = t.required(row, "c0050")?;
    match snake(raw).as_str() {
        "eba_bt_x28" | "yes" | "y" | "true" | "critical" | "important" | "critical_or_important" => {
            Ok(Criticality::Yes)
        }
        "eba_bt_x29" | "no" | "n" | "false" | "not_critical" | "not_critical_or_important" => {
            Ok(Criticality::No)
        }
        "eba_bt_x21" | "assessment_not_performed" | "not_assessed" | "not_performed" => {
            Ok(Criticality::NotAssessed)
        }
        _ => Err(err(format!(
            "{} holds {}; write Yes, No or Assessment not performed (or eba_BT:x28, eba_BT:x29, eba_BT:x21).",
            t.at(row, "c0050"),
            quote(raw)
        ))),
    }
}

/// A country cell: ISO 3166-1 alpha-2 with or without `eba_GA:`; `None` when empty or "not
/// applicable" (`eba_GA:qx2007`, used for the data locations when no data is stored).
pub(super) fn iso_country(
    t: &Table,
    row: &Row,
    code: &str,
) -> Result<Option<String>, ConnectorError> {
    let raw = t.get(row, code);
    let bare = without_prefix(raw, "eba_GA:").unwrap_or(raw);
    if bare.is_empty() || matches!(snake(bare).as_str(), "qx2007" | "not_applicable" | "n_a") {
        return Ok(None);
    }
    match country(code, bare) {
        Ok(Country::MemberState(c) | Country::OutsideEea(c)) => Ok(Some(c.to_string())),
        Err(_) => Err(err(format!(
            "{} holds {}, which is not an ISO 3166-1 alpha-2 country code; write a code such as IE or eba_GA:IE.",
            t.at(row, code),
            quote(raw)
        ))),
    }
}

pub(super) fn required_country(t: &Table, row: &Row, code: &str) -> Result<String, ConnectorError> {
    t.required(row, code)?;
    iso_country(t, row, code)?.ok_or_else(|| {
        err(format!(
            "{} is \"not applicable\"; name the country with its ISO code, such as IE.",
            t.at(row, code)
        ))
    })
}

/// Annex III of ITS 2024/2956, as coded in the EBA taxonomy (`eba_TA:S01` … `eba_TA:S19`).
const ICT_SERVICES: [&str; 19] = [
    "ICT project management",
    "ICT development",
    "ICT help desk and first level support",
    "ICT security management services",
    "Provision of data",
    "Data analysis",
    "ICT, facilities and hosting services (excluding cloud services)",
    "Computation",
    "Non-cloud data storage",
    "Telecom carrier",
    "Network infrastructure",
    "Hardware and physical devices",
    "Software licencing (excluding SaaS)",
    "ICT operation management (including maintenance)",
    "ICT consulting",
    "ICT risk management",
    "Cloud services: IaaS",
    "Cloud services: PaaS",
    "Cloud services: SaaS",
];

/// Type of ICT services: `eba_TA:S01` … `eba_TA:S19` (or `S01` …) named as Annex III names
/// them; any other wording is kept as written.
pub(super) fn ict_service(t: &Table, row: &Row, code: &str) -> Result<String, ConnectorError> {
    let raw = t.required(row, code)?;
    let prefixed = without_prefix(raw, "eba_TA:");
    let bare = prefixed.unwrap_or(raw);
    let number = bare
        .strip_prefix(['S', 's'])
        .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<usize>().ok());
    match number {
        Some(n @ 1..=19) => Ok(ICT_SERVICES[n - 1].to_string()),
        Some(_) => Err(unknown_service(t, row, code, raw)),
        None if prefixed.is_some() => Err(unknown_service(t, row, code, raw)),
        None => Ok(raw.to_string()),
    }
}

fn unknown_service(t: &Table, row: &Row, code: &str, raw: &str) -> ConnectorError {
    err(format!(
        "{} holds {}, which is not one of the 19 types of ICT services of Annex III (eba_TA:S01 to eba_TA:S19); correct the code.",
        t.at(row, code),
        quote(raw)
    ))
}

/// Type of code: `eba_qCO:qx2000` is LEI and `eba_qCO:qx2002` EUID in the EBA taxonomy; words
/// (LEI, EUID, CRN, VAT, PNR, NIN) are upper-cased; any other code is kept as written.
pub(super) fn code_type(raw: &str) -> String {
    match snake(raw).as_str() {
        "eba_qco_qx2000" | "lei" => "LEI".to_string(),
        "eba_qco_qx2002" | "euid" => "EUID".to_string(),
        "crn" | "vat" | "pnr" | "nin" => raw.trim().to_ascii_uppercase(),
        _ => raw.trim().to_string(),
    }
}

/// Licensed activity (B_06.01 c0020): the payment-services codes an institution under PSD2
/// uses are named; any other value is kept as written.
pub(super) fn licensed_activity(raw: &str) -> String {
    let name = match without_prefix(raw, "eba_TA:")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("x28") => "Payment services",
        Some("x162") => "Taking deposits and other repayable funds",
        Some("x165") => "Issuing and administering other means of payment",
        Some("x180") => "Issuing electronic money",
        Some("x220") => "Services enabling cash to be placed on a payment account",
        Some("x221") => "Services enabling cash withdrawals from a payment account",
        Some("x222") => "Execution of payment transactions",
        Some("x223") => "Execution of payment transactions covered by a credit line",
        Some("x224") => "Issuing of payment instruments and/or acquiring of payment transactions",
        Some("x225") => "Money remittance",
        Some("x226") => "Payment initiation services",
        Some("x227") => "Account information services",
        Some("x276") => "Supporting function",
        _ => return raw.to_string(),
    };
    name.to_string()
}

/// B_07.01 c0050: `eba_ZZ:x959` … `eba_ZZ:x962`, or words kept as written; `None` when empty.
pub(super) fn substitutability(raw: &str) -> Option<String> {
    let name = match without_prefix(raw, "eba_ZZ:")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("x959") => "not substitutable",
        Some("x960") => "highly complex substitutability",
        Some("x961") => "medium complexity in terms of substitutability",
        Some("x962") => "easily substitutable",
        _ if raw.is_empty() => return None,
        _ => return Some(raw.to_string()),
    };
    Some(name.to_string())
}

/// Recovery time or point objective of a function, in hours; `None` when empty.
pub(super) fn hours(t: &Table, row: &Row, code: &str) -> Result<Option<f64>, ConnectorError> {
    let raw = t.get(row, code);
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.replace(',', ".").parse::<f64>() {
        Ok(h) if h.is_finite() && h >= 0.0 => Ok(Some(h)),
        _ => Err(err(format!(
            "{} holds {}; write a number of hours such as 4 or 0.5, or leave it empty.",
            t.at(row, code),
            quote(raw)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::Template;
    use super::*;

    fn one_row(columns: &'static [Column], template: Template, text: &str) -> Table {
        Table::parse("f.csv", template, text, columns).unwrap()
    }

    #[test]
    fn criticality_codes_and_words() {
        for (raw, want) in [
            ("eba_BT:x28", Criticality::Yes),
            ("EBA_bt:X28", Criticality::Yes),
            ("Critical", Criticality::Yes),
            ("important", Criticality::Yes),
            ("eba_BT:x29", Criticality::No),
            (" no ", Criticality::No),
            ("Not critical or important", Criticality::No),
            ("eba_BT:x21", Criticality::NotAssessed),
            ("Assessment not performed", Criticality::NotAssessed),
            ("not assessed", Criticality::NotAssessed),
        ] {
            let t = one_row(
                B_06_01,
                Template::B0601,
                &format!("c0010,c0030,c0050\nF1,A,{raw}\n"),
            );
            assert_eq!(criticality(&t, &t.rows[0]).unwrap(), want, "{raw}");
        }
        let t = one_row(B_06_01, Template::B0601, "c0010,c0030,c0050\nF1,A,maybe\n");
        assert_eq!(
            criticality(&t, &t.rows[0]).unwrap_err().message,
            "f.csv row 2, column c0050 (criticality or importance assessment) holds 'maybe'; write Yes, No or Assessment not performed (or eba_BT:x28, eba_BT:x29, eba_BT:x21)."
        );
    }

    #[test]
    fn countries_with_and_without_the_eba_prefix() {
        let t = one_row(
            B_02_02,
            Template::B0202,
            "c0010,c0030,c0050,c0060,c0130,c0150,c0160\nC1,P1,F1,S19,eba_GA:ie,eba_GA:qx2007,us\nC1,P1,F1,S19,EL,,XX\n",
        );
        let (a, b) = (&t.rows[0], &t.rows[1]);
        assert_eq!(required_country(&t, a, "c0130").unwrap(), "IE");
        assert_eq!(iso_country(&t, a, "c0150").unwrap(), None);
        assert_eq!(iso_country(&t, a, "c0160").unwrap(), Some("US".to_string()));
        assert_eq!(required_country(&t, b, "c0130").unwrap(), "GR");
        assert_eq!(iso_country(&t, b, "c0150").unwrap(), None);
        assert_eq!(
            iso_country(&t, b, "c0160").unwrap_err().message,
            "f.csv row 3, column c0160 (location of management of the data) holds 'XX', which is not an ISO 3166-1 alpha-2 country code; write a code such as IE or eba_GA:IE."
        );
    }

    #[test]
    fn ict_services_code_types_and_other_codes() {
        let t = one_row(
            B_02_02,
            Template::B0202,
            "c0010,c0030,c0050,c0060,c0130\nC,P,F,eba_TA:S19,DE\nC,P,F,s07,DE\nC,P,F,Card processing,DE\nC,P,F,eba_TA:S20,DE\n",
        );
        assert_eq!(
            ict_service(&t, &t.rows[0], "c0060").unwrap(),
            "Cloud services: SaaS"
        );
        assert!(ict_service(&t, &t.rows[1], "c0060")
            .unwrap()
            .starts_with("ICT, facilities and hosting"));
        assert_eq!(
            ict_service(&t, &t.rows[2], "c0060").unwrap(),
            "Card processing"
        );
        let e = ict_service(&t, &t.rows[3], "c0060").unwrap_err();
        assert!(
            e.message
                .starts_with("f.csv row 5, column c0060 (type of ICT services) holds 'eba_TA:S20'"),
            "{}",
            e.message
        );
        assert_eq!(code_type("eba_qCO:qx2000"), "LEI");
        assert_eq!(code_type("euid"), "EUID");
        assert_eq!(code_type("eba_qCO:qx2004"), "eba_qCO:qx2004");
        assert_eq!(
            licensed_activity("eba_TA:x227"),
            "Account information services"
        );
        assert_eq!(licensed_activity("Lending"), "Lending");
        assert_eq!(
            substitutability("eba_ZZ:x960").as_deref(),
            Some("highly complex substitutability")
        );
        assert_eq!(substitutability(""), None);
    }

    #[test]
    fn hours_are_numbers() {
        let t = one_row(
            B_06_01,
            Template::B0601,
            "c0010,c0030,c0050,c0080\nF,A,yes,\"0,5\"\nF,A,yes,4h\n",
        );
        assert_eq!(hours(&t, &t.rows[0], "c0080").unwrap(), Some(0.5));
        assert_eq!(hours(&t, &t.rows[0], "c0090").unwrap(), None);
        assert!(hours(&t, &t.rows[1], "c0080")
            .unwrap_err()
            .message
            .contains("holds '4h'"));
    }
}
