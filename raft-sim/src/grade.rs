//! The grader: runs a node written against the protocol of [`crate::byo`] through a suite of
//! tests (elections, agreement, failures, partitions, persistence, the Figure-8 schedule,
//! unreliable networks) with the safety checkers ([`crate::checker`]) after every answer and
//! the linearizability checker on the client history at the end.
//!
//! It has a driver of its own rather than making [`crate::World`] generic over the node: the
//! world's hot path stays raft-core's (its determinism goldens unchanged), while the pieces
//! that are not about raft-core are shared: [`Network`] routes, delays, drops, duplicates and
//! partitions the messages, [`Checker`] judges what the nodes report, [`crate::linearizability`]
//! judges the clients' history, and the trace is raft-sim's trace format.
//!
//! Messages are opaque JSON to the simulator. The network carries raft-core [`Message`]s, so each
//! one travels as a stand-in message (its body chosen by the `kind` the node gave, which is also
//! what the views show and what the network's reply delays look at) while its JSON waits in a
//! table keyed by the network's message id, and is handed to the recipient on delivery.
//!
//! Bounds: virtual time per test at most [`MAX_TEST_MS`]; inputs per test at most
//! [`MAX_STEPS`]; each answer within the per-step wall-clock limit of the process adapter;
//! the whole run within the caller's wall-clock limit ([`GradeOptions::wall_limit`]).

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use serde::Serialize;
use serde_json::Value;
use std::time::{Duration, Instant};

use crate::app::{Op, Reply};
use crate::byo::{
    checker_entry, command_from_json, ByoNode, Input, NodeFactory, NodeState, Output, Persisted,
    RoleName, SnapshotState, MAX_APPLIED, MAX_KIND_BYTES, MAX_NUMBER, MAX_PERSIST_ENTRIES,
    MAX_REPLIES, MAX_SENDS,
};
use crate::checker::Checker;
pub use crate::grade_suite::{suite, ActKind, Expect, GradeTest, Timed};
use crate::linearizability::{verdict_with_budget, Verdict, DEFAULT_MAX_STEPS};
use crate::network::{LinkState, Network, SendOutcome};
use crate::rng::SimRng;
use crate::trace::{HashScheme, TraceEvent, TraceHash, TraceRecord};
use crate::world::HistoryOp;
use raft_core::entry::{Entry, HardState};
use raft_core::log::RaftLog;
use raft_core::message::{Body, Message};
use raft_core::types::NodeId;

/// Virtual ms between two ticks of every running node.
pub const TICK_MS: u64 = 10;
/// Longest virtual duration of one test, ms.
pub const MAX_TEST_MS: u64 = 600_000;
/// Most inputs fed to the nodes in one test.
pub const MAX_STEPS: u64 = 2_000_000;
/// Largest cluster a test may have.
pub const MAX_NODES: u32 = 9;
/// Most clients a test may have.
pub const MAX_CLIENTS: u32 = 16;
/// Ms a client waits between an answer and its next request.
pub const THINK_MS: u64 = 50;
/// Ms a client waits for an answer before it gives the request up (it stays in the history as
/// an operation that may or may not have happened) and asks another node.
pub const CLIENT_TIMEOUT_MS: u64 = 600;
/// Client ids start here (so they never look like node ids).
pub const CLIENT_BASE: u64 = 100;
/// In a test with `max_log`, a node fails "Log Compaction" when its log keeps more than this
/// many times `max_log` applied entries after its snapshot (MIT 6.5840's lab 3D allows a
/// similar margin over its size limit): a node is asked to compact past `max_log`, and may
/// hold off while it sends a follower a snapshot.
pub const COMPACTION_SLACK: u64 = 4;
/// Snapshots whose data the grader keeps to compare across nodes (State Machine Safety): the
/// newest this many indices, about as many strings as there are snapshots in a test.
pub const SNAPSHOTS_KEPT: usize = 4_096;
/// Characters of a snapshot's data quoted in a failure.
const QUOTE_CHARS: usize = 160;

/// Why a test failed: the first violated property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The property: a safety property of [`crate::checker::PROPERTIES`], `Persist Before
    /// Acting`, `Linearizability`, `Liveness`, `Node Error` or `Nondeterminism`.
    pub property: String,
    /// Virtual time, ms.
    pub time: u64,
    /// Nodes involved.
    pub nodes: Vec<NodeId>,
    /// What was seen.
    pub detail: String,
}

/// One test's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// The test's name.
    pub name: String,
    /// What it checks.
    pub about: String,
    /// The seed.
    pub seed: u64,
    /// `None`: passed.
    pub failure: Option<Failure>,
    /// Virtual time reached, ms.
    pub end_ms: u64,
    /// Inputs fed to the nodes.
    pub steps: u64,
    /// Client requests issued, and completed.
    pub ops: (usize, usize),
    /// Snapshots the nodes took (compactions), and leaders' snapshots they installed.
    pub snapshots: (u64, u64),
    /// Requests the clients sent again (tests with `resend`), and applied entries the nodes
    /// marked as duplicates (answered from their session table, not run again).
    pub resends: (u64, u64),
    /// The run's trace, JSON Lines in raft-sim's trace format (kept when asked for).
    #[serde(skip)]
    pub trace: Option<String>,
}

impl TestReport {
    /// True when no property broke.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// The seed of every test.
    pub seed: u64,
    /// Run each test twice and compare the nodes' answers (the nondeterminism check).
    pub twice: bool,
    /// Keep each failing run's trace.
    pub keep_trace: bool,
    /// Wall-clock limit of the whole grading; tests not started by then are reported failed.
    pub wall_limit: Duration,
}

