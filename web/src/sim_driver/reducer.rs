//! [`Sim`]: the page's state and its reducer around the [`Driver`]. Components read
//! [`Sim::view`] and dispatch [`SimAction`]s through the [`use_sim`] context hook; none of them
//! touches the world.
//!
//! The reducer reads nothing from outside (no browser API, no clock, no entropy): what it needs
//! comes in the action. A frame carries the wall-clock time that passed and a [`Clock`] with a
//! deadline, both from the component that owns the animation frame; a new run carries its seed.
//! So the same state and actions give the same world, natively as in the browser (the tests
//! below drive it without one). The driver itself is shared between a state and the next
//! (`Rc<RefCell<_>>`) rather than copied: a world is too big to clone per frame.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use raft_core::NodeId;
use raft_sim::judge::history_verdict;
use raft_sim::linearizability::{Verdict, DEFAULT_MAX_STEPS};
use raft_sim::{Action, NetConfig, SimOptions};
use yew::prelude::*;

use super::driver::{Driver, ResetSettings, CATCH_UP_EVENT_BUDGET};
use crate::lessons::{Goals, Lesson};
use crate::playback::{Meta, Playback, Recording};
use crate::share::{Run, ScenarioMeta};
use crate::view_model::{self, EventLine, ViewModel};

// A recorded run's share of the reducer (opening one, and each action on it).
mod recorded;

/// Most wall-clock milliseconds of simulation work per animation frame: the caller sets a
/// frame's deadline this long after it reads the clock.
pub const FRAME_WORK_MS: f64 = 8.0;
/// Most wall-clock milliseconds of work per frame while a replay is under way (opening a long
/// run, a seek): longer than [`FRAME_WORK_MS`], since nothing moves meanwhile, but well under
/// the 100 ms after which a page feels stuck.
pub const CATCH_UP_WORK_MS: f64 = 40.0;
/// Longest wall-clock gap one frame accounts for (after a stall, do not try to catch up).
pub(super) const MAX_FRAME_WALL_MS: f64 = 100.0;

/// The notice shown when the run pauses at a violation it goes on after (Play dismisses it).
const PAUSED_AT_RULE: &str = "Paused: the safety monitor flagged a broken rule (an unsafe switch \
                              is on). Press Play to see what it leads to.";

/// A wall clock in milliseconds, handed to the reducer inside [`SimAction::Frame`] so a frame
/// can stop its work at a deadline while the reducer itself reads nothing from the browser. The
/// page passes `performance.now()`; tests pass a clock of their own. Two clocks are equal when
/// they are the same clock.
#[derive(Clone)]
pub struct Clock(Rc<dyn Fn() -> f64>);

impl Clock {
    /// A clock reading `now()`.
    pub fn new(now: impl Fn() -> f64 + 'static) -> Self {
        Clock(Rc::new(now))
    }

    /// A clock that always reads `t` (a frame with such a clock never runs out of time).
    #[cfg(test)]
    pub fn stopped(t: f64) -> Self {
        Clock::new(move || t)
    }

