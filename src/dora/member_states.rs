//! EU/EEA Member States for the geographical-spread criterion (RTS 2024/1772 Art. 4, Art. 9(4)).
//! Countries outside the EEA are valid input but never count.

use crate::input::{quote, InputError};

/// The 27 EU Member States and the three EEA EFTA states (DORA applies in the EEA).
pub const EEA: &[(&str, &str)] = &[
    ("AT", "Austria"),
    ("BE", "Belgium"),
    ("BG", "Bulgaria"),
    ("HR", "Croatia"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DK", "Denmark"),
    ("EE", "Estonia"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("DE", "Germany"),
    ("GR", "Greece"),
    ("HU", "Hungary"),
    ("IE", "Ireland"),
    ("IT", "Italy"),
    ("LV", "Latvia"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("MT", "Malta"),
    ("NL", "Netherlands"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("RO", "Romania"),
    ("SK", "Slovakia"),
    ("SI", "Slovenia"),
    ("ES", "Spain"),
    ("SE", "Sweden"),
    ("IS", "Iceland"),
    ("LI", "Liechtenstein"),
    ("NO", "Norway"),
];

/// ISO 3166-1 alpha-2 codes of every other country and territory, so a typo is told apart
/// from a real country outside the EEA.
const OTHER_ISO: &str = "AD AE AF AG AI AL AM AO AQ AR AS AU AW AX AZ BA BB BD BF BH BI BJ BL BM BN BO BQ BR BS BT BV BW \
BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX DJ DM DO DZ EC EG EH ER ET FJ FK FM FO GA GB GD GE GF GG GH GI \
GL GM GN GP GQ GS GT GU GW GY HK HM HN HT ID IL IM IN IO IQ IR JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LK \
LR LS LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MU MV MW MX MY MZ NA NC NE NF NG NI NP NR NU NZ OM PA PE PF PG \
PH PK PM PN PR PS PW PY QA RE RS RU RW SA SB SC SD SG SH SJ SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM \
TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// What a country code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    MemberState(&'static str),
    OutsideEea(&'static str),
}

/// Reads a country code: ISO 3166-1 alpha-2, case-insensitive; `EL` (the EU's code for Greece)
/// is read as `GR`.
pub fn country(argument: &str, raw: &str) -> Result<Country, InputError> {
    let code = raw.trim().to_ascii_uppercase();
    let code = if code == "EL" { "GR".to_string() } else { code };
    if let Some((c, _)) = EEA.iter().find(|(c, _)| *c == code) {
        return Ok(Country::MemberState(c));
    }
    if let Some(c) = OTHER_ISO.split_whitespace().find(|c| *c == code) {
        return Ok(Country::OutsideEea(c));
    }
    Err(InputError::new(
        argument,
        format!("{argument} must list ISO 3166-1 alpha-2 country codes such as DE, FR or IE; {} is not one.", quote(raw)),
    ))
}

/// A home Member State: must be in the EEA.
pub fn member_state(argument: &str, raw: &str) -> Result<&'static str, InputError> {
    match country(argument, raw)? {
        Country::MemberState(c) => Ok(c),
        Country::OutsideEea(c) => Err(InputError::new(
            argument,
            format!("{argument} must be an EU/EEA Member State (DORA applies there), got {c}."),
        )),
    }
}

pub fn name(code: &str) -> &'static str {
    EEA.iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart() {
        assert_eq!(country("m", "de"), Ok(Country::MemberState("DE")));
        assert_eq!(country("m", "EL"), Ok(Country::MemberState("GR")));
        assert_eq!(country("m", "NO"), Ok(Country::MemberState("NO")));
        assert_eq!(country("m", "US"), Ok(Country::OutsideEea("US")));
        assert_eq!(country("m", "GB"), Ok(Country::OutsideEea("GB")));
        let e = country("member_states", "XX").unwrap_err();
        assert_eq!(e.message, "member_states must list ISO 3166-1 alpha-2 country codes such as DE, FR or IE; 'XX' is not one.");
        assert!(member_state("home_member_state", "CH").is_err());
        assert_eq!(EEA.len(), 30);
        assert_eq!(OTHER_ISO.split_whitespace().count() + EEA.len(), 249);
    }
}
