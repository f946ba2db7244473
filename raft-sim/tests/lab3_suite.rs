//! The classic course lab tests for a fault-tolerant key/value service on Raft (the MIT
//! 6.824/6.5840 lab 3 suite, kvraft: 3A without and 3B with snapshots), re-expressed against
//! the simulator's API, as `lab_suite.rs` does for labs 2A–2D.
//!
//! A lab clerk is one of the world's clerks ([`World::clerk`]): a client session of its own
//! that sends `Get`, `Put` or `Append` to the node it last heard from, follows redirects and
//! retries with the same sequence number on timeouts until a node answers, so a retried append
//! runs once (§6.3). `makeClient(to)` and `ConnectClient` are [`Action::ClerkReach`]. The
//! service is the simulator's key/value store; `maxraftstate` is its byte budget for the log
//! ([`SimOptions::snapshot_max_log_bytes`]), and the labs' `LogSize` is the largest
//! [`raft_core::storage::MemStorage::raft_state_bytes`] of any server. Every safety checker of
//! the simulator runs throughout (Exactly Once among them); a violation fails the test. The
//! labs' Porcupine check is [`raft_sim::linearizability::verdict`] over the world's whole client
//! history, the tester's own clerk included; an undecided verdict fails the test (the labs
//! pass a check that timed out).
//!
//! Schedules and bounds are the labs' (five seconds of clients per round, three rounds,
//! partitions that move every 1–1.2 s, an "election timeout" of one second in the sleeps); the
//! cluster runs our timers (150–300 ms elections, 50 ms heartbeats).
//!
//! Differences forced by our design, none in the tests' favour:
//! * Clerks do not talk over the simulated network: a request reaches the node at once. On the
//!   labs' unreliable network a tenth of the clerks' requests and replies are lost too; here the
//!   harness redraws every 10 ms which servers each clerk reaches, each one with nine chances in
//!   ten, so a tenth of requests are lost and a reply is lost whenever its server dropped out of
//!   reach while the clerk waited (the clerk times out and retries, and the retry must be
//!   recognised as a duplicate): with operations taking 10–50 ms, more often than the labs'
//!   tenth. On the labs' network a lost reply returns at once and the clerk asks again; ours
//!   waits for its timeout, 100 ms on an unreliable network instead of the default 400 ms,
//!   which would cut the operations of a round to less than half.
//! * Our `Append` answers with the value after it, and the linearizability check holds it to
//!   that value (the labs' appends answer nothing, so Porcupine cannot check them).
//! * The labs' reliable network adds no delay; ours takes 10–18 ms each way, which by itself
//!   makes a write take ~30 ms. The speed tests run on a 1 ms network and hold us to the labs'
//!   rule, three operations per heartbeat interval, with our 50 ms heartbeats: 16.7 ms per
//!   operation, half the labs' 33 ms.
//! * Sizes are counted in our encoding (16 bytes of index and term per entry, the command as
//!   the log holds it, 24 bytes of hard state; a snapshot holds the store and the session
//!   table), not Go's gob; the bounds are the labs' (eight times `maxraftstate` for the Raft
//!   state, 500 bytes for a snapshot).

use std::panic::{catch_unwind, AssertUnwindSafe};

use raft_core::types::NodeId;
use raft_sim::linearizability::{verdict, Verdict};
use raft_sim::network::NetConfig;
use raft_sim::rng::SimRng;
use raft_sim::trace::{SessionOutcome, SnapshotSource};
use raft_sim::world::{ClientOptions, HistoryOp};
use raft_sim::{Action, Op, Reply, SimOptions, TraceEvent, World};

/// The labs' election timeout in their sleeps, ms.
const ELECTION_TIMEOUT: u64 = 1_000;

/// The longest a clerk may wait for one answer before the test fails, ms (the labs have no
/// bound but the test's; a minute is far beyond anything a healthy run needs).
const OP_LIMIT: u64 = 60_000;

/// How often the harness redraws which servers each clerk reaches on an unreliable network.
const RELINK_MS: u64 = 10;

/// One server in ten out of a clerk's reach at each redraw (the labs lose 10% of RPCs).
const LOSS_PPM: u32 = 100_000;

/// How long a clerk waits for an answer on an unreliable network before it asks again, ms
/// (see the module's doc).
const CLERK_TIMEOUT_UNRELIABLE: u64 = 100;

/// The seeds each test runs.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=3;

/// The labs' kvraft tester (`config.go`): a cluster of key/value servers and the clerks that
/// talk to it.
struct Kv {
    w: World,
    n: usize,
    rng: SimRng,
    unreliable: bool,
    /// Per clerk: the servers it is connected to (`makeClient(to)`), before any losses.
    reach: Vec<Vec<NodeId>>,
    /// Per clerk: whether the test is done with it (its links are no longer redrawn).
    retired: Vec<bool>,
    /// When the clerks' links are next redrawn (unreliable network only).
    next_relink: u64,
    /// Lab 3B's `maxraftstate` (`None`: -1, no snapshots).
    maxraftstate: Option<u64>,
    /// A bug planted in the clerks, to show the checks catch it: a clerk that gets no answer
    /// within this many ms gives up and the operation is sent again in a new session, as a
    /// clerk that draws a new request id for each attempt would (`None`: clerks are correct).
    forgetful_after: Option<u64>,
}

impl Kv {
    /// The labs' `make_config(t, n, unreliable, maxraftstate)`.
    fn new(n: usize, seed: u64, unreliable: bool, maxraftstate: Option<u64>) -> Kv {
        Kv::with(n, seed, unreliable, maxraftstate, |_| {})
    }

