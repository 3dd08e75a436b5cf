//! Non-negative decimals read from SQL `numeric` values, text or JSON numbers, exactly: a value
//! such as 3920000.10 must reach the regulator's form as 3920000.10, so nothing passes through
//! f64. The arithmetic is rust_decimal's (28 significant digits); this module keeps the grammar
//! the figures take and the bounds they must stay within.

use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// A non-negative decimal of at most 18 integer digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dec(Decimal);

/// Fraction digits kept. Cutting further digits never changes a half-up rounding to cents or
/// to whole numbers: whether the remainder reaches one half is decided by its first digit.
const MAX_SCALE: usize = 20;
/// Integer digits accepted: 10^18 units are far beyond any count or amount of one entity.
const MAX_INT_DIGITS: u32 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecError {
    Negative,
    NotANumber,
    TooLarge,
}

impl DecError {
    /// The end of a sentence saying what is wrong with the value: "… is negative".
    pub(crate) fn describe(self) -> &'static str {
        match self {
            DecError::Negative => "is negative",
            DecError::NotANumber => "is not a number",
            DecError::TooLarge => "is too large (more than 18 integer digits)",
        }
    }
}

/// `[+-]digits[.digits][e[+-]digits]`, with digits on at least one side of the point: the
/// grammar of SQL and JSON numbers. rust_decimal's parser reads more (`1_000`), so it is checked
/// first; the check is a few lines, a regex crate would add a dependency for it.
fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    !(int.is_empty() && frac.is_empty())
        && digits(int)
        && digits(frac)
        && exponent.is_none_or(|e| !e.is_empty() && e.len() <= 3 && digits(e))
}

impl Dec {
    pub(crate) fn from_u64(n: u64) -> Dec {
        Dec(Decimal::from(n))
    }

    /// A decimal from elsewhere (a PostgreSQL `numeric`), within the same bounds as [`Dec::parse`].
    pub(crate) fn from_decimal(d: Decimal) -> Result<Dec, DecError> {
        if d.is_sign_negative() && !d.is_zero() {
            return Err(DecError::Negative);
        }
        if d.abs().trunc() >= Decimal::from(10u64.pow(MAX_INT_DIGITS)) {
            return Err(DecError::TooLarge);
        }
        Ok(Dec(d.abs()))
    }

    /// Parses `123`, `123.4500`, `+5`, `-0`, `1.5e3`, `2E-2`, `.5`, `12.`. Negative values other
    /// than zero, `NaN`, infinities and anything else are refused.
    pub(crate) fn parse(text: &str) -> Result<Dec, DecError> {
        let s = text.trim();
        if !is_number(s) {
            return Err(DecError::NotANumber);
        }
        let d = if s.contains(['e', 'E']) {
            let negative_exponent = s.contains("e-") || s.contains("E-");
            match Decimal::from_scientific(s) {
                Ok(d) => d,
                // Below the smallest step rust_decimal holds: zero, to cents and to units.
                Err(_) if negative_exponent => Decimal::ZERO,
                Err(_) => return Err(DecError::TooLarge),
            }
        } else {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            let int = match int.trim_start_matches(['+', '-']) {
                "" => "0",
                digits => digits.trim_start_matches('0'),
            };
            if int.len() > MAX_INT_DIGITS as usize {
                return Err(DecError::TooLarge);
            }
            let frac = &frac[..frac.len().min(MAX_SCALE)];
            let sign = if s.starts_with('-') { "-" } else { "" };
            let int = if int.is_empty() { "0" } else { int };
            Decimal::from_str(format!("{sign}{int}.{frac}").trim_end_matches('.'))
                .map_err(|_| DecError::NotANumber)?
        };
        Dec::from_decimal(d)
    }

    /// The value when it is a whole number.
    pub(crate) fn whole(self) -> Option<u64> {
        self.0.fract().is_zero().then(|| self.0.to_u64()).flatten()
    }

    /// Rounded half up to a whole number (daily averages); `None` past u64.
    pub(crate) fn whole_rounded(self) -> Option<u64> {
        self.rounded(0).to_u64()
    }

