//! [`GroupsRun`]: a multi-group run in the page, plain Rust (natively testable). It owns a
//! [`MultiWorld`] (raft-sim's groups whose replicas share machines), plays the opened
//! scenario's timeline at its times, keeps one bounded event log per group, announces every
//! group's elections, and checks the scenario's (or lesson's) expectations live.
//!
//! Time travel is not offered for multi-group runs: the page's checkpoints copy one group's
//! world ([`crate::sim_driver`]); a multi-group run goes forward only (the page says so).

use std::collections::VecDeque;

use raft_core::{NodeId, Role};
use raft_sim::groups::{MachineAction, MachineId, MultiAction, MultiWorld};
use raft_sim::groups_scenario::{GroupExpect, GroupScenario};
use raft_sim::World;

use crate::sim_driver::driver::EVENT_LOG_CAP;
use crate::view_model::{self, name, EventKind, EventLine, NodeSnap, ViewInputs, ViewModel};

/// Most groups the page runs (raft-sim allows more; the machines view draws at most this many
/// colours and shapes).
pub const MAX_PAGE_GROUPS: u32 = 8;
/// Most machines the page runs (the same bound as nodes in a single-group run).
pub const MAX_PAGE_MACHINES: u32 = 9;
/// Most virtual milliseconds one animation frame advances (a slow frame lags, never freezes).
pub const MAX_FRAME_VIRTUAL_MS: u64 = 200;
/// Most recent announcements kept for the live region and the list beside it.
pub const MAX_ANNOUNCEMENTS: usize = 6;
/// Most virtual time a run opened from a link or a scenario is fast-forwarded to at once, ms
/// (the same bound as a single-group link: [`crate::share::MAX_LINK_TIME_MS`]).
pub const MAX_OPEN_MS: u64 = crate::share::MAX_LINK_TIME_MS;
/// Most actions a multi-group run holds (the same bound as a single-group run).
pub const MAX_GROUP_ACTIONS: usize = crate::share::MAX_ACTIONS;

/// Checks a version-2 scenario against the page's limits (groups ≤ [`MAX_PAGE_GROUPS`],
/// machines ≤ [`MAX_PAGE_MACHINES`], actions ≤ [`MAX_GROUP_ACTIONS`]); the message says which
/// limit and what the file has.
pub fn check_page_limits(s: &GroupScenario) -> Result<(), String> {
    if s.groups.len() as u32 > MAX_PAGE_GROUPS {
        return Err(format!(
            "this run has {} groups; the playground shows at most {MAX_PAGE_GROUPS} (run it with raft-sim instead)",
            s.groups.len()
        ));
    }
    if s.machines > MAX_PAGE_MACHINES {
        return Err(format!(
            "this run has {} machines; the playground shows at most {MAX_PAGE_MACHINES} (run it with raft-sim instead)",
            s.machines
        ));
    }
    if s.timeline.len() > MAX_GROUP_ACTIONS {
        return Err(format!(
            "this run holds {} actions; the playground replays at most {MAX_GROUP_ACTIONS}",
            s.timeline.len()
        ));
    }
    Ok(())
}

/// What a machine is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineState {
    /// Running.
    Up,
    /// Crashed (its replicas' disks are kept).
    Down,
    /// Frozen (a GC pause, SIGSTOP).
    Paused,
}

/// One replica on a machine, as the machines view draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaTag {
    /// Group index (from 0): its colour and shape.
    pub group: usize,
    /// Group name.
    pub group_name: String,
    /// Replica id in its group.
    pub replica: NodeId,
    /// "leader", "follower", "candidate", "pre-candidate", "down".
    pub role: &'static str,
    /// Its term.
    pub term: u64,
}

/// One machine box.
#[derive(Clone, Debug, PartialEq)]
pub struct MachineView {
    /// Machine id (from 1).
    pub id: MachineId,
    /// Up, down or paused.
    pub state: MachineState,
    /// Its replicas, in group order.
    pub replicas: Vec<ReplicaTag>,
    /// How many groups it leads.
    pub leads: usize,
    /// Messages it sent per virtual second so far (its replicas' and, with coalesced
    /// heartbeats, its batches).
    pub sent_per_s: f64,
}

/// One group's line in the group list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupLine {
    /// Index (from 0).
    pub index: usize,
    /// Name.
    pub name: String,
    /// Its leader and the leader's machine.
    pub leader: Option<(NodeId, MachineId)>,
    /// Highest term among its live replicas.
    pub term: u64,
    /// The leader's commit index (or the highest among live replicas).
    pub committed: u64,
    /// Replica count.
    pub replicas: u32,
    /// Its first safety violation, in words.
    pub violation: Option<String>,
}

