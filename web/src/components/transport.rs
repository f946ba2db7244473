//! The top bar: title, play/pause, step, speed and the timeline scrubber.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::sim_driver::driver::{
    CHECKPOINT_BUDGET_BYTES, CHECKPOINT_EVERY_MS, OLD_CHECKPOINT_EVERY_MS, RECENT_MS,
};
use crate::sim_driver::{use_sim, FastStart, Sim, SimAction, FIRST_ELECTION_SPEEDUP};

/// "0.05×", "2×", "1/1000×".
pub fn speed_label(speed: f64) -> String {
    if speed < 0.0015 {
        "1/1000×".to_string()
    } else if speed < 0.1 {
        format!("{:.3}×", speed)
    } else if speed < 1.0 {
        format!("{:.2}×", speed)
    } else {
        format!("{:.1}×", speed)
    }
}

/// What the page says during a fast start ([`crate::sim_driver::FastStart`]).
pub fn fast_start_note(f: FastStart) -> String {
    let mut s = format!(
        "Fast start: the first {} ms, in which every node only waited for its election timer, were skipped (drag Time back to 0 to watch them).",
        f.skipped_ms
    );
    if f.speedup {
        s.push_str(&format!(
            " This first election plays at {FIRST_ELECTION_SPEEDUP}× the chosen speed."
        ));
    }
    s
}

/// The fast start's note, shown until the person changes something.
#[function_component(FastStartNote)]
pub fn fast_start_note_view() -> Html {
    let sim = use_sim();
    match sim.fast_start {
        Some(f) => html! {
            <p class="hint block fast-start" data-testid="fast-start">{ fast_start_note(f) }</p>
        },
        None => html! {},
    }
}

/// A virtual time as minutes and seconds: "12:34".
pub fn min_sec(ms: u64) -> String {
    format!("{}:{:02}", ms / 60_000, ms / 1000 % 60)
}

/// The time readout's tooltip: actions recorded, and how far back time travel reaches.
fn timeline_title(sim: &Sim) -> String {
    let kept = sim.checkpoints();
    let (cp_bytes, world_bytes) = sim.memory_estimate();
    let back = if sim.earliest > 0 {
        format!(
            "Any time back to 0 can be revisited; before {} virtual a seek replays the run from its start (older checkpoints made room for newer ones)",
            min_sec(sim.earliest)
        )
    } else {
        "Any time back to 0 can be revisited".to_string()
    };
    format!(
        "{} recorded actions on this timeline. {back}: the page keeps {kept} checkpoints (about {:.1} MB; at most {} MB), one every {} virtual s for the last {} s and one every {} s before, and replays from the nearest. The simulated world itself holds about {:.1} MB.",
        sim.timeline_len(),
        cp_bytes as f64 / 1e6,
        CHECKPOINT_BUDGET_BYTES / (1024 * 1024),
        CHECKPOINT_EVERY_MS / 1000,
        RECENT_MS / 1000,
        OLD_CHECKPOINT_EVERY_MS / 1000,
        world_bytes as f64 / 1e6,
    )
}

/// A replay under way (a long run reopened, a seek), with its progress; shown above the
/// cluster, which meanwhile shows how far the replay got.
#[function_component(ReplayNote)]
pub fn replay_note() -> Html {
    let sim = use_sim();
    match sim.catching_up {
        Some((at, to)) => html! {
            <p class="hint block replaying" role="status" data-testid="replaying">
                { format!("Replaying the run to {:.1} s from its nearest checkpoint… ", to as f64 / 1000.0) }
                <progress max={to.max(1).to_string()} value={at.to_string()} aria-label="Replaying the run"></progress>
            </p>
        },
        None => html! {},
    }
}

/// Play controls and the timeline.
#[function_component(Transport)]
pub fn transport() -> Html {
    let sim = use_sim();
    let v = &sim.view;
    let playing = sim.playing;
    let halted = sim.halted();

    let toggle = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::SetPlaying(!playing)))
    };
    let step = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Step))
    };
    let on_speed = {
        let sim = sim.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(x) = input.value().parse::<f64>() {
                sim.dispatch(SimAction::SetSpeed(x));
            }
        })
    };
    // Scrubbing replays the run, so it happens when the thumb is let go (or on each key press).
    // Dragging the time slider previews: each move seeks (a seek replays from the nearest
    // checkpoint, spread over frames), and the thumb stays where the finger is (`drag`) even
    // while the replay catches up; letting go ends the drag.
    let drag = use_state(|| None::<u64>);
    let on_seek = {
        let sim = sim.clone();
        let drag = drag.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            drag.set(None);
            if let Ok(t) = input.value().parse::<f64>() {
                sim.dispatch(SimAction::Seek(t.max(0.0) as u64));
            }
        })
    };
    let on_drag = {
        let sim = sim.clone();
        let drag = drag.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(t) = input.value().parse::<f64>() {
                let t = t.max(0.0) as u64;
                drag.set(Some(t));
                sim.dispatch(SimAction::Seek(t));
            }
        })
    };
    let live = {
        let sim = sim.clone();
        let horizon = sim.horizon;
        Callback::from(move |_| sim.dispatch(SimAction::Seek(horizon)))
    };
    let in_past = v.now < sim.horizon;

    html! {
        <header class="topbar">
            <div class="brand">
                <h1>{ "Raft playground" }</h1>
                <span class="seed mono" title="Seed of this run">{ format!("seed {}", sim.settings.seed) }</span>
            </div>
            <div class="transport">
                <button class={classes!("btn", "primary", "play")} onclick={toggle} disabled={halted}
                        aria-label={ if playing { "Pause" } else { "Play" } }>
                    { if playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button class="btn" onclick={step} aria-label="Step to next event" title="Process the next event">
                    { "Step ⇥" }
                </button>
                <label class="slider speed">
                    <span>{ "Speed" }</span>
                    <input type="range" min="-3" max="1" step="0.05" value={sim.speed_log.to_string()}
                           aria-label="Speed" aria-valuetext={speed_label(sim.speed())} oninput={on_speed} />
                    <output class="mono">{ speed_label(sim.speed()) }</output>
                </label>
                <label class="slider timeline">
                    <span>{ "Time" }</span>
                    <input type="range" min="0" max={sim.horizon.max(1).to_string()} step="1"
                           value={drag.unwrap_or(v.now).to_string()} aria-label="Timeline" oninput={on_drag}
                           aria-valuetext={format!("{} ms of {} ms", v.now, sim.horizon)} onchange={on_seek} />
                    <output class="mono" title={timeline_title(&sim)}>{ format!("{:.2} s", v.now as f64 / 1000.0) }</output>
                </label>
                if sim.earliest > 0 {
                    <span class="history-from mono" data-testid="history-from"
                          title="Time travel is quick from this virtual time on (a checkpoint at most a minute back); older checkpoints made room for newer ones, so a seek before it replays the run from its start">
                        { format!("quick travel from {}", min_sec(sim.earliest)) }
                    </span>
                }
                if in_past {
                    <button class="btn" onclick={live} title="Jump to the latest time">{ "Latest" }</button>
                }
            </div>
        </header>
    }
}