/// One step of a run, for the nondeterminism check: the node, the input's kind and time, and a
/// hash of the answer.
type StepRecord = (NodeId, &'static str, u64, u64);

/// Runs `test` with nodes made by `factory`.
pub fn run_test(
    test: &GradeTest,
    factory: &mut NodeFactory,
    opts: &GradeOptions,
    started: Instant,
) -> TestReport {
    let mut first = Run::new(
        test,
        opts.seed,
        factory,
        opts.keep_trace,
        started,
        opts.wall_limit,
    );
    first.run();
    let mut report = first.report();
    if opts.twice
        && report
            .failure
            .as_ref()
            .is_none_or(|f| f.property != "Node Error")
    {
        let steps1 = core::mem::take(&mut first.steps);
        drop(first);
        let mut second = Run::new(test, opts.seed, factory, false, started, opts.wall_limit);
        second.run();
        let steps2 = core::mem::take(&mut second.steps);
        let differ = steps1
            .iter()
            .zip(&steps2)
            .position(|(a, b)| a != b)
            .or_else(|| (steps1.len() != steps2.len()).then(|| steps1.len().min(steps2.len())));
        if let Some(k) = differ {
            let describe = |s: Option<&StepRecord>| match s {
                Some(&(node, kind, t, _)) => format!("S{node}'s {kind} at {t} ms"),
                None => "nothing (the run ended)".into(),
            };
            let (a, b) = (steps1.get(k), steps2.get(k));
            let detail = match (a, b) {
                (Some(x), Some(y)) if (x.0, x.1, x.2) == (y.0, y.1, y.2) => format!(
                    "the same inputs gave different answers: {} (input {} of the run) was answered differently in two runs",
                    describe(a),
                    k + 1
                ),
                _ => format!(
                    "the same inputs gave different answers: input {} of the run was {} in the first run and {} in the second",
                    k + 1,
                    describe(a),
                    describe(b)
                ),
            };
            report.failure = Some(Failure {
                property: "Nondeterminism".into(),
                time: a.or(b).map_or(0, |s| s.2),
                nodes: a.or(b).map(|s| vec![s.0]).unwrap_or_default(),
                detail: format!(
                    "{detail}; draw random numbers only from the seed given in init, and read no clock"
                ),
            });
        }
    }
    report
}

/// Runs every test in order; a test that would start after the wall-clock limit is reported
/// failed without running.
pub fn run_suite(
    tests: &[GradeTest],
    factory: &mut NodeFactory,
    opts: &GradeOptions,
) -> Vec<TestReport> {
    let started = Instant::now();
    tests
        .iter()
        .map(|t| {
            if started.elapsed() > opts.wall_limit {
                return TestReport {
                    name: t.name.clone(),
                    about: t.about.clone(),
                    seed: opts.seed,
                    failure: Some(Failure {
                        property: "Node Error".into(),
                        time: 0,
                        nodes: vec![],
                        detail: format!(
                            "not run: the grading's wall-clock limit of {} s was reached",
                            opts.wall_limit.as_secs()
                        ),
                    }),
                    end_ms: 0,
                    steps: 0,
                    ops: (0, 0),
                    snapshots: (0, 0),
                    resends: (0, 0),
                    trace: None,
                };
            }
            run_test(t, factory, opts, started)
        })
        .collect()
}

/// A node of the run.
struct Slot {
    /// The running node (`None` while crashed).
    node: Option<Box<dyn ByoNode>>,
    /// What it persisted: the simulated disk.
    disk: Persisted,
    /// The persisted log as raft-core entries, for the checker.
    log: RaftLog,
    /// What it reported last.
    state: NodeState,
    /// Last index it applied since it (re)started.
    applied: u64,
    /// Starts so far.
    starts: u64,
}

/// A client with at most one request outstanding.
struct Client {
    id: u64,
    seq: u64,
    wake: u64,
    /// (seq, history index, deadline) of the outstanding request.
    outstanding: Option<(u64, usize, u64)>,
    /// In a test with `resend`: (seq, history index) of a request to send again, unanswered
    /// (timed out, or declined with `not_leader`).
    retry: Option<(u64, usize)>,
    target: NodeId,
}

/// One run of one test.
struct Run<'a> {
    test: &'a GradeTest,
    seed: u64,
    factory: &'a mut NodeFactory,
    ids: Vec<NodeId>,
    slots: BTreeMap<NodeId, Slot>,
    now: u64,
    rng: SimRng,
    net: Network,
    payloads: BTreeMap<u64, Value>,
    checker: Checker,
    connected: BTreeSet<NodeId>,
    keep_trace: bool,
    trace: Vec<TraceRecord>,
    hash: TraceHash,
    events: u64,
    clients: Vec<Client>,
    clients_stop: u64,
    history: Vec<HistoryOp>,
    by_cmd: BTreeMap<(u64, u64), usize>,
    declined: BTreeSet<usize>,
    seen_applied: BTreeSet<(u64, u64)>,
    order: u64,
    steps: Vec<StepRecord>,
    failure: Option<Failure>,
    chaos: Option<(ActKind, u64, u64, u64)>,
    term_marks: BTreeMap<u64, u64>,
    /// Snapshot index → (its data as canonical JSON, the node that persisted it first).
    snapshots: BTreeMap<u64, (String, NodeId)>,
    /// Compactions and installs seen.
    snapshot_counts: (u64, u64),
    /// Requests sent again (tests with `resend`).
    resends: u64,
    /// Applied entries marked `duplicate`.
    duplicates: u64,
    started: Instant,
    wall_limit: Duration,
}

impl<'a> Run<'a> {
    fn new(
        test: &'a GradeTest,
        seed: u64,
        factory: &'a mut NodeFactory,
        keep_trace: bool,
        started: Instant,
        wall_limit: Duration,
    ) -> Self {
        let ids: Vec<NodeId> = (1..=u64::from(test.nodes)).collect();
        let mut rng = SimRng::new(seed);
        let clients = (0..u64::from(test.clients))
            .map(|k| Client {
                id: CLIENT_BASE + k,
                seq: 0,
                wake: 500 + 10 * k,
                outstanding: None,
                retry: None,
                target: ids[rng.range(0, ids.len() as u64 - 1) as usize],
            })
            .collect();
        Run {
            test,
            seed,
            factory,
            slots: BTreeMap::new(),
            connected: ids.iter().copied().collect(),
            ids,
            now: 0,
            rng,
            net: Network::new(test.net.clone()),
            payloads: BTreeMap::new(),
            checker: Checker::new(),
            keep_trace,
            trace: Vec::new(),
            hash: TraceHash::new(HashScheme::Fields),
            events: 0,
            clients,
            clients_stop: test
                .clients_stop
                .unwrap_or(test.until.saturating_sub(1_500)),
            history: Vec::new(),
            by_cmd: BTreeMap::new(),
            declined: BTreeSet::new(),
            seen_applied: BTreeSet::new(),
            order: 0,
            steps: Vec::new(),
            failure: None,
            chaos: None,
            term_marks: BTreeMap::new(),
            snapshots: BTreeMap::new(),
            snapshot_counts: (0, 0),
            resends: 0,
            duplicates: 0,
            started,
            wall_limit,
        }
    }

    fn record(&mut self, event: TraceEvent) {
        let r = TraceRecord { t: self.now, event };
        self.hash.add(&r);
        if self.keep_trace {
            self.trace.push(r);
        }
    }

    fn fail(&mut self, property: &str, nodes: Vec<NodeId>, detail: String) {
        if self.failure.is_none() {
            self.failure = Some(Failure {
                property: property.into(),
                time: self.now,
                nodes,
                detail,
            });
        }
    }

    /// A new step (one simulator event), for the trace.
    fn step_record(&mut self) {
        self.events += 1;
        self.record(TraceEvent::Step { n: self.events });
        self.checker.at(self.now, self.events);
    }

