//! [`GroupsSim`]: the multi-group page's state and its reducer around a [`GroupsRun`], shared
//! through a context ([`use_groups`]). Like [`crate::sim_driver::Sim`], the reducer reads
//! nothing from outside: a frame carries the wall time that passed.

use std::cell::RefCell;
use std::rc::Rc;

use raft_sim::groups::{MachineAction, MachineId, MultiAction};
use yew::prelude::*;

use super::link::{GroupsStart, Readers};
use super::run::{GroupsRun, GroupsView, LiveGoal};
use crate::sim_driver::reducer::DEFAULT_SPEED_LOG;
use crate::view_model::{EventLine, ViewModel};

/// The flush interval of coalesced heartbeats the page offers, ms (one heartbeat interval of
/// the default timings: every leader keeps its followers; see raft_sim::groups).
pub const COALESCE_MS: u64 = 50;

/// Longest wall-clock gap one frame accounts for, ms (after a stall, do not try to catch up).
const MAX_FRAME_WALL_MS: f64 = 100.0;

/// The multi-group page's state.
#[derive(Clone, Debug)]
pub struct GroupsSim {
    run: Rc<RefCell<GroupsRun>>,
    /// The machines view's data (rebuilt after every change).
    pub view: Rc<GroupsView>,
    /// The chosen group (from 0), shown in today's single-group views.
    pub chosen: usize,
    /// The chosen group's ring, logs and messages.
    pub group_view: Rc<ViewModel>,
    /// The chosen group's event log, most recent first.
    pub group_events: Rc<Vec<EventLine>>,
    /// Newest announcements, newest last.
    pub announcements: Rc<Vec<String>>,
    /// Goals or expectations.
    pub goals: Rc<Vec<LiveGoal>>,
    /// Playing or paused.
    pub playing: bool,
    /// log10 of the speed factor, -3 to 1.
    pub speed_log: f64,
    /// Animate messages.
    pub animate: bool,
    /// A message for the person.
    pub notice: Option<String>,
    /// Frames rendered (the animation loop re-arms on each).
    pub frame: u64,
    /// The lesson it belongs to.
    pub lesson: Option<String>,
}

impl PartialEq for GroupsSim {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.view, &o.view)
            && Rc::ptr_eq(&self.group_view, &o.group_view)
            && self.chosen == o.chosen
            && self.playing == o.playing
            && self.speed_log == o.speed_log
            && self.notice == o.notice
            && self.frame == o.frame
            && self.animate == o.animate
    }
}

/// What the multi-group page can ask.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupsAction {
    /// An animation frame: this many wall-clock ms passed.
    Frame(f64),
    /// Play or pause.
    SetPlaying(bool),
    /// log10 of the speed factor.
    SetSpeed(f64),
    /// Crash a machine.
    Crash(MachineId),
    /// Restart a machine.
    Restart(MachineId),
    /// Pause (freeze) a machine.
    Freeze(MachineId),
    /// Resume a frozen machine.
    Thaw(MachineId),
    /// Any action on machines or in one group (a lesson's button, an embedding page).
    Act(MultiAction),
    /// Show this group in the single-group views.
    Choose(usize),
    /// Start the opened run again with heartbeats coalesced every [`COALESCE_MS`] (true) or
    /// sent by each replica (false): a run cannot change this midway.
    SetCoalesce(bool),
    /// Hide the message.
    Dismiss,
}

impl GroupsSim {
    /// Opens `start`; the error is a sentence for the page.
    pub fn open(start: &GroupsStart, animate: bool) -> Result<Self, String> {
        let run = GroupsRun::open(start.scenario.clone(), start.now, start.lesson.is_some())?;
        let mut s = GroupsSim {
            run: Rc::new(RefCell::new(run)),
            view: Rc::new(GroupsView {
                now: 0,
                machines: Vec::new(),
                groups: Vec::new(),
                coalesce_ms: None,
                sent_per_machine_per_s: 0.0,
            }),
            chosen: 0,
            group_view: Rc::new(empty_view()),
            group_events: Rc::new(Vec::new()),
            announcements: Rc::new(Vec::new()),
            goals: Rc::new(Vec::new()),
            playing: start.playing,
            speed_log: DEFAULT_SPEED_LOG,
            animate,
            notice: None,
            frame: 0,
            lesson: start.lesson.clone(),
        };
        s.refresh();
        Ok(s)
    }

    /// The speed factor (virtual ms per wall-clock ms).
    pub fn speed(&self) -> f64 {
        10f64.powf(self.speed_log)
    }

    /// True once a group's safety checker found a violation.
    pub fn halted(&self) -> bool {
        self.run.borrow().halted()
    }

    /// The run as it stands, for the share link.
    pub fn link(&self) -> GroupsStart {
        let r = self.run.borrow();
        GroupsStart {
            scenario: r.to_scenario(),
            now: r.now(),
            playing: self.playing,
            lesson: self.lesson.clone(),
        }
    }

