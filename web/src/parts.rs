//! Parts of the playground built on their own and downloaded only when first used (issue 14:
//! what a first visit downloads). Each is a binary of this crate that trunk builds as an ES
//! module and its WebAssembly beside the page (`data-type="worker"` with
//! `data-bindgen-target="web"` in index.html, so trunk neither preloads nor starts it):
//!
//! - [`YOUR_RAFT`], the "Your Raft…" dialog (`bin/your_raft.rs`; [`crate::ui::your_raft`]);
//! - [`FILES`], scenario and trace files (`bin/files.rs`; [`crate::files`]): [`open_text`]
//!   asks it to read a trace that is opened, [`write_file`] to write a file to download.
//!
//! [`load`] imports a part (once: the browser keeps a module it imported) and starts its
//! WebAssembly; a failed download is an error that names the cause, and the next attempt asks
//! for the files again.

use std::cell::RefCell;
use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::files::Local;
use crate::open;
use crate::sim_driver::LoadRequest;

/// The "Your Raft…" dialog's module, relative to the page.
pub const YOUR_RAFT: &str = "your_raft.js";

/// The files part's module (reads traces, writes trace and scenario files), relative to the
/// page.
pub const FILES: &str = "files.js";

// `import()` cannot be written in Rust: the page's own inline script defines
// `window.raftLoadPart(url)`, which imports the part (resolved against the page) and starts its
// WebAssembly, then resolves to it. Not a wasm-bindgen `inline_js` snippet: trunk builds the
// page's four binaries of this crate at once, each writing the crate's snippets to the same
// file, and one build hashed that file for index.html's integrity attribute while another had
// it truncated (the attribute held an empty file's SHA-384, the browser refused the snippet and
// the page never started: one of three release builds on 2026-12-07). Without the script (a
// page of someone else's) the call fails and the caller says the part could not be loaded.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = window, js_name = raftLoadPart)]
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
/// reader ([`crate::files::read`]): `local` when this build links it (the groups page), else
/// the [`FILES`] part, downloaded the first time; `done` then runs later.
pub fn open_text(
    text: String,
    local: Option<Local>,
    done: impl FnOnce(Result<LoadRequest, String>) + 'static,
) {
    if !open::needs_trace_reader(&text) {
        return done(open::import_request(&text));
    }
    if let Some(files) = local {
        return done((files.open)(&text));
    }
    wasm_bindgen_futures::spawn_local(async move {
        done(read_in_part(&text).await);
    });
}

/// Hands `text` to the files part's trace reader and opens its answer.
async fn read_in_part(text: &str) -> Result<LoadRequest, String> {
    let answer = call_files("read", &[text], "the trace reader").await?;
    open::trace_request(&answer)
}

/// A file to write for a download ([`write_file`]), from the run's JSON
/// ([`crate::share::Run::to_json`]).
#[derive(Debug, Clone)]
pub enum FileToWrite {
    /// The run's trace ([`crate::files::trace_file`]).
    Trace {
        /// The run's JSON.
        run: String,
    },
    /// The run as a scenario ([`crate::files::scenario_file`]).
    Scenario {
        /// The run's JSON.
        run: String,
        /// The scenario's name.
        name: String,
        /// Its description.
        description: String,
        /// Its expectations, as a JSON array.
        expect: String,
    },
}

/// Writes `file` and calls `done` with its text or why it could not be written: at once with
/// `local` (the groups page), else in the [`FILES`] part, downloaded the first time.
pub fn write_file(
    file: FileToWrite,
    local: Option<Local>,
    done: impl FnOnce(Result<String, String>) + 'static,
) {
    match (local, file) {
        (Some(files), FileToWrite::Trace { run }) => done((files.trace)(&run)),
        (
            Some(files),
            FileToWrite::Scenario {
                run,
                name,
                description,
                expect,
            },
        ) => done((files.scenario)(&run, &name, &description, &expect)),
        (None, file) => wasm_bindgen_futures::spawn_local(async move {
            done(match &file {
                FileToWrite::Trace { run } => call_files("trace", &[run], "the file writer").await,
                FileToWrite::Scenario {
                    run,
                    name,
                    description,
                    expect,
                } => {
                    call_files(
                        "scenario",
                        &[run, name, description, expect],
                        "the file writer",
                    )
                    .await
                }
            })
        }),
    }
}

/// Calls the files part's function `name` with `args` (downloading the part the first time):
/// its text, or why not (`what` names the part for the person).
async fn call_files(name: &str, args: &[&str], what: &str) -> Result<String, String> {
    let module = load(FILES).await.map_err(|e| {
        format!("{what} could not be downloaded ({e}); check your connection and try again")
    })?;
    let js_args: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    export(&module, FILES, name)?
        .apply(&JsValue::NULL, &js_args)
        .map_err(|e| js_text(&e))?
        .as_string()
        .ok_or_else(|| format!("{what} gave no answer"))
}
