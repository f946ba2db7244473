//! Recovery and atomicity of the on-disk format, each case named after the fault it survives.

// `.into()` on payloads: raft-core's payload type may become shared bytes; today it is a Vec.
#![allow(clippy::useless_conversion)]

use super::*;
use raft_core::{Payload, SnapshotMeta};

/// A directory removed when dropped, unless the test is failing (its files then stay for a
/// look).
pub(crate) struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A fresh, empty directory under the system's temporary directory.
pub(crate) fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("raft-kv-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn entry(term: u64, index: u64, data: &str) -> Entry {
    Entry {
        term,
        index,
        payload: Payload::Command(data.as_bytes().to_vec().into()),
    }
}

fn members() -> Membership {
    Membership::with_voters([1, 2, 3])
}

fn open(dir: &Path) -> Result<(DiskStorage, Recovery), Error> {
    DiskStorage::open(dir, "test", 1, &members())
}

/// Three batches: term 1 vote for 1 with entries 1..=2, then 3..=4, then 5.
fn write_three_batches(dir: &Path) -> PersistentState {
    let (mut s, rec) = open(dir).unwrap();
    assert!(rec.fresh);
    let mut r = Ready {
        hard_state: Some(HardState {
            term: 1,
            vote: Some(1),
        }),
        entries: vec![entry(1, 1, "a"), entry(1, 2, "b")].into(),
        ..Default::default()
    };
    s.persist(&r).unwrap();
    r.hard_state = None;
    r.entries = vec![entry(1, 3, "c"), entry(1, 4, "d")].into();
    s.persist(&r).unwrap();
    r.entries = vec![entry(1, 5, "e")].into();
    s.persist(&r).unwrap();
    s.state().clone()
}

fn wal_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join(WAL_FILE)).unwrap().len()
}

fn append_bytes(dir: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .append(true)
        .open(dir.join(WAL_FILE))
        .unwrap();
    f.write_all(bytes).unwrap();
}

fn flip_byte(path: &Path, at: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at as usize] ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn reopen_gives_back_what_was_persisted() {
    let dir = temp_dir("reopen");
    let before = write_three_batches(&dir);
    assert_eq!(before.entries.len(), 5);
    let (s, rec) = open(&dir).unwrap();
    assert!(!rec.fresh);
    assert_eq!(rec.truncated, None);
    assert_eq!(
        rec.records, 5,
        "header, hard state + entries, entries, entries"
    );
    assert_eq!(s.state(), &before);
    assert_eq!(s.state().membership, members());
}

#[test]
fn conflicting_entries_replace_the_suffix() {
    let dir = temp_dir("suffix");
    write_three_batches(&dir);
    let (mut s, _) = open(&dir).unwrap();
    let r = Ready {
        hard_state: Some(HardState {
            term: 2,
            vote: None,
        }),
        entries: vec![entry(2, 3, "x")].into(),
        ..Default::default()
    };
    s.persist(&r).unwrap();
    let (s, _) = open(&dir).unwrap();
    let terms: Vec<_> = s
        .state()
        .entries
        .iter()
        .map(|e| (e.index, e.term))
        .collect();
    assert_eq!(terms, vec![(1, 1), (2, 1), (3, 2)]);
}

/// The recovery tests' shape: three batches written, the log damaged by `damage`, then
/// opened again. Returns the folder (kept alive), the state before the damage, the log's size
/// before it, and what opening it gave.
fn damaged(
    name: &str,
    damage: impl FnOnce(&Path),
) -> (
    TempDir,
    PersistentState,
    u64,
    Result<(DiskStorage, Recovery), Error>,
) {
    let dir = temp_dir(name);
    let before = write_three_batches(&dir);
    let good = wal_len(&dir);
    damage(&dir);
    let opened = open(&dir);
    (dir, before, good, opened)
}

