//! Seeds that long fault searches (`raft-sim check` over ranges and schedules CI does not run)
//! found failing, each kept as it failed, with what it showed and what fixed it.

use raft_sim::judge::judge;
use raft_sim::linearizability::DEFAULT_MAX_STEPS;
use raft_sim::schedule::{CheckRun, Faults, Schedule};

fn run(seed: u64, nodes: u32, duration_ms: u64, faults: Faults, schedule: Schedule) -> CheckRun {
    CheckRun {
        seed,
        nodes,
        duration_ms,
        faults,
        keep_trace: false,
        hash: false,
        policy: Default::default(),
        schedule,
    }
}

/// Runs swarm `seed` on `nodes` nodes with `duration_ms` of faults and asserts what a fixed
/// seed must show: no safety violation and a client history judged linearizable.
fn swarm_seed_passes(seed: u64, nodes: u32, duration_ms: u64) -> raft_sim::schedule::CheckOutcome {
    let out = run(seed, nodes, duration_ms, Faults::ALL, Schedule::Swarm).run(&|_| {});
    assert_eq!(out.violation, None);
    let j = judge(&out.world, false, DEFAULT_MAX_STEPS);
    assert_eq!(j.outcome, raft_sim::judge::Outcome::Passed, "{j:?}");
    out
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
    let classic = Faults::parse("crash,partition,membership,snapshot,pause,disk,drift").unwrap();
    let runs = [7500461, 7515141, 7515651, 7516281]
        .map(|seed| (seed, 5_000, classic, Schedule::Classic))
        .into_iter()
        .chain(
            [7004642, 7006241, 7023206, 7024533, 7024891, 7026111]
                .map(|seed| (seed, 8_000, Faults::ALL, Schedule::Swarm)),
        );
    for (seed, duration_ms, faults, schedule) in runs {
        let out = run(seed, 5, duration_ms, faults, schedule).run(&|_| {});
        assert_eq!(out.violation, None, "seed {seed}");
        assert!(
            out.recovered,
            "seed {seed} ({schedule:?}): no progress within 5 s after healing every fault"
        );
    }
}

/// Swarm schedule, 3 nodes, 6 s of faults, seed 8007679 of 8000000..8020000: a ReadIndex read
/// returned a value many writes old ("Linearizability": get replied "26462472" where the value
/// was "1518"). Votes for S2 in term 4, held up in the network while S2 crashed and restarted,
/// made the restarted S2 leader of term 4 a second time, its commit index back at its snapshot,
/// and its first read passed the "entry of my term committed" test on an entry of its first
/// reign. raft-core now takes a term's late votes only in the process that campaigned in it
/// (`slow_replies::votes_from_before_a_restart_do_not_elect_the_restarted_node`).
#[test]
fn a_restarted_node_does_not_serve_a_stale_read_from_an_old_reign() {
    let out = swarm_seed_passes(8007679, 3, 6_000);
    assert!(out.recovered);
}

/// Swarm schedule, 5 nodes, 8 s of faults, seed 11035584 of 11000000..11040000: "Leader
/// Completeness: S1 became leader of term 34 without entry 72, committed in term 19". S2, a
/// deposed leader holding an uncommitted joint configuration (entry 64, term 6), installed a
/// snapshot at 62 of term 7 that disagreed with its log: the log went, but its record of the
/// configuration entries after 62 stayed, so S2 still took itself to be in the joint
/// configuration. Leading term 19, it "left" it on its own and committed {S3, S4, S6, S7} at 72
/// without a joint phase, and removed S1 was later elected by S4 and S5 under {S1..S5}.
/// raft-core now forgets every configuration entry of a log a snapshot replaces
/// (`paper_7_snapshots::a_snapshot_that_replaces_the_log_replaces_its_configuration_too`).
#[test]
fn a_snapshot_that_replaced_a_log_does_not_leave_its_joint_configuration_behind() {
    swarm_seed_passes(11035584, 5, 8_000);
}

/// Swarm schedule, 7 nodes, 10 s of faults, seed 14422601 of `./x search 14000000 40000`:
/// "Log Matching: S3 and S7 both hold index 12 in term 3 but their logs differ before it" —
/// two leaders of term 3. S7 won term 3 with four of the seven voters; S3, which had also
/// campaigned in term 3 (S6 voted for it), followed S7 and took from it the configuration
/// {S3..S7}. S5, paused since term 2, resumed with S3's vote request of term 3 in its inbox and
/// granted it; that late vote, with S3's own and S6's, was three of the five new voters, and
/// the late-vote rule (a vote binds its voter for the whole term) made S3 leader of term 3.
/// raft-core now ends a node's campaign when it follows another leader of that term
/// (`slow_replies::late_votes_do_not_elect_a_node_that_followed_another_leader_of_the_term`).
#[test]
fn a_node_that_followed_its_terms_leader_is_not_elected_by_late_votes() {
    swarm_seed_passes(14422601, 7, 10_000);
}

/// Swarm schedule, PreVote off, the `up_to_date_first` election policy: seeds 11018589 (5 nodes,
/// 8 s), 11321366 (4 nodes, 6 s) and 11439136 (7 nodes, 10 s) of `./x search 11000000 40000`
/// made no progress in the 5 s after the heal. Only one node's log could win an election, and
/// every vote request of the stale candidates restarted its election timer, so it never timed
/// out first (seed 11321366: 37 elections in 5 s, none by S3, the only node that could win).
/// raft-core now keeps a follower's timer running when it refuses a candidate whose log is
/// behind (Figure 2; `paper_5_2_election::a_refused_vote_request_does_not_restart_the_election_timer`).
#[test]
fn seeds_stuck_behind_stale_candidates_make_progress() {
    for (seed, nodes, duration_ms) in [
        (11018589, 5, 8_000),
        (11321366, 4, 6_000),
        (11439136, 7, 10_000),
    ] {
        let out = run(seed, nodes, duration_ms, Faults::ALL, Schedule::Swarm).run(&|_| {});
        assert_eq!(out.violation, None, "seed {seed}");
        assert!(
            out.recovered,
            "seed {seed} ({nodes} nodes): no progress within 5 s after healing every fault"
        );
    }
}
