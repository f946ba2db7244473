//! The page: one card with what the playground knows so far.

use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::components::fact::Fact;
use crate::state::{fresh_seed, Action, Playground, TICK_MS};

/// The whole page. It owns the state reducer and the clock's [`Interval`].
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| Playground::new(fresh_seed()));

    // The interval lives inside the effect's cleanup closure, which Yew keeps with this component:
    // when the component is dropped, the cleanup drops the Interval and that cancels the timer.
    // (Never `.forget()` it: a forgotten timer keeps firing into a dead component.)
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |()| {
            let interval = Interval::new(TICK_MS, move || {
                dispatcher.dispatch(Action::Advance(TICK_MS))
            });
            move || drop(interval)
        });
    }

    html! {
        <main class="card" aria-labelledby="title">
            <header>
                <h1 id="title">{ "Raft playground" }</h1>
                <p class="tagline">
                    { "See, break and learn Raft: a no_std, sans-IO Raft core driven by a deterministic simulator, right in your browser." }
                </p>
            </header>
            <dl class="facts">
                <Fact id="core-version" label="raft-core version">
                    <span class="mono">{ raft_core::VERSION }</span>
                </Fact>
                <Fact id="seed" label="Seed">
                    <span class="mono">{ format!("{:#018x}", state.seed) }</span>
                </Fact>
                <Fact id="clock" label="Virtual clock">
                    <span class="mono" role="timer" aria-labelledby="clock-label" data-testid="clock-ms">
                        { state.now_ms }
                    </span>
                    <span class="unit">{ " ms" }</span>
                </Fact>
            </dl>
            <footer>
                { "Nothing is simulated yet: the cluster view arrives with the simulator." }
            </footer>
        </main>
    }
}
