//! Reasons are types: every refusal a caller can meet is matched on its reason, not on a string,
//! and every reason reads the same sentence it always did.

mod common;

use std::collections::BTreeSet;

use common::*;
use raft_core::{
    ConfChange, ConfChangeRefusal, ConfigError, Corruption, Error, HardState, Input, Membership,
    Node, RejectReason, SnapshotRefusal, TransferRefusal, TransferStep,
};

/// Every reason's text, by type.
fn texts() -> Vec<(&'static str, Vec<String>)> {
    fn all<T: ToString>(xs: &[T]) -> Vec<String> {
        xs.iter().map(T::to_string).collect()
    }
    vec![
        ("ConfigError", all(ConfigError::ALL)),
        ("Corruption", all(Corruption::ALL)),
        ("TransferRefusal", all(TransferRefusal::ALL)),
        ("ConfChangeRefusal", all(ConfChangeRefusal::ALL)),
        ("SnapshotRefusal", all(SnapshotRefusal::ALL)),
        ("RejectReason", all(RejectReason::ALL)),
        ("TransferStep", all(TransferStep::ALL)),
    ]
}

#[test]
fn every_reason_displays_a_distinct_non_empty_text() {
    for (ty, texts) in texts() {
        assert!(
            texts.iter().all(|t| !t.trim().is_empty()),
            "{ty}: {texts:?}"
        );
        let distinct: BTreeSet<_> = texts.iter().collect();
        assert_eq!(distinct.len(), texts.len(), "{ty}: {texts:?}");
    }
}

