//! Rules that `cargo mutants` over raft-core showed no raft-core test pinned down (`./x
//! cargo-mutants`): each test here fails on the mutant named above it. Some of these were caught
//! only by raft-sim's tests; a library user reading raft-core's suite should see them here.
//! Shards sampled so far (of 20, `--features planted-bugs`): 0–2 on the ~1,050 mutants of an
//! earlier source, 3–5 on the 1,456 of main at 527deb2 (the rest of `log.rs`, `progress.rs`),
//! 6–9 on the 1,533 of main at b6c5c1c (`progress.rs`, `quorum.rs`, `raft.rs` from
//! `Node::restore` to `Node::log_is_stale`), 10, then 11–12 on the 1,571 of main at f9ac39c
//! (`raft.rs` from `Node::step_message` to `Node::send_snapshot_chunks`). Misses left there are
//! equivalent mutants: the scan and the binary search of `ProgressMap::position`, the two sorts
//! of `quorum::majority_of`, conditions around work that changes nothing (`Node::ready`,
//! `Node::advance`, `step_follower`'s `leader_last` update with `>=`, `TimeoutNow`'s
//! `is_promotable` guard, which `campaign` checks again, `step_leader`'s recount at
//! `index >= committed`, its snapshot rewind at `offset <= snapshot_sent`, reached only with
//! nothing in flight, `send_snapshot_chunks`' `||` as `&&`: a follower in snapshot state always
//! has its pinned snapshot pending), one in a unit test's helper, and two that only cost time
//! or bandwidth (`step_leader`'s `hint_term > 0` with `>=`: a hint of term 0 at a non-zero index
//! comes only from a follower that could not read its own entry; its `probe_hit` with `!=`:
//! only a duplicated or delayed acknowledgement answers a probe at the known match). Shard 12
//! also found a bug in `raft.rs`, pinned by a test below (each snapshot window was sent twice;
//! fixed in ebb023f). Shards 14–16 on the 1,581 of main at 1230e4d (`raft.rs` from
//! `Node::quorum_matched` to the end, `ready.rs`, `session.rs`, `storage.rs` to
//! `MemStorage::last_index`) left 3 equivalent mutants in `raft.rs` and 8 in `Sessions`: one
//! equivalent, seven that change only how many superseded entries the table keeps in memory,
//! which no public method showed (see each shard's section header); since then
//! `Sessions::records_held` shows it, and `sessions.rs`'s
//! `a_table_holds_records_for_its_clients_not_their_commands` catches two of the seven
//! (`compact` doing nothing, and the threshold's `+ 16` as `* 16`). Shards 17–19 (`storage.rs`,
//! `tail.rs`, `types.rs`) are noted in `mutants_found_storage.rs`.

mod common;

use std::collections::BTreeSet;

use common::Stalling;

use raft_core::confchange::{apply, ConfChange};
use raft_core::config::{BreakIt, Config, ElectionPolicy, MAX_CLOCK_DRIFT_PPM};
use raft_core::membership::Membership;
use raft_core::{Bytes, Entry, MemStorage, Payload, PersistentState, Storage};

/// The (to, term, granted) of `out` when it is exactly one pre-vote answer.
fn only_pre_vote_answer(out: &[raft_core::Message]) -> Option<(u64, u64, bool)> {
    match out {
        [m] => match m.body {
            raft_core::Body::PreVoteResp { granted } => Some((m.to, m.term, granted)),
            _ => None,
        },
        _ => None,
    }
}

fn set(ids: &[u64]) -> BTreeSet<u64> {
    ids.iter().copied().collect()
}

// Dissertation §4.3 (joint consensus) with §4.2.1 (learners): entering C_old,new towards a voter
// set keeps every learner that is not becoming a voter, and a learner named among the new voters
// stops being a learner (a node is never both). Mutant: `retain(|id| voters.contains(id))`.
#[test]
fn entering_joint_keeps_other_learners_and_promotes_named_ones() {
    let mut m = Membership::with_voters([1, 2, 3]);
    m = apply(&m, &ConfChange::AddLearner { node: 4 }).unwrap();
    m = apply(&m, &ConfChange::AddLearner { node: 5 }).unwrap();
    let joint = apply(
        &m,
        &ConfChange::EnterJoint {
            voters: set(&[1, 2, 4]),
        },
    )
    .unwrap();
    assert_eq!(joint.outgoing, set(&[1, 2, 3]), "C_old is the outgoing set");
    assert_eq!(joint.voters, set(&[1, 2, 4]), "C_new is the incoming set");
    assert_eq!(
        joint.learners,
        set(&[5]),
        "S5 stays a learner; S4, now a voter of C_new, is no longer one"
    );
    assert!(joint.is_learner(5) && !joint.is_learner(4));
    // Leaving the joint configuration keeps the learners as they are.
    let new = apply(&joint, &ConfChange::LeaveJoint).unwrap();
    assert!(new.outgoing.is_empty());
    assert_eq!(new.learners, set(&[5]));
}

// Policy names are the CLI's and scenario files' spelling: each name is distinct, non-empty and
// reads back as its policy; anything else is no policy. Mutants: `name` returning "" or
// "xyzzy", `from_name` returning None or the default, `==` replaced by `!=`.
#[test]
fn election_policy_names_round_trip() {
    let names: Vec<&str> = ElectionPolicy::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["uniform", "backoff", "spread", "up_to_date_first"]);
    for p in ElectionPolicy::ALL {
        assert_eq!(ElectionPolicy::from_name(p.name()), Some(p), "{}", p.name());
    }
    for bad in ["", "xyzzy", "Spread", "spread "] {
        assert_eq!(ElectionPolicy::from_name(bad), None, "{bad:?} is no policy");
    }
}

// The unsafe switches: `any` is what marks a run UNSAFE in the simulator and the page, so it must
// see each switch on its own, and nothing when all are off. Mutants: `any` returning true or
// false, each `||` replaced by `&&`.
#[test]
fn break_it_any_sees_each_switch_alone() {
    assert!(!BreakIt::default().any(), "no switch on: safe");
    let each: [fn(&mut BreakIt); 5] = [
        |b| b.commit_old_terms = true,
        |b| b.skip_up_to_date_check = true,
        |b| b.forget_vote_on_restart = true,
        |b| b.stale_reads = true,
        |b| b.lose_unsynced_writes = true,
    ];
    for (i, turn_on) in each.iter().enumerate() {
        let mut b = BreakIt::default();
        turn_on(&mut b);
        assert!(b.any(), "switch {i} alone makes the run unsafe");
    }
}

// The planted bugs' names and sections label `raft-sim mutants`' table and its command line: each
// name distinct and in snake case, each section citing the paper or the dissertation. Mutants:
// `name`/`section` returning "" or "xyzzy". (Built only with the test-only feature, as the code.)
#[cfg(feature = "planted-bugs")]
#[test]
fn planted_bug_labels_are_distinct_and_cite_a_section() {
    use raft_core::config::PlantedBug;
    let names: BTreeSet<&str> = PlantedBug::ALL.iter().map(|b| b.name()).collect();
    assert_eq!(names.len(), PlantedBug::ALL.len(), "names are distinct");
    for b in PlantedBug::ALL {
        assert!(
            !b.name().is_empty() && b.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{:?} is named in snake case: {:?}",
            b,
            b.name()
        );
        let s = b.section();
        assert!(
            (s.starts_with("paper §") || s.starts_with("dissertation §"))
                && s.chars().last().is_some_and(|c| c.is_ascii_digit()),
            "{b:?} cites a section: {s:?}"
        );
    }
    assert_eq!(PlantedBug::ALL[0].name(), "conf_change_before_term_commit");
}

// An entry's size is what the per-message byte limit (`max_msg_bytes`) counts: 16 bytes of term
// and index, plus the command's bytes, or 8 per member of a configuration. Mutants: each `+`
// and `*` of `Entry::size` swapped.
#[test]
fn entry_size_counts_header_and_body() {
    let entry = |payload| Entry {
        term: 3,
        index: 7,
        payload,
    };
    assert_eq!(entry(Payload::Noop).size(), 16);
    assert_eq!(
        entry(Payload::Command(Bytes::from_static(b"hello"))).size(),
        21
    );
    let mut m = Membership::with_voters([1, 2, 3]);
    m.learners.insert(4);
    m.outgoing.insert(5);
    assert_eq!(entry(Payload::Membership(Box::new(m))).size(), 16 + 8 * 5);
}

// The simulator's version-2 traces were hashed over entries' Debug text, so a command prints as
// the derived `Vec<u8>` form did. Mutant: `fmt` writing nothing.
#[test]
fn payload_debug_text_is_the_version_2_trace_form() {
    assert_eq!(
        format!("{:?}", Payload::Command(Bytes::from_static(b"hi"))),
        "Command([104, 105])"
    );
    assert_eq!(format!("{:?}", Payload::Noop), "Noop");
}

// The clock-drift bound is inclusive: the largest allowed drift validates, one more is refused.
// Mutant: `>` replaced by `>=` in `Config::validate`.
#[test]
fn clock_drift_bound_is_inclusive() {
    let mut c = Config::new(1);
    c.max_clock_drift_ppm = MAX_CLOCK_DRIFT_PPM;
    assert_eq!(c.validate(), Ok(()));
    c.max_clock_drift_ppm = MAX_CLOCK_DRIFT_PPM + 1;
    assert!(c.validate().is_err());
}

// Paper §7: a log restored after a snapshot starts after the snapshot's last index and still
// knows that index's term (the consistency check of the next Append needs it). Mutants: the
// restored state losing its snapshot index or term; `snapshot_term` returning 0.
#[test]
fn a_restored_log_starts_after_its_snapshot_and_knows_its_term() {
    let e = |index| Entry {
        term: 3,
        index,
        payload: Payload::Noop,
    };
    let log = raft_core::RaftLog::restore(5, 2, vec![e(6), e(7)]).unwrap();
    assert_eq!((log.snapshot_index(), log.snapshot_term()), (5, 2));
    assert_eq!(log.first_index(), 6);
    assert_eq!((log.last_index(), log.last_term()), (7, 3));
    assert_eq!(log.term(5), Some(2), "the snapshot's last term");
    assert_eq!(log.term(4), None, "compacted away");
    let empty = raft_core::RaftLog::restore(5, 2, vec![]).unwrap();
    assert_eq!((empty.last_index(), empty.last_term()), (5, 2));
    assert!(
        raft_core::RaftLog::restore(5, 2, vec![e(7)]).is_err(),
        "a gap after the snapshot is corruption"
    );
}