/// Everything the machines view draws.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupsView {
    /// Virtual time, ms.
    pub now: u64,
    /// Machine boxes.
    pub machines: Vec<MachineView>,
    /// Groups.
    pub groups: Vec<GroupLine>,
    /// Heartbeats coalesced every this many ms (None: each replica sends its own).
    pub coalesce_ms: Option<u64>,
    /// Messages sent per machine per virtual second so far, on average (the heartbeat cost
    /// that grows with groups, and that coalescing cuts).
    pub sent_per_machine_per_s: f64,
}

/// A live goal: a scenario's or a lesson's expectation and when it was first seen met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveGoal {
    /// In words ("critical: a leader …").
    pub what: String,
    /// Virtual time it was met at.
    pub met: Option<u64>,
}

/// A multi-group run: the world, the timeline still ahead, per-group event logs,
/// announcements and live goals.
#[derive(Debug, Clone)]
pub struct GroupsRun {
    /// What was opened (its timeline is the part the run started with).
    pub scenario: GroupScenario,
    world: MultiWorld,
    /// Entries of `scenario.timeline` already applied.
    next: usize,
    snaps: Vec<Vec<NodeSnap>>,
    events: Vec<VecDeque<EventLine>>,
    /// Each group's (leader, term) last announced.
    leaders: Vec<Option<(NodeId, u64)>>,
    announcements: VecDeque<String>,
    /// Bumped whenever `announcements` changes.
    pub announce_version: u64,
    goals: Vec<LiveGoal>,
    /// Goals are met in order (a lesson), or in any order (a scenario's expectations).
    ordered: bool,
    /// Fraction of a virtual millisecond owed to the next frame.
    carry: f64,
}

impl GroupsRun {
    /// Opens `scenario` (already validated by raft-sim and by [`check_page_limits`]) and
    /// plays it up to `now` (at most [`MAX_OPEN_MS`]). Lesson goals (`ordered`) are met one
    /// after another.
    pub fn open(scenario: GroupScenario, now: u64, ordered: bool) -> Result<Self, String> {
        scenario.validate().map_err(|e| e.to_string())?;
        check_page_limits(&scenario)?;
        let mut opts = scenario.multi_options();
        opts.base.keep_trace = false;
        let mut world = MultiWorld::new(opts).map_err(|e| e.to_string())?;
        // Each group's world keeps what the single-cluster page's does of a long run.
        world
            .set_memory_bounds(crate::sim_driver::driver::PAGE_MEMORY_BOUNDS)
            .map_err(|e| e.to_string())?;
        let snaps = world.groups().iter().map(view_model::snapshot).collect();
        let n = world.groups().len();
        let goals = scenario
            .expect
            .iter()
            .map(|e| LiveGoal {
                what: match e.group {
                    Some(g) => format!("{}: {}", scenario.groups[g].name, e.expect.describe()),
                    None => format!("every group: {}", e.expect.describe()),
                },
                met: None,
            })
            .collect();
        let mut run = GroupsRun {
            scenario,
            world,
            next: 0,
            snaps,
            events: vec![VecDeque::new(); n],
            leaders: vec![None; n],
            announcements: VecDeque::new(),
            announce_version: 0,
            goals,
            ordered,
            carry: 0.0,
        };
        run.apply_due();
        let target = now.min(MAX_OPEN_MS);
        while run.world.now() < target {
            run.step_ms();
        }
        // What happened before the person could look is not announced.
        run.announcements.clear();
        Ok(run)
    }

    /// The world.
    #[cfg(test)]
    pub fn world(&self) -> &MultiWorld {
        &self.world
    }

    /// Virtual time, ms.
    pub fn now(&self) -> u64 {
        self.world.now()
    }

    /// The newest announcements, newest last.
    pub fn announcements(&self) -> impl Iterator<Item = &String> {
        self.announcements.iter()
    }

    /// Goals (a lesson's) or expectations (a scenario's), with when each was met.
    pub fn goals(&self) -> &[LiveGoal] {
        &self.goals
    }

    /// True once a group's safety checker found a violation (the run stops).
    pub fn halted(&self) -> bool {
        self.world.groups().iter().any(|w| w.violation().is_some())
    }

    /// Advances by `virtual_ms` (plus what earlier frames owed), at most
    /// [`MAX_FRAME_VIRTUAL_MS`], a millisecond at a time: timeline entries act at their
    /// times, events, elections and goals are observed after every millisecond. Stops at a
    /// safety violation.
    pub fn advance(&mut self, virtual_ms: f64) {
        let total = virtual_ms.max(0.0) + self.carry;
        let whole = (total.floor() as u64).min(MAX_FRAME_VIRTUAL_MS);
        self.carry = if (total.floor() as u64) > MAX_FRAME_VIRTUAL_MS {
            0.0
        } else {
            total - total.floor()
        };
        for _ in 0..whole {
            if self.halted() {
                break;
            }
            self.step_ms();
        }
    }

