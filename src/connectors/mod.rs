//! Connectors that answer what out-of-the-box feeds cannot: which ICT services and critical
//! functions an asset touches, how many clients and transactions an outage hit, and in which
//! Member States. Each figure carries its source, and whether it is an estimate or partial.

pub mod geo;
pub mod ict;
pub mod ict_json;
pub mod params;

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// One sourced figure, written to context as `{Value, Source, Estimate, Partial}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Figure {
    pub value: Value,
    pub source: String,
    pub estimate: bool,
    /// Some of the data behind it could not be read: a lower bound, never passed on as complete.
    pub partial: bool,
}

impl Figure {
    pub fn new(value: Value, source: impl Into<String>) -> Figure {
        Figure {
            value,
            source: source.into(),
            estimate: false,
            partial: false,
        }
    }
}

/// A source that failed: which one, and one sentence on what is wrong and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorError {
    pub source: String,
    pub message: String,
}

impl ConnectorError {
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> ConnectorError {
        ConnectorError {
            source: source.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl std::error::Error for ConnectorError {}
pub mod cmdb;
pub mod register;
pub mod transactions;
