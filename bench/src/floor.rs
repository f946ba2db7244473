//! What the network and the timers allow at best, to set beside the measured figures.
//!
//! The simulator draws one-way latencies uniformly from the integers `10..=18` ms and election
//! timeouts from `150..300` ms (the reference timings). A round trip is the sum of two
//! independent latencies. A leader of five nodes needs two more acknowledgements than its own
//! vote or entry: with four live followers, the quorum's slowest needed follower is the 2nd
//! fastest of four round trips; after the old leader crashed, the 2nd fastest of three.

use crate::stats::{summary, Summary};

/// A probability mass function over the integers `0..len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pmf(pub Vec<f64>);

impl Pmf {
    /// Uniform over `lo..=hi`.
    pub fn uniform(lo: u64, hi: u64) -> Pmf {
        let mut p = vec![0.0; hi as usize + 1];
        let w = 1.0 / (hi - lo + 1) as f64;
        for x in lo..=hi {
            p[x as usize] = w;
        }
        Pmf(p)
    }

    /// The distribution of the sum of two independent draws from `self` and `other`.
    pub fn plus(&self, other: &Pmf) -> Pmf {
        let mut p = vec![0.0; self.0.len() + other.0.len() - 1];
        for (a, pa) in self.0.iter().enumerate() {
            for (b, pb) in other.0.iter().enumerate() {
                p[a + b] += pa * pb;
            }
        }
        Pmf(p)
    }

    /// `P(X <= t)`.
    pub fn cdf(&self, t: usize) -> f64 {
        self.0.iter().take(t + 1).sum::<f64>().min(1.0)
    }

    /// The distribution of the `k`-th smallest (1-based) of `n` independent draws.
    pub fn order_statistic(&self, k: u32, n: u32) -> Pmf {
        // P(X(k) <= t) = P(at least k of n draws are <= t).
        let at_most = |t: usize| {
            let f = self.cdf(t);
            (k..=n)
                .map(|j| binomial(n, j) * f.powi(j as i32) * (1.0 - f).powi((n - j) as i32))
                .sum::<f64>()
        };
        let mut p = Vec::with_capacity(self.0.len());
        let mut prev = 0.0;
        for t in 0..self.0.len() {
            let c = at_most(t);
            p.push((c - prev).max(0.0));
            prev = c;
        }
        Pmf(p)
    }

    /// Expected value.
    pub fn mean(&self) -> f64 {
        self.0.iter().enumerate().map(|(x, p)| x as f64 * p).sum()
    }

    /// The smallest `t` with `P(X <= t) >= q` (`q` in 0–1).
    pub fn quantile(&self, q: f64) -> u64 {
        let mut c = 0.0;
        for (x, p) in self.0.iter().enumerate() {
            c += p;
            if *p > 0.0 && c >= q - 1e-12 {
                return x as u64;
            }
        }
        (self.0.len() - 1) as u64
    }
}

fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
}

/// The reference timings, in ms: raft-sim's, which its failover model also runs with (one
/// definition, so the bench's floors and the simulator's model cannot drift apart).
pub use raft_sim::failover_model::Timings;

/// What the timings allow at best: the floors this module computes from [`Timings`].
pub trait Floors {
    /// The round-trip time distribution.
    fn rtt(&self) -> Pmf;
    /// Commit latency floor with `followers` live followers of a `2 * q - 1`-node cluster that
    /// needs `need` acknowledgements: the `need`-th fastest round trip.
    fn commit_floor(&self, need: u32, followers: u32) -> Pmf;
    /// The smallest possible crash-to-leader time: the heartbeat sent just under one interval
    /// before the crash, delivered as fast as possible, the shortest timeout, then the fastest
    /// (pre-)vote round trips.
    fn failover_minimum(&self, pre_vote: bool) -> u64;
}

impl Floors for Timings {
    fn rtt(&self) -> Pmf {
        let l = Pmf::uniform(self.latency_min, self.latency_max);
        l.plus(&l)
    }

    fn commit_floor(&self, need: u32, followers: u32) -> Pmf {
        self.rtt().order_statistic(need, followers)
    }

    fn failover_minimum(&self, pre_vote: bool) -> u64 {
        let rounds = if pre_vote { 2 } else { 1 };
        self.election_min - (self.heartbeat - 1) + self.latency_min + rounds * 2 * self.latency_min
    }
}

/// The distribution an ideal implementation would show in `raft-sim failover`: no split votes,
/// no refused (pre-)votes, no processing time; only the timers and the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FailoverModel {
    /// Crash to a new leader.
    pub leader: Summary,
    /// Crash to the new leader's first commit (its no-op on a quorum).
    pub commit: Summary,
}

/// Monte Carlo of [`FailoverModel`] over `samples` crashes of the leader of a 5-node cluster
/// with uniform election timeouts: raft-sim's model (`raft_sim::failover_model`, which
/// `raft-sim failover` prints beside each policy), with these timings.
///
/// Each sample: the crash comes `phase` ms after the leader's last heartbeat (uniform over one
/// interval, as `raft-sim failover` varies it by seed); follower `i` received that heartbeat
/// `L_i` later and times out `T_i` after that; the first follower to time out wins a PreVote
/// round (if on) and a vote round, each lasting the 2nd fastest of three round trips (the three
/// live peers, two of which must answer), and commits its no-op one more such round later.
pub fn failover_model(t: &Timings, pre_vote: bool, samples: u32, seed: u64) -> FailoverModel {
    let (mut leader, mut commit) = raft_sim::failover_model::samples(
        t,
        raft_core::ElectionPolicy::Uniform,
        pre_vote,
        5,
        samples,
        seed,
    );
    FailoverModel {
        leader: summary(&mut leader).expect("samples > 0"),
        commit: summary(&mut commit).expect("samples > 0"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_the_sum_of_two_latencies() {
        let rtt = Timings::default().rtt();
        assert!((rtt.0.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!((rtt.mean() - 28.0).abs() < 1e-9);
        assert_eq!(rtt.quantile(0.0), 20);
        assert_eq!(rtt.quantile(1.0), 36);
    }

    #[test]
    fn order_statistics_of_a_fair_die() {
        // Min of two dice: E = 91/36.
        let die = Pmf([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
            .iter()
            .map(|p| p / 6.0)
            .collect());
        assert!((die.order_statistic(1, 2).mean() - 91.0 / 36.0).abs() < 1e-9);
        // Max of two dice: E = 161/36.
        assert!((die.order_statistic(2, 2).mean() - 161.0 / 36.0).abs() < 1e-9);
    }

    #[test]
    fn second_fastest_of_four_is_below_the_mean_round_trip() {
        let f = Timings::default().commit_floor(2, 4);
        assert!(f.mean() > 20.0 && f.mean() < 28.0, "{}", f.mean());
    }

    #[test]
    fn failover_model_respects_the_minimum() {
        let t = Timings::default();
        for pv in [true, false] {
            let m = failover_model(&t, pv, 20_000, 1);
            assert!(m.leader.p50 >= t.failover_minimum(pv));
            assert!(m.commit.p50 > m.leader.p50);
        }
        assert_eq!(t.failover_minimum(true), 151);
        assert_eq!(t.failover_minimum(false), 131);
    }
}
