//! A recorded run's part of the reducer ([`Sim::recorded`]): opening one, and what each
//! [`SimAction`] does to it. Its records are played by [`crate::playback`]; the driver (the
//! person's run) stays underneath, untouched.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Sim, SimAction, MAX_FRAME_WALL_MS};
use crate::playback::{Playback, Recording};

/// The notice for an action that would change a recorded run ([`Sim::recorded`]).
pub const RECORDED_OFF: &str = "This is a recorded run, shown as recorded: actions that would \
                                change it are off. Open or start a run of the simulator to act.";

impl Sim {
    /// Opens a recorded run at its end (where a failing run's violation is), paused.
    pub(super) fn load_recorded(&mut self, rec: &Recording, notice: Option<String>) {
        let mut p = Playback::new(rec.clone());
        p.seek(p.end());
        self.recorded = Some(Rc::new(p.meta().clone()));
        if let Some(seed) = p.seed() {
            self.settings.seed = seed;
        }
        self.playback = Some(Rc::new(RefCell::new(p)));
        self.lesson = None;
        self.scenario = None;
        self.goals = None;
        self.origin = None;
        self.selected = None;
        self.playing = false;
        self.notice = notice;
        self.generation += 1;
    }

    /// A recorded run's share of [`Reducible::reduce`]: None when `action` leaves it (a new
    /// run, another run opened), which the simulator's part then handles.
    pub(super) fn reduce_recorded(
        &mut self,
        p: &RefCell<Playback>,
        action: &SimAction,
    ) -> Option<()> {
        match action {
            SimAction::Frame { wall_ms, .. } => {
                if !self.playing {
                    return Some(());
                }
                let dt = wall_ms.clamp(0.0, MAX_FRAME_WALL_MS) * self.speed();
                p.borrow_mut().advance(dt);
                self.frame += 1;
                if p.borrow().at_end() {
                    self.playing = false;
                }
            }
            SimAction::SetPlaying(true) if p.borrow().at_end() => {
                self.notice = Some(
                    "The recording ends here: go back in time (the time slider) to watch it again."
                        .into(),
                )
            }
            SimAction::SetPlaying(on) => self.playing = *on,
            SimAction::Step => {
                self.playing = false;
                p.borrow_mut().step();
            }
            SimAction::SetSpeed(v) => self.speed_log = v.clamp(-3.0, 1.0),
            SimAction::Seek(t) => p.borrow_mut().seek(*t),
            SimAction::Restart => {
                self.playing = false;
                p.borrow_mut().seek(0);
            }
            SimAction::Select(id) => self.selected = *id,
            SimAction::SetAnimate(a) => self.animate = *a,
            SimAction::Dismiss => self.notice = None,
            SimAction::Notify(text) => self.notice = Some(text.clone()),
            SimAction::Act(_)
            | SimAction::ClientRequest
            | SimAction::SetNetwork(_)
            | SimAction::ActAll(_)
            | SimAction::FastStart => self.notice = Some(RECORDED_OFF.into()),
            // Only a shown state (one group of a multi-group run) is sent views to show.
            SimAction::Show(..) => {}
            SimAction::Reset(_) | SimAction::Load(_) => {
                self.recorded = None;
                self.playback = None;
                return None;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use raft_sim::{Action, NetConfig};
    use yew::Reducible;

    use super::*;
    use crate::sim_driver::reducer::{Clock, FRAME_WORK_MS};
    use crate::sim_driver::ResetSettings;

    fn page(seed: u64) -> Rc<Sim> {
        Rc::new(Sim::new(ResetSettings::fresh(seed), true)).reduce(SimAction::SetSpeed(1.0))
    }

    fn frame(clock: &Clock) -> SimAction {
        SimAction::Frame {
            wall_ms: 16.0,
            clock: clock.clone(),
            deadline_ms: FRAME_WORK_MS,
        }
    }

    /// A recorded run (a `grade` trace of a classroom node) opens at its end, paused, with its
    /// violation shown; time travel and play work on its records; actions that would change
    /// it are refused with a notice and leave the person's run underneath untouched; a new
    /// run leaves it.
    #[test]
    fn a_recorded_run_plays_its_records_and_refuses_actions() {
        let text =
            include_str!("../../../../e2e/tests/fixtures/byo-double-vote-unreliable-agree.jsonl");
        let req = crate::files::open_any(text).unwrap();
        assert!(req.recorded.is_some());
        let before = page(7);
        let underneath = before.driver.borrow().world().now();
        let s = before.reduce(SimAction::Load(Box::new(req)));
        assert_eq!(s.recorded.as_ref().unwrap().source, "byo");
        assert!(!s.playing);
        assert_eq!((s.view.now, s.horizon), (190, 190));
        assert!(s.halted(), "the violation is shown");
        assert!(s.events.iter().any(|l| l.text.contains("voted for")));
        for a in [
            SimAction::Act(Action::Crash { node: 1 }),
            SimAction::ClientRequest,
            SimAction::SetNetwork(NetConfig::default()),
        ] {
            let after = s.clone().reduce(a);
            assert_eq!(after.notice.as_deref(), Some(RECORDED_OFF));
            assert_eq!(after.view, s.view);
        }
        let s = s.reduce(SimAction::Seek(100));
        assert_eq!(s.view.now, 100);
        assert!(!s.halted(), "before the violation");
        let clock = Clock::stopped(0.0);
        let mut s = s.reduce(SimAction::SetPlaying(true));
        let mut frames = 0;
        while s.playing {
            s = s.reduce(frame(&clock));
            frames += 1;
            assert!(frames < 100);
        }
        assert_eq!(s.view.now, 190, "played to the end, then paused");
        assert_eq!(
            s.driver.borrow().world().now(),
            underneath,
            "the driver's world did not move"
        );
        let fresh = s.reduce(SimAction::Reset(ResetSettings::fresh(3)));
        assert!(fresh.recorded.is_none());
        assert_eq!(fresh.view.nodes.len(), 5);
        assert!(!fresh.halted());
    }
}
