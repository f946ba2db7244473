//! Leadership transfer (dissertation §3.10) and linearizable reads with ReadIndex and leases
//! (Raft §6.4 / §8, dissertation §6.4).

mod common;

use common::*;
use raft_core::{
    Body, Config, ConfigError, Error, Event, Index, Input, Membership, Message, NodeId, ReadMode,
    ReadState, Role, TransferRefusal, TransferStep,
};
use TransferStep::{Aborted, Completed, Started, TimeoutNowSent};

fn is_timeout_now(m: &Message) -> bool {
    m.body == Body::TimeoutNow
}

fn transfer_events(net: &Network, id: NodeId) -> Vec<(NodeId, TransferStep)> {
    net.events(id)
        .iter()
        .filter_map(|e| match e {
            Event::Transfer { to, what } => Some((*to, *what)),
            _ => None,
        })
        .collect()
}

// Dissertation §3.10: the leader sends TimeoutNow to an up-to-date target, which starts an
// election at once (no PreVote, no waiting for its timer) in the next term and wins it. Voters
// that still hear from the old leader vote anyway: the request is marked as a transfer.
#[test]
fn transfer_to_caught_up_target() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.history.clear();
    net.step(1, Input::TransferLeader(2)).unwrap();
    assert_eq!(net.node(1).transfer_target(), Some(2));
    assert!(
        net.queue().iter().any(|m| m.to == 2 && is_timeout_now(m)),
        "target already caught up: TimeoutNow at once"
    );
    net.deliver();
    assert_eq!(net.leader(), Some(2));
    assert_eq!(net.node(2).term(), 2);
    assert_eq!(net.node(1).role(), Role::Follower);
    assert_eq!(net.node(1).leader(), Some(2));
    assert!(net
        .sent(|m| matches!(m.body, Body::PreVote { .. }))
        .is_empty());
    assert!(!net
        .sent(|m| m.from == 2 && matches!(m.body, Body::Vote { transfer: true, .. }))
        .is_empty());
    assert_eq!(
        transfer_events(&net, 1),
        vec![(2, Started), (2, TimeoutNowSent), (2, Completed)]
    );
    // The new leader serves writes (its followers learn the commit at its next heartbeat).
    let i = net.propose(2, b"y").unwrap();
    net.deliver();
    assert_eq!(net.node(2).log().committed(), i);
    let heartbeat = net.node(2).config().heartbeat_interval;
    net.tick(2, heartbeat);
    net.deliver();
    assert_eq!(net.node(3).log().committed(), i);
}

// Dissertation §3.10: "the prior leader ... brings the target server's log up to date" before
// sending TimeoutNow; the target then has every entry and can win.
#[test]
fn transfer_to_lagging_target_catches_it_up_first() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.hold(1, 3);
    for k in 0..3u8 {
        net.propose(1, &[k]).unwrap();
    }
    net.deliver();
    let last = net.node(1).log().last_index();
    assert!(net.node(3).log().last_index() < last);
    net.history.clear();
    net.step(1, Input::TransferLeader(3)).unwrap();
    assert!(
        !net.queue().iter().any(is_timeout_now),
        "not before 3 caught up"
    );
    net.release(1, 3);
    net.deliver();
    let caught_up = net
        .history
        .iter()
        .position(|m| {
            m.from == 3
                && m.body
                    == Body::AppendResp {
                        index: last,
                        reject: false,
                        hint_index: 0,
                        hint_term: 0,
                    }
        })
        .expect("3 acknowledged the last entry");
    let timeout_now = net
        .history
        .iter()
        .position(is_timeout_now)
        .expect("TimeoutNow sent");
    assert!(caught_up < timeout_now);
    assert_eq!(net.leader(), Some(3));
    assert!(net.node(3).log().last_index() > last, "with its own no-op");
}

// Dissertation §3.10: while a transfer is in progress the leader stops accepting client
// requests, so that the target can catch up and the transfer completes.
#[test]
fn proposals_refused_during_transfer() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.hold(1, 3);
    net.propose(1, b"a").unwrap();
    net.step(1, Input::TransferLeader(3)).unwrap();
    assert_eq!(
        net.step(1, Input::Propose(b"b".to_vec())),
        Err(Error::TransferInProgress)
    );
    assert_eq!(net.node(1).log().last_index(), 2, "nothing appended");
}

