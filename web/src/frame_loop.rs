//! The animation loop: when the page draws a frame. Every animation frame during a replay and
//! at high speeds; at rest (the default speed) a frame every 33 or 50 ms, waited for on a timer
//! so that the animation frames in between run nothing.

use std::rc::Rc;

use gloo_render::{request_animation_frame, AnimationFrame};
use gloo_timers::callback::Timeout;
use yew::prelude::*;

use crate::browser;
use crate::sim_driver::{Clock, Sim, SimAction, SimContext, FRAME_WORK_MS};

/// Properties of [`AnimationLoop`].
#[derive(Properties, PartialEq, Debug)]
pub struct LoopProps {
    /// Whether frames should be requested at all.
    pub running: bool,
}

/// The animation loop: one `requestAnimationFrame` at a time, re-armed after each rendered frame.
/// At the slow frame rates of rest it first waits on a timer until the next frame is due
/// ([`rest_wait_ms`]) and then draws in the animation frame that follows, whatever its time
/// stamp: Chromium stamps an animation frame requested between two vsyncs with the earlier one,
/// so a frame requested 19 ms after one stamped 0 ran at once stamped 16.7, looked early, drew
/// nothing and asked again: every drawn frame at rest cost two of the browser's frames (46
/// `requestAnimationFrame` callbacks a second for 27 drawn; now one each).
/// It reads the wall clock and hands the reducer the time that passed and a deadline for the
/// frame's work ([`FRAME_WORK_MS`] from now).
/// The pending frame lives in the effect's cleanup, so pausing, hiding the tab or dropping the
/// component cancels it; nothing is ever `.forget()`-ten. While not running, no frame is
/// requested and nothing re-renders.
#[function_component(AnimationLoop)]
pub(crate) fn animation_loop(props: &LoopProps) -> Html {
    let sim = use_context::<SimContext>().expect("under the provider");
    let last = use_mut_ref(|| None::<Drawn>);
    let frame = sim.frame;
    let dispatcher = sim.dispatcher();
    // Nothing in flight and no replay: only timers move, so a lower frame rate does (the idle
    // page drew 60 frames a second of rings running down; see QUIET_FRAME_MS).
    let min_ms = frame_ms(&sim);
    use_effect_with((props.running, frame), move |&(running, _)| {
        // The pending frame; a skipped quiet frame puts its successor here. Taken (which
        // cancels it and ends the chain) when the effect is cleaned up.
        let slot: FrameSlot = Rc::new(std::cell::RefCell::new(None));
        if running && min_ms >= TIMER_FROM_MS {
            // Slow frames (at rest): wait on a timer until shortly before the animation frame
            // wanted, so the ones between run no frame at all.
            let s = slot.clone();
            let wait = rest_wait_ms(last.borrow().map(|d| d.wall_ms), browser::now_ms(), min_ms);
            let t = Timeout::new(wait as u32, move || {
                // The timer did the waiting: the frame that follows draws.
                let f = request_frame(s.clone(), last, dispatcher, 0.0, 0);
                *s.borrow_mut() = Some(Pending::Frame(f));
            });
            *slot.borrow_mut() = Some(Pending::Timer(t));
        } else if running {
            let f = request_frame(slot.clone(), last, dispatcher, min_ms, 0);
            *slot.borrow_mut() = Some(Pending::Frame(f));
        } else {
            *last.borrow_mut() = None;
        }
        move || drop(slot.borrow_mut().take())
    });
    Html::default()
}

/// Wall milliseconds between two frames while only timers move (about 20 a second; otherwise
/// see [`min_frame_ms`]).
pub const QUIET_FRAME_MS: f64 = 48.0;

/// Virtual milliseconds a drawn frame should move the clock at least, while messages fly and the
/// speed is low: at the default 0.05× a message crosses its link in 10 to 18 virtual ms, so a
/// frame every 1.5 virtual ms (30 a second) still shows each trip in 7 to 12 steps, and the
/// page draws half as many frames as at 60 a second (each one costs layout, paint and a
/// render of the page: the idle page took 40-50% of a core at 60).
pub const MIN_VIRTUAL_MS_PER_FRAME: f64 = 1.5;

