//! The safety monitor: every property the checker verifies after every event, and on a
//! violation what broke, when and where (the run stops there).

use yew::prelude::*;

use crate::sim_driver::use_sim;

/// The safety panel.
#[function_component(Safety)]
pub fn safety() -> Html {
    let sim = use_sim();
    let s = &sim.view.safety;
    html! {
        <section class={classes!("panel", "safety", s.violation.is_some().then_some("broken"))} aria-labelledby="safety-title">
            <h2 id="safety-title">{ "Safety" }
                <span class="hint">{ if s.violation.is_some() { "violated: run stopped" } else { "checked after every event" } }</span>
            </h2>
            if let Some(v) = &s.violation {
                <div class="violation" role="alert">
                    <strong>{ format!("{} broke", v.property) }</strong>
                    <p>{ format!("At {} ms (event {}), on {}: {}", v.time, v.event, v.nodes, v.detail) }</p>
                </div>
            }
            <ul class="props">
                { for s.properties.iter().map(|&(p, ok)| html! {
                    <li class={if ok { "ok" } else { "bad" }}>
                        <span class="mark" aria-hidden="true">{ if ok { "✓" } else { "✗" } }</span>
                        <span>{ p }</span>
                        <span class="visually-hidden">{ if ok { " holds" } else { " violated" } }</span>
                    </li>
                }) }
            </ul>
        </section>
    }
}