    /// The time now, ms.
    pub fn now(&self) -> f64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The default speed, as log10 of the speed factor: 0.05× (a message trip takes about a
/// quarter of a second, an election timeout several seconds).
pub const DEFAULT_SPEED_LOG: f64 = -1.3;

/// Fast start: how many virtual ms before the first election timer fires a fresh page starts
/// (0.2 s at the default speed: the timer is seen running out, then the election follows).
pub const FAST_START_LEAD_MS: u64 = 10;
/// During a fast start, the first election plays at this many times the chosen speed, so a
/// first visit sees a leader about a second after load; the speed shown is the chosen one and
/// the page says so. It ends with the first leader, or as soon as the person changes anything.
pub const FIRST_ELECTION_SPEEDUP: f64 = 2.0;

/// A fresh page's fast start ([`SimAction::FastStart`]), explained on the page while it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastStart {
    /// Virtual milliseconds skipped at the start, in which no event happens.
    pub skipped_ms: u64,
    /// The first election is still playing at [`FIRST_ELECTION_SPEEDUP`] × speed.
    pub speedup: bool,
}

/// Page state: the driver, the derived view and the page's own settings.
#[derive(Clone, Debug)]
pub struct Sim {
    driver: Rc<RefCell<Driver>>,
    /// What to draw (rebuilt after every change).
    pub view: Rc<ViewModel>,
    /// Event log, most recent first (copied from the driver only when it changed).
    pub events: Rc<Vec<EventLine>>,
    /// (generation, the driver's log version) `events` was copied at.
    events_key: (u64, u64),
    /// Playing or paused.
    pub playing: bool,
    /// log10 of the speed factor, -3 to 1.
    pub speed_log: f64,
    /// Selected node.
    pub selected: Option<NodeId>,
    /// A message for the person (an action refused, bad input...).
    pub notice: Option<String>,
    /// Settings the run was made with.
    pub settings: ResetSettings,
    /// Network settings in force.
    pub net: NetConfig,
    /// Furthest time reached on this timeline.
    pub horizon: u64,
    /// Earliest time this timeline can be travelled back to (0 until old checkpoints were
    /// dropped for room).
    pub earliest: u64,
    /// Steady client load on.
    pub client_load: bool,
    /// The last frame could not keep up.
    pub lagging: bool,
    /// Animate messages (false under prefers-reduced-motion).
    pub animate: bool,
    /// Frames rendered (the animation loop re-arms on each).
    pub frame: u64,
    /// Number of the next manual client request (for its key and value).
    pub next_request: u64,
    /// The lesson being taken, if any.
    pub lesson: Option<Rc<Lesson>>,
    /// The scenario the run was opened from (name and expectations), if any.
    pub scenario: Option<Rc<ScenarioMeta>>,
    /// Lesson goals or scenario expectations, checked live.
    pub goals: Option<Rc<Goals>>,
    /// What [`SimAction::Restart`] goes back to: the run as it was opened.
    pub origin: Option<Rc<LoadRequest>>,
    /// Bumped whenever a new run is loaded or started (so listeners can tell runs apart).
    pub generation: u64,
    /// The fast start of a fresh page, while it is worth explaining (until the person acts).
    pub fast_start: Option<FastStart>,
    /// A replay under way (opening a long run, a seek): (time reached, time it goes to). Frames
    /// take it further, playing or not.
    pub catching_up: Option<(u64, u64)>,
    /// A recorded run being shown (a trace with a `byo` or `recorded` header field): where it
    /// came from. While it is open, the views are drawn from its records (`playback`), actions
    /// that would change the run are refused, and the driver keeps the person's run underneath
    /// (what the page stores), untouched.
    pub recorded: Option<Rc<Meta>>,
    playback: Option<Rc<RefCell<Playback>>>,
    /// A state made by [`Sim::showing`]: it shows a view computed elsewhere (one group of a
    /// multi-group run, `crate::groups`) and runs no world of its own.
    pub shown: bool,
    /// In a shown state, the last action asked of the world, numbered, for the owner of the
    /// view to carry out ([`SimAction::Show`]).
    pub forwarded: Option<(u64, Action)>,
}

/// A run to open: from a link, a file, storage, a lesson or a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadRequest {
    /// The run.
    pub run: Run,
    /// The lesson it belongs to.
    pub lesson: Option<Lesson>,
    /// A message to show once it is open (or None to clear the current one).
    pub notice: Option<String>,
    /// A recorded run to show instead of `run` ([`crate::playback`]); `run` is then ignored.
    pub recorded: Option<Rc<Recording>>,
}

impl PartialEq for Sim {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.view, &other.view)
            && self.playing == other.playing
            && self.speed_log == other.speed_log
            && self.selected == other.selected
            && self.notice == other.notice
            && self.settings == other.settings
            && self.frame == other.frame
            && self.generation == other.generation
            && self.goals == other.goals
            && self.fast_start == other.fast_start
            && self.catching_up == other.catching_up
            && self.recorded == other.recorded
            && Rc::ptr_eq(&self.events, &other.events)
            && self.forwarded == other.forwarded
    }
}

