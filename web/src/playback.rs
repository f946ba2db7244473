//! Recorded runs: a trace whose records did not come from raft-sim's world, shown as recorded.
//!
//! A trace made by `raft-sim grade` from a classroom node (header field `byo`), or exported from
//! anything else (header field `recorded`: `{"source": "byo" | "raft-kv" | …, "note"}`, a real
//! raft-kv cluster's run, say) cannot be replayed from its header's options: that would run
//! raft-core, not what recorded it. The page instead folds the records themselves into the
//! state every view draws ([`Playback`]): roles, terms and votes, logs as stored, commit and
//! applied indexes, messages in flight, crashes and restarts, client operations, violations,
//! and the event log's sentences ([`view_model::diff`], as for a simulated run). Time travel
//! folds the records again from the start up to the time asked for.
//!
//! What a trace does not record is not drawn: timers (no arcs), the leader's view of each
//! follower's progress, link states (a cut shows only as its dropped messages), configuration
//! changes (every node is drawn as a voter).
//!
//! Plain Rust (no Yew, no browser), so every path is tested natively. Bounds: the page's input
//! limit ([`share::MAX_INPUT`]) on the text, at most [`MAX_RECORDS`] records and
//! [`share::MAX_NODES`] nodes, and the trace format's bounds on every time and integer
//! (docs/formats.md, Trace, **Bounds**).
//!
//! Reading a recording ([`parse`]) is the trace reader's work (a part of its own, downloaded
//! when a trace is opened: `crate::files`), which hands the page the recording in a
//! form of its own ([`compact`]); playing it ([`Playback`]) is the page's.

pub mod compact;

use std::collections::BTreeMap;

use raft_core::{Entry, Index, NodeId, Role, Term};
use raft_sim::network::InFlight;
use raft_sim::trace::{
    HashScheme, SnapshotSource, TraceEvent, TraceHash, TraceRecord, MAX_INTEGER, MAX_TIME_MS,
};
use raft_sim::Violation;
use serde_json::Value;

use crate::share;
use crate::sim_driver::driver::EVENT_LOG_CAP;
use crate::view_model::{
    self, cluster, logs, messages, EventKind, EventLine, LinkLine, LinkView, MemberView,
    MetricsView, NodeSnap, NodeView, RoleView, ViewModel, LOG_WINDOW,
};

/// Most records a recorded trace may hold (a recording is folded again from its start on every
/// jump back in time, so this bounds that work). An 8 MiB file ([`share::MAX_INPUT`]) of the
/// shortest records holds about this many.
pub const MAX_RECORDS: usize = 100_000;

/// Where a recorded trace came from, from its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// `byo` (a classroom node graded by `raft-sim grade`), `raft-kv`, or another name.
    pub source: String,
    /// The header's note, if any.
    pub note: String,
    /// The graded test, for a `byo` trace.
    pub test: Option<String>,
    /// Who graded a `byo` trace: `raft-sim grade` (also when the header does not say, as in
    /// traces written before it did), or the playground's own grader ("Your Raft…").
    pub grader: String,
}

/// [`Meta::grader`] when the header names none.
pub const DEFAULT_GRADER: &str = "raft-sim grade";

/// A recorded trace, read and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// Where it came from.
    pub meta: Meta,
    /// The header options' seed, when it has options.
    pub seed: Option<u64>,
    /// Every node, in id order: the header options' `nodes` (1..=n) and any id a record names.
    pub nodes: Vec<NodeId>,
    /// The records, in order.
    pub records: Vec<TraceRecord>,
    /// The footer's end time, ms.
    pub end: u64,
}

