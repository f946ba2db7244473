//! Why failover has a long tail: the same crash as `raft-sim failover` (a stable leader of five
//! crashes 500 + seed % 50 ms after the first leader appears), run here with the trace kept, so
//! that each recovery can be split into "the first term after the crash elected a leader" and
//! "it took more terms" (split votes or competing pre-candidates).

use raft_sim::{Action, SimOptions, World};

/// One seed's recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// Crash to new leader, ms.
    pub elected_ms: u64,
    /// Terms the new leader's term is past the crashed leader's (1 when the first election won).
    pub terms: u64,
    /// Real elections started (by any node) before a leader emerged.
    pub elections: u64,
}

/// Runs one failover with the reference timings; `None` if no leader emerged within 20 s.
pub fn recover(seed: u64, pre_vote: bool) -> Option<Recovery> {
    let mut w = World::new(SimOptions {
        seed,
        pre_vote,
        keep_trace: false,
        ..SimOptions::default()
    })
    .ok()?;
    if !w.run_until(10_000, |w| w.leader().is_some()) {
        return None;
    }
    let settle = w.now() + 500 + seed % 50;
    w.advance_to(settle);
    let old = w.leader()?;
    let old_term = w.node(old)?.term();
    let (t0, e0) = (w.now(), w.stats().elections);
    w.act(Action::Crash { node: old }).ok()?;
    let leader_term = |w: &World| {
        w.leader()
            .and_then(|l| w.node(l))
            .map(|n| n.term())
            .filter(|&t| t > old_term)
    };
    if !w.run_until(t0 + 20_000, |w| leader_term(w).is_some()) {
        return None;
    }
    Some(Recovery {
        elected_ms: w.now() - t0,
        terms: leader_term(&w)? - old_term,
        elections: w.stats().elections - e0,
    })
}

/// The share of seeds that needed more than one term, and the slowest recoveries' elections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tail {
    /// Seeds run.
    pub seeds: u64,
    /// Seeds whose first election after the crash did not produce a leader.
    pub multi_term: u64,
    /// Mean crash-to-leader time of the seeds won in the first term, ms.
    pub one_term_mean_ms: f64,
    /// Mean crash-to-leader time of the others, ms.
    pub multi_term_mean_ms: f64,
    /// Mean elections started in the slowest 1% of recoveries.
    pub slowest_elections: f64,
}

/// Runs seeds `1..=seeds` and summarises where the tail comes from.
pub fn tail(seeds: u64, pre_vote: bool) -> Tail {
    let mut r: Vec<Recovery> = (1..=seeds).filter_map(|s| recover(s, pre_vote)).collect();
    r.sort_by_key(|x| x.elected_ms);
    let mean = |v: &[&Recovery]| {
        v.iter().map(|x| x.elected_ms as f64).sum::<f64>() / v.len().max(1) as f64
    };
    let one: Vec<&Recovery> = r.iter().filter(|x| x.terms == 1).collect();
    let more: Vec<&Recovery> = r.iter().filter(|x| x.terms > 1).collect();
    let k = (r.len() / 100).max(1);
    let slow = &r[r.len().saturating_sub(k)..];
    Tail {
        seeds,
        multi_term: more.len() as u64,
        one_term_mean_ms: mean(&one),
        multi_term_mean_ms: mean(&more),
        slowest_elections: slow.iter().map(|x| x.elections as f64).sum::<f64>()
            / slow.len().max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crashed_leader_is_replaced() {
        let r = recover(1, true).expect("recovers");
        assert!(r.terms >= 1 && r.elections >= 1);
        assert!(
            r.elected_ms
                >= crate::floor::Floors::failover_minimum(&crate::floor::Timings::default(), true)
        );
    }
}
