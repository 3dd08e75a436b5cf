//! The core's "now": the system clock, or a simulated one that a test, a demo or a replay sets.
//!
//! Every instant the core takes as "now" when a caller gives none comes from [`now`]. A
//! simulated clock starts at a chosen instant and either stands still (a demo moves it step by
//! step, never sleeping) or runs on from there at the system clock's pace (a test suite run at
//! another date). An XSOAR integration never sets it: on a server the core reads the system clock.

use std::sync::RwLock;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

/// A simulated clock: `at` when it was set, and whether it runs on from there.
#[derive(Clone, Copy, Debug)]
struct Simulated {
    at: DateTime<Utc>,
    set: Instant,
    running: bool,
}

static SIMULATED: RwLock<Option<Simulated>> = RwLock::new(None);

/// The current instant: the system clock, or the simulated clock while one is set.
pub fn now() -> DateTime<Utc> {
    // A poisoned lock only means a panic elsewhere while it was held; the value is still whole.
    let sim = *SIMULATED.read().unwrap_or_else(|e| e.into_inner());
    match sim {
        None => Utc::now(),
        Some(s) if !s.running => s.at,
        Some(s) => s.at + Duration::from_std(s.set.elapsed()).unwrap_or_else(|_| Duration::zero()),
    }
}

/// Sets the simulated clock to `at`, standing still or running on; `None` returns to the
/// system clock.
pub fn simulate(at: Option<DateTime<Utc>>, running: bool) {
    let value = at.map(|at| Simulated {
        at,
        set: Instant::now(),
        running,
    });
    *SIMULATED.write().unwrap_or_else(|e| e.into_inner()) = value;
}

/// Whether a simulated clock is set.
pub fn is_simulated() -> bool {
    SIMULATED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the clock is process-wide, and Rust runs tests in parallel threads.
    #[test]
    fn a_simulated_clock_stands_still_or_runs_on_and_is_released() {
        let at = DateTime::parse_from_rfc3339("2027-12-04T06:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        simulate(Some(at), false);
        assert!(is_simulated());
        assert_eq!(now(), at);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(now(), at, "a standing clock does not move");
        simulate(Some(at), true);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let moved = now() - at;
        assert!(
            moved >= Duration::milliseconds(20) && moved < Duration::seconds(60),
            "{moved}"
        );
        simulate(None, false);
        assert!(!is_simulated());
        assert!((now() - Utc::now()).num_seconds().abs() < 5);
    }
}
