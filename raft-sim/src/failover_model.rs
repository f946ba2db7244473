//! The ideal failover model of `bench/src/floor.rs` (`failover_model`), repeated here because the
//! bench crate depends on raft-sim and not the other way round, and extended with the election
//! policy: the followers' timeouts are drawn as the policy draws them in a healthy cluster.
//!
//! Each sample: the crash comes `phase` ms after the leader's last heartbeat (uniform over one
//! interval, as `raft-sim failover` varies it by seed); follower `i` received that heartbeat
//! `L_i` later and times out `T_i` after that; the first follower to time out wins a PreVote round
//! (if on) and a vote round, each lasting the 2nd fastest of three round trips (the three live
//! peers, two of which must answer), and commits its no-op one more such round later. No split
//! votes, no refused (pre-)votes, no processing time: only the timers and the network.

use raft_core::ElectionPolicy;
use raft_sim::SimRng;

/// Reference timings, ms: election timeout 150–300, heartbeat 50, one-way latency 10–18.
const MIN: u64 = 150;
const MAX: u64 = 300;
const HEARTBEAT: u64 = 50;
const LAT: (u64, u64) = (10, 18);

/// The four followers' timeouts in a healthy 5-node cluster under `policy`.
fn timeouts(policy: ElectionPolicy, rng: &mut SimRng) -> [u64; 4] {
    let span = MAX - MIN;
    let mut t = [0; 4];
    for (i, x) in t.iter_mut().enumerate() {
        *x = match policy {
            // Backoff draws as Uniform until an election is lost, which the model never has.
            ElectionPolicy::Uniform | ElectionPolicy::Backoff => rng.range(MIN, MAX - 1),
            // Every follower of a healthy leader is up to date: the lower half.
            ElectionPolicy::UpToDateFirst => rng.range(MIN, MIN + span / 2 - 1),
            // One slot each of four: the first quarter of the slot.
            ElectionPolicy::Spread => {
                let w = span / 4;
                MIN + i as u64 * w + rng.range(0, (w / 4).max(1) - 1)
            }
        };
    }
    t
}

/// (crash → leader, crash → first commit) for `samples` crashes, unsorted.
pub fn samples(policy: ElectionPolicy, pre_vote: bool, samples: u32) -> (Vec<u64>, Vec<u64>) {
    let mut rng = SimRng::new(1);
    let lat = |rng: &mut SimRng| rng.range(LAT.0, LAT.1);
    let second_of_three = |rng: &mut SimRng| {
        let mut r = [0u64; 3];
        for x in &mut r {
            *x = lat(rng) + lat(rng);
        }
        r.sort_unstable();
        r[1]
    };
    let (mut leader, mut commit) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let phase = rng.range(0, HEARTBEAT - 1);
        let fire = timeouts(policy, &mut rng)
            .iter()
            .map(|&timeout| (lat(&mut rng) + timeout).saturating_sub(phase))
            .min()
            .expect("four followers");
        let mut elected = fire + second_of_three(&mut rng);
        if pre_vote {
            elected += second_of_three(&mut rng);
        }
        leader.push(elected);
        commit.push(elected + second_of_three(&mut rng));
    }
    (leader, commit)
}