    /// [`Kv::new`] with options changed by `tweak` (a faster network, a bug switched on).
    fn with(
        n: usize,
        seed: u64,
        unreliable: bool,
        maxraftstate: Option<u64>,
        tweak: impl FnOnce(&mut SimOptions),
    ) -> Kv {
        let mut opts = SimOptions {
            nodes: n as u32,
            seed,
            snapshot_max_log_bytes: maxraftstate.unwrap_or(0),
            clients: ClientOptions {
                enabled: false,
                ..ClientOptions::default()
            },
            ..SimOptions::default()
        };
        if unreliable {
            // The labs' unreliable network: up to 27 ms of delay, a tenth of requests and of
            // replies lost.
            opts.net = NetConfig {
                latency_min: 1,
                latency_max: 27,
                drop_ppm: 100_000,
                ..NetConfig::default()
            };
            opts.clients.timeout_ms = CLERK_TIMEOUT_UNRELIABLE;
        }
        tweak(&mut opts);
        Kv {
            w: World::new(opts).expect("valid options"),
            n,
            rng: SimRng::new(seed ^ 0x1AB3),
            unreliable,
            reach: Vec::new(),
            retired: Vec::new(),
            next_relink: RELINK_MS,
            maxraftstate,
            forgetful_after: None,
        }
    }

    fn id(i: usize) -> NodeId {
        i as NodeId + 1
    }

    fn all(&self) -> Vec<usize> {
        (0..self.n).collect()
    }

    fn act(&mut self, a: Action) {
        self.w
            .act(a.clone())
            .unwrap_or_else(|e| panic!("{a:?}: {e}"));
        self.safe();
    }

    /// Fails the test at the first safety violation the simulator's checkers found.
    fn safe(&self) {
        if let Some(v) = self.w.violation() {
            panic!("{} at {} ms: {}", v.property, v.time, v.detail);
        }
    }

    /// The labs' `makeClient(to)`: a new clerk connected to servers `to`.
    fn make_client(&mut self, to: &[usize]) -> u64 {
        let ck = self.reach.len() as u64;
        self.reach.push(Vec::new());
        self.retired.push(false);
        self.connect_client(ck, to);
        ck
    }

    /// The labs' `ConnectClient(ck, to)`.
    fn connect_client(&mut self, ck: u64, to: &[usize]) {
        let nodes: Vec<NodeId> = to.iter().map(|&i| Self::id(i)).collect();
        self.reach[ck as usize] = nodes.clone();
        self.act(Action::ClerkReach { clerk: ck, nodes });
    }

    /// On an unreliable network, every clerk loses each of its servers with one chance in ten
    /// until the next redraw.
    fn relink(&mut self) {
        for ck in 0..self.reach.len() {
            if self.retired[ck] {
                continue;
            }
            let nodes: Vec<NodeId> = self.reach[ck]
                .clone()
                .into_iter()
                .filter(|_| !self.rng.chance(LOSS_PPM))
                .collect();
            self.act(Action::ClerkReach {
                clerk: ck as u64,
                nodes,
            });
        }
    }

    /// Runs the world until `pred` holds or the clock reaches `deadline`; whether `pred` held.
    fn run_until(&mut self, deadline: u64, pred: impl Fn(&World) -> bool) -> bool {
        loop {
            let stop = if self.unreliable {
                deadline.min(self.next_relink)
            } else {
                deadline
            };
            let held = self.w.run_until(stop, &pred);
            self.safe();
            if held {
                return true;
            }
            // A world stops at a violation its checkers cannot run past (with a break-it switch
            // on; otherwise `safe` failed the test already).
            assert!(
                self.w.now() >= stop,
                "the simulator halted at {} ms: {:?}",
                self.w.now(),
                self.w.violation()
            );
            if self.w.now() >= deadline {
                return false;
            }
            if self.unreliable && self.w.now() >= self.next_relink {
                self.relink();
                self.next_relink = self.w.now() + RELINK_MS;
            }
        }
    }

    fn sleep(&mut self, ms: u64) {
        let until = self.w.now() + ms;
        self.run_until(until, |_| false);
    }

    /// Hands `op` to clerk `ck`; the operation's id.
    fn start(&mut self, ck: u64, op: Op) -> u64 {
        let id = self
            .w
            .clerk(ck, op)
            .unwrap_or_else(|e| panic!("clerk {ck}: {e}"));
        self.safe();
        id
    }

    /// Waits for operation `id` (at most [`OP_LIMIT`]) and returns its value ("" for none, as
    /// the labs' `Get` of a missing key).
    fn finish(&mut self, id: u64) -> String {
        let deadline = self.w.now() + OP_LIMIT;
        let done = self.run_until(deadline, |w| completed(w, id).is_some());
        assert!(
            done,
            "operation {id} got no answer in {OP_LIMIT} ms: {:?}",
            self.w.history_op(id)
        );
        completed(&self.w, id).expect("completed")
    }

    /// The labs' `Get(cfg, ck, key)`.
    fn get(&mut self, ck: u64, key: &str) -> String {
        let id = self.start(ck, Op::Get { key: key.into() });
        self.finish(id)
    }

    /// The labs' `Put(cfg, ck, key, value)`.
    fn put(&mut self, ck: u64, key: &str, value: &str) {
        let id = self.start(ck, put(key, value));
        self.finish(id);
    }

    /// The labs' `Append(cfg, ck, key, value)`.
    fn append(&mut self, ck: u64, key: &str, value: &str) {
        let id = self.start(ck, append(key, value));
        self.finish(id);
    }

