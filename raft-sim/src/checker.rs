//! Safety invariants of Raft (paper Figure 3 and a few more), checked incrementally after every
//! simulator event. Each check is independent of the node code: it keeps its own record of what
//! every node persisted, committed and applied.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use raft_core::entry::{Entry, HardState, Payload};
use raft_core::membership::Membership;
use raft_core::types::{Index, NodeId, Term};

use crate::entry_cache::EntryCache;
use crate::node_map::{entry_or_default, NodeMap};

/// A broken safety property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Violation {
    /// Name of the property (e.g. "Election Safety").
    pub property: String,
    /// Virtual time in ms.
    pub time: u64,
    /// Index of the simulator event after which it was detected.
    pub event: u64,
    /// Nodes involved.
    pub nodes: Vec<NodeId>,
    /// What exactly was seen.
    pub detail: String,
}

/// The properties a run goes on after when a break-it switch is on: the rules of the protocol
/// that the switches break on purpose, and Leader Completeness, whose consequence (a later
/// leader overwrites a committed entry, and a replica applies something else at its index)
/// is what the paper's Figure 8 (d)–(e) shows. With a switch on, the simulator reports these and
/// runs on until a property not in this list breaks. With every switch off, any violation stops
/// the run: it means the implementation is wrong.
pub const RUNS_ON_WITH_BREAK_IT: &[&str] = &[
    "Stored On A Majority",
    "Commit Current Term Only",
    "One Vote Per Term",
    "Leader Completeness",
];

/// Names of the properties checked, in the order the playground lists them.
pub const PROPERTIES: &[&str] = &[
    "Election Safety",
    "Leader Append-Only",
    "Log Matching",
    "Leader Completeness",
    "State Machine Safety",
    "Terms Never Decrease",
    "One Vote Per Term",
    "Commit Current Term Only",
    "Stored On A Majority",
    "Applied Contiguous",
    "Exactly Once",
];

/// What each property of [`PROPERTIES`] requires, in a sentence with its source (the paper's
/// Figures 2 and 3 and sections, or the dissertation's), for people reading the checker's
/// verdicts (the playground lists them under its safety panel). `None` for another name.
pub fn property_rule(property: &str) -> Option<&'static str> {
    Some(match property {
        "Election Safety" => "At most one leader is elected in a term (§5.2, Figure 3).",
        "Leader Append-Only" => {
            "A leader never overwrites or deletes entries in its log; it only appends (Figure 3)."
        }
        "Log Matching" => {
            "If two logs hold an entry with the same index and term, they are identical up to it (§5.3)."
        }
        "Leader Completeness" => {
            "An entry committed in a term is in the log of every leader of a later term (§5.4)."
        }
        "State Machine Safety" => {
            "No two servers apply different entries at the same index (§5.4.3)."
        }
        "Terms Never Decrease" => {
            "A server's current term only grows, across restarts too (Figure 2)."
        }
        "One Vote Per Term" => {
            "A server votes for at most one candidate in a term, across restarts too (§5.2, Figure 2)."
        }
        "Commit Current Term Only" => {
            "A leader counts replicas only to commit an entry of its own term (§5.4.2, Figure 8)."
        }
        "Stored On A Majority" => {
            "An entry a leader commits is on the disks of a majority of the voters it counted, and stays there (§5.3)."
        }
        "Applied Contiguous" => {
            "Each server applies entries in index order, none skipped or applied twice (Figure 2)."
        }
        "Exactly Once" => {
            "Replicas reach the same state at each index, and a client's command runs once even when resent (dissertation §6.3)."
        }
        _ => return None,
    })
}

/// How many applied indices of state digests the checker keeps at most (the Exactly Once check
/// across replicas and restarts, see [`Checker::on_state`]).
///
/// Digests are forgotten below the lowest index any replica can still report: a live replica's
/// applied index, or, for a crashed one, the index of the snapshot it will restart from. That
/// keeps only the span between the slowest and the fastest replica, a few dozen indices in a
/// healthy cluster. A replica that never catches up (partitioned for good, removed from the
/// cluster but still running, crashed and never restarted) would hold that floor down forever,
/// so the span is also capped at this many indices, the oldest dropped first: at most this many
/// (index, digest, node) records, about 2 MB. A replica more than this far behind the fastest
/// is compared again once it comes within the window (a divergent state usually stays
/// divergent, so it is still caught, only later).
pub const STATE_WINDOW: u64 = 1 << 16;

/// A 64-bit hash of an entry's term, index and payload: 64-bit words through the trace hash's
/// mixer ([`crate::trace::mix_word`]; each set of a membership preceded by its size).
pub fn entry_hash(e: &Entry) -> u64 {
    use crate::trace::{mix_bytes, mix_word, FNV_OFFSET};
    let mut h = mix_word(FNV_OFFSET, e.term);
    h = mix_word(h, e.index);
    match &e.payload {
        Payload::Noop => mix_word(h, 0),
        Payload::Command(c) => mix_bytes(mix_word(h, 1), c),
        Payload::Membership(m) => {
            h = mix_word(h, 2);
            for set in [&m.voters, &m.learners, &m.outgoing] {
                h = mix_word(h, set.len() as u64);
                for &id in set {
                    h = mix_word(h, id);
                }
            }
            h
        }
    }
}

