//! The replicated application: a small key-value store (put / get / append / cas) and the
//! reference task queue, with client sessions for exactly-once application (§6.3).
//!
//! Commands travel in the log as bytes. The encoding is written by hand (a tag byte,
//! little-endian integers, length-prefixed UTF-8) because the crate's default build has no
//! serialization dependency and the format is six fields.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use raft_core::session::{ClientId, Sessions};

use crate::entry_cache::EntryCache;

#[cfg(feature = "serde")]
mod op_json;

/// A client operation.
// Read by hand (`app/op_json.rs`, issue 14: the page's size); the attributes below still shape
// the writer, and the reader follows them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "op", rename_all = "snake_case"))]
pub enum Op {
    /// Set `key` to `value`.
    Put {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Read `key` (through the log, hence linearizable).
    Get {
        /// Key.
        key: String,
    },
    /// Append `value` to the value of `key`.
    Append {
        /// Key.
        key: String,
        /// Suffix.
        value: String,
    },
    /// Set `key` to `new` if its value is `expect` (`None`: absent).
    Cas {
        /// Key.
        key: String,
        /// Expected current value.
        expect: Option<String>,
        /// New value.
        new: String,
    },
    /// Execute task `id` of the reference task queue (its effect must happen exactly once).
    Task {
        /// Task id.
        id: u64,
    },
}

impl Op {
    /// The key this operation touches (tasks use a key of their own), for per-key
    /// linearizability checking.
    pub fn key(&self) -> &str {
        match self {
            Op::Put { key, .. }
            | Op::Get { key }
            | Op::Append { key, .. }
            | Op::Cas { key, .. } => key,
            Op::Task { .. } => "",
        }
    }
}

/// The answer to an operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reply {
    /// Whether the operation took effect (a failed `cas` is `false`).
    pub ok: bool,
    /// The value of the key after the operation (for `get`, the value read; for tasks, how many
    /// times the task had been executed including this time).
    pub value: Option<String>,
}