    fn step_ms(&mut self) {
        self.world.advance_to(self.world.now() + 1);
        self.apply_due();
        self.observe();
    }

    /// Applies the opened timeline's entries that are due.
    fn apply_due(&mut self) {
        while let Some((at, step)) = self.scenario.timeline.get(self.next) {
            if *at > self.world.now() {
                break;
            }
            let step = step.clone();
            self.next += 1;
            if let Err(e) = self.apply(step) {
                self.announce(format!("A timeline entry was refused: {e}."));
            }
        }
        self.observe();
    }

    fn apply(&mut self, action: MultiAction) -> Result<(), String> {
        let text = match &action {
            MultiAction::Machine(MachineAction::CrashMachine { machine }) => {
                Some(format!("Machine M{machine} crashed"))
            }
            MultiAction::Machine(MachineAction::RestartMachine { machine }) => {
                Some(format!("Machine M{machine} restarted"))
            }
            MultiAction::Machine(MachineAction::PauseMachine { machine }) => {
                Some(format!("Machine M{machine} paused"))
            }
            MultiAction::Machine(MachineAction::ResumeMachine { machine }) => {
                Some(format!("Machine M{machine} resumed"))
            }
            MultiAction::Group(g, a) => view_model::describe_action(a).map(|t| {
                let g = self
                    .scenario
                    .groups
                    .get(*g)
                    .map_or("?", |d| d.name.as_str());
                format!("group {g}: {t}")
            }),
            _ => None,
        };
        self.world.act(action).map_err(|e| e.to_string())?;
        if let Some(t) = text {
            let now = self.world.now();
            for log in &mut self.events {
                push_line(
                    log,
                    EventLine {
                        t: now,
                        kind: EventKind::Fault,
                        text: t.clone(),
                        commit_of: None,
                    },
                );
            }
        }
        Ok(())
    }

    /// Acts now on machines or in one group (a person's action). Refused past
    /// [`MAX_GROUP_ACTIONS`] actions, or once a safety violation stopped the run.
    pub fn act(&mut self, action: MultiAction) -> Result<(), String> {
        if self.world.actions().count() >= MAX_GROUP_ACTIONS {
            return Err(format!(
                "this run already holds {MAX_GROUP_ACTIONS} actions, the most the playground keeps"
            ));
        }
        if self.halted() {
            return Err("the run stopped at a safety violation; start a new one".into());
        }
        if let MultiAction::Machine(
            MachineAction::CrashMachine { machine }
            | MachineAction::RestartMachine { machine }
            | MachineAction::PauseMachine { machine }
            | MachineAction::ResumeMachine { machine },
        ) = &action
        {
            if *machine == 0 || *machine > self.world.options().machines {
                return Err(format!(
                    "no machine M{machine} (machines M1 to M{})",
                    self.world.options().machines
                ));
            }
        }
        let r = self.apply(action);
        self.observe();
        r
    }

    fn announce(&mut self, text: String) {
        self.announcements.push_back(text);
        while self.announcements.len() > MAX_ANNOUNCEMENTS {
            self.announcements.pop_front();
        }
        self.announce_version += 1;
    }

    /// Event lines, new leaders announced, goals checked.
    fn observe(&mut self) {
        let now = self.world.now();
        for g in 0..self.world.groups().len() {
            let w = &self.world.groups()[g];
            let next = view_model::snapshot(w);
            for line in view_model::diff(&self.snaps[g], &next, now) {
                push_line(&mut self.events[g], line);
            }
            self.snaps[g] = next;
            let leader = w.leader().map(|l| (l, term_of(w, l)));
            if leader != self.leaders[g] {
                self.leaders[g] = leader;
                if let Some((l, term)) = leader {
                    let m = self.world.machine_of(g, l).unwrap_or(0);
                    let text = format!(
                        "group {}: {} is leader of term {term} (on M{m})",
                        self.scenario.groups[g].name,
                        name(l)
                    );
                    self.announce(text);
                }
            }
        }
        for k in 0..self.goals.len() {
            if self.goals[k].met.is_some() {
                continue;
            }
            if self.ordered && k > 0 && self.goals[k - 1].met.is_none() {
                break;
            }
            if holds(&self.world, &self.scenario.expect[k]) {
                self.goals[k].met = Some(now);
            }
        }
    }