/// Shortest wall time between two drawn frames: every animation frame during a replay and at
/// speeds where a frame moves the clock [`MIN_VIRTUAL_MS_PER_FRAME`] or more; at lower speeds
/// as long as that takes, up to [`QUIET_FRAME_MS`], which is also the interval while `quiet`
/// (nothing in flight: only timers move).
pub fn min_frame_ms(quiet: bool, replaying: bool, speed: f64) -> f64 {
    if replaying {
        0.0
    } else if quiet || speed <= 0.0 {
        QUIET_FRAME_MS
    } else {
        (MIN_VIRTUAL_MS_PER_FRAME / speed).min(QUIET_FRAME_MS)
    }
}

/// [`min_frame_ms`] for the state `sim` is in: nothing in flight and no replay is quiet (only
/// timers move, so a lower frame rate does: the idle page drew 60 frames a second of rings
/// running down).
pub(crate) fn frame_ms(sim: &Sim) -> f64 {
    let quiet = sim.view.metrics.in_flight == 0 && sim.catching_up.is_none();
    min_frame_ms(quiet, sim.catching_up.is_some(), sim.effective_speed())
}

/// Where the animation loop keeps its pending frame.
type FrameSlot = Rc<std::cell::RefCell<Option<Pending>>>;

/// What the animation loop waits on; held only to be dropped, which cancels it.
#[allow(dead_code)]
enum Pending {
    /// A timer that requests the next animation frame when it fires.
    Timer(Timeout),
    /// The next animation frame.
    Frame(AnimationFrame),
}

/// Frames this far apart or more (ms, [`min_frame_ms`]) are waited for on a timer first.
const TIMER_FROM_MS: f64 = 25.0;

/// How much sooner than `min_ms` after the last drawn frame the rest timer may fire (ms): a
/// timer fires a little late as often as not.
const TIMER_EARLY_MS: f64 = 1.0;

/// One frame of a 60 Hz display (ms).
const VSYNC_MS: f64 = 1000.0 / 60.0;

/// The interval between two frames drawn at rest: `min_ms` (less 3 ms, as the animation frames
/// are counted) rounded up to whole 60 Hz frames, the spacing of frames drawn at the first
/// animation frame at least that long after the last (30 ms: every 33.3 ms; 48 ms: every 50).
pub fn rest_interval_ms(min_ms: f64) -> f64 {
    ((min_ms - 3.0) / VSYNC_MS).ceil().max(1.0) * VSYNC_MS
}

/// The rest timer's wait (ms), set when a frame's render is done (`now_ms`, wall clock): until
/// [`TIMER_EARLY_MS`] short of [`rest_interval_ms`] after the last drawn frame began
/// (`last_wall_ms`), so the animation frame requested then is due and draws; at once if that
/// time has passed or nothing was drawn yet.
pub fn rest_wait_ms(last_wall_ms: Option<f64>, now_ms: f64, min_ms: f64) -> f64 {
    last_wall_ms.map_or(0.0, |w| {
        (w + rest_interval_ms(min_ms) - TIMER_EARLY_MS - now_ms).max(0.0)
    })
}

/// A drawn frame: its animation frame's time stamp (the simulation's clock advances by the
/// difference of two) and the wall clock when its callback began (the rest timer counts from it).
#[derive(Debug, Clone, Copy)]
struct Drawn {
    ts: f64,
    wall_ms: f64,
}

