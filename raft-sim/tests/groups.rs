//! Multi-group Raft on shared machines (issue 17): a machine failure touches every group with a
//! replica there, each group re-elects on its own, task queues run exactly once in each group,
//! and heartbeat traffic grows with the groups unless it is coalesced per machine pair.

use raft_sim::groups::{crash_and_recover, MultiOptions, MultiWorld, TaskReport};
use raft_sim::SimOptions;

fn leader_terms(mw: &MultiWorld) -> Vec<Option<(u64, u64)>> {
    mw.groups()
        .iter()
        .map(|w| {
            let l = w.leader()?;
            Some((l, w.node(l)?.term()))
        })
        .collect()
}

#[test]
fn a_machine_crash_touches_every_group_hosted_there_and_each_reelects_on_its_own() {
    for seed in 1..=5 {
        let mut mw = MultiWorld::new(MultiOptions::uniform(5, 5, 3, 0, seed)).unwrap();
        mw.advance_to(3_000);
        let before = leader_terms(&mw);
        assert!(
            before.iter().all(Option::is_some),
            "seed {seed}: {before:?}"
        );
        let leaders = mw.leader_machines();
        let m = leaders[0].unwrap();
        let hosted: Vec<usize> = mw.replicas_on(m).iter().map(|&(g, _)| g).collect();
        assert!(
            hosted.len() < 5,
            "one machine does not host every group here"
        );
        let rec = crash_and_recover(&mut mw, m, 5_000).unwrap();
        for (g, r) in rec.iter().enumerate() {
            let w = mw.group(g);
            if leaders[g] == Some(m) {
                let ms = r
                    .reelected_ms
                    .unwrap_or_else(|| panic!("seed {seed}: group {g} did not re-elect"));
                assert!(ms <= 2_000, "seed {seed}: group {g} took {ms} ms");
                assert_ne!(r.leader_after, Some(m));
            } else if !hosted.contains(&g) {
                // Untouched: same leader, same term, every replica up.
                assert_eq!(leader_terms(&mw)[g], before[g], "seed {seed}: group {g}");
                assert!(w.nodes().values().all(|n| n.node.is_some()));
            } else {
                // A follower replica went down with the machine; the leader stays.
                let (l, term) = before[g].unwrap();
                assert_eq!(w.leader(), Some(l), "seed {seed}: group {g}");
                assert_eq!(w.node(l).unwrap().term(), term);
                assert_eq!(w.nodes().values().filter(|n| n.node.is_none()).count(), 1);
            }
        }
        assert_eq!(mw.violations(), vec![], "seed {seed}");
        // Restarting the machine brings its replicas back in every group.
        mw.restart_machine(m).unwrap();
        mw.advance_by(2_000);
        for w in mw.groups() {
            assert!(w.nodes().values().all(|n| n.node.is_some()));
        }
    }
}

#[test]
fn task_queues_run_exactly_once_in_each_group_through_a_machine_crash() {
    let tasks = 300;
    let mut mw = MultiWorld::new(MultiOptions::task_queues(tasks, 20, 11)).unwrap();
    while mw.now() < 60_000 && mw.group(0).stats().completed < tasks / 3 {
        mw.advance_by(10);
    }
    let m = mw.leader_machines()[0].expect("the critical group has a leader");
    let rec = crash_and_recover(&mut mw, m, 5_000).unwrap();
    assert!(rec[0].reelected_ms.is_some(), "{rec:?}");
    let done = |mw: &MultiWorld| {
        mw.groups()
            .iter()
            .all(|w| TaskReport::of(w).completed >= tasks)
    };
    while mw.now() < 120_000 && !done(&mw) {
        mw.advance_by(50);
    }
    mw.advance_by(1_000);
    for (g, w) in mw.groups().iter().enumerate() {
        let r = TaskReport::of(w);
        assert_eq!(
            (r.completed, r.duplicated, r.lost),
            (tasks, 0, 0),
            "group {}",
            mw.options().groups[g].name
        );
    }
    assert_eq!(mw.violations(), vec![]);
}

#[test]
fn heartbeat_traffic_grows_with_groups_and_coalescing_bounds_it() {
    let cost = |groups| {
        let mut o = MultiOptions::uniform(5, groups, 3, 0, 3);
        o.base.keep_trace = true;
        let mut mw = MultiWorld::new(o).unwrap();
        mw.advance_to(5_000);
        mw.heartbeat_cost()
    };
    let (one, sixteen) = (cost(1), cost(16));
    let (a, b) = (one.per_machine_per_s(), sixteen.per_machine_per_s());
    eprintln!(
        "messages/s per machine: 1 group {a:.0} (coalesced {:.0}), 16 groups {b:.0} (coalesced {:.0})",
        one.coalesced_per_machine_per_s(),
        sixteen.coalesced_per_machine_per_s()
    );
    assert!(b > 8.0 * a, "16 groups: {b:.0}/s vs 1 group: {a:.0}/s");
    assert!(
        sixteen.heartbeats * 2 > sixteen.total,
        "idle groups: mostly heartbeats"
    );
    assert!(sixteen.coalesced_total * 2 < sixteen.total);
    assert!(one.coalesced_total <= one.total);
}

