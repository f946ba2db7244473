//! The ideal failover model of `bench/src/floor.rs` (`failover_model`), repeated here because the
//! bench crate depends on raft-sim and not the other way round, and extended with the election
//! policy: the followers' timeouts are drawn as the policy draws them in a healthy cluster.
//!
//! Each sample: the crash comes `phase` ms after the leader's last heartbeat (uniform over one
//! interval, as `raft-sim failover` varies it by seed); follower `i` received that heartbeat
//! `L_i` later and times out `T_i` after that; the first follower to time out wins a PreVote round
//! (if on) and a vote round, each lasting the `n/2`-th fastest of the `n - 2` round trips to the
//! live peers (with 5 nodes: the 2nd fastest of three), and commits its no-op one more such round
//! later. No split votes, no refused (pre-)votes, no processing time: only the timers and the
//! network.

use raft_core::ElectionPolicy;
use raft_sim::SimRng;

/// Reference timings, ms: election timeout 150–300, heartbeat 50, one-way latency 10–18.
const MIN: u64 = 150;
const MAX: u64 = 300;
const HEARTBEAT: u64 = 50;
const LAT: (u64, u64) = (10, 18);

/// The `followers` followers' timeouts in a healthy cluster under `policy`.
fn timeouts(policy: ElectionPolicy, followers: u64, rng: &mut SimRng) -> Vec<u64> {
    let span = MAX - MIN;
    let mut t = vec![0; followers as usize];
    for (i, x) in t.iter_mut().enumerate() {
        *x = match policy {
            // Backoff draws as Uniform until an election is lost, which the model never has.
            ElectionPolicy::Uniform | ElectionPolicy::Backoff => rng.range(MIN, MAX - 1),
            // Every follower of a healthy leader is up to date: the lower half.
            ElectionPolicy::UpToDateFirst => rng.range(MIN, MIN + span / 2 - 1),
            // One slot each: the first quarter of the slot.
            ElectionPolicy::Spread => {
                let w = span / followers;
                MIN + i as u64 * w + rng.range(0, (w / 4).max(1) - 1)
            }
        };
    }
    t
}

/// (crash → leader, crash → first commit) for `samples` crashes of the leader of `nodes` (at
/// least 3), unsorted.
pub fn samples(
    policy: ElectionPolicy,
    pre_vote: bool,
    nodes: u32,
    samples: u32,
) -> (Vec<u64>, Vec<u64>) {
    let nodes = u64::from(nodes.max(3));
    let mut rng = SimRng::new(1);
    let lat = |rng: &mut SimRng| rng.range(LAT.0, LAT.1);
    // A round: the (nodes / 2)-th fastest answer of the nodes - 2 live peers.
    let quorum_round = |rng: &mut SimRng| {
        let mut r: Vec<u64> = (0..nodes - 2).map(|_| lat(rng) + lat(rng)).collect();
        r.sort_unstable();
        r[(nodes / 2 - 1) as usize]
    };
    let (mut leader, mut commit) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let phase = rng.range(0, HEARTBEAT - 1);
        let fire = timeouts(policy, nodes - 1, &mut rng)
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