/// [`entry_hash`] of recent command entries, so that an entry every node persists, commits
/// and applies is hashed once rather than three times per node (about 1.7% of a
/// `raft-sim check` run's instructions went into those hashes); see [`EntryCache`].
#[derive(Debug, Clone, Default)]
struct HashCache(EntryCache<u64>);

impl HashCache {
    /// [`entry_hash`] of `e`.
    fn hash(&mut self, e: &Entry) -> u64 {
        match &e.payload {
            Payload::Command(bytes) => *self
                .0
                .get_or_compute(e.index, e.term, bytes, || entry_hash(e)),
            _ => entry_hash(e),
        }
    }
}

fn chain(prev: u64, entry: u64) -> u64 {
    (prev ^ entry)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29)
        ^ entry
}

/// A node's persisted log as the checker mirrors it: terms and prefix hashes from `offset + 1`.
#[derive(Debug, Clone, Default)]
struct Mirror {
    offset: Index,
    base: u64,
    terms: Vec<Term>,
    prefix: Vec<u64>,
}

impl Mirror {
    fn last(&self) -> Index {
        self.offset + self.terms.len() as Index
    }
    fn term(&self, i: Index) -> Option<Term> {
        (i > self.offset && i <= self.last()).then(|| self.terms[(i - self.offset - 1) as usize])
    }
    fn prefix(&self, i: Index) -> Option<u64> {
        if i == self.offset {
            return Some(self.base);
        }
        (i > self.offset && i <= self.last()).then(|| self.prefix[(i - self.offset - 1) as usize])
    }
    /// The log was compacted to (or replaced by) a snapshot at (`index`, `term`); `base` is the
    /// committed chain hash at `index`.
    fn compact(&mut self, index: Index, term: Term, base: u64) {
        if index <= self.offset {
            return;
        }
        if self.term(index) == Some(term) {
            let k = (index - self.offset) as usize;
            self.terms.drain(..k);
            self.prefix.drain(..k);
        } else {
            self.terms.clear();
            self.prefix.clear();
        }
        // Prefix hashes are chained from index 0, so those kept stay comparable with every
        // other node's; `base` (the committed chain at `index`) continues them.
        self.offset = index;
        self.base = base;
    }

    fn write(&mut self, entries: &[Entry], hashes: &mut HashCache) {
        let Some(first) = entries.first() else { return };
        let keep = first.index.saturating_sub(self.offset + 1) as usize;
        self.terms.truncate(keep);
        self.prefix.truncate(keep);
        for e in entries {
            let prev = self.prefix.last().copied().unwrap_or(self.base);
            self.terms.push(e.term);
            self.prefix.push(chain(prev, hashes.hash(e)));
        }
    }
}

/// An entry known to be committed, as the checker remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CommittedEntry {
    /// The entry's term.
    term: Term,
    /// [`entry_hash`] of the entry.
    hash: u64,
    /// Chain hash of the committed prefix up to and including it.
    chain: u64,
    /// The term in which it was first seen committed (the committing leader's term). Leader
    /// Completeness (§5.4) binds leaders of later terms only: a candidate of an older term may
    /// still win late, after a newer term committed, without the entry.
    commit_term: Term,
}

/// The client commands (client, sequence number) one state machine executed, kept exactly but
/// in little memory: per client, the runs of consecutive numbers executed, as (first, last)
/// pairs in increasing order, never touching (a gap of at least one number between two). A
/// session numbers its client's commands 1, 2, 3… (dissertation §6.3) and each executes once,
/// so a client's commands make one run, which grows at its end: memory grows with the clients
/// and their gaps, not with the commands (a set of every pair grew by one entry per command,
/// without bound in a long run). A machine restarted from a snapshot executes a client's
/// commands from the middle of its session on (57, 58, 59…): one run too, where a record of
/// the numbers from 1 on had to hold each of them apart, a set insertion per command.
#[derive(Debug, Clone, Default)]
struct Executed(BTreeMap<u64, Vec<(u64, u64)>>);

impl Executed {
    /// Records that `client`'s command `seq` executed; false if it had already.
    fn insert(&mut self, client: u64, seq: u64) -> bool {
        let runs = self.0.entry(client).or_default();
        // The runs that start at or before `seq`; the last of them is the one that may hold it
        // or end just before it, the next one may start just after it.
        let k = match runs.last() {
            // The usual case: past the start of the newest run (one comparison, no search).
            Some(&(first, _)) if first <= seq => runs.len(),
            _ => runs.partition_point(|&(first, _)| first <= seq),
        };
        if k > 0 && runs[k - 1].1 >= seq {
            return false;
        }
        let joins_before = k > 0 && runs[k - 1].1 + 1 == seq;
        let joins_after = runs
            .get(k)
            .is_some_and(|&(first, _)| seq.checked_add(1) == Some(first));
        match (joins_before, joins_after) {
            (true, true) => {
                runs[k - 1].1 = runs[k].1;
                runs.remove(k);
            }
            (true, false) => runs[k - 1].1 = seq,
            (false, true) => runs[k].0 = seq,
            (false, false) => runs.insert(k, (seq, seq)),
        }
        true
    }
}

