//! Liveness under long reply delays (issue 13): the Figure-8-unreliable schedule of the classic
//! course labs ([`raft_sim::labs`]) reaches its final agreement within the lab's 10 seconds, with
//! every safety check on. Seed 155 took 10.4 s before late votes and earlier pre-vote grants were
//! kept, a new leader counted its electors in its first CheckQuorum round and a voter backed its
//! candidate for a baseline timeout. Over 1,000 seeds the default policy now agrees in
//! p50/p90/p99 2.0/4.8/8.8 s, and 6 seeds of 1,000 still take 10.2–11.3 s: with replies delayed
//! up to 2.2 s and election timeouts of 150–300 ms, a leader's CheckQuorum round sometimes hears
//! from too few followers and steps down (`cargo run --release -p raft-sim --example
//! figure8_unreliable -- 1000 1000 all`).

use raft_sim::labs::{figure8_unreliable, LAB_AGREEMENT_BOUND_MS};
use raft_sim::SimOptions;

#[test]
fn figure_8_unreliable_agrees_within_the_labs_bound() {
    let seeds = (1..=24).chain([155]);
    for seed in seeds {
        let o = figure8_unreliable(seed, 1000, &SimOptions::default());
        assert_eq!(o.violation, None, "seed {seed}");
        assert!(
            o.disconnects > 0,
            "seed {seed}: the schedule cut no leader off"
        );
        let ms = o.final_agreement_ms.unwrap_or(u64::MAX);
        assert!(
            ms <= LAB_AGREEMENT_BOUND_MS,
            "seed {seed}: final agreement took {ms} ms (bound {LAB_AGREEMENT_BOUND_MS} ms); replay: cargo run --release -p raft-sim --example figure8_unreliable"
        );
    }
}
