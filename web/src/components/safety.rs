//! The safety monitor (every property the checker verifies after every event, and on a
//! violation what broke, when and where: the run stops there) and, beside it, the health
//! check: liveness troubles recognised from the cluster's state and recent events, in words.

use raft_sim::property_rule;
use yew::prelude::*;

use crate::components::{Snap, SnapProps};
use crate::sim_driver::use_sim;
use crate::view_model::health::{health, Finding};
use crate::view_model::SafetyView as Checked;

/// Properties of [`SafetyPanel`].
#[derive(Properties, PartialEq)]
struct PanelProps {
    safety: Checked,
    findings: Vec<Finding>,
}

/// The safety and health panel, showing the latest state.
#[function_component(Safety)]
pub fn safety() -> Html {
    let sim = use_sim();
    html! { <SafetyView sim={Snap::of(&sim)} /> }
}

/// The safety and health panel, showing the state it is given: it finds what to show, and
/// draws the panel only when that changed (rarely: the properties hold and the health
/// findings stay).
#[function_component(SafetyView)]
pub fn safety_view(p: &SnapProps) -> Html {
    let sim = &p.sim;
    let findings = health(&sim.view, &sim.events, &sim.net);
    html! { <SafetyPanel safety={sim.view.safety.clone()} {findings} /> }
}

#[function_component(SafetyPanel)]
fn safety_panel(p: &PanelProps) -> Html {
    let (s, findings) = (&p.safety, &p.findings);
    let worst = findings
        .first()
        .map_or("ok", |f| f.level.as_str())
        .to_string();
    html! {
        <section class={classes!("panel", "safety", (s.violation.is_some() || !s.flagged.is_empty()).then_some("broken"))} aria-labelledby="safety-title">
            <h2 id="safety-title">{ "Safety" }
                <span class="hint">{ if s.violation.is_some() { "violated: run stopped" } else if !s.flagged.is_empty() { "rule broken on purpose: run goes on" } else { "checked after every event" } }</span>
            </h2>
            { for s.flagged.iter().map(|v| html! {
                <div class="violation flagged" role="alert" data-testid="flagged">
                    <strong>{ format!("{} broken: the unsafe switch allows it", v.property) }</strong>
                    <p>{ format!("At {} ms (event {}), on {}: {}. The run goes on, to show what it leads to.", v.time, v.event, v.nodes, v.detail) }</p>
                </div>
            }) }
            if let Some(v) = &s.violation {
                <div class="violation" role="alert">
                    <strong>{ format!("{} broke", v.property) }</strong>
                    <p>{ format!("At {} ms (event {}), on {}: {}", v.time, v.event, v.nodes, v.detail) }</p>
                </div>
            }
            <ul class="props">
                { for s.properties.iter().map(|&(p, ok)| html! {
                    <li class={if ok { "ok" } else { "bad" }} title={property_rule(p)}>
                        <span class="mark" aria-hidden="true">{ if ok { "✓" } else { "✗" } }</span>
                        <span>{ p }</span>
                        <span class="visually-hidden">{ if ok { " holds" } else { " violated" } }</span>
                    </li>
                }) }
            </ul>
            // What each property requires, for a student who has not met the names yet (also
            // on each name's tooltip).
            <details class="props-help">
                <summary>{ "What each property means" }</summary>
                <dl>
                    { for s.properties.iter().map(|&(p, _)| html! {
                        <>
                            <dt>{ p }</dt>
                            <dd>{ property_rule(p).unwrap_or_default() }</dd>
                        </>
                    }) }
                </dl>
            </details>
            <div class={classes!("health", format!("health-{worst}"))} role="region" aria-labelledby="health-title">
                <h3 id="health-title" class="subhead">{ "Health" }<span class="hint">{ "liveness, explained" }</span></h3>
                <ul class="findings" aria-live="polite" data-testid="health">
                    { for findings.iter().enumerate().map(|(k, f)| {
                        // The two worst in full; any others by title only.
                        let full = k < 2;
                        html! {
                            <li class={classes!("finding", format!("level-{}", f.level.as_str()), (!full).then_some("short"))}
                                data-code={f.code} title={f.detail.clone()}>
                                <strong>{ f.title.clone() }</strong>
                                if full && !f.detail.is_empty() {
                                    <span class="detail">{ f.detail.clone() }</span>
                                }
                            </li>
                        }
                    }) }
                </ul>
            </div>
        </section>
    }
}
