//! The cluster as an SVG: nodes on a ring with their timers, the links between them, and every
//! message in flight moving along its link.
//!
//! Click a node to select it; click a message or a link to inspect it in the strip under the
//! ring (drop or deliver a message now; cut, hold or heal either direction of a link;
//! shift-click a link to cut or heal it both ways at once). "Partition…" turns node clicks into
//! group assignment. Every message in flight is also listed as a button, for the keyboard.

use std::collections::BTreeMap;

use raft_core::NodeId;
use raft_sim::Action;
use yew::prelude::*;

use crate::components::layers::{nearest, Layers};
use crate::components::ring::{term_class, Pick, Ring, RingNode, GROUPS};
use crate::sim_driver::{use_sim, SimAction};
use crate::view_model::{
    cluster_config, link_word, name, LinkDir, MemberView, MessageView, NodeView, RoleView,
    TimerView, ViewModel, NODE_R, VIEW,
};

/// The words for a node's accessible name: "S1: leader, term 2, voted for S1".
pub fn node_label(n: &NodeView) -> String {
    let mut s = format!("{}: {}, term {}", n.name, ring_word(n), n.term);
    if n.paused {
        s.push_str(", frozen");
    }
    if let Some(v) = n.vote {
        s.push_str(&format!(", voted for {}", name(v)));
    }
    match n.member {
        MemberView::Voter => {}
        MemberView::Learner if n.role == RoleView::Learner => {}
        MemberView::Learner => s.push_str(", learner"),
        MemberView::Leaving => s.push_str(", leaving the configuration"),
        MemberView::Joining => s.push_str(", joining: not in its own configuration yet"),
        // The word is "removed" already, unless it is down.
        MemberView::Removed if n.role != RoleView::Crashed => s.push_str(" from the cluster"),
        MemberView::Removed => s.push_str(", removed from the cluster"),
    }
    s
}

/// A candidate's votes: (cast for it in its term, voters, votes needed). Voters are those of
/// the configuration the cluster follows (its incoming half while joint).
pub fn vote_tally(v: &ViewModel, n: &NodeView) -> (usize, usize, usize) {
    let voters: Vec<NodeId> = cluster_config(v)
        .map(|c| c.voters.clone())
        .unwrap_or_else(|| v.nodes.iter().map(|m| m.id).collect());
    let got = v
        .nodes
        .iter()
        .filter(|m| voters.contains(&m.id) && m.term == n.term && m.vote == Some(n.id))
        .count();
    (got, voters.len(), voters.len() / 2 + 1)
}

/// The word under a node's name on the ring: its role, or that it is joining or removed (a
/// removed node may still time out and stand as a pre-candidate, but nobody votes for it, and
/// "pre-candidate" there misleads a reader).
pub fn ring_word(n: &NodeView) -> &'static str {
    match n.member {
        MemberView::Joining | MemberView::Removed if n.role != RoleView::Crashed => {
            n.member.as_str()
        }
        _ => n.role.as_str(),
    }
}

/// Most messages in flight drawn as one SVG element each; past it they are drawn as one path
/// per kind (no tooltip; a click picks the nearest within reach). See components/layers.rs.
pub const MAX_SEPARATE_MESSAGES: usize = 40;

/// Stroke widths of a request's and a reply's shape (www/style.css, `.msg .shape` and
/// `.msg.response .shape`), which the layers draw as filled outlines instead.
const REQUEST_STROKE: f64 = 1.5;
const REPLY_STROKE: f64 = 2.0;

