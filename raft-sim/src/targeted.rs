//! Targeted schedules: plays aimed at the rules that random faults rarely reach, because they
//! matter only when two things happen within a round trip of each other.
//!
//! - **Membership** (dissertation §4): a cluster of three to five voters grows learners, then
//!   over and over a membership change meets a fault a few milliseconds later (the leader
//!   crashes or is cut off while the change is half replicated), a new leader changes the
//!   membership the moment it is elected (before its first entry commits: the 2015 bug), changes
//!   come back to back, and snapshots (every few entries, small chunks) carry configurations to
//!   nodes that restart.
//! - **Leases and reads** (dissertation §6.4): lease reads on, short latencies, many clients on
//!   few keys; the leader hands over leadership and is cut off from the others a moment later
//!   (it still sends, but hears nothing), leaders crash right after writes so that the next one
//!   must find the commit index, nodes restart right after voting.
//!
//! - **Two classic membership bugs**, played step by step with their timing drawn at random
//!   (a quarter of the targeted seeds): the 2015 single-server bug (dissertation §4.1, as
//!   corrected on the raft-dev list: a leader may change the membership only once an entry of
//!   its own term has committed) and a snapshot that carries a configuration to a node that was
//!   away while it changed (paper §7: the snapshot holds the latest configuration).
//! - **Late votes** (a seventh of the targeted seeds that allow transfers): a candidate's grant
//!   held back while a rival wins the same term and changes the configuration to one where the
//!   held grant is a majority (the late-vote rule, paper §5.2 and issue 13; `Play::late_votes`).
//!
//! Which play a seed gets is drawn from a generator of its own (so adding a play moved no other
//! seed's draws); everything else from one generator seeded from the seed, in a fixed order.

use alloc::vec::Vec;

use crate::actions::Action;
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::schedule::{decommission, event_budget, finish, CheckOutcome, CheckRun};
use crate::swarm::{churn, down, ids, pick};
use crate::world::{ClientOptions, SimOptions, Workload, World};
use raft_core::config::{ElectionPolicy, ReadMode, DEFAULT_MAX_CLOCK_DRIFT_PPM};
use raft_core::types::NodeId;

/// Salt of the targeted generator.
const SALT: u64 = 0x7A26_E7ED_0000_0001;

/// Salt of the generator that picks the classic membership plays.
const CLASSIC_SALT: u64 = 0x7A26_E7ED_0000_0002;

/// How long a play waits for a leader before it moves on, ms.
const LEADER_WAIT_MS: u64 = 1_500;

