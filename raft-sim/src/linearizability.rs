//! Linearizability of a client history against the key-value store of [`super::app`].
//!
//! A history is linearizable when every operation can be given one instant between its
//! invocation and its completion such that executing the operations one by one, in the order of
//! those instants, on a fresh [`KvStore`](super::KvStore), produces exactly the replies the
//! clients received (Herlihy & Wing, 1990).
//!
//! # Use
//!
//! History in, verdict out: [`verdict`] takes any slice of [`HistoryOp`] (the simulator's, or
//! one built with [`HistoryOp::new`], [`HistoryOp::completed`] and [`HistoryOp::sequenced`]) and
//! returns a [`Verdict`]. A history that is not linearizable comes with a minimal witness
//! ([`NonLinearizable`]): the one key whose operations no order explains, cut at the earliest
//! event after which none does (`at`), the longest prefix of those operations that some order
//! explains, and the operations that could come next, each with the reply it got and the reply
//! it would have got.
//!
//! # How it is checked
//!
//! * **One key at a time.** Operations on different keys do not interact, and linearizability
//!   is compositional (Herlihy & Wing's locality; Horn & Kroening call the per-key split
//!   P-compositionality), so each key's sub-history is checked on its own. Every task id of the
//!   task queue is a key of its own: a counter that `Task { id }` increments, whose reply is the
//!   count after the increment in decimal.
//! * **Depth-first search for a linearization** (Wing & Gong, 1993): repeatedly pick an operation
//!   that no other pending operation must precede, run it on the sequential model, and keep it if
//!   the model's reply is the recorded one; when nothing fits, undo the last pick and try the
//!   next one.
//! * **Memoization** (Lowe, 2017): the search remembers every pair (set of operations already
//!   linearized, model state) it has reached. Reaching one again cannot lead anywhere new, so
//!   that branch is cut. The set is a bitset; the states are interned. This makes the search
//!   roughly linear in the history length when the number of concurrent clients is small.
//!   The memory is kept up to dominance: an operation that never completed may take effect or
//!   not, so reaching a state with the same completed operations placed and *more* of the
//!   incomplete ones placed than before cannot lead anywhere new either.
//! * **A step budget.** Each attempt to run an operation on the model is a step. A key whose
//!   search exceeds the budget is reported as undecided ([`CheckStats::unknown_keys`]), never as
//!   linearizable or as not linearizable.
//!
//! # Order of events and incomplete operations
//!
//! Operation `a` must precede operation `b` when `a` completed strictly before `b` was invoked.
//! "Before" is read from the sequence numbers ([`HistoryOp::invoke_seq`],
//! [`HistoryOp::complete_seq`]) when every operation of the history has them, as the
//! simulator's do: they place every invocation and completion in one total order, so a write
//! that completed and a read invoked after it in the same millisecond are ordered, and a stale
//! read shorter than a millisecond is still caught.
//!
//! A history without them (or with only some) is ordered by its millisecond times. Then
//! `a.complete == b.invoke` leaves the order open between different clients. For one client it
//! does not: a client has at most one operation outstanding, so its operation that completed at
//! `t` precedes its own next operation invoked at `t` (ties between one client's operations are
//! broken by their order in the history).
//!
//! An operation that never completed (`complete: None`) may take effect at any instant after its
//! invocation, or never; its reply is unconstrained. (Taking effect "never" is equivalent to
//! taking effect after everything else, which is how the search treats it: it stops once every
//! completed operation is placed.) A `get` that never completed constrains nothing and is
//! skipped. A completion time earlier than the invocation is read as the invocation time.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::app::{Op, Reply};
use super::world::HistoryOp;
use crate::hash_index::HashIndex;

/// The default step budget of [`check`], per key. A linearizable history of `n` operations with a
/// handful of concurrent clients usually needs little more than `n` steps. The search remembers
/// at most one (set, state) pair per step, so the budget also bounds its memory (tens of bytes
/// per step).
pub const DEFAULT_MAX_STEPS: u64 = 1_000_000;

/// The command line's default budget per key (`raft-sim check`, `run`, `replay`, `taskqueue`,
/// `mutants`): ten times [`DEFAULT_MAX_STEPS`], which the page keeps (a search runs on its one
/// thread, in wasm). Long schedules with many clients on one key and values written more than
/// once need it: of `check --seeds 7300000..7301000 --schedule targeted --duration-ms 5000`,
/// 13 seeds were undecided with 1,000,000 steps and 2 with this (the run 14.2 s → 34.5 s); a
/// key that uses it all took 4.3 s and 180 MB. The default `check` (3 s schedules) decides
/// every one of 10,000 seeds with either.
pub const CLI_MAX_STEPS: u64 = 10_000_000;

/// What the checker treats as one independent object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// A key of the key-value store (`put`, `get`, `append`, `cas`).
    Kv(String),
    /// The execution counter of one task of the task queue.
    Task(u64),
}

impl Key {
    /// The key an operation belongs to.
    pub fn of(op: &Op) -> Key {
        match op {
            Op::Task { id } => Key::Task(*id),
            other => Key::Kv(other.key().to_string()),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Kv(k) => write!(f, "key {k:?}"),
            Key::Task(id) => write!(f, "task {id}"),
        }
    }
}

/// The outcome of a check that found no violation: counters, and the keys the step budget did
/// not suffice for.
///
/// The history is proven linearizable only when `unknown_keys` is empty
/// ([`CheckStats::is_proven`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckStats {
    /// Number of independent keys (store keys and task ids) in the history.
    pub keys: usize,
    /// Number of operations in the history.
    pub ops: usize,
    /// Model steps taken over all keys.
    pub steps: u64,
    /// Keys whose search ran out of budget: neither proven linearizable nor proven not to be.
    pub unknown_keys: Vec<Key>,
}

impl CheckStats {
    /// True when every key was proven linearizable (no key was left undecided).
    pub fn is_proven(&self) -> bool {
        self.unknown_keys.is_empty()
    }
}

/// Proof that a history is not linearizable: one key for which no order of its operations
/// explains the replies, with the furthest the search got.
///
/// The witness is minimal in time: it is the key's history cut at its earliest event `at`
/// after which no order explains the replies (operations invoked later are left out, and
/// operations still running then count as incomplete). Cut at the key's event before `at`, the
/// history is linearizable, or undecided within the step budget. Linearizability is
/// prefix-closed, so a cut that is not linearizable proves the whole history is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonLinearizable {
    /// The key whose operations cannot be linearized.
    pub key: Key,
    /// The last event of the witness: a sequence number ([`HistoryOp::invoke_seq`] or
    /// [`HistoryOp::complete_seq`]), or a time in ms for a history ordered by time.
    pub at: u64,
    /// Number of operations of the witness that the search had to place (those completed by
    /// `at`, plus those running then that may have taken effect).
    pub ops: usize,
    /// The longest linearizable prefix of the witness found, in linearization order, as
    /// indices into the checked history.
    pub prefix: Vec<usize>,
    /// The operations that could come next after `prefix` (no unplaced operation must precede
    /// them), none of which can: their replies disagree with the model. Indices into the history.
    pub stuck: Vec<usize>,
    /// A short human-readable account: the key, the end of the prefix, the value it leaves, and
    /// what each stuck operation replied versus what it would have replied.
    pub explanation: String,
}

impl fmt::Display for NonLinearizable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explanation)
    }
}

#[cfg(feature = "std")]
extern crate std;
#[cfg(feature = "std")]
impl std::error::Error for NonLinearizable {}

/// The one verdict every tool gives a client history (`raft-sim check`, `run`, `replay`,
/// `taskqueue`, the lessons and the page all call [`verdict`]): proven linearizable, proven not
/// linearizable, or undecided because the search ran out of budget. Undecided is never a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every key was proven linearizable.
    Linearizable(CheckStats),
    /// No order of some key's operations explains the replies.
    NotLinearizable(NonLinearizable),
    /// No violation found, but the keys in `unknown_keys` were not decided within the budget.
    Undecided(CheckStats),
}

impl Verdict {
    /// True only for a history proven linearizable.
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable(_))
    }
    /// A short name for reports: `linearizable`, `not linearizable` or `undecided`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Linearizable(_) => "linearizable",
            Verdict::NotLinearizable(_) => "not linearizable",
            Verdict::Undecided(_) => "undecided",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Linearizable(s) => {
                write!(f, "linearizable ({} operations on {} keys)", s.ops, s.keys)
            }
            Verdict::NotLinearizable(e) => write!(f, "not linearizable: {e}"),
            Verdict::Undecided(s) => {
                write!(
                    f,
                    "linearizability undecided (search budget exhausted) for "
                )?;
                for (k, key) in s.unknown_keys.iter().enumerate() {
                    if k > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key}")?;
                }
                Ok(())
            }
        }
    }
}

/// Checks `history` with the default budget and turns the outcome into a [`Verdict`].
pub fn verdict(history: &[HistoryOp]) -> Verdict {
    verdict_with_budget(history, DEFAULT_MAX_STEPS)
}