// Shared runs of entries (`Entries`, what Appends and Ready carry) read exactly as the vector
// they stand for: as a slice, and by value with an exact length as the iteration goes (a
// `collect` or `extend` relies on it). Mutants: `as_ref` returning no entries, `size_hint`
// returning fixed bounds.
#[test]
fn shared_entries_read_as_their_vector() {
    let v: Vec<Entry> = (1..=3)
        .map(|index| Entry {
            term: 1,
            index,
            payload: Payload::Noop,
        })
        .collect();
    let shared = raft_core::Entries::from(v.clone());
    let slice: &[Entry] = shared.as_ref();
    assert_eq!(slice, &v[..]);
    let mut it = shared.clone().into_iter();
    assert_eq!((it.size_hint(), it.len()), ((3, Some(3)), 3));
    assert_eq!(it.next().map(|e| e.index), Some(1));
    assert_eq!(it.size_hint(), (2, Some(2)));
    assert_eq!(it.collect::<Vec<_>>(), v[1..].to_vec());
}

// Equality of shared entries is by content, against another run, a vector or a slice alike (the
// simulator's checkers and the tests compare Appends and Ready with it). Mutants: each `eq`
// returning a constant, `==` replaced by `!=`.
#[test]
fn shared_entries_compare_by_content() {
    let e = |index| Entry {
        term: 2,
        index,
        payload: Payload::Noop,
    };
    let a = raft_core::Entries::from(vec![e(1), e(2)]);
    let same = raft_core::Entries::from(vec![e(1), e(2)]);
    let other = raft_core::Entries::from(vec![e(1)]);
    assert!(a == same && a != other);
    assert!(a == vec![e(1), e(2)] && a != vec![e(2)]);
    assert!(a == [e(1), e(2)][..] && a != [e(1), e(3)][..]);
}

fn noop(term: u64, index: u64) -> Entry {
    Entry {
        term,
        index,
        payload: Payload::Noop,
    }
}

fn indexes(entries: &[Entry]) -> Vec<u64> {
    entries.iter().map(|e| e.index).collect()
}

// A slice of the log under a byte budget takes at least one entry when its range is not empty
// (an Append always makes progress, even with an entry larger than `max_msg_bytes`), and no
// entry past the budget once it took one, wherever the range starts: in memory, or in storage
// and running on into memory. Mutants: `taken = out.len() > before` in `slice_into` replaced
// by `==`, `<` or `>=`.
#[test]
fn a_byte_bounded_slice_takes_one_entry_at_least_and_none_past_the_budget() {
    // Memory only: a fresh log holds what was pushed.
    let mut log = raft_core::RaftLog::new();
    for i in 1..=3 {
        log.push(noop(1, i));
    }
    assert_eq!(
        indexes(&log.slice(1, 4, 0)),
        [1],
        "one entry even over budget"
    );
    assert_eq!(indexes(&log.slice(1, 4, 32)), [1, 2], "16 bytes per entry");
    // Storage, then memory: a restored log of 300 entries holds the last 256 in memory.
    let log = raft_core::RaftLog::restore(0, 0, (1..=300).map(|i| noop(1, i)).collect()).unwrap();
    let m = log.memory_start();
    assert!(m > 2, "older entries are read from storage");
    assert_eq!(
        indexes(&log.slice(m - 1, m + 1, 16)),
        [m - 1],
        "budget spent in storage"
    );
    assert_eq!(indexes(&log.slice(m - 1, m + 1, 32)), [m - 1, m]);
    assert_eq!(indexes(&log.slice(m - 2, m + 2, 0)), [m - 2]);
}

// Figure 2, AppendEntries rule 3, with §5.4 (a committed entry is never replaced): the log's own
// guard on truncation refuses, changing nothing, from a committed index, at the snapshot or past
// the end (a gap); otherwise it replaces the suffix and says so. (The node never asks it to
// overwrite a committed entry: `handle_append` refuses such an Append first, as
// `ContradictsCommitted`, so the guard is the log's last line of defence.)
// Mutants: in `truncate_from`, each `||` of the guard replaced by `&&`; in
// `truncate_and_extend`, the `!` deleted (appending nothing and answering false).
#[test]
fn log_truncation_refuses_committed_entries_and_gaps() {
    let mut log = raft_core::RaftLog::restore(2, 1, (3..=6).map(|i| noop(1, i)).collect()).unwrap();
    log.commit_to(4);
    let all = log.collect_entries();
    for (at, why) in [(2, "the snapshot"), (4, "committed"), (8, "a gap after 6")] {
        assert!(!log.truncate_and_append(at, &[noop(2, at)]), "{why}");
        assert_eq!(log.collect_entries(), all, "{why}: log unchanged");
    }
    assert!(
        log.truncate_and_append(5, &[noop(2, 5)]),
        "above the commit index"
    );
    assert_eq!(indexes(&log.collect_entries()), [3, 4, 5]);
    assert_eq!((log.last_index(), log.last_term()), (5, 2));
    assert!(
        log.truncate_and_append(6, &[noop(2, 6)]),
        "right after the last entry"
    );
    assert_eq!((log.last_index(), log.last_term()), (6, 2));
}

// Truncating entries that are only in memory (pushed, not yet persisted) keeps those before the
// truncation point. Mutant: `index >= self.tail_start` replaced by `<` in `truncate_from` (which
// then drops the whole memory and tries to read the kept entries back from storage).
#[test]
fn truncating_unpersisted_entries_keeps_the_ones_before() {
    let mut log = raft_core::RaftLog::new();
    for i in 1..=4 {
        log.push(noop(1, i));
    }
    assert!(log.truncate_and_append(3, &[noop(2, 3)]));
    assert_eq!(
        log.collect_entries()
            .iter()
            .map(|e| (e.index, e.term))
            .collect::<Vec<_>>(),
        [(1, 1), (2, 1), (3, 2)]
    );
    assert_eq!(log.term(1), Some(1));
}

// `RaftLog::entries` holds "at least the last LOG_CACHE_ENTRIES, or all of them after the
// snapshot when there are fewer": a truncation refills memory from storage to keep that.
// Mutants in `truncate_from`'s refill: `self.offset + 1` with `*`, `want < self.tail_start`
// with `==` or `>`, `self.tail_start - want` with `+` or `/`.
#[test]
fn a_truncation_keeps_the_cache_filled_from_storage() {
    let log_of = |n| raft_core::RaftLog::restore(0, 0, (1..=n).map(|i| noop(1, i)).collect());
    let mut log = log_of(300).unwrap();
    assert_eq!(log.memory_start(), 300 - 255, "the last 256 in memory");
    assert!(log.truncate_and_append(100, &[noop(2, 100)]));
    assert_eq!(log.memory_start(), 1, "all 100 entries are fewer than 256");
    assert_eq!(indexes(&log.entries()), (1..=100).collect::<Vec<_>>());
    // After a snapshot, the refill starts right after it.
    let mut log =
        raft_core::RaftLog::restore(10, 1, (11..=300).map(|i| noop(1, i)).collect()).unwrap();
    assert!(log.truncate_and_append(100, &[noop(2, 100)]));
    assert_eq!(log.memory_start(), 11);
}

// What a truncation replaces is not durable any more: the new entries are unpersisted, so the
// cache trimming of the next `ready()` (`stable_to_handed_out`) must keep them in memory, or a
// read would return the old entries still in storage (Log Matching, §5.3, would break). Even
// with the smallest cache (one entry, no bytes), only the entries before the cut may go.
// Mutants: `self.stable.min(index - 1)` and `self.handed_out.min(index - 1)` in `truncate_from`
// with `-` replaced by `+` or `/`.
#[test]
fn entries_a_truncation_wrote_stay_in_memory_until_persisted() {
    let mut log = raft_core::RaftLog::restore(0, 0, (1..=6).map(|i| noop(1, i)).collect()).unwrap();
    log.set_cache_limits(1, 0);
    assert!(log.truncate_and_append(5, &[noop(2, 5), noop(2, 6)]));
    log.stable_to_handed_out();
    assert!(log.memory_start() <= 5, "the new entries are held");
    let terms: Vec<_> = (1..=6).map(|i| log.term(i)).collect();
    assert_eq!(terms, [1, 1, 1, 1, 2, 2].map(Some));
    assert_eq!(log.entry(5).map(|e| e.term), Some(2));
}

// The membership entries the log knows of (dissertation §4.1: a server uses the latest
// configuration in its log, committed or not) lose those a truncation removes and keep the
// others. Mutants: `partition_point(|&i| i < index)` in `truncate_from` with `<` replaced by
// `==`, `>` or `<=`.
#[test]
fn a_truncation_forgets_the_membership_entries_it_removes() {
    let conf = |index| Entry {
        term: 1,
        index,
        payload: Payload::Membership(Box::new(Membership::with_voters([1, 2, 3]))),
    };
    let mut log = raft_core::RaftLog::restore(
        0,
        0,
        vec![
            noop(1, 1),
            noop(1, 2),
            conf(3),
            noop(1, 4),
            conf(5),
            noop(1, 6),
        ],
    )
    .unwrap();
    assert_eq!(log.conf_index_at(6), Some(5));
    assert!(log.truncate_and_append(5, &[noop(2, 5)]));
    assert_eq!(log.conf_index_at(6), Some(3), "the entry at 5 is gone");
    assert_eq!(log.conf_index_at(2), None);
}

// Committed entries go to the application in order, all of them, whether they are still in
// memory or only in storage (a node that restarts with a long committed log, or that applies
// slowly): §5.3, "apply log[lastApplied] to state machine" for each index up to commitIndex.
// `take_committed_into` appends after what the caller's vector holds. Mutants:
// `take_committed_shared`'s `lo >= self.tail_start` replaced by `<` (the stored entries
// skipped yet marked applied); `take_committed_into`'s `out.len() - before` with `+`.
#[test]
fn committed_entries_are_handed_out_from_storage_and_memory_alike() {
    let log_of = |n| {
        let mut log =
            raft_core::RaftLog::restore(0, 0, (1..=n).map(|i| noop(1, i)).collect()).unwrap();
        log.commit_to(n);
        log
    };
    let mut log = log_of(1_000);
    assert!(
        log.memory_start() > 1,
        "the oldest entries are in storage only"
    );
    let all: Vec<u64> = (1..=1_000).collect();
    assert_eq!(indexes(&log.take_committed_shared()), all);
    assert_eq!(log.applied(), 1_000);
    assert!(log.take_committed_shared().is_empty(), "each entry once");

    let mut log = log_of(1_000);
    let mut out = vec![noop(9, 99)];
    log.take_committed_into(&mut out);
    assert_eq!(indexes(&out[1..]), all);
    assert_eq!(out[0].index, 99, "what the vector held stays first");
    assert_eq!(log.applied(), 1_000);
}

