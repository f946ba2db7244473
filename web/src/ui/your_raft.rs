//! "Your Raft…" (issue 18) on the playground's side: the dialog itself ([`dialog`]) is a part
//! the playground downloads only when someone opens it (issue 14: the first visit's .wasm
//! leaves its code, the grader's messages and the worker's handling out).
//!
//! Trunk builds the part from `web/src/bin/your_raft.rs` as `your_raft.js` (an ES module) and
//! `your_raft_bg.wasm` beside the page (`data-bin="your_raft"` in index.html). Opening the
//! dialog imports that module ([`PART`]), and its `open(host, on_open, on_close)` renders
//! the dialog with a Yew renderer of its own into an element appended after the page's body
//! (outside the playground's Yew app: see [`open_part`]);
//! closing it calls the part's `close()` and removes the element. The two talk through
//! those two callbacks only: close, and open a failing run, handed over as its trace's text,
//! which the playground opens here as it opens any trace ([`parts::open_text`]).
//!
//! While the part downloads, a dialog says so; if the download fails, that dialog says why and
//! the person can close it and try again (a fresh attempt asks for the files again).

pub mod dialog;
pub mod grading;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::parts::{self, export, js_text, YOUR_RAFT as PART};
use crate::sim_driver::{use_sim, Sim, SimAction};
use crate::ui::modal::Modal;

/// Downloads and starts the part (once: later calls find it ready).
async fn load() -> Result<JsValue, String> {
    parts::load(PART).await
}

/// The part while it is open, and what it calls back (dropped when the dialog closes).
struct Opened {
    module: JsValue,
    host: web_sys::Element,
    _on_open: Closure<dyn Fn(String)>,
    _on_close: Closure<dyn Fn()>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let Ok(close) = export(&self.module, PART, "close") {
            let _ = close.call0(&JsValue::NULL);
        }
        self.host.remove();
    }
}

/// Where the download stands.
#[derive(Clone, PartialEq)]
enum Stage {
    Loading,
    Failed(String),
    Open,
}

/// Properties of [`YourRaftDialog`].
#[derive(Properties, PartialEq)]
pub struct YourRaftProps {
    /// Close it.
    pub onclose: Callback<()>,
}

/// "Your Raft…": downloads the dialog's part and opens it; says so while it downloads, and
/// why if it cannot be downloaded.
#[function_component(YourRaftDialog)]
pub fn your_raft_dialog(p: &YourRaftProps) -> Html {
    let sim = use_sim().dispatcher();
    let stage = use_state(|| Stage::Loading);
    {
        let stage = stage.clone();
        let onclose = p.onclose.clone();
        use_effect_with((), move |()| {
            let opened: Rc<RefCell<Option<Opened>>> = Rc::default();
            let alive = Rc::new(Cell::new(true));
            {
                let (opened, alive) = (opened.clone(), alive.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let result = load().await.and_then(|module| {
                        if !alive.get() {
                            return Ok(());
                        }
                        open_part(module, sim, onclose).map(|o| *opened.borrow_mut() = Some(o))
                    });
                    if alive.get() {
                        stage.set(match result {
                            Ok(()) => Stage::Open,
                            Err(e) => Stage::Failed(e),
                        });
                    }
                });
            }
            move || {
                alive.set(false);
                // Closed from inside the part (its close button, say): let that handler
                // return before the part's renderer is taken down.
                if let Some(o) = opened.borrow_mut().take() {
                    wasm_bindgen_futures::spawn_local(async move { drop(o) });
                }
            }
        });
    }
    match &*stage {
        Stage::Open => Html::default(),
        Stage::Loading => html! {
            <Modal id="your-raft-loading" title="Your Raft…" onclose={p.onclose.clone()}>
                <p role="status" data-testid="your-raft-loading">{ "Downloading the grader…" }</p>
            </Modal>
        },
        Stage::Failed(why) => html! {
            <Modal id="your-raft-loading" title="Your Raft…" onclose={p.onclose.clone()}>
                <p class="error" role="alert" data-testid="your-raft-load-failed">
                    { format!("Your Raft… could not be downloaded ({why}). Check your connection, then close this and try again.") }
                </p>
            </Modal>
        },
    }
}

/// Renders the part into a new element after the page's body.
fn open_part(
    module: JsValue,
    sim: UseReducerDispatcher<Sim>,
    onclose: Callback<()>,
) -> Result<Opened, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    // The host goes into the body beside the playground's root (`browser::app_root`), never
    // inside it: the part is another Yew app, and Yew handles every event under its root,
    // finding handlers by numbers it writes on elements (`__yew_subtree_id`,
    // `__yew_listener_id`) that both apps count from the same start. Under the playground's
    // root a click in the part ran whichever playground handler had the same number ("Open this
    // run" opened the Lessons dialog). Its dialog is modal (the top layer), so where its host
    // sits does not change what is seen.
    let host = document.create_element("div").map_err(|e| js_text(&e))?;
    document
        .body()
        .ok_or("no body")?
        .append_child(&host)
        .map_err(|e| js_text(&e))?;
    let close = onclose.clone();
    let on_open = Closure::<dyn Fn(String)>::new(move |trace: String| {
        let (sim, onclose) = (sim.clone(), onclose.clone());
        parts::open_text(trace, None, move |r| match r {
            Ok(req) => {
                sim.dispatch(SimAction::Load(Box::new(req)));
                onclose.emit(());
            }
            Err(e) => sim.dispatch(SimAction::Notify(format!(
                "That run could not be opened: {e}. Your run is unchanged."
            ))),
        });
    });
    let on_close = Closure::<dyn Fn()>::new(move || close.emit(()));
    let opened = Opened {
        module,
        host,
        _on_open: on_open,
        _on_close: on_close,
    };
    export(&opened.module, PART, "open")?
        .call3(
            &JsValue::NULL,
            &opened.host,
            opened._on_open.as_ref(),
            opened._on_close.as_ref(),
        )
        .map_err(|e| js_text(&e))?;
    Ok(opened)
}