/// The cluster view.
#[function_component(Cluster)]
pub fn cluster() -> Html {
    let sim = use_sim();
    let pick = use_state(|| Pick::Nothing);
    // Some while editing a partition: each node's group (index into GROUPS).
    let groups = use_state(|| None::<BTreeMap<NodeId, usize>>);
    let v = &sim.view;
    let selected = sim.selected;
    let animate = sim.animate;

    // The ring (nodes and links) as plain data: a component of its own that Yew skips when
    // none of it changed, which under load is almost every frame (only the overlay moves).
    let ring_nodes: Vec<RingNode> = v
        .nodes
        .iter()
        .map(|n| RingNode {
            id: n.id,
            name: n.name.clone(),
            x: n.x,
            y: n.y,
            role: n.role,
            member: n.member,
            term: n.term,
            vote: n.vote,
            paused: n.paused,
            heartbeat: matches!(n.timer, Some(TimerView::Heartbeat(_))),
            tally: (n.role == RoleView::Candidate).then(|| vote_tally(v, n)),
            label: node_label(n),
            word: ring_word(n),
        })
        .collect();

    // What runs down or grows every frame, at each node: an election timer's ring, and the
    // leader's heartbeat pulse (a ring growing out of it as its heartbeat timer runs).
    let timers = v.nodes.iter().filter_map(|n| {
        let ring = NODE_R + 6.0;
        let drawn = match n.timer {
            Some(TimerView::Election(f)) => html! {
                <circle class="timer election" r={fmt(ring)} pathLength="100"
                        stroke-dasharray={format!("{:.2} 100", f * 100.0)} transform="rotate(-90)" />
            },
            Some(TimerView::Heartbeat(f)) => {
                let pulse_r = if animate { ring + 16.0 * (1.0 - f) } else { ring + 8.0 };
                let opacity = if animate { f * 0.8 } else { 0.5 };
                html! { <circle class="pulse" r={fmt(pulse_r)} opacity={format!("{opacity:.2}")} /> }
            }
            None => return None,
        };
        Some(html! {
            <g key={n.id.to_string()} class={classes!("timer-g", term_class(n.term), n.paused.then_some("paused"))}
               transform={format!("translate({} {})", fmt(n.x), fmt(n.y))}>
                { drawn }
            </g>
        })
    });

    let picked_msg = match *pick {
        Pick::Message(id) => Some(id),
        _ => None,
    };
    // Few messages: one element each (a tooltip, a click target). Many: one path per kind
    // (see components/layers.rs), the picked one still drawn on its own.
    let layered = v.messages.len() > MAX_SEPARATE_MESSAGES;
    let messages: Html = if layered {
        // Filled, not stroked: a request's shape grown by half its stroke's width, a reply's
        // ring as its shape grown by half the stroke with the shape shrunk by as much drawn
        // over it in the card's colour (the look of the separate elements, whose CSS strokes
        // them). Stroking every layer again for each tile it covers was half of the browser's
        // raster work for the cluster under perf.test.js's busy run. Parked messages (few, on
        // held links) keep their amber stroke.
        let mut layers = Layers::default();
        for m in v.messages.iter().filter(|m| picked_msg != Some(m.id)) {
            let base = m.kind.trim_end_matches("_resp");
            let class = layer_class(m, base);
            let [shapes, over] = layers.get(class);
            let (entries, x, y) = (m.entries > 0, m.x, m.y);
            let half = if m.response {
                REPLY_STROKE
            } else {
                REQUEST_STROKE
            } / 2.0;
            if m.parked {
                shapes.message(base, entries, x, y, 0.0);
            } else {
                shapes.message(base, entries, x, y, half);
                if m.response {
                    over.message(base, entries, x, y, -half);
                }
            }
        }
        let picked = v.messages.iter().filter(|m| picked_msg == Some(m.id));
        html! {
            <>
                { for layers.paths().map(|(class, d, over)| html! {
                    <g key={class.clone()} {class} data-layer="1">
                        <path class="shape" {d} />
                        if !over.is_empty() {
                            <path class="shape hole" d={over} />
                        }
                    </g>
                }) }
                { for picked.map(|m| message(m, &pick, true)) }
            </>
        }
    } else {
        v.messages
            .iter()
            .map(|m| message(m, &pick, picked_msg == Some(m.id)))
            .collect()
    };
    // Where each message is, for a click on the layers (no element per message then): kept in
    // a cell the click handler reads, so the handler (and with it the ring) stays the same
    // from frame to frame.
    let spots = use_mut_ref(Vec::<(u64, f64, f64)>::new);
    *spots.borrow_mut() = if layered {
        v.messages.iter().map(|m| (m.id, m.x, m.y)).collect()
    } else {
        Vec::new()
    };
    let on_background = {
        let spots = spots.clone();
        use_callback(
            (pick.setter(), sim.dispatcher()),
            move |(x, y): (f64, f64), (pick, dispatcher)| match nearest(
                spots.borrow().iter().copied(),
                x,
                y,
                11.0,
            ) {
                Some(id) => pick.set(Pick::Message(id)),
                None => {
                    dispatcher.dispatch(SimAction::Select(None));
                    pick.set(Pick::Nothing);
                }
            },
        )
    };
    let hidden = v.metrics.in_flight.saturating_sub(v.messages.len());
    let config = cluster_config(v).filter(|c| {
        c.is_joint()
            || !c.learners.is_empty()
            || v.nodes.iter().any(|n| n.member != MemberView::Voter)
    });

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
            if let Some(c) = config {
                <p class={classes!("config", "mono", c.is_joint().then_some("joint"))} data-testid="config"
                   title="The cluster's configuration, as the leader sees it">
                    { c.describe() }
                </p>
                if let Some(q) = c.quorums(|id| v.nodes.iter().any(|n| n.id == id && n.role != RoleView::Crashed)) {
                    <p class="config quorums mono" data-testid="quorums"
                       title="In joint consensus every election and every commit needs a majority of both halves">{ q }</p>
                }
            }
            // Two SVGs of the same size and view box, one over the other: what moves every frame
            // (messages, the leader's pulse) lies on the overlay. Chromium lays out every
            // element of an SVG again when one of them moves (measured: 2-3 ms a frame for the
            // nodes and links of 5 nodes), so the ring and the links stay in an SVG of their
            // own that only changes when they do. Each lies in a box of fixed size that is its
            // own layout root (www/style.css .layer), so a change in one lays out nothing else.
            // The overlay takes no clicks but a message's: a click elsewhere falls through to
            // the ring below.
            <div class="stage">
              <div class="layer">
                <Ring nodes={ring_nodes} links={v.links.clone()} {selected} pick={*pick} on_pick={pick.setter()}
                      groups={(*groups).clone()} on_groups={groups.setter()} dispatcher={sim.dispatcher()} {on_background} />
              </div>
              <div class="layer overlay">
                <svg class="cluster-overlay" viewBox={format!("0 0 {VIEW} {VIEW}")} preserveAspectRatio="xMidYMid meet"
                     data-testid="cluster-overlay">
                    <g class="timers" aria-hidden="true">{ for timers }</g>
                    <g class={classes!("messages", (!animate).then_some("static"), layered.then_some("layered"))}>{ messages }</g>
                </svg>
              </div>
            </div>
            if hidden > 0 {
                <p class="more-messages">{ format!("+{hidden} more messages in flight not drawn") }</p>
            }
            <Inspector pick={*pick} on_pick={{ let pick = pick.clone(); Callback::from(move |p| pick.set(p)) }}
                       groups={(*groups).clone()} on_groups={{ let g = groups.clone(); Callback::from(move |x| g.set(x)) }} />
            <Legend />
        </div>
    }
}