// Crate doc, "Storage-backed log": while the storage cannot answer, committed entries that are
// still in memory go to the application all the same; only those in storage wait. Mutant:
// `lo < self.tail_start` in `take_committed_into` replaced by `<=` (which asks the storage for
// an empty range first, and gives up when it is not ready).
#[test]
fn committed_entries_in_memory_do_not_wait_for_the_storage() {
    let state = PersistentState {
        entries: (1..=300).map(|i| noop(1, i)).collect(),
        ..Default::default()
    };
    let disk = Stalling {
        inner: MemStorage::from_state(state),
        stalled: false,
    };
    let mut log = raft_core::RaftLog::with_storage(disk).unwrap();
    let m = log.memory_start();
    assert!(m > 1);
    log.commit_to(m - 1);
    assert_eq!(log.take_committed().len() as u64, m - 1, "the stored ones");
    log.commit_to(300);
    log.store_mut().stalled = true;
    assert_eq!(
        indexes(&log.take_committed()),
        (m..=300).collect::<Vec<_>>()
    );
    assert_eq!(log.applied(), 300);
}

/// A log restored with `n` stable entries of 16 bytes (`Noop`s of term 1), under the given
/// cache bounds.
fn stable_log(n: u64, cache_entries: usize, cache_bytes: u64) -> raft_core::RaftLog {
    let mut log = raft_core::RaftLog::restore(0, 0, (1..=n).map(|i| noop(1, i)).collect()).unwrap();
    log.set_cache_limits(cache_entries, cache_bytes);
    log
}

// The cache rule of `stable_to_handed_out` (what each `ready()` does), exactly as documented:
// stable entries held are trimmed once they reach twice `cache_entries`, or their bytes twice
// `cache_bytes`, down to `cache_entries` and `cache_bytes`; unstable entries never count as
// cached and never go; the last entry always stays. (Bounds pinned from below as well as from
// above: a cache that trims late holds more memory than configured, one that trims early reads
// storage more than it needs.) Mutants in `stable_to_handed_out`: `self.stable + 1` with `*`;
// `2 * self.cache_entries` with `+`; `e.index > self.stable` with `==` or `<`;
// `self.tail.bytes() - unstable` with `+`; `stable_bytes < trigger_bytes` with `<=`;
// `self.tail.len() - 1` with `+` or `/`.
#[test]
fn the_cache_is_trimmed_exactly_as_documented() {
    // By count: 5 held under a bound of 3 stay (5 < 2 × 3); the 6th triggers, leaving 3.
    for (n, start) in [(5, 1), (6, 4)] {
        let mut log = stable_log(n, 3, u64::MAX);
        log.stable_to_handed_out();
        assert_eq!(log.memory_start(), start, "{n} stable entries, bound 3");
    }
    // By bytes, with unstable entries after the stable ones: 4 stable (64 bytes) reach twice
    // the 32-byte bound and go down to 32 bytes; the 4 unstable ones stay whatever their bytes.
    let mut log = stable_log(4, 256, 32);
    for i in 5..=8 {
        log.push(noop(1, i));
    }
    log.stable_to_handed_out();
    assert_eq!(log.memory_start(), 3, "two stable entries left, 32 bytes");
    assert_eq!(log.memory_bytes(), 6 * 16);
    // Nothing cached allowed: every stable entry goes but the last, whose term the log reads.
    let mut log = stable_log(4, 1, 0);
    log.stable_to_handed_out();
    assert_eq!(log.memory_start(), 4);
    assert_eq!((log.last_index(), log.last_term()), (4, 1));
}

// Paper §7: compaction replaces the entries up to the snapshot by the snapshot, whose metadata
// carries their configuration; the log's membership entries are "above the snapshot" only, so
// none at or below it is reported any more. Mutant: `partition_point(|&i| i <= index)` in
// `compact_to` with `<=` replaced by `>`.
#[test]
fn compaction_forgets_the_membership_entries_it_covers() {
    let conf = |index| Entry {
        term: 1,
        index,
        payload: Payload::Membership(Box::new(Membership::with_voters([1, 2, 3]))),
    };
    let entries = |confs: &[u64]| {
        (1..=8)
            .map(|i| {
                if confs.contains(&i) {
                    conf(i)
                } else {
                    noop(1, i)
                }
            })
            .collect::<Vec<_>>()
    };
    let mut log = raft_core::RaftLog::restore(0, 0, entries(&[3])).unwrap();
    log.compact_to(5, 1);
    assert_eq!(
        log.conf_index_at(8),
        None,
        "the entry at 3 is in the snapshot"
    );
    let mut log = raft_core::RaftLog::restore(0, 0, entries(&[3, 7])).unwrap();
    log.compact_to(5, 1);
    assert_eq!(log.conf_index_at(6), None);
    assert_eq!(log.conf_index_at(8), Some(7));
}

// Leaving the snapshot state, the leader probes from just after the snapshot it sent, not from
// the older match (as etcd's `Progress.BecomeProbe`: the entries it covers are compacted, so a
// probe below it would only bring another snapshot); from any other state, from just after the
// match. Mutant: `self.state == ProgressState::Snapshot` in `become_probe` with `!=`.
#[test]
fn probing_resumes_after_the_snapshot_sent_or_the_match() {
    use raft_core::{Progress, ProgressState};
    let mut pr = Progress::new(20);
    pr.matched = 3;
    pr.become_snapshot(10);
    assert_eq!(pr.state, ProgressState::Snapshot);
    pr.become_probe();
    assert_eq!((pr.state, pr.next), (ProgressState::Probe, 11));
    let mut pr = Progress::new(20);
    pr.matched = 3;
    pr.become_replicate();
    pr.sent(8, 5);
    pr.become_probe();
    assert_eq!((pr.state, pr.next), (ProgressState::Probe, 4));
}

// `Progress`'s invariant: `matched < next`, and in `Replicate` every in-flight message ends at an
// index in `matched+1..next` (Figure 2: nextIndex is past matchIndex). So an acknowledgement
// beyond `next` moves `next` past it, and an append carrying no entries takes no slot of the
// window. Mutants: `index + 1` in `maybe_update` with `-`; `entries > 0` in `sent` with `>=`.
#[test]
fn progress_keeps_next_past_the_match_and_empty_appends_out_of_the_window() {
    use raft_core::Progress;
    let mut pr = Progress::new(5);
    assert!(pr.maybe_update(10));
    assert_eq!((pr.matched, pr.next), (10, 11));
    pr.become_replicate();
    pr.sent(10, 0);
    assert!(pr.inflight.is_empty(), "an empty append is not in flight");
    assert!(!pr.is_paused(1), "and leaves the window open");
    pr.sent(12, 2);
    assert_eq!((pr.next, pr.inflight.len()), (13, 1));
    assert!(pr.is_paused(1));
}

// §5.3: "if AppendEntries fails because of log inconsistency: decrement nextIndex and retry";
// only the rejection of the append last sent counts (a stale one, of an earlier probe, is
// ignored), and a rejection while streaming falls back to just after the match, keeping
// `matched < next`. Mutants in `maybe_decr_to`: `self.matched + 1` (Replicate) with `-` or `*`;
// `self.next == 0 || self.next - 1 != rejected` with `&&`.
#[test]
fn a_rejection_moves_next_back_only_when_it_answers_the_last_append() {
    use raft_core::Progress;
    let mut pr = Progress::new(10);
    assert!(
        !pr.maybe_decr_to(5, 3),
        "the probe in flight is at 9, not 5"
    );
    assert_eq!(pr.next, 10);
    assert!(pr.maybe_decr_to(9, 3), "the answer to the probe at 9");
    assert_eq!(pr.next, 4, "just after the follower's hint");
    let mut pr = Progress::new(10);
    pr.matched = 5;
    pr.become_replicate();
    pr.sent(8, 3);
    assert!(!pr.maybe_decr_to(5, 0), "at or below the match: stale");
    assert!(pr.maybe_decr_to(7, 0));
    assert_eq!((pr.matched, pr.next), (5, 6));
}

// The leader's progress map iterates as the `BTreeMap` it replaces: in id order, with an exact
// length as the iteration goes (`ExactSizeIterator::len`, `collect` rely on it). Mutants:
// `ProgressMap`'s `Iter::size_hint` returning fixed bounds (cargo-mutants shard 6/20).
#[test]
fn the_progress_map_iterates_in_id_order_with_an_exact_length() {
    use raft_core::{Progress, ProgressMap};
    let map: ProgressMap = [3, 1, 2]
        .map(|id| (id, Progress::new(1)))
        .into_iter()
        .collect();
    let mut it = map.iter();
    assert_eq!((it.size_hint(), it.len()), ((3, Some(3)), 3));
    assert_eq!(it.next().map(|(id, _)| *id), Some(1));
    assert_eq!(it.size_hint(), (2, Some(2)));
    assert_eq!(it.map(|(id, _)| *id).collect::<Vec<_>>(), [2, 3]);
}

