//! The trace: one record per thing that happened, in order, with virtual time. Written as JSON
//! Lines by the `raft-sim` tool (format documented in `docs/formats.md`). A running hash of every
//! record is kept even when records are not stored, so determinism can be checked cheaply.

use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::app::{Command, Op, Reply};
use crate::checker::Violation;
use raft_core::entry::Entry;
use raft_core::message::Message;
use raft_core::types::{Index, NodeId, Role, Term};

/// Trace format version, written in every trace header. Version 5 hashes each record's fields
/// a 64-bit word at a time ([`HashScheme::Words`]) instead of a byte at a time; its records are
/// those of version 3 (version 4 is the multi-group trace, `groups_trace`, which keeps
/// version 3's hash). Version 3 hashes each record from its fields ([`HashScheme::Fields`])
/// instead of its `Debug` text; its records are those of version 2.
/// Version 2 added step records, the step count in the footer, what each applied command did,
/// the state a node restarts from, session sequence numbers and the snapshot's source.
/// [`parse_jsonl`] still reads versions 1 to 3, and [`TraceFile::replay`] verifies a version-2
/// or version-3 trace with the hash it was written with ([`HashScheme::for_version`]).
pub const TRACE_VERSION: u32 = 5;

/// The version of traces recorded outside the simulator (`raft-kv trace`, the classroom
/// grader's runs of other people's nodes): version 3, hashed with [`HashScheme::Fields`], the
/// one the page's player of recorded runs reads. They cannot be re-simulated, so their hash is
/// computed once per file and its speed does not matter.
pub const RECORDED_TRACE_VERSION: u32 = 3;

/// The multi-group trace's version (`groups_trace`), which [`parse_jsonl`] refuses.
const GROUP_VERSION: u32 = 4;

/// The oldest trace format version [`parse_jsonl`] reads.
pub const TRACE_VERSION_MIN: u32 = 1;

/// The latest virtual time, in ms, a trace may mention (`t`, the footer's `end`, a violation's
/// `time`): the latest the world reaches, one bound for every file and flag.
pub use crate::limits::MAX_TIME_MS;

/// The largest integer a trace may hold anywhere in its records and footer: 2^53 - 1, the largest
/// integer a JavaScript number holds exactly, so that any JSON tool reads every id, term, index
/// and count without rounding.
pub const MAX_INTEGER: u64 = (1 << 53) - 1;

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SnapshotSource {
    /// The node compacted its own log up to an index its state machine had applied.
    Compaction,
    /// The node installed the leader's snapshot and replaced its state machine with it.
    Leader,
}

/// What a client session (§6.3) made of an applied command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SessionOutcome {
    /// A new sequence number: the operation ran and changed (or read) the state.
    Executed,
    /// The session had already executed this sequence number: the stored answer was returned
    /// and the state did not change.
    Duplicate,
    /// Older than the session's latest sequence number: ignored, no answer.
    Stale,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum TraceEvent {
    /// The world began its `n`th step (one event: a delivery, a timer or a client's wake-up).
    /// Every record up to the next `step` or `action` record belongs to this step, in causal
    /// order.
    Step {
        /// Steps begun so far, this one included (1 for the first).
        n: u64,
    },
    /// A node handed a message to the network.
    Send {
        /// Message id.
        id: u64,
        /// The message.
        msg: Message,
        /// Arrival time (absent while parked on a held link).
        deliver_at: Option<u64>,
    },
    /// A message arrived and was handed to its recipient.
    Deliver {
        /// Message id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
    },
    /// A message was lost.
    Drop {
        /// Message id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
        /// "loss", "cut", "node down" or "dropped by user".
        reason: String,
    },
    /// The network duplicated a message.
    Duplicate {
        /// Original id.
        id: u64,
        /// Id of the copy.
        copy: u64,
    },
    /// A node's timer fired (election timeout, or heartbeat/CheckQuorum on a leader).
    Timeout {
        /// Node.
        node: NodeId,
    },
    /// A node's role or term changed.
    Role {
        /// Node.
        node: NodeId,
        /// New role.
        role: Role,
        /// Term.
        term: Term,
    },
    /// A node persisted a new term and vote.
    HardState {
        /// Node.
        node: NodeId,
        /// Term.
        term: Term,
        /// Vote in that term.
        vote: Option<NodeId>,
    },
    /// A node persisted entries, replacing its log from the first one's index.
    Append {
        /// Node.
        node: NodeId,
        /// The entries.
        entries: Vec<Entry>,
    },
    /// A node's commit index advanced.
    Commit {
        /// Node.
        node: NodeId,
        /// New commit index.
        index: Index,
    },
    /// A node's state machine applied an entry.
    Apply {
        /// Node.
        node: NodeId,
        /// Index.
        index: Index,
        /// Term of the entry.
        term: Term,
        /// The client command the entry carries (absent for no-ops, configuration changes and
        /// undecodable payloads).
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        command: Option<Command>,
        /// The state machine's answer (absent when there is none: no command, or stale).
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        result: Option<Reply>,
        /// What the client session made of the command (absent without a command).
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        session: Option<SessionOutcome>,
    },
    /// A node took a snapshot: compacted its own log, or installed the leader's.
    Snapshot {
        /// Node.
        node: NodeId,
        /// Last index covered.
        index: Index,
        /// Its term.
        term: Term,
        /// Local compaction, or the leader's snapshot (the state machine was replaced).
        source: SnapshotSource,
    },
    /// A node crashed (volatile state lost).
    Crash {
        /// Node.
        node: NodeId,
    },
    /// A node restarted from its durable state.
    Restart {
        /// Node.
        node: NodeId,
        /// The term it recovered.
        term: Term,
        /// The vote it recovered (in `term`).
        vote: Option<NodeId>,
        /// Index of the last entry in its recovered log (the snapshot's index if the log is
        /// empty, 0 if there is neither).
        last_index: Index,
        /// Index its recovered snapshot covers (0 without one).
        snapshot_index: Index,
    },
    /// A person (or scenario) acted on the world.
    Action {
        /// The action.
        action: Action,
    },
    /// A client invoked an operation.
    Invoke {
        /// Client id.
        client: u64,
        /// Operation id (index in the history).
        op_id: u64,
        /// The session sequence number it carries (retries reuse it, §6.3).
        seq: u64,
        /// The operation.
        op: Op,
    },
    /// A client's operation completed.
    Complete {
        /// Client id.
        client: u64,
        /// Operation id.
        op_id: u64,
        /// The answer.
        reply: Reply,
    },
    /// A property broke (recorded the first time for each). The run stops there, except after
    /// the properties of [`crate::checker::RUNS_ON_WITH_BREAK_IT`] with a break-it switch on.
    Violation {
        /// What broke.
        violation: Violation,
    },
}

