//! Multi-group Raft (issue 17): several independent Raft groups whose replicas share machines,
//! as in TiKV or CockroachDB. Each group is a [`World`] of its own (its own membership, log,
//! network links, clients and safety checkers); a machine hosts at most one replica of each
//! group, and a fault on a machine (crash, restart, partition) hits every replica it hosts.
//!
//! The groups share nothing but machines and the clock, so the simulation advances each group's
//! world to the same time in turn and applies machine faults between advances: the order in
//! which groups advance changes nothing, and a run is as deterministic as one group's.
//!
//! Heartbeat cost. Every leader sends its own heartbeats, so the messages a machine sends grow
//! with the groups it hosts. The known fix is to coalesce them, as CockroachDB does: each store
//! queues its replicas' heartbeats and heartbeat answers per destination store and sends them
//! as one message on a timer that runs faster than the Raft tick (its
//! `CoalescedHeartbeatsInterval`: 50 ms against a 100 ms tick in its test configuration). With
//! [`MultiOptions::coalesce_ms`] set, this simulation does the same for real: every group's
//! heartbeats and answers are taken off the group's own network
//! ([`World::intercept_heartbeats`]), queued per ordered machine pair, and every `coalesce_ms`
//! each non-empty queue leaves as one [`Batch`] on the machines' network ([`MachineNet`]),
//! which delays it, loses it or cuts it as a whole; on arrival each message in it is handed to
//! its group's replica ([`World::deliver_carried`]). Everything else a group sends (appends,
//! votes, snapshots) stays on the group's own network, as before. The groups then also share
//! the machines' network, but each batch's messages go to independent groups, so the order in
//! which groups advance still changes nothing. [`MultiWorld::traffic`] counts what each
//! machine sends either way; [`HeartbeatCost`] is the older estimate of the coalesced figure
//! from an uncoalesced run's trace, kept to compare the two.
//!
//! TiKV cuts the same cost another way, not simulated here: with Hibernate Region its store
//! stops ticking idle groups, so their leaders send no heartbeats at all until there is work.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::limits::MAX_TIME_MS;
pub use crate::machine_net::{Batch, MachineId, MachineNet, MachineNetStats};
use crate::trace::TraceEvent;
use crate::world::{ClientOptions, SimOptions, Workload, World};
use crate::SimError;
use raft_core::message::{Body, Message};
use raft_core::types::{NodeId, Role};

/// Most machines in a multi-group world.
pub const MAX_MACHINES: u32 = 64;

/// Most groups in a multi-group world.
pub const MAX_GROUPS: u32 = 256;

/// Longest flush interval of coalesced heartbeats, ms (a longer one would starve every
/// election timeout the options allow).
pub const MAX_COALESCE_MS: u64 = 10_000;

/// An action on machines (every group with a replica there feels it), as scenario files
/// (version 2) and multi-group traces name them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)
)]
pub enum MachineAction {
    /// Crash a machine: every replica on it crashes (disks are kept).
    CrashMachine {
        /// The machine (from 1).
        machine: MachineId,
    },
    /// Restart a machine: every replica on it restarts from its disk.
    RestartMachine {
        /// The machine.
        machine: MachineId,
    },
    /// Pause a machine as a long GC pause or SIGSTOP would: every replica on it freezes
    /// ([`Action::Pause`]) and resumes later with the view it had.
    PauseMachine {
        /// The machine.
        machine: MachineId,
    },
    /// Resume a paused machine: every replica on it resumes ([`Action::Resume`]).
    ResumeMachine {
        /// The machine.
        machine: MachineId,
    },
    /// Split the machines into sides that cannot reach each other (every group's replicas
    /// follow their machines); machines not listed keep their links.
    PartitionMachines {
        /// The sides.
        sides: Vec<Vec<MachineId>>,
    },
    /// Heal every link of every group and between machines.
    HealMachines,
    /// Set every group's network timing and faults, and the machines' latency and loss.
    Network {
        /// The settings.
        config: crate::network::NetConfig,
    },
}

/// What a multi-group world was asked to do, in order ([`MultiWorld::actions`]): a machine
/// action, or a version-1 action in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiAction {
    /// On machines.
    Machine(MachineAction),
    /// In the group at this index (from 0).
    Group(usize, Action),
}

