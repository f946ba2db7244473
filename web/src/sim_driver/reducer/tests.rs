//! The reducer's tests: frames, deadlines, the fast start, seeks and actions.

use std::cell::Cell;

use super::*;

/// A page at 10× speed (a 16 ms frame is 160 virtual ms), as the reducer sees it.
fn page(seed: u64) -> Rc<Sim> {
    Rc::new(Sim::new(ResetSettings::fresh(seed), true)).reduce(SimAction::SetSpeed(1.0))
}

fn frame(clock: &Clock, deadline_ms: f64) -> SimAction {
    SimAction::Frame {
        wall_ms: 16.0,
        clock: clock.clone(),
        deadline_ms,
    }
}

fn fingerprint(s: &Sim) -> (u64, u64, Option<NodeId>, Vec<String>) {
    let d = s.driver.borrow();
    (
        d.world().now(),
        d.world().trace_hash(),
        d.world().leader(),
        s.events
            .iter()
            .map(|l| format!("{} {}", l.t, l.text))
            .collect(),
    )
}

/// The reducer needs no browser: frames with a clock that never reaches the deadline
/// advance the world by wall time × speed, the same way every time.
#[test]
fn frames_advance_the_world_deterministically_without_a_browser() {
    let run = || {
        let clock = Clock::stopped(0.0);
        let mut s = page(7);
        for _ in 0..100 {
            s = s.reduce(frame(&clock, FRAME_WORK_MS));
        }
        s
    };
    let (a, b) = (run(), run());
    assert_eq!(a.frame, 100);
    assert_eq!(a.view.now, 16_000, "100 frames of 16 ms at 10×");
    assert!(!a.lagging);
    assert!(a.view.metrics.leader.is_some(), "a leader within 16 s");
    assert_eq!(fingerprint(&a), fingerprint(&b));
}

/// A frame stops its work once the clock it was handed reads past its deadline (asked
/// every 16 events), between two virtual milliseconds; the world lags and catches up later.
#[test]
fn a_frame_stops_at_its_deadline() {
    // Every reading is a millisecond later than the one before.
    let t = Rc::new(Cell::new(0.0));
    let ticking = {
        let t = t.clone();
        Clock::new(move || {
            t.set(t.get() + 1.0);
            t.get()
        })
    };
    let late = page(7).reduce(SimAction::Frame {
        wall_ms: 100.0,
        clock: ticking.clone(),
        deadline_ms: 0.0,
    });
    assert!(late.lagging, "the frame stopped early");
    assert!(late.view.now < 1_000, "short of 100 ms × 10");
    assert!(t.get() >= 1.0, "the reducer read the clock it was given");

    let on_time = page(7).reduce(SimAction::Frame {
        wall_ms: 100.0,
        clock: Clock::stopped(0.0),
        deadline_ms: FRAME_WORK_MS,
    });
    assert!(!on_time.lagging);
    assert_eq!(on_time.view.now, 1_000);
}

/// Acting in the past drops the old future; the page says so (a newcomer saw the timeline
/// shrink from 4.1 s to 2.1 s without a word). Acting at the present says nothing.
#[test]
fn acting_in_the_past_says_the_future_is_gone() {
    let mut s = page(7);
    for _ in 0..50 {
        s = s.reduce(frame(&Clock::stopped(0.0), FRAME_WORK_MS));
    }
    let s = s.reduce(SimAction::SetPlaying(false));
    let at_present = s.clone().reduce(SimAction::Act(Action::Crash { node: 2 }));
    assert_eq!(at_present.notice, None);
    let s = s
        .reduce(SimAction::Seek(3_000))
        .reduce(SimAction::Act(Action::Crash { node: 2 }));
    assert_eq!(
        s.notice.as_deref(),
        Some("A new timeline from 3000 ms: what happened after it (up to 8000 ms) is gone.")
    );
    assert_eq!(s.horizon, 3_000);
}

#[test]
fn a_paused_run_ignores_frames() {
    let paused = page(7).reduce(SimAction::SetPlaying(false));
    let after = paused
        .clone()
        .reduce(frame(&Clock::stopped(0.0), FRAME_WORK_MS));
    assert!(Rc::ptr_eq(&paused, &after), "no new state, no re-render");
}