/// [`verdict`] with a step budget per key.
pub fn verdict_with_budget(history: &[HistoryOp], max_steps: u64) -> Verdict {
    match check_with_budget(history, max_steps) {
        Ok(s) if s.is_proven() => Verdict::Linearizable(s),
        Ok(s) => Verdict::Undecided(s),
        Err(e) => Verdict::NotLinearizable(e),
    }
}

/// Checks `history` with the [`DEFAULT_MAX_STEPS`] budget per key. See [`check_with_budget`].
pub fn check(history: &[HistoryOp]) -> Result<CheckStats, NonLinearizable> {
    check_with_budget(history, DEFAULT_MAX_STEPS)
}

/// Checks whether `history` is linearizable with respect to the key-value store, giving the
/// search of each key at most `max_steps` model steps.
///
/// * `Err(_)`: proven not linearizable (the first such key, in key order).
/// * `Ok(stats)` with `stats.unknown_keys` empty: proven linearizable.
/// * `Ok(stats)` with keys in `stats.unknown_keys`: no violation found, but those keys were not
///   decided within the budget.
pub fn check_with_budget(
    history: &[HistoryOp],
    max_steps: u64,
) -> Result<CheckStats, NonLinearizable> {
    check_from(history, 0, &BTreeMap::new(), max_steps)
}

/// [`check_with_budget`] of `history`, the operations from `first` on of a longer history
/// whose earlier operations all completed before any of these was invoked, each key starting
/// from its state in `states` (the initial state if absent). Indices in a violation count from
/// the longer history's start.
fn check_from(
    history: &[HistoryOp],
    first: usize,
    states: &BTreeMap<Key, Vec<State>>,
    max_steps: u64,
) -> Result<CheckStats, NonLinearizable> {
    // Each key's operations in history order, keys in `Key` order (the borrowed form orders
    // alike). Grouped by borrowed keys, so that a key's string is copied once, not once per
    // operation.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum KeyRef<'a> {
        Kv(&'a str),
        Task(u64),
    }
    // A lookup among the history's few keys per operation (sorting every operation by key
    // compared strings about 8 times each).
    let mut groups: BTreeMap<KeyRef<'_>, Vec<usize>> = BTreeMap::new();
    for (i, h) in history.iter().enumerate() {
        let k = match &h.op {
            Op::Task { id } => KeyRef::Task(*id),
            other => KeyRef::Kv(other.key()),
        };
        groups.entry(k).or_default().push(i);
    }
    let by_key: Vec<(Key, Vec<usize>)> = groups
        .into_iter()
        .map(|(k, ops)| (k.to_key(), ops))
        .collect();
    impl KeyRef<'_> {
        fn to_key(&self) -> Key {
            match *self {
                KeyRef::Kv(s) => Key::Kv(s.into()),
                KeyRef::Task(id) => Key::Task(id),
            }
        }
    }
    let mut stats = CheckStats {
        keys: by_key.len(),
        ops: history.len(),
        ..CheckStats::default()
    };
    let order = Order::of(history);
    for (key, indices) in by_key {
        // The key's possible states before `history` (one, the initial, for a whole history).
        let inits = states
            .get(&key)
            .cloned()
            .unwrap_or_else(|| vec![State::initial(&key)]);
        let part = Part::new(history, &indices, order, u64::MAX);
        // Linearizable from some state, else undecided from some, else a violation.
        let (mut outcome, mut whole) = (Outcome::Violation, None);
        for init in &inits {
            let mut search = Search::new(&part, history, init.clone(), first);
            let o = search.run(max_steps);
            stats.steps += search.steps;
            match o {
                Outcome::Linearizable => {
                    outcome = o;
                    break;
                }
                Outcome::Unknown => outcome = o,
                Outcome::Violation => {
                    whole.get_or_insert_with(|| search.violation(key.clone(), u64::MAX, order));
                }
            }
        }
        match (outcome, whole) {
            (Outcome::Linearizable, _) => {}
            (Outcome::Unknown, _) | (Outcome::Violation, None) => stats.unknown_keys.push(key),
            (Outcome::Violation, Some(whole)) => {
                let from = (&inits[..], first);
                return Err(earliest_violation(
                    history, &indices, order, key, max_steps, whole, from,
                ));
            }
        }
    }
    Ok(stats)
}

/// A client history checked in completed segments, so that a long run need not keep every
/// operation (the world's [`MemoryBounds`](crate::MemoryBounds)): the verdict is the one the
/// whole history would get.
///
/// A segment is a run of operations that all completed before any later operation was
/// invoked (a quiescent cut: nothing was pending). Every linearization of the whole history
/// then places the segment's operations before the later ones, so the whole is linearizable
/// exactly when the segment is, from a state the earlier segments may have left, and the rest
/// is, from a state that order of the segment leaves. So each key carries the set of states
/// the segments taken so far may leave it in: the search of a segment explores every order
/// that explains it (each pair of placed operations and state once, as the plain search) and
/// collects the states they end in. Two overlapping puts leave two possible values until a
/// later read tells which; a read or a lone write leaves one.
///
/// A segment is not taken (the caller keeps its operations and tries a later cut) when a
/// key's search runs out of budget or could end in more than [`MAX_END_STATES`] states.
/// The step budget applies per key and segment. Memory: the possible states of each key ever
/// touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segments {
    /// Each key's possible states after the segments taken, sorted (keys absent: initial).
    states: BTreeMap<Key, Vec<State>>,
    /// Operations taken, and the search steps they took.
    taken: CheckStats,
    /// The first violation found in a segment (indices into the whole history).
    violation: Option<NonLinearizable>,
}

/// The most states a key may be left in for a segment to be taken ([`Segments`]).
pub const MAX_END_STATES: usize = 16;

impl Segments {
    /// Nothing taken yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Operations taken so far (the ones before the caller's first kept one).
    pub fn ops(&self) -> usize {
        self.taken.ops
    }

    /// Whether a segment already proved the history not linearizable.
    pub fn failed(&self) -> bool {
        self.violation.is_some()
    }

    /// Checks `segment`, the operations from [`Segments::ops`] on of the run's history, which
    /// must all have completed (a quiescent cut, see [`Segments`]), and takes it: returns true,
    /// and the caller may drop the operations. False (nothing changes): keep them and try again
    /// at a later cut. Once the verdict has failed, every segment is taken unchecked.
    pub fn take(&mut self, segment: &[HistoryOp], max_steps: u64) -> bool {
        if segment.is_empty() || segment.iter().any(|h| h.reply.is_none()) {
            return false;
        }
        if self.violation.is_some() {
            self.taken.ops += segment.len();
            return true;
        }
        let first = self.taken.ops;
        let order = Order::of(segment);
        let mut by_key: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
        for (i, h) in segment.iter().enumerate() {
            by_key.entry(Key::of(&h.op)).or_default().push(i);
        }
        let (mut after, mut steps, mut failed) = (BTreeMap::new(), 0, false);
        for (key, indices) in by_key {
            let inits = self
                .states
                .get(&key)
                .cloned()
                .unwrap_or_else(|| vec![State::initial(&key)]);
            let part = Part::new(segment, &indices, order, u64::MAX);
            let mut ends = BTreeSet::new();
            for init in inits {
                let mut search = Search::new(&part, segment, init, first);
                let outcome = search.search(max_steps, Some(&mut ends));
                steps += search.steps;
                if matches!(outcome, Outcome::Unknown) {
                    return false;
                }
            }
            if ends.len() > MAX_END_STATES {
                return false;
            }
            failed |= ends.is_empty();
            after.insert(key, ends.into_iter().collect::<Vec<_>>());
        }
        if failed {
            // No order explains some key: the plain search gives the witness.
            match check_from(segment, first, &self.states, max_steps) {
                Err(v) => self.violation = Some(v),
                Ok(_) => return false,
            }
        }
        self.taken.steps += steps;
        self.taken.ops += segment.len();
        self.states.extend(after);
        true
    }

    /// The verdict of the whole history: the segments taken, then `rest`, the operations
    /// kept after them (from [`Segments::ops`] on).
    pub fn verdict(&self, rest: &[HistoryOp], max_steps: u64) -> Verdict {
        if let Some(v) = &self.violation {
            return Verdict::NotLinearizable(v.clone());
        }
        let s = match check_from(rest, self.taken.ops, &self.states, max_steps) {
            Ok(s) => s,
            Err(e) => return Verdict::NotLinearizable(e),
        };
        // The keys of the segments taken and of `rest` (without segments, those of `rest`,
        // which the check counted).
        let keys = if self.states.is_empty() {
            s.keys
        } else {
            let mut keys: BTreeSet<Key> = self.states.keys().cloned().collect();
            keys.extend(rest.iter().map(|h| Key::of(&h.op)));
            keys.len()
        };
        let stats = CheckStats {
            keys,
            ops: self.taken.ops + s.ops,
            steps: self.taken.steps + s.steps,
            unknown_keys: s.unknown_keys,
        };
        if stats.is_proven() {
            Verdict::Linearizable(stats)
        } else {
            Verdict::Undecided(stats)
        }
    }
}

