//! [`Driver`]: the simulated [`World`] with its timeline and event log. Plain Rust, no Yew
//! (natively testable): it runs the world forward with a per-frame cap on work, keeps the
//! timeline of actions for time travel, and keeps the bounded event log.
//!
//! Time travel: every action is kept in `script` with its virtual time, and the driver keeps
//! checkpoints: whole copies of the world (with its event log), one every
//! [`CHECKPOINT_EVERY_MS`] of virtual time for the last [`RECENT_MS`], one every
//! [`OLD_CHECKPOINT_EVERY_MS`] before that, together within [`CHECKPOINT_BUDGET_BYTES`] and
//! [`MAX_CHECKPOINTS`]: past either, the oldest go ([`Driver::earliest`] is then the oldest kept;
//! the page shows it). Seeking restores the latest checkpoint at or before the chosen time (or
//! a fresh world, before the first) and replays the script from there (the same thing
//! `World::replay` does from the start, done step by step so the event log is rebuilt too), so
//! from [`Driver::earliest`] on a replay is at most one interval long: 5 virtual s in the last
//! minute, 60 s before; before it, a replay goes from the start (spread over frames, like any
//! replay). Going forward again re-applies the later actions at their times, so back and forth
//! gives the same state. Acting in the past forks: the later actions and checkpoints are
//! discarded.
//!
//! A replay can be spread over frames: [`Driver::begin_seek`] and [`Driver::load_in_steps`] do
//! a bounded number of events and leave the rest to the next frames ([`Driver::catching_up`]),
//! so opening a long run from a link or from storage shows it progressing, never a blank page.

use std::collections::VecDeque;

use raft_sim::{Action, MemoryBounds, NetConfig, SimError, SimOptions, World};

use crate::view_model::{self, EventLine, NodeSnap, ViewInputs, ViewModel};

/// Most lines the event log keeps.
pub const EVENT_LOG_CAP: usize = 200;
/// Most simulator events one animation frame may process (the clock lags behind when a frame
/// would need more, rather than freezing the page).
pub const FRAME_EVENT_BUDGET: u32 = 2_500;

/// Virtual milliseconds between two checkpoints in the last [`RECENT_MS`].
pub const CHECKPOINT_EVERY_MS: u64 = 5_000;
/// How far back checkpoints are kept every [`CHECKPOINT_EVERY_MS`] (virtual ms).
pub const RECENT_MS: u64 = 60_000;
/// Virtual milliseconds between two checkpoints older than [`RECENT_MS`]: of those, one per
/// such interval is kept (the first taken in it).
pub const OLD_CHECKPOINT_EVERY_MS: u64 = 60_000;
/// Most checkpoints kept (each is a copy of the world: see the module doc): the last minute's
/// 12 and 36 older ones; past it the oldest go.
pub const MAX_CHECKPOINTS: usize = 48;
/// Most bytes all checkpoints together may take (an estimate: [`world_bytes`]). The oldest go
/// to make room for a new one, which is always taken (when one copy of the world is larger
/// than this, it is the only one kept).
pub const CHECKPOINT_BUDGET_BYTES: u64 = 16 * 1024 * 1024;

/// What the page's world keeps of a long run ([`World::set_memory_bounds`]): the client
/// history is checked for linearizability and dropped at quiescent cuts past 500 operations,
/// commit latencies past 2,000 (the metrics read the last 200), and the safety checker forgets
/// committed entries every node has in a snapshot ([`PAGE_SNAPSHOT_EVERY`]). So the world
/// stays about the same size at any run length (no trace is kept: `keep_trace` is off).
pub const PAGE_MEMORY_BOUNDS: MemoryBounds = MemoryBounds {
    trace_records: 10_000,
    history_ops: 500,
    latencies: 2_000,
    max_steps: raft_sim::linearizability::DEFAULT_MAX_STEPS,
};

/// About how many bytes a copy of `w` takes, from the sizes measured natively with a counting
/// allocator (5 nodes under the page's client load): about 160 B per client operation in the
/// history, 210 B per committed entry in the safety checker, 150 B per log entry and 64 KiB
/// for the rest. Only used to budget checkpoints: an estimate that errs high is fine.
pub fn world_bytes(w: &World) -> u64 {
    let history = w.history().len() as u64 * 160;
    let checker = w.checker().committed_held() as u64 * 210;
    let logs: u64 = w
        .nodes()
        .values()
        .map(|n| n.storage().state().entries.len() as u64 * 150)
        .sum();
    64 * 1024 + history + checker + logs
}

