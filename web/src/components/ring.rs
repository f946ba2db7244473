//! The ring of the cluster view: the nodes and the links between them, in an SVG of its own
//! under the overlay that carries the messages and the timers (components/cluster.rs).

use std::collections::BTreeMap;

use raft_core::NodeId;
use raft_sim::Action;
use yew::prelude::*;

use crate::components::layers::client_to_view;
use crate::sim_driver::{Sim, SimAction};
use crate::view_model::{name, LinkDir, LinkLine, MemberView, RoleView, NODE_R, VIEW};

/// CSS class for a term's colour (terms cycle through a palette of eight).
pub fn term_class(term: u64) -> String {
    if term == 0 {
        "term-none".to_string()
    } else {
        format!("term-c{}", (term - 1) % 8)
    }
}

/// A node's text pieces with a space on each side. SVG drops them on screen, but the text of the
/// node's parts then reads "S1 follower term 2", as its accessible name does, instead of
/// "S1followerterm 2" (axe-core's label-content-name-mismatch).
fn spaced(s: &str) -> String {
    format!(" {s} ")
}

/// Partition groups, in the order a click cycles through them.
pub(super) const GROUPS: [&str; 3] = ["A", "B", "C"];

/// What the inspector strip shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pick {
    Nothing,
    Message(u64),
    Link(NodeId, NodeId),
}

/// A node on the ring as drawn: what its element shows, and nothing that changes while it
/// only runs its timers (those are drawn on the overlay).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct RingNode {
    pub(super) id: NodeId,
    pub(super) name: String,
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) role: RoleView,
    pub(super) member: MemberView,
    pub(super) term: u64,
    pub(super) vote: Option<NodeId>,
    pub(super) paused: bool,
    /// A leader: the ring of its heartbeat timer (the part that moves is on the overlay).
    pub(super) heartbeat: bool,
    /// A candidate's votes ([`vote_tally`]).
    pub(super) tally: Option<(usize, usize, usize)>,
    /// [`node_label`].
    pub(super) label: String,
    /// [`ring_word`].
    pub(super) word: &'static str,
}

/// Properties of [`Ring`].
#[derive(Properties, PartialEq)]
pub(super) struct RingProps {
    pub(super) nodes: Vec<RingNode>,
    pub(super) links: Vec<LinkLine>,
    pub(super) selected: Option<NodeId>,
    pub(super) pick: Pick,
    pub(super) on_pick: UseStateSetter<Pick>,
    /// Some while editing a partition: each node's group (index into GROUPS).
    pub(super) groups: Option<BTreeMap<NodeId, usize>>,
    pub(super) on_groups: UseStateSetter<Option<BTreeMap<NodeId, usize>>>,
    pub(super) dispatcher: UseReducerDispatcher<Sim>,
    /// A click on the ring but on no node or link, in view-box coordinates.
    pub(super) on_background: Callback<(f64, f64)>,
}

