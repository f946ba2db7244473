//! The simulator under steady client load: the playground's world, run for a span of virtual
//! time. The caller measures the wall time (natively with `Instant`, in wasm32 with the host's
//! clock), so this module runs unchanged on both.

use raft_sim::{ClientOptions, SimOptions, Workload, World};

/// How many clients, and how long each pauses between operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    /// Concurrent clients.
    pub clients: u32,
    /// Pause between a completion and the next operation, ms.
    pub think_ms: u64,
}

/// The playground's "Steady client load": 4 clients, 20 ms think time.
pub const PLAYGROUND: Load = Load {
    clients: 4,
    think_ms: 20,
};

/// A heavier load: 50 clients back to back (the task queue's client count).
pub const HEAVY: Load = Load {
    clients: 50,
    think_ms: 0,
};

/// Reference timings (150–300 ms election timeout, 50 ms heartbeat, 10–18 ms latency), 5 nodes,
/// key-value clients with sessions from the start, no faults, no stored trace.
pub fn options(seed: u64, load: Load) -> SimOptions {
    SimOptions {
        seed,
        keep_trace: false,
        clients: ClientOptions {
            enabled: true,
            count: load.clients,
            think_ms: load.think_ms,
            workload: Workload::Kv { keys: 3 },
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    }
}

/// What a steady-load run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Virtual time simulated, ms (from 0).
    pub virtual_ms: u64,
    /// Simulator events processed.
    pub events: u64,
    /// Commit latencies (proposal at the leader to its reply, ms) of operations completed after
    /// the warm-up.
    pub latencies: Vec<u64>,
    /// Client operations completed in all.
    pub completed: u64,
    /// Elections started (should stay 1 without faults).
    pub elections: u64,
    /// Entries in the leader's log at the end.
    pub log_len: u64,
    /// The first safety violation, if any (there should be none).
    pub violation: Option<String>,
}

/// Runs the world for `warmup_ms + measure_ms` of virtual time, keeping the commit latencies of
/// the operations that complete after the warm-up (the first election).
pub fn run(seed: u64, load: Load, warmup_ms: u64, measure_ms: u64) -> Run {
    let mut w = World::new(options(seed, load)).expect("valid options");
    w.advance_to(warmup_ms);
    let skip = w.stats().latencies.len();
    w.advance_to(warmup_ms + measure_ms);
    let s = w.stats();
    Run {
        virtual_ms: w.now(),
        events: s.events,
        latencies: s.latencies[skip..].to_vec(),
        completed: s.completed,
        elections: s.elections,
        log_len: w
            .leader()
            .and_then(|l| w.node(l))
            .map_or(0, |n| n.log().last_index()),
        violation: w.violation().map(|v| v.property.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_steady_run_commits_without_violations() {
        let r = run(1, PLAYGROUND, 1_000, 1_000);
        assert_eq!(r.virtual_ms, 2_000);
        assert!(!r.latencies.is_empty());
        assert!(r.latencies.iter().all(|&l| l >= 20), "{:?}", r.latencies);
        assert_eq!(r.violation, None::<String>);
    }
}