/// Most events a seek or a load processes at once (in the action, which has no clock to stop
/// at) before leaving the rest to the frames, which stop at a deadline. Small: 3,000 made a
/// seek under client load one main-thread task of 100-270 ms (e2e/tests/perf.test.js); each
/// event is also observed for the event log, about 10-30 µs in the browser.
pub const CATCH_UP_EVENT_BUDGET: u32 = 300;

/// A copy of everything the driver derives from the timeline, at time `at`.
#[derive(Debug, Clone)]
struct Checkpoint {
    at: u64,
    /// [`world_bytes`] of `world`.
    bytes: u64,
    applied: usize,
    world: World,
    events: VecDeque<EventLine>,
    snap: Vec<NodeSnap>,
    violations_logged: usize,
}

/// The world plus its timeline and event log.
#[derive(Debug)]
pub struct Driver {
    opts: SimOptions,
    world: World,
    /// Every action of this timeline with its time; `script[..applied]` are in `world`.
    script: Vec<(u64, Action)>,
    applied: usize,
    /// Furthest time this timeline has reached.
    horizon: u64,
    events: VecDeque<EventLine>,
    snap: Vec<NodeSnap>,
    /// (virtual time, messages sent so far), the last virtual second of them.
    rate: VecDeque<(u64, u64)>,
    /// Fraction of a virtual millisecond owed to the next frame.
    carry: f64,
    /// True when the last frame hit the event budget.
    lagging: bool,
    /// How many of the world's violations have a line in the event log.
    violations_logged: usize,
    /// Set while playing: stop after the millisecond in which a violation that does not stop
    /// the run (a broken rule, with a break-it switch on) is found, so a person can look.
    pause_at_violation: bool,
    /// A frame stopped at such a violation; the reducer pauses and says why.
    paused_at_violation: bool,
    /// Checkpoints in time order, all on this timeline; at most [`MAX_CHECKPOINTS`].
    checkpoints: Vec<Checkpoint>,
    /// Earliest time a seek replays at most one checkpoint interval to reach: 0 until a
    /// checkpoint was dropped for room, then the oldest kept (before it, from the start).
    earliest: u64,
    /// A replay still under way: the time it goes to (frames take it further).
    catch_up: Option<u64>,
    /// Bumped at every change of `events`, so the page copies the log only when it changed.
    log_version: u64,
}

impl Driver {
    /// A fresh world. The trace is not kept (it grows without bound); the event log is derived
    /// from node state after every event instead.
    pub fn new(opts: SimOptions) -> Result<Self, SimError> {
        let opts = SimOptions {
            keep_trace: false,
            ..opts
        };
        let mut world = World::new(opts.clone())?;
        world.set_memory_bounds(PAGE_MEMORY_BOUNDS)?;
        let snap = view_model::snapshot(&world);
        Ok(Driver {
            opts,
            world,
            script: Vec::new(),
            applied: 0,
            horizon: 0,
            events: VecDeque::new(),
            snap,
            rate: VecDeque::new(),
            carry: 0.0,
            lagging: false,
            violations_logged: 0,
            pause_at_violation: false,
            paused_at_violation: false,
            checkpoints: Vec::new(),
            earliest: 0,
            catch_up: None,
            log_version: 0,
        })
    }

    /// A world rebuilt from options and a timeline, standing at `now`; actions after `now` stay
    /// ahead on the timeline (playing takes them at their times). Gives the same world as
    /// `World::replay(opts, script, now)`.
    #[cfg(test)]
    pub fn load(opts: SimOptions, script: Vec<(u64, Action)>, now: u64) -> Result<Self, SimError> {
        let mut d = Driver::load_in_steps(opts, script, now, u32::MAX)?;
        d.finish_catch_up();
        Ok(d)
    }

    /// [`Driver::load`], doing at most `budget` events now and leaving the rest of the replay
    /// to the frames ([`Driver::catching_up`]).
    pub fn load_in_steps(
        opts: SimOptions,
        script: Vec<(u64, Action)>,
        now: u64,
        budget: u32,
    ) -> Result<Self, SimError> {
        let mut d = Driver::new(opts)?;
        d.script = script;
        d.catch_up = Some(now);
        d.horizon = now;
        d.catch_up_until(budget, &mut || false);
        Ok(d)
    }