/// Applied index → the first state digest a replica reported there and that replica, for the
/// indices from `base` on: a deque by index (`None` where nobody reported), since reports come
/// for consecutive indices and leave from the oldest end (a B-tree's insert, lookup and removal
/// at every applied entry were about 1% of a `raft-sim check` run). Holds what the map of
/// those pairs would; its span is bounded by [`STATE_WINDOW`] as the map's keys were.
#[derive(Debug, Clone, Default)]
struct StateDigests {
    slots: alloc::collections::VecDeque<Option<(u64, NodeId)>>,
    /// The index of `slots[0]`.
    base: Index,
    /// How many slots hold a digest.
    held: usize,
}

impl StateDigests {
    fn get(&self, index: Index) -> Option<&(u64, NodeId)> {
        let k = usize::try_from(index.checked_sub(self.base)?).ok()?;
        self.slots.get(k)?.as_ref()
    }

    /// Records `v` at `index` (where nothing is recorded).
    fn insert(&mut self, index: Index, v: (u64, NodeId)) {
        if self.slots.is_empty() {
            self.base = index;
        }
        while index < self.base {
            self.slots.push_front(None);
            self.base -= 1;
        }
        let k = (index - self.base) as usize;
        if k >= self.slots.len() {
            self.slots.resize(k + 1, None);
        }
        if self.slots[k].replace(v).is_none() {
            self.held += 1;
        }
    }

    /// The highest index recorded (the last slot always holds a digest).
    fn newest(&self) -> Option<Index> {
        (!self.slots.is_empty()).then(|| self.base + self.slots.len() as Index - 1)
    }

    /// Forgets every index below `floor`.
    fn forget_below(&mut self, floor: Index) {
        while self.base < floor {
            let Some(slot) = self.slots.pop_front() else {
                break;
            };
            self.held -= usize::from(slot.is_some());
            self.base += 1;
        }
        // Nothing recorded: the next insert sets the base.
        if self.held == 0 {
            self.slots.clear();
        }
    }
}

/// Incremental checker of the safety properties.
#[derive(Debug, Clone, Default)]
pub struct Checker {
    /// Term → the node that led it (Election Safety).
    leaders: BTreeMap<Term, NodeId>,
    mirrors: NodeMap<Mirror>,
    /// Highest term each node has reported, across restarts.
    terms: NodeMap<Term>,
    /// (node, term) → vote cast.
    votes: BTreeMap<(NodeId, Term), NodeId>,
    /// Globally committed entries, by index `committed_base + k + 1`.
    committed: Vec<CommittedEntry>,
    /// Committed entries at or below this index were forgotten
    /// ([`Checker::forget_committed_below`]); 0 unless a long run's memory is bounded.
    committed_base: Index,
    /// Per node: commit index seen.
    commit_seen: NodeMap<Index>,
    /// The voters (incoming, outgoing) of the configuration in effect at the latest leader
    /// commit: what a committed entry a disk loses must still be stored on a majority of
    /// (Stored On A Majority, [`Checker::on_disk_reverted`]).
    quorum: (Vec<NodeId>, Vec<NodeId>),
    /// Per node: last applied index.
    applied: NodeMap<Index>,
    /// Per current leader: (term, last index, term at last index) for Leader Append-Only.
    leader_logs: NodeMap<(Term, Index, Term)>,
    /// Per node: client commands executed by its state machine since it (re)started.
    executed: NodeMap<Executed>,
    /// Applied index → the first state digest any replica reported there, and that replica.
    /// Only indices from `states_floor` on are kept: see [`STATE_WINDOW`].
    states: StateDigests,
    /// Digests below this index were forgotten (none is recorded below it again).
    states_floor: Index,
    /// Per live node: the index its state machine is at (removed when it crashes).
    state_at: NodeMap<Index>,
    /// Per crashed node: the index of the snapshot it will restart from.
    restart_at: NodeMap<Index>,
    /// Time and event index stamped on violations.
    now: (u64, u64),
    /// Violations found, the first of each property, in the order found (so at most one per
    /// entry of [`PROPERTIES`]). The simulator stops at the first, or, with a break-it switch
    /// on, at the first that is not in [`RUNS_ON_WITH_BREAK_IT`].
    pub violations: Vec<Violation>,
    /// Entry hashes of recent commands (a cache: it changes no answer).
    hashes: HashCache,
}

impl Checker {
    /// A checker for a cluster whose nodes start with empty logs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the time and event index stamped on violations found next.
    pub fn at(&mut self, time: u64, event: u64) {
        self.now = (time, event);
    }

    fn fail(&mut self, property: &str, nodes: Vec<NodeId>, detail: String) {
        if self.violations.iter().any(|v| v.property == property) {
            return;
        }
        self.violations.push(Violation {
            property: property.into(),
            time: self.now.0,
            event: self.now.1,
            nodes,
            detail,
        });
    }

    /// Committed entries known so far (the longest committed prefix seen on any node).
    pub fn committed_len(&self) -> Index {
        self.committed_base + self.committed.len() as Index
    }

    /// Index and term of the newest committed entry known so far, if any (it is never
    /// forgotten).
    pub fn last_committed(&self) -> Option<(Index, Term)> {
        self.committed
            .last()
            .map(|e| (self.committed_len(), e.term))
    }

