//! The lesson panel: the lesson's steps with their live goals (✓ when met), the buttons the
//! current step offers, and completion. For a scenario opened from a file it lists the
//! scenario's expectations instead. Both end with the client history's linearizability
//! verdict, judged as `raft-sim run` judges it.

use raft_sim::linearizability::Verdict;
use yew::prelude::*;

use crate::lessons::{self, goal_text, Goals, Lesson};
use crate::open;
use crate::sim_driver::{use_sim, SimAction};

/// How a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepState {
    /// Done.
    Done,
    /// Being worked on.
    Current,
    /// Not reached yet.
    Later,
}

/// The state of every step: a step with a goal is done once its goal is met and current when
/// its goal is the first unmet one; a reading step is done once the next goal is met, and
/// current once every goal before it is met.
pub fn step_states(lesson: &Lesson, goals: &Goals) -> Vec<StepState> {
    let steps = &lesson.file.steps;
    let met = |g: usize| goals.met.get(g).is_some_and(|m| m.is_some());
    let current = goals.current();
    steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let (done, reached) = match s.goal {
                Some(g) => (met(g), current == Some(g)),
                None => {
                    let next = steps[k..].iter().find_map(|s| s.goal);
                    let prev = steps[..k].iter().rev().find_map(|s| s.goal);
                    (next.is_none_or(met), prev.is_none_or(met))
                }
            };
            if done {
                StepState::Done
            } else if reached {
                StepState::Current
            } else {
                StepState::Later
            }
        })
        .collect()
}

/// The verdict line: ✓ proven linearizable, ✗ not linearizable, ? undecided (not a pass).
pub fn verdict_line(v: &Verdict) -> (&'static str, &'static str, String) {
    match v {
        // Nothing to check is not a pass (a newcomer read the green tick before any request).
        Verdict::Linearizable(s) if s.ops == 0 => (
            "empty",
            "·",
            "No client operations yet: the history is checked once there are some".to_string(),
        ),
        Verdict::Linearizable(s) => (
            "met",
            "✓",
            format!("Client history linearizable ({} operations)", s.ops),
        ),
        Verdict::NotLinearizable(e) => ("failed", "✗", format!("Client history {e}")),
        Verdict::Undecided(_) => ("undecided", "?", format!("{v}: not a pass")),
    }
}