    /// Rounded half up to cents; `None` past u64.
    pub(crate) fn cents_rounded(self) -> Option<u64> {
        self.rounded(2).checked_mul(Decimal::ONE_HUNDRED)?.to_u64()
    }

    /// `self × numerator / denominator`, kept to 6 decimals (rounded half up).
    pub(crate) fn times_ratio(self, numerator: u64, denominator: u64) -> Dec {
        let product = self
            .rounded(6)
            .checked_mul(Decimal::from(numerator))
            .unwrap_or(Decimal::MAX);
        Dec((product / Decimal::from(denominator.max(1)))
            .round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero))
    }

    /// Plain decimal text, trailing zeros dropped: `12.5`, `40`.
    pub(crate) fn text(self) -> String {
        self.0.normalize().to_string()
    }

    /// Half up (the values are never negative).
    fn rounded(self, dp: u32) -> Decimal {
        self.0
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn numeric_text_is_read_exactly() {
        assert_eq!(d("3920000.10").cents_rounded(), Some(392_000_010));
        assert_eq!(d("0.1").cents_rounded(), Some(10));
        assert_eq!(
            d("12345678901234.56").cents_rounded(),
            Some(1_234_567_890_123_456)
        );
        assert_eq!(d("98000").whole(), Some(98_000));
        assert_eq!(d("98000.000").whole(), Some(98_000));
        assert_eq!(d("+7").whole(), Some(7));
        assert_eq!(d("-0").whole(), Some(0));
        assert_eq!(d("-0.00").cents_rounded(), Some(0));
        assert_eq!(d("1.5e3").whole(), Some(1_500));
        assert_eq!(d("25E-2").cents_rounded(), Some(25));
        assert_eq!(d(".5").cents_rounded(), Some(50));
        assert_eq!(d("12.").whole(), Some(12));
        assert_eq!(d("12.5").whole(), None);
        assert_eq!(d("12.5").text(), "12.5");
        assert_eq!(d("40.000").text(), "40");
    }

    #[test]
    fn rounding_is_half_up_and_survives_long_fractions() {
        assert_eq!(d("0.005").cents_rounded(), Some(1));
        assert_eq!(d("0.00499999999999999999999999").cents_rounded(), Some(0));
        assert_eq!(d("0.00500000000000000000000001").cents_rounded(), Some(1));
        assert_eq!(d("1306.6666666666666667").cents_rounded(), Some(130_667));
        assert_eq!(d("7649.5").whole_rounded(), Some(7_650));
        assert_eq!(d("7649.4999999").whole_rounded(), Some(7_649));
    }

    #[test]
    fn what_is_not_a_non_negative_number_is_refused() {
        assert_eq!(Dec::parse("-1"), Err(DecError::Negative));
        assert_eq!(Dec::parse("-0.01"), Err(DecError::Negative));
        for bad in [
            "",
            "NaN",
            "Infinity",
            "-Infinity",
            "1,5",
            "abc",
            "1e",
            "e5",
            ".",
            "1.2.3",
            "0x10",
        ] {
            assert_eq!(Dec::parse(bad), Err(DecError::NotANumber), "{bad}");
        }
        assert_eq!(Dec::parse("1234567890123456789"), Err(DecError::TooLarge));
        assert_eq!(Dec::parse("1e19"), Err(DecError::TooLarge));
        assert!(Dec::parse("123456789012345678").is_ok());
        assert_eq!(
            d("99999999999999999").cents_rounded(),
            Some(9_999_999_999_999_999_900)
        );
        assert_eq!(d("999999999999999999").cents_rounded(), None);
    }

    #[test]
    fn ratios_for_estimates() {
        // 7 650.4 a day over 2 h 48 min = 0.116 666… of a day
        let v = d("7650.4").times_ratio(10_080, 86_400);
        assert_eq!(v.whole_rounded(), Some(893));
        assert_eq!(
            d("311250.00").times_ratio(43_200, 86_400).cents_rounded(),
            Some(15_562_500)
        );
    }
}
