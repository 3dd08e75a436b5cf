//! NCA report drafts (ITS 2025/302), their exports, and the approvals that gate submission.

pub mod approval;
pub mod document;
pub mod draft;
pub mod export;
pub mod html;
pub mod mapping;
pub mod request;
pub mod settings;
pub mod values;

#[cfg(test)]
mod approval_tests;
#[cfg(test)]
mod shared_data;
#[cfg(test)]
mod tests;
