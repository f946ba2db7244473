//! The ideal failover model, used by `raft-sim failover` and by the bench (`bench/src/floor.rs`):
//! the followers' timeouts are drawn as the election policy draws them in a healthy cluster.
//!
//! Each sample: the crash comes `phase` ms after the leader's last heartbeat (uniform over one
//! interval, as `raft-sim failover` varies it by seed); follower `i` received that heartbeat
//! `L_i` later and times out `T_i` after that; the first follower to time out wins a PreVote round
//! (if on) and a vote round, each lasting the `n/2`-th fastest of the `n - 2` round trips to the
//! live peers (with 5 nodes: the 2nd fastest of three), and commits its no-op one more such round
//! later. No split votes, no refused (pre-)votes, no processing time: only the timers and the
//! network.

use alloc::vec;
use alloc::vec::Vec;

use raft_core::ElectionPolicy;

use crate::SimRng;

/// The timers and the network the model runs with, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// One-way latency, lower bound (inclusive).
    pub latency_min: u64,
    /// One-way latency, upper bound (inclusive).
    pub latency_max: u64,
    /// Election timeout, lower bound (inclusive).
    pub election_min: u64,
    /// Election timeout, upper bound (exclusive).
    pub election_max: u64,
    /// Heartbeat interval.
    pub heartbeat: u64,
}

impl Default for Timings {
    /// The reference timings: election timeout 150–300 ms, heartbeat 50 ms, one-way latency
    /// 10–18 ms.
    fn default() -> Self {
        Timings {
            latency_min: 10,
            latency_max: 18,
            election_min: 150,
            election_max: 300,
            heartbeat: 50,
        }
    }
}

/// The `followers` followers' timeouts in a healthy cluster under `policy`.
fn timeouts(t: &Timings, policy: ElectionPolicy, followers: u64, rng: &mut SimRng) -> Vec<u64> {
    let (min, max) = (t.election_min, t.election_max);
    let span = max - min;
    let mut out = vec![0; followers as usize];
    for (i, x) in out.iter_mut().enumerate() {
        *x = match policy {
            // Backoff draws as Uniform until an election is lost, which the model never has.
            ElectionPolicy::Uniform | ElectionPolicy::Backoff => rng.range(min, max - 1),
            // Every follower of a healthy leader is up to date: the lower half.
            ElectionPolicy::UpToDateFirst => rng.range(min, min + span / 2 - 1),
            // One slot each: the first quarter of the slot.
            ElectionPolicy::Spread => {
                let w = span / followers;
                min + i as u64 * w + rng.range(0, (w / 4).max(1) - 1)
            }
        };
    }
    out
}

/// (crash → leader, crash → first commit) for `samples` crashes of the leader of `nodes` (at
/// least 3) with timings `t`, drawn from a generator seeded with `seed`; unsorted.
pub fn samples(
    t: &Timings,
    policy: ElectionPolicy,
    pre_vote: bool,
    nodes: u32,
    samples: u32,
    seed: u64,
) -> (Vec<u64>, Vec<u64>) {
    let nodes = u64::from(nodes.max(3));
    let mut rng = SimRng::new(seed);
    let lat = |rng: &mut SimRng| rng.range(t.latency_min, t.latency_max);
    // A round: the (nodes / 2)-th fastest answer of the nodes - 2 live peers.
    let quorum_round = |rng: &mut SimRng| {
        let mut r: Vec<u64> = (0..nodes - 2).map(|_| lat(rng) + lat(rng)).collect();
        r.sort_unstable();
        r[(nodes / 2 - 1) as usize]
    };
    let (mut leader, mut commit) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let phase = rng.range(0, t.heartbeat - 1);
        let fire = timeouts(t, policy, nodes - 1, &mut rng)
            .iter()
            .map(|&timeout| (lat(&mut rng) + timeout).saturating_sub(phase))
            .min()
            .expect("at least two followers");
        let mut elected = fire + quorum_round(&mut rng);
        if pre_vote {
            elected += quorum_round(&mut rng);
        }
        leader.push(elected);
        commit.push(elected + quorum_round(&mut rng));
    }
    (leader, commit)
}
