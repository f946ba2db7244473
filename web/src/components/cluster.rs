//! The cluster as an SVG: nodes on a ring with their timers, the links between them, and every
//! message in flight moving along its link. Click a node to select it, a message to drop it.

use raft_core::sim::Action;
use yew::prelude::*;

use crate::sim_driver::{use_sim, SimAction};
use crate::view_model::{name, MessageView, NodeView, RoleView, TimerView, NODE_R, VIEW};

/// CSS class for a term's colour (terms cycle through a palette of eight).
pub fn term_class(term: u64) -> String {
    if term == 0 {
        "term-none".to_string()
    } else {
        format!("term-c{}", (term - 1) % 8)
    }
}

fn node_label(n: &NodeView) -> String {
    let mut s = format!("{}: {}, term {}", n.name, n.role.as_str(), n.term);
    if let Some(v) = n.vote {
        s.push_str(&format!(", voted for {}", name(v)));
    }
    s
}

/// The cluster view.
#[function_component(Cluster)]
pub fn cluster() -> Html {
    let sim = use_sim();
    let v = &sim.view;
    let selected = sim.selected;
    let animate = sim.animate;

    let links = v.links.iter().map(|l| {
        html! {
            <line key={format!("{}-{}", l.a, l.b)} class={classes!("link", format!("link-{}", l.state.as_str()))}
                  x1={fmt(l.x1)} y1={fmt(l.y1)} x2={fmt(l.x2)} y2={fmt(l.y2)}>
                <title>{ l.title.clone() }</title>
            </line>
        }
    });

    let nodes = v.nodes.iter().map(|n| {
        let id = n.id;
        let onclick = {
            let sim = sim.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                sim.dispatch(SimAction::Select(if selected == Some(id) { None } else { Some(id) }));
            })
        };
        let onkeydown = {
            let sim = sim.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    sim.dispatch(SimAction::Select(if selected == Some(id) { None } else { Some(id) }));
                }
            })
        };
        let is_sel = selected == Some(id);
        let ring = NODE_R + 6.0;
        let timer = match n.timer {
            Some(TimerView::Election(f)) => html! {
                <circle class="timer election" r={fmt(ring)} pathLength="100"
                        stroke-dasharray={format!("{:.2} 100", f * 100.0)} transform="rotate(-90)" />
            },
            Some(TimerView::Heartbeat(f)) => {
                let pulse_r = if animate { ring + 16.0 * (1.0 - f) } else { ring + 8.0 };
                let opacity = if animate { f * 0.8 } else { 0.5 };
                html! {
                    <>
                        <circle class="pulse" r={fmt(pulse_r)} opacity={format!("{opacity:.2}")} />
                        <circle class="timer heartbeat" r={fmt(ring)} />
                    </>
                }
            }
            None => Html::default(),
        };
        let vote = match (n.role, n.vote) {
            (RoleView::Crashed, _) => format!("term {}", n.term),
            (_, Some(v)) => format!("term {} · voted {}", n.term, name(v)),
            _ => format!("term {}", n.term),
        };
        html! {
            <g key={id.to_string()}
               class={classes!("node", format!("role-{}", n.role.as_str()), term_class(n.term), is_sel.then_some("selected"))}
               transform={format!("translate({} {})", fmt(n.x), fmt(n.y))}
               role="button" tabindex="0" aria-pressed={is_sel.to_string()} aria-label={node_label(n)}
               data-node={n.name.clone()} data-role={n.role.as_str()} {onclick} {onkeydown}>
                <title>{ format!("{} — click to select", node_label(n)) }</title>
                // Fixed bounds: the heartbeat pulse grows inside this, so the node's box never moves.
                <circle class="bounds" r={fmt(NODE_R + 24.0)} />
                <circle class="halo" r={fmt(NODE_R + 13.0)} />
                <circle class="timer-track" r={fmt(ring)} />
                { timer }
                <circle class="body" r={fmt(NODE_R)} />
                if n.role == RoleView::Leader {
                    <text class="crown" y={fmt(-NODE_R + 15.0)} aria-hidden="true">{ "★" }</text>
                }
                if n.role == RoleView::Crashed {
                    <path class="cross" d="M-14,-30 L14,-2 M14,-30 L-14,-2" aria-hidden="true" />
                }
                <text class="node-id" y="4">{ n.name.clone() }</text>
                <text class="node-role" y="20">{ n.role.as_str() }</text>
                <text class="node-term" y={fmt(NODE_R + 26.0)}>{ vote }</text>
            </g>
        }
    });

    let messages = v.messages.iter().map(|m| message(m, &sim));
    let deselect = {
        let sim = sim.clone();
        Callback::from(move |_| sim.dispatch(SimAction::Select(None)))
    };
    let hidden = v.metrics.in_flight.saturating_sub(v.messages.len());

    html! {
        <div class="cluster">
            <p class="status mono" data-testid="status">
                { format!("t = {} ms · {} · term {} · committed {}", v.now,
                    v.metrics.leader.map_or("no leader".to_string(), |l| format!("leader {}", name(l))),
                    v.metrics.term, v.metrics.committed) }
                if sim.lagging {
                    <span class="lag" title="The browser cannot simulate this fast: virtual time runs slower than the speed asks">{ " · catching up" }</span>
                }
            </p>
            <svg class="cluster-svg" viewBox={format!("0 0 {VIEW} {VIEW}")} preserveAspectRatio="xMidYMid meet"
                 role="group" aria-label="Cluster: nodes, links and messages in flight" onclick={deselect}>
                <g class="links">{ for links }</g>
                <g class="nodes">{ for nodes }</g>
                <g class={classes!("messages", (!animate).then_some("static"))}>{ for messages }</g>
            </svg>
            if hidden > 0 {
                <p class="more-messages">{ format!("+{hidden} more messages in flight not drawn") }</p>
            }
            <Legend />
        </div>
    }
}

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