    fn node_seed(&self, id: NodeId, starts: u64) -> u64 {
        let mut r = SimRng::new(
            self.seed
                ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ starts.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        r.next_u64() & MAX_NUMBER
    }

    fn running(&self, id: NodeId) -> bool {
        self.slots.get(&id).is_some_and(|s| s.node.is_some())
    }

    /// Starts (or restarts) node `id` from its disk.
    fn start(&mut self, id: NodeId) {
        if self.running(id) {
            return;
        }
        let made = (self.factory)(id);
        let slot = self.slots.entry(id).or_insert_with(|| Slot {
            node: None,
            disk: Persisted::default(),
            log: RaftLog::new(),
            state: NodeState::default(),
            applied: 0,
            starts: 0,
        });
        slot.starts += 1;
        let starts = slot.starts;
        match made {
            Ok(n) => slot.node = Some(n),
            Err(f) => {
                self.fail("Node Error", vec![id], format!("S{id} {f}"));
                return;
            }
        }
        // The state machine restarts from the snapshot, if any.
        slot.applied = slot.disk.snapshot_index();
        let disk = slot.disk.clone();
        slot.state = NodeState {
            role: RoleName::Follower,
            term: disk.term,
            commit: 0,
        };
        let entries = slot.log.collect_entries();
        if starts > 1 {
            let hs = HardState {
                term: disk.term,
                vote: disk.vote,
            };
            let si = disk.snapshot_index();
            self.checker.on_restart(id, hs, si, &entries);
            self.record(TraceEvent::Restart {
                node: id,
                term: disk.term,
                vote: disk.vote,
                last_index: disk.last_index(),
                snapshot_index: si,
            });
        }
        let input = Input::Init {
            version: match self.test.max_log {
                Some(_) => crate::byo::PROTOCOL_VERSION_SNAPSHOTS,
                None => crate::byo::PROTOCOL_VERSION,
            },
            id,
            peers: self.ids.clone(),
            seed: self.node_seed(id, starts),
            now: self.now,
            state: disk,
            max_log: self.test.max_log,
        };
        self.feed(id, input);
    }

    fn crash(&mut self, id: NodeId) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        let Some(mut n) = slot.node.take() else {
            return;
        };
        n.stop();
        self.checker.on_crash(id);
        self.record(TraceEvent::Crash { node: id });
    }

    /// Feeds one input to a running node and handles its answer.
    fn feed(&mut self, id: NodeId, input: Input) {
        if self.failure.is_some() {
            return;
        }
        let kind = match &input {
            Input::Init { .. } => "init",
            Input::Tick { .. } => "tick",
            Input::Message { .. } => "message",
            Input::Request { .. } => "request",
        };
        let Some(node) = self.slots.get_mut(&id).and_then(|s| s.node.as_mut()) else {
            return;
        };
        let answer = node.handle(&input);
        let out = match answer {
            Ok(o) => o,
            Err(f) => {
                if let Some(mut n) = self.slots.get_mut(&id).and_then(|s| s.node.take()) {
                    n.stop();
                }
                let now = self.now;
                self.fail(
                    "Node Error",
                    vec![id],
                    format!("S{id} {f} (its answer to {kind} at {now} ms)"),
                );
                return;
            }
        };
        let text = serde_json::to_string(&out).unwrap_or_default();
        self.steps.push((id, kind, self.now, fnv(text.as_bytes())));
        if let Err(e) = validate(&out, id, &self.ids) {
            let now = self.now;
            self.fail(
                "Node Error",
                vec![id],
                format!("S{id} broke the protocol: {e} (its answer to {kind} at {now} ms)"),
            );
            return;
        }
        self.process(id, out);
        if self.failure.is_none() {
            if let Some(v) = self.checker.violations.first().cloned() {
                // Each node once, in the checker's order (it may name a node twice: S3 voted
                // for S3 and then S1).
                let mut nodes: Vec<NodeId> = Vec::new();
                for n in v.nodes {
                    if !nodes.contains(&n) {
                        nodes.push(n);
                    }
                }
                let mut detail = v.detail;
                if v.property == "Exactly Once" && detail.contains(" twice") {
                    detail.push_str(": a client resent it (the same client and seq) after a timeout or a not_leader answer, and it was in the log twice; keep each client's last seq and result in the state machine, answer a repeat from there without running it, and mark it \"duplicate\": true in applied (dissertation §6.3)");
                }
                if detail.ends_with("that is not the committed prefix") {
                    detail.push_str(": its last included term must be the term of the committed entry at that index, and that entry must be committed and applied (§7, Figure 13)");
                }
                self.failure = Some(Failure {
                    property: v.property,
                    time: v.time,
                    nodes,
                    detail,
                });
            }
        }
        if let Some(f) = self.failure.clone() {
            self.record(TraceEvent::Violation {
                violation: crate::checker::Violation {
                    property: f.property,
                    time: f.time,
                    event: self.events,
                    nodes: f.nodes,
                    detail: f.detail,
                },
            });
        }
    }

