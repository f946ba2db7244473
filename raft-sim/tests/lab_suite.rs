//! The classic course lab tests for Raft (the MIT 6.824/6.5840 lab 2A–2C suite), re-expressed
//! against the simulator's API: `Start` is [`World::propose`], `nCommitted` is
//! [`World::committed_at`], disconnecting a server cuts its links, crashing keeps its disk. The
//! schedules and bounds are the labs' (a one-second "election timeout" in their sleeps, ten
//! seconds for an agreement, the RPC budgets of the count test); the cluster runs our timers
//! (150–300 ms elections, 50 ms heartbeats), so each test is at least as strict as the lab's.
//! Every safety checker of the simulator runs throughout; a violation fails the test.
//!
//! Differences forced by our design, none in the tests' favour: our leaders append a no-op at
//! the start of their term (§8), so log indexes of commands are not 1, 2, 3…: the tests check
//! that indexes increase and that the command is found where `Start` said it would be.

use std::collections::btree_map::Entry as Slot;
use std::collections::BTreeMap;

use raft_core::types::{Index, NodeId, Role, Term};
use raft_sim::network::NetConfig;
use raft_sim::rng::SimRng;
use raft_sim::trace::SnapshotSource;
use raft_sim::world::ClientOptions;
use raft_sim::{Action, Op, SimOptions, TraceEvent, World};

/// The labs' election timeout in their sleeps, ms.
const ELECTION_TIMEOUT: u64 = 1_000;

struct Lab {
    w: World,
    n: usize,
    connected: Vec<bool>,
    crashed: Vec<bool>,
    rng: SimRng,
    next_value: u64,
    applier: Applier,
}

/// The labs' appliers (`applier` and `applierSnap` in their `config.go`): what each server's
/// state machine applied, read from the world's trace as it grows. Like the labs', it fails the
/// test when a server applies out of order or when two servers apply different commands at one
/// index; `nCommitted` counts from it, so a command counts once a server *applied* it, and a
/// compacted entry still counts (the labs keep every applied value in the tester).
#[derive(Default)]
struct Applier {
    /// Trace records read so far.
    cursor: usize,
    /// Per server: the index its state machine is at (applied, or installed from a snapshot,
    /// or restored from its own snapshot on restart).
    last_applied: Vec<Index>,
    /// Index → the lab command applied there (`None`: a no-op, a configuration or a command
    /// that is not the labs').
    values: BTreeMap<Index, Option<u64>>,
    /// Snapshots installed from a leader (the labs' `InstallSnapshot` reaching a service).
    installed: usize,
}

impl Applier {
    fn on(&mut self, event: &TraceEvent) {
        match event {
            TraceEvent::Apply {
                node,
                index,
                command,
                ..
            } => {
                let i = *node as usize - 1;
                assert_eq!(
                    *index,
                    self.last_applied[i] + 1,
                    "server {node} apply out of order {index}"
                );
                self.last_applied[i] = *index;
                let value = command.as_ref().and_then(|c| match &c.op {
                    Op::Put { key, value } if key == "lab" => value.parse().ok(),
                    _ => None,
                });
                match self.values.entry(*index) {
                    Slot::Vacant(v) => {
                        v.insert(value);
                    }
                    Slot::Occupied(o) => assert_eq!(
                        *o.get(),
                        value,
                        "commit index={index} server={node}: {value:?} where another applied {:?}",
                        o.get()
                    ),
                }
            }
            TraceEvent::Snapshot {
                node,
                index,
                source: SnapshotSource::Leader,
                ..
            } => {
                let i = *node as usize - 1;
                assert!(
                    *index >= self.last_applied[i],
                    "server {node} installed a snapshot at {index} behind its state machine at {}",
                    self.last_applied[i]
                );
                self.last_applied[i] = *index;
                self.installed += 1;
            }
            TraceEvent::Restart {
                node,
                snapshot_index,
                ..
            } => self.last_applied[*node as usize - 1] = *snapshot_index,
            _ => {}
        }
    }
}

impl Lab {
    fn new(n: usize, seed: u64, unreliable: bool) -> Lab {
        Lab::with_snapshots(n, seed, unreliable, 0)
    }