/// One Raft group: its name, its size and its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    /// A name for reports ("critical", "background", "g3").
    pub name: String,
    /// Replicas (voters), at most the number of machines: one per machine.
    pub replicas: u32,
    /// The group's clients (requests are routed to this group by the caller's choice of group).
    pub clients: ClientOptions,
}

/// A multi-group world's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiOptions {
    /// Machines, 1 to [`MAX_MACHINES`].
    pub machines: u32,
    /// The groups, 1 to [`MAX_GROUPS`].
    pub groups: Vec<GroupSpec>,
    /// Timers, network, policy and seed shared by every group (its `nodes` and `clients` are
    /// replaced by each group's own; each group's seed is derived from `base.seed`).
    pub base: SimOptions,
    /// Coalesced heartbeats: every this many ms (1 to [`MAX_COALESCE_MS`]) each machine sends
    /// one batch per other machine with every group's queued heartbeats and answers (see the
    /// module doc). `None`: every replica sends its own, as a single group does.
    /// A heartbeat waits up to one interval before it leaves, so the interval must stay well
    /// below the election timeout (Raft §5.6: broadcast time ≪ election timeout); with the
    /// reference timings 50 ms (one heartbeat interval) keeps every leader, 200 ms does not.
    pub coalesce_ms: Option<u64>,
}

impl MultiOptions {
    /// `count` groups of `replicas` each on `machines` machines, with the steady key-value load
    /// of `clients` clients each (0: no load).
    pub fn uniform(machines: u32, count: u32, replicas: u32, clients: u32, seed: u64) -> Self {
        MultiOptions {
            machines,
            groups: (0..count)
                .map(|g| GroupSpec {
                    name: format!("g{}", g + 1),
                    replicas,
                    clients: ClientOptions {
                        enabled: clients > 0,
                        count: clients.max(1),
                        ..ClientOptions::default()
                    },
                })
                .collect(),
            base: SimOptions {
                seed,
                keep_trace: false,
                ..SimOptions::default()
            },
            coalesce_ms: None,
        }
    }

    /// The same options with heartbeats coalesced every `ms` ms.
    pub fn coalesced(mut self, ms: u64) -> Self {
        self.coalesce_ms = Some(ms);
        self
    }

    /// The reference use case's ending: a 5-replica group for critical tasks and a 3-replica
    /// group for background work on 5 machines, each with `tasks` tasks to run exactly once.
    pub fn task_queues(tasks: u64, clients: u32, seed: u64) -> Self {
        let group = |name: &str, replicas| GroupSpec {
            name: name.into(),
            replicas,
            clients: ClientOptions {
                enabled: true,
                count: clients,
                think_ms: 0,
                timeout_ms: 300,
                workload: Workload::Tasks { total: tasks },
                read_index: true,
            },
        };
        MultiOptions {
            machines: 5,
            groups: alloc::vec![group("critical", 5), group("background", 3)],
            base: SimOptions {
                seed,
                keep_trace: false,
                ..SimOptions::default()
            },
            coalesce_ms: None,
        }
    }

    /// Checks the definition, naming the first problem (each group's own options are checked
    /// when its world is made).
    pub fn validate(&self) -> Result<(), SimError> {
        if self.machines == 0 || self.machines > MAX_MACHINES {
            return Err(SimError::Invalid(format!(
                "machines must be between 1 and {MAX_MACHINES}"
            )));
        }
        if self.groups.is_empty() || self.groups.len() > MAX_GROUPS as usize {
            return Err(SimError::Invalid(format!(
                "groups must be between 1 and {MAX_GROUPS}"
            )));
        }
        if let Some(ms) = self.coalesce_ms {
            if ms == 0 || ms > MAX_COALESCE_MS {
                return Err(SimError::Invalid(format!(
                    "coalesce_ms must be between 1 and {MAX_COALESCE_MS}"
                )));
            }
        }
        for g in &self.groups {
            if g.replicas == 0 || g.replicas > self.machines {
                return Err(SimError::Invalid(format!(
                    "group {} has {} replicas: between 1 and the {} machines (one per machine)",
                    g.name, g.replicas, self.machines
                )));
            }
        }
        Ok(())
    }
}

