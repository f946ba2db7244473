//! When a configuration takes effect and when it stops (dissertation §4.1–§4.3): a
//! configuration entry rules from the moment a server appends it, so one that is removed again
//! (overwritten by a new leader) must stop ruling, and a leader's configuration steps follow the
//! commitment of the configuration entry itself, not of whatever entry commits first.
//! (Written for cargo-mutants shard 13/20, whose misses showed neither was checked.)

mod common;

use common::*;
use raft_core::{Body, ConfChange, Config, Index, Input, Membership, NodeId, Role};

/// Without PreVote and CheckQuorum, so that a node can take over at once (`elect`).
fn plain(id: NodeId) -> Config {
    let mut c = config(id);
    c.pre_vote = false;
    c.check_quorum = false;
    c
}

/// Delivers only leader 1's appends to `to` that carry nothing past `x`, and the replies to
/// node 1: the entries after `x` stay unreplicated.
fn deliver_appends_up_to(net: &mut Network, x: Index, to: &[NodeId]) {
    net.deliver_where(|m| match &m.body {
        Body::Append { entries, .. } => to.contains(&m.to) && entries.iter().all(|e| e.index <= x),
        Body::AppendResp { .. } => m.to == 1,
        _ => false,
    });
}

fn is_append_to(m: &raft_core::Message, to: u64) -> bool {
    m.to == to && matches!(m.body, Body::Append { .. })
}

// Dissertation §4.1: "a log entry for a configuration change can be removed (if leadership
// changes); in this case, a server must be prepared to fall back to the previous configuration
// in its log". Node 2 appends leader 1's change (a learner 6 added), never committed; node 3
// leads the next term without it and overwrites that index: node 2 is back in the old
// configuration. (`handle_append`'s `removes_conf`: every mutant of it was missed.)
#[test]
fn a_removed_configuration_entry_gives_way_to_the_previous_configuration() {
    let five = Membership::with_voters([1, 2, 3, 4, 5]);
    let mut net = Network::with_config(five.clone(), plain);
    net.elect(1);
    let old_term = net.node(1).term();
    let index = net
        .step(
            1,
            Input::ChangeMembership(ConfChange::AddLearner { node: 6 }),
        )
        .unwrap()
        .unwrap();
    // Only node 2 receives it.
    net.deliver_where(|m| is_append_to(m, 2));
    net.drop_all();
    assert_eq!(net.node(2).log().last_index(), index);
    assert!(
        net.node(2).membership().is_learner(6),
        "in effect once appended"
    );
    assert!(net.node(1).log().committed() < index);
    // Node 3 leads the next term with 4 and 5, without the change, and writes over its index.
    net.isolate(1);
    net.isolate(2);
    net.elect(3);
    net.propose(3, b"x").unwrap();
    net.deliver();
    assert!(net.node(3).log().last_index() >= index);
    net.heal();
    let hb = net.node(3).config().heartbeat_interval;
    net.tick(3, hb);
    net.deliver();
    assert_eq!(
        net.node(2).log().last_index(),
        net.node(3).log().last_index()
    );
    assert_ne!(net.node(2).log().term(index), Some(old_term), "overwritten");
    assert_eq!(
        net.node(2).membership(),
        &five,
        "back to the previous configuration"
    );
}

// Dissertation §4.3: the leader leaves C_old,new for C_new once C_old,new is committed; and
// §4.2.2: a leader that removed itself steps down once C_new is committed. Here an earlier
// entry commits after the change was appended: that must trigger neither. (`after_leader_commit`
// with `||` as `&&` went on as soon as anything committed.)
#[test]
fn a_configuration_step_waits_for_its_own_entry_not_an_earlier_one() {
    // Leaving the joint configuration.
    let three = Membership::with_voters([1, 2, 3]);
    let mut net = Network::with_config(three.clone(), config);
    net.elect(1);
    let x = net.propose(1, b"x").unwrap();
    let joint = net
        .step(
            1,
            Input::ChangeMembership(ConfChange::EnterJoint {
                voters: [1, 2].into(),
            }),
        )
        .unwrap()
        .unwrap();
    assert!(joint > x);
    // Only the append carrying x (not the joint entry) reaches node 2, and the reply returns.
    deliver_appends_up_to(&mut net, x, &[2]);
    let committed = net.node(1).log().committed();
    assert!(
        (x..joint).contains(&committed),
        "x committed, the joint entry not: {committed}"
    );
    assert!(net.node(1).membership().is_joint(), "still C_old,new");
    assert_eq!(
        net.node(1).log().last_index(),
        joint,
        "no C_new appended yet"
    );

    // Removing itself.
    let mut net = Network::with_config(three, config);
    net.elect(1);
    let x = net.propose(1, b"x").unwrap();
    let removal = net
        .step(1, Input::ChangeMembership(ConfChange::Remove { node: 1 }))
        .unwrap()
        .unwrap();
    deliver_appends_up_to(&mut net, x, &[2, 3]);
    let committed = net.node(1).log().committed();
    assert!(
        (x..removal).contains(&committed),
        "x committed, the removal not: {committed}"
    );
    assert_eq!(
        net.node(1).role(),
        Role::Leader,
        "leads until its removal commits"
    );
}