    /// A lab whose services snapshot every `every` applied entries (the 2D labs'
    /// `applierSnap` with `SnapShotInterval`; 0: never).
    fn with_snapshots(n: usize, seed: u64, unreliable: bool, every: u64) -> Lab {
        let w = World::new(SimOptions {
            nodes: n as u32,
            seed,
            snapshot_every: every,
            clients: ClientOptions {
                enabled: false,
                ..ClientOptions::default()
            },
            ..SimOptions::default()
        })
        .expect("valid options");
        let mut lab = Lab {
            w,
            n,
            connected: vec![true; n],
            crashed: vec![false; n],
            rng: SimRng::new(seed ^ 0x1AB5),
            next_value: 0,
            applier: Applier {
                last_applied: vec![0; n],
                ..Applier::default()
            },
        };
        lab.set_unreliable(unreliable);
        lab
    }

    fn id(i: usize) -> NodeId {
        i as NodeId + 1
    }

    fn set_unreliable(&mut self, on: bool) {
        // The labs' unreliable network: up to 27 ms of delay, a tenth of requests and of
        // replies lost.
        let config = if on {
            NetConfig {
                latency_min: 1,
                latency_max: 27,
                drop_ppm: 100_000,
                ..NetConfig::default()
            }
        } else {
            NetConfig::default()
        };
        self.act(Action::Network { config });
    }

    fn act(&mut self, a: Action) {
        self.w
            .act(a.clone())
            .unwrap_or_else(|e| panic!("{a:?}: {e}"));
        self.safe();
    }

    /// Fails the test at the first safety violation, and runs the applier over what happened.
    fn safe(&mut self) {
        if let Some(v) = self.w.violation() {
            panic!("{} at {} ms: {}", v.property, v.time, v.detail);
        }
        assert_eq!(self.w.trace_dropped(), 0, "the applier needs every record");
        let trace = self.w.trace();
        for record in &trace[self.applier.cursor..] {
            self.applier.on(&record.event);
        }
        self.applier.cursor = trace.len();
    }

    fn sleep(&mut self, ms: u64) {
        self.w.advance_by(ms);
        self.safe();
    }

    fn disconnect(&mut self, i: usize) {
        self.act(Action::Isolate { node: Self::id(i) });
        self.connected[i] = false;
    }

    fn connect(&mut self, i: usize) {
        for j in 0..self.n {
            if j != i && self.connected[j] {
                let (a, b) = (Self::id(i), Self::id(j));
                self.act(Action::Reconnect { from: a, to: b });
                self.act(Action::Reconnect { from: b, to: a });
            }
        }
        self.connected[i] = true;
    }

    fn crash(&mut self, i: usize) {
        if !self.crashed[i] {
            self.act(Action::Crash { node: Self::id(i) });
            self.crashed[i] = true;
        }
    }

    fn restart(&mut self, i: usize) {
        self.crash(i);
        self.act(Action::Restart { node: Self::id(i) });
        self.crashed[i] = false;
    }

    /// The labs' `start`: propose on server `i` if it is up; `Some((index, term))` if it leads.
    fn start(&mut self, i: usize, value: u64) -> Option<(Index, Term)> {
        if self.crashed[i] {
            return None;
        }
        let r = self
            .w
            .propose(Self::id(i), "lab", &value.to_string())
            .expect("a live node");
        self.safe();
        r
    }

    fn value(&mut self) -> u64 {
        self.next_value += 1;
        self.next_value
    }

    /// The labs' `checkOneLeader`: within ten tries half an election timeout apart, exactly one
    /// connected leader in the newest term that has one. Returns its index.
    fn check_one_leader(&mut self) -> usize {
        for _ in 0..10 {
            let ms = 450 + self.rng.range(0, 100);
            self.sleep(ms);
            let mut by_term: std::collections::BTreeMap<Term, Vec<usize>> = Default::default();
            for i in 0..self.n {
                if !self.connected[i] {
                    continue;
                }
                if let Some(node) = self.w.node(Self::id(i)) {
                    if node.role() == Role::Leader {
                        by_term.entry(node.term()).or_default().push(i);
                    }
                }
            }
            for (term, leaders) in &by_term {
                assert!(leaders.len() <= 1, "term {term} has leaders {leaders:?}");
            }
            if let Some((_, leaders)) = by_term.iter().next_back() {
                return leaders[0];
            }
        }
        panic!("expected one leader, got none");
    }

    /// The labs' `checkTerms`: every connected server agrees on the term.
    fn check_terms(&self) -> Term {
        let mut term = None;
        for i in 0..self.n {
            if !self.connected[i] {
                continue;
            }
            if let Some(node) = self.w.node(Self::id(i)) {
                match term {
                    None => term = Some(node.term()),
                    Some(t) => assert_eq!(t, node.term(), "servers disagree on the term"),
                }
            }
        }
        term.expect("a connected server")
    }

