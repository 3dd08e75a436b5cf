//! Result columns as decimal text, whatever their PostgreSQL type: integers, `numeric` read
//! digit for digit from its binary form, floats, and text holding a number.

use std::error::Error as StdError;
use std::fmt::Write as _;

use tokio_postgres::types::{FromSql, Type};

/// A result column as decimal text, whatever its type.
#[derive(Debug)]
pub(super) enum PgValue {
    Number(String),
    /// A type that holds no number: its name.
    Other(String),
}

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgValue, Box<dyn StdError + Sync + Send>> {
        let n = |s: String| Ok(PgValue::Number(s));
        if *ty == Type::INT2 {
            n(i16::from_sql(ty, raw)?.to_string())
        } else if *ty == Type::INT4 {
            n(i32::from_sql(ty, raw)?.to_string())
        } else if *ty == Type::INT8 {
            n(i64::from_sql(ty, raw)?.to_string())
        } else if *ty == Type::NUMERIC {
            n(numeric_text(raw)?)
        } else if *ty == Type::FLOAT4 {
            n(f32::from_sql(ty, raw)?.to_string())
        } else if *ty == Type::FLOAT8 {
            n(f64::from_sql(ty, raw)?.to_string())
        } else if [
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::UNKNOWN,
        ]
        .contains(ty)
        {
            n(String::from_utf8(raw.to_vec())?)
        } else {
            Ok(PgValue::Other(ty.name().to_string()))
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// The decimal text of a `numeric` in PostgreSQL's binary format: digit count, weight (of
/// the first base-10 000 digit), sign, display scale, then the base-10 000 digits.
pub(super) fn numeric_text(raw: &[u8]) -> Result<String, Box<dyn StdError + Sync + Send>> {
    let word = |i: usize| raw.get(i..i + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let malformed = || -> Box<dyn StdError + Sync + Send> { "malformed numeric value".into() };
    let (Some(ndigits), Some(weight), Some(sign), Some(dscale)) =
        (word(0), word(2), word(4), word(6))
    else {
        return Err(malformed());
    };
    let (ndigits, weight, dscale) = (
        usize::from(ndigits),
        i32::from(weight as i16),
        usize::from(dscale),
    );
    if raw.len() != 8 + 2 * ndigits {
        return Err(malformed());
    }
    let mut s = match sign {
        0x0000 => String::new(),
        0x4000 => "-".to_string(),
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => return Err(malformed()),
    };
    let digit = |i: i32| -> u16 {
        usize::try_from(i)
            .ok()
            .filter(|i| *i < ndigits)
            .and_then(|i| word(8 + 2 * i))
            .unwrap_or(0)
    };
    if weight < 0 {
        s.push('0');
    } else {
        let _ = write!(s, "{}", digit(0));
        for k in 1..=weight {
            let _ = write!(s, "{:04}", digit(k));
        }
    }
    if dscale > 0 {
        let mut frac = String::new();
        for j in 0..dscale.div_ceil(4) {
            let _ = write!(frac, "{:04}", digit(weight + 1 + j as i32));
        }
        frac.truncate(dscale);
        s.push('.');
        s.push_str(&frac);
    }
    Ok(s)
}
