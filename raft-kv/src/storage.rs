//! Durable storage of one node: a write-ahead log of checksummed records and a snapshot file,
//! following the persistence part of raft-core's `Ready` contract. The format is in
//! `docs/formats.md` ("raft-kv data directory").
//!
//! This module and `node.rs` are the only ones that touch raft-core's types for entries, hard
//! state and snapshots, so that a change of raft-core's storage API is adapted here.
//!
//! # Guarantees
//!
//! * [`DiskStorage::persist`] returns only after the data is on disk (`fdatasync` of the log;
//!   a snapshot is written to a temporary file, synced, renamed into place, and the directory
//!   synced). One `persist` writes all the records of one `Ready` with one write and one sync,
//!   so a batch of proposals costs one fsync (group commit).
//! * Recovery ([`DiskStorage::open`]) reads the log from the start. A torn tail (the last
//!   write, cut by a crash) was never acknowledged, since acknowledgement waits for the sync,
//!   so it is cut off and the file synced. A damaged record (incomplete, a length over [`MAX_RECORD_BYTES`], a checksum
//!   mismatch) is a torn tail when no valid record (complete, checksum right, decodable)
//!   starts at any later byte: a crash cuts only the last write. When one does, acknowledged
//!   data follows the damage (a flipped bit, a bad length field): [`Error::Corrupt`], and the
//!   node does not start. The scan stops at the first valid record, which in real damage is
//!   the next record boundary, so it costs little.
//! * A crash at any point of a snapshot write leaves either the old snapshot or the new one,
//!   never a mix; a leftover temporary file is removed at the next start.
//!
//! The log is not split into segments: right after a snapshot is persisted (the driver
//! snapshots by size, at its applied index), once the file has grown by an eighth of its bound
//! since its last rewrite, it is rewritten (temporary file, sync, rename, directory sync) with
//! the live state only: a header, the hard state, the snapshot mark and the few entries past
//! the applied index. The copy is then that short tail, which is what deleting the covered
//! segments of a segmented log would save; the format and recovery stay one file. As a
//! fallback, a file past its bound with a snapshot is rewritten whatever the tail.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use raft_core::{Entry, HardState, Membership, NodeId, PersistentState, Ready, Snapshot};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// First bytes of a log file.
pub const WAL_MAGIC: &[u8; 8] = b"RKVWAL01";
/// First bytes of a snapshot file.
pub const SNAP_MAGIC: &[u8; 8] = b"RKVSNP01";
/// Largest record the log accepts (64 MiB): a length above it is read as damage, not as a
/// request to allocate. Entries are bounded far below it by the client API's body limit.
pub const MAX_RECORD_BYTES: u32 = 64 << 20;
/// Largest snapshot file accepted (1 GiB).
pub const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;
/// Name of the log file in the data directory.
pub const WAL_FILE: &str = "wal";
/// Name of the snapshot file in the data directory.
pub const SNAP_FILE: &str = "snapshot";
/// Default size past which the log file is rewritten without the prefix a snapshot covers.
pub const DEFAULT_WAL_REWRITE_BYTES: u64 = 8 << 20;

/// Bytes before each record's payload: length (u32 LE) and CRC-32 (u32 LE) of the payload.
const RECORD_HEADER: usize = 8;

/// One record of the log. Encoded with postcard (see `wire.rs` for why postcard).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Record {
    /// Always the first record: whose directory this is, and the membership a fresh node
    /// starts from.
    Header {
        /// Cluster name; a node refuses a directory of another cluster.
        cluster: String,
        /// Node id; a node refuses a directory of another node.
        node: NodeId,
        /// Initial membership.
        membership: Membership,
    },
    /// New term and vote.
    HardState(HardState),
    /// Delete stored entries from the first one's index on, then append these.
    Entries(Vec<Entry>),
    /// The snapshot file now holds the snapshot at `index` (term `term`): drop entries up to it
    /// (all of them if the entry at `index` has another term).
    Snapshot {
        /// Index the snapshot covers.
        index: u64,
        /// Its term.
        term: u64,
    },
}

/// The content of a snapshot file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SnapFile {
    index: u64,
    term: u64,
    membership: Membership,
    data: Vec<u8>,
}

