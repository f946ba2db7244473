//! The logs panel: one row per node, entries coloured by term, the commit marker, the applied
//! index, and for the leader's followers their match/next index and replication state.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::ring::term_class;
use crate::components::{Snap, SnapProps};
use crate::sim_driver::{use_sim, SimAction};
use crate::view_model::{name, MemberView, NodeView, RoleView, ViewModel};

/// The tooltip of the cell of `n` at log index `i` (None: no entry there).
pub fn cell_title(n: &NodeView, i: u64) -> Option<String> {
    let e = n.entries.iter().find(|e| e.index == i)?;
    Some(format!(
        "{} index {} · term {}{}{}",
        n.name,
        e.index,
        e.term,
        if e.noop { " · no-op" } else { "" },
        if e.committed { " · committed" } else { "" }
    ))
}

/// The log index of a cell of a row: the cells run to the window's last index `hi` without a
/// gap, so it is `hi` less the cells after it.
fn cell_index(cell: &web_sys::Element, hi: u64) -> u64 {
    let mut after = 0;
    let mut next = cell.next_element_sibling();
    while let Some(el) = next {
        after += 1;
        next = el.next_element_sibling();
    }
    hi.saturating_sub(after)
}

/// The logs panel, showing the latest state.
#[function_component(Logs)]
pub fn logs() -> Html {
    let sim = use_sim();
    html! { <LogsView sim={Snap::of(&sim)} /> }
}