/// Byte offset of record `k` (0: the header) in the log.
fn record_offset(dir: &Path, k: usize) -> usize {
    let bytes = std::fs::read(dir.join(WAL_FILE)).unwrap();
    let mut pos = WAL_MAGIC.len();
    for _ in 0..k {
        pos = valid_record_at(&bytes, pos).unwrap();
    }
    pos
}

#[test]
fn torn_tail_incomplete_record_is_truncated() {
    // A crash in the middle of the next append: a length saying 100 bytes, and only 14 of them.
    let mut torn = 100u32.to_le_bytes().to_vec();
    torn.extend_from_slice(&[7; 14]);
    let (dir, before, good, opened) = damaged("torn-short", |d| append_bytes(d, &torn));
    let (s, rec) = opened.unwrap();
    assert_eq!(rec.truncated, Some(torn.len() as u64));
    assert_eq!(s.state(), &before);
    assert_eq!(wal_len(&dir), good, "the torn bytes are cut off the file");
    // And the log goes on from there.
    drop(s);
    let (s, rec) = open(&dir).unwrap();
    assert_eq!(rec.truncated, None);
    assert_eq!(s.state(), &before);
}

#[test]
fn torn_tail_last_record_with_bad_checksum_is_truncated() {
    // The last record (entry 5) complete in length but with a damaged byte: the page holding
    // its end was not written.
    let (dir, _, good, opened) =
        damaged("torn-crc", |d| flip_byte(&d.join(WAL_FILE), wal_len(d) - 1));
    let (s, rec) = opened.unwrap();
    assert!(rec.truncated.is_some() && wal_len(&dir) < good);
    assert_eq!(s.state().entries.len(), 4);
}

#[test]
fn zero_filled_tail_is_truncated() {
    // Some file systems extend the file with zeros before the data reaches it.
    let (_dir, before, _, opened) = damaged("torn-zero", |d| append_bytes(d, &[0; 4096]));
    let (s, rec) = opened.unwrap();
    assert_eq!(rec.truncated, Some(4096));
    assert_eq!(s.state(), &before);
}

#[test]
fn corrupt_middle_record_is_refused() {
    // Damage the second batch (entries 3..=4), which has the third batch after it: record 2
    // after the header and batch 1.
    let mut at = 0;
    let (dir, _, good, opened) = damaged("corrupt-middle", |d| {
        at = record_offset(d, 2);
        flip_byte(&d.join(WAL_FILE), at as u64 + 12);
    });
    match opened {
        Err(Error::Corrupt { offset, why, .. }) => {
            assert_eq!(offset, at as u64);
            assert!(why.contains("valid record after it"), "{why}");
        }
        other => panic!("expected a corruption error, got {other:?}"),
    }
    // Nothing was truncated: the damaged file is left as it was for a human to look at.
    assert_eq!(wal_len(&dir), good);
}

#[test]
fn corrupt_length_field_in_the_middle_is_refused() {
    // A length far past the end of the file: read naively, it would look like a torn tail
    // and take every later record with it.
    let (_dir, _, _, opened) = damaged("corrupt-length", |d| {
        flip_byte(&d.join(WAL_FILE), record_offset(d, 1) as u64 + 3)
    });
    assert!(matches!(opened, Err(Error::Corrupt { .. })));
}