// `Node::sending_snapshot`, what a compaction policy waits on (raft-sim, raft-kv and the
// reference node ask it before compacting): true only while a follower heard from in the current
// CheckQuorum round is receiving a snapshot (§7), so a follower that went silent does not hold
// compaction back for ever. Mutants: the method returning a constant; `==` with `!=`; either
// `&&` with `||` (cargo-mutants shard 8/20).
#[test]
fn the_leader_says_while_a_live_follower_is_receiving_a_snapshot() {
    use common::{config, three, Network};
    let mut net = Network::with_config(three(), |id| {
        let mut c = config(id);
        c.max_msg_bytes = 16;
        c
    });
    net.elect(1);
    assert!(
        !net.node(1).sending_snapshot(),
        "every follower is up to date"
    );
    let index = net.leave_node_3_behind_a_snapshot(&[7; 1024]);
    assert!(!net.node(1).sending_snapshot(), "node 3 not heard from yet");
    let (heartbeat, round) = {
        let c = net.node(1).config();
        (c.heartbeat_interval, c.election_timeout_min)
    };
    net.tick(1, heartbeat);
    net.deliver_where(|m| !is_chunk(m));
    assert!(
        net.queue().iter().any(|m| is_chunk(m) && m.to == 3),
        "node 3 answered the heartbeat and the transfer started"
    );
    assert!(net.node(1).sending_snapshot());
    // Node 3 goes silent, node 2 keeps answering: after the next CheckQuorum round node 3 is no
    // longer recently active, though its transfer is still pinned.
    net.cut(1, 3);
    for _ in 0..round.div_ceil(heartbeat) {
        net.tick(1, heartbeat);
        net.deliver();
    }
    assert_eq!(net.node(1).role(), raft_core::Role::Leader);
    assert!(
        !net.node(1).sending_snapshot(),
        "a silent follower does not hold compaction back"
    );
    // Back in touch, node 3 completes the install; nothing is being sent any more.
    net.heal();
    for _ in 0..20 {
        net.tick(1, heartbeat);
        net.deliver();
        if net.node(3).log().snapshot_index() >= index {
            break;
        }
    }
    assert_eq!(net.node(3).log().snapshot_index(), index);
    assert!(!net.node(1).sending_snapshot(), "the install is complete");
}

// `Node::advance` hands a handled Ready back "so that the next `ready()` reuses its vectors'
// memory instead of allocating", emptied first: a driver calling it never sees a message twice,
// and stops allocating once the vectors are as large as its Readies need. (The node double-
// buffers, so the vector comes back within two Readies.) Mutants: `advance` or its `keep`
// doing nothing; `v.capacity() > spare.capacity()` with `==` or `<` (cargo-mutants shard 8/20).
#[test]
fn advance_gives_the_vectors_back_emptied_for_the_next_readies() {
    let mut node = raft_core::Node::new(Config::new(1), Membership::with_voters(1..=5)).unwrap();
    node.step(raft_core::Input::Campaign).unwrap();
    let first = node.ready();
    node.storage_mut().persist(&first);
    assert_eq!(first.messages.len(), 4, "a pre-vote request to each peer");
    let cap = first.messages.capacity();
    node.advance(first);
    let (second, third) = (node.ready(), node.ready());
    assert!(second.messages.is_empty() && third.messages.is_empty());
    assert!(
        second.messages.capacity().max(third.messages.capacity()) >= cap,
        "the vector of {cap} came back"
    );
}

// `MAX_INDEX` is the last index a log may reach, not the first it may not: a node restarts on a
// log ending exactly there (every `index + 1` it computes still fits) and refuses one past it as
// `PastTheBounds`. Mutant: `log.last_index() > MAX_INDEX` in `Node::with_storage` with `>=`
// (cargo-mutants shard 7/20).
#[test]
fn a_log_may_end_at_max_index_but_not_past_it() {
    use raft_core::reason::Corruption;
    use raft_core::{Error, HardState, MAX_INDEX};
    let ending_at = |last: u64| PersistentState {
        hard_state: HardState {
            term: 2,
            vote: None,
        },
        membership: Membership::with_voters([1, 2, 3]),
        snapshot_index: last - 1,
        snapshot_term: 1,
        entries: vec![noop(2, last)],
        ..Default::default()
    };
    let node = raft_core::Node::restore(Config::new(1), ending_at(MAX_INDEX)).unwrap();
    assert_eq!(node.log().last_index(), MAX_INDEX);
    assert!(matches!(
        raft_core::Node::restore(Config::new(1), ending_at(MAX_INDEX + 1)),
        Err(Error::CorruptState(Corruption::PastTheBounds))
    ));
}

// Paper §7: a snapshot survives a restart, and the leader still "uses InstallSnapshot to send
// snapshots to followers that are too far behind" after one: a node restored from a snapshot
// holds it (`Node::snapshot`), a fresh node holds none. Mutants: `stored.meta.index > 0` in
// `Node::with_storage` with `==`, `<` (a restarted leader without its snapshot cannot catch the
// follower up) or `>=` (a fresh node claiming an empty snapshot) (cargo-mutants shard 7/20).
#[test]
fn a_restarted_leader_still_sends_its_snapshot_to_a_follower_behind_it() {
    use common::{config, three, Network};
    // Without PreVote and CheckQuorum, so that the restarted node 1 can win again at once.
    let mut net = Network::with_config(three(), |id| {
        let mut c = config(id);
        (c.pre_vote, c.check_quorum) = (false, false);
        c
    });
    assert!(net.node(1).snapshot().is_none(), "a fresh node holds none");
    net.elect(1);
    let index = net.leave_node_3_behind_a_snapshot(b"state at the snapshot");
    net.reboot(1);
    let held = net.node(1).snapshot().expect("the snapshot survives");
    assert_eq!(
        (held.meta.index, &held.data[..]),
        (index, &b"state at the snapshot"[..])
    );
    net.elect(1);
    net.deliver();
    assert_eq!(
        net.node(3).log().snapshot_index(),
        index,
        "node 3 caught up"
    );
    assert_eq!(
        net.node(3).snapshot().unwrap().data,
        b"state at the snapshot"
    );
    assert_eq!(
        net.node(3).log().last_index(),
        net.node(1).log().last_index()
    );
}

// Dissertation §6.4.1 (lease reads): a leader in lease mode times its lease from the heartbeat
// rounds a quorum answered, so it holds the rounds sent within one lease (a round every
// heartbeat interval, none older than a lease), whether or not reads arrive; a follower, or a
// leader reading by ReadIndex, holds none. Mutants: `Node::lease_rounds_held` returning 0 or 1
// (the bound test in transfer_and_reads.rs checks only "at most 4") (cargo-mutants shard 8/20).
#[test]
fn a_lease_leader_holds_one_lease_of_heartbeat_rounds() {
    use common::{config, three, Network};
    use raft_core::ReadMode;
    let held = |mode| {
        let mut net = Network::with_config(three(), |id| {
            let mut c = config(id);
            c.read_mode = mode;
            c
        });
        net.elect(1);
        net.run(1_000);
        assert_eq!(net.leader(), Some(1));
        assert_eq!(net.node(2).lease_rounds_held(), 0, "a follower holds none");
        net.node(1).lease_rounds_held()
    };
    // A lease of just under 150 ticks, a round every 50.
    let lease = held(ReadMode::Lease);
    assert!((2..=4).contains(&lease), "{lease} rounds held");
    assert_eq!(held(ReadMode::Safe), 0);
}

// `ElectionPolicy::Spread` as documented (Raft §5.2 randomized timeouts, dissertation §9.3): a
// node "draws uniformly in the first quarter of its slot", every tick of it, and falls back to
// the uniform draw in `[min, max)` when the slots would be narrower than a tick. Mutants in
// `Node::draw_timeout`: `(width / 4).max(1)` with `%` (two ticks of the seven drawn); the
// fallback `min + r % span` with `-` (below the minimum); in `Node::spread_slot`, `span` as
// `max + min` and `span / slots == 0` as `*` (no fallback), and `% slots` of the rotation as
// `+ slots` (an overflow with the largest seeds) (cargo-mutants shard 9/20).
#[test]
fn spread_draws_over_its_whole_quarter_slot_and_falls_back_to_uniform() {
    let cfg = |id, seed, max| {
        let mut c = Config::new(id);
        c.election_policy = ElectionPolicy::Spread;
        (c.seed, c.election_timeout_min, c.election_timeout_max) = (seed, 150, max);
        c
    };
    let timeout = |id, seed, max| {
        raft_core::Node::new(cfg(id, seed, max), Membership::with_voters(1..=5))
            .unwrap()
            .election_timeout()
    };
    // 150–300, five voters, term 0, no leader: slots of 30 ticks in id order rotated by the
    // seed (any seed, the largest too), each drawn in its first 7 ticks.
    let mut offsets = BTreeSet::new();
    for seed in (0..40).chain(u64::MAX - 4..=u64::MAX) {
        for id in 1..=5 {
            let lo = 150 + (id - 1 + seed % 5) % 5 * 30;
            offsets.insert(timeout(id, seed, 300) - lo);
        }
    }
    assert_eq!(offsets, (0..7).collect(), "every tick of the quarter slot");
    // 150–153: three ticks for five voters, no slot a tick wide: uniform in [150, 153).
    let mut draws = BTreeSet::new();
    for seed in 0..40 {
        for id in 1..=5 {
            draws.insert(timeout(id, seed, 153));
        }
    }
    assert_eq!(draws, set(&[150, 151, 152]));
}

// ----- cargo-mutants shard 10/20 (sampled by the mutants helper; tests by the lead) -------------

/// Dissertation §9.6: a pre-vote round that times out keeps the *grants* it received, never the
/// refusals. A pre-candidate of a 5-voter cluster with one grant and two refusals, whose round
/// times out, must not count itself elected by them: no real election starts, its term stays.
/// (Shard 10: `granted && id != me` as `||` carried refusals over as grants.)
#[test]
fn a_timed_out_pre_vote_round_keeps_grants_not_refusals() {
    use common::{config, msg, Solo};
    use raft_core::{Body, Input, Message};
    let five = Membership::with_voters([1, 2, 3, 4, 5]);
    let mut s = Solo::new(config(1), five);
    s.step(Input::Campaign).unwrap();
    let term = s.node.term();
    let pre_votes = s.take_msgs();
    assert!(pre_votes
        .iter()
        .all(|m| matches!(m.body, Body::PreVote { .. })));
    // A grant echoes the term the pre-candidate would campaign in; a refusal carries the
    // voter's own term.
    let answer = |from, granted| {
        let t = if granted { term + 1 } else { term };
        msg(from, 1, t, Body::PreVoteResp { granted })
    };
    s.recv(answer(2, true));
    s.recv(answer(3, false));
    s.recv(answer(4, false));
    s.take_msgs();
    // The round runs out of time: a new pre-vote round, with the one grant kept (2 of 5).
    let timeout = s.node.config().election_timeout_max;
    s.step(Input::Tick(timeout)).unwrap();
    let sent: Vec<Message> = s.take_msgs();
    assert_eq!(s.node.term(), term, "no real election: {sent:?}");
    assert!(
        !sent.iter().any(|m| matches!(m.body, Body::Vote { .. })),
        "two refusals are not grants: {sent:?}"
    );
    // A second grant now makes a majority with the kept one: the real election starts.
    s.recv(answer(5, true));
    assert_eq!(s.node.term(), term + 1);
}