    /// While a replay is under way: (time reached, time it goes to).
    pub fn catching_up(&self) -> Option<(u64, u64)> {
        self.catch_up.map(|t| (self.world.now(), t))
    }

    /// The time the page stands at: the world's, or where a replay under way is going.
    pub fn target_now(&self) -> u64 {
        self.catch_up.unwrap_or_else(|| self.world.now())
    }

    /// Takes a replay under way further: at most `budget` events, stopping once `out_of_time()`
    /// says so. Checkpoints are taken on the way.
    fn catch_up_until(&mut self, budget: u32, out_of_time: &mut dyn FnMut() -> bool) {
        let Some(target) = self.catch_up else {
            return;
        };
        let mut left = budget;
        loop {
            // Slices of one checkpoint interval, so the checkpoints land where playing puts them.
            let next_cp = self
                .next_checkpoint_at()
                .max(self.world.now() + 1)
                .min(target);
            let before = self.world.stats().events;
            let reached = self.run_to_until(next_cp, left, out_of_time);
            let done = (self.world.stats().events - before).min(u64::from(left)) as u32;
            left -= done;
            self.maybe_checkpoint();
            if !reached || left == 0 || self.halted() {
                if reached && next_cp == target {
                    self.catch_up = None;
                }
                break;
            }
            if next_cp == target {
                self.catch_up = None;
                break;
            }
        }
        if self.halted() {
            self.catch_up = None;
        }
        self.horizon = self.horizon.max(self.world.now());
        self.rate.clear();
        self.sample_rate();
    }

    /// Finishes a replay under way at once.
    pub fn finish_catch_up(&mut self) {
        self.catch_up_until(u32::MAX, &mut || false);
    }

    /// Time at which the next checkpoint is due.
    fn next_checkpoint_at(&self) -> u64 {
        // On multiples of the interval (or just after, when a frame ends later).
        let last = self.checkpoints.last().map_or(0, |c| c.at);
        (last / CHECKPOINT_EVERY_MS + 1) * CHECKPOINT_EVERY_MS
    }

    /// Takes a checkpoint if one is due, then thins the older ones and drops the oldest past
    /// the budget (see the module doc).
    fn maybe_checkpoint(&mut self) {
        let now = self.world.now();
        if now < self.next_checkpoint_at() || self.halted() {
            return;
        }
        // Older than the last minute: the first of each OLD_CHECKPOINT_EVERY_MS only.
        let recent_from = now.saturating_sub(RECENT_MS);
        let mut last_bucket = None;
        self.checkpoints.retain(|c| {
            if c.at >= recent_from {
                return true;
            }
            let bucket = c.at / OLD_CHECKPOINT_EVERY_MS;
            let keep = last_bucket != Some(bucket);
            last_bucket = Some(bucket);
            keep
        });
        // Room is made before the copy is taken, so memory never holds more than the budget
        // (or the newest copy alone, when one world is larger than it).
        let new_bytes = world_bytes(&self.world);
        let mut bytes: u64 = self.checkpoints.iter().map(|c| c.bytes).sum();
        let mut dropped = false;
        while !self.checkpoints.is_empty()
            && (self.checkpoints.len() >= MAX_CHECKPOINTS
                || bytes + new_bytes > CHECKPOINT_BUDGET_BYTES)
        {
            bytes -= self.checkpoints.remove(0).bytes;
            dropped = true;
        }
        self.checkpoints.push(Checkpoint {
            at: now,
            bytes: new_bytes,
            applied: self.applied,
            world: self.world.clone(),
            events: self.events.clone(),
            snap: self.snap.clone(),
            violations_logged: self.violations_logged,
        });
        if dropped || self.earliest > 0 {
            self.earliest = self.checkpoints[0].at;
        }
    }

    /// Earliest virtual time a seek reaches from a nearby checkpoint (0 until checkpoints had to
    /// be dropped for room; before it a seek replays from the start: see the module doc).
    pub fn earliest(&self) -> u64 {
        self.earliest
    }

    /// Estimated bytes of all checkpoints kept ([`world_bytes`]).
    #[cfg(test)]
    pub fn checkpoint_bytes(&self) -> u64 {
        self.checkpoints.iter().map(|c| c.bytes).sum()
    }

    /// Times of the checkpoints kept.
    pub fn checkpoints(&self) -> Vec<u64> {
        self.checkpoints.iter().map(|c| c.at).collect()
    }