/// Several Raft groups on shared machines.
#[derive(Debug, Clone)]
pub struct MultiWorld {
    opts: MultiOptions,
    worlds: Vec<World>,
    /// For each group, the machine of each replica (replica id `r` at index `r - 1`).
    placement: Vec<Vec<MachineId>>,
    down: BTreeSet<MachineId>,
    /// Machines paused ([`MultiWorld::pause_machine`]).
    paused: BTreeSet<MachineId>,
    now: u64,
    /// With coalesced heartbeats: the machines' network, and the heartbeats queued per ordered
    /// machine pair since the last flush.
    mnet: Option<MachineNet>,
    outbox: BTreeMap<(MachineId, MachineId), Vec<(usize, Message)>>,
    /// Time of the next flush of `outbox` (with coalesced heartbeats).
    next_flush: u64,
    /// Every action asked for, with its time and each group's trace length then.
    log: Vec<(u64, MultiAction, Vec<usize>)>,
}

impl MultiWorld {
    /// Builds the groups and places their replicas: replica `r` of group `g` (both from 0) on
    /// machine `(g + r) mod machines`, so that replicas, and the leaders elected among them,
    /// spread over the machines.
    pub fn new(opts: MultiOptions) -> Result<Self, SimError> {
        opts.validate()?;
        let mut worlds = Vec::with_capacity(opts.groups.len());
        let mut placement = Vec::with_capacity(opts.groups.len());
        for (g, spec) in opts.groups.iter().enumerate() {
            let g64 = g as u64;
            let mut w = World::new(SimOptions {
                nodes: spec.replicas,
                seed: opts
                    .base
                    .seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(g64),
                clients: spec.clients,
                ..opts.base.clone()
            })?;
            // A version-4 (multi-group) trace holds each group's hash under the version-3
            // scheme; a single-group world's default is version 5's.
            w.hash_with(crate::trace::HashScheme::Fields);
            if opts.coalesce_ms.is_some() {
                w.intercept_heartbeats();
            }
            worlds.push(w);
            placement.push(
                (0..spec.replicas)
                    .map(|r| (g as u32 + r) % opts.machines + 1)
                    .collect(),
            );
        }
        // The machines' network draws from a seed of its own (the groups' seeds are
        // `base.seed * K + g` for small g; this one is far from them).
        let mnet = opts.coalesce_ms.map(|_| {
            MachineNet::new(
                opts.base.net.clone(),
                opts.base.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xC0A1_E5CE,
            )
        });
        Ok(MultiWorld {
            next_flush: opts.coalesce_ms.unwrap_or(0),
            opts,
            worlds,
            placement,
            down: BTreeSet::new(),
            paused: BTreeSet::new(),
            now: 0,
            mnet,
            outbox: BTreeMap::new(),
            log: Vec::new(),
        })
    }

    /// Keeps what each group's world holds of a long run within `bounds`
    /// ([`World::set_memory_bounds`]): for the page, which runs groups for as long as a person
    /// watches. Nothing about the run changes. Errors: a bound of 0 (then no group is changed).
    pub fn set_memory_bounds(&mut self, bounds: crate::MemoryBounds) -> Result<(), SimError> {
        for w in &mut self.worlds {
            w.set_memory_bounds(bounds)?;
        }
        Ok(())
    }

    /// The definition.
    pub fn options(&self) -> &MultiOptions {
        &self.opts
    }

    /// Virtual time, ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Group `g`'s world (from 0).
    pub fn group(&self, g: usize) -> &World {
        &self.worlds[g]
    }

    /// Every group's world, in order.
    pub fn groups(&self) -> &[World] {
        &self.worlds
    }

    /// The machine hosting replica `replica` of group `g`.
    pub fn machine_of(&self, g: usize, replica: NodeId) -> Option<MachineId> {
        let i = usize::try_from(replica.checked_sub(1)?).ok()?;
        self.placement.get(g)?.get(i).copied()
    }

    /// The replicas machine `m` hosts: (group, replica id).
    pub fn replicas_on(&self, m: MachineId) -> Vec<(usize, NodeId)> {
        let mut out = Vec::new();
        for (g, machines) in self.placement.iter().enumerate() {
            for (i, &host) in machines.iter().enumerate() {
                if host == m {
                    out.push((g, i as NodeId + 1));
                }
            }
        }
        out
    }

