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
//! Layout: this file holds the public face (options, reports, [`run_test`] with its
//! nondeterminism check, [`run_suite`]) and the state of one run; `grade/run.rs` drives a run
//! (nodes, faults, the loop in virtual time), `grade/answer.rs` handles and judges each answer,
//! `grade/clients.rs` runs the clients, `grade/expect.rs` judges the test's expectations and
//! the history, and `grade/trace_writer.rs` writes the trace. The tests are in
//! [`crate::grade_suite`].
//!
//! Bounds: virtual time per test at most [`MAX_TEST_MS`]; inputs per test at most
//! [`MAX_STEPS`]; each answer within the per-step wall-clock limit of the process adapter;
//! the whole run within the caller's wall-clock limit ([`GradeOptions::wall_limit`]).

mod answer;
mod clients;
mod expect;
mod run;
mod trace_writer;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use serde::Serialize;
use serde_json::Value;

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
    /// The wall clock the limit is measured with: [`system_clock`] natively; a browser worker
    /// passes one that reads `Date.now()`, since `std::time::Instant` panics on
    /// wasm32-unknown-unknown. It only bounds the grading; no run depends on it.
    pub clock: WallClock,
    /// Who grades, as the trace header's `byo.grader` says: [`CLI_GRADER`], or the page's
    /// worker. The playground tells a person how to rerun the test from it.
    pub grader: &'static str,
}

/// [`GradeOptions::grader`] of `raft-sim grade`.
pub const CLI_GRADER: &str = "raft-sim grade";

/// A wall clock: the time since a fixed moment of the caller's choice. Only differences are
/// used.
pub type WallClock = fn() -> Duration;

/// The native wall clock: time since the first call in this process.
#[cfg(not(target_arch = "wasm32"))]
pub fn system_clock() -> Duration {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// One step of a run, for the nondeterminism check: the node, the input's kind and time, and a
/// hash of the answer.
type StepRecord = (NodeId, &'static str, u64, u64);

/// Runs `test` with nodes made by `factory`. `started` is the reading of `opts.clock` when
/// the grading began: the wall-clock limit counts from there.
pub fn run_test(
    test: &GradeTest,
    factory: &mut NodeFactory,
    opts: &GradeOptions,
    started: Duration,
) -> TestReport {
    let mut first = Run::new(
        test,
        opts.seed,
        factory,
        opts.keep_trace,
        (opts.clock, started),
        opts.wall_limit,
    );
    first.grader = opts.grader;
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
        let mut second = Run::new(
            test,
            opts.seed,
            factory,
            false,
            (opts.clock, started),
            opts.wall_limit,
        );
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
    let started = (opts.clock)();
    tests
        .iter()
        .map(|t| {
            if (opts.clock)().saturating_sub(started) > opts.wall_limit {
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

/// Runs `test` over seeds `opts.seed`, `opts.seed + 1`, … (`seeds` of them) until one fails:
/// the report is that seed's, or the last seed's (`None` when `seeds` is 0). Each run gets
/// what is left of `opts.wall_limit` since `began` (a reading of `opts.clock`). `raft-sim
/// grade --seeds` and the page's grader both grade this way.
pub fn run_over_seeds(
    test: &GradeTest,
    factory: &mut NodeFactory,
    opts: &GradeOptions,
    seeds: u64,
    began: Duration,
) -> Option<TestReport> {
    let mut last = None;
    for k in 0..seeds {
        let one = run_suite(
            core::slice::from_ref(test),
            factory,
            &GradeOptions {
                seed: opts.seed + k,
                wall_limit: opts
                    .wall_limit
                    .saturating_sub((opts.clock)().saturating_sub(began)),
                ..opts.clone()
            },
        )
        .remove(0);
        let failed = !one.passed();
        last = Some(one);
        if failed {
            break;
        }
    }
    last
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
    /// The store the committed log describes: the reply each command must have.
    model: answer::Model,
    /// The wall clock and its reading when the grading began.
    started: (WallClock, Duration),
    wall_limit: Duration,
    /// [`GradeOptions::grader`], for the trace's header.
    grader: &'static str,
}

/// FNV-1a, to compare answers between two runs.
fn fnv(bytes: &[u8]) -> u64 {
    crate::trace::fnv_bytes(crate::trace::FNV_OFFSET, bytes)
}