/// Everything the page can ask of the simulation.
#[derive(Clone, Debug, PartialEq)]
pub enum SimAction {
    /// An animation frame: `wall_ms` wall-clock milliseconds passed since the last one. The
    /// world advances by that much virtual time at the current speed, at most
    /// [`FRAME_EVENT_BUDGET`](super::driver::FRAME_EVENT_BUDGET) events, and stops (between two virtual
    /// milliseconds) once `clock` reads past `deadline_ms`; the clock is asked every 16
    /// events. The caller reads the clock and sets the deadline [`FRAME_WORK_MS`] later.
    Frame {
        /// Wall-clock milliseconds since the previous frame.
        wall_ms: f64,
        /// The wall clock the deadline is read on.
        clock: Clock,
        /// When the frame's work must stop, on `clock`.
        deadline_ms: f64,
    },
    /// Play or pause.
    SetPlaying(bool),
    /// Process the next event.
    Step,
    /// Set log10 of the speed factor.
    SetSpeed(f64),
    /// Travel to a virtual time on the timeline.
    Seek(u64),
    /// Act on the world.
    Act(Action),
    /// Send a client request with generated key and value.
    ClientRequest,
    /// Select a node (or none).
    Select(Option<NodeId>),
    /// Start a new run.
    Reset(ResetSettings),
    /// Change the network (recorded as an action).
    SetNetwork(NetConfig),
    /// Hide the message.
    Dismiss,
    /// Motion preference changed.
    SetAnimate(bool),
    /// Open a run (a link, a file, storage, a lesson, a scenario).
    Load(Box<LoadRequest>),
    /// Go back to the start of the run as it was opened (a lesson: its start).
    Restart,
    /// Show a message.
    Notify(String),
    /// Several actions at the same instant (a lesson's button).
    ActAll(Vec<Action>),
    /// A fresh page's fast start: skip the quiet clock up to [`FAST_START_LEAD_MS`] before the
    /// first election timer fires, and play the first election at [`FIRST_ELECTION_SPEEDUP`] ×.
    FastStart,
    /// A shown state ([`Sim::showing`]) shows this view and event log (ignored otherwise).
    Show(Rc<ViewModel>, Rc<Vec<EventLine>>),
}

impl Sim {
    /// A new page state for `settings`.
    pub fn new(settings: ResetSettings, animate: bool) -> Self {
        let net = NetConfig::default();
        let driver = Driver::new(settings.options(net.clone())).expect("default options are valid");
        let mut s = Sim {
            driver: Rc::new(RefCell::new(driver)),
            view: Rc::new(ViewModel {
                now: 0,
                nodes: vec![],
                links: vec![],
                messages: vec![],
                log_window: (1, 0),
                safety: view_model::safety(None, &[]),
                metrics: view_model::MetricsView {
                    leader: None,
                    term: 0,
                    committed: 0,
                    in_flight: 0,
                    msgs_per_sec: 0.0,
                    completed: 0,
                    p50_latency: None,
                    events: 0,
                },
            }),
            events: Rc::new(vec![]),
            events_key: (0, 0),
            playing: true,
            speed_log: DEFAULT_SPEED_LOG,
            selected: None,
            notice: None,
            settings,
            net,
            horizon: 0,
            earliest: 0,
            client_load: false,
            lagging: false,
            animate,
            frame: 0,
            next_request: 1,
            lesson: None,
            scenario: None,
            goals: None,
            origin: None,
            generation: 0,
            fast_start: None,
            catching_up: None,
            recorded: None,
            playback: None,
            shown: false,
            forwarded: None,
        };
        s.refresh();
        s
    }

    /// A state that only shows `view` and `events`, computed elsewhere (one group of a
    /// multi-group run: `crate::groups`), so today's components draw it unchanged. Its own world
    /// stays the empty default and never runs: selection, motion and notices work as usual,
    /// [`SimAction::Show`] replaces what is shown, an action on the world
    /// ([`SimAction::Act`], [`SimAction::ActAll`]) is numbered into [`Sim::forwarded`] for the
    /// owner of the view to carry out, and the rest (time travel, resets…) is refused with a
    /// notice.
    pub fn showing(view: Rc<ViewModel>, events: Rc<Vec<EventLine>>, animate: bool) -> Self {
        let mut s = Sim::new(ResetSettings::fresh(0), animate);
        s.shown = true;
        s.playing = false;
        s.view = view;
        s.events = events;
        s
    }

