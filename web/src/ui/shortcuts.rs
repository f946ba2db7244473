//! Keyboard shortcuts for the full page, and the `?` overlay that lists them.
//!
//! One listener on the document reads a key, maps it to a [`Shortcut`] ([`shortcut_for`], plain
//! Rust, tested natively) and dispatches the same actions as the buttons. Keys are ignored while
//! a modifier is held (the browser's own shortcuts stay), while typing in a field, and while a
//! dialog is open (the dialog owns the keyboard). Space only plays or pauses when focus is not on
//! something Space already activates (a button, a link, a node).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use raft_sim::Action;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::sim_driver::{use_sim, Sim, SimAction, SimContext};
use crate::ui::modal::Modal;
use crate::view_model::RoleView;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Play or pause.
    PlayPause,
    /// Advance by one event (pauses).
    Step,
    /// Crash the selected node, or restart it when it is down.
    CrashOrRestart,
    /// Make the selected node's election timer fire now.
    TimeOut,
    /// Send one client request.
    Request,
    /// Select the next node (by id, wrapping).
    NextNode,
    /// Select the previous node.
    PreviousNode,
    /// Show the list of shortcuts.
    Help,
    /// Unselect the selected node.
    Deselect,
}

/// The shortcuts, as the help overlay lists them: keys, then what they do.
pub const TABLE: &[(&str, &str)] = &[
    ("Space or K", "Play or pause"),
    (". (period)", "Step one event (pauses)"),
    ("N / P", "Select the next / previous node"),
    ("C", "Crash the selected node, or restart it"),
    (
        "T",
        "Time out the selected node now (it starts an election)",
    ),
    ("R", "Send a client request"),
    ("?", "Show this list"),
    ("Escape", "Close a dialog or this list; unselect the node"),
];

/// What C or T says when no node is selected.
pub const NO_NODE_SELECTED: &str = "Select a node first: click it, or press N or P to pick one.";

/// The shortcut for a key (`KeyboardEvent.key`), if any. Letters in either case.
pub fn shortcut_for(key: &str) -> Option<Shortcut> {
    Some(match key {
        " " | "k" | "K" => Shortcut::PlayPause,
        "." => Shortcut::Step,
        "c" | "C" => Shortcut::CrashOrRestart,
        "t" | "T" => Shortcut::TimeOut,
        "r" | "R" => Shortcut::Request,
        "n" | "N" | "]" => Shortcut::NextNode,
        "p" | "P" | "[" => Shortcut::PreviousNode,
        "?" => Shortcut::Help,
        "Escape" => Shortcut::Deselect,
        _ => return None,
    })
}

