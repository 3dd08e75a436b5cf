//! Result columns as decimal text, whatever their PostgreSQL type: integers, `numeric` read
//! digit for digit from its binary form (rust_decimal's decoder), floats, and text holding a
//! number.

use std::error::Error as StdError;

use rust_decimal::Decimal;
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
            n(Decimal::from_sql(ty, raw)?.to_string())
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
