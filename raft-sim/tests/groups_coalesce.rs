//! Coalesced heartbeats between machines (issue 17): one batch per machine pair per flush
//! carries every group's heartbeats and answers, and it is what the machines' network delays,
//! drops and cuts. Coalescing must cut heartbeat traffic without costing safety or failover.

use raft_sim::groups::{crash_and_recover, MultiOptions, MultiWorld};

fn idle(groups: u32, coalesce: Option<u64>, seed: u64) -> MultiWorld {
    let mut o = MultiOptions::uniform(5, groups, 3, 0, seed);
    o.coalesce_ms = coalesce;
    MultiWorld::new(o).unwrap()
}

#[test]
fn coalescing_sends_one_batch_per_machine_pair_per_flush() {
    let (mut plain, mut coalesced) = (idle(16, None, 3), idle(16, Some(50), 3));
    plain.advance_to(5_000);
    coalesced.advance_to(5_000);
    let (p, c) = (plain.traffic(), coalesced.traffic());
    eprintln!(
        "16 groups, 5 machines: {:.0} messages/s per machine uncoalesced, {:.0} coalesced ({} batches carrying {} heartbeats)",
        p.per_machine_per_s(),
        c.per_machine_per_s(),
        c.batches,
        c.heartbeats
    );
    // 20 ordered machine pairs, one flush every 50 ms: at most 20 batches per flush.
    assert!(c.batches <= 20 * (5_000 / 50 + 1), "{c:?}");
    assert!(
        c.heartbeats > 3 * c.batches,
        "batches carry several heartbeats: {c:?}"
    );
    assert!(
        c.per_machine_per_s() * 2.5 < p.per_machine_per_s(),
        "{p:?} vs {c:?}"
    );
    // Every group still elected one leader and kept it (idle, no faults).
    for mw in [&plain, &coalesced] {
        assert!(mw.leader_machines().iter().all(Option::is_some));
        assert_eq!(mw.violations(), vec![]);
    }
    for w in coalesced.groups() {
        assert_eq!(w.stats().leaders, 1, "a stable leader under coalescing");
    }
}

/// Raft §5.2: a follower that hears no heartbeat within its election timeout starts an
/// election. Coalescing delays heartbeats by up to one flush; crashing the machine that leads
/// the most groups must still leave every group it led with a new leader within the same bound
/// as without coalescing, and every checker clean in every group.
#[test]
fn coalescing_keeps_failover_within_bounds_and_every_group_safe() {
    for seed in 1..=6 {
        for coalesce in [None, Some(50)] {
            let mut o = MultiOptions::uniform(5, 8, 3, 2, seed);
            o.coalesce_ms = coalesce;
            let mut mw = MultiWorld::new(o).unwrap();
            mw.advance_to(3_000);
            let leaders = mw.leader_machines();
            assert!(
                leaders.iter().all(Option::is_some),
                "seed {seed} {coalesce:?}"
            );
            let m = (1..=5)
                .max_by_key(|&m| leaders.iter().filter(|&&l| l == Some(m)).count())
                .unwrap();
            let rec = crash_and_recover(&mut mw, m, 5_000).unwrap();
            for r in &rec {
                if r.leader_before == Some(m) {
                    let ms = r.reelected_ms.unwrap_or_else(|| {
                        panic!("seed {seed} {coalesce:?}: {} did not re-elect", r.name)
                    });
                    assert!(
                        ms <= 2_000,
                        "seed {seed} {coalesce:?}: {} took {ms} ms",
                        r.name
                    );
                }
            }
            mw.restart_machine(m).unwrap();
            mw.advance_by(3_000);
            assert_eq!(mw.violations(), vec![], "seed {seed} {coalesce:?}");
            for w in mw.groups() {
                assert!(
                    w.stats().completed > 0,
                    "seed {seed} {coalesce:?}: clients served"
                );
            }
        }
    }
}

/// A batch cut by a machine partition loses every group's heartbeats in it: each group led
/// from the isolated machine elects a leader on the other side (Raft §5.2), which it could not
/// do if the heartbeats went around the cut.
#[test]
fn a_cut_between_machines_cuts_every_groups_heartbeats() {
    let mut mw = idle(10, Some(50), 5);
    mw.advance_to(3_000);
    let leaders = mw.leader_machines();
    let m = leaders[0].unwrap();
    let others: Vec<u32> = (1..=5).filter(|&x| x != m).collect();
    mw.partition_machines(&[vec![m], others]).unwrap();
    let dropped_before = mw.machine_net().unwrap().stats().dropped;
    mw.advance_by(3_000);
    for (g, l) in leaders.iter().enumerate() {
        if *l == Some(m) {
            let w = mw.group(g);
            let fresh = w
                .nodes()
                .iter()
                .filter(|(&id, _)| mw.machine_of(g, id) != Some(m))
                .any(|(_, s)| {
                    s.node
                        .as_ref()
                        .is_some_and(|n| n.role() == raft_core::types::Role::Leader)
                });
            assert!(
                fresh,
                "group {g} led from the cut machine M{m} has no leader elsewhere"
            );
        }
    }
    assert!(mw.machine_net().unwrap().stats().dropped > dropped_before);
    mw.heal().unwrap();
    mw.advance_by(2_000);
    assert_eq!(mw.violations(), vec![]);
}

#[test]
fn coalesced_runs_are_deterministic() {
    let run = || {
        let mut mw = MultiWorld::new(MultiOptions::uniform(5, 6, 3, 2, 9).coalesced(50)).unwrap();
        mw.advance_to(1_000);
        mw.crash_machine(2).unwrap();
        mw.advance_to(2_500);
        mw.restart_machine(2).unwrap();
        mw.advance_to(4_000);
        let hashes: Vec<u64> = mw.groups().iter().map(|w| w.trace_hash()).collect();
        (hashes, mw.machine_net().unwrap().stats().clone())
    };
    assert_eq!(run(), run());
}

#[test]
fn a_bad_flush_interval_is_refused() {
    for ms in [0, raft_sim::groups::MAX_COALESCE_MS + 1] {
        assert!(MultiWorld::new(MultiOptions::uniform(5, 2, 3, 0, 1).coalesced(ms)).is_err());
    }
}

/// Raft §5.6, timing and availability (broadcast time well below the election timeout):
/// coalescing adds up to one flush interval to every heartbeat's trip. Flushing every 300 ms,
/// past the 150–300 ms election timeouts, followers time out between batches and leadership
/// churns; flushing every heartbeat interval (50 ms) each group keeps its first leader. This is
/// what makes the stability assertions above able to fail.
#[test]
fn a_flush_slower_than_the_election_timeout_costs_leadership() {
    let leaders = |ms| {
        let mut mw = idle(4, Some(ms), 3);
        mw.advance_to(5_000);
        mw.groups().iter().map(|w| w.stats().leaders).sum::<u64>()
    };
    assert_eq!(leaders(50), 4);
    let churn = leaders(300);
    assert!(churn > 4 * 5, "300 ms flushes: only {churn} leaders in 5 s");
}
