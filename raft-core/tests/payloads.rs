//! Payloads are shared, not copied: one buffer per proposal serves the leader's log, its storage,
//! every Append message and the committed list (issue #19). These are not Raft rules but
//! properties of this implementation that the throughput and memory figures depend on.

mod common;

use common::Network;
use raft_core::{Body, Entry, Payload};

/// The address of a command's buffer (`None` for other payloads).
fn buffer(e: &Entry) -> Option<*const u8> {
    match &e.payload {
        Payload::Command(c) => Some(c.as_ptr()),
        _ => None,
    }
}

#[test]
fn an_entry_is_small() {
    // 96 bytes while the membership variant sat inline and commands were `Vec<u8>`.
    let size = core::mem::size_of::<Entry>();
    println!(
        "size_of::<Entry>() = {size}, size_of::<Payload>() = {}",
        core::mem::size_of::<Payload>()
    );
    // `Bytes` (32 bytes) has one niche, taken by `Noop`, so the tag adds a word: 40 + 16.
    assert!(size <= 56, "Entry is {size} bytes");
}

#[test]
fn a_proposal_is_one_buffer_shared_by_log_storage_messages_and_committed_list() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.history.clear();
    let index = net.propose(1, b"shared payload").unwrap();
    let stored = net
        .peer(1)
        .storage
        .state()
        .entries
        .iter()
        .find(|e| e.index == index)
        .cloned();
    let stored = buffer(&stored.expect("the leader persisted the entry")).unwrap();
    let in_log = buffer(&net.node(1).log().entry(index).expect("in the log")).unwrap();
    assert_eq!(in_log, stored, "the log and the storage hold one buffer");
    let mut appends = 0;
    for m in &net.history {
        if let Body::Append { entries, .. } = &m.body {
            for e in entries.iter().filter(|e| e.index == index) {
                assert_eq!(
                    buffer(e),
                    Some(stored),
                    "Append to {} copied the payload",
                    m.to
                );
                appends += 1;
            }
        }
    }
    assert_eq!(appends, 2, "one Append per follower carries the entry");
    net.deliver();
    let applied = net
        .peer(1)
        .applied
        .iter()
        .find(|e| e.index == index)
        .unwrap();
    assert_eq!(
        buffer(applied),
        Some(stored),
        "the committed list copied the payload"
    );
    // In one process, a follower's log holds the very buffer its Append carried.
    let on_follower = net
        .peer(2)
        .storage
        .state()
        .entries
        .iter()
        .find(|e| e.index == index);
    assert_eq!(buffer(on_follower.unwrap()), Some(stored));
}

// Entries, not only payloads, are shared: the leader's batch is one buffer of entry headers,
// and each follower's Append and, after delivery, each follower's log are views of that same
// buffer (same address), not per-follower copies (issue #19: "Entries in messages and Ready
// are shared too, not deep-copied per follower").
#[test]
fn a_batch_is_one_buffer_of_entries_shared_by_every_append_and_follower_log() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.history.clear();
    let index = net.propose(1, b"shared entry").unwrap();
    let header = |log: &raft_core::RaftLog| {
        log.slice_shared(index, index + 1, u64::MAX)
            .expect("held")
            .as_ptr()
    };
    let at_leader = header(net.node(1).log());
    let mut appends = 0;
    for m in &net.history {
        if let Body::Append { entries, .. } = &m.body {
            if let Some(k) = entries.iter().position(|e| e.index == index) {
                assert!(
                    core::ptr::eq(&entries[k], at_leader),
                    "Append to S{} copied the entries",
                    m.to
                );
                appends += 1;
            }
        }
    }
    assert_eq!(appends, 2, "one Append per follower carries the entry");
    net.deliver();
    for id in [2, 3] {
        assert!(
            core::ptr::eq(header(net.node(id).log()), at_leader),
            "S{id}'s log copied the entries it received"
        );
    }
}
