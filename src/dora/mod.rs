//! DORA incident classification (RTS 2024/1772) and the reporting clock (RTS 2025/301).

pub mod calendar;
pub mod classify;
pub mod clock;
pub mod criteria;
pub mod decision;
pub mod facts;
pub mod fields;
pub mod member_states;
pub mod money;
pub mod profile;
pub mod recurring;
pub mod threat;

#[cfg(test)]
mod clock_cases;
#[cfg(test)]
mod input_cases;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod recurring_cases;
#[cfg(test)]
mod regulation_cases;