/// The violation on `key` at its earliest: binary search for the shortest prefix of the key's
/// events (in `order`) that is not linearizable, given `whole`, the violation of all of them.
/// Prefixes are monotone (a prefix of a linearizable history is linearizable), so about
/// log2(events) searches suffice; a prefix left undecided by the budget counts as not failing.
fn earliest_violation(
    history: &[HistoryOp],
    indices: &[usize],
    order: Order,
    key: Key,
    max_steps: u64,
    whole: NonLinearizable,
    (inits, first): (&[State], usize),
) -> NonLinearizable {
    let mut places: Vec<u64> = indices
        .iter()
        .flat_map(|&i| {
            let (invoke, complete) = order.places(&history[i]);
            core::iter::once(invoke).chain(complete)
        })
        .collect();
    places.sort_unstable();
    places.dedup();
    let fails = |cut: u64| {
        let part = Part::new(history, indices, order, cut);
        // A violation from every possible starting state; the first one's witness.
        let mut witness = None;
        for init in inits {
            let mut search = Search::new(&part, history, init.clone(), first);
            if !matches!(search.run(max_steps), Outcome::Violation) {
                return None;
            }
            witness.get_or_insert_with(|| search.violation(key.clone(), cut, order));
        }
        witness
    };
    // Cut after its last event, the key's history fails (`whole`): the upper end.
    let (mut lo, mut hi) = (0, places.len().saturating_sub(1));
    let mut earliest = whole;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match fails(places[mid]) {
            Some(v) => {
                earliest = v;
                hi = mid;
            }
            None => lo = mid + 1,
        }
    }
    earliest
}

// ----- the sequential model ------------------------------------------------------------------

/// The state of one key: its value, or a task's execution count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Value(Option<String>),
    Count(u64),
}

impl State {
    /// A key's state before any operation: absent, or a task run 0 times.
    fn initial(key: &Key) -> State {
        match key {
            Key::Kv(_) => State::Value(None),
            Key::Task(_) => State::Count(0),
        }
    }
}

/// A 64-bit hash of a state, for [`Search::intern`]'s lookup (equal states, equal hashes).
fn state_hash(st: &State) -> u64 {
    use crate::trace::{mix_bytes, mix_word, FNV_OFFSET};
    match st {
        State::Value(None) => mix_word(FNV_OFFSET, 0),
        State::Value(Some(v)) => mix_bytes(mix_word(FNV_OFFSET, 1), v.as_bytes()),
        State::Count(n) => mix_word(mix_word(FNV_OFFSET, 2), *n),
    }
}

/// Runs `op` on `state` exactly as `KvStore::execute` does. `None` if the op does not belong to
/// this kind of state (cannot happen within one key's partition).
fn apply(state: &State, op: &Op) -> Option<(State, Reply)> {
    let done = |v: &String| Reply {
        ok: true,
        value: Some(v.clone()),
    };
    Some(match (op, state) {
        (Op::Put { value, .. }, State::Value(_)) => {
            (State::Value(Some(value.clone())), done(value))
        }
        (Op::Get { .. }, State::Value(cur)) => (
            state.clone(),
            Reply {
                ok: true,
                value: cur.clone(),
            },
        ),
        (Op::Append { value, .. }, State::Value(cur)) => {
            let mut v = cur.clone().unwrap_or_default();
            v.push_str(value);
            let reply = done(&v);
            (State::Value(Some(v)), reply)
        }
        (Op::Cas { expect, new, .. }, State::Value(cur)) => {
            if cur == expect {
                (State::Value(Some(new.clone())), done(new))
            } else {
                (
                    state.clone(),
                    Reply {
                        ok: false,
                        value: cur.clone(),
                    },
                )
            }
        }
        (Op::Task { .. }, State::Count(n)) => {
            let n = n.saturating_add(1);
            (State::Count(n), done(&format!("{n}")))
        }
        _ => return None,
    })
}

// ----- a small bitset ------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn clear(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
    /// The first clear bit at or after `from` (may be `>= n` if there is none below `n`).
    fn next_zero(&self, from: usize) -> usize {
        let mut w = from / 64;
        if w >= self.0.len() {
            return from;
        }
        let mut word = !self.0[w] & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                return w * 64 + word.trailing_zeros() as usize;
            }
            w += 1;
            if w >= self.0.len() {
                return w * 64;
            }
            word = !self.0[w];
        }
    }
}

// ----- one key's operations ------------------------------------------------------------------

#[derive(Debug)]
struct Item {
    /// Index into the history.
    hist: usize,
    /// The invocation's place in the order of events (see [`Order`]).
    invoke: u64,
    /// The completion's place; `u64::MAX` if the op never completed.
    ret: u64,
    /// Same-client ops that completed exactly when this one was invoked (local indices).
    after: Vec<usize>,
}

/// What orders a history's events: its sequence numbers when every operation has them (as the
/// simulator records), otherwise the millisecond times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Sequence,
    Time,
}

impl Order {
    fn of(history: &[HistoryOp]) -> Order {
        let recorded =
            |h: &HistoryOp| h.invoke_seq > 0 && (h.complete.is_none() || h.complete_seq > 0);
        if !history.is_empty() && history.iter().all(recorded) {
            Order::Sequence
        } else {
            Order::Time
        }
    }

    /// (invocation, completion) places of `h`, the completion if it completed; a completion
    /// placed before the invocation is read as the invocation.
    fn places(self, h: &HistoryOp) -> (u64, Option<u64>) {
        let (invoke, complete) = match self {
            Order::Sequence => (h.invoke_seq, h.complete.map(|_| h.complete_seq)),
            Order::Time => (h.invoke, h.complete),
        };
        (invoke, complete.map(|c| c.max(invoke)))
    }
}

/// One key's operations: the completed ones sorted by invocation (local indices `0..done`),
/// then the incomplete ones that may have had an effect (`done..`).
#[derive(Debug)]
struct Part {
    items: Vec<Item>,
    done: usize,
}

impl Part {
    /// The operations `indices` of `history` as they stood after the event at place `cut`
    /// (`u64::MAX`: all of them): those invoked later are left out, those completing later count
    /// as incomplete.
    fn new(history: &[HistoryOp], indices: &[usize], order: Order, cut: u64) -> Part {
        let mut completed = Vec::new();
        let mut pending = Vec::new();
        for &i in indices {
            let h = &history[i];
            let (invoke, ret) = order.places(h);
            if invoke > cut {
                continue;
            }
            match (invoke, ret.filter(|&r| r <= cut)) {
                (invoke, Some(ret)) => completed.push((invoke, ret, i)),
                // An incomplete read has no effect and no reply to explain.
                _ if matches!(h.op, Op::Get { .. }) => {}
                (invoke, None) => pending.push((invoke, u64::MAX, i)),
            }
        }
        completed.sort_unstable();
        pending.sort_unstable();
        let done = completed.len();
        let mut items: Vec<Item> = completed
            .into_iter()
            .chain(pending)
            .map(|(invoke, ret, hist)| Item {
                hist,
                invoke,
                ret,
                after: Vec::new(),
            })
            .collect();
        // (client, completion time, local index) of the completed ops, sorted: the ops of a
        // client finishing at a given time are one run, found by binary search (a map of
        // vectors cost an allocation per op; with sequence numbers no completion shares its
        // place with an invocation, so the runs are almost always empty).
        let mut ends: Vec<(u64, u64, usize)> = items[..done]
            .iter()
            .enumerate()
            .map(|(local, item)| (history[item.hist].client, item.ret, local))
            .collect();
        ends.sort_unstable();
        let hists: Vec<usize> = items.iter().map(|it| it.hist).collect();
        for (local, item) in items.iter_mut().enumerate() {
            let key = (history[item.hist].client, item.invoke);
            let from = ends.partition_point(|&(c, r, _)| (c, r) < key);
            let run = ends[from..]
                .iter()
                .take_while(|&&(c, r, _)| (c, r) == key)
                .map(|&(_, _, b)| b);
            // In local-index order, as the map's vectors held them.
            item.after = run
                .filter(|&b| b != local && hists[b] < item.hist)
                .collect();
        }
        Part { items, done }
    }
}

// ----- the search ----------------------------------------------------------------------------

/// The search's memory of where it has been: (state id, completed ops linearized, incomplete
/// ops linearized) triples, up to dominance. An incomplete operation may take effect or not, so
/// a configuration that has linearized a *subset* of another's incomplete ops, with the same
/// completed ops and the same state, has every continuation the other has (each continuation
/// runs only ops outside the larger set, so outside the smaller one; whether an op may run
/// depends on the completed ops and its own invocation alone): when the one with fewer found
/// nothing, the one with more cannot, and when it found end states, the other's are among
/// them. So a triple is new unless a stored one has the same state and completed set and a
/// subset of its incomplete set. (Kept as an exact set, the search tried every subset of the
/// incomplete ops that led back to a state it knew: a 3-node run whose last 15 ops never
/// completed, seven of them appends, took 138 M steps to decide.)
///
/// Triples are found by a 64-bit hash of the state and the completed set and confirmed
/// against the stored words, which sit end to end in one vector. (A B-tree of pairs that each
/// owned a vector cost an allocation and a dozen vector comparisons per step of the search.)
#[derive(Debug, Default)]
struct Seen {
    /// Hash → the first triple stored with it; the others with the same hash follow in `next`.
    first: HashIndex,
    /// Per triple: the next one with the same hash (`u32::MAX`: none), its state, where its
    /// completed set lies in `words`, its length, then its incomplete set's length (after it).
    triples: Vec<(u32, u32, usize, u32, u32)>,
    words: Vec<u64>,
    /// A buffer for the completed set being looked up.
    scratch: Vec<u64>,
    /// Tests: every triple hashes alike, so that every lookup goes through the confirmations.
    #[cfg(test)]
    collide: bool,
}

