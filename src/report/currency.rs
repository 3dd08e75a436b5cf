//! Amounts in the reporting currency (field 1.15).
//!
//! DORA Bridge holds amounts in euro (the thresholds of RTS 2024/1772 are in euro). A report in
//! another currency needs the amounts converted with a rate the user supplies, recorded with its
//! source; without one the draft is refused rather than labelling euro amounts with another
//! currency. Exact decimal arithmetic: the rate has at most six decimals and the result is
//! rounded half up to the cent.

use serde::Serialize;

use crate::input::{quote, InputError};

/// Most decimals a rate may have (ECB reference rates have four to six significant digits).
const RATE_DECIMALS: u32 = 6;
const MAX_SOURCE: usize = 200;

/// A rate: units of the reporting currency per euro, as a fixed-point integer of
/// 10^-[`RATE_DECIMALS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(u64);

impl Rate {
    pub fn parse(argument: &str, raw: &str) -> Result<Rate, InputError> {
        let t = raw.trim();
        let bad = || {
            InputError::new(
                argument,
                format!(
                    "{argument} must be the units of the reporting currency for one euro, a positive decimal with at most {RATE_DECIMALS} decimals such as 4.2650, got {}.",
                    quote(raw)
                ),
            )
        };
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if int.is_empty()
            || int.len() > 7
            || frac.len() > RATE_DECIMALS as usize
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let scale = 10u64.pow(RATE_DECIMALS);
        let frac_value: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse::<u64>().map_err(|_| bad())? * 10u64.pow(RATE_DECIMALS - frac.len() as u32)
        };
        let v = int.parse::<u64>().map_err(|_| bad())? * scale + frac_value;
        if v == 0 {
            return Err(bad());
        }
        Ok(Rate(v))
    }

    /// `eur_cents` in the reporting currency, in its hundredths, rounded half up.
    pub fn convert_cents(self, eur_cents: u64) -> u64 {
        let scale = u128::from(10u64.pow(RATE_DECIMALS));
        let product = u128::from(eur_cents) * u128::from(self.0);
        u64::try_from((product + scale / 2) / scale).unwrap_or(u64::MAX)
    }

    /// The rate as written, without trailing zeros (`4.265`).
    pub fn text(self) -> String {
        let scale = 10u64.pow(RATE_DECIMALS);
        let frac = format!("{:06}", self.0 % scale);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{}", self.0 / scale)
        } else {
            format!("{}.{frac}", self.0 / scale)
        }
    }
}

/// The conversion a draft was made with, recorded in the draft and in the evidence chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Conversion {
    /// The reporting currency (1.15).
    pub currency: String,
    /// Units of that currency for one euro, as given.
    pub rate_per_eur: String,
    /// Where the rate comes from ("ECB euro reference rate of 2026-11-23").
    pub source: String,
    #[serde(skip)]
    pub rate: Rate,
}

impl Conversion {
    /// The conversion the user asked for, for a report in `currency`. `None` for euro: a rate for
    /// a euro report is refused, as it would change nothing and suggests a mistake.
    pub fn new(
        currency: &str,
        rate: Option<&str>,
        source: Option<&str>,
    ) -> Result<Option<Conversion>, InputError> {
        let rate = rate.map(str::trim).filter(|s| !s.is_empty());
        let source = source.map(str::trim).filter(|s| !s.is_empty());
        if currency == "EUR" {
            if rate.is_some() {
                return Err(InputError::new(
                    "exchange_rate",
                    "exchange_rate applies to a report in another currency than EUR; the instance parameter report_currency is EUR, so leave exchange_rate empty.",
                ));
            }
            return Ok(None);
        }
        let Some(rate) = rate else {
            return Ok(None);
        };
        let rate = Rate::parse("exchange_rate", rate)?;
        let Some(source) = source.filter(|s| s.len() <= MAX_SOURCE) else {
            return Err(InputError::new(
                "exchange_rate_source",
                format!("exchange_rate_source must say where the rate comes from, for example \"ECB euro reference rate of 2026-11-23\" (at most {MAX_SOURCE} characters): it is recorded with the draft."),
            ));
        };
        Ok(Some(Conversion {
            currency: currency.to_string(),
            rate_per_eur: rate.text(),
            source: source.to_string(),
            rate,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_exact_decimals_and_convert_half_up() {
        let r = Rate::parse("exchange_rate", "4.2650").unwrap();
        assert_eq!(r.text(), "4.265");
        // 38 707.29 EUR at 4.265 = 165 086.59185 PLN -> 165 086.59
        assert_eq!(r.convert_cents(3_870_729), 16_508_659);
        // Half a hundredth rounds up.
        assert_eq!(Rate::parse("x", "0.5").unwrap().convert_cents(1), 1);
        assert_eq!(Rate::parse("x", "1").unwrap().convert_cents(12_345), 12_345);
        for bad in [
            "",
            "0",
            "0.000000",
            "-4.2",
            "4,265",
            "4.2650001",
            "1e3",
            "abc",
            "12345678",
        ] {
            assert!(Rate::parse("exchange_rate", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_conversion_needs_its_source_and_euro_needs_none() {
        assert_eq!(Conversion::new("EUR", None, None).unwrap(), None);
        assert!(Conversion::new("EUR", Some("1.1"), Some("x")).is_err());
        assert_eq!(Conversion::new("PLN", None, None).unwrap(), None);
        let e = Conversion::new("PLN", Some("4.265"), None).unwrap_err();
        assert_eq!(e.argument, "exchange_rate_source");
        let c = Conversion::new(
            "PLN",
            Some("4.265"),
            Some("ECB euro reference rate of 2026-11-23"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.currency.as_str(), c.rate_per_eur.as_str()),
            ("PLN", "4.265")
        );
    }
}
