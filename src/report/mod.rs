//! NCA report drafts (ITS 2025/302), their verdict and exports, and the approvals and the gate
//! that a submission passes.

pub mod approval;
pub mod currency;
pub mod document;
pub mod draft;
pub mod entries;
pub mod evidence;
pub mod export;
pub mod gate;
pub mod html;
pub mod human_decision;
pub mod labels;
pub mod mapping;
pub mod policy;
pub mod prefill;
pub mod request;
pub mod schema;
pub mod settings;
pub mod triage_record;
pub mod values;
pub mod verdict;

#[cfg(test)]
mod approval_tests;
#[cfg(test)]
mod cyber_threat_tests;
#[cfg(test)]
mod decision_case;
#[cfg(test)]
mod draft_case;
#[cfg(test)]
mod gate_tests;
#[cfg(test)]
mod shared_data;
#[cfg(test)]
mod tests;
