//! "Start here": a first-visit walkthrough for someone who has never heard of Raft. A few short
//! steps on the live cluster (the words name what is on screen right now: who leads, in which
//! term, what is in flight), skippable at any step and remembered once finished or skipped
//! (`browser::WALKTHROUGH_KEY`). It appears only on a plain visit (no link, lesson or scenario
//! in the address) of the full page, never in an embed.

use yew::prelude::*;

use crate::browser;
use crate::sim_driver::use_sim;
use crate::view_model::{name, ViewModel};

/// The steps: a title and the words, given the cluster as it is now.
pub fn steps(v: &ViewModel) -> Vec<(&'static str, String)> {
    let n = v.nodes.len();
    let leader = match v.metrics.leader {
        Some(l) => format!(
            "Right now {} leads term {}: the star marks it.",
            name(l),
            v.metrics.term
        ),
        None => "Right now nobody leads: an election is due.".to_string(),
    };
    vec![
        (
            "A cluster of servers",
            format!(
                "These {n} circles are servers, S1 to S{n}. Together they keep one log of commands in the same order, \
                 so that they agree on it even when some of them crash or the network fails. Raft is the set of rules \
                 that makes them agree."
            ),
        ),
        (
            "Terms and roles",
            format!(
                "Time is cut into terms, each with at most one leader. Everyone else is a follower. {leader} \
                 The ring around a follower is its election timer: if it runs out before the leader is heard from, \
                 the follower becomes a candidate and asks the others for their votes."
            ),
        ),
        (
            "Messages",
            format!(
                "The dots travelling along the lines are messages ({} in flight now): votes and pre-votes are purple, \
                 log entries blue, heartbeats green. A leader's heartbeats keep the followers' timers from running out; \
                 an entry counts as committed once a majority holds it.",
                v.metrics.in_flight
            ),
        ),
        (
            "Your turn",
            "Click the leader and press Crash (or press C): watch the timers run out and a new leader be elected. \
             The Lessons menu walks through more, and ? lists the keyboard shortcuts."
                .to_string(),
        ),
    ]
}

/// Properties of [`Walkthrough`].
#[derive(Properties, PartialEq)]
pub struct WalkthroughProps {
    /// Shown at all (a plain first visit).
    pub show: bool,
}

/// The walkthrough card, above the page's panels.
#[function_component(Walkthrough)]
pub fn walkthrough(p: &WalkthroughProps) -> Html {
    let sim = use_sim();
    let open = use_state(|| p.show);
    let step = use_state(|| 0usize);
    if !*open {
        return Html::default();
    }
    let all = steps(&sim.view);
    let k = (*step).min(all.len() - 1);
    let (title, text) = &all[k];
    let close = {
        let open = open.clone();
        Callback::from(move |_| {
            browser::set_walkthrough_seen();
            open.set(false);
            // The card's button goes away with it: the focus goes to the first node (Enter
            // selects it, C crashes it), not back to the top of the page.
            browser::focus_first("g[data-node]");
        })
    };
    let go = |to: usize| {
        let step = step.clone();
        Callback::from(move |_| step.set(to))
    };
    let last = k + 1 == all.len();
    html! {
        <section class="walkthrough panel" aria-labelledby="walkthrough-title" data-testid="walkthrough">
            <div class="walkthrough-head">
                <h2 id="walkthrough-title">{ "Start here" }<span class="hint">{ format!("{} of {}", k + 1, all.len()) }</span></h2>
                if !last {
                    <button class="btn small" onclick={close.clone()}>{ "Skip" }</button>
                }
            </div>
            <h3 class="walkthrough-title">{ *title }</h3>
            <p class="walkthrough-text">{ text.clone() }</p>
            <div class="buttons">
                if k > 0 {
                    <button class="btn" onclick={go(k - 1)}>{ "Back" }</button>
                }
                if last {
                    <button class="btn primary" onclick={close}>{ "Done" }</button>
                } else {
                    <button class="btn primary" onclick={go(k + 1)}>{ "Next" }</button>
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::{build, ViewInputs};

    #[test]
    fn the_steps_name_what_is_on_screen() {
        let mut w = raft_sim::World::new(raft_sim::SimOptions {
            seed: 42,
            keep_trace: false,
            ..Default::default()
        })
        .unwrap();
        let inputs = |w: &raft_sim::World| ViewInputs {
            display_now: w.now() as f64,
            animate: false,
            msgs_per_sec: 0.0,
        };
        let before = steps(&build(&w, inputs(&w)));
        assert_eq!(before.len(), 4);
        assert!(before[0].1.contains("S1 to S5"), "{}", before[0].1);
        assert!(before[1].1.contains("nobody leads"), "{}", before[1].1);
        w.run_until(10_000, |w| w.leader().is_some());
        let l = w.leader().expect("a leader");
        let after = steps(&build(&w, inputs(&w)));
        assert!(
            after[1].1.contains(&format!("S{l} leads term")),
            "{}",
            after[1].1
        );
    }
}
