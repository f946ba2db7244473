//! Headline numbers: leader, term, commit index, traffic, client throughput and latency.

use raft_core::{Index, NodeId, Term};
use raft_sim::World;

/// How many completed operations the latency percentile looks at.
const LATENCY_WINDOW: usize = 200;

/// Headline numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsView {
    /// Current leader.
    pub leader: Option<NodeId>,
    /// Highest term of a live node.
    pub term: Term,
    /// Leader's commit index.
    pub committed: Index,
    /// Messages in flight (parked included).
    pub in_flight: usize,
    /// Messages sent per virtual second, over the last virtual second.
    pub msgs_per_sec: f64,
    /// Completed client operations.
    pub completed: u64,
    /// Median proposal-to-completion latency of the recent operations, ms.
    pub p50_latency: Option<u64>,
    /// Events processed.
    pub events: u64,
}

/// The headline numbers of `world`; `msgs_per_sec` is measured by the driver.
pub fn metrics(world: &World, msgs_per_sec: f64) -> MetricsView {
    let stats = world.stats();
    let recent = &stats.latencies[stats.latencies.len().saturating_sub(LATENCY_WINDOW)..];
    MetricsView {
        leader: world.leader(),
        term: world.max_term(),
        committed: world.leader_commit(),
        in_flight: world.network().in_flight_count(),
        msgs_per_sec,
        completed: stats.completed,
        p50_latency: percentile(recent, 50),
        events: stats.events,
    }
}

/// The `pct`-th percentile (nearest rank) of `xs`, or None when empty.
pub fn percentile(xs: &[u64], pct: u32) -> Option<u64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_unstable();
    let rank = (u64::from(pct) * v.len() as u64).div_ceil(100).max(1) as usize;
    Some(v[rank.min(v.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[5], 50), Some(5));
        assert_eq!(percentile(&[4, 1, 3, 2], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), Some(10));
    }
}