/// The ring: the nodes and the links between them, in an SVG of its own under the overlay.
/// Its properties are plain data compared by value, so a frame in which only messages and
/// timers moved skips it entirely (no view built, nothing diffed): at 9 nodes under load it
/// was about a third of the page's Yew rendering (e2e/profile-page.mjs load).
#[function_component(Ring)]
pub(super) fn ring(p: &RingProps) -> Html {
    let svg_ref = use_node_ref();
    let selected = p.selected;
    // The links are one stop in the Tab order, after the nodes (a roving tab stop: ←/→ move
    // between them): at 9 nodes there are 36, which a keyboard user went through one by one
    // before reaching the first node. The stop is the link last focused, else the picked one,
    // else the first.
    let roving = use_state(|| None::<(NodeId, NodeId)>);
    let stop = (*roving)
        .filter(|&(a, b)| p.links.iter().any(|l| (l.a, l.b) == (a, b)))
        .or(match p.pick {
            Pick::Link(a, b) => Some((a, b)),
            _ => None,
        })
        .or_else(|| p.links.first().map(|l| (l.a, l.b)));
    let lines = p.links.iter().map(line);
    let links = p
        .links
        .iter()
        .enumerate()
        .map(|(k, l)| link(l, k, stop == Some((l.a, l.b)), p, &roving));
    let nodes = p.nodes.iter().map(|n| {
        let id = n.id;
        let activate = {
            let dispatcher = p.dispatcher.clone();
            let groups = p.groups.clone();
            let on_groups = p.on_groups.clone();
            move || match &groups {
                Some(g) => {
                    let mut g = g.clone();
                    let k = g.entry(id).or_insert(0);
                    *k = (*k + 1) % GROUPS.len();
                    on_groups.set(Some(g));
                }
                None => dispatcher.dispatch(SimAction::Select(if selected == Some(id) { None } else { Some(id) })),
            }
        };
        let onclick = {
            let activate = activate.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                activate();
            })
        };
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                activate();
            }
        });
        let is_sel = selected == Some(id);
        let group = p.groups.as_ref().map(|g| g.get(&id).copied().unwrap_or(0));
        // A candidate's tally, as RaftScope draws it: one dot per voter, filled for each vote
        // cast for it in its term (the voters' own record, so a vote still on its way counts).
        let tally = n.tally;
        let tally_dots = match tally {
            Some((got, voters, _)) => {
                let w = 9.0;
                let x0 = -(voters.saturating_sub(1) as f64) * w / 2.0;
                html! {
                    <g class="tally" aria-hidden="true" transform={format!("translate(0 {})", fmt(-NODE_R + 12.0))}>
                        { for (0..voters).map(|k| html! {
                            <circle class={classes!("tally-dot", (k < got).then_some("got"))}
                                    cx={fmt(x0 + k as f64 * w)} cy="0" r="3.2" />
                        }) }
                    </g>
                }
            }
            None => Html::default(),
        };
        let ring = NODE_R + 6.0;
        // An election timer runs down and the leader's pulse grows every frame: both are drawn
        // on the overlay (see `timers` below).
        let timer = if n.heartbeat {
            html! { <circle class="timer heartbeat" r={fmt(ring)} /> }
        } else {
            Html::default()
        };
        // The term, and under it the vote: on one line ("term 2 · voted for S7") the labels of
        // neighbours ran into each other from 7 nodes on.
        let term = format!("term {}", n.term);
        let vote = match (n.role, n.vote) {
            (RoleView::Crashed, _) | (_, None) => None,
            (_, Some(v)) => Some(format!("voted for {}", name(v))),
        };
        // Learners (and nodes still joining) are squares: they replicate but never vote.
        let square = matches!(n.member, MemberView::Learner | MemberView::Joining)
            || n.role == RoleView::Learner;
        let body = if square {
            html! { <rect class="body" x={fmt(-NODE_R + 3.0)} y={fmt(-NODE_R + 3.0)}
                          width={fmt(2.0 * NODE_R - 6.0)} height={fmt(2.0 * NODE_R - 6.0)} rx="12" /> }
        } else {
            html! { <circle class="body" r={fmt(NODE_R)} /> }
        };
        let mut said = n.label.clone();
        if let Some((got, voters, need)) = tally {
            said.push_str(&format!(", {got} of {voters} votes (needs {need})"));
        }
        let title = match group {
            Some(g) => format!("{said} — in group {}; click to move it to group {}", GROUPS[g], GROUPS[(g + 1) % GROUPS.len()]),
            None => format!("{said} — click to select"),
        };
        let label = match group {
            Some(g) => format!("{said}; partition group {}", GROUPS[g]),
            None => said,
        };
        html! {
            <g key={id.to_string()}
               class={classes!("node", format!("role-{}", n.role.as_str()), format!("member-{}", n.member.as_str()),
                               term_class(n.term), is_sel.then_some("selected"), n.paused.then_some("paused"),
                               group.map(|g| format!("group-{}", GROUPS[g])))}
               transform={format!("translate({} {})", fmt(n.x), fmt(n.y))}
               role="button" tabindex="0" aria-pressed={is_sel.to_string()} aria-label={label}
               data-node={n.name.clone()} data-role={n.role.as_str()} data-member={n.member.as_str()} {onclick} {onkeydown}>
                <title>{ title }</title>
                // Fixed bounds: the heartbeat pulse grows inside this, so the node's box never moves.
                <circle class="bounds" r={fmt(NODE_R + 24.0)} />
                <circle class="halo" r={fmt(NODE_R + 13.0)} />
                <circle class="timer-track" r={fmt(ring)} />
                { timer }
                { body }
                { tally_dots }
                if n.role == RoleView::Leader {
                    <text class="crown" y={fmt(-NODE_R + 15.0)} aria-hidden="true">{ "★" }</text>
                }
                if n.role == RoleView::Crashed {
                    <path class="cross" d="M-14,-30 L14,-2 M14,-30 L-14,-2" aria-hidden="true" />
                }
                <text class="node-id" y="4">{ spaced(&n.name) }</text>
                <text class="node-role" y="20">{ spaced(n.word) }</text>
                if n.paused {
                    <text class="pause-mark" y={fmt(-NODE_R + 15.0)} x={fmt(NODE_R - 8.0)} aria-hidden="true">{ "II" }</text>
                }
                <text class="node-term" y={fmt(NODE_R + 26.0)}>{ spaced(&term) }</text>
                if let Some(vote) = vote {
                    <text class="node-term node-vote" y={fmt(NODE_R + 40.0)}>{ spaced(&vote) }</text>
                }
            </g>
        }
    });
    let onclick = {
        let svg_ref = svg_ref.clone();
        let on_background = p.on_background.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(svg) = svg_ref.cast::<web_sys::Element>() {
                let r = svg.get_bounding_client_rect();
                on_background.emit(client_to_view(
                    (f64::from(e.client_x()), f64::from(e.client_y())),
                    (r.left(), r.top(), r.width(), r.height()),
                    (VIEW, VIEW),
                ));
            }
        })
    };
    // The partition editor's group letters, drawn over the nodes but outside them: a letter
    // inside a node's button would be part of its visible text, which its name must then
    // contain (axe-core label-content-name-mismatch); the name says the group in words.
    let badges = p.groups.as_ref().map(|groups| {
        p.nodes
            .iter()
            .map(|n| {
                let g = groups.get(&n.id).copied().unwrap_or(0);
                html! {
                    <g key={n.id.to_string()} class={classes!("group-badge", format!("group-{}", GROUPS[g]))}
                       transform={format!("translate({} {})", fmt(n.x + NODE_R - 4.0), fmt(n.y - NODE_R + 4.0))}>
                        <circle r="13" />
                        <text y="5">{ GROUPS[g] }</text>
                    </g>
                }
            })
            .collect::<Html>()
    });
    html! {
        <svg ref={svg_ref} class="cluster-svg" viewBox={format!("0 0 {VIEW} {VIEW}")} preserveAspectRatio="xMidYMid meet"
             role="group" aria-label="Cluster: nodes, links and messages in flight" {onclick}>
            <g class="links" aria-hidden="true">{ for lines }</g>
            <g class="nodes">{ for nodes }</g>
            <g class="link-buttons" role="group" aria-label="Links: ← and → move between them">{ for links }</g>
            if let Some(b) = badges {
                <g class="group-badges" aria-hidden="true">{ b }</g>
            }
        </svg>
    }
}

