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
    /// Highest term any node has seen: a live node's, or a crashed node's as its disk keeps it
    /// (a term never decreases, also across restarts; Raft Figure 2, "currentTerm").
    pub term: Term,
    /// The leader's commit index; without a leader, the highest commit index a live node knows
    /// (an entry once committed stays committed: what is known to be committed never goes back
    /// to 0 because the leader is gone).
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
    let leader = world.leader();
    MetricsView {
        leader,
        term: highest_term(world),
        committed: known_commit(world, leader),
        in_flight: world.network().in_flight_count(),
        msgs_per_sec,
        completed: stats.completed,
        p50_latency: percentile(recent, 50),
        events: stats.events,
    }
}

/// The highest term of any node, live or crashed (a crashed node's is on its disk).
fn highest_term(world: &World) -> Term {
    world
        .nodes()
        .values()
        .map(|s| {
            s.node
                .as_ref()
                .map_or(s.storage().state().hard_state.term, |n| n.term())
        })
        .max()
        .unwrap_or(0)
}

/// The leader's commit index, or without one the highest a live node knows.
fn known_commit(world: &World, leader: Option<NodeId>) -> Index {
    match leader.and_then(|l| world.node(l)) {
        Some(n) => n.log().committed(),
        None => world
            .nodes()
            .values()
            .filter_map(|s| s.node.as_ref())
            .map(|n| n.log().committed())
            .max()
            .unwrap_or(0),
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

    /// The newcomer's complaint: with the leader gone the status said "committed 0" (as if the
    /// log were lost), and with every node down "term 0".
    #[test]
    fn without_a_leader_the_commit_and_term_known_stay() {
        use raft_sim::{Action, SimOptions};
        let mut w = World::new(SimOptions {
            seed: 42,
            nodes: 3,
            ..SimOptions::default()
        })
        .expect("valid options");
        w.act(Action::ClientLoad { on: true }).expect("load");
        w.run_until(3_000, |_| false);
        let before = metrics(&w, 0.0);
        let leader = before.leader.expect("a leader within 3 s");
        assert!(before.committed > 1, "{before:?}");
        w.act(Action::Crash { node: leader }).expect("crash");
        let after = metrics(&w, 0.0);
        assert_eq!(after.leader, None);
        // The followers' commit index: at most the leader's, which reached them with its last
        // heartbeat or append (one round trip behind at most), and never 0 once entries committed.
        assert!(
            after.committed > 0 && after.committed <= before.committed,
            "{after:?} after {before:?}"
        );
        for id in 1..=3 {
            if id != leader {
                w.act(Action::Crash { node: id }).expect("crash");
            }
        }
        let down = metrics(&w, 0.0);
        assert_eq!(down.term, before.term, "every node down: {down:?}");
    }

    #[test]
    fn percentile_is_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[5], 50), Some(5));
        assert_eq!(percentile(&[4, 1, 3, 2], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), Some(10));
    }
}