fn fmt(x: f64) -> String {
    crate::components::layers::tenths(x)
}

fn message(m: &MessageView, pick: &UseStateHandle<Pick>, picked: bool) -> Html {
    let id = m.id;
    let onclick = {
        let pick = pick.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            pick.set(if picked {
                Pick::Nothing
            } else {
                Pick::Message(id)
            });
        })
    };
    let base = m.kind.trim_end_matches("_resp");
    let class = message_class(m, base, picked);
    let shape = shape(base, m.entries > 0);
    html! {
        <g key={id.to_string()} {class} transform={format!("translate({} {})", fmt(m.x), fmt(m.y))} {onclick}
           data-kind={m.kind} data-msg={id.to_string()}>
            <title>{ format!("{} Click to inspect (drop or deliver now).", m.summary) }</title>
            <circle class="hit" r="11" />
            if picked {
                <circle class="pick-ring" r="12" />
            }
            { shape }
        </g>
    }
}

/// The CSS classes of a message (the drawing class of its layer when drawn in layers).
fn message_class(m: &MessageView, base: &str, picked: bool) -> Classes {
    classes!(
        "msg",
        format!("msg-{base}"),
        m.response.then_some("response"),
        m.parked.then_some("parked"),
        (m.entries > 0).then_some("with-entries"),
        picked.then_some("picked")
    )
}