/// Longest artificial fsync delay ([`DiskStorage::set_fsync_delay`]): 1 s.
pub const MAX_FSYNC_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// Counters of one storage since it was opened (recovery's own syncs not counted), for
/// `/status` and the fsync figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StorageStats {
    /// `fsync`/`fdatasync` calls made (files and directories).
    pub fsyncs: u64,
    /// Calls of [`DiskStorage::persist`] that wrote something.
    pub batches: u64,
    /// Entries appended.
    pub entries: u64,
    /// Bytes appended to the log.
    pub bytes: u64,
    /// Times the log file was rewritten without its compacted prefix.
    pub rewrites: u64,
}

/// What recovery found, for the node's log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// True when the directory was empty and has just been initialized.
    pub fresh: bool,
    /// Bytes of a torn last record cut off the log, if any.
    pub truncated: Option<u64>,
    /// A leftover temporary snapshot (a crash before its rename) was removed.
    pub removed_temp_snapshot: bool,
    /// Records read.
    pub records: u64,
}

/// A node's durable state on disk.
#[derive(Debug)]
pub struct DiskStorage {
    dir: PathBuf,
    wal: File,
    wal_bytes: u64,
    /// Size of the log file right after its last rewrite (or creation).
    wal_base: u64,
    rewrite_bytes: u64,
    cluster: String,
    node: NodeId,
    initial: Membership,
    /// What is on disk, kept in memory (raft-core keeps the log in memory too).
    state: PersistentState,
    stats: StorageStats,
    /// A slow disk, for the fault run: each log fsync waits this long first.
    fsync_delay: std::time::Duration,
}

fn frame(rec: &Record) -> Vec<u8> {
    let payload = postcard::to_stdvec(rec).expect("serializing to a Vec cannot fail");
    let mut out = Vec::with_capacity(RECORD_HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Syncs a directory, so that a rename or a file creation in it is durable.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("fsync of directory {}", dir.display()), e))
}

/// Writes `bytes` to `dir/name` atomically: a temporary file, synced, renamed over `name`,
/// then the directory synced. Returns the number of syncs (2).
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<u64, Error> {
    let tmp = dir.join(format!("{name}.tmp"));
    let path = dir.join(name);
    let mut f =
        File::create(&tmp).map_err(|e| Error::io(format!("create {}", tmp.display()), e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(format!("write {}", tmp.display()), e))?;
    drop(f);
    std::fs::rename(&tmp, &path)
        .map_err(|e| Error::io(format!("rename {} to {}", tmp.display(), path.display()), e))?;
    sync_dir(dir)?;
    Ok(2)
}

/// Applies a snapshot at (`index`, `term`) to stored entries, as the `Ready` contract says:
/// keep the entries after it only if the entry at `index` has term `term`.
fn apply_snapshot_rule(state: &mut PersistentState, index: u64, term: u64) {
    if index <= state.snapshot_index {
        return;
    }
    let at = index
        .checked_sub(state.snapshot_index + 1)
        .and_then(|k| usize::try_from(k).ok());
    let agrees = at.is_some_and(|k| state.entries.get(k).is_some_and(|e| e.term == term));
    match at {
        Some(k) if agrees => {
            state.entries.drain(..=k);
        }
        _ => state.entries.clear(),
    }
    state.snapshot_index = index;
    state.snapshot_term = term;
}

/// Appends `entries` to `state`, deleting stored entries from the first one's index on.
fn apply_entries(state: &mut PersistentState, entries: &[Entry]) {
    if let Some(first) = entries.first() {
        let keep = first.index.saturating_sub(state.snapshot_index + 1);
        state
            .entries
            .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
        state.entries.extend_from_slice(entries);
    }
}

/// If a complete record with a matching checksum and a decodable payload starts at `pos` of
/// the log `buf`, the offset just past it.
fn valid_record_at(buf: &[u8], pos: usize) -> Option<usize> {
    let head = buf.get(pos..pos + RECORD_HEADER)?;
    let n = u32::from_le_bytes(head[0..4].try_into().expect("4 bytes"));
    let crc = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"));
    if n > MAX_RECORD_BYTES || n == 0 {
        return None;
    }
    let end = pos + RECORD_HEADER + n as usize;
    let payload = buf.get(pos + RECORD_HEADER..end)?;
    (crc32fast::hash(payload) == crc && postcard::from_bytes::<Record>(payload).is_ok())
        .then_some(end)
}

/// Reads and checks the snapshot file, if there is one.
fn read_snapshot(path: &Path) -> Result<Option<SnapFile>, Error> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("open {}", path.display()), e)),
    };
    let corrupt = |offset, why: &str| Error::Corrupt {
        path: path.to_path_buf(),
        offset,
        why: why.to_string(),
    };
    let len = f
        .metadata()
        .map_err(|e| Error::io(format!("stat {}", path.display()), e))?
        .len();
    if len > MAX_SNAPSHOT_BYTES {
        return Err(corrupt(0, "larger than the 1 GiB bound"));
    }
    let mut buf = Vec::with_capacity(len as usize);
    f.read_to_end(&mut buf)
        .map_err(|e| Error::io(format!("read {}", path.display()), e))?;
    if buf.len() < 16 || &buf[..8] != SNAP_MAGIC {
        return Err(corrupt(0, "not a raft-kv snapshot (bad magic)"));
    }
    let n = u32::from_le_bytes(buf[8..12].try_into().expect("4 bytes")) as usize;
    let crc = u32::from_le_bytes(buf[12..16].try_into().expect("4 bytes"));
    let payload = &buf[16..];
    if payload.len() != n {
        return Err(corrupt(8, "length does not match the file"));
    }
    if crc32fast::hash(payload) != crc {
        return Err(corrupt(16, "checksum mismatch"));
    }
    postcard::from_bytes(payload)
        .map(Some)
        .map_err(|e| corrupt(16, &format!("undecodable: {e}")))
}