impl Seen {
    /// Adds (`state`, `done`, `pending`); false if a stored triple with that state and
    /// completed set has a subset of `pending` (then nothing is stored).
    fn insert(&mut self, state: u32, done: &[u64], pending: &[u64]) -> bool {
        use crate::trace::{mix_word, FNV_OFFSET};
        let h = done
            .iter()
            .fold(mix_word(FNV_OFFSET, u64::from(state)), |h, &w| {
                mix_word(h, w)
            });
        #[cfg(test)]
        let h = if self.collide { 0 } else { h };
        let id = u32::try_from(self.triples.len()).unwrap_or(u32::MAX);
        let covers = |t: &(u32, u32, usize, u32, u32), words: &[u64]| {
            let (at, n, m) = (t.2, t.3 as usize, t.4 as usize);
            t.1 == state
                && words[at..at + n] == *done
                && m == pending.len()
                && words[at + n..at + n + m]
                    .iter()
                    .zip(pending)
                    .all(|(stored, p)| stored & !p == 0)
        };
        if let Some(first) = self.first.get_or_insert(h, id) {
            let mut k = first as usize;
            loop {
                if covers(&self.triples[k], &self.words) {
                    return false;
                }
                match self.triples[k].0 {
                    u32::MAX => break,
                    next => k = next as usize,
                }
            }
            self.triples[k].0 = id;
        }
        let len = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        self.triples.push((
            u32::MAX,
            state,
            self.words.len(),
            len(done.len()),
            len(pending.len()),
        ));
        self.words.extend_from_slice(done);
        self.words.extend_from_slice(pending);
        true
    }
}

enum Outcome {
    Linearizable,
    Violation,
    Unknown,
}

/// The deepest dead end reached: where the explanation comes from.
struct DeadEnd {
    prefix: Vec<usize>,
    state: u32,
    stuck: Vec<usize>,
}

struct Search<'a> {
    part: &'a Part,
    history: &'a [HistoryOp],
    /// Where `history` starts in the whole history (indices in reports count from there).
    first: usize,
    /// Linearized completed ops (local indices `0..done`).
    lin_done: Bits,
    /// Linearized incomplete ops (local index minus `done`).
    lin_pending: Bits,
    /// How many completed ops are linearized.
    placed: usize,
    /// No completed op below this index is unlinearized.
    hint: usize,
    states: Vec<State>,
    /// [`state_hash`] → the first state interned with that hash; further ones with the same
    /// hash follow in `same_hash` (by id). Looked up by a 64-bit hash and confirmed by
    /// comparing the state, so a collision costs a comparison, never a wrong id (a map keyed
    /// by the states themselves compared long strings at every level and stored each twice).
    state_ids: HashIndex,
    same_hash: Vec<u32>,
    /// The (state, linearized set) pairs reached ([`Search::visit`]).
    seen: Seen,
    steps: u64,
    deepest: Option<DeadEnd>,
}

impl<'a> Search<'a> {
    /// A search of `part` from state `init`; `first`: the index `history` starts at in the
    /// run's whole history (for reports).
    fn new(part: &'a Part, history: &'a [HistoryOp], init: State, first: usize) -> Self {
        let mut s = Search {
            part,
            history,
            first,
            lin_done: Bits::new(part.done),
            lin_pending: Bits::new(part.items.len() - part.done),
            placed: 0,
            hint: 0,
            states: Vec::new(),
            state_ids: HashIndex::default(),
            same_hash: Vec::new(),
            seen: Seen::default(),
            steps: 0,
            deepest: None,
        };
        s.intern(init);
        s
    }

    /// The id of `st`, numbering states in the order they are first seen.
    fn intern(&mut self, st: State) -> u32 {
        let id = u32::try_from(self.states.len()).unwrap_or(u32::MAX);
        if let Some(first) = self.state_ids.get_or_insert(state_hash(&st), id) {
            let mut k = first;
            loop {
                if self.states[k as usize] == st {
                    return k;
                }
                match self.same_hash[k as usize] {
                    u32::MAX => break,
                    next => k = next,
                }
            }
            self.same_hash[k as usize] = id;
        }
        self.states.push(st);
        self.same_hash.push(u32::MAX);
        id
    }

    fn is_lin(&self, i: usize) -> bool {
        if i < self.part.done {
            self.lin_done.get(i)
        } else {
            self.lin_pending.get(i - self.part.done)
        }
    }

    fn set_lin(&mut self, i: usize, on: bool) {
        if i < self.part.done {
            if on {
                self.lin_done.set(i);
                self.placed += 1;
            } else {
                self.lin_done.clear(i);
                self.placed -= 1;
                self.hint = self.hint.min(i);
            }
        } else if on {
            self.lin_pending.set(i - self.part.done);
        } else {
            self.lin_pending.clear(i - self.part.done);
        }
    }

    /// A canonical encoding of the linearized completed ops: the index of the first word of
    /// their bitset that is not all ones (every earlier word is), then the words from there up
    /// to the last non-zero one. (The incomplete ops' bitset goes to [`Seen`] as it is.)
    fn set_key(&self, key: &mut Vec<u64>) {
        let words = &self.lin_done.0;
        let first = self.lin_done.next_zero(self.hint) / 64;
        let mut last = words.len();
        while last > first && words[last - 1] == 0 {
            last -= 1;
        }
        key.clear();
        key.push(first as u64);
        key.extend_from_slice(&words[first.min(last)..last]);
    }

    /// Records that the search reached state `state` with the current linearized set; false if
    /// it had been there before, or somewhere with fewer incomplete ops linearized ([`Seen`]).
    fn visit(&mut self, state: u32) -> bool {
        let mut key = core::mem::take(&mut self.seen.scratch);
        self.set_key(&mut key);
        let new = self.seen.insert(state, &key, &self.lin_pending.0);
        self.seen.scratch = key;
        new
    }

    /// The unlinearized ops no unlinearized op must precede, in local-index order.
    fn candidates(&mut self, out: &mut Vec<usize>) {
        out.clear();
        let items = &self.part.items;
        let done = self.part.done;
        self.hint = self.lin_done.next_zero(self.hint).min(done);
        let start = self.hint;
        // Ops invoked after the earliest pending completion must wait; scan only the window.
        let mut min_ret = u64::MAX;
        let mut end = start;
        while end < done && items[end].invoke <= min_ret {
            if !self.lin_done.get(end) {
                min_ret = min_ret.min(items[end].ret);
            }
            end += 1;
        }
        let ready = |i: usize| {
            !self.is_lin(i)
                && items[i].invoke <= min_ret
                && items[i].after.iter().all(|&b| self.is_lin(b))
        };
        out.extend((start..end).filter(|&i| ready(i)));
        out.extend((done..items.len()).filter(|&i| ready(i)));
    }

    /// The state `op` leads to from state `state`, if it applies there and its reply would be
    /// `want` (any reply when `None`): [`apply`], then [`Search::intern`], for the search's
    /// every step. The common operations are worked out without building the reply (copies of
    /// the values), and a read or a failed cas, which leave the state as it is, without
    /// interning it again: the same answers as `apply`, for less work.
    fn transition(&mut self, state: u32, op: &Op, want: Option<&Reply>) -> Option<u32> {
        let State::Value(cur) = &self.states[state as usize] else {
            let (next, reply) = apply(&self.states[state as usize], op)?;
            if want.is_some_and(|r| *r != reply) {
                return None;
            }
            return Some(self.intern(next));
        };
        let ok = |r: &Reply, value: Option<&str>| r.ok && r.value.as_deref() == value;
        let next = match op {
            Op::Get { .. } => {
                if want.is_some_and(|r| !ok(r, cur.as_deref())) {
                    return None;
                }
                return Some(state);
            }
            Op::Put { value, .. } => {
                if want.is_some_and(|r| !ok(r, Some(value))) {
                    return None;
                }
                State::Value(Some(value.clone()))
            }
            Op::Append { value, .. } => {
                let head = cur.as_deref().unwrap_or("");
                // The reply is the new value, `head` then `value`: compared in place.
                let matches = |r: &Reply| {
                    r.ok && r.value.as_deref().is_some_and(|v| {
                        v.len() == head.len() + value.len()
                            && v.starts_with(head)
                            && v.ends_with(value.as_str())
                    })
                };
                if want.is_some_and(|r| !matches(r)) {
                    return None;
                }
                let mut v = alloc::string::String::with_capacity(head.len() + value.len());
                v.push_str(head);
                v.push_str(value);
                State::Value(Some(v))
            }
            Op::Cas { expect, new, .. } => {
                if cur == expect {
                    if want.is_some_and(|r| !ok(r, Some(new))) {
                        return None;
                    }
                    State::Value(Some(new.clone()))
                } else {
                    // A failed cas answers the current value and changes nothing.
                    if want.is_some_and(|r| r.ok || r.value != *cur) {
                        return None;
                    }
                    return Some(state);
                }
            }
            Op::Task { .. } => return None,
        };
        Some(self.intern(next))
    }

