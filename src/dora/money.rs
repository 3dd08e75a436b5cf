//! Amounts in euro, held as whole cents: the regulation states its thresholds exactly, so no
//! threshold is ever compared in floating point.

use std::fmt;

use crate::input::{quote, InputError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Eur {
    cents: u64,
}

impl Eur {
    pub const fn from_cents(cents: u64) -> Self {
        Eur { cents }
    }

    pub const fn from_euros(euros: u64) -> Self {
        Eur { cents: euros * 100 }
    }

    pub const fn cents(self) -> u64 {
        self.cents
    }

    /// Parses `100000`, `100000.5`, `100 000.00`, `100,000.00`, `EUR 1 250.75`, `€12.30`.
    /// A comma is a thousands separator only in groups of three; `1,5` is refused, not guessed.
    pub fn parse(argument: &str, raw: &str) -> Result<Eur, InputError> {
        let bad = || {
            InputError::new(
                argument,
                format!(
                    "{argument} must be an amount in euro such as 125000.50 (no negative values, at most two decimals), got {}.",
                    quote(raw)
                ),
            )
        };
        let mut s = raw.trim();
        for prefix in ["EUR", "eur", "€"] {
            s = s.strip_prefix(prefix).unwrap_or(s).trim();
        }
        for suffix in ["EUR", "eur", "€"] {
            s = s.strip_suffix(suffix).unwrap_or(s).trim();
        }
        let s: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_'))
            .collect();
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i.to_string(), f.to_string()),
            None => (s.clone(), String::new()),
        };
        let int_digits = if int_part.contains(',') {
            let groups: Vec<&str> = int_part.split(',').collect();
            let ok = !groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3)
                && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(bad());
            }
            groups.concat()
        } else {
            int_part
        };
        if int_digits.is_empty()
            || !int_digits.chars().all(|c| c.is_ascii_digit())
            || frac_part.len() > 2
            || !frac_part.chars().all(|c| c.is_ascii_digit())
            || (s.contains('.') && frac_part.is_empty())
        {
            return Err(bad());
        }
        let euros: u64 = int_digits.parse().map_err(|_| bad())?;
        let cents: u64 = format!("{frac_part:0<2}").parse().map_err(|_| bad())?;
        euros
            .checked_mul(100)
            .and_then(|c| c.checked_add(cents))
            .map(Eur::from_cents)
            .ok_or_else(bad)
    }

    pub fn checked_add(self, other: Eur) -> Option<Eur> {
        self.cents.checked_add(other.cents).map(Eur::from_cents)
    }

    /// `12345.60`, the form the report schema takes.
    pub fn plain(self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

/// Groups digits by three with a space, as regulators' forms print them: `98 000`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Serialised as the plain decimal text (`"100000.00"`): exact, and what the report schema takes.
impl serde::Serialize for Eur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl fmt::Display for Eur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EUR {}.{:02}",
            group_digits(self.cents / 100),
            self.cents % 100
        )
    }
}

/// `part / whole` as a percentage with two decimals, rounded half up, in integers only.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "n/a".into();
    }
    let basis_points =
        (u128::from(part) * 10_000 * 2 + u128::from(whole)) / (2 * u128::from(whole));
    format!("{}.{:02}%", basis_points / 100, basis_points % 100)
}

/// `part / whole > numerator / denominator`, exactly: `part * denominator > numerator * whole`.
pub fn exceeds_share(part: u64, whole: u64, numerator: u64, denominator: u64) -> bool {
    u128::from(part) * u128::from(denominator) > u128::from(numerator) * u128::from(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_exact_cents() {
        for (raw, cents) in [
            ("100000", 10_000_000),
            ("100000.01", 10_000_001),
            ("100000.5", 10_000_050),
            ("100 000.00", 10_000_000),
            ("100,000.00", 10_000_000),
            ("EUR 1 250.75", 125_075),
            ("€12.30", 1_230),
            ("0", 0),
            ("1,234,567", 123_456_700),
        ] {
            assert_eq!(Eur::parse("x", raw), Ok(Eur::from_cents(cents)), "{raw}");
        }
    }

    #[test]
    fn ambiguous_or_invalid_amounts_are_refused() {
        for raw in [
            "",
            "-5",
            "1,5",
            "12.345",
            "abc",
            "1.",
            "12,34.00",
            "1e6",
            "NaN",
            "99999999999999999999",
        ] {
            let e = Eur::parse("economic_impact_eur", raw).unwrap_err();
            assert!(
                e.message
                    .starts_with("economic_impact_eur must be an amount in euro"),
                "{raw}"
            );
        }
    }

    #[test]
    fn display_and_percent() {
        assert_eq!(Eur::from_cents(10_000_001).to_string(), "EUR 100 000.01");
        assert_eq!(Eur::from_cents(5).plain(), "0.05");
        assert_eq!(group_digits(98_000), "98 000");
        assert_eq!(group_digits(1_234_567), "1 234 567");
        assert_eq!(percent(12_430, 98_000), "12.68%");
        assert_eq!(percent(1, 3), "33.33%");
        assert_eq!(percent(2, 3), "66.67%");
    }

    #[test]
    fn shares_are_compared_exactly() {
        assert!(!exceeds_share(10, 100, 1, 10));
        assert!(exceeds_share(11, 100, 1, 10));
        assert!(!exceeds_share(3, 10, 3, 10));
        assert!(exceeds_share(u64::MAX, u64::MAX - 1, 1, 1));
    }
}
