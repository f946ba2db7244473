//! A modal dialog built on the native `<dialog>` element opened with `showModal()`: the browser
//! makes the rest of the page inert and moves focus in; Tab is kept inside (the browser would
//! otherwise let it wander to its own toolbar and back); Escape and a click on the backdrop
//! close it. Whoever opens a dialog returns focus to its opener when it closes (see
//! [`crate::ui::menu`]).

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlDialogElement, HtmlElement};
use yew::prelude::*;

/// What can take focus inside a dialog, in document order.
const FOCUSABLE: &str = "button:not([disabled]), [href], input:not([disabled]), \
    textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// The focusable elements inside `root`, in Tab order (all have tabindex 0 or none here).
fn focusables(root: &web_sys::Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .collect()
}

fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

/// Properties of [`Modal`].
#[derive(Properties, PartialEq)]
pub struct ModalProps {
    /// The heading, which also names the dialog.
    pub title: AttrValue,
    /// The dialog's id (the heading's is `{id}-title`).
    pub id: AttrValue,
    /// Close it (Escape, the close button, a click on the backdrop).
    pub onclose: Callback<()>,
    /// The body.
    pub children: Html,
}

/// A modal dialog: a title, a close button (focused first), the body.
#[function_component(Modal)]
pub fn modal(p: &ModalProps) -> Html {
    let dialog_ref = use_node_ref();
    {
        let dialog_ref = dialog_ref.clone();
        use_effect_with((), move |()| {
            if let Some(d) = dialog_ref.cast::<HtmlDialogElement>() {
                if !d.open() {
                    let _ = d.show_modal();
                }
                // showModal focuses the first focusable element; make sure of it.
                let inside = active_element().is_some_and(|a| d.contains(Some(&a)));
                if !inside {
                    if let Some(first) = focusables(&d).first() {
                        let _ = first.focus();
                    }
                }
            }
        });
    }
    let on_backdrop = {
        let onclose = p.onclose.clone();
        let dialog_ref = dialog_ref.clone();
        Callback::from(move |e: MouseEvent| {
            // The dialog itself is the backdrop: a click on it, not on the card inside.
            // (Yew delegates events, so compare with the element, not `current_target`.)
            let on_self = e
                .target()
                .zip(dialog_ref.get())
                .is_some_and(|(t, d)| JsValue::from(t) == JsValue::from(d));
            if on_self {
                onclose.emit(());
            }
        })
    };
    let on_key = {
        let onclose = p.onclose.clone();
        let dialog_ref = dialog_ref.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                // Not the browser's own close: the page decides what is open.
                e.prevent_default();
                onclose.emit(());
            }
            "Tab" => {
                let Some(d) = dialog_ref.cast::<web_sys::Element>() else {
                    return;
                };
                let items = focusables(&d);
                let (Some(first), Some(last)) = (items.first(), items.last()) else {
                    return;
                };
                let active = active_element();
                let is = |el: &HtmlElement| active.as_ref().is_some_and(|a| a == el.as_ref());
                let inside = active.as_ref().is_some_and(|a| d.contains(Some(a)));
                if e.shift_key() && (is(first) || !inside) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !e.shift_key() && (is(last) || !inside) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        })
    };
    // The browser's own cancel (e.g. a close request on Android): close through the page.
    let on_cancel = {
        let onclose = p.onclose.clone();
        Callback::from(move |e: Event| {
            e.prevent_default();
            onclose.emit(());
        })
    };
    let close = {
        let onclose = p.onclose.clone();
        Callback::from(move |_| onclose.emit(()))
    };
    let title_id = format!("{}-title", p.id);
    html! {
        <dialog ref={dialog_ref} class="modal-backdrop" aria-labelledby={title_id.clone()} id={p.id.clone()}
                onclick={on_backdrop} onkeydown={on_key} oncancel={on_cancel}>
            <div class="modal">
                <header class="modal-head">
                    <h2 id={title_id}>{ p.title.clone() }</h2>
                    <button class="btn small" onclick={close} aria-label="Close dialog" autofocus=true>{ "✕" }</button>
                </header>
                { p.children.clone() }
            </div>
        </dialog>
    }
}