    /// Handles an answer, in the order of the protocol: persist, state, send, apply, reply.
    fn process(&mut self, id: NodeId, out: Output) {
        let now = self.now;
        // A compaction persisted in this answer, judged once the answer's commit index is known.
        let mut compaction: Option<SnapshotState> = None;
        // With a compaction: the disk as it would be without it, for the commit checks (the
        // entries a leader commits and compacts in one answer are judged before they go).
        let mut view: Option<Persisted> = None;
        // With a compaction: the entries written in this answer, shown to the checker after
        // the compaction (as raft-sim's world does: snapshot first, then the entries after it).
        let mut deferred: Vec<Entry> = Vec::new();
        let slot = self
            .slots
            .get_mut(&id)
            .expect("invariant: a fed node has a slot");
        if let Some(p) = out.persist.clone() {
            if p.term != slot.disk.term || p.vote != slot.disk.vote {
                slot.disk.term = p.term;
                slot.disk.vote = p.vote;
                let hs = HardState {
                    term: p.term,
                    vote: p.vote,
                };
                self.checker.on_hard_state(id, hs);
                self.record(TraceEvent::HardState {
                    node: id,
                    term: p.term,
                    vote: p.vote,
                });
            }
            let installed_here = match p.snapshot {
                Some(snap) => {
                    // A leader's snapshot (§7, InstallSnapshot) is above everything this node
                    // applied, before and in this answer; a compaction is not.
                    let applied = self.slots[&id].applied;
                    let installed =
                        snap.index > applied && !out.applied.iter().any(|a| a.index <= snap.index);
                    if !installed {
                        view = Some(self.slots[&id].disk.clone());
                    }
                    if !self.store_snapshot(id, &snap, installed) {
                        return;
                    }
                    (!installed).then_some(snap)
                }
                None => None,
            };
            compaction = installed_here;
            let slot = self.slots.get_mut(&id).expect("invariant: slot");
            if let Some(from) = p.log_from {
                let si = slot.disk.snapshot_index();
                let last = slot.disk.last_index();
                if from <= si || from > last + 1 {
                    self.fail(
                        "Node Error",
                        vec![id],
                        format!("S{id} broke the protocol: persist.log_from {from} must be {} to one past its stored log's end ({last}){}", si + 1, if si > 0 { format!(" (its snapshot covers up to index {si})") } else { String::new() }),
                    );
                    return;
                }
                slot.disk.log.truncate((from - si - 1) as usize);
                slot.disk.log.extend(p.entries.iter().cloned());
                if let Some(v) = view.as_mut() {
                    let vsi = v.snapshot_index();
                    if from > vsi && from <= v.last_index() + 1 {
                        v.log.truncate((from - vsi - 1) as usize);
                        v.log.extend(p.entries.iter().cloned());
                    }
                }
                let entries: Vec<Entry> = p
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(k, e)| checker_entry(from + k as u64, e.term, &e.cmd))
                    .collect();
                slot.log = disk_log(&slot.disk);
                if compaction.is_some() {
                    deferred = entries.clone();
                } else {
                    self.checker.on_persist(id, &entries);
                }
                if !entries.is_empty() {
                    self.record(TraceEvent::Append { node: id, entries });
                }
            } else if !p.entries.is_empty() {
                self.fail(
                    "Node Error",
                    vec![id],
                    format!("S{id} broke the protocol: persist.entries without persist.log_from"),
                );
                return;
            }
        }
        // The state it reports must be what it persisted (Figure 2: currentTerm and the log
        // are persistent state, updated on stable storage before the node acts on them).
        let slot = self.slots.get_mut(&id).expect("invariant: slot");
        let st = out.state;
        let (disk_term, disk_len) = (slot.disk.term, slot.disk.last_index());
        if st.term != disk_term {
            self.fail(
                "Persist Before Acting",
                vec![id],
                format!(
                    "S{id} reports term {} but its persisted term is {disk_term}: persist the term before acting in it, and restore it from init after a restart (Figure 2)",
                    st.term
                ),
            );
            return;
        }
        if st.commit > disk_len {
            self.fail(
                "Persist Before Acting",
                vec![id],
                format!(
                    "S{id} reports commit index {} but has persisted only {disk_len} log entries",
                    st.commit
                ),
            );
            return;
        }
        let prev = slot.state.clone();
        let leader = st.role == RoleName::Leader;
        if prev.role != st.role || prev.term != st.term {
            self.record(TraceEvent::Role {
                node: id,
                role: st.role.role(),
                term: st.term,
            });
        }
        let slot = self.slots.get(&id).expect("invariant: slot");
        let view_log = view.as_ref().map(disk_log);
        let log = view_log.as_ref().unwrap_or(&slot.log);
        if leader {
            if prev.role == RoleName::Leader && prev.term == st.term {
                self.checker.on_leader_log(id, st.term, log);
            } else {
                self.checker.on_leader(id, st.term, log);
            }
        } else if prev.role == RoleName::Leader {
            self.checker.on_not_leader(id);
        }
        if st.commit > prev.commit {
            self.checker.on_commit(id, st.commit, st.term, leader, log);
            self.record(TraceEvent::Commit {
                node: id,
                index: st.commit,
            });
        }
        let commit = st.commit;
        let term = st.term;
        self.slots.get_mut(&id).expect("invariant: slot").state = st;
        if let Some(snap) = compaction {
            if snap.index > commit {
                self.fail(
                    "State Machine Safety",
                    vec![id],
                    format!("S{id} took a snapshot at index {} beyond its commit index {commit}: a snapshot holds only committed, applied entries (§7)", snap.index),
                );
                return;
            }
            self.judge_snapshot(id, &snap, false);
            self.checker.on_persist(id, &deferred);
        }
        for s in out.send {
            let stand_in = stand_in(id, s.to, &s.kind, term.max(s.term), &s.msg);
            let to = s.to;
            match self.net.send(stand_in.clone(), now, &mut self.rng) {
                SendOutcome::Queued(a, b) => {
                    self.payloads.insert(a, s.msg.clone());
                    let deliver_at = self.net.get(a).and_then(|f| f.deliver_at);
                    self.record(TraceEvent::Send {
                        id: a,
                        msg: stand_in,
                        deliver_at,
                    });
                    if let Some(b) = b {
                        self.payloads.insert(b, s.msg);
                        self.record(TraceEvent::Duplicate { id: a, copy: b });
                    }
                }
                SendOutcome::Dropped(m, reason) => {
                    self.record(TraceEvent::Send {
                        id: m,
                        msg: stand_in,
                        deliver_at: None,
                    });
                    self.record(TraceEvent::Drop {
                        id: m,
                        from: id,
                        to,
                        reason: reason.into(),
                    });
                }
            }
        }
        for a in out.applied {
            if a.index > commit {
                self.fail(
                    "State Machine Safety",
                    vec![id],
                    format!("S{id} applied index {} beyond its commit index {commit} (§5.4.3: apply only committed entries)", a.index),
                );
                return;
            }
            let e = checker_entry(a.index, a.term, &a.cmd);
            let cmd = command_from_json(&a.cmd);
            // A duplicate (a resent request already applied) is answered from the session
            // table, not run: it does not count as executed.
            let executed = cmd
                .as_ref()
                .filter(|_| !a.duplicate)
                .map(|c| (c.client, c.seq));
            if a.duplicate {
                self.duplicates += 1;
            }
            self.checker.on_apply(id, &e, executed);
            if let Some(c) = executed {
                self.seen_applied.insert(c);
            }
            self.slots.get_mut(&id).expect("invariant: slot").applied = a.index;
            self.record(TraceEvent::Apply {
                node: id,
                index: a.index,
                term: a.term,
                command: cmd,
                result: None,
                session: None,
            });
        }
        if let Some(max) = self.test.max_log {
            let slot = &self.slots[&id];
            let si = slot.disk.snapshot_index();
            let kept = slot.applied.saturating_sub(si);
            if kept > COMPACTION_SLACK * max {
                self.fail(
                    "Log Compaction",
                    vec![id],
                    format!(
                        "S{id}'s persisted log keeps {kept} entries it has already applied (indices {} to {}; its snapshot covers up to {si}); the test's max_log is {max}, so it should have taken a snapshot (persist.snapshot) long before (at most {COMPACTION_SLACK} x max_log = {} are allowed; §7)",
                        si + 1,
                        slot.applied,
                        COMPACTION_SLACK * max
                    ),
                );
                return;
            }
        }
        for r in out.replies {
            let Some(&h) = self.by_cmd.get(&(r.client, r.seq)) else {
                self.fail(
                    "Node Error",
                    vec![id],
                    format!("S{id} broke the protocol: it answered request {} of client {}, which nobody sent", r.seq, r.client),
                );
                return;
            };
            let k = (r.client - CLIENT_BASE) as usize;
            let mine = self.clients[k]
                .outstanding
                .is_some_and(|(seq, _, _)| seq == r.seq);
            if r.not_leader {
                self.declined.insert(h);
                if mine {
                    let resend = self.test.resend;
                    let c = &mut self.clients[k];
                    if resend {
                        c.retry = Some((r.seq, h));
                    }
                    c.outstanding = None;
                    c.wake = now + THINK_MS;
                    c.target = match r.leader.filter(|l| self.ids.contains(l)) {
                        Some(l) => l,
                        None => self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize],
                    };
                }
                continue;
            }
            if self.history[h].complete.is_none() {
                self.order += 1;
                let reply = Reply {
                    ok: r.ok,
                    value: r.value,
                };
                let op = &mut self.history[h];
                op.complete = Some(now);
                op.complete_seq = self.order;
                op.reply = Some(reply.clone());
                self.record(TraceEvent::Complete {
                    client: r.client,
                    op_id: h as u64,
                    reply,
                });
            }
            if mine {
                let c = &mut self.clients[k];
                c.outstanding = None;
                c.wake = now + THINK_MS;
            }
        }
    }

    /// Stores a snapshot node `id` persisted on its disk: the log keeps the entries after it
    /// when it holds the snapshot's last entry with the snapshot's term, and is emptied
    /// otherwise (Figure 13, steps 6 and 7). With `installed` (a leader's snapshot), the node's
    /// state machine is replaced by it: it is judged now, and the applied index jumps to it.
    /// False when the node broke the protocol (the failure is set).
    fn store_snapshot(&mut self, id: NodeId, snap: &SnapshotState, installed: bool) -> bool {
        let slot = self.slots.get_mut(&id).expect("invariant: slot");
        let si = slot.disk.snapshot_index();
        if snap.index <= si {
            self.fail(
                "Node Error",
                vec![id],
                format!("S{id} broke the protocol: persist.snapshot at index {} is not newer than its stored snapshot (index {si}); a node keeps its newest snapshot and ignores older ones", snap.index),
            );
            return false;
        }
        let keeps = snap.index <= slot.disk.last_index()
            && slot.disk.log[(snap.index - si - 1) as usize].term == snap.term;
        if keeps {
            slot.disk.log.drain(..(snap.index - si) as usize);
        } else {
            slot.disk.log.clear();
        }
        slot.disk.snapshot = Some(snap.clone());
        slot.log = disk_log(&slot.disk);
        if installed {
            self.judge_snapshot(id, snap, true);
            self.slots.get_mut(&id).expect("invariant: slot").applied = snap.index;
        }
        true
    }

    /// Tells the checker of a snapshot (its last entry must be the committed one, with its
    /// term), compares its data with any other snapshot at the same index, and records it.
    fn judge_snapshot(&mut self, id: NodeId, snap: &SnapshotState, installed: bool) {
        if installed {
            self.snapshot_counts.1 += 1;
        } else {
            self.snapshot_counts.0 += 1;
        }
        self.checker
            .on_snapshot(id, snap.index, snap.term, installed);
        let text = serde_json::to_string(&snap.data).unwrap_or_default();
        match self.snapshots.get(&snap.index) {
            Some((first, by)) if *first != text => {
                let quote = |t: &str| -> String {
                    let q: String = t.chars().take(QUOTE_CHARS).collect();
                    if q.len() < t.len() {
                        format!("{q}…")
                    } else {
                        q
                    }
                };
                let by = *by;
                let detail = format!(
                    "S{id}'s snapshot at index {} holds {} but S{by}'s at the same index held {}: state machines that applied the same entries must be equal (§5.4.3); was an entry applied twice or skipped, or a snapshot restored wrongly?",
                    snap.index,
                    quote(&text),
                    quote(first)
                );
                self.fail("State Machine Safety", vec![id, by], detail);
            }
            Some(_) => {}
            None => {
                self.snapshots.insert(snap.index, (text, id));
                while self.snapshots.len() > SNAPSHOTS_KEPT {
                    self.snapshots.pop_first();
                }
            }
        }
        self.record(TraceEvent::Snapshot {
            node: id,
            index: snap.index,
            term: snap.term,
            source: if installed {
                crate::trace::SnapshotSource::Leader
            } else {
                crate::trace::SnapshotSource::Compaction
            },
        });
    }

    /// The connected running leader of the highest term, if any.
    fn leader(&self) -> Option<NodeId> {
        let top = self.top_term();
        self.slots
            .iter()
            .filter(|(id, s)| s.node.is_some() && self.connected.contains(id))
            .find(|(_, s)| s.state.role == RoleName::Leader && s.state.term == top)
            .map(|(&id, _)| id)
    }

    fn top_term(&self) -> u64 {
        self.slots
            .iter()
            .filter(|(id, s)| s.node.is_some() && self.connected.contains(id))
            .map(|(_, s)| s.state.term)
            .max()
            .unwrap_or(0)
    }

    fn pick(&mut self, pool: Vec<NodeId>) -> Option<NodeId> {
        if pool.is_empty() {
            return None;
        }
        Some(pool[self.rng.range(0, pool.len() as u64 - 1) as usize])
    }

    fn target(&mut self, who: &Option<Value>, kind: ActKind) -> Option<NodeId> {
        match who {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => match s.as_str() {
                "leader" => self.leader(),
                "follower" => {
                    let l = self.leader();
                    let pool = self
                        .ids
                        .iter()
                        .copied()
                        .filter(|&i| Some(i) != l && self.running(i) && self.connected.contains(&i))
                        .collect();
                    self.pick(pool)
                }
                "any" => {
                    let pool = self
                        .ids
                        .iter()
                        .copied()
                        .filter(|&i| match kind {
                            ActKind::Restart => !self.running(i),
                            _ => !self.connected.contains(&i),
                        })
                        .collect();
                    self.pick(pool)
                }
                _ => {
                    let pool = self.ids.clone();
                    self.pick(pool)
                }
            },
            _ => None,
        }
    }

    fn isolate(&mut self, id: NodeId) {
        for &o in &self.ids.clone() {
            if o != id {
                self.net
                    .set_link(id, o, LinkState::Cut, self.now, &mut self.rng);
                self.net
                    .set_link(o, id, LinkState::Cut, self.now, &mut self.rng);
            }
        }
        self.connected.remove(&id);
    }

    fn reconnect(&mut self, id: NodeId) {
        self.connected.insert(id);
        for o in self.connected.clone() {
            if o != id {
                self.net
                    .set_link(id, o, LinkState::Healthy, self.now, &mut self.rng);
                self.net
                    .set_link(o, id, LinkState::Healthy, self.now, &mut self.rng);
            }
        }
    }

    fn act(&mut self, t: &Timed) {
        match t.action {
            ActKind::Crash => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.crash(id);
                }
            }
            ActKind::Restart => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.start(id);
                }
            }
            ActKind::RestartAll => {
                for id in self.ids.clone() {
                    self.crash(id);
                }
                for id in self.ids.clone() {
                    self.start(id);
                }
            }
            ActKind::Isolate => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.isolate(id);
                }
            }
            ActKind::Reconnect => {
                if let Some(id) = self.target(&t.node, t.action) {
                    self.reconnect(id);
                }
            }
            ActKind::Partition => {
                let groups = t.groups.clone().unwrap_or_default();
                self.net.partition(&groups, self.now, &mut self.rng);
                let biggest = groups
                    .iter()
                    .max_by_key(|g| g.len())
                    .cloned()
                    .unwrap_or_default();
                self.connected = biggest.into_iter().collect();
            }
            ActKind::PartitionLeader => {
                let Some(l) = self.leader() else { return };
                let others: Vec<NodeId> = self.ids.iter().copied().filter(|&i| i != l).collect();
                let mate = others[self.rng.range(0, others.len() as u64 - 1) as usize];
                let minority = vec![l, mate];
                let majority: Vec<NodeId> = others.into_iter().filter(|&i| i != mate).collect();
                self.net
                    .partition(&[minority, majority.clone()], self.now, &mut self.rng);
                self.connected = majority.into_iter().collect();
            }
            ActKind::Heal => {
                self.net.heal_all(self.now, &mut self.rng);
                self.connected = self.ids.iter().copied().collect();
            }
            ActKind::Net => {
                if let Some(c) = &t.net {
                    self.net.config = c.clone();
                }
            }
            ActKind::CrashChaos | ActKind::IsolateChaos => {
                let every = t.every_ms.unwrap_or(100);
                self.chaos = Some((t.action, self.now, t.until.unwrap_or(self.now), every));
            }
        }
    }

    /// One round of chaos (MIT 6.824's Figure 8 tests): the leader is crashed (or cut off)
    /// with probability 1/2, and a downed node comes back whenever fewer than a majority run.
    fn chaos_round(&mut self, kind: ActKind) {
        if let Some(l) = self.leader() {
            if self.rng.chance(500_000) {
                match kind {
                    ActKind::CrashChaos => self.crash(l),
                    _ => self.isolate(l),
                }
            }
        }
        let up = |r: &Self, i: NodeId| match kind {
            ActKind::CrashChaos => r.running(i),
            _ => r.connected.contains(&i),
        };
        let count = self.ids.iter().filter(|&&i| up(self, i)).count();
        if count * 2 <= self.ids.len() {
            let pool = self.ids.iter().copied().filter(|&i| !up(self, i)).collect();
            if let Some(i) = self.pick(pool) {
                match kind {
                    ActKind::CrashChaos => self.start(i),
                    _ => self.reconnect(i),
                }
            }
        }
    }

    fn end_chaos(&mut self, kind: ActKind) {
        for id in self.ids.clone() {
            match kind {
                ActKind::CrashChaos => self.start(id),
                _ => self.reconnect(id),
            }
        }
        self.chaos = None;
    }

    fn client_round(&mut self, k: usize) {
        let now = self.now;
        let resend = self.test.resend;
        let c = &mut self.clients[k];
        if let Some((seq, h, deadline)) = c.outstanding {
            if now < deadline {
                // Not due yet: sleep until the deadline (never wake again at this time).
                c.wake = deadline;
                return;
            }
            // No answer in time: without `resend` the request stays in the history, maybe done,
            // maybe not; with it, the same request goes to another node.
            c.outstanding = None;
            if resend {
                c.retry = Some((seq, h));
            }
            c.target = self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize];
        }
        let c = &mut self.clients[k];
        if now >= self.clients_stop {
            c.wake = u64::MAX;
            c.retry = None;
            return;
        }
        if let Some((seq, h)) = c.retry {
            self.resend(k, seq, h);
            return;
        }
        let c = &mut self.clients[k];
        c.seq += 1;
        let (client, seq, target) = (c.id, c.seq, c.target);
        let key = ["a", "b", "c"][self.rng.range(0, 2) as usize].to_string();
        let op = match self.rng.range(0, 9) {
            0..=3 => Op::Put {
                key,
                value: format!("{client}.{seq}"),
            },
            4..=6 => Op::Append {
                key,
                value: format!("{client}.{seq};"),
            },
            _ => Op::Get { key },
        };
        if !self.running(target) {
            let c = &mut self.clients[k];
            c.wake = now + THINK_MS;
            c.target = self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize];
            return;
        }
        self.order += 1;
        let mut h = HistoryOp::new(client, op.clone(), now);
        h.invoke_seq = self.order;
        let index = self.history.len();
        self.history.push(h);
        self.by_cmd.insert((client, seq), index);
        self.record(TraceEvent::Invoke {
            client,
            op_id: index as u64,
            seq,
            op: op.clone(),
        });
        let c = &mut self.clients[k];
        c.outstanding = Some((seq, index, now + CLIENT_TIMEOUT_MS));
        c.wake = now + CLIENT_TIMEOUT_MS;
        self.step_record();
        self.feed(
            target,
            Input::Request {
                now,
                client,
                seq,
                op,
            },
        );
    }

    /// Sends client `k`'s unanswered request `seq` (history entry `h`) again, with the same
    /// sequence number, so that a node that already applied it must answer it without running
    /// it twice (dissertation §6.3). The history keeps one operation, invoked at the first try.
    fn resend(&mut self, k: usize, seq: u64, h: usize) {
        let now = self.now;
        let (client, target) = (self.clients[k].id, self.clients[k].target);
        if !self.running(target) {
            let c = &mut self.clients[k];
            c.wake = now + THINK_MS;
            c.target = self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize];
            return;
        }
        let c = &mut self.clients[k];
        c.retry = None;
        c.outstanding = Some((seq, h, now + CLIENT_TIMEOUT_MS));
        c.wake = now + CLIENT_TIMEOUT_MS;
        // It may be accepted this time: judged as an operation that may have happened.
        self.declined.remove(&h);
        self.resends += 1;
        let op = self.history[h].op.clone();
        self.step_record();
        self.feed(
            target,
            Input::Request {
                now,
                client,
                seq,
                op,
            },
        );
    }

    fn judge(&mut self, e: &Expect) {
        match e {
            Expect::Leader { at } => {
                if self.leader().is_none() {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!("no leader among the connected running nodes at {at} ms (a majority of them can reach each other, so one should have been elected, §5.2)"),
                    );
                }
            }
            Expect::NoLeader { at } => {
                if let Some(l) = self.leader() {
                    self.fail(
                        "Liveness",
                        vec![l],
                        format!("S{l} claims to lead at {at} ms, but the connected running nodes are not a majority"),
                    );
                }
            }
            Expect::TermStable { from, to } => {
                let a = self.term_marks.get(from).copied().unwrap_or(0);
                let b = self.top_term();
                if a != b {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!("the term went from {a} at {from} ms to {b} at {to} ms although nothing failed: elections without need (heartbeats too slow, or timeouts too short?)"),
                    );
                }
            }
            Expect::Progress { from, by, ops } => {
                let n = self
                    .history
                    .iter()
                    .filter(|h| h.complete.is_some_and(|t| t >= *from && t <= *by))
                    .count() as u64;
                if n < *ops {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!("only {n} client requests completed between {from} and {by} ms; expected at least {ops}"),
                    );
                }
            }
            Expect::Agree { at } => {
                let live: Vec<(NodeId, u64, u64)> = self
                    .slots
                    .iter()
                    .filter(|(id, s)| s.node.is_some() && self.connected.contains(id))
                    .map(|(&id, s)| (id, s.state.commit, s.applied))
                    .collect();
                let top = live.iter().map(|x| x.1).max().unwrap_or(0);
                let behind: Vec<String> = live
                    .iter()
                    .filter(|x| x.1 != top || x.2 != top)
                    .map(|x| format!("S{} committed {} applied {}", x.0, x.1, x.2))
                    .collect();
                if top == 0 || !behind.is_empty() {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!(
                            "no agreement at {at} ms: the highest commit index is {top}; {}",
                            if behind.is_empty() {
                                "nothing committed".to_string()
                            } else {
                                behind.join(", ")
                            }
                        ),
                    );
                }
            }
        }
    }

    fn over_budget(&mut self) -> bool {
        if self.steps.len() as u64 > MAX_STEPS {
            self.fail(
                "Node Error",
                vec![],
                format!("more than {MAX_STEPS} inputs in one test"),
            );
            return true;
        }
        if self.started.elapsed() > self.wall_limit {
            let s = self.wall_limit.as_secs();
            self.fail(
                "Node Error",
                vec![],
                format!("the grading's wall-clock limit of {s} s ran out during this test"),
            );
            return true;
        }
        false
    }

    fn run(&mut self) {
        for id in self.ids.clone() {
            self.step_record();
            self.start(id);
        }
        let timeline = self.test.timeline.clone();
        let mut expects = self.test.expect.clone();
        expects.sort_by_key(Expect::time);
        let marks: BTreeSet<u64> = expects
            .iter()
            .filter_map(|e| match e {
                Expect::TermStable { from, .. } => Some(*from),
                _ => None,
            })
            .collect();
        let (mut ti, mut ei) = (0, 0);
        let mut next_tick = TICK_MS;
        let mut marks_iter: Vec<u64> = marks.into_iter().collect();
        marks_iter.reverse();
        while self.failure.is_none() && !self.over_budget() {
            let mut t = next_tick;
            if let Some(d) = self.net.next_delivery() {
                t = t.min(d);
            }
            if let Some(a) = timeline.get(ti) {
                t = t.min(a.at);
            }
            if let Some(e) = expects.get(ei) {
                t = t.min(e.time());
            }
            if let Some(&m) = marks_iter.last() {
                t = t.min(m);
            }
            if let Some((_, at, _, _)) = self.chaos {
                t = t.min(at);
            }
            if let Some(w) = self.clients.iter().map(|c| c.wake).min() {
                t = t.min(w);
            }
            if t > self.test.until {
                break;
            }
            self.now = t;
            while marks_iter.last() == Some(&t) {
                marks_iter.pop();
                let top = self.top_term();
                self.term_marks.insert(t, top);
            }
            while ei < expects.len() && expects[ei].time() <= t && self.failure.is_none() {
                let e = expects[ei].clone();
                self.judge(&e);
                ei += 1;
            }
            while ti < timeline.len() && timeline[ti].at <= t && self.failure.is_none() {
                let a = timeline[ti].clone();
                self.step_record();
                self.act(&a);
                ti += 1;
            }
            if let Some((kind, at, until, every)) = self.chaos {
                if at <= t {
                    self.step_record();
                    if t >= until {
                        self.end_chaos(kind);
                    } else {
                        self.chaos_round(kind);
                        let next = t + self.rng.range(every / 2, every + every / 2).max(1);
                        self.chaos = Some((kind, next, until, every));
                    }
                }
            }
            while let Some(f) = self.net.pop_due(t) {
                if self.failure.is_some() {
                    break;
                }
                let msg = self.payloads.remove(&f.id).unwrap_or(Value::Null);
                let (from, to) = (f.msg.from, f.msg.to);
                self.step_record();
                if self.running(to) {
                    self.record(TraceEvent::Deliver { id: f.id, from, to });
                    self.feed(to, Input::Message { now: t, from, msg });
                } else {
                    self.record(TraceEvent::Drop {
                        id: f.id,
                        from,
                        to,
                        reason: "node down".into(),
                    });
                }
            }
            if t == next_tick {
                next_tick += TICK_MS;
                for id in self.ids.clone() {
                    if self.running(id) && self.failure.is_none() {
                        self.step_record();
                        self.feed(id, Input::Tick { now: t });
                    }
                }
            }
            for k in 0..self.clients.len() {
                if self.clients[k].wake <= t && self.failure.is_none() {
                    self.client_round(k);
                }
            }
        }
        if self.failure.is_none() {
            self.now = self.now.max(self.test.until);
            for e in &expects[ei..] {
                self.judge(e);
            }
        }
        if self.failure.is_none() {
            self.judge_history();
        }
        for id in self.ids.clone() {
            if let Some(mut n) = self.slots.get_mut(&id).and_then(|s| s.node.take()) {
                n.stop();
            }
        }
    }

    /// Linearizability of the clients' history. A request a node declined (`not_leader`) is
    /// left out unless some node applied it anyway.
    fn judge_history(&mut self) {
        let history: Vec<HistoryOp> = self
            .history
            .iter()
            .enumerate()
            .filter(|(k, h)| {
                !self.declined.contains(k)
                    || h.complete.is_some()
                    || self
                        .by_cmd
                        .iter()
                        .any(|(c, &i)| i == *k && self.seen_applied.contains(c))
            })
            .map(|(_, h)| h.clone())
            .collect();
        match verdict_with_budget(&history, DEFAULT_MAX_STEPS) {
            Verdict::Linearizable(_) => {}
            Verdict::NotLinearizable(e) => {
                self.fail("Linearizability", vec![], e.to_string());
            }
            Verdict::Undecided(s) => {
                self.fail(
                    "Linearizability",
                    vec![],
                    format!(
                        "undecided: the search ran out of budget on {} key(s) (not a pass)",
                        s.unknown_keys.len()
                    ),
                );
            }
        }
    }

    fn report(&self) -> TestReport {
        let completed = self.history.iter().filter(|h| h.complete.is_some()).count();
        TestReport {
            name: self.test.name.clone(),
            about: self.test.about.clone(),
            seed: self.seed,
            failure: self.failure.clone(),
            end_ms: self.now,
            steps: self.steps.len() as u64,
            ops: (self.history.len(), completed),
            snapshots: self.snapshot_counts,
            resends: (self.resends, self.duplicates),
            trace: (self.keep_trace && self.failure.is_some()).then(|| self.trace_jsonl()),
        }
    }

    /// The trace in raft-sim's trace format. The header's `recorded` field (`source: "byo"`,
    /// the general form for runs recorded outside raft-sim's world) and its `byo` field (the
    /// test; kept for readers that know only it) say the records come from a node outside
    /// raft-core: they are to be shown as they are (the playground does), since replaying the
    /// header's options would run raft-core instead.
    fn trace_jsonl(&self) -> String {
        use core::fmt::Write as _;
        let options = crate::SimOptions {
            nodes: self.test.nodes,
            seed: self.seed,
            net: self.test.net.clone(),
            ..Default::default()
        };
        let mut out = String::new();
        let header = serde_json::json!({"kind": "header", "format": "raft-trace", "version": crate::trace::TRACE_VERSION, "options": options,
            "byo": {"test": self.test.name, "note": "recorded from a node behind the classroom protocol: show these records; do not replay the options (that would run raft-core)"},
            "recorded": {"source": "byo", "note": format!("a classroom node graded by raft-sim grade, test {}", self.test.name)}});
        let _ = writeln!(out, "{header}");
        for r in &self.trace {
            let _ = writeln!(out, "{}", serde_json::to_string(r).unwrap_or_default());
        }
        let footer = serde_json::json!({"kind": "footer", "end": self.now, "steps": self.events, "records": self.trace.len(), "hash": format!("{:016x}", self.hash.value())});
        let _ = writeln!(out, "{footer}");
        out
    }
}