    /// The labs' `check(cfg, t, ck, key, value)`.
    fn check(&mut self, ck: u64, key: &str, value: &str) {
        let v = self.get(ck, key);
        assert_eq!(v, value, "Get({key}): expected:\n{value}\nreceived:\n{v}");
    }

    /// The labs' `partition(p1, p2)`: servers talk within each group only.
    fn partition(&mut self, p1: &[usize], p2: &[usize]) {
        let ids = |p: &[usize]| p.iter().map(|&i| Self::id(i)).collect::<Vec<_>>();
        self.act(Action::Heal);
        self.act(Action::Partition {
            groups: vec![ids(p1), ids(p2)],
        });
    }

    /// The labs' `ConnectAll`.
    fn connect_all(&mut self) {
        self.act(Action::Heal);
    }

    /// The labs' `Leader()`: a server that believes it leads (the newest term's).
    fn leader(&mut self) -> usize {
        let deadline = self.w.now() + 10_000;
        assert!(
            self.run_until(deadline, |w| w.leader().is_some()),
            "no leader"
        );
        self.w.leader().expect("a leader") as usize - 1
    }

    /// The labs' `make_partition`: a majority holding the leader, and the rest.
    fn make_partition(&mut self) -> (Vec<usize>, Vec<usize>) {
        let l = self.leader();
        let mut others: Vec<usize> = (0..self.n).filter(|&i| i != l).collect();
        let p2 = others.split_off(self.n / 2);
        others.push(l);
        (others, p2)
    }

    /// The labs' `LogSize`: the largest Raft state any server persists, bytes.
    fn log_size(&self) -> u64 {
        self.w
            .nodes()
            .values()
            .map(|sn| sn.storage().raft_state_bytes())
            .max()
            .unwrap_or(0)
    }

    /// The labs' `SnapshotSize`: the largest snapshot any server persists, bytes.
    fn snapshot_size(&self) -> u64 {
        self.w
            .nodes()
            .values()
            .map(|sn| sn.storage().state().snapshot_data.len() as u64)
            .max()
            .unwrap_or(0)
    }

    /// The checks at the end of each round of the labs' `GenericTest` on the persisted sizes.
    fn check_sizes(&self) {
        match self.maxraftstate {
            Some(max) => {
                let sz = self.log_size();
                assert!(sz <= 8 * max, "logs were not trimmed ({sz} > 8*{max})");
            }
            None => {
                let ssz = self.snapshot_size();
                assert!(
                    ssz <= 500,
                    "snapshot too large ({ssz}), should not be used when maxraftstate = -1"
                );
            }
        }
    }

    /// How many snapshots servers installed from a leader so far.
    fn installed_snapshots(&self) -> usize {
        self.w
            .trace()
            .iter()
            .filter(|r| {
                matches!(
                    r.event,
                    TraceEvent::Snapshot {
                        source: SnapshotSource::Leader,
                        ..
                    }
                )
            })
            .count()
    }

    /// How many commands were answered from the session table (a retry of a command that had
    /// run already), counted once per server that applied them.
    fn duplicates(&self) -> usize {
        self.w
            .trace()
            .iter()
            .filter(|r| {
                matches!(
                    r.event,
                    TraceEvent::Apply {
                        session: Some(SessionOutcome::Duplicate),
                        ..
                    }
                )
            })
            .count()
    }

    /// The labs' Porcupine check over everything every clerk did.
    fn check_linearizable(&self) {
        check_history(self.w.history());
    }
}

/// Operation `id`'s value once it completed.
fn completed(w: &World, id: u64) -> Option<String> {
    let h = w.history_op(id)?;
    h.complete?;
    Some(value_of(h.reply.as_ref()))
}

fn value_of(reply: Option<&Reply>) -> String {
    reply.and_then(|r| r.value.clone()).unwrap_or_default()
}

fn put(key: &str, value: &str) -> Op {
    Op::Put {
        key: key.into(),
        value: value.into(),
    }
}

fn append(key: &str, value: &str) -> Op {
    Op::Append {
        key: key.into(),
        value: value.into(),
    }
}

/// Fails unless `history` is proven linearizable (the labs' "history is not linearizable";
/// a search that runs out of budget fails too).
fn check_history(history: &[HistoryOp]) {
    match verdict(history) {
        Verdict::Linearizable(_) => {}
        v => panic!("history is not linearizable: {v}"),
    }
}

/// The element client `clnt` appended as its `j`-th.
fn element(clnt: usize, j: u64) -> String {
    format!("x {clnt} {j} y")
}

/// The labs' `checkClntAppends`: client `clnt`'s `count` appends are all in `v`, each once,
/// in order.
fn check_clnt_appends(clnt: usize, v: &str, count: u64) -> Result<(), String> {
    let mut last = None;
    for j in 0..count {
        let wanted = element(clnt, j);
        let Some(off) = v.find(&wanted) else {
            return Err(format!(
                "{clnt} missing element {wanted} in Append result {v}"
            ));
        };
        if v.rfind(&wanted) != Some(off) {
            return Err(format!("duplicate element {wanted} in Append result"));
        }
        if last.is_some_and(|l| off <= l) {
            return Err(format!("wrong order for element {wanted} in Append result"));
        }
        last = Some(off);
    }
    Ok(())
}

/// The labs' `checkConcurrentAppends`: every client's appends are in `v`, each once, each
/// client's in order.
fn check_concurrent_appends(v: &str, counts: &[u64]) -> Result<(), String> {
    for (clnt, &count) in counts.iter().enumerate() {
        check_clnt_appends(clnt, v, count)?;
    }
    Ok(())
}