    /// The machine of each group's leader (`None` for a group without one).
    pub fn leader_machines(&self) -> Vec<Option<MachineId>> {
        (0..self.worlds.len())
            .map(|g| {
                let l = self.worlds[g].leader()?;
                self.machine_of(g, l)
            })
            .collect()
    }

    /// The machines' network (with coalesced heartbeats only).
    pub fn machine_net(&self) -> Option<&MachineNet> {
        self.mnet.as_ref()
    }

    /// Advances every group to time `t` (at most [`MAX_TIME_MS`]). With coalesced heartbeats
    /// the groups advance together from one machine-level event to the next (a flush, a batch
    /// arriving), in a fixed order: groups advance, queued heartbeats are collected, due batches
    /// are delivered (in arrival order, their messages in order), then a due flush sends one
    /// batch per machine pair in (from, to) order.
    pub fn advance_to(&mut self, t: u64) {
        let t = t.min(MAX_TIME_MS);
        let Some(interval) = self.opts.coalesce_ms else {
            for w in &mut self.worlds {
                w.advance_to(t);
            }
            self.now = self.now.max(t);
            return;
        };
        loop {
            let arrival = self.mnet.as_ref().and_then(MachineNet::next_delivery);
            let next = arrival
                .into_iter()
                .chain([t, self.next_flush])
                .min()
                .unwrap_or(t)
                .max(self.now);
            for w in &mut self.worlds {
                w.advance_to(next);
            }
            self.now = next;
            self.collect();
            self.deliver_due();
            if self.next_flush <= next {
                self.flush();
                self.next_flush = next + interval;
            }
            let arrival = self.mnet.as_ref().and_then(MachineNet::next_delivery);
            if next >= t && arrival.is_none_or(|a| a > t) && self.next_flush > t {
                break;
            }
        }
    }

    /// Moves every group's intercepted heartbeats into the per-machine-pair queues.
    fn collect(&mut self) {
        for g in 0..self.worlds.len() {
            for msg in self.worlds[g].take_intercepted() {
                // A replica id outside the placement cannot happen here (groups do not change
                // membership); such a message would be lost.
                if let (Some(a), Some(b)) =
                    (self.machine_of(g, msg.from), self.machine_of(g, msg.to))
                {
                    self.outbox.entry((a, b)).or_default().push((g, msg));
                }
            }
        }
    }

    /// Hands every batch due now to its groups' replicas.
    fn deliver_due(&mut self) {
        let now = self.now;
        while let Some(batch) = self.mnet.as_mut().and_then(|n| n.pop_due(now)) {
            let mut touched = BTreeSet::new();
            for (g, msg) in batch.items {
                self.worlds[g].deliver_carried(msg);
                touched.insert(g);
            }
            // Anything the answers set off that is due now happens now.
            for g in touched {
                self.worlds[g].advance_to(now);
            }
        }
    }

    /// Sends one batch per machine pair with queued heartbeats.
    fn flush(&mut self) {
        let now = self.now;
        let Some(net) = self.mnet.as_mut() else {
            return;
        };
        for ((from, to), items) in core::mem::take(&mut self.outbox) {
            if !items.is_empty() && !self.down.contains(&from) {
                net.send(Batch { from, to, items }, now);
            }
        }
    }

    /// Advances every group by `dt` ms.
    pub fn advance_by(&mut self, dt: u64) {
        self.advance_to(self.now.saturating_add(dt));
    }

    /// Whether machine `m` is down.
    pub fn is_down(&self, m: MachineId) -> bool {
        self.down.contains(&m)
    }

    fn known(&self, m: MachineId) -> Result<(), SimError> {
        if m == 0 || m > self.opts.machines {
            return Err(SimError::Invalid(format!(
                "no machine M{m} (machines 1 to {})",
                self.opts.machines
            )));
        }
        Ok(())
    }

    /// Every action asked for so far, with its time, in order.
    pub fn actions(&self) -> impl Iterator<Item = (u64, &MultiAction)> {
        self.log.iter().map(|(t, a, _)| (*t, a))
    }

    /// Each action with the length of every group's trace when it was applied (what a trace
    /// writer needs to put it in its place).
    pub fn actions_with_trace_lengths(&self) -> &[(u64, MultiAction, Vec<usize>)] {
        &self.log
    }