    /// Estimated bytes of the checkpoints kept and of the world now ([`world_bytes`]): what
    /// the page holds for time travel, and what the simulator holds (its client history and
    /// safety checker grow with the run).
    pub fn memory_estimate(&self) -> (u64, u64) {
        (
            self.checkpoints.iter().map(|c| c.bytes).sum(),
            world_bytes(&self.world),
        )
    }

    /// The options the world was made with (`keep_trace` off).
    pub fn options(&self) -> &SimOptions {
        &self.opts
    }

    /// Every action of this timeline with its time, including any ahead of the current time.
    pub fn script(&self) -> &[(u64, Action)] {
        &self.script
    }

    /// The world (read-only: only the driver changes it).
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Furthest virtual time reached on this timeline.
    pub fn horizon(&self) -> u64 {
        self.horizon.max(self.world.now())
    }

    /// Event log, most recent first.
    pub fn events(&self) -> impl Iterator<Item = &EventLine> {
        self.events.iter()
    }

    /// True when the last frame could not do all its work.
    pub fn lagging(&self) -> bool {
        self.lagging
    }

    /// True once a safety property broke (the world stops).
    pub fn halted(&self) -> bool {
        self.world.violation().is_some()
    }

    /// Plain view data for the page.
    pub fn view(&self, animate: bool) -> ViewModel {
        view_model::build(
            &self.world,
            ViewInputs {
                display_now: self.world.now() as f64 + self.carry,
                animate,
                msgs_per_sec: self.msgs_per_sec(),
            },
        )
    }

    fn msgs_per_sec(&self) -> f64 {
        match (self.rate.front(), self.rate.back()) {
            (Some(&(t0, s0)), Some(&(t1, s1))) if t1 > t0 => {
                (s1 - s0) as f64 * 1000.0 / (t1 - t0) as f64
            }
            _ => 0.0,
        }
    }

    /// Changes whenever the event log does (not across drivers: the page pairs it with the
    /// run's generation).
    pub fn log_version(&self) -> u64 {
        self.log_version
    }

    fn push_line(&mut self, line: EventLine) {
        self.log_version += 1;
        if let (Some(node), Some(front)) = (line.commit_of, self.events.front_mut()) {
            if front.commit_of == Some(node) {
                *front = line;
                return;
            }
        }
        self.events.push_front(line);
        self.events.truncate(EVENT_LOG_CAP);
    }

    fn observe(&mut self) {
        let next = view_model::snapshot(&self.world);
        for line in view_model::diff(&self.snap, &next, self.world.now()) {
            self.push_line(line);
        }
        self.snap = next;
        let found = self.world.violations().len();
        if found > self.violations_logged {
            let new: Vec<EventLine> = self.world.violations()[self.violations_logged..]
                .iter()
                .map(view_model::violation_line)
                .collect();
            self.violations_logged = found;
            for line in new {
                self.push_line(line);
            }
            if self.pause_at_violation && !self.halted() {
                self.paused_at_violation = true;
            }
        }
    }

    /// True (once) when the last frame stopped at a violation that does not stop the run.
    pub fn take_paused_at_violation(&mut self) -> bool {
        std::mem::take(&mut self.paused_at_violation)
    }

    fn apply_recorded(&mut self, action: Action) {
        // A recorded action succeeded when it was first applied at this very state, so it
        // succeeds again; if it somehow does not, replay just goes on without it.
        if self.world.act(action.clone()).is_ok() {
            if let Some(text) = view_model::describe_action(&action) {
                self.push_line(EventLine {
                    t: self.world.now(),
                    kind: view_model::EventKind::Action,
                    text,
                    commit_of: None,
                });
            }
        }
        self.observe();
    }

    /// Runs the timeline forward to `target`, processing at most `budget` events. Never stops
    /// between two events of the same millisecond, so an action taken afterwards lands where a
    /// replay would put it. Returns true if it reached `target`.
    fn run_to(&mut self, target: u64, budget: u32) -> bool {
        self.run_to_until(target, budget, &mut || false)
    }

