//! Process pauses (a long garbage-collection pause, SIGSTOP): a paused node neither times out
//! nor hears anything, and resumes with the view it had. Raft's safety must not depend on how
//! long a node sleeps (paper §5.6: safety must not depend on timing); a leader's lease must be
//! measured against real time, so on resuming the ticks it missed count before anything that
//! waited for it (dissertation §6.4.1).

use raft_core::config::ReadMode;
use raft_core::types::Role;
use raft_sim::actions::Action;
use raft_sim::judge::judge;
use raft_sim::linearizability::{Verdict, DEFAULT_MAX_STEPS};
use raft_sim::network::NetConfig;
use raft_sim::world::{SimOptions, World};

fn world(seed: u64, read_mode: ReadMode) -> World {
    let mut w = World::new(SimOptions {
        nodes: 5,
        seed,
        pre_vote: true,
        check_quorum: true,
        read_mode,
        net: NetConfig {
            latency_min: 1,
            latency_max: 3,
            ..NetConfig::default()
        },
        ..SimOptions::default()
    })
    .expect("valid options");
    assert!(
        w.run_until(3_000, |w| w.leader().is_some()),
        "seed {seed}: no leader"
    );
    w
}

fn put(w: &mut World, value: &str) {
    w.act(Action::Request {
        key: "k".into(),
        value: value.into(),
    })
    .expect("a leader takes the request");
}

#[test]
fn a_paused_follower_neither_campaigns_nor_hears_then_catches_up() {
    for seed in 1..=10 {
        let mut w = world(seed, ReadMode::Safe);
        let leader = w.leader().unwrap();
        let f = *w.nodes().keys().find(|&&i| i != leader).unwrap();
        w.act(Action::Pause { node: f }).unwrap();
        assert!(w.act(Action::Pause { node: f }).is_err(), "paused twice");
        assert!(
            w.act(Action::Campaign { node: f }).is_err(),
            "a paused node acts"
        );
        let (term, last) = {
            let n = w.node(f).unwrap();
            (n.term(), n.log().last_index())
        };
        for i in 0..5 {
            put(&mut w, &format!("v{i}"));
            w.advance_by(100);
        }
        // Two seconds is many election timeouts: a running node cut off this long would have
        // campaigned; the paused one did nothing and heard nothing.
        w.advance_by(1_500);
        let n = w.node(f).unwrap();
        assert_eq!(
            (n.term(), n.log().last_index()),
            (term, last),
            "seed {seed}"
        );
        assert!(w.nodes()[&f].paused());
        w.act(Action::Resume { node: f }).unwrap();
        assert!(w.act(Action::Resume { node: f }).is_err(), "resumed twice");
        w.advance_by(500);
        let lead = w.leader().unwrap();
        assert_eq!(
            w.node(f).unwrap().log().committed(),
            w.node(lead).unwrap().log().committed(),
            "seed {seed}: the resumed follower caught up"
        );
        assert!(w.violation().is_none(), "seed {seed}: {:?}", w.violation());
    }
}

#[test]
fn a_paused_leader_resumes_as_leader_of_a_term_gone_by_and_steps_down() {
    for seed in 1..=10 {
        let mut w = world(seed, ReadMode::Safe);
        let old = w.leader().unwrap();
        let term = w.node(old).unwrap().term();
        w.act(Action::Pause { node: old }).unwrap();
        assert!(
            w.run_until(w.now() + 2_000, |w| w.leader().is_some_and(|l| l != old)),
            "seed {seed}: the others elect a leader"
        );
        put(&mut w, "after");
        w.advance_by(100);
        // Still leader of its old term in its own eyes.
        let n = w.node(old).unwrap();
        assert_eq!((n.role(), n.term()), (Role::Leader, term), "seed {seed}");
        w.act(Action::Resume { node: old }).unwrap();
        w.advance_by(300);
        let n = w.node(old).unwrap();
        assert_ne!(
            n.role(),
            Role::Leader,
            "seed {seed}: the old leader stepped down"
        );
        assert!(n.term() > term);
        assert!(w.violation().is_none(), "seed {seed}: {:?}", w.violation());
    }
}

// Dissertation §6.4.1: the classic pause hazard. A lease-mode leader pauses; the others elect a
// new leader, which commits a newer value; a read sent to the old leader (cut off from the
// others, so nothing newer reaches it) waits in its inbox.
// When it resumes, its lease must be seen to have run out before that read is considered, so
// the read is not answered with the old value.
#[test]
fn a_read_waiting_in_a_paused_lease_leaders_inbox_is_not_answered_stale() {
    let mut played = 0;
    for seed in 1..=20 {
        let mut w = world(seed, ReadMode::Lease);
        put(&mut w, "before");
        w.advance_by(300);
        let old = w.leader().unwrap();
        w.act(Action::Pause { node: old }).unwrap();
        // Cut off too, so that nothing newer than the read waits in its inbox.
        w.act(Action::Isolate { node: old }).unwrap();
        if !w.run_until(w.now() + 2_000, |w| w.leader().is_some_and(|l| l != old)) {
            continue;
        }
        put(&mut w, "after");
        w.run_until(w.now() + 300, |w| {
            w.history().last().is_some_and(|op| op.complete.is_some())
        });
        w.act(Action::Read {
            node: old,
            key: "k".into(),
        })
        .unwrap();
        w.advance_by(5);
        w.act(Action::Resume { node: old }).unwrap();
        w.advance_by(500);
        played += 1;
        let j = judge(&w, false, DEFAULT_MAX_STEPS);
        assert!(j.violation.is_none(), "seed {seed}: {:?}", j.violation);
        assert!(
            !matches!(j.linearizability, Verdict::NotLinearizable(_)),
            "seed {seed}: {:?}",
            j.linearizability
        );
    }
    assert!(played >= 15, "only {played} of 20 seeds played");
}