/// The header's `byo` or `recorded` field as [`Meta`], or None for a trace raft-sim can replay.
fn meta_of(header: &Value) -> Option<Meta> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    if let Some(byo) = header.get("byo") {
        return Some(Meta {
            source: "byo".into(),
            note: text(&byo["note"]),
            test: byo["test"].as_str().map(str::to_string),
            grader: byo["grader"]
                .as_str()
                .filter(|g| !g.is_empty() && g.len() <= 64)
                .unwrap_or(DEFAULT_GRADER)
                .to_string(),
        });
    }
    let rec = header.get("recorded")?;
    Some(Meta {
        source: rec["source"].as_str().unwrap_or("unnamed").to_string(),
        note: text(&rec["note"]),
        test: None,
        grader: String::new(),
    })
}

/// Refuses any integer above [`MAX_INTEGER`] (and any negative or fractional number), naming
/// the line: the bound raft-sim's trace reader applies (docs/formats.md, Trace, **Bounds**).
fn check_integers(v: &Value, line: usize) -> Result<(), String> {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(x) if x <= MAX_INTEGER => Ok(()),
            _ => Err(format!(
                "line {line}: {n} is not a whole number from 0 to 2^53 - 1"
            )),
        },
        Value::Array(a) => a.iter().try_for_each(|x| check_integers(x, line)),
        Value::Object(m) => m.values().try_for_each(|x| check_integers(x, line)),
        _ => Ok(()),
    }
}

/// The node ids a record names.
fn ids_of(e: &TraceEvent) -> Vec<NodeId> {
    match e {
        TraceEvent::Send { msg, .. } => vec![msg.from, msg.to],
        TraceEvent::Deliver { from, to, .. } | TraceEvent::Drop { from, to, .. } => {
            vec![*from, *to]
        }
        TraceEvent::Timeout { node }
        | TraceEvent::Role { node, .. }
        | TraceEvent::HardState { node, .. }
        | TraceEvent::Append { node, .. }
        | TraceEvent::Commit { node, .. }
        | TraceEvent::Apply { node, .. }
        | TraceEvent::Snapshot { node, .. }
        | TraceEvent::Crash { node }
        | TraceEvent::Restart { node, .. } => vec![*node],
        _ => vec![],
    }
}

/// The lines of `text` that are not blank, numbered from 0, after a byte order mark.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
}

/// The first line as JSON and what it says of a recording, if it is a recorded trace's header.
fn recorded_header(first: Option<(usize, &str)>) -> Option<(Value, Meta)> {
    let header = serde_json::from_str::<Value>(first?.1).ok()?;
    let meta = meta_of(&header)?;
    Some((header, meta))
}

/// True when [`parse`] would read `text` as a recording, or refuse it as one: its first line
/// is a header with a `byo` or `recorded` field. Only that line is read (the page asks this
/// before it downloads the trace reader, which runs [`parse`]).
pub fn is_recorded(text: &str) -> bool {
    recorded_header(lines(text).next()).is_some()
}

