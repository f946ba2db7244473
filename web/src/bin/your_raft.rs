//! "Your Raft…" as a part of its own (issue 14): the dialog of issue 18, downloaded only when
//! someone opens it. Trunk builds this binary as `your_raft.js` (an ES module: `data-type=
//! "worker"` with `data-bindgen-target="web"` in index.html, so trunk neither preloads nor
//! starts it) and `your_raft_bg.wasm`. The playground (web/src/ui/your_raft.rs) imports the
//! module, starts it, and calls [`open`]; closing the dialog calls [`close`].

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web::your_raft_part::{YourRaftDialog, YourRaftProps};
use yew::{AppHandle, Callback};

thread_local! {
    static APP: RefCell<Option<AppHandle<YourRaftDialog>>> = const { RefCell::new(None) };
}

/// Renders the dialog into `host`. `on_open(trace)` opens a failing run's trace (JSON Lines
/// text) in the playground; `on_close()` asks the playground to close the dialog (which then
/// calls [`close`]).
#[wasm_bindgen]
pub fn open(host: web_sys::Element, on_open: js_sys::Function, on_close: js_sys::Function) {
    close();
    let props = YourRaftProps {
        onclose: Callback::from(move |()| {
            let _ = on_close.call0(&JsValue::NULL);
        }),
        onopen: Callback::from(move |trace: Rc<String>| {
            let _ = on_open.call1(&JsValue::NULL, &JsValue::from_str(&trace));
        }),
    };
    let app = yew::Renderer::<YourRaftDialog>::with_root_and_props(host, props).render();
    APP.with(|a| *a.borrow_mut() = Some(app));
}

/// Takes the dialog down (its worker stops with it).
#[wasm_bindgen]
pub fn close() {
    if let Some(app) = APP.with(|a| a.borrow_mut().take()) {
        app.destroy();
    }
}

fn main() {}