// Dissertation §3.10: "If the transfer does not complete within an election timeout, the prior
// leader aborts the transfer and resumes accepting client requests."
#[test]
fn transfer_abandoned_after_an_election_timeout() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, b"a").unwrap();
    net.deliver();
    net.step(1, Input::TransferLeader(3)).unwrap();
    let min = net.node(1).config().election_timeout_min;
    for _ in 0..min - 1 {
        net.tick(1, 1);
        net.deliver();
    }
    assert_eq!(net.node(1).transfer_target(), Some(3), "still trying");
    net.tick(1, 1);
    net.deliver();
    assert_eq!(net.node(1).transfer_target(), None);
    assert_eq!(
        net.node(1).role(),
        Role::Leader,
        "2 still answers: leadership kept"
    );
    assert_eq!(transfer_events(&net, 1), vec![(3, Started), (3, Aborted)]);
    assert!(net.propose(1, b"b").is_ok(), "requests accepted again");
}

// Dissertation §3.10: the target must be a voter other than the leader; only a leader transfers.
#[test]
fn transfer_refused_to_self_learner_and_non_member() {
    let m = Membership {
        voters: [1, 2, 3].into(),
        learners: [4].into(),
        outgoing: Default::default(),
    };
    let mut net = Network::with_config(m, config);
    net.elect(1);
    for (target, what, why) in [
        (1, "self", TransferRefusal::AlreadyLeader),
        (4, "learner", TransferRefusal::NotVoter),
        (9, "non-member", TransferRefusal::NotVoter),
    ] {
        assert_eq!(
            net.step(1, Input::TransferLeader(target)),
            Err(Error::TransferRefused(why)),
            "{what}"
        );
        assert_eq!(net.node(1).transfer_target(), None, "{what}");
    }
    assert_eq!(
        net.step(2, Input::TransferLeader(3)),
        Err(Error::NotLeader { leader: Some(1) })
    );
    assert!(!net.queue().iter().any(is_timeout_now));
}

// Dissertation §3.10: a second request for the same target changes nothing; a request for
// another target replaces the first.
#[test]
fn transfer_retarget() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.hold(1, 2);
    net.hold(1, 3);
    net.propose(1, b"a").unwrap();
    net.step(1, Input::TransferLeader(2)).unwrap();
    net.step(1, Input::TransferLeader(2)).unwrap();
    net.step(1, Input::TransferLeader(3)).unwrap();
    assert_eq!(net.node(1).transfer_target(), Some(3));
    assert_eq!(
        transfer_events(&net, 1),
        vec![(2, Started), (2, Aborted), (3, Started)]
    );
    net.release(1, 2);
    net.release(1, 3);
    net.deliver();
    assert_eq!(net.leader(), Some(3));
}

// Dissertation §3.10 and §6.2 together: the transfer's own deadline must not postpone CheckQuorum.
// A leader cut off from everyone, asked again and again to hand over to alternating targets, still
// steps down within two election timeouts (otherwise clients, and lease reads, would keep
// trusting it while the others elect a new leader).
#[test]
fn transfer_requests_do_not_keep_an_isolated_leader_in_office() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    let min = net.node(1).config().election_timeout_min;
    for t in 1..=2 * min {
        if t % 100 == 0 && net.node(1).role() == Role::Leader {
            let target = if t % 200 == 0 { 2 } else { 3 };
            net.step(1, Input::TransferLeader(target)).unwrap();
        }
        net.tick(1, 1);
        net.deliver();
    }
    assert_eq!(net.node(1).role(), Role::Follower);
    assert!(net.events(1).contains(&Event::QuorumLost { term: 1 }));
}

// ----- ReadIndex ---------------------------------------------------------------------------------

// Raft §8 / dissertation §6.4: a new leader does not know the commit index until it has committed
// an entry of its own term (its no-op); until then it cannot serve a linearizable read.
#[test]
fn read_refused_before_the_leader_commits_in_its_term() {
    let mut net = Network::new(&[1, 2, 3]);
    net.campaign(1);
    net.deliver_where(|m| !matches!(m.body, Body::Append { .. }));
    assert_eq!(net.node(1).role(), Role::Leader);
    assert_eq!(net.node(1).log().committed(), 0);
    assert_eq!(net.step(1, Input::ReadIndex(7)), Err(Error::ReadNotReady));
    net.deliver();
    assert_eq!(net.node(1).log().committed(), 1);
    assert_eq!(net.step(1, Input::ReadIndex(7)), Ok(None));
}

