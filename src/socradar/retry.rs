//! Retry policy of the SOCRadar client: the core's one policy for outbound HTTP (`crate::http::retry`).

pub use crate::http::retry::{parse_retry_after, RetryPolicy};