#[test]
fn the_same_seed_gives_the_same_runs() {
    let run = || {
        let mut mw = MultiWorld::new(MultiOptions::uniform(5, 4, 3, 2, 7)).unwrap();
        mw.advance_to(1_000);
        mw.crash_machine(2).unwrap();
        mw.advance_to(3_000);
        mw.groups()
            .iter()
            .map(|w| w.trace_hash())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_definitions_and_unknown_machines_are_refused() {
    let bad = [
        MultiOptions::uniform(0, 1, 1, 0, 1),
        MultiOptions::uniform(3, 1, 4, 0, 1),
        MultiOptions::uniform(3, 0, 3, 0, 1),
        MultiOptions::uniform(65, 1, 3, 0, 1),
        MultiOptions::uniform(5, 257, 3, 0, 1),
    ];
    for o in bad {
        assert!(MultiWorld::new(o.clone()).is_err(), "{o:?}");
    }
    let mut o = MultiOptions::uniform(3, 1, 3, 0, 1);
    o.base = SimOptions {
        heartbeat_ms: 0,
        ..SimOptions::default()
    };
    assert!(MultiWorld::new(o).is_err(), "invalid shared options");
    let mut mw = MultiWorld::new(MultiOptions::uniform(3, 2, 3, 0, 1)).unwrap();
    assert!(mw.crash_machine(4).is_err());
    assert!(mw.crash_machine(0).is_err());
    assert!(mw.partition_machines(&[vec![1], vec![9]]).is_err());
}

#[test]
fn balancing_spreads_leaders_over_the_machines() {
    let mut crowded = 0;
    for seed in 1..=10 {
        let mut mw = MultiWorld::new(MultiOptions::uniform(5, 10, 3, 0, seed)).unwrap();
        mw.advance_to(3_000);
        let most = |mw: &MultiWorld| {
            let l = mw.leader_machines();
            (1..=5)
                .map(|m| l.iter().filter(|&&x| x == Some(m)).count())
                .max()
                .unwrap()
        };
        crowded += usize::from(most(&mw) > 2);
        mw.balance_leaders(500).unwrap();
        assert!(
            mw.leader_machines().iter().all(Option::is_some),
            "seed {seed}"
        );
        assert!(
            most(&mw) <= 2,
            "seed {seed}: a machine leads {} of 10 groups",
            most(&mw)
        );
        assert_eq!(mw.violations(), vec![], "seed {seed}");
    }
    assert!(
        crowded > 0,
        "no seed needed balancing: the test shows nothing"
    );
}

// A paused machine (a GC pause, SIGSTOP) freezes its replica of every group it hosts: the
// groups it led re-elect elsewhere, the others keep their leader, and on resuming each paused
// replica finds a newer term and follows (paper §5.1: a stale leader steps down on a newer term).
#[test]
fn a_paused_machine_freezes_its_replica_of_every_group_and_each_resumes_following() {
    for seed in 1..=5 {
        let mut mw = MultiWorld::new(MultiOptions::uniform(5, 5, 3, 0, seed)).unwrap();
        mw.advance_to(3_000);
        let leaders = mw.leader_machines();
        let m = leaders[0].unwrap();
        let hosted: Vec<(usize, u64)> = mw.replicas_on(m);
        let before = leader_terms(&mw);
        mw.pause_machine(m).unwrap();
        assert!(mw.is_paused(m));
        mw.advance_by(2_000);
        for &(g, r) in &hosted {
            let w = mw.group(g);
            assert!(w.nodes()[&r].paused(), "seed {seed}: group {g}");
            if leaders[g] == Some(m) {
                let l = w.leader().unwrap();
                assert_ne!(
                    l, r,
                    "seed {seed}: group {g} re-elected away from the paused one"
                );
            } else {
                assert_eq!(leader_terms(&mw)[g], before[g], "seed {seed}: group {g}");
            }
        }
        mw.resume_machine(m).unwrap();
        mw.advance_by(1_000);
        for &(g, r) in &hosted {
            let w = mw.group(g);
            let l = w.leader().unwrap();
            assert_ne!(w.node(r).unwrap().role(), raft_core::types::Role::Leader);
            assert_eq!(
                w.node(r).unwrap().term(),
                w.node(l).unwrap().term(),
                "seed {seed}: group {g}'s resumed replica follows"
            );
        }
        assert_eq!(mw.violations(), vec![], "seed {seed}");
    }
}