/// One trace line: the virtual time and the event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TraceRecord {
    /// Virtual time in ms.
    pub t: u64,
    /// What happened.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub event: TraceEvent,
}

/// How a trace's running hash turns records into a 64-bit value: 64-bit words mixed by
/// [`mix_word`] (version 5), or bytes through FNV-1a (64-bit; versions 1 to 3). Each is the same
/// on every platform, so the same run hashes the same on native and wasm32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashScheme {
    /// Trace version 5: each record's fields, in declaration order, through its derived
    /// [`core::hash::Hash`], every integer one 64-bit word and byte strings eight bytes to a
    /// word, mixed by [`mix_word`] (`docs/formats.md`). A third of the instructions of
    /// [`HashScheme::Fields`], which fed FNV-1a one byte at a time.
    Words,
    /// Trace version 3: each record's fields, in declaration order, through its derived
    /// [`core::hash::Hash`], with every integer as fixed-width little-endian bytes (`usize`
    /// lengths and enum variant indexes as 8 bytes, `bool` as 1), byte strings as their bytes,
    /// and text as its UTF-8 bytes followed by `0xff` (`docs/formats.md`). No text formatting:
    /// the simulator's hot path.
    Fields,
    /// Trace versions 1 and 2: each record's `Debug` text followed by a newline. About half of
    /// the simulator's instructions went into this formatting; it is kept only to verify
    /// version-2 traces.
    DebugText,
}

impl HashScheme {
    /// The scheme a trace of format `version` was hashed with.
    pub fn for_version(version: u32) -> Self {
        match version {
            0..=2 => HashScheme::DebugText,
            3 | 4 => HashScheme::Fields,
            _ => HashScheme::Words,
        }
    }
}

/// FNV-1a's 64-bit offset basis: the hash of nothing.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a of `h` followed by `bytes`, one at a time: the trace hash, the checker's entry
/// hashes, the state machine's digest and the grader's answer hashes all feed bytes through
/// this one function.
#[inline]
pub(crate) fn fnv_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// `FNV_PRIME_POW[k]` is `FNV_PRIME` to the power `k`, modulo 2^64.
const FNV_PRIME_POW: [u64; 9] = {
    let mut t = [1u64; 9];
    let mut k = 1;
    while k < 9 {
        t[k] = t[k - 1].wrapping_mul(FNV_PRIME);
        k += 1;
    }
    t
};

/// FNV-1a of `h` followed by the `width` low bytes of `v`, little-endian (`width` at most 8):
/// exactly the value of feeding those bytes one by one, in fewer instructions. A zero byte
/// only multiplies by the prime (the xor with 0 changes nothing), and multiplication modulo
/// 2^64 is associative, so the run of zero bytes above `v`'s highest non-zero byte is one
/// multiplication by a power of the prime. Most integers in a trace (times, ids, indexes,
/// terms, lengths, variant numbers) are small, so most of their bytes are that run: hashing
/// them was about a seventh of a steady-load run's instructions, one byte at a time.
#[inline]
pub(crate) fn fnv_int(mut h: u64, v: u64, width: usize) -> u64 {
    // Bytes up to and including the highest non-zero one (none for 0).
    let n = 8 - (v.leading_zeros() / 8) as usize;
    let mut x = v;
    for _ in 0..n {
        h ^= x & 0xff;
        h = h.wrapping_mul(FNV_PRIME);
        x >>= 8;
    }
    h.wrapping_mul(FNV_PRIME_POW[width - n.min(width)])
}

/// FNV-1a over a byte stream, fed by [`core::hash::Hash`]: every integer is written as
/// fixed-width little-endian bytes, `usize` and `isize` as 8 bytes, so that 32- and 64-bit
/// targets hash alike.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    #[inline]
    fn bytes(&mut self, bytes: &[u8]) {
        self.0 = fnv_bytes(self.0, bytes);
    }
}