    /// Committed entries the checker holds (the others were forgotten:
    /// [`Checker::forget_committed_below`]).
    pub fn committed_held(&self) -> usize {
        self.committed.len()
    }

    /// The committed entry at index `i`, if known and not forgotten.
    fn committed_at(&self, i: Index) -> Option<&CommittedEntry> {
        debug_assert!(
            i == 0 || i > self.committed_base,
            "committed entry {i} looked up after entries up to {} were forgotten",
            self.committed_base
        );
        let k = i.checked_sub(self.committed_base + 1)?;
        self.committed.get(usize::try_from(k).ok()?)
    }

    /// Forgets the committed entries below index `floor`, keeping the one at `floor` and the
    /// newest one (their chain hashes continue the prefix). For a long run with bounded memory:
    /// `floor` must be at or below every node's snapshot index, now and later (a node's
    /// snapshot only moves forward, and every node, crashed ones included, counts), so that no
    /// check looks below it again: commits, applies, restarts and snapshots all start above a
    /// node's snapshot, and Leader Completeness skips what a leader's snapshot covers.
    pub fn forget_committed_below(&mut self, floor: Index) {
        let held = self.committed.len() as Index;
        let n = floor
            .saturating_sub(self.committed_base + 1)
            .min(held.saturating_sub(1));
        if n > 0 {
            self.committed.drain(..n as usize);
            self.committed_base += n;
        }
    }

    /// A node persisted a new hard state.
    pub fn on_hard_state(&mut self, node: NodeId, hs: HardState) {
        let last = self.terms.get(&node).copied().unwrap_or(0);
        if hs.term < last {
            self.fail(
                "Terms Never Decrease",
                vec![node],
                format!("S{node} went from term {last} to term {}", hs.term),
            );
        }
        self.terms.insert(node, hs.term.max(last));
        if let Some(v) = hs.vote {
            match self.votes.get(&(node, hs.term)) {
                Some(&prev) if prev != v => self.fail(
                    "One Vote Per Term",
                    vec![node, prev, v],
                    format!(
                        "S{node} voted for S{prev} and then S{v} in term {}",
                        hs.term
                    ),
                ),
                _ => {
                    self.votes.insert((node, hs.term), v);
                }
            }
        }
    }

    /// A node persisted `entries` (replacing its log from the first one's index).
    pub fn on_persist(&mut self, node: NodeId, entries: &[Entry]) {
        if entries.is_empty() {
            return;
        }
        entry_or_default(&mut self.mirrors, node).write(entries, &mut self.hashes);
        self.check_log_matching(node);
    }

    /// Log Matching (§5.3): if two logs hold an entry with the same index and term, they are
    /// identical up to it. Checked at the highest such index between `node` and every other node,
    /// by comparing prefix hashes.
    fn check_log_matching(&mut self, node: NodeId) {
        let Some(a) = self.mirrors.get(&node) else {
            return;
        };
        let mut bad = Vec::new();
        for (&other, b) in &self.mirrors {
            if other == node {
                continue;
            }
            let low = a.offset.max(b.offset);
            let mut i = a.last().min(b.last());
            while i > low && a.term(i) != b.term(i) {
                i -= 1;
            }
            if i > low && a.prefix(i) != b.prefix(i) {
                bad.push((other, i, a.term(i).unwrap_or(0)));
            }
        }
        for (other, i, t) in bad {
            self.fail(
                "Log Matching",
                vec![node, other],
                format!("S{node} and S{other} both hold index {i} in term {t} but their logs differ before it"),
            );
        }
    }

    /// A node became leader of `term`, with `log` (its entries from `first_index`).
    pub fn on_leader<S: raft_core::storage::Storage>(
        &mut self,
        node: NodeId,
        term: Term,
        log: &raft_core::log::RaftLog<S>,
    ) {
        match self.leaders.get(&term) {
            Some(&other) if other != node => self.fail(
                "Election Safety",
                vec![other, node],
                format!("S{other} and S{node} were both elected leader in term {term}"),
            ),
            _ => {
                self.leaders.insert(term, node);
            }
        }
        // Leader Completeness (§5.4): every entry committed in an earlier term is in the new
        // leader's log. (An entry committed in this term or a later one binds nobody yet.)
        let mut missing = None;
        for (k, c) in self.committed.iter().enumerate() {
            let i = self.committed_base + k as Index + 1;
            if i <= log.snapshot_index() || c.commit_term >= term {
                continue;
            }
            let same = log
                .entry(i)
                .is_some_and(|e| e.term == c.term && entry_hash(&e) == c.hash);
            if !same {
                missing = Some((i, c.commit_term));
                break;
            }
        }
        if let Some((i, t)) = missing {
            self.fail(
                "Leader Completeness",
                vec![node],
                format!(
                    "S{node} became leader of term {term} without entry {i}, committed in term {t}"
                ),
            );
        }
        self.leader_logs
            .insert(node, (term, log.last_index(), log.last_term()));
    }