fn message(m: &MessageView, sim: &crate::sim_driver::SimContext) -> Html {
    let id = m.id;
    let onclick = {
        let sim = sim.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            sim.dispatch(SimAction::Act(Action::DropMessage { id }));
        })
    };
    let base = m.kind.trim_end_matches("_resp");
    let class = classes!(
        "msg",
        format!("msg-{base}"),
        m.response.then_some("response"),
        m.parked.then_some("parked"),
        (m.entries > 0).then_some("with-entries")
    );
    let shape = shape(base, m.entries > 0);
    html! {
        <g key={id.to_string()} {class} transform={format!("translate({} {})", fmt(m.x), fmt(m.y))} {onclick}
           data-kind={m.kind}>
            <title>{ m.summary.clone() }</title>
            <circle class="hit" r="11" />
            { shape }
        </g>
    }
}

/// The shape of a message kind: votes are diamonds, appends squares (bigger with entries),
/// heartbeats small circles, TimeoutNow a triangle. Responses are the hollow version.
fn shape(base: &str, entries: bool) -> Html {
    match base {
        "pre_vote" | "vote" => html! { <path class="shape" d="M0,-7 L7,0 L0,7 L-7,0 Z" /> },
        "append" if entries => {
            html! { <rect class="shape" x="-6.5" y="-6.5" width="13" height="13" rx="2" /> }
        }
        "append" => {
            html! { <rect class="shape" x="-4.5" y="-4.5" width="9" height="9" rx="1.5" /> }
        }
        "timeout_now" => html! { <path class="shape" d="M0,-8 L7.5,6 L-7.5,6 Z" /> },
        _ => html! { <circle class="shape" r="4.5" /> },
    }
}

#[function_component(Legend)]
fn legend() -> Html {
    let item = |class: &str, base: &str, entries: bool, label: &str| {
        html! {
            <li>
                <svg viewBox="-10 -10 20 20" width="16" height="16" aria-hidden="true">
                    <g class={classes!("msg", format!("msg-{base}"), class.to_string())}>{ shape(base, entries) }</g>
                </svg>
                { label.to_string() }
            </li>
        }
    };
    html! {
        <ul class="legend" aria-label="Legend">
            { item("", "pre_vote", false, "pre-vote") }
            { item("", "vote", false, "vote") }
            { item("", "append", true, "append") }
            { item("", "heartbeat", false, "heartbeat") }
            { item("", "timeout_now", false, "timeout now") }
            { item("response", "vote", false, "hollow: reply") }
            <li><span class="swatch link-cut" aria-hidden="true"></span>{ "cut" }</li>
            <li><span class="swatch link-held" aria-hidden="true"></span>{ "held" }</li>
        </ul>
    }
}