/// The persisted log as raft-core entries, for the checker: after the snapshot's index.
fn disk_log(disk: &Persisted) -> RaftLog {
    let (si, st) = disk.snapshot.as_ref().map_or((0, 0), |s| (s.index, s.term));
    let entries: Vec<Entry> = disk
        .log
        .iter()
        .enumerate()
        .map(|(k, e)| checker_entry(si + k as u64 + 1, e.term, &e.cmd))
        .collect();
    RaftLog::restore(si, st, entries.clone()).unwrap_or_else(|_| {
        // Terms that decrease along the log: keep the entries anyway (the checker judges
        // their consequences), unchecked.
        let mut l = RaftLog::restore(si, st, Vec::new()).unwrap_or_default();
        for e in entries {
            l.push(e);
        }
        l
    })
}

/// FNV-1a, to compare answers between two runs.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Checks an answer's bounds and recipients.
fn validate(out: &Output, me: NodeId, ids: &[NodeId]) -> Result<(), String> {
    let big = |what: &str, n: u64| {
        if n > MAX_NUMBER {
            Err(format!("{what} {n} is above 2^53 - 1"))
        } else {
            Ok(())
        }
    };
    if out.send.len() > MAX_SENDS {
        return Err(format!(
            "{} messages in one answer (at most {MAX_SENDS})",
            out.send.len()
        ));
    }
    if out.applied.len() > MAX_APPLIED {
        return Err(format!(
            "{} applied entries in one answer (at most {MAX_APPLIED})",
            out.applied.len()
        ));
    }
    if out.replies.len() > MAX_REPLIES {
        return Err(format!(
            "{} replies in one answer (at most {MAX_REPLIES})",
            out.replies.len()
        ));
    }
    big("state.term", out.state.term)?;
    big("state.commit", out.state.commit)?;
    if let Some(p) = &out.persist {
        big("persist.term", p.term)?;
        if let Some(snap) = &p.snapshot {
            big("persist.snapshot.index", snap.index)?;
            big("persist.snapshot.term", snap.term)?;
            if snap.index == 0 {
                return Err("it persisted a snapshot at index 0 (the log starts at 1)".into());
            }
        }
        if p.entries.len() > MAX_PERSIST_ENTRIES {
            return Err(format!(
                "{} entries persisted in one answer (at most {MAX_PERSIST_ENTRIES})",
                p.entries.len()
            ));
        }
        if let Some(v) = p.vote {
            if !ids.contains(&v) {
                return Err(format!("it voted for S{v}, which is not in the cluster"));
            }
        }
        for e in &p.entries {
            big("an entry's term", e.term)?;
        }
    }
    for s in &out.send {
        if !ids.contains(&s.to) {
            return Err(format!(
                "it sent a {} message to S{}, which is not in the cluster {:?}",
                s.kind, s.to, ids
            ));
        }
        if s.to == me {
            return Err(format!("it sent a {} message to itself", s.kind));
        }
        if s.kind.len() > MAX_KIND_BYTES {
            return Err(format!("a message kind longer than {MAX_KIND_BYTES} bytes"));
        }
        big("a message's term", s.term)?;
    }
    for a in &out.applied {
        big("an applied index", a.index)?;
        if a.index == 0 {
            return Err("it applied index 0 (the log starts at 1)".into());
        }
    }
    Ok(())
}

