//! `raft-sim check --groups N`: randomized machine-level fault schedules over a multi-group
//! world ([`crate::groups`]), with every safety checker running in every group. One seed draws
//! the network, the Raft switches, whether heartbeats are coalesced, and a schedule of machine
//! faults (crash, restart, partition, heal, crash of the machine leading the most groups) and,
//! if allowed, leadership transfers in single groups; then everything heals and every group must
//! commit again within [`TAIL_MS`] (liveness after faults end), as `check`'s own schedules
//! require of one group.
//!
//! Bounds: faults for `duration_ms` (at most [`crate::limits::MAX_TIME_MS`]), then at most
//! [`TAIL_MS`]; a seed stops early once any group has processed its [`event_budget`] of events.
//! Not here (a one-group `check` covers them): membership changes (replicas stay on their
//! machines) and pauses (the world has no pause).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::checker::Violation;
use crate::groups::{MachineId, MultiOptions, MultiWorld};
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::schedule::{event_budget, Faults, TAIL_MS};
use crate::world::{ClientOptions, Workload};
use crate::SimError;
use raft_core::config::{BreakIt, ElectionPolicy};

/// One seed of a multi-group check.
#[derive(Debug, Clone)]
pub struct GroupCheck {
    /// The seed: every draw of the schedule and of the worlds derives from it.
    pub seed: u64,
    /// Machines (1 to [`crate::groups::MAX_MACHINES`]).
    pub machines: u32,
    /// Groups (1 to [`crate::groups::MAX_GROUPS`]).
    pub groups: u32,
    /// Replicas per group, at most the machines.
    pub replicas: u32,
    /// How long faults go on, ms.
    pub duration_ms: u64,
    /// The kinds of fault allowed (membership ignored, see the module doc).
    pub faults: Faults,
    /// Election policy of every replica.
    pub policy: ElectionPolicy,
    /// Keep every group's trace (for a version-4 trace file).
    pub keep_trace: bool,
    /// Unsafe teaching switches in every replica (none from the command line; tests turn one
    /// on to show that the check catches what it breaks).
    pub break_it: BreakIt,
}

/// What one group did in a seed.
#[derive(Debug, Clone)]
pub struct GroupOutcome {
    /// The group's name.
    pub name: String,
    /// Events processed.
    pub events: u64,
    /// Entries committed.
    pub committed: u64,
    /// Client operations completed.
    pub completed: u64,
    /// Elections started.
    pub elections: u64,
    /// The first violation, if any.
    pub violation: Option<Violation>,
    /// Whether the group committed new entries after everything healed.
    pub recovered: bool,
    /// Whether the group hit its event budget.
    pub exhausted: bool,
}

/// A seed's result: each group's figures and the world at the end (for linearizability).
#[derive(Debug, Clone)]
pub struct GroupCheckOutcome {
    /// The seed.
    pub seed: u64,
    /// Whether heartbeats were coalesced.
    pub coalesced: bool,
    /// Each group, in order.
    pub groups: Vec<GroupOutcome>,
    /// The world at the end.
    pub world: MultiWorld,
}