/// Runs one targeted schedule (see the module doc), then [`finish`]'s healed tail.
pub(crate) fn run(spec: &CheckRun, plant: &dyn Fn(&mut SimOptions)) -> CheckOutcome {
    let f = spec.faults;
    if f.membership && f.partition {
        match SimRng::new(spec.seed ^ CLASSIC_SALT).range(0, 7) {
            0 => return classic(spec, plant, Classic::TwoChanges),
            1 if f.snapshot => return classic(spec, plant, Classic::SnapshotMembership),
            2 if f.transfer => return classic(spec, plant, Classic::LateVotes),
            _ => {}
        }
    }
    let mut rng = SimRng::new(spec.seed ^ SALT);
    let lease_play = rng.range(0, 1) == 1 && spec.faults.crash;
    let nodes = rng.range(3, u64::from(spec.nodes.max(3)).min(5)) as u32;
    let latency_min = rng.range(1, 5);
    let net = NetConfig {
        latency_min,
        latency_max: latency_min + rng.range(0, if lease_play { 8 } else { 30 }),
        drop_ppm: if spec.faults.drop {
            rng.range(0, 30_000) as u32
        } else {
            0
        },
        dup_ppm: if spec.faults.duplicate {
            rng.range(0, 30_000) as u32
        } else {
            0
        },
        reorder_ppm: if spec.faults.reorder {
            rng.range(0, 100_000) as u32
        } else {
            0
        },
        ..NetConfig::default()
    };
    let pre_vote = rng.range(0, 1) == 1;
    let check_quorum = lease_play || rng.range(0, 1) == 1;
    let policy = ElectionPolicy::ALL[rng.range(0, 3) as usize];
    let snapshot_every = if spec.faults.snapshot && rng.range(0, 1) == 1 {
        rng.range(2, 12)
    } else {
        0
    };
    let clients = ClientOptions {
        enabled: true,
        // More clients make more reads at the deposed leader, but the linearizability search
        // grows quickly with concurrent operations on one key: at most five.
        count: if lease_play { rng.range(3, 5) } else { 3 } as u32,
        think_ms: rng.range(0, 10),
        timeout_ms: rng.range(100, 300),
        workload: Workload::Kv {
            keys: rng.range(1, 3) as u32,
        },
        read_index: true,
    };
    let mut opts = SimOptions {
        nodes,
        seed: spec.seed,
        pre_vote,
        check_quorum,
        net: net.clone(),
        clients,
        keep_trace: spec.keep_trace,
        election_policy: policy,
        snapshot_every,
        max_msg_bytes: if snapshot_every > 0 {
            rng.range(16, 128)
        } else {
            64 * 1024
        },
        ..Default::default()
    };
    // Half the read plays serve lease reads (CheckQuorum on); the other half ReadIndex without
    // CheckQuorum, where a deposed leader cut off from the others can stay leader for as long
    // as the cut lasts.
    if lease_play && rng.range(0, 1) == 1 {
        opts.read_mode = ReadMode::Lease;
        opts.clock_drift_ppm = DEFAULT_MAX_CLOCK_DRIFT_PPM;
    } else if lease_play {
        opts.check_quorum = false;
    }
    plant(&mut opts);
    let mut world = spec.world(opts);
    let budget = event_budget(spec.duration_ms);
    let mut p = Play {
        rng,
        world: &mut world,
        end: spec.duration_ms,
        budget,
    };
    if lease_play {
        p.leases(spec);
    } else {
        p.membership(spec);
    }
    finish(world, spec.seed, net, budget, true)
}

/// The classic membership plays (module doc).
#[derive(Clone, Copy)]
enum Classic {
    /// The 2015 single-server bug: two changes from one configuration, in different terms.
    TwoChanges,
    /// A configuration that reaches a node only inside a snapshot.
    SnapshotMembership,
    /// Late votes counted in a configuration learned from the term's other leader.
    LateVotes,
}

/// Runs a classic play on a cluster made for it (four voters, or three with snapshots every
/// few entries), then [`finish`]'s healed tail. Links lose nothing: the plays decide which
/// messages are lost.
fn classic(spec: &CheckRun, plant: &dyn Fn(&mut SimOptions), play: Classic) -> CheckOutcome {
    let mut rng = SimRng::new(spec.seed ^ SALT);
    let latency_min = rng.range(1, 5);
    let net = NetConfig {
        latency_min,
        latency_max: latency_min + rng.range(0, 10),
        ..NetConfig::default()
    };
    let snapshots = matches!(play, Classic::SnapshotMembership);
    let late_votes = matches!(play, Classic::LateVotes);
    let mut opts = SimOptions {
        nodes: match play {
            Classic::SnapshotMembership => 3,
            Classic::TwoChanges => 4,
            Classic::LateVotes => 5,
        },
        seed: spec.seed,
        // Late votes are taken in a pre-vote round of the candidate's term.
        pre_vote: late_votes || rng.range(0, 1) == 1,
        check_quorum: rng.range(0, 1) == 1,
        net: net.clone(),
        clients: ClientOptions {
            enabled: true,
            count: 3,
            think_ms: rng.range(0, 10),
            timeout_ms: rng.range(100, 300),
            workload: Workload::Kv { keys: 2 },
            read_index: true,
        },
        keep_trace: spec.keep_trace,
        election_policy: ElectionPolicy::ALL[rng.range(0, 3) as usize],
        snapshot_every: if snapshots { rng.range(2, 6) } else { 0 },
        ..Default::default()
    };
    plant(&mut opts);
    let mut world = spec.world(opts);
    let budget = event_budget(spec.duration_ms);
    let mut p = Play {
        rng,
        world: &mut world,
        end: spec.duration_ms,
        budget,
    };
    match play {
        Classic::TwoChanges => {
            p.two_changes();
            // The play pauses the clients, and may stop early.
            p.act(Some(Action::ClientLoad { on: true }));
        }
        Classic::SnapshotMembership => p.snapshot_membership(),
        Classic::LateVotes => {
            p.late_votes();
            p.act(Some(Action::ClientLoad { on: true }));
        }
    }
    finish(world, spec.seed, net, budget, true)
}