/// The drawing class of a message's layer: the classes [`message_class`] gives an unpicked
/// message, written into one string directly (building a `Classes` for each of ~300 messages a
/// frame, only to turn it into a string, was 2% of the main thread at 9 nodes under load).
fn layer_class(m: &MessageView, base: &str) -> String {
    let mut s = String::with_capacity(48);
    s.push_str("msg msg-");
    s.push_str(base);
    for (on, word) in [
        (m.response, " response"),
        (m.parked, " parked"),
        (m.entries > 0, " with-entries"),
    ] {
        if on {
            s.push_str(word);
        }
    }
    s
}

/// The shape of a message kind: votes are diamonds, appends squares (bigger with entries),
/// heartbeats small circles, TimeoutNow a triangle, snapshot chunks hexagons. Responses are
/// the hollow version.
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
        "snapshot" => {
            html! { <path class="shape" d="M-8.5,0 L-4.5,-7.5 L4.5,-7.5 L8.5,0 L4.5,7.5 L-4.5,7.5 Z" /> }
        }
        _ => html! { <circle class="shape" r="4.5" /> },
    }
}

/// Properties of [`Inspector`].
#[derive(Properties, PartialEq)]
struct InspectorProps {
    pick: Pick,
    on_pick: Callback<Pick>,
    groups: Option<BTreeMap<NodeId, usize>>,
    on_groups: Callback<Option<BTreeMap<NodeId, usize>>>,
}

/// The strip under the ring: the picked message or link with what can be done to it, the
/// partition editor, and the list of messages in flight.
#[function_component(Inspector)]
fn inspector(p: &InspectorProps) -> Html {
    let sim = use_sim();
    let v = &sim.view;
    let act = |a: Action| {
        let sim = sim.clone();
        Callback::from(move |_: MouseEvent| sim.dispatch(SimAction::Act(a.clone())))
    };
    let close = {
        let on_pick = p.on_pick.clone();
        Callback::from(move |_: MouseEvent| on_pick.emit(Pick::Nothing))
    };

    if let Some(groups) = &p.groups {
        let members: Vec<Vec<NodeId>> = (0..GROUPS.len())
            .map(|g| {
                v.nodes
                    .iter()
                    .filter(|n| groups.get(&n.id).copied().unwrap_or(0) == g)
                    .map(|n| n.id)
                    .collect()
            })
            .collect();
        let parts: Vec<Vec<NodeId>> = members.iter().filter(|g| !g.is_empty()).cloned().collect();
        let apply = {
            let sim = sim.clone();
            let on_groups = p.on_groups.clone();
            let parts = parts.clone();
            Callback::from(move |_: MouseEvent| {
                sim.dispatch(SimAction::Act(Action::Partition {
                    groups: parts.clone(),
                }));
                on_groups.emit(None);
            })
        };
        let cancel = {
            let on_groups = p.on_groups.clone();
            Callback::from(move |_: MouseEvent| on_groups.emit(None))
        };
        return html! {
            <div class="inspector editing" role="region" aria-label="Partition editor">
                <p class="what">
                    <strong>{ "Partition: " }</strong>
                    { "click nodes to move them between groups. " }
                    { for members.iter().enumerate().filter(|(_, m)| !m.is_empty()).map(|(g, m)| html! {
                        <span class={classes!("group-chip", format!("group-{}", GROUPS[g]))}>
                            { format!("{}: {}", GROUPS[g], m.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" ")) }
                        </span>
                    }) }
                </p>
                <div class="buttons">
                    <button class="btn primary small" onclick={apply} disabled={parts.len() < 2}
                            aria-label="Apply partition">{ "Apply partition" }</button>
                    <button class="btn small" onclick={cancel} aria-label="Cancel partition">{ "Cancel" }</button>
                </div>
            </div>
        };
    }

    let start_partition = {
        let on_groups = p.on_groups.clone();
        let on_pick = p.on_pick.clone();
        Callback::from(move |_: MouseEvent| {
            on_pick.emit(Pick::Nothing);
            on_groups.emit(Some(BTreeMap::new()));
        })
    };
    let list = html! { <MessageList pick={p.pick} on_pick={p.on_pick.clone()} /> };
    let partition_btn = html! {
        <button class="btn small" onclick={start_partition} aria-label="Edit a partition"
                title="Put nodes into groups that cannot reach each other">{ "Partition…" }</button>
    };

    let body = match p.pick {
        Pick::Message(id) => match v.messages.iter().find(|m| m.id == id) {
            Some(m) => html! {
                <>
                    <p class="what mono" data-testid="inspected-message">{ m.summary.clone() }</p>
                    <div class="buttons">
                        <button class="btn small" onclick={act(Action::DeliverMessage { id })}
                                aria-label={format!("Deliver message #{id} now")}>{ "Deliver now" }</button>
                        <button class="btn small danger" onclick={act(Action::DropMessage { id })}
                                aria-label={format!("Drop message #{id}")}>{ "Drop" }</button>
                        <button class="btn small" onclick={close.clone()} aria-label="Close inspector">{ "✕" }</button>
                    </div>
                </>
            },
            None => html! {
                <>
                    <p class="what">{ format!("Message #{id} is no longer in flight: it was delivered or dropped.") }</p>
                    <div class="buttons">
                        { list.clone() }
                        <button class="btn small" onclick={close.clone()} aria-label="Close inspector">{ "✕" }</button>
                    </div>
                </>
            },
        },
        Pick::Link(a, b) => match v.links.iter().find(|l| l.a == a && l.b == b) {
            Some(l) => {
                let dir = |from: NodeId, to: NodeId, s: LinkDir| {
                    let label = format!("{} → {}", name(from), name(to));
                    html! {
                        <span class="dir">
                            <span class={classes!("mono", format!("dir-{}", link_word(s)))}>{ format!("{label}: {}", link_word(s)) }</span>
                            if s == LinkDir::Healthy {
                                <button class="btn small" onclick={act(Action::Cut { from, to })} aria-label={format!("Cut {label}")}>{ "Cut" }</button>
                                <button class="btn small" onclick={act(Action::Hold { from, to })} aria-label={format!("Hold {label}")}
                                        title="Park its messages until released">{ "Hold" }</button>
                            } else if s == LinkDir::Cut {
                                <button class="btn small" onclick={act(Action::Reconnect { from, to })} aria-label={format!("Reconnect {label}")}>{ "Reconnect" }</button>
                            } else {
                                <button class="btn small" onclick={act(Action::Release { from, to })} aria-label={format!("Release {label}")}>{ "Release" }</button>
                            }
                        </span>
                    }
                };
                html! {
                    <>
                        <div class="what dirs" data-testid="inspected-link">
                            { dir(a, b, l.ab) }
                            { dir(b, a, l.ba) }
                        </div>
                        <div class="buttons">
                            <button class="btn small" onclick={close.clone()} aria-label="Close inspector">{ "✕" }</button>
                        </div>
                    </>
                }
            }
            None => Html::default(),
        },
        Pick::Nothing => html! {
            <>
                <p class="what hint">{ "Click a message to drop or deliver it; a link to cut or hold it (shift-click: both ways)." }</p>
                <div class="buttons">
                    { partition_btn }
                    { list }
                </div>
            </>
        },
    };
    html! {
        <div class="inspector" role="region" aria-label="Inspector">{ body }</div>
    }
}