    /// A leader's log after an event: it must only have grown (Leader Append-Only, §5.3).
    pub fn on_leader_log<S: raft_core::storage::Storage>(
        &mut self,
        node: NodeId,
        term: Term,
        log: &raft_core::log::RaftLog<S>,
    ) {
        let now = (term, log.last_index(), log.last_term());
        // One lookup: the entry is read, then overwritten where it lies.
        let Some(seen) = self.leader_logs.get_mut(&node) else {
            self.leader_logs.insert(node, now);
            return;
        };
        let (t, last, last_term) = core::mem::replace(seen, now);
        // The term at `last`: the log's last term when it did not grow (most Readys), found
        // without a search of the log.
        let now_at_last = if log.last_index() == last {
            Some(log.last_term())
        } else {
            log.term(last)
        };
        if t == term && (log.last_index() < last || now_at_last != Some(last_term)) {
            self.fail(
                "Leader Append-Only",
                vec![node],
                format!("leader S{node} of term {term} removed or overwrote entries up to {last}"),
            );
        }
    }

    /// A node stopped leading.
    pub fn on_not_leader(&mut self, node: NodeId) {
        self.leader_logs.remove(&node);
    }

    /// A node's commit index reached `commit`. `term` is the node's current term and
    /// `is_leader` whether it leads it. True if that is past the commit index seen before
    /// (then a leader's commit goes on to [`Checker::on_leader_commit`]).
    ///
    /// Inlined, with the checks of a commit that moved apart: the world asks after every
    /// Ready, and most Readies leave the commit index where it was, for which the call of the
    /// whole check (saving and restoring its registers) cost more than the comparison.
    #[inline]
    pub fn on_commit<S: raft_core::storage::Storage>(
        &mut self,
        node: NodeId,
        commit: Index,
        term: Term,
        is_leader: bool,
        log: &raft_core::log::RaftLog<S>,
    ) -> bool {
        let seen = self
            .commit_seen
            .get(&node)
            .copied()
            .unwrap_or(0)
            .max(log.snapshot_index());
        if commit <= seen {
            return false;
        }
        self.on_commit_past(node, commit, seen, term, is_leader, log);
        true
    }

    /// [`Checker::on_commit`] of a commit index past `seen`, the one seen before (or the
    /// node's snapshot).
    #[inline(never)]
    fn on_commit_past<S: raft_core::storage::Storage>(
        &mut self,
        node: NodeId,
        commit: Index,
        seen: Index,
        term: Term,
        is_leader: bool,
        log: &raft_core::log::RaftLog<S>,
    ) {
        let leader_term = is_leader.then_some(term);
        if let Some(term) = leader_term {
            if log.term(commit) != Some(term) {
                self.fail(
                    "Commit Current Term Only",
                    vec![node],
                    format!(
                        "leader S{node} of term {term} committed index {commit} of term {} by counting replicas (§5.4.2)",
                        log.term(commit).unwrap_or(0)
                    ),
                );
            }
        }
        for i in (seen + 1)..=commit {
            // Borrowed where it lies in memory; copied only from storage.
            let stored;
            let e = match log.entry_in_memory(i) {
                Some(e) => e,
                None => match log.entry(i) {
                    Some(e) => {
                        stored = e;
                        &stored
                    }
                    None => break,
                },
            };
            let h = self.hashes.hash(e);
            let len = self.committed_len();
            if i <= len {
                let Some(&CommittedEntry {
                    term: t, hash: h0, ..
                }) = self.committed_at(i)
                else {
                    continue;
                };
                if t != e.term || h0 != h {
                    self.fail(
                        "State Machine Safety",
                        vec![node],
                        format!("S{node} committed a different entry at index {i} (term {} vs term {t})", e.term),
                    );
                    break;
                }
            } else if i == len + 1 {
                let prev = self.committed.last().map_or(0, |c| c.chain);
                let c = CommittedEntry {
                    term: e.term,
                    hash: h,
                    chain: chain(prev, h),
                    commit_term: term,
                };
                self.committed.push(c);
                self.check_later_leaders_hold(i, c);
            }
        }
        self.commit_seen.insert(node, commit);
    }