    /// Applies a logged action now.
    pub fn act(&mut self, action: MultiAction) -> Result<(), SimError> {
        match action {
            MultiAction::Machine(MachineAction::CrashMachine { machine }) => {
                self.crash_machine(machine)
            }
            MultiAction::Machine(MachineAction::RestartMachine { machine }) => {
                self.restart_machine(machine)
            }
            MultiAction::Machine(MachineAction::PauseMachine { machine }) => {
                self.pause_machine(machine)
            }
            MultiAction::Machine(MachineAction::ResumeMachine { machine }) => {
                self.resume_machine(machine)
            }
            MultiAction::Machine(MachineAction::PartitionMachines { sides }) => {
                self.partition_machines(&sides)
            }
            MultiAction::Machine(MachineAction::HealMachines) => self.heal(),
            MultiAction::Machine(MachineAction::Network { config }) => self.set_network(config),
            MultiAction::Group(g, a) => self.act_group(g, a),
        }
    }

    fn log(&mut self, a: MultiAction) {
        let lens = self.worlds.iter().map(|w| w.trace().len()).collect();
        self.log.push((self.now, a, lens));
    }

    /// Crashes machine `m`: every replica on it crashes (its disk is kept).
    pub fn crash_machine(&mut self, m: MachineId) -> Result<(), SimError> {
        self.known(m)?;
        self.log(MultiAction::Machine(MachineAction::CrashMachine {
            machine: m,
        }));
        if !self.down.insert(m) {
            return Ok(());
        }
        // A paused process can be killed too; it then restarts unpaused.
        self.paused.remove(&m);
        // What the machine had queued but not sent dies with it.
        self.collect();
        self.outbox.retain(|&(from, _), _| from != m);
        for (g, r) in self.replicas_on(m) {
            self.worlds[g].act(Action::Crash { node: r })?;
        }
        Ok(())
    }

    /// Pauses machine `m` (a GC pause, SIGSTOP): every replica on it freezes. Pausing a
    /// machine that is down or already paused does nothing.
    pub fn pause_machine(&mut self, m: MachineId) -> Result<(), SimError> {
        self.known(m)?;
        self.log(MultiAction::Machine(MachineAction::PauseMachine {
            machine: m,
        }));
        if self.down.contains(&m) || !self.paused.insert(m) {
            return Ok(());
        }
        for (g, r) in self.replicas_on(m) {
            self.worlds[g].act(Action::Pause { node: r })?;
        }
        Ok(())
    }

    /// Resumes machine `m`: every replica on it resumes, its missed ticks first.
    pub fn resume_machine(&mut self, m: MachineId) -> Result<(), SimError> {
        self.known(m)?;
        self.log(MultiAction::Machine(MachineAction::ResumeMachine {
            machine: m,
        }));
        if !self.paused.remove(&m) {
            return Ok(());
        }
        for (g, r) in self.replicas_on(m) {
            self.worlds[g].act(Action::Resume { node: r })?;
        }
        Ok(())
    }

    /// Whether machine `m` is paused.
    pub fn is_paused(&self, m: MachineId) -> bool {
        self.paused.contains(&m)
    }

    /// Restarts machine `m`: every replica on it restarts from its disk.
    pub fn restart_machine(&mut self, m: MachineId) -> Result<(), SimError> {
        self.known(m)?;
        self.log(MultiAction::Machine(MachineAction::RestartMachine {
            machine: m,
        }));
        if !self.down.remove(&m) {
            return Ok(());
        }
        for (g, r) in self.replicas_on(m) {
            self.worlds[g].act(Action::Restart { node: r })?;
        }
        Ok(())
    }