/// A command as stored in the log: who sent it, its session sequence number, and the operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Command {
    /// Client session id.
    pub client: ClientId,
    /// Sequence number within the session (same on retries).
    pub seq: u64,
    /// The operation.
    pub op: Op,
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u64(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a>(&'a [u8]);
impl Reader<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u64(&mut self) -> Option<u64> {
        if self.0.len() < 8 {
            return None;
        }
        let (head, rest) = self.0.split_at(8);
        self.0 = rest;
        Some(u64::from_le_bytes(head.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let n = usize::try_from(self.u64()?).ok()?;
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8(head.to_vec()).ok()
    }
}

impl Command {
    /// Encodes the command for a log entry.
    pub fn encode(&self) -> Vec<u8> {
        // Sized up front: growing from empty took four reallocations per command, a third of
        // a client request's instructions in the simulator.
        let mut out = Vec::with_capacity(self.encoded_len());
        put_u64(&mut out, self.client);
        put_u64(&mut out, self.seq);
        match &self.op {
            Op::Put { key, value } => {
                out.push(1);
                put_str(&mut out, key);
                put_str(&mut out, value);
            }
            Op::Get { key } => {
                out.push(2);
                put_str(&mut out, key);
            }
            Op::Append { key, value } => {
                out.push(3);
                put_str(&mut out, key);
                put_str(&mut out, value);
            }
            Op::Cas { key, expect, new } => {
                out.push(4);
                put_str(&mut out, key);
                match expect {
                    Some(e) => {
                        out.push(1);
                        put_str(&mut out, e);
                    }
                    None => out.push(0),
                }
                put_str(&mut out, new);
            }
            Op::Task { id } => {
                out.push(5);
                put_u64(&mut out, *id);
            }
        }
        out
    }

    /// The length of [`Command::encode`]'s bytes.
    fn encoded_len(&self) -> usize {
        let s = |x: &str| 8 + x.len();
        17 + match &self.op {
            Op::Put { key, value } | Op::Append { key, value } => s(key) + s(value),
            Op::Get { key } => s(key),
            Op::Cas { key, expect, new } => s(key) + 1 + expect.as_deref().map_or(0, s) + s(new),
            Op::Task { .. } => 8,
        }
    }

    /// Decodes a log entry's bytes; `None` if they are not a well-formed command.
    pub fn decode(bytes: &[u8]) -> Option<Command> {
        let mut r = Reader(bytes);
        let client = r.u64()?;
        let seq = r.u64()?;
        let op = match r.u8()? {
            1 => Op::Put {
                key: r.string()?,
                value: r.string()?,
            },
            2 => Op::Get { key: r.string()? },
            3 => Op::Append {
                key: r.string()?,
                value: r.string()?,
            },
            4 => {
                let key = r.string()?;
                let expect = match r.u8()? {
                    0 => None,
                    1 => Some(r.string()?),
                    _ => return None,
                };
                Op::Cas {
                    key,
                    expect,
                    new: r.string()?,
                }
            }
            5 => Op::Task { id: r.u64()? },
            _ => return None,
        };
        if !r.0.is_empty() {
            return None;
        }
        Some(Command { client, seq, op })
    }
}

/// Commands decoded once for all the replicas that apply them: every node applies the same
/// committed entry, and decoding it (its strings allocated and copied) for each of them cost
/// about 2.4% of a `raft-sim check` run's instructions; see [`EntryCache`].
#[derive(Debug, Clone, Default)]
pub(crate) struct DecodeCache(EntryCache<Option<Command>>);

impl DecodeCache {
    /// [`Command::decode`] of `bytes`, the payload of the entry at (`index`, `term`).
    pub(crate) fn decode(
        &mut self,
        index: u64,
        term: u64,
        bytes: &raft_core::Bytes,
    ) -> Option<&Command> {
        self.0
            .get_or_compute(index, term, bytes, || Command::decode(bytes))
            .as_ref()
    }
}

/// A portable 64-bit hash of one item of the state (a tag and the item's fields as 64-bit words
/// and length-prefixed bytes through the trace hash's mixer, [`crate::trace::mix_word`], then
/// the SplitMix64 finalizer so that sums of item hashes stay well mixed).
struct ItemHash(u64);

impl ItemHash {
    fn new(tag: u8) -> Self {
        let mut h = ItemHash(crate::trace::FNV_OFFSET);
        h.u64(u64::from(tag));
        h
    }
    fn bytes(&mut self, bytes: &[u8]) {
        self.0 = crate::trace::mix_bytes(self.0, bytes);
    }
    fn u64(&mut self, v: u64) {
        self.0 = crate::trace::mix_word(self.0, v);
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }
    fn finish(self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn data_item(key: &str, value: &str) -> u64 {
    let mut h = ItemHash::new(1);
    h.str(key);
    h.str(value);
    h.finish()
}

fn session_item(client: ClientId, seq: u64, reply: &Reply) -> u64 {
    let mut h = ItemHash::new(2);
    h.u64(client);
    h.u64(seq);
    h.bytes(&[u8::from(reply.ok)]);
    match &reply.value {
        Some(v) => {
            h.bytes(&[1]);
            h.str(v);
        }
        None => h.bytes(&[0]),
    }
    h.finish()
}

fn task_item(id: u64, count: u32) -> u64 {
    let mut h = ItemHash::new(3);
    h.u64(id);
    h.u64(u64::from(count));
    h.finish()
}

/// The state machine every node applies committed entries to. Volatile: a restarted node
/// rebuilds it from its snapshot and by re-applying the log after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KvStore {
    data: BTreeMap<String, String>,
    sessions: Sessions<Reply>,
    /// Task id → times its effect was executed (must never exceed 1).
    tasks: BTreeMap<u64, u32>,
    /// [`KvStore::digest`]: the sum, modulo 2^64, of the item hash of every key and value, every
    /// session entry and every task count. Kept up to date by every change of those three maps.
    digest: u64,
    /// Client → the item hash its session entry adds to `digest` (so that replacing the entry
    /// can take the old one out without hashing the table again).
    session_items: BTreeMap<ClientId, u64>,
    /// Set to skip session deduplication (a planted bug, for testing the exactly-once checker).
    pub dedup_disabled: bool,
}

impl KvStore {
    /// Applies a command once per (client, seq). Returns the reply, and whether the operation
    /// was executed now (`false` for a duplicate answered from the session table).
    pub fn apply(&mut self, cmd: &Command) -> (Option<Reply>, bool) {
        match self.apply_in_place(cmd) {
            Some(ran) => (self.reply(cmd.client).cloned(), ran),
            None => (None, false),
        }
    }

    /// [`KvStore::apply`] without a copy of the reply: `Some(true)` if the command was executed
    /// now, `Some(false)` if it is a duplicate, `None` if it is stale or its session expired
    /// (no reply). With `Some`, its reply is [`KvStore::reply`] of its client until the
    /// client's next command. (A simulated cluster applies each command on every replica and
    /// hands on at most one reply: copying it for all was 1% of a `raft-sim check` run.)
    pub fn apply_in_place(&mut self, cmd: &Command) -> Option<bool> {
        if !self.dedup_disabled {
            match self.sessions.check(cmd.client, cmd.seq) {
                raft_core::session::SessionCheck::Duplicate(_) => return Some(false),
                // A delayed duplicate, or a command whose session expired (§6.3): not applied,
                // and no reply (the client times out; with the simulator's few clients and the
                // default limit, a session never expires).
                raft_core::session::SessionCheck::Stale
                | raft_core::session::SessionCheck::Expired => return None,
                raft_core::session::SessionCheck::New => {}
            }
        }
        let reply = self.execute(&cmd.op);
        self.record_session(cmd.client, cmd.seq, reply);
        Some(true)
    }

    /// The reply of `client`'s latest command in the session table (see
    /// [`KvStore::apply_in_place`]).
    pub fn reply(&self, client: ClientId) -> Option<&Reply> {
        self.sessions.response(client)
    }

    /// A digest of the whole state: keys and values, the session table (§6.3) and the task
    /// counts. Two stores with equal state have equal digests, whatever happened before (a
    /// store restored from a snapshot has the digest of the store the snapshot was taken
    /// from); two different states collide with probability about 2^-64.
    ///
    /// It is portable and order-free: each item (a key and its value, a client's session entry,
    /// a task's count) is hashed from its fields' bytes (little-endian integers, length-prefixed
    /// strings; no `Debug` text, no `usize`), and the item hashes are summed modulo 2^64. The sum
    /// is kept up to date as commands run, so reading it costs nothing and a command costs one
    /// hash of each item it changes, not of the whole state. The checker compares it across
    /// replicas at every applied index (State Machine Safety, §5.4.3).
    pub fn digest(&self) -> u64 {
        self.digest
    }

    /// [`KvStore::digest`] computed from scratch, to test the running sum against.
    #[cfg(test)]
    fn digest_from_scratch(&self) -> u64 {
        let data = self.data.iter().map(|(k, v)| data_item(k, v));
        let sessions = self.sessions.iter().map(|(c, s, r)| session_item(c, s, r));
        let tasks = self.tasks.iter().map(|(&id, &n)| task_item(id, n));
        data.chain(sessions).chain(tasks).fold(0, u64::wrapping_add)
    }

    /// Records `client`'s latest command in the session table, keeping the digest.
    fn record_session(&mut self, client: ClientId, seq: u64, reply: Reply) {
        let item = session_item(client, seq, &reply);
        let old = self.session_items.insert(client, item).unwrap_or(0);
        self.digest = self.digest.wrapping_sub(old).wrapping_add(item);
        if let Some(evicted) = self.sessions.record(client, seq, reply) {
            let old = self.session_items.remove(&evicted).unwrap_or(0);
            self.digest = self.digest.wrapping_sub(old);
        }
    }

    /// Sets `key` to `value`, keeping the digest.
    fn set(&mut self, key: &str, value: String) {
        let item = data_item(key, &value);
        // A key already present keeps its `String` (no allocation for the key).
        let old = match self.data.get_mut(key) {
            Some(old) => data_item(key, &core::mem::replace(old, value)),
            None => {
                self.data.insert(key.into(), value);
                0
            }
        };
        self.digest = self.digest.wrapping_sub(old).wrapping_add(item);
    }

    /// Sets task `id`'s execution count, keeping the digest.
    fn set_task(&mut self, id: u64, count: u32) {
        let old = self.tasks.insert(id, count).map_or(0, |n| task_item(id, n));
        self.digest = self
            .digest
            .wrapping_sub(old)
            .wrapping_add(task_item(id, count));
    }

    fn execute(&mut self, op: &Op) -> Reply {
        match op {
            Op::Put { key, value } => {
                self.set(key, value.clone());
                Reply {
                    ok: true,
                    value: Some(value.clone()),
                }
            }
            Op::Get { key } => Reply {
                ok: true,
                value: self.data.get(key).cloned(),
            },
            Op::Append { key, value } => {
                // Appended where the value lies (one copy, for the reply).
                let v = match self.data.get_mut(key) {
                    Some(v) => {
                        let old = data_item(key, v);
                        v.push_str(value);
                        let item = data_item(key, v);
                        self.digest = self.digest.wrapping_sub(old).wrapping_add(item);
                        v.clone()
                    }
                    None => {
                        self.set(key, value.clone());
                        value.clone()
                    }
                };
                Reply {
                    ok: true,
                    value: Some(v),
                }
            }
            Op::Cas { key, expect, new } => {
                // Compared where the value lies: copied only for a failed cas's reply.
                let current = self.data.get(key);
                if current.map(String::as_str) == expect.as_deref() {
                    self.set(key, new.clone());
                    Reply {
                        ok: true,
                        value: Some(new.clone()),
                    }
                } else {
                    Reply {
                        ok: false,
                        value: current.cloned(),
                    }
                }
            }
            Op::Task { id } => {
                let n = self.tasks.get(id).copied().unwrap_or(0).saturating_add(1);
                self.set_task(*id, n);
                Reply {
                    ok: true,
                    value: Some(alloc::format!("{n}")),
                }
            }
        }
    }

    /// The whole state (data, sessions, task counts) as bytes, for a snapshot.
    pub fn snapshot(&self) -> Vec<u8> {
        // Sized up front: the data exactly, a session at its usual size (a short reply value),
        // so the buffer is allocated once rather than regrown as it fills (those regrowths
        // were 0.4% of a `raft-sim check` run, which snapshots every few hundred entries).
        let data: usize = self.data.iter().map(|(k, v)| 16 + k.len() + v.len()).sum();
        let mut out =
            Vec::with_capacity(24 + data + 32 * self.sessions.len() + 16 * self.tasks.len());
        put_u64(&mut out, self.data.len() as u64);
        for (k, v) in &self.data {
            put_str(&mut out, k);
            put_str(&mut out, v);
        }
        put_u64(&mut out, self.sessions.len() as u64);
        // Least recently used first: recording them again in this order on restore rebuilds
        // the same eviction order.
        for (client, seq, reply) in self.sessions.iter_by_use() {
            put_u64(&mut out, client);
            put_u64(&mut out, seq);
            out.push(u8::from(reply.ok));
            match &reply.value {
                Some(v) => {
                    out.push(1);
                    put_str(&mut out, v);
                }
                None => out.push(0),
            }
        }
        put_u64(&mut out, self.tasks.len() as u64);
        for (&id, &n) in &self.tasks {
            put_u64(&mut out, id);
            put_u64(&mut out, u64::from(n));
        }
        out
    }

    /// Rebuilds a store from [`KvStore::snapshot`] bytes; `None` if they are malformed.
    pub fn restore(bytes: &[u8]) -> Option<KvStore> {
        let mut r = Reader(bytes);
        let mut kv = KvStore::default();
        for _ in 0..r.u64()? {
            let k = r.string()?;
            let v = r.string()?;
            kv.set(&k, v);
        }
        for _ in 0..r.u64()? {
            let client = r.u64()?;
            let seq = r.u64()?;
            let ok = r.u8()? == 1;
            let value = match r.u8()? {
                0 => None,
                1 => Some(r.string()?),
                _ => return None,
            };
            kv.record_session(client, seq, Reply { ok, value });
        }
        for _ in 0..r.u64()? {
            let id = r.u64()?;
            let n = u32::try_from(r.u64()?).ok()?;
            kv.set_task(id, n);
        }
        r.0.is_empty().then_some(kv)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.data.get(key).map(String::as_str)
    }

    /// All keys and values, in order.
    pub fn data(&self) -> &BTreeMap<String, String> {
        &self.data
    }

    /// Task id → number of times executed.
    pub fn tasks(&self) -> &BTreeMap<u64, u32> {
        &self.tasks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(client: u64, seq: u64, op: Op) -> Command {
        Command { client, seq, op }
    }

    #[test]
    fn commands_round_trip_and_garbage_is_refused() {
        let ops = [
            Op::Put {
                key: "a".into(),
                value: "1".into(),
            },
            Op::Get { key: "a".into() },
            Op::Append {
                key: "a".into(),
                value: "x".into(),
            },
            Op::Cas {
                key: "a".into(),
                expect: None,
                new: "2".into(),
            },
            Op::Cas {
                key: "a".into(),
                expect: Some("1".into()),
                new: "2".into(),
            },
            Op::Task { id: 9 },
        ];
        for op in ops {
            let c = cmd(3, 4, op);
            assert_eq!(Command::decode(&c.encode()), Some(c.clone()));
            let bytes = c.encode();
            // Sized exactly up front (no reallocation, no slack).
            assert_eq!(bytes.capacity(), bytes.len(), "{c:?}");
            assert_eq!(Command::decode(&bytes[..bytes.len() - 1]), None);
        }
        assert_eq!(Command::decode(&[]), None);
        assert_eq!(Command::decode(&[0xff; 40]), None);
    }

    // Raft §6.3: a retried command is answered from the session table, not applied again.
    #[test]
    fn duplicates_are_answered_not_applied() {
        let mut kv = KvStore::default();
        let c = cmd(
            1,
            1,
            Op::Append {
                key: "k".into(),
                value: "x".into(),
            },
        );
        let (r1, ran1) = kv.apply(&c);
        let (r2, ran2) = kv.apply(&c);
        assert!(ran1 && !ran2);
        assert_eq!(r1, r2);
        assert_eq!(kv.get("k"), Some("x"));
    }

    #[test]
    fn snapshot_restores_data_sessions_and_tasks() {
        let mut kv = KvStore::default();
        kv.apply(&cmd(
            1,
            1,
            Op::Put {
                key: "a".into(),
                value: "1".into(),
            },
        ));
        kv.apply(&cmd(2, 1, Op::Task { id: 7 }));
        let restored = KvStore::restore(&kv.snapshot()).unwrap();
        assert_eq!(restored, kv);
        // The session survives: a retry after restore is still a duplicate.
        let mut restored = restored;
        let (_, ran) = restored.apply(&cmd(2, 1, Op::Task { id: 7 }));
        assert!(!ran);
        assert_eq!(restored.tasks()[&7], 1);
        let snap = kv.snapshot();
        assert_eq!(KvStore::restore(&snap[..snap.len() - 3]), None);
        assert_eq!(KvStore::restore(b"not a snapshot"), None);
    }

    /// The running digest equals the digest computed from scratch after every command,
    /// including retries (answered from the session table) and stale duplicates, and a store
    /// restored from a snapshot has the digest of the store it was taken from.
    #[test]
    fn digest_is_kept_up_to_date_and_survives_a_snapshot() {
        let mut rng = crate::rng::SimRng::new(21);
        let mut kv = KvStore::default();
        assert_eq!(kv.digest(), 0);
        let mut seqs = [0u64; 4];
        for _ in 0..2_000 {
            let client = rng.range(0, 3);
            let k = client as usize;
            // Mostly new commands; some retries and some stale duplicates.
            let seq = match rng.range(0, 9) {
                0 => seqs[k].saturating_sub(1),
                1 => seqs[k],
                _ => {
                    seqs[k] += 1;
                    seqs[k]
                }
            };
            let key = alloc::format!("k{}", rng.range(0, 2));
            let v = alloc::format!("{}", rng.range(0, 9));
            let op = match rng.range(0, 4) {
                0 => Op::Put { key, value: v },
                1 => Op::Get { key },
                2 => Op::Append { key, value: v },
                3 => Op::Cas {
                    key,
                    expect: Some(v.clone()),
                    new: alloc::format!("{v}{v}"),
                },
                _ => Op::Task {
                    id: rng.range(1, 5),
                },
            };
            kv.apply(&cmd(client, seq, op));
            assert_eq!(kv.digest(), kv.digest_from_scratch());
            let restored = KvStore::restore(&kv.snapshot()).unwrap();
            assert_eq!(restored.digest(), kv.digest());
        }
    }

    /// Raft §5.4.3 and dissertation §6.3: the digest tells apart states that differ only in the
    /// session table, or by one command executed twice.
    #[test]
    fn digest_tells_a_double_execution_and_a_lost_session_apart() {
        let append = cmd(
            1,
            1,
            Op::Append {
                key: "k".into(),
                value: "x".into(),
            },
        );
        let mut once = KvStore::default();
        once.apply(&append);
        let mut twice = once.clone();
        twice.dedup_disabled = true;
        twice.apply(&append);
        assert_ne!(once.digest(), twice.digest());
        let mut other_session = KvStore::default();
        other_session.apply(&cmd(
            2,
            1,
            Op::Append {
                key: "k".into(),
                value: "x".into(),
            },
        ));
        assert_eq!(once.data(), other_session.data());
        assert_ne!(once.digest(), other_session.digest());
        // Equal states reached by different paths share a digest.
        let mut via_put = KvStore::default();
        via_put.apply(&cmd(
            1,
            1,
            Op::Put {
                key: "k".into(),
                value: "x".into(),
            },
        ));
        let mut restored = KvStore::restore(&via_put.snapshot()).unwrap();
        restored.apply(&cmd(
            1,
            1,
            Op::Put {
                key: "k".into(),
                value: "x".into(),
            },
        ));
        assert_eq!(restored.digest(), via_put.digest());
    }
}