    /// Stored On A Majority (§5.3: an entry is committed once the leader "has replicated it on
    /// a majority of the servers"; dissertation §4.3 for the two majorities of a joint
    /// configuration), after [`Checker::on_commit`] of a leader whose commit index reached
    /// `commit`: the committed prefix up to it is in the persisted logs or snapshots of a
    /// majority of the voters of a configuration the leader may have counted it over. That is
    /// the one in effect at `commit` or one of the membership entries above it in `log` (a
    /// leader counts over the latest configuration in its log, committed or not, §4.1; its
    /// log only grows, so whichever was latest then is among these), found from `log`'s
    /// membership entries and `base`, the membership at the log's snapshot boundary (the
    /// initial one without a snapshot). `log` must be the leader's log in the same term. The
    /// checker's own mirrors of what each node persisted decide, so an acknowledgement sent
    /// before the write, a learner or a stranger counted, or a miscounted majority is caught at
    /// the commit, not only when a crash or an election exposes it.
    pub fn on_leader_commit<S: raft_core::storage::Storage>(
        &mut self,
        node: NodeId,
        term: Term,
        commit: Index,
        base: &Membership,
        log: &raft_core::log::RaftLog<S>,
    ) {
        let Some(chain) = self.committed_at(commit).map(|c| c.chain) else {
            return;
        };
        let stored = |v: &NodeId| {
            self.mirrors
                .get(v)
                .is_some_and(|mi| mi.offset >= commit || mi.prefix(commit) == Some(chain))
        };
        // Counted until a majority is found (the answer a full count gives): the voters that
        // stored the commit are usually most of them, and this runs at every leader commit.
        let majority = |set: &BTreeSet<NodeId>| {
            let mut held = 0;
            set.is_empty()
                || set.iter().any(|v| {
                    held += usize::from(stored(v));
                    held * 2 > set.len()
                })
        };
        let stored_on = |m: &Membership| majority(&m.voters) && majority(&m.outgoing);
        let at_commit = log.conf_at(commit).map_or(base, |(_, m)| m);
        // The membership entries above `commit`, newest first.
        let mut above = Vec::new();
        let mut i = Index::MAX;
        while let Some((k, m)) = log.conf_at(i).filter(|&(k, _)| k > commit) {
            above.push(m);
            i = k - 1;
        }
        if stored_on(at_commit) || above.iter().any(|m| stored_on(m)) {
            let (incoming, outgoing) = &mut self.quorum;
            if !incoming.iter().eq(at_commit.voters.iter())
                || !outgoing.iter().eq(at_commit.outgoing.iter())
            {
                *incoming = at_commit.voters.iter().copied().collect();
                *outgoing = at_commit.outgoing.iter().copied().collect();
            }
            return;
        }
        // Named against the configuration in effect at the commit.
        let set = if majority(&at_commit.voters) {
            &at_commit.outgoing
        } else {
            &at_commit.voters
        };
        let holders: Vec<NodeId> = set.iter().copied().filter(|v| stored(v)).collect();
        let voters: Vec<NodeId> = set.iter().copied().collect();
        let later = if above.is_empty() {
            String::new()
        } else {
            format!(
                " (nor of the {} configuration(s) its log holds above it)",
                above.len()
            )
        };
        self.fail(
            "Stored On A Majority",
            alloc::vec![node],
            format!(
                "leader S{node} of term {term} committed index {commit}, which only {} of the voters {} have persisted: not a majority{later} (§5.3)",
                names(&holders),
                names(&voters)
            ),
        );
    }