    /// The machines view's data.
    pub fn view(&self) -> GroupsView {
        let w = &self.world;
        let leaders = w.leader_machines();
        let traffic = w.traffic();
        let secs = traffic.seconds.max(0.001);
        let machines = (1..=w.options().machines)
            .map(|m| {
                let replicas = w
                    .replicas_on(m)
                    .into_iter()
                    .map(|(g, r)| {
                        let gw = &w.groups()[g];
                        let node = gw.nodes().get(&r).and_then(|sn| sn.node.as_ref());
                        ReplicaTag {
                            group: g,
                            group_name: self.scenario.groups[g].name.clone(),
                            replica: r,
                            role: match node.map(|n| n.role()) {
                                None => "down",
                                Some(Role::Leader) => "leader",
                                Some(Role::Candidate) => "candidate",
                                Some(Role::PreCandidate) => "pre-candidate",
                                Some(_) => "follower",
                            },
                            term: node.map_or(0, |n| n.term()),
                        }
                    })
                    .collect();
                MachineView {
                    id: m,
                    state: if w.is_down(m) {
                        MachineState::Down
                    } else if w.is_paused(m) {
                        MachineState::Paused
                    } else {
                        MachineState::Up
                    },
                    replicas,
                    leads: leaders.iter().filter(|&&l| l == Some(m)).count(),
                    sent_per_s: traffic.per_machine.get(&m).copied().unwrap_or(0) as f64 / secs,
                }
            })
            .collect();
        let groups = w
            .groups()
            .iter()
            .enumerate()
            .map(|(g, gw)| {
                let live = gw.nodes().values().filter_map(|sn| sn.node.as_ref());
                let term = live.clone().map(|n| n.term()).max().unwrap_or(0);
                let leader = gw.leader();
                let committed = leader
                    .and_then(|l| gw.nodes().get(&l)?.node.as_ref())
                    .map(|n| n.log().committed())
                    .unwrap_or_else(|| live.map(|n| n.log().committed()).max().unwrap_or(0));
                GroupLine {
                    index: g,
                    name: self.scenario.groups[g].name.clone(),
                    leader: leader.and_then(|l| Some((l, w.machine_of(g, l)?))),
                    term,
                    committed,
                    replicas: self.scenario.groups[g].replicas,
                    violation: gw
                        .violation()
                        .map(|v| format!("{} at {} ms: {}", v.property, v.time, v.detail)),
                }
            })
            .collect();
        GroupsView {
            now: w.now(),
            machines,
            groups,
            coalesce_ms: w.options().coalesce_ms,
            sent_per_machine_per_s: traffic.per_machine_per_s(),
        }
    }

    /// Group `g`'s ring, logs and messages, as today's single-group views draw them.
    pub fn group_view(&self, g: usize, animate: bool) -> Option<ViewModel> {
        let w = self.world.groups().get(g)?;
        Some(view_model::build(
            w,
            ViewInputs {
                display_now: w.now() as f64 + self.carry,
                animate,
                msgs_per_sec: 0.0,
            },
        ))
    }

    /// Group `g`'s event log, most recent first.
    pub fn group_events(&self, g: usize) -> Vec<EventLine> {
        self.events
            .get(g)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The run as it stands, as a version-2 scenario: the opened definition and
    /// expectations, the actions done so far and the opened timeline still ahead, and `until`
    /// at least the present. What the share link and the export carry.
    pub fn to_scenario(&self) -> GroupScenario {
        let mut timeline: Vec<(u64, MultiAction)> =
            self.world.actions().map(|(t, a)| (t, a.clone())).collect();
        timeline.extend(self.scenario.timeline[self.next..].iter().cloned());
        GroupScenario {
            timeline,
            until: Some(self.scenario.end().max(self.now())),
            ..self.scenario.clone()
        }
    }
}

/// Whether an expectation holds now (on its group, or on every group).
fn holds(w: &MultiWorld, e: &GroupExpect) -> bool {
    match e.group {
        Some(g) => w.groups().get(g).is_some_and(|gw| e.expect.holds(gw)),
        None => w.groups().iter().all(|gw| e.expect.holds(gw)),
    }
}

fn term_of(w: &World, id: NodeId) -> u64 {
    w.nodes()
        .get(&id)
        .and_then(|sn| sn.node.as_ref())
        .map_or(0, |n| n.term())
}

fn push_line(log: &mut VecDeque<EventLine>, line: EventLine) {
    if let (Some(node), Some(front)) = (line.commit_of, log.front_mut()) {
        if front.commit_of == Some(node) {
            *front = line;
            return;
        }
    }
    log.push_front(line);
    log.truncate(EVENT_LOG_CAP);
}
