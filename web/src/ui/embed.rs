//! The compact bar of an embedded (or `controls=minimal`) playground: play/pause, step,
//! restart, the clock, the leader, goal progress, and a way out to the full playground.

use yew::prelude::*;

use crate::browser;
use crate::sim_driver::{use_sim, SimAction};

/// The bar.
#[function_component(EmbedBar)]
pub fn embed_bar() -> Html {
    let sim = use_sim();
    let playing = sim.playing;
    let toggle = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::SetPlaying(!playing)))
    };
    let step = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Step))
    };
    let restart = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Restart))
    };
    let open_full = {
        let sim = sim.clone();
        Callback::from(move |_| {
            let mut run = sim.run();
            run.playing = false;
            let url = format!("{}#run={}", browser::page_base(), run.encode());
            if let Some(w) = web_sys::window() {
                let _ = w.open_with_url_and_target(&url, "_blank");
            }
        })
    };
    let dismiss = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Dismiss))
    };
    let m = &sim.view.metrics;
    let leader = match m.leader {
        Some(l) => format!("S{l} leads term {}", m.term),
        None => "no leader".to_string(),
    };
    html! {
        <>
            if let Some(text) = sim.notice.clone() {
                <div class="embed-notice" role="alert">
                    <span>{ text }</span>
                    <button class="btn small" onclick={dismiss} aria-label="Dismiss notice">{ "✕" }</button>
                </div>
            }
            <div class="embed-bar" role="toolbar" aria-label="Playback">
                <button class="btn primary play" onclick={toggle} disabled={sim.halted()}
                        aria-label={ if playing { "Pause" } else { "Play" } }>
                    { if playing { "❚❚" } else { "▶" } }
                </button>
                <button class="btn" onclick={step} aria-label="Step to next event" title="Process the next event">{ "⇥" }</button>
                <button class="btn" onclick={restart} aria-label="Restart" title="Back to the start">{ "⟲" }</button>
                <span class="embed-clock mono" data-testid="embed-clock">{ format!("{:.2} s", sim.view.now as f64 / 1000.0) }</span>
                <span class="embed-leader" data-testid="embed-leader">{ leader }</span>
                if let Some(g) = &sim.goals {
                    <span class={classes!("embed-goals", g.complete().then_some("met"))} title="Goals met">
                        { format!("{} {}/{}", if g.complete() { "✓" } else { "◎" }, g.done(), g.expect.len()) }
                    </span>
                }
                <button class="btn small embed-open" onclick={open_full} aria-label="Open in the playground" title="Open this run in the full playground">{ "Open ↗" }</button>
            </div>
        </>
    }
}
