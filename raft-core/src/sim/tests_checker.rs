//! The safety checker on its own: each property must fire on a run that breaks it and stay
//! quiet on runs that Raft allows (no false alarms).

use alloc::vec;
use alloc::vec::Vec;

use crate::entry::{Entry, Payload};
use crate::log::RaftLog;
use crate::sim::checker::Checker;
use crate::sim::schedule::{run_check, Faults};

fn entry(index: u64, term: u64) -> Entry {
    Entry {
        term,
        index,
        payload: Payload::Command(vec![index as u8, term as u8]),
    }
}

fn log(entries: Vec<Entry>) -> RaftLog {
    RaftLog::restore(0, 0, entries).expect("consecutive entries")
}

fn properties(c: &Checker) -> Vec<&str> {
    c.violations.iter().map(|v| v.property.as_str()).collect()
}

/// Raft §5.4 (Leader Completeness) binds leaders of terms after the one in which an entry was
/// committed. Here S1 leads term 3 and commits index 1 (an entry of term 3); S2, a candidate of
/// term 2 whose votes were cast before, wins late without it. Legal: no violation.
#[test]
fn leader_completeness_allows_an_older_term_leader_winning_late() {
    let mut c = Checker::new();
    let l1 = log(vec![entry(1, 3)]);
    c.on_persist(1, l1.entries());
    c.on_leader(1, 3, &l1);
    c.on_commit(1, 1, 3, true, &l1);
    c.on_leader(2, 2, &log(Vec::new()));
    assert_eq!(properties(&c), Vec::<&str>::new());
}

/// The same entry must be in the log of any leader of a later term (§5.4).
#[test]
fn leader_completeness_catches_a_later_leader_without_a_committed_entry() {
    let mut c = Checker::new();
    let l1 = log(vec![entry(1, 3)]);
    c.on_persist(1, l1.entries());
    c.on_leader(1, 3, &l1);
    c.on_commit(1, 1, 3, true, &l1);
    c.on_leader(3, 4, &log(Vec::new()));
    assert_eq!(properties(&c), vec!["Leader Completeness"]);
}

/// A leader of a later term elected while an older leader was still committing (its election
/// came first, the commit after) must hold the entry as well: checked when the commit is seen.
#[test]
fn leader_completeness_catches_a_leader_elected_before_the_commit() {
    let mut c = Checker::new();
    let l1 = log(vec![entry(1, 3)]);
    c.on_persist(1, l1.entries());
    c.on_leader(1, 3, &l1);
    let l2 = log(vec![entry(1, 4)]);
    c.on_persist(2, l2.entries());
    c.on_leader(2, 4, &l2);
    assert_eq!(properties(&c), Vec::<&str>::new());
    c.on_commit(1, 1, 3, true, &l1);
    assert_eq!(properties(&c), vec!["Leader Completeness"]);
}

/// The run that raised a false alarm (`raft-sim check --seeds 32999..32999` reported "S2
/// became leader of term 4 without committed entry 93" on a correct run).
#[test]
fn seed_32999_is_not_a_leader_completeness_violation() {
    let out = run_check(32999, 5, 3_000, Faults::ALL, false);
    assert_eq!(out.violation, None);
}