    /// The labs' `checkNoLeader`: no connected server believes it leads.
    fn check_no_leader(&self) {
        for i in 0..self.n {
            if self.connected[i] {
                if let Some(node) = self.w.node(Self::id(i)) {
                    assert_ne!(node.role(), Role::Leader, "S{} leads", i + 1);
                }
            }
        }
    }

    /// The labs' `nCommitted`: how many live servers applied `index`, and the value there.
    fn n_committed(&self, index: Index) -> (usize, Option<u64>) {
        let count = (0..self.n)
            .filter(|&i| !self.crashed[i] && self.applier.last_applied[i] >= index)
            .count();
        (count, self.applier.values.get(&index).copied().flatten())
    }

    /// The labs' `one`: submits `value` to a leader and waits until `expected` servers committed
    /// it, retrying with other servers for 10 s. Returns the index.
    fn one(&mut self, value: u64, expected: usize, retry: bool) -> Index {
        let t0 = self.w.now();
        let mut starts = 0;
        while self.w.now() - t0 < 10_000 {
            let mut index = None;
            for _ in 0..self.n {
                starts = (starts + 1) % self.n;
                if self.connected[starts] {
                    if let Some((i, _)) = self.start(starts, value) {
                        index = Some(i);
                        break;
                    }
                }
            }
            if let Some(index) = index {
                let t1 = self.w.now();
                while self.w.now() - t1 < 2_000 {
                    let (nd, v) = self.n_committed(index);
                    if nd > 0 && nd >= expected && v == Some(value) {
                        return index;
                    }
                    self.sleep(20);
                }
                if !retry {
                    panic!("one({value}) failed to reach agreement");
                }
            } else {
                self.sleep(50);
            }
        }
        panic!("one({value}) failed to reach agreement in 10 s");
    }

    /// The labs' `wait`: polls until `n` servers applied `index`, backing off from 10 ms to a
    /// second, 30 times; `None` if some server moved past `start_term` meanwhile (the caller
    /// tries again), the value there otherwise. Fails if fewer than `n` applied it.
    fn wait(&mut self, index: Index, n: usize, start_term: Term) -> Option<u64> {
        let mut to = 10;
        for _ in 0..30 {
            if self.n_committed(index).0 >= n {
                break;
            }
            self.sleep(to);
            if to < 1_000 {
                to *= 2;
            }
            let moved_on = (0..self.n)
                .filter_map(|i| self.w.node(Self::id(i)))
                .any(|node| node.term() > start_term);
            if moved_on {
                return None;
            }
        }
        let (nd, value) = self.n_committed(index);
        assert!(nd >= n, "only {nd} decided for index {index}; wanted {n}");
        value
    }

    /// Bytes of Raft state on server `i`'s disk (the labs' `RaftStateSize`): hard state,
    /// snapshot metadata and log, without the snapshot's application data.
    fn raft_state_size(&self, i: usize) -> u64 {
        let node = self.w.nodes().get(&Self::id(i)).expect("a server");
        node.storage().raft_state_bytes()
    }

    fn rpcs(&self) -> u64 {
        self.w.stats().messages.requests()
    }
}

const SEEDS: std::ops::RangeInclusive<u64> = 1..=3;

// 2A: initial election.
#[test]
fn lab_2a_initial_election() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        lab.check_one_leader();
        lab.sleep(50);
        let term1 = lab.check_terms();
        assert!(term1 >= 1, "term is {term1}, but should be at least 1");
        lab.sleep(2 * ELECTION_TIMEOUT);
        let term2 = lab.check_terms();
        assert_eq!(term1, term2, "seed {seed}: term changed without failures");
        lab.check_one_leader();
    }
}

// 2A: election after network failure.
#[test]
fn lab_2a_re_election() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        let leader1 = lab.check_one_leader();
        lab.disconnect(leader1);
        lab.check_one_leader();
        lab.connect(leader1);
        let leader2 = lab.check_one_leader();
        lab.disconnect(leader2);
        lab.disconnect((leader2 + 1) % 3);
        lab.sleep(2 * ELECTION_TIMEOUT);
        lab.check_no_leader();
        lab.connect((leader2 + 1) % 3);
        lab.check_one_leader();
        lab.connect(leader2);
        lab.check_one_leader();
    }
}