/// Reads `text` as a recorded trace: `Ok(None)` when its header has neither `byo` nor
/// `recorded` (a trace to replay), the recording when it has, or an error naming the first
/// line that breaks the format or a bound.
pub fn parse(text: &str) -> Result<Option<Recording>, String> {
    let mut lines = lines(text);
    let Some((header, meta)) = recorded_header(lines.next()) else {
        return Ok(None);
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.len() > share::MAX_INPUT {
        return Err(format!(
            "the recorded trace is {} bytes; the playground opens at most {} bytes",
            text.len(),
            share::MAX_INPUT
        ));
    }
    if header["kind"] != "header" || header["format"] != "raft-trace" {
        return Err("line 1: not a raft-trace header".into());
    }
    match header["version"].as_u64() {
        Some(2 | 3) => {}
        v => {
            return Err(format!(
                "line 1: a recorded trace of version {} cannot be shown (the playground shows versions 2 and 3, one group)",
                v.map_or("(none)".to_string(), |v| v.to_string())
            ))
        }
    }
    let seed = header["options"]["seed"].as_u64();
    let mut nodes: Vec<NodeId> = match header["options"]["nodes"].as_u64() {
        Some(n) if n <= u64::from(share::MAX_NODES) => (1..=n).collect(),
        Some(n) => {
            return Err(format!(
                "line 1: {n} nodes; the playground draws at most {}",
                share::MAX_NODES
            ))
        }
        None => Vec::new(),
    };
    let (mut records, mut last_t, mut steps) = (Vec::new(), 0u64, 0u64);
    // The records' hash, as raft-sim grade and raft-kv trace write it in the footer (the
    // Fields scheme): a file changed or cut after it was written is refused.
    let mut hash = TraceHash::new(HashScheme::Fields);
    for (n, line) in lines {
        let n = n + 1;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {n}: not JSON: {e}"))?;
        check_integers(&v, n)?;
        if v["kind"] == "footer" {
            let end = v["end"]
                .as_u64()
                .ok_or_else(|| format!("line {n}: footer without end"))?;
            if end > MAX_TIME_MS || end < last_t {
                return Err(format!(
                    "line {n}: the footer's end {end} ms is before the last record ({last_t} ms) or past {MAX_TIME_MS} ms"
                ));
            }
            if v["records"].as_u64() != Some(records.len() as u64) {
                return Err(format!(
                    "line {n}: the footer announces {} records but the file has {}",
                    v["records"],
                    records.len()
                ));
            }
            if let Some(h) = v.get("hash") {
                let ours = format!("{:016x}", hash.value());
                if h.as_str() != Some(ours.as_str()) {
                    return Err(format!(
                        "line {n}: the footer's hash is {h} but the records give \"{ours}\": the file was changed or damaged after it was written"
                    ));
                }
            }
            if nodes.is_empty() {
                return Err("the recording names no node".into());
            }
            return Ok(Some(Recording {
                meta,
                seed,
                nodes,
                records,
                end,
            }));
        }
        if records.len() >= MAX_RECORDS {
            return Err(format!(
                "line {n}: more than {MAX_RECORDS} records, the most the playground shows"
            ));
        }
        let r: TraceRecord =
            raft_sim::json::from_value(&v).map_err(|e| format!("line {n}: bad record: {e}"))?;
        if r.t > MAX_TIME_MS || r.t < last_t {
            return Err(format!(
                "line {n}: time {} ms goes back (after {last_t} ms) or past {MAX_TIME_MS} ms",
                r.t
            ));
        }
        last_t = r.t;
        if let TraceEvent::Step { n: k } = r.event {
            if k != steps + 1 {
                return Err(format!(
                    "line {n}: step {k} follows step {steps} (steps are numbered 1, 2, 3…)"
                ));
            }
            steps = k;
        }
        for id in ids_of(&r.event) {
            if id == 0 {
                return Err(format!("line {n}: node 0 (node ids start at 1)"));
            }
            if let Err(at) = nodes.binary_search(&id) {
                if nodes.len() >= share::MAX_NODES as usize {
                    return Err(format!(
                        "line {n}: node {id} is one node more than the {} the playground draws",
                        share::MAX_NODES
                    ));
                }
                nodes.insert(at, id);
            }
        }
        hash.add(&r);
        records.push(r);
    }
    Err("truncated trace: no footer line".into())
}

/// One node as the records left it.
#[derive(Clone, Debug, PartialEq)]
struct NodeState {
    up: bool,
    role: Role,
    term: Term,
    vote: Option<NodeId>,
    /// Stored entries after the snapshot, in index order.
    log: Vec<Entry>,
    snapshot_index: Index,
    committed: Index,
    applied: Index,
}

impl NodeState {
    fn fresh() -> Self {
        NodeState {
            up: true,
            role: Role::Follower,
            term: 0,
            vote: None,
            log: Vec::new(),
            snapshot_index: 0,
            committed: 0,
            applied: 0,
        }
    }

    fn last_index(&self) -> Index {
        self.log.last().map_or(self.snapshot_index, |e| e.index)
    }

    /// Keeps the stored entries up to `index`.
    fn truncate_after(&mut self, index: Index) {
        self.log.retain(|e| e.index <= index);
    }

    fn snap(&self, id: NodeId) -> NodeSnap {
        NodeSnap {
            id,
            role: self.up.then_some(self.role),
            term: self.term,
            vote: self.vote,
            committed: if self.up { self.committed } else { 0 },
            snapshot_index: self.snapshot_index,
            joint: false,
        }
    }
}

/// Everything the records say up to a time.
#[derive(Clone, Debug, PartialEq)]
struct Folded {
    nodes: BTreeMap<NodeId, NodeState>,
    in_flight: BTreeMap<u64, InFlight>,
    violations: Vec<Violation>,
    /// Newest first, at most [`EVENT_LOG_CAP`].
    events: Vec<EventLine>,
    steps: u64,
    completed: u64,
}

impl Folded {
    fn new(ids: &[NodeId]) -> Self {
        Folded {
            nodes: ids.iter().map(|&id| (id, NodeState::fresh())).collect(),
            in_flight: BTreeMap::new(),
            violations: Vec::new(),
            events: Vec::new(),
            steps: 0,
            completed: 0,
        }
    }

    fn snaps(&self) -> Vec<NodeSnap> {
        self.nodes.iter().map(|(&id, n)| n.snap(id)).collect()
    }

    /// Adds a line to the event log, merging a leader's consecutive commits as the simulated
    /// run's log does.
    fn push_line(&mut self, line: EventLine) {
        if let (Some(node), Some(front)) = (line.commit_of, self.events.first_mut()) {
            if front.commit_of == Some(node) {
                *front = line;
                return;
            }
        }
        self.events.insert(0, line);
        self.events.truncate(EVENT_LOG_CAP);
    }

    fn apply(&mut self, r: &TraceRecord) {
        let before = self.snaps();
        let t = r.t;
        match &r.event {
            TraceEvent::Step { n } => self.steps = *n,
            TraceEvent::Send {
                id,
                msg,
                deliver_at,
            } => {
                self.in_flight.insert(
                    *id,
                    InFlight {
                        id: *id,
                        msg: msg.clone(),
                        sent_at: t,
                        deliver_at: *deliver_at,
                    },
                );
            }
            TraceEvent::Deliver { id, .. } | TraceEvent::Drop { id, .. } => {
                self.in_flight.remove(id);
            }
            TraceEvent::Duplicate { id, copy } => {
                if let Some(f) = self.in_flight.get(id).cloned() {
                    self.in_flight.insert(*copy, InFlight { id: *copy, ..f });
                }
            }
            TraceEvent::Role { node, role, term } => {
                let n = self.node(*node);
                n.role = *role;
                n.term = *term;
            }
            TraceEvent::HardState { node, term, vote } => {
                let n = self.node(*node);
                n.term = *term;
                n.vote = *vote;
            }
            TraceEvent::Append { node, entries } => {
                let n = self.node(*node);
                if let Some(first) = entries.first() {
                    n.truncate_after(first.index.saturating_sub(1));
                    n.log.extend(entries.iter().cloned());
                }
            }
            TraceEvent::Commit { node, index } => self.node(*node).committed = *index,
            TraceEvent::Apply { node, index, .. } => self.node(*node).applied = *index,
            TraceEvent::Snapshot {
                node,
                index,
                source,
                ..
            } => {
                let n = self.node(*node);
                n.log.retain(|e| e.index > *index);
                n.snapshot_index = *index;
                // The leader's snapshot replaced the state machine: it is at `index` now,
                // which was committed (Raft §7).
                if *source == SnapshotSource::Leader {
                    n.committed = n.committed.max(*index);
                    n.applied = n.applied.max(*index);
                }
            }
            TraceEvent::Crash { node } => {
                let n = self.node(*node);
                n.up = false;
                n.committed = 0;
                n.applied = 0;
                n.role = Role::Follower;
            }
            TraceEvent::Restart {
                node,
                term,
                vote,
                last_index,
                snapshot_index,
            } => {
                let n = self.node(*node);
                n.up = true;
                n.role = Role::Follower;
                n.term = *term;
                n.vote = *vote;
                n.truncate_after(*last_index);
                n.snapshot_index = *snapshot_index;
                // The state machine restarts from the snapshot (Raft §7).
                n.committed = *snapshot_index;
                n.applied = *snapshot_index;
            }
            TraceEvent::Action { action } => {
                if let Some(text) = view_model::describe_action(action) {
                    self.push_line(EventLine {
                        t,
                        kind: EventKind::Action,
                        text,
                        commit_of: None,
                    });
                }
            }
            TraceEvent::Complete { .. } => self.completed += 1,
            TraceEvent::Violation { violation } => {
                self.push_line(view_model::violation_line(violation));
                self.violations.push(violation.clone());
            }
            TraceEvent::Timeout { .. } | TraceEvent::Invoke { .. } => {}
        }
        let after = self.snaps();
        for line in view_model::diff(&before, &after, t) {
            self.push_line(line);
        }
    }

    fn node(&mut self, id: NodeId) -> &mut NodeState {
        // `parse` collected every id a record names, so the entry exists; a fresh one is
        // harmless otherwise.
        self.nodes.entry(id).or_insert_with(NodeState::fresh)
    }
}

/// A recording being played: the records folded up to a time, moved by frames, steps and seeks.
#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    rec: Recording,
    /// Records folded so far (`rec.records[..pos]`).
    pos: usize,
    state: Folded,
    /// Display time, ms (the records up to its whole millisecond are folded).
    now: f64,
    /// Bumped whenever the event log may have changed.
    version: u64,
}

