//! Headline numbers under the cluster.

use yew::prelude::*;

use crate::sim_driver::use_sim;
use crate::view_model::name;

/// The metrics strip.
#[function_component(Metrics)]
pub fn metrics() -> Html {
    let sim = use_sim();
    let m = &sim.view.metrics;
    let tile = |label: &str, value: String, testid: &str| {
        html! {
            <div class="metric">
                <dt>{ label.to_string() }</dt>
                <dd class="mono" data-testid={testid.to_string()}>{ value }</dd>
            </div>
        }
    };
    html! {
        <dl class="metrics" aria-label="Metrics">
            { tile("Leader", m.leader.map_or("—".into(), name), "metric-leader") }
            { tile("Term", m.term.to_string(), "metric-term") }
            { tile("Commit", m.committed.to_string(), "metric-committed") }
            { tile("In flight", m.in_flight.to_string(), "metric-in-flight") }
            { tile("Msgs/s", format!("{:.0}", m.msgs_per_sec), "metric-rate") }
            { tile("Ops done", m.completed.to_string(), "metric-ops") }
            { tile("p50 lat.", m.p50_latency.map_or("—".into(), |l| format!("{l} ms")), "metric-p50") }
        </dl>
    }
}
