//! The event log (readable sentences, most recent first; the driver keeps the last 200) and,
//! on a second tab, a space-time diagram of the recent messages: one lane per node, time to
//! the right, each message an arrow from its sending to its arrival. Clicking an event line
//! marks its moment on the diagram.
//!
//! The diagram draws what the page saw: messages in flight are sampled at every rendered
//! frame (see [`crate::view_model::history`]), so the traffic is recorded whichever tab shows.

use std::rc::Rc;

use yew::prelude::*;

use std::collections::BTreeMap;

use crate::components::layers::PathData;
use crate::components::{Snap, SnapProps};
use crate::sim_driver::{use_sim, Sim};
use crate::view_model::{name, subject, EventKind, EventLine, Fate, Traffic};

/// Width of the diagram's view box.
const W: f64 = 420.0;
/// Left margin (lane names).
const LEFT: f64 = 30.0;
/// Right margin.
const RIGHT: f64 = 8.0;
/// Height of one lane.
const LANE: f64 = 24.0;
/// Top margin (the time axis).
const TOP: f64 = 16.0;
/// Most messages drawn.
const MAX_TRIPS: usize = 600;
/// Most trips drawn as one element each (with a tooltip); past it, one path per look.
const MAX_SEPARATE_TRIPS: usize = 150;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Events,
    Diagram,
}

/// How a trip drawn in layers looks: the classes of its layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TripLook {
    base: &'static str,
    response: bool,
    gone: bool,
    flying: bool,
}

impl TripLook {
    /// The layer's classes, as a separate trip of this look gets them.
    fn class(self) -> String {
        format!(
            "trip msg-{}{}{}{}",
            self.base,
            if self.response { " response" } else { "" },
            if self.gone { " gone" } else { "" },
            if self.flying { " flying" } else { "" }
        )
    }
}

/// The traffic the space-time diagram draws, recorded by the page at every frame it draws
/// (`app.rs`) for an event log that is not drawn at every frame. Without one above it, the
/// event log records the traffic itself, at each of its renders.
#[derive(Clone, Debug)]
pub struct TrafficTap(pub Rc<std::cell::RefCell<Traffic>>);