    /// The reply `op` must match: `None` if unconstrained (not completed by the cut, or no
    /// reply kept).
    fn recorded(&self, i: usize) -> Option<&'a Reply> {
        let h = &self.history[self.part.items[i].hist];
        if i < self.part.done {
            h.reply.as_ref()
        } else {
            None
        }
    }

    fn run(&mut self, max_steps: u64) -> Outcome {
        self.search(max_steps, None)
    }

    /// The search. With `ends`, it does not stop at the first order that explains every
    /// reply: it explores them all (each (set, state) pair once) and collects the state each
    /// leaves; linearizable if there is one.
    fn search(&mut self, max_steps: u64, mut ends: Option<&mut BTreeSet<State>>) -> Outcome {
        let mut state: u32 = 0;
        // (local op index, state before it)
        let mut stack: Vec<(usize, u32)> = Vec::new();
        let mut resume = 0usize;
        let mut cands = Vec::new();
        loop {
            if self.placed == self.part.done {
                let Some(ends) = ends.as_deref_mut() else {
                    return Outcome::Linearizable;
                };
                ends.insert(self.states[state as usize].clone());
                // Back up for the other orders.
                let Some((c, prev)) = stack.pop() else {
                    return Outcome::Linearizable;
                };
                self.set_lin(c, false);
                state = prev;
                resume = c + 1;
                continue;
            }
            self.candidates(&mut cands);
            let mut advanced = false;
            for &c in cands.iter().filter(|&&c| c >= resume) {
                if self.steps >= max_steps {
                    return Outcome::Unknown;
                }
                self.steps += 1;
                let op = &self.history[self.part.items[c].hist].op;
                let Some(next) = self.transition(state, op, self.recorded(c)) else {
                    continue;
                };
                self.set_lin(c, true);
                if self.visit(next) {
                    stack.push((c, state));
                    state = next;
                    resume = 0;
                    advanced = true;
                    break;
                }
                self.set_lin(c, false);
            }
            if advanced {
                continue;
            }
            if resume == 0
                && self
                    .deepest
                    .as_ref()
                    .is_none_or(|d| stack.len() > d.prefix.len())
            {
                self.deepest = Some(DeadEnd {
                    prefix: stack.iter().map(|&(i, _)| i).collect(),
                    state,
                    stuck: cands.clone(),
                });
            }
            let Some((c, prev)) = stack.pop() else {
                return match ends {
                    Some(e) if !e.is_empty() => Outcome::Linearizable,
                    _ => Outcome::Violation,
                };
            };
            self.set_lin(c, false);
            state = prev;
            resume = c + 1;
        }
    }

    /// The witness of a search that found no order, on the key's events up to place `cut`.
    fn violation(&self, key: Key, cut: u64, order: Order) -> NonLinearizable {
        let hist = |local: &usize| self.part.items[*local].hist;
        let whole = |i: usize| i + self.first;
        let (prefix, stuck_local, state) = match &self.deepest {
            Some(d) => (
                d.prefix.iter().map(hist).collect::<Vec<_>>(),
                d.stuck.clone(),
                self.states[d.state as usize].clone(),
            ),
            None => (Vec::new(), Vec::new(), self.states[0].clone()),
        };
        let stuck: Vec<usize> = stuck_local.iter().map(hist).collect();
        // The last event of the cut: the latest invocation or completion at or before it.
        let at = self
            .part
            .items
            .iter()
            .flat_map(|it| [it.invoke, it.ret])
            .filter(|&p| p <= cut && p != u64::MAX)
            .max()
            .unwrap_or(0);
        let when = match order {
            Order::Sequence => {
                let ms = self.part.items.iter().find_map(|it| {
                    let h = &self.history[it.hist];
                    if it.invoke == at {
                        Some(h.invoke)
                    } else {
                        (it.ret == at).then_some(h.complete).flatten()
                    }
                });
                format!("event {at} ({} ms)", ms.unwrap_or(0))
            }
            Order::Time => format!("{at} ms"),
        };
        let mut text = format!(
            "{key} is not linearizable, as of {when}: of the {} operations to place, no order \
             explains the replies of more than the first {}",
            self.part.items.len(),
            prefix.len()
        );
        if !prefix.is_empty() {
            let shown = prefix.len().min(3);
            text.push_str(if prefix.len() > shown {
                " (ending "
            } else {
                " ("
            });
            for (n, &i) in prefix[prefix.len() - shown..].iter().enumerate() {
                if n > 0 {
                    text.push_str(", ");
                }
                text.push_str(&describe(whole(i), &self.history[i]));
            }
            text.push(')');
        }
        let lead = if prefix.is_empty() {
            "starting from"
        } else {
            "which leave"
        };
        text.push_str(&format!(", {lead} {}. ", show_state(&state)));
        text.push_str("None of the operations that could come next fits: ");
        const MAX_SHOWN: usize = 6;
        for (n, &local) in stuck_local.iter().take(MAX_SHOWN).enumerate() {
            if n > 0 {
                text.push_str("; ");
            }
            let i = hist(&local);
            let h = &self.history[i];
            text.push_str(&describe(whole(i), h));
            match (apply(&state, &h.op), self.recorded(local)) {
                (Some((_, would)), Some(got)) => text.push_str(&format!(
                    " replied {} but would reply {}",
                    show_reply(got),
                    show_reply(&would)
                )),
                _ => text.push_str(" (reply unconstrained; every way on from here was explored)"),
            }
        }
        if stuck.len() > MAX_SHOWN {
            text.push_str(&format!("; and {} more", stuck.len() - MAX_SHOWN));
        }
        text.push('.');
        NonLinearizable {
            key,
            at,
            ops: self.part.items.len(),
            prefix: prefix.into_iter().map(whole).collect(),
            stuck: stuck.into_iter().map(whole).collect(),
            explanation: text,
        }
    }
}

// ----- rendering -----------------------------------------------------------------------------

fn show_op(op: &Op) -> String {
    match op {
        Op::Put { key, value } => format!("put({key:?}, {value:?})"),
        Op::Get { key } => format!("get({key:?})"),
        Op::Append { key, value } => format!("append({key:?}, {value:?})"),
        Op::Cas { key, expect, new } => match expect {
            Some(e) => format!("cas({key:?}, {e:?} -> {new:?})"),
            None => format!("cas({key:?}, absent -> {new:?})"),
        },
        Op::Task { id } => format!("task({id})"),
    }
}

fn show_value(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "absent".into(),
    }
}

fn show_reply(r: &Reply) -> String {
    if r.ok {
        format!("ok {}", show_value(&r.value))
    } else {
        format!("failed with {}", show_value(&r.value))
    }
}

fn show_state(s: &State) -> String {
    match s {
        State::Value(v) => format!("the value {}", show_value(v)),
        State::Count(n) => format!("the task executed {n} time(s)"),
    }
}