// Dissertation §6.4: ReadIndex records the commit index, then confirms leadership by a round of
// heartbeats acknowledged by a majority; only then is the read served, at the recorded index.
#[test]
fn read_served_after_a_quorum_heartbeat_round() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.elect(1);
    let i = net.propose(1, b"x").unwrap();
    net.deliver();
    net.isolate(4);
    net.isolate(5);
    net.step(1, Input::ReadIndex(7)).unwrap();
    assert!(net.peer(1).reads.is_empty(), "not before the round");
    let round: Vec<&Message> = net
        .queue()
        .iter()
        .filter(|m| matches!(m.body, Body::Heartbeat { read_ctx, .. } if read_ctx != 0))
        .collect();
    assert_eq!(round.len(), 4, "a heartbeat to every follower, at once");
    net.deliver();
    assert_eq!(net.peer(1).reads, vec![ReadState { id: 7, index: i }]);
}

// Dissertation §6.4: the read index is the commit index when the read arrived; several reads
// registered before one round are all served by it, in order.
#[test]
fn reads_served_in_order_at_their_registration_index() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.step(1, Input::ReadIndex(1)).unwrap();
    net.hold(1, 2);
    net.hold(1, 3);
    let i = net.propose(1, b"x").unwrap();
    net.step(1, Input::ReadIndex(2)).unwrap();
    net.release(1, 2);
    net.release(1, 3);
    net.deliver();
    assert_eq!(
        net.peer(1).reads,
        vec![ReadState { id: 1, index: 1 }, ReadState { id: 2, index: 1 }],
        "the write was not committed when read 2 came"
    );
    assert_eq!(net.node(1).log().committed(), i);
}

// Dissertation §6.4: only heartbeats sent after the read was registered confirm it; an answer to
// an older heartbeat proves nothing about leadership at the time of the read.
#[test]
fn read_needs_answers_to_a_heartbeat_sent_after_it() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.hold(2, 1);
    net.hold(3, 1);
    net.tick(1, 50); // heartbeat round without a read
    net.deliver(); // followers answer; answers held
    net.step(1, Input::ReadIndex(9)).unwrap();
    net.release(2, 1);
    net.release(3, 1);
    net.deliver_where(|m| m.body == Body::HeartbeatResp { read_ctx: 0 });
    assert!(
        net.peer(1).reads.is_empty(),
        "old answers do not confirm the read"
    );
    net.deliver();
    assert_eq!(net.peer(1).reads.len(), 1);
}

// Dissertation §6.4: a leader cut off from the majority cannot confirm its leadership, so it never
// serves the read, even while a new leader commits newer writes elsewhere.
#[test]
fn isolated_leader_does_not_serve_reads() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    net.step(1, Input::ReadIndex(5)).unwrap();
    for _ in 0..280 {
        for id in [1, 2, 3] {
            net.tick(id, 1);
        }
        net.deliver();
    }
    let new = net.leader().filter(|&l| l != 1);
    if let Some(l) = new {
        net.propose(l, b"newer").unwrap();
        net.deliver();
    }
    net.run(200);
    assert!(net.peer(1).reads.is_empty());
}

// Dissertation §6.4 (lease-based reads): while a quorum has answered a heartbeat round sent less
// than an election timeout ago, the leader answers at once from its commit index, without a
// heartbeat round of its own. Before any round is answered (just elected) there is no lease,
// and the read takes a ReadIndex round.
#[test]
fn lease_reads_are_answered_immediately() {
    let cfg = |id| {
        let mut c: Config = config(id);
        c.read_mode = ReadMode::Lease;
        c
    };
    let mut net = Network::with_config(three(), cfg);
    net.elect(1);
    assert!(net.queue().is_empty());
    net.step(1, Input::ReadIndex(2)).unwrap();
    assert!(
        net.peer(1).reads.is_empty(),
        "no lease yet: a heartbeat round first"
    );
    net.deliver();
    assert_eq!(net.peer(1).reads, vec![ReadState { id: 2, index: 1 }]);
    // That round was answered by a quorum: the lease holds, and the next read costs nothing.
    net.step(1, Input::ReadIndex(3)).unwrap();
    assert_eq!(
        net.peer(1).reads,
        vec![ReadState { id: 2, index: 1 }, ReadState { id: 3, index: 1 }]
    );
    assert!(net.queue().is_empty(), "no message needed");
    // The mode requires CheckQuorum, which bounds how long a deposed leader believes it leads.
    let mut bad = config(1);
    bad.read_mode = ReadMode::Lease;
    bad.check_quorum = false;
    assert_eq!(
        bad.validate(),
        Err(Error::InvalidConfig(ConfigError::LeaseWithoutCheckQuorum))
    );
}

