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

/// Liveness after every fault heals (the tail `raft-sim check` requires of every seed), for the
/// seeds found stuck by long fault searches (2026-12-07):
/// - classic schedule, 5 s of crashes, partitions, membership changes, snapshots, pauses, slow
///   disks and clock drift (no message faults), seeds 7500461, 7515141, 7515651, 7516281: two
///   removed nodes, one naming the other as leader and that one knowing none, held every client
///   between them (each was sent on to the node after the one that turned it away); clients now
///   go on with their own round of the cluster;
/// - swarm schedule, 8 s of faults, seeds 7004642, 7006241, 7023206, 7024533, 7024891, 7026111:
///   before the tail, the nodes outside the configuration were judged by a lone live survivor
///   that had missed a reconfiguration, and the new voters were shut down for good
///   (`tests_membership::decommission_keeps_the_voters_a_stale_survivor_never_heard_of`).
#[test]
fn seeds_once_stuck_after_healing_make_progress() {
    use raft_sim::schedule::{CheckRun, Faults, Schedule};
    let classic = Faults::parse("crash,partition,membership,snapshot,pause,disk,drift").unwrap();
    let runs = [7500461, 7515141, 7515651, 7516281]
        .map(|seed| (seed, 5_000, classic, Schedule::Classic))
        .into_iter()
        .chain(
            [7004642, 7006241, 7023206, 7024533, 7024891, 7026111]
                .map(|seed| (seed, 8_000, Faults::ALL, Schedule::Swarm)),
        );
    for (seed, duration_ms, faults, schedule) in runs {
        let out = CheckRun {
            seed,
            nodes: 5,
            duration_ms,
            faults,
            keep_trace: false,
            hash: false,
            policy: Default::default(),
            schedule,
        }
        .run(&|_| {});
        assert_eq!(out.violation, None, "seed {seed}");
        assert!(
            out.recovered,
            "seed {seed} ({schedule:?}): no progress within 5 s after healing every fault"
        );
    }
}