impl core::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
    }
    fn write_u8(&mut self, i: u8) {
        self.bytes(&[i]);
    }
    // The integers below go through `fnv_int`: the same value as their bytes one by one.
    fn write_u16(&mut self, i: u16) {
        self.0 = fnv_int(self.0, u64::from(i), 2);
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = fnv_int(self.0, u64::from(i), 4);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = fnv_int(self.0, i, 8);
    }
    fn write_u128(&mut self, i: u128) {
        self.bytes(&i.to_le_bytes());
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = fnv_int(self.0, i as u64, 8);
    }
    fn write_i8(&mut self, i: i8) {
        self.bytes(&i.to_le_bytes());
    }
    fn write_i16(&mut self, i: i16) {
        self.0 = fnv_int(self.0, u64::from(i as u16), 2);
    }
    fn write_i32(&mut self, i: i32) {
        self.0 = fnv_int(self.0, u64::from(i as u32), 4);
    }
    fn write_i64(&mut self, i: i64) {
        self.0 = fnv_int(self.0, i as u64, 8);
    }
    fn write_i128(&mut self, i: i128) {
        self.bytes(&i.to_le_bytes());
    }
    fn write_isize(&mut self, i: isize) {
        self.0 = fnv_int(self.0, i as i64 as u64, 8);
    }
}

impl core::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// The multiplier of [`mix_word`]: 2^64 divided by the golden ratio, made odd (the constant of
/// Fibonacci hashing and of SplitMix64's increment).
const MIX_K: u64 = 0x9e37_79b9_7f4a_7c15;

/// One step of the trace hash of version 5 ([`HashScheme::Words`]): the state xor one 64-bit
/// word, times an odd constant, then its high half folded into its low half.
///
/// Why this is enough to tell a changed trace from the recorded one: every step is a
/// bijection of the state for a fixed word (xor, multiplication by an odd number modulo 2^64,
/// and `x ^ (x >> 32)` each undo), and a bijection of the word for a fixed state, so two
/// streams of words that differ in exactly one word always end in different states, whatever
/// follows; and a changed run almost always differs in many words, which the multiplication
/// (carrying every bit upward) and the fold (carrying the high half back down) spread over all
/// 64 bits before the next word, so that an accidental match is about as likely as for any
/// 64-bit hash. It is not meant to resist someone who crafts a collision on purpose (nor was
/// FNV-1a). Only 64-bit wrapping multiplication, xor and shifts: the same value on wasm32 and
/// natively.
#[inline]
pub(crate) fn mix_word(h: u64, w: u64) -> u64 {
    let x = (h ^ w).wrapping_mul(MIX_K);
    x ^ (x >> 32)
}

/// [`mix_word`] over `bytes`: first their count, then the bytes eight at a time as
/// little-endian words, a last partial word padded with zero bytes. The count makes the words
/// of one call name exactly one byte string (the padding cannot be mistaken for bytes).
#[inline]
pub(crate) fn mix_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    h = mix_word(h, bytes.len() as u64);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = mix_word(h, u64::from_le_bytes(b));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        // The little-endian word of `rest` padded with zero bytes, built a byte at a time (a
        // copy of a length only known at run time went through a call to memcpy).
        let w = rest
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        h = mix_word(h, w);
    }
    h
}

/// The hash of trace version 5, fed by [`core::hash::Hash`]: every integer, whatever its
/// width, is one word (zero-extended; `usize` and `isize` as 64 bits, so that 32- and 64-bit
/// targets hash alike), a byte string its words ([`mix_bytes`]).
#[derive(Debug, Clone, Copy)]
struct Words(u64);