/// A fresh page at the default speed shows its first leader about a second after load:
/// the quiet clock is skipped and the first election plays at twice the speed, then the
/// chosen speed is back.
#[test]
fn fast_start_shows_the_first_leader_within_about_a_second() {
    let first_leader_wall_ms = |fast: bool| {
        let clock = Clock::stopped(0.0);
        let mut s = Rc::new(Sim::new(ResetSettings::fresh(42), true));
        if fast {
            s = s.reduce(SimAction::FastStart);
            assert!(s
                .fast_start
                .is_some_and(|f| f.speedup && f.skipped_ms > 100));
            assert_eq!(s.view.now, s.fast_start.unwrap().skipped_ms);
        }
        let mut wall = 0;
        while s.view.metrics.leader.is_none() {
            s = s.reduce(frame(&clock, FRAME_WORK_MS));
            wall += 16;
            assert!(wall < 60_000, "no leader in a minute");
        }
        if fast {
            let f = s.fast_start.expect("still explained");
            assert!(
                !f.speedup,
                "back to the chosen speed once there is a leader"
            );
            assert_eq!(s.effective_speed(), s.speed());
        }
        wall
    };
    let slow = first_leader_wall_ms(false);
    let fast = first_leader_wall_ms(true);
    assert!(
        fast <= 1_200,
        "first leader {fast} ms of frames after load (without: {slow})"
    );
    assert!(slow > 3_000, "without the fast start it took {slow} ms");
}

#[test]
fn fast_start_ends_when_the_person_acts() {
    let s = Rc::new(Sim::new(ResetSettings::fresh(42), true)).reduce(SimAction::FastStart);
    assert!(s.fast_start.is_some());
    let s = s.reduce(SimAction::SetSpeed(0.0));
    assert_eq!(s.fast_start, None);
    assert_eq!(s.effective_speed(), 1.0);
}

/// Opening a long run (a link, the browser's storage) shows it at once and replays the
/// rest in frames of bounded work, paused or not; what the page would store meanwhile is
/// the run as opened, and the end is the run as it was.
#[test]
fn opening_a_long_run_replays_it_in_frames_even_when_paused() {
    let clock = Clock::stopped(0.0);
    let mut s = page(5).reduce(SimAction::Act(Action::ClientLoad { on: true }));
    for _ in 0..500 {
        s = s.reduce(frame(&clock, FRAME_WORK_MS));
    }
    let mut run = s.run();
    run.playing = false;
    let target = run.now;
    assert!(target > 40_000, "{target}");
    let mut o = Rc::new(Sim::new(ResetSettings::fresh(1), true)).reduce(SimAction::Load(Box::new(
        LoadRequest {
            run: run.clone(),
            lesson: None,
            notice: None,
            recorded: None,
        },
    )));
    assert!(!o.playing);
    assert!(o.catching_up.is_some(), "not replayed in one go");
    // A clock that reads one ms later at every look: each frame stops at its deadline.
    let t = Rc::new(Cell::new(0.0));
    let ticking = {
        let t = t.clone();
        Clock::new(move || {
            t.set(t.get() + 1.0);
            t.get()
        })
    };
    let mut frames = 0;
    while let Some((at, to)) = o.catching_up {
        assert_eq!(to, target);
        assert_eq!(o.view.now, at, "the page shows how far the replay got");
        assert_eq!(o.run().now, target, "storage keeps the run as opened");
        let deadline = ticking.now() + FRAME_WORK_MS;
        o = o.reduce(frame(&ticking, deadline));
        frames += 1;
        assert!(frames < 10_000);
    }
    assert!(frames > 2, "{frames} frames");
    assert_eq!(o.view.now, target);
    assert_eq!(fingerprint(&o).1, fingerprint(&s).1, "the same world");
    assert!(!o.playing, "still paused");
}

#[test]
fn clocks_are_equal_only_to_themselves() {
    let c = Clock::stopped(1.0);
    assert_eq!(c, c.clone());
    assert_ne!(c, Clock::stopped(1.0));
    assert_eq!(c.now(), 1.0);
}
