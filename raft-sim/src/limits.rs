//! Upper bounds on every time and count a scenario, a trace or a `raft-sim` flag may carry,
//! checked when the file or the command line is read, so that a value near `u64::MAX` is
//! refused with a message naming it instead of overflowing or running for ever.
//!
//! The bounds leave room for arithmetic: a time (at most [`MAX_TIME_MS`]) plus a delay (at most
//! [`MAX_DELAY_MS`]) plus a latency stays far below `u64::MAX`. The world's clock itself stops
//! at [`MAX_TIME_MS`] ([`crate::World::advance_to`]). The same table is in
//! `docs/formats.md` and in `raft-sim --help`.

use alloc::format;

use crate::world::{SimOptions, Workload};
use crate::SimError;

/// The latest virtual time anything may name, and where the world's clock stops: one day, in
/// ms. Timeline `at`, expectation `by`/`at`, `until`, a trace's `end`, `--duration-ms`.
pub const MAX_TIME_MS: u64 = 86_400_000;

/// The longest configured delay: one hour, in ms. Election timeouts, heartbeat interval,
/// client think time and timeout.
pub const MAX_DELAY_MS: u64 = 3_600_000;

/// The largest count or threshold: log indexes, terms, entry counts (`snapshot_every`), client
/// operations an expectation waits for.
pub const MAX_COUNT: u64 = 1_000_000_000;

/// The most tasks of the task-queue workload (`workload.total`, `raft-sim taskqueue --tasks`).
pub const MAX_TASKS: u64 = 1_000_000;

/// The most keys of the key-value workload (`workload.keys`).
pub const MAX_KEYS: u32 = 1_000_000;

/// The largest byte size: `max_msg_bytes`, `snapshot_max_log_bytes` (1 GiB).
pub const MAX_BYTES: u64 = 1 << 30;

/// The most seeds one `raft-sim check` or `failover` may run (`--seeds A..B`).
pub const MAX_SEEDS: u64 = 1_000_000;

/// The largest linearizability search budget per key (`raft-sim --max-steps`): the search
/// keeps up to one state per step, so the budget bounds its memory too.
pub const MAX_STEPS: u64 = 1_000_000_000;

/// `Ok` if `value <= max`, else an error naming `what` and both numbers.
pub fn at_most(what: &str, value: u64, max: u64) -> Result<(), SimError> {
    if value <= max {
        Ok(())
    } else {
        Err(SimError::Invalid(format!(
            "{what} is {value}, but must be at most {max}"
        )))
    }
}

/// Checks every time and count of the options against the bounds above (the rest of
/// [`SimOptions::validate`] checks how they relate to each other).
pub fn check_options(o: &SimOptions) -> Result<(), SimError> {
    at_most("election_timeout_min", o.election_timeout_min, MAX_DELAY_MS)?;
    at_most("election_timeout_max", o.election_timeout_max, MAX_DELAY_MS)?;
    at_most("heartbeat_ms", o.heartbeat_ms, MAX_DELAY_MS)?;
    at_most("clients.think_ms", o.clients.think_ms, MAX_DELAY_MS)?;
    at_most("clients.timeout_ms", o.clients.timeout_ms, MAX_DELAY_MS)?;
    match o.clients.workload {
        Workload::Kv { keys } => at_most(
            "clients.workload.keys",
            u64::from(keys),
            u64::from(MAX_KEYS),
        )?,
        Workload::Tasks { total } => at_most("clients.workload.total", total, MAX_TASKS)?,
    }
    at_most("max_msg_bytes", o.max_msg_bytes, MAX_BYTES)?;
    at_most("max_inflight", o.max_inflight, MAX_INFLIGHT)?;
    at_most(
        "stalled_reads_ppm",
        u64::from(o.stalled_reads_ppm),
        1_000_000,
    )?;
    at_most("snapshot_every", o.snapshot_every, MAX_COUNT)?;
    at_most(
        "snapshot_max_log_bytes",
        o.snapshot_max_log_bytes,
        MAX_BYTES,
    )?;
    Ok(())
}

/// Bound of `max_inflight`: AppendEntries in flight to one follower.
pub const MAX_INFLIGHT: u64 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn bounds_leave_room_for_arithmetic() {
        // A time, plus the longest delay, plus the longest latency with reordering and a held-back reply, in ticks of
        // the fastest clock the simulator draws: far from overflowing.
        let worst = (MAX_TIME_MS + MAX_DELAY_MS + 4 * 60_000) * 2;
        assert!(worst < u64::MAX / 1_000_000);
    }

    #[test]
    fn at_most_names_the_value_and_the_bound() {
        assert!(at_most("x", 5, 5).is_ok());
        let e = at_most("until", u64::MAX, MAX_TIME_MS)
            .unwrap_err()
            .to_string();
        assert!(e.contains("until") && e.contains("86400000"), "{e}");
    }
}