impl Playback {
    /// A recording at its start.
    pub fn new(rec: Recording) -> Self {
        let state = Folded::new(&rec.nodes);
        Playback {
            rec,
            pos: 0,
            state,
            now: 0.0,
            version: 0,
        }
    }

    /// Where it came from.
    pub fn meta(&self) -> &Meta {
        &self.rec.meta
    }

    /// The header's seed, if it has options.
    pub fn seed(&self) -> Option<u64> {
        self.rec.seed
    }

    /// The end of the recording, ms.
    pub fn end(&self) -> u64 {
        self.rec.end
    }

    /// The time shown, ms.
    pub fn now(&self) -> u64 {
        self.now as u64
    }

    /// True at the end of the recording.
    pub fn at_end(&self) -> bool {
        self.pos == self.rec.records.len() && self.now() >= self.rec.end
    }

    /// Bumped whenever the event log may have changed.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The event log, most recent first.
    pub fn events(&self) -> &[EventLine] {
        &self.state.events
    }

    fn fold_to(&mut self, t: u64) {
        while let Some(r) = self.rec.records.get(self.pos).filter(|r| r.t <= t) {
            self.state.apply(r);
            self.pos += 1;
        }
        self.version += 1;
    }

    /// Moves `virtual_ms` forward (at most to the end).
    pub fn advance(&mut self, virtual_ms: f64) {
        self.now = (self.now + virtual_ms.max(0.0)).min(self.rec.end as f64);
        self.fold_to(self.now());
    }