    /// Splits the machines into sides that cannot reach each other; in every group the
    /// replicas follow their machines. Machines not listed keep their links.
    pub fn partition_machines(&mut self, sides: &[Vec<MachineId>]) -> Result<(), SimError> {
        for &m in sides.iter().flatten() {
            self.known(m)?;
        }
        self.log(MultiAction::Machine(MachineAction::PartitionMachines {
            sides: sides.to_vec(),
        }));
        for g in 0..self.worlds.len() {
            let groups: Vec<Vec<NodeId>> = sides
                .iter()
                .map(|side| {
                    side.iter()
                        .flat_map(|&m| {
                            self.placement[g]
                                .iter()
                                .enumerate()
                                .filter(move |&(_, &host)| host == m)
                                .map(|(i, _)| i as NodeId + 1)
                        })
                        .collect()
                })
                .collect();
            self.worlds[g].act(Action::Partition { groups })?;
        }
        if let Some(net) = self.mnet.as_mut() {
            let side: BTreeMap<MachineId, usize> = sides
                .iter()
                .enumerate()
                .flat_map(|(i, s)| s.iter().map(move |&m| (m, i)))
                .collect();
            for (&a, &sa) in &side {
                for (&b, &sb) in &side {
                    if a != b {
                        net.set_cut(a, b, sa != sb);
                    }
                }
            }
        }
        Ok(())
    }

    /// Spreads leadership over the machines, as a placement driver does (TiKV's PD): while a
    /// machine leads more than its share (`ceil(groups / machines)`), one of its groups hands
    /// leadership (dissertation §3.10) to its replica on the machine leading the fewest groups.
    /// Transfers are asked for one after another; `settle` ms are given to each. Returns how many
    /// transfers were asked for (each at most once per group).
    pub fn balance_leaders(&mut self, settle: u64) -> Result<usize, SimError> {
        let machines = self.opts.machines as usize;
        let share = self.worlds.len().div_ceil(machines);
        let mut asked = 0;
        for g in 0..self.worlds.len() {
            let leaders = self.leader_machines();
            let Some(from) = leaders[g] else { continue };
            let led = |m: MachineId| leaders.iter().filter(|&&l| l == Some(m)).count();
            if led(from) <= share {
                continue;
            }
            let target = self.placement[g]
                .iter()
                .enumerate()
                .filter(|&(_, &m)| m != from && !self.down.contains(&m))
                .min_by_key(|&(_, &m)| (led(m), m))
                .map(|(i, &m)| (i as NodeId + 1, m));
            if let Some((replica, m)) = target {
                if led(m) + 1 < led(from) {
                    self.act_group(g, Action::TransferLeader { to: replica })?;
                    asked += 1;
                    self.advance_by(settle);
                }
            }
        }
        Ok(asked)
    }

    /// Applies a group-level action (a transfer, a forced election, a client request...) to
    /// group `g`'s world now. Machine faults go through the machine methods instead.
    pub fn act_group(&mut self, g: usize, action: Action) -> Result<(), SimError> {
        let n = self.worlds.len();
        if g < n {
            self.log(MultiAction::Group(g, action.clone()));
        }
        self.worlds
            .get_mut(g)
            .ok_or_else(|| SimError::Invalid(format!("no group {g} (groups 0 to {})", n - 1)))?
            .act(action)
    }

    /// Sets every group's network timing and faults, and the machines' latency and loss.
    pub fn set_network(&mut self, config: crate::network::NetConfig) -> Result<(), SimError> {
        self.log(MultiAction::Machine(MachineAction::Network {
            config: config.clone(),
        }));
        for w in &mut self.worlds {
            w.act(Action::Network {
                config: config.clone(),
            })?;
        }
        if let Some(net) = self.mnet.as_mut() {
            net.set_config(config);
        }
        Ok(())
    }

    /// Heals every link in every group.
    pub fn heal(&mut self) -> Result<(), SimError> {
        self.log(MultiAction::Machine(MachineAction::HealMachines));
        for w in &mut self.worlds {
            w.act(Action::Heal)?;
        }
        if let Some(net) = self.mnet.as_mut() {
            net.heal_all();
        }
        Ok(())
    }

    /// Every group's first safety violation, as `(group name, description)`.
    pub fn violations(&self) -> Vec<(String, String)> {
        self.worlds
            .iter()
            .zip(&self.opts.groups)
            .filter_map(|(w, spec)| {
                w.violation().map(|v| {
                    (
                        spec.name.clone(),
                        format!("{} at {} ms: {}", v.property, v.time, v.detail),
                    )
                })
            })
            .collect()
    }