// 2A: multiple elections among 7 servers.
#[test]
fn lab_2a_many_elections() {
    for seed in SEEDS {
        let mut lab = Lab::new(7, seed, false);
        lab.check_one_leader();
        for _ in 0..10 {
            let picks: Vec<usize> = (0..3).map(|_| lab.rng.range(0, 6) as usize).collect();
            for &i in &picks {
                lab.disconnect(i);
            }
            lab.check_one_leader();
            for &i in &picks {
                lab.connect(i);
            }
        }
        lab.check_one_leader();
    }
}

// 2B: basic agreement.
#[test]
fn lab_2b_basic_agree() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        let mut last = 0;
        for v in 1..=3 {
            let index = lab.one(v * 100, 3, false);
            assert!(index > last, "index {index} after {last}");
            last = index;
        }
    }
}

// 2B: agreement after a follower reconnects.
#[test]
fn lab_2b_fail_agree() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        lab.one(101, 3, false);
        let leader = lab.check_one_leader();
        lab.disconnect((leader + 1) % 3);
        for v in 102..=105 {
            lab.one(v, 2, false);
        }
        lab.sleep(ELECTION_TIMEOUT);
        lab.connect((leader + 1) % 3);
        lab.one(106, 3, true);
        lab.sleep(ELECTION_TIMEOUT);
        lab.one(107, 3, true);
    }
}

// 2B: no agreement if too many followers disconnect.
#[test]
fn lab_2b_fail_no_agree() {
    for seed in SEEDS {
        let mut lab = Lab::new(5, seed, false);
        lab.one(10, 5, false);
        let leader = lab.check_one_leader();
        for k in 1..=3 {
            lab.disconnect((leader + k) % 5);
        }
        let (index, _) = lab.start(leader, 20).expect("the leader rejected Start()");
        lab.sleep(2 * ELECTION_TIMEOUT);
        let (n, _) = lab.n_committed(index);
        assert_eq!(n, 0, "{n} committed but no majority");
        for k in 1..=3 {
            lab.connect((leader + k) % 5);
        }
        let leader2 = lab.check_one_leader();
        assert!(lab.start(leader2, 30).is_some(), "leader2 rejected Start()");
        let v = lab.value() + 1000;
        lab.one(v, 5, true);
    }
}

// 2B: rejoin of a partitioned leader.
#[test]
fn lab_2b_rejoin() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        lab.one(101, 3, true);
        let leader1 = lab.check_one_leader();
        lab.disconnect(leader1);
        for v in [102, 103, 104] {
            lab.start(leader1, v);
        }
        lab.one(103, 2, true);
        let leader2 = lab.check_one_leader();
        lab.disconnect(leader2);
        lab.connect(leader1);
        lab.one(104, 2, true);
        lab.connect(leader2);
        lab.one(105, 3, true);
    }
}

// 2B: a leader backs up quickly over incorrect follower logs.
#[test]
fn lab_2b_backup() {
    for seed in SEEDS {
        let mut lab = Lab::new(5, seed, false);
        let v = lab.value();
        lab.one(v, 5, true);
        let leader1 = lab.check_one_leader();
        for k in 2..=4 {
            lab.disconnect((leader1 + k) % 5);
        }
        for _ in 0..50 {
            let v = lab.value();
            lab.start(leader1, v);
        }
        lab.sleep(ELECTION_TIMEOUT / 2);
        lab.disconnect(leader1);
        lab.disconnect((leader1 + 1) % 5);
        for k in 2..=4 {
            lab.connect((leader1 + k) % 5);
        }
        for _ in 0..50 {
            let v = lab.value();
            lab.one(v, 3, true);
        }
        let leader2 = lab.check_one_leader();
        let mut other = (leader1 + 2) % 5;
        if leader2 == other {
            other = (leader2 + 1) % 5;
        }
        lab.disconnect(other);
        for _ in 0..50 {
            let v = lab.value();
            lab.start(leader2, v);
        }
        lab.sleep(ELECTION_TIMEOUT / 2);
        for i in 0..5 {
            lab.disconnect(i);
        }
        lab.connect(leader1);
        lab.connect((leader1 + 1) % 5);
        lab.connect(other);
        for _ in 0..50 {
            let v = lab.value();
            lab.one(v, 3, true);
        }
        for i in 0..5 {
            lab.connect(i);
        }
        let v = lab.value();
        lab.one(v, 5, true);
    }
}

