//! Non-negative decimals read from SQL `numeric` text or JSON numbers, exactly: a value such as
//! 3920000.10 must reach the regulator's form as 3920000.10, so nothing passes through f64.

/// `units / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dec {
    units: u128,
    scale: u32,
}

/// Fraction digits kept. Cutting further digits never changes a half-up rounding to cents or
/// to whole numbers: whether the remainder reaches one half is decided by its first digit.
const MAX_SCALE: u32 = 20;
/// Integer digits accepted; with `MAX_SCALE` the units stay below 10^38 < u128::MAX.
const MAX_INT_DIGITS: usize = 18;

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

fn pow10(n: u32) -> u128 {
    10u128.pow(n)
}

impl Dec {
    pub(crate) fn from_u64(n: u64) -> Dec {
        Dec {
            units: u128::from(n),
            scale: 0,
        }
    }

    /// Parses `123`, `123.4500`, `+5`, `-0`, `1.5e3`, `2E-2`. Negative values other than zero,
    /// `NaN`, infinities and anything else are refused.
    pub(crate) fn parse(text: &str) -> Result<Dec, DecError> {
        let s = text.trim();
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exponent) = match s.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = s[i + 1..].parse().map_err(|_| DecError::NotANumber)?;
                (&s[..i], e)
            }
            None => (s, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
            || !(-400..=400).contains(&exponent)
        {
            return Err(DecError::NotANumber);
        }
        // digits × 10^(exponent − fraction length)
        let mut digits: String = format!("{int_part}{frac_part}");
        let mut scale = frac_part.len() as i64 - i64::from(exponent);
        if scale < 0 {
            digits.extend(std::iter::repeat_n('0', (-scale) as usize));
            scale = 0;
        }
        if scale > i64::from(MAX_SCALE) {
            let cut = (scale - i64::from(MAX_SCALE)) as usize;
            digits.truncate(digits.len().saturating_sub(cut));
            scale = i64::from(MAX_SCALE);
        }
        let scale = scale as u32;
        let digits = digits.trim_start_matches('0');
        if digits.len() > MAX_INT_DIGITS + scale as usize {
            return Err(DecError::TooLarge);
        }
        let units: u128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| DecError::TooLarge)?
        };
        if negative && units != 0 {
            return Err(DecError::Negative);
        }
        Ok(Dec { units, scale })
    }

    /// The value in units of 10^-`scale`, rounded half up.
    fn rounded(self, scale: u32) -> u128 {
        if scale >= self.scale {
            self.units * pow10(scale - self.scale)
        } else {
            let div = pow10(self.scale - scale);
            (self.units + div / 2) / div
        }
    }

    /// The value when it is a whole number.
    pub(crate) fn whole(self) -> Option<u64> {
        if self.units % pow10(self.scale) != 0 {
            return None;
        }
        u64::try_from(self.units / pow10(self.scale)).ok()
    }

    /// Rounded half up to a whole number (daily averages); `None` past u64.
    pub(crate) fn whole_rounded(self) -> Option<u64> {
        u64::try_from(self.rounded(0)).ok()
    }

    /// Rounded half up to cents; `None` past u64.
    pub(crate) fn cents_rounded(self) -> Option<u64> {
        u64::try_from(self.rounded(2)).ok()
    }

    /// `self × numerator / denominator`, kept to 6 decimals (rounded half up).
    pub(crate) fn times_ratio(self, numerator: u64, denominator: u64) -> Dec {
        let six = self.rounded(6);
        let den = u128::from(denominator.max(1));
        let num = six.saturating_mul(u128::from(numerator));
        Dec {
            units: (num + den / 2) / den,
            scale: 6,
        }
    }

    /// Plain decimal text, trailing zeros dropped: `12.5`, `40`.
    pub(crate) fn text(self) -> String {
        let div = pow10(self.scale);
        let int = self.units / div;
        let frac = self.units % div;
        if frac == 0 {
            return int.to_string();
        }
        let frac = format!("{frac:0width$}", width = self.scale as usize);
        format!("{int}.{}", frac.trim_end_matches('0'))
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