/// The node `step` places from `current` among `ids` (sorted), wrapping around; the first (or
/// last) when nothing is selected.
pub fn neighbour(ids: &[u64], current: Option<u64>, forward: bool) -> Option<u64> {
    if ids.is_empty() {
        return None;
    }
    let n = ids.len();
    let at = current.and_then(|c| ids.iter().position(|&i| i == c));
    let next = match (at, forward) {
        (None, true) => 0,
        (None, false) => n - 1,
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    Some(ids[next])
}

/// The action a shortcut asks of the simulation, given its state (`None`: nothing to do, e.g.
/// no node selected).
pub fn action_for(s: Shortcut, sim: &Sim) -> Option<SimAction> {
    let selected = sim
        .selected
        .and_then(|id| sim.view.nodes.iter().find(|n| n.id == id));
    let ids: Vec<u64> = sim.view.nodes.iter().map(|n| n.id).collect();
    match s {
        Shortcut::PlayPause => Some(SimAction::SetPlaying(!sim.playing)),
        Shortcut::Step => Some(SimAction::Step),
        Shortcut::Request => Some(SimAction::ClientRequest),
        // A key that acts on the selected node says so when there is none (it did nothing,
        // silently, and the walkthrough's "press C" seemed broken).
        Shortcut::CrashOrRestart | Shortcut::TimeOut if selected.is_none() => {
            Some(SimAction::Notify(NO_NODE_SELECTED.to_string()))
        }
        Shortcut::CrashOrRestart => selected.map(|n| {
            SimAction::Act(if n.role == RoleView::Crashed {
                Action::Restart { node: n.id }
            } else {
                Action::Crash { node: n.id }
            })
        }),
        Shortcut::TimeOut => selected
            .filter(|n| !matches!(n.role, RoleView::Crashed | RoleView::Leader))
            .map(|n| SimAction::Act(Action::Campaign { node: n.id })),
        Shortcut::Deselect => sim.selected.map(|_| SimAction::Select(None)),
        Shortcut::NextNode | Shortcut::PreviousNode => {
            neighbour(&ids, sim.selected, s == Shortcut::NextNode)
                .map(|id| SimAction::Select(Some(id)))
        }
        Shortcut::Help => None,
    }
}

/// Whether a key press on `target` belongs to the element rather than to the page.
fn owned_by_target(target: Option<&web_sys::Element>, key: &str) -> bool {
    let Some(t) = target else { return false };
    let tag = t.tag_name().to_ascii_lowercase();
    if matches!(tag.as_str(), "input" | "textarea" | "select")
        || t.closest("dialog").ok().flatten().is_some()
    {
        return true;
    }
    // Space activates buttons, links and focusable SVG nodes on its own.
    key == " "
        && (matches!(tag.as_str(), "button" | "a" | "summary")
            || t.get_attribute("role").as_deref() == Some("button")
            || t.get_attribute("tabindex").is_some())
}

/// The document's key listener, a button that lists the shortcuts, and that list (also on `?`).
#[function_component(Shortcuts)]
pub fn shortcuts() -> Html {
    let sim = use_sim();
    let help = use_state(|| false);
    // The state as of the latest render, for the listener (which lives as long as the page).
    let latest: Rc<RefCell<SimContext>> = use_mut_ref(|| sim.clone());
    *latest.borrow_mut() = sim.clone();
    // What had focus when the overlay opened, to give it back.
    let opener = use_mut_ref(|| None::<web_sys::HtmlElement>);
    {
        let help = help.clone();
        let opener = opener.clone();
        use_effect_with((), move |()| {
            let doc = web_sys::window().and_then(|w| w.document());
            let listener = doc.map(|doc| {
                let doc2 = doc.clone();
                // Not passive: a shortcut's key must not also scroll the page (Space).
                let opts = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                        return;
                    }
                    let key = e.key();
                    let target = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                    if owned_by_target(target.as_ref(), &key) {
                        return;
                    }
                    // Another dialog open (the run menu's): it owns the keyboard.
                    if doc2.query_selector("dialog[open]").ok().flatten().is_some() {
                        return;
                    }
                    let Some(s) = shortcut_for(&key) else { return };
                    e.prevent_default();
                    if s == Shortcut::Help {
                        *opener.borrow_mut() = doc2
                            .active_element()
                            .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok());
                        help.set(true);
                        return;
                    }
                    let sim = latest.borrow().clone();
                    if let Some(a) = action_for(s, &sim) {
                        sim.dispatch(a);
                    }
                })
            });
            move || drop(listener)
        });
    }
    {
        // After the overlay has gone (the page is no longer inert), focus what had it before.
        let opener = opener.clone();
        use_effect_with(*help, move |&open| {
            if !open {
                if let Some(el) = opener.borrow_mut().take() {
                    let _ = el.focus();
                }
            }
        });
    }
    let close = {
        let help = help.clone();
        Callback::from(move |()| help.set(false))
    };
    let show = {
        let help = help.clone();
        let opener = opener.clone();
        Callback::from(move |e: MouseEvent| {
            *opener.borrow_mut() = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
            help.set(true);
        })
    };
    html! {
        <>
        <button class="btn" onclick={show} aria-haspopup="dialog" title="Keyboard shortcuts (press ?)">{ "Shortcuts" }</button>
        if *help {
        <Modal id="shortcuts-dialog" title="Keyboard shortcuts" onclose={close}>
            <table class="shortcuts">
                <caption class="visually-hidden">{ "Keys and what they do" }</caption>
                <thead><tr><th scope="col">{ "Key" }</th><th scope="col">{ "What it does" }</th></tr></thead>
                <tbody>
                    { for TABLE.iter().map(|(k, what)| html! { <tr><td><kbd>{ *k }</kbd></td><td>{ *what }</td></tr> }) }
                </tbody>
            </table>
            <p class="hint block">{ "Shortcuts are off while you type in a field or a dialog is open." }</p>
        </Modal>
        }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_shortcuts_in_either_case() {
        assert_eq!(shortcut_for(" "), Some(Shortcut::PlayPause));
        assert_eq!(shortcut_for("K"), Some(Shortcut::PlayPause));
        assert_eq!(shortcut_for("c"), Some(Shortcut::CrashOrRestart));
        assert_eq!(shortcut_for("?"), Some(Shortcut::Help));
        assert_eq!(shortcut_for("x"), None);
        assert_eq!(shortcut_for("Enter"), None);
    }

    #[test]
    fn next_and_previous_node_wrap_around() {
        let ids = [1, 2, 3];
        assert_eq!(neighbour(&ids, None, true), Some(1));
        assert_eq!(neighbour(&ids, None, false), Some(3));
        assert_eq!(neighbour(&ids, Some(3), true), Some(1));
        assert_eq!(neighbour(&ids, Some(1), false), Some(3));
        assert_eq!(neighbour(&ids, Some(2), true), Some(3));
        assert_eq!(neighbour(&[], Some(2), true), None);
    }

    /// C and T explain themselves without a selected node; Escape unselects.
    #[test]
    fn node_keys_without_a_node_say_so_and_escape_unselects() {
        use crate::sim_driver::ResetSettings;
        let sim = Sim::new(ResetSettings::fresh(1), false);
        for key in ["c", "t"] {
            let a = action_for(shortcut_for(key).unwrap(), &sim);
            assert!(
                matches!(&a, Some(SimAction::Notify(t)) if t == NO_NODE_SELECTED),
                "{key}: {a:?}"
            );
        }
        assert!(
            action_for(Shortcut::Deselect, &sim).is_none(),
            "nothing selected"
        );
        let picked = std::rc::Rc::new(sim).reduce(SimAction::Select(Some(2)));
        assert!(matches!(
            action_for(shortcut_for("Escape").unwrap(), &picked),
            Some(SimAction::Select(None))
        ));
        assert!(matches!(
            action_for(Shortcut::CrashOrRestart, &picked),
            Some(SimAction::Act(Action::Crash { node: 2 }))
        ));
    }

    #[test]
    fn every_shortcut_is_listed_in_the_help() {
        for key in [" ", ".", "n", "p", "c", "t", "r", "?", "Escape"] {
            let s = shortcut_for(key).expect("a shortcut");
            let listed = TABLE.iter().any(|(k, _)| {
                k.to_ascii_lowercase()
                    .split([' ', '/'])
                    .any(|part| part == key.to_ascii_lowercase() || (key == " " && part == "space"))
            });
            assert!(listed, "{s:?} ({key:?}) is not in the help table");
        }
    }
}
