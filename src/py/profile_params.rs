//! The keyword arguments of `EntityProfile(...)`: the DORA Bridge instance parameters by the
//! same names, so a script outside XSOAR builds the profile the instance would.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::input::InputError;

/// The keyword arguments of `EntityProfile(...)`: the DORA Bridge instance parameters
/// (DORABridge.yml, `configuration`), by the same names.
const PARAMETERS: &[&str] = &[
    "entity_name",
    "entity_lei",
    "entity_type",
    "home_member_state",
    "nis2_essential_or_important",
    "significant_or_systemic",
    "simplified_framework",
    "critical_services",
    "authorised_services",
    "clients_per_service",
    "counterparts_per_service",
    "daily_transactions_per_service",
    "daily_value_per_service_eur",
    "relevant_clients",
    "geographical_spread_reading",
    "due_soon_initial_minutes",
    "due_soon_intermediate_hours",
    "due_soon_final_days",
    "primary_contact_name",
    "primary_contact_email",
    "primary_contact_phone",
    "secondary_contact_name",
    "secondary_contact_email",
    "secondary_contact_phone",
    "parent_undertaking_name",
    "parent_undertaking_lei",
    "report_currency",
    "report_schema",
    "report_schema_version",
    "cyber_threat_schema",
    "report_field_sources",
    "initial_notification_approver_roles",
    "report_approver_roles",
    "approver_roles",
    "approver_users",
    "chain_key",
    "chain_retired_keys",
];

/// Refuses a keyword that is not an instance parameter (a typo would otherwise leave a setting
/// at its default without a word).
pub fn check_names(params: &Bound<'_, PyDict>) -> PyResult<()> {
    for key in params.keys() {
        let key: String = key.extract()?;
        if !PARAMETERS.contains(&key.as_str()) {
            return Err(InputError::new(
                &key,
                format!(
                    "{key} is not a DORA Bridge instance parameter; EntityProfile takes {}.",
                    PARAMETERS.join(", ")
                ),
            )
            .into());
        }
    }
    Ok(())
}