    /// What each machine sent so far: its replicas' messages on their groups' networks, plus
    /// (with coalesced heartbeats) its batches.
    pub fn traffic(&self) -> Traffic {
        let mut per_machine: BTreeMap<MachineId, u64> =
            (1..=self.opts.machines).map(|m| (m, 0)).collect();
        let mut group_messages = 0;
        let mut heartbeats = 0;
        for (g, w) in self.worlds.iter().enumerate() {
            let counts = &w.stats().messages;
            for (&replica, &n) in &counts.by_node {
                if let Some(m) = self.machine_of(g, replica) {
                    *per_machine.entry(m).or_insert(0) += n;
                }
                group_messages += n;
            }
            heartbeats += counts.kind("heartbeat") + counts.kind("heartbeat_resp");
        }
        let mut batches = 0;
        if let Some(net) = &self.mnet {
            for (&m, &n) in &net.stats().sent_by {
                *per_machine.entry(m).or_insert(0) += n;
                batches += n;
            }
            heartbeats = net.stats().carried;
        }
        Traffic {
            seconds: self.now as f64 / 1000.0,
            per_machine,
            group_messages,
            heartbeats,
            batches,
        }
    }

    /// Messages of the run so far, as sent and with heartbeats coalesced (see the module doc).
    /// Needs `base.keep_trace` on: without the trace only the sent counts are known.
    pub fn heartbeat_cost(&self) -> HeartbeatCost {
        let interval = self.opts.base.heartbeat_ms.max(1);
        let mut sent: BTreeMap<MachineId, u64> = BTreeMap::new();
        let mut heartbeats = 0u64;
        let mut buckets: BTreeSet<(MachineId, MachineId, u64)> = BTreeSet::new();
        for (g, w) in self.worlds.iter().enumerate() {
            for (&replica, &n) in &w.stats().messages.by_node {
                if let Some(m) = self.machine_of(g, replica) {
                    *sent.entry(m).or_insert(0) += n;
                }
            }
            for rec in w.trace() {
                let TraceEvent::Send { msg, .. } = &rec.event else {
                    continue;
                };
                if !matches!(
                    msg.body,
                    Body::Heartbeat { .. } | Body::HeartbeatResp { .. }
                ) {
                    continue;
                }
                heartbeats += 1;
                if let (Some(a), Some(b)) =
                    (self.machine_of(g, msg.from), self.machine_of(g, msg.to))
                {
                    buckets.insert((a, b, rec.t / interval));
                }
            }
        }
        let total: u64 = sent.values().sum();
        HeartbeatCost {
            seconds: self.now as f64 / 1000.0,
            sent_per_machine: sent,
            total,
            heartbeats,
            coalesced_total: total - heartbeats + buckets.len() as u64,
        }
    }
}

/// Messages the machines of a run sent ([`MultiWorld::traffic`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Virtual seconds covered.
    pub seconds: f64,
    /// Messages each machine sent (every machine listed, from 1).
    pub per_machine: BTreeMap<MachineId, u64>,
    /// Messages sent on the groups' own networks (with coalescing: all but heartbeats).
    pub group_messages: u64,
    /// Heartbeats and answers: sent one by one, or carried in batches.
    pub heartbeats: u64,
    /// Batches sent between machines (0 without coalescing).
    pub batches: u64,
}

impl Traffic {
    /// Messages per second per machine.
    pub fn per_machine_per_s(&self) -> f64 {
        let total: u64 = self.per_machine.values().sum();
        let machines = self.per_machine.len().max(1) as f64;
        total as f64 / machines / self.seconds.max(f64::MIN_POSITIVE)
    }
}

/// Messages of a multi-group run, as sent and with heartbeats coalesced per machine pair.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatCost {
    /// Virtual seconds covered.
    pub seconds: f64,
    /// Messages each machine's replicas sent.
    pub sent_per_machine: BTreeMap<MachineId, u64>,
    /// Messages sent in all.
    pub total: u64,
    /// Of which heartbeats and their answers.
    pub heartbeats: u64,
    /// Messages in all had every machine pair sent one message per heartbeat interval carrying
    /// all its groups' heartbeats (and one carrying the answers).
    pub coalesced_total: u64,
}

impl HeartbeatCost {
    /// Messages per second per machine, as sent.
    pub fn per_machine_per_s(&self) -> f64 {
        let machines = self.sent_per_machine.len().max(1) as f64;
        self.total as f64 / machines / self.seconds.max(f64::MIN_POSITIVE)
    }

