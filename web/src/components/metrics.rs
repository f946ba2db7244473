//! Headline numbers under the cluster.
//!
//! Election and failover times come from the event log; throughput from the completed-operation
//! count sampled at every render (the meter lives here, so it restarts with the page).

use yew::prelude::*;

use crate::browser;
use crate::components::{Snap, SnapProps};
use crate::sim_driver::use_sim;
use crate::view_model::{election_times, name, RateMeter};

/// The Memory tile's explanation, with what the page holds for time travel and what the
/// simulated world holds (estimates: `sim_driver::driver::world_bytes`).
fn memory_title((checkpoints, world): (u64, u64)) -> String {
    format!(
        "The page's WebAssembly memory (its high-water mark: it never shrinks). Of it, about {:.1} MB are time-travel checkpoints (kept within {} MB: older ones are thinned, then dropped) and about {:.1} MB the simulated world, whose client history and safety checker grow with the run; logs are compacted every 1,000 entries",
        checkpoints as f64 / 1e6,
        crate::sim_driver::driver::CHECKPOINT_BUDGET_BYTES / (1024 * 1024),
        world as f64 / 1e6
    )
}

/// The metrics strip, showing the latest state.
#[function_component(Metrics)]
pub fn metrics() -> Html {
    let sim = use_sim();
    html! { <MetricsView sim={Snap::of(&sim)} /> }
}

/// The metrics strip, showing the state it is given.
#[function_component(MetricsView)]
pub fn metrics_view(p: &SnapProps) -> Html {
    let sim = &p.sim;
    let m = &sim.view.metrics;
    let meter = use_mut_ref(RateMeter::default);
    let ops_per_sec = {
        let mut meter = meter.borrow_mut();
        meter.sample(sim.view.now, m.completed);
        meter.per_sec()
    };
    let times = election_times(&sim.events);
    let ms = |x: Option<u64>| x.map_or("—".into(), |l| format!("{l} ms"));
    let tile = |label: &str, value: String, testid: &str, title: &str| {
        html! {
            <div class="metric" title={title.to_string()}>
                <dt>{ label.to_string() }</dt>
                <dd class="mono" data-testid={testid.to_string()}>{ value }</dd>
            </div>
        }
    };
    html! {
        <dl class="metrics" aria-label="Metrics">
            { tile("Leader", m.leader.map_or("—".into(), name), "metric-leader", "The live node leading the highest term") }
            { tile("Term", m.term.to_string(), "metric-term", "Highest term of a live node") }
            { tile("Commit", m.committed.to_string(), "metric-committed", "The leader's commit index") }
            { tile("In flight", m.in_flight.to_string(), "metric-in-flight", "Messages on the network, parked ones included") }
            { tile("Msgs/s", format!("{:.0}", m.msgs_per_sec), "metric-rate", "Messages sent per virtual second") }
            { tile("Ops/s", format!("{ops_per_sec:.0}"), "metric-throughput", "Client operations completed per virtual second") }
            { tile("Ops done", m.completed.to_string(), "metric-ops", "Client operations completed") }
            { tile("p50 lat.", ms(m.p50_latency), "metric-p50", "Median proposal-to-completion time of recent client operations") }
            { tile("Election", ms(times.last_election), "metric-election",
                   "Last election: from the first (pre-)candidate to the new leader") }
            { tile("Failover", ms(times.last_failover), "metric-failover",
                   "Last failover: from the leader's crash to the next leader") }
            { tile("Memory", format!("{:.1} MB", browser::wasm_memory_bytes() as f64 / 1e6), "metric-memory", &memory_title(sim.memory_estimate())) }
        </dl>
    }
}
