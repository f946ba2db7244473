//! Parts of the playground built on their own and downloaded only when first used (issue 14:
//! what a first visit downloads). Each is a binary of this crate that trunk builds as an ES
//! module and its WebAssembly beside the page (`data-type="worker"` with
//! `data-bindgen-target="web"` in index.html, so trunk neither preloads nor starts it):
//!
//! - [`YOUR_RAFT`], the "Your Raft…" dialog (`bin/your_raft.rs`; [`crate::ui::your_raft`]);
//! - [`TRACE_READER`], the trace reader (`bin/trace_reader.rs`; [`crate::trace_reader`]),
//!   which [`open_text`] asks when a trace is opened.
//!
//! [`load`] imports a part (once: the browser keeps a module it imported) and starts its
//! WebAssembly; a failed download is an error that names the cause, and the next attempt asks
//! for the files again.

use std::cell::RefCell;
use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::open;
use crate::sim_driver::LoadRequest;
use crate::trace_reader::ReadTrace;

/// The "Your Raft…" dialog's module, relative to the page.
pub const YOUR_RAFT: &str = "your_raft.js";

/// The trace reader's module, relative to the page.
pub const TRACE_READER: &str = "trace_reader.js";

// `import()` cannot be written in Rust: this module imports the part (resolved against the
// page, not this snippet's own address) and starts its WebAssembly, then resolves to it.
#[wasm_bindgen(inline_js = "export function load_part(url) {
  return import(new URL(url, document.baseURI).href).then((m) => m.default().then(() => m));
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn load_part(url: &str) -> Result<js_sys::Promise, JsValue>;
}

// Failed downloads so far, by part: a browser keeps a failed module import, so a new attempt
// asks for the module under another address.
thread_local! {
    static FAILED: RefCell<BTreeMap<&'static str, u32>> = const { RefCell::new(BTreeMap::new()) };
}

/// A part's address for the next attempt.
pub fn part_url(part: &str, failed_before: u32) -> String {
    if failed_before == 0 {
        part.to_string()
    } else {
        format!("{part}?attempt={failed_before}")
    }
}

/// The text of a JavaScript error: its message when it is an `Error`, else its string.
pub fn js_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Downloads and starts `part` (once: later calls find it ready), resolving to its module.
pub async fn load(part: &'static str) -> Result<JsValue, String> {
    let failed = FAILED.with(|f| f.borrow().get(part).copied().unwrap_or(0));
    let promise = load_part(&part_url(part, failed)).map_err(|e| js_text(&e))?;
    JsFuture::from(promise).await.map_err(|e| {
        FAILED.with(|f| *f.borrow_mut().entry(part).or_default() += 1);
        js_text(&e)
    })
}

/// The function `name` that `part`'s `module` exports.
pub fn export(module: &JsValue, part: &str, name: &str) -> Result<js_sys::Function, String> {
    js_sys::Reflect::get(module, &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("{part} has no function {name}"))
}

/// Opens a text the person handed the page (a file, pasted text, a run from "Your Raft…") and
/// calls `done` with the run to load or why it cannot be opened. A trace goes to the trace
/// reader: `local` when this build links it (the groups page), else the [`TRACE_READER`] part,
/// downloaded the first time; `done` then runs later.
pub fn open_text(
    text: String,
    local: Option<ReadTrace>,
    done: impl FnOnce(Result<LoadRequest, String>) + 'static,
) {
    if !open::needs_trace_reader(&text) {
        return done(open::import_request(&text));
    }
    if let Some(read) = local {
        return done(read(&text).and_then(|answer| open::trace_request(&answer)));
    }
    wasm_bindgen_futures::spawn_local(async move {
        done(read_in_part(&text).await);
    });
}

/// Hands `text` to the trace reader part and opens its answer.
async fn read_in_part(text: &str) -> Result<LoadRequest, String> {
    let module = load(TRACE_READER).await.map_err(|e| {
        format!(
            "the trace reader could not be downloaded ({e}); check your connection and try again"
        )
    })?;
    let answer = export(&module, TRACE_READER, "read")?
        .call1(&JsValue::NULL, &JsValue::from_str(text))
        .map_err(|e| js_text(&e))?;
    open::trace_request(
        &answer
            .as_string()
            .ok_or("the trace reader gave no answer")?,
    )
}