// 2B: RPC counts aren't too high: electing a leader, idling.
#[test]
fn lab_2b_count() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        lab.check_one_leader();
        let total1 = lab.rpcs();
        assert!(
            (1..=30).contains(&total1),
            "seed {seed}: {total1} RPCs to elect the initial leader"
        );
        let leader = lab.check_one_leader();
        let before = lab.rpcs();
        let mut last = 0;
        for v in 1..=10u64 {
            let (index, _) = lab.start(leader, v).expect("the leader accepts");
            assert!(index > last);
            last = index;
        }
        // The lab's `wait`: poll until every server committed the last one.
        let deadline = lab.w.now() + ELECTION_TIMEOUT;
        while lab.n_committed(last).0 < 3 && lab.w.now() < deadline {
            lab.sleep(10);
        }
        let (n, value) = lab.n_committed(last);
        assert_eq!((n, value), (3, Some(10)));
        let agreement = lab.rpcs() - before;
        eprintln!("seed {seed}: {agreement} RPCs for 10 entries (lab budget 42)");
        // The lab's budget: (10 + 1 + 3) × 3. It was 44 before the commit index rode on the
        // next append (an extra empty append per commit advance); 24–26 after.
        assert!(
            agreement <= (10 + 1 + 3) * 3,
            "seed {seed}: {agreement} RPCs for 10 entries"
        );
        let total2 = lab.rpcs();
        lab.sleep(ELECTION_TIMEOUT);
        let idle = lab.rpcs() - total2;
        assert!(
            idle <= 3 * 20,
            "seed {seed}: {idle} RPCs for 1 second of idleness"
        );
    }
}

// 2B: concurrent Start()s — five commands handed to the leader at the same instant all commit,
// each at the index its Start returned (the lab's goroutines start together; here they are
// proposed at one virtual instant).
#[test]
fn lab_2b_concurrent_starts() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        let mut success = false;
        'tries: for attempt in 0..5 {
            if attempt > 0 {
                // Give the solution some time to settle.
                lab.sleep(3_000);
            }
            let leader = lab.check_one_leader();
            let Some((_, term)) = lab.start(leader, 1) else {
                continue; // The leader moved on already.
            };
            let mut indexes = Vec::new();
            for ii in 0..5 {
                match lab.start(leader, 100 + ii) {
                    Some((index, t)) if t == term => indexes.push(index),
                    _ => continue 'tries,
                }
            }
            if (0..3).any(|j| lab.w.node(Lab::id(j)).map(|n| n.term()) != Some(term)) {
                continue; // The term changed: try again.
            }
            let mut cmds = Vec::new();
            for index in indexes {
                match lab.wait(index, 3, term) {
                    Some(v) => cmds.push(v),
                    None => continue 'tries,
                }
            }
            for ii in 0..5 {
                assert!(
                    cmds.contains(&(100 + ii)),
                    "seed {seed}: cmd {} missing in {cmds:?}",
                    100 + ii
                );
            }
            success = true;
            break;
        }
        assert!(success, "seed {seed}: term changed too often");
    }
}

// 2C: more persistence — a majority of five goes down and comes back in parts, five times over.
#[test]
fn lab_2c_persist2() {
    for seed in SEEDS {
        let servers = 5;
        let mut lab = Lab::new(servers, seed, false);
        let mut index = 1;
        for _ in 0..5 {
            lab.one(10 + index, servers, true);
            index += 1;
            let leader1 = lab.check_one_leader();
            lab.disconnect((leader1 + 1) % servers);
            lab.disconnect((leader1 + 2) % servers);
            lab.one(10 + index, servers - 2, true);
            index += 1;
            lab.disconnect(leader1 % servers);
            lab.disconnect((leader1 + 3) % servers);
            lab.disconnect((leader1 + 4) % servers);
            lab.restart((leader1 + 1) % servers);
            lab.restart((leader1 + 2) % servers);
            lab.connect((leader1 + 1) % servers);
            lab.connect((leader1 + 2) % servers);
            lab.sleep(ELECTION_TIMEOUT);
            lab.restart((leader1 + 3) % servers);
            lab.connect((leader1 + 3) % servers);
            lab.one(10 + index, servers - 2, true);
            index += 1;
            lab.connect((leader1 + 4) % servers);
            lab.connect(leader1 % servers);
        }
        lab.one(1000, servers, true);
    }
}