impl DiskStorage {
    /// Opens (or initializes, when `dir` has no log) the storage of node `node` of cluster
    /// `cluster`. `initial` is the membership a fresh node starts in. Recovers as described in
    /// the module doc; a directory of another cluster or node is refused.
    pub fn open(
        dir: &Path,
        cluster: &str,
        node: NodeId,
        initial: &Membership,
    ) -> Result<(DiskStorage, Recovery), Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("create directory {}", dir.display()), e))?;
        let mut recovery = Recovery::default();
        let snap_tmp = dir.join(format!("{SNAP_FILE}.tmp"));
        if snap_tmp.exists() {
            std::fs::remove_file(&snap_tmp)
                .map_err(|e| Error::io(format!("remove {}", snap_tmp.display()), e))?;
            recovery.removed_temp_snapshot = true;
        }
        let wal_path = dir.join(WAL_FILE);
        if !wal_path.exists() {
            let mut bytes = WAL_MAGIC.to_vec();
            bytes.extend(frame(&Record::Header {
                cluster: cluster.to_string(),
                node,
                membership: initial.clone(),
            }));
            write_atomic(dir, WAL_FILE, &bytes)?;
            recovery.fresh = true;
        }
        let mut buf = Vec::new();
        File::open(&wal_path)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .map_err(|e| Error::io(format!("read {}", wal_path.display()), e))?;
        let corrupt = |offset: usize, why: String| Error::Corrupt {
            path: wal_path.clone(),
            offset: offset as u64,
            why,
        };
        if buf.len() < WAL_MAGIC.len() || &buf[..8] != WAL_MAGIC {
            return Err(corrupt(0, "not a raft-kv log (bad magic)".into()));
        }
        let mut state = PersistentState::default();
        let mut header: Option<(String, NodeId)> = None;
        let mut pos = WAL_MAGIC.len();
        while pos < buf.len() {
            let Some(end) = valid_record_at(&buf, pos) else {
                // Damaged or incomplete. Torn only if no valid record follows anywhere.
                if let Some(next) =
                    (pos + 1..buf.len()).find(|&p| valid_record_at(&buf, p).is_some())
                {
                    return Err(corrupt(
                        pos,
                        format!("damaged record (bad length or checksum) with a valid record after it at byte {next}"),
                    ));
                }
                recovery.truncated = Some((buf.len() - pos) as u64);
                break;
            };
            let rec: Record =
                postcard::from_bytes(&buf[pos + RECORD_HEADER..end]).map_err(|e| {
                    corrupt(
                        pos,
                        format!("record with a valid checksum is undecodable: {e}"),
                    )
                })?;
            match (rec, &header) {
                (
                    Record::Header {
                        cluster: c,
                        node: id,
                        membership,
                    },
                    None,
                ) => {
                    if c != cluster {
                        return Err(Error::WrongDirectory {
                            dir: dir.to_path_buf(),
                            why: format!("belongs to cluster {c:?}, not {cluster:?}"),
                        });
                    }
                    if id != node {
                        return Err(Error::WrongDirectory {
                            dir: dir.to_path_buf(),
                            why: format!("belongs to node {id}, not {node}"),
                        });
                    }
                    state.membership = membership;
                    header = Some((c, id));
                }
                (_, None) => return Err(corrupt(pos, "the first record is not a header".into())),
                (Record::Header { .. }, Some(_)) => {
                    return Err(corrupt(pos, "a second header".into()))
                }
                (Record::HardState(hs), Some(_)) => state.hard_state = hs,
                (Record::Entries(es), Some(_)) => apply_entries(&mut state, &es),
                (Record::Snapshot { index, term }, Some(_)) => {
                    apply_snapshot_rule(&mut state, index, term)
                }
            }
            recovery.records += 1;
            pos = end;
        }
        if header.is_none() {
            return Err(corrupt(8, "no header record".into()));
        }
        if let Some(cut) = recovery.truncated {
            let f = OpenOptions::new()
                .write(true)
                .open(&wal_path)
                .map_err(|e| Error::io(format!("open {}", wal_path.display()), e))?;
            f.set_len(pos as u64)
                .and_then(|_| f.sync_all())
                .map_err(|e| {
                    Error::io(format!("truncate {} by {cut} bytes", wal_path.display()), e)
                })?;
        }
        // The snapshot file may be newer than the log's last snapshot record (a crash after the
        // rename, before the record): it was durable, so apply it now, as persist would have.
        if let Some(snap) = read_snapshot(&dir.join(SNAP_FILE))? {
            apply_snapshot_rule(&mut state, snap.index, snap.term);
            if snap.index == state.snapshot_index {
                state.membership = snap.membership;
                state.snapshot_data = snap.data;
            }
        }
        let wal = OpenOptions::new()
            .append(true)
            .open(&wal_path)
            .map_err(|e| Error::io(format!("open {}", wal_path.display()), e))?;
        let storage = DiskStorage {
            dir: dir.to_path_buf(),
            wal,
            wal_bytes: pos as u64,
            wal_base: pos as u64,
            rewrite_bytes: DEFAULT_WAL_REWRITE_BYTES,
            cluster: cluster.to_string(),
            node,
            initial: initial.clone(),
            state,
            stats: StorageStats::default(),
            fsync_delay: std::time::Duration::ZERO,
        };
        Ok((storage, recovery))
    }

    /// Sets the size past which the log file is rewritten without its compacted prefix.
    pub fn set_rewrite_bytes(&mut self, bytes: u64) {
        self.rewrite_bytes = bytes.max(1);
    }

    /// What a restarting node is given (raft-core's `Node::restore`).
    pub fn state(&self) -> &PersistentState {
        &self.state
    }

    /// Makes the disk slow: every fsync of a persisted `Ready` first waits `delay` (at most
    /// [`MAX_FSYNC_DELAY`]), as a loaded or failing disk would. The driver thread blocks
    /// meanwhile, exactly as it does on a real slow fsync.
    pub fn set_fsync_delay(&mut self, delay: std::time::Duration) {
        self.fsync_delay = delay.min(MAX_FSYNC_DELAY);
    }

    /// Counters since opening.
    pub fn stats(&self) -> StorageStats {
        self.stats
    }

    /// Current size of the log file in bytes.
    pub fn wal_bytes(&self) -> u64 {
        self.wal_bytes
    }

    /// Approximate bytes of the stored entries (raft-core's per-entry size).
    pub fn entry_bytes(&self) -> u64 {
        self.state.entries.iter().map(Entry::size).sum()
    }

    /// Durably stores the persistence part of `ready` (snapshot, hard state, entries) in the
    /// order its contract gives. Returns after everything is synced. An error leaves the node
    /// unable to promise anything: the caller must stop (fail-stop), never send.
    pub fn persist(&mut self, ready: &Ready) -> Result<(), Error> {
        let mut buf = Vec::new();
        // A snapshot no newer than the stored one changes nothing (raft-core refuses stale
        // snapshots; writing one would put an older state in front of a shorter log).
        let snapshot = ready
            .snapshot
            .as_ref()
            .filter(|s| s.meta.index > self.state.snapshot_index);
        if let Some(snap) = snapshot {
            self.write_snapshot(snap)?;
            apply_snapshot_rule(&mut self.state, snap.meta.index, snap.meta.term);
            self.state.membership = snap.meta.membership.clone();
            self.state.snapshot_data = snap.data.clone();
            buf.extend(frame(&Record::Snapshot {
                index: snap.meta.index,
                term: snap.meta.term,
            }));
        }
        if let Some(hs) = ready.hard_state {
            self.state.hard_state = hs;
            buf.extend(frame(&Record::HardState(hs)));
        }
        if !ready.entries.is_empty() {
            apply_entries(&mut self.state, &ready.entries);
            buf.extend(frame(&Record::Entries(ready.entries.to_vec())));
            self.stats.entries += ready.entries.len() as u64;
        }
        if buf.is_empty() {
            return Ok(());
        }
        let what = || format!("append to {}", self.dir.join(WAL_FILE).display());
        self.wal.write_all(&buf).map_err(|e| Error::io(what(), e))?;
        if !self.fsync_delay.is_zero() {
            std::thread::sleep(self.fsync_delay);
        }
        self.wal.sync_data().map_err(|e| Error::io(what(), e))?;
        self.stats.fsyncs += 1;
        self.stats.batches += 1;
        self.stats.bytes += buf.len() as u64;
        self.wal_bytes += buf.len() as u64;
        // Compaction of the file: right after a snapshot, when it covers most of the log and
        // only the short tail after the applied index is left to copy; or, failing that,
        // whenever the file passes its bound.
        let grown = self.wal_bytes - self.wal_base;
        let after_snapshot = snapshot.is_some() && grown > self.rewrite_bytes / 8;
        if (after_snapshot || grown > self.rewrite_bytes) && self.state.snapshot_index > 0 {
            self.rewrite()?;
        }
        Ok(())
    }

    fn write_snapshot(&mut self, snap: &Snapshot) -> Result<(), Error> {
        let payload = postcard::to_stdvec(&SnapFile {
            index: snap.meta.index,
            term: snap.meta.term,
            membership: snap.meta.membership.clone(),
            data: snap.data.clone(),
        })
        .expect("serializing to a Vec cannot fail");
        let mut bytes = SNAP_MAGIC.to_vec();
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        self.stats.fsyncs += write_atomic(&self.dir, SNAP_FILE, &bytes)?;
        Ok(())
    }

    /// Rewrites the log with the live state only: header, hard state, snapshot mark, entries.
    fn rewrite(&mut self) -> Result<(), Error> {
        let mut bytes = WAL_MAGIC.to_vec();
        bytes.extend(frame(&Record::Header {
            cluster: self.cluster.clone(),
            node: self.node,
            membership: self.initial.clone(),
        }));
        bytes.extend(frame(&Record::HardState(self.state.hard_state)));
        bytes.extend(frame(&Record::Snapshot {
            index: self.state.snapshot_index,
            term: self.state.snapshot_term,
        }));
        if !self.state.entries.is_empty() {
            bytes.extend(frame(&Record::Entries(self.state.entries.clone())));
        }
        self.stats.fsyncs += write_atomic(&self.dir, WAL_FILE, &bytes)?;
        let path = self.dir.join(WAL_FILE);
        self.wal = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(format!("open {}", path.display()), e))?;
        self.wal_bytes = bytes.len() as u64;
        self.wal_base = self.wal_bytes;
        self.stats.rewrites += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