/// The panel.
#[function_component(LessonPanel)]
pub fn lesson_panel() -> Html {
    let sim = use_sim();
    // The search is roughly linear in the history: too much for every frame of a long run. It
    // is rechecked on a new run or a new action, and otherwise once per virtual second, or less
    // often as the history grows (once per second per thousand operations), so the cost per
    // virtual second stays flat.
    let verdict = {
        let every_ms = 1_000 * (1 + sim.history_len() as u64 / 1_000);
        let key = (sim.generation, sim.timeline_len(), sim.view.now / every_ms);
        let sim = sim.clone();
        use_memo(key, move |_| sim.history_verdict())
    };
    let history = {
        let (cls, mark, text) = verdict_line(&verdict);
        html! {
            <p class={classes!("history-verdict", cls)} role="status" data-testid="history-verdict">
                <span class="mark" aria-hidden="true">{ mark }</span>{ text }
            </p>
        }
    };
    // When the last goal is met, the panel scrolls to its end: the sticky "Lesson complete" bar
    // covered the goal just met while the panel was scrolled up (newcomer review).
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        let complete = sim.goals.as_ref().is_some_and(|g| g.complete());
        use_effect_with(complete, move |&complete| {
            if let Some(el) = panel.cast::<web_sys::Element>().filter(|_| complete) {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    let Some(goals) = sim.goals.clone() else {
        return Html::default();
    };
    let restart = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Restart))
    };
    let done = goals.done();
    let total = goals.expect.len();
    let complete = goals.complete();
    let progress = html! {
        <div class="lesson-progress" role="progressbar" aria-label="Goals met" aria-valuemin="0"
             aria-valuemax={total.to_string()} aria-valuenow={done.to_string()}>
            <div class="bar" style={format!("width: {}%", (done * 100).checked_div(total).unwrap_or(100))} />
        </div>
    };

    let Some(lesson) = sim.lesson.clone() else {
        // A scenario's expectations, each checked on its own.
        let meta = sim.scenario.clone();
        let name = meta.as_ref().map_or(String::new(), |m| m.name.clone());
        let items = goals.expect.iter().zip(&goals.met).zip(&goals.failed).map(|((e, m), &failed)| {
            html! {
                <li class={classes!("goal", m.is_some().then_some("met"), failed.then_some("failed"))}>
                    <span class="mark" aria-hidden="true">{ if m.is_some() { "✓" } else if failed { "✗" } else { "○" } }</span>
                    <span>{ crate::lessons::people_names(&e.describe()) }
                        if let Some(t) = m { <span class="hint">{ format!(" · seen at {t} ms") }</span> }
                    </span>
                </li>
            }
        });
        return html! {
            <section class="panel lesson-panel" aria-label="Scenario expectations">
                <header class="lesson-head">
                    <h2>{ format!("Scenario: {name}") }<span class="hint">{ format!("{done} of {total} expectations seen") }</span></h2>
                    <button class="btn small" onclick={restart} aria-label="Restart scenario">{ "⟲ Restart" }</button>
                </header>
                { progress }
                if let Some(d) = meta.as_ref().filter(|m| !m.description.is_empty()) {
                    <p class="lesson-summary">{ d.description.clone() }</p>
                }
                <ul class="goals">{ for items }</ul>
                { history }
            </section>
        };
    };

    let states = step_states(&lesson, &goals);
    let halted = sim.halted();
    let steps = lesson.file.steps.iter().zip(&states).enumerate().map(|(k, (step, &state))| {
        let buttons = step.buttons.iter().map(|b| {
            let actions = b.all();
            let sim = sim.clone();
            let onclick = Callback::from(move |_| sim.dispatch(SimAction::ActAll(actions.clone())));
            html! { <button class="btn small" {onclick} aria-label={b.label.clone()} disabled={halted}>{ b.label.clone() }</button> }
        });
        let goal = step.goal.and_then(|g| goals.expect.get(g).map(|e| (g, e)));
        let cls = match state {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Later => "later",
        };
        html! {
            <li class={classes!("step", cls)} aria-current={(state == StepState::Current).then_some("step")}>
                <span class="step-mark" aria-hidden="true">{ match state { StepState::Done => "✓".to_string(), _ => (k + 1).to_string() } }</span>
                <div class="step-body">
                    <p>{ step.text.clone() }</p>
                    if let Some((g, e)) = goal {
                        <p class={classes!("goal", goals.met[g].is_some().then_some("met"))} data-testid={format!("goal-{g}")}>
                            <span class="mark" aria-hidden="true">{ if goals.met[g].is_some() { "✓" } else { "◎" } }</span>
                            { format!("Goal: {}", goal_text(e)) }
                            if let Some(t) = goals.met[g] { <span class="hint">{ format!(" · met at {:.2} s", t as f64 / 1000.0) }</span> }
                        </p>
                    }
                    if state == StepState::Current && !step.buttons.is_empty() {
                        <div class="buttons">{ for buttons }</div>
                    }
                </div>
            </li>
        }
    });
    let next = lessons::BUILT_IN
        .iter()
        .position(|(n, _, _)| *n == lesson.name)
        .and_then(|k| lessons::BUILT_IN.get(k + 1))
        .and_then(|(n, _, _)| lessons::built_in(n).ok());
    let unsafe_switches = {
        let b = &lesson.scenario.options.break_it;
        [
            ("commit_old_terms", b.commit_old_terms),
            ("skip_up_to_date_check", b.skip_up_to_date_check),
            ("forget_vote_on_restart", b.forget_vote_on_restart),
            ("stale_reads", b.stale_reads),
            ("lose_unsynced_writes", b.lose_unsynced_writes),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| n)
        .collect::<Vec<_>>()
    };
    html! {
        <section ref={panel} class={classes!("panel", "lesson-panel", complete.then_some("complete"))} aria-label="Lesson">
            <header class="lesson-head">
                <h2>{ "Lesson" }<span class="hint" data-testid="lesson-progress">{ format!("{done} of {total} goals") }</span></h2>
                <button class="btn small" onclick={restart} aria-label="Restart lesson">{ "⟲ Restart" }</button>
            </header>
            <h3 class="lesson-title">{ lesson.file.title.clone() }</h3>
            if !unsafe_switches.is_empty() {
                <p class="unsafe-banner" role="note">
                    <strong>{ "⚠ UNSAFE: " }</strong>
                    { format!("this cluster runs with {} switched on, a deliberate bug. Never in production.", unsafe_switches.join(", ")) }
                </p>
            }
            <p class="lesson-summary">{ lesson.file.summary.clone() }</p>
            { progress }
            <ol class="steps">{ for steps }</ol>
            { history }
            if complete {
                <div class="lesson-done" role="status" data-testid="lesson-complete">
                    <strong>{ "✓ Lesson complete" }</strong>
                    if let Some(n) = next {
                        <button class="btn primary small" aria-label={format!("Next lesson: {}", n.file.title)}
                                onclick={ let sim = sim.clone(); Callback::from(move |_| sim.dispatch(SimAction::Load(Box::new(open::lesson_request(n.clone()))))) }>
                            { "Next lesson →" }
                        </button>
                    }
                </div>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_steps_follow_the_goals_around_them() {
        let l = lessons::built_in("minority-leader").unwrap();
        let mut g = Goals::new(l.goals().to_vec(), true);
        use StepState::*;
        assert_eq!(step_states(&l, &g), vec![Current, Current, Later, Later]);
        g.met[0] = Some(900);
        assert_eq!(step_states(&l, &g), vec![Done, Done, Current, Later]);
        g.met[1] = Some(900);
        g.met[2] = Some(3000);
        assert_eq!(step_states(&l, &g), vec![Done, Done, Done, Done]);
    }

    /// The page says what `raft-sim run` says: undecided is shown as such, never as met.
    #[test]
    fn the_verdict_line_never_shows_undecided_as_met() {
        use raft_sim::linearizability::{CheckStats, Key};
        let stats = CheckStats {
            keys: 1,
            ops: 7,
            steps: 1,
            unknown_keys: vec![Key::Kv("k1".into())],
        };
        let (cls, mark, text) = verdict_line(&Verdict::Undecided(stats.clone()));
        assert_eq!((cls, mark), ("undecided", "?"));
        assert!(
            text.contains("undecided") && text.contains("not a pass"),
            "{text}"
        );
        let proven = CheckStats {
            unknown_keys: vec![],
            ..stats
        };
        let (cls, _, text) = verdict_line(&Verdict::Linearizable(proven.clone()));
        assert_eq!(cls, "met");
        assert!(text.contains("7 operations"), "{text}");
        let (cls, mark, _) = verdict_line(&Verdict::Linearizable(CheckStats { ops: 0, ..proven }));
        assert_eq!(
            (cls, mark),
            ("empty", "·"),
            "an empty history is not shown as a pass"
        );
    }
}