/// Requests the next animation frame. It dispatches a [`SimAction::Frame`] with the wall time
/// since the last one; a frame sooner than `min_ms` after the last one (less 3 ms: animation
/// frames come every 16.7 ms, give or take) only requests its successor into `slot` (at most 8
/// in a row, whatever the clock says); with `min_ms` 0 it always draws.
fn request_frame(
    slot: FrameSlot,
    last: Rc<std::cell::RefCell<Option<Drawn>>>,
    dispatcher: UseReducerDispatcher<Sim>,
    min_ms: f64,
    skipped: u32,
) -> AnimationFrame {
    request_animation_frame(move |ts| {
        let prev = *last.borrow();
        let dt = prev.map_or(16.0, |p| ts - p.ts);
        if dt < min_ms - 3.0 && skipped < 8 {
            let next = request_frame(slot.clone(), last, dispatcher, min_ms, skipped + 1);
            *slot.borrow_mut() = Some(Pending::Frame(next));
            return;
        }
        let wall_ms = browser::now_ms();
        last.borrow_mut().replace(Drawn { ts, wall_ms });
        // The reducer reads no clock: it gets one, with this frame's deadline.
        let clock = Clock::new(browser::now_ms);
        let deadline_ms = clock.now() + FRAME_WORK_MS;
        dispatcher.dispatch(SimAction::Frame {
            wall_ms: dt,
            clock,
            deadline_ms,
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::stagger::STAGGER_BELOW_MS;

    /// At the default speed a frame is drawn about every 30 ms while messages fly (half the
    /// animation frames), every 48 ms when only timers move; at 10× and during a replay, every
    /// animation frame.
    #[test]
    fn slow_runs_draw_fewer_frames() {
        let default = 10f64.powf(crate::sim_driver::reducer::DEFAULT_SPEED_LOG);
        let busy = min_frame_ms(false, false, default);
        assert!((29.0..=31.0).contains(&busy), "{busy}");
        assert!(busy - 3.0 > 16.7, "skips every other animation frame");
        assert_eq!(min_frame_ms(true, false, default), QUIET_FRAME_MS);
        assert_eq!(min_frame_ms(false, false, 0.001), QUIET_FRAME_MS);
        assert!(
            min_frame_ms(false, false, 10.0) - 3.0 < 0.0,
            "every frame at 10×"
        );
        assert_eq!(min_frame_ms(false, true, default), 0.0);
        // The text panels take turns at 10× and during a replay, not at the default speed.
        assert!(min_frame_ms(false, false, default) > STAGGER_BELOW_MS);
        assert!(min_frame_ms(false, false, 10.0) < STAGGER_BELOW_MS);
        assert!(min_frame_ms(false, true, default) < STAGGER_BELOW_MS);
    }

    /// The rest timer fires when the next frame is due, counted from when the last one began,
    /// whatever its render took: never more than [`TIMER_EARLY_MS`] early (a frame drawn too
    /// soon), never later than due (a frame drawn late), and at once when the render itself
    /// took longer than the interval. Under either of Chromium's ways of running the animation
    /// frame requested then (at once, stamped with the vsync before; or at the next vsync)
    /// the frame that follows is due, so no animation frame is requested only to be skipped.
    /// The constant wait it replaced (the interval less 12 ms, from the end of the render)
    /// fired 18 ms after a frame at 30 ms: the frame that followed ran stamped 16.7 and was
    /// skipped. Frames keep the spacing of the skipping loop (whole 60 Hz frames).
    #[test]
    fn the_rest_timer_fires_when_the_frame_is_due() {
        let vsync = 50.0 / 3.0;
        assert!((rest_interval_ms(30.0) - 2.0 * vsync).abs() < 1e-9);
        assert!((rest_interval_ms(QUIET_FRAME_MS) - 3.0 * vsync).abs() < 1e-9);
        for min_ms in [25.0, 30.0, 36.0, 40.0, QUIET_FRAME_MS] {
            assert!(min_ms >= TIMER_FROM_MS);
            // The first 60 Hz frame at least `min_ms - 3` after the last, as the loop counts.
            let interval = rest_interval_ms(min_ms);
            assert!(interval >= min_ms - 3.0 && interval < min_ms - 3.0 + vsync);
            for began in [0.0, 5.0, 1234.5] {
                for render_ms in [0.0, 2.0, 5.0, 12.0, 24.0, 60.0] {
                    let done = began + render_ms;
                    let fires = done + rest_wait_ms(Some(began), done, min_ms);
                    let due = began + interval;
                    assert!(
                        fires >= due - TIMER_EARLY_MS - 1e-9,
                        "min {min_ms} ms, render {render_ms} ms: fires {} ms early",
                        due - fires
                    );
                    assert!(
                        fires <= due.max(done) + 1e-9,
                        "min {min_ms} ms, render {render_ms} ms: fires {} ms late",
                        fires - due.max(done)
                    );
                }
            }
        }
        assert_eq!(rest_wait_ms(None, 100.0, 30.0), 0.0, "first frame at once");
        let default = 10f64.powf(crate::sim_driver::reducer::DEFAULT_SPEED_LOG);
        assert!(min_frame_ms(false, false, default) >= TIMER_FROM_MS);
        assert!(min_frame_ms(true, false, default) >= TIMER_FROM_MS);
        assert!(min_frame_ms(false, false, 10.0) < TIMER_FROM_MS);
        assert!(min_frame_ms(false, true, default) < TIMER_FROM_MS);
        // Below this the timer would have nothing to skip.
        assert!(TIMER_FROM_MS - 3.0 > vsync);
    }
}