    /// [`Driver::run_to`], also stopping (between milliseconds) once `out_of_time()` says so;
    /// it is asked every 16 events.
    fn run_to_until(
        &mut self,
        target: u64,
        budget: u32,
        out_of_time: &mut dyn FnMut() -> bool,
    ) -> bool {
        let mut done = 0u32;
        let mut late = false;
        loop {
            if self.halted() {
                return false;
            }
            let next_event = self.world.next_event_time().filter(|&t| t <= target);
            let next_action = self
                .script
                .get(self.applied)
                .map(|&(t, _)| t)
                .filter(|&t| t <= target);
            match (next_event, next_action) {
                (Some(e), Some(a)) if a < e => self.take_action(a),
                (None, Some(a)) => self.take_action(a),
                (Some(e), _) => {
                    if done % 16 == 15 {
                        late = late || out_of_time();
                    }
                    if (done >= budget || late) && e > self.world.now() {
                        return false;
                    }
                    self.world.step();
                    done += 1;
                    self.observe();
                    if self.paused_at_violation {
                        // Finish this millisecond (an action taken now must land where a
                        // replay puts it: after every event of its instant), then stop.
                        let ms = self.world.now();
                        while !self.halted() && self.world.next_event_time() == Some(ms) {
                            self.world.step();
                            self.observe();
                        }
                        return false;
                    }
                }
                (None, None) => {
                    self.world.advance_to(target);
                    self.horizon = self.horizon.max(self.world.now());
                    return true;
                }
            }
        }
    }

    fn take_action(&mut self, at: u64) {
        self.world.advance_to(at);
        let action = self.script[self.applied].1.clone();
        self.applied += 1;
        self.apply_recorded(action);
    }

    fn sample_rate(&mut self) {
        let now = self.world.now();
        self.rate.push_back((now, self.world.stats().sent));
        while self.rate.len() > 2 && self.rate.front().is_some_and(|&(t, _)| t + 1000 < now) {
            self.rate.pop_front();
        }
    }

    /// One animation frame: `virtual_ms` of virtual time (fractions carry over to the next frame),
    /// at most [`FRAME_EVENT_BUDGET`] events. (The page uses [`Driver::advance_until`].)
    #[cfg(test)]
    pub fn advance(&mut self, virtual_ms: f64) {
        self.advance_until(virtual_ms, &mut || false);
    }

    /// [`Driver::advance`], stopping early once `out_of_time()` says so (the page passes a
    /// wall-clock deadline, so a frame never does more than a few milliseconds of work).
    pub fn advance_until(&mut self, virtual_ms: f64, out_of_time: &mut dyn FnMut() -> bool) {
        if self.catch_up.is_some() {
            // A replay under way takes the whole frame; play resumes once it is done.
            self.catch_up_until(u32::MAX, out_of_time);
            self.lagging = false;
            return;
        }
        let total = self.carry + virtual_ms.max(0.0);
        let whole = total.floor();
        let target = self.world.now().saturating_add(whole as u64);
        self.pause_at_violation = true;
        let reached = self.run_to_until(target, FRAME_EVENT_BUDGET, out_of_time);
        self.pause_at_violation = false;
        self.lagging = !reached && !self.halted() && !self.paused_at_violation;
        self.carry = if reached { total - whole } else { 0.0 };
        self.horizon = self.horizon.max(self.world.now());
        self.maybe_checkpoint();
        self.sample_rate();
    }

    /// Processes the next event (and any others at the same millisecond).
    pub fn step_event(&mut self) {
        self.finish_catch_up();
        let next_event = self.world.next_event_time();
        let next_action = self.script.get(self.applied).map(|&(t, _)| t);
        let Some(t) = [next_event, next_action].into_iter().flatten().min() else {
            return;
        };
        self.carry = 0.0;
        self.run_to(t, u32::MAX);
        self.horizon = self.horizon.max(self.world.now());
        self.maybe_checkpoint();
        self.sample_rate();
    }

    /// Applies a person's action now. In the past, this forks the timeline: later actions go.
    pub fn act(&mut self, action: Action) -> Result<(), SimError> {
        if self.halted() {
            return Err(SimError::Invalid(
                "the run stopped at a safety violation: reset, or go back in time".into(),
            ));
        }
        self.finish_catch_up();
        self.world.act(action.clone())?;
        let now = self.world.now();
        // Checkpoints later than now belong to the timeline this action leaves (if any).
        self.checkpoints.retain(|c| c.at <= now);
        self.script.truncate(self.applied);
        self.script.push((now, action.clone()));
        self.applied = self.script.len();
        self.horizon = now;
        if let Some(text) = view_model::describe_action(&action) {
            self.push_line(EventLine {
                t: now,
                kind: view_model::EventKind::Action,
                text,
                commit_of: None,
            });
        }
        self.observe();
        Ok(())
    }