// 2C: basic persistence.
#[test]
fn lab_2c_persist1() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        lab.one(11, 3, true);
        for i in 0..3 {
            lab.restart(i);
        }
        lab.one(12, 3, true);
        let leader1 = lab.check_one_leader();
        lab.restart(leader1);
        lab.one(13, 3, true);
        let leader2 = lab.check_one_leader();
        lab.crash(leader2);
        lab.one(14, 2, true);
        lab.restart(leader2);
        lab.sleep(ELECTION_TIMEOUT);
        let i3 = (lab.check_one_leader() + 1) % 3;
        lab.crash(i3);
        lab.one(15, 2, true);
        lab.restart(i3);
        lab.one(16, 3, true);
    }
}

// 2C: partitioned leader and one follower crash, leader restarts.
#[test]
fn lab_2c_persist3() {
    for seed in SEEDS {
        let mut lab = Lab::new(3, seed, false);
        lab.one(101, 3, true);
        let leader = lab.check_one_leader();
        lab.disconnect((leader + 2) % 3);
        lab.one(102, 2, true);
        lab.crash(leader);
        lab.crash((leader + 1) % 3);
        lab.connect((leader + 2) % 3);
        lab.restart(leader);
        lab.one(103, 2, true);
        lab.restart((leader + 1) % 3);
        lab.one(104, 3, true);
    }
}

// 2C: Figure 8 — leaders crash at random while commands keep arriving.
#[test]
fn lab_2c_figure_8() {
    for seed in SEEDS {
        let mut lab = Lab::new(5, seed, false);
        let v = lab.value();
        lab.one(v, 1, true);
        let mut nup = 5;
        for _ in 0..1000 {
            let mut leader = None;
            for i in 0..5 {
                let v = lab.value();
                if lab.start(i, v).is_some() {
                    leader = Some(i);
                }
            }
            let ms = if lab.rng.range(0, 999) < 100 {
                lab.rng.range(0, ELECTION_TIMEOUT / 2 - 1)
            } else {
                lab.rng.range(0, 12)
            };
            lab.sleep(ms);
            if let Some(l) = leader {
                lab.crash(l);
                nup -= 1;
            }
            if nup < 3 {
                let s = lab.rng.range(0, 4) as usize;
                if lab.crashed[s] {
                    lab.act(Action::Restart { node: Lab::id(s) });
                    lab.crashed[s] = false;
                    nup += 1;
                }
            }
        }
        for i in 0..5 {
            if lab.crashed[i] {
                lab.act(Action::Restart { node: Lab::id(i) });
                lab.crashed[i] = false;
            }
        }
        let v = lab.value();
        lab.one(v, 5, true);
    }
}

// 2C: agreement over an unreliable network.
#[test]
fn lab_2c_unreliable_agree() {
    for seed in SEEDS {
        let mut lab = Lab::new(5, seed, true);
        for _ in 1..50 {
            for _ in 0..4 {
                let v = lab.value();
                let leader = (0..5).find(|&i| lab.start(i, v).is_some());
                let _ = leader;
            }
            let v = lab.value();
            lab.one(v, 1, true);
        }
        lab.set_unreliable(false);
        lab.one(100_000, 5, true);
    }
}

// 2C: churn — servers crash, restart and disconnect at random while clients submit; every
// command a client saw committed is in the final log. The labs run it over a reliable and over
// an unreliable network.
#[test]
fn lab_2c_reliable_churn() {
    churn(false);
}

#[test]
fn lab_2c_unreliable_churn() {
    churn(true);
}