// Dissertation §6.4: reads are the leader's job; a follower answers with its leader hint so that
// the client can redirect.
#[test]
fn follower_read_returns_not_leader_with_hint() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(2);
    assert_eq!(
        net.step(3, Input::ReadIndex(1)),
        Err(Error::NotLeader { leader: Some(2) })
    );
    let mut s = Solo::new(config(1), three());
    assert_eq!(
        s.step(Input::ReadIndex(1)),
        Err(Error::NotLeader { leader: None })
    );
}

// A single-voter cluster is its own quorum: reads are served at once.
#[test]
fn single_voter_serves_reads_at_once() {
    let mut net = Network::new(&[1]);
    net.elect(1);
    net.step(1, Input::ReadIndex(4)).unwrap();
    assert_eq!(net.peer(1).reads, vec![ReadState { id: 4, index: 1 }]);
}

// Dissertation §6.4 (lease-based reads): the lease must end before any other node can become
// leader. Followers stop ignoring vote requests one election timeout after they last heard from
// the leader, but a leader only steps down at the end of its next CheckQuorum round, up to two
// election timeouts after its last contact with a quorum. In between, a new leader can commit
// writes while the old one still answers lease reads from its stale commit index.
//
// The leader therefore times its lease from when the heartbeat round a quorum answered was
// sent (rounds are told apart by the context the answers echo), not from its last check.
#[test]
fn lease_reads_are_never_stale() {
    let cfg = |id| {
        let mut c: Config = config(id);
        c.read_mode = ReadMode::Lease;
        c
    };
    let mut net = Network::with_config(three(), cfg);
    net.elect(1);
    // Run until just after a CheckQuorum round of the leader, then cut it off.
    loop {
        net.run(1);
        if net.node(1).election_elapsed() == 0 {
            break;
        }
    }
    net.isolate(1);
    // The others elect a leader and commit a write while 1 still believes it leads.
    let mut write = None;
    for _ in 0..300 {
        net.run(1);
        if let Some(l) = net.leader().filter(|&l| l != 1) {
            if write.is_none() && net.node(l).log().committed() == net.node(l).log().last_index() {
                write = Some(net.propose(l, b"newer").unwrap());
                net.deliver();
            }
        }
        if write.is_some_and(|w| net.node(2).log().committed() >= w) {
            break;
        }
    }
    let write = write.expect("a new leader committed a write");
    if net.node(1).role() == Role::Leader {
        net.step(1, Input::ReadIndex(42)).unwrap();
    }
    for r in &net.peer(1).reads {
        assert!(
            r.index >= write,
            "stale lease read at index {} after write {write} committed",
            r.index
        );
    }
}

// Dissertation §3.10: asking again for the same transfer resends a lost TimeoutNow.
#[test]
fn repeated_transfer_request_resends_a_lost_timeout_now() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.step(1, Input::TransferLeader(2)).unwrap();
    assert_eq!(
        net.drop_where(is_timeout_now),
        1,
        "the first TimeoutNow is lost"
    );
    net.step(1, Input::TransferLeader(2)).unwrap();
    assert!(net.queue().iter().any(|m| m.to == 2 && is_timeout_now(m)));
    net.deliver();
    assert_eq!(net.leader(), Some(2));
}

// ----- lease reads: every way a follower could break its promise ----------------------------------

fn lease_cfg(id: NodeId) -> Config {
    let mut c: Config = config(id);
    c.read_mode = ReadMode::Lease;
    c
}