    /// A shown state's reducer (see [`Sim::showing`]).
    fn reduce_shown(mut self, action: SimAction) -> Self {
        let forward = |s: &mut Sim, a: Action| {
            let n = s.forwarded.as_ref().map_or(1, |(n, _)| n + 1);
            s.forwarded = Some((n, a));
        };
        match action {
            SimAction::Show(view, events) => {
                self.view = view;
                self.events = events;
            }
            SimAction::Select(id) => self.selected = id,
            SimAction::SetAnimate(a) => self.animate = a,
            SimAction::Dismiss => self.notice = None,
            SimAction::Notify(t) => self.notice = Some(t),
            SimAction::Act(a) => forward(&mut self, a),
            SimAction::ActAll(all) => {
                for a in all {
                    forward(&mut self, a);
                }
            }
            _ => self.notice = Some(
                "This view shows one group of a multi-group run: use the machines view's controls."
                    .into(),
            ),
        }
        self
    }

    /// The speed factor (virtual ms per wall-clock ms).
    pub fn speed(&self) -> f64 {
        10f64.powf(self.speed_log)
    }

    /// The speed frames run at: [`Sim::speed`], times [`FIRST_ELECTION_SPEEDUP`] during a fast
    /// start's first election.
    pub fn effective_speed(&self) -> f64 {
        match self.fast_start {
            Some(FastStart { speedup: true, .. }) => self.speed() * FIRST_ELECTION_SPEEDUP,
            _ => self.speed(),
        }
    }

    /// True once a safety property broke.
    pub fn halted(&self) -> bool {
        self.view.safety.violation.is_some()
    }

    /// Number of actions on the timeline.
    pub fn timeline_len(&self) -> usize {
        self.driver.borrow().timeline_len()
    }

    /// The client history's linearizability verdict so far, judged as `raft-sim` judges it
    /// ([`raft_sim::judge::history_verdict`], default budget): undecided is not a pass.
    pub fn history_verdict(&self) -> Verdict {
        history_verdict(self.driver.borrow().world(), DEFAULT_MAX_STEPS)
    }

    /// How many checkpoints are kept for time travel.
    pub fn checkpoints(&self) -> usize {
        self.driver.borrow().checkpoints().len()
    }

    /// Estimated bytes held for time travel (checkpoints) and by the simulated world
    /// ([`super::driver::Driver::memory_estimate`]).
    pub fn memory_estimate(&self) -> (u64, u64) {
        self.driver.borrow().memory_estimate()
    }

    /// Number of client operations held in the history: those not yet checked for
    /// linearizability and dropped ([`crate::sim_driver::driver::PAGE_MEMORY_BOUNDS`]), which
    /// is what a new verdict has to search.
    pub fn history_len(&self) -> usize {
        self.driver.borrow().world().history().len()
    }

    /// The run as it stands: options, timeline, time, lesson progress. What the share link,
    /// the exports and the browser's storage carry.
    pub fn run(&self) -> Run {
        let d = self.driver.borrow();
        Run {
            options: d.options().clone(),
            actions: d.script().to_vec(),
            now: d.target_now(),
            lesson: self.lesson.as_ref().map(|l| l.name.clone()),
            met: self
                .goals
                .as_ref()
                .map(|g| g.met.clone())
                .unwrap_or_default(),
            scenario: self.scenario.as_ref().map(|s| (**s).clone()),
            playing: self.playing,
        }
    }