/// One client of the labs' `GenericTest` (its `spawn_clients_and_wait` body).
struct Worker {
    cli: usize,
    ck: u64,
    /// The client's own key (the fixed-key tests).
    key: String,
    /// What the client's key must hold (the fixed-key tests).
    last: String,
    /// Appends (and puts) made.
    j: u64,
    /// The operation awaited.
    pending: Option<Pending>,
}

/// A worker's operation in progress.
struct Pending {
    /// Its id in the world's history.
    id: u64,
    /// The key of a `Get` to check against the worker's `last`.
    check: Option<String>,
    /// The operation, and when it was handed to the current clerk.
    op: Op,
    since: u64,
}

/// The shape of one `GenericTest` run (its arguments).
#[derive(Clone, Copy)]
struct Generic {
    clients: usize,
    servers: usize,
    unreliable: bool,
    crash: bool,
    partitions: bool,
    /// `None`: -1.
    maxraftstate: Option<u64>,
    randomkeys: bool,
}

impl Generic {
    fn new(clients: usize, servers: usize) -> Generic {
        Generic {
            clients,
            servers,
            unreliable: false,
            crash: false,
            partitions: false,
            maxraftstate: None,
            randomkeys: false,
        }
    }
    fn unreliable(self) -> Generic {
        Generic {
            unreliable: true,
            ..self
        }
    }
    fn crash(self) -> Generic {
        Generic {
            crash: true,
            ..self
        }
    }
    fn partitions(self) -> Generic {
        Generic {
            partitions: true,
            ..self
        }
    }
    fn maxraftstate(self, bytes: u64) -> Generic {
        Generic {
            maxraftstate: Some(bytes),
            ..self
        }
    }
    fn randomkeys(self) -> Generic {
        Generic {
            randomkeys: true,
            ..self
        }
    }
}

impl Kv {
    /// Hands worker `wk` its next operation (the body of the labs' client loop): half the time
    /// an append of `x cli j y`, with random keys sometimes a put, otherwise a get, checked
    /// against what the client wrote when the key is its own.
    fn next_op(&mut self, g: &Generic, wk: &mut Worker) {
        let key = if g.randomkeys {
            self.rng.range(0, g.clients as u64 - 1).to_string()
        } else {
            wk.key.clone()
        };
        let nv = element(wk.cli, wk.j);
        let (op, check) = if self.rng.range(0, 999) < 500 {
            if !g.randomkeys {
                wk.last.push_str(&nv);
            }
            wk.j += 1;
            (append(&key, &nv), None)
        } else if g.randomkeys && self.rng.range(0, 999) < 100 {
            wk.j += 1;
            (put(&key, &nv), None)
        } else {
            let check = (!g.randomkeys).then_some(key.clone());
            (Op::Get { key }, check)
        };
        let id = self.start(wk.ck, op.clone());
        wk.pending = Some(Pending {
            id,
            check,
            op,
            since: self.w.now(),
        });
    }

    /// Runs the workers until `until`: each completed operation is checked and, before
    /// `issue_until`, followed at once by the worker's next one (the labs' clients stop at
    /// `done_clients`, after the operation they are in).
    fn drive(&mut self, g: &Generic, ws: &mut [Worker], until: u64, issue_until: u64) {
        loop {
            let issuing = self.w.now() < issue_until;
            for wk in ws.iter_mut() {
                if wk.pending.is_none() && issuing {
                    self.next_op(g, wk);
                }
            }
            let any_done = |w: &World| {
                ws.iter().any(|wk| {
                    wk.pending
                        .as_ref()
                        .is_some_and(|p| completed(w, p.id).is_some())
                })
            };
            // A forgetful clerk's next give-up.
            let give_up = self.forgetful_after.and_then(|t| {
                ws.iter()
                    .filter_map(|wk| wk.pending.as_ref().map(|p| p.since + t))
                    .min()
            });
            let stop = give_up.map_or(until, |g| g.clamp(self.w.now(), until));
            if !self.run_until(stop, any_done) {
                if self.w.now() >= until {
                    return;
                }
                self.forget(ws);
                continue;
            }
            for wk in ws.iter_mut() {
                let Some(Pending { id, check, .. }) = &wk.pending else {
                    continue;
                };
                let Some(v) = completed(&self.w, *id) else {
                    continue;
                };
                if let Some(key) = check {
                    assert!(
                        v == wk.last,
                        "get wrong value, key {key}, wanted:\n{}\n, got\n{v}",
                        wk.last
                    );
                }
                wk.pending = None;
            }
        }
    }

    /// A bug planted in the clerks (see [`Kv::forgetful_after`]): each operation waiting for
    /// that long is handed again to a new clerk, a session of its own, while the old clerk
    /// keeps retrying it.
    fn forget(&mut self, ws: &mut [Worker]) {
        let Some(t) = self.forgetful_after else {
            return;
        };
        let now = self.w.now();
        let all = self.all();
        for wk in ws.iter_mut() {
            let Some(p) = wk.pending.as_mut() else {
                continue;
            };
            if p.since + t <= now && completed(&self.w, p.id).is_none() {
                wk.ck = self.make_client(&all);
                p.id = self.start(wk.ck, p.op.clone());
                p.since = now;
            }
        }
    }

    /// The labs' `partitioner`: two random groups of servers, for an election timeout and up
    /// to 200 ms more, again and again until `end`.
    fn partitioner(&mut self, g: &Generic, ws: &mut [Worker], end: u64, issue_until: u64) {
        while self.w.now() < end {
            let side: Vec<u64> = (0..self.n).map(|_| self.rng.range(0, 1)).collect();
            let pa: Vec<Vec<usize>> = (0..2)
                .map(|s| (0..self.n).filter(|&i| side[i] == s).collect())
                .collect();
            self.partition(&pa[0], &pa[1]);
            let pause = ELECTION_TIMEOUT + self.rng.range(0, 199);
            let until = self.w.now() + pause;
            self.drive(g, ws, until, issue_until);
        }
    }
}