    /// The run as a version-2 scenario file (what `raft-sim run` reads).
    pub fn scenario_json(&self) -> String {
        self.run.borrow().to_scenario().to_json()
    }

    fn refresh(&mut self) {
        let r = self.run.borrow();
        self.view = Rc::new(r.view());
        self.chosen = self.chosen.min(self.view.groups.len().saturating_sub(1));
        if let Some(v) = r.group_view(self.chosen, self.animate) {
            self.group_view = Rc::new(v);
        }
        self.group_events = Rc::new(r.group_events(self.chosen));
        let ann: Vec<String> = r.announcements().cloned().collect();
        if *self.announcements != ann {
            self.announcements = Rc::new(ann);
        }
        if *self.goals != r.goals() {
            self.goals = Rc::new(r.goals().to_vec());
        }
        let halted = r.halted();
        drop(r);
        if halted {
            self.playing = false;
        }
    }

    fn act(&mut self, a: MultiAction) {
        let r = self.run.borrow_mut().act(a);
        if let Err(e) = r {
            self.notice = Some(format!("Not done: {e}."));
        }
    }
}

impl Reducible for GroupsSim {
    type Action = GroupsAction;

    fn reduce(self: Rc<Self>, action: GroupsAction) -> Rc<Self> {
        let mut s = (*self).clone();
        let m = |a| MultiAction::Machine(a);
        match action {
            GroupsAction::Frame(wall_ms) => {
                if !s.playing {
                    return self;
                }
                let dt = wall_ms.clamp(0.0, MAX_FRAME_WALL_MS) * s.speed();
                s.run.borrow_mut().advance(dt);
                s.frame += 1;
            }
            GroupsAction::SetPlaying(p) => {
                if p && s.halted() {
                    s.notice = Some("The run stopped at a safety violation.".into());
                } else {
                    s.playing = p;
                }
            }
            GroupsAction::SetSpeed(v) => s.speed_log = v.clamp(-3.0, 1.0),
            GroupsAction::Crash(id) => s.act(m(MachineAction::CrashMachine { machine: id })),
            GroupsAction::Restart(id) => s.act(m(MachineAction::RestartMachine { machine: id })),
            GroupsAction::Freeze(id) => s.act(m(MachineAction::PauseMachine { machine: id })),
            GroupsAction::Thaw(id) => s.act(m(MachineAction::ResumeMachine { machine: id })),
            GroupsAction::Act(a) => s.act(a),
            GroupsAction::Choose(g) => s.chosen = g,
            GroupsAction::SetCoalesce(on) => {
                let mut scenario = s.run.borrow().scenario.clone();
                scenario.coalesce_ms = on.then_some(COALESCE_MS);
                match GroupsRun::open(scenario, 0, s.lesson.is_some()) {
                    Ok(r) => {
                        s.run = Rc::new(RefCell::new(r));
                        s.notice = Some(if on {
                            format!("Started again from 0 with heartbeats coalesced: one message per machine pair every {COALESCE_MS} ms. Compare the messages per machine per second.")
                        } else {
                            "Started again from 0 with every replica sending its own heartbeats."
                                .into()
                        });
                    }
                    Err(e) => s.notice = Some(format!("Not done: {e}.")),
                }
            }
            GroupsAction::Dismiss => s.notice = None,
        }
        s.refresh();
        Rc::new(s)
    }
}

fn empty_view() -> ViewModel {
    ViewModel {
        now: 0,
        nodes: vec![],
        links: vec![],
        messages: vec![],
        log_window: (1, 0),
        safety: crate::view_model::safety(None, &[]),
        metrics: crate::view_model::MetricsView {
            leader: None,
            term: 0,
            committed: 0,
            in_flight: 0,
            msgs_per_sec: 0.0,
            completed: 0,
            p50_latency: None,
            events: 0,
        },
    }
}

/// Switches the page between a multi-group run (`Some`) and the single-group page (`None`);
/// provided by the app to the New run form and the Open dialog. The second field is the
/// groups page's scenario readers (`None` in the playground's build, which forwards
/// multi-group runs to the groups page: [`super::forward`]).
#[derive(Clone, PartialEq, Debug)]
pub struct GroupsSwitch(pub Callback<Option<GroupsStart>>, pub Option<Readers>);

