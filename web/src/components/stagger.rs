//! The text panels taking turns while every animation frame is drawn (issue 14, frames): see
//! [`Stagger`]. The page (`app.rs`) decides when; the panels are given the state as a
//! [`Snap`] property.

use crate::components::Snap;
use crate::sim_driver::SimContext;

/// Below this shortest wall time between frames (`frame_loop::min_frame_ms`) every animation frame
/// is drawn, and the text panels take turns ([`Stagger`]).
pub const STAGGER_BELOW_MS: f64 = 13.0;

/// The text panels in two groups that take turns while every animation frame is drawn (at
/// high speeds and during a replay): the logs and the metrics in one, the safety panel and the
/// event log (with the space-time diagram) in the other. Each frame redraws the cluster, the
/// time bar and one group; the other shows the frame before. Under the busy run of
/// e2e/tests/perf.test.js (9 nodes, ~300 messages in flight, 10×) each group cost 2-4 ms of
/// main-thread work a frame, in a frame of about 11 (rendering with Yew, style, layout and
/// paint: the logs alone about 3.7 ms, measured by hiding them); taking turns, a panel is
/// redrawn 30 times a second instead of 60, at most one frame (17 ms) behind the cluster.
/// Anything else than a frame (an action, a pause, the run stopping) redraws both groups
/// at once, as does every frame at lower speeds, so a paused page always shows one moment.
///
/// Each group's panels are given the state as a [`Snap`] property: a group not redrawn is
/// given the snapshot it had, which compares equal, so Yew skips its components.
pub struct Stagger {
    /// The frame number ([`crate::sim_driver::Sim::frame`]) of the last render.
    frame: u64,
    /// Renders so far, and the render at which each group was last redrawn.
    renders: u64,
    redrawn: [u64; 2],
    /// The state each group shows.
    shown: [Snap; 2],
}

impl Stagger {
    /// Both groups showing `sim` as it is now.
    pub fn new(sim: &SimContext) -> Self {
        Stagger {
            frame: sim.frame,
            renders: 0,
            redrawn: [0, 0],
            shown: [Snap::of(sim), Snap::of(sim)],
        }
    }

    /// The state each group shows in this render of `sim`; `stagger`: frames are drawn at
    /// every animation frame.
    pub fn shown(&mut self, sim: &SimContext, stagger: bool) -> [Snap; 2] {
        self.renders += 1;
        let fresh = fresh_groups(stagger, sim.frame != self.frame, self.redrawn);
        self.frame = sim.frame;
        for (g, f) in fresh.into_iter().enumerate() {
            if f {
                self.shown[g] = Snap::of(sim);
                self.redrawn[g] = self.renders;
            }
        }
        self.shown.clone()
    }
}

/// Which of the two panel groups a render redraws ([`Stagger`]): both, unless frames take
/// turns (`stagger`) and the render is a frame's; then the group redrawn longer ago (the first
/// on a tie). `redrawn`: the render at which each group was last redrawn.
pub fn fresh_groups(stagger: bool, frame_render: bool, redrawn: [u64; 2]) -> [bool; 2] {
    if !stagger || !frame_render {
        [true, true]
    } else if redrawn[0] <= redrawn[1] {
        [true, false]
    } else {
        [false, true]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While frames take turns, each frame redraws one panel group, the two alternately, so
    /// neither is more than one frame behind; anything else (or frames not taking turns)
    /// redraws both.
    #[test]
    fn panel_groups_take_turns_only_while_every_frame_is_drawn() {
        let mut redrawn = [0u64, 0];
        let mut groups = Vec::new();
        for render in 1..=6 {
            let fresh = fresh_groups(true, true, redrawn);
            assert_eq!(fresh.iter().filter(|&&f| f).count(), 1, "{fresh:?}");
            for g in 0..2 {
                if fresh[g] {
                    redrawn[g] = render;
                    groups.push(g);
                }
            }
            assert!(
                redrawn.iter().all(|&r| render - r <= 1),
                "{redrawn:?} at {render}"
            );
        }
        assert_eq!(groups, [0, 1, 0, 1, 0, 1]);
        assert_eq!(fresh_groups(true, false, redrawn), [true, true]);
        assert_eq!(fresh_groups(false, true, redrawn), [true, true]);
        assert_eq!(fresh_groups(false, false, [5, 0]), [true, true]);
    }
}