/// Dissertation §3.10: a transfer completes when *its target* campaigns in a later term. A
/// higher-term message from another node (here its heartbeat as a later term's leader) deposes
/// the leader but is not the transfer completing,
/// and must not be reported as one (to that other node). (Shard 10: `self.transfer.is_some() &&
/// self.transfer == Some(m.from)` as `||`.)
#[test]
fn only_the_transfer_target_completes_a_transfer() {
    use common::{config, msg, Solo};
    use raft_core::{Body, Event, Input, TransferStep};
    let five = Membership::with_voters([1, 2, 3, 4, 5]);
    let mut s = Solo::new(config(1), five);
    s.make_leader();
    let term = s.node.term();
    s.step(Input::TransferLeader(2)).unwrap();
    s.take_events();
    // Node 3 leads a later term (it won an election 1 did not hear of).
    s.recv(msg(
        3,
        1,
        term + 1,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    let events = s.take_events();
    assert!(
        !events.iter().any(|e| matches!(
            e,
            Event::Transfer {
                what: TransferStep::Completed,
                ..
            }
        )),
        "node 3 was not the target: {events:?}"
    );
    assert_ne!(
        s.node.role(),
        raft_core::Role::Leader,
        "deposed all the same"
    );
}

/// Dissertation §9.6 (as etcd/raft): a PreVote request from a stale term is answered with a
/// refusal carrying this node's term, so that the stale pre-candidate learns the newer term
/// (it would otherwise time out and retry in its old term for ever, never hearing one).
/// (Shard 10: deleting that refusal.)
#[test]
fn a_stale_pre_vote_request_is_refused_with_the_current_term() {
    use common::{config, msg, three, Solo};
    use raft_core::{Body, Input};
    let mut s = Solo::new(config(1), three());
    s.step(Input::Tick(0)).unwrap();
    s.recv(msg(
        2,
        1,
        5,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    s.take_msgs();
    assert_eq!(s.node.term(), 5);
    s.recv(msg(
        3,
        1,
        3,
        Body::PreVote {
            last_index: 0,
            last_term: 0,
        },
    ));
    let out = s.take_msgs();
    assert_eq!(only_pre_vote_answer(&out), Some((3, 5, false)), "{out:?}");
}

// ----- cargo-mutants shard 11/20 (sampled by the mutants helper) -------------------------------
// Main at f9ac39c, 79 mutants (`raft.rs` `step_message` to `step_leader`): 71 caught before these
// tests, 77 after (97.5%); left: `leader_last`'s `>=` and `TimeoutNow`'s guard (equivalent).

/// Dissertation §6.4.1 (lease reads): a follower that heard the leader promises not to campaign
/// for `election_timeout_min` after it did, and a node restarted in lease mode keeps that promise
/// for `election_timeout_min` after the restart. `Error::LeasePromised` says exactly how many ticks
/// are left, counted from whichever of the two ends later, and none once both have.
/// (Shard 11: `Node::lease_ticks_left`
/// returning 1 and its `min - self.ticks` with `+`; `Node::in_restart_lease`'s `<` with `<=`.)
#[test]
fn a_lease_promise_refuses_a_campaign_with_the_exact_ticks_left() {
    use common::{config, msg, persisted, three, Solo};
    use raft_core::{Body, Error, Input, ReadMode};
    let lease = |id| {
        let mut c = config(id);
        c.read_mode = ReadMode::Lease;
        c
    };
    let min = lease(1).election_timeout_min;
    // A follower heard leader 2's heartbeat 40 ticks ago.
    let mut s = Solo::new(lease(1), three());
    let beat = Body::Heartbeat {
        commit: 0,
        read_ctx: 0,
    };
    s.recv(msg(2, 1, 1, beat.clone()));
    s.step(Input::Tick(40)).unwrap();
    assert_eq!(
        s.step(Input::Campaign),
        Err(Error::LeasePromised {
            ticks_left: min - 40
        })
    );
    // The same node restarted 30 ticks ago: it knows no leader, only its restart.
    let mut s = Solo::restore(lease(1), persisted(1, &[1], &three()));
    s.step(Input::Tick(30)).unwrap();
    assert_eq!(
        s.step(Input::Campaign),
        Err(Error::LeasePromised {
            ticks_left: min - 30
        })
    );
    // The restart's promise ends exactly `election_timeout_min` ticks after the restart.
    let mut r = Solo::restore(lease(1), persisted(1, &[1], &three()));
    r.step(Input::Tick(min - 1)).unwrap();
    assert_eq!(
        r.step(Input::Campaign),
        Err(Error::LeasePromised { ticks_left: 1 })
    );
    r.step(Input::Tick(1)).unwrap();
    assert_eq!(r.step(Input::Campaign), Ok(None), "the promise has ended");
    // Then it hears a leader at tick 100 and waits 10 more: the later of the two ends counts
    // (140 ticks left of the heartbeat's promise, 40 of the restart's).
    s.step(Input::Tick(70)).unwrap();
    s.recv(msg(2, 1, 1, beat));
    s.step(Input::Tick(10)).unwrap();
    assert_eq!(
        s.step(Input::Campaign),
        Err(Error::LeasePromised {
            ticks_left: min - 10
        })
    );
}

/// Dissertation §9.6 with the back-off after a vote: a node that just voted for *another*
/// candidate gives it an election timeout before it supports another pre-candidate, but a node
/// whose vote is its own (it is campaigning) backs no one: a pre-vote for a later term from a
/// peer with an up-to-date log is granted, as PreVote asks, even right after that earlier vote.
/// (Shard 11: `v != m.from && v != self.cfg.id` in `handle_vote_request` with `||`.)
#[test]
fn a_candidate_backing_itself_grants_a_later_pre_vote() {
    use common::{config, msg, pre_vote, three, vote, Solo};
    use raft_core::{Body, Input, Role};
    let mut s = Solo::new(config(1), three());
    // Term 1: node 1 votes for node 2 (the vote that starts the back-off)...
    s.recv(vote(2, 1, 1, (0, 0)));
    assert!(matches!(
        s.take_msgs()[..],
        [raft_core::Message {
            body: Body::VoteResp { granted: true },
            ..
        }]
    ));
    // ...then, hearing no leader, campaigns itself: a pre-vote round, then term 2 as candidate.
    s.step(Input::Campaign).unwrap();
    s.recv(msg(3, 1, 2, Body::PreVoteResp { granted: true }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Candidate, 2));
    s.take_msgs();
    // Node 3 pre-campaigns for term 3 at once: node 1 backs no other candidate.
    s.recv(pre_vote(3, 1, 3, (0, 0)));
    let out = s.take_msgs();
    assert_eq!(only_pre_vote_answer(&out), Some((3, 3, true)), "{out:?}");
}

/// Dissertation §9.6: a server grants a pre-vote only if it would grant the real vote that
/// follows. A pre-vote that asks for the recipient's *current* term, in which it follows a known
/// leader, is refused (a real vote in that term would be: §5.2, one vote per term), and the
/// refusal carries that term. (Shard 11: `m.term > self.term` in `handle_vote_request` with
/// `>=`.)
#[test]
fn a_pre_vote_for_the_current_term_is_refused_by_a_follower_of_its_leader() {
    use common::{config, msg, pre_vote, three, Solo};
    use raft_core::Body;
    let mut s = Solo::new(config(1), three());
    s.recv(msg(
        2,
        1,
        5,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    assert_eq!((s.node.term(), s.node.leader()), (5, Some(2)));
    s.take_msgs();
    // Node 3, at term 4 with an empty log, pre-campaigns for term 5.
    s.recv(pre_vote(3, 1, 5, (0, 0)));
    let out = s.take_msgs();
    assert_eq!(only_pre_vote_answer(&out), Some((3, 5, false)), "{out:?}");
}

/// §5.2 with dissertation §9.6: a candidate wins on real votes of its term only; a pre-vote grant
/// is no vote. A granted pre-vote answer for the next term reaching a candidate (no honest peer
/// sends one then: a candidate of term T asked its pre-votes for T; this one is forged or
/// misrouted) changes nothing, and the real votes still decide. (Shard 11: the guard
/// `self.role == Role::PreCandidate` of `step_candidate`'s `PreVoteResp` arm replaced by `true`,
/// which counted that answer as a vote and made the candidate leader on its own vote.)
#[test]
fn a_candidate_counts_no_pre_vote_answer_as_a_vote() {
    use common::{config, msg, three, Solo};
    use raft_core::{Body, Input, Role};
    let mut s = Solo::new(config(1), three());
    s.step(Input::Campaign).unwrap();
    s.recv(msg(2, 1, 1, Body::PreVoteResp { granted: true }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Candidate, 1));
    s.recv(msg(3, 1, 2, Body::PreVoteResp { granted: true }));
    assert_eq!(
        (s.node.role(), s.node.term()),
        (Role::Candidate, 1),
        "a pre-vote answer elected the candidate"
    );
    s.recv(msg(3, 1, 1, Body::VoteResp { granted: true }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Leader, 1));
}

// ----- cargo-mutants shard 12/20 (sampled by the mutants helper) -------------------------------
// Main at f9ac39c, 79 mutants (`step_leader` to `send_snapshot_chunks`), 1 unviable: 54 caught and
// 2 timeouts before these tests, 71 and 2 after (93.6% of 78); left: 5 (see the note at the top).

/// A 3-node cluster whose leader 1 sends chunks of 16 bytes, 4 in flight at most, and node 3
/// left behind a snapshot of 1 KiB (64 chunks); returns the network, the snapshot's index and
/// its data.
fn behind_a_snapshot_larger_than_the_window() -> (common::Network, u64, Vec<u8>) {
    use common::{config, three, Network};
    let mut net = Network::with_config(three(), |id| {
        let mut c = config(id);
        (c.max_msg_bytes, c.max_inflight) = (16, 4);
        c
    });
    net.elect(1);
    let data: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let index = net.leave_node_3_behind_a_snapshot(&data);
    (net, index, data)
}

/// Whether `m` is a chunk of a snapshot.
fn is_chunk(m: &raft_core::Message) -> bool {
    matches!(m.body, raft_core::Body::Snapshot { .. })
}

/// [`behind_a_snapshot_larger_than_the_window`], then one heartbeat interval on node 1 with
/// everything but the chunks delivered: the transfer has started and its first window of chunks
/// is in flight. Also the heartbeat interval.
fn transfer_under_way() -> (common::Network, u64, Vec<u8>, u64) {
    let (mut net, index, data) = behind_a_snapshot_larger_than_the_window();
    let heartbeat = net.node(1).config().heartbeat_interval;
    net.tick(1, heartbeat);
    net.deliver_where(|m| !is_chunk(m));
    (net, index, data, heartbeat)
}

/// Paper §7 (InstallSnapshot in chunks, Figure 13's `offset`), pipelined: a snapshot larger than
/// the window of `max_inflight` chunks reaches a follower whole, the window moving on with each
/// acknowledgement (`SnapshotResp`), within a few heartbeat intervals. (Shard 12: deleting
/// `step_leader`'s `SnapshotResp` arm; every heartbeat then resent the first window and the
/// install never completed.)
#[test]
fn a_snapshot_larger_than_the_window_arrives_whole() {
    let (mut net, index, data) = behind_a_snapshot_larger_than_the_window();
    let heartbeat = net.node(1).config().heartbeat_interval;
    for _ in 0..5 {
        net.tick(1, heartbeat);
        net.deliver();
    }
    assert_eq!(net.node(3).log().snapshot_index(), index, "installed");
    assert_eq!(net.node(3).snapshot().unwrap().data, data);
    assert_eq!(
        net.node(3).log().last_index(),
        net.node(1).log().last_index()
    );
}

/// Paper §7, chunked and pipelined: on a network that loses nothing, each chunk of a snapshot
/// goes once. It went twice (found while testing shard 12's `SnapshotResp` mutant; fixed in
/// ebb023f, found there too by `paper_7_snapshots::the_first_burst_of_chunks_fills_the_window_exactly`):
/// the heartbeat answer that starts the transfer (`step_leader`, `HeartbeatResp`) first sent
/// the window through `send_append` → `send_snapshot_chunks(to, true)`, then found
/// `snapshot_progressed` false (nothing acknowledged yet, as the transfer had just begun), took
/// the transfer for stalled and resent the same window; the follower answered each copy, and the
/// repeated acknowledgements (offset equal to the acknowledged one, below the sent one, with
/// `snapshot_progressed` set) triggered the "skipped a chunk" rewind, which resent every later
/// window too: 128 chunks for 64.
#[test]
fn each_chunk_of_a_snapshot_goes_once_on_a_lossless_network() {
    use raft_core::Body;
    let (mut net, index, _) = behind_a_snapshot_larger_than_the_window();
    let heartbeat = net.node(1).config().heartbeat_interval;
    for _ in 0..5 {
        net.tick(1, heartbeat);
        net.deliver();
    }
    assert_eq!(net.node(3).log().snapshot_index(), index, "installed");
    let mut offsets: Vec<u64> = net
        .sent(|m| m.to == 3)
        .iter()
        .filter_map(|m| match m.body {
            Body::Snapshot { offset, .. } => Some(offset),
            _ => None,
        })
        .collect();
    offsets.sort_unstable();
    assert_eq!(
        offsets,
        (0..64).map(|k| k * 16).collect::<Vec<u64>>(),
        "each chunk once"
    );
}

/// Fast backtracking (§5.3: "the protocol can be optimized to reduce the number of rejected
/// AppendEntries RPCs"): a follower whose log is a prefix of the leader's rejects the first
/// Append with a hint at its last entry, and the leader's next Append starts right there; it
/// never re-sends the entries the follower holds. (Rejections alone do not show it: probing from
/// index 1 also costs one.) (Shard 12: `pr.state == ProgressState::Replicate` before
/// `become_probe` with `!=`, which sent a probing follower back to `matched + 1`, index 1.)
#[test]
fn a_rejected_probe_moves_to_the_followers_hint_not_to_the_start() {
    use common::{config, persisted, three, Network};
    use raft_core::Body;
    let m = three();
    let (long, short) = ([1; 50], [1; 40]);
    let mut net = Network::from_states(
        vec![
            (1, persisted(1, &long, &m)),
            (2, persisted(1, &short, &m)),
            (3, persisted(1, &long, &m)),
        ],
        config,
    );
    net.campaign(1);
    net.deliver();
    assert_eq!(net.leader(), Some(1));
    assert_eq!(
        net.node(2).log().last_index(),
        net.node(1).log().last_index()
    );
    let prevs: Vec<u64> = net
        .sent(|m| m.from == 1 && m.to == 2)
        .iter()
        .filter_map(|m| match m.body {
            Body::Append { prev_index, .. } => Some(prev_index),
            _ => None,
        })
        .collect();
    assert_eq!(
        prevs.iter().min(),
        Some(&40),
        "Appends to node 2: {prevs:?}"
    );
}

/// Paper §7: a follower the leader is sending a snapshot to keeps receiving it until it
/// acknowledges the snapshot's index; a delayed acknowledgement of an older entry (sent before
/// the follower was cut off) moves its match but does not abandon the transfer for a probe that
/// would only lead back to a snapshot sent again from its first byte. (Shard 12: the guard
/// `pr.matched >= pr.pending_snapshot` of `step_leader`'s `ProgressState::Snapshot` arm replaced by
/// `true`.)
#[test]
fn a_delayed_acknowledgement_does_not_abandon_a_snapshot_transfer() {
    use common::msg;
    use raft_core::{Body, ProgressState};
    let (mut net, index, data, heartbeat) = transfer_under_way();
    let state = |net: &common::Network| {
        let pr = &net.node(1).progress().unwrap()[&3];
        (pr.state, pr.pending_snapshot, pr.matched)
    };
    assert_eq!(state(&net), (ProgressState::Snapshot, index, 1));
    let term = net.node(1).term();
    net.deliver_msg(msg(
        3,
        1,
        term,
        Body::AppendResp {
            index: 2,
            reject: false,
            hint_index: 0,
            hint_term: 0,
        },
    ));
    assert_eq!(state(&net), (ProgressState::Snapshot, index, 2));
    assert!(net.node(1).sending_snapshot());
    for _ in 0..5 {
        net.tick(1, heartbeat);
        net.deliver();
    }
    assert_eq!(net.node(3).snapshot().unwrap().data, data);
}

/// A 3-node cluster with at most 2 appends in flight per follower, node 1 elected and every
/// follower streaming (Replicate).
fn window_of_two() -> common::Network {
    use common::{config, three, Network};
    let mut net = Network::with_config(three(), |id| {
        let mut c = config(id);
        c.max_inflight = 2;
        c
    });
    net.elect(1);
    net.deliver();
    net
}

fn is_append_to_2(m: &raft_core::Message) -> bool {
    m.to == 2 && matches!(m.body, raft_core::Body::Append { .. })
}

/// Flow control (etcd's inflight window, which §10.2.1 of the dissertation's pipelining needs):
/// a follower never has more than `max_inflight` appends unacknowledged. The one exception, a
/// slot freed per heartbeat interval, is for a *full* window whose appends were all lost; a
/// heartbeat answer while the window still has room frees nothing. (Shard 12: in `step_leader`'s
/// `HeartbeatResp` arm, either `&&` of `Replicate && inflight.len() >= max_inflight &&
/// slot_freed_at…` with `||`, which let a third append through a window of two.)
#[test]
fn a_heartbeat_answer_frees_no_slot_of_a_window_with_room() {
    use raft_core::Body;
    let mut net = window_of_two();
    let heartbeat = net.node(1).config().heartbeat_interval;
    // Node 2's acknowledgements are all held back from here on; its heartbeat answers are not.
    let not_acked =
        |m: &raft_core::Message| !(m.from == 2 && matches!(m.body, Body::AppendResp { .. }));
    let before = net.sent(is_append_to_2).len();
    net.propose(1, b"a").unwrap();
    net.deliver_where(not_acked);
    // One append in flight of two: the heartbeat answer leaves it counted.
    net.tick(1, heartbeat);
    net.deliver_where(not_acked);
    net.propose(1, b"b").unwrap();
    net.deliver_where(not_acked);
    net.propose(1, b"c").unwrap();
    net.deliver_where(not_acked);
    let carrying: Vec<_> = net.sent(is_append_to_2)[before..]
        .iter()
        .filter(|m| matches!(&m.body, Body::Append { entries, .. } if !entries.is_empty()))
        .map(|m| (*m).clone())
        .collect();
    assert_eq!(carrying.len(), 2, "a window of two: {carrying:?}");
}

/// Flow control's escape from a full window of lost appends (one slot freed per heartbeat
/// interval, so that an append goes out, is rejected and sends the follower back to probing)
/// works every time it is needed, not only the first: a follower that loses a whole window twice,
/// intervals apart, catches up both times (§5.3: the leader retries until the follower's log
/// matches). (Shard 12: `now.saturating_sub(t) >= interval` in `step_leader` with `<`, which
/// after the first rescue never freed a slot again and left node 2 behind for good.)
#[test]
fn a_follower_that_loses_a_full_window_twice_catches_up_both_times() {
    let mut net = window_of_two();
    let heartbeat = net.node(1).config().heartbeat_interval;
    for round in 0..2 {
        for data in [b"x", b"y"] {
            net.propose(1, data).unwrap();
            net.drop_where(is_append_to_2);
            net.deliver();
        }
        assert!(net.node(2).log().last_index() < net.node(1).log().last_index());
        for _ in 0..4 {
            net.tick(1, heartbeat);
            net.deliver();
        }
        assert_eq!(
            net.node(2).log().last_index(),
            net.node(1).log().last_index(),
            "round {round}: node 2 caught up"
        );
    }
}

/// Paper §7, chunked: an acknowledgement counts for the snapshot it names. A delayed
/// `SnapshotResp` of another snapshot (an earlier transfer's) does not move the window of the
/// transfer under way: no chunk past what the follower holds is sent for it. (Shard 12: `&&` of
/// `pr.state == ProgressState::Snapshot && pr.pending_snapshot == index` in `step_leader` with
/// `||`, which took its offset for this transfer's and sent chunks from byte 512.)
#[test]
fn a_snapshot_acknowledgement_counts_only_for_its_own_snapshot() {
    use common::msg;
    use raft_core::Body;
    let (mut net, index, data, heartbeat) = transfer_under_way();
    let term = net.node(1).term();
    net.deliver_msg(msg(
        3,
        1,
        term,
        Body::SnapshotResp {
            index: index - 1,
            offset: 512,
        },
    ));
    let offsets: Vec<u64> = net
        .sent(|m| m.to == 3)
        .iter()
        .filter_map(|m| match m.body {
            Body::Snapshot { offset, .. } => Some(offset),
            _ => None,
        })
        .collect();
    assert!(offsets.iter().all(|&o| o < 64), "{offsets:?}");
    for _ in 0..5 {
        net.tick(1, heartbeat);
        net.deliver();
    }
    assert_eq!(net.node(3).snapshot().unwrap().data, data);
}

/// Paper §7, chunked and pipelined: a lost chunk is resent as soon as the follower's answers
/// show it (they repeat the offset it holds while later chunks arrive), without waiting for a
/// heartbeat round. (Shard 12: `offset > pr.snapshot_offset` in `step_leader`'s `SnapshotResp`
/// arm with `>=`, which took the repeated offsets for progress and left the rest of the transfer
/// to the next heartbeat answer.)
#[test]
fn a_lost_snapshot_chunk_is_resent_at_the_followers_answers() {
    use raft_core::Body;
    let (mut net, index, data, _) = transfer_under_way();
    let lost = net.drop_where(|m| matches!(m.body, Body::Snapshot { offset: 16, .. }));
    assert!(lost > 0);
    // No tick from here on: only the answers drive the transfer.
    net.deliver();
    assert_eq!(net.node(3).log().snapshot_index(), index, "installed");
    assert_eq!(net.node(3).snapshot().unwrap().data, data);
}

/// Paper §7, chunked: a follower that restarts in the middle of a transfer has lost the chunks
/// it held (they are not durable until the snapshot is whole), and says so by acknowledging less
/// than before; the leader starts over from what it holds, and the snapshot arrives whole.
/// (Shard 12: `offset < pr.snapshot_offset` in `step_leader`'s `SnapshotResp` arm with `>`, which
/// never went back and left node 3 without its snapshot.)
#[test]
fn a_follower_restarted_mid_transfer_gets_the_snapshot_from_its_first_byte() {
    let (mut net, index, data, heartbeat) = transfer_under_way();
    // A few windows' worth of chunks arrive, then node 3 restarts (what it held is gone).
    for _ in 0..24 {
        net.deliver_one();
    }
    net.drop_all();
    net.reboot(3);
    assert_eq!(net.node(3).log().snapshot_index(), 0);
    for _ in 0..10 {
        net.tick(1, heartbeat);
        net.deliver();
    }
    assert_eq!(net.node(3).log().snapshot_index(), index, "installed");
    assert_eq!(net.node(3).snapshot().unwrap().data, data);
}

/// Figure 13, step 6 ("if existing log entry has same index and term as snapshot's last
/// included entry, retain log entries following it and reply"), with the `Ready` contract
/// (persist entries before sending): entries a follower accepted but had not persisted yet, and
/// that follow a snapshot installed in the same batch, are still handed out for persisting, as
/// its acknowledgement claims them. (Shard 12: `from.max(index + 1)` in `install_snapshot` with
/// `-` or `*`, which handed out none, so the acknowledged entries 4 and 5 were never durable.)
#[test]
fn entries_kept_after_a_snapshot_installed_in_the_same_batch_are_persisted() {
    use common::{append, config, ent, msg, three};
    use raft_core::{Body, Input, Node};
    let mut node = Node::new(config(1), three()).unwrap();
    let entries: Vec<Entry> = (1..=5).map(|i| ent(i, 1)).collect();
    node.step(Input::Message(append(2, 1, 1, (0, 0), entries, 0)))
        .unwrap();
    // Before the next `ready()`: leader 2's snapshot up to index 3, whole in one chunk.
    node.step(Input::Message(msg(
        2,
        1,
        1,
        Body::Snapshot {
            index: 3,
            term: 1,
            membership: Box::new(three()),
            offset: 0,
            total: 4,
            data: b"snap".to_vec(),
        },
    )))
    .unwrap();
    let ready = node.ready();
    assert_eq!(ready.snapshot.as_ref().map(|s| s.meta.index), Some(3));
    let indexes: Vec<u64> = ready.entries.iter().map(|e| e.index).collect();
    assert_eq!(
        indexes,
        [4, 5],
        "the entries after the snapshot are persisted"
    );
}

// ----- cargo-mutants shard 14/20 (sampled by the mutants helper) -------------------------------
// Main at 1230e4d, 80 mutants (`raft.rs` from `Node::quorum_matched` to `Node::transfer_leader`),
// none unviable: 72 caught and 2 timeouts before these tests, 75 and 2 after (96.3%); left:
// `send_append`'s `n > 0` with `>=` (with `if_empty` false it ends only having sent entries),
// `ack_reads`' lease bookkeeping with `||` or `ctx >= 0` (an entry nothing reads: outside lease
// mode `lease_holds` returns first; a 0 reads as a missing one).

/// The (prev_index, entries' indexes) of each Append from 1 to `to` in flight, oldest first.
fn appends_in_flight(net: &common::Network, to: u64) -> Vec<(u64, Vec<u64>)> {
    net.queue()
        .iter()
        .filter(|m| m.from == 1 && m.to == to)
        .filter_map(|m| match &m.body {
            raft_core::Body::Append {
                prev_index,
                entries,
                ..
            } => Some((*prev_index, indexes(entries))),
            _ => None,
        })
        .collect()
}

/// §5.3 with `ready()`'s contract ("an entry goes out with the next `ready()`, together with
/// every other entry appended before it, so that commit latency stays one round trip"): two
/// proposals stepped before one Ready reach every streaming follower in that Ready, in one
/// Append, and commit on its answers. (Shard 14: `pr.next == self.log.last_index() + 1` in
/// `send_append`'s early return with `-`, which took a follower two entries short for one
/// holding everything and sent nothing until the next heartbeat answer.)
#[test]
fn proposals_batched_into_one_ready_go_out_in_it() {
    use common::Network;
    use raft_core::Input;
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    let last = net.node(1).log().last_index();
    let results = net.step_batch(
        1,
        [Input::Propose(b"a".to_vec()), Input::Propose(b"b".to_vec())],
    );
    assert_eq!(results, [Ok(Some(last + 1)), Ok(Some(last + 2))]);
    for to in [2, 3] {
        assert_eq!(
            appends_in_flight(&net, to),
            [(last, vec![last + 1, last + 2])],
            "to node {to}"
        );
    }
    net.deliver();
    assert_eq!(net.node(1).log().committed(), last + 2);
}

/// Pipelining (flow control's window, `Config::max_inflight`; dissertation §10.2.1): a streaming
/// follower gets as many Appends as the backlog needs at once, up to the window, without waiting
/// for an answer to each. With one entry per message (`max_msg_bytes` below an entry's size),
/// three proposals in one Ready go out as three Appends to each follower. (Shard 14: the return
/// value of `send_append`, "an Append carrying entries was sent", `n > 0` as `n == 0` or `n < 0`,
/// which ended the sending loop after the first Append.)
#[test]
fn a_streaming_follower_gets_a_window_of_appends_at_once() {
    use common::{config, three, Network};
    use raft_core::Input;
    let mut net = Network::with_config(three(), |id| {
        let mut c = config(id);
        (c.max_msg_bytes, c.max_inflight) = (1, 4);
        c
    });
    net.elect(1);
    let last = net.node(1).log().last_index();
    net.step_batch(1, (0..3u8).map(|k| Input::Propose(vec![k])));
    for to in [2, 3] {
        assert_eq!(
            appends_in_flight(&net, to),
            [
                (last, vec![last + 1]),
                (last + 1, vec![last + 2]),
                (last + 2, vec![last + 3])
            ],
            "to node {to}"
        );
    }
    // A backlog larger than the window: four go out, the fifth once an answer frees a slot.
    net.deliver();
    let last = net.node(1).log().last_index();
    net.step_batch(1, (0..5u8).map(|k| Input::Propose(vec![k])));
    assert_eq!(appends_in_flight(&net, 2).len(), 4);
    net.deliver();
    assert_eq!(net.node(2).log().last_index(), last + 5);
    assert_eq!(net.node(1).log().committed(), last + 5);
}

// ----- cargo-mutants shard 15/20 (sampled by the mutants helper) -------------------------------
// Main at 1230e4d, 80 mutants (`raft.rs` from `Node::transfer_leader` to `well_formed_append`,
// `Ready::is_empty`, `Event`'s `Display`, `Sessions::with_limit`), 4 unviable: 66 caught and 1
// timeout before these tests (88.2% of 76), 75 and 1 after (100%).

/// Leader 2's whole snapshot, in one chunk, ending at `index` with term 1.
fn whole_snapshot(index: u64) -> raft_core::Message {
    common::msg(
        2,
        1,
        2,
        raft_core::Body::Snapshot {
            index,
            term: 1,
            membership: Box::new(common::three()),
            offset: 0,
            total: 4,
            data: b"snap".to_vec(),
        },
    )
}

/// `MAX_INDEX` is the last index a log may reach, not the first it may not (the bound exists so
/// that `index + 1` never overflows, and `MAX_INDEX + 1` does not): a leader's snapshot ending
/// exactly there installs (paper §7), and so does an append whose last entry is exactly there
/// (Figure 2, AppendEntries); neither is refused as malformed. (Shard 15: `*index > MAX_INDEX` in
/// `well_formed`'s snapshot check and `last > MAX_INDEX` in `well_formed_append`, each with
/// `>=`; hostile_peers.rs checks only that one past the bound is refused.)
#[test]
fn a_snapshot_or_an_append_may_end_at_max_index() {
    use common::{append, config, three, Solo};
    use raft_core::{Body, Event, MAX_INDEX};
    let refused = |events: &[Event]| events.iter().any(|e| matches!(e, Event::Rejected { .. }));
    // A snapshot ending at MAX_INDEX.
    let mut s = Solo::new(config(1), three());
    s.recv(whole_snapshot(MAX_INDEX));
    let events = s.take_events();
    assert!(!refused(&events), "{events:?}");
    assert_eq!(s.node.log().snapshot_index(), MAX_INDEX);
    assert_eq!(s.node.log().last_index(), MAX_INDEX);
    // A snapshot one short of it, then an append of the entry at MAX_INDEX.
    let mut s = Solo::new(config(1), three());
    s.recv(whole_snapshot(MAX_INDEX - 1));
    assert_eq!(s.node.log().last_index(), MAX_INDEX - 1);
    s.take_msgs();
    s.recv(append(
        2,
        1,
        2,
        (MAX_INDEX - 1, 1),
        vec![noop(2, MAX_INDEX)],
        0,
    ));
    let events = s.take_events();
    assert!(!refused(&events), "{events:?}");
    assert_eq!(
        (s.node.log().last_index(), s.node.log().last_term()),
        (MAX_INDEX, 2)
    );
    let out = s.take_msgs();
    assert!(
        matches!(
            out[..],
            [raft_core::Message {
                body: Body::AppendResp {
                    index: MAX_INDEX,
                    reject: false,
                    ..
                },
                ..
            }]
        ),
        "{out:?}"
    );
}

/// `Ready::is_empty` is "nothing to do": true for the default Ready only; any one field filled
/// (something to persist, send, apply, serve or report) makes it non-empty. A driver skipping
/// empty Readies, and the harness's `has_ready` check (`broken_promise`), rely on it. (Shard 15:
/// `is_empty` returning true, and its `&&` before `reads` or before `events` with `||`.)
#[test]
fn a_ready_is_empty_only_with_nothing_in_any_field() {
    use raft_core::{Event, HardState, ReadState, Ready};
    assert!(Ready::default().is_empty());
    let hard_state = Some(HardState {
        term: 1,
        vote: None,
    });
    let message = common::msg(1, 2, 1, raft_core::Body::TimeoutNow);
    let one_field = [
        (
            "hard state",
            Ready {
                hard_state,
                ..Default::default()
            },
        ),
        (
            "snapshot",
            Ready {
                snapshot: Some(Default::default()),
                ..Default::default()
            },
        ),
        (
            "entries",
            Ready {
                entries: vec![noop(1, 1)].into(),
                ..Default::default()
            },
        ),
        (
            "messages",
            Ready {
                messages: vec![message],
                ..Default::default()
            },
        ),
        (
            "committed",
            Ready {
                committed: vec![noop(1, 1)].into(),
                ..Default::default()
            },
        ),
        (
            "reads",
            Ready {
                reads: vec![ReadState { id: 1, index: 1 }],
                ..Default::default()
            },
        ),
        (
            "events",
            Ready {
                events: vec![Event::Committed { index: 1 }],
                ..Default::default()
            },
        ),
    ];
    for (what, r) in one_field {
        assert!(!r.is_empty(), "a Ready with {what} only is not empty");
    }
}

// ----- cargo-mutants shard 16/20 (sampled by the mutants helper) -------------------------------
// Main at 1230e4d, 80 mutants (`session.rs` from `Sessions::limit` on, `storage.rs` to
// `MemStorage::last_index`), 15 unviable: 34 caught before these tests (52.3% of 65), 57 after
// (87.7%); left: `check`'s `s.seq > seq` with `>=` (equality is the arm before), and the seven
// of `record`'s compaction (its threshold `by_use.len() > 2 * self.last.len() + 16` changed,
// `compact` skipped): they change only how many superseded entries the table holds, which no
// public method shows (a bound on it needs a counting allocator: `unsafe` or a dev-dependency).

/// Dissertation §6.3 (sessions expire, and every replica must agree when): `Sessions::limit`
/// reads back the bound the table was built with, at least 1 (`with_limit(0)` keeps one
/// session), `DEFAULT_SESSION_LIMIT` by default, and it is the bound eviction keeps: `limit`
/// sessions stay, one more evicts the least recently used. (Shard 16: `limit` returning 0 or 1.)
#[test]
fn a_session_table_reports_the_limit_it_keeps() {
    use raft_core::session::{Sessions, DEFAULT_SESSION_LIMIT};
    assert_eq!(Sessions::<u8>::new().limit(), DEFAULT_SESSION_LIMIT);
    assert_eq!(Sessions::<u8>::with_limit(0).limit(), 1);
    let mut s: Sessions<u8> = Sessions::with_limit(3);
    assert_eq!(s.limit(), 3);
    for client in 1..=s.limit() as u64 {
        assert_eq!(s.record(client, 1, 0), None, "client {client} fits");
    }
    assert_eq!(s.len(), s.limit());
    assert_eq!(s.record(9, 1, 0), Some(1), "one more evicts the oldest");
    assert_eq!(s.len(), 3);
}

/// A session table is empty exactly when no client has a session: not once a command was
/// recorded. (Shard 16: `Sessions::is_empty` returning true; sessions.rs asked it of empty
/// tables only.)
#[test]
fn a_session_table_with_a_session_is_not_empty() {
    use raft_core::session::Sessions;
    let mut s: Sessions<u8> = Sessions::new();
    assert!(s.is_empty());
    s.record(7, 1, 0);
    assert!(!s.is_empty() && s.len() == 1);
}

/// Dissertation §6.3 (replicas must agree on the sessions): two tables are equal when they hold
/// the same sessions (client, sequence number, response, last use) under the same limit, whatever
/// superseded entries each still keeps internally, and unequal when a response or the limit
/// differs. (Shard 16: `Sessions`' `eq` returning a constant, `self.last == other.last` with
/// `!=`, either `&&` with `||`.)
#[test]
fn session_tables_compare_by_their_sessions_and_limit() {
    use raft_core::session::Sessions;
    let table = |limit, cmds: &[(u64, u64, &'static str)]| {
        let mut s = Sessions::with_limit(limit);
        for &(client, seq, r) in cmds {
            s.record(client, seq, r);
        }
        s
    };
    let a = table(1, &[(1, 1, "x"), (1, 2, "y")]);
    assert_eq!(a, a.clone());
    // The same session reached another way: client 9's, evicted, leaves nothing behind.
    assert_eq!(a, table(1, &[(9, 1, "q"), (1, 2, "y")]));
    assert_ne!(a, table(1, &[(1, 1, "x"), (1, 2, "z")]), "another response");
    assert_ne!(a, table(2, &[(1, 1, "x"), (1, 2, "y")]), "another limit");
    assert_ne!(a, table(1, &[(1, 1, "x"), (2, 2, "y")]), "another client");
}

/// A session table prints its sessions and their use order, live entries only (a superseded
/// entry it still keeps is not part of the value), so equal tables print alike. (Shard 16:
/// `Sessions`' `Debug` and its use-order helper's writing nothing, the helper's live-entry
/// filter `x.used == used` with `!=`.)
#[test]
fn a_session_table_prints_its_live_sessions_in_use_order() {
    use raft_core::session::Sessions;
    let mut s = Sessions::with_limit(2);
    s.record(1, 1, "x");
    s.record(2, 1, "z");
    s.record(1, 2, "y");
    assert_eq!(
        format!("{s:?}"),
        "Sessions { last: {1: Session { seq: 2, response: \"y\", used: 3 }, 2: Session { seq: 1, \
         response: \"z\", used: 2 }}, by_use: {2: 2, 3: 1}, clock: 3, limit: 2 }"
    );
}

/// A storage fault reads as what went wrong, in the node's events (`Event::StorageFault`) as in
/// the playground: each `StorageError` has its own sentence. (Shard 16: `StorageError`'s
/// `Display` writing nothing.)
#[test]
fn storage_errors_read_as_their_sentence() {
    use raft_core::{Event, StorageError};
    assert_eq!(
        StorageError::Compacted.to_string(),
        "requested entries are compacted into the snapshot"
    );
    assert_eq!(
        StorageError::NotReady.to_string(),
        "storage is not ready to answer yet"
    );
    let fault = Event::StorageFault {
        error: StorageError::Unavailable,
        index: 5,
    };
    assert_eq!(
        fault.to_string(),
        "storage could not read entry 5: requested entries are past the stored log"
    );
}

/// The in-memory store's size figures (paper §7 suggests snapshotting when the log reaches a
/// fixed size in bytes; the simulator's byte budget reads `log_bytes`): `log_bytes` sums the
/// stored entries' `Entry::size`, `raft_state_bytes` adds 24 bytes of hard state and snapshot
/// metadata.
/// (Shard 16: either returning 0 or 1, `24 + log_bytes` with `-` or `*`.)
#[test]
fn mem_storage_counts_its_bytes() {
    use raft_core::{HardState, MemStorage, PersistentState};
    let empty = MemStorage::new(common::three());
    assert_eq!((empty.log_bytes(), empty.raft_state_bytes()), (0, 24));
    let stored = MemStorage::from_state(PersistentState {
        hard_state: HardState {
            term: 1,
            vote: None,
        },
        membership: common::three(),
        entries: vec![noop(1, 1), common::ent(2, 1)],
        ..Default::default()
    });
    let log = 16 + 16 + "t1i2".len() as u64;
    assert_eq!(stored.log_bytes(), log);
    assert_eq!(stored.raft_state_bytes(), 24 + log);
}

/// The `Storage` contract's bounds, on the in-memory store: the first stored entry is the one
/// after the snapshot (index 1 with none; paper §7: the snapshot replaces the entries up to its
/// index), the last is the snapshot's index when no entry follows it. (Shard 16:
/// `MemStorage::first_index` returning 0, its `snapshot_index + 1` with `-` or `*`; the node
/// itself never asks, a driver reading its store does.)
#[test]
fn mem_storage_bounds_start_after_its_snapshot() {
    use raft_core::{MemStorage, Ready, Snapshot, SnapshotMeta, Storage};
    let mut store = MemStorage::new(common::three());
    assert_eq!((store.first_index(), store.last_index()), (Ok(1), Ok(0)));
    store.persist(&Ready {
        snapshot: Some(Snapshot {
            meta: SnapshotMeta {
                index: 5,
                term: 2,
                membership: common::three(),
            },
            data: b"state".to_vec(),
        }),
        ..Default::default()
    });
    assert_eq!((store.first_index(), store.last_index()), (Ok(6), Ok(5)));
    store.persist(&Ready {
        entries: vec![noop(2, 6), noop(3, 7)].into(),
        ..Default::default()
    });
    assert_eq!((store.first_index(), store.last_index()), (Ok(6), Ok(7)));
    assert_eq!((store.term(5), store.term(7)), (Ok(2), Ok(3)));
}