impl core::hash::Hasher for Words {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = mix_bytes(self.0, bytes);
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = mix_word(self.0, u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.0 = mix_word(self.0, u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = mix_word(self.0, u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = mix_word(self.0, i);
    }
    fn write_u128(&mut self, i: u128) {
        self.0 = mix_word(mix_word(self.0, i as u64), (i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = mix_word(self.0, i as u64);
    }
    fn write_i8(&mut self, i: i8) {
        self.write_u8(i as u8);
    }
    fn write_i16(&mut self, i: i16) {
        self.write_u16(i as u16);
    }
    fn write_i32(&mut self, i: i32) {
        self.write_u32(i as u32);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn write_i128(&mut self, i: i128) {
        self.write_u128(i as u128);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as i64 as u64);
    }
}

/// The running hash of a trace: every record so far, fed through its [`HashScheme`].
#[derive(Debug, Clone)]
pub struct TraceHash {
    state: u64,
    scheme: HashScheme,
}

impl Default for TraceHash {
    /// The current version's scheme, [`HashScheme::Words`].
    fn default() -> Self {
        TraceHash::new(HashScheme::Words)
    }
}

/// Runs `$body` with `$h` bound to a [`core::hash::Hasher`] of `$self`'s scheme over its state
/// (monomorphic: no dynamic dispatch per integer). `DebugText` is handled by the callers.
macro_rules! feed {
    ($self:ident, |$h:ident| $body:block) => {
        match $self.scheme {
            HashScheme::Words => {
                let mut w = Words($self.state);
                {
                    let $h = &mut w;
                    $body
                }
                $self.state = w.0;
            }
            HashScheme::Fields | HashScheme::DebugText => {
                let mut w = Fnv($self.state);
                {
                    let $h = &mut w;
                    $body
                }
                $self.state = w.0;
            }
        }
    };
}

impl TraceHash {
    /// An empty trace's hash (the FNV-1a offset basis, under every scheme) under `scheme`.
    pub fn new(scheme: HashScheme) -> Self {
        TraceHash {
            state: FNV_OFFSET,
            scheme,
        }
    }

    /// The scheme records are hashed with.
    pub fn scheme(&self) -> HashScheme {
        self.scheme
    }

    /// Adds one record.
    pub fn add(&mut self, record: &TraceRecord) {
        if self.scheme == HashScheme::DebugText {
            use core::fmt::Write as _;
            let mut f = Fnv(self.state);
            let _ = writeln!(f, "{record:?}");
            self.state = f.0;
            return;
        }
        feed!(self, |h| { core::hash::Hash::hash(record, h) });
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.state
    }

    /// Adds the record `TraceRecord { t, event }` without building it: the same bytes as
    /// [`TraceHash::add`] (a record's derived `Hash` is its time's, then its event's).
    /// Inlined, so that a caller's `step` and `deliver` records (almost every event makes one
    /// of each) take the words of their derived `Hash` written out below, with no dispatch on
    /// the variant (test `borrowed_records_hash_as_built_ones`).
    #[inline]
    pub fn add_event(&mut self, t: u64, event: &TraceEvent) {
        if self.scheme == HashScheme::Words {
            match *event {
                TraceEvent::Step { n } => return self.add_step(t, n),
                TraceEvent::Deliver { id, from, to } => return self.add_deliver(t, id, from, to),
                _ => {}
            }
        }
        self.add_event_fields(t, event);
    }

    /// Adds the record `TraceRecord { t, event: TraceEvent::Step { n } }` from its fields, so
    /// that the caller builds (and drops) no record at all.
    #[inline]
    pub fn add_step(&mut self, t: u64, n: u64) {
        if self.scheme == HashScheme::Words {
            let h = mix_word(mix_word(self.state, t), variant::STEP as u64);
            self.state = mix_word(h, n);
        } else {
            self.add_event_fields(t, &TraceEvent::Step { n });
        }
    }

    /// Adds the record `TraceRecord { t, event: TraceEvent::Deliver { id, from, to } }` from
    /// its fields (see [`TraceHash::add_step`]).
    #[inline]
    pub fn add_deliver(&mut self, t: u64, id: u64, from: NodeId, to: NodeId) {
        if self.scheme == HashScheme::Words {
            let h = mix_word(mix_word(self.state, t), variant::DELIVER as u64);
            self.state = mix_word(mix_word(mix_word(h, id), from), to);
        } else {
            self.add_event_fields(t, &TraceEvent::Deliver { id, from, to });
        }
    }

    /// [`TraceHash::add_event`] through the derived `Hash`.
    fn add_event_fields(&mut self, t: u64, event: &TraceEvent) {
        use core::hash::Hash;
        if self.scheme == HashScheme::DebugText {
            return self.add(&TraceRecord {
                t,
                event: event.clone(),
            });
        }
        feed!(self, |h| {
            t.hash(h);
            event.hash(h);
        });
    }

    /// Adds the record `TraceRecord { t, event: TraceEvent::Send { id, msg, deliver_at } }`
    /// without building it, so the message is not cloned when no trace is stored: the same
    /// bytes as [`TraceHash::add`] of that record (the derived `Hash` writes the time, the
    /// variant's index, then each field; test `borrowed_records_hash_as_built_ones`).
    pub fn add_send(&mut self, t: u64, id: u64, msg: &Message, deliver_at: Option<u64>) {
        use core::hash::Hash;
        if self.scheme == HashScheme::DebugText {
            return self.add(&TraceRecord {
                t,
                event: TraceEvent::Send {
                    id,
                    msg: msg.clone(),
                    deliver_at,
                },
            });
        }
        feed!(self, |h| {
            t.hash(h);
            variant::SEND.hash(h);
            id.hash(h);
            msg.hash(h);
            deliver_at.hash(h);
        });
    }

    /// Adds the record `TraceRecord { t, event: TraceEvent::Append { node, entries } }`
    /// without building it, so the entries are not copied into a `Vec` when no trace is
    /// stored: the same bytes as [`TraceHash::add`] of that record (a slice hashes as the
    /// `Vec` holding it: its length, then each entry).
    pub fn add_append(&mut self, t: u64, node: NodeId, entries: &[Entry]) {
        use core::hash::Hash;
        if self.scheme == HashScheme::DebugText {
            return self.add(&TraceRecord {
                t,
                event: TraceEvent::Append {
                    node,
                    entries: entries.to_vec(),
                },
            });
        }
        feed!(self, |h| {
            t.hash(h);
            variant::APPEND.hash(h);
            node.hash(h);
            entries.hash(h);
        });
    }

    /// Adds the record `TraceRecord { t, event: TraceEvent::Apply { .. } }` with these fields
    /// without building it (no clone of the reply): the same bytes as [`TraceHash::add`].
    #[allow(clippy::too_many_arguments)]
    pub fn add_apply(
        &mut self,
        t: u64,
        node: NodeId,
        index: Index,
        term: Term,
        command: Option<&Command>,
        result: Option<&Reply>,
        session: Option<SessionOutcome>,
    ) {
        use core::hash::Hash;
        if self.scheme == HashScheme::DebugText {
            return self.add(&TraceRecord {
                t,
                event: TraceEvent::Apply {
                    node,
                    index,
                    term,
                    command: command.cloned(),
                    result: result.cloned(),
                    session,
                },
            });
        }
        feed!(self, |h| {
            t.hash(h);
            variant::APPLY.hash(h);
            node.hash(h);
            index.hash(h);
            term.hash(h);
            command.hash(h);
            result.hash(h);
            session.hash(h);
        });
    }
}

/// The index of a [`TraceEvent`] variant (its place in the declaration), which its derived
/// `Hash` writes as an `isize` before the fields.
mod variant {
    pub(super) const STEP: isize = 0;
    pub(super) const SEND: isize = 1;
    pub(super) const DELIVER: isize = 2;
    pub(super) const APPEND: isize = 8;
    pub(super) const APPLY: isize = 10;
}

/// A JSON Lines trace file read back: enough to re-derive the run (format in `docs/formats.md`).
#[cfg(feature = "serde")]
#[derive(Debug, Clone)]
pub struct TraceFile {
    /// Format version of the file ([`TRACE_VERSION_MIN`] to [`TRACE_VERSION`]).
    pub version: u32,
    /// Cluster options from the header (with `keep_trace` on, to re-derive the records).
    pub options: crate::SimOptions,
    /// The actions, with their times, from the `action` records.
    pub actions: Vec<(u64, Action)>,
    /// Steps the run had processed before each action (the `n` of the last `step` record before
    /// it), in the order of `actions`; empty in a version-1 trace, which has no step records.
    pub action_steps: Vec<u64>,
    /// End time from the footer.
    pub end: u64,
    /// Steps the run processed in all, from the footer; `None` in a version-1 trace.
    pub steps: Option<u64>,
    /// Number of records the footer announces (and the file holds).
    pub records: u64,
    /// Running hash the footer announces, 16 hex digits.
    pub hash: String,
}

#[cfg(feature = "serde")]
impl TraceFile {
    /// Re-runs the trace's options and actions exactly as far as the recorded run went: the
    /// same number of steps before each action and in all, then the clock at `end`
    /// ([`crate::World::replay_exact`]). The work is bounded by the number of step records
    /// in the file, whatever its times say. The replayed world hashes its records with the
    /// scheme the file was written with ([`HashScheme::for_version`]: a version-2 trace's
    /// `Debug`-text hash is verified as such). A version-1 trace recorded no step counts, and its
    /// hash covers records this version no longer writes: it is refused with an error that
    /// says so.
    pub fn replay(&self) -> Result<crate::World, crate::SimError> {
        let Some(steps) = self.steps else {
            return Err(crate::SimError::Invalid(alloc::format!(
                "a version-{} trace records no step counts and hashes version-{} records; \
                 it can be read, but only the version that wrote it can replay it exactly \
                 (this is version {TRACE_VERSION})",
                self.version,
                self.version
            )));
        };
        crate::World::replay_exact_hashed(
            HashScheme::for_version(self.version),
            self.options.clone(),
            &self.actions,
            &self.action_steps,
            self.end,
            steps,
        )
    }
}

/// Writes a world's trace as JSON Lines: a header (format, version, options), one line per
/// record, and a footer (end time, step count, record count, running hash). A world that
/// dropped records under [`crate::MemoryBounds`] is replayed first ([`crate::World::full_trace`])
/// so that the file holds every record.
#[cfg(feature = "serde")]
pub fn write_jsonl(w: &crate::World) -> String {
    if w.trace_dropped() > 0 {
        if let Ok(full) = w.full_trace() {
            return write_jsonl(&full);
        }
    }
    use alloc::string::ToString;
    use core::fmt::Write as _;
    let mut out = String::new();
    // Options through the text serializer: one serializer compiled per type (crate::json).
    let options = crate::json::to_value(w.options()).unwrap_or(serde_json::Value::Null);
    let header = serde_json::json!({"kind": "header", "format": "raft-trace", "version": TRACE_VERSION, "options": options});
    let _ = writeln!(out, "{header}");
    for r in w.trace() {
        let line = serde_json::to_string(r).unwrap_or_else(|e| e.to_string());
        let _ = writeln!(out, "{line}");
    }
    let footer = serde_json::json!({"kind": "footer", "end": w.now(), "steps": w.stats().events, "records": w.trace().len(), "hash": alloc::format!("{:016x}", w.trace_hash())});
    let _ = writeln!(out, "{footer}");
    out
}

/// Where a replay first parts from the trace it replays ([`first_divergence`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The trace file's line (from 1, blank lines counted) of the first record the replay did
    /// not reproduce, or of the footer when the replay made more records than the file holds.
    pub line: usize,
    /// That line as the file has it (`None` past the file's last record: the replay went on).
    pub recorded: Option<String>,
    /// The record the replay made in its place, as one JSON line (`None`: the replay stopped
    /// before it).
    pub replayed: Option<String>,
    /// The virtual time of the first of the two that exists, in ms.
    pub t: u64,
}

impl core::fmt::Display for Divergence {
    /// Where the replay first differs, with both versions of the record, as `raft-sim replay`
    /// prints it.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the replay first differs at line {} (t = {} ms):\n  recorded {}\n  replayed {}",
            self.line,
            self.t,
            self.recorded
                .as_deref()
                .unwrap_or("nothing more (the file's records end here)"),
            self.replayed
                .as_deref()
                .unwrap_or("nothing more (the replay ends here)")
        )
    }
}

/// The first record in which `replayed` (a world replayed from the trace `recorded` with its
/// records kept, e.g. by [`TraceFile::replay`]) differs from the file, compared as JSON values
/// (so spacing and the order of fields do not count); `None` when every record matches, and
/// for a version-1 file, whose records this version no longer writes. What `raft-sim replay`
/// and the page show when a trace's hash is not reproduced: a trace written by a simulator
/// that behaves differently (another version) or edited by hand parts from its replay at that
/// record.
#[cfg(feature = "serde")]
pub fn first_divergence(recorded: &str, replayed: &crate::World) -> Option<Divergence> {
    divergence_between(recorded, &write_jsonl(replayed))
}

/// [`first_divergence`] between two trace files' texts, `ours` written from a replay of
/// `recorded` (one group's trace, or a multi-group trace, `crate::groups_trace`): their
/// headers are not compared, their records are.
#[cfg(feature = "serde")]
pub fn divergence_between(recorded: &str, ours: &str) -> Option<Divergence> {
    use alloc::string::ToString;
    use serde_json::Value;
    let parse = |l: &str| serde_json::from_str::<Value>(l).ok();
    let mut file = recorded
        .trim_start_matches('\u{feff}')
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header = parse(file.next()?.1)?;
    if header["version"].as_u64().is_none_or(|v| v < 2) {
        return None;
    }
    // Both without their headers; a footer ends the records.
    let mut mine = ours.lines().skip(1).filter_map(|l| {
        let v = parse(l)?;
        (v["kind"] != "footer").then(|| (l.to_string(), v))
    });
    for (n, line) in file {
        let theirs = parse(line).filter(|v| v["kind"] != "footer");
        let next = mine.next();
        let same = match (&theirs, &next) {
            (Some(a), Some((_, b))) => a == b,
            (None, None) => return None,
            _ => false,
        };
        if !same {
            let time = |v: Option<&Value>| v.and_then(|v| v["t"].as_u64());
            return Some(Divergence {
                line: n + 1,
                t: time(theirs.as_ref())
                    .or(time(next.as_ref().map(|(_, v)| v)))
                    .unwrap_or(0),
                recorded: theirs.map(|_| line.trim().to_string()),
                replayed: next.map(|(l, _)| l),
            });
        }
    }
    None
}

/// Refuses any integer above [`MAX_INTEGER`] (and any negative or fractional number) in `v`.
#[cfg(feature = "serde")]
fn check_integers(v: &serde_json::Value, line: usize) -> Result<(), String> {
    use serde_json::Value;
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(x) if x <= MAX_INTEGER => Ok(()),
            Some(x) => Err(alloc::format!(
                "line {line}: {x} is above the largest integer a trace may hold (2^53 - 1 = {MAX_INTEGER})"
            )),
            None => Err(alloc::format!(
                "line {line}: {n} is not a whole number from 0 to 2^53 - 1"
            )),
        },
        Value::Array(a) => a.iter().try_for_each(|x| check_integers(x, line)),
        Value::Object(m) => m.values().try_for_each(|x| check_integers(x, line)),
        _ => Ok(()),
    }
}

