//! "Change membership…": a dialog that picks a new set of voters and has the leader move to it
//! through joint consensus (dissertation §4.3): first C_old,new, in which every decision needs a
//! majority of the old voters and a majority of the new ones, then C_new. The cluster view draws
//! both halves while the change is under way (see `components/cluster.rs`).

use raft_sim::Action;
use yew::prelude::*;

use crate::sim_driver::{use_sim, SimAction};
use crate::ui::modal::Modal;
use crate::view_model::{MemberView, NodeView};

/// The nodes that can be picked (not removed), and which are voters now.
pub fn choices(nodes: &[NodeView]) -> Vec<(u64, String, bool)> {
    nodes
        .iter()
        .filter(|n| n.member != MemberView::Removed)
        .map(|n| {
            let voter = matches!(n.member, MemberView::Voter | MemberView::Joining);
            (n.id, n.name.clone(), voter)
        })
        .collect()
}

/// The button and, when open, the dialog. The button is never disabled (focus must be able to
/// return to it, and a leader can be lost while the dialog is open): without a leader, or while
/// a joint change is under way, the dialog says why nothing can be started.
#[function_component(MembershipControl)]
pub fn membership_control() -> Html {
    let sim = use_sim();
    let open = use_state(|| false);
    let picked = use_state(Vec::<u64>::new);
    let button = use_node_ref();
    let joint = sim
        .view
        .nodes
        .iter()
        .any(|n| n.member == MemberView::Leaving);
    let no_leader = sim.view.metrics.leader.is_none();
    let list = choices(&sim.view.nodes);
    let now: Vec<u64> = list.iter().filter(|c| c.2).map(|c| c.0).collect();
    // The voters ticked are today's: nothing to change (the core would refuse it).
    let unchanged = same_set(&picked, &now);
    let show = {
        let open = open.clone();
        let picked = picked.clone();
        let now = now.clone();
        Callback::from(move |_| {
            picked.set(now.clone());
            open.set(true);
        })
    };
    {
        // Focus back on the button once the dialog has gone.
        let button = button.clone();
        let was_open = use_mut_ref(|| false);
        use_effect_with(*open, move |&o| {
            if *was_open.borrow() && !o {
                if let Some(b) = button.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
            *was_open.borrow_mut() = o;
        });
    }
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(false))
    };
    let start = {
        let open = open.clone();
        let picked = picked.clone();
        let sim = sim.clone();
        Callback::from(move |_| {
            let mut voters = (*picked).clone();
            voters.sort_unstable();
            sim.dispatch(SimAction::Act(Action::Reconfigure { voters }));
            open.set(false);
        })
    };
    let title = if joint {
        "A joint change (C_old,new) is under way"
    } else if no_leader {
        "Only a leader changes the configuration"
    } else {
        "Move to a new set of voters through joint consensus"
    };
    html! {
        <>
            <button class="btn" ref={button} onclick={show} aria-haspopup="dialog" {title}>{ "Change membership…" }</button>
            if *open {
                <Modal id="membership-dialog" title="Change membership" onclose={close}>
                    <p class="hint block">
                        { "Pick the voters of the new configuration. The leader first commits C_old,new: until it leaves it, \
                           every election and every commit needs a majority of the old voters and a majority of the new ones. \
                           Then it commits C_new, and nodes left out stop voting." }
                    </p>
                    <fieldset class="voter-pick">
                        <legend>{ "Voters of C_new" }</legend>
                        { for list.iter().map(|(id, name, _)| {
                            let id = *id;
                            let checked = picked.contains(&id);
                            let onchange = {
                                let picked = picked.clone();
                                Callback::from(move |_| {
                                    let mut p = (*picked).clone();
                                    if let Some(i) = p.iter().position(|&x| x == id) {
                                        p.remove(i);
                                    } else {
                                        p.push(id);
                                    }
                                    picked.set(p);
                                })
                            };
                            html! {
                                <label class="check">
                                    <input type="checkbox" {checked} {onchange} />
                                    { name.clone() }
                                </label>
                            }
                        }) }
                    </fieldset>
                    if joint {
                        <p class="hint block">{ "A joint change is under way: wait until the cluster leaves C_old,new." }</p>
                    } else if no_leader {
                        <p class="hint block">{ "Only a leader changes the configuration: wait until one is elected." }</p>
                    } else if picked.is_empty() {
                        <p class="hint block">{ "Tick at least one voter." }</p>
                    } else if unchanged {
                        <p class="hint block">{ "These are today's voters: tick or untick a node to change them." }</p>
                    }
                    <div class="buttons">
                        <button class="btn" onclick={start} disabled={picked.is_empty() || unchanged || joint || no_leader}>{ "Start the joint change" }</button>
                    </div>
                </Modal>
            }
        </>
    }
}

/// Whether two lists of node ids hold the same ids, in any order.
fn same_set(a: &[u64], b: &[u64]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}
