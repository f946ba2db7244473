//! Liveness under long reply delays (issue 13): the Figure-8-unreliable schedule of the classic
//! course labs ([`raft_sim::labs`]) reaches its final agreement within the lab's 10 seconds, with
//! every safety check on. Seed 155 took 10.4 s before late votes and earlier pre-vote grants were
//! kept and a new leader counted its electors in its first CheckQuorum round; all of seeds
//! 1..=1000 now agree within 9.1 s
//! (`cargo run --release -p raft-sim --example figure8_unreliable -- 1000`).

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
