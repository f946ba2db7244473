//! The storage contract (`raft_core::storage::Storage`, the crate doc's "Storage-backed log"),
//! checked on the reference `MemStorage` and on `Stalling` over it against a deliberately dumb
//! model: a map from index to entry beside the snapshot's index, term, membership and data.
//! Every sequence of writes a node can make (hard states; entries that overwrite the log from
//! some index on; snapshots that agree with the log at their index, or do not, or lie beyond it)
//! must leave every read answering what the model answers: first and last index, `term` at and
//! around the boundaries, `entries` with its byte rule (at least one entry, then up to the
//! limit, after what the caller's vector already holds), the snapshot, the persisted state and
//! its byte counts, and a storage rebuilt from that state.

use std::collections::BTreeMap;

use proptest::prelude::*;
use raft_core::entry::{Entry, HardState, Payload};
use raft_core::snapshot::{Snapshot, SnapshotMeta};
use raft_core::storage::{MemStorage, Storage, StorageError};
use raft_core::{Index, Membership, Ready, Stalling, Term};

#[derive(Debug, Clone)]
enum Op {
    /// A new hard state.
    Hard { term: u8, vote: Option<u8> },
    /// `n` entries of `term` written from the `at`-th position of the log (modulo its length
    /// plus one: anywhere from the first stored index to one past the last).
    Write { at: u8, n: u8, term: u8, bytes: u8 },
    /// A snapshot at the `at`-th position past the snapshot index (modulo the log's length plus
    /// `beyond`); with `agree`, of the stored entry's term there when there is one.
    Snap {
        at: u8,
        beyond: u8,
        agree: bool,
        voters: u8,
    },
    /// Entries and a hard state in one Ready.
    Both { term: u8, n: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (any::<u8>(), proptest::option::of(1..6u8)).prop_map(|(term, vote)| Op::Hard { term, vote }),
        5 => (any::<u8>(), 1..8u8, 1..5u8, any::<u8>())
            .prop_map(|(at, n, term, bytes)| Op::Write { at, n, term, bytes }),
        2 => (any::<u8>(), 0..3u8, any::<bool>(), 1..6u8)
            .prop_map(|(at, beyond, agree, voters)| Op::Snap { at, beyond, agree, voters }),
        1 => (1..5u8, 1..4u8).prop_map(|(term, n)| Op::Both { term, n }),
    ]
}

fn entry(index: Index, term: Term, bytes: u8) -> Entry {
    Entry {
        term,
        index,
        payload: Payload::Command(vec![index as u8; bytes as usize % 40].into()),
    }
}

/// The model: what a durable disk holds.
#[derive(Debug, Default)]
struct Model {
    hard: HardState,
    snap: SnapshotMeta,
    data: Vec<u8>,
    log: BTreeMap<Index, Entry>,
}

impl Model {
    fn first(&self) -> Index {
        self.snap.index + 1
    }
    fn last(&self) -> Index {
        self.snap.index + self.log.len() as Index
    }
    fn write(&mut self, es: &[Entry]) {
        if let Some(f) = es.first() {
            self.log.retain(|&i, _| i < f.index);
            for e in es {
                self.log.insert(e.index, e.clone());
            }
        }
    }
    fn snapshot(&mut self, meta: SnapshotMeta, data: Vec<u8>) {
        let agrees = self
            .log
            .get(&meta.index)
            .is_some_and(|e| e.term == meta.term);
        if agrees {
            self.log.retain(|&i, _| i > meta.index);
        } else {
            self.log.clear();
        }
        self.snap = meta;
        self.data = data;
    }
    /// `entries(lo, hi, max)` as the contract words it: at least one entry per call, whatever
    /// the caller's vector already holds.
    fn entries(&self, lo: Index, hi: Index, max: u64) -> Result<Vec<Entry>, StorageError> {
        if lo < self.first() {
            return Err(StorageError::Compacted);
        }
        if hi > self.last() + 1 || hi < lo {
            return Err(StorageError::Unavailable);
        }
        let mut out = Vec::new();
        let mut bytes = 0;
        for i in lo..hi {
            let e = &self.log[&i];
            bytes += e.size();
            if !out.is_empty() && bytes > max {
                break;
            }
            out.push(e.clone());
        }
        Ok(out)
    }
}