/// The labs' `GenericTest`: `g.clients` clients run for five seconds in each of three rounds,
/// appending to their key and checking it (or, with random keys, working on each other's
/// keys); with `partitions` the servers are split at random every second or so; with `crash`
/// every server is restarted at the end of each round. Each round ends with each client's key
/// read and checked (`checkClntAppends`) and the persisted sizes bounded; the run ends with the
/// linearizability check of the whole history.
fn generic_test(seed: u64, g: Generic) {
    generic_test_with(seed, g, |_| {});
}

fn generic_test_with(seed: u64, g: Generic, tweak: impl FnOnce(&mut SimOptions)) {
    let kv = Kv::with(g.servers, seed, g.unreliable, g.maxraftstate, tweak);
    generic_run(seed, g, kv);
}

fn generic_run(seed: u64, g: Generic, mut kv: Kv) {
    let all = kv.all();
    let ck = kv.make_client(&all);
    for _round in 0..3 {
        // Each round's clients are new clerks that start with a put of the empty string.
        let mut ws: Vec<Worker> = (0..g.clients)
            .map(|cli| {
                let ck = kv.make_client(&all);
                let key = cli.to_string();
                let pending = if g.randomkeys {
                    None
                } else {
                    let op = put(&key, "");
                    Some(Pending {
                        id: kv.start(ck, op.clone()),
                        check: None,
                        op,
                        since: kv.w.now(),
                    })
                };
                Worker {
                    cli,
                    ck,
                    key,
                    last: String::new(),
                    j: 0,
                    pending,
                }
            })
            .collect();
        let t0 = kv.w.now();
        let clients_end = t0 + 5_000 + if g.partitions { 1_000 } else { 0 };
        if g.partitions {
            kv.drive(&g, &mut ws, t0 + 1_000, clients_end);
            kv.partitioner(&g, &mut ws, clients_end, clients_end);
            kv.connect_all();
            let until = kv.w.now() + ELECTION_TIMEOUT;
            kv.drive(&g, &mut ws, until, clients_end);
        } else {
            kv.drive(&g, &mut ws, clients_end, clients_end);
        }
        if g.crash {
            for i in 0..kv.n {
                kv.act(Action::Crash { node: Kv::id(i) });
            }
            let until = kv.w.now() + ELECTION_TIMEOUT;
            kv.drive(&g, &mut ws, until, clients_end);
            for i in 0..kv.n {
                kv.act(Action::Restart { node: Kv::id(i) });
            }
            kv.connect_all();
        }
        // Wait for every client to finish the operation it is in.
        let deadline = kv.w.now() + OP_LIMIT;
        while ws.iter().any(|wk| wk.pending.is_some()) {
            assert!(
                kv.w.now() < deadline,
                "seed {seed}: clients still waiting after {OP_LIMIT} ms"
            );
            let until = kv.w.now() + 100;
            kv.drive(&g, &mut ws, until, clients_end);
        }
        for wk in &ws {
            let v = kv.get(ck, &wk.key);
            if !g.randomkeys {
                if let Err(e) = check_clnt_appends(wk.cli, &v, wk.j) {
                    panic!("seed {seed}: {e}");
                }
            }
        }
        kv.check_sizes();
        for wk in &ws {
            kv.retired[wk.ck as usize] = true;
        }
    }
    kv.check_linearizable();
    let h = kv.w.history();
    let appends = h
        .iter()
        .filter(|op| matches!(op.op, Op::Append { .. }) && op.complete.is_some())
        .count();
    eprintln!(
        "seed {seed}: {} operations ({appends} appends) in {} virtual ms, {} timeouts, {} retries recognised as duplicates, {} snapshots installed, largest log {} B",
        h.len(),
        kv.w.now(),
        kv.w.stats().retries,
        kv.duplicates(),
        kv.installed_snapshots(),
        kv.log_size()
    );
}

/// The labs' `GenericTestSpeed`: one clerk appends 1,000 times in a row, each as soon as the
/// last one is answered; they must average three per heartbeat interval. Returns the
/// operations per virtual second.
fn generic_test_speed(seed: u64, maxraftstate: Option<u64>) -> u64 {
    const NUM_OPS: u64 = 1_000;
    // The labs' reliable network adds no delay (see the module's doc).
    let mut kv = Kv::with(3, seed, false, maxraftstate, |o| {
        o.net = NetConfig {
            latency_min: 1,
            latency_max: 1,
            ..NetConfig::default()
        };
    });
    let all = kv.all();
    let ck = kv.make_client(&all);
    // Wait until the first operation completes, so a leader is elected.
    kv.put(ck, "x", "");
    let start = kv.w.now();
    for i in 0..NUM_OPS {
        kv.append(ck, "x", &element(0, i));
    }
    let dur = kv.w.now() - start;
    let v = kv.get(ck, "x");
    if let Err(e) = check_clnt_appends(0, &v, NUM_OPS) {
        panic!("seed {seed}: {e}");
    }
    let heartbeat = kv.w.options().heartbeat_ms;
    let ops_per_interval = 3;
    assert!(
        dur * ops_per_interval <= NUM_OPS * heartbeat,
        "seed {seed}: operations completed too slowly: {} ms/op > {} ms/op",
        dur as f64 / NUM_OPS as f64,
        heartbeat as f64 / ops_per_interval as f64
    );
    kv.check_sizes();
    kv.check_linearizable();
    NUM_OPS * 1_000 / dur.max(1)
}

