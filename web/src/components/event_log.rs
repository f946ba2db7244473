//! The event log: readable sentences, most recent first (the driver keeps the last 200).

use yew::prelude::*;

use crate::sim_driver::use_sim;

/// The event log panel.
#[function_component(EventLog)]
pub fn event_log() -> Html {
    let sim = use_sim();
    html! {
        <section class="panel events" aria-labelledby="events-title">
            <h2 id="events-title">{ "Events" }</h2>
            <ol class="event-list" aria-label="Event log, most recent first">
                { for sim.events.iter().map(|l| html! {
                    <li class={format!("ev ev-{}", l.kind.as_str())}>
                        <span class="t mono">{ format!("{:>6}", l.t) }</span>
                        <span class="text">{ l.text.clone() }</span>
                    </li>
                }) }
                if sim.events.is_empty() {
                    <li class="ev empty">{ "Nothing yet: the nodes wait for their election timers." }</li>
                }
            </ol>
        </section>
    }
}