impl PartialEq for TrafficTap {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The event log panel, showing the latest state.
#[function_component(EventLog)]
pub fn event_log() -> Html {
    let sim = use_sim();
    html! { <EventLogView sim={Snap::of(&sim)} /> }
}

/// The event log panel, showing the state it is given.
#[function_component(EventLogView)]
pub fn event_log_view(p: &SnapProps) -> Html {
    let sim = &p.sim;
    let tab = use_state(|| Tab::Events);
    let marked = use_state(|| None::<u64>);
    let span = use_state(|| 250u64);
    let own = use_mut_ref(Traffic::default);
    let traffic = match use_context::<TrafficTap>() {
        Some(tap) => tap.0,
        None => {
            own.borrow_mut().observe(sim.view.now, &sim.view.messages);
            own
        }
    };
    // Time travel can leave a mark in the future of the state shown.
    let mark = marked.filter(|&m| m <= sim.view.now);

    let on_mark = use_callback((marked.setter(), tab.setter()), |t: u64, (marked, tab)| {
        marked.set(Some(t));
        tab.set(Tab::Diagram);
    });

    let tab_btn = |which: Tab, label: &str, id: &str| {
        let tab2 = tab.clone();
        let on = *tab == which;
        html! {
            <button role="tab" id={id.to_string()} class={classes!("tab", on.then_some("on"))} aria-selected={on.to_string()}
                    tabindex={if on { "0" } else { "-1" }}
                    onclick={Callback::from(move |_| tab2.set(which))}>{ label.to_string() }</button>
        }
    };

    // The tabs' keyboard (WAI-ARIA tabs pattern): the selected tab alone is in the Tab order,
    // and the arrow keys, Home and End select another one and move the focus to it.
    let on_tab_key = {
        let tab = tab.clone();
        Callback::from(move |e: KeyboardEvent| {
            let which = match e.key().as_str() {
                "ArrowLeft" | "Home" => Tab::Events,
                "ArrowRight" | "End" => Tab::Diagram,
                _ => return,
            };
            e.prevent_default();
            tab.set(which);
            crate::browser::focus_first(match which {
                Tab::Events => "#tab-events",
                Tab::Diagram => "#tab-diagram",
            });
        })
    };

    let body = match *tab {
        Tab::Events => html! {
            <EventLines events={sim.events.clone()} {mark} on_mark={on_mark.clone()} />
        },
        Tab::Diagram => {
            let live = {
                let marked = marked.clone();
                Callback::from(move |_| marked.set(None))
            };
            let on_span = {
                let span = span.clone();
                Callback::from(move |e: Event| {
                    let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
                    if let Ok(x) = s.value().parse() {
                        span.set(x);
                    }
                })
            };
            html! {
                <div class="diagram" role="tabpanel" aria-labelledby="tab-diagram">
                    <div class="diagram-bar">
                        <label class="field inline">
                            <span>{ "Window" }</span>
                            <select onchange={on_span} aria-label="Diagram window">
                                { for [250u64, 500, 1000, 2000].iter().map(|&k| html! {
                                    <option value={k.to_string()} selected={k == *span}>{ format!("{k} ms") }</option>
                                }) }
                            </select>
                        </label>
                        <span class="hint">{ "hollow head: reply · ✕: dropped" }</span>
                        if let Some(m) = mark {
                            <span class="hint">{ format!("marked: {m} ms") }</span>
                            <button class="btn small" onclick={live} title="Follow the latest time">{ "Follow live" }</button>
                        } else {
                            <span class="hint">{ "click an event line to mark its moment" }</span>
                        }
                    </div>
                    { diagram(sim, &traffic.borrow(), mark, *span) }
                </div>
            }
        }
    };

    html! {
        <section class="panel events" aria-labelledby="events-title">
            <div class="tabs-head">
                <h2 id="events-title">{ "Events" }</h2>
                <div class="tabs" role="tablist" aria-label="Event views" onkeydown={on_tab_key}>
                    { tab_btn(Tab::Events, "Log", "tab-events") }
                    { tab_btn(Tab::Diagram, "Space-time", "tab-diagram") }
                </div>
            </div>
            { body }
        </section>
    }
}

/// Properties of [`EventLines`].
#[derive(Properties, PartialEq)]
struct LinesProps {
    events: Rc<Vec<EventLine>>,
    mark: Option<u64>,
    on_mark: Callback<u64>,
}

/// The lines of the log. A component of its own so that an unchanged log is not redrawn, with
/// one click handler for the whole list (the line's time is in its `data-t`).
#[function_component(EventLines)]
fn event_lines(p: &LinesProps) -> Html {
    let onclick = {
        let on_mark = p.on_mark.clone();
        Callback::from(move |e: MouseEvent| {
            let t = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.closest("[data-t]").ok().flatten())
                .and_then(|el| el.get_attribute("data-t"))
                .and_then(|t| t.parse().ok());
            if let Some(t) = t {
                on_mark.emit(t);
            }
        })
    };
    html! {
        <div class="event-panel" role="tabpanel" aria-labelledby="tab-events">
            <ol class="event-list" aria-label="Event log, most recent first" {onclick}
                title="Click a line to show its moment on the space-time diagram">
                { for p.events.iter().map(|l| html! {
                    <li class={classes!("ev", format!("ev-{}", l.kind.as_str()), (p.mark == Some(l.t)).then_some("marked"))}>
                        <button class="ev-btn" data-t={l.t.to_string()}>
                            <span class="t mono">{ format!("{:>6}", l.t) }</span>
                            <span class="text">{ l.text.clone() }</span>
                        </button>
                    </li>
                }) }
                if p.events.is_empty() {
                    <li class="ev empty">{ "Nothing yet: the nodes wait for their election timers." }</li>
                }
            </ol>
        </div>
    }
}

