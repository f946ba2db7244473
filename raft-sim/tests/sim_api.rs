//! The simulator's API for test suites written against it (issue 20, "a richer simulator API"):
//! propose on a chosen node and learn the entry's index, ask how many nodes committed an index
//! and what is there, count messages by kind and by sender, inject a message, set the in-flight
//! window, and delay replies with a long tail.

use raft_core::message::{Body, Message};
use raft_core::types::{NodeId, Role};
use raft_sim::app::Op;
use raft_sim::network::NetConfig;
use raft_sim::trace::{parse_jsonl, write_jsonl, SessionOutcome};
use raft_sim::world::{
    ClientOptions, CLERK_CLIENT_BASE, MAX_CLERKS, MESSAGE_KINDS, PERSON_CLIENT_BASE,
};
use raft_sim::{Action, SimOptions, TraceEvent, World};

fn quiet(nodes: u32, seed: u64) -> World {
    World::new(SimOptions {
        nodes,
        seed,
        clients: ClientOptions {
            enabled: false,
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    })
    .expect("valid options")
}

fn elect(w: &mut World) -> NodeId {
    let deadline = w.now() + 10_000;
    assert!(w.run_until(deadline, |w| w.leader().is_some()), "no leader");
    w.leader().unwrap()
}

#[test]
fn a_proposal_on_the_leader_gets_an_index_and_reaches_every_node() {
    let mut w = quiet(5, 3);
    let leader = elect(&mut w);
    let follower = (1..=5).find(|&id| id != leader).unwrap();
    assert_eq!(
        w.propose(follower, "p", "no").unwrap(),
        None,
        "a follower refuses"
    );
    let (index, term) = w
        .propose(leader, "p", "1")
        .unwrap()
        .expect("the leader accepts");
    assert_eq!(term, w.node(leader).unwrap().term());
    assert!(index > 0);
    assert_eq!(w.committed_at(index).0, 0, "not committed yet");
    w.advance_by(500);
    let (count, cmd) = w.committed_at(index);
    assert_eq!(count, 5);
    let cmd = cmd.expect("the entry is in the logs");
    assert_eq!(
        cmd.op,
        Op::Put {
            key: "p".into(),
            value: "1".into()
        }
    );
    // A crashed node is not counted.
    w.act(Action::Crash { node: follower }).unwrap();
    assert_eq!(w.committed_at(index).0, 4);
    assert!(w.propose(follower, "p", "2").is_err(), "a crashed node");
    assert!(w.propose(42, "p", "2").is_err(), "an unknown node");
}

#[test]
fn every_proposal_is_applied_once_even_when_some_are_lost() {
    let mut w = quiet(3, 5);
    let leader = elect(&mut w);
    // The first proposal is lost with its leader's term; later ones must still apply.
    w.act(Action::Isolate { node: leader }).unwrap();
    let lost = w.propose(leader, "q", "lost").unwrap().unwrap().0;
    w.act(Action::Crash { node: leader }).unwrap();
    w.act(Action::Heal).unwrap();
    let next = elect(&mut w);
    assert_ne!(next, leader);
    let mut indexes = Vec::new();
    for v in 0..5 {
        indexes.push(w.propose(next, "q", &v.to_string()).unwrap().unwrap().0);
    }
    w.advance_by(1_000);
    for (v, &i) in indexes.iter().enumerate() {
        let (count, cmd) = w.committed_at(i);
        assert_eq!(count, 2, "index {i}");
        assert_eq!(
            cmd.unwrap().op,
            Op::Put {
                key: "q".into(),
                value: v.to_string()
            }
        );
    }
    let live = w.nodes().values().find_map(|n| n.node.as_ref()).unwrap();
    let id = live.id();
    assert_eq!(
        w.nodes()[&id].kv.get("q"),
        Some("4"),
        "the last proposal is the value (the lost one at {lost} never applied over it)"
    );
    assert_eq!(w.violation(), None);
}

#[test]
fn proposals_and_injections_replay_exactly() {
    let mut w = quiet(3, 9);
    let leader = elect(&mut w);
    w.propose(leader, "r", "1").unwrap();
    w.act(Action::Inject {
        message: Message {
            from: 77,
            to: leader,
            term: 1,
            body: Body::HeartbeatResp { read_ctx: 0 },
        },
    })
    .unwrap();
    w.advance_by(300);
    let text = write_jsonl(&w);
    let replayed = parse_jsonl(&text).unwrap().replay().unwrap();
    assert_eq!(write_jsonl(&replayed), text);
}

#[test]
fn message_counts_add_up_by_kind_and_by_sender() {
    let mut w = World::new(SimOptions {
        seed: 4,
        ..SimOptions::default()
    })
    .unwrap();
    w.advance_by(3_000);
    let m = &w.stats().messages;
    assert_eq!(m.by_kind.iter().sum::<u64>(), w.stats().sent);
    assert_eq!(m.by_node.values().sum::<u64>(), w.stats().sent);
    let answers: u64 = MESSAGE_KINDS
        .iter()
        .filter(|k| k.ends_with("_resp"))
        .map(|k| m.kind(k))
        .sum();
    assert_eq!(m.requests() + answers, w.stats().sent);
    assert!(m.kind("append") > 0 && m.kind("heartbeat") > 0 && m.kind("vote") > 0);
    assert_eq!(m.kind("no_such_kind"), 0);
    let leader = w.leader().unwrap();
    let most = m.by_node.iter().max_by_key(|&(_, n)| n).map(|(&id, _)| id);
    assert_eq!(most, Some(leader), "the leader sends the most");
}

#[test]
fn injected_messages_are_delivered_or_lost_like_any_other() {
    let mut w = quiet(3, 2);
    let leader = elect(&mut w);
    let (sent, dropped) = (w.stats().sent, w.stats().dropped);
    // To a node that does not exist: lost at delivery, no panic.
    w.act(Action::Inject {
        message: Message {
            from: leader,
            to: 99,
            term: 1,
            body: Body::TimeoutNow,
        },
    })
    .unwrap();
    // An answer to an append never sent, from a stranger: ignored by its recipient.
    w.advance_by(200);
    let follower = (1..=3).find(|&id| id != leader).unwrap();
    let before = w.node(follower).unwrap().log().last_index();
    w.act(Action::Inject {
        message: Message {
            from: 50,
            to: follower,
            term: 0,
            body: Body::AppendResp {
                index: 1_000_000,
                reject: false,
                hint_index: 0,
                hint_term: 0,
            },
        },
    })
    .unwrap();
    w.advance_by(200);
    assert_eq!(w.stats().messages.by_node.get(&50), Some(&1));
    assert!(w.stats().sent >= sent + 2);
    assert!(w.stats().dropped > dropped, "the message to S99 is lost");
    assert_eq!(w.node(follower).unwrap().log().last_index(), before);
    assert_eq!(w.node(leader).unwrap().role(), Role::Leader);
    assert_eq!(w.violation(), None);
}

/// The most AppendEntries in flight on any one link during a loaded run, with reads served by
/// ReadIndex rounds (each a heartbeat round) or through the log.
fn most_appends_in_flight(max_inflight: u64, read_index: bool) -> usize {
    let mut w = World::new(SimOptions {
        seed: 8,
        max_inflight,
        max_msg_bytes: 1,
        net: NetConfig {
            latency_min: 40,
            latency_max: 60,
            ..NetConfig::default()
        },
        clients: ClientOptions {
            enabled: true,
            count: 20,
            think_ms: 0,
            read_index,
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    })
    .unwrap();
    let mut most = 0;
    while w.now() < 3_000 && w.step() {
        let mut per_link = std::collections::BTreeMap::new();
        for f in w.network().in_flight() {
            if matches!(&f.msg.body, Body::Append { entries, .. } if !entries.is_empty()) {
                *per_link.entry((f.msg.from, f.msg.to)).or_insert(0) += 1;
            }
        }
        most = most.max(per_link.values().copied().max().unwrap_or(0));
    }
    most
}

#[test]
fn the_in_flight_window_bounds_appends_per_follower() {
    for read_index in [false, true] {
        let (wide, narrow) = (
            most_appends_in_flight(64, read_index),
            most_appends_in_flight(2, read_index),
        );
        eprintln!("most appends with entries in flight on one link (ReadIndex {read_index}): window 64: {wide}, window 2: {narrow}");
        assert!(wide > 2, "the load fills a wide window");
        // The window, plus the one slot an answer to a heartbeat may free per heartbeat
        // interval when it is full (in case its appends were lost); each ReadIndex request
        // is a heartbeat round of its own, which must not widen the window.
        assert!(narrow <= 2 + 1, "window 2 let {narrow} appends through");
    }
    assert!(
        World::new(SimOptions {
            max_inflight: 0,
            ..SimOptions::default()
        })
        .is_err(),
        "a window of 0 is refused"
    );
}

#[test]
fn replies_can_be_held_back_and_requests_are_not() {
    let mut w = World::new(SimOptions {
        seed: 6,
        net: NetConfig {
            reply_delay_ppm: 1_000_000,
            reply_delay_min: 200,
            reply_delay_max: 2_200,
            ..NetConfig::default()
        },
        ..SimOptions::default()
    })
    .unwrap();
    let mut seen = (0, 0);
    while w.now() < 5_000 && w.step() {
        for f in w.network().in_flight() {
            let Some(at) = f.deliver_at else { continue };
            let took = at - f.sent_at;
            if f.msg.body.kind().ends_with("_resp") {
                assert!((210..=2_218).contains(&took), "a reply takes {took} ms");
                seen.0 += 1;
            } else {
                assert!((10..=18).contains(&took), "a request takes {took} ms");
                seen.1 += 1;
            }
        }
    }
    assert!(seen.0 > 0 && seen.1 > 0);
    for bad in [
        NetConfig {
            reply_delay_min: 10,
            reply_delay_max: 5,
            ..NetConfig::default()
        },
        NetConfig {
            reply_delay_max: 60_001,
            ..NetConfig::default()
        },
        NetConfig {
            reply_delay_ppm: 1_000_001,
            ..NetConfig::default()
        },
    ] {
        let r = World::new(SimOptions {
            net: bad.clone(),
            ..SimOptions::default()
        });
        assert!(r.is_err(), "{bad:?} accepted");
    }
}

/// Runs until clerk operation `id` completes (at most `ms` more), and returns its reply value.
fn await_clerk(w: &mut World, id: u64, ms: u64) -> Option<Option<String>> {
    let deadline = w.now() + ms;
    w.run_until(deadline, |w| {
        w.history_op(id).is_some_and(|h| h.complete.is_some())
    });
    let h = w.history_op(id).expect("held");
    h.reply.as_ref().map(|r| r.value.clone())
}

fn append(key: &str, value: &str) -> Op {
    Op::Append {
        key: key.into(),
        value: value.into(),
    }
}

// §6.3: a clerk's append whose first attempt commits without an answer (its leader crashes
// before hearing the acknowledgements) is retried with the same sequence number elsewhere and
// runs once.
#[test]
fn a_clerk_retries_until_answered_and_its_retried_append_runs_once() {
    let mut w = quiet(3, 11);
    elect(&mut w);
    let put = w
        .clerk(
            0,
            Op::Put {
                key: "k".into(),
                value: "".into(),
            },
        )
        .unwrap();
    assert_eq!(await_clerk(&mut w, put, 5_000), Some(Some(String::new())));
    let leader = w.leader().unwrap();
    for f in (1..=3).filter(|&f| f != leader) {
        w.act(Action::Hold {
            from: f,
            to: leader,
        })
        .unwrap();
    }
    let id = w.clerk(0, append("k", "a")).unwrap();
    assert!(
        w.clerk(0, append("k", "b")).is_err(),
        "one operation at a time"
    );
    w.advance_by(100);
    w.act(Action::Crash { node: leader }).unwrap();
    assert_eq!(await_clerk(&mut w, id, 10_000), Some(Some("a".into())));
    assert!(w.stats().retries > 0, "the clerk had to retry");
    // Both attempts reached the log; the second was answered from the session table.
    let duplicates = w
        .trace()
        .iter()
        .filter(|r| {
            matches!(&r.event, TraceEvent::Apply { command: Some(c), session: Some(SessionOutcome::Duplicate), .. }
                if c.client == CLERK_CLIENT_BASE && c.seq == 2)
        })
        .count();
    assert!(duplicates > 0, "the retry was not a duplicate");
    let get = w.clerk(0, Op::Get { key: "k".into() }).unwrap();
    assert_eq!(await_clerk(&mut w, get, 5_000), Some(Some("a".into())));
    assert_eq!(w.violation(), None);
    // Recorded as actions: the run replays exactly.
    let text = write_jsonl(&w);
    let replayed = parse_jsonl(&text).unwrap().replay().unwrap();
    assert_eq!(write_jsonl(&replayed), text);
}

// A clerk that reaches only a minority gets no answer until it reaches the majority (the labs'
// `makeClient(to)` and `ConnectClient`).
#[test]
fn a_clerk_reaches_only_the_nodes_it_is_told_to() {
    let mut w = quiet(5, 12);
    let leader = elect(&mut w);
    let minority: Vec<NodeId> = (1..=5).filter(|&n| n != leader).take(2).collect();
    let majority: Vec<NodeId> = (1..=5).filter(|n| !minority.contains(n)).collect();
    w.act(Action::Partition {
        groups: vec![majority.clone(), minority.clone()],
    })
    .unwrap();
    w.act(Action::ClerkReach {
        clerk: 3,
        nodes: minority.clone(),
    })
    .unwrap();
    let put = w
        .clerk(
            3,
            Op::Put {
                key: "m".into(),
                value: "1".into(),
            },
        )
        .unwrap();
    assert_eq!(
        await_clerk(&mut w, put, 3_000),
        None,
        "no answer in a minority"
    );
    w.act(Action::ClerkReach {
        clerk: 3,
        nodes: (1..=5).collect(),
    })
    .unwrap();
    assert_eq!(await_clerk(&mut w, put, 3_000), Some(Some("1".into())));
    assert_eq!(w.history_op(put).unwrap().client, CLERK_CLIENT_BASE + 3);
    assert!(w
        .act(Action::ClerkReach {
            clerk: 3,
            nodes: vec![9]
        })
        .is_err());
    assert!(w.clerk(MAX_CLERKS, Op::Get { key: "m".into() }).is_err());
    let text = write_jsonl(&w);
    let replayed = parse_jsonl(&text).unwrap().replay().unwrap();
    assert_eq!(write_jsonl(&replayed), text);
}

// Clerks act only when told to: with the steady load on, a clerk that got its answer does not
// go on with operations of its own.
#[test]
fn a_clerk_never_joins_the_client_load() {
    let mut w = World::new(SimOptions {
        nodes: 3,
        seed: 13,
        clients: ClientOptions {
            enabled: true,
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    })
    .unwrap();
    elect(&mut w);
    let id = w.clerk(0, Op::Get { key: "z".into() }).unwrap();
    assert!(await_clerk(&mut w, id, 5_000).is_some());
    w.advance_by(2_000);
    let mine = w
        .history()
        .iter()
        .filter(|h| h.client == CLERK_CLIENT_BASE)
        .count();
    assert_eq!(mine, 1);
    assert!(w.history().len() > 10, "the load ran meanwhile");
}

// A person's request gets a session of its own, never an idle clerk's (whose ids lie above
// the people's): before, a request after a clerk's answer ran in the clerk's session, under
// the clerk's reach.
#[test]
fn a_persons_request_never_runs_in_a_clerks_session() {
    let mut w = quiet(3, 14);
    let leader = elect(&mut w);
    let id = w.clerk(0, Op::Get { key: "p".into() }).unwrap();
    assert!(await_clerk(&mut w, id, 5_000).is_some());
    // The clerk reaches no node but the leader's neighbour: a request in its session would
    // never reach the leader.
    let other = (1..=3).find(|&n| n != leader).unwrap();
    w.act(Action::ClerkReach {
        clerk: 0,
        nodes: vec![other],
    })
    .unwrap();
    w.act(Action::Request {
        key: "p".into(),
        value: "1".into(),
    })
    .unwrap();
    w.advance_by(2_000);
    let request = w.history().iter().find(|h| h.client != CLERK_CLIENT_BASE);
    let request = request.expect("the request is in the history");
    assert_eq!(request.client, PERSON_CLIENT_BASE);
    assert!(request.complete.is_some(), "answered");
}

// A person's request is one operation: once answered, its session stays idle even with the
// client load on. Before, the answer gave the session a wake-up time and it went on as one more
// load client (the page's "Client request" raised the load for good; targeted check histories
// showed person sessions issuing dozens of operations).
#[test]
fn a_persons_request_is_one_operation_even_with_the_load_on() {
    let mut w = World::new(SimOptions {
        nodes: 3,
        seed: 21,
        clients: ClientOptions {
            enabled: true,
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    })
    .expect("valid options");
    elect(&mut w);
    w.act(Action::Request {
        key: "person".into(),
        value: "1".into(),
    })
    .unwrap();
    w.advance_by(5_000);
    let person: Vec<_> = w
        .history()
        .iter()
        .filter(|h| h.client >= PERSON_CLIENT_BASE && h.client < CLERK_CLIENT_BASE)
        .collect();
    assert_eq!(person.len(), 1, "one request, one operation: {person:?}");
    assert!(person[0].complete.is_some(), "answered");
    // The load went on meanwhile.
    assert!(w.history().len() > 10, "the load clients kept working");
}