// The sentences people read (page, CLI, scripts) are those of the strings the reasons replace.
#[test]
fn errors_read_as_before() {
    let cases = [
        (
            Error::TransferRefused(TransferRefusal::AlreadyLeader),
            "leadership transfer refused: already the leader",
        ),
        (
            Error::InvalidConfig(ConfigError::LeaseWithoutCheckQuorum),
            "invalid configuration: lease reads require check_quorum",
        ),
        (
            Error::ConfChangeRefused(ConfChangeRefusal::PreviousPending),
            "membership change refused: the previous membership change is not committed yet",
        ),
        (
            Error::SnapshotRefused(SnapshotRefusal::NotApplied),
            "snapshot refused: index not applied yet",
        ),
        (
            Error::CorruptState(Corruption::TermsDecrease),
            "corrupt persistent state: log entry terms decrease",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
    assert_eq!(TransferStep::TimeoutNowSent.to_string(), "timeout_now_sent");
    assert_eq!(
        RejectReason::TermOverflow.to_string(),
        "term would overflow; not campaigning"
    );
}

#[test]
fn invalid_configurations_name_the_field() {
    type Breaks = fn(&mut raft_core::Config);
    let cases: [(Breaks, ConfigError); 8] = [
        (|c| c.id = 0, ConfigError::IdZero),
        (|c| c.heartbeat_interval = 0, ConfigError::HeartbeatZero),
        (
            |c| c.election_timeout_max = c.election_timeout_min,
            ConfigError::ElectionTimeoutMaxTooShort,
        ),
        (|c| c.max_inflight = 0, ConfigError::MaxInflightZero),
        (
            |c| c.log_cache_entries = 0,
            ConfigError::LogCacheEntriesOutOfRange,
        ),
        (
            |c| c.log_cache_entries = raft_core::MAX_LOG_CACHE_ENTRIES + 1,
            ConfigError::LogCacheEntriesOutOfRange,
        ),
        (|c| c.log_cache_bytes = 0, ConfigError::LogCacheBytesZero),
        (
            |c| c.max_uncommitted_bytes = 0,
            ConfigError::MaxUncommittedBytesZero,
        ),
    ];
    for (break_it, why) in cases {
        let mut c = config(1);
        break_it(&mut c);
        assert_eq!(c.validate(), Err(Error::InvalidConfig(why)));
    }
}

#[test]
fn corrupt_state_is_refused_with_its_reason() {
    let m = three();
    // Terms decrease along the log.
    let state = persisted(3, &[2, 1], &m);
    assert_eq!(
        Node::restore(config(1), state).err(),
        Some(Error::CorruptState(Corruption::TermsDecrease))
    );
    // A gap in the log.
    let mut state = persisted(3, &[1, 1], &m);
    state.entries[1].index = 3;
    assert_eq!(
        Node::restore(config(1), state).err(),
        Some(Error::CorruptState(Corruption::EntriesNotConsecutive))
    );
    // An entry from a term after the current term.
    let mut state = persisted(1, &[1, 2], &m);
    state.hard_state = HardState {
        term: 1,
        vote: None,
    };
    assert_eq!(
        Node::restore(config(1), state).err(),
        Some(Error::CorruptState(Corruption::EntryTermAfterCurrentTerm))
    );
}

// Paper §7: only an applied index newer than the current snapshot can be compacted to.
#[test]
fn compaction_refusals() {
    let mut s = Solo::new(config(1), Membership::with_voters([1]));
    s.make_leader();
    let applied = s.node.log().applied();
    let compact = |s: &mut Solo, index| {
        s.step(Input::Compact {
            index,
            data: vec![],
        })
    };
    assert_eq!(
        compact(&mut s, applied + 1),
        Err(Error::SnapshotRefused(SnapshotRefusal::NotApplied))
    );
    compact(&mut s, applied).unwrap();
    assert_eq!(
        compact(&mut s, applied),
        Err(Error::SnapshotRefused(SnapshotRefusal::NotNewer))
    );
}

// Dissertation §4.1 and the 2015 fix: one change at a time, and only once the leader has
// committed in its term.
#[test]
fn membership_change_refusals() {
    let mut net = Network::new(&[1, 2, 3]);
    net.campaign(1);
    net.deliver_where(|m| !matches!(m.body, raft_core::Body::AppendResp { .. }));
    assert_eq!(net.node(1).role(), raft_core::Role::Leader);
    let change = |net: &mut Network, c| net.step(1, Input::ChangeMembership(c));
    assert_eq!(
        change(&mut net, ConfChange::AddLearner { node: 4 }),
        Err(Error::ConfChangeRefused(
            ConfChangeRefusal::NotCommittedInTerm
        ))
    );
    net.deliver();
    change(&mut net, ConfChange::AddLearner { node: 4 }).unwrap();
    assert_eq!(
        change(&mut net, ConfChange::Promote { node: 4 }),
        Err(Error::ConfChangeRefused(ConfChangeRefusal::PreviousPending))
    );
    net.deliver();
    assert_eq!(
        change(&mut net, ConfChange::AddLearner { node: 4 }),
        Err(Error::ConfChangeRefused(ConfChangeRefusal::AlreadyMember))
    );
    assert_eq!(
        change(&mut net, ConfChange::Remove { node: 9 }),
        Err(Error::ConfChangeRefused(ConfChangeRefusal::NotMember))
    );
    assert_eq!(
        change(&mut net, ConfChange::LeaveJoint),
        Err(Error::ConfChangeRefused(ConfChangeRefusal::NotJoint))
    );
}

// One `Display` for events and messages, in raft-core: the scripts, the playground and the CLI
// read the same sentences.
#[test]
fn events_and_messages_read_as_sentences() {
    use raft_core::{Body, Entry, Event, Message, Payload, Role};
    let cases = [
        (
            Event::Transfer {
                to: 3,
                what: TransferStep::TimeoutNowSent,
            },
            "transfer to S3 timeout_now_sent",
        ),
        (
            Event::Rejected {
                from: 2,
                why: RejectReason::IndexOverflow,
            },
            "ignored message from S2: append: index overflow",
        ),
        (
            Event::RoleChanged {
                role: Role::Leader,
                term: 4,
            },
            "became leader at term 4",
        ),
        (
            Event::ElectionStarted {
                term: 5,
                pre_vote: true,
            },
            "started a pre-election for term 5",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
    let m = Message {
        from: 1,
        to: 2,
        term: 3,
        body: Body::Append {
            prev_index: 1,
            prev_term: 1,
            entries: vec![Entry {
                term: 3,
                index: 2,
                payload: Payload::Command(b"x".to_vec().into()),
            }]
            .into(),
            commit: 1,
        },
    };
    assert_eq!(
        m.to_string(),
        "append S1 → S2, term 3: prev 1@t1, entries 2..2, commit 1"
    );
    assert_eq!(
        format!("{m:#}"),
        "append S1 → S2, term 3: prev 1@t1, entries [2@t3 \"x\"], commit 1"
    );
}