    fn load(&mut self, req: LoadRequest) {
        if let Some(rec) = &req.recorded {
            self.load_recorded(rec, req.notice.clone());
            return;
        }
        let run = &req.run;
        let opts = SimOptions {
            keep_trace: false,
            ..run.options.clone()
        };
        match Driver::load_in_steps(opts, run.actions.clone(), run.now, CATCH_UP_EVENT_BUDGET) {
            Ok(d) => {
                self.driver = Rc::new(RefCell::new(d));
                self.settings = ResetSettings {
                    seed: run.options.seed,
                    nodes: run.options.nodes,
                    pre_vote: run.options.pre_vote,
                    check_quorum: run.options.check_quorum,
                    break_it: run.options.break_it,
                };
                self.selected = None;
                self.next_request = 1;
                self.playing = run.playing;
                self.notice = req.notice.clone();
                self.lesson = req.lesson.clone().map(Rc::new);
                self.scenario = if self.lesson.is_some() {
                    None
                } else {
                    run.scenario.clone().map(Rc::new)
                };
                self.goals = match (&self.lesson, &self.scenario) {
                    (Some(l), _) => Some(Goals::new(l.goals().to_vec(), true)),
                    (None, Some(s)) if !s.expect.is_empty() => {
                        Some(Goals::new(s.expect.clone(), false))
                    }
                    _ => None,
                }
                .map(|g| Rc::new(g.with_met(&run.met)));
                self.recorded = None;
                self.playback = None;
                self.origin = Some(Rc::new(LoadRequest {
                    run: Run {
                        met: Vec::new(),
                        ..run.clone()
                    },
                    notice: None,
                    ..req
                }));
                self.generation += 1;
            }
            Err(e) => self.notice = Some(format!("Cannot open that run: {e}")),
        }
    }

    fn refresh(&mut self) {
        if let Some(p) = &self.playback {
            let p = p.borrow();
            self.view = Rc::new(p.view(self.animate));
            let key = (self.generation, p.version());
            if key != self.events_key {
                self.events = Rc::new(p.events().to_vec());
                self.events_key = key;
            }
            self.horizon = p.end();
            self.earliest = 0;
            self.lagging = false;
            self.catching_up = None;
            return;
        }
        if let Some(g) = &mut self.goals {
            let d = self.driver.borrow();
            let mut next = (**g).clone();
            next.rewind(d.world().now());
            next.update(d.world());
            if next != **g {
                *g = Rc::new(next);
            }
        }
        let d = self.driver.borrow();
        self.view = Rc::new(d.view(self.animate));
        let key = (self.generation, d.log_version());
        if key != self.events_key {
            self.events = Rc::new(d.events().cloned().collect());
            self.events_key = key;
        }
        self.horizon = d.horizon();
        self.earliest = d.earliest();
        self.client_load = d.world().client_load();
        self.net = d.world().network().config.clone();
        self.lagging = d.lagging();
        self.catching_up = d.catching_up();
        drop(d);
        if self.halted() {
            self.playing = false;
        }
    }

    fn act(&mut self, action: Action) {
        // The same limit as links and scenarios (share::MAX_NODES); the Add node button is
        // disabled at it, but an embedding page's `act` is not.
        if matches!(action, Action::AddNode)
            && self.view.nodes.len() >= crate::share::MAX_NODES as usize
        {
            self.notice = Some(format!(
                "Not added: the playground draws at most {} nodes.",
                crate::share::MAX_NODES
            ));
            return;
        }
        if self.timeline_len() >= crate::share::MAX_ACTIONS {
            self.notice = Some(format!(
                "Not done: this run already holds {} actions, the most the playground replays. Start fresh, or go back in time.",
                crate::share::MAX_ACTIONS
            ));
            return;
        }
        let horizon = self.driver.borrow().horizon();
        let r = self.driver.borrow_mut().act(action);
        let now = self.driver.borrow().world().now();
        match r {
            Err(e) => self.notice = Some(e.to_string()),
            // Acting in the past starts a new timeline there: say so, since what came after
            // is gone (it was dropped silently, which a newcomer took for a fault).
            Ok(()) if horizon > now => {
                self.notice = Some(format!(
                    "A new timeline from {now} ms: what happened after it (up to {horizon} ms) is gone."
                ))
            }
            Ok(()) => {}
        }
    }
}

impl Reducible for Sim {
    type Action = SimAction;