/// A play in progress: the generator, the world, the time faults stop and the event budget.
struct Play<'a> {
    rng: SimRng,
    world: &'a mut World,
    end: u64,
    budget: u64,
}

impl Play<'_> {
    /// True while the play may go on: before its end, and no violation yet.
    fn on(&self) -> bool {
        self.world.now() < self.end
            && self.world.violation().is_none()
            && self.world.stats().events < self.budget
    }

    /// Lets `lo..=hi` ms pass (never past the end).
    fn wait(&mut self, lo: u64, hi: u64) {
        let t = (self.world.now() + self.rng.range(lo, hi)).min(self.end);
        self.world.advance_to_step(t, self.budget);
    }

    fn act(&mut self, a: Option<Action>) {
        if let Some(a) = a {
            // Refused actions change nothing; that is fine here.
            let _ = self.world.act(a);
        }
    }

    /// Runs until some live node leads (at most [`LEADER_WAIT_MS`]); the leader, if any.
    fn await_leader(&mut self, other_than: Option<NodeId>) -> Option<NodeId> {
        let deadline = (self.world.now() + LEADER_WAIT_MS).min(self.end);
        let budget = self.budget;
        self.world.run_until(deadline, |w| {
            w.leader().is_some_and(|l| Some(l) != other_than) || w.stats().events >= budget
        });
        self.world.leader().filter(|&l| Some(l) != other_than)
    }

    /// Heals every link, shuts down the removed nodes and restarts every other node that is
    /// down.
    fn mend(&mut self) {
        self.act(Some(Action::Heal));
        let retired = decommission(self.world);
        for node in down(self.world) {
            if !retired.contains(&node) {
                self.act(Some(Action::Restart { node }));
            }
        }
    }

    /// A fault aimed at the leader `l` (or anyone): crash, isolation, or a random split.
    fn strike(&mut self, l: NodeId, allowed: crate::schedule::Faults) {
        let ids = ids(self.world);
        let a = match self.rng.range(0, 3) {
            0 | 1 if allowed.crash => Action::Crash { node: l },
            2 if allowed.partition => Action::Isolate { node: l },
            _ if allowed.partition => {
                let mut groups = alloc::vec![Vec::new(), Vec::new()];
                for &id in &ids {
                    groups[self.rng.range(0, 1) as usize].push(id);
                }
                Action::Partition { groups }
            }
            _ => Action::Crash {
                node: pick(&mut self.rng, &ids),
            },
        };
        self.act(Some(a));
    }

    /// Once another node than `old` leads, a person writes a new value through it and, once
    /// it has had time to commit, reads the key at `old`: a deposed leader that answers serves
    /// a stale value, which the linearizability check catches (clients on their own rarely go
    /// back to a node that stopped answering their writes).
    fn write_then_read_at(&mut self, old: NodeId) {
        if self.await_leader(Some(old)).is_none() {
            return;
        }
        let key = alloc::string::String::from("k1");
        let value = alloc::format!("w{}", self.world.now());
        self.act(Some(Action::Request {
            key: key.clone(),
            value,
        }));
        self.wait(5, 40);
        self.act(Some(Action::Read { node: old, key }));
    }

    /// The membership play (module doc).
    fn membership(&mut self, spec: &CheckRun) {
        let f = spec.faults;
        if self.await_leader(None).is_none() {
            return;
        }
        for _ in 0..self.rng.range(1, 3) {
            self.act(Some(Action::AddNode));
            self.wait(0, 30);
        }
        self.wait(100, 300);
        while self.on() {
            let Some(l) = self.await_leader(None) else {
                self.mend();
                continue;
            };
            match self.rng.range(0, 6) {
                // The leader and the learners cut off from the other voters, and the learners
                // promoted back to back: with one change at a time (dissertation §4.1) and
                // learners outside every quorum (§4.2.1) that side commits nothing, so the
                // other side may elect a leader without losing anything.
                5 | 6 if f.partition => self.learner_side(l, f),
                // A change half replicated when its leader is cut off; the next leader makes
                // another at once; then the two sides meet (the 2015 single-server bug needs
                // exactly this: two changes from one configuration, in different terms).
                0 => {
                    if self
                        .world
                        .node(l)
                        .is_some_and(|n| n.membership().learners.is_empty())
                    {
                        self.act(Some(Action::AddNode));
                        self.wait(50, 200);
                    }
                    let a = churn(&mut self.rng, self.world);
                    self.act(a);
                    self.wait(0, 4);
                    if f.partition {
                        self.act(Some(Action::Isolate { node: l }));
                    } else {
                        self.strike(l, f);
                    }
                    if self.await_leader(Some(l)).is_some() {
                        let a = churn(&mut self.rng, self.world);
                        self.act(a);
                        self.wait(0, 10);
                        if f.partition {
                            self.strike(l, f);
                        }
                    }
                    self.wait(50, 300);
                    self.mend();
                    self.wait(0, 300);
                }
                // The leader goes; the next one changes the membership at once.
                1 => {
                    self.strike(l, f);
                    if let Some(next) = self.await_leader(Some(l)) {
                        let a = churn(&mut self.rng, self.world);
                        self.act(a);
                        self.wait(0, 15);
                        if self.rng.range(0, 1) == 0 {
                            self.strike(next, f);
                        }
                        self.wait(0, 200);
                    }
                    if self.rng.range(0, 1) == 0 {
                        self.mend();
                    }
                }
                // Changes back to back.
                2 => {
                    for _ in 0..self.rng.range(2, 4) {
                        let a = churn(&mut self.rng, self.world);
                        self.act(a);
                        self.wait(0, 5);
                    }
                    self.wait(0, 30);
                    if self.rng.range(0, 1) == 0 {
                        self.strike(l, f);
                    }
                    self.wait(50, 300);
                }
                // Snapshots carry the configuration to nodes that were away.
                3 => {
                    let ids = ids(self.world);
                    let away = pick(&mut self.rng, &ids);
                    if f.crash {
                        self.act(Some(Action::Crash { node: away }));
                    }
                    let a = churn(&mut self.rng, self.world);
                    self.act(a);
                    self.wait(20, 200);
                    if f.snapshot {
                        for node in ids {
                            self.act(Some(Action::Compact { node }));
                        }
                    }
                    self.wait(0, 100);
                    self.act(Some(Action::Restart { node: away }));
                    self.wait(0, 200);
                }
                _ => {
                    self.mend();
                    self.wait(100, 500);
                }
            }
        }
    }

    /// See the arm of [`Play::membership`] that calls it.
    fn learner_side(&mut self, l: NodeId, f: crate::schedule::Faults) {
        let learners = |w: &World| {
            w.node(l)
                .map(|n| n.membership().learners.iter().copied().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        while learners(self.world).len() < 2 && self.world.nodes().len() < 9 && self.on() {
            self.act(Some(Action::AddNode));
            self.wait(20, 60);
        }
        self.wait(50, 200);
        let side: Vec<NodeId> = core::iter::once(l).chain(learners(self.world)).collect();
        let rest: Vec<NodeId> = ids(self.world)
            .into_iter()
            .filter(|i| !side.contains(i))
            .collect();
        self.act(Some(Action::Partition {
            groups: alloc::vec![side.clone(), rest],
        }));
        for &node in side.iter().skip(1) {
            self.act(Some(Action::Promote { node }));
            self.wait(0, 3);
        }
        self.wait(50, 200);
        if f.crash && self.rng.range(0, 1) == 0 {
            self.act(Some(Action::Crash { node: l }));
        }
        self.wait(300, 700);
        self.mend();
        self.wait(100, 300);
    }

    /// The 2015 single-server bug, on four voters: the leader `l` is cut off with a new learner
    /// `e` and promotes it (C1 = the voters and `e`; only `l` and `e` hold it). The three others
    /// elect `l2`; the appends of its first moment to one of them, `d`, are lost, and `d` is cut
    /// off to `l`'s side. `l2` at once removes `d` (C2 = the voters without `d`); with the rule of
    /// §4.1 it must refuse, since its term has no committed entry yet. Without the rule `l2` and
    /// the last voter commit C2 as a majority of C2, while `l`, `d` and `e` are a majority of
    /// C1 and elect `l` again: two committed histories, which the checker sees.
    fn two_changes(&mut self) {
        let Some(l) = self.await_leader(None) else {
            return;
        };
        // Its term's first entry commits before it may change the membership.
        self.wait(50, 150);
        self.act(Some(Action::AddNode));
        let Some(&e) = self.world.nodes().keys().last() else {
            return;
        };
        self.wait(150, 300);
        // The clients pause, so that every node learns that its whole log is committed: a new
        // leader whose log holds entries it does not know committed refuses changes until they
        // commit (the guard etcd also keeps), which hides the rule this play is about.
        self.act(Some(Action::ClientLoad { on: false }));
        self.wait(120, 200);
        let voters: Vec<NodeId> = ids(self.world).into_iter().filter(|&i| i != e).collect();
        let others: Vec<NodeId> = voters.iter().copied().filter(|&i| i != l).collect();
        self.act(Some(Action::Partition {
            groups: alloc::vec![alloc::vec![l, e], others.clone()],
        }));
        self.wait(0, 3);
        self.act(Some(Action::Promote { node: e }));
        let Some(l2) = self.await_leader(Some(l)) else {
            return;
        };
        let rest: Vec<NodeId> = others.iter().copied().filter(|&i| i != l2).collect();
        let d = pick(&mut self.rng, &rest);
        let lost: Vec<u64> = self
            .world
            .network()
            .in_flight()
            .filter(|m| m.msg.from == l2 && m.msg.to == d)
            .map(|m| m.id)
            .collect();
        for id in lost {
            self.act(Some(Action::DropMessage { id }));
        }
        let l2_side: Vec<NodeId> = others.iter().copied().filter(|&i| i != d).collect();
        self.act(Some(Action::Partition {
            groups: alloc::vec![alloc::vec![l, e, d], l2_side],
        }));
        self.wait(0, 3);
        self.act(Some(Action::Remove { node: d }));
        self.act(Some(Action::ClientLoad { on: true }));
        // Long enough for `l` to hear of term 2 from `d`, wait out an election timeout and win.
        self.wait(800, 1_200);
        self.mend();
        self.wait(100, 300);
    }

    /// The late-vote rule (a vote binds its voter for the whole term, so a grant that arrives
    /// in the candidate's next pre-vote round still counts; raft-core's `campaigned_term`)
    /// meets a configuration change, on five voters: `s` campaigns in term T (a transfer) and
    /// only `g` hears it, its grant held on the way back; the leader hands over to `r`, which
    /// wins T with the other two voters. `r` changes the configuration to {`s`, `g`, `r`},
    /// where `s` and `g` are a majority, and `s` follows it and learns it. Then `s` stops
    /// hearing from `r`, times out into a pre-vote round of T, and `g`'s grant arrives: counted
    /// in the new configuration it would make `s` a second leader of T (seed 14422601 of a
    /// 7-node swarm found this); a node that followed its term's leader takes no late votes.
    fn late_votes(&mut self) {
        let Some(l) = self.await_leader(None) else {
            return;
        };
        // A still log, so that each transfer's target is caught up and told to campaign at once.
        self.act(Some(Action::ClientLoad { on: false }));
        self.wait(150, 300);
        let mut others: Vec<NodeId> = ids(self.world).into_iter().filter(|&i| i != l).collect();
        if others.len() < 4 {
            return;
        }
        let mut draw =
            |rng: &mut SimRng| others.remove(rng.range(0, others.len() as u64 - 1) as usize);
        let (s, r, g) = (
            draw(&mut self.rng),
            draw(&mut self.rng),
            draw(&mut self.rng),
        );
        let term = |w: &World, id| w.node(id).map_or(0, |n| n.term());
        let t0 = term(self.world, l);
        self.act(Some(Action::Hold { from: g, to: s }));
        self.act(Some(Action::TransferLeader { to: s }));
        let deadline = self.world.now() + 100;
        let budget = self.budget;
        self.world
            .run_until(deadline, |w| term(w, s) > t0 || w.stats().events >= budget);
        if term(self.world, s) != t0 + 1 {
            self.mend();
            return;
        }
        // Only `g` hears `s`'s vote requests.
        let unheard: Vec<u64> = self
            .world
            .network()
            .in_flight()
            .filter(|m| m.msg.from == s && m.msg.to != g)
            .map(|m| m.id)
            .collect();
        for id in unheard {
            self.act(Some(Action::DropMessage { id }));
        }
        self.wait(5, 20);
        self.act(Some(Action::TransferLeader { to: r }));
        let deadline = self.world.now() + 200;
        self.world.run_until(deadline, |w| {
            w.node(r)
                .is_some_and(|n| n.role() == raft_core::types::Role::Leader)
                || w.stats().events >= budget
        });
        // Its term's first entry commits before it may change the membership (§4.1).
        self.wait(60, 120);
        self.act(Some(Action::Reconfigure {
            voters: alloc::vec![s, g, r],
        }));
        self.wait(150, 300);
        self.act(Some(Action::Cut { from: r, to: s }));
        self.wait(300, 700);
        self.act(Some(Action::Release { from: g, to: s }));
        self.wait(100, 300);
        self.mend();
    }

    /// A configuration reaches a node only inside a snapshot: one of three voters, `a`, is down
    /// while two learners join and are promoted and every log is compacted; it comes back and
    /// installs the snapshot. Then `a` and another old voter `b` are cut off from the leader
    /// and the two new voters. Holding the snapshot's configuration (paper §7), `a` needs three
    /// votes and gets two; keeping its old three-voter one instead, it wins with `b`'s vote and
    /// commits beside the leader, who still has a majority of five.
    fn snapshot_membership(&mut self) {
        let Some(l) = self.await_leader(None) else {
            return;
        };
        self.wait(50, 150);
        let old = ids(self.world);
        let followers: Vec<NodeId> = old.iter().copied().filter(|&i| i != l).collect();
        let a = pick(&mut self.rng, &followers);
        let Some(&b) = followers.iter().find(|&&i| i != a) else {
            return;
        };
        self.act(Some(Action::Crash { node: a }));
        for _ in 0..2 {
            self.act(Some(Action::AddNode));
            self.wait(100, 200);
        }
        let new: Vec<NodeId> = ids(self.world)
            .into_iter()
            .filter(|i| !old.contains(i))
            .collect();
        for &node in &new {
            self.act(Some(Action::Promote { node }));
            self.wait(60, 150);
        }
        for node in ids(self.world) {
            self.act(Some(Action::Compact { node }));
        }
        self.act(Some(Action::Restart { node: a }));
        self.wait(100, 250);
        let leader = self.world.leader().unwrap_or(l);
        let mut big: Vec<NodeId> = alloc::vec![leader];
        big.extend(new.iter().copied().filter(|&i| i != leader));
        let small: Vec<NodeId> = ids(self.world)
            .into_iter()
            .filter(|i| !big.contains(i))
            .collect();
        if !small.contains(&a) || !small.contains(&b) {
            return;
        }
        self.act(Some(Action::Partition {
            groups: alloc::vec![big, small],
        }));
        for i in 0..3 {
            self.wait(200, 400);
            // Entries at the leader that cannot be lost (the clients may be waiting elsewhere).
            self.act(Some(Action::Propose {
                node: leader,
                key: alloc::string::String::from("p"),
                value: alloc::format!("{i}"),
            }));
        }
        self.mend();
        self.wait(100, 300);
    }

    /// The leases-and-reads play (module doc).
    fn leases(&mut self, spec: &CheckRun) {
        let f = spec.faults;
        while self.on() {
            let Some(l) = self.await_leader(None) else {
                self.mend();
                continue;
            };
            // A leader long enough in office to hold a lease.
            self.wait(50, 250);
            let ids = ids(self.world);
            let others: Vec<NodeId> = ids.iter().copied().filter(|&i| i != l).collect();
            match self.rng.range(0, 3) {
                // Hand over, then hear nothing: the clients pause so that the target catches up
                // (a transfer sends TimeoutNow only then), the links into the leader are cut,
                // the transfer starts and the clients resume. The old leader still sends, so the
                // TimeoutNow gets out, but no answer or newer term gets in.
                0 if f.transfer && f.partition && !others.is_empty() => {
                    let to = pick(&mut self.rng, &others);
                    self.act(Some(Action::ClientLoad { on: false }));
                    self.wait(30, 60);
                    for &from in &others {
                        self.act(Some(Action::Cut { from, to: l }));
                    }
                    self.act(Some(Action::TransferLeader { to }));
                    self.act(Some(Action::ClientLoad { on: true }));
                    self.write_then_read_at(l);
                    self.wait(100, 300);
                    self.mend();
                }
                // The leader crashes right after writes; the next must learn the commit index
                // before it answers reads.
                1 => {
                    self.act(Some(Action::Crash { node: l }));
                    self.await_leader(Some(l));
                    self.wait(0, 100);
                    self.act(Some(Action::Restart { node: l }));
                }
                // A node restarts right after the votes of an election.
                2 if !others.is_empty() => {
                    let n = pick(&mut self.rng, &others);
                    self.act(Some(Action::Campaign { node: n }));
                    self.wait(0, 10);
                    let v = pick(&mut self.rng, &ids);
                    self.act(Some(Action::Crash { node: v }));
                    self.wait(0, 20);
                    self.act(Some(Action::Restart { node: v }));
                    self.wait(0, 10);
                    let c = pick(&mut self.rng, &ids);
                    self.act(Some(Action::Campaign { node: c }));
                    self.wait(50, 200);
                }
                // The leader is cut off from everyone for a while.
                // Long enough for the others to elect a leader (CheckQuorum makes them wait
                // out their promise first) and commit writes while the old one still answers.
                _ if f.partition => {
                    self.act(Some(Action::Isolate { node: l }));
                    self.write_then_read_at(l);
                    self.wait(100, 400);
                    self.mend();
                }
                _ => self.wait(50, 300),
            }
        }
    }
}
