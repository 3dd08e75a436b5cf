//! SOCRadar Incident API v4: client, fetch, and the mapping of alarms to XSOAR incidents.

pub mod actions;
pub mod alarm;
pub mod client;
pub mod collect;
pub mod error;
pub mod fetch;
mod fetch_config;
mod fetch_preview;
pub mod incident;
mod incident_raw;
pub mod mapping;
mod mapping_raw;
mod mapping_text;
pub mod mirror;
pub mod page;
pub mod params;
pub mod rawjson;
pub mod replay;
pub mod search;
pub mod summary;
pub mod tags;
pub mod window;

pub use client::{AlarmSource, ClientConfig, SocRadarClient};
pub use error::SocRadarError;

#[cfg(test)]
mod fetch_properties;
#[cfg(test)]
mod mapping_properties;