/// Asks the old leader `old` for a read (if it still believes it leads) and fails if it answers
/// from before `write`, a write another leader has committed: a stale lease read.
fn assert_no_stale_read(net: &mut Network, old: NodeId, write: Index) {
    if net.node(old).role() == Role::Leader {
        net.step(old, Input::ReadIndex(4242)).unwrap();
    }
    for r in net.peer(old).reads.iter().filter(|r| r.id == 4242) {
        assert!(
            r.index >= write,
            "stale lease read at index {} after write {write} committed by another leader",
            r.index
        );
    }
}

/// Lets the node that leads now (other than `old`) commit a write; returns its index.
fn newer_write(net: &mut Network, old: NodeId) -> Option<Index> {
    let l = net.leader().filter(|&l| l != old)?;
    let i = net.propose(l, b"newer").ok()?;
    net.deliver();
    (net.node(l).log().committed() >= i).then_some(i)
}

// Dissertation §3.10 with §6.4.1: TimeoutNow makes its recipient campaign with a vote request
// that overrides the followers' lease promises, whenever it arrives. A transfer that is
// abandoned while its TimeoutNow is still in flight must not give the leader its lease back:
// once a TimeoutNow was sent, no lease read is served for the rest of the term.
#[test]
fn no_lease_read_for_the_rest_of_a_term_once_timeout_now_was_sent() {
    let mut net = Network::with_config(three(), lease_cfg);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.hold(1, 2); // the TimeoutNow to 2 is slow
    net.step(1, Input::TransferLeader(2)).unwrap();
    assert!(net.queue().iter().any(|m| m.to == 2 && is_timeout_now(m)));
    // The transfer is abandoned after an election timeout; node 3 keeps answering heartbeats,
    // which alone would renew a lease.
    for _ in 0..400 {
        net.run(1);
        if transfer_events(&net, 1).contains(&(2, Aborted)) {
            break;
        }
    }
    assert!(transfer_events(&net, 1).contains(&(2, Aborted)));
    assert_eq!(net.node(1).role(), Role::Leader);
    // Now the TimeoutNow arrives: 2 wins term 2 with 3's vote and commits a write, while 1
    // hears nothing of it.
    net.hold(2, 1);
    net.hold(3, 1);
    net.release(1, 2);
    net.deliver();
    let write = newer_write(&mut net, 1).expect("2 won through the late TimeoutNow");
    assert_no_stale_read(&mut net, 1, write);
}

// Dissertation §6.4.1: the lease counts on every follower that answered a heartbeat round not
// voting for `election_timeout_min`. A follower that crashes and restarts at once has forgotten
// that it heard the leader; in lease mode it must keep the promise anyway, for
// `election_timeout_min` after the restart.
#[test]
fn a_restarted_follower_keeps_the_lease_promise_it_may_have_made() {
    let mut net = Network::with_config(three(), lease_cfg);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.cut(1, 2);
    // 2 no longer hears the leader and campaigns in vain (3 does hear it) until its timer is
    // about to fire again; 3 answered a round of 1 at most a heartbeat ago.
    for _ in 0..1_000 {
        net.run(1);
        if net.node(2).role() == Role::PreCandidate && net.node(2).ticks_until_timer() == 1 {
            break;
        }
    }
    assert_eq!(net.node(2).ticks_until_timer(), 1);
    // 3 crashes and restarts at once; from now on it hears nothing from 1.
    net.hold(1, 3);
    net.hold(3, 1);
    net.crash(3);
    net.restart(3);
    net.run(1);
    if let Some(write) = newer_write(&mut net, 1) {
        assert_no_stale_read(&mut net, 1, write);
    }
    assert_ne!(
        net.node(2).role(),
        Role::Leader,
        "the restarted node voted inside the lease it may have promised"
    );
    // Once the promise ran out, 2 and 3 elect a leader: the rule costs at most one election
    // timeout of availability.
    net.run(400);
    assert!(net.leader().is_some_and(|l| l != 1));
}