    /// Moves to virtual time `t` (clamped to the horizon) on this timeline.
    #[cfg(test)]
    pub fn seek(&mut self, t: u64) {
        self.begin_seek(t, u32::MAX);
        self.finish_catch_up();
    }

    /// [`Driver::seek`], doing at most `budget` events now and leaving the rest of the replay
    /// to the frames. Starts from the latest checkpoint at or before `t` when that is nearer
    /// than where the world stands (a fresh world, before the first checkpoint).
    pub fn begin_seek(&mut self, t: u64, budget: u32) {
        let horizon = self.horizon().max(self.catch_up.unwrap_or(0));
        let t = t.min(horizon);
        let now = self.world.now();
        let best = self.checkpoints.iter().rposition(|c| c.at <= t);
        let from_checkpoint = best.filter(|&k| t < now || self.checkpoints[k].at > now);
        if let Some(k) = from_checkpoint {
            let c = self.checkpoints[k].clone();
            self.world = c.world;
            self.applied = c.applied;
            self.events = c.events;
            self.snap = c.snap;
            self.violations_logged = c.violations_logged;
        } else if t < now {
            let fresh = Driver::new(self.opts.clone()).expect("these options built a world before");
            self.world = fresh.world;
            self.applied = 0;
            self.events = fresh.events;
            self.snap = fresh.snap;
            self.violations_logged = 0;
        }
        self.paused_at_violation = false;
        self.log_version += 1;
        self.carry = 0.0;
        self.horizon = horizon;
        self.catch_up = Some(t);
        self.catch_up_until(budget, &mut || false);
    }

    /// Fast start: a fresh cluster does nothing until its first election timer fires (150 to
    /// 300 virtual ms, 3 to 6 s at the page's default speed). Moves the clock to `lead_ms`
    /// before the first event, so the timer is seen running down for those last `lead_ms` and
    /// the election follows at once. Only for a fresh run (time 0, no actions yet); nothing is
    /// skipped but an idle clock, so the run is the one playing would give (same trace, same
    /// share link). Returns the virtual milliseconds skipped (0 when there was nothing to skip).
    pub fn skip_quiet_start(&mut self, lead_ms: u64) -> u64 {
        if self.world.now() != 0 || !self.script.is_empty() {
            return 0;
        }
        let Some(first) = self.world.next_event_time() else {
            return 0;
        };
        let target = first.saturating_sub(lead_ms);
        if target == 0 {
            return 0;
        }
        self.run_to(target, u32::MAX);
        self.horizon = self.horizon.max(self.world.now());
        self.rate.clear();
        self.sample_rate();
        self.world.now()
    }

    /// Number of actions on the timeline (including ones ahead of the current time).
    pub fn timeline_len(&self) -> usize {
        self.script.len()
    }
}

/// The page's runs snapshot and compact each node's log every this many applied entries, so
/// the logs in memory stay short however long a run plays (the Logs panel shows the compacted
/// prefix as one "snapshot" block). Runs opened from links, files and lessons keep their own.
pub const PAGE_SNAPSHOT_EVERY: u64 = 1_000;

/// What a new run is made from: the settings of the page's New run form (and of a reset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetSettings {
    /// Seed.
    pub seed: u64,
    /// Number of nodes, 3 to 9.
    pub nodes: u32,
    /// PreVote on.
    pub pre_vote: bool,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// Unsafe switches that break a rule on purpose (the New run form's advanced part).
    pub break_it: raft_core::BreakIt,
}

impl ResetSettings {
    /// Settings of a fresh default run with `seed`: five nodes, PreVote and CheckQuorum on.
    pub fn fresh(seed: u64) -> Self {
        ResetSettings {
            seed,
            nodes: 5,
            pre_vote: true,
            check_quorum: true,
            break_it: raft_core::BreakIt::default(),
        }
    }

    /// The simulator options for these settings, with the network `net`.
    pub fn options(&self, net: NetConfig) -> SimOptions {
        let mut o = SimOptions {
            seed: self.seed,
            nodes: self.nodes.clamp(1, 9),
            pre_vote: self.pre_vote,
            check_quorum: self.check_quorum,
            net,
            keep_trace: false,
            snapshot_every: PAGE_SNAPSHOT_EVERY,
            break_it: self.break_it,
            ..SimOptions::default()
        };
        o.clients.count = 4;
        o
    }
}

#[cfg(test)]
mod tests;