fn churn(unreliable: bool) {
    for seed in SEEDS {
        let mut lab = Lab::new(5, seed, unreliable);
        let mut accepted: Vec<(Index, u64)> = Vec::new();
        for _ in 0..20 {
            for _ in 0..10 {
                let v = lab.value();
                for i in 0..5 {
                    if lab.connected[i] {
                        if let Some((index, _)) = lab.start(i, v) {
                            accepted.push((index, v));
                            break;
                        }
                    }
                }
                let ms = lab.rng.range(1, 30);
                lab.sleep(ms);
            }
            let what = lab.rng.range(0, 999);
            let i = lab.rng.range(0, 4) as usize;
            if what < 200 {
                lab.disconnect(i);
            } else if what < 500 {
                lab.connect(i);
            } else if what < 600 {
                lab.crash(i);
            } else if lab.crashed[i] {
                lab.restart(i);
            }
            let crashed = lab.crashed.iter().filter(|&&c| c).count();
            if crashed > 2 {
                let i = lab.crashed.iter().position(|&c| c).unwrap();
                lab.restart(i);
            }
            lab.sleep(ELECTION_TIMEOUT * 7 / 10);
        }
        lab.sleep(ELECTION_TIMEOUT);
        if unreliable {
            lab.set_unreliable(false);
        }
        for i in 0..5 {
            if lab.crashed[i] {
                lab.restart(i);
            }
            lab.connect(i);
        }
        let v = lab.value();
        let last = lab.one(v, 5, true);
        // Every committed index holds one agreed value; commands whose index holds them were
        // committed exactly there.
        let mut committed = 0;
        for index in 1..=last {
            let (n, value) = lab.n_committed(index);
            assert_eq!(n, 5, "seed {seed}: index {index} committed on {n} of 5");
            if let Some(value) = value {
                committed += 1;
                let proposed_there = accepted.iter().any(|&(i, v)| i == index && v == value);
                assert!(
                    proposed_there || value == v,
                    "seed {seed}: index {index} holds {value}, which no leader accepted there"
                );
            }
        }
        assert!(
            committed > 20,
            "seed {seed}: only {committed} commands committed"
        );
    }
}

/// The 2D labs' snapshot interval: each service snapshots every this many applied entries.
const SNAPSHOT_INTERVAL: u64 = 10;

/// The 2D labs' bound on the Raft state a server persists (`MAXLOGSIZE`, bytes): compaction
/// must keep the log short.
const MAX_LOG_SIZE: u64 = 2_000;

/// The 2D labs' `snapcommon`: 30 rounds in which a follower or the leader is disconnected or
/// crashed while enough commands arrive for a snapshot, then brought back: with `disconnect` or
/// `crash` it can only catch up through the leader's snapshot (InstallSnapshot), and the test
/// checks that at least one was installed. The persisted Raft state stays under
/// [`MAX_LOG_SIZE`] throughout.
fn snap_common(disconnect: bool, reliable: bool, crash: bool) {
    let servers = 3;
    for seed in SEEDS {
        let mut lab = Lab::with_snapshots(servers, seed, !reliable, SNAPSHOT_INTERVAL);
        let v = lab.value();
        lab.one(v, servers, true);
        let mut leader1 = lab.check_one_leader();
        for i in 0..30 {
            let (mut victim, mut sender) = ((leader1 + 1) % servers, leader1);
            if i % 3 == 1 {
                sender = (leader1 + 1) % servers;
                victim = leader1;
            }
            if disconnect {
                lab.disconnect(victim);
                let v = lab.value();
                lab.one(v, servers - 1, true);
            }
            if crash {
                lab.crash(victim);
                let v = lab.value();
                lab.one(v, servers - 1, true);
            }
            // Perhaps send enough to get a snapshot.
            let nn = SNAPSHOT_INTERVAL / 2 + lab.rng.range(0, SNAPSHOT_INTERVAL - 1);
            for _ in 0..nn {
                let v = lab.value();
                lab.start(sender, v);
            }
            let v = lab.value();
            if !disconnect && !crash {
                // Every follower caught up: no InstallSnapshot is needed for the basic test.
                lab.one(v, servers, true);
            } else {
                lab.one(v, servers - 1, true);
            }
            for s in 0..servers {
                let size = lab.raft_state_size(s);
                assert!(
                    size < MAX_LOG_SIZE,
                    "seed {seed}: S{} persists {size} bytes of Raft state: log size too large",
                    s + 1
                );
            }
            if disconnect {
                // Reconnect a follower, who may be behind and need a snapshot to catch up.
                lab.connect(victim);
                let v = lab.value();
                lab.one(v, servers, true);
                leader1 = lab.check_one_leader();
            }
            if crash {
                lab.restart(victim);
                lab.connect(victim);
                let v = lab.value();
                lab.one(v, servers, true);
                leader1 = lab.check_one_leader();
            }
        }
        if disconnect || crash {
            assert!(
                lab.applier.installed > 0,
                "seed {seed}: no server ever installed a leader's snapshot"
            );
        }
    }
}

// 2D: snapshots basic.
#[test]
fn lab_2d_snapshot_basic() {
    snap_common(false, true, false);
}

// 2D: install snapshots (disconnect).
#[test]
fn lab_2d_snapshot_install() {
    snap_common(true, true, false);
}

// 2D: install snapshots (disconnect + unreliable).
#[test]
fn lab_2d_snapshot_install_unreliable() {
    snap_common(true, false, false);
}