/// Properties of [`MessageList`].
#[derive(Properties, PartialEq)]
struct ListProps {
    pick: Pick,
    on_pick: Callback<Pick>,
}

/// Every message in flight as a button (the keyboard's way to pick one), in a drop-down.
#[function_component(MessageList)]
fn message_list(p: &ListProps) -> Html {
    let sim = use_sim();
    let open = use_state(|| false);
    let msgs = &sim.view.messages;
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    // Escape closes the list and puts the focus back on its button (a disclosure's keyboard).
    let toggle_ref = use_node_ref();
    let onkeydown = {
        let (open, toggle_ref) = (open.clone(), toggle_ref.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" && *open {
                e.stop_propagation();
                open.set(false);
                if let Some(b) = toggle_ref.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    // A click or a Tab anywhere else closes it too: the focus leaving the list's box (to another
    // element or to nothing) is the one event both give.
    let wrap_ref = use_node_ref();
    let onfocusout = {
        let (open, wrap_ref) = (open.clone(), wrap_ref.clone());
        Callback::from(move |e: FocusEvent| {
            use wasm_bindgen::JsCast;
            let to = e
                .related_target()
                .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            let inside = wrap_ref
                .cast::<web_sys::Node>()
                .is_some_and(|w| w.contains(to.as_ref()));
            if *open && !inside {
                open.set(false);
            }
        })
    };
    html! {
        <div ref={wrap_ref} class="msg-list-wrap" {onkeydown} {onfocusout}>
            <button ref={toggle_ref} class="btn small" onclick={toggle} aria-expanded={open.to_string()} aria-controls="msg-list"
                    aria-label="Messages in flight">
                // The count in a box of its own (www/style.css .msg-count): it changes many
                // times a second, and a button that changed width would lay the panel out again.
                { "Messages (" }<span class="msg-count">{ format!("{})", sim.view.metrics.in_flight) }</span>
            </button>
            if *open {
                <ul id="msg-list" class="msg-list" aria-label="Messages in flight, oldest first: pick one to inspect it">
                    { for msgs.iter().take(60).map(|m| {
                        let id = m.id;
                        let on_pick = p.on_pick.clone();
                        let open = open.clone();
                        let onclick = Callback::from(move |_: MouseEvent| { on_pick.emit(Pick::Message(id)); open.set(false); });
                        html! {
                            <li key={id.to_string()}>
                                // Named by what it shows (kind, sender → receiver, number): the list's
                                // label says what the buttons do.
                                <button class={classes!("msg-item", (p.pick == Pick::Message(id)).then_some("picked"))} {onclick}>
                                    <span class={classes!("kind", format!("msg-{}", m.kind.trim_end_matches("_resp")))}>{ m.kind }</span>
                                    <span class="mono">{ format!("{} → {} #{id}", name(m.from), name(m.to)) }</span>
                                </button>
                            </li>
                        }
                    }) }
                    if msgs.is_empty() {
                        <li class="hint">{ "Nothing in flight." }</li>
                    }
                </ul>
            }
        </div>
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
            { item("", "snapshot", false, "snapshot") }
            { item("response", "vote", false, "hollow: reply") }
            <li><span class="swatch square" aria-hidden="true"></span>{ "learner" }</li>
            <li><span class="swatch link-cut" aria-hidden="true"></span>{ "cut" }</li>
            <li><span class="swatch link-held" aria-hidden="true"></span>{ "held" }</li>
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::{build, ViewInputs};
    use raft_sim::{SimOptions, World};

    /// A layer's class is the class an unpicked message of its look gets.
    #[test]
    fn a_layers_class_is_its_messages_class() {
        for (kind, response, parked, entries) in [
            ("append", false, false, 3),
            ("append_resp", true, false, 0),
            ("vote", false, true, 0),
            ("heartbeat_resp", true, true, 0),
        ] {
            let m = MessageView {
                id: 1,
                kind,
                from: 1,
                to: 2,
                progress: 0.5,
                x: 0.0,
                y: 0.0,
                response,
                parked,
                entries,
                summary: String::new(),
                sent_at: 0,
                deliver_at: Some(10),
            };
            let base = kind.trim_end_matches("_resp");
            assert_eq!(
                layer_class(&m, base),
                message_class(&m, base, false).to_string()
            );
        }
    }

    /// Raft §5.2: a candidate votes for itself and counts the votes granted in its term.
    #[test]
    fn a_candidates_tally_counts_the_votes_cast_for_it_in_its_term() {
        let mut w = World::new(SimOptions {
            seed: 42,
            pre_vote: false,
            keep_trace: false,
            ..Default::default()
        })
        .unwrap();
        let inputs = |w: &World| ViewInputs {
            display_now: w.now() as f64,
            animate: false,
            msgs_per_sec: 0.0,
        };
        // Step until some candidate holds a vote besides its own.
        let mut best = None;
        for _ in 0..20_000 {
            w.step();
            let v = build(&w, inputs(&w));
            if let Some(c) = v.nodes.iter().find(|n| n.role == RoleView::Candidate) {
                let (got, voters, need) = vote_tally(&v, c);
                assert_eq!((voters, need), (5, 3));
                assert!(got >= 1, "its own vote");
                let by_hand = v
                    .nodes
                    .iter()
                    .filter(|m| m.term == c.term && m.vote == Some(c.id))
                    .count();
                assert_eq!(got, by_hand);
                if got >= 2 {
                    best = Some(got);
                    break;
                }
            }
        }
        assert!(best.is_some(), "a candidate gathered votes");
    }
}