/// The logs panel, showing the state it is given.
#[function_component(LogsView)]
pub fn logs_view(p: &SnapProps) -> Html {
    let sim = &p.sim;
    let v = &sim.view;
    let (lo, hi) = v.log_window;
    // A cell's tooltip is written when the pointer is on it, from the view drawn last: under
    // load the window slides by an entry or more every frame, and a `title` per cell changed
    // on nearly all of them (114 attribute writes a frame, each formatted, at 9 nodes with
    // ~300 messages in flight: e2e/tests/perf.test.js's busy run).
    let shown = use_mut_ref(|| None::<Rc<ViewModel>>);
    *shown.borrow_mut() = Some(v.clone());
    // Made once: the handle never changes (as a dependency it would be compared by value,
    // the whole view model against itself, every frame).
    let on_hover = use_callback((), move |e: MouseEvent, ()| {
        let Some(cell) = e.target_dyn_into::<web_sys::Element>() else {
            return;
        };
        let (Some(row), true) = (
            cell.closest(".log-row[data-node]").ok().flatten(),
            cell.class_list().contains("entry"),
        ) else {
            return;
        };
        let shown = shown.borrow();
        let Some(v) = shown.as_ref() else { return };
        let id = row
            .get_attribute("data-node")
            .and_then(|x| x.parse::<u64>().ok());
        let title = v
            .nodes
            .iter()
            .find(|n| Some(n.id) == id)
            .and_then(|n| cell_title(n, cell_index(&cell, v.log_window.1)));
        if let Some(t) = title {
            let _ = cell.set_attribute("title", &t);
        }
    });
    let columns: Vec<u64> = if lo <= hi {
        (lo..=hi).collect()
    } else {
        vec![]
    };
    // A fixed number of columns, so cells keep their size as the logs grow.
    let ncols = crate::view_model::LOG_WINDOW;
    let style = format!("--cols: {ncols}");

    let rows = v.nodes.iter().map(|n| {
        let id = n.id;
        let selected = sim.selected == Some(id);
        let onclick = {
            let sim = sim.clone();
            Callback::from(move |_| sim.dispatch(SimAction::Select(if selected { None } else { Some(id) })))
        };
        // Entries up to the snapshot index are gone from the log: one block stands for them.
        let snap_cols = columns.iter().filter(|&&i| i <= n.snapshot_index).count();
        let block = (snap_cols > 0).then(|| {
            html! {
                <span class="cell snapshot-block" style={format!("grid-column: span {snap_cols}")}
                      data-testid={format!("snapshot-{}", n.name)}
                      title={format!("{}: entries up to {} are compacted into a snapshot", n.name, n.snapshot_index)}>
                    { format!("snapshot ≤ {}", n.snapshot_index) }
                </span>
            }
        });
        let cells = columns.iter().filter(|&&i| i > n.snapshot_index).map(|&i| {
            let e = n.entries.iter().find(|e| e.index == i);
            let edge = i == n.committed && n.committed > 0;
            match e {
                Some(e) => html! {
                    <span class={classes!("cell", "entry", term_class(e.term), (!e.committed).then_some("uncommitted"), edge.then_some("commit-edge"), e.noop.then_some("noop"))}>
                        { e.term }
                    </span>
                },
                // A text node as an entry's, so that an entry arriving here changes its text
                // instead of adding a node.
                None => html! { <span class="cell empty">{ "" }</span> },
            }
        });
        let installing = n.installing.map(|(index, got, total)| {
            let pct = (got * 100).checked_div(total).unwrap_or(0);
            html! {
                <div class="installing" data-testid={format!("installing-{}", n.name)}>
                    <progress max={total.max(1).to_string()} value={got.to_string()}
                              aria-label={format!("{} installing snapshot up to {index}", n.name)} />
                    <span class="mono">{ format!("installing snapshot ≤ {index}: {got}/{total} B ({pct}%)") }</span>
                </div>
            }
        });
        let first = match n.role {
            RoleView::Crashed => format!("down · last {}", n.last_index),
            _ => format!("commit {} · applied {}", n.committed, n.applied),
        };
        // A snapshot left of the window: say so in place of the applied index.
        let first = match n.role {
            RoleView::Crashed => first,
            _ if n.snapshot_index > 0 && snap_cols == 0 => {
                format!("commit {} · snap ≤ {}", n.committed, n.snapshot_index)
            }
            _ => first,
        };
        let second = match (&n.progress, n.role) {
            (Some(p), _) => format!("match {} next {} {}", p.matched, p.next, p.state),
            (None, RoleView::Leader) => match (n.transferring_to, n.timer_in_ms) {
                (Some(t), _) => format!("leader, handing over to {}", name(t)),
                (None, Some(ms)) => format!("heartbeat in {ms} ms"),
                (None, None) => "leader".to_string(),
            },
            _ => String::new(),
        };
        let tag = match n.member {
            MemberView::Joining | MemberView::Removed if n.role != RoleView::Crashed => n.member.as_str(),
            _ => n.role.as_str(),
        };
        html! {
            <div class={classes!("log-row", selected.then_some("selected"), format!("role-{}", n.role.as_str()), format!("member-{}", n.member.as_str()))}
                 data-testid={format!("log-{}", n.name)} data-node={id.to_string()} key={id.to_string()}>
                <button class="log-name" {onclick} aria-pressed={selected.to_string()}
                        aria-label={format!("Select {} {tag}", n.name)}>
                    <span class="name">{ n.name.clone() }</span>{ " " }
                    <span class="role-tag">{ tag }</span>
                </button>
                <div class="cells-wrap">
                    <div class="cells" style={style.clone()}>{ for block }{ for cells }</div>
                    { for installing }
                </div>
                <span class="log-detail mono" title="match/next: the leader's view of this follower; the leader's row: when its next heartbeat round goes out">
                    <span>{ first }</span><span>{ second }</span>
                </span>
            </div>
        }
    });

    html! {
        <section class="panel logs" aria-labelledby="logs-title" onmouseover={on_hover}>
            <h2 id="logs-title">{ "Logs" }
                <span class="hint">{ "term · bar = commit · dashed = uncommitted · ▨ snapshot" }</span>
            </h2>
            <div class="log-row index-row" aria-hidden="true">
                <span class="log-name"></span>
                <div class="cells" style={style.clone()}>
                    { for columns.iter().map(|&i| html! {
                        <span class="cell index">{ if i % 5 == 0 || (i == lo && matches!(i % 5, 1 | 2)) { i.to_string() } else { String::new() } }</span>
                    }) }
                </div>
                <span class="log-detail"></span>
            </div>
            { for rows }
        </section>
    }
}