// ----- 3A ----------------------------------------------------------------------------------

/// TestBasic3A: one client.
#[test]
fn lab_3a_basic() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(1, 5));
    }
}

/// TestSpeed3A: operations per virtual second of one clerk appending in a row; at least three
/// per heartbeat interval (see the module's doc for the network).
#[test]
fn lab_3a_speed() {
    for seed in SEEDS {
        let rate = generic_test_speed(seed, None);
        eprintln!("seed {seed}: {rate} appends per virtual second");
    }
}

/// TestConcurrent3A: many clients.
#[test]
fn lab_3a_concurrent() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5));
    }
}

/// TestUnreliable3A: many clients, unreliable network.
#[test]
fn lab_3a_unreliable() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5).unreliable());
    }
}

/// TestUnreliableOneKey3A: five clerks append ten elements each to one key over an unreliable
/// network; every element is there once, each clerk's in order, and the history is
/// linearizable.
#[test]
fn lab_3a_unreliable_one_key() {
    const NCLIENT: usize = 5;
    const UPTO: u64 = 10;
    for seed in SEEDS {
        let mut kv = Kv::new(3, seed, true, None);
        let all = kv.all();
        let ck = kv.make_client(&all);
        kv.put(ck, "k", "");
        let clerks: Vec<u64> = (0..NCLIENT).map(|_| kv.make_client(&all)).collect();
        let mut n = [0u64; NCLIENT];
        let mut pending: Vec<Option<u64>> = vec![None; NCLIENT];
        let deadline = kv.w.now() + 10 * OP_LIMIT;
        while n.iter().any(|&k| k < UPTO) || pending.iter().any(Option::is_some) {
            for me in 0..NCLIENT {
                if pending[me].is_none() && n[me] < UPTO {
                    let id = kv.start(clerks[me], append("k", &element(me, n[me])));
                    pending[me] = Some(id);
                }
            }
            let waiting = pending.clone();
            let any = kv.run_until(deadline, |w| {
                waiting
                    .iter()
                    .flatten()
                    .any(|&id| completed(w, id).is_some())
            });
            assert!(any, "seed {seed}: appends got no answer");
            for me in 0..NCLIENT {
                if pending[me].is_some_and(|id| completed(&kv.w, id).is_some()) {
                    pending[me] = None;
                    n[me] += 1;
                }
            }
        }
        let vx = kv.get(ck, "k");
        if let Err(e) = check_concurrent_appends(&vx, &[UPTO; NCLIENT]) {
            panic!("seed {seed}: {e}");
        }
        kv.check_linearizable();
    }
}

/// TestOnePartition3A: a majority holding the leader makes progress; a minority does not, a
/// put and a get sent to it stay unanswered for a second; once healed, both complete and the
/// minority's put is the last value. The labs wait for the get's answer without failing when it
/// is late (a `select` with a `default`); we require it within the same three seconds as the
/// put.
#[test]
fn lab_3a_one_partition() {
    for seed in SEEDS {
        let mut kv = Kv::new(5, seed, false, None);
        let all = kv.all();
        let ck = kv.make_client(&all);
        kv.put(ck, "1", "13");
        // Progress in majority.
        let (p1, p2) = kv.make_partition();
        kv.partition(&p1, &p2);
        let ckp1 = kv.make_client(&p1);
        let ckp2a = kv.make_client(&p2);
        let ckp2b = kv.make_client(&p2);
        kv.put(ckp1, "1", "14");
        kv.check(ckp1, "1", "14");
        // No progress in minority.
        let done0 = kv.start(ckp2a, put("1", "15"));
        let done1 = kv.start(ckp2b, Op::Get { key: "1".into() });
        kv.sleep(1_000);
        assert!(
            completed(&kv.w, done0).is_none(),
            "seed {seed}: Put in minority completed"
        );
        assert!(
            completed(&kv.w, done1).is_none(),
            "seed {seed}: Get in minority completed"
        );
        kv.check(ckp1, "1", "14");
        kv.put(ckp1, "1", "16");
        kv.check(ckp1, "1", "16");
        // Completion after heal.
        kv.connect_all();
        kv.connect_client(ckp2a, &all);
        kv.connect_client(ckp2b, &all);
        kv.sleep(ELECTION_TIMEOUT);
        let deadline = kv.w.now() + 3_000;
        let put_done = kv.run_until(deadline, |w| completed(w, done0).is_some());
        assert!(put_done, "seed {seed}: Put did not complete");
        let get_done = kv.run_until(deadline, |w| completed(w, done1).is_some());
        assert!(get_done, "seed {seed}: Get did not complete");
        kv.check(ck, "1", "15");
        kv.check_linearizable();
    }
}

/// TestManyPartitionsOneClient3A: partitions, one client.
#[test]
fn lab_3a_many_partitions_one_client() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(1, 5).partitions());
    }
}

/// TestManyPartitionsManyClients3A: partitions, many clients.
#[test]
fn lab_3a_many_partitions_many_clients() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5).partitions());
    }
}

/// TestPersistOneClient3A: restarts, one client.
#[test]
fn lab_3a_persist_one_client() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(1, 5).crash());
    }
}

/// TestPersistConcurrent3A: restarts, many clients.
#[test]
fn lab_3a_persist_concurrent() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5).crash());
    }
}

/// TestPersistConcurrentUnreliable3A: unreliable net, restarts, many clients.
#[test]
fn lab_3a_persist_concurrent_unreliable() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5).unreliable().crash());
    }
}