impl GroupsSwitch {
    /// A file's text handed to the page (the Open dialog, a dropped file): `Ok(true)` when it
    /// is a version-2 scenario, which then opens as a multi-group run: here, in the groups
    /// page's build; in the playground's, the text goes whole to the groups page (only its
    /// `version` is read here, so the playground links no multi-group reader: issue 14), which
    /// reads it and says there what is wrong with it. `Ok(false)`: a file for the single-group
    /// page.
    pub fn open_text(&self, text: &str) -> Result<bool, String> {
        match self.1 {
            Some(read) => match (read.text)(text)? {
                Some(scenario) => {
                    self.0.emit(Some(GroupsStart::of(scenario)));
                    Ok(true)
                }
                None => Ok(false),
            },
            None if super::forward::is_v2_text(text) => {
                super::forward::open_scenario(text);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The files part's functions where this build links them (the groups page's): the
    /// playground downloads the part ([`crate::parts`]).
    pub fn files(&self) -> Option<crate::files::Local> {
        self.1.map(|r| r.files)
    }

    /// An embed's version-2 `load` payload ([`crate::embed_api::Command::LoadGroups`]): opened
    /// here in the groups page's build, handed to the groups page in the playground's.
    pub fn open_param(&self, payload: &str) -> Result<(), String> {
        match self.1 {
            Some(read) => {
                if let Some(scenario) = (read.param)(payload)? {
                    self.0.emit(Some(GroupsStart::of(scenario)));
                }
                Ok(())
            }
            None => {
                super::forward::open_scenario(payload);
                Ok(())
            }
        }
    }
}

/// The context the multi-group page provides.
pub type GroupsContext = UseReducerHandle<GroupsSim>;

/// The multi-group run, from any component under its provider.
#[hook]
pub fn use_groups() -> GroupsContext {
    use_context::<GroupsContext>().expect("components live under the GroupsContext provider")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::link;

    fn page() -> Rc<GroupsSim> {
        let start = GroupsStart {
            scenario: link::fresh(3, 5, 42).unwrap(),
            now: 0,
            playing: true,
            lesson: None,
        };
        Rc::new(GroupsSim::open(&start, true).unwrap()).reduce(GroupsAction::SetSpeed(1.0))
    }

    fn until_all_lead(mut s: Rc<GroupsSim>) -> Rc<GroupsSim> {
        for _ in 0..2_000 {
            if s.view.groups.iter().all(|g| g.leader.is_some()) {
                return s;
            }
            s = s.reduce(GroupsAction::Frame(16.0));
        }
        panic!("not every group elected a leader in 32 s");
    }

    /// Crashing the machine that hosts a group's leader makes that group elect another
    /// leader on another machine (Raft §5.2: followers time out and elect), and the live
    /// region says so, in the words the page uses: "group g1: S2 is leader of term 3 (on M3)".
    /// The other groups' leaders stay where they were unless they were on that machine.
    #[test]
    fn crashing_a_leaders_machine_reelects_every_group_it_led() {
        let s = until_all_lead(page());
        let leaders: Vec<_> = s.view.groups.iter().map(|g| g.leader.unwrap()).collect();
        let victim = leaders[0].1;
        let led: Vec<usize> = (0..3).filter(|&g| leaders[g].1 == victim).collect();
        let s = s.reduce(GroupsAction::Crash(victim));
        let mb = &s.view.machines[victim as usize - 1];
        assert_eq!(mb.state, super::super::run::MachineState::Down);
        assert!(mb.replicas.iter().all(|r| r.role == "down"));
        let s = until_all_lead(s);
        for (g, before) in leaders.iter().enumerate() {
            let (_, m) = s.view.groups[g].leader.unwrap();
            assert_ne!(m, victim, "group {g} is led from the crashed machine");
            if !led.contains(&g) {
                assert_eq!(s.view.groups[g].leader.unwrap(), *before);
            }
        }
        let said = s.announcements.join("\n");
        let name = &s.view.groups[0].name;
        assert!(
            said.contains(&format!("group {name}: S")) && said.contains("is leader of term"),
            "{said}"
        );
        assert!(s.group_events.iter().any(|l| l.text.contains("crashed")));
    }

    /// Coalescing heartbeats (one batch per machine pair per interval) cuts what each machine
    /// sends, with the same groups and the same seed; every group still elects a leader.
    #[test]
    fn coalesced_heartbeats_cut_messages_per_machine() {
        let plain = until_all_lead(page());
        let coalesced = until_all_lead(page().reduce(GroupsAction::SetCoalesce(true)));
        assert_eq!(coalesced.view.coalesce_ms, Some(COALESCE_MS));
        let run = |mut s: Rc<GroupsSim>| {
            while s.view.now < 20_000 {
                s = s.reduce(GroupsAction::Frame(16.0));
            }
            s.view.sent_per_machine_per_s
        };
        let (a, b) = (run(plain), run(coalesced));
        assert!(
            b < a,
            "coalesced {b:.1} vs {a:.1} messages per machine per s"
        );
    }

    #[test]
    fn unknown_machines_are_refused_with_a_notice() {
        let s = page().reduce(GroupsAction::Crash(9));
        assert!(s.notice.as_deref().unwrap().contains("no machine M9"));
    }

    #[test]
    fn choosing_a_group_feeds_its_world_to_the_single_group_views() {
        let s = until_all_lead(page()).reduce(GroupsAction::Choose(2));
        assert_eq!(s.chosen, 2);
        assert_eq!(s.group_view.nodes.len(), 3);
        assert_eq!(
            s.group_view.metrics.leader,
            s.view.groups[2].leader.map(|l| l.0)
        );
    }
}