fn fmt(x: f64) -> String {
    crate::components::layers::tenths(x)
}

/// A link as drawn under the nodes: its state (healthy, cut, one way, held) and nothing else.
fn line(l: &LinkLine) -> Html {
    html! {
        <line key={format!("{}-{}", l.a, l.b)} class={classes!("link", format!("link-{}", l.state.as_str()))}
              x1={fmt(l.x1)} y1={fmt(l.y1)} x2={fmt(l.x2)} y2={fmt(l.y2)} />
    }
}

/// A link's button, drawn over the nodes (after them in the Tab order): the band that takes
/// clicks and a copy of the line between the two circles that lights up when the link is
/// hovered, focused or picked. `k` is its place among the links; `stop` says it is the one
/// link the Tab key reaches.
fn link(
    l: &LinkLine,
    k: usize,
    stop: bool,
    p: &RingProps,
    roving: &UseStateHandle<Option<(NodeId, NodeId)>>,
) -> Html {
    let (a, b) = (l.a, l.b);
    let picked = p.pick == Pick::Link(a, b);
    let both_healthy = l.ab == LinkDir::Healthy && l.ba == LinkDir::Healthy;
    let activate = {
        let dispatcher = p.dispatcher.clone();
        let pick = p.on_pick.clone();
        move |shift: bool| {
            if shift {
                // Shift-click: cut both ways, or heal both ways.
                let acts = if both_healthy {
                    [
                        Action::Cut { from: a, to: b },
                        Action::Cut { from: b, to: a },
                    ]
                } else {
                    [
                        Action::Reconnect { from: a, to: b },
                        Action::Reconnect { from: b, to: a },
                    ]
                };
                for act in acts {
                    dispatcher.dispatch(SimAction::Act(act));
                }
            } else {
                pick.set(if picked {
                    Pick::Nothing
                } else {
                    Pick::Link(a, b)
                });
            }
        }
    };
    let onclick = {
        let activate = activate.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            activate(e.shift_key());
        })
    };
    let count = p.links.len();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        let to = match e.key().as_str() {
            "Enter" | " " => {
                e.prevent_default();
                activate(e.shift_key());
                return;
            }
            "ArrowRight" | "ArrowDown" => (k + 1) % count,
            "ArrowLeft" | "ArrowUp" => (k + count - 1) % count,
            "Home" => 0,
            "End" => count - 1,
            _ => return,
        };
        e.prevent_default();
        crate::browser::focus_first(&format!(".link-buttons > .link-g:nth-child({})", to + 1));
    });
    let onfocus = {
        let roving = roving.clone();
        Callback::from(move |_: FocusEvent| roving.set(Some((a, b))))
    };
    let (dx, dy) = (l.x2 - l.x1, l.y2 - l.y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len * NODE_R, dy / len * NODE_R);
    html! {
        <g key={format!("{a}-{b}")} class={classes!("link-g", picked.then_some("picked"))}
           role="button" tabindex={if stop { "0" } else { "-1" }} aria-pressed={picked.to_string()}
           aria-label={format!("Link {} – {}: {}", name(a), name(b), l.title)}
           data-link={format!("{}-{}", name(a), name(b))} {onclick} {onkeydown} {onfocus}>
            <title>{ format!("{} — click to cut, hold or heal; shift-click to cut or heal both ways", l.title) }</title>
            <line class={classes!("link-glow", format!("glow-{}", l.state.as_str()))}
                  x1={fmt(l.x1 + ux)} y1={fmt(l.y1 + uy)} x2={fmt(l.x2 - ux)} y2={fmt(l.y2 - uy)} />
            <path class="link-hit" d={hit_area(l)} />
        </g>
    }
}

/// A band 14 units wide along a link, between the two nodes' circles: what takes the clicks.
fn hit_area(l: &LinkLine) -> String {
    let (dx, dy) = (l.x2 - l.x1, l.y2 - l.y1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    let (nx, ny) = (-uy * 7.0, ux * 7.0);
    let gap = NODE_R + 8.0;
    let (ax, ay) = (l.x1 + ux * gap, l.y1 + uy * gap);
    let (bx, by) = (l.x2 - ux * gap, l.y2 - uy * gap);
    format!(
        "M{},{} L{},{} L{},{} L{},{} Z",
        fmt(ax + nx),
        fmt(ay + ny),
        fmt(bx + nx),
        fmt(by + ny),
        fmt(bx - nx),
        fmt(by - ny),
        fmt(ax - nx),
        fmt(ay - ny)
    )
}