/// Reads a time field, refusing one above [`MAX_TIME_MS`].
#[cfg(feature = "serde")]
fn time_field(v: &serde_json::Value, name: &str, line: usize) -> Result<u64, String> {
    let t = v[name]
        .as_u64()
        .ok_or_else(|| alloc::format!("line {line}: no {name} (a time in ms)"))?;
    if t > MAX_TIME_MS {
        return Err(alloc::format!(
            "line {line}: {name} {t} ms is past the latest time a trace may mention ({MAX_TIME_MS} ms)"
        ));
    }
    Ok(t)
}

/// Reads a JSON Lines trace of version [`TRACE_VERSION_MIN`] to [`TRACE_VERSION`] (but not 4,
/// the multi-group trace of `groups_trace`), naming the
/// first malformed line. Besides each line's shape it checks the bounds of `docs/formats.md`:
/// every integer in a record or the footer at most [`MAX_INTEGER`], every time at most
/// [`MAX_TIME_MS`], times never going back, step records numbered 1, 2, 3…, and a footer whose
/// counts match the file. A version-1 file's records are checked for their time and kind only,
/// and its `action` records read; its footer has no step count.
#[cfg(feature = "serde")]
pub fn parse_jsonl(text: &str) -> Result<TraceFile, String> {
    use alloc::format;
    use alloc::string::ToString;
    use serde_json::Value;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or("empty trace file")?;
    let header: Value =
        serde_json::from_str(first).map_err(|e| format!("line 1: not JSON: {e}"))?;
    if header["kind"] != "header" || header["format"] != "raft-trace" {
        return Err("line 1: not a raft-trace header".into());
    }
    let version = header["version"]
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| (TRACE_VERSION_MIN..=TRACE_VERSION).contains(v) && *v != GROUP_VERSION)
        .ok_or_else(|| {
            format!(
                "line 1: trace version {} is not supported (expected {TRACE_VERSION_MIN} to {TRACE_VERSION}, \
                 but not {GROUP_VERSION}, a multi-group trace)",
                header["version"]
            )
        })?;
    let mut options: crate::SimOptions = crate::json::from_value(&header["options"])
        .map_err(|e| format!("line 1: invalid options: {e}"))?;
    options
        .validate()
        .map_err(|e| format!("line 1: invalid options: {e}"))?;
    options.keep_trace = true;
    let mut actions = Vec::new();
    let mut action_steps = Vec::new();
    let (mut last_t, mut steps) = (0u64, 0u64);
    for (count, (n, line)) in lines.enumerate() {
        let (count, n) = (count as u64, n + 1);
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {n}: not JSON: {e}"))?;
        if v["kind"] == "footer" {
            let field = |name: &str| {
                v[name]
                    .as_u64()
                    .ok_or_else(|| format!("line {n}: footer without {name}"))
            };
            let end = time_field(&v, "end", n)?;
            check_integers(&v, n)?;
            let records = field("records")?;
            if end < last_t {
                return Err(format!(
                    "line {n}: the footer's end {end} ms is before the last record's time {last_t} ms"
                ));
            }
            let footer_steps = if version >= 2 {
                let s = field("steps")?;
                if s != steps {
                    return Err(format!(
                        "line {n}: footer announces {s} steps but the file has {steps} step records"
                    ));
                }
                Some(s)
            } else {
                None
            };
            let hash = v["hash"]
                .as_str()
                .ok_or_else(|| format!("line {n}: footer without hash"))?
                .to_string();
            if records != count {
                return Err(format!(
                    "footer announces {records} records but the file has {count}"
                ));
            }
            return Ok(TraceFile {
                version,
                options,
                actions,
                action_steps,
                end,
                steps: footer_steps,
                records,
                hash,
            });
        }
        let t = time_field(&v, "t", n)?;
        check_integers(&v, n)?;
        if t < last_t {
            return Err(format!(
                "line {n}: time {t} ms comes after a record at {last_t} ms"
            ));
        }
        last_t = t;
        if version == 1 {
            if !v["kind"].is_string() {
                return Err(format!("line {n}: a record without a kind"));
            }
            if v["kind"] == "action" {
                let action: Action = crate::json::from_value(&v["action"])
                    .map_err(|e| format!("line {n}: bad action: {e}"))?;
                actions.push((t, action));
            }
            continue;
        }
        let r: TraceRecord =
            crate::json::from_value(&v).map_err(|e| format!("line {n}: bad record: {e}"))?;
        match r.event {
            TraceEvent::Step { n: k } if k != steps + 1 => {
                return Err(format!(
                    "line {n}: step {k} follows step {steps} (steps are numbered 1, 2, 3…)"
                ));
            }
            TraceEvent::Step { n: k } => steps = k,
            TraceEvent::Action { action } => {
                actions.push((r.t, action));
                action_steps.push(steps);
            }
            TraceEvent::Violation { violation } if violation.time > MAX_TIME_MS => {
                return Err(format!(
                    "line {n}: violation time {} ms is past the latest time a trace may mention ({MAX_TIME_MS} ms)",
                    violation.time
                ));
            }
            _ => {}
        }
    }
    Err("truncated trace: no footer line".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::message::Body;

    /// The integer shortcut ([`fnv_int`]) gives exactly FNV-1a of the integer's little-endian
    /// bytes fed one by one, for every width the `Hasher` uses and for values with every
    /// number of leading zero bytes (0, each byte boundary, all ones, negative numbers): the
    /// golden trace hashes depend on it.
    #[test]
    fn integers_hash_as_their_bytes_one_by_one() {
        use core::hash::Hasher;
        let by_bytes = |bytes: &[u8]| {
            let mut h = Fnv(FNV_OFFSET);
            h.bytes(bytes);
            h.0
        };
        let mut values = alloc::vec![0u64, 1, 0xff, u64::MAX, 0x8000_0000_0000_0000];
        for k in 0..64 {
            values.extend([1u64 << k, (1u64 << k) - 1, (1u64 << k) + 0x5a]);
        }
        for &v in &values {
            let mut h = Fnv(FNV_OFFSET);
            h.write_u64(v);
            assert_eq!(h.0, by_bytes(&v.to_le_bytes()), "u64 {v:#x}");
            let mut h = Fnv(FNV_OFFSET);
            h.write_i64(v as i64);
            assert_eq!(h.0, by_bytes(&(v as i64).to_le_bytes()), "i64 {v:#x}");
            let mut h = Fnv(FNV_OFFSET);
            h.write_usize(v as usize);
            assert_eq!(
                h.0,
                by_bytes(&(v as usize as u64).to_le_bytes()),
                "usize {v:#x}"
            );
            let mut h = Fnv(FNV_OFFSET);
            h.write_isize(v as isize);
            assert_eq!(
                h.0,
                by_bytes(&(v as isize as i64).to_le_bytes()),
                "isize {v:#x}"
            );
            let mut h = Fnv(FNV_OFFSET);
            h.write_u32(v as u32);
            assert_eq!(h.0, by_bytes(&(v as u32).to_le_bytes()), "u32 {v:#x}");
            let mut h = Fnv(FNV_OFFSET);
            h.write_i32(v as i32);
            assert_eq!(h.0, by_bytes(&(v as i32).to_le_bytes()), "i32 {v:#x}");
            let mut h = Fnv(FNV_OFFSET);
            h.write_u16(v as u16);
            assert_eq!(h.0, by_bytes(&(v as u16).to_le_bytes()), "u16 {v:#x}");
            let mut h = Fnv(FNV_OFFSET);
            h.write_i16(v as i16);
            assert_eq!(h.0, by_bytes(&(v as i16).to_le_bytes()), "i16 {v:#x}");
        }
    }

    /// What `HashScheme::Words` rests on (see [`mix_word`]): a changed word always changes the
    /// value, whatever follows it; one flipped input bit changes about half of the 64 bits two
    /// words later; byte strings that differ only in trailing zero bytes or in where a call
    /// splits them feed different words.
    #[test]
    fn the_word_mixer_tells_changed_streams_apart() {
        let run = |words: &[u64]| words.iter().fold(FNV_OFFSET, |h, &w| mix_word(h, w));
        let base = [3u64, 0, 1 << 40, 12_345, 7, 7];
        let mut flipped_bits = 0u32;
        let mut flips = 0u32;
        for k in 0..base.len() {
            for bit in 0..64 {
                let mut changed = base;
                changed[k] ^= 1 << bit;
                let (a, b) = (run(&base), run(&changed));
                assert_ne!(a, b, "word {k}, bit {bit}");
                if k + 2 < base.len() {
                    let (a, b) = (run(&base[..k + 2]), run(&changed[..k + 2]));
                    flipped_bits += (a ^ b).count_ones();
                    flips += 1;
                }
            }
        }
        let mean = f64::from(flipped_bits) / f64::from(flips);
        assert!(
            (28.0..36.0).contains(&mean),
            "one input bit flips {mean} output bits on average"
        );
        let bytes = |parts: &[&[u8]]| parts.iter().fold(FNV_OFFSET, |h, p| mix_bytes(h, p));
        assert_ne!(bytes(&[b""]), bytes(&[b"\0"]));
        assert_ne!(bytes(&[b"abcdefgh"]), bytes(&[b"abcdefgh\0"]));
        assert_ne!(bytes(&[b"ab", b"c"]), bytes(&[b"a", b"bc"]));
        assert_ne!(bytes(&[b"abcdefg"]), bytes(&[b"abcdefg\x07"]));
        assert_ne!(
            bytes(&[b"abcdefg", b"\xff"]),
            bytes(&[b"abcdefg\x07", b"\xff"])
        );
    }

    fn built(scheme: HashScheme, rec: &TraceRecord) -> u64 {
        let mut h = TraceHash::new(scheme);
        h.add(rec);
        h.value()
    }

    /// The borrowed hashing of the hot records ([`TraceHash::add_send`],
    /// [`TraceHash::add_apply`]) writes exactly the bytes of the built record, under both
    /// schemes: a trace hashed either way has the same hash.
    #[test]
    fn borrowed_records_hash_as_built_ones() {
        let msg = Message {
            from: 1,
            to: 2,
            term: 3,
            body: Body::Heartbeat {
                commit: 4,
                read_ctx: 5,
            },
        };
        let cmd = Command {
            client: 7,
            seq: 8,
            op: Op::Put {
                key: "k1".into(),
                value: "v".into(),
            },
        };
        let reply = Reply {
            ok: true,
            value: Some("v".into()),
        };
        for scheme in [HashScheme::Words, HashScheme::Fields, HashScheme::DebugText] {
            // `step` and `deliver` take a written-out path under `Words`, the rest the derived
            // `Hash`.
            for event in [
                TraceEvent::Step { n: 3 },
                TraceEvent::Deliver {
                    id: 11,
                    from: 1,
                    to: 2,
                },
                TraceEvent::Timeout { node: 4 },
            ] {
                let rec = TraceRecord { t: 9, event };
                let mut h = TraceHash::new(scheme);
                h.add_event(rec.t, &rec.event);
                assert_eq!(h.value(), built(scheme, &rec), "{scheme:?} {rec:?}");
            }
            for deliver_at in [None, Some(12)] {
                let rec = TraceRecord {
                    t: 9,
                    event: TraceEvent::Send {
                        id: 11,
                        msg: msg.clone(),
                        deliver_at,
                    },
                };
                let mut h = TraceHash::new(scheme);
                h.add_send(9, 11, &msg, deliver_at);
                assert_eq!(h.value(), built(scheme, &rec), "{scheme:?} {deliver_at:?}");
            }
            for (command, result, session) in [
                (None, None, None),
                (
                    Some(cmd.clone()),
                    Some(reply.clone()),
                    Some(SessionOutcome::Executed),
                ),
                (Some(cmd.clone()), None, Some(SessionOutcome::Stale)),
            ] {
                let rec = TraceRecord {
                    t: 9,
                    event: TraceEvent::Apply {
                        node: 2,
                        index: 5,
                        term: 3,
                        command: command.clone(),
                        result: result.clone(),
                        session,
                    },
                };
                let mut h = TraceHash::new(scheme);
                h.add_apply(9, 2, 5, 3, command.as_ref(), result.as_ref(), session);
                assert_eq!(h.value(), built(scheme, &rec), "{scheme:?} {command:?}");
            }
            let entries = alloc::vec![
                Entry {
                    term: 2,
                    index: 4,
                    payload: raft_core::entry::Payload::Noop,
                },
                Entry {
                    term: 3,
                    index: 5,
                    payload: raft_core::entry::Payload::Command(b"put k1 v"[..].into()),
                },
            ];
            let rec = TraceRecord {
                t: 9,
                event: TraceEvent::Append {
                    node: 2,
                    entries: entries.clone(),
                },
            };
            let mut h = TraceHash::new(scheme);
            h.add_append(9, 2, &entries);
            assert_eq!(h.value(), built(scheme, &rec), "{scheme:?} append");
        }
    }
}
