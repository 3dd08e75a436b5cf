//! Retry with exponential backoff and jitter (backon), `Retry-After`, and a bound on the total
//! time one request may take, for every outbound client.
//!
//! backon computes the delays. Its own blocking retry loop has no hook to replace a delay with the
//! server's `Retry-After` (only the async one has `adjust`), so the loop here is the one place
//! that walks backon's delays, honours `Retry-After` and stops at the budget.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use backon::{BackoffBuilder, ExponentialBuilder};

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Cap on a single backoff delay before its jitter (a `Retry-After` above it is still
    /// honoured, within the budget).
    pub max_delay: Duration,
    /// Cap on the time one request may take, all attempts and delays included.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            budget: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// The backoff delays, one per retry: `base * 2^n` capped at `max_delay`, each plus a random
    /// jitter of up to itself, so that engines retrying together drift apart.
    pub fn delays(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay.max(self.base_delay))
            .with_factor(2.0)
            .with_max_times(self.max_retries as usize)
            .with_jitter()
            .build()
    }
}

/// What one attempt came to.
pub enum Attempt<T, E> {
    Done(T),
    /// Failed, and a later attempt may succeed; `after` is the server's `Retry-After`.
    Retry {
        error: E,
        after: Option<Duration>,
    },
    /// Failed for good.
    Fail(E),
}

/// Why the retries ended without success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// The attempt failed in a way retrying cannot mend.
    Final,
    /// Every retry of the policy was spent.
    Retries,
    /// The next delay would have passed the time budget.
    Budget,
}

/// Runs `attempt` until it is done, fails for good, or the policy is spent. `on_retry` is told of
/// each retry (its number from 1 and the delay) before the wait.
pub fn run<T, E>(
    policy: &RetryPolicy,
    mut attempt: impl FnMut() -> Attempt<T, E>,
    mut on_retry: impl FnMut(&E, u32, Duration),
) -> Result<T, (E, GaveUp)> {
    let started = Instant::now();
    let mut delays = policy.delays();
    let mut retry = 0u32;
    loop {
        let (error, after) = match attempt() {
            Attempt::Done(v) => return Ok(v),
            Attempt::Fail(e) => return Err((e, GaveUp::Final)),
            Attempt::Retry { error, after } => (error, after),
        };
        let Some(backoff) = delays.next() else {
            return Err((error, GaveUp::Retries));
        };
        let delay = after.unwrap_or(backoff);
        if started.elapsed() + delay > policy.budget {
            return Err((error, GaveUp::Budget));
        }
        retry += 1;
        on_retry(&error, retry, delay);
        std::thread::sleep(delay);
    }
}

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (0.0..1e9)
            .contains(&secs)
            .then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let when = UNIX_EPOCH + Duration::from_secs(u64::try_from(when.timestamp()).ok()?);
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            budget: Duration::from_secs(60),
        };
        for _ in 0..50 {
            let delays: Vec<Duration> = p.delays().collect();
            assert_eq!(delays.len(), 8);
            for (retry, d) in delays.iter().enumerate() {
                let step =
                    Duration::from_millis(100 * (1 << retry)).min(Duration::from_millis(1000));
                assert!(
                    *d >= step && *d <= step * 2,
                    "retry {retry}: {d:?} not in [{step:?}, {:?}]",
                    step * 2
                );
            }
        }
    }

    #[test]
    fn jitter_varies() {
        let p = RetryPolicy::default();
        let ds: std::collections::HashSet<_> =
            (0..20).map(|_| p.delays().nth(3).unwrap()).collect();
        assert!(ds.len() > 1);
    }

    fn quick(max_retries: u32, budget_ms: u64) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            budget: Duration::from_millis(budget_ms),
        }
    }

    #[test]
    fn the_loop_stops_at_success_a_final_error_the_retries_or_the_budget() {
        let mut calls = 0;
        let ok: Result<u32, (&str, GaveUp)> = run(
            &quick(5, 1000),
            || {
                calls += 1;
                if calls < 3 {
                    Attempt::Retry {
                        error: "busy",
                        after: None,
                    }
                } else {
                    Attempt::Done(calls)
                }
            },
            |_, _, _| {},
        );
        assert_eq!(ok, Ok(3));
        let mut seen = Vec::new();
        let spent = run::<(), _>(
            &quick(2, 1000),
            || Attempt::Retry {
                error: "busy",
                after: None,
            },
            |_, n, _| seen.push(n),
        );
        assert_eq!(spent, Err(("busy", GaveUp::Retries)));
        assert_eq!(seen, [1, 2]);
        let fin = run::<(), _>(&quick(2, 1000), || Attempt::Fail("no"), |_, _, _| {});
        assert_eq!(fin, Err(("no", GaveUp::Final)));
        // A Retry-After past the budget is not waited out.
        let started = Instant::now();
        let late = run::<(), _>(
            &quick(5, 200),
            || Attempt::Retry {
                error: "later",
                after: Some(Duration::from_secs(3600)),
            },
            |_, _, _| {},
        );
        assert_eq!(late, Err(("later", GaveUp::Budget)));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-4", now), None);
        assert_eq!(parse_retry_after("1e300", now), None);
    }
}