    /// Goes to time `t` (at most the end): forward by folding on, back by folding again from
    /// the start (at most [`MAX_RECORDS`] records).
    pub fn seek(&mut self, t: u64) {
        let t = t.min(self.rec.end);
        if t < self.now() {
            self.state = Folded::new(&self.rec.nodes);
            self.pos = 0;
        }
        self.now = t as f64;
        self.fold_to(t);
    }

    /// Shows the next recorded step: every record up to the one before the `step` record after
    /// the next (one simulator event and what it caused), or to the end.
    pub fn step(&mut self) {
        let recs = &self.rec.records;
        let mut i = self.pos;
        // The next step's own `step` record, then what it caused.
        if i < recs.len() {
            i += 1;
        }
        while i < recs.len() && !matches!(recs[i].event, TraceEvent::Step { .. }) {
            i += 1;
        }
        let t = if i < recs.len() {
            recs[i - 1].t
        } else {
            self.rec.end
        };
        while self.pos < i {
            self.state.apply(&self.rec.records[self.pos]);
            self.pos += 1;
        }
        self.version += 1;
        self.now = self.now.max(t as f64);
    }

    /// The view every panel draws, at the time shown.
    pub fn view(&self, animate: bool) -> ViewModel {
        let ids = &self.rec.nodes;
        let pos: BTreeMap<NodeId, (f64, f64)> = ids
            .iter()
            .enumerate()
            .map(|(k, &id)| (id, cluster::ring_position(k, ids.len())))
            .collect();
        let s = &self.state;
        let hi = s
            .nodes
            .values()
            .map(NodeState::last_index)
            .max()
            .unwrap_or(0);
        let lo = hi.saturating_sub(LOG_WINDOW - 1).max(1);
        let leader = s
            .nodes
            .iter()
            .filter(|(_, n)| n.up && n.role == Role::Leader)
            .max_by_key(|(_, n)| n.term)
            .map(|(&id, _)| id);
        let config = view_model::ConfigView {
            voters: ids.clone(),
            ..Default::default()
        };
        let nodes = s
            .nodes
            .iter()
            .map(|(&id, n)| {
                let (x, y) = pos[&id];
                let committed = if n.up { n.committed } else { 0 };
                NodeView {
                    id,
                    name: view_model::name(id),
                    x,
                    y,
                    role: if n.up {
                        RoleView::from_role(n.role)
                    } else {
                        RoleView::Crashed
                    },
                    term: n.term,
                    vote: n.vote,
                    timer: None,
                    entries: logs::entry_views(&n.log, lo, committed),
                    last_index: n.last_index(),
                    committed,
                    applied: if n.up { n.applied } else { 0 },
                    progress: None,
                    transferring_to: None,
                    member: MemberView::Voter,
                    config: n.up.then(|| config.clone()),
                    snapshot_index: n.snapshot_index,
                    installing: None,
                    election_timeout_max: 0,
                    timer_in_ms: None,
                    paused: false,
                    // A recorded run does not say how fast disks were.
                    disk_ms: 0,
                    writing: false,
                }
            })
            .collect();
        let mut links = Vec::new();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                let ((x1, y1), (x2, y2)) = (pos[&a], pos[&b]);
                links.push(LinkLine {
                    a,
                    b,
                    x1,
                    y1,
                    x2,
                    y2,
                    state: LinkView::Healthy,
                    ab: view_model::LinkDir::Healthy,
                    ba: view_model::LinkDir::Healthy,
                    title: format!(
                        "{} ↔ {}: link states are not recorded (a cut shows as dropped messages)",
                        view_model::name(a),
                        view_model::name(b)
                    ),
                });
            }
        }
        let msgs = s
            .in_flight
            .values()
            .take(messages::MAX_DRAWN_MESSAGES)
            .map(|f| messages::message_view(f, pos[&f.msg.from], pos[&f.msg.to], self.now, animate))
            .collect();
        let term = s.nodes.values().map(|n| n.term).max().unwrap_or(0);
        let committed = match leader {
            Some(l) => s.nodes[&l].committed,
            None => s
                .nodes
                .values()
                .filter(|n| n.up)
                .map(|n| n.committed)
                .max()
                .unwrap_or(0),
        };
        ViewModel {
            now: self.now(),
            nodes,
            links,
            messages: msgs,
            log_window: (lo, hi),
            safety: view_model::safety(s.violations.first(), &s.violations),
            metrics: MetricsView {
                leader,
                term,
                committed,
                in_flight: s.in_flight.len(),
                msgs_per_sec: 0.0,
                completed: s.completed,
                p50_latency: None,
                events: s.steps,
            },
        }
    }
}

#[cfg(test)]
mod tests;