/// Every read of `s` against the model.
fn check_reads<S: Storage>(s: &S, m: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(s.hard_state(), m.hard);
    prop_assert_eq!(s.first_index(), Ok(m.first()));
    prop_assert_eq!(s.last_index(), Ok(m.last()));
    let snap = s.snapshot().expect("a snapshot, even the empty one");
    prop_assert_eq!(&snap.meta, &m.snap);
    prop_assert_eq!(&snap.data, &m.data);
    for i in m.snap.index.saturating_sub(2)..=m.last() + 2 {
        let want = if i == m.snap.index {
            Ok(m.snap.term)
        } else if i < m.snap.index {
            Err(StorageError::Compacted)
        } else {
            m.log
                .get(&i)
                .map(|e| e.term)
                .ok_or(StorageError::Unavailable)
        };
        prop_assert_eq!(s.term(i), want, "term({})", i);
    }
    let (first, last) = (m.first(), m.last());
    for (lo, hi) in [
        (first, last + 1),
        (first + 1, last + 1),
        (first, last),
        (first.saturating_sub(1), last + 1),
        (first, last + 2),
        (last + 1, last + 1),
        (last + 1, last),
    ] {
        for max in [0, 30, 100, u64::MAX] {
            for held in [0usize, 1] {
                // Appended after what the vector holds, which stays as it was (also on failure).
                let mut out = vec![entry(0, 0, 0); held];
                let got = s
                    .entries(lo, hi, max, &mut out)
                    .map(|()| out[held..].to_vec());
                prop_assert_eq!(
                    got.clone(),
                    m.entries(lo, hi, max),
                    "entries({}, {}, {}) after {}",
                    lo,
                    hi,
                    max,
                    held
                );
                prop_assert!(out[..held].iter().all(|e| e.index == 0));
                if got.is_err() {
                    prop_assert_eq!(out.len(), held);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    /// MemStorage answers as the model after every write, and so does one rebuilt from the state
    /// it persisted (a restart); `Stalling` over it answers NotReady to every read while stalled,
    /// keeps every write meanwhile, and answers as the model again once reads resume.
    #[test]
    fn mem_storage_reads_back_what_the_model_holds(ops in proptest::collection::vec(op(), 1..40), stall in proptest::collection::vec(any::<bool>(), 40)) {
        let initial = Membership::with_voters([1, 2, 3]);
        let mut s = MemStorage::new(initial.clone());
        let mut st = Stalling::new(MemStorage::new(initial.clone()));
        let mut m = Model { snap: SnapshotMeta { membership: initial, ..SnapshotMeta::default() }, ..Model::default() };
        for (k, op) in ops.into_iter().enumerate() {
            let mut ready = Ready::default();
            match op {
                Op::Hard { term, vote } => {
                    ready.hard_state = Some(HardState { term: term as Term, vote: vote.map(|v| v as u64) });
                }
                Op::Write { at, n, term, bytes } => {
                    let from = m.first() + at as Index % (m.log.len() as Index + 1);
                    let es: Vec<Entry> = (from..from + n as Index).map(|i| entry(i, term as Term, bytes.wrapping_add(i as u8))).collect();
                    ready.entries = es.into();
                }
                Op::Snap { at, beyond, agree, voters } => {
                    let index = m.snap.index + 1 + at as Index % (m.log.len() as Index + beyond as Index + 1);
                    let stored = m.log.get(&index).map(|e| e.term);
                    let term = match (stored, agree) {
                        (Some(t), true) => t,
                        (Some(t), false) => t + 1,
                        (None, _) => 9,
                    };
                    ready.snapshot = Some(Snapshot {
                        meta: SnapshotMeta { index, term, membership: Membership::with_voters(1..=voters as u64) },
                        data: vec![voters; voters as usize],
                    });
                }
                Op::Both { term, n } => {
                    ready.hard_state = Some(HardState { term: term as Term, vote: None });
                    let from = m.last() + 1;
                    ready.entries = (from..from + n as Index).map(|i| entry(i, term as Term, 7)).collect::<Vec<_>>().into();
                }
            }
            if let Some(hs) = ready.hard_state {
                m.hard = hs;
            }
            if let Some(snap) = &ready.snapshot {
                m.snapshot(snap.meta.clone(), snap.data.clone());
            }
            m.write(&ready.entries);
            s.persist(&ready);
            st.stalled = stall[k % stall.len()];
            st.persist(&ready);

            check_reads(&s, &m)?;
            let state = s.load();
            prop_assert_eq!(&state, s.state());
            prop_assert_eq!(state.entries.len(), m.log.len());
            let bytes: u64 = m.log.values().map(Entry::size).sum();
            prop_assert_eq!(s.log_bytes(), bytes);
            prop_assert_eq!(s.raft_state_bytes(), 24 + bytes);
            check_reads(&MemStorage::from_state(state), &m)?;

            if st.stalled {
                prop_assert_eq!(st.first_index(), Err(StorageError::NotReady));
                prop_assert_eq!(st.last_index(), Err(StorageError::NotReady));
                prop_assert_eq!(st.term(m.snap.index), Err(StorageError::NotReady));
                prop_assert_eq!(st.snapshot().err(), Some(StorageError::NotReady));
                let mut out = Vec::new();
                prop_assert_eq!(st.entries(m.first(), m.last() + 1, u64::MAX, &mut out), Err(StorageError::NotReady));
                prop_assert!(out.is_empty());
                // The hard state is not a read of the log: a restarted node needs it at once.
                prop_assert_eq!(st.hard_state(), m.hard);
                st.stalled = false;
            }
            check_reads(&st, &m)?;
        }
    }
}