fn describe(i: usize, h: &HistoryOp) -> String {
    let end = match h.complete {
        Some(c) => format!("{c}"),
        None => "never".into(),
    };
    // Sequence numbers order events within a millisecond: shown when recorded.
    let events = match (h.invoke_seq, h.complete.map(|_| h.complete_seq)) {
        (0, _) => String::new(),
        (a, Some(b)) if b > 0 => format!(", events {a}..{b}"),
        (a, _) => format!(", event {a}.."),
    };
    format!(
        "#{i} client {} {} [{}..{end} ms{events}]",
        h.client,
        show_op(&h.op),
        h.invoke
    )
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::app::{Command, KvStore};
    use crate::rng::SimRng;

    fn s(v: &str) -> String {
        v.to_string()
    }
    fn put(k: &str, v: &str) -> Op {
        Op::Put {
            key: s(k),
            value: s(v),
        }
    }
    fn get(k: &str) -> Op {
        Op::Get { key: s(k) }
    }
    fn append(k: &str, v: &str) -> Op {
        Op::Append {
            key: s(k),
            value: s(v),
        }
    }
    fn cas(k: &str, expect: Option<&str>, new: &str) -> Op {
        Op::Cas {
            key: s(k),
            expect: expect.map(s),
            new: s(new),
        }
    }
    fn ok(v: Option<&str>) -> Reply {
        Reply {
            ok: true,
            value: v.map(s),
        }
    }
    fn failed(v: Option<&str>) -> Reply {
        Reply {
            ok: false,
            value: v.map(s),
        }
    }
    /// A completed operation.
    fn done(client: u64, op: Op, invoke: u64, complete: u64, reply: Reply) -> HistoryOp {
        HistoryOp::new(client, op, invoke).completed(complete, reply)
    }
    /// An operation that never completed.
    fn open(client: u64, op: Op, invoke: u64) -> HistoryOp {
        HistoryOp::new(client, op, invoke)
    }
    fn proven(h: &[HistoryOp]) -> CheckStats {
        match check(h) {
            Ok(stats) if stats.is_proven() => stats,
            Ok(stats) => panic!("undecided: {stats:?}"),
            Err(e) => panic!("unexpected violation: {e}"),
        }
    }
    fn violation(h: &[HistoryOp]) -> NonLinearizable {
        match check(h) {
            Ok(stats) => panic!("expected a violation, got {stats:?}"),
            Err(e) => e,
        }
    }

    /// `Seen` answers as a set of (state, completed set, incomplete set) triples kept up to
    /// dominance would, whatever collides: a triple is new unless one with the same state and
    /// completed set and a subset of its incomplete set was added.
    #[test]
    fn seen_is_a_set_of_triples_up_to_dominance() {
        for collide in [false, true] {
            seen_is_a_set_up_to_dominance_when(collide);
        }
    }

    fn seen_is_a_set_up_to_dominance_when(collide: bool) {
        let mut seen = Seen {
            collide,
            ..Seen::default()
        };
        let mut added: Vec<(u32, Vec<u64>, Vec<u64>)> = Vec::new();
        let (mut new, mut dominated) = (0, 0);
        let mut x: u64 = 3;
        for _ in 0..4_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let state = (x >> 61) as u32;
            let done: Vec<u64> = (0..(x >> 40) % 3).map(|k| (x >> (20 + k)) % 3).collect();
            let pending: Vec<u64> = (0..2).map(|k| (x >> (30 + 3 * k)) & 0b111).collect();
            let covered = added.iter().any(|(s, d, p)| {
                *s == state && *d == done && p.iter().zip(&pending).all(|(a, b)| a & !b == 0)
            });
            if covered && !added.contains(&(state, done.clone(), pending.clone())) {
                dominated += 1;
            }
            if !covered {
                new += 1;
                added.push((state, done.clone(), pending.clone()));
            }
            assert_eq!(
                seen.insert(state, &done, &pending),
                !covered,
                "{state} {done:?} {pending:?}"
            );
        }
        assert!(
            new > 100 && dominated > 100,
            "{new} new, {dominated} dominated"
        );
    }

    /// Whether some order explains `h`, by trying every order of every set of operations that
    /// holds all the completed ones (no memory, no pruning): the oracle for small histories
    /// whose times are all distinct.
    fn brute_force(h: &[HistoryOp]) -> bool {
        fn go(h: &[HistoryOp], used: &mut Vec<bool>, state: &State) -> bool {
            if (0..h.len()).all(|i| used[i] || h[i].complete.is_none()) {
                return true;
            }
            for i in 0..h.len() {
                // Not yet placed, and no unplaced op completed before it was invoked.
                if used[i]
                    || (0..h.len())
                        .any(|j| !used[j] && h[j].complete.is_some_and(|c| c < h[i].invoke))
                {
                    continue;
                }
                let Some((next, reply)) = apply(state, &h[i].op) else {
                    continue;
                };
                if h[i].complete.is_some() && h[i].reply.as_ref() != Some(&reply) {
                    continue;
                }
                used[i] = true;
                let found = go(h, used, &next);
                used[i] = false;
                if found {
                    return true;
                }
            }
            false
        }
        let init = State::initial(&Key::of(&h[0].op));
        go(h, &mut vec![false; h.len()], &init)
    }

    /// The search (with its memory kept up to dominance) agrees with [`brute_force`] on small
    /// random histories of one key with incomplete operations, linearizable ones and ones with
    /// one reply changed. Seen failing with `Seen` taking a superset of the incomplete ops as
    /// covering (a configuration with more of them linearized pruning one with fewer).
    #[test]
    fn the_search_agrees_with_trying_every_order() {
        let values = ["1", "2", "12"];
        let (mut yes, mut no) = (0, 0);
        for seed in 0..3_000u64 {
            let mut rng = SimRng::new(seed);
            let n = rng.range(2, 7) as usize;
            // Each op: client, invocation, completion (None: never), effect point (None:
            // never), the op; times distinct (multiples of 8 plus the client).
            let mut clock = [0u64; 3];
            // A client whose op never completed issues no more.
            let mut stopped = [false; 3];
            let mut ops = Vec::new();
            for _ in 0..n {
                let free: Vec<usize> = (0..3).filter(|&c| !stopped[c]).collect();
                if free.is_empty() {
                    break;
                }
                let c = free[rng.range(0, free.len() as u64 - 1) as usize];
                let invoke = clock[c] + 8 * rng.range(1, 4) + c as u64;
                let len = 8 * rng.range(0, 6);
                let pending = rng.chance(250_000);
                // An effect point strictly inside the op (in 16ths of a time unit), or never
                // for some of the incomplete ones.
                let point = (!pending || rng.chance(500_000))
                    .then(|| invoke * 16 + 1 + rng.range(0, len * 16));
                let complete = (!pending).then_some(invoke + len + 3);
                stopped[c] = pending;
                clock[c] = complete.unwrap_or(0);
                let v = values[rng.range(0, 2) as usize];
                let op = match rng.range(0, 3) {
                    0 => put("k", v),
                    1 => append("k", v),
                    2 => {
                        let expect = (!rng.chance(300_000)).then_some(v);
                        cas("k", expect, values[rng.range(0, 2) as usize])
                    }
                    _ => get("k"),
                };
                ops.push((c as u64, invoke, complete, point, op));
            }
            // Replies from running the ops at their effect points.
            let mut order: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].3.is_some()).collect();
            order.sort_by_key(|&i| ops[i].3);
            let mut state = State::initial(&Key::Kv("k".into()));
            let mut replies = vec![None; ops.len()];
            for &i in &order {
                let (next, reply) = apply(&state, &ops[i].4).unwrap();
                state = next;
                replies[i] = Some(reply);
            }
            let mut h: Vec<HistoryOp> = ops
                .iter()
                .zip(&replies)
                .map(|((c, invoke, complete, _, op), reply)| match complete {
                    Some(t) => done(*c, op.clone(), *invoke, *t, reply.clone().unwrap()),
                    None => open(*c, op.clone(), *invoke),
                })
                .collect();
            if rng.chance(500_000) {
                let completed: Vec<usize> =
                    (0..h.len()).filter(|&i| h[i].complete.is_some()).collect();
                if let Some(&i) =
                    completed.get(rng.range(0, completed.len().max(1) as u64 - 1) as usize)
                {
                    h[i].reply = Some(ok(Some(values[rng.range(0, 2) as usize])));
                }
            }
            let expected = brute_force(&h);
            let got = check(&h).is_ok();
            assert_eq!(got, expected, "seed {seed}: {h:#?}");
            if expected {
                yes += 1;
            } else {
                no += 1;
            }
        }
        assert!(yes > 500 && no > 300, "{yes} linearizable, {no} not");
    }

    /// The search's shortcut, `Search::transition`, leads where `apply` and a reply check
    /// lead, for every pairing of small states, operations and recorded replies.
    #[test]
    fn transition_agrees_with_apply() {
        let values = [None, Some(""), Some("1"), Some("12"), Some("2")];
        let mut ops = Vec::new();
        for v in ["", "1", "2"] {
            ops.push(put("k", v));
            ops.push(append("k", v));
            for e in values {
                ops.push(cas("k", e, v));
            }
        }
        ops.push(get("k"));
        ops.push(Op::Task { id: 1 });
        let mut wants = vec![None];
        for v in values {
            wants.push(Some(ok(v)));
            wants.push(Some(failed(v)));
        }
        let history = [done(1, get("k"), 0, 1, ok(None))];
        let part = Part::new(&history, &[0], Order::Time, u64::MAX);
        for init in values
            .iter()
            .map(|v| State::Value(v.map(String::from)))
            .chain([State::Count(0)])
        {
            for op in &ops {
                for want in &wants {
                    let mut search = Search::new(&part, &history, init.clone(), 0);
                    let expected = apply(&init, op)
                        .filter(|(_, reply)| want.as_ref().is_none_or(|w| w == reply))
                        .map(|(next, _)| next);
                    let got = search
                        .transition(0, op, want.as_ref())
                        .map(|id| search.states[id as usize].clone());
                    assert_eq!(got, expected, "{init:?} {op:?} {want:?}");
                }
            }
        }
    }

    #[test]
    fn empty_history_is_linearizable() {
        let stats = proven(&[]);
        assert_eq!((stats.keys, stats.ops, stats.steps), (0, 0, 0));
    }

    #[test]
    fn sequential_history_matching_the_store() {
        let h = [
            done(1, get("a"), 0, 1, ok(None)),
            done(1, put("a", "1"), 2, 3, ok(Some("1"))),
            done(2, get("a"), 4, 5, ok(Some("1"))),
            done(1, append("a", "2"), 6, 7, ok(Some("12"))),
            done(2, cas("a", Some("12"), "x"), 8, 9, ok(Some("x"))),
            done(1, cas("a", Some("nope"), "y"), 10, 11, failed(Some("x"))),
            done(2, cas("b", None, "z"), 12, 13, ok(Some("z"))),
            done(1, append("c", "q"), 14, 15, ok(Some("q"))),
            done(2, cas("d", Some("1"), "z"), 16, 17, failed(None)),
        ];
        let stats = proven(&h);
        assert_eq!((stats.keys, stats.ops), (4, 9));
        assert!(stats.steps >= 9);
    }

    #[test]
    fn sequential_history_with_a_wrong_read() {
        let h = [
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(2, get("a"), 2, 3, ok(Some("2"))),
            done(1, put("b", "1"), 4, 5, ok(Some("1"))),
        ];
        let e = violation(&h);
        assert_eq!(e.key, Key::Kv(s("a")));
        assert_eq!(e.ops, 2);
        assert_eq!(e.prefix, [0]);
        assert_eq!(e.stuck, [1]);
        assert!(e.explanation.contains("key \"a\""), "{e}");
        assert!(
            e.explanation
                .contains("replied ok \"2\" but would reply ok \"1\""),
            "{e}"
        );
    }

    #[test]
    fn wrong_replies_to_writes_are_caught() {
        // A put must echo its value; an append must reply the concatenation.
        violation(&[done(1, put("a", "1"), 0, 1, ok(Some("2")))]);
        violation(&[done(1, put("a", "1"), 0, 1, failed(Some("1")))]);
        violation(&[
            done(1, append("a", "x"), 0, 1, ok(Some("x"))),
            done(1, append("a", "y"), 2, 3, ok(Some("y"))),
        ]);
    }

    #[test]
    fn overlapping_writes_may_take_effect_in_either_order() {
        for read in ["1", "2"] {
            let h = [
                done(1, put("a", "1"), 0, 10, ok(Some("1"))),
                done(2, put("a", "2"), 1, 9, ok(Some("2"))),
                done(3, get("a"), 20, 21, ok(Some(read))),
            ];
            proven(&h);
        }
        // A read overlapping both writes may see either value, or none yet.
        for read in [None, Some("1"), Some("2")] {
            let h = [
                done(1, put("a", "1"), 0, 10, ok(Some("1"))),
                done(2, put("a", "2"), 1, 9, ok(Some("2"))),
                done(3, get("a"), 5, 6, ok(read)),
            ];
            proven(&h);
        }
        // ...but a value nobody wrote is wrong.
        violation(&[
            done(1, put("a", "1"), 0, 10, ok(Some("1"))),
            done(2, put("a", "2"), 1, 9, ok(Some("2"))),
            done(3, get("a"), 5, 6, ok(Some("3"))),
        ]);
    }

    #[test]
    fn reads_cannot_go_back_in_time() {
        // Two reads concurrent with a write, one after the other: new then old is impossible.
        let h = [
            done(1, put("a", "1"), 0, 10, ok(Some("1"))),
            done(2, get("a"), 2, 3, ok(Some("1"))),
            done(2, get("a"), 4, 5, ok(None)),
        ];
        let e = violation(&h);
        assert_eq!(e.stuck, [2], "{e}");
        // Old then new is fine.
        let h = [
            done(1, put("a", "1"), 0, 10, ok(Some("1"))),
            done(2, get("a"), 2, 3, ok(None)),
            done(2, get("a"), 4, 5, ok(Some("1"))),
        ];
        proven(&h);
    }

    #[test]
    fn stale_read_after_a_completed_write_fails() {
        let h = [
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(1, put("a", "2"), 2, 3, ok(Some("2"))),
            done(2, get("a"), 4, 5, ok(Some("1"))),
        ];
        let e = violation(&h);
        assert_eq!(e.prefix, [0, 1]);
        assert!(e.explanation.contains("the value \"2\""), "{e}");
    }

    #[test]
    fn equal_times_order_one_clients_operations_only() {
        // Another client's read invoked the millisecond the write completed may precede it.
        proven(&[
            done(1, put("a", "1"), 0, 5, ok(Some("1"))),
            done(2, get("a"), 5, 6, ok(None)),
        ]);
        // The writer's own next operation comes after it.
        violation(&[
            done(1, put("a", "1"), 0, 5, ok(Some("1"))),
            done(1, get("a"), 5, 6, ok(None)),
        ]);
    }

    #[test]
    fn incomplete_write_observed_later_is_fine() {
        let h = [
            open(1, put("a", "1"), 0),
            done(2, get("a"), 10, 11, ok(None)),
            done(2, get("a"), 100, 101, ok(Some("1"))),
            done(3, get("a"), 102, 103, ok(Some("1"))),
        ];
        proven(&h);
    }

    #[test]
    fn incomplete_write_never_observed_is_fine() {
        let h = [
            open(1, put("a", "1"), 0),
            open(3, get("a"), 1),
            done(2, get("a"), 5, 6, ok(None)),
            done(2, get("a"), 700, 701, ok(None)),
        ];
        proven(&h);
    }

    #[test]
    fn incomplete_write_cannot_take_effect_before_its_invocation_or_twice() {
        // Observed before it was invoked.
        violation(&[
            done(2, get("a"), 0, 1, ok(Some("1"))),
            open(1, put("a", "1"), 5),
        ]);
        // Observed, then gone again.
        violation(&[
            open(1, put("a", "1"), 0),
            done(2, get("a"), 10, 11, ok(Some("1"))),
            done(2, get("a"), 20, 21, ok(None)),
        ]);
        // An incomplete append observed once only, not doubled.
        violation(&[
            open(1, append("a", "x"), 0),
            done(2, get("a"), 10, 11, ok(Some("xx"))),
        ]);
    }

    #[test]
    fn incomplete_cas_follows_the_model() {
        // An unfinished cas that took effect: only possible while its expected value was there.
        proven(&[
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            open(2, cas("a", Some("1"), "2"), 2),
            done(3, get("a"), 5, 6, ok(Some("2"))),
        ]);
        violation(&[
            done(1, put("a", "0"), 0, 1, ok(Some("0"))),
            open(2, cas("a", Some("1"), "2"), 2),
            done(3, get("a"), 5, 6, ok(Some("2"))),
        ]);
    }

    #[test]
    fn cas_with_a_wrong_reply_fails() {
        // The cas should have succeeded.
        let e = violation(&[
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(2, cas("a", Some("1"), "2"), 2, 3, failed(Some("1"))),
        ]);
        assert!(e.explanation.contains("failed with \"1\""), "{e}");
        // The cas should have failed.
        violation(&[
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(2, cas("a", Some("0"), "2"), 2, 3, ok(Some("2"))),
        ]);
        // A failed cas reports the current value.
        violation(&[
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(2, cas("a", Some("0"), "2"), 2, 3, failed(None)),
        ]);
        // Two cas from the same value, concurrent: only one can win.
        violation(&[
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(2, cas("a", Some("1"), "2"), 2, 10, ok(Some("2"))),
            done(3, cas("a", Some("1"), "3"), 2, 10, ok(Some("3"))),
        ]);
        proven(&[
            done(1, put("a", "1"), 0, 1, ok(Some("1"))),
            done(2, cas("a", Some("1"), "2"), 2, 10, ok(Some("2"))),
            done(3, cas("a", Some("1"), "3"), 2, 10, failed(Some("2"))),
        ]);
    }

    #[test]
    fn tasks_are_counters_of_their_own() {
        let task = |id| Op::Task { id };
        // Each task once: reply "1".
        let stats = proven(&[
            done(1, task(1), 0, 5, ok(Some("1"))),
            done(2, task(2), 1, 6, ok(Some("1"))),
            done(1, put("", "x"), 7, 8, ok(Some("x"))),
        ]);
        assert_eq!(stats.keys, 3);
        // A task whose only operation reports a second execution: its effect happened twice.
        let e = violation(&[
            done(1, task(1), 0, 5, ok(Some("1"))),
            done(2, task(2), 1, 6, ok(Some("2"))),
        ]);
        assert_eq!(e.key, Key::Task(2));
        assert!(e.explanation.contains("task 2"), "{e}");
        // Two submissions of one task (two operations) may count 1 and 2, in either order when
        // they overlap, but not 1 and 1.
        proven(&[
            done(1, task(4), 0, 10, ok(Some("2"))),
            done(2, task(4), 1, 9, ok(Some("1"))),
        ]);
        violation(&[
            done(1, task(4), 0, 10, ok(Some("1"))),
            done(2, task(4), 1, 9, ok(Some("1"))),
        ]);
        // An unfinished submission may have counted.
        proven(&[open(1, task(5), 0), done(2, task(5), 1, 9, ok(Some("2")))]);
    }

    /// A read invoked in the same millisecond as a write completed, but after it (sequence
    /// numbers 5 and 4), must see the write: reading the older value is a stale read. By
    /// milliseconds alone the two would look concurrent and the stale read would pass.
    #[test]
    fn a_stale_read_invoked_in_the_millisecond_a_write_completed_is_caught() {
        let history = |read_invoked_after_the_write: bool| {
            let (write_done, read_start) = if read_invoked_after_the_write {
                (4, 5)
            } else {
                (5, 4)
            };
            [
                done(1, put("a", "1"), 0, 2, ok(Some("1"))).sequenced(1, 2),
                done(1, put("a", "2"), 3, 5, ok(Some("2"))).sequenced(3, write_done),
                done(2, get("a"), 5, 6, ok(Some("1"))).sequenced(read_start, 6),
            ]
        };
        let e = violation(&history(true));
        assert_eq!(e.key, Key::Kv(s("a")));
        assert_eq!(e.stuck, vec![2], "{e}");
        assert_eq!(e.at, 6, "decided when the read returned: {e}");
        assert!(e.explanation.contains("as of event 6 (6 ms)"), "{e}");
        // Invoked just before the write completed, the read may take effect before it.
        proven(&history(false));
    }

    /// The simulator numbers every invocation and completion once, in the order they happen,
    /// which agrees with their times; so its histories are ordered by sequence number.
    #[test]
    fn simulated_histories_are_ordered_by_sequence_numbers() {
        let out = crate::schedule::run_check(42, 5, 3_000, crate::schedule::Faults::ALL, false);
        let h = out.world.history();
        assert!(h.len() > 50, "{} operations", h.len());
        assert_eq!(Order::of(h), Order::Sequence);
        let mut events: Vec<(u64, u64)> = Vec::new();
        for op in h {
            assert_eq!(op.complete.is_some(), op.complete_seq > 0, "{op:?}");
            events.push((op.invoke_seq, op.invoke));
            if let Some(t) = op.complete {
                assert!(op.complete_seq > op.invoke_seq, "{op:?}");
                events.push((op.complete_seq, t));
            }
        }
        events.sort_unstable();
        let seqs: Vec<u64> = events.iter().map(|e| e.0).collect();
        assert_eq!(
            seqs,
            (1..=events.len() as u64).collect::<Vec<_>>(),
            "each number once"
        );
        assert!(
            events.windows(2).all(|w| w[0].1 <= w[1].1),
            "times never go back"
        );
        assert!(check(h).is_ok_and(|s| s.is_proven()));
    }

    /// The witness stops at the earliest event after which no order fits: here the stale
    /// read's completion, not the hundred correct operations that follow it.
    #[test]
    fn the_witness_ends_at_the_event_that_decides() {
        let mut h = vec![
            done(1, put("a", "1"), 0, 2, ok(Some("1"))),
            done(1, put("a", "2"), 3, 5, ok(Some("2"))),
            done(2, get("a"), 6, 7, ok(Some("1"))),
        ];
        for k in 0..100 {
            let t = 10 + 2 * k;
            h.push(done(3, append("a", "x"), t, t + 1, ok(None)));
        }
        // The appends' replies are wrong too, but the read already decides.
        let e = violation(&h);
        assert_eq!((e.at, e.ops, e.stuck.clone()), (7, 3, vec![2]), "{e}");
        assert!(e.explanation.contains("as of 7 ms"), "{e}");
        // Sequenced, the same: event 6 is the read's completion.
        let seq: Vec<HistoryOp> = h
            .iter()
            .enumerate()
            .map(|(k, op)| op.clone().sequenced(2 * k as u64 + 1, 2 * k as u64 + 2))
            .collect();
        let e = violation(&seq);
        assert_eq!((e.at, e.ops), (6, 3), "{e}");
    }

    #[test]
    fn budget_exhaustion_is_unknown_not_a_verdict() {
        let h = [
            done(1, put("a", "1"), 0, 10, ok(Some("1"))),
            done(2, put("a", "2"), 1, 9, ok(Some("2"))),
            done(3, get("a"), 5, 6, ok(Some("3"))),
            done(3, get("b"), 5, 6, ok(None)),
        ];
        let stats = check_with_budget(&h, 2).expect("no verdict within 2 steps");
        assert_eq!(stats.unknown_keys, [Key::Kv(s("a"))]);
        assert!(!stats.is_proven());
        assert!(check_with_budget(&h, 1_000).is_err());
        let stats = check_with_budget(&h[..2], 0).unwrap();
        assert_eq!(stats.unknown_keys, [Key::Kv(s("a"))]);
    }

    // ----- randomized: a real sequential store, random overlapping intervals ----------------

    /// A history made by running `ops` operations through a real [`KvStore`] in the order of
    /// random linearization points, each inside a random interval of its client. Clients have
    /// one operation outstanding at a time; some clients' last operation never completes (and
    /// may or may not have taken effect). Linearizable by construction.
    fn generate(seed: u64, ops: usize, keys: u64, clients: u64) -> Vec<HistoryOp> {
        let mut rng = SimRng::new(seed);
        let mut free_at = vec![0u64; clients as usize];
        // (linearization point, history index, applied?)
        let mut points = Vec::new();
        let mut history = Vec::new();
        for _ in 0..ops {
            let c = rng.range(0, clients - 1);
            let invoke = free_at[c as usize] + rng.range(0, 3);
            let lp = invoke + rng.range(0, 8);
            let complete = lp + rng.range(0, 8);
            free_at[c as usize] = complete + rng.range(0, 2);
            let key = format!("k{}", rng.range(0, keys - 1));
            let v = format!("{}", rng.range(0, 4));
            let op = match rng.range(0, 9) {
                0..=2 => Op::Put { key, value: v },
                3..=5 => Op::Get { key },
                6 | 7 => Op::Append { key, value: v },
                _ => Op::Cas {
                    key,
                    expect: rng.chance(200_000).then(|| format!("{}", rng.range(0, 4))),
                    new: v,
                },
            };
            points.push((lp, history.len()));
            let mut h = HistoryOp::new(c, op, invoke);
            h.complete = Some(complete);
            history.push(h);
        }
        points.sort_unstable();
        // Each client's last operation may never have reached the store.
        let mut last = BTreeMap::new();
        for (i, h) in history.iter().enumerate() {
            last.insert(h.client, i);
        }
        let lost: BTreeSet<usize> = last
            .values()
            .copied()
            .filter(|_| rng.chance(500_000))
            .collect();
        let mut kv = KvStore::default();
        for (seq, &(_, i)) in points.iter().enumerate() {
            if !lost.contains(&i) {
                let cmd = Command {
                    client: 0,
                    seq: seq as u64 + 1,
                    op: history[i].op.clone(),
                };
                history[i].reply = kv.apply(&cmd).0;
            }
        }
        // Operations that did not reply never completed. Some that took effect are also left
        // hanging (the reply was lost).
        for (n, &i) in last.values().enumerate() {
            if history[i].reply.is_none() || n % 2 == 0 {
                history[i].complete = None;
                history[i].reply = None;
            }
        }
        assert!(history
            .iter()
            .all(|h| h.complete.is_some() == h.reply.is_some()));
        history
    }

    #[test]
    fn random_linearizable_histories_pass() {
        for seed in 0..40 {
            let h = generate(seed, 300, 3, 4);
            let stats = proven(&h);
            assert_eq!(stats.ops, 300);
        }
    }

    #[test]
    fn random_histories_with_one_corrupted_reply_fail() {
        for seed in 0..40 {
            let h = generate(seed, 300, 3, 4);
            let mut rng = SimRng::new(seed ^ 0xdead);
            // A read of a value nobody wrote.
            let gets: Vec<usize> = (0..h.len())
                .filter(|&i| matches!(h[i].op, Op::Get { .. }) && h[i].complete.is_some())
                .collect();
            let g = gets[rng.range(0, gets.len() as u64 - 1) as usize];
            let mut bad = h.clone();
            bad[g].reply = Some(ok(Some("never written")));
            let e = check(&bad).expect_err("bogus read accepted");
            assert_eq!(e.key, Key::of(&h[g].op));
            assert!(e.stuck.contains(&g), "seed {seed}: {e}");

            // A read of "absent" after a write to its key completed (keys are never deleted).
            let stale = gets.iter().copied().find(|&g| {
                h.iter().any(|w| {
                    w.op.key() == h[g].op.key()
                        && !matches!(w.op, Op::Get { .. })
                        && w.reply.as_ref().is_some_and(|r| r.ok)
                        && w.complete.is_some_and(|c| c < h[g].invoke)
                        && h[g].reply.as_ref().is_some_and(|r| r.value.is_some())
                })
            });
            if let Some(g) = stale {
                let mut bad = h.clone();
                bad[g].reply = Some(ok(None));
                let e = check(&bad).expect_err("stale read accepted");
                assert_eq!(e.key, Key::of(&h[g].op), "seed {seed}: {e}");
            }

            // A put that does not echo its value.
            if let Some(p) =
                (0..h.len()).find(|&i| matches!(h[i].op, Op::Put { .. }) && h[i].complete.is_some())
            {
                let mut bad = h.clone();
                bad[p].reply = Some(ok(Some("other")));
                check(&bad).expect_err("wrong put reply accepted");
            }
        }
    }

    /// The size the simulator produces: a few thousand operations, 3 keys, 4 clients.
    #[test]
    fn large_history_is_decided_quickly() {
        let h = generate(2024, 2_000, 3, 4);
        let t = std::time::Instant::now();
        let stats = proven(&h);
        let ok_time = t.elapsed();
        let g = h
            .iter()
            .rposition(|x| matches!(x.op, Op::Get { .. }) && x.complete.is_some())
            .unwrap();
        let mut bad = h.clone();
        bad[g].reply = Some(ok(Some("never written")));
        let t = std::time::Instant::now();
        let e = check(&bad).expect_err("bogus read accepted");
        let bad_time = t.elapsed();
        std::eprintln!(
            "2,000 ops / 3 keys / 4 clients: linearizable in {ok_time:?} ({} steps); \
             corrupted read found in {bad_time:?} (prefix {} of {})",
            stats.steps,
            e.prefix.len(),
            e.ops
        );
    }
}