    /// Messages per second per machine, coalesced.
    pub fn coalesced_per_machine_per_s(&self) -> f64 {
        let machines = self.sent_per_machine.len().max(1) as f64;
        self.coalesced_total as f64 / machines / self.seconds.max(f64::MIN_POSITIVE)
    }
}

/// Exactly-once figures of a task-queue group: tasks completed by clients, run more than once,
/// or acknowledged but not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskReport {
    /// Tasks the clients saw completed.
    pub completed: u64,
    /// Tasks some replica ran more than once.
    pub duplicated: u64,
    /// Tasks acknowledged to a client that the leader's state machine never ran.
    pub lost: u64,
}

impl TaskReport {
    /// The figures of `w`'s task workload (its leader's state machine is the reference; with no
    /// leader, the replica that ran the most tasks).
    pub fn of(w: &World) -> TaskReport {
        let reference = w
            .leader()
            .or_else(|| {
                w.nodes()
                    .iter()
                    .filter(|(_, s)| s.node.is_some())
                    .max_by_key(|(_, s)| s.kv.tasks().len())
                    .map(|(&id, _)| id)
            })
            .map(|id| w.nodes()[&id].kv.tasks().clone())
            .unwrap_or_default();
        let duplicated = w
            .nodes()
            .values()
            .flat_map(|s| s.kv.tasks().iter())
            .filter(|&(_, &n)| n > 1)
            .map(|(&id, _)| id)
            .collect::<BTreeSet<u64>>()
            .len() as u64;
        let done: Vec<u64> = w
            .history()
            .iter()
            .filter(|h| h.complete.is_some())
            .filter_map(|h| match h.op {
                crate::Op::Task { id } => Some(id),
                _ => None,
            })
            .collect();
        let lost = done.iter().filter(|id| !reference.contains_key(id)).count() as u64;
        TaskReport {
            completed: done.len() as u64,
            duplicated,
            lost,
        }
    }
}

/// One group's view after a machine failure: whether it lost its leader, and when it had one
/// again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecovery {
    /// The group's name.
    pub name: String,
    /// The machine its leader was on before the crash.
    pub leader_before: Option<MachineId>,
    /// The machine of its leader after recovery.
    pub leader_after: Option<MachineId>,
    /// Crash to a leader of a later term, ms (to the 5 ms step the groups are followed in), if
    /// the group lost its leader.
    pub reelected_ms: Option<u64>,
}

/// Crashes machine `m` and follows every group until each has a live leader again (or `limit`
/// ms pass): a group whose leader was on `m` elects a new one; the others keep theirs.
pub fn crash_and_recover(
    mw: &mut MultiWorld,
    m: MachineId,
    limit: u64,
) -> Result<Vec<GroupRecovery>, SimError> {
    let before = mw.leader_machines();
    let terms: Vec<u64> = (0..mw.groups().len())
        .map(|g| {
            let w = mw.group(g);
            w.leader().and_then(|l| w.node(l)).map_or(0, |n| n.term())
        })
        .collect();
    let t0 = mw.now();
    mw.crash_machine(m)?;
    let mut reelected: Vec<Option<u64>> = alloc::vec![None; mw.groups().len()];
    let step = 5;
    while mw.now() < t0 + limit {
        mw.advance_by(step);
        for (g, slot) in reelected.iter_mut().enumerate() {
            if slot.is_some() || before[g] != Some(m) {
                continue;
            }
            let w = mw.group(g);
            let ok = w
                .leader()
                .and_then(|l| w.node(l))
                .is_some_and(|n| n.role() == Role::Leader && n.term() > terms[g]);
            if ok {
                *slot = Some(mw.now() - t0);
            }
        }
        let done = (0..reelected.len()).all(|g| before[g] != Some(m) || reelected[g].is_some());
        if done {
            break;
        }
    }
    let after = mw.leader_machines();
    Ok(mw
        .options()
        .groups
        .iter()
        .enumerate()
        .map(|(g, spec)| GroupRecovery {
            name: spec.name.clone(),
            leader_before: before[g],
            leader_after: after[g],
            reelected_ms: reelected[g],
        })
        .collect())
}