/// The raft-core message that stands for a node's message on the network and in the views:
/// the message itself when it is one (the reference node's), else a body chosen by `kind`,
/// with the fields the views show read from the message when it has them under the paper's
/// names (`last_log_index`, `last_log_term`, `vote_granted`, `prev_log_index`, `prev_log_term`,
/// `leader_commit`, `success`, `match_index`).
fn stand_in(from: NodeId, to: NodeId, kind: &str, term: u64, msg: &Value) -> Message {
    let num = |k: &str| {
        msg.get(k)
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_NUMBER)
    };
    let flag = |k: &str| msg.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Ok(m) = serde_json::from_value::<Message>(msg.clone()) {
        if m.from == from && m.to == to {
            return m;
        }
    }
    let body = match kind {
        "RequestVote" => Body::Vote {
            last_index: num("last_log_index"),
            last_term: num("last_log_term"),
            transfer: false,
        },
        "RequestVoteReply" => Body::VoteResp {
            granted: flag("vote_granted"),
        },
        "AppendEntries" => Body::Append {
            prev_index: num("prev_log_index"),
            prev_term: num("prev_log_term"),
            entries: Default::default(),
            commit: num("leader_commit"),
        },
        "AppendEntriesReply" => Body::AppendResp {
            index: num("match_index"),
            reject: !flag("success"),
            hint_index: 0,
            hint_term: 0,
        },
        k if k.ends_with("Reply") => Body::HeartbeatResp { read_ctx: 0 },
        _ => Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    };
    Message {
        from,
        to,
        term,
        body,
    }
}