    /// The highest committed index whose prefix `node`'s persisted log (or snapshot) holds.
    fn held_by(&self, node: NodeId) -> Index {
        let Some(m) = self.mirrors.get(&node) else {
            return 0;
        };
        let holds = |i: Index| {
            self.committed_at(i)
                .is_some_and(|c| m.prefix(i) == Some(c.chain))
        };
        // Holding is monotone (a matching prefix hash at i matches every index below), so a
        // binary search over (offset, top] finds the last index held.
        let (mut lo, mut hi) = (m.offset, m.last().min(self.committed_len()));
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if holds(mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    /// Mirrors `node`'s persisted log afresh from its disk: a snapshot at `snapshot_index`
    /// (the committed prefix up to it), then `entries`.
    fn mirror_disk(&mut self, node: NodeId, snapshot_index: Index, entries: &[Entry]) {
        let base = match snapshot_index {
            0 => 0,
            i => self.committed_at(i).map_or(0, |c| c.chain),
        };
        let mut m = Mirror {
            offset: snapshot_index,
            base,
            ..Default::default()
        };
        m.write(entries, &mut self.hashes);
        self.mirrors.insert(node, m);
    }

    /// A crash reverted `node`'s disk to what it last synced (the break-it switch
    /// `lose_unsynced_writes`): its persisted log is now `entries` after a snapshot at
    /// `snapshot_index`. Committed entries it loses must still be stored on a majority of the
    /// voters of the latest leader commit (Stored On A Majority): otherwise a later election
    /// can go to a candidate without them.
    pub fn on_disk_reverted(&mut self, node: NodeId, snapshot_index: Index, entries: &[Entry]) {
        let before = self.held_by(node);
        self.mirror_disk(node, snapshot_index, entries);
        let after = self.held_by(node);
        if after >= before {
            return;
        }
        let (incoming, outgoing) = self.quorum.clone();
        // The lowest lost index a majority no longer holds (holders only shrink going up).
        let short = |i: Index, set: &[NodeId]| {
            let held = set.iter().filter(|&&v| self.held_by(v) >= i).count();
            !set.is_empty() && held * 2 <= set.len()
        };
        let Some(i) = (after + 1..=before).find(|&i| short(i, &incoming) || short(i, &outgoing))
        else {
            return;
        };
        let set = if short(i, &incoming) {
            &incoming
        } else {
            &outgoing
        };
        let holders: Vec<NodeId> = set
            .iter()
            .copied()
            .filter(|&v| self.held_by(v) >= i)
            .collect();
        self.fail(
            "Stored On A Majority",
            alloc::vec![node],
            format!(
                "S{node} crashed and its disk lost {} it had written but not synced; committed entry {i} is now stored only by {} of the voters {}: not a majority (§5.3)",
                if after + 1 == before {
                    format!("entry {before}")
                } else {
                    format!("entries {}–{before}", after + 1)
                },
                names(&holders),
                names(set)
            ),
        );
    }

    /// Leader Completeness, the other way round: leaders of terms after the one that just
    /// committed entry `i` (elected while the commit was under way) must hold it too. Their
    /// persisted logs are compared by prefix hash; a leader only appends entries of its own
    /// term, so its log now lacks the entry exactly when it lacked it at its election.
    fn check_later_leaders_hold(&mut self, i: Index, c: CommittedEntry) {
        let mut bad = Vec::new();
        for (&leader, &(lterm, _, _)) in &self.leader_logs {
            if lterm <= c.commit_term {
                continue;
            }
            let Some(m) = self.mirrors.get(&leader) else {
                continue;
            };
            if i <= m.offset {
                continue;
            }
            if m.term(i) != Some(c.term) || m.prefix(i) != Some(c.chain) {
                bad.push((leader, lterm));
            }
        }
        for (leader, lterm) in bad {
            self.fail(
                "Leader Completeness",
                vec![leader],
                format!(
                    "S{leader} leads term {lterm} without entry {i}, committed in term {}",
                    c.commit_term
                ),
            );
        }
    }

    /// A node's state machine applied `entry`; `executed` lists client commands (client, seq)
    /// whose effect ran (not answered from the session table).
    pub fn on_apply(&mut self, node: NodeId, entry: &Entry, executed: Option<(u64, u64)>) {
        let applied = self.applied.entry(node).or_insert(0);
        let last = core::mem::replace(applied, entry.index);
        if entry.index != last + 1 {
            self.fail(
                "Applied Contiguous",
                vec![node],
                format!("S{node} applied index {} after index {last}", entry.index),
            );
        }
        if let Some(c) = self.committed_at(entry.index) {
            if c.term != entry.term || c.hash != self.hashes.hash(entry) {
                self.fail(
                    "State Machine Safety",
                    vec![node],
                    format!(
                        "S{node} applied a different entry at index {} than was committed",
                        entry.index
                    ),
                );
            }
        }
        if let Some(cmd) = executed {
            if !entry_or_default(&mut self.executed, node).insert(cmd.0, cmd.1) {
                self.fail(
                    "Exactly Once",
                    vec![node],
                    format!(
                        "S{node} executed command {} of client {} twice",
                        cmd.1, cmd.0
                    ),
                );
            }
        }
    }

    /// Node `node`'s state machine is at applied index `index` with state digest `digest`
    /// ([`KvStore::digest`](super::KvStore::digest)): after applying the entry at `index`, after
    /// installing a snapshot of `index`, after restarting from one, or, for a new machine,
    /// empty at index 0.
    ///
    /// Exactly Once, checked across replicas and restarts: every replica applies the same
    /// commands in the same order (State Machine Safety, Raft §5.4.3), and the session table
    /// makes each command take effect once (dissertation §6.3), so every replica's state at a
    /// given index, session table included, must be the same. The first digest any replica
    /// reports at an index is remembered; a replica, or the same one after a restart, that
    /// reports another digest there executed a command twice, skipped one, or restored a
    /// wrong state. Memory is bounded by [`STATE_WINDOW`].
    pub fn on_state(&mut self, node: NodeId, index: Index, digest: u64) {
        match self.states.get(index) {
            Some(&(first, by)) if first != digest => self.fail(
                "Exactly Once",
                vec![node, by],
                format!(
                    "S{node}'s state machine at applied index {index} has digest {digest:#018x}, \
                     but S{by}'s had {first:#018x} there: a command took effect twice or not at \
                     all, or a restored state differs"
                ),
            ),
            Some(_) => {}
            None if index >= self.states_floor => {
                self.states.insert(index, (digest, node));
            }
            None => {}
        }
        self.state_at.insert(node, index);
        self.forget_states();
    }

    /// How many applied indices' state digests are remembered (at most [`STATE_WINDOW`]).
    pub fn state_digests_kept(&self) -> usize {
        self.states.held
    }

    /// Drops digests no replica can reach again, then the oldest beyond [`STATE_WINDOW`].
    fn forget_states(&mut self) {
        let lowest = self
            .state_at
            .values()
            .chain(self.restart_at.values())
            .min()
            .copied()
            .unwrap_or(0);
        let newest = self.states.newest().unwrap_or(0);
        let floor = lowest.max(newest.saturating_sub(STATE_WINDOW - 1));
        if floor > self.states_floor {
            self.states_floor = floor;
            self.states.forget_below(floor);
        }
    }

    /// Node `node` could not rebuild its state machine from the snapshot at (`index`, `term`)
    /// it was given or restarted from: the snapshot's bytes are malformed, so the state it
    /// would hold is not the committed prefix's (State Machine Safety, Raft §5.4.3).
    pub fn on_restore_failed(&mut self, node: NodeId, index: Index, term: Term) {
        self.fail(
            "State Machine Safety",
            vec![node],
            format!(
                "S{node} could not restore its state machine from the snapshot at index {index} \
                 (term {term}): the snapshot data is malformed"
            ),
        );
    }

    /// A node persisted a snapshot at (`index`, `term`); with `installed`, its state machine
    /// was replaced by it, so its applied index jumps to `index`.
    pub fn on_snapshot(&mut self, node: NodeId, index: Index, term: Term, installed: bool) {
        match self.committed_at(index) {
            Some(c) if c.term == term => {
                let base = c.chain;
                entry_or_default(&mut self.mirrors, node).compact(index, term, base);
            }
            _ => self.fail(
                "State Machine Safety",
                alloc::vec![node],
                format!("S{node} holds a snapshot at index {index} (term {term}) that is not the committed prefix"),
            ),
        }
        if installed {
            let a = self.applied.entry(node).or_insert(0);
            *a = (*a).max(index);
            let c = self.commit_seen.entry(node).or_insert(0);
            *c = (*c).max(index);
        }
    }

    /// A node crashed: its volatile state (commit, applied, state machine) is gone.
    pub fn on_crash(&mut self, node: NodeId) {
        self.commit_seen.remove(&node);
        self.applied.remove(&node);
        self.executed.remove(&node);
        self.state_at.remove(&node);
        let restart_at = self.mirrors.get(&node).map_or(0, |m| m.offset);
        self.restart_at.insert(node, restart_at);
        self.leader_logs.remove(&node);
    }

    /// A node restarted from its persisted state.
    pub fn on_restart(
        &mut self,
        node: NodeId,
        hs: HardState,
        snapshot_index: Index,
        entries: &[Entry],
    ) {
        self.on_hard_state(node, hs);
        self.restart_at.remove(&node);
        self.mirror_disk(node, snapshot_index, entries);
        self.applied.insert(node, snapshot_index);
        self.commit_seen.insert(node, snapshot_index);
    }
}

/// "S1, S2 and S3" ("none" for no node).
fn names(nodes: &[NodeId]) -> String {
    match nodes {
        [] => "none".into(),
        [one] => format!("S{one}"),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(|n| format!("S{n}")).collect();
            format!("{} and S{last}", rest.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `StateDigests` holds what a map from index to digest would, through inserts below,
    /// inside and above its span and the forgetting of its oldest indices.
    #[test]
    fn state_digests_hold_what_a_map_would() {
        let mut d = StateDigests::default();
        let mut m: BTreeMap<Index, (u64, NodeId)> = BTreeMap::new();
        let mut floor = 0;
        let mut x: u64 = 11;
        for step in 0..5_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let index = floor + (x >> 33) % 40;
            if (x >> 20) % 8 == 0 {
                floor += (x >> 40) % 5;
                d.forget_below(floor);
                while m.first_key_value().is_some_and(|(&i, _)| i < floor) {
                    m.pop_first();
                }
            } else if let alloc::collections::btree_map::Entry::Vacant(v) = m.entry(index) {
                v.insert((step, x % 7));
                d.insert(index, (step, x % 7));
            }
            assert_eq!(d.get(index), m.get(&index), "{index}");
            assert_eq!(d.held, m.len());
            assert_eq!(d.newest(), m.last_key_value().map(|(&i, _)| i));
        }
    }

    /// Every property the checker reports says what it requires; other names do not.
    #[test]
    fn every_property_has_its_rule_in_words() {
        for p in PROPERTIES {
            let rule = property_rule(p).unwrap_or_else(|| panic!("{p} has no rule"));
            assert!(rule.ends_with(")."), "{p} cites no source: {rule}");
        }
        assert_eq!(property_rule("Linearizability"), None);
    }

    /// The compact record of executed commands answers as a set of every (client, seq) pair
    /// would, in any order of arrival, gaps, repeats, sequence number 0 and the largest one
    /// included, while holding only each client's runs of consecutive numbers.
    #[test]
    fn executed_commands_are_recorded_exactly_in_little_memory() {
        for seed in 0..8 {
            let mut rng = crate::rng::SimRng::new(seed);
            let mut compact = Executed::default();
            let mut every = BTreeSet::new();
            for _ in 0..5_000 {
                let client = rng.range(1, 4);
                let seq = match rng.range(0, 9) {
                    0 => u64::MAX - rng.range(0, 3),
                    _ => rng.range(0, 400),
                };
                assert_eq!(
                    compact.insert(client, seq),
                    every.insert((client, seq)),
                    "seed {seed}: client {client} seq {seq}"
                );
                // The runs are exactly the maximal runs of the numbers held.
                let mut runs: Vec<(u64, u64)> = Vec::new();
                for &(_, n) in every.range((client, 0)..=(client, u64::MAX)) {
                    match runs.last_mut() {
                        Some(last) if last.1 + 1 == n => last.1 = n,
                        _ => runs.push((n, n)),
                    }
                }
                assert_eq!(compact.0[&client], runs, "seed {seed}: client {client}");
            }
        }
        // In order, as sessions run, from the start or from the middle (a machine restarted
        // from a snapshot): one run each.
        let mut in_order = Executed::default();
        for seq in 1..=10_000 {
            assert!(in_order.insert(7, seq));
            assert!(in_order.insert(8, 57 + seq));
        }
        assert!(!in_order.insert(7, 5_000), "a repeat");
        assert!(!in_order.insert(8, 5_000), "a repeat");
        assert_eq!(in_order.0[&7], [(1, 10_000)]);
        assert_eq!(in_order.0[&8], [(58, 10_057)]);
    }
}