#[test]
fn another_clusters_or_nodes_directory_is_refused() {
    let dir = temp_dir("wrong-dir");
    write_three_batches(&dir);
    let err = DiskStorage::open(&dir, "other", 1, &members()).unwrap_err();
    assert!(
        err.to_string().contains("belongs to cluster \"test\""),
        "{err}"
    );
    let err = DiskStorage::open(&dir, "test", 2, &members()).unwrap_err();
    assert!(
        err.to_string().contains("belongs to node 1, not 2"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_log_is_refused() {
    let dir = temp_dir("not-a-log");
    std::fs::write(dir.join(WAL_FILE), b"hello, world").unwrap();
    assert!(matches!(open(&dir), Err(Error::Corrupt { offset: 0, .. })));
}

fn snapshot(index: u64, term: u64, data: &str) -> Snapshot {
    Snapshot {
        meta: SnapshotMeta {
            index,
            term,
            membership: Membership::with_voters([1, 2, 3, 4]),
        },
        data: data.as_bytes().to_vec().into(),
    }
}

#[test]
fn snapshot_drops_the_prefix_and_survives_a_restart() {
    let dir = temp_dir("snap");
    write_three_batches(&dir);
    let (mut s, _) = open(&dir).unwrap();
    s.persist(&Ready {
        snapshot: Some(snapshot(3, 1, "state@3")),
        ..Default::default()
    })
    .unwrap();
    let after = s.state().clone();
    assert_eq!(after.snapshot_index, 3);
    assert_eq!(after.entries.first().map(|e| e.index), Some(4));
    let (s, _) = open(&dir).unwrap();
    assert_eq!(s.state(), &after);
    assert_eq!(s.state().snapshot_data, b"state@3");
    assert!(s.state().membership.is_voter(4));
}

#[test]
fn crash_between_snapshot_write_and_rename_keeps_the_old_snapshot() {
    let dir = temp_dir("snap-crash-before-rename");
    write_three_batches(&dir);
    let (mut s, _) = open(&dir).unwrap();
    s.persist(&Ready {
        snapshot: Some(snapshot(2, 1, "state@2")),
        ..Default::default()
    })
    .unwrap();
    let before = s.state().clone();
    drop(s);
    // The crash: a new snapshot half written to the temporary file, never renamed.
    std::fs::write(dir.join("snapshot.tmp"), b"RKVSNP01 half of a snap").unwrap();
    let (s, rec) = open(&dir).unwrap();
    assert!(rec.removed_temp_snapshot);
    assert!(!dir.join("snapshot.tmp").exists());
    assert_eq!(s.state(), &before);
    assert_eq!(s.state().snapshot_data, b"state@2");
}

#[test]
fn crash_between_snapshot_rename_and_log_record_applies_the_snapshot() {
    let dir = temp_dir("snap-crash-after-rename");
    write_three_batches(&dir);
    let (mut s, _) = open(&dir).unwrap();
    // The snapshot file is in place, but the crash came before its log record.
    s.write_snapshot(&snapshot(4, 1, "state@4")).unwrap();
    drop(s);
    let (s, _) = open(&dir).unwrap();
    assert_eq!(s.state().snapshot_index, 4);
    assert_eq!(s.state().snapshot_data, b"state@4");
    let idx: Vec<_> = s.state().entries.iter().map(|e| e.index).collect();
    assert_eq!(idx, vec![5]);
}

#[test]
fn corrupt_snapshot_is_refused() {
    let dir = temp_dir("snap-corrupt");
    write_three_batches(&dir);
    let (mut s, _) = open(&dir).unwrap();
    s.persist(&Ready {
        snapshot: Some(snapshot(2, 1, "state@2")),
        ..Default::default()
    })
    .unwrap();
    drop(s);
    let len = std::fs::metadata(dir.join(SNAP_FILE)).unwrap().len();
    flip_byte(&dir.join(SNAP_FILE), len - 2);
    let err = open(&dir).unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
}

#[test]
fn log_is_rewritten_by_size_without_losing_anything() {
    let dir = temp_dir("rewrite");
    let (mut s, _) = open(&dir).unwrap();
    s.set_rewrite_bytes(4096);
    let big = "v".repeat(200);
    for i in 1..=100u64 {
        let mut r = Ready {
            entries: vec![entry(1, i, &big)].into(),
            ..Default::default()
        };
        if i == 1 {
            r.hard_state = Some(HardState {
                term: 1,
                vote: Some(1),
            });
        }
        if i % 10 == 0 {
            r.snapshot = Some(snapshot(i - 5, 1, &format!("state@{}", i - 5)));
        }
        s.persist(&r).unwrap();
    }
    assert!(s.stats().rewrites > 0, "{:?}", s.stats());
    assert!(
        s.wal_bytes() < 8192,
        "the file stays near its bound: {}",
        s.wal_bytes()
    );
    let live = s.state().clone();
    assert_eq!(live.snapshot_index, 95);
    assert_eq!(live.entries.len(), 5);
    let (s, _) = open(&dir).unwrap();
    assert_eq!(s.state(), &live);
}

// Compaction by size: the snapshot the driver takes by size also compacts the file at once,
// copying only the entries past it, long before the file reaches its bound.
#[test]
fn a_snapshot_compacts_the_file_copying_only_the_tail() {
    let dir = temp_dir("rewrite-at-snapshot");
    let (mut s, _) = open(&dir).unwrap();
    s.set_rewrite_bytes(1 << 20);
    let big = "v".repeat(200);
    for i in 1..=1000u64 {
        s.persist(&Ready {
            entries: vec![entry(1, i, &big)].into(),
            ..Default::default()
        })
        .unwrap();
    }
    assert!(s.wal_bytes() > 200_000 && s.wal_bytes() < 1 << 20);
    s.persist(&Ready {
        snapshot: Some(snapshot(995, 1, "state@995")),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.stats().rewrites, 1, "{:?}", s.stats());
    assert!(
        s.wal_bytes() < 2048,
        "only the 5 entries past the snapshot are left: {} bytes",
        s.wal_bytes()
    );
    let live = s.state().clone();
    assert_eq!(live.entries.len(), 5);
    let (s, _) = open(&dir).unwrap();
    assert_eq!(s.state(), &live);
}

#[test]
fn one_fsync_per_batch() {
    let dir = temp_dir("fsyncs");
    let (mut s, _) = open(&dir).unwrap();
    let start = s.stats().fsyncs;
    let batches = 20u64;
    for b in 0..batches {
        let entries = (1..=50).map(|k| entry(1, b * 50 + k, "x")).collect();
        s.persist(&Ready {
            hard_state: (b == 0).then_some(HardState {
                term: 1,
                vote: None,
            }),
            entries,
            ..Default::default()
        })
        .unwrap();
    }
    let fsyncs = s.stats().fsyncs - start;
    println!(
        "storage: {} entries in {batches} batches, {fsyncs} fsyncs: {:.2} fsyncs per batch, {:.3} per entry",
        s.stats().entries,
        fsyncs as f64 / batches as f64,
        fsyncs as f64 / s.stats().entries as f64
    );
    assert_eq!(fsyncs, batches);
}

#[test]
fn a_failed_write_is_an_error_naming_the_file() {
    let dir = temp_dir("write-fails");
    let (mut s, _) = open(&dir).unwrap();
    // The log handle becomes read-only, as a disk that refuses writes (full, or gone read-only).
    s.wal = File::open(dir.join(WAL_FILE)).unwrap();
    let err = s
        .persist(&Ready {
            entries: vec![entry(1, 1, "a")].into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("append to"), "{err}");
    assert_eq!(s.stats().fsyncs, 0, "nothing was acknowledged");
}

#[test]
fn an_older_snapshot_changes_nothing() {
    let dir = temp_dir("old-snap");
    write_three_batches(&dir);
    let (mut s, _) = open(&dir).unwrap();
    s.persist(&Ready {
        snapshot: Some(snapshot(4, 1, "state@4")),
        ..Default::default()
    })
    .unwrap();
    let before = s.state().clone();
    s.persist(&Ready {
        snapshot: Some(snapshot(2, 1, "state@2")),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.state(), &before);
    drop(s);
    let (s, _) = open(&dir).unwrap();
    assert_eq!(s.state(), &before);
    assert_eq!(s.state().snapshot_data, b"state@4");
}