// 2D: install snapshots (crash).
#[test]
fn lab_2d_snapshot_install_crash() {
    snap_common(false, true, true);
}

// 2D: install snapshots (unreliable + crash).
#[test]
fn lab_2d_snapshot_install_uncrash() {
    snap_common(false, false, true);
}

/// Crashes every server and starts them all again from what they persisted.
fn crash_and_revive_all(lab: &mut Lab) {
    for i in 0..lab.n {
        lab.crash(i);
    }
    for i in 0..lab.n {
        lab.restart(i);
        lab.connect(i);
    }
}

// 2D: crash and restart all servers; the log never goes back.
#[test]
fn lab_2d_snapshot_all_crash() {
    for seed in SEEDS {
        let servers = 3;
        let mut lab = Lab::with_snapshots(servers, seed, false, SNAPSHOT_INTERVAL);
        let v = lab.value();
        lab.one(v, servers, true);
        for _ in 0..5 {
            // Perhaps enough to get a snapshot.
            let nn = SNAPSHOT_INTERVAL / 2 + lab.rng.range(0, SNAPSHOT_INTERVAL - 1);
            for _ in 0..nn {
                let v = lab.value();
                lab.one(v, servers, true);
            }
            let v = lab.value();
            let index1 = lab.one(v, servers, true);
            crash_and_revive_all(&mut lab);
            let v = lab.value();
            let index2 = lab.one(v, servers, true);
            assert!(
                index2 > index1,
                "seed {seed}: index decreased from {index1} to {index2}"
            );
        }
    }
}

// 2D: snapshot initialization after crash — a server restarted from a snapshot persists
// again, restarts again, and still agrees.
#[test]
fn lab_2d_snapshot_init() {
    for seed in SEEDS {
        let servers = 3;
        let mut lab = Lab::with_snapshots(servers, seed, false, SNAPSHOT_INTERVAL);
        let v = lab.value();
        lab.one(v, servers, true);
        // Enough ops to make a snapshot.
        for _ in 0..=SNAPSHOT_INTERVAL {
            let v = lab.value();
            lab.one(v, servers, true);
        }
        crash_and_revive_all(&mut lab);
        // A single op, to get something written back to persistent storage.
        let v = lab.value();
        lab.one(v, servers, true);
        crash_and_revive_all(&mut lab);
        // Another op to trigger a potential bug.
        let v = lab.value();
        lab.one(v, servers, true);
    }
}

/// An applied command of the labs, as the trace records it.
fn lab_apply(node: NodeId, index: Index, value: u64) -> TraceEvent {
    TraceEvent::Apply {
        node,
        index,
        term: 1,
        command: Some(raft_sim::app::Command {
            client: 0,
            seq: index,
            op: Op::Put {
                key: "lab".into(),
                value: value.to_string(),
            },
        }),
        result: None,
        session: None,
    }
}

fn applier(n: usize) -> Applier {
    Applier {
        last_applied: vec![0; n],
        ..Applier::default()
    }
}

// The applier's own checks can fail (they guard every test above).
#[test]
#[should_panic(expected = "server 2 apply out of order 2")]
fn the_applier_fails_on_an_apply_out_of_order() {
    let mut a = applier(3);
    a.on(&lab_apply(1, 1, 7));
    a.on(&lab_apply(1, 2, 8));
    a.on(&lab_apply(2, 2, 8));
}

#[test]
#[should_panic(expected = "commit index=1 server=2: Some(9) where another applied Some(7)")]
fn the_applier_fails_when_two_servers_apply_different_commands() {
    let mut a = applier(3);
    a.on(&lab_apply(1, 1, 7));
    a.on(&lab_apply(2, 1, 9));
}

#[test]
fn the_applier_counts_a_snapshot_and_a_restart_as_applied() {
    let mut a = applier(2);
    for i in 1..=5 {
        a.on(&lab_apply(1, i, 10 + i));
    }
    a.on(&TraceEvent::Snapshot {
        node: 2,
        index: 4,
        term: 1,
        source: SnapshotSource::Leader,
    });
    a.on(&lab_apply(2, 5, 15));
    assert_eq!((a.last_applied.clone(), a.installed), (vec![5, 5], 1));
    a.on(&TraceEvent::Restart {
        node: 1,
        term: 1,
        vote: None,
        last_index: 5,
        snapshot_index: 3,
    });
    a.on(&lab_apply(1, 4, 14));
    assert_eq!(a.last_applied, vec![4, 5]);
}