impl GroupCheck {
    /// Runs the seed. Fails only on a bad definition (machines, groups, replicas).
    pub fn run(&self) -> Result<GroupCheckOutcome, SimError> {
        let mut rng = SimRng::new(self.seed ^ 0x6E0C_6E0C_6E0C_6E0C);
        let f = self.faults;
        let net = NetConfig {
            latency_min: 5,
            latency_max: 5 + rng.range(0, 25),
            drop_ppm: if f.drop {
                rng.range(0, 100_000) as u32
            } else {
                0
            },
            dup_ppm: if f.duplicate {
                rng.range(0, 50_000) as u32
            } else {
                0
            },
            reorder_ppm: if f.reorder {
                rng.range(0, 100_000) as u32
            } else {
                0
            },
            ..NetConfig::default()
        };
        let mut o = MultiOptions::uniform(self.machines, self.groups, self.replicas, 3, self.seed);
        for g in &mut o.groups {
            g.clients = ClientOptions {
                enabled: true,
                count: 3,
                think_ms: 10,
                timeout_ms: 300,
                workload: Workload::Kv { keys: 3 },
                read_index: true,
            };
        }
        o.base.pre_vote = rng.range(0, 3) != 0;
        o.base.check_quorum = rng.range(0, 3) != 0;
        o.base.net = net.clone();
        o.base.election_policy = self.policy;
        o.base.break_it = self.break_it;
        o.base.keep_trace = self.keep_trace;
        o.base.snapshot_every = if f.snapshot { rng.range(3, 30) } else { 0 };
        let coalesced = rng.range(0, 1) == 0;
        if coalesced {
            o.coalesce_ms = Some(o.base.heartbeat_ms);
        }
        let mut mw = MultiWorld::new(o)?;
        let budget = event_budget(self.duration_ms);
        let exhausted = |mw: &MultiWorld| mw.groups().iter().any(|w| w.stats().events >= budget);
        let halted = |mw: &MultiWorld| mw.groups().iter().any(|w| w.violation().is_some());
        let mut t = 0;
        while t < self.duration_ms && !halted(&mw) && !exhausted(&mw) {
            t += rng.range(50, 400);
            mw.advance_to(t);
            self.random_fault(&mut rng, &mut mw)?;
        }
        // Heal, restart every machine, stop the network's faults, and require progress in
        // every group.
        mw.heal()?;
        mw.set_network(NetConfig {
            drop_ppm: 0,
            dup_ppm: 0,
            reorder_ppm: 0,
            ..net
        })?;
        for m in 1..=self.machines {
            mw.resume_machine(m)?;
            mw.restart_machine(m)?;
        }
        let before: Vec<u64> = mw
            .groups()
            .iter()
            .map(|w| w.checker().committed_len())
            .collect();
        let progressed = |mw: &MultiWorld| -> Vec<bool> {
            mw.groups()
                .iter()
                .zip(&before)
                .map(|(w, &b)| w.checker().committed_len() > b + 1)
                .collect()
        };
        let deadline = mw.now() + TAIL_MS;
        while mw.now() < deadline
            && !halted(&mw)
            && !exhausted(&mw)
            && !progressed(&mw).iter().all(|&p| p)
        {
            mw.advance_by(50);
        }
        let done = progressed(&mw);
        let groups = mw
            .groups()
            .iter()
            .zip(&mw.options().groups)
            .zip(done)
            .map(|((w, spec), p)| {
                let s = w.stats();
                let out = s.events >= budget;
                GroupOutcome {
                    name: spec.name.clone(),
                    events: s.events,
                    committed: w.checker().committed_len(),
                    completed: s.completed,
                    elections: s.elections,
                    violation: w.violation().or(w.violations().first()).cloned(),
                    recovered: p && !out,
                    exhausted: out,
                }
            })
            .collect();
        Ok(GroupCheckOutcome {
            seed: self.seed,
            coalesced,
            groups,
            world: mw,
        })
    }

    /// One drawn fault (refused group actions, such as a transfer without a leader, change
    /// nothing, which is fine here).
    fn random_fault(&self, rng: &mut SimRng, mw: &mut MultiWorld) -> Result<(), SimError> {
        let f = self.faults;
        let machines: Vec<MachineId> = (1..=self.machines).collect();
        let down: Vec<MachineId> = machines
            .iter()
            .copied()
            .filter(|&m| mw.is_down(m))
            .collect();
        let pick = |rng: &mut SimRng| machines[rng.range(0, machines.len() as u64 - 1) as usize];
        match rng.range(0, 9) {
            0 | 1 if f.crash => {
                // Keep most machines up most of the time, but sometimes crash more.
                if down.len() * 2 + 2 < machines.len() || rng.range(0, 9) == 0 {
                    mw.crash_machine(pick(rng))?;
                } else if let Some(&m) = down.first() {
                    mw.restart_machine(m)?;
                }
            }
            2 if f.crash => {
                // The machine leading the most groups fails: every group it led re-elects.
                let leaders = mw.leader_machines();
                if let Some(m) = machines
                    .iter()
                    .copied()
                    .max_by_key(|&m| leaders.iter().filter(|&&l| l == Some(m)).count())
                {
                    mw.crash_machine(m)?;
                }
            }
            3 if f.crash => {
                if let Some(&m) = down.last() {
                    mw.restart_machine(m)?;
                }
            }
            4 | 5 if f.partition => {
                let mut sides: [Vec<MachineId>; 2] = [Vec::new(), Vec::new()];
                for &m in &machines {
                    sides[rng.range(0, 1) as usize].push(m);
                }
                mw.partition_machines(&sides)?;
            }
            6 if f.partition => mw.heal()?,
            8 if f.crash => {
                // A machine pauses (a GC pause, SIGSTOP) or, if one is paused, resumes.
                match machines.iter().copied().find(|&m| mw.is_paused(m)) {
                    Some(m) => mw.resume_machine(m)?,
                    None => mw.pause_machine(pick(rng))?,
                }
            }
            7 if f.transfer => {
                let g = rng.range(0, u64::from(self.groups) - 1) as usize;
                let to = rng.range(1, u64::from(self.replicas));
                let _ = mw.act_group(g, Action::TransferLeader { to });
            }
            _ => {}
        }
        Ok(())
    }
}

/// The command that replays one seed of a multi-group check.
pub fn replay_line(c: &GroupCheck) -> String {
    format!(
        "raft-sim check --seeds {s}..{s} --groups {} --machines {} --nodes {} --duration-ms {} --faults {} --policy {}",
        c.groups,
        c.machines,
        c.replicas,
        c.duration_ms,
        c.faults.names(),
        c.policy.name(),
        s = c.seed
    )
}