/// TestPersistPartition3A: restarts, partitions, many clients.
#[test]
fn lab_3a_persist_partition() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5).crash().partitions());
    }
}

/// TestPersistPartitionUnreliable3A: unreliable net, restarts, partitions, many clients.
#[test]
fn lab_3a_persist_partition_unreliable() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(5, 5).unreliable().crash().partitions());
    }
}

/// TestPersistPartitionUnreliableLinearizable3A: fifteen clients on random keys, seven servers,
/// unreliable net, restarts, partitions; linearizability checked.
#[test]
fn lab_3a_persist_partition_unreliable_linearizable() {
    for seed in SEEDS {
        generic_test(
            seed,
            Generic::new(15, 7)
                .unreliable()
                .crash()
                .partitions()
                .randomkeys(),
        );
    }
}

// ----- 3B ----------------------------------------------------------------------------------

/// Lab 3B's `maxraftstate` in the generic tests, bytes.
const MAXRAFTSTATE: u64 = 1_000;

/// TestSnapshotRPC3B: a server cut off while the majority writes enough to compact its log can
/// only catch up through InstallSnapshot, and then serves the majority's writes. We also check
/// that it did install a leader's snapshot (the labs leave that implied).
#[test]
fn lab_3b_snapshot_rpc() {
    for seed in SEEDS {
        let mut kv = Kv::new(3, seed, false, Some(MAXRAFTSTATE));
        let all = kv.all();
        let ck = kv.make_client(&all);
        kv.put(ck, "a", "A");
        kv.check(ck, "a", "A");
        // A bunch of puts into the majority partition.
        kv.partition(&[0, 1], &[2]);
        let ck1 = kv.make_client(&[0, 1]);
        for i in 0..50 {
            let s = i.to_string();
            kv.put(ck1, &s, &s);
        }
        kv.sleep(ELECTION_TIMEOUT);
        kv.put(ck1, "b", "B");
        // The majority threw most of its log away.
        let sz = kv.log_size();
        assert!(
            sz <= 8 * MAXRAFTSTATE,
            "seed {seed}: logs were not trimmed ({sz} > 8*{MAXRAFTSTATE})"
        );
        let installed = kv.installed_snapshots();
        // A group that needs the lagging server, so that it has to catch up.
        kv.partition(&[0, 2], &[1]);
        let ck2 = kv.make_client(&[0, 2]);
        kv.put(ck2, "c", "C");
        kv.put(ck2, "d", "D");
        kv.check(ck2, "a", "A");
        kv.check(ck2, "b", "B");
        kv.check(ck2, "1", "1");
        kv.check(ck2, "49", "49");
        assert!(
            kv.installed_snapshots() > installed,
            "seed {seed}: the lagging server caught up without a snapshot"
        );
        // Now everybody.
        kv.partition(&[0, 1, 2], &[]);
        kv.put(ck, "e", "E");
        kv.check(ck, "c", "C");
        kv.check(ck, "e", "E");
        kv.check(ck, "1", "1");
        kv.check_linearizable();
    }
}

/// TestSnapshotSize3B: 200 rounds of puts and gets of one small key keep both the log and the
/// snapshot small (at most 8 × `maxraftstate` and 500 bytes).
#[test]
fn lab_3b_snapshot_size() {
    const MAX_SNAPSHOT_STATE: u64 = 500;
    for seed in SEEDS {
        let mut kv = Kv::new(3, seed, false, Some(MAXRAFTSTATE));
        let all = kv.all();
        let ck = kv.make_client(&all);
        for _ in 0..200 {
            kv.put(ck, "x", "0");
            kv.check(ck, "x", "0");
            kv.put(ck, "x", "1");
            kv.check(ck, "x", "1");
        }
        let sz = kv.log_size();
        assert!(
            sz <= 8 * MAXRAFTSTATE,
            "seed {seed}: logs were not trimmed ({sz} > 8*{MAXRAFTSTATE})"
        );
        let ssz = kv.snapshot_size();
        assert!(ssz > 0, "seed {seed}: no snapshot was taken");
        assert!(
            ssz <= MAX_SNAPSHOT_STATE,
            "seed {seed}: snapshot too large ({ssz} > {MAX_SNAPSHOT_STATE})"
        );
    }
}

/// TestSpeed3B: TestSpeed3A with snapshots.
#[test]
fn lab_3b_speed() {
    for seed in SEEDS {
        let rate = generic_test_speed(seed, Some(MAXRAFTSTATE));
        eprintln!("seed {seed}: {rate} appends per virtual second with snapshots");
    }
}

/// TestSnapshotRecover3B: restarts, snapshots, one client.
#[test]
fn lab_3b_snapshot_recover() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(1, 5).crash().maxraftstate(MAXRAFTSTATE));
    }
}

/// TestSnapshotRecoverManyClients3B: restarts, snapshots, many clients (twenty).
#[test]
fn lab_3b_snapshot_recover_many_clients() {
    for seed in SEEDS {
        generic_test(seed, Generic::new(20, 5).crash().maxraftstate(MAXRAFTSTATE));
    }
}

/// TestSnapshotUnreliable3B: unreliable net, snapshots, many clients.
#[test]
fn lab_3b_snapshot_unreliable() {
    for seed in SEEDS {
        generic_test(
            seed,
            Generic::new(5, 5).unreliable().maxraftstate(MAXRAFTSTATE),
        );
    }
}

/// TestSnapshotUnreliableRecover3B: unreliable net, restarts, snapshots, many clients.
#[test]
fn lab_3b_snapshot_unreliable_recover() {
    for seed in SEEDS {
        generic_test(
            seed,
            Generic::new(5, 5)
                .unreliable()
                .crash()
                .maxraftstate(MAXRAFTSTATE),
        );
    }
}