    fn reduce(self: Rc<Self>, action: SimAction) -> Rc<Self> {
        if self.shown {
            if matches!(action, SimAction::Frame { .. }) {
                return self;
            }
            return Rc::new((*self).clone().reduce_shown(action));
        }
        let mut s = (*self).clone();
        // Anything a person does ends the fast start's explanation (frames, selection and
        // motion changes are not the person changing the run).
        if !matches!(
            action,
            SimAction::Frame { .. }
                | SimAction::Select(_)
                | SimAction::SetAnimate(_)
                | SimAction::Dismiss
                | SimAction::Notify(_)
                | SimAction::FastStart
        ) {
            s.fast_start = None;
        }
        if let Some(p) = s.playback.clone() {
            if s.reduce_recorded(&p, &action).is_some() {
                s.refresh();
                return Rc::new(s);
            }
        }
        match action {
            SimAction::Frame {
                wall_ms,
                clock,
                deadline_ms,
            } => {
                if !s.playing && s.catching_up.is_none() {
                    return self;
                }
                let dt = wall_ms.clamp(0.0, MAX_FRAME_WALL_MS) * s.effective_speed();
                let deadline_ms = if s.catching_up.is_some() {
                    deadline_ms + (CATCH_UP_WORK_MS - FRAME_WORK_MS)
                } else {
                    deadline_ms
                };
                let mut out_of_time = || clock.now() > deadline_ms;
                s.driver.borrow_mut().advance_until(dt, &mut out_of_time);
                s.frame += 1;
                if s.driver.borrow_mut().take_paused_at_violation() {
                    s.playing = false;
                    s.notice = Some(PAUSED_AT_RULE.into());
                }
            }
            SimAction::SetPlaying(p) => {
                if p && s.halted() {
                    s.notice = Some(
                        "The run stopped at a safety violation: reset, or go back in time.".into(),
                    );
                } else {
                    s.playing = p;
                    if p && s.notice.as_deref().is_some_and(|n| n == PAUSED_AT_RULE) {
                        s.notice = None;
                    }
                }
            }
            SimAction::Step => {
                s.playing = false;
                s.driver.borrow_mut().step_event();
            }
            SimAction::SetSpeed(v) => s.speed_log = v.clamp(-3.0, 1.0),
            SimAction::Seek(t) => {
                s.driver.borrow_mut().begin_seek(t, CATCH_UP_EVENT_BUDGET);
            }
            SimAction::Act(a) => s.act(a),
            SimAction::ClientRequest => {
                let n = s.next_request;
                s.next_request += 1;
                s.act(Action::Request {
                    key: format!("x{}", (n - 1) % 3 + 1),
                    value: n.to_string(),
                });
            }
            SimAction::Select(id) => s.selected = id,
            SimAction::Reset(settings) => match Driver::new(settings.options(s.net.clone())) {
                Ok(d) => {
                    s.driver = Rc::new(RefCell::new(d));
                    s.lesson = None;
                    s.scenario = None;
                    s.goals = None;
                    s.origin = None;
                    s.generation += 1;
                    s.selected = s.selected.filter(|&id| id <= u64::from(settings.nodes));
                    s.settings = settings;
                    s.notice = None;
                    s.next_request = 1;
                    s.playing = true;
                }
                Err(e) => s.notice = Some(format!("Cannot start that run: {e}")),
            },
            SimAction::SetNetwork(config) => s.act(Action::Network { config }),
            SimAction::Dismiss => s.notice = None,
            SimAction::SetAnimate(a) => s.animate = a,
            SimAction::Load(req) => s.load(*req),
            SimAction::Restart => match s.origin.clone() {
                Some(o) => s.load((*o).clone()),
                None => {
                    let settings = s.settings.clone();
                    return self.reduce(SimAction::Reset(settings));
                }
            },
            SimAction::Notify(text) => s.notice = Some(text),
            SimAction::ActAll(actions) => {
                for a in actions {
                    s.act(a);
                }
            }
            SimAction::FastStart => {
                let skipped_ms = s.driver.borrow_mut().skip_quiet_start(FAST_START_LEAD_MS);
                if skipped_ms > 0 {
                    s.fast_start = Some(FastStart {
                        skipped_ms,
                        speedup: true,
                    });
                }
            }
            SimAction::Show(..) => {}
        }
        s.refresh();
        if let Some(f) = &mut s.fast_start {
            if s.view.metrics.leader.is_some() {
                f.speedup = false;
            }
        }
        Rc::new(s)
    }
}

/// The context the page provides: the state and its dispatcher.
pub type SimContext = UseReducerHandle<Sim>;

/// The simulation, from any component under the provider.
#[hook]
pub fn use_sim() -> SimContext {
    use_context::<SimContext>().expect("components live under the SimContext provider")
}

#[cfg(test)]
mod tests;