// Dissertation §6.4.1: a follower inside the lease must not help elect anyone, itself included.
// `Input::Campaign` on such a follower is refused with the time left; afterwards it is obeyed.
#[test]
fn campaign_refused_inside_the_lease() {
    let five = Membership::with_voters([1, 2, 3, 4, 5]);
    let mut net = Network::with_config(five, lease_cfg);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    // 4 and 5 lose the leader; 2 and 3 keep answering its rounds.
    net.cut(1, 4);
    net.cut(1, 5);
    net.run(400);
    assert_eq!(net.leader(), Some(1));
    net.hold(2, 1);
    net.hold(3, 1);
    let r = net.step(2, Input::Campaign);
    net.deliver();
    let write = newer_write(&mut net, 1);
    if let Some(write) = write {
        assert_no_stale_read(&mut net, 1, write);
    }
    assert!(
        matches!(r, Err(Error::LeasePromised { ticks_left }) if ticks_left > 0),
        "{r:?}"
    );
    assert!(write.is_none());
    // The promise ends `election_timeout_min` after 2 last heard the leader.
    net.hold(1, 2);
    net.run(150);
    assert_eq!(net.step(2, Input::Campaign), Ok(None));
}

/// Runs `real_ms` milliseconds in which node `id`'s clock advances `rate_ppm[id]` millionths of a
/// tick per millisecond, delivering everything after each millisecond and then calling `each`.
/// Returns early when `each` returns true.
fn run_drifted(
    net: &mut Network,
    rate_ppm: &[(NodeId, u64)],
    real_ms: u64,
    mut each: impl FnMut(&mut Network) -> bool,
) {
    for t in 1..=real_ms {
        for &(id, rate) in rate_ppm {
            let ticks = t * rate / 1_000_000 - (t - 1) * rate / 1_000_000;
            if ticks > 0 && net.is_up(id) {
                net.tick(id, ticks);
            }
        }
        net.deliver();
        if each(net) {
            return;
        }
    }
}

/// Leader 1's clock runs 5% slow, 2's and 3's 5% fast. Right after a heartbeat round that both
/// answered, 1 is cut off; 2 campaigns the moment its promise ends and commits a write. Returns
/// whether 1 then served a stale lease read, with `bound_ppm` as its configured drift bound.
fn stale_read_under_drift(bound_ppm: u32) -> bool {
    let cfg = |id| {
        let mut c = lease_cfg(id);
        c.max_clock_drift_ppm = bound_ppm;
        c
    };
    let mut net = Network::with_config(three(), cfg);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.tick_all(50); // a heartbeat round, answered by both
    net.deliver();
    for (a, b) in [(1, 2), (2, 1), (1, 3), (3, 1)] {
        net.hold(a, b);
    }
    let mut stale = false;
    run_drifted(
        &mut net,
        &[(1, 950_000), (2, 1_050_000), (3, 1_050_000)],
        300,
        |net| {
            if net.node(2).role() != Role::Leader && net.step(2, Input::Campaign).is_err() {
                return false;
            }
            net.deliver();
            let Some(write) = newer_write(net, 1) else {
                return false;
            };
            net.step(1, Input::ReadIndex(9)).unwrap();
            stale = net.peer(1).reads.iter().any(|r| r.index < write);
            true
        },
    );
    stale
}

// Dissertation §6.4.1: a lease is safe only under bounded clock drift. The leader shortens its
// lease to `election_timeout_min × (1 − d) / (1 + d)` so that it ends before any follower's
// promise, given every clock within ±d of real time. With clocks 5% off, a bound of 0 lets the
// old leader answer a stale read; a bound of 5% does not.
#[test]
fn lease_margin_covers_the_configured_clock_drift() {
    assert!(
        stale_read_under_drift(0),
        "without a margin the drift is visible"
    );
    assert!(!stale_read_under_drift(50_000));
    let mut c = config(1);
    c.max_clock_drift_ppm = 100_001;
    assert_eq!(
        c.validate(),
        Err(Error::InvalidConfig(ConfigError::ClockDriftTooLarge))
    );
}

// A leader in lease mode that serves no reads must not remember heartbeat rounds without bound:
// rounds older than a lease can never grant one (issue 21, item 12).
#[test]
fn lease_rounds_stay_bounded_without_reads() {
    let mut net = Network::with_config(three(), lease_cfg);
    net.elect(1);
    net.run(10_000);
    assert_eq!(net.leader(), Some(1));
    let held = net.node(1).lease_rounds_held();
    // 150-tick lease, a round every 50 ticks.
    assert!(held <= 4, "{held} rounds held after 10,000 ticks");
}
