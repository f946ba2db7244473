//! `check --groups N` as a library (issue 17): machine-level fault schedules over several groups,
//! every checker per group. It passes on the correct core and catches a broken rule.

use raft_core::config::{BreakIt, ElectionPolicy};
use raft_sim::groups_check::GroupCheck;
use raft_sim::schedule::Faults;

fn def(seed: u64, break_it: BreakIt) -> GroupCheck {
    GroupCheck {
        seed,
        machines: 5,
        groups: 3,
        replicas: 3,
        duration_ms: 3_000,
        faults: Faults::ALL,
        policy: ElectionPolicy::default(),
        keep_trace: false,
        break_it,
    }
}

#[test]
fn machine_fault_schedules_keep_every_group_safe_and_live() {
    let mut coalesced = 0;
    for seed in 1..=12 {
        let out = def(seed, BreakIt::default()).run().unwrap();
        coalesced += usize::from(out.coalesced);
        assert_eq!(out.groups.len(), 3);
        for g in &out.groups {
            assert!(
                g.violation.is_none(),
                "seed {seed} {}: {:?}",
                g.name,
                g.violation
            );
            assert!(
                g.recovered,
                "seed {seed} {}: no progress after healing",
                g.name
            );
            assert!(g.committed > 0);
        }
        for w in out.world.groups() {
            let j = raft_sim::judge(w, false, 1_000_000);
            assert!(
                j.linearizability.is_linearizable(),
                "seed {seed}: {}",
                j.linearizability
            );
        }
    }
    assert!(
        (1..12).contains(&coalesced),
        "both heartbeat modes are checked: {coalesced}"
    );
}

/// Figure 2: `votedFor` is durable state. A replica that forgets its vote when its machine
/// restarts can vote twice in a term, and two leaders of one term follow (Raft §5.2, Election
/// Safety); the per-group checkers must catch it in some seed.
#[test]
fn a_forgotten_vote_on_machine_restart_is_caught_per_group() {
    let broken = BreakIt {
        forget_vote_on_restart: true,
        ..BreakIt::default()
    };
    let caught = (1..=40).find_map(|seed| {
        let out = def(seed, broken).run().unwrap();
        out.groups.iter().find_map(|g| {
            g.violation
                .clone()
                .map(|v| (seed, g.name.clone(), v.property))
        })
    });
    eprintln!("caught: {caught:?}");
    assert!(
        caught.is_some(),
        "40 seeds of machine faults never caught a forgotten vote"
    );
}

#[test]
fn the_same_seed_gives_the_same_check() {
    let run = |seed| {
        let out = def(seed, BreakIt::default()).run().unwrap();
        let hashes: Vec<u64> = out.world.groups().iter().map(|w| w.trace_hash()).collect();
        (out.coalesced, hashes)
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}
