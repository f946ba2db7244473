//! The page: layout, the animation loop and the browser listeners (tab visibility, motion
//! preference). The simulation itself lives in [`crate::sim_driver`].

use gloo_events::EventListener;
use gloo_render::{request_animation_frame, AnimationFrame};
use yew::prelude::*;

use crate::components::cluster::Cluster;
use crate::components::controls::Controls;
use crate::components::event_log::EventLog;
use crate::components::logs::Logs;
use crate::components::metrics::Metrics;
use crate::components::notice::Notice;
use crate::components::safety::Safety;
use crate::components::transport::Transport;
use crate::sim_driver::{ResetSettings, Sim, SimAction, SimContext};

const REDUCED_MOTION: &str = "(prefers-reduced-motion: reduce)";

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(REDUCED_MOTION).ok().flatten())
        .is_some_and(|m| m.matches())
}

fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// A seed from the browser's `crypto.getRandomValues`; a fixed one if the browser refuses (a
/// seed only has to be replayable, not secret). Kept below 2^53 so it survives a round trip
/// through a text field and JavaScript numbers.
fn fresh_seed() -> u64 {
    getrandom::u64().unwrap_or(0x5EED) % 1_000_000
}

/// The whole page. Owns the simulation reducer and provides it as a context.
#[function_component(App)]
pub fn app() -> Html {
    let sim = use_reducer(|| {
        Sim::new(
            ResetSettings {
                seed: fresh_seed(),
                nodes: 5,
                pre_vote: true,
                check_quorum: true,
            },
            !prefers_reduced_motion(),
        )
    });
    let hidden = use_state(document_hidden);

    // Tab visibility: a hidden page does no work at all (the loop below stops).
    {
        let hidden = hidden.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                EventListener::new(&doc, "visibilitychange", move |_| {
                    hidden.set(document_hidden())
                })
            });
            move || drop(listener)
        });
    }
    // Motion preference, followed live.
    {
        let dispatcher = sim.dispatcher();
        use_effect_with((), move |()| {
            let mql = web_sys::window().and_then(|w| w.match_media(REDUCED_MOTION).ok().flatten());
            let listener = mql.map(|m| {
                EventListener::new(&m, "change", move |_| {
                    dispatcher.dispatch(SimAction::SetAnimate(!prefers_reduced_motion()))
                })
            });
            move || drop(listener)
        });
    }

    let running = sim.playing && !*hidden && !sim.halted();
    html! {
        <ContextProvider<SimContext> context={sim.clone()}>
            <AnimationLoop {running} />
            <div class="app">
                <Transport />
                <Notice />
                <main class="grid">
                    <section class="panel controls-panel" aria-label="Controls">
                        <Controls />
                    </section>
                    <section class="panel cluster-panel" aria-labelledby="cluster-title">
                        <h2 id="cluster-title" class="visually-hidden">{ "Cluster" }</h2>
                        <Cluster />
                        <Metrics />
                    </section>
                    <section class="side">
                        <Logs />
                        <Safety />
                        <EventLog />
                    </section>
                </main>
            </div>
        </ContextProvider<SimContext>>
    }
}

/// Properties of [`AnimationLoop`].
#[derive(Properties, PartialEq)]
pub struct LoopProps {
    /// Whether frames should be requested at all.
    pub running: bool,
}

/// The animation loop: one `requestAnimationFrame` at a time, re-armed after each rendered frame.
/// The pending frame lives in the effect's cleanup, so pausing, hiding the tab or dropping the
/// component cancels it; nothing is ever `.forget()`-ten. While not running, no frame is
/// requested and nothing re-renders.
#[function_component(AnimationLoop)]
fn animation_loop(props: &LoopProps) -> Html {
    let sim = use_context::<SimContext>().expect("under the provider");
    let last = use_mut_ref(|| None::<f64>);
    let frame = sim.frame;
    let dispatcher = sim.dispatcher();
    use_effect_with((props.running, frame), move |&(running, _)| {
        let pending: Option<AnimationFrame> = if running {
            Some(request_animation_frame(move |ts| {
                let prev = last.borrow_mut().replace(ts);
                let dt = prev.map_or(16.0, |p| ts - p);
                dispatcher.dispatch(SimAction::Frame(dt));
            }))
        } else {
            *last.borrow_mut() = None;
            None
        };
        move || drop(pending)
    });
    Html::default()
}