fn f1(x: f64) -> String {
    crate::components::layers::tenths(x)
}

/// The space-time diagram for the window of `span` ms ending now, or centred on `mark`.
fn diagram(sim: &Sim, traffic: &Traffic, mark: Option<u64>, span: u64) -> Html {
    let v = &sim.view;
    let now = v.now;
    let (t0, t1) = match mark {
        Some(m) => {
            let hi = (m + span / 2).min(now).max(span.min(now));
            (hi.saturating_sub(span), hi)
        }
        None => (now.saturating_sub(span), now.max(1)),
    };
    let lanes: Vec<u64> = v.nodes.iter().map(|n| n.id).collect();
    let lane_y =
        |id: u64| TOP + LANE / 2.0 + LANE * lanes.iter().position(|&x| x == id).unwrap_or(0) as f64;
    let h = TOP + LANE * lanes.len() as f64 + 4.0;
    let width = (t1 - t0).max(1) as f64;
    let x = |t: f64| LEFT + (t - t0 as f64) / width * (W - LEFT - RIGHT);

    let lane_lines = v.nodes.iter().map(|n| {
        let y = lane_y(n.id);
        html! {
            <g class={classes!("lane", format!("role-{}", n.role.as_str()))}>
                <text class="lane-name" x="2" y={f1(y + 4.0)}>{ n.name.clone() }</text>
                <line x1={f1(LEFT)} x2={f1(W - RIGHT)} y1={f1(y)} y2={f1(y)} />
            </g>
        }
    });
    let step = [50u64, 100, 250, 500, 1000]
        .into_iter()
        .find(|&s| span / s <= 6)
        .unwrap_or(1000);
    let ticks = (t0.div_ceil(step)..=t1 / step).map(|k| {
        let t = k * step;
        html! {
            <g class="tick">
                <line x1={f1(x(t as f64))} x2={f1(x(t as f64))} y1={f1(TOP - 3.0)} y2={f1(h - 4.0)} />
                <text x={f1(x(t as f64))} y="10">{ format!("{t}") }</text>
            </g>
        }
    });
    let trips: Vec<_> = traffic.between(t0.saturating_sub(400), t1).collect();
    let skip = trips.len().saturating_sub(MAX_TRIPS);
    // Many trips: one path per look instead of an element each (components/layers.rs).
    let layered = trips.len() - skip > MAX_SEPARATE_TRIPS;
    // Layered: the path data of each look, keyed by the look itself (its class string is
    // written once per look when the paths are made, not three times per trip: formatting
    // those keys was ~3% of the main thread at 9 nodes, profile-page.mjs st).
    let mut looks: BTreeMap<TripLook, [PathData; 3]> = BTreeMap::new();
    let arrows = trips.into_iter().skip(skip).filter_map(|tr| {
        let (ya, yb) = (lane_y(tr.from), lane_y(tr.to));
        let end = match (tr.fate, tr.deliver_at) {
            (Fate::Gone(t), _) => t,
            (_, Some(at)) => at,
            (_, None) => now,
        };
        if end < t0 || tr.sent_at > t1 {
            return None;
        }
        // In flight: draw up to where it is now.
        let (end_t, end_y) = if tr.fate == Fate::InFlight && end > now {
            let f = (now - tr.sent_at) as f64 / (end - tr.sent_at).max(1) as f64;
            (now as f64, ya + (yb - ya) * f)
        } else {
            (end as f64, yb)
        };
        let base = tr.kind.trim_end_matches("_resp");
        let (x1, y1, x2, y2) = (x(tr.sent_at as f64), ya, x(end_t), end_y);
        if layered {
            let look = TripLook {
                base,
                response: base != tr.kind,
                gone: matches!(tr.fate, Fate::Gone(_)),
                flying: tr.fate == Fate::InFlight,
            };
            let [line, head, cross] = looks.entry(look).or_default();
            line.line(x1, y1, x2, y2);
            if look.gone {
                cross.cross(x2, y2);
            } else {
                head.dot(x2, y2, 2.2);
            }
            return None;
        }
        Some(html! {
            <g key={tr.id.to_string()} class={classes!("trip", format!("msg-{base}"), (base != tr.kind).then_some("response"),
                                                      matches!(tr.fate, Fate::Gone(_)).then_some("gone"),
                                                      (tr.fate == Fate::InFlight).then_some("flying"))}>
                <title>{ format!("{} {} → {} (#{}), sent {} ms{}", tr.kind, name(tr.from), name(tr.to), tr.id, tr.sent_at,
                    match tr.fate {
                        Fate::Delivered => format!(", arrived {end} ms"),
                        Fate::Gone(t) => format!(", gone at {t} ms (dropped, or delivered early)"),
                        Fate::InFlight => ", in flight".to_string(),
                    }) }</title>
                <line x1={f1(x1)} y1={f1(y1)} x2={f1(x2)} y2={f1(y2)} />
                if matches!(tr.fate, Fate::Gone(_)) {
                    <path class="x" d={format!("M{},{} l6,6 m0,-6 l-6,6", f1(x2 - 3.0), f1(y2 - 3.0))} />
                } else {
                    <circle cx={f1(x2)} cy={f1(y2)} r="2.2" />
                }
            </g>
        })
    });
    let arrows: Vec<Html> = arrows.collect();
    // The layers' paths, styled as the separate trips' lines, heads and crosses (in the order
    // and with the keys the page has always given them: look, then line, head, cross).
    let layer_paths = looks.into_iter().flat_map(|(look, parts)| {
        let class = look.class();
        parts
            .into_iter()
            .zip([("line", "layer-line"), ("head", "layer-head"), ("x", "x layer-head")])
            .filter(|(d, _)| !d.is_empty())
            .map(move |(d, (part, path_class))| {
                html! {
                    <g key={format!("{class} |{part}")} class={class.clone()}><path class={path_class} d={d.into_string()} /></g>
                }
            })
    });
    // Role changes and faults from the event log, as dots on their lane.
    let dots = sim
        .events
        .iter()
        .filter(|l| l.t >= t0 && l.t <= t1)
        .filter(|l| matches!(l.kind, EventKind::Role | EventKind::Fault | EventKind::Violation))
        .filter_map(|l| {
            let who = subject(&l.text).filter(|id| lanes.contains(id))?;
            Some(html! {
                <circle class={classes!("ev-dot", format!("ev-{}", l.kind.as_str()), l.text.contains("became leader").then_some("elected"))}
                        cx={f1(x(l.t as f64))} cy={f1(lane_y(who))} r="4.5">
                    <title>{ format!("{} ms: {}", l.t, l.text) }</title>
                </circle>
            })
        });
    let marker = mark.map(|m| {
        html! { <line class="mark-line" x1={f1(x(m as f64))} x2={f1(x(m as f64))} y1={f1(TOP - 4.0)} y2={f1(h)} /> }
    });
    let unrecorded = traffic.oldest().is_none_or(|o| o > t0 + 5) && t0 > 0;
    html! {
        <>
            <svg class="spacetime" viewBox={format!("0 0 {W} {}", f1(h))} role="img" data-testid="spacetime"
                 aria-label={format!("Space-time diagram from {t0} to {t1} ms: one lane per node, messages as arrows from sending to arrival")}>
                <g class="ticks">{ for ticks }</g>
                <g class="lanes">{ for lane_lines }</g>
                <g class="trips">{ for arrows }{ for layer_paths }</g>
                <g class="dots">{ for dots }</g>
                { for marker }
            </svg>
            if unrecorded {
                <p class="hint block">{ "Traffic is recorded while the page runs; earlier messages (or ones that came and went between two frames at high speed) are not shown." }</p>
            }
        </>
    }
}