/// TestSnapshotUnreliableRecoverConcurrentPartition3B: unreliable net, restarts, partitions,
/// snapshots, many clients.
#[test]
fn lab_3b_snapshot_unreliable_recover_concurrent_partition() {
    for seed in SEEDS {
        generic_test(
            seed,
            Generic::new(5, 5)
                .unreliable()
                .crash()
                .partitions()
                .maxraftstate(MAXRAFTSTATE),
        );
    }
}

/// TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B: fifteen clients on random
/// keys, seven servers, unreliable net, restarts, partitions, snapshots; linearizability
/// checked.
#[test]
fn lab_3b_snapshot_unreliable_recover_concurrent_partition_linearizable() {
    for seed in SEEDS {
        generic_test(
            seed,
            Generic::new(15, 7)
                .unreliable()
                .crash()
                .partitions()
                .maxraftstate(MAXRAFTSTATE)
                .randomkeys(),
        );
    }
}

// ----- the checks can fail -------------------------------------------------------------------

#[test]
fn check_clnt_appends_accepts_each_append_once_in_order() {
    let v = format!("{}{}{}", element(0, 0), element(1, 0), element(0, 1));
    assert_eq!(check_clnt_appends(0, &v, 2), Ok(()));
    assert_eq!(check_concurrent_appends(&v, &[2, 1]), Ok(()));
}

#[test]
fn check_clnt_appends_reports_a_duplicated_append() {
    let v = format!("{}{}{}", element(2, 0), element(2, 1), element(2, 1));
    assert_eq!(
        check_clnt_appends(2, &v, 2),
        Err("duplicate element x 2 1 y in Append result".into())
    );
}

#[test]
fn check_clnt_appends_reports_a_missing_append() {
    let v = format!("{}{}", element(2, 0), element(2, 2));
    assert_eq!(
        check_clnt_appends(2, &v, 3),
        Err(format!("2 missing element x 2 1 y in Append result {v}"))
    );
}

#[test]
fn check_clnt_appends_reports_appends_out_of_order() {
    let v = format!("{}{}", element(1, 1), element(1, 0));
    assert_eq!(
        check_clnt_appends(1, &v, 2),
        Err("wrong order for element x 1 1 y in Append result".into())
    );
}

#[test]
fn check_concurrent_appends_reports_another_clients_loss() {
    let v = format!("{}{}", element(0, 0), element(1, 1));
    assert_eq!(
        check_concurrent_appends(&v, &[1, 2]),
        Err(format!("1 missing element x 1 0 y in Append result {v}"))
    );
}

/// An append applied twice (its retry not recognised) shows in the reply of a later get, which
/// the linearizability check refuses.
#[test]
#[should_panic(expected = "history is not linearizable")]
fn the_linearizability_check_refuses_an_append_applied_twice() {
    let ops = [
        HistoryOp::new(1, append("k", "a"), 0)
            .completed(10, reply("a"))
            .sequenced(1, 2),
        HistoryOp::new(1, Op::Get { key: "k".into() }, 11)
            .completed(20, reply("aa"))
            .sequenced(3, 4),
    ];
    check_history(&ops);
}

fn reply(v: &str) -> Reply {
    Reply {
        ok: true,
        value: Some(v.into()),
    }
}

/// The run's panic message, if it failed.
fn failure(run: impl FnOnce()) -> Option<String> {
    let err = catch_unwind(AssertUnwindSafe(run)).err()?;
    Some(match err.downcast::<String>() {
        Ok(s) => *s,
        Err(e) => e
            .downcast::<&str>()
            .map_or_else(|_| "?".into(), |s| s.to_string()),
    })
}

/// A clerk bug the labs' checks must catch and our simulator's cannot see: a clerk that, when
/// it gets no answer, sends the operation again under a new request id (here: a new session)
/// makes a retried append run twice. TestUnreliable3A catches it at a client's next get.
#[test]
fn lab_3a_unreliable_fails_with_a_clerk_that_retries_in_a_new_session() {
    let g = Generic::new(5, 5).unreliable();
    let f = failure(|| {
        let mut kv = Kv::with(g.servers, 1, g.unreliable, g.maxraftstate, |_| {});
        kv.forgetful_after = Some(400);
        generic_run(1, g, kv);
    });
    let f = f.expect("the run passed with a forgetful clerk");
    assert!(f.starts_with("get wrong value, key "), "{f}");
}

/// The same bug, caught by `checkClntAppends` at the end of a round of TestPersistConcurrent3A.
#[test]
fn lab_3a_persist_concurrent_fails_with_a_clerk_that_retries_in_a_new_session() {
    let g = Generic::new(5, 5).crash();
    let f = failure(|| {
        let mut kv = Kv::with(g.servers, 1, g.unreliable, g.maxraftstate, |_| {});
        kv.forgetful_after = Some(400);
        generic_run(1, g, kv);
    });
    assert_eq!(
        f.as_deref(),
        Some("seed 1: duplicate element x 0 82 y in Append result")
    );
}

/// A bug planted in raft-core (heartbeats carry the leader's commit index uncapped, so a
/// follower commits entries that differ from the leader's, paper §5.3) fails
/// TestPersistPartition3A through the simulator's State Machine Safety check.
#[test]
#[should_panic(expected = "State Machine Safety")]
fn lab_3a_persist_partition_fails_with_a_planted_commit_bug() {
    generic_test_with(1, Generic::new(5, 5).crash().partitions(), |o| {
        o.planted = Some(raft_core::config::PlantedBug::HeartbeatCommitUncapped);
    });
}
